"""SVG status badges, shields.io endpoint JSON, the embeddable card and the example article.

Register with `app.register_blueprint(service.badges.bp)` (or `service.badges.init_app(app)`).
"""

from __future__ import annotations

from flask import Flask

from . import embed, views  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp
from .cache import BadgeCache

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    from ..api import extra_paths
    from .openapi_paths import PATHS

    app.extensions.setdefault("kratom.badge_cache", BadgeCache())
    app.register_blueprint(bp)
    extra_paths.register(PATHS)
