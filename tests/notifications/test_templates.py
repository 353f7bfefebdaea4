"""Message texts: both languages for every event, named fields only, short enough for SMS, OTPs maskable."""
from __future__ import annotations

import re

import pytest

from ipgrs.notifications import templates
from ipgrs.notifications.templates import TemplateError

KANNADA = re.compile(r"[\u0C80-\u0CFF]")
TYPICAL = {"code": "482913", "minutes": 10, "number": "KA-2026-00000012", "due_date": "15-12-2026",
           "status": "Resolved", "grievance_type": "RTC not issued",
           "link": "https://ipgrs.karnataka.gov.in/feedback/1234567.0a1b2c3d4e5f6a7b8c9d", "count": 37}


def test_every_event_has_an_english_and_a_kannada_text_with_the_same_named_fields():
    assert {"otp", "grievance_filed", "grievance_status", "officer_assigned"} <= set(templates.TEMPLATES)
    for template in templates.TEMPLATES.values():
        assert set(template.text) == {"en", "kn"}, template.name
        assert KANNADA.search(template.text["kn"]) and not KANNADA.search(template.text["en"]), template.name
        assert sorted(template.fields("en")) == sorted(template.fields("kn")), template.name
        assert all(f.isidentifier() for f in template.fields("en")), f"{template.name}: positional field"
        assert set(template.secret_fields) <= set(template.fields("en"))


def test_render_fills_the_named_fields():
    assert templates.render("grievance_status", "en", {"number": "KA-2026-00000012", "status": "Resolved", "extra": 1}) == \
        "Your grievance KA-2026-00000012 is now: Resolved. See the details on ipgrs. -Govt of Karnataka"
    assert templates.render("otp", "kn", {"code": "482913", "minutes": 10}).startswith("ನಿಮ್ಮ ipgrs ಒಟಿಪಿ 482913. ಇದು 10 ನಿಮಿಷಗಳವರೆಗೆ")


@pytest.mark.parametrize("name, language, context, message", [
    ("grievance_closed", "en", {}, "unknown notification template 'grievance_closed'; known: escalations_assigned, grievance_filed, "),
    ("otp", "hi", {"code": "1", "minutes": 1}, "template 'otp' has no 'hi' text"),
    ("officer_assigned", "en", {"number": "KA-1"}, "template 'officer_assigned' needs due_date, grievance_type in its context"),
])
def test_an_unknown_template_or_language_or_a_missing_field_is_a_clear_error(name, language, context, message):
    with pytest.raises(TemplateError) as info:
        templates.render(name, language, context)
    assert message in str(info.value)


def test_sms_segments_count_gsm_and_unicode_texts():
    assert templates.sms_segments("a" * 160) == 1 and templates.sms_segments("a" * 161) == 2
    assert templates.sms_segments("a" * 306) == 2 and templates.sms_segments("a" * 307) == 3
    assert templates.sms_segments("[" * 80) == 1 and templates.sms_segments("[" * 81) == 2  # two septets each
    assert templates.sms_segments("ಕ" * 70) == 1 and templates.sms_segments("ಕ" * 71) == 2
    assert templates.sms_segments("ಕ" * 134) == 2 and templates.sms_segments("ಕ" * 135) == 3


def test_with_typical_values_every_text_fits_in_two_sms(shipped_catalogue):
    revenue = shipped_catalogue.departments["REV"]
    for template in templates.TEMPLATES.values():
        if template.email_only:  # reports go by email only (queue() refuses them as SMS)
            continue
        for language in ("en", "kn"):
            context = dict(TYPICAL, department=revenue.name.en if language == "en" else revenue.name.kn)
            body = templates.render(template.name, language, context)
            assert templates.sms_segments(body) <= 2, (template.name, language, len(body), body)


def test_even_the_longest_names_of_the_catalogue_fit_in_three_sms(shipped_catalogue):
    departments = shipped_catalogue.departments.values()
    grievance_types = shipped_catalogue.grievance_types.values()
    for language in ("en", "kn"):
        department = max((getattr(d.name, language) for d in departments), key=len)
        grievance_type = max((getattr(g.name, language) for g in grievance_types), key=len)
        context = dict(TYPICAL, department=department, grievance_type=grievance_type)
        for name in ("grievance_filed", "officer_assigned"):
            body = templates.render(name, language, context)
            assert templates.sms_segments(body) <= (2 if language == "en" else 3), (name, language, len(body))


def test_redact_masks_the_secret_and_keeps_the_rest():
    for language in ("en", "kn"):
        body = templates.render("otp", language, {"code": "482913", "minutes": 10})
        masked = templates.redact("otp", language, body)
        assert "482913" not in masked and "******" in masked and "10" in masked
        assert masked == body.replace("482913", "******")
    assert templates.redact("otp", "en", "Your ipgrs OTP is 1234. It is valid for 5 minutes.") == "******"  # the text changed
    assert templates.redact("grievance_filed", "en", "anything secret") == "******"  # no fields marked secret: all of it
