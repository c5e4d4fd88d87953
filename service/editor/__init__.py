"""Editor tooling: `flask data validate --strict`, `diff`, `report`, and the /about/data page.

`service.create_app` calls `init_app(app)` when this package exists.
"""

from __future__ import annotations

from flask import Flask

from . import cli
from .views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    cli.register()
    app.register_blueprint(bp)
