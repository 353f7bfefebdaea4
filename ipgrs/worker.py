"""Entry point for `celery -A ipgrs.worker worker` and `celery -A ipgrs.worker beat`."""
from .app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
