"""The dashboards' and the transparency page's words in English and Kannada (the portal's pattern, ipgrs/portal/i18n.py)."""
from __future__ import annotations

TEXT = {
    "dashboard": ("Grievance dashboard", "ಕುಂದುಕೊರತೆ ಡ್ಯಾಶ್‌ಬೋರ್ಡ್"),
    "scope_state": ("All of Karnataka", "ಇಡೀ ಕರ್ನಾಟಕ"),
    "scope_department": ("Your departments", "ನಿಮ್ಮ ಇಲಾಖೆಗಳು"),
    "scope_posts": ("Grievances at your posts", "ನಿಮ್ಮ ಹುದ್ದೆಗಳ ಕುಂದುಕೊರತೆಗಳು"),
    "as_of": ("Figures as of", "ಅಂಕಿಅಂಶಗಳು ಈ ಸಮಯದವರೆಗೆ"),
    "not_refreshed": ("The figures have not been computed yet; they are refreshed every few minutes.",
                      "ಅಂಕಿಅಂಶಗಳನ್ನು ಇನ್ನೂ ಲೆಕ್ಕಹಾಕಿಲ್ಲ; ಕೆಲವು ನಿಮಿಷಗಳಿಗೊಮ್ಮೆ ನವೀಕರಿಸಲಾಗುತ್ತದೆ."),
    "freshness": ("Counts are refreshed every {minutes} minutes; ageing and overdue are measured at that time. "
                  "Lists behind the charts are live.",
                  "ಎಣಿಕೆಗಳನ್ನು ಪ್ರತಿ {minutes} ನಿಮಿಷಗಳಿಗೊಮ್ಮೆ ನವೀಕರಿಸಲಾಗುತ್ತದೆ; ಬಾಕಿ ಅವಧಿಯನ್ನು ಆ ಸಮಯಕ್ಕೆ ಅಳೆಯಲಾಗುತ್ತದೆ. "
                  "ಚಾರ್ಟ್‌ಗಳ ಹಿಂದಿನ ಪಟ್ಟಿಗಳು ಪ್ರಸ್ತುತ ಸ್ಥಿತಿಯವು."),
    "filters": ("Filters", "ಶೋಧಕಗಳು"),
    "from": ("Filed from", "ಸಲ್ಲಿಸಿದ ದಿನಾಂಕದಿಂದ"),
    "to": ("Filed to", "ಸಲ್ಲಿಸಿದ ದಿನಾಂಕದವರೆಗೆ"),
    "department": ("Department", "ಇಲಾಖೆ"),
    "district": ("District", "ಜಿಲ್ಲೆ"),
    "taluk": ("Taluk", "ತಾಲ್ಲೂಕು"),
    "channel": ("Channel", "ಮಾಧ್ಯಮ"),
    "grievance_type": ("Grievance type", "ಕುಂದುಕೊರತೆಯ ಪ್ರಕಾರ"),
    "post": ("Officer post", "ಅಧಿಕಾರಿ ಹುದ್ದೆ"),
    "any": ("Any", "ಯಾವುದಾದರೂ"),
    "apply": ("Show", "ತೋರಿಸಿ"),
    "clear": ("Clear", "ತೆರವುಗೊಳಿಸಿ"),
    "received": ("Received", "ಸ್ವೀಕರಿಸಿದವು"),
    "pending": ("Pending", "ಬಾಕಿ"),
    "overdue": ("Overdue", "ಗಡುವು ಮೀರಿದವು"),
    "resolved": ("Resolved", "ಪರಿಹರಿಸಿದವು"),
    "on_time": ("Resolved within timeline", "ಗಡುವಿನೊಳಗೆ ಪರಿಹರಿಸಿದವು"),
    "sla_pct": ("% within timeline", "ಗಡುವಿನೊಳಗೆ %"),
    "avg_days": ("Average days to resolve", "ಪರಿಹಾರಕ್ಕೆ ಸರಾಸರಿ ದಿನಗಳು"),
    "reopened": ("Reopened on appeal", "ಮೇಲ್ಮನವಿಯಿಂದ ಮರು ತೆರೆದವು"),
    "reopen_pct": ("Reopen/appeal rate %", "ಮರು ತೆರೆಯುವ ದರ %"),
    "escalated": ("Escalated", "ಮೇಲಕ್ಕೆ ಏರಿದವು"),
    "critical": ("Critical (past the last level)", "ಗಂಭೀರ (ಕೊನೆಯ ಹಂತವೂ ಮೀರಿದೆ)"),
    "rated": ("Rated by citizens", "ನಾಗರಿಕರು ರೇಟ್ ಮಾಡಿದವು"),
    "avg_rating": ("Average rating (1–5)", "ಸರಾಸರಿ ರೇಟಿಂಗ್ (1–5)"),
    "satisfied_pct": ("% satisfied", "ತೃಪ್ತರು %"),
    "share_pct": ("Share %", "ಪಾಲು %"),
    "cpgrams_share": ("CPGRAMS share", "CPGRAMS ಪಾಲು"),
    "level": ("Level", "ಹಂತ"),
    "age": ("Days pending", "ಬಾಕಿ ದಿನಗಳು"),
    "pendency_department": ("Pendency by department", "ಇಲಾಖಾವಾರು ಬಾಕಿ"),
    "pendency_district": ("Pendency by district", "ಜಿಲ್ಲಾವಾರು ಬಾಕಿ"),
    "pendency_taluk": ("Pendency by taluk (top 15)", "ತಾಲ್ಲೂಕುವಾರು ಬಾಕಿ (ಮೊದಲ 15)"),
    "sla_department": ("SLA compliance by department", "ಇಲಾಖಾವಾರು ಗಡುವು ಪಾಲನೆ"),
    "ageing": ("Ageing of pending grievances", "ಬಾಕಿ ಕುಂದುಕೊರತೆಗಳ ಅವಧಿ"),
    "escalations": ("Escalated grievances by current level", "ಪ್ರಸ್ತುತ ಹಂತವಾರು ಮೇಲಕ್ಕೆ ಏರಿದ ಕುಂದುಕೊರತೆಗಳು"),
    "satisfaction_department": ("Citizen satisfaction by department", "ಇಲಾಖಾವಾರು ನಾಗರಿಕರ ತೃಪ್ತಿ"),
    "satisfaction_post": ("Citizen satisfaction by officer post (top 15)", "ಅಧಿಕಾರಿ ಹುದ್ದೆವಾರು ನಾಗರಿಕರ ತೃಪ್ತಿ (ಮೊದಲ 15)"),
    "top_types": ("Top grievance types", "ಹೆಚ್ಚು ಬಂದ ಕುಂದುಕೊರತೆ ಪ್ರಕಾರಗಳು"),
    "channels": ("Channel mix", "ಮಾಧ್ಯಮವಾರು ಹಂಚಿಕೆ"),
    "click_hint": ("Click a bar or a name to see the grievances behind it.", "ಹಿಂದಿನ ಕುಂದುಕೊರತೆಗಳನ್ನು ನೋಡಲು ಪಟ್ಟಿ ಅಥವಾ ಹೆಸರನ್ನು ಒತ್ತಿ."),
    "export": ("Download", "ಡೌನ್‌ಲೋಡ್"),
    "table": ("Table", "ಕೋಷ್ಟಕ"),
    "grievances": ("Grievances", "ಕುಂದುಕೊರತೆಗಳು"),
    "list_title": ("Grievances behind the figure", "ಅಂಕಿಯ ಹಿಂದಿನ ಕುಂದುಕೊರತೆಗಳು"),
    "back": ("Back to the dashboard", "ಡ್ಯಾಶ್‌ಬೋರ್ಡ್‌ಗೆ ಹಿಂತಿರುಗಿ"),
    "number": ("Grievance ID", "ಕುಂದುಕೊರತೆ ಸಂಖ್ಯೆ"),
    "filed_on": ("Filed on", "ಸಲ್ಲಿಸಿದ ದಿನಾಂಕ"),
    "status": ("Status", "ಸ್ಥಿತಿ"),
    "due": ("Due", "ಗಡುವು"),
    "resolved_on": ("Resolved on", "ಪರಿಹರಿಸಿದ ದಿನಾಂಕ"),
    "rating": ("Rating", "ರೇಟಿಂಗ್"),
    "mobile": ("Citizen's mobile", "ನಾಗರಿಕರ ಮೊಬೈಲ್"),
    "none": ("No grievances match.", "ಯಾವುದೇ ಕುಂದುಕೊರತೆ ಹೊಂದುವುದಿಲ್ಲ."),
    "page": ("Page", "ಪುಟ"),
    "measure": ("Measure", "ಅಳತೆ"),
    "error_too_long": ("{field}: at most {n} characters.", "{field}: ಗರಿಷ್ಠ {n} ಅಕ್ಷರಗಳು."),
    "error_date": ("{field}: a date as YYYY-MM-DD.", "{field}: YYYY-MM-DD ರೂಪದಲ್ಲಿ ದಿನಾಂಕ ನೀಡಿ."),
    "error_choose": ("{field}: choose one of {choices}.", "{field}: ಇವುಗಳಲ್ಲಿ ಒಂದನ್ನು ಆರಿಸಿ: {choices}."),
    "error_number": ("{field}: a whole number from 1 to {high}.", "{field}: 1 ರಿಂದ {high} ರವರೆಗಿನ ಪೂರ್ಣ ಸಂಖ್ಯೆ ನೀಡಿ."),
    "error_order": ("{field}: on or after {after}.", "{field}: {after} ದಿನಾಂಕದಂದು ಅಥವಾ ನಂತರ ಇರಬೇಕು."),
    "of": ("of", "ರಲ್ಲಿ"),
    "previous": ("Previous", "ಹಿಂದಿನ"),
    "next": ("Next", "ಮುಂದಿನ"),
    "not_allowed": ("Not allowed", "ಅನುಮತಿ ಇಲ್ಲ"),
    "not_found": ("Not found", "ಸಿಗಲಿಲ್ಲ"),
    "no_such_table": ("There is no such table or file format.", "ಅಂತಹ ಕೋಷ್ಟಕ ಅಥವಾ ಕಡತ ಮಾದರಿ ಇಲ್ಲ."),
    "bad_filters": ("Please correct the filters", "ದಯವಿಟ್ಟು ಶೋಧಕಗಳನ್ನು ಸರಿಪಡಿಸಿ"),
    "login_needed": ("Log in to see the dashboards.", "ಡ್ಯಾಶ್‌ಬೋರ್ಡ್ ನೋಡಲು ಲಾಗಿನ್ ಆಗಿ."),
    "not_linked": ("Your login is not linked to an officer; ask the administrator.",
                   "ನಿಮ್ಮ ಲಾಗಿನ್ ಯಾವುದೇ ಅಧಿಕಾರಿಗೆ ಜೋಡಣೆಯಾಗಿಲ್ಲ; ನಿರ್ವಾಹಕರನ್ನು ಸಂಪರ್ಕಿಸಿ."),
    "roles_only": ("Dashboards are for officers, nodal officers and state monitors.",
                   "ಡ್ಯಾಶ್‌ಬೋರ್ಡ್‌ಗಳು ಅಧಿಕಾರಿಗಳು, ನೋಡಲ್ ಅಧಿಕಾರಿಗಳು ಮತ್ತು ರಾಜ್ಯ ಮೇಲ್ವಿಚಾರಕರಿಗೆ ಮಾತ್ರ."),
    "state": ("Karnataka (state level)", "ಕರ್ನಾಟಕ (ರಾಜ್ಯ ಮಟ್ಟ)"),
    "unknown": ("Not given", "ನೀಡಿಲ್ಲ"),
    # the public transparency page
    "transparency": ("How departments redress grievances", "ಇಲಾಖೆಗಳು ಕುಂದುಕೊರತೆಗಳನ್ನು ಹೇಗೆ ಪರಿಹರಿಸುತ್ತಿವೆ"),
    "transparency_intro": ("Grievances received by the Government of Karnataka through every channel, and how they "
                           "were handled. No personal information is shown. Counts below 5 are hidden so that no one "
                           "can be identified.",
                           "ಕರ್ನಾಟಕ ಸರ್ಕಾರಕ್ಕೆ ಎಲ್ಲಾ ಮಾಧ್ಯಮಗಳ ಮೂಲಕ ಬಂದ ಕುಂದುಕೊರತೆಗಳು ಮತ್ತು ಅವುಗಳನ್ನು ನಿರ್ವಹಿಸಿದ ರೀತಿ. "
                           "ಯಾವುದೇ ವೈಯಕ್ತಿಕ ಮಾಹಿತಿ ತೋರಿಸಲಾಗಿಲ್ಲ. ಯಾರನ್ನೂ ಗುರುತಿಸಲಾಗದಂತೆ 5 ಕ್ಕಿಂತ ಕಡಿಮೆ ಎಣಿಕೆಗಳನ್ನು ಮರೆಮಾಡಲಾಗಿದೆ."),
    "by_department": ("By department", "ಇಲಾಖಾವಾರು"),
    "by_district": ("By district", "ಜಿಲ್ಲಾವಾರು"),
    "suppressed": ("fewer than 5", "5 ಕ್ಕಿಂತ ಕಡಿಮೆ"),
    "all": ("All", "ಎಲ್ಲಾ"),
    "language_switch": ("ಕನ್ನಡ", "English"),
}

