"""The administrator's citizen pages: the list (masked mobile, no address, found by exact mobile number), one
citizen's full profile (each opening written to the access log first, citizens.profiles) and the access log itself."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext
from flask_login import current_user

from ..extensions import db
from ..grievances import queries as grievance_queries
from ..i18n import current_language, tr
from . import profiles
from .models import ProfileRead
from .phone import InvalidMobile


class CitizenProfileView(BaseView):
    """/admin/citizens/ (Admin only: FAB grants a new view's permissions to Admin and to no other role)."""

    route_base = "/admin/citizens"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        mobile = (request.args.get("mobile") or "").strip()[:20]
        try:
            page = max(1, int(request.args.get("page", 1)))
        except ValueError:
            page = 1
        error = None
        try:
            rows, total = profiles.find(db.session, mobile or None, page)
        except InvalidMobile as exc:
            rows, total, error = [], 0, tr("Mobile number: {error}", error=str(exc))
        pages = max(1, -(-total // profiles.PAGE_SIZE))
        return self.render_template("citizens/index.html", rows=rows, total=total, page=page, pages=pages,
                                    mobile=mobile, error=error), (400 if error else 200)

    @expose("/<int:citizen_id>")
    @has_access
    def profile(self, citizen_id):
        try:
            citizen = profiles.read(db.session, citizen_id, current_user, profiles.ADMIN_PAGE, request.remote_addr)
        except profiles.NotLogged as exc:
            return self.render_template("citizens/message.html", title=tr("Profile not shown"), message=str(exc)), 503
        if citizen is None:
            return self.render_template("citizens/message.html", title=tr("Not found"),
                                        message=tr("There is no citizen with that number.")), 404
        return self.render_template("citizens/profile.html", citizen=citizen, lang=current_language(),
                                    grievances=grievance_queries.of_citizen(db.session, citizen.id))


class ProfileReadView(ModelView):
    """The access log: read-only for everyone, the Admin role included (no add, edit or delete permission exists)."""

    route_base = "/admin/access-log"
    datamodel = SQLAInterface(ProfileRead)
    base_permissions = {"can_list", "can_show"}
    list_title = show_title = lazy_gettext("Access log: full citizen profiles opened")
    list_columns = ["at", "username", "user_id", "citizen_id", "source", "client"]
    show_columns = list_columns
    search_columns = ["username", "user_id", "citizen_id", "source", "at"]
    label_columns = {"at": lazy_gettext("When"), "username": lazy_gettext("Login"), "user_id": lazy_gettext("Login id"),
                     "citizen_id": lazy_gettext("Citizen id"), "source": lazy_gettext("Page"),
                     "client": lazy_gettext("Client (keyed hash)")}
    base_order = ("id", "desc")


def register(appbuilder) -> None:
    appbuilder.add_view(CitizenProfileView, "Citizens", icon="fa-address-card", category="Security")
    appbuilder.add_view(ProfileReadView, "Access log", icon="fa-eye", category="Security")
