"""The Jinja macro that renders a form's fields for the portal: inputs, labels in both languages, errors, escaping."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import render_template_string

from ipgrs.catalog.services import _field_json

TEMPLATE = '{% from "ipgrs/forms/fields.html" import render_fields %}{{ render_fields(fields, values, errors, lang) }}'
SCRIPT = '<script>alert("x")</script>'


class Elements(HTMLParser):
    """Every element's attributes, by id, and the text of the page."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        attributes["<tag>"] = tag
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes


def render(app, fields, values=None, errors=None, lang="en") -> str:
    with app.app_context():
        return render_template_string(TEMPLATE, fields=fields, values=values, errors=errors, lang=lang)


def test_each_field_type_gets_its_input(app, every_type):
    page = Elements(render(app, every_type.form))
    e = page.by_id
    assert (e["form-survey_number"]["type"], e["form-survey_number"]["name"]) == ("text", "form.survey_number")
    assert e["form-survey_number"]["pattern"] == "[0-9]+(/[0-9A-Z]+)?" and "required" in e["form-survey_number"]
    assert e["form-village"]["maxlength"] == "10" and "required" not in e["form-village"]
    assert e["form-details"]["<tag>"] == "textarea" and e["form-details"]["maxlength"] == "4000"
    assert (e["form-land_area"]["type"], e["form-land_area"]["min"], e["form-land_area"]["max"]) == ("number", "0.5", "100")
    assert e["form-visit_date"]["type"] == "date"
    assert e["form-land_type"]["<tag>"] == "select"
    assert [a["value"] for t, a in page.tags if t == "option"] == ["", "WET", "DRY"]
    assert [(a["type"], a["value"]) for t, a in page.tags if a.get("name") == "form.crops"] == [
        ("checkbox", "PADDY"), ("checkbox", "RAGI"), ("checkbox", "MAIZE")]
    assert (e["form-irrigated"]["type"], e["form-irrigated"]["value"]) == ("checkbox", "on")
    assert "required" not in e["form-irrigated"]  # a required yes/no question is answered by leaving it unticked too
    assert (e["form-contact"]["type"], e["form-contact"]["autocomplete"]) == ("tel", "tel")
    assert e["form-email"]["type"] == "email"
    assert (e["file-sketch"]["type"], e["file-sketch"]["name"]) == ("file", "file.sketch")
    assert e["file-sketch"]["accept"] == "application/pdf,image/jpeg,image/png" and "required" in e["file-sketch"]


def test_labels_are_in_the_chosen_language_with_the_other_beside(app, every_type):
    kn = render(app, every_type.form, lang="kn")
    assert '<span lang="kn">ಸರ್ವೆ ಸಂಖ್ಯೆ</span>' in kn and '<span class="other" lang="en">Survey number</span>' in kn
    assert kn.index("ಸರ್ವೆ ಸಂಖ್ಯೆ") < kn.index("Survey number")
    en = render(app, every_type.form, lang="en")
    assert '<span lang="en">Survey number</span>' in en and '<span class="other" lang="kn">ಸರ್ವೆ ಸಂಖ್ಯೆ</span>' in en
    assert en.index("Survey number") < en.index("ಸರ್ವೆ ಸಂಖ್ಯೆ")
    assert '<label for="form-land_area">' in en and 'class="required"' in en
    assert "For example 123/2A" in en and 'id="form-survey_number-help"' in en


def test_typed_values_are_kept_and_escaped(app, every_type):
    values = {"survey_number": SCRIPT, "details": "</textarea>" + SCRIPT, "land_type": "DRY",
              "crops": ["RAGI"], "irrigated": "on", "land_area": 2.5, "email": 'a"onmouseover="x'}
    html = render(app, every_type.form, values=values)
    assert "<script>" not in html and "</textarea><script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    e = Elements(html)
    assert e.by_id["form-survey_number"]["value"] == SCRIPT
    assert e.by_id["form-email"]["value"] == 'a"onmouseover="x' and "onmouseover" not in e.by_id["form-email"]
    assert e.by_id["form-land_area"]["value"] == "2.5"
    assert "checked" in e.by_id["form-irrigated"]
    checked = [a["value"] for t, a in e.tags if a.get("name") == "form.crops" and "checked" in a]
    assert checked == ["RAGI"]
    selected = [a["value"] for t, a in e.tags if t == "option" and "selected" in a]
    assert selected == ["DRY"]


def test_errors_appear_next_to_their_fields_and_are_announced(app, every_type):
    errors = {"survey_number": ["Survey number: this field is required"],
              "crops": ["Crops: <b>COFFEE</b> is not an option", "Crops: second problem"]}
    html = render(app, every_type.form, values={}, errors=errors)
    e = Elements(html).by_id
    assert e["form-survey_number"]["aria-describedby"] == "form-survey_number-help form-survey_number-error"
    assert e["form-survey_number"]["aria-invalid"] == "true"
    assert e["form-survey_number-error"]["class"] == "field-error"
    assert "Survey number: this field is required" in html
    assert "Crops: &lt;b&gt;COFFEE&lt;/b&gt; is not an option" in html and "Crops: second problem" in html
    fieldset = next(a for t, a in Elements(html).tags if t == "fieldset")
    assert fieldset["aria-describedby"] == "form-crops-error"
    assert "aria-invalid" not in e["form-village"]
    error_at = html.index('id="form-survey_number-error"')
    assert html.index('id="form-survey_number"') < error_at < html.index('id="form-village"')


def test_the_stored_form_json_renders_the_same_inputs(app, every_type):
    as_objects = Elements(render(app, every_type.form)).by_id
    as_json = Elements(render(app, [_field_json(f) for f in every_type.form])).by_id
    assert as_json == as_objects


@pytest.mark.parametrize("code", ["REV_RTC_NOT_ISSUED", "UDD_STREETLIGHT_NOT_WORKING"])
def test_a_shipped_form_renders(app, shipped_catalogue, code):
    g = shipped_catalogue.grievance_types[code]
    e = Elements(render(app, g.form, lang="kn")).by_id
    assert {f"form-{f.name}" for f in g.form if f.type != "file"} <= set(e)
