"""Kratom legal-status service: `create_app()` is the WSGI entry point (gunicorn "service:create_app()")."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import config as config_module
from .dataset import DatasetError
from .ratelimit import RateLimiter
from .snapshot import SnapshotHolder

if TYPE_CHECKING:  # `import service` stays free of Flask (the Python API needs no web stack)
    from flask import Flask

log = logging.getLogger(__name__)


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

    from . import api, cli

    api.init_app(app)
    cli.init_app(app)
    _optional_blueprints(app)
    _initial_load(app, holder)
    return app


def _optional_blueprints(app: Flask) -> None:
    """Blueprints that live in their own packages register through their init_app."""
    import importlib

    for name in (
        "service.badges",
        "service.web",
        "service.downloads",
        "service.editor",
        "service.refresh",
        "service.fastpath",  # inside the request log, outside Flask
        "service.hardening",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        if hasattr(module, "init_app"):
            module.init_app(app)


def _initial_load(app: Flask, holder: SnapshotHolder) -> None:
    from .loading import load_geo, snapshot_from_dir

    source = str(app.config["KRATOM_DATA_SOURCE"])
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    if "kratom.refresh" in app.extensions:
        # same Snapshot for a directory; adds HTTP sources and a last-good copy on disk
        app.extensions["kratom.refresh"].initial_load()
        return
    geo = load_geo(app.config)
    try:
        holder.swap(snapshot_from_dir(Path(source), geo))
        holder.last_attempt = {"at": started, "outcome": "loaded", "error": None, "source": source}
    except DatasetError as exc:
        log.error("dataset failed validation: %s", exc)
        holder.last_attempt = {
            "at": started,
            "outcome": "invalid",
            "source": source,
            "error": str(exc),
            "errors": [str(e) for e in exc.errors[:50]],
        }


def __getattr__(name: str) -> Any:
    """`from service import KratomStatus`: the Python API (service.client), loaded on first use."""
    if name in ("KratomStatus", "UnknownCode"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module 'service' has no attribute {name!r}")