CHANNEL_NAMES = {
    "WEB": ("Web portal", "ವೆಬ್ ಪೋರ್ಟಲ್"), "APP": ("Mobile app", "ಮೊಬೈಲ್ ಆ್ಯಪ್"),
    "HELPLINE_1902": ("Helpline 1902", "ಸಹಾಯವಾಣಿ 1902"), "BAPUJI_SEVA_KENDRA": ("Bapuji Seva Kendra", "ಬಾಪೂಜಿ ಸೇವಾ ಕೇಂದ್ರ"),
    "JANASPANDANA": ("Janaspandana", "ಜನಸ್ಪಂದನ"), "CMO": ("Chief Minister's Office", "ಮುಖ್ಯಮಂತ್ರಿಗಳ ಕಚೇರಿ"),
    "CSO": ("Chief Secretary's Office", "ಮುಖ್ಯ ಕಾರ್ಯದರ್ಶಿಗಳ ಕಚೇರಿ"), "CPGRAMS": ("CPGRAMS", "CPGRAMS"),
}
AGE_NAMES = {"0-7": ("0–7 days", "0–7 ದಿನಗಳು"), "8-15": ("8–15 days", "8–15 ದಿನಗಳು"),
             "16-30": ("16–30 days", "16–30 ದಿನಗಳು"), "30+": ("More than 30 days", "30 ದಿನಗಳಿಗಿಂತ ಹೆಚ್ಚು")}


def t(key: str, lang: str = "en", **values) -> str:
    en, kn = TEXT[key]
    text = kn if lang == "kn" else en
    return text.format(**values) if values else text


def pair(names: dict, key, lang: str) -> str:
    en, kn = names.get(key, (str(key), str(key)))
    return kn if lang == "kn" else en


def level_name(level, lang: str) -> str:
    return (f"ಹಂತ {level}" if lang == "kn" else f"Level {level}") if level != "critical" else t("critical", lang)
