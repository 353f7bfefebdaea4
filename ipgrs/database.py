"""Schema migrations and the roles and permissions FAB needs once the schema exists."""
from __future__ import annotations

import flask_migrate
from flask import current_app
from flask_appbuilder.security.manager import BaseSecurityManager


def upgrade(revision: str = "head") -> None:
    flask_migrate.upgrade(revision=revision)
    sync_permissions()


def sync_permissions() -> None:
    """FAB_CREATE_DB is off (Alembic owns the tables), so builtin roles and view permissions are created
    here; FAB grants every new view permission to the Admin role as it adds it."""
    appbuilder = current_app.appbuilder
    BaseSecurityManager.create_db(appbuilder.sm)
    appbuilder.add_permissions(update_perms=True)
