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
    global _flask_app
    _flask_app = app
    celery.conf.update(
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
        },
    )
    from .notifications import tasks as _notification_tasks  # noqa: F401 - registers the outbox tasks
    app.extensions["celery"] = celery
    return celery


@celery.task(name="ipgrs.rules.refresh")
def refresh_rules() -> dict:
    """Loads the latest published catalogue into this worker's engine and reports what it holds."""
    from flask import current_app

    from .extensions import db

    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session, force=True)
    return {"version_id": runtime.version_id, "content_hash": runtime.engine.version}


@celery.task(name="ipgrs.rules.decide")
def decide(facts: dict) -> dict:
    """Routes a grievance's facts under this worker's published version (used by imports and the helpline queue)."""
    from flask import current_app

    from .extensions import db

    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session)
    return runtime.decide(facts).as_dict()
