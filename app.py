"""`python app.py` (what `make run` calls): the embedded default, ready in one command.

Migrates the database, publishes config/ if it changed, seeds the demo logins and serves on
http://127.0.0.1:$PORT. Production runs gunicorn on ipgrs.wsgi:app instead (see README).
"""
from __future__ import annotations

import sys

import rules
from ipgrs import create_app


def main() -> int:
    app = create_app()
    with app.app_context():
        from ipgrs.configuration import services
        from ipgrs.database import upgrade
        from ipgrs.demo import print_logins, seed
        from ipgrs.extensions import db

        upgrade()
        try:
            version, catalogue = services.publish_directory(
                db.session, app.config["IPGRS_CONFIG_DIR"], author="make run",
                message="published at start-up from the config directory", only_if_changed="files")
        except rules.ConfigInvalid as exc:
            print("\n".join(str(e) for e in exc.errors), file=sys.stderr)
            print("config/ has errors (above); serving the last published version, if any.", file=sys.stderr)
        else:
            print(f"Catalogue version {version.id}: {catalogue.summary()}")
        print_logins(seed())
    from ipgrs import plugins
    from ipgrs.tasks import start_inprocess_beat

    plugins.serving(app)  # plugins' demo companions, e.g. the CPGRAMS simulator (docs/plugins.md)

    start_inprocess_beat(app)  # notification retries and (later) escalation sweeps, without a broker
    from ipgrs.demo import seed_history_once

    seed_history_once(app)  # the first start only: months of grievances for the dashboards (ipgrs seed-demo --history N adds more)
    port = app.config["PORT"]
    print(f"Serving ipgrs on http://127.0.0.1:{port}  (Celery tasks run in-process; Ctrl+C stops)")
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
