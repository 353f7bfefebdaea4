"""Keyword search over the catalogue: ranking in English and Kannada, typos, deeper combinations, bad queries, the API."""
from __future__ import annotations

import pytest

import rules
from ipgrs.catalog.search import MAX_LIMIT, CatalogSearch, SearchQueryError, catalogue_search


@pytest.fixture(scope="module")
def index(shipped_catalogue) -> CatalogSearch:
    return catalogue_search(shipped_catalogue)


def codes(results) -> list[str]:
    return [r["grievance_type"]["code"] for r in results]


@pytest.mark.parametrize("query", ["pahni", "ಪಹಣಿ", "  PAHNI  ", "ಆರ್ಟಿಸಿ"])
def test_pahani_in_either_language_and_with_a_typo_finds_the_rtc_grievance_first(index, query):
    assert codes(index.search(query))[0] == "REV_RTC_NOT_ISSUED"


def test_a_result_carries_every_level_with_codes_and_both_names(index):
    top = index.search("pahni")[0]
    assert top["department"] == {"code": "REV", "name": {"en": "Revenue Department", "kn": "ಕಂದಾಯ ಇಲಾಖೆ"}}
    assert top["line_department"]["code"] == "SSLR" and set(top["line_department"]["name"]) == {"en", "kn"}
    assert top["service"]["code"] == "RTC" and "Pahani" in top["service"]["name"]["en"]
    assert top["grievance_type"] == {"code": "REV_RTC_NOT_ISSUED",
                                     "name": {"en": "RTC not issued within time", "kn": "ನಿಗದಿತ ಸಮಯದಲ್ಲಿ ಪಹಣಿ ನೀಡಿಲ್ಲ"}}
    assert "category" not in top and "subcategory" not in top
    assert top["matched"] == "pahani"
    assert 0 < top["score"] <= 100


@pytest.mark.parametrize("query", ["ration card", "ಪಡಿತರ ಚೀಟಿ"])
def test_ration_card_finds_the_fcs_ration_card_grievances_first(index, query, shipped_catalogue):
    ration_cards = {code for code in shipped_catalogue.grievance_types if code.startswith("FCS_RATION_CARD")}
    assert len(ration_cards) == 3
    results = index.search(query)
    assert set(codes(results)[:3]) == ration_cards
    assert all(r["department"]["code"] == "FCS" for r in results[:3])
    assert results[2]["score"] > results[3]["score"]


def test_a_misspelt_streetlight_finds_the_urban_streetlight_grievance(index):
    results = index.search("strret light", limit=5)
    assert "UDD_STREETLIGHT_NOT_WORKING" in codes(results)[:3]
    assert all("STREETLIGHT" in code for code in codes(results)[:3])


def test_a_subcategory_name_returns_that_deeper_combination(index):
    top = index.search("more than 30 days")[0]
    assert top["grievance_type"]["code"] == "REV_RTC_NOT_ISSUED"
    assert top["category"] == {"code": "DELAY", "name": {"en": "Delay", "kn": "ವಿಳಂಬ"}}
    assert top["subcategory"]["code"] == "OVER_30_DAYS"


def test_a_category_name_returns_the_category_without_a_subcategory(index):
    top = index.search("Not available on Bhoomi portal")[0]
    assert (top["grievance_type"]["code"], top["category"]["code"]) == ("REV_RTC_NOT_ISSUED", "NOT_AVAILABLE_ONLINE")
    assert "subcategory" not in top


def test_a_department_name_finds_that_departments_grievances(index, shipped_catalogue):
    results = index.search("Revenue Department", limit=MAX_LIMIT)
    rev = {g.code for g in shipped_catalogue.departments["REV"].grievance_types()}
    assert set(codes(results)[:len(rev)]) == rev


