"""What one worker remembers between refreshes: validators, boundaries, counters."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import metrics
from .sources import Validators


class Metrics:
    """Refresh outcomes, recorded in the Prometheus metrics (service.refresh.metrics)."""

    def attempt(self, outcome: str, at: float, duration_s: float) -> None:
        metrics.record_refresh(outcome, at, duration_s)


class Refresher:
    """Stored as app.extensions["kratom.refresh"]; `_initial_load` calls `initial_load()`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.validators = Validators()
        self.geo: Any = None
        self.geo_fingerprint: tuple | None = None  # files the last geo load attempt read
        self.geo_adopted = False  # took over the index that _initial_load built
        self.geo_error: str | None = None
        self.rejected: tuple[str, dict[str, Any]] | None = None  # last invalid version
        self.last_success: dict[str, Any] | None = None
        self.metrics = Metrics()

    def initial_load(self) -> dict[str, Any]:
        from .job import initial_load

        return initial_load(self.app)
