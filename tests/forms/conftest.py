"""A grievance type whose form has a field of every type, built from the catalogue's own dataclasses."""
from __future__ import annotations

import pytest

from rules.catalogue import Bilingual, FormField, GrievanceType, Option


def options(*pairs) -> tuple:
    return tuple(Option(value, Bilingual(en, kn)) for value, en, kn in pairs)


EVERY_TYPE = (
    FormField("survey_number", "text", Bilingual("Survey number", "ಸರ್ವೆ ಸಂಖ್ಯೆ"), required=True, pattern="[0-9]+(/[0-9A-Z]+)?",
              help=Bilingual("For example 123/2A", "ಉದಾಹರಣೆಗೆ 123/2A")),
    FormField("village", "text", Bilingual("Village", "ಗ್ರಾಮ"), max_length=10),
    FormField("details", "textarea", Bilingual("Details", "ವಿವರಗಳು")),
    FormField("land_area", "number", Bilingual("Land area", "ಭೂ ವಿಸ್ತೀರ್ಣ"), required=True, min=0.5, max=100),
    FormField("visit_date", "date", Bilingual("Date of visit", "ಭೇಟಿಯ ದಿನಾಂಕ")),
    FormField("land_type", "select", Bilingual("Land type", "ಭೂಮಿಯ ವಿಧ"), required=True,
              options=options(("WET", "Irrigated", "ನೀರಾವರಿ"), ("DRY", "Dry land", "ಖುಷ್ಕಿ"))),
    FormField("crops", "multiselect", Bilingual("Crops", "ಬೆಳೆಗಳು"), required=True,
              options=options(("PADDY", "Paddy", "ಭತ್ತ"), ("RAGI", "Ragi", "ರಾಗಿ"), ("MAIZE", "Maize", "ಮೆಕ್ಕೆಜೋಳ"))),
    FormField("irrigated", "boolean", Bilingual("Irrigated by borewell", "ಕೊಳವೆ ಬಾವಿ ನೀರಾವರಿ"), required=True),
    FormField("contact", "phone", Bilingual("Contact mobile", "ಸಂಪರ್ಕ ಮೊಬೈಲ್")),
    FormField("email", "email", Bilingual("Email", "ಇಮೇಲ್")),
    FormField("sketch", "file", Bilingual("Survey sketch", "ಸರ್ವೆ ನಕ್ಷೆ"), required=True),
)


@pytest.fixture
def every_type() -> GrievanceType:
    return GrievanceType(code="TST_EVERY_FIELD", name=Bilingual("Every field", "ಎಲ್ಲ ಕ್ಷೇತ್ರಗಳು"), department="TST",
                         service="SVC", line_department="TST", form=EVERY_TYPE)
