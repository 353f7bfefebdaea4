"""The load test with injected faults (docs/reliability.md).

    python -m loadtest.run                 # the full run: 5 minutes of load, 24 users (make loadtest)
    python -m loadtest.run --short         # the CI run: 35 s, 8 users, the same faults made shorter

The production layout in small: gunicorn (deploy/gunicorn.conf.py, 3 workers) on a PostgreSQL server of the
test's own, a Celery worker (2 processes) on Redis, the SMS gateway (answering in 100 ms) and CPGRAMS as HTTP
simulators in this process, and this process as the beat (the outbox, escalation and CPGRAMS sweeps every few
seconds, and the platform's clock moved on so that timelines lapse). Locust sends mixed traffic
(loadtest/locustfile.py) while faults are injected:

- the SMS gateway refuses 30% of the messages it is sent (503), all through the run;
- the CPGRAMS simulator closes its port for a minute (10 s in the short run);
- a Celery worker is killed with SIGKILL mid-run, and started again;
- PostgreSQL is restarted once (a fast restart: every open connection is cut).

Then the load stops, the faults end, the sweeps run until the outboxes are empty, and loadtest/audit.py checks
the ledger of what was acknowledged against the database. It prints throughput, latency, errors and the audit;
the exit status is 1 when a check fails.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from loadtest.audit import audit, read_ledger  # noqa: E402
from loadtest.postgres import PostgresServer  # noqa: E402
from loadtest.processes import free_port, stop  # noqa: E402
from plugins.cpgrams.simulator import Simulator  # noqa: E402
from tests.support.fake_sms_gateway import FakeSmsGateway  # noqa: E402

SECRET = "load-test-secret-key-0123456789-abcdefghij"
PLACES = [{"where": "other", "district": "Mysuru", "taluk": "Hunsur", "locality": "Bilikere", "pincode": "571105"},
          {"where": "other", "district": "Bengaluru Urban", "taluk": "Anekal", "locality": "Chandapura", "pincode": "562106"}]
OFFICERS = ["tahsildar_hunsur", "spl_tahsildar", "tahsildar"]
NODAL_DEPARTMENT = "FISH"


@dataclass(frozen=True)
class Profile:
    duration: float         # seconds of load
    users: int
    spawn_rate: float
    citizens: int           # accounts with a token (users take them in turn)
    tick: float             # seconds between the beat's rounds
    clock_days: float       # how far the platform's clock moves over the whole load
    cpgrams_down: float     # seconds the CPGRAMS simulator is down
    drain: float            # at most this long for the outboxes to empty after the load
    nodal_every: float      # seconds between a nodal officer's publishes

    def at(self, share: float) -> float:
        return self.duration * share


FULL = Profile(duration=300, users=24, spawn_rate=4, citizens=300, tick=3, clock_days=21, cpgrams_down=60, drain=240,
               nodal_every=45)
SHORT = Profile(duration=35, users=8, spawn_rate=4, citizens=60, tick=2, clock_days=21, cpgrams_down=10, drain=150,
                nodal_every=20)


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Deployment:
    """The processes of the platform, started and stopped (and killed) as production's service manager would."""

    def __init__(self, root: Path, env: dict):
        self.root, self.env = root, env
        self.web = None
        self.worker = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker_starts = 0

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "a")
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_web(self) -> None:
        # The production settings (deploy/gunicorn.conf.py: sync workers, worker recycling), three workers.
        self.web = self._spawn("web", [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "ipgrs.wsgi:app"])

    def start_worker(self) -> None:
        self.worker_starts += 1
        self.worker = self._spawn("worker", [str(BIN / "celery"), "-A", "ipgrs.worker", "worker", "--concurrency=2",
                                             "--loglevel=INFO", "--without-gossip", "--without-mingle",
                                             "-n", f"load{self.worker_starts}-{os.getpid()}@%h"])

    def kill_worker(self) -> None:
        """SIGKILL to the worker's whole process group: the parent and its pool, with whatever they were doing."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.web.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError("the web server did not start:\n" + (self.root / "web.log").read_text()[-3000:])

    def stop(self) -> None:
        stop(self.web)
        stop(self.worker)


class Beat(threading.Thread):
    """Celery beat's job, faster: the sweeps every `tick` seconds, two escalation sweeps at once every other round
    (they must not escalate one lapse twice), a new CPGRAMS grievance now and then, and the clock moved on."""

    TASKS = ("ipgrs.notifications.deliver_due", "cpgrams.pull", "cpgrams.deliver_due")

    def __init__(self, broker: str, clock_file: Path, simulator: Simulator, tick: float, clock_step_hours: float):
        super().__init__(name="load-beat", daemon=True)
        from celery import Celery

        self.celery = Celery(broker=broker)
        self.clock_file, self.simulator, self.tick = clock_file, simulator, tick
        self.clock_step_hours, self.offset_hours = clock_step_hours, 0.0
        self.stopping = threading.Event()
        self.rounds = 0
        self.feed = True        # new CPGRAMS grievances
        self.escalate = True    # escalation sweeps
        self.errors = 0

    def move_clock(self, hours: float) -> None:
        self.offset_hours += hours
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(str(self.offset_hours * 3600))
        os.replace(tmp, self.clock_file)

    def run(self) -> None:
        while not self.stopping.wait(self.tick):
            self.rounds += 1
            if self.clock_step_hours:
                self.move_clock(self.clock_step_hours)
            if self.feed and self.rounds % 3 == 0:
                self.simulator.add(1)
            try:
                for name in self.TASKS:
                    self.celery.send_task(name)
                for _ in range(2 if self.rounds % 2 else 1) if self.escalate else ():
                    self.celery.send_task("ipgrs.grievances.escalate")
            except Exception:  # noqa: BLE001 - the broker is not what is under test; count and go on
                self.errors += 1


def _seed(url: str, root: Path, profile: Profile) -> dict:
    """Demo logins (officers with their postings), a nodal officer, and citizens with app tokens."""
    from ipgrs import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "IPGRS_PLUGINS": (),
                      "NOTIFICATION_OUTBOX_LOG": str(root / "seed-outbox.log")})
    with app.app_context():
        from sqlalchemy import select

        from ipgrs.catalog.models import Department
        from ipgrs.citizens.models import Citizen
        from ipgrs.citizens.services import issue_token
        from ipgrs.configuration.models import NodalAssignment
        from ipgrs.demo import seed
        from ipgrs.extensions import db

        seed()
        sm = app.appbuilder.sm
        nodal = sm.add_user("load_nodal", "Load", "Nodal", "load_nodal@load.invalid", sm.find_role("Nodal Officer"),
                            password="load_nodal")
        department = db.session.scalar(select(Department).where(Department.code == NODAL_DEPARTMENT))
        db.session.add(NodalAssignment(user_id=nodal.id, department_id=department.id))
        citizens = []
        for i in range(profile.citizens):
            place = PLACES[i % len(PLACES)]
            citizen = Citizen(mobile=f"+9197{i:08d}", name=f"Load citizen {i}", language="kn" if i % 3 == 0 else "en",
                              district=place["district"], taluk=place["taluk"], locality=place["locality"],
                              pincode=place["pincode"])
            db.session.add(citizen)
            db.session.flush()
            citizens.append({"token": issue_token(db.session, citizen)[0]})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"citizens": citizens, "officers": OFFICERS, "places": PLACES,
            "nodal": {"username": "load_nodal", "password": "load_nodal", "department": NODAL_DEPARTMENT}}


def _cli(env: dict, *args: str) -> None:
    result = subprocess.run([str(BIN / "ipgrs"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"ipgrs {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def _drain(engine: sa.Engine, deadline: float, quiet: float = 0) -> dict:
    """Until nothing waits in the outboxes and every CPGRAMS grievance is processed, for `quiet` seconds on end
    (or the deadline)."""
    empty_since = None
    while True:
        with engine.connect() as conn:
            waiting = {
                "notifications": conn.scalar(sa.text("SELECT count(*) FROM notification WHERE status IN ('pending', 'failed')")),
                "cpgrams outbox": conn.scalar(sa.text("SELECT count(*) FROM cpgrams_outbox WHERE status IN ('pending', 'failed')")),
                "cpgrams received": conn.scalar(sa.text("SELECT count(*) FROM cpgrams_grievance WHERE state = 'received'")),
            }
        now = time.monotonic()
        if any(waiting.values()):
            empty_since = None
        elif empty_since is None:
            empty_since = now
        if (empty_since is not None and now - empty_since >= quiet) or now > deadline:
            return waiting
        time.sleep(1)


def _stats(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def run(profile: Profile, root: Path, redis_url: str, faults_on: bool = True) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    faults: list[tuple[float, str]] = []
    started = time.monotonic()

    def fault(what: str) -> None:
        faults.append((round(time.monotonic() - load_started, 1), what))
        _say(what)

    postgres = PostgresServer().init()  # in a directory of its own under /tmp, which the postgres account can reach
    gateway = FakeSmsGateway(failure_rate=0.3 if faults_on else 0.0).start()
    gateway.slow(0.1)  # a real gateway takes its time: a worker killed mid-run is likely to be waiting on one
    simulator = Simulator()
    simulator.add(3)
    simulator.start()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    clock_file = root / "clock"
    clock_file.write_text("0")
    env = dict(os.environ, DATABASE_URL=postgres.url, SECRET_KEY=SECRET, CELERY_BROKER_URL=redis_url,
               IPGRS_INSTANCE_DIR=str(root), IPGRS_CONFIG_DIR=str(ROOT / "config"), IPGRS_RULES_REFRESH_SECONDS="1",
               IPGRS_CLOCK_FILE=str(clock_file), IPGRS_PROXY_HOPS="1", IPGRS_LOG_FORMAT="json",
               SMS_PROVIDER="http", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN=gateway.token,
               IPGRS_PLUGINS="cpgrams", CPGRAMS_BASE_URL=simulator.url, CPGRAMS_USERNAME="ipgrs-load",
               CPGRAMS_API_KEY="load-test-key", CPGRAMS_PUSH_SECRET="load-test-push-secret", CPGRAMS_TIMEOUT_SECONDS="2",
               CPGRAMS_RETRY_BASE_SECONDS="2", CPGRAMS_RETRY_MAX_SECONDS="10", CPGRAMS_MAX_ATTEMPTS="50",
               NOTIFICATION_MAX_ATTEMPTS="30", PUBLIC_BASE_URL="http://127.0.0.1")
    env.pop("FLASK_RUN_FROM_CLI", None)
    deployment = Deployment(root, env)
    env.update(IPGRS_BIND=f"127.0.0.1:{deployment.port}", IPGRS_WEB_WORKERS="3")
    engine = sa.create_engine(postgres.url, pool_pre_ping=True)
    beat = None
    try:
        _say(f"PostgreSQL on port {postgres.port}; migrating and publishing the shipped configuration")
        _cli(env, "db", "upgrade")
        _cli(env, "config", "publish", str(ROOT / "config"), "-m", "load test")
        accounts = _seed(postgres.url, root, profile)
        (root / "accounts.json").write_text(json.dumps(accounts))
        deployment.start_web()
        deployment.start_worker()
        deployment.wait_ready()
        steps = profile.duration / profile.tick
        beat = Beat(redis_url, clock_file, simulator, profile.tick, profile.clock_days * 24 / steps)
        ledger = root / "ledger.jsonl"
        ledger.unlink(missing_ok=True)  # a --dir used before must not add an earlier run's acknowledgements
        _say(f"load: {profile.users} users for {profile.duration:.0f} s against {deployment.url} (setup took "
             f"{time.monotonic() - started:.0f} s)")
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "-u", str(profile.users),
             "-r", str(profile.spawn_rate), "-t", f"{int(profile.duration)}s", "--host", deployment.url,
             "--csv", str(root / "locust"), "--only-summary", "--stop-timeout", "30", "--exit-code-on-error", "0"],
            cwd=ROOT, env=dict(env, LOADTEST_ACCOUNTS=str(root / "accounts.json"), LOADTEST_LEDGER=str(ledger),
                               LOADTEST_NODAL_EVERY=str(profile.nodal_every)),
            stdout=open(root / "locust.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
        load_started = time.monotonic()
        beat.start()
        if faults_on:
            fault("the SMS gateway refuses 30% of messages from now on")
        schedule = [] if not faults_on else [
            (profile.at(0.2), "cpgrams_down"),
            (profile.at(0.2) + profile.cpgrams_down, "cpgrams_up"),
            (profile.at(0.45), "kill_worker"),
            (profile.at(0.45) + 3, "start_worker"),
            (profile.at(0.7), "restart_postgres"),
        ]
        for when, what in sorted(schedule):  # then the load runs on to its end (locust.wait below)
            while time.monotonic() - load_started < when:
                if locust.poll() is not None:
                    break
                time.sleep(0.2)
            if what == "cpgrams_down":
                simulator.set_fault("down")
                fault(f"CPGRAMS simulator down (port closed) for {profile.cpgrams_down:.0f} s")
            elif what == "cpgrams_up":
                simulator.restart()
                fault("CPGRAMS simulator back")
            elif what == "kill_worker":
                deployment.kill_worker()
                fault("Celery worker killed with SIGKILL (parent and pool)")
            elif what == "start_worker":
                deployment.start_worker()
                fault("Celery worker started again")
            elif what == "restart_postgres":
                down = postgres.restart()
                fault(f"PostgreSQL restarted (fast; down {down:.1f} s)")
        locust.wait(timeout=profile.duration + 120)
        load_seconds = time.monotonic() - load_started
        # The drain: no new CPGRAMS grievances; the clock moves minutes rather than hours a round (retries of the
        # outboxes fall due, timelines hardly lapse); once the outboxes are empty the escalation sweeps stop too,
        # and the outboxes must stay empty for a few rounds before the audit.
        beat.feed, beat.clock_step_hours = False, 5 / 60
        _say("load over; the sweeps run until the outboxes are empty")
        drain_started = time.monotonic()
        deadline = drain_started + profile.drain
        _drain(engine, deadline)
        beat.escalate = False
        waiting = _drain(engine, deadline, quiet=3 * profile.tick)
        drained = time.monotonic() - drain_started
        beat.stopping.set()
        beat.join(timeout=10)
        checks = audit(engine, read_ledger(ledger), gateway, simulator)
        stats = _stats(root / "locust")
        return {"profile": profile.__dict__, "load_seconds": round(load_seconds, 1), "drain_seconds": round(drained, 1),
                "left_waiting": waiting, "faults": faults, "beat_rounds": beat.rounds,
                "clock_moved_days": round(beat.offset_hours / 24, 1), "stats": stats,
                "checks": [{"name": c.name, "figure": c.figure, "ok": c.ok, "offenders": [str(o) for o in c.offenders[:10]],
                            "offender_count": len(c.offenders)} for c in checks],
                "ok": all(c.ok for c in checks) and not any(waiting.values())}
    finally:
        if beat is not None:
            beat.stopping.set()
        deployment.stop()
        engine.dispose()
        gateway.stop()
        simulator.stop()
        postgres.remove()


def print_report(report: dict) -> None:
    print("\nRequests (locust):")
    print(f"  {'name':<22}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    for row in report["stats"]:
        print(f"  {row['Name'][:21]:<22}{row['Request Count']:>9}{row['Failure Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{float(row['Max Response Time']):>8.0f}")
    print(f"\nLoad {report['load_seconds']} s, then {report['drain_seconds']} s until the outboxes were empty "
          f"(left waiting: {report['left_waiting']}); the clock moved {report['clock_moved_days']} days in "
          f"{report['beat_rounds']} beat rounds.")
    print("Faults (seconds into the load):")
    for at, what in report["faults"]:
        print(f"  {at:>6}  {what}")
    print("Audit:")
    for check in report["checks"]:
        print(f"  [{'ok' if check['ok'] else 'FAILED'}] {check['name']}: {check['figure']}")
        for offender in check["offenders"]:
            print(f"        {offender}")
    print("\nRESULT:", "every check holds" if report["ok"] else "FAILED")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the CI run (35 s of load)")
    parser.add_argument("--duration", type=float, help="seconds of load (default: 300, or 35 with --short)")
    parser.add_argument("--users", type=int, help="locust users (default: 24, or 8 with --short)")
    parser.add_argument("--dir", type=Path, help="keep logs, the ledger and locust's CSV here (default: a temporary directory)")
    parser.add_argument("--redis", default=os.environ.get("IPGRS_LOAD_REDIS_URL", "redis://127.0.0.1:6379/7"),
                        help="the broker: a Redis database the run may flush (default %(default)s)")
    parser.add_argument("--json", type=Path, help="also write the report here as JSON")
    parser.add_argument("--no-faults", action="store_true", help="the same load without faults: the baseline")
    args = parser.parse_args(argv)
    # Stopped from outside (a test's timeout, kill): the servers and PostgreSQL's directory go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    profile = SHORT if args.short else FULL
    if args.duration or args.users:
        from dataclasses import replace

        profile = replace(profile, duration=args.duration or profile.duration, users=args.users or profile.users)
    root = args.dir or Path(tempfile.mkdtemp(prefix="ipgrs-load-"))
    report = run(profile, root, args.redis, faults_on=not args.no_faults)
    report["dir"] = str(root)
    print_report(report)
    print(f"logs, ledger and locust's CSV: {root}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
