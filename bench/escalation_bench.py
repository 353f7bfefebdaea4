"""Escalation sweep benchmark at state scale: 1,000,000 open grievances on PostgreSQL, 50,000 of them overdue.

In one run, on a fresh database (ipgrs_escbench_<random>, dropped at the end):
  * setup: `ipgrs db upgrade`, `ipgrs config publish config/`, the demo officers, a few citizens, and template
    grievances filed through ipgrs.grievances.services.file_grievance in several departments and districts;
    then, in SQL, the open grievances copied from the templates with their own numbers, 5% of them overdue
    (due dates spread over the last 30 days, scattered through the table), the rest due in the next 30 days;
  * the sweep: ipgrs.grievances.escalation.sweep with the default batch size over the overdue grievances,
    timed; afterwards, in the database: every overdue grievance moved up exactly one level with exactly one
    'escalated' event, and nothing else changed;
  * the same sweep with a tenth of the open grievances (the same overdue ones, reset to their state before
    the sweep): the cost should follow the overdue count, not the open count;
  * the floor: one bare SQL UPDATE of the same rows (the columns the sweep changes, no look-ups, no events,
    no notifications) on a reset copy.

Targets (printed beside the figures): a sweep of 50,000 escalations in < 30 s (>= 1,667 escalations/s);
sweep <= 5 x the bare UPDATE. Exit status: 1 when a correctness check fails; 2 when setup fails; missed
speed targets are printed as TARGETS MISSED and do not change the exit status.

`--profile` adds one more sweep on a reset copy with every statement timed by kind, and prints where a
batch's time goes. `--sweep-from FILE` measures a candidate copy of
escalation.py (a module of ipgrs.grievances with the same sweep()) on the same data instead of the real one.

Run: make bench   (or .venv/bin/python bench/escalation_bench.py [--quick] [--profile] [--keep])
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil
import psycopg
from benchlib import ROOT, SERVER, ipgrs_cli, plain_url

sys.path.insert(0, str(ROOT))
TARGET_RATE, TARGET_RATIO = 50_000 / 30, 5.0
# ipgrs.grievances.workflow.ACTIVE, spelled out because ipgrs may be imported only once the environment is set
# (main checks that they agree)
ACTIVE = ("open", "accepted", "reopened")

# Templates: (grievance type, category, subcategory, description, form); each is filed by every template citizen.
TEMPLATES = [
    ("REV_RTC_NOT_ISSUED", "DELAY", "OVER_30_DAYS", "Applied for the RTC of my land two months ago and it has not been issued.",
     {"survey_number": "123/2A", "village_name": "Hosahalli"}),
    ("ENERGY_METER_FAULTY", None, None, "The electricity meter runs fast and the bills have doubled.", {"rr_number": "RR40213"}),
    ("AGRI_SEED_SHORTAGE", None, None, "No certified seed is available at the Raitha Samparka Kendra.",
     {"crop_name": "Ragi", "rsk_name": "Kadur hobli"}),
    ("FCS_ANNA_BHAGYA_DBT", None, None, "The Anna Bhagya cash transfer has not reached my account.",
     {"ration_card_number": "KA1234567890", "months_not_received": 3}),
    ("DSEL_EXCESS_FEES", None, None, "The school demands fees above the notified amount.",
     {"school_name": "Government school Belur", "amount_demanded": 4500}),
    ("AHVS_AI_NOT_DONE", None, None, "Artificial insemination was not done though the cow was brought twice.", {}),
]
# Template citizens: (district, taluk, locality, pincode, language).
CITIZENS = [
    ("Mysuru", "Hunsur", "Bilikere", "571105", "en"),
    ("Belagavi", "Athani", "Kagwad", "591304", "kn"),
    ("Ballari", "Ballari", "Kudithini", "583115", "en"),
    ("Bidar", "Aurad", "Santhpur", "585421", "kn"),
]


# --- setup ----------------------------------------------------------------------------------------------------

def file_templates(app) -> list[int]:
    """Officers, citizens and real filings, through the services. Returns the template grievances' ids."""
    from ipgrs import clock
    from ipgrs.citizens.models import Citizen
    from ipgrs.extensions import db
    from ipgrs.grievances import services
    from ipgrs.notifications import services as notifications
    from ipgrs.officers.seed import seed_officers

    with app.app_context():
        officers = seed_officers(db.session)
        ids = []
        for i, (district, taluk, locality, pincode, language) in enumerate(CITIZENS):
            citizen = Citizen(mobile=f"+91{9400000000 + i}", name=f"Bench citizen {i}", language=language, district=district,
                              taluk=taluk, locality=locality, pincode=pincode, verified_at=clock.now())
            db.session.add(citizen)
            db.session.commit()
            for code, category, subcategory, description, form in TEMPLATES:
                g = services.file_grievance(db.session, citizen, services.FilingRequest(
                    grievance_type=code, category=category, subcategory=subcategory, description=description, form=form))
                if g.level >= len(g.decision["escalation"]):
                    raise RuntimeError(f"template {g.number} ({code}) starts at the last level of its chain; it cannot move up")
                ids.append(g.id)
        notifications.wait_for_deliveries()
        db.session.remove()
    print(f"  {officers:,} demo officers; {len(CITIZENS)} citizens in {len(CITIZENS)} districts; {len(ids)} template "
          f"grievances filed through file_grievance in {len(TEMPLATES)} departments")
    return ids


