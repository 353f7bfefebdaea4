"""The push endpoint CPGRAMS calls: POST /plugins/cpgrams/push, authenticated by HMAC-SHA256 with a shared secret
over "<timestamp>.<body>"; a request outside the timestamp window or seen before (same signature) is refused."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ipgrs import clock
from ipgrs.extensions import db

from . import services
from .models import CpgramsPushSeen

log = logging.getLogger(__name__)
TIMESTAMP, SIGNATURE = "X-Cpgrams-Timestamp", "X-Cpgrams-Signature"
MAX_BODY = 2 * 1024 * 1024

blueprint = Blueprint("cpgrams", __name__, url_prefix="/plugins/cpgrams", template_folder="templates")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """What CPGRAMS puts in X-Cpgrams-Signature (the simulator and tests use it too)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _error(message: str, status: int):
    return jsonify(message=message), status


@blueprint.post("/push")
def push():
    conf = services.settings()
    if not conf.push_secret:
        return _error("The CPGRAMS push endpoint is not configured.", 503)
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _error("The request is too large.", 413)
    timestamp, signature = request.headers.get(TIMESTAMP, ""), request.headers.get(SIGNATURE, "")
    try:
        sent = int(timestamp)
    except ValueError:
        return _error("X-Cpgrams-Timestamp: expected the time of sending in whole seconds since 1970.", 401)
    now = clock.now()
    if abs(now.timestamp() - sent) > conf.push_window_seconds:
        return _error("The request's timestamp is outside the accepted window; it may be a replay.", 401)
    if not hmac.compare_digest(sign(conf.push_secret, timestamp, body), signature):
        return _error("The signature does not match the body and timestamp.", 401)
    session = db.session
    window = timedelta(seconds=conf.push_window_seconds)
    session.execute(delete(CpgramsPushSeen).where(CpgramsPushSeen.seen_at < now - 2 * window))
    session.add(CpgramsPushSeen(signature=hashlib.sha256(signature.encode()).hexdigest(), seen_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return _error("This request was received before (replay refused).", 409)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        session.rollback()
        return _error("The body is not JSON.", 400)
    records = data.get("grievances") if isinstance(data, dict) and "grievances" in data else [data]
    if not isinstance(records, list):
        session.rollback()
        return _error("grievances: expected a list.", 400)
    received = services.receive(session, records, "push")
    session.commit()
    _process(received.new_ids)
    return jsonify(received.as_dict()), 202


def _process(ids):
    """Filing follows in a worker (or in this request, in the embedded default); the pull's sweep files whatever a
    lost hand-off left behind."""
    from .tasks import process

    for inbound_id in ids:
        try:
            if current_app.config.get("CELERY_TASK_ALWAYS_EAGER"):
                services.process(db.session, inbound_id)
            else:
                process.delay(inbound_id)
        except Exception:  # noqa: BLE001 - stored already; process_pending files it later
            db.session.rollback()
            log.exception("CPGRAMS grievance %s stored but not filed yet", inbound_id)
