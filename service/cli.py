"""`flask data ...`: the editors' command group, and how `create_app` tells a command from a server.

The commands live beside what they use: validate, diff and report in service/editor,
publish in service/refresh; each registers itself on `data_cli`. They read their own files, so
`create_app` loads nothing for them: no dataset, no boundaries, no scheduler, no log set-up, and
nothing written to the cache directory (`offline_command`).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

data_cli = AppGroup("data", help="Validate, compare, report on and publish the legal dataset.")

# `flask` commands that serve requests (and so need the data, the logs and the scheduler).
SERVING_COMMANDS = frozenset({"run"})


def offline_command() -> str | None:
    """The `flask` command being run when it is not a server, else None.

    Flask builds the app while it resolves `flask data validate` (inside the top-level group,
    before the sub-command exists) and inside `flask run`'s own context, so any `flask`
    context that is not `run` is an offline command. gunicorn, tests and scripts run outside
    click and always get a serving app."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not isinstance(ctx.find_root().command, FlaskGroup):
        return None
    name = ctx.command.name or ctx.info_name or "flask"
    return None if name in SERVING_COMMANDS else name


def init_app(app: Flask) -> None:
    app.cli.add_command(data_cli)
