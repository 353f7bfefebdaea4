"""The CPGRAMS web service as ipgrs sees it: the field mapping (the one module to fit to the real service)
and a small HTTP client with timeouts. Payloads are defined in plugins/cpgrams/README.md."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx

# --- field mapping: CPGRAMS → ipgrs -------------------------------------------------------------------------


class PayloadInvalid(ValueError):
    """A grievance record that cannot be read (missing registration number, wrong shapes)."""


@dataclass(frozen=True)
class InboundGrievance:
    registration_number: str
    organisation_code: str
    category_code: str | None
    description: str
    citizen: dict          # name, mobile, email, gender, language
    location: dict         # district, taluk, locality, pincode
    attachments: list = field(default_factory=list)  # [{name, url, content_type}] kept as references
    filed_at: str | None = None
    status: str | None = None


def _text(value, limit=None):
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise PayloadInvalid("expected text")
    text = str(value).strip()
    return (text[:limit] if limit else text) or None


def from_cpgrams(record) -> InboundGrievance:
    """One grievance of a pulled page or a push body → InboundGrievance. PayloadInvalid when unreadable."""
    if not isinstance(record, dict):
        raise PayloadInvalid("a grievance must be an object")
    try:
        number = _text(record.get("registration_number"), 64)
        if not number:
            raise PayloadInvalid("registration_number is missing")
        org = record.get("organisation") or {}
        category = record.get("category") or {}
        citizen = record.get("citizen") or {}
        address = citizen.get("address") or {}
        if not all(isinstance(x, dict) for x in (org, category, citizen, address)):
            raise PayloadInvalid("organisation, category and citizen must be objects")
        org_code = _text(org.get("code"), 64)
        if not org_code:
            raise PayloadInvalid("organisation.code is missing")
        attachments = record.get("attachments") or []
        if not isinstance(attachments, list):
            raise PayloadInvalid("attachments must be a list")
        return InboundGrievance(
            registration_number=number,
            organisation_code=org_code,
            category_code=_text(category.get("code"), 64),
            description=_text(record.get("grievance_text") or record.get("description"), 4000) or "",
            citizen={"name": _text(citizen.get("name"), 120), "mobile": _text(citizen.get("mobile"), 20),
                     "email": _text(citizen.get("email"), 254), "gender": (_text(citizen.get("gender"), 16) or "").lower() or None,
                     "language": "kn" if (_text(citizen.get("language"), 8) or "").lower().startswith("kn") else "en"},
            location={"district": _text(address.get("district"), 80), "taluk": _text(address.get("sub_district"), 80),
                      "locality": _text(address.get("locality"), 120), "pincode": _text(address.get("pincode"), 6)},
            attachments=[{"name": _text(a.get("file_name"), 120), "url": _text(a.get("url"), 500),
                          "content_type": _text(a.get("content_type"), 60)} for a in attachments if isinstance(a, dict)],
            filed_at=_text(record.get("date_of_receipt"), 40),
            status=_text(record.get("status"), 32),
        )
    except PayloadInvalid:
        raise
    except (AttributeError, TypeError) as exc:
        raise PayloadInvalid(f"unreadable grievance: {type(exc).__name__}") from None


# --- field mapping: ipgrs → CPGRAMS --------------------------------------------------------------------------

# Local status → the status CPGRAMS shows the citizen.
REMOTE_STATUS = {
    "open": "UNDER_PROCESS", "accepted": "UNDER_PROCESS", "awaiting_citizen": "UNDER_PROCESS",
    "reopened": "UNDER_PROCESS", "resolved": "DISPOSED", "rejected": "DISPOSED", "closed": "CLOSED",
}


def to_cpgrams(*, key: str, registration_number: str, state_reference: str, status: str, event: str,
               remarks: str | None, at: str, sequence: int, action_taken_report: dict | None = None) -> dict:
    """An update message (status, interim reply or action-taken report) in CPGRAMS' shape."""
    return {
        "message_key": key,
        "registration_number": registration_number,
        "state_reference": state_reference,
        "status": REMOTE_STATUS.get(status, "UNDER_PROCESS"),
        "event": event,
        "remarks": remarks,
        "action_taken_report": action_taken_report,
        "updated_at": at,
        "sequence": sequence,
    }


# --- the HTTP client -----------------------------------------------------------------------------------------


class CpgramsUnavailable(Exception):
    """CPGRAMS did not answer usefully (down, timeout, 5xx, malformed). Retry later."""


class CpgramsRefused(Exception):
    """CPGRAMS refused the message (4xx other than a duplicate): retrying the same message will not help."""


@dataclass(frozen=True)
class Page:
    items: list           # raw records (mapped one by one, so one bad record does not lose the page)
    next_cursor: str | None
    has_more: bool


class Client:
    def __init__(self, settings, transport=None):
        self.settings = settings
        headers = {"Accept": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        if settings.username:
            headers["X-Cpgrams-User"] = settings.username
        self.http = httpx.Client(base_url=settings.base_url, headers=headers, transport=transport,
                                 timeout=httpx.Timeout(settings.timeout_seconds))

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _json(self, method: str, url: str, **kwargs):
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:  # connect errors, timeouts, protocol errors
            raise CpgramsUnavailable(f"{type(exc).__name__} calling CPGRAMS") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise CpgramsUnavailable(f"CPGRAMS answered HTTP {response.status_code}")
        if response.status_code == 409:
            return {"duplicate": True}
        if response.status_code >= 400:
            raise CpgramsRefused(f"CPGRAMS refused with HTTP {response.status_code}")
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise CpgramsUnavailable("CPGRAMS answered malformed JSON") from None

    def fetch_page(self, cursor: str | None) -> Page:
        params = {"limit": self.settings.page_size}
        if cursor:
            params["cursor"] = cursor
        body = self._json("GET", f"/api/v1/states/{self.settings.state_code}/grievances", params=params)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise CpgramsUnavailable("CPGRAMS answered a page without an items list")
        next_cursor = body.get("next_cursor")
        if next_cursor is not None and not isinstance(next_cursor, (str, int)):
            raise CpgramsUnavailable("CPGRAMS answered a page with a malformed cursor")
        return Page(body["items"], str(next_cursor) if next_cursor is not None else None, bool(body.get("has_more")))

    def send_update(self, message: dict) -> dict:
        return self._json("POST", "/api/v1/updates", json=message,
                          headers={"Idempotency-Key": message["message_key"]})

    def status(self, registration_number: str) -> dict:
        body = self._json("GET", "/api/v1/grievance-status", params={"registration_number": registration_number})
        if not isinstance(body, dict) or "status" not in body:
            raise CpgramsUnavailable("CPGRAMS answered a status without a status")
        return body
