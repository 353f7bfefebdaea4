"""Filing benchmark and soak: citizens file grievances through the JSON API, against PostgreSQL, under gunicorn.

In one run, on a fresh database (ipgrs_bench_<random>, dropped at the end):
  * setup: `ipgrs db upgrade`, `ipgrs config publish config/`, the demo officers, and bench citizens with complete
    profiles and API tokens made through the services (not OTP, which is rate-limited by design), spread over
    the districts and taluks of config/jurisdictions.yaml;
  * the ceiling: bench/bare_app.py under the same gunicorn (2 sync workers): parse the same JSON body, one
    INSERT with psycopg, answer the id. Driven by the same load generator at the same concurrency;
  * the soak: POST /api/v1/grievances with bearer tokens, JSON bodies over several shipped grievance types,
    location "current", from 50 concurrent clients (aiohttp, closed loop: each client sends its next filing
    when the last one is answered). Filings/s, p50 and p99 latency, errors, and the ratio to the ceiling;
  * the audit, in the database: every acknowledged filing (201 with a number) stored exactly once, for the
    citizen who filed it; no duplicate numbers; every grievance routed (post, decision, due date) with its
    "filed" and "assigned" events and its notifications queued.

Targets (printed beside the figures): >= 200 filings/s, p99 < 200 ms, filings/s >= 0.3 x the bare ceiling.
Exit status: 1 when the audit fails (a lost, duplicated or unrouted grievance); 2 when setup fails; missed
speed targets are printed as TARGETS MISSED and do not change the exit status.

Run: make bench   (or .venv/bin/python bench/filing_bench.py [--quick] [--filings N] [--clients N] [--workers N]
                  [--profile]: afterwards, where a filing's CPU goes, by function, measured in this process)
Needs PostgreSQL at --server (default postgresql+psycopg://postgres@127.0.0.1:5432) and no other setup.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiohttp
import psutil
import psycopg
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
TARGET_RATE, TARGET_P99_MS, TARGET_RATIO = 200.0, 200.0, 0.3

# Shipped grievance types whose forms the bench fills validly: (code, description, form maker).
VILLAGES = ["Hosahalli", "Kadur", "Belur", "Hunsur", "Tumkur", "Sagara", "Gokak", "Sindhanur"]
CROPS = ["Ragi", "Paddy", "Maize", "Tur dal", "Groundnut", "Sunflower"]
GRIEVANCE_TYPES = [
    ("REV_RTC_NOT_ISSUED", "The RTC for my land has not been issued for months.",
     lambda r: {"survey_number": f"{r.randint(1, 999)}/{r.randint(1, 9)}{r.choice('AB')}", "village_name": r.choice(VILLAGES)}),
    ("ENERGY_METER_FAULTY", "The electricity meter runs fast and the bills have doubled.",
     lambda r: {"rr_number": f"RR{r.randint(10000, 99999)}"}),
    ("FOREST_FIRE", "A fire is spreading in the forest near our village.", lambda r: {}),
    ("AGRI_SEED_SHORTAGE", "No certified seed is available at the Raitha Samparka Kendra.",
     lambda r: {"crop_name": r.choice(CROPS), "rsk_name": f"{r.choice(VILLAGES)} hobli"}),
    ("FCS_ANNA_BHAGYA_DBT", "The Anna Bhagya cash transfer has not reached my account.",
     lambda r: {"ration_card_number": f"KA{r.randint(10 ** 9, 10 ** 10 - 1)}", "months_not_received": r.randint(1, 12)}),
    ("DSEL_EXCESS_FEES", "The school demands fees above the notified amount.",
     lambda r: {"school_name": f"Government school {r.choice(VILLAGES)}", "amount_demanded": r.randint(500, 50000)}),
    ("AHVS_AI_NOT_DONE", "Artificial insemination was not done though the cow was brought twice.", lambda r: {}),
    ("ENERGY_LOW_VOLTAGE", "Low voltage every evening; the pump set does not start.", lambda r: {}),
    ("DSEL_TEACHER_ABSENT", "The teacher of our primary school has been absent for weeks.", lambda r: {}),
]
MARKER = re.compile(r"\(bench filing (\d+)\)$")


@dataclass
class Run:
    """One load-generator run: per request (status, latency s, completion s since start, body)."""
    name: str
    clients: int
    elapsed: float = 0.0
    status: list = field(default_factory=list)
    latency: list = field(default_factory=list)
    done_at: list = field(default_factory=list)
    body: list = field(default_factory=list)
    cpu: dict = field(default_factory=dict)

    @property
    def ok(self) -> list[int]:
        return [i for i, s in enumerate(self.status) if s == 201]

    @property
    def errors(self) -> int:
        return len(self.status) - len(self.ok)

    @property
    def rate(self) -> float:
        return len(self.ok) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latency[i] for i in self.ok)
        if not ordered:
            return float("nan")
        return 1000 * ordered[min(len(ordered) - 1, max(0, int(-(-q * len(ordered) // 1)) - 1))]  # nearest rank

    def summary(self) -> str:
        return (f"{len(self.ok):,} in {self.elapsed:.1f} s = {self.rate:,.0f}/s   p50 {self.percentile_ms(0.5):.0f} ms   "
                f"p99 {self.percentile_ms(0.99):.0f} ms   max {1000 * max(self.latency):.0f} ms   errors {self.errors}")

    def error_kinds(self) -> Counter:
        return Counter(str(s) for s in self.status if s != 201)

    def tenths(self) -> list[float]:
        """Completions per second in each tenth of the run's wall time: does the rate hold up as tables grow?"""
        edges = [self.elapsed * k / 10 for k in range(11)]
        counts = Counter(min(9, int(10 * self.done_at[i] / self.elapsed)) for i in self.ok)
        return [counts[k] / (edges[k + 1] - edges[k]) for k in range(10)]


