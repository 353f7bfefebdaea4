"""Probes, Prometheus metrics and JSON logs (ipgrs/observability.py)."""
from __future__ import annotations

import io
import json
import logging

import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ipgrs import observability, settings
from ipgrs.grievances import services
from tests.factories import make_citizen, rtc_filing


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_liveness_and_readiness(client):
    assert client.get("/live").get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok" and ready.get_json()["database"] == "ok"
    assert ready.get_json()["rules_version"]["id"] >= 1


def test_the_database_figures_follow_what_was_filed_whoever_filed_it(app, db_session):
    collector = observability.DatabaseCollector(app, cache_seconds=0)
    registry = _registry_of(collector)
    before = samples(generate_latest(registry).decode())
    web = ("ipgrs_grievances_filed_total", (("channel", "WEB"),))
    opened = ("ipgrs_grievances", (("status", "open"),))
    g = services.file_grievance(db_session, make_citizen(db_session), rtc_filing())
    assert g.channel == "WEB"
    after = samples(generate_latest(registry).decode())
    assert after[web] == before.get(web, 0) + 1 and after[opened] == before.get(opened, 0) + 1
    assert after[("ipgrs_database_up", ())] == 1 and after[("ipgrs_rules_version", ())] >= 1
    # The filing queued the citizen's SMS: the outbox depth counts it.
    assert sum(v for (name, labels), v in after.items() if name == "ipgrs_outbox" and ("status", "pending") in labels) >= 1


def test_rule_decisions_and_request_latency_are_counted_in_the_process(client, db_session):
    routed = {"department": "REV", "outcome": "routed"}
    before = REGISTRY.get_sample_value("ipgrs_rule_decisions_total", routed) or 0
    services.file_grievance(db_session, make_citizen(db_session), rtc_filing())
    assert REGISTRY.get_sample_value("ipgrs_rule_decisions_total", routed) == before + 1
    client.get("/live")
    assert REGISTRY.get_sample_value("ipgrs_request_seconds_count",
                                     {"route": "/live", "method": "GET", "status": "2xx"}) >= 1
    text = client.get("/metrics").data.decode()
    assert "ipgrs_request_seconds_bucket" in text and "ipgrs_grievances_filed_total" in text


def test_metrics_answer_the_monitoring_network_or_token_only(app, client, monkeypatch):
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 404 and refused.get_json() == {"message": "Not found."}
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"}).status_code == 404
    allowed = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert allowed.status_code == 200 and allowed.mimetype == "text/plain"
    assert client.get("/metrics").status_code == 200  # from this machine


def test_json_logs_are_one_object_per_line():
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        observability.configure_logging("json")
        (handler,) = root.handlers
        stream = io.StringIO()
        handler.setStream(stream)
        logging.getLogger("ipgrs.grievances").info("grievance %s escalated to L%d", "KA-2026-00000042", 2)
        record = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert record["level"] == "INFO" and record["logger"] == "ipgrs.grievances"
        assert record["message"] == "grievance KA-2026-00000042 escalated to L2" and record["time"]
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved_handlers:
            root.addHandler(h)
        root.setLevel(saved_level)


def test_the_log_format_is_checked():
    env = {"DATABASE_URL": "postgresql://db/ipgrs", "SECRET_KEY": "s"}
    assert settings.from_environment({**env, "IPGRS_LOG_FORMAT": "json"})["LOG_FORMAT"] == "json"
    with pytest.raises(settings.SettingsError, match="IPGRS_LOG_FORMAT must be 'text' or 'json'"):
        settings.from_environment({**env, "IPGRS_LOG_FORMAT": "xml"})


def _registry_of(collector):
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
