"""WSGI entry point for gunicorn: `gunicorn ipgrs.wsgi:app`."""
from .app import create_app

app = create_app()
