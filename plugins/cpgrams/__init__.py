"""CPGRAMS integration plugin: grievances in from the national portal, action-taken reports back (README.md).

Loaded through the entry point `cpgrams = "plugins.cpgrams:setup"` (group ipgrs.plugins) when IPGRS_PLUGINS
names it; it uses only the hook points of docs/plugins.md.
"""
from __future__ import annotations


def setup(ctx) -> None:
    from . import cli, push, services, tasks, views  # noqa: F401 - tasks registers the Celery tasks
    from .config import settings

    conf = settings(ctx.config)
    ctx.subscribe("grievance.filed", services.on_filed)
    ctx.subscribe("grievance.status_changed", services.on_status_changed)
    ctx.subscribe("grievance.escalated", services.on_escalated)
    ctx.subscribe("grievance.closed", services.on_closed)
    ctx.add_blueprint(push.blueprint, csrf_exempt=True)  # machine-to-machine: authenticated by HMAC instead
    views.register(ctx)
    ctx.add_command(cli.cpgrams_group)
    ctx.add_periodic_task("pull", "cpgrams.pull", conf.pull_seconds)
    ctx.add_periodic_task("deliver", "cpgrams.deliver_due", 15.0)
