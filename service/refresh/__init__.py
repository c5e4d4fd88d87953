"""Scheduled refresh of the dataset from its source (directory or HTTP), swapped atomically.

refresh(app) -> outcome dict    # what the scheduler, /admin/reload and tests call
"""

from __future__ import annotations

from flask import Flask

from . import boundaries, metrics, publish  # noqa: F401  (publish registers `flask data publish`)
from .job import initial_load, refresh
from .scheduler import maybe_start
from .state import Refresher

__all__ = ["init_app", "refresh"]


def init_app(app: Flask) -> None:
    from ..api import extra_paths
    from . import views

    state = Refresher(app, initial_load)
    # _initial_load (run right after this) builds geo from these files; remember which
    state.geo_fingerprint = boundaries.fingerprint(app.config)
    app.extensions["kratom.refresh"] = state
    app.register_blueprint(views.bp)
    extra_paths.register(views.OPENAPI_PATHS)
    # the request log middleware (service.hardening) times and counts every request with this
    app.extensions["kratom.observe_request"] = metrics.observe_request
    app.extensions["kratom.holder"].on_swap.append(metrics.record_snapshot)
    metrics.start_process_sampler()  # gunicorn workers only (PROMETHEUS_MULTIPROC_DIR)
    maybe_start(app)
