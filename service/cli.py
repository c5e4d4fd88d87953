"""`flask data ...`: the editors' command group.

The commands live beside what they use: validate, diff and report in service/editor,
publish in service/refresh; each registers itself on `data_cli`.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

data_cli = AppGroup("data", help="Validate, compare, report on and publish the legal dataset.")


def init_app(app: Flask) -> None:
    app.cli.add_command(data_cli)
