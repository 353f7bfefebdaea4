"""Validating case details against a grievance type's form: every field type, the portal's and the app's input."""
from __future__ import annotations

import dataclasses
import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from ipgrs.forms import html_form_data, schema_for, validate

WEB = {  # what the portal's HTML form posts: strings only
    "survey_number": " 123/2A ", "village": "Hebbal", "details": "", "land_area": "2.5", "visit_date": "2024-08-15",
    "land_type": "DRY", "crops": ["PADDY", "RAGI"], "irrigated": "on", "contact": "98450 12345",
    "email": "raita@example.in", "_files": ["sketch"],
}
APP = {  # what the mobile app posts: typed JSON
    "survey_number": "123/2A", "village": None, "land_area": 3, "visit_date": "2024-08-15", "land_type": "WET",
    "crops": ["MAIZE"], "irrigated": False, "contact": "+91-98450-12345", "email": "raita@example.in",
}


def test_the_portals_strings_become_clean_typed_values(every_type):
    clean, errors = validate(every_type, WEB)
    assert errors == {}
    assert clean == {
        "survey_number": "123/2A", "village": "Hebbal", "land_area": 2.5, "visit_date": "2024-08-15",
        "land_type": "DRY", "crops": ["PADDY", "RAGI"], "irrigated": True, "contact": "+919845012345",
        "email": "raita@example.in",
    }


def test_the_apps_typed_json_gives_the_same_kind_of_clean_values(every_type):
    clean, errors = validate(every_type, APP)
    assert errors == {}
    assert clean == {
        "survey_number": "123/2A", "land_area": 3, "visit_date": "2024-08-15", "land_type": "WET",
        "crops": ["MAIZE"], "irrigated": False, "contact": "+919845012345", "email": "raita@example.in",
    }
    assert isinstance(clean["land_area"], int)


def test_missing_required_fields_are_named_by_their_english_label(every_type):
    clean, errors = validate(every_type, {"_files": []})
    assert errors == {
        "survey_number": ["Survey number: this field is required"],
        "land_area": ["Land area: this field is required"],
        "land_type": ["Land type: this field is required"],
        "crops": ["Crops: this field is required"],
        "sketch": ["Survey sketch: this field is required; attach a PDF, JPEG or PNG file"],
    }
    assert clean == {"irrigated": False}  # an unticked checkbox is an answer: "no"


@pytest.mark.parametrize("empty", ["", "   ", None, []])
def test_an_empty_value_counts_as_missing(every_type, empty):
    _, errors = validate(every_type, {**WEB, "survey_number": empty, "village": empty})
    assert errors == {"survey_number": ["Survey number: this field is required"]}


@pytest.mark.parametrize("value", ["123/2A-extra", "x123", "123/2a", "12 3"])
def test_a_pattern_must_match_the_whole_value(every_type, value):
    _, errors = validate(every_type, {**WEB, "survey_number": value})
    assert errors == {"survey_number": ["Survey number: must match the pattern [0-9]+(/[0-9A-Z]+)? (For example 123/2A)"]}


def test_text_longer_than_max_length_is_refused(every_type):
    _, errors = validate(every_type, {**WEB, "village": "Doddaballapura", "details": "x" * 4001})
    assert errors == {"village": ["Village: must be at most 10 characters long"],
                      "details": ["Details: must be at most 4000 characters long"]}


def test_text_must_be_text_in_json(every_type):
    _, errors = validate(every_type, {**APP, "survey_number": 123})
    assert errors == {"survey_number": ["Survey number: must be text"]}


@pytest.mark.parametrize("value, message", [
    ("101", "Land area: must be at most 100"), (100.5, "Land area: must be at most 100"),
    ("0.2", "Land area: must be at least 0.5"), ("-3", "Land area: must be at least 0.5"),
    ("two", "Land area: must be a number"), (True, "Land area: must be a number"),
    ("nan", "Land area: must be a number"), ("inf", "Land area: must be a number"), ([3], "Land area: must be a number"),
])
def test_numbers_are_checked_against_their_bounds(every_type, value, message):
    _, errors = validate(every_type, {**WEB, "land_area": value})
    assert errors == {"land_area": [message]}


