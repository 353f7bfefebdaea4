"""Short signed links for feedback by SMS: the citizen taps the link in the resolution message and rates the
redressal (or appeals) without logging in. The token is the grievance id and a keyed hash of it and of the
resolution time, so it stops working once the grievance is reopened or resolved again."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy.orm import Session

from .. import clock
from .models import Grievance


def _mac(g_id: int, resolved_at) -> str:
    message = f"feedback:{g_id}:{resolved_at.isoformat() if resolved_at else ''}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:20]


def token_for(g: Grievance) -> str:
    return f"{g.id}.{_mac(g.id, g.resolved_at)}"


def link_for(g: Grievance) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/feedback/{token_for(g)}"


def grievance_for_token(session: Session, token: str) -> Grievance | None:
    g_id, _, mac = (token or "").partition(".")
    if not g_id.isdigit() or len(g_id) > 12 or len(mac) != 20:
        return None
    g = session.get(Grievance, int(g_id))
    if g is None or g.resolved_at is None or not hmac.compare_digest(mac, _mac(g.id, g.resolved_at)):
        return None
    days = int(current_app.config.get("APPEAL_WINDOW_DAYS", 30))
    if (clock.now() - g.resolved_at).days > days:
        return None
    return g
