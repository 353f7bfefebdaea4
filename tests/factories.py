"""Builders for department files and grievance facts, so tests say only what matters to them."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

JURISDICTIONS = """\
state: {en: Karnataka, kn: ಕರ್ನಾಟಕ}
districts:
  - name: {en: Bengaluru Urban, kn: ಬೆಂಗಳೂರು ನಗರ}
    code: BLU
    taluks:
      - {en: Anekal, kn: ಆನೇಕಲ್}
      - {en: Bengaluru North, kn: ಬೆಂಗಳೂರು ಉತ್ತರ}
  - name: {en: Mysuru, kn: ಮೈಸೂರು}
    code: MYS
    taluks:
      - {en: Hunsur, kn: ಹುಣಸೂರು}
"""

_DEPARTMENT = {
    "code": "TST",
    "name": {"en": "Test Department", "kn": "ಪರೀಕ್ಷಾ ಇಲಾಖೆ"},
    "line_departments": {"LD": {"en": "Line Directorate", "kn": "ನಿರ್ದೇಶನಾಲಯ"}},
    "posts": {
        "LMF": {"name": {"en": "Taluk Officer", "kn": "ತಾಲ್ಲೂಕು ಅಧಿಕಾರಿ"}, "jurisdiction": "taluk"},
        "SPL": {"name": {"en": "Special Officer", "kn": "ವಿಶೇಷ ಅಧಿಕಾರಿ"}, "jurisdiction": "taluk"},
        "DO": {"name": {"en": "District Officer", "kn": "ಜಿಲ್ಲಾ ಅಧಿಕಾರಿ"}, "jurisdiction": "district"},
        "SEC": {"name": {"en": "Secretary", "kn": "ಕಾರ್ಯದರ್ಶಿ"}, "jurisdiction": "state"},
    },
    "defaults": {"escalation": ["LMF", "DO", "SEC"], "timeline": {"days": 15, "per_level": [7, 5]}},
    "services": [{
        "code": "LAND",
        "line_department": "LD",
        "name": {"en": "Land records", "kn": "ಭೂ ದಾಖಲೆ"},
        "grievances": [
            {"code": "TST_RTC", "name": {"en": "RTC not issued", "kn": "ಪಹಣಿ ನೀಡಿಲ್ಲ"}, "keywords": ["pahani", "ಪಹಣಿ"],
             "timeline": {"days": 21},
             "categories": [{"code": "DELAY", "name": {"en": "Delay", "kn": "ವಿಳಂಬ"},
                             "subcategories": [{"code": "OVER_30", "name": {"en": "Over 30 days", "kn": "30 ದಿನ ಮೀರಿ"}}]}],
             "form": [{"name": "survey_number", "type": "text", "required": True, "pattern": "^[0-9/A-Za-z-]+$",
                       "label": {"en": "Survey number", "kn": "ಸರ್ವೆ ಸಂಖ್ಯೆ"}},
                      {"name": "land_area", "type": "number", "label": {"en": "Area (acres)", "kn": "ವಿಸ್ತೀರ್ಣ"}}]},
            {"code": "TST_MUTATION", "name": {"en": "Mutation pending", "kn": "ಖಾತೆ ಬದಲಾವಣೆ ಬಾಕಿ"}, "keywords": ["khata"]},
        ],
    }, {
        "code": "PENSION",
        "line_department": "LD",
        "name": {"en": "Pensions", "kn": "ಪಿಂಚಣಿ"},
        "grievances": [
            {"code": "TST_PENSION_DELAY", "name": {"en": "Pension delayed", "kn": "ಪಿಂಚಣಿ ವಿಳಂಬ"}, "keywords": ["pension"]},
        ],
    }],
    "routing": [
        {"name": "Bengaluru Urban land records go to the special officer",
         "when": {"service": "LAND", "location.district": "Bengaluru Urban"}, "assign": "SPL"},
        {"name": "Senior citizens' pensions go to the district",
         "when": {"citizen.age": {"gte": 60}, "service": "PENSION"}, "assign": "DO", "priority": "high"},
        {"name": "Everything else goes to the taluk", "assign": "LMF"},
    ],
}


def department(**overrides) -> dict:
    d = copy.deepcopy(_DEPARTMENT)
    d.update(copy.deepcopy(overrides))
    return d


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_config(root: Path, departments: dict[str, str | dict], jurisdictions: str = JURISDICTIONS) -> Path:
    """A config directory: {file name: YAML text or a dict to dump}."""
    (root / "departments").mkdir(parents=True, exist_ok=True)
    (root / "jurisdictions.yaml").write_text(jurisdictions, encoding="utf-8")
    for name, content in departments.items():
        text = content if isinstance(content, str) else dump(content)
        (root / "departments" / name).write_text(text, encoding="utf-8")
    return root


# --- database objects ---------------------------------------------------------------------------

_mobiles = iter(range(9_800_000_000, 9_899_999_999))


def make_citizen(session, **overrides):
    """A registered citizen with a complete profile in Anekal, Bengaluru Urban."""
    from ipgrs import clock
    from ipgrs.citizens.models import Citizen

    values = dict(mobile=f"+91{next(_mobiles)}", name="Lakshmi Devi", language="en", district="Bengaluru Urban",
                  taluk="Anekal", locality="Chandapura", pincode="562106", verified_at=clock.now())
    values.update(overrides)
    citizen = Citizen(**values)
    session.add(citizen)
    session.commit()
    return citizen


def rtc_filing(**overrides):
    """A valid filing of 'RTC not issued within time' (Revenue) at the citizen's registered address."""
    from ipgrs.grievances.services import FilingRequest

    values = dict(grievance_type="REV_RTC_NOT_ISSUED", category="DELAY", subcategory="OVER_30_DAYS",
                  description="Applied for the RTC of my land two months ago and it has not been issued.",
                  form={"survey_number": "123/2A", "village_name": "Chandapura"})
    values.update(overrides)
    return FilingRequest(**values)


def png_bytes(size=(8, 8)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)