def test_numbers_at_the_bounds_are_accepted(every_type):
    assert validate(every_type, {**WEB, "land_area": "100"})[0]["land_area"] == 100
    assert validate(every_type, {**APP, "land_area": 0.5})[0]["land_area"] == 0.5


@pytest.mark.parametrize("value", ["2024-02-30", "15/08/2024", "2024-8-5", "20240815", "yesterday", 20240815])
def test_dates_must_be_real_iso_dates(every_type, value):
    _, errors = validate(every_type, {**WEB, "visit_date": value})
    assert errors == {"visit_date": ["Date of visit: must be a date written YYYY-MM-DD, for example 2024-08-15"]}


def test_a_date_in_the_future_is_accepted(every_type):
    assert validate(every_type, {**WEB, "visit_date": "2099-12-31"})[1] == {}


def test_a_select_takes_only_its_options(every_type):
    _, errors = validate(every_type, {**WEB, "land_type": "dry"})
    assert errors == {"land_type": ["Land type: must be one of: Irrigated, Dry land"]}


def test_a_multiselect_takes_a_list_or_a_single_value_and_drops_repeats(every_type):
    assert validate(every_type, {**WEB, "crops": "RAGI"})[0]["crops"] == ["RAGI"]
    assert validate(every_type, {**APP, "crops": ["RAGI", "PADDY", "RAGI"]})[0]["crops"] == ["RAGI", "PADDY"]


def test_a_multiselect_refuses_unknown_options(every_type):
    _, errors = validate(every_type, {**WEB, "crops": ["PADDY", "COFFEE"]})
    assert errors == {"crops": ["Crops: COFFEE is not an option; the options are: Paddy, Ragi, Maize"]}
    _, errors = validate(every_type, {**APP, "crops": {"PADDY": True}})
    assert errors == {"crops": ["Crops: must be a list of options"]}


@pytest.mark.parametrize("value, expected", [("on", True), (True, True), ("true", True), (False, False), ("off", False)])
def test_booleans_from_a_checkbox_or_json(every_type, value, expected):
    clean, errors = validate(every_type, {**WEB, "irrigated": value})
    assert errors == {} and clean["irrigated"] is expected


def test_an_absent_boolean_means_no_even_when_required(every_type):
    data = {k: v for k, v in WEB.items() if k != "irrigated"}
    clean, errors = validate(every_type, data)
    assert errors == {} and clean["irrigated"] is False


def test_a_boolean_refuses_other_values(every_type):
    _, errors = validate(every_type, {**APP, "irrigated": "maybe"})
    assert errors == {"irrigated": ["Irrigated by borewell: must be yes or no"]}


@pytest.mark.parametrize("value", ["9845012345", "098450 12345", "+91 98450 12345", "+91-98450-12345"])
def test_indian_mobile_numbers_are_kept_in_e164(every_type, value):
    clean, errors = validate(every_type, {**WEB, "contact": value})
    assert errors == {} and clean["contact"] == "+919845012345"


@pytest.mark.parametrize("value", ["12345", "5845012345", "080 2222 3333", "+1 650 253 0000", "98450 12345 98450 12345", 9845012345])
def test_other_numbers_are_not_indian_mobiles(every_type, value):
    _, errors = validate(every_type, {**WEB, "contact": value})
    assert errors["contact"][0].startswith("Contact mobile: must be")


@pytest.mark.parametrize("value", ["raita", "raita@", "@example.in", "raita@@example.in"])
def test_email_must_be_an_address(every_type, value):
    _, errors = validate(every_type, {**WEB, "email": value})
    assert errors == {"email": ["Email: must be an email address, for example name@example.com"]}


def test_files_are_checked_only_for_presence_and_only_when_files_are_named(every_type):
    without_files = {k: v for k, v in WEB.items() if k != "_files"}
    assert validate(every_type, without_files)[1] == {}
    assert "sketch" in validate(every_type, {**WEB, "_files": ["other"]})[1]
    assert validate(every_type, {**WEB, "_files": "sketch"})[1] == {}
    clean, _ = validate(every_type, {**WEB, "sketch": "C:/fakepath/sketch.pdf"})
    assert "sketch" not in clean


