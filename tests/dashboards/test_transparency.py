"""The public transparency page: no login, no personal data, small counts suppressed, cached, in both languages."""
from __future__ import annotations

from ipgrs.dashboards import rollups, transparency
from tests.dashboards.helpers import NOW, six_grievances


def test_open_to_the_public_without_personal_data(client, db_session, six):
    page = client.get("/transparency")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == f"public, max-age={transparency.CACHE_SECONDS}"
    assert "Set-Cookie" not in page.headers
    html = page.data.decode()
    assert "How departments redress grievances" in html and "Revenue" in html and 'id="as-of"' in html
    for g in six.values():
        assert g.number not in html and g.citizen.mobile[3:] not in html and g.citizen.name not in html
        assert g.description[:30] not in html
    assert "Anekal" not in html and "Tahsildar" not in html   # nothing below the district, no posts


def test_small_counts_are_suppressed(db_session, six):
    figures = transparency.figures(db_session)
    (revenue,) = [r for r in figures["departments"] if r["label"].startswith("Revenue")]
    assert revenue["received"] == 6
    # 2 resolved, 1 on time, 2 rated: all fewer than 5, so hidden with every figure derived from them
    assert [revenue[k] for k in ("resolved", "on_time", "on_time_pct", "avg_days", "avg_rating", "satisfied_pct")] == [None] * 6
    districts = {r["label"]: r for r in figures["districts"]}
    assert districts["Bengaluru Urban"]["received"] is None and districts["Mysuru"]["received"] is None  # 4 and 2


def test_counts_of_five_or_more_are_shown(db_session, six):
    six_grievances(db_session)      # twelve now: 4 resolved, still hidden; received 12
    six_grievances(db_session)      # eighteen: 6 resolved, 3 on time (hidden), 6 rated
    rollups.refresh(db_session, now=NOW)
    (revenue,) = [r for r in transparency.figures(db_session)["departments"] if r["label"].startswith("Revenue")]
    assert (revenue["received"], revenue["resolved"], revenue["on_time"]) == (18, 6, None)
    assert (revenue["on_time_pct"], revenue["avg_days"], revenue["avg_rating"], revenue["satisfied_pct"]) == (50.0, 12.5, 2.5, 50.0)


def test_kannada_and_the_cache_per_language(client, db_session, six):
    kn = client.get("/transparency?lang=kn").data.decode()
    assert 'lang="kn"' in kn and "ಇಲಾಖೆಗಳು ಕುಂದುಕೊರತೆಗಳನ್ನು ಹೇಗೆ ಪರಿಹರಿಸುತ್ತಿವೆ" in kn and "ಕಂದಾಯ" in kn
    first = transparency.cached(db_session, "en", 1000.0, "x")
    assert transparency.cached(db_session, "en", 1100.0, "x") is first             # served from the cache
    assert transparency.cached(db_session, "kn", 1100.0, "x") is not first          # keyed by language
    assert transparency.cached(db_session, "en", 1000.0 + transparency.CACHE_SECONDS + 1, "x") is not first
    rollups.refresh(db_session)                                                     # a new refresh: computed again
    assert transparency.cached(db_session, "en", 1100.0, "x") is not first
