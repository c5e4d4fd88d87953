"""Open downloads: every jurisdiction's status as CSV, GeoJSON and Parquet, changes as iCalendar.

Register with `service.downloads.init_app(app)`; `build` and `write_all` make the same files
without Flask's request machinery (used by `flask data publish`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .build import FILES, build, status_rows, write_all

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["FILES", "build", "init_app", "status_rows", "write_all"]


def init_app(app: Flask) -> None:
    from ..api import extra_paths
    from .openapi_paths import PATHS
    from .views import bp

    app.register_blueprint(bp)
    extra_paths.register(PATHS)
