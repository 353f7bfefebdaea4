"""Open311 GeoReport v2 in the domain's words: grievance types are services, grievances are service requests.

Nothing here knows HTTP; api.py parses and answers. Errors are `Open311Error(status, [descriptions])`.
What the read side returns carries no personal data: no citizen's name, mobile, e-mail or address, a
description with phone numbers and e-mail addresses masked, and coordinates rounded to about a kilometre.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

import rules

from .. import clock
from ..catalog.models import GrievanceType as GrievanceTypeRow
from ..citizens.models import Citizen
from ..citizens.phone import InvalidMobile, normalise_mobile
from ..citizens.privacy import mask_text
from ..grievances import services as filing
from ..grievances import workflow
from ..grievances.models import Grievance
from .models import PartnerApiKey

CHANNEL = "Open311"
JURISDICTION_ID = "karnataka.gov.in"
MAX_SPAN = timedelta(days=90)          # "Default query limit is a span of 90 days or first 1000 requests returned"
MAX_RESULTS = 1000
CLOSED_STATES = (workflow.RESOLVED, workflow.REJECTED, workflow.CLOSED)
KEY_PREFIX = "o311_"

# Open311 datatypes of the generated form's field types
DATATYPES = {"text": "string", "textarea": "text", "number": "number", "date": "datetime", "select": "singlevaluelist",
             "multiselect": "multivaluelist", "boolean": "singlevaluelist", "phone": "string", "email": "string"}
LOCATION_ATTRIBUTES = ("district", "taluk", "locality", "landmark", "pincode")


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP `status` and one description per problem."""

    def __init__(self, status: int, descriptions: list[str] | str):
        self.status = status
        self.descriptions = [descriptions] if isinstance(descriptions, str) else list(descriptions)
        super().__init__("; ".join(self.descriptions))


def _catalogue(session: Session) -> rules.Catalogue:
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(session)
    if runtime.catalogue is None:
        raise Open311Error(503, "No catalogue is published yet.")
    return runtime.catalogue


def _pick(bilingual, lang: str) -> str:
    return bilingual.kn if lang == "kn" else bilingual.en


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    if jurisdiction_id and jurisdiction_id != JURISDICTION_ID:
        raise Open311Error(404, f"jurisdiction_id '{jurisdiction_id[:60]}' is not served here; this endpoint serves '{JURISDICTION_ID}'.")


# --- services --------------------------------------------------------------------------------------

def service_list(session: Session, lang: str = "en") -> list[dict]:
    catalogue = _catalogue(session)
    out = []
    for department in sorted(catalogue.departments.values(), key=lambda d: d.code):
        for service in department.services:
            for gt in service.grievances:
                out.append({
                    "service_code": gt.code,
                    "service_name": _pick(gt.name, lang),
                    "description": f"{_pick(service.name, lang)} — {_pick(department.name, lang)}",
                    "metadata": True,  # every grievance type has attributes: at least where the grievance is
                    "type": "realtime",
                    "keywords": ", ".join(dict.fromkeys((*gt.keywords, *service.keywords))),
                    "group": _pick(department.name, lang),
                })
    return out


def _grievance_type(session: Session, service_code) -> rules.catalogue.GrievanceType:
    gt = _catalogue(session).grievance_types.get(str(service_code or ""))
    if gt is None:
        raise Open311Error(404, f"service_code '{str(service_code)[:60]}' is not a service of this jurisdiction.")
    return gt


