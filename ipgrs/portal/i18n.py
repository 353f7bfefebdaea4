"""The portal's words: English in the code, Kannada in the gettext catalogue (ipgrs/translations/kn).

`t(key)` is the page's text in the page's language. TEXT, STATUS, EVENTS and GENDERS map a key to its English
(marked with N_ for pybabel) and answer `TABLE[key]` as an (en, kn) pair, the Kannada from the catalogue — the
shape these tables always had, so SMS code that needs the citizen's language rather than the page's keeps working.
"""
from __future__ import annotations

from flask_babel import gettext, get_locale

from ..i18n import LANGUAGES, Pairs, select_locale


def N_(message: str) -> str:
    """Marks a string for extraction; translated where it is shown."""
    return message


TEXT = Pairs({
    "title": N_("Grievance Redressal — Government of Karnataka"),
    "short_title": N_("Janaspandana"),
    "file": N_("File a grievance"),
    "mine": N_("My grievances"),
    "track": N_("Track a grievance"),
    "login": N_("Log in with your mobile"),
    "logout": N_("Log out"),
    "profile": N_("My profile"),
    "mobile": N_("Mobile number"),
    "send_otp": N_("Send code by SMS"),
    "otp": N_("6-digit code from the SMS"),
    "verify": N_("Verify and continue"),
    "resend": N_("Send a new code"),
    "search": N_("What is your grievance about?"),
    "search_hint": N_("Type a few words, e.g. pahani, ration card, street light"),
    "search_button": N_("Search"),
    "or_browse": N_("Or choose step by step"),
    "department": N_("Department"),
    "line_department": N_("Line department"),
    "service": N_("Service"),
    "grievance": N_("Grievance"),
    "category": N_("Category"),
    "subcategory": N_("Subcategory"),
    "choose": N_("Choose…"),
    "continue": N_("Continue"),
    "description": N_("Describe your grievance"),
    "location": N_("Where is the problem?"),
    "at_my_address": N_("At my registered address"),
    "elsewhere": N_("At another place"),
    "district": N_("District"),
    "taluk": N_("Taluk"),
    "locality": N_("Ward or village"),
    "landmark": N_("Landmark"),
    "pincode": N_("Pincode"),
    "documents": N_("Documents (PDF, JPEG or PNG; up to 5 files of 5 MB)"),
    "submit": N_("Submit grievance"),
    "filed": N_("Your grievance is registered"),
    "your_id": N_("Grievance ID"),
    "sms_sent": N_("We have sent it to you by SMS. Quote it when you call 1902."),
    "status": N_("Status"),
    "with_officer": N_("With"),
    "due": N_("To be redressed by"),
    "filed_on": N_("Filed on"),
    "history": N_("What has happened"),
    "none_yet": N_("You have not filed any grievance yet."),
    "track_hint": N_("Enter the grievance ID, e.g. KA-2026-00012345"),
    "details_need_login": N_("Log in with the mobile number that filed it to see the details."),
    "not_found": N_("No grievance has that ID."),
    "name": N_("Full name"),
    "email": N_("E-mail (optional)"),
    "language": N_("Language for messages"),
    "dob": N_("Date of birth (optional)"),
    "gender": N_("Gender (optional)"),
    "save": N_("Save"),
    "profile_needed": N_("Tell us your name and address once; every grievance you file will use them."),
    "fix_errors": N_("Please correct the fields marked below."),
    "helpline": N_("Helpline 1902 (toll free)"),
    "attachments": N_("Documents"),
    "reply_title": N_("The officer needs information from you"),
    "your_answer": N_("Your answer"),
    "send_reply": N_("Send answer"),
    "feedback_title": N_("How was the redressal?"),
    "rating": N_("Rating"),
    "satisfied_q": N_("Are you satisfied?"),
    "yes_satisfied": N_("Yes, close the grievance"),
    "no_appeal": N_("No, appeal to the higher officer"),
    "comment": N_("Comment (needed for an appeal)"),
    "send_feedback": N_("Send feedback"),
    "thanks_feedback": N_("Thank you: your feedback is recorded."),
})

STATUS = Pairs({
    "open": N_("Registered, with the officer"),
    "accepted": N_("Being worked on"),
    "awaiting_citizen": N_("Waiting for information from you"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
    "reopened": N_("Reopened on appeal"),
})


EVENTS = Pairs({
    "filed": N_("Filed"), "assigned": N_("Assigned"), "accepted": N_("Accepted"),
    "note": N_("Note"), "information_requested": N_("Information requested"),
    "citizen_replied": N_("You replied"), "interim_reply": N_("Interim reply"),
    "transferred": N_("Transferred"), "resolved": N_("Resolved"),
    "rejected": N_("Rejected"), "escalated": N_("Escalated to a higher officer"),
    "reopened": N_("Reopened on appeal"), "closed": N_("Closed"),
})
GENDERS = Pairs({"female": N_("Female"), "male": N_("Male"), "transgender": N_("Transgender"),
           "other": N_("Other")})


def language() -> str:
    """The page's language: "en" or "kn" (see ipgrs.i18n.select_locale)."""
    select_locale()  # applies ?lang= to the session even when Flask-Babel chose the locale earlier in the request
    locale = get_locale()
    code = locale.language if locale is not None else "en"
    return code if code in LANGUAGES else "en"


def _text(table: Pairs, key: str, fallback: str | None = None) -> str:
    en = dict.get(table, key)
    if en is None:
        return fallback if fallback is not None else key
    if isinstance(en, tuple):  # an (en, kn) pair written the old way; move it to the catalogue (docs/i18n.md)
        return en[1] if language() == "kn" else en[0]
    return gettext(en) if language() == "kn" else en


def t(key: str) -> str:
    if dict.get(TEXT, key) is None:
        raise KeyError(key)
    return _text(TEXT, key)


def event_text(kind: str) -> str:
    return _text(EVENTS, kind, kind.replace("_", " ").capitalize())


def gender_text(code: str) -> str:
    return _text(GENDERS, code, code)


def status_text(status: str) -> str:
    return _text(STATUS, status, status)


def pick(bilingual) -> str:
    """A {en, kn} mapping or a Bilingual in the page's language."""
    if bilingual is None:
        return ""
    en = bilingual["en"] if isinstance(bilingual, dict) else bilingual.en
    kn = bilingual["kn"] if isinstance(bilingual, dict) else bilingual.kn
    return kn if language() == "kn" else en
