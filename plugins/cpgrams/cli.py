"""`ipgrs cpgrams …`: pull now, deliver what is due, show what is pending, reconcile with CPGRAMS."""
from __future__ import annotations

import json
from datetime import datetime, time, timezone

import click
from flask.cli import with_appcontext

from ipgrs import clock
from ipgrs.extensions import db

from . import services


@click.group("cpgrams")
def cpgrams_group():
    """The CPGRAMS integration."""


@cpgrams_group.command("pull")
@with_appcontext
def pull_command():
    """Fetch new grievances from CPGRAMS now (as the beat task does) and file them."""
    click.echo(json.dumps(services.pull(db.session)))


@cpgrams_group.command("deliver")
@with_appcontext
def deliver_command():
    """Send the outbox messages that are due."""
    click.echo(json.dumps(services.deliver_due(db.session)))


@cpgrams_group.command("status")
@with_appcontext
def status_command():
    """What is received, in triage, filed; what is pending, sent, dead."""
    summary = services.overview(db.session)
    summary["pulled_at"] = summary["pulled_at"].isoformat() if summary["pulled_at"] else None
    click.echo(json.dumps(summary))


@cpgrams_group.command("check-mapping")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def check_mapping_command(file):
    """Check config/plugins/cpgrams.yaml (or FILE) against the published grievance types."""
    import sys

    from . import mapping

    conf = services.settings()
    path = file or conf.mapping_file
    try:
        found = mapping.load_file(path, services._catalogue(db.session).grievance_types.keys())
    except mapping.ConfigInvalid as exc:
        for error in exc.errors:
            click.echo(str(error))
        click.echo(f"{len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''} in {path}", err=True)
        sys.exit(1)
    click.echo(f"OK: {len(found.entries)} mappings in {path}")


def _day(value: str, end: bool):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("use a date as YYYY-MM-DD") from None
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=timezone.utc)
    return moment


@cpgrams_group.command("reconcile")
@click.option("--since", required=True, help="First day (YYYY-MM-DD, UTC) of receipt to check.")
@click.option("--until", default=None, help="Last day (YYYY-MM-DD, UTC), inclusive; default today.")
@with_appcontext
def reconcile_command(since, until):
    """Compare CPGRAMS' status with ours for the grievances received in the range; re-queue what differs."""
    start = _day(since, end=False)
    stop = _day(until, end=True) if until else clock.now()
    if stop < start:
        raise click.BadParameter("--until is before --since")
    try:
        report = services.reconcile(db.session, start, stop)
    except services.NotConfigured as exc:
        raise click.ClickException(str(exc)) from None
    for line in report:
        click.echo(f"{line['registration_number']}: ours {line['local']}, CPGRAMS {line['remote']}: {line['action']}")
    click.echo(f"{sum(1 for r in report if r['action'] == 're-queued')} re-queued, "
               f"{sum(1 for r in report if r['action'] != 're-queued')} not checked")
