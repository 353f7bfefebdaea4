"""What operators watch: liveness and readiness probes, Prometheus metrics at /metrics, and structured JSON logs.

Metrics come from two places. What the database knows — grievances by channel and status, escalations, the
critical ones, the outbox's depth and dead letters, the rules version served — is read at scrape time (one
GROUP BY over `grievance`, cached METRICS_CACHE_SECONDS), so every web process reports the same figures whatever
process (web, Celery worker, beat) did the work. What only a process knows — request latency, rule decisions — is
counted in the process; under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty directory per deployment) so that
/metrics adds up every worker, as prometheus_client documents.

/metrics holds no personal data, but it is for the monitoring system only: it answers to METRICS_ALLOWED_NETWORKS
(default: this machine) or to `Authorization: Bearer $METRICS_TOKEN`, and is a 404 to everyone else.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
import time

from flask import Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import case, func, select

from .extensions import db

log = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram("ipgrs_request_seconds", "Time to answer an HTTP request, by route and status class.",
                            ["route", "method", "status"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RULE_DECISIONS = Counter("ipgrs_rule_decisions", "Routing decisions the rules engine made in this process.",
                         ["department", "outcome"])


def json_formatter() -> logging.Formatter:
    """One JSON object per line (time, level, logger, message), for the log shipper."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})


def configure_logging(log_format: str) -> None:
    """`json`: one JSON object per line (json_formatter) for the log shipper; else readable text.
    Log calls never carry citizens' mobiles, names, addresses or OTPs (the code logs ids, counts and masked
    recipients only; tests/privacy/test_logs.py runs the main flows at DEBUG and checks)."""
    root = logging.getLogger()
    if log_format == "json":
        formatter = json_formatter()
        if not any(getattr(h, "_ipgrs_json", False) for h in root.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(formatter)
            handler._ipgrs_json = True
            for old in list(root.handlers):
                root.removeHandler(old)
            root.addHandler(handler)
        root.setLevel(logging.INFO)
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


class DatabaseCollector:
    """The figures the database holds, for every process alike; read at most every `cache_seconds`."""

    def __init__(self, app, cache_seconds: float):
        self.app, self.cache_seconds = app, cache_seconds
        self._lock = threading.Lock()
        self._read_at, self._families = 0.0, []

    def collect(self):
        with self._lock:
            if time.monotonic() - self._read_at >= self.cache_seconds or not self._families:
                self._families = self._read()
                self._read_at = time.monotonic()
            return list(self._families)

    def _read(self) -> list:
        from .catalog.services import latest_version_id
        from .grievances.models import Grievance
        from .notifications.models import Notification

        filed = CounterMetricFamily("ipgrs_grievances_filed", "Grievances filed, by channel.", labels=["channel"])
        current = GaugeMetricFamily("ipgrs_grievances", "Grievances by status now.", labels=["status"])
        escalations = CounterMetricFamily("ipgrs_escalations", "Escalations (timeline lapses and appeals) of all grievances.")
        critical = GaugeMetricFamily("ipgrs_grievances_critical", "Grievances past the last level of their chain, unresolved.")
        outbox = GaugeMetricFamily("ipgrs_outbox", "Notifications in the outbox, by status and channel.", labels=["status", "channel"])
        version = GaugeMetricFamily("ipgrs_rules_version", "The latest published rules version (id).")
        up = GaugeMetricFamily("ipgrs_database_up", "1 if the database answered the metrics queries.")
        try:
            with self.app.app_context():
                session = db.session
                try:
                    G = Grievance
                    by_channel, by_status, escalated, critical_count = {}, {}, 0, 0
                    for channel, status, n, esc, crit in session.execute(
                            select(G.channel, G.status, func.count(), func.coalesce(func.sum(G.escalation_count), 0),
                                   func.sum(case((G.critical, 1), else_=0))).group_by(G.channel, G.status)):
                        by_channel[channel] = by_channel.get(channel, 0) + n
                        by_status[status] = by_status.get(status, 0) + n
                        escalated += int(esc or 0)
                        critical_count += int(crit or 0)
                    for channel, n in sorted(by_channel.items()):
                        filed.add_metric([channel], n)
                    for status, n in sorted(by_status.items()):
                        current.add_metric([status], n)
                    escalations.add_metric([], escalated)
                    critical.add_metric([], critical_count)
                    for status, channel, n in session.execute(
                            select(Notification.status, Notification.channel, func.count())
                            .where(Notification.status.in_(("pending", "sending", "dead")))
                            .group_by(Notification.status, Notification.channel)):
                        outbox.add_metric([status, channel], n)
                    version.add_metric([], latest_version_id(session) or 0)
                    up.add_metric([], 1)
                finally:
                    session.remove()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even when the database does not
            log.warning("metrics: the database did not answer: %s", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        return [filed, current, escalations, critical, outbox, version, up]


def _registry(app) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
        registry.register(RULE_DECISIONS)
    registry.register(DatabaseCollector(app, app.config.get("METRICS_CACHE_SECONDS", 15)))
    return registry


def _may_read_metrics(app) -> bool:
    token = app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in app.config.get("METRICS_ALLOWED_NETWORKS", ()))


def install(app) -> None:
    """The probes, /metrics and the request timer."""
    registry = _registry(app)

    @app.before_request
    def _start_timer():
        g.ipgrs_request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("ipgrs_request_started", None)
        if started is not None and request.endpoint != "metrics":
            route = request.url_rule.rule if request.url_rule is not None else "(no route)"
            REQUEST_SECONDS.labels(route, request.method, f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
        return response

    @app.get("/live")
    def live():
        """Liveness: the process answers (no database). Readiness is /ready (and /health, the same)."""
        return jsonify(status="ok")

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        if not _may_read_metrics(app):
            return jsonify(message="Not found."), 404
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