def generate(db: psycopg.Connection, templates: list[int], open_count: int, overdue_count: int) -> None:
    """Copies of the templates, each with its own id and number, `overdue_count` of them past due, scattered."""
    columns = [c for (c,) in db.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'grievance' "
                                        "AND column_name NOT IN ('id', 'number', 'due_at') ORDER BY ordinal_position")]
    copies = open_count - len(templates)
    stride = copies // overdue_count
    db.execute("CREATE TABLE bench_template AS SELECT (ord - 1)::int AS ord, id FROM unnest(%s::int[]) WITH ORDINALITY AS t(id, ord)",
               (templates,))
    # copy n is overdue when n % stride = 1 (for the first overdue_count of those), due within 30 days otherwise;
    # it takes template (n / stride) % templates, so both kinds cover every template.
    db.execute(f"""
        INSERT INTO grievance (id, number, due_at, {', '.join(columns)})
        SELECT s.id, 'KA-' || extract(year FROM now())::int || '-' || lpad(s.id::text, 8, '0'),
               CASE WHEN s.n % {stride} = 1 AND s.n <= {stride * (overdue_count - 1) + 1}
                    THEN now() - interval '1 hour' - ((s.n::bigint * 7919) % 43200) * interval '1 minute'
                    ELSE now() + interval '1 day' + ((s.n::bigint * 7919) % 43200) * interval '1 minute' END,
               {', '.join(f'g.{c}' for c in columns)}
        FROM (SELECT nextval('grievance_id_seq') AS id, n FROM generate_series(1, {copies}) AS n) AS s
        JOIN bench_template AS t ON t.ord = (s.n / {stride}) % {len(templates)}
        JOIN grievance AS g ON g.id = t.id
        ORDER BY s.n""")


def active_counts(db: psycopg.Connection) -> tuple[int, int]:
    return db.execute("SELECT count(*), count(*) FILTER (WHERE NOT critical AND due_at < now()) FROM grievance "
                      "WHERE status = ANY(%s)", (list(ACTIVE),)).fetchone()


def snapshot(db: psycopg.Connection) -> None:
    """The overdue grievances as they are before any sweep, to check the sweep against and to reset to."""
    db.execute("CREATE TABLE bench_overdue AS SELECT id, level, due_at, assigned_post_id, assigned_officer_id, escalation_count, "
               "updated_at, row_version, critical FROM grievance WHERE status = ANY(%s) AND NOT critical AND due_at < now()",
               (list(ACTIVE),))
    db.execute("ALTER TABLE bench_overdue ADD PRIMARY KEY (id)")


def reset(db: psycopg.Connection, full: bool = False) -> None:
    """Puts the overdue grievances back as they were and removes what the sweep (or the bare UPDATE) added."""
    db.execute("UPDATE grievance AS g SET level = b.level, due_at = b.due_at, assigned_post_id = b.assigned_post_id, "
               "assigned_officer_id = b.assigned_officer_id, escalation_count = b.escalation_count, updated_at = b.updated_at, "
               "row_version = b.row_version, critical = b.critical FROM bench_overdue AS b WHERE g.id = b.id")
    db.execute("DELETE FROM grievance_event WHERE kind IN ('escalated', 'critical', 'show_cause_notice')")
    db.execute("DELETE FROM notification WHERE key LIKE 'grievance:%:escalated:%' OR key LIKE 'grievance:%:show_cause:%'")
    vacuum(db, full)