def service_definition(session: Session, service_code: str, lang: str = "en") -> dict:
    """The grievance type's generated form as Open311 attributes, then its categories, then where it is."""
    catalogue = _catalogue(session)
    gt = _grievance_type(session, service_code)
    attributes = []

    def add(code, datatype, required, description, datatype_description="", values=None):
        attribute = {"variable": True, "code": code, "datatype": datatype, "required": required,
                     "datatype_description": datatype_description, "order": len(attributes) + 1,
                     "description": description}
        if values is not None:
            attribute["values"] = values
        attributes.append(attribute)

    if gt.categories:
        add("category", "singlevaluelist", False, "Category" if lang != "kn" else "ವರ್ಗ",
            values=[{"key": c.code, "name": _pick(c.name, lang)} for c in gt.categories])
        subcategories = {s.code: s for c in gt.categories for s in c.subcategories}
        if subcategories:
            add("subcategory", "singlevaluelist", False, "Subcategory" if lang != "kn" else "ಉಪವರ್ಗ",
                "A subcategory of the chosen category.",
                values=[{"key": s.code, "name": _pick(s.name, lang)} for s in subcategories.values()])
    for f in gt.form:
        if f.type == "file":
            continue  # documents cannot be sent through GeoReport v2; see docs/open311.md
        description = _pick(f.label, lang)
        hint = _pick(f.help, lang) if f.help else ""
        values = None
        if f.type in ("select", "multiselect"):
            values = [{"key": o.value, "name": _pick(o.label, lang)} for o in f.options]
        elif f.type == "boolean":
            values = [{"key": "true", "name": "Yes" if lang != "kn" else "ಹೌದು"},
                      {"key": "false", "name": "No" if lang != "kn" else "ಇಲ್ಲ"}]
        if f.type == "date":
            hint = (hint + " " if hint else "") + "A date written YYYY-MM-DD."
        elif f.type == "phone":
            hint = (hint + " " if hint else "") + "An Indian mobile number."
        elif f.type == "email":
            hint = (hint + " " if hint else "") + "An e-mail address."
        elif f.type == "number" and (f.min is not None or f.max is not None):
            hint = (hint + " " if hint else "") + f"From {f.min if f.min is not None else '…'} to {f.max if f.max is not None else '…'}."
        add(f.name, DATATYPES[f.type], bool(f.required and f.type != "boolean"), description, hint.strip(), values)
    where = "Required unless address_string names the district and taluk, or the citizen's profile has an address."
    add("district", "singlevaluelist", False, "District" if lang != "kn" else "ಜಿಲ್ಲೆ", where,
        values=[{"key": d.name.en, "name": _pick(d.name, lang)} for d in catalogue.jurisdictions.districts])
    add("taluk", "string", False, "Taluk" if lang != "kn" else "ತಾಲ್ಲೂಕು", where + " The taluk's English name.")
    add("locality", "string", False, "Ward or village" if lang != "kn" else "ವಾರ್ಡ್ ಅಥವಾ ಗ್ರಾಮ", "At most 120 characters.")
    add("landmark", "string", False, "Landmark" if lang != "kn" else "ಹೆಗ್ಗುರುತು", "At most 200 characters.")
    add("pincode", "string", False, "Pincode" if lang != "kn" else "ಪಿನ್‌ಕೋಡ್", "A Karnataka pincode (6 digits, 56xxxx–59xxxx).")
    return {"service_code": gt.code, "attributes": attributes}


# --- reading service requests ------------------------------------------------------------------------

def _w3c(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_w3c(name: str, raw: str | None) -> datetime | None:
    if raw in (None, ""):
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name}: '{raw[:40]}' is not a w3c datetime such as 2026-01-01T00:00:00Z.") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name}: give the time zone, e.g. 2026-01-01T00:00:00Z or 2026-01-01T05:30:00+05:30.")
    return moment


def _split(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def open_or_closed(status: str) -> str:
    return "closed" if status in CLOSED_STATES else "open"


def as_service_request(g: Grievance, lang: str = "en") -> dict:
    """A grievance as a GeoReport v2 service request, without personal data."""
    from ..portal.i18n import STATUS

    en, kn = STATUS.get(g.status, (g.status, g.status))
    place = ", ".join(p for p in ((g.taluk.name_en if g.taluk else None), (g.district.name_en if g.district else None)) if p)
    if lang == "kn":
        place = ", ".join(p for p in ((g.taluk.name_kn if g.taluk else None), (g.district.name_kn if g.district else None)) if p)
    department = g.department.name_kn if lang == "kn" else g.department.name_en
    post = g.assigned_post.name_kn if lang == "kn" else g.assigned_post.name_en
    return {
        "service_request_id": g.number,
        "status": open_or_closed(g.status),
        "status_notes": kn if lang == "kn" else en,
        "service_name": g.grievance_type.name_kn if lang == "kn" else g.grievance_type.name_en,
        "service_code": g.grievance_type.code,
        "description": mask_text(g.description),
        "agency_responsible": f"{department}: {post}",
        "service_notice": "",
        "requested_datetime": _w3c(g.created_at),
        "updated_datetime": _w3c(g.updated_at),
        "expected_datetime": _w3c(g.due_at) if g.status not in CLOSED_STATES else _w3c(g.resolved_at or g.closed_at),
        "address": place,
        "address_id": "",
        "zipcode": g.pincode or "",
        "lat": round(g.latitude, 2) if g.latitude is not None else None,
        "long": round(g.longitude, 2) if g.longitude is not None else None,
        "media_url": "",
    }


def _query():
    return select(Grievance).options(
        joinedload(Grievance.grievance_type), joinedload(Grievance.department), joinedload(Grievance.assigned_post),
        joinedload(Grievance.district), joinedload(Grievance.taluk)).where(Grievance.number.is_not(None))


def find_requests(session: Session, *, service_request_id=None, service_code=None, start_date=None, end_date=None,
                  status=None, lang: str = "en") -> list[dict]:
    """GET requests: by ids (which overrides every other filter), or by services, dates and status.
    Without dates: the last 90 days. At most 1000, newest first."""
    ids = _split(service_request_id)
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"service_request_id: ask for at most {MAX_RESULTS} requests at once.")
        rows = session.scalars(_query().where(Grievance.number.in_(ids))).unique().all()
        by_number = {g.number: g for g in rows}
        return [as_service_request(by_number[i], lang) for i in dict.fromkeys(ids) if i in by_number]
    start, end = parse_w3c("start_date", start_date), parse_w3c("end_date", end_date)
    now = clock.now()
    if start is None and end is None:
        end, start = now, now - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = min(start + MAX_SPAN, now) if start < now else start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date: must not be before start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date, end_date: the range may not span more than 90 days.")
    query = _query().where(Grievance.created_at >= start, Grievance.created_at <= end)
    codes = _split(service_code)
    if codes:
        query = query.join(GrievanceTypeRow, Grievance.grievance_type_id == GrievanceTypeRow.id).where(GrievanceTypeRow.code.in_(codes))
    statuses = set(_split(status))
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise Open311Error(400, f"status: '{sorted(unknown)[0][:20]}' is not a status; use open or closed.")
    if statuses == {"open"}:
        query = query.where(Grievance.status.not_in(CLOSED_STATES))
    elif statuses == {"closed"}:
        query = query.where(Grievance.status.in_(CLOSED_STATES))
    rows = session.scalars(query.order_by(Grievance.created_at.desc(), Grievance.id.desc()).limit(MAX_RESULTS)).unique().all()
    return [as_service_request(g, lang) for g in rows]


