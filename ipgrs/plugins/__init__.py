"""Plugins: packages that add to the platform without the platform importing them.

A plugin is found through a Python entry point in the group ``ipgrs.plugins`` and loaded only when its name
is listed in IPGRS_PLUGINS. Its entry point is a ``setup(ctx)`` function (or an object with one) that uses
the PluginContext to add Celery beat entries, blueprints and APIs, admin views, CLI commands and role
permissions, and to subscribe to the platform's events. docs/plugins.md describes every hook point.

Events are emitted by the platform inside the transaction of the action that caused them:

    emit(session, "grievance.status_changed", grievance.id, kind="resolved", ...)
    emit_many(session, "grievance.escalated", [ids of one batch])

Each subscriber runs inside its own SAVEPOINT: what it writes commits atomically with the action, and a
subscriber that raises is rolled back to its savepoint, logged and recorded (plugin_failure, shown in the
admin), and never stops the action.
"""
from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Callable

log = logging.getLogger(__name__)

GROUP = "ipgrs.plugins"
EVENTS = ("grievance.filed", "grievance.status_changed", "grievance.escalated", "grievance.closed")
EXTENSION = "ipgrs.plugins"


@dataclass(frozen=True)
class Event:
    """What a subscriber receives: the event name, the grievances concerned (one, or a batch) and details."""

    name: str
    grievance_ids: tuple[int, ...]
    data: dict = field(default_factory=dict)


@dataclass
class PluginStatus:
    name: str
    source: str = ""               # the entry point's target, e.g. plugins.cpgrams:setup
    loaded: bool = False
    error: str | None = None       # why it is not loaded (not installed, setup failed)
    subscriptions: list[str] = field(default_factory=list)
    failures: int = 0              # subscriber failures in this process since start


Subscriber = Callable[["object", Event], None]


class Registry:
    """The plugins of one app: their status and their event subscribers."""

    def __init__(self, enabled: tuple[str, ...] = ()):
        self.enabled = tuple(enabled)
        self.plugins: dict[str, PluginStatus] = {}
        self.subscribers: dict[str, list[tuple[str, Subscriber]]] = {}
        self.serving_hooks: list[tuple[str, Callable]] = []

    def subscribe(self, plugin: str, event: str, fn: Subscriber) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; plugins can subscribe to {', '.join(EVENTS)}")
        self.subscribers.setdefault(event, []).append((plugin, fn))
        status = self.plugins.setdefault(plugin, PluginStatus(plugin))
        status.subscriptions.append(event)

    def unsubscribe(self, plugin: str) -> None:
        for event, subs in self.subscribers.items():
            subs[:] = [(p, fn) for p, fn in subs if p != plugin]


class PluginContext:
    """What a plugin's setup() is given: the hook points, and nothing else it needs to import from Flask."""

    def __init__(self, name: str, app, appbuilder, registry: Registry):
        self.name, self.app, self.appbuilder, self.registry = name, app, appbuilder, registry

    @property
    def config(self):
        """The Flask config: a plugin's own settings arrive as <NAME>_* keys (see ipgrs/settings.py)."""
        return self.app.config

    @property
    def celery(self):
        return self.app.extensions["celery"]

    def subscribe(self, event: str, fn: Subscriber) -> None:
        """fn(session, Event) runs inside the emitting action's transaction, in its own SAVEPOINT."""
        self.registry.subscribe(self.name, event, fn)

    def add_blueprint(self, blueprint, csrf_exempt: bool = False) -> None:
        """Pages or APIs. csrf_exempt for machine-to-machine endpoints that authenticate otherwise (HMAC)."""
        if csrf_exempt:
            self.app.extensions["csrf"].exempt(blueprint)
        self.app.register_blueprint(blueprint)

    def add_view(self, view, name: str, **kwargs) -> None:
        """An admin view (Flask-AppBuilder BaseView/ModelView) with its menu entry."""
        self.appbuilder.add_view(view, name, **kwargs)

    def add_view_no_menu(self, view) -> None:
        self.appbuilder.add_view_no_menu(view)

    def add_api(self, api) -> None:
        self.appbuilder.add_api(api)

    def add_command(self, command) -> None:
        """A click command or group: `ipgrs <name> ...`."""
        self.app.cli.add_command(command)

    def add_periodic_task(self, name: str, task: str, seconds: float) -> None:
        """A beat entry (Celery beat, or the in-process beat of the embedded default)."""
        entry = {"task": task, "schedule": float(seconds)}
        self.app.extensions["ipgrs.celery_conf"]["beat_schedule"][f"{self.name}:{name}"] = entry
        self.celery.conf.beat_schedule[f"{self.name}:{name}"] = entry

    def on_serve(self, fn) -> None:
        """fn(app) runs when the embedded default starts serving (`make run`, before its in-process beat), and
        only then: for demo companions such as a simulator. Not run by workers, the CLI or gunicorn."""
        self.registry.serving_hooks.append((self.name, fn))

    def grant(self, role: str, permissions: list[list[str]]) -> None:
        """[view, permission] pairs a builtin role gets; created by `ipgrs db upgrade`."""
        sm = self.appbuilder.sm
        # FAB_ROLES comes from a module-level default shared by every app in the process (and the Officer and
        # Nodal Officer roles share one list): this app gets its own copy before a plugin adds to it.
        roles = {name: [list(p) for p in pvms] for name, pvms in sm.builtin_roles.items()}
        wanted = roles.setdefault(role, [])
        wanted += [[view, permission] for view, permission in permissions if [view, permission] not in wanted]
        sm._builtin_roles = roles
        self.app.config["FAB_ROLES"] = roles


