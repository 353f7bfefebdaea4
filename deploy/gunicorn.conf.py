"""gunicorn settings for ipgrs (deploy/systemd/ipgrs-web.service): docs/deployment.md."""
import multiprocessing
import os

bind = os.environ.get("IPGRS_BIND", "127.0.0.1:8000")  # the reverse proxy (TLS) is in front
workers = int(os.environ.get("IPGRS_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 60
graceful_timeout = 30
max_requests = 2000            # recycle workers slowly (memory), with jitter so they do not all go at once
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("IPGRS_PROXY_IPS", "127.0.0.1")
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'  # no query strings: they may carry a mobile number


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges are dropped (prometheus_client's documentation)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