def get_request(session: Session, service_request_id: str, lang: str = "en") -> list[dict]:
    g = session.scalars(_query().where(Grievance.number == service_request_id)).unique().first()
    if g is None:
        raise Open311Error(404, f"service_request_id '{service_request_id[:40]}' is not a service request here.")
    return [as_service_request(g, lang)]


# --- API keys ------------------------------------------------------------------------------------------

def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def set_new_key(key: PartnerApiKey) -> str:
    """Gives `key` a fresh secret and returns it; only its hash is kept, so it is shown once."""
    raw = new_key()
    key.key_hash, key.key_prefix = _hash(raw), raw[:12]
    return raw


def issue_key(session: Session, partner: str, contact_email: str | None = None) -> tuple[str, PartnerApiKey]:
    key = PartnerApiKey(partner=partner, contact_email=contact_email, active=True, created_at=clock.now(),
                        window_count=0, requests_filed=0)
    raw = set_new_key(key)
    session.add(key)
    session.commit()
    return raw, key


def authenticate(session: Session, raw: str | None) -> PartnerApiKey:
    if not raw:
        raise Open311Error(403, "api_key: a POST needs the API key issued to your app.")
    key = session.scalar(select(PartnerApiKey).where(PartnerApiKey.key_hash == _hash(str(raw)[:200])))
    if key is None or not key.active:
        raise Open311Error(403, "api_key: this API key is not valid.")
    return key


def count_post(session: Session, key: PartnerApiKey) -> None:
    """The per-key rate limit: OPEN311_POSTS_PER_MINUTE in a fixed window, shared through the key's row."""
    limit = int(current_app.config.get("OPEN311_POSTS_PER_MINUTE", 60))
    now = clock.now()
    key = session.scalar(select(PartnerApiKey).where(PartnerApiKey.id == key.id).with_for_update())
    if key.window_start is None or now - key.window_start >= timedelta(minutes=1):
        key.window_start, key.window_count = now, 0
    key.last_used_at = now
    if key.window_count >= limit:
        session.commit()
        wait = max(1, int(60 - (now - key.window_start).total_seconds()))
        raise Open311Error(429, f"api_key: more than {limit} requests a minute from this key; try again in {wait} seconds.")
    key.window_count += 1
    session.commit()


# --- filing a service request ------------------------------------------------------------------------

@dataclass
class NewRequest:
    service_code: str | None
    description: str | None
    attributes: dict
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    account_id: str | None = None


def _number_or_error(name: str, raw) -> float | None:
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise Open311Error(400, f"{name}: '{str(raw)[:20]}' is not a number.") from None


def _place_from_address(address: str, jurisdictions) -> tuple[str | None, str | None]:
    """The district and taluk named in a free-text address (English or Kannada names); a taluk named alone
    decides its district when only one district has it."""
    text = address.casefold()

    def named(b) -> bool:
        return any(re.search(r"(?<!\w)" + re.escape(n.casefold()) + r"(?!\w)", text) for n in (b.en, b.kn) if n)

    districts = [d for d in jurisdictions.districts if named(d.name)]
    for district in districts:
        taluks = [t for t in district.taluks if named(t)]
        if taluks:
            return district.name.en, taluks[0].en
    candidates = [(d, t) for d in jurisdictions.districts for t in d.taluks if named(t)]
    if len({d.name.en for d, _ in candidates}) == 1:
        return candidates[0][0].name.en, candidates[0][1].en
    return (districts[0].name.en if len(districts) == 1 else None), None


