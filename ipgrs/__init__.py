"""ipgrs platform: the Flask-AppBuilder application around the rules engine (the package is not called
`platform` because that name would shadow Python's standard-library module)."""
from .app import create_app

__all__ = ["create_app"]
