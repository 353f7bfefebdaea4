"""The `ipgrs` command: database migrations, configuration checks and publishing, demo data."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

import rules


class _Group(FlaskGroup):
    def _load_plugin_commands(self):  # our own `db` group replaces Flask-Migrate's plugin command
        return


def _create_app():
    from .app import create_app
    return create_app()


@click.group(cls=_Group, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main():
    """ipgrs: Integrated Public Grievance Redressal System."""


# --- config ----------------------------------------------------------------------------------

@click.group("config")
def config_group():
    """Check, publish and export department configuration."""


@config_group.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Also list posts with no officer in some district (reads officer postings from the database).")
def validate_command(directory, show_coverage):
    """Check every department file in DIRECTORY (default: IPGRS_CONFIG_DIR or ./config).

    Errors (exit status 1) come first, then the rule analysis as warnings (shadowed rules, overlapping
    rules, routing gaps, escalation chains ending below state level), which do not change the exit status."""
    from rules.analysis import analyse

    from . import settings

    directory = directory or settings.from_environment_safe_config_dir()
    if not Path(directory).is_dir():
        click.echo(f"{directory}: no such directory", err=True)
        sys.exit(1)
    try:
        catalogue = rules.load_directory(directory)
    except rules.ConfigInvalid as exc:
        for error in exc.errors:
            click.echo(str(error))
        sound = _catalogue_without(directory, {e.file for e in exc.errors})
        for finding in analyse(sound) if sound is not None else ():
            click.echo(str(finding))
        files = len({e.file for e in exc.errors})
        click.echo(f"{len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''} in {files} file{'s' if files != 1 else ''}", err=True)
        sys.exit(1)
    findings = analyse(catalogue)
    for finding in findings:
        click.echo(str(finding))
    if show_coverage:
        _print_coverage(catalogue)
    warnings = f"; {len(findings)} warning{'s' if len(findings) != 1 else ''}" if findings else ""
    click.echo(f"OK: {catalogue.summary()} (version {catalogue.version[:12]}){warnings}")


def _catalogue_without(directory, bad_files) -> rules.Catalogue | None:
    """The catalogue of the files that have no errors, so their warnings can be shown beside the others' errors."""
    jurisdictions, files = rules.read_directory(directory)
    good = {name: raw for name, raw in files.items() if name not in bad_files}
    if jurisdictions is None or jurisdictions[0] in bad_files or not good:
        return None
    try:
        return rules.build_catalogue(jurisdictions, good)
    except rules.ConfigInvalid:
        return None


def _app_context():
    """The current app context, or the app's own one (commands that need the database only sometimes)."""
    import contextlib

    from flask import has_app_context
    from flask.cli import ScriptInfo

    if has_app_context():
        return contextlib.nullcontext()
    return click.get_current_context().ensure_object(ScriptInfo).load_app().app_context()


def _print_coverage(catalogue) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from .catalog.coverage import coverage
    from .extensions import db

    try:
        with _app_context():
            lines = [line for code in catalogue.departments for line in coverage(db.session, catalogue, code).lines()]
    except SQLAlchemyError as exc:
        click.echo(f"coverage not shown: the database cannot be read ({type(exc).__name__}); run `ipgrs db upgrade` "
                   "and import officers first", err=True)
        return
    for line in lines:
        click.echo(f"coverage: {line}")
    if not lines:
        click.echo("coverage: every post is held in every district")


@config_group.command("publish")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--message", "-m", default="", help="Why this version is published.")
@click.option("--author", default="cli", help="Who publishes (recorded with the version).")
@with_appcontext
def publish_command(directory, message, author):
    """Validate DIRECTORY and publish it as a new version of the catalogue."""
    from .catalog import services as catalog_services
    from .configuration import services
    from .extensions import db

    directory = directory or current_app.config["IPGRS_CONFIG_DIR"]
    latest = catalog_services.latest_version_id(db.session)
    with click.progressbar(length=4, label="publishing", show_pos=True, file=sys.stderr,
                           item_show_func=lambda label: label) as bar:
        def progress(step, total, label):
            bar.update(step - bar.pos, label)
        try:
            version, catalogue = services.publish_directory(db.session, directory, author=author, message=message,
                                                            only_if_changed=True, progress=progress)
        except rules.ConfigInvalid as exc:
            errors = exc.errors
        else:
            errors = None
    if errors is not None:
        for error in errors:
            click.echo(str(error))
        click.echo(f"not published: {len(errors)} errors; the published version keeps serving", err=True)
        sys.exit(1)
    if version.id == latest:
        click.echo(f"unchanged: version {version.id} already has this content ({catalogue.version[:12]}); nothing published")
        return
    click.echo(f"published version {version.id}: {catalogue.summary()} ({catalogue.version[:12]})")


