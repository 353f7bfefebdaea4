"""Imports every model module so that Alembic and the tests see the whole schema."""
from flask_appbuilder.security.sqla import models as security  # noqa: F401

from .catalog import models as catalog  # noqa: F401
