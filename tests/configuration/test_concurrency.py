"""Publishing under load, on PostgreSQL with real commits (a database of its own, dropped afterwards):
concurrent publishes of one department (one wins, the other must rebase), of two departments (both kept), and
grievances filed in threads by two "processes" (two apps, each with its own rules runtime) during 20 publishes —
every grievance routed by exactly one complete version, the one it records."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from ipgrs.catalog import services as catalog
from ipgrs.catalog.models import RulesetVersion
from ipgrs.configuration import services
from ipgrs.configuration.models import ConfigChange
from ipgrs.grievances.models import Grievance
from tests.conftest import CONFIG, cli_database
from tests.configuration.helpers import AGRI_TEXT, REV_TEXT, with_first_rule
from tests.factories import make_citizen, rtc_filing
from tests.officers.helpers import HUNSUR

PUBLISHES = 20  # the issue asks for 20
HUNSUR_RULE_NAME = "Hunsur RTC grievances go to the Assistant Commissioner"


@pytest.fixture(scope="module")
def apps(postgres_server_url, tmp_path_factory):
    """Two apps on one fresh PostgreSQL database (two web processes): `a` publishes, `b` only polls."""
    from ipgrs import create_app

    files = tmp_path_factory.mktemp("concurrency")
    with cli_database(postgres_server_url, "ipgrs_cfg", ["config", "publish", str(CONFIG), "-m", "shipped"]) as url:
        made = []
        for name, refresh in (("a", 0), ("b", 0.5)):
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "IPGRS_CONFIG_DIR": str(CONFIG),
                              "IPGRS_RULES_REFRESH_SECONDS": refresh, "ATTACHMENT_DIR": str(files / "uploads"),
                              "NOTIFICATION_OUTBOX_LOG": str(files / f"outbox-{name}.log")})
            made.append(app)
        with made[0].app_context():
            from ipgrs.extensions import db

            sm = made[0].appbuilder.sm
            admin_role = sm.find_role("Admin")
            for username in ("publisher1", "publisher2"):
                sm.add_user(username, "P", username, f"{username}@test.invalid", admin_role, password=username)
            db.session.remove()
        yield made
        for app in made:
            with app.app_context():
                from ipgrs.extensions import db

                db.session.remove()
                db.engine.dispose()


def _user(app, username):
    return app.appbuilder.sm.find_user(username=username)


def _in_threads(app, jobs):
    """Runs each job(session) in its own thread and app context, all released together; returns results/exceptions."""
    from ipgrs.extensions import db

    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = job(db.session)
            except Exception as exc:  # noqa: BLE001 - the test looks at what each one raised
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


def test_concurrent_publishes_of_one_department_one_wins_the_other_must_rebase(apps):
    app = apps[0]
    from ipgrs.extensions import db

    with app.app_context():
        base = catalog.latest_version_id(db.session)
        db.session.remove()

    def publish(username, text):
        return lambda session: services.publish_department(session, _user(app, username), "REV", text, base, username).id

    results = _in_threads(app, [publish("publisher1", with_first_rule(REV_TEXT)),
                                publish("publisher2", REV_TEXT.replace("Everything else goes", "All else goes"))])
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, services.RebaseNeeded)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "Rebase your draft on the new version" in str(lost[0]) and lost[0].latest_id == won[0]
    with app.app_context():
        assert catalog.latest_version_id(db.session) == won[0] == base + 1
        db.session.remove()


def test_concurrent_publishes_of_two_departments_both_count(apps):
    app = apps[0]
    from ipgrs.extensions import db

    with app.app_context():
        base = catalog.latest_version_id(db.session)
        rev = services.published(db.session, "REV").text
        db.session.remove()
    results = _in_threads(app, [
        lambda s: services.publish_department(s, _user(app, "publisher1"), "REV", rev + "# rev reviewed\n", base, "rev").id,
        lambda s: services.publish_department(s, _user(app, "publisher2"), "AGRI", AGRI_TEXT + "# agri reviewed\n", base, "agri").id,
    ])
    assert all(isinstance(r, int) for r in results), results
    with app.app_context():
        latest = catalog.latest_version(db.session)
        assert latest.id == base + 2
        texts = latest.snapshot["files"].values()
        assert any(t.endswith("# rev reviewed\n") for t in texts) and any(t.endswith("# agri reviewed\n") for t in texts)
        changes = db.session.scalars(select(ConfigChange).where(ConfigChange.version_id > base).order_by(ConfigChange.id)).all()
        assert [c.base_version_id for c in changes] == [base, base + 1]  # the second one was built on the first
        db.session.remove()


def test_filings_in_threads_during_20_publishes_each_routed_by_exactly_one_complete_version(apps):
    from ipgrs.citizens.models import Citizen
    from ipgrs.extensions import db
    from ipgrs.grievances.services import file_grievance

    with apps[0].app_context():
        citizens = [make_citizen(db.session, **HUNSUR).id for _ in range(4)]
        start = catalog.latest_version_id(db.session)
        db.session.remove()
    stop = threading.Event()
    filed, failures = [], []
    seen_by_b = {}

    def filer(app, citizen_id):
        with app.app_context():
            try:
                citizen = db.session.get(Citizen, citizen_id)
                while not stop.is_set():
                    g = file_grievance(db.session, citizen, rtc_filing())
                    filed.append(g.id)
                    time.sleep(0.02)  # a citizen's pace, not a loop holding the GIL the publisher needs
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=filer, args=(apps[i % 2], cid)) for i, cid in enumerate(citizens)]
    for t in threads:
        t.start()
    published = []
    try:
        with apps[0].app_context():
            runtime_a = apps[0].extensions["ipgrs.rules"]
            for i in range(PUBLISHES):
                pub = services.published(db.session, "REV", runtime_a)
                base_text = REV_TEXT if i % 2 else with_first_rule(REV_TEXT)
                version = services.publish_department(db.session, _user(apps[0], "publisher1"), "REV",
                                                      base_text + f"# publish {i}\n", pub.version.id, f"publish {i}",
                                                      runtime=runtime_a)
                published.append(version.id)
                # The other process picks the version up by polling, within seconds and without a restart.
                with apps[1].app_context():
                    runtime_b, t0 = apps[1].extensions["ipgrs.rules"], time.monotonic()
                    while runtime_b.version_id is None or runtime_b.version_id < version.id:
                        runtime_b.refresh(db.session)
                        time.sleep(0.05)
                        # Loading builds the 44-department catalogue (about 3 s on an idle core); here it shares one
                        # interpreter (one GIL) with four filing threads and the publisher, so allow for that.
                        assert time.monotonic() - t0 < 60, "the second process did not load the new version"
                    seen_by_b[version.id] = time.monotonic() - t0
                    db.session.remove()
                time.sleep(0.2)
            db.session.remove()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not failures, failures[:3]
    assert len(published) == PUBLISHES
    waits = sorted(seen_by_b.values())
    print(f"second app loaded each version after {waits[len(waits) // 2]:.1f} s (median), {waits[-1]:.1f} s (max)")

    with apps[0].app_context():
        grievances = db.session.scalars(select(Grievance).where(Grievance.id.in_(filed))).all()
        assert len(grievances) == len(filed) > 40
        versions = {v.id: v for v in db.session.scalars(select(RulesetVersion).where(RulesetVersion.id >= start))}
        routed_by = set()
        for g in grievances:
            version = versions[g.ruleset_version_id]
            rev = next(t for t in version.snapshot["files"].values() if "\ncode: REV\n" in t)
            expected = "AC" if HUNSUR_RULE_NAME in rev else "TAHSILDAR"
            assert g.decision["version"] == version.content_hash, g.number
            # The decision's post (this database has no officers, so the assignment itself climbs past vacancies).
            assert g.decision["post"] == expected, (g.number, version.id)
            assert (HUNSUR_RULE_NAME in g.decision["rules_fired"][0]) == (expected == "AC")
            routed_by.add(version.id)
        # Filing went on throughout: grievances were routed by several of the published versions, on both sides of a switch.
        assert len(routed_by & set(published)) >= 5, sorted(routed_by)
        assert {g.decision["post"] for g in grievances} == {"AC", "TAHSILDAR"}
        db.session.remove()


def test_one_filing_sent_twice_at_once_with_one_idempotency_key_is_one_grievance(apps):
    """A phone re-sends a filing while the first request is still in flight, to the other web process: the
    unique index decides, both answers carry the same grievance, one of them says it is not new."""
    from ipgrs.citizens.models import Citizen
    from ipgrs.extensions import db
    from ipgrs.grievances.services import file_once
    from ipgrs.notifications.models import Notification

    with apps[0].app_context():
        citizen_id = make_citizen(db.session, **HUNSUR).id
        db.session.remove()
    barrier, answers, failures = threading.Barrier(2), [], []

    def send(app, key):
        with app.app_context():
            try:
                citizen = db.session.get(Citizen, citizen_id)
                barrier.wait(timeout=30)
                grievance, new = file_once(db.session, citizen, rtc_filing(client_key=key))
                answers.append((grievance.number, new))
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                db.session.remove()

    keys = [f"phone-7f3a-{i:04d}" for i in range(5)]  # the race does not always overlap: a few filings
    for key in keys:
        answers.clear()
        barrier.reset()
        threads = [threading.Thread(target=send, args=(app, key)) for app in apps]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not failures, failures
        assert len({number for number, _ in answers}) == 1 and sorted(new for _, new in answers) == [False, True], answers
    with apps[0].app_context():
        filed = db.session.scalars(select(Grievance).where(Grievance.citizen_id == citizen_id)).all()
        assert sorted(g.client_key for g in filed) == keys
        for g in filed:
            sms = db.session.scalars(select(Notification.key).where(Notification.key.like(f"grievance:{g.number}:filed:%"))).all()
            assert sms == [f"grievance:{g.number}:filed:sms"]
        db.session.remove()
