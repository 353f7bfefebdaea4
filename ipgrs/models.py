"""Imports every model module so that Alembic and the tests see the whole schema."""
from flask_appbuilder.security.sqla import models as security  # noqa: F401

from .catalog import models as catalog  # noqa: F401
from .citizens import models as citizens  # noqa: F401,E402
from .grievances import models as grievances  # noqa: F401,E402
from .officers import models as officers  # noqa: F401,E402
from .notifications import models as notifications  # noqa: F401,E402
from .configuration import models as configuration  # noqa: F401,E402
from .plugins import models as plugins  # noqa: F401,E402
from .plugins import import_plugin_models  # noqa: E402

import_plugin_models()  # installed plugins' tables are created by the platform's migrations (docs/plugins.md)
from .dashboards import models as dashboards  # noqa: F401,E402
from .open311 import models as open311  # noqa: F401,E402
from .logins import models as logins  # noqa: F401,E402
