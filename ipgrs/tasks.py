"""Celery, bound to the Flask app: every task runs inside an app context with its own database session.

Without CELERY_BROKER_URL (the embedded default) tasks run in-process, eagerly.
"""
from __future__ import annotations

from celery import Celery, Task

_flask_app = None


class AppTask(Task):
    def __call__(self, *args, **kwargs):
        from .extensions import db
        with _flask_app.app_context():
            try:
                return self.run(*args, **kwargs)
            finally:
                db.session.remove()  # Flask-SQLAlchemy scopes sessions by app context; never leak one across tasks


celery = Celery("ipgrs", task_cls=AppTask, set_as_current=False)


def init_celery(app) -> Celery:
    # Kept with the app: a process normally holds one app, but tests hold several, and `bind` puts an app's
    # settings (plugins' beat entries included) back on the one Celery object.
    app.extensions["ipgrs.celery_conf"] = dict(
        broker_url=app.config["CELERY_BROKER_URL"] or "memory://",
        result_backend=app.config["CELERY_RESULT_BACKEND"] or ("cache+memory://" if not app.config["CELERY_BROKER_URL"] else None),
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "refresh-rules": {"task": "ipgrs.rules.refresh", "schedule": 30.0},
            "deliver-notifications": {"task": "ipgrs.notifications.deliver_due", "schedule": 15.0},
            "escalate-lapsed": {"task": "ipgrs.grievances.escalate", "schedule": 60.0},
            "auto-close-resolved": {"task": "ipgrs.grievances.auto_close", "schedule": 3600.0},
            "refresh-dashboards": {"task": "ipgrs.dashboards.refresh", "schedule": float(app.config.get("DASHBOARD_REFRESH_SECONDS", 600))},
            # Weekly; the outbox key (ISO week) keeps it to one report per week even when beat restarts.
            "weekly-pendency-report": {"task": "ipgrs.dashboards.weekly_pendency", "schedule": 7 * 24 * 3600.0},
        },
    )
    bind(app)
    from .notifications import tasks as _notification_tasks  # noqa: F401 - registers the outbox tasks
    from .dashboards import tasks as _dashboard_tasks  # noqa: F401 - registers the dashboards' tasks
    app.extensions["celery"] = celery
    return celery


def bind(app) -> None:
    """Tasks run against `app`, with its broker and beat schedule."""
    global _flask_app
    _flask_app = app
    conf = app.extensions["ipgrs.celery_conf"]
    celery.conf.update(conf, beat_schedule=dict(conf["beat_schedule"]))


@celery.task(name="ipgrs.rules.refresh")
def refresh_rules() -> dict:
    """Loads the latest published catalogue into this worker's engine and reports what it holds."""
    from flask import current_app

    from .extensions import db

    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session, force=True)
    return {"version_id": runtime.version_id, "content_hash": runtime.engine.version}


@celery.task(name="ipgrs.grievances.escalate")
def escalate() -> dict:
    """The escalation sweep (also `ipgrs escalate`)."""
    from .extensions import db
    from .grievances.escalation import sweep

    return sweep(db.session)


@celery.task(name="ipgrs.grievances.auto_close")
def auto_close() -> int:
    from .extensions import db
    from .grievances.escalation import auto_close as close

    return close(db.session)


@celery.task(name="ipgrs.rules.decide")
def decide(facts: dict) -> dict:
    """Routes a grievance's facts under this worker's published version (used by imports and the helpline queue)."""
    from flask import current_app

    from .extensions import db

    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session)
    return runtime.decide(facts).as_dict()


def start_inprocess_beat(app, stop=None):
    """The embedded default has no `celery beat`: run the beat schedule on a daemon thread in this process.
    Each periodic task runs eagerly, in its own app context, exactly as a worker would run it."""
    import logging
    import threading
    import time

    log = logging.getLogger("ipgrs.beat")
    stop = stop or threading.Event()
    schedule = {name: (entry["task"], float(entry["schedule"])) for name, entry in celery.conf.beat_schedule.items()}
    next_run = {name: time.monotonic() + 5 for name in schedule}

    def loop():
        while not stop.wait(1.0):
            now = time.monotonic()
            for name, (task_name, every) in schedule.items():
                if now >= next_run[name]:
                    next_run[name] = now + every
                    try:
                        celery.tasks[task_name].apply()
                    except Exception:  # noqa: BLE001 - one failed sweep must not end the schedule
                        log.exception("periodic task %s failed", task_name)

    thread = threading.Thread(target=loop, name="ipgrs-inprocess-beat", daemon=True)
    thread.start()
    return stop
