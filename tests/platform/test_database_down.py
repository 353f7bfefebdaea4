"""With the database down (restarting, unreachable), users get a 503 that says to try again, not a 500 that says
something broke: JSON on the API, a page elsewhere, a Retry-After, and no traceback logged as unhandled."""
from __future__ import annotations

import logging
import socket

import pytest

from ipgrs import create_app


@pytest.fixture(scope="module")
def unreachable():
    with socket.socket() as s:  # a port nothing listens on: connections are refused, as while PostgreSQL restarts
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{port}/ipgrs", "TESTING": True})


@pytest.mark.parametrize("path", ["/api/v1/grievances", "/api/v1/catalog/departments"])
def test_the_api_answers_503_json_with_retry_after(unreachable, path, caplog):
    with caplog.at_level(logging.WARNING, logger="ipgrs.errors"):
        answer = unreachable.test_client().get(path, headers={"Authorization": "Bearer a-token"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.get_json()["message"] == "The service is busy for a moment. Please try again in a few seconds."
    assert [r.levelname for r in caplog.records] == ["WARNING"] and not any(r.exc_info for r in caplog.records)


def test_pages_answer_a_503_page_in_the_citizens_language(unreachable):
    client = unreachable.test_client()
    for path in ("/track?number=KA-2026-00000001&lang=kn", "/login/?lang=kn"):
        answer = client.get(path)
        assert answer.status_code == 503 and answer.mimetype == "text/html", path
        assert "ಕೆಲವು ಸೆಕೆಂಡುಗಳ ನಂತರ ಮತ್ತೆ ಪ್ರಯತ್ನಿಸಿ" in answer.get_data(as_text=True), path
    assert client.get("/ready").status_code == 503  # the load balancer takes the process out meanwhile
