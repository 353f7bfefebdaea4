"""The admin's page for partner apps' Open311 API keys: issue (the key is shown once), deactivate, rotate."""
from __future__ import annotations

from flask import flash, redirect
from flask_appbuilder import ModelView
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from markupsafe import Markup, escape

from .. import clock
from ..extensions import db
from . import services
from .models import PartnerApiKey


def _show_once(key: PartnerApiKey, raw: str) -> None:
    flash(Markup("API key for <b>{}</b>: <code>{}</code> — copy it now; only its hash is stored, so it cannot be "
                 "shown again.").format(escape(key.partner), escape(raw)), "warning")


class PartnerApiKeyView(ModelView):
    route_base = "/open311keys"
    datamodel = SQLAInterface(PartnerApiKey)
    base_permissions = {"can_list", "can_show", "can_add", "can_edit"}
    list_title = "Open311 partner API keys"
    list_columns = ["partner", "key_prefix", "active", "requests_filed", "last_used_at", "created_at"]
    show_columns = ["partner", "contact_email", "key_prefix", "active", "requests_filed", "last_used_at", "created_at"]
    add_columns = ["partner", "contact_email"]
    edit_columns = ["partner", "contact_email", "active"]
    label_columns = {"key_prefix": "Key begins", "requests_filed": "Grievances filed", "last_used_at": "Last used"}
    base_order = ("created_at", "desc")

    def pre_add(self, item: PartnerApiKey) -> None:
        item.created_at, item.active, item.window_count, item.requests_filed = clock.now(), True, 0, 0
        self._raw = services.set_new_key(item)

    def post_add(self, item: PartnerApiKey) -> None:
        _show_once(item, self._raw)
        self._raw = None

    @action("rotate", "Issue a new key", "The old key stops working at once. Continue?", "fa-key", single=True)
    def rotate(self, item):
        item = item[0] if isinstance(item, list) else item
        raw = services.set_new_key(item)
        item.active = True
        db.session.commit()
        _show_once(item, raw)
        return redirect(self.get_redirect())

    @action("deactivate", "Deactivate", "The app's key stops working at once. Continue?", "fa-ban")
    def deactivate(self, items):
        for item in items if isinstance(items, list) else [items]:
            item.active = False
        db.session.commit()
        flash(f"{len(items) if isinstance(items, list) else 1} key(s) deactivated.", "info")
        return redirect(self.get_redirect())


def register(appbuilder) -> None:
    appbuilder.add_view(PartnerApiKeyView, "Open311 partner keys", icon="fa-key", category="Security")