def vacuum(db: psycopg.Connection, full: bool = False) -> None:
    db.execute(f"VACUUM {'(FULL, ANALYZE)' if full else '(ANALYZE)'} grievance")
    db.execute("VACUUM (ANALYZE) grievance_event")
    db.execute("VACUUM (ANALYZE) notification")
    db.execute("CHECKPOINT")  # each measurement starts without the previous step's dirty pages to write


def table_size(db: psycopg.Connection) -> str:
    heap, indexes = db.execute("SELECT pg_table_size('grievance'), pg_indexes_size('grievance')").fetchone()
    return f"grievance table {heap / 2 ** 20:,.0f} MiB + indexes {indexes / 2 ** 20:,.0f} MiB"


# --- measuring ------------------------------------------------------------------------------------------------

class CpuMeter:
    """CPU seconds of this process (the sweep's Python) and of the PostgreSQL backends serving the bench database
    over a measurement. (The server's shared WAL writer and checkpointer are left out: other databases on the
    same server, such as other sessions' tests, keep them busy too.)"""

    def __init__(self, database: str):
        self.database = f" {database} "

    def _seconds(self) -> dict[str, float]:
        postgres = 0.0
        for proc in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(proc.info["cmdline"] or ()) + " "
            if proc.info["name"] == "postgres" and self.database in title:
                try:
                    t = proc.cpu_times()
                    postgres += t.user + t.system
                except psutil.Error:
                    pass
        me = psutil.Process().cpu_times()
        return {"python": me.user + me.system, "postgres": postgres}

    def __enter__(self):
        self.before, self.started = self._seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.started
        after = self._seconds()
        self.cpu = {k: after[k] - self.before[k] for k in after}

    def line(self) -> str:
        return f"wall {self.wall:.2f} s; CPU: Python {self.cpu['python']:.2f} s, PostgreSQL {self.cpu['postgres']:.2f} s"


def run_sweep(app, sweep, database: str) -> tuple[dict, CpuMeter, object]:
    from ipgrs import clock
    from ipgrs.extensions import db

    with app.app_context():
        started_at = clock.now()
        with CpuMeter(database) as meter:
            totals = sweep(db.session)
        db.session.remove()
    return totals, meter, started_at


def verify(db: psycopg.Connection, totals: dict, overdue: int, started_at) -> list[str]:
    """Every overdue grievance moved up exactly one level with exactly one 'escalated' event; nothing else changed."""
    failures = []
    if (totals["escalated"], totals["critical"], totals["skipped"]) != (overdue, 0, 0):
        failures.append(f"the sweep reported {totals}, expected {overdue:,} escalated, 0 critical, 0 skipped")
    moved, still_due = db.execute(
        "SELECT count(*) FILTER (WHERE g.level = b.level + 1 AND g.escalation_count = b.escalation_count + 1 "
        "AND g.row_version = b.row_version + 1 AND NOT g.critical AND g.due_at > %(at)s AND g.assigned_post_id <> b.assigned_post_id), "
        "count(*) FILTER (WHERE g.due_at < %(at)s) FROM grievance AS g JOIN bench_overdue AS b ON b.id = g.id",
        {"at": started_at}).fetchone()
    others = db.execute("SELECT count(*) FROM grievance AS g WHERE g.updated_at >= %s "
                        "AND NOT EXISTS (SELECT 1 FROM bench_overdue AS b WHERE b.id = g.id)", (started_at,)).fetchone()[0]
    db.execute("ANALYZE grievance_event")  # the planner last saw no 'escalated' events at all
    events, grievances, outside, most = db.execute(
        "SELECT coalesce(sum(per.n), 0), count(*), count(*) FILTER (WHERE NOT EXISTS "
        "(SELECT 1 FROM bench_overdue AS b WHERE b.id = per.grievance_id)), coalesce(max(per.n), 0) "
        "FROM (SELECT grievance_id, count(*) AS n FROM grievance_event WHERE kind = 'escalated' GROUP BY grievance_id) AS per"
        ).fetchone()
    if moved != overdue:
        failures.append(f"{moved:,} of the {overdue:,} overdue grievances moved up exactly one level (new post, new due date)")
    if still_due:
        failures.append(f"{still_due:,} overdue grievances are still past due after the sweep")
    if others:
        failures.append(f"{others:,} grievances that were not overdue were changed")
    if (events, grievances, outside, most) != (overdue, overdue, 0, 1):
        failures.append(f"'escalated' events: {events:,} for {grievances:,} grievances ({outside:,} not overdue, at most {most} "
                        f"on one); expected exactly one on each of the {overdue:,}")
    return failures