# --- the load generator ---------------------------------------------------------------------------------

async def _drive(url: str, requests: list[tuple[dict, bytes]], clients: int, run: Run) -> None:
    n = len(requests)
    run.status, run.latency, run.done_at, run.body = [None] * n, [0.0] * n, [0.0] * n, [b""] * n
    pending = iter(range(n))
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()

        async def client():
            for i in pending:  # one shared iterator: each request is sent once, by whichever client is free
                headers, body = requests[i]
                sent = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        run.body[i] = await response.read()
                        run.status[i] = response.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    run.status[i] = type(exc).__name__
                now = time.perf_counter()
                run.latency[i], run.done_at[i] = now - sent, now - start

        await asyncio.gather(*(client() for _ in range(clients)))
        run.elapsed = time.perf_counter() - start


def load(name: str, url: str, requests: list[tuple[dict, bytes]], clients: int, meter: "CpuMeter | None" = None) -> Run:
    run = Run(name, clients)
    if meter:
        meter.start()
    asyncio.run(_drive(url, requests, clients, run))
    if meter:
        run.cpu = meter.stop(run.elapsed)
    return run


# --- where the CPU went -----------------------------------------------------------------------------------

class CpuMeter:
    """CPU seconds per group of processes over a run: the gunicorn workers (with their notification threads),
    PostgreSQL (the backends serving the bench database, and the WAL writer, checkpointer and background writer),
    this load generator, and everything else on the machine (other sessions' work shows up there)."""

    SERVER_PROCESSES = ("walwriter", "checkpointer", "background writer")

    def __init__(self, gunicorn: subprocess.Popen, database: str):
        self.master = psutil.Process(gunicorn.pid)
        self.database = f" {database} "

    def _groups(self) -> dict[str, float]:
        groups = {"gunicorn": 0.0, "postgres": 0.0}
        pids = {p.pid for p in [self.master, *self.master.children(recursive=True)]}
        for proc in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(proc.info["cmdline"] or ()) + " "
            ours = proc.info["name"] == "postgres" and (self.database in title or any(p in title for p in self.SERVER_PROCESSES))
            group = "gunicorn" if proc.pid in pids else "postgres" if ours else None
            if group:
                try:
                    t = proc.cpu_times()
                    groups[group] += t.user + t.system
                except psutil.Error:
                    pass
        me = psutil.Process().cpu_times()
        groups["load generator"] = me.user + me.system
        t = psutil.cpu_times()
        groups["machine"] = t.user + t.nice + t.system + t.irq + t.softirq + t.steal
        return groups

    def start(self) -> None:
        self.before = self._groups()

    def stop(self, wall: float) -> dict[str, float]:
        after = self._groups()
        seconds = {k: after[k] - self.before.get(k, 0.0) for k in after}
        seconds["other"] = max(0.0, seconds["machine"] - seconds["gunicorn"] - seconds["postgres"] - seconds["load generator"])
        return {"wall": wall, **seconds}


