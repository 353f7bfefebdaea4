"""The plugin mechanism: entry points, events inside the action's transaction (each subscriber in a savepoint),
and a broken plugin that never stops filing or redressal, with its failure recorded and shown to the admin."""
from __future__ import annotations

import types
from datetime import timedelta
from importlib.metadata import EntryPoint

import pytest
from sqlalchemy import func, select

from ipgrs import clock, plugins
from ipgrs.citizens.models import Citizen
from ipgrs.grievances import actions, escalation, services
from ipgrs.grievances.models import Grievance
from ipgrs.plugins.models import PluginFailure
from tests.factories import make_citizen, rtc_filing
from tests.portal.helpers import staff_login


@pytest.fixture
def registry(app):
    reg = plugins.registry(app)
    yield reg
    for name in ("broken", "recorder", "broken_setup"):
        reg.unsubscribe(name)
        reg.plugins.pop(name, None)


def test_the_cpgrams_plugin_is_loaded_through_its_entry_point(app):
    status = plugins.registry(app).plugins["cpgrams"]
    assert status.loaded and status.error is None and status.source == "plugins.cpgrams:setup"
    assert set(status.subscriptions) == set(plugins.EVENTS)
    assert "cpgrams:pull" in app.extensions["celery"].conf.beat_schedule
    assert "cpgrams" in app.cli.commands


def test_a_failing_subscriber_never_stops_filing_and_its_writes_are_rolled_back(app, db_session, registry):
    mobile = "+919811112222"

    def broken(session, event):
        session.add(Citizen(mobile=mobile, language="en"))  # written, then undone with the savepoint
        session.flush()
        raise ZeroDivisionError("deliberately broken subscriber")

    registry.subscribe("broken", "grievance.filed", broken)
    g = services.file_grievance(db_session, make_citizen(db_session), rtc_filing())
    assert db_session.get(Grievance, g.id).number == g.number
    assert db_session.scalar(select(func.count()).select_from(Citizen).where(Citizen.mobile == mobile)) == 0
    failure = db_session.scalars(select(PluginFailure).where(PluginFailure.plugin == "broken")).one()
    assert failure.event == "grievance.filed" and failure.grievance_ids == [g.id]
    assert failure.error.startswith("ZeroDivisionError: deliberately broken subscriber")
    assert registry.plugins["broken"].failures == 1

    # Redressal goes on too: the officer's action commits although the subscriber fails again.
    registry.subscribe("broken", "grievance.status_changed", broken)
    actions.accept(db_session, g, actions.Actor("officer", "t", officer=g.assigned_officer))
    db_session.refresh(g)
    assert g.status == "accepted"
    assert db_session.scalar(select(func.count()).select_from(PluginFailure).where(PluginFailure.plugin == "broken")) == 2


def test_the_admin_sees_plugins_and_failures(app, client, db_session, registry):
    registry.subscribe("broken", "grievance.filed", lambda s, e: 1 / 0)
    services.file_grievance(db_session, make_citizen(db_session), rtc_filing())
    staff_login(client, "admin", "admin")
    page = client.get("/admin/plugins/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "plugins.cpgrams:setup" in html and "loaded" in html
    assert 'id="plugin-failures"' in html and "ZeroDivisionError" in html


def test_a_plugin_whose_setup_fails_is_marked_broken_and_unsubscribed(app, registry):
    before = len(registry.subscribers.get("grievance.filed", []))
    status = plugins.load_entry_point(app, app.appbuilder, EntryPoint("broken_setup", "tests.plugins.broken:setup", plugins.GROUP))
    assert not status.loaded and "RuntimeError: this plugin is broken on purpose" in status.error
    assert len(registry.subscribers.get("grievance.filed", [])) == before


def test_an_enabled_plugin_that_is_not_installed_is_reported():
    fake = types.SimpleNamespace(config={"IPGRS_PLUGINS": ("nosuch",)}, extensions={})
    reg = plugins.init_app(fake, appbuilder=None)
    assert reg.plugins["nosuch"].error.startswith("not installed")


def test_escalation_emits_one_event_per_batch(app, db_session, registry):
    seen = []
    registry.subscribe("recorder", "grievance.escalated", lambda session, event: seen.append(event))
    citizen = make_citizen(db_session, district="Mysuru", taluk="Hunsur", pincode="571105")
    mine = [services.file_grievance(db_session, citizen, rtc_filing()).id for _ in range(3)]
    with clock.travel(timedelta(days=60)):
        escalation.sweep(db_session, batch_size=2)
    escalated = [i for e in seen for i in e.grievance_ids]
    assert set(mine) <= set(escalated) and len(escalated) == len(set(escalated))
    assert all(len(e.grievance_ids) <= 2 for e in seen) and len(seen) >= 2  # a batch each


def test_unknown_events_are_refused(registry):
    with pytest.raises(ValueError, match="unknown event"):
        registry.subscribe("recorder", "grievance.sneezed", lambda s, e: None)


def test_a_plugin_grants_permissions_to_a_role_of_this_app_only(app):
    from ipgrs.app import FAB_DEFAULTS

    roles = app.appbuilder.sm.builtin_roles
    assert ["CpgramsView", "can_triage"] in roles["Nodal Officer"]
    assert ["CpgramsView", "can_triage"] not in roles["Officer"]
    assert ["CpgramsView", "can_triage"] not in FAB_DEFAULTS["FAB_ROLES"]["Nodal Officer"]  # the shared default is untouched


def test_after_commit_hooks_can_tell_a_subscriber_savepoint_from_the_commit(app, registry):
    """SQLAlchemy fires after_commit when a SAVEPOINT is released too; the outboxes' hooks wait for the real commit."""
    from sqlalchemy import event

    from ipgrs.extensions import db
    from ipgrs.notifications.services import in_outer_transaction

    seen = []
    with app.app_context():
        session = db.session()
        listener = lambda s: seen.append(in_outer_transaction(s))  # noqa: E731
        event.listen(session, "after_commit", listener)
        try:
            registry.subscribe("recorder", "grievance.closed", lambda s, e: None)
            plugins.emit(session, "grievance.closed", 1)  # a savepoint released per subscriber (cpgrams' and ours)
            session.commit()
        finally:
            event.remove(session, "after_commit", listener)
            db.session.remove()
    subscribers = len(registry.subscribers["grievance.closed"])
    assert seen == [True] * subscribers + [False]  # each savepoint's release, then the commit
