"""The dashboard pages (FAB views: the dashboard, the list behind a figure, CSV/XLSX downloads) and the public
transparency page. Pages parse and render; the figures come from queries and transparency."""
from __future__ import annotations

import time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select

from ..catalog.models import Department, District, GrievanceType
from ..extensions import db
from ..grievances.models import CHANNELS
from ..portal import i18n as portal_i18n
from ..portal.i18n import STATUS
from . import exports, i18n, queries, rollups, scope as scopes, transparency

IST = ZoneInfo("Asia/Kolkata")


def _lang() -> str:
    return portal_i18n.language()


def _local(value) -> str:
    return value.astimezone(IST).strftime("%d-%m-%Y %H:%M IST") if value else ""


def _download(data: bytes, name: str, kind: str) -> Response:
    mime = "text/csv; charset=utf-8" if kind == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(data, mimetype=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class DashboardView(BaseView):
    """/dashboards/ for officers (their posts), nodal officers (their departments), state monitors and admins."""

    route_base = "/dashboards"
    default_view = "index"

    def _scope(self):
        try:
            return scopes.for_user(db.session, current_user)
        except scopes.NotAllowed as exc:
            return self.render_template("dashboards/message.html", title=i18n.t("not_allowed", _lang()),
                                        message=i18n.t(exc.key, _lang()), lang=_lang()), 403

    def _message(self, title_key, message_key, status, message=None):
        lang = _lang()
        return self.render_template("dashboards/message.html", title=i18n.t(title_key, lang), lang=lang,
                                    message=message or i18n.t(message_key, lang)), status

    def _filters(self):
        try:
            return queries.Filters.from_args(request.args, _lang()), {}
        except queries.FiltersInvalid as exc:
            return queries.Filters(), exc.errors

    def _choices(self, scope, lang):
        pick = (lambda r: r.name_kn) if lang == "kn" else (lambda r: r.name_en)
        departments = db.session.scalars(select(Department).order_by(Department.name_en)).all()
        if scope.kind == scopes.DEPARTMENT:
            departments = [d for d in departments if d.id in scope.department_ids]
        districts = db.session.scalars(select(District).order_by(District.name_en)).all()
        return {"departments": [(d.code, pick(d)) for d in departments], "districts": [(d.code, pick(d)) for d in districts],
                "channels": [(c, i18n.pair(i18n.CHANNEL_NAMES, c, lang)) for c in CHANNELS]}

    @expose("/")
    @has_access
    def index(self):
        scope = self._scope()
        if isinstance(scope, tuple):
            return scope
        lang = _lang()
        filters, errors = self._filters()
        data = queries.dashboard(db.session, scope, filters, lang=lang)
        latest = rollups.latest(db.session)
        base = filters.args()
        type_name = None
        if filters.type:
            gt = db.session.scalar(select(GrievanceType).where(GrievanceType.code == filters.type))
            type_name = (gt.name_kn if lang == "kn" else gt.name_en) if gt else filters.type

        def drill(row):
            return url_for("DashboardView.grievances") + "?" + urlencode({**base, **row.get("drill", {})})

        charts = {name: {"labels": [str(r["label"]) for r in table.rows],
                         "values": [r.get(table.chart["value"]) or 0 for r in table.rows],
                         "links": [drill(r) for r in table.rows], "type": table.chart["type"],
                         "max": table.chart.get("max"), "label": dict(table.columns).get(table.chart["value"], "")}
                  for name, table in data["tables"].items()}
        minutes = int(current_app.config.get("DASHBOARD_REFRESH_SECONDS", 600)) // 60
        return self.render_template(
            "dashboards/dashboard.html", lang=lang, t=lambda k, **v: i18n.t(k, lang, **v), data=data, charts=charts,
            tables=[data["tables"][n] for n in queries.TABLES], filters=filters, errors=errors, base=base, drill=drill,
            as_of=_local(latest.as_of) if latest else None, minutes=minutes, scope=scope, type_name=type_name,
            export_url=lambda name, kind: url_for("DashboardView.export_table", name=name, kind=kind) + ("?" + urlencode(base) if base else ""),
            **self._choices(scope, lang),
        ), (400 if errors else 200)

    @expose("/grievances")
    @has_access
    def grievances(self):
        scope = self._scope()
        if isinstance(scope, tuple):
            return scope
        lang = _lang()
        filters, errors = self._filters()
        rows, total = queries.grievance_list(db.session, scope, filters)
        pages = max(1, -(-total // queries.PAGE_SIZE))
        args = filters.args(segment=True)

        def page_url(n):
            return url_for("DashboardView.grievances") + "?" + urlencode({**args, "page": n})
        pick = (lambda r: r.name_kn if r is not None else "") if lang == "kn" else (lambda r: r.name_en if r is not None else "")
        return self.render_template(
            "dashboards/grievances.html", lang=lang, t=lambda k, **v: i18n.t(k, lang, **v), rows=rows, total=total,
            filters=filters, errors=errors, pages=pages, page_url=page_url, pick=pick, officer=scope.kind == scopes.POSTS,
            status=lambda s: i18n.pair(STATUS, s, lang), channel=lambda c: i18n.pair(i18n.CHANNEL_NAMES, c, lang),
            local=lambda v: v.astimezone(IST).strftime("%d-%m-%Y") if v else "",
            back=url_for("DashboardView.index") + ("?" + urlencode(filters.args()) if filters.args() else ""),
            export_url=lambda kind: url_for("DashboardView.export_list", kind=kind) + ("?" + urlencode(args) if args else ""),
        ), (400 if errors else 200)

    @expose("/export/<name>.<kind>")
    @has_access
    def export_table(self, name, kind):
        scope = self._scope()
        if isinstance(scope, tuple):
            return scope
        if name not in queries.TABLES or kind not in ("csv", "xlsx"):
            return self._message("not_found", "no_such_table", 404)
        filters, errors = self._filters()
        if errors:
            return self._message("bad_filters", None, 400, "; ".join(m for ms in errors.values() for m in ms))
        table = queries.dashboard(db.session, scope, filters, lang=_lang())["tables"][name]
        headings, rows = exports.table_rows(table)
        data = exports.to_csv(headings, rows) if kind == "csv" else exports.to_xlsx(headings, rows, name)
        return _download(data, name, kind)

    @expose("/grievances.<kind>")
    @has_access
    def export_list(self, kind):
        scope = self._scope()
        if isinstance(scope, tuple):
            return scope
        if kind not in ("csv", "xlsx"):
            return self._message("not_found", "no_such_table", 404)
        filters, errors = self._filters()
        if errors:
            return self._message("bad_filters", None, 400, "; ".join(m for ms in errors.values() for m in ms))
        columns, rows = queries.list_rows(db.session, scope, filters, lang=_lang())
        headings, values = exports.list_rows(columns, rows)
        data = exports.to_csv(headings, values) if kind == "csv" else exports.to_xlsx(headings, values, "grievances")
        return _download(data, "grievances", kind)


bp = Blueprint("transparency", __name__)


@bp.get("/transparency")
def transparency_page():
    """Public: no login, no personal data, cached per language. The language comes from ?lang= or the visitor's
    earlier choice, and is not stored here: a public, cacheable page sets no cookie."""
    chosen = request.args.get("lang")
    lang = chosen if chosen in ("en", "kn") else session.get("lang", "en")
    figures = transparency.cached(db.session, lang, time.monotonic(), current_app.config["SQLALCHEMY_DATABASE_URI"])
    html = render_template("dashboards/transparency.html", lang=lang, t=lambda k, **v: i18n.t(k, lang, **v),
                           figures=figures, as_of=_local(figures["as_of"]) if figures["as_of"] else None,
                           other="kn" if lang == "en" else "en")
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={transparency.CACHE_SECONDS}"
    response.headers["Vary"] = "Cookie"
    response.headers["Content-Language"] = lang
    return response


def register(appbuilder) -> None:
    appbuilder.add_view(DashboardView, "Dashboard", icon="fa-chart-bar", category="Grievances")
    current_app._get_current_object().register_blueprint(bp)
