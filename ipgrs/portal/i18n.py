"""The portal's words in English and Kannada."""
from __future__ import annotations

from flask import request, session

TEXT = {
    "title": ("Grievance Redressal — Government of Karnataka", "ಕುಂದುಕೊರತೆ ಪರಿಹಾರ — ಕರ್ನಾಟಕ ಸರ್ಕಾರ"),
    "short_title": ("Janaspandana", "ಜನಸ್ಪಂದನ"),
    "file": ("File a grievance", "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ"),
    "mine": ("My grievances", "ನನ್ನ ಕುಂದುಕೊರತೆಗಳು"),
    "track": ("Track a grievance", "ಕುಂದುಕೊರತೆ ಸ್ಥಿತಿ ತಿಳಿಯಿರಿ"),
    "login": ("Log in with your mobile", "ಮೊಬೈಲ್ ಮೂಲಕ ಲಾಗಿನ್"),
    "logout": ("Log out", "ಲಾಗ್ ಔಟ್"),
    "profile": ("My profile", "ನನ್ನ ವಿವರ"),
    "mobile": ("Mobile number", "ಮೊಬೈಲ್ ಸಂಖ್ಯೆ"),
    "send_otp": ("Send code by SMS", "SMS ಮೂಲಕ ಕೋಡ್ ಕಳುಹಿಸಿ"),
    "otp": ("6-digit code from the SMS", "SMS ನಲ್ಲಿ ಬಂದ 6 ಅಂಕಿಯ ಕೋಡ್"),
    "verify": ("Verify and continue", "ಪರಿಶೀಲಿಸಿ ಮುಂದುವರಿಯಿರಿ"),
    "resend": ("Send a new code", "ಹೊಸ ಕೋಡ್ ಕಳುಹಿಸಿ"),
    "search": ("What is your grievance about?", "ನಿಮ್ಮ ಕುಂದುಕೊರತೆ ಯಾವುದರ ಬಗ್ಗೆ?"),
    "search_hint": ("Type a few words, e.g. pahani, ration card, street light", "ಕೆಲವು ಪದಗಳನ್ನು ಬರೆಯಿರಿ, ಉದಾ: ಪಹಣಿ, ಪಡಿತರ ಚೀಟಿ"),
    "search_button": ("Search", "ಹುಡುಕಿ"),
    "or_browse": ("Or choose step by step", "ಅಥವಾ ಹಂತ ಹಂತವಾಗಿ ಆಯ್ಕೆ ಮಾಡಿ"),
    "department": ("Department", "ಇಲಾಖೆ"),
    "line_department": ("Line department", "ಅಧೀನ ಇಲಾಖೆ"),
    "service": ("Service", "ಸೇವೆ"),
    "grievance": ("Grievance", "ಕುಂದುಕೊರತೆ"),
    "category": ("Category", "ವರ್ಗ"),
    "subcategory": ("Subcategory", "ಉಪವರ್ಗ"),
    "choose": ("Choose…", "ಆಯ್ಕೆ ಮಾಡಿ…"),
    "continue": ("Continue", "ಮುಂದುವರಿಯಿರಿ"),
    "description": ("Describe your grievance", "ನಿಮ್ಮ ಕುಂದುಕೊರತೆಯನ್ನು ವಿವರಿಸಿ"),
    "location": ("Where is the problem?", "ಸಮಸ್ಯೆ ಎಲ್ಲಿದೆ?"),
    "at_my_address": ("At my registered address", "ನನ್ನ ನೋಂದಾಯಿತ ವಿಳಾಸದಲ್ಲಿ"),
    "elsewhere": ("At another place", "ಬೇರೆ ಸ್ಥಳದಲ್ಲಿ"),
    "district": ("District", "ಜಿಲ್ಲೆ"),
    "taluk": ("Taluk", "ತಾಲ್ಲೂಕು"),
    "locality": ("Ward or village", "ವಾರ್ಡ್ ಅಥವಾ ಗ್ರಾಮ"),
    "landmark": ("Landmark", "ಹೆಗ್ಗುರುತು"),
    "pincode": ("Pincode", "ಪಿನ್‌ಕೋಡ್"),
    "documents": ("Documents (PDF, JPEG or PNG; up to 5 files of 5 MB)", "ದಾಖಲೆಗಳು (PDF, JPEG ಅಥವಾ PNG; 5 MB ವರೆಗಿನ 5 ಕಡತಗಳು)"),
    "submit": ("Submit grievance", "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ"),
    "filed": ("Your grievance is registered", "ನಿಮ್ಮ ಕುಂದುಕೊರತೆ ನೋಂದಣಿಯಾಗಿದೆ"),
    "your_id": ("Grievance ID", "ಕುಂದುಕೊರತೆ ಸಂಖ್ಯೆ"),
    "sms_sent": ("We have sent it to you by SMS. Quote it when you call 1902.", "ಇದನ್ನು SMS ಮೂಲಕ ಕಳುಹಿಸಿದ್ದೇವೆ. 1902 ಗೆ ಕರೆ ಮಾಡುವಾಗ ತಿಳಿಸಿ."),
    "status": ("Status", "ಸ್ಥಿತಿ"),
    "with_officer": ("With", "ಯಾರ ಬಳಿ"),
    "due": ("To be redressed by", "ಪರಿಹಾರದ ಗಡುವು"),
    "filed_on": ("Filed on", "ಸಲ್ಲಿಸಿದ ದಿನಾಂಕ"),
    "history": ("What has happened", "ಇದುವರೆಗಿನ ಕ್ರಮ"),
    "none_yet": ("You have not filed any grievance yet.", "ನೀವು ಇನ್ನೂ ಯಾವುದೇ ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿಲ್ಲ."),
    "track_hint": ("Enter the grievance ID, e.g. KA-2026-00012345", "ಕುಂದುಕೊರತೆ ಸಂಖ್ಯೆ ನಮೂದಿಸಿ, ಉದಾ: KA-2026-00012345"),
    "details_need_login": ("Log in with the mobile number that filed it to see the details.", "ವಿವರಗಳಿಗಾಗಿ ಸಲ್ಲಿಸಿದ ಮೊಬೈಲ್ ಸಂಖ್ಯೆಯಿಂದ ಲಾಗಿನ್ ಆಗಿ."),
    "not_found": ("No grievance has that ID.", "ಆ ಸಂಖ್ಯೆಯ ಕುಂದುಕೊರತೆ ಇಲ್ಲ."),
    "name": ("Full name", "ಪೂರ್ಣ ಹೆಸರು"),
    "email": ("E-mail (optional)", "ಇ-ಮೇಲ್ (ಐಚ್ಛಿಕ)"),
    "language": ("Language for messages", "ಸಂದೇಶಗಳ ಭಾಷೆ"),
    "dob": ("Date of birth (optional)", "ಜನ್ಮ ದಿನಾಂಕ (ಐಚ್ಛಿಕ)"),
    "gender": ("Gender (optional)", "ಲಿಂಗ (ಐಚ್ಛಿಕ)"),
    "save": ("Save", "ಉಳಿಸಿ"),
    "profile_needed": ("Tell us your name and address once; every grievance you file will use them.", "ನಿಮ್ಮ ಹೆಸರು ಮತ್ತು ವಿಳಾಸವನ್ನು ಒಮ್ಮೆ ತಿಳಿಸಿ; ಮುಂದಿನ ಎಲ್ಲಾ ಕುಂದುಕೊರತೆಗಳಿಗೆ ಬಳಸಲಾಗುತ್ತದೆ."),
    "fix_errors": ("Please correct the fields marked below.", "ಕೆಳಗೆ ಗುರುತಿಸಿದ ಮಾಹಿತಿಯನ್ನು ಸರಿಪಡಿಸಿ."),
    "helpline": ("Helpline 1902 (toll free)", "ಸಹಾಯವಾಣಿ 1902 (ಉಚಿತ)"),
    "attachments": ("Documents", "ದಾಖಲೆಗಳು"),
    "reply_title": ("The officer needs information from you", "ಅಧಿಕಾರಿಗೆ ನಿಮ್ಮಿಂದ ಮಾಹಿತಿ ಬೇಕಿದೆ"),
    "your_answer": ("Your answer", "ನಿಮ್ಮ ಉತ್ತರ"),
    "send_reply": ("Send answer", "ಉತ್ತರ ಕಳುಹಿಸಿ"),
    "feedback_title": ("How was the redressal?", "ಪರಿಹಾರ ಹೇಗಿತ್ತು?"),
    "rating": ("Rating", "ರೇಟಿಂಗ್"),
    "satisfied_q": ("Are you satisfied?", "ನಿಮಗೆ ತೃಪ್ತಿಯಾಗಿದೆಯೇ?"),
    "yes_satisfied": ("Yes, close the grievance", "ಹೌದು, ಕುಂದುಕೊರತೆ ಮುಕ್ತಾಯಗೊಳಿಸಿ"),
    "no_appeal": ("No, appeal to the higher officer", "ಇಲ್ಲ, ಮೇಲಧಿಕಾರಿಗೆ ಮೇಲ್ಮನವಿ"),
    "comment": ("Comment (needed for an appeal)", "ಅಭಿಪ್ರಾಯ (ಮೇಲ್ಮನವಿಗೆ ಅಗತ್ಯ)"),
    "send_feedback": ("Send feedback", "ಅಭಿಪ್ರಾಯ ಕಳುಹಿಸಿ"),
    "thanks_feedback": ("Thank you: your feedback is recorded.", "ಧನ್ಯವಾದಗಳು: ನಿಮ್ಮ ಅಭಿಪ್ರಾಯ ದಾಖಲಾಗಿದೆ."),
}

