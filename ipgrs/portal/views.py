"""Portal pages. Views parse and render; every state change is a service call."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, session, url_for
from flask_appbuilder import IndexView, expose
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from ..citizens import services as citizens
from ..citizens.privacy import mask_mobile
from ..extensions import db
from ..grievances import actions, attachments
from ..grievances import services as grievances
from ..grievances.models import Grievance, GrievanceAttachment
from ..grievances.queries import can_read_attachment, grievance_view
from ..i18n import tr
from . import i18n
from .auth import citizen_required, current_citizen, log_in, log_out, safe_next

bp = Blueprint("portal", __name__)


def catalogue():
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session)
    return runtime.catalogue


@bp.app_context_processor
def _helpers():
    return {"t": i18n.t, "pick": i18n.pick, "status_text": i18n.status_text, "lang": i18n.language,
            "citizen": current_citizen, "csrf_token": generate_csrf, "taluk_map": _taluk_map, "local_time": _local_time,
            "subcategory_map": _subcategory_map, "event_text": i18n.event_text, "gender_text": i18n.gender_text}


def _subcategory_map(gt) -> dict:
    return {c.code: [{"code": s.code, "en": s.name.en, "kn": s.name.kn} for s in c.subcategories] for c in gt.categories}


def _taluk_map(districts) -> dict:
    return {d.name.en: [{"en": t.en, "kn": t.kn} for t in d.taluks] for d in districts}


def _local_time(value, with_time: bool = False) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")


def client_address() -> str:
    return request.remote_addr or "?"


# --- login ---------------------------------------------------------------------------------------

@bp.route("/citizen/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), "/")
    error, mobile = None, request.form.get("mobile", "")
    if request.method == "POST":
        try:
            sent = citizens.request_otp(db.session, mobile, client_address(), language=i18n.language())
        except citizens.InvalidMobile as exc:
            error = f"{i18n.t('mobile')}: {exc}"
        except citizens.RateLimited as exc:
            error = str(exc)
        else:
            session["otp_mobile"] = sent.mobile
            return redirect(url_for("portal.verify", next=next_url))
    return render_template("portal/login.html", error=error, mobile=mobile, next=next_url), (400 if error else 200)


@bp.route("/citizen/verify", methods=["GET", "POST"])
def verify():
    mobile = session.get("otp_mobile")
    next_url = safe_next(request.values.get("next"), "/")
    if not mobile:
        return redirect(url_for("portal.login", next=next_url))
    error = None
    if request.method == "POST":
        try:
            citizen, _ = citizens.verify_otp(db.session, mobile, request.form.get("code", ""), language=i18n.language())
        except citizens.OtpError as exc:
            error = str(exc)
        else:
            log_in(citizen)
            if not citizen.profile_complete:
                return redirect(url_for("portal.profile", next=next_url))
            return redirect(next_url)
    masked = mask_mobile(mobile)
    return render_template("portal/verify.html", error=error, masked=masked, next=next_url), (400 if error else 200)


@bp.post("/citizen/logout")
def logout():
    log_out()
    return redirect("/")


@bp.route("/citizen/profile", methods=["GET", "POST"])
@citizen_required
def profile():
    citizen = current_citizen()
    next_url = safe_next(request.values.get("next"), "/")
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            citizens.update_profile(db.session, citizen, values, catalogue().jurisdictions)
        except citizens.ProfileInvalid as exc:
            errors = exc.errors
        else:
            session["lang"] = session["locale"] = citizen.language
            return redirect(next_url)
    else:
        values = {k: getattr(citizen, k) or "" for k in citizens.PROFILE_FIELDS}
    return render_template("portal/profile.html", errors=errors, values=values, next=next_url,
                           districts=catalogue().jurisdictions.districts), (400 if errors else 200)


# --- finding and filing -------------------------------------------------------------------------

class PortalIndexView(IndexView):
    """FAB's index at "/" is the citizen portal's home page."""

    @expose("/")
    def index(self):
        return render_template("portal/home.html")


@bp.get("/file")
def choose():
    from ..catalog.search import catalogue_search

    query = request.args.get("q", "").strip()
    results, error = [], None
    if query:
        try:
            results = catalogue_search(catalogue()).search(query, limit=10)
        except ValueError as exc:
            error = str(exc)
    return render_template("portal/choose.html", query=query, results=results, error=error)


@bp.route("/file/<code>", methods=["GET", "POST"])
@citizen_required
def file_form(code):
    citizen = current_citizen()
    cat = catalogue()
    gt = cat.grievance_types.get(code)
    if gt is None:
        abort(404, description=tr("We do not know that grievance type. Search again from the filing page."))
    if not citizen.profile_complete:
        return redirect(url_for("portal.profile", next=request.path))
    errors, values = {}, {"location.where": "current"}
    if request.method == "POST":
        values = request.form.to_dict()
        filing = gather_filing(gt, channel="WEB")
        try:
            grievance = grievances.file_grievance(db.session, citizen, filing)
        except grievances.FilingInvalid as exc:
            errors = exc.errors
        else:
            return redirect(url_for("portal.grievance", number=grievance.number, filed=1))
    return render_filing_form(cat, gt, errors, values)


def render_filing_form(cat, gt, errors: dict, values: dict, **extra):
    """The generated filing form with the citizen's answers and the errors beside their fields."""
    form_errors = {k.split(".", 1)[1]: v for k, v in errors.items() if k.startswith("form.")}
    form_values = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("form.")}
    return render_template("portal/file.html", gt=gt, department=cat.departments[gt.department], errors=errors,
                           form_errors=form_errors, values=values, form_values=form_values,
                           districts=cat.jurisdictions.districts, **extra), (400 if errors else 200)


