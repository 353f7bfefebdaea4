"""Celery tasks of the CPGRAMS plugin (registered when the plugin is set up; beat entries in setup())."""
from __future__ import annotations

from ipgrs.extensions import db
from ipgrs.tasks import celery

from . import services


@celery.task(name="cpgrams.pull")
def pull() -> dict:
    return services.pull(db.session)


@celery.task(name="cpgrams.process")
def process(inbound_id: int) -> str | None:
    return services.process(db.session, inbound_id)


@celery.task(name="cpgrams.deliver")
def deliver(outbox_id: int) -> str | None:
    return services.deliver(db.session, outbox_id)


@celery.task(name="cpgrams.deliver_due")
def deliver_due() -> dict:
    return services.deliver_due(db.session)
