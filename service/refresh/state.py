"""What one worker remembers between refreshes: validators, boundaries, counters.

Imports nothing from job.py (job.py uses this module): the start-up loader is handed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from . import metrics
from .sources import Validators

OUTCOMES = ("loaded", "unchanged", "invalid", "refused", "error", "skipped")


class Metrics:
    """Refresh outcomes, recorded in the Prometheus metrics (service.refresh.metrics)."""

    def attempt(self, outcome: str, at: float, duration_s: float) -> None:
        metrics.record_refresh(outcome, at, duration_s)


class Refresher:
    """Stored as app.extensions["kratom.refresh"]; `_initial_load` calls `initial_load()`."""

    def __init__(self, app: Flask, loader: Callable[[Flask], dict[str, Any]]) -> None:
        self.app = app
        self._loader = loader
        self.validators = Validators()
        self.geo: Any = None
        self.geo_fingerprint: tuple | None = None  # files the last geo load attempt read
        self.geo_adopted = False  # took over the index that _initial_load built
        self.geo_error: str | None = None
        self.rejected: tuple[tuple, dict[str, Any]] | None = None  # last refused input
        self.last_success: dict[str, Any] | None = None
        self.running_since: float | None = None  # monotonic start of the attempt in progress
        self.serving_last_good = False  # until the source confirms or replaces that copy
        self.metrics = Metrics()

    def initial_load(self) -> dict[str, Any]:
        return self._loader(self.app)