def _attribute_value(f, value):
    if f.type == "boolean":
        return str(value).strip().lower() in ("true", "1", "yes", "on")
    if f.type == "multiselect":
        return value if isinstance(value, list) else [value]
    if f.type == "date" and isinstance(value, str) and "T" in value:
        return value.split("T", 1)[0]  # an Open311 datetime: the form wants the date
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _open311_field(name: str) -> str:
    """A filing error's field in the request's own words."""
    if name.startswith("form."):
        return f"attribute[{name[5:]}]"
    if name.startswith("location."):
        inner = name[9:]
        return {"latitude": "lat", "longitude": "long", "where": "address_string"}.get(inner, f"attribute[{inner}]")
    return {"category": "attribute[category]", "subcategory": "attribute[subcategory]"}.get(name, name)


def create_request(session: Session, key: PartnerApiKey, new: NewRequest) -> list[dict]:
    """Files a grievance through the normal filing service, for the citizen named by `phone` (found, or
    registered with the name and e-mail given). Either everything is stored or nothing is."""
    catalogue = _catalogue(session)
    gt = _grievance_type(session, new.service_code)
    errors: list[str] = []
    if not (new.description or "").strip():
        errors.append("description: this field is required.")
    mobile = None
    try:
        mobile = normalise_mobile(new.phone)
    except InvalidMobile as exc:
        errors.append(f"phone: {exc} The citizen is identified by their mobile number." if new.phone else
                      "phone: this field is required; the citizen is identified by their mobile number.")
    lat, lng = _number_or_error("lat", new.lat), _number_or_error("long", new.long)
    attributes = dict(new.attributes)
    declared = {f.name: f for f in gt.form if f.type != "file"}
    known = set(declared) | {"category", "subcategory", *LOCATION_ATTRIBUTES}
    for name in attributes:
        if name not in known:
            errors.append(f"attribute[{name[:40]}]: not an attribute of service {gt.code}; see services/{gt.code}.json.")
    if errors:
        raise Open311Error(400, errors)

    citizen = session.scalar(select(Citizen).where(Citizen.mobile == mobile))
    if citizen is None:
        name = " ".join(p.strip() for p in (new.first_name or "", new.last_name or "") if p and p.strip()) or None
        citizen = Citizen(mobile=mobile, name=(name or "")[:120] or None, email=(new.email or "")[:254] or None,
                          language="en", created_at=clock.now())
        session.add(citizen)
        session.flush()  # filed in the same transaction as the grievance; rolled back with it

    district, taluk = attributes.get("district"), attributes.get("taluk")
    if not district and new.address_string:
        district, found_taluk = _place_from_address(new.address_string, catalogue.jurisdictions)
        taluk = taluk or found_taluk
    location = {"where": "current"}
    if district or taluk or lat is not None or new.address_string:
        if not (district and taluk) and citizen.profile_complete and not any(attributes.get(k) for k in ("district", "taluk")):
            location = {"where": "current", "latitude": lat, "longitude": lng}
        else:
            location = {"where": "other", "district": district, "taluk": taluk, "latitude": lat, "longitude": lng,
                        "locality": attributes.get("locality"), "landmark": attributes.get("landmark") or (new.address_string or "")[:200] or None,
                        "pincode": attributes.get("pincode")}
    elif not citizen.profile_complete:
        session.rollback()
        raise Open311Error(400, "attribute[district], attribute[taluk]: say where the grievance is (the district and taluk "
                                "attributes, or an address_string naming them).")
    location = {k: v for k, v in location.items() if v is not None}

    form = {name: _attribute_value(declared[name], value) for name, value in attributes.items() if name in declared}
    request = filing.FilingRequest(
        grievance_type=gt.code, description=new.description or "", category=attributes.get("category"),
        subcategory=attributes.get("subcategory"), form=form, location=location, channel=CHANNEL,
        operator_label=f"Open311: {key.partner}"[:120])
    try:
        grievance = filing.file_grievance(session, citizen, request)
    except filing.FilingInvalid as exc:
        session.rollback()
        raise Open311Error(400, [f"{_open311_field(name)}: {' '.join(messages)}" for name, messages in exc.errors.items()]) from None
    key = session.get(PartnerApiKey, key.id)
    key.requests_filed += 1
    session.commit()
    days = max(0, (grievance.due_at.date() - grievance.created_at.date()).days)
    return [{"service_request_id": grievance.number,
             "service_notice": f"Routed to {grievance.assigned_post.name_en}, {grievance.department.name_en}; "
                               f"to be redressed by {_w3c(grievance.due_at)} ({days} days).",
             "account_id": (new.account_id or None)}]