def gather_filing(gt, channel: str) -> grievances.FilingRequest:
    """The filing as the portal's form (and the desk's, which reuses it) posts it."""
    form_values = {}
    for f in gt.form:
        key = f"form.{f.name}"
        if f.type == "multiselect":
            form_values[f.name] = request.form.getlist(key)
        elif f.type != "file" and key in request.form:
            form_values[f.name] = request.form[key]
    uploads = [(f.name, request.files[f"file.{f.name}"]) for f in gt.form
               if f.type == "file" and request.files.get(f"file.{f.name}") and request.files[f"file.{f.name}"].filename]
    uploads += [(None, fs) for fs in request.files.getlist("attachments") if fs and fs.filename]
    return grievances.FilingRequest(
        grievance_type=gt.code, description=request.form.get("description", ""),
        category=request.form.get("category"), subcategory=request.form.get("subcategory"),
        form=form_values, uploads=uploads, channel=channel,
        location={k.split(".", 1)[1]: v for k, v in request.form.items() if k.startswith("location.")},
    )


# --- tracking ------------------------------------------------------------------------------------

@bp.get("/grievances")
@citizen_required
def mine():
    rows = db.session.scalars(select(Grievance).where(Grievance.citizen_id == current_citizen().id)
                              .order_by(Grievance.created_at.desc()).limit(200)).all()
    return render_template("portal/mine.html", grievances=[grievance_view(g) for g in rows])


def _own_grievance(number) -> Grievance:
    row = db.session.scalar(select(Grievance).where(Grievance.number == number[:20]))
    if row is None or row.citizen_id != current_citizen().id:
        abort(404, description=tr("No grievance of yours has that ID."))
    return row


@bp.get("/grievances/<number>")
@citizen_required
def grievance(number):
    row = _own_grievance(number)
    return render_template("portal/grievance.html", g=grievance_view(row, with_events=True), row=row,
                           just_filed=request.args.get("filed"), errors={}), 200


@bp.post("/grievances/<number>/reply")
@citizen_required
def reply(number):
    row = _own_grievance(number)
    uploads = [fs for fs in request.files.getlist("attachments") if fs and fs.filename]
    return _citizen_action(row, lambda: actions.citizen_reply(db.session, row, current_citizen(), request.form.get("answer"), uploads))


@bp.post("/grievances/<number>/feedback")
@citizen_required
def feedback(number):
    row = _own_grievance(number)
    return _give_feedback(row, current_citizen(), url_for("portal.grievance", number=row.number))


def _give_feedback(row, citizen, done_url):
    satisfied = {"yes": True, "no": False}.get(request.form.get("satisfied"))
    return _citizen_action(row, lambda: actions.feedback(db.session, row, citizen, request.form.get("rating"), satisfied,
                                                         request.form.get("comment")), done_url)


def _citizen_action(row, act, done_url=None):
    try:
        act()
    except actions.ActionInvalid as exc:
        return render_template("portal/grievance.html", g=grievance_view(row, with_events=True), row=row, errors=exc.errors,
                               values=request.form), 400
    except actions.TransitionRefused as exc:
        return render_template("portal/grievance.html", g=grievance_view(row, with_events=True), row=row,
                               errors={"_action": [str(exc)]}, values=request.form), 409
    return redirect(done_url or url_for("portal.grievance", number=row.number))


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def feedback_link(token):
    """The link in the resolution SMS: the signed token stands in for a login, for this one grievance."""
    from ..grievances.feedback_links import grievance_for_token

    row = grievance_for_token(db.session, token)
    if row is None:
        abort(404, description=tr("This feedback link is not valid any more. Log in to give feedback."))
    if request.method == "POST":
        return _give_feedback(row, row.citizen, url_for("portal.feedback_link", token=token))
    return render_template("portal/feedback.html", row=row, g=grievance_view(row), errors={}, values={})


@bp.get("/track")
def track():
    number = request.args.get("number", "").strip().upper()
    found, searched = None, bool(number)
    if number:
        row = db.session.scalar(select(Grievance).where(Grievance.number == number[:20]))
        if row is not None:
            found = {"number": row.number, "status": row.status, "filed_on": row.created_at}
    return render_template("portal/track.html", number=number, found=found, searched=searched)


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id):
    item = db.session.get(GrievanceAttachment, attachment_id)
    if item is None or not can_read_attachment(item, current_citizen()):
        abort(404, description=tr("No such document."))
    response = send_file(attachments.open_stored(item.stored_name), mimetype=item.content_type,
                         download_name=item.original_name, as_attachment=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register(app) -> None:
    app.register_blueprint(bp)
