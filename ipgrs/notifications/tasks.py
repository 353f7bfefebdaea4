"""Celery tasks of the outbox: deliver one notification, and the beat sweep that delivers whatever is due."""
from __future__ import annotations

from ..extensions import db
from ..tasks import celery
from . import services


@celery.task(name="ipgrs.notifications.deliver")
def deliver(notification_id: int) -> str | None:
    return services.deliver(db.session, notification_id)


@celery.task(name="ipgrs.notifications.deliver_due")
def deliver_due() -> dict:
    return services.deliver_due(db.session)
