"""Message texts per event, in English and Kannada, filled with str.format on named fields.

The English is here (marked N_ for pybabel); the Kannada is in the gettext catalogue
(ipgrs/translations/kn/LC_MESSAGES/messages.po), looked up by `Template.text["kn"]`.

SMS bodies are kept short: two SMS hold 306 characters in the GSM alphabet but only 134 in Unicode (any
Kannada text). Filled with typical values every text fits in two SMS; the longest department and grievance
type names of the catalogue make a Kannada message three (tests check both).
"""
from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field

from ..i18n import LANGUAGES, translate

REDACTED = "******"


class TemplateError(LookupError):
    """An unknown template or language, or a context that lacks a field the text needs."""


def N_(message: str) -> str:
    """Marks a string for extraction by pybabel."""
    return message


@dataclass(frozen=True)
class Template:
    name: str
    english: str
    secret_fields: tuple[str, ...] = field(default=())  # masked in a sensitive message once it is sent
    email_only: bool = False                           # a report, too long for SMS: never sent as one

    @property
    def text(self) -> dict[str, str]:
        """language → text; the Kannada from the catalogue."""
        return {lang: translate(self.english, lang) for lang in LANGUAGES}

    def fields(self, language: str) -> list[str]:
        return list(_fields(self.text[language]))


@functools.lru_cache(maxsize=256)
def _fields(text: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("otp", N_("Your ipgrs OTP is {code}. It is valid for {minutes} minutes. Do not share it with anyone. -Govt of Karnataka"), secret_fields=("code",)),
    Template("grievance_filed", N_("Your grievance {number} is registered with {department}. Action is due by {due_date}. "
              "Use this number to track it on ipgrs. -Govt of Karnataka")),
    Template("grievance_status", N_("Your grievance {number} is now: {status}. See the details on ipgrs. -Govt of Karnataka")),
    Template("grievance_resolved", N_("Your grievance {number} is resolved. Rate the redressal or appeal here: {link} -Govt of Karnataka")),
    Template("show_cause", N_("Show-cause notice: grievance {number} was not acted on by its due date {due_date} and has been "
              "escalated. Explain the delay to your superior within 3 working days. -ipgrs")),
    Template("officer_assigned", N_("Grievance {number} ({grievance_type}) is assigned to you. Please act on it by {due_date}. -ipgrs")),
    Template("show_cause_several", N_("Show-cause notice: {count} grievances (first {number}, due {due_date}) lapsed and were "
              "escalated. Explain the delays to your superior within 3 working days. -ipgrs")),
    # One message for the grievances one escalation batch moves to one officer, rather than one each.
    Template("escalations_assigned", N_("{count} grievances have been escalated to you (first: {number}). Act on them by "
              "{due_date}; see your ipgrs inbox. -ipgrs")),
    Template("weekly_pendency", N_("Weekly pendency report, {week}: {department}\n\n{overdue} grievances are past their due "
              "date, by officer post:\n{lines}\n\nThe lists are on the dashboard: {link}\n-ipgrs"), email_only=True),
)}


def get(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise TemplateError(f"unknown notification template {name!r}; known: {', '.join(sorted(TEMPLATES))}") from None


def render(name: str, language: str, context: dict) -> str:
    template = get(name)
    if language not in template.text:
        raise TemplateError(f"template {name!r} has no {language!r} text; it has {', '.join(sorted(template.text))}")
    missing = [f for f in template.fields(language) if f not in context]
    if missing:
        raise TemplateError(f"template {name!r} needs {', '.join(sorted(set(missing)))} in its context")
    return template.text[language].format(**context)


def redact(name: str, language: str, body: str) -> str:
    """The body with the template's secret fields masked, e.g. "Your ipgrs OTP is ******. …".

    The secret values are found by matching the body against its own template; a body that does not match
    (the text changed since it was queued) or a template without secret fields is masked whole."""
    template = TEMPLATES.get(name)
    if template is None or language not in template.text or not template.secret_fields:
        return REDACTED
    pattern, names = [], []
    for literal, field_name, _, _ in string.Formatter().parse(template.text[language]):
        pattern.append(re.escape(literal))
        if field_name is not None:
            pattern.append("(.*?)")
            names.append(field_name)
    match = re.fullmatch("".join(pattern), body, re.DOTALL)
    if match is None:
        return REDACTED
    out, position = [], 0
    for index, field_name in enumerate(names, start=1):
        if field_name in template.secret_fields:
            out.append(body[position:match.start(index)] + REDACTED)
            position = match.end(index)
    return "".join(out) + body[position:]


# GSM 03.38 basic alphabet; the extension characters cost two septets each.
_GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENSION = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many SMS a text is sent as (GSM-7: 160, or 153 per part; otherwise UCS-2: 70, or 67 per part)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENSION for c in text):
        units, single, part = sum(2 if c in _GSM_EXTENSION else 1 for c in text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // part)
