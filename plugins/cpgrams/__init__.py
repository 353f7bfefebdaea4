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
    ctx.on_serve(_start_simulator)


def _start_simulator(app) -> None:
    """`make run` without CPGRAMS_BASE_URL: a simulator with four grievances (one needs triage), pulled every 15 s."""
    import logging

    from .config import settings
    from .simulator import Simulator

    conf = settings(app.config)
    if not conf.simulator:
        return
    sim = Simulator()
    sim.add(4)
    sim.start(conf.simulator_port)
    app.extensions["cpgrams.simulator"] = sim
    app.config["CPGRAMS_BASE_URL"] = sim.url
    app.config.setdefault("CPGRAMS_PUSH_SECRET", "demo-push-secret")
    app.extensions["celery"].conf.beat_schedule["cpgrams:pull"]["schedule"] = 15.0
    message = (f"CPGRAMS simulator on {sim.url} with 4 grievances, pulled every 15 s "
               "(plugins/cpgrams/README.md walks through the demo; CPGRAMS_SIMULATOR=0 turns it off)")
    logging.getLogger(__name__).info(message)
    print(message)
