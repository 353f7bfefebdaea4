"""A deliberately broken plugin for the tests: its setup subscribes, then fails."""


def setup(ctx):
    ctx.subscribe("grievance.filed", lambda session, event: None)
    raise RuntimeError("this plugin is broken on purpose")