def test_unknown_keys_are_ignored_and_never_stored(every_type):
    clean, errors = validate(every_type, {**WEB, "officer_note": "approve", "__class__": "x", "csrf_token": "t"})
    assert errors == {}
    assert set(clean) <= {f.name for f in every_type.form}
    assert "officer_note" not in clean and "_files" not in clean


@pytest.mark.parametrize("data", [None, "survey_number=1", ["survey_number"], 42])
def test_input_that_is_not_a_mapping_is_an_error_not_an_exception(every_type, data):
    clean, errors = validate(every_type, data)
    assert clean == {} and errors["_form"]


def test_every_error_names_its_field(every_type):
    bad = {"survey_number": "x", "village": "y" * 11, "details": 5, "land_area": "many", "visit_date": "soon",
           "land_type": "NONE", "crops": ["NONE"], "irrigated": "maybe", "contact": "1", "email": "e", "_files": []}
    _, errors = validate(every_type, bad)
    labels = {f.name: f.label.en for f in every_type.form}
    assert set(errors) == set(labels)
    for name, messages in errors.items():
        assert messages and all(m.startswith(labels[name] + ": ") for m in messages), messages


def test_the_schema_is_built_once_per_form(every_type):
    assert schema_for(every_type) is schema_for(dataclasses.replace(every_type))
    changed = dataclasses.replace(every_type, form=every_type.form[:2])
    assert schema_for(changed) is not schema_for(every_type)
    assert set(schema_for(changed).fields) == {"survey_number", "village"}


def test_html_form_data_reads_the_inputs_the_template_renders(every_type):
    form = MultiDict([("form.survey_number", "123"), ("form.land_area", "4"), ("form.land_type", "WET"),
                      ("form.crops", "PADDY"), ("form.crops", "MAIZE"), ("form.irrigated", "on"),
                      ("csrf_token", "t"), ("description", "my grievance")])
    files = MultiDict([("file.sketch", FileStorage(io.BytesIO(b"%PDF-1.4"), filename="sketch.pdf"))])
    data = html_form_data(every_type, form, files)
    assert data == {"survey_number": "123", "land_area": "4", "land_type": "WET", "crops": ["PADDY", "MAIZE"],
                    "irrigated": "on", "_files": ["sketch"]}
    clean, errors = validate(every_type, data)
    assert errors == {} and clean["crops"] == ["PADDY", "MAIZE"] and clean["irrigated"] is True
    empty_upload = MultiDict([("file.sketch", FileStorage(io.BytesIO(b""), filename=""))])
    assert validate(every_type, html_form_data(every_type, form, empty_upload))[1] == {
        "sketch": ["Survey sketch: this field is required; attach a PDF, JPEG or PNG file"]}


def test_every_shipped_form_builds_and_reports_exactly_its_required_fields(shipped_catalogue):
    with_forms = [g for g in shipped_catalogue.grievance_types.values() if g.form]
    assert len(with_forms) > 100
    for g in with_forms:
        _, errors = validate(g, {"_files": []})
        required = {f.name for f in g.form if f.required and f.type != "boolean"}
        assert set(errors) == required, g.code


def test_a_shipped_grievance_type_validates_a_real_submission(shipped_catalogue):
    rtc = shipped_catalogue.grievance_types["REV_RTC_NOT_ISSUED"]
    clean, errors = validate(rtc, {"survey_number": "123/2A", "village_name": "Hebbal", "application_date": "2024-05-02"})
    assert errors == {}
    assert clean == {"survey_number": "123/2A", "village_name": "Hebbal", "application_date": "2024-05-02"}
    _, errors = validate(rtc, {"survey_number": "abc", "village_name": "Hebbal"})
    assert errors["survey_number"][0].startswith("Survey number / Hissa number: must match the pattern ")