def outbox(db: psycopg.Connection) -> str:
    rows = db.execute("SELECT split_part(key, ':', 3) || ' ' || channel, count(*) FROM notification "
                      "WHERE key LIKE 'grievance:%:escalated:%' OR key LIKE 'grievance:%:show_cause:%' GROUP BY 1 ORDER BY 1").fetchall()
    shows = db.execute("SELECT count(*) FROM grievance_event WHERE kind = 'show_cause_notice'").fetchone()[0]
    return ", ".join(f"{k} {n:,}" for k, n in rows) + f"; show-cause events {shows:,}"


def bare_update(db: psycopg.Connection) -> tuple[int, float]:
    """The floor: the same rows changed by one statement, no look-ups, no events, no notifications."""
    started = time.perf_counter()
    with db.transaction():
        rowcount = db.execute(BARE_UPDATE, (list(ACTIVE),)).rowcount
    return rowcount, time.perf_counter() - started


BARE_UPDATE = ("UPDATE grievance SET level = level + 1, due_at = now() + interval '7 days', escalation_count = escalation_count + 1, "
               "row_version = row_version + 1, updated_at = now() WHERE status = ANY(%s) AND NOT critical AND due_at < now()")


# --- profile: where a batch's time goes -----------------------------------------------------------------------

class StatementTimer:
    """Database time per kind of statement (round trip, server work and result fetch), by SQLAlchemy events;
    commits are timed around Session.commit (the sweep flushes nothing, so that is the COMMIT's round trip)."""

    KINDS = (("SELECT grievance.id", "claim the batch (SELECT … FOR UPDATE SKIP LOCKED)"),
             ("UPDATE grievance", "UPDATE the grievances (version-checked)"),
             ("INSERT INTO grievance_event", "insert the events"),
             ("INSERT INTO notification", "insert the notifications"),
             ("FROM posting", "holder look-ups"),
             ("FROM officer", "show-cause officer look-ups"))

    def __init__(self):
        self.seconds, self.count = defaultdict(float), defaultdict(int)
        self._started: list[float] = []

    def _kind(self, statement: str) -> str:
        return next((label for marker, label in self.KINDS if marker in statement), "other statements")

    def _before(self, *args) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, *args) -> None:
        kind = self._kind(statement)
        self.seconds[kind] += time.perf_counter() - self._started.pop()
        self.count[kind] += 1

    def _after_commit(self, session) -> None:
        self.seconds["commit"] += time.perf_counter() - self._started.pop()
        self.count["commit"] += 1

    def listeners(self, engine, session) -> list:
        return [(engine, "before_cursor_execute", self._before), (engine, "after_cursor_execute", self._after),
                (session, "before_commit", self._before), (session, "after_commit", self._after_commit)]


def profile_sweep(app, sweep, database: str, overdue: int) -> tuple[dict, dict, object]:
    """One sweep with every statement timed by kind; prints where a batch's time goes. The listeners cost little,
    so the wall time stays close to the measured sweep's; the Python side is what is left (for its detail, sample
    a sweep with py-spy, see docs/performance.md)."""
    from sqlalchemy import event

    from ipgrs import clock
    from ipgrs.extensions import db

    timer = StatementTimer()
    with app.app_context():
        listeners = timer.listeners(db.engine, db.session)
        for target, name, fn in listeners:
            event.listen(target, name, fn)
        started_at = clock.now()
        with CpuMeter(database) as meter:
            totals = sweep(db.session)
        for target, name, fn in listeners:
            event.remove(target, name, fn)
        db.session.remove()
    batches = totals["batches"] or 1
    in_database = sum(timer.seconds.values())
    print(f"  profiled sweep: {totals['escalated']:,} escalated in {batches} batches; {meter.line()}")
    print(f"  {'per batch of ' + format(overdue // batches, ','):<66} {'ms/batch':>9} {'calls':>6} {'share':>6}")
    for label, seconds in sorted(timer.seconds.items(), key=lambda kv: -kv[1]):
        print(f"  statements: {label:<54} {1000 * seconds / batches:9.1f} {timer.count[label] / batches:6.0f} "
              f"{seconds / meter.wall:6.0%}")
    rest = meter.wall - in_database
    print(f"  Python: {'building statements, decoding rows, rendering messages, …':<58} {1000 * rest / batches:9.1f} "
          f"{'':>6} {rest / meter.wall:6.0%}")
    report = {"wall_s": meter.wall, "cpu_s": meter.cpu, "batches": batches, "statements_s": dict(timer.seconds),
              "statements": dict(timer.count), "python_s": rest}
    return report, totals, started_at


