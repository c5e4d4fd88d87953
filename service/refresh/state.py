"""What one worker remembers between refreshes: validators, boundaries, counters.

Imports nothing from job.py (job.py uses this module): the start-up loader is handed in."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Flask

from .sources import Validators

OUTCOMES = ("loaded", "unchanged", "invalid", "refused", "error", "skipped")


class Metrics:
    """Per-process counters for /metrics; increments are cheap and take a short lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.attempts: Counter[str] = Counter({o: 0 for o in OUTCOMES})
        self.requests: Counter[int] = Counter()
        self.last_attempt_ts: float | None = None
        self.last_success_ts: float | None = None
        self.last_duration_s: float | None = None

    def attempt(self, outcome: str, at: float, duration_s: float) -> None:
        with self._lock:
            self.attempts[outcome] += 1
            if outcome != "skipped":
                self.last_attempt_ts = at
                self.last_duration_s = duration_s
            if outcome in ("loaded", "unchanged"):
                self.last_success_ts = at

    def request(self, status: int) -> None:
        with self._lock:
            self.requests[status] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "attempts": dict(self.attempts),
                "requests": dict(self.requests),
                "last_attempt_ts": self.last_attempt_ts,
                "last_success_ts": self.last_success_ts,
                "last_duration_s": self.last_duration_s,
            }


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