STATUS = {
    "open": ("Registered, with the officer", "ನೋಂದಣಿಯಾಗಿದೆ, ಅಧಿಕಾರಿಯ ಬಳಿ ಇದೆ"),
    "accepted": ("Being worked on", "ಕ್ರಮ ಕೈಗೊಳ್ಳಲಾಗುತ್ತಿದೆ"),
    "awaiting_citizen": ("Waiting for information from you", "ನಿಮ್ಮಿಂದ ಮಾಹಿತಿಗಾಗಿ ಕಾಯಲಾಗುತ್ತಿದೆ"),
    "resolved": ("Resolved", "ಪರಿಹರಿಸಲಾಗಿದೆ"),
    "closed": ("Closed", "ಮುಕ್ತಾಯಗೊಂಡಿದೆ"),
    "rejected": ("Rejected", "ತಿರಸ್ಕರಿಸಲಾಗಿದೆ"),
    "reopened": ("Reopened on appeal", "ಮೇಲ್ಮನವಿಯಿಂದ ಮರು ತೆರೆಯಲಾಗಿದೆ"),
}


EVENTS = {
    "filed": ("Filed", "ಸಲ್ಲಿಸಲಾಗಿದೆ"), "assigned": ("Assigned", "ವಹಿಸಲಾಗಿದೆ"), "accepted": ("Accepted", "ಸ್ವೀಕರಿಸಲಾಗಿದೆ"),
    "note": ("Note", "ಟಿಪ್ಪಣಿ"), "information_requested": ("Information requested", "ಮಾಹಿತಿ ಕೇಳಲಾಗಿದೆ"),
    "citizen_replied": ("You replied", "ನೀವು ಉತ್ತರಿಸಿದ್ದೀರಿ"), "interim_reply": ("Interim reply", "ಮಧ್ಯಂತರ ಉತ್ತರ"),
    "transferred": ("Transferred", "ವರ್ಗಾಯಿಸಲಾಗಿದೆ"), "resolved": ("Resolved", "ಪರಿಹರಿಸಲಾಗಿದೆ"),
    "rejected": ("Rejected", "ತಿರಸ್ಕರಿಸಲಾಗಿದೆ"), "escalated": ("Escalated to a higher officer", "ಮೇಲಧಿಕಾರಿಗೆ ಏರಿಸಲಾಗಿದೆ"),
    "reopened": ("Reopened on appeal", "ಮೇಲ್ಮನವಿಯಿಂದ ಮರು ತೆರೆಯಲಾಗಿದೆ"), "closed": ("Closed", "ಮುಕ್ತಾಯಗೊಂಡಿದೆ"),
}
GENDERS = {"female": ("Female", "ಮಹಿಳೆ"), "male": ("Male", "ಪುರುಷ"), "transgender": ("Transgender", "ತೃತೀಯ ಲಿಂಗಿ"),
           "other": ("Other", "ಇತರೆ")}


def event_text(kind: str) -> str:
    en, kn = EVENTS.get(kind, (kind.replace("_", " ").capitalize(),) * 2)
    return kn if language() == "kn" else en


def gender_text(code: str) -> str:
    en, kn = GENDERS.get(code, (code, code))
    return kn if language() == "kn" else en


def language() -> str:
    chosen = request.args.get("lang")
    if chosen in ("en", "kn"):
        session["lang"] = chosen
    return session.get("lang", "en")


def t(key: str) -> str:
    en, kn = TEXT[key]
    return kn if language() == "kn" else en


def status_text(status: str) -> str:
    en, kn = STATUS.get(status, (status, status))
    return kn if language() == "kn" else en


def pick(bilingual) -> str:
    """A {en, kn} mapping or a Bilingual in the page's language."""
    if bilingual is None:
        return ""
    en = bilingual["en"] if isinstance(bilingual, dict) else bilingual.en
    kn = bilingual["kn"] if isinstance(bilingual, dict) else bilingual.kn
    return kn if language() == "kn" else en