def load_sweep(path: str | None):
    from ipgrs.grievances import escalation

    if not path:
        return escalation.sweep
    spec = importlib.util.spec_from_file_location("ipgrs.grievances.bench_candidate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.sweep


# --- the bench ------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 open, 5,000 overdue (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="one more sweep with every statement timed by kind")
    parser.add_argument("--sweep-from", metavar="FILE", help="measure a candidate copy of escalation.py instead")
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server (default {SERVER})")
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    args = parser.parse_args(argv)
    open_count, overdue = (100_000, 5_000) if args.quick else (1_000_000, 50_000)
    reduced = open_count // 10

    name = f"ipgrs_escbench_{secrets.token_hex(4)}"
    database_url, conninfo = f"{args.server}/{name}", plain_url(f"{args.server}/{name}")
    admin = plain_url(f"{args.server}/postgres")
    tmp = Path(tempfile.mkdtemp(prefix="ipgrs-escalation-bench-"))
    for key in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "IPGRS_CONFIG_DIR", "IPGRS_ESCALATION_BATCH",
                "IPGRS_ESCALATION_PAUSE", "IPGRS_CLOCK_FILE"):
        os.environ.pop(key, None)
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=secrets.token_hex(32), SMS_PROVIDER="log",
                      IPGRS_INSTANCE_DIR=str(tmp / "instance"))
    print(f"machine: {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2 ** 30:.0f} GiB; "
          f"load average before the run {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"sweep over {overdue:,} overdue of {open_count:,} open grievances, then of {reduced:,}; "
          f"database {name} on {args.server.split('@')[-1]}")

    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    status, results = 2, {}
    try:
        print("setup:")
        ipgrs_cli("db", "upgrade")
        ipgrs_cli("config", "publish", "config/", "-m", "escalation bench")
        from ipgrs.app import create_app
        from ipgrs.grievances import workflow

        if tuple(workflow.ACTIVE) != ACTIVE:
            raise RuntimeError(f"the bench's active statuses {ACTIVE} are not workflow.ACTIVE {workflow.ACTIVE}")
        app = create_app()
        logging.getLogger().setLevel(logging.WARNING)
        sweep = load_sweep(args.sweep_from)
        batch_size = app.config["ESCALATION_BATCH_SIZE"]
        templates = file_templates(app)
        with app.app_context():  # the sweep needs the published catalogue (show-cause departments) in this process
            from ipgrs.extensions import db as flask_db
            app.extensions["ipgrs.rules"].refresh(flask_db.session, force=True)
            flask_db.session.remove()

        db = psycopg.connect(conninfo, autocommit=True)
        started = time.perf_counter()
        generate(db, templates, open_count, overdue)
        generated_s = time.perf_counter() - started
        vacuum(db)
        total, due = active_counts(db)
        print(f"  {open_count - len(templates):,} copies in SQL in {generated_s:.0f} s (+ VACUUM ANALYZE): {total:,} open, "
              f"{due:,} overdue; {table_size(db)}")
        if (total, due) != (open_count, overdue):
            raise RuntimeError(f"generated {total:,} open / {due:,} overdue, expected {open_count:,} / {overdue:,}")
        snapshot(db)
        failures = []

        def measured(label: str, count: int) -> tuple[float, dict]:
            totals, meter, started_at = run_sweep(app, sweep, name)
            rate = totals["escalated"] / meter.wall
            print(f"sweep, {count:,} open / {overdue:,} overdue: {totals['escalated']:,} escalated in {meter.wall:.2f} s = "
                  f"{rate:,.0f} escalations/s, {totals['batches']} batches of {batch_size:,}")
            print(f"  {meter.line()}")
            found = verify(db, totals, overdue, started_at)
            print(f"  check: {'every overdue grievance moved up one level with one escalated event; nothing else changed' if not found else 'FAILED'}")
            print(f"  outbox: {outbox(db)}")
            failures.extend(f"{label}: {f}" for f in found)
            return meter.wall, {"totals": totals, "wall_s": meter.wall, "cpu_s": meter.cpu, "rate_per_s": rate}

        full_s, results["sweep_full"] = measured("full", open_count)

        reset(db)
        rows, bare_s = bare_update(db)
        print(f"floor, one bare UPDATE of the same rows on a reset copy ({open_count:,} open): {rows:,} rows in {bare_s:.2f} s")
        print(f"  {BARE_UPDATE.replace('%s', repr(ACTIVE))}")
        if rows != overdue:
            failures.append(f"the bare UPDATE changed {rows:,} rows, expected {overdue:,}")
        results["bare_full"] = {"rows": rows, "wall_s": bare_s}

        reset(db)
        last_template = max(templates)
        deleted = db.execute(
            "DELETE FROM grievance WHERE id IN (SELECT g.id FROM grievance AS g WHERE g.id > %s "
            "AND NOT EXISTS (SELECT 1 FROM bench_overdue AS b WHERE b.id = g.id) ORDER BY g.id DESC LIMIT %s)",
            (last_template, open_count - reduced)).rowcount
        vacuum(db, full=True)
        total, due = active_counts(db)
        print(f"reduced: {deleted:,} grievances that were not overdue deleted (VACUUM FULL): {total:,} open, {due:,} overdue; "
              f"{table_size(db)}")
        if (total, due) != (reduced, overdue):
            raise RuntimeError(f"reduced to {total:,} open / {due:,} overdue, expected {reduced:,} / {overdue:,}")
        reduced_s, results["sweep_reduced"] = measured("reduced", reduced)
        reset(db)
        rows_reduced, bare_reduced_s = bare_update(db)
        print(f"floor, bare UPDATE at {reduced:,} open: {rows_reduced:,} rows in {bare_reduced_s:.2f} s")
        results["bare_reduced"] = {"rows": rows_reduced, "wall_s": bare_reduced_s}

        full_rate = overdue / full_s
        checks = [
            (f"sweep of {overdue:,} at {open_count:,} open: {full_s:.1f} s = {full_rate:,.0f}/s", f">= {TARGET_RATE:,.0f}/s"
             + (" (< 30 s)" if overdue == 50_000 else ""), full_rate >= TARGET_RATE),
            (f"sweep / bare UPDATE: {full_s / bare_s:.1f} x ({full_s:.1f} s / {bare_s:.2f} s)", f"<= {TARGET_RATIO:.0f} x",
             full_s / bare_s <= TARGET_RATIO),
        ]
        print("summary:")
        print(f"  open {open_count:,} vs {reduced:,} with the same {overdue:,} overdue: {full_s:.2f} s vs {reduced_s:.2f} s, "
              f"ratio {full_s / reduced_s:.2f} (1.00 = the cost follows the overdue count; {open_count // reduced} = the open count)")
        print(f"  sweep / bare UPDATE at {reduced:,} open: {reduced_s / bare_reduced_s:.1f} x")
        for figure, target, met in checks:
            print(f"  {figure:<62} target {target:<18} {'met' if met else 'MISSED'}")
        ok = all(met for *_, met in checks)

        if args.profile:
            reset(db)
            print("profile:")
            results["profile"], totals, started_at = profile_sweep(app, sweep, name, overdue)
            failures.extend(f"profiled sweep: {f}" for f in verify(db, totals, overdue, started_at))
        db.close()

        for failure in failures:
            print(f"CHECK FAILED: {failure}")
        out = ROOT / "bench" / "output"
        out.mkdir(exist_ok=True)
        (out / "escalation_bench.json").write_text(json.dumps({
            "open": open_count, "reduced_open": reduced, "overdue": overdue, "batch_size": batch_size,
            "sweep_from": args.sweep_from, **results, "ratio_open_full_to_reduced": full_s / reduced_s,
            "ratio_sweep_to_bare": full_s / bare_s, "failures": failures, "targets_met": ok,
            "load_average_after": os.getloadavg(),
        }, indent=2, default=str))
        print("checks passed" if not failures else "CHECKS FAILED")
        print("targets met" if ok else "TARGETS MISSED")
        status = 1 if failures else 0
    except (RuntimeError, psycopg.Error) as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
    finally:
        print(f"load average after the run {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if "app" in locals():
            with app.app_context():
                from ipgrs.extensions import db as flask_db
                flask_db.engine.dispose()
        if args.keep:
            print(f"kept: database {name}")
        else:
            with psycopg.connect(admin, autocommit=True) as admin_db:
                admin_db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
