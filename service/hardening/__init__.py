"""Cross-cutting protection for every route: security headers, request ids, JSON-lines logs,
a body-size guard, ProxyFix and the configured public base URL. `create_app()` calls `init_app(app)` after the blueprints."""

from __future__ import annotations

from flask import Flask

from . import headers, limits, proxy, publicurl, requestlog


def init_app(app: Flask) -> None:
    publicurl.init_app(app)
    headers.init_app(app)
    limits.init_app(app)
    requestlog.init_app(app)  # wraps wsgi_app: outermost, so it times and ids everything
    proxy.init_app(app)  # innermost: the app sees the client's address, the log sees all