@config_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def export_command(directory):
    """Write the published version of every department back to YAML files in DIRECTORY.

    `ipgrs config publish DIRECTORY` of the export publishes nothing new: it has the same content hash."""
    from .catalog import services
    from .extensions import db

    version = services.latest_version(db.session)
    if version is None:
        click.echo("nothing to export: no version has been published yet", err=True)
        sys.exit(1)
    try:
        written = services.export_version(version, directory)
    except services.ExportRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"exported version {version.id} ({version.content_hash[:12]}, published {version.published_at:%Y-%m-%d %H:%M} "
               f"by {version.published_by}): {len(written) - 1} department files and jurisdictions.yaml to {directory}")


@config_group.command("simulate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Grievances filed on or after this date (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Grievances filed on or before this date.")
@click.option("--department", "department_code", help="The department to simulate (default: every department that "
              "differs from the published version).")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Re-decide at most this many grievances per department, the most recent first.")
@click.option("--examples", default=10, show_default=True, type=click.IntRange(0, 1000), help="Changed grievances to show.")
@with_appcontext
def simulate_command(directory, since, until, department_code, limit, examples):
    """Re-decide recent grievances under the configuration in DIRECTORY, without changing anything, and show
    how many would be routed, timed or escalated differently."""
    from .catalog import services, simulation
    from .extensions import db

    try:
        catalogue = rules.load_directory(directory)
    except rules.ConfigInvalid as exc:
        for error in exc.errors:
            click.echo(str(error))
        click.echo(f"not simulated: {len(exc.errors)} errors", err=True)
        sys.exit(1)
    if department_code:
        if department_code not in catalogue.departments:
            click.echo(f"{directory} has no department {department_code}", err=True)
            sys.exit(1)
        codes = [department_code]
    else:
        codes = services.changed_departments(db.session, catalogue)
        if not codes:
            click.echo("no department differs from the published version; give --department to simulate one anyway")
            return
    for code in codes:
        with _ProgressBar(f"re-deciding {code}") as bar:
            report = simulation.simulate(db.session, catalogue, code, since=since.date() if since else None,
                                         until=until.date() if until else None, limit=limit, progress=bar.update,
                                         max_examples=examples)
        click.echo(f"{code}: {report.summary()}")
        for example in report.examples:
            click.echo(_example_lines(example))


class _ProgressBar:
    """click's progress bar, created when the total is known (it draws only on a terminal)."""

    def __init__(self, label: str):
        self.label, self.bar, self.done = label, None, 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _example_lines(example: dict) -> str:
    def side(d):
        if d is None:
            return "routed by no rule"
        days = "/".join(str(x) for x in d["timeline_days"])
        rules_text = ", ".join(f"'{r}'" for r in d["rules"])
        return f"{d['post']} ({d['jurisdiction']}), {days} working days, {' → '.join(d['escalation'])}; by {rules_text}"

    lines = [f"  {example['number']} {example['grievance_type']}: {', '.join(example['changes'])} changed",
             f"    published: {side(example['old'])}", f"    draft:     {side(example['new'])}"]
    if example.get("problem"):
        lines.append(f"    ({example['problem']})")
    return "\n".join(lines)


main.add_command(config_group)


# --- db ----------------------------------------------------------------------------------------