def cpu_line(run: Run) -> str:
    cpu, n = run.cpu, len(run.ok) or 1
    cores = {k: v / cpu["wall"] for k, v in cpu.items() if k != "wall"}
    return (f"CPU, cores of {psutil.cpu_count()}: gunicorn {cores['gunicorn']:.2f}, PostgreSQL {cores['postgres']:.2f}, "
            f"load generator {cores['load generator']:.2f}, other {cores['other']:.2f} (machine {cores['machine']:.2f}); "
            f"per request: gunicorn {1000 * cpu['gunicorn'] / n:.1f} ms, PostgreSQL {1000 * cpu['postgres'] / n:.1f} ms")


# --- servers ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, workers: int, env: dict, log_path: Path, extra: tuple = ()) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = log_path.open("ab")
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", *extra, app],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn {app} exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as response:
                if response.status == 200:
                    return proc, base
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"gunicorn {app} did not answer /health in 90 s; see {log_path}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- setup ----------------------------------------------------------------------------------------------------

def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ipgrs_cli(env: dict, *args: str) -> None:
    done = subprocess.run([str(BIN / "ipgrs"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ipgrs {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(f"  ipgrs {' '.join(args)}: {done.stdout.strip().splitlines()[-1]}")


def make_citizens(database_url: str, secret: str, count: int) -> list[tuple[int, str]]:
    """Officers and citizens through the services, in this process: [(citizen id, bearer token)]."""
    from ipgrs.app import create_app
    from ipgrs.citizens import services as citizens
    from ipgrs.citizens.models import Citizen
    from ipgrs.extensions import db
    from ipgrs.officers.seed import seed_officers

    logging.basicConfig(level=logging.WARNING)  # before create_app's: the bench prints figures, not the app's log
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret})
    jurisdictions = yaml.safe_load((ROOT / "config" / "jurisdictions.yaml").read_text(encoding="utf-8"))
    places = [(d["name"]["en"], t["en"]) for d in jurisdictions["districts"] for t in d["taluks"]]
    rng = random.Random(20)
    rng.shuffle(places)
    out = []
    with app.app_context():
        officers = seed_officers(db.session)
        runtime = app.extensions["ipgrs.rules"]
        runtime.refresh(db.session, force=True)
        check_bodies(runtime.catalogue)
        for i in range(count):
            district, taluk = places[i % len(places)]
            citizen = Citizen(mobile=f"+91{9000000000 + i}", language="en")
            db.session.add(citizen)
            db.session.flush()
            citizens.update_profile(db.session, citizen, {
                "name": f"Bench citizen {i}", "language": "kn" if i % 3 == 0 else "en", "district": district, "taluk": taluk,
                "locality": rng.choice(VILLAGES), "pincode": f"5{rng.randint(6, 9)}{rng.randint(0, 9999):04d}",
                "date_of_birth": date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
                "gender": rng.choice(["female", "male", "female", "male", "transgender"]),
            }, runtime.catalogue.jurisdictions)
            raw, _ = citizens.issue_token(db.session, citizen)
            out.append((citizen.id, raw))
        db.session.remove()
        db.engine.dispose()
    print(f"  {officers:,} demo officers; {count:,} citizens with complete profiles and tokens over "
          f"{min(count, len(places))} taluks of {len({d for d, _ in places[:count]})} districts")
    return out


def check_bodies(catalogue) -> None:
    """Every form the bench sends is valid for the published catalogue, so any 400 under load is the server's."""
    from ipgrs import forms

    rng = random.Random(1)
    for code, _, form in GRIEVANCE_TYPES:
        for _ in range(20):
            data = form(rng)
            _, errors = forms.validate(catalogue.grievance_types[code], {**data, forms.FILES_KEY: []})
            if errors:
                raise RuntimeError(f"the bench's form for {code} is not valid: {errors} ({data})")


def filing_requests(citizens: list[tuple[int, str]], first: int, count: int) -> tuple[list, list[int]]:
    """(headers, JSON body) per filing and the citizen id each is filed for; filing i says "(bench filing i)"."""
    rng = random.Random(first)
    requests, filed_for = [], []
    for i in range(first, first + count):
        citizen_id, token = citizens[i % len(citizens)]
        code, text, form = GRIEVANCE_TYPES[i % len(GRIEVANCE_TYPES)]
        body = {"grievance_type": code, "description": f"{text} (bench filing {i})", "form": form(rng),
                "location": {"where": "current"}}
        requests.append(({"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, json.dumps(body).encode()))
        filed_for.append(citizen_id)
    return requests, filed_for


# --- the audit ----------------------------------------------------------------------------------------------

def marker(description: str) -> int | None:
    found = MARKER.search(description)
    return int(found.group(1)) if found else None


def audit(conninfo: str, acknowledged: dict[int, tuple[str, int]], failed_requests: int) -> tuple[list[str], dict]:
    """acknowledged: {filing index: (number, citizen id)}. Returns (failures, counts)."""
    failures = []
    numbers = Counter(number for number, _ in acknowledged.values())
    acked_twice = [n for n, c in numbers.items() if c > 1]
    if acked_twice:
        failures.append(f"{len(acked_twice)} numbers were acknowledged for more than one filing, e.g. {acked_twice[:3]}")
    with psycopg.connect(conninfo) as db:
        rows = db.execute("SELECT number, citizen_id, description, assigned_post_id IS NOT NULL, "
                          "decision IS NOT NULL AND decision::text <> 'null', due_at IS NOT NULL, "
                          "assigned_officer_id IS NOT NULL FROM grievance").fetchall()
        events = dict(db.execute("SELECT grievance.number, array_agg(grievance_event.kind ORDER BY grievance_event.id) "
                                 "FROM grievance LEFT JOIN grievance_event ON grievance_event.grievance_id = grievance.id "
                                 "GROUP BY grievance.number").fetchall())
        queued = dict(db.execute("SELECT split_part(key, ':', 2), count(*) FROM notification "
                                 "WHERE key LIKE 'grievance:%' GROUP BY 1").fetchall())
        delivery = dict(db.execute("SELECT status, count(*) FROM notification GROUP BY status").fetchall())
    by_number = Counter(r[0] for r in rows)
    stored = {r[0]: r for r in rows}
    by_marker = Counter(marker(r[2]) for r in rows)
    missing = [n for n, _ in acknowledged.values() if by_number[n] == 0]
    twice = [n for n, c in by_number.items() if c > 1]
    no_number = by_number[None]
    wrong = [n for i, (n, citizen) in acknowledged.items()
             if by_number[n] == 1 and (stored[n][1] != citizen or marker(stored[n][2]) != i or by_marker[i] != 1)]
    duplicated_filings = [i for i, c in by_marker.items() if c > 1]
    unacknowledged = len(rows) - len({n for n, _ in acknowledged.values()} & set(by_number))
    unrouted = [r[0] for r in rows if not (r[3] and r[4] and r[5])]
    bad_trail = [n for n, kinds in events.items() if kinds != ["filed", "assigned"]]
    not_queued = [r[0] for r in rows if queued.get(r[0], 0) < 1 + (1 if r[6] else 0)]
    if missing:
        failures.append(f"{len(missing)} acknowledged filings are not in the database, e.g. {missing[:3]}")
    if twice or no_number:
        failures.append(f"{len(twice)} numbers stored more than once, {no_number} grievances without a number")
    if wrong:
        failures.append(f"{len(wrong)} acknowledged numbers point at another citizen's or another filing's grievance, e.g. {wrong[:3]}")
    if duplicated_filings:
        failures.append(f"{len(duplicated_filings)} filings were stored more than once, e.g. filing {duplicated_filings[:3]}")
    if unacknowledged > failed_requests:
        failures.append(f"{unacknowledged} grievances stored without an acknowledgement, more than the {failed_requests} failed requests")
    if unrouted:
        failures.append(f"{len(unrouted)} grievances are not routed (post, decision or due date missing), e.g. {unrouted[:3]}")
    if bad_trail:
        failures.append(f"{len(bad_trail)} grievances lack the 'filed' then 'assigned' events, e.g. {bad_trail[:3]}")
    if not_queued:
        failures.append(f"{len(not_queued)} grievances have no notification queued for the citizen and officer, e.g. {not_queued[:3]}")
    counts = {"acknowledged": len(acknowledged), "stored": len(rows), "stored_not_acknowledged": unacknowledged,
              "missing": len(missing), "duplicate_numbers": len(twice), "unrouted": len(unrouted),
              "with_officer": sum(1 for r in rows if r[6]), "notifications": delivery}
    return failures, counts


# --- the bench --------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 filings (a smoke run)")
    parser.add_argument("--filings", type=int, help="filings in the soak (default 20,000; 2,000 with --quick)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--citizens", type=int, default=500, help="bench citizens (default 500)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, for both apps (default 2)")
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server (default {SERVER})")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs for a look afterwards")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, file 300 more in this process and show where a filing's CPU time goes")
    args = parser.parse_args(argv)
    filings = args.filings or (2_000 if args.quick else 20_000)
    warmup = min(200, filings)

    name = f"ipgrs_bench_{secrets.token_hex(4)}"
    database_url, conninfo = f"{args.server}/{name}", plain_url(f"{args.server}/{name}")
    admin = plain_url(f"{args.server}/postgres")
    secret = secrets.token_hex(32)
    tmp = Path(tempfile.mkdtemp(prefix="ipgrs-filing-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "IPGRS_CONFIG_DIR")}
    env.update(DATABASE_URL=database_url, SECRET_KEY=secret, SMS_PROVIDER="log", IPGRS_INSTANCE_DIR=str(tmp / "instance"),
               BARE_DATABASE_URL=conninfo, PYTHONUNBUFFERED="1")
    load_before = list(os.getloadavg())
    print(f"machine: {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2 ** 30:.0f} GiB; "
          f"load average before the run {' '.join(f'{x:.2f}' for x in load_before)}")
    print(f"soak: {filings:,} filings from {args.clients} concurrent clients, gunicorn -w {args.workers} (sync), "
          f"database {name} on {args.server.split('@')[-1]}")

    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    server = None
    status = 2
    try:
        print("setup:")
        ipgrs_cli(env, "db", "upgrade")
        ipgrs_cli(env, "config", "publish", "config/", "-m", "filing bench")
        citizens = make_citizens(database_url, secret, args.citizens)
        with psycopg.connect(conninfo, autocommit=True) as db:
            db.execute("CREATE TABLE bench_filing (id bigserial PRIMARY KEY, grievance_type text NOT NULL, body jsonb NOT NULL, "
                       "created_at timestamptz NOT NULL DEFAULT now())")

        # the ceiling: the same bodies, one INSERT each
        bodies, filed_for = filing_requests(citizens, 0, warmup + filings)
        server, base = start_gunicorn("bare_app:app", args.workers, env, tmp / "bare.log", ("--pythonpath", str(ROOT / "bench")))
        load("bare warm-up", base + "/", bodies[:warmup], args.clients)
        bare = load("bare", base + "/", bodies[warmup:], args.clients, CpuMeter(server, name))
        stop(server)
        print(f"ceiling, bare insert (bench/bare_app.py): {bare.summary()}")
        print(f"  {cpu_line(bare)}")
        if bare.errors:
            print(f"  bare errors: {dict(bare.error_kinds())}")

        # the filings: warm-up (both workers load the rules engine), then the soak
        server, base = start_gunicorn("ipgrs.wsgi:app", args.workers, env, tmp / "ipgrs.log")
        url = base + "/api/v1/grievances"
        first = load("warm-up", url, bodies[:warmup], args.clients)
        if first.errors:
            i = next(i for i, s in enumerate(first.status) if s != 201)
            raise RuntimeError(f"warm-up filing refused ({first.status[i]}): {first.body[i][:400]!r}")
        soak = load("soak", url, bodies[warmup:], args.clients, CpuMeter(server, name))
        print(f"filings, POST /api/v1/grievances: {soak.summary()}")
        print(f"  {cpu_line(soak)}")
        print(f"  filings/s in each tenth of the soak: {' '.join(f'{x:.0f}' for x in soak.tenths())}")
        if soak.errors:
            kinds = soak.error_kinds()
            sample = next(soak.body[i] for i, s in enumerate(soak.status) if s != 201)
            print(f"  errors: {dict(kinds)}; first: {sample[:300]!r}")
        drained = wait_for_notifications(conninfo)
        stop(server)
        server = None

        acknowledged = {}
        for offset, run in ((0, first), (warmup, soak)):
            for i in run.ok:
                number = json.loads(run.body[i])["grievance"]["number"]
                acknowledged[offset + i] = (number, filed_for[offset + i])
        failures, counts = audit(conninfo, acknowledged, first.errors + soak.errors)
        print(f"audit: {counts['acknowledged']:,} acknowledged, {counts['stored']:,} stored, "
              f"{counts['stored_not_acknowledged']} stored without acknowledgement, {counts['missing']} missing, "
              f"{counts['duplicate_numbers']} duplicate numbers, {counts['unrouted']} unrouted, "
              f"{counts['with_officer']:,} with a named officer")
        print(f"  notifications by status {'(all delivered)' if drained else '(still being delivered when stopped)'}: "
              f"{dict(sorted(counts['notifications'].items()))}")
        for failure in failures:
            print(f"AUDIT FAILED: {failure}")

        ratio = soak.rate / bare.rate if bare.rate else 0.0
        p99 = soak.percentile_ms(0.99)
        checks = [(f"filings/s {soak.rate:,.0f}", f">= {TARGET_RATE:.0f}", soak.rate >= TARGET_RATE),
                  (f"p99 {p99:.0f} ms", f"< {TARGET_P99_MS:.0f} ms", p99 < TARGET_P99_MS),
                  (f"ratio to the bare ceiling {ratio:.2f} ({soak.rate:,.0f} / {bare.rate:,.0f})", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO),
                  (f"errors {soak.errors}", "0", soak.errors == 0)]
        for figure, target, met in checks:
            print(f"  {figure:<55} target {target:<9} {'met' if met else 'MISSED'}")
        print(f"  (Little's law: {args.clients} clients / {soak.rate:,.0f} filings/s = "
              f"{1000 * args.clients / max(soak.rate, 1e-9):.0f} ms mean latency; p99 < {TARGET_P99_MS:.0f} ms at "
              f"{args.clients} clients needs more than {1000 * args.clients / TARGET_P99_MS:.0f} filings/s)")
        print(f"load average after the run {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        ok = all(met for *_, met in checks)

        out = ROOT / "bench" / "output"
        out.mkdir(exist_ok=True)
        (out / "filing_bench.json").write_text(json.dumps({
            "filings": filings, "clients": args.clients, "citizens": args.citizens, "workers": args.workers,
            "command": " ".join(["bench/filing_bench.py", *(argv if argv is not None else sys.argv[1:])]),
            "load_average_before": load_before, "load_average_after": list(os.getloadavg()),
            "filings_per_s": soak.rate, "p50_ms": soak.percentile_ms(0.5), "p99_ms": p99, "errors": soak.errors,
            "bare_per_s": bare.rate, "bare_p50_ms": bare.percentile_ms(0.5), "bare_p99_ms": bare.percentile_ms(0.99),
            "ratio": ratio, "tenths_per_s": soak.tenths(), "cpu_seconds_filing": soak.cpu, "cpu_seconds_bare": bare.cpu,
            "audit": {**counts, "failures": failures}, "targets_met": ok,
        }, indent=2, default=str))
        print("audit passed" if not failures else "AUDIT FAILED")
        print("targets met" if ok else "TARGETS MISSED")
        status = 1 if failures else 0
        if args.profile:
            profile_filings(database_url, secret, env["IPGRS_INSTANCE_DIR"], citizens, warmup + filings)
    except RuntimeError as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
    finally:
        stop(server)
        if args.keep:
            print(f"kept: database {name}, logs in {tmp}")
        else:
            with psycopg.connect(admin, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if status == 0:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                print(f"logs kept in {tmp}")
    return status


# Where a filing's CPU goes: cumulative CPU time of these functions (cProfile with a per-thread CPU clock).
PROFILE_ROWS = [
    ("token look-up (citizen_for_token)", r"citizens/services.py:\d+\(citizen_for_token\)"),
    ("file_grievance", r"grievances/services.py:\d+\(file_grievance\)"),
    ("  _validate (form, location)", r"grievances/services.py:\d+\(_validate\)"),
    ("  rules engine decide", r"catalog/runtime.py:\d+\(decide\)"),
    ("  _record", r"grievances/services.py:\d+\(_record\)"),
    ("    catalogue rows (type, department)", r"grievances/services.py:\d+\(_record\)>scalar"),
    ("    officers.resolve_place", r"officers/services.py:\d+\(resolve_place\)"),
    ("    officers.assign", r"officers/services.py:\d+\(assign\)"),
    ("    notifications.queue", r"notifications/services.py:\d+\(queue\)"),
    ("    ORM flushes (grievance, its number, events)", r"grievances/services.py:\d+\(_record\)>flush"),
    ("  session.commit", r"orm/scoping.py:\d+\(commit\)"),
    ("the answer: loaded_for_view + grievance_view", r"grievances/queries.py:\d+\((loaded_for_view|grievance_view)\)"),
    ("all SQL statements (SQLAlchemy Connection.execute)", r"engine/base.py:\d+\(execute\)"),
]


def profile_filings(database_url: str, secret: str, instance: str, citizens, first: int, count: int = 300) -> None:
    """Files `count` grievances through the Flask test client in this process: CPU per filing without a profiler,
    SQL statements per filing, then the same under cProfile, by function."""
    import cProfile
    import pstats
    import threading

    from sqlalchemy import event

    from ipgrs.app import create_app
    from ipgrs.extensions import db
    from ipgrs.notifications import services as notifications

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret, "SMS_PROVIDER": "log",
                      "NOTIFICATION_OUTBOX_LOG": str(Path(instance) / "outbox.log")})
    client = app.test_client()
    requests, _ = filing_requests(citizens, first, 2 * count + 20)
    statements = Counter()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.update(["request" if threading.current_thread() is threading.main_thread() else "delivery"]))

    def file(batch):
        for headers, body in batch:
            response = client.post("/api/v1/grievances", data=body, headers=headers)
            if response.status_code != 201:
                raise RuntimeError(f"profiled filing refused ({response.status_code}): {response.data[:300]!r}")
        notifications.wait_for_deliveries()

    file(requests[:20])
    statements.clear()
    wall, cpu, mine = time.perf_counter(), time.process_time(), time.thread_time()
    file(requests[20:20 + count])
    wall, cpu, mine = (time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - mine)
    print(f"profile, in this process through the Flask test client ({count} filings, no profiler): per filing "
          f"{1000 * mine / count:.1f} ms CPU in the request, {1000 * (cpu - mine) / count:.1f} ms in the notification "
          f"threads, {1000 * wall / count:.0f} ms wall; SQL statements per filing: {statements['request'] / count:.1f} in "
          f"the request, {statements['delivery'] / count:.1f} delivering its notifications")
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    file(requests[20 + count:])
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    by_name = {f"{path}:{line}({name})": value for (path, line, name), value in stats.items()}
    total = sum(v[3] for k, v in by_name.items() if re.search(r"flask/app.py:\d+\(wsgi_app\)", k))
    print(f"  cProfile (CPU clock, request thread; the profiler adds its own overhead): {1000 * total / count:.1f} ms per filing")
    for label, pattern in PROFILE_ROWS:
        if ">" in pattern:  # calls made directly by one function: (function)>callee
            caller, callee = pattern.split(">")
            spent = sum(v[4][ck][3] for k, v in by_name.items() if callee in k.rsplit("(", 1)[1]
                        for ck in v[4] if re.search(caller, f"{ck[0]}:{ck[1]}({ck[2]})"))
        else:
            spent = sum(v[3] for k, v in by_name.items() if re.search(pattern, k))
        print(f"  {label:<52} {1000 * spent / count:6.2f} ms  {100 * spent / total:5.1f}%")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def wait_for_notifications(conninfo: str, patience: float = 60) -> bool:
    """Lets the workers' background threads finish delivering (status pending → sent) before gunicorn stops."""
    last, still = None, time.monotonic()
    with psycopg.connect(conninfo, autocommit=True) as db:
        while True:
            waiting = db.execute("SELECT count(*) FROM notification WHERE status IN ('pending', 'failed')").fetchone()[0]
            if waiting == 0:
                return True
            if waiting != last:
                last, still = waiting, time.monotonic()
            elif time.monotonic() - still > min(patience, 10):
                return False
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
