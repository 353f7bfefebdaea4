"""The forms as JSON Schema for the mobile app, and the form endpoint."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from ipgrs.forms import json_schema, validate

from .test_schema import APP


def checker(schema) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_every_field_type_has_its_json_schema_shape(every_type):
    schema = json_schema(every_type)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["x-label"] == {"en": "Every field", "kn": "ಎಲ್ಲ ಕ್ಷೇತ್ರಗಳು"}
    p = schema["properties"]
    assert p["survey_number"] == {
        "title": "Survey number", "x-type": "text", "x-label": {"en": "Survey number", "kn": "ಸರ್ವೆ ಸಂಖ್ಯೆ"},
        "x-help": {"en": "For example 123/2A", "kn": "ಉದಾಹರಣೆಗೆ 123/2A"},
        "type": "string", "maxLength": 200, "minLength": 1, "pattern": "^(?:[0-9]+(/[0-9A-Z]+)?)$",
    }
    assert p["village"]["maxLength"] == 10 and "minLength" not in p["village"]
    assert (p["details"]["type"], p["details"]["maxLength"], p["details"]["x-type"]) == ("string", 4000, "textarea")
    assert (p["land_area"]["type"], p["land_area"]["minimum"], p["land_area"]["maximum"]) == ("number", 0.5, 100)
    assert (p["visit_date"]["type"], p["visit_date"]["format"]) == ("string", "date")
    assert p["land_type"]["type"] == "string" and p["land_type"]["enum"] == ["WET", "DRY"]
    assert p["land_type"]["x-options"] == [{"value": "WET", "label": {"en": "Irrigated", "kn": "ನೀರಾವರಿ"}},
                                           {"value": "DRY", "label": {"en": "Dry land", "kn": "ಖುಷ್ಕಿ"}}]
    assert p["crops"]["type"] == "array" and p["crops"]["items"] == {"type": "string", "enum": ["PADDY", "RAGI", "MAIZE"]}
    assert p["crops"]["uniqueItems"] is True and p["crops"]["minItems"] == 1 and len(p["crops"]["x-options"]) == 3
    assert (p["irrigated"]["type"], p["irrigated"]["default"]) == ("boolean", False)
    assert (p["contact"]["type"], p["contact"]["x-type"]) == ("string", "phone")
    assert (p["email"]["type"], p["email"]["format"]) == ("string", "email")
    assert {k: p["sketch"][k] for k in ("type", "format", "x-upload")} == {"type": "string", "format": "binary", "x-upload": True}
    assert p["sketch"]["x-accept"] == ["application/pdf", "image/jpeg", "image/png"]
    assert schema["required"] == ["survey_number", "land_area", "land_type", "crops", "sketch"]  # a checkbox is never required
    assert schema["x-order"] == [f.name for f in every_type.form]
    assert all(p[f.name]["title"] == f.label.en and p[f.name]["x-label"] == f.label.as_dict() for f in every_type.form)


def test_the_schema_and_validate_agree_on_json_input(every_type):
    schema = checker(json_schema(every_type))
    good = {k: v for k, v in APP.items() if v is not None} | {"sketch": "uploaded"}
    assert list(schema.iter_errors(good)) == [] and validate(every_type, good)[1] == {}
    for name, bad in [("survey_number", "123/2A-x"), ("land_area", 101), ("land_type", "dry"), ("crops", ["COFFEE"]),
                      ("visit_date", "2024-02-30"), ("email", "raita.example.in"), ("village", "x" * 11)]:
        instance = {**good, name: bad}
        assert list(schema.iter_errors(instance)), name
        assert name in validate(every_type, instance)[1], name
    missing = {k: v for k, v in good.items() if k != "land_type"}
    assert list(schema.iter_errors(missing)) and "land_type" in validate(every_type, missing)[1]


def test_every_shipped_form_is_a_valid_json_schema(shipped_catalogue):
    for g in shipped_catalogue.grievance_types.values():
        schema = json_schema(g)
        Draft202012Validator.check_schema(schema)
        assert list(schema["properties"]) == [f.name for f in g.form], g.code


def test_a_shipped_form_as_json_schema(shipped_catalogue):
    schema = checker(json_schema(shipped_catalogue.grievance_types["REV_RTC_NOT_ISSUED"]))
    survey = schema.schema["properties"]["survey_number"]
    assert survey["x-label"] == {"en": "Survey number / Hissa number", "kn": "ಸರ್ವೆ ನಂಬರ್ / ಹಿಸ್ಸಾ ನಂಬರ್"}
    assert survey["x-help"]["kn"] == "ಉದಾಹರಣೆಗೆ 123/2A"
    assert schema.schema["required"] == ["survey_number", "village_name"]
    assert schema.is_valid({"survey_number": "123/2A", "village_name": "Hebbal"})
    assert not schema.is_valid({"survey_number": "123/2A junk", "village_name": "Hebbal"})


# --- the endpoint ---------------------------------------------------------------------------------

def test_form_endpoint_returns_the_grievance_type_and_its_schema(client, shipped_catalogue):
    response = client.get("/api/v1/catalog/grievance-types/REV_RTC_NOT_ISSUED/form")
    assert response.status_code == 200
    body = response.get_json()
    assert body["grievance_type"] == {
        "code": "REV_RTC_NOT_ISSUED", "name": {"en": "RTC not issued within time", "kn": "ನಿಗದಿತ ಸಮಯದಲ್ಲಿ ಪಹಣಿ ನೀಡಿಲ್ಲ"},
        "department": {"code": "REV", "name": {"en": "Revenue Department", "kn": "ಕಂದಾಯ ಇಲಾಖೆ"}},
        "line_department": {"code": "SSLR", "name": shipped_catalogue.departments["REV"].line_departments["SSLR"].as_dict()},
        "service": {"code": "RTC", "name": shipped_catalogue.departments["REV"].service("RTC").name.as_dict()},
    }
    assert body["schema"] == json_schema(shipped_catalogue.grievance_types["REV_RTC_NOT_ISSUED"])


def test_form_endpoint_serves_file_fields_as_uploads(client, shipped_catalogue):
    g = next(g for g in shipped_catalogue.grievance_types.values() if any(f.type == "file" for f in g.form))
    body = client.get(f"/api/v1/catalog/grievance-types/{g.code}/form").get_json()
    name = next(f.name for f in g.form if f.type == "file")
    assert body["schema"]["properties"][name]["format"] == "binary" and body["schema"]["properties"][name]["x-upload"] is True


@pytest.mark.parametrize("code", ["NOPE", "rev_rtc_not_issued"])
def test_form_endpoint_answers_404_json_for_an_unknown_grievance_type(client, code):
    response = client.get(f"/api/v1/catalog/grievance-types/{code}/form")
    assert response.status_code == 404
    assert response.get_json() == {"message": f"Unknown grievance type '{code}'"}
