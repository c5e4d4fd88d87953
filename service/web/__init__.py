"""Reader pages (/, /j/<code>, /map) and the Atom feed of changes (/feed.atom).

Views only format what service.resolve returns; the legal logic lives there.
"""

from __future__ import annotations

from flask import Flask

from . import errors, feed, mapview, pages  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
