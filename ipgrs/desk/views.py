"""Desk pages for the Operator role (FAB permissions). The desk's progress lives in the operator's session:
which citizen, which channel, and how the citizen was verified for this filing."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select

from ..citizens import profiles
from ..citizens import services as citizens
from ..citizens.models import Citizen
from ..extensions import db
from ..grievances import services as grievances
from ..grievances.models import CHANNELS, OPERATOR_CHANNELS

_DESK = "desk"


def _catalogue():
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session)
    return runtime.catalogue


def _state() -> dict:
    return dict(session.get(_DESK) or {})


def _citizen(state) -> Citizen | None:
    return db.session.get(Citizen, state["citizen_id"]) if state.get("citizen_id") else None


class OperatorDeskView(BaseView):
    route_base = "/desk"
    default_view = "start"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def start(self):
        error, values = None, {"channel": "HELPLINE_1902"}
        if request.method == "POST":
            values = request.form.to_dict()
            channel = values.get("channel")
            try:
                mobile = citizens.normalise_mobile(values.get("mobile"))
            except citizens.InvalidMobile as exc:
                error = f"Mobile number: {exc}"
            else:
                if channel not in OPERATOR_CHANNELS:
                    error = "Channel: choose where the grievance was received."
                else:
                    citizen = db.session.scalar(select(Citizen).where(Citizen.mobile == mobile))
                    if citizen is None:
                        citizen = Citizen(mobile=mobile, language="en", registered_by_user_id=current_user.id)
                        db.session.add(citizen)
                        db.session.commit()
                    session[_DESK] = {"citizen_id": citizen.id, "channel": channel, "verified": None}
                    return redirect(url_for("OperatorDeskView.verify"))
        return render_template("desk/start.html", error=error, values=values,
                               channels=[(c, CHANNELS[c]) for c in OPERATOR_CHANNELS]), (400 if error else 200)

    @expose("/verify", methods=["GET", "POST"])
    @has_access
    def verify(self):
        state = _state()
        citizen = _citizen(state)
        if citizen is None:
            return redirect(url_for("OperatorDeskView.start"))
        error, sent = None, False
        if request.method == "POST":
            action = request.form.get("action")
            try:
                if action == "send":
                    citizens.request_otp(db.session, citizen.mobile, request.remote_addr or "?")
                    sent = True
                elif action == "check":
                    citizens.verify_otp(db.session, citizen.mobile, request.form.get("code"))
                    state["verified"] = "otp"
                elif action == "in_person":
                    if request.form.get("confirm") != "yes":
                        raise citizens.OtpError("Verified in person: tick the box to confirm you have seen the citizen's identity document.")
                    state["verified"] = "in_person"
                else:
                    abort(400, description="Choose how the citizen was verified.")
            except (citizens.OtpError, citizens.RateLimited) as exc:
                error = str(exc)
            if state.get("verified"):
                session[_DESK] = state
                target = "profile" if not citizen.profile_complete else "choose"
                return redirect(url_for(f"OperatorDeskView.{target}"))
        return render_template("desk/verify.html", person=citizen, error=error, sent=sent, state=state), (400 if error else 200)

    @expose("/profile", methods=["GET", "POST"])
    @has_access
    def profile(self):
        state = _state()
        citizen = _citizen(state)
        if citizen is None or not state.get("verified"):
            return redirect(url_for("OperatorDeskView.start"))
        if request.method == "GET":  # the form shows the citizen's profile: a full-profile read, logged first
            try:
                profiles.read(db.session, citizen.id, current_user, profiles.DESK_PROFILE, request.remote_addr)
            except profiles.NotLogged as exc:
                return render_template("desk/start.html", error=str(exc), values={"channel": state.get("channel")},
                                       channels=[(c, CHANNELS[c]) for c in OPERATOR_CHANNELS]), 503
        errors, values = {}, {k: getattr(citizen, k) or "" for k in citizens.PROFILE_FIELDS}
        if request.method == "POST":
            values = request.form.to_dict()
            try:
                citizens.update_profile(db.session, citizen, values, _catalogue().jurisdictions)
            except citizens.ProfileInvalid as exc:
                errors = exc.errors
            else:
                return redirect(url_for("OperatorDeskView.choose"))
        return render_template("portal/profile.html", errors=errors, values=values, next="",
                               districts=_catalogue().jurisdictions.districts, desk=state), (400 if errors else 200)

    @expose("/file", methods=["GET"])
    @has_access
    def choose(self):
        from ..catalog.search import catalogue_search

        state = _state()
        if _citizen(state) is None or not state.get("verified"):
            return redirect(url_for("OperatorDeskView.start"))
        query, results, error = request.args.get("q", "").strip(), [], None
        if query:
            try:
                results = catalogue_search(_catalogue()).search(query, limit=10)
            except ValueError as exc:
                error = str(exc)
        return render_template("desk/choose.html", query=query, results=results, error=error, state=state,
                               person=_citizen(state))

    @expose("/file/<code>", methods=["GET", "POST"])
    @has_access
    def file(self, code):
        from ..portal.views import gather_filing, render_filing_form

        state = _state()
        citizen = _citizen(state)
        if citizen is None or not state.get("verified"):
            return redirect(url_for("OperatorDeskView.start"))
        cat = _catalogue()
        gt = cat.grievance_types.get(code)
        if gt is None:
            abort(404, description="We do not know that grievance type.")
        errors, values = {}, {"location.where": "current"}
        if request.method == "POST":
            values = request.form.to_dict()
            filing = gather_filing(gt, channel=state["channel"])
            filing.operator_user_id = current_user.id
            filing.operator_label = f"Operator, {CHANNELS[state['channel']]}"
            filing.verified_in_person = state["verified"] == "in_person"
            scan = request.files.get("scan")
            if filing.verified_in_person:
                if not scan or not scan.filename:
                    errors = {"scan": ["Scanned grievance: a grievance verified in person needs the scanned paper or identity document."]}
                else:
                    filing.uploads.insert(0, ("scan", scan))
            if not errors:
                try:
                    grievance = grievances.file_grievance(db.session, citizen, filing)
                except grievances.FilingInvalid as exc:
                    errors = exc.errors
                else:
                    session.pop(_DESK, None)
                    return render_template("desk/done.html", number=grievance.number, person=citizen)
        return render_filing_form(cat, gt, errors, values, desk=state, desk_channel=CHANNELS[state["channel"]])


def register(appbuilder) -> None:
    appbuilder.add_view(OperatorDeskView, "File for a citizen", icon="fa-headset", category="Desk")