@click.group("db")
def db_group():
    """Database migrations (Alembic via Flask-Migrate)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision):
    """Migrate the database to REVISION (default: head) and sync roles and permissions."""
    from .database import upgrade

    upgrade(revision)
    click.echo(f"database at {revision}: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision_command(message):
    """Autogenerate a migration from the models (for developers)."""
    import flask_migrate

    flask_migrate.migrate(message=message)


@db_group.command("current")
@with_appcontext
def current_command():
    import flask_migrate

    flask_migrate.current()


main.add_command(db_group)


@main.command("escalate")
@with_appcontext
def escalate_command():
    """Escalate every grievance past its due date (what the beat task does every minute)."""
    from .extensions import db
    from .grievances.escalation import sweep

    totals = sweep(db.session)
    click.echo(f"escalated {totals['escalated']}, flagged critical {totals['critical']}, "
               f"already handled {totals['skipped']}, in {totals['batches']} batches")


@click.group("officers")
def officers_group():
    """Officers and their postings."""


@officers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_officers_command(file):
    """Import officers and postings from a CSV file (all rows or none): department, post, district, taluk,
    name, mobile, email[, additional_charge]."""
    from .extensions import db
    from .officers import importer

    with click.progressbar(length=1, label="importing", show_pos=True, file=sys.stderr) as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)
        try:
            report = importer.import_officers(db.session, Path(file).read_bytes(), progress=progress)
        except importer.ImportInvalid as exc:
            report, invalid = None, exc
    if report is None:
        exc = invalid
        for error in exc.errors:
            click.echo(error)
        click.echo(f"nothing imported: {exc}", err=True)
        sys.exit(1)
    click.echo(f"imported {report.summary()}")


main.add_command(officers_group)


@main.command("seed-demo")
@click.option("--history", "history", type=click.IntRange(0, 1_000_000), default=0,
              help="Also file this many demo grievances over the last months (dashboards need a history).")
@click.option("--days", type=click.IntRange(1, 3650), default=180, help="How many days the history spans.")
@with_appcontext
def seed_demo_command(history, days):
    """Create the demo logins (idempotent) and print them; with --history N, add N grievances of demo history."""
    from .demo import print_logins, seed

    print_logins(seed())
    if history:
        import time

        from .dashboards.history import seed_history
        from .dashboards.rollups import refresh
        from .extensions import db

        started = time.perf_counter()
        written = seed_history(db.session, history, days=days)
        record = refresh(db.session)
        click.echo(f"Demo history: {written['grievances']} grievances ({written['events']} events) over {days} days "
                   f"in {time.perf_counter() - started:.1f} s; dashboards refreshed ({record.rows} rollup rows).")


@main.group("dashboards")
def dashboards_group():
    """The dashboards' rollup."""


@dashboards_group.command("refresh")
@with_appcontext
def dashboards_refresh_command():
    """Rebuild the dashboards' rollup now (the beat task does it every DASHBOARD_REFRESH_SECONDS)."""
    from .dashboards.rollups import refresh
    from .extensions import db

    record = refresh(db.session)
    click.echo(f"Dashboards as of {record.as_of.isoformat()}: {record.grievances} grievances in {record.rows} rollup rows, "
               f"{record.seconds:.2f} s.")


# --- i18n ------------------------------------------------------------------------------------------

@click.group("i18n")
def i18n_group():
    """English and Kannada: check and compile the translation catalogues (docs/i18n.md)."""


@i18n_group.command("check")
@click.option("--config", "config_dir", type=click.Path(file_okay=False), help="Department configuration (default: IPGRS_CONFIG_DIR or ./config).")
@click.option("--translations", type=click.Path(file_okay=False), help="The gettext catalogues (default: ipgrs/translations).")
@click.option("--source", type=click.Path(file_okay=False), help="The source tree with babel.cfg (default: the checkout ipgrs runs from).")
def i18n_check_command(config_dir, translations, source):
    """Fail when a string of the code or an entry of the catalogue YAML has no Kannada."""
    from . import i18n, settings

    config_dir = Path(config_dir or settings.from_environment_safe_config_dir())
    translations = Path(translations) if translations else i18n.TRANSLATIONS
    source = Path(source) if source else Path(__file__).resolve().parent.parent
    problems = i18n.check_catalogue(translations) + i18n.check_yaml(config_dir) + i18n.check_tables()
    if (source / "babel.cfg").exists():
        problems += i18n.check_extracted(source, translations)
    else:
        click.echo(f"{source}: no babel.cfg, so the code's strings were not extracted (run from a checkout)", err=True)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} string{'s' if len(problems) != 1 else ''} without Kannada", err=True)
        sys.exit(1)
    click.echo("OK: every string of the code and the catalogue has its Kannada")


@i18n_group.command("compile")
def i18n_compile_command():
    """Compile the .po catalogues to .mo (the app also does this at start when a .mo is missing or stale)."""
    from . import i18n

    written = i18n.compile_catalogues(force=True)
    click.echo("compiled " + (", ".join(str(p) for p in written) or "nothing"))


main.add_command(i18n_group)


def register_flask_commands(app) -> None:
    """Nothing extra today; kept so `flask --app ipgrs` users get the same commands."""
    app.cli.add_command(config_group)


def run() -> None:
    """Console entry point: configuration mistakes are one sentence, not a traceback."""
    from .settings import SettingsError

    try:
        main(standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"ipgrs: {exc}", err=True)
        sys.exit(2)
