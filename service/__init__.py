"""Kratom legal-status service: `create_app()` is the WSGI entry point (gunicorn "service:create_app()")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import config as config_module
from .ratelimit import RateLimiter
from .snapshot import SnapshotHolder

if TYPE_CHECKING:  # `import service` stays free of Flask (the Python API needs no web stack)
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from flask import Flask

    app = Flask(__name__)
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.update(config_module.from_environment())
    if overrides:
        app.config.update(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False

    holder = SnapshotHolder()
    app.extensions["kratom.holder"] = holder
    app.extensions["kratom.batch_limiter"] = RateLimiter(
        int(app.config["KRATOM_BATCH_RATE_PER_MINUTE"]),
        path=app.config.get("KRATOM_RATE_LIMIT_FILE") or None,
    )

    from . import api, badges, cli, downloads, editor, fastpath, hardening, refresh, web

    api.init_app(app)  # JSON v1, errors, /healthz, /readyz, /openapi.json
    cli.init_app(app)  # `flask data ...`
    badges.init_app(app)  # /badge/*, /embed/*
    web.init_app(app)  # reader pages, /feed.atom
    downloads.init_app(app)  # /downloads/*, /changes.ics
    editor.init_app(app)  # /about/data, `flask data validate|diff|report`
    refresh.init_app(app)  # /metrics, /admin/reload, the refresh scheduler
    if cli.offline_command():
        return app  # `flask data ...`, `flask routes`: no data, no logging set-up, no threads
    fastpath.init_app(app)  # WSGI: inside the request log, outside Flask
    hardening.init_app(app)  # WSGI: headers, limits, request log (outermost), ProxyFix
    _initial_load(app)
    return app


def _initial_load(app: Flask) -> None:
    """The source, or else the last-good local copy (service.refresh.job.initial_load)."""
    app.extensions["kratom.refresh"].initial_load()


def __getattr__(name: str) -> Any:
    """`from service import KratomStatus`: the Python API (service.client), loaded on first use."""
    if name in ("KratomStatus", "UnknownCode"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module 'service' has no attribute {name!r}")