def test_every_grievance_type_is_the_top_result_for_its_own_english_name(index, shipped_catalogue):
    assert len(shipped_catalogue.grievance_types) >= 450
    misses = []
    for code, g in shipped_catalogue.grievance_types.items():
        results = index.search(g.name.en[:100], limit=5)
        top = results[0]
        # a few grievance types share an English name across departments (e.g. the bus services of the
        # three corporations); then any of them may come first, but this one must tie with it
        same_name_tie = (top["grievance_type"]["name"]["en"] == g.name.en
                         and any(r["grievance_type"]["code"] == code and r["score"] == top["score"] for r in results))
        if top["grievance_type"]["code"] != code and not same_name_tie:
            misses.append((code, g.name.en, top["grievance_type"]["code"]))
    assert misses == []


def test_limit_bounds_the_results(index):
    assert len(index.search("pension", limit=3)) == 3
    assert len(index.search("pension", limit=MAX_LIMIT)) > 10


def test_nonsense_finds_nothing(index):
    assert index.search("zzqxj") == []


@pytest.mark.parametrize("query, words", [
    ("", "at least 2"), ("a", "at least 2"), ("   ", "at least 2"), ("!!", "at least 2"), (None, "at least 2"),
    ("x" * 101, "at most 100"), ("road " * 30, "at most 100"),
])
def test_a_query_too_short_or_too_long_is_refused_with_a_sentence(index, query, words):
    with pytest.raises(SearchQueryError) as info:
        index.search(query)
    assert words in str(info.value)


@pytest.mark.parametrize("limit", [0, MAX_LIMIT + 1, True, "5"])
def test_a_bad_limit_is_refused(index, limit):
    with pytest.raises(SearchQueryError, match="whole number from 1 to 50"):
        index.search("pahani", limit=limit)


def test_a_100_character_query_is_accepted(index):
    assert isinstance(index.search(("street light " * 10)[:100]), list)


def test_the_index_is_built_once_per_published_version(shipped_catalogue, config_dir):
    shipped = catalogue_search(shipped_catalogue)
    assert catalogue_search(shipped_catalogue) is shipped and shipped.version == shipped_catalogue.version
    rev = config_dir / "departments" / "rev.yaml"
    rev.write_text(rev.read_text(encoding="utf-8").replace("keywords: [pahani, rtc,", "keywords: [pahani, rtc, bhoomi extract,"),
                   encoding="utf-8")
    changed = rules.load_directory(config_dir)
    assert changed.version != shipped_catalogue.version
    index = catalogue_search(changed)
    assert index is not shipped and index.version == changed.version and catalogue_search(changed) is index
    assert index.search("bhoomi extract")[0]["matched"] == "bhoomi extract"
    assert "bhoomi extract" not in [r["matched"] for r in shipped.search("bhoomi extract")]


# --- the endpoint ---------------------------------------------------------------------------------

def test_search_endpoint_returns_ranked_results(client):
    response = client.get("/api/v1/catalog/search", query_string={"q": "ಪಹಣಿ", "limit": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == "ಪಹಣಿ"
    assert len(body["results"]) == 3
    assert body["results"][0]["grievance_type"]["code"] == "REV_RTC_NOT_ISSUED"
    assert body["results"][0]["department"]["name"]["kn"] == "ಕಂದಾಯ ಇಲಾಖೆ"


def test_search_endpoint_defaults_to_ten_results(client):
    body = client.get("/api/v1/catalog/search?q=pension").get_json()
    assert len(body["results"]) == 10


@pytest.mark.parametrize("query_string, words", [
    ({}, "at least 2"), ({"q": "a"}, "at least 2"), ({"q": "x" * 101}, "at most 100"),
    ({"q": "pahani", "limit": "abc"}, "limit"), ({"q": "pahani", "limit": "0"}, "limit"),
    ({"q": "pahani", "limit": "-3"}, "limit"), ({"q": "pahani", "limit": "500"}, "limit"),
])
def test_search_endpoint_refuses_a_bad_query_with_a_json_message(client, query_string, words):
    response = client.get("/api/v1/catalog/search", query_string=query_string)
    assert response.status_code == 400
    assert response.is_json and words in response.get_json()["message"]
