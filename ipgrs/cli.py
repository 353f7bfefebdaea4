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
def validate_command(directory):
    """Check every department file in DIRECTORY (default: IPGRS_CONFIG_DIR or ./config)."""
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
        files = len({e.file for e in exc.errors})
        click.echo(f"{len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''} in {files} file{'s' if files != 1 else ''}", err=True)
        sys.exit(1)
    click.echo(f"OK: {catalogue.summary()} (version {catalogue.version[:12]})")


@config_group.command("publish")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--message", "-m", default="", help="Why this version is published.")
@click.option("--author", default="cli", help="Who publishes (recorded with the version).")
@with_appcontext
def publish_command(directory, message, author):
    """Validate DIRECTORY and publish it as a new version of the catalogue."""
    from .catalog import services
    from .extensions import db

    directory = directory or current_app.config["IPGRS_CONFIG_DIR"]
    try:
        version, catalogue = services.publish_directory(db.session, directory, author=author, message=message)
    except rules.ConfigInvalid as exc:
        for error in exc.errors:
            click.echo(str(error))
        click.echo(f"not published: {len(exc.errors)} errors; the published version keeps serving", err=True)
        sys.exit(1)
    click.echo(f"published version {version.id}: {catalogue.summary()} ({catalogue.version[:12]})")


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

    try:
        report = importer.import_officers(db.session, Path(file).read_bytes())
    except importer.ImportInvalid as exc:
        for error in exc.errors:
            click.echo(error)
        click.echo(f"nothing imported: {exc}", err=True)
        sys.exit(1)
    click.echo(f"imported {report.summary()}")


main.add_command(officers_group)


@main.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo logins (idempotent) and print them."""
    from .demo import print_logins, seed

    print_logins(seed())


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