def init_app(app, appbuilder) -> Registry:
    """Loads every enabled plugin. A plugin that is missing or whose setup fails is logged and marked, and the
    platform starts without it."""
    registry = Registry(tuple(app.config.get("IPGRS_PLUGINS") or ()))
    app.extensions[EXTENSION] = registry
    if not registry.enabled:
        return registry
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    for name in registry.enabled:
        ep = found.get(name)
        if ep is None:
            registry.plugins[name] = PluginStatus(name, error="not installed: no entry point in the group "
                                                              f"'{GROUP}' has this name (pip install the plugin)")
            log.error("plugin %s is enabled but not installed", name)
            continue
        load_entry_point(app, appbuilder, ep)
    return registry


def load_entry_point(app, appbuilder, ep: EntryPoint) -> PluginStatus:
    registry: Registry = app.extensions[EXTENSION]
    status = registry.plugins.setdefault(ep.name, PluginStatus(ep.name))
    status.source = ep.value
    try:
        target = ep.load()
        setup = getattr(target, "setup", target)
        setup(PluginContext(ep.name, app, appbuilder, registry))
        status.loaded, status.error = True, None
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the platform
        registry.unsubscribe(ep.name)
        registry.serving_hooks[:] = [(p, fn) for p, fn in registry.serving_hooks if p != ep.name]
        status.loaded, status.error = False, f"setup failed: {type(exc).__name__}: {str(exc)[:300]}"
        log.exception("plugin %s failed to load; the platform runs without it", ep.name)
    return status


def serving(app) -> None:
    """Called by `make run` (app.py) before it serves: runs the plugins' on_serve hooks; a failing one is logged."""
    reg = app.extensions.get(EXTENSION)
    for plugin, fn in (reg.serving_hooks if reg else []):
        try:
            fn(app)
        except Exception:  # noqa: BLE001 - a demo companion must not stop the platform
            log.exception("plugin %s failed to start its companion for make run", plugin)


MODELS_GROUP = "ipgrs.plugin_models"


def import_plugin_models() -> None:
    """Imports the model modules of every installed plugin (entry points in ``ipgrs.plugin_models``), enabled
    or not: their tables are part of the schema the platform's migrations build, and Alembic and the
    models-equal-migrations test must see them."""
    for ep in entry_points(group=MODELS_GROUP):
        try:
            ep.load()
        except Exception:  # noqa: BLE001 - a broken plugin must not stop the platform
            log.exception("the models of plugin %s could not be imported", ep.name)


def registry(app=None) -> Registry | None:
    from flask import current_app, has_app_context

    if app is None:
        if not has_app_context():
            return None
        app = current_app
    return app.extensions.get(EXTENSION)


def emit(session, event: str, grievance_id: int, **data) -> None:
    """Tells subscribers about one grievance. Call it inside the action's transaction, before its commit."""
    emit_many(session, event, (grievance_id,), **data)


def emit_many(session, event: str, grievance_ids, **data) -> None:
    """Tells subscribers about a batch of grievances (e.g. one escalation batch). Never raises for a subscriber."""
    ids = tuple(int(i) for i in grievance_ids)
    reg = registry()
    if not ids or reg is None:
        return
    subscribers = reg.subscribers.get(event)
    if not subscribers:
        return
    happened = Event(event, ids, dict(data))
    for plugin, fn in list(subscribers):
        try:
            with session.begin_nested():
                fn(session, happened)
        except Exception as exc:  # noqa: BLE001 - a subscriber never stops filing or redressal
            _record_failure(session, reg, plugin, happened, exc)


def _record_failure(session, reg: Registry, plugin: str, happened: Event, exc: Exception) -> None:
    from .. import clock
    from .models import PluginFailure

    status = reg.plugins.setdefault(plugin, PluginStatus(plugin))
    status.failures += 1
    # The exception type and where it was raised; never the event's data (it may carry personal details).
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    error = f"{type(exc).__name__}: {str(exc)[:300]}" + (f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else "")
    log.error("plugin %s failed on %s for %d grievance(s): %s", plugin, happened.name, len(happened.grievance_ids), error)
    try:
        with session.begin_nested():
            session.add(PluginFailure(plugin=plugin[:64], event=happened.name[:64], grievance_ids=list(happened.grievance_ids[:50]),
                                      error=error[:500], at=clock.now()))
    except Exception:  # noqa: BLE001 - recording the failure must not fail the action either
        log.exception("could not record the failure of plugin %s", plugin)
