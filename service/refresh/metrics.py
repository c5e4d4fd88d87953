"""Prometheus text exposition (format 0.0.4), written by hand: a dozen lines need no library.

Values are per worker process (each gunicorn worker holds its own dataset); the `pid` label
of kratom_worker_info tells the series apart when scraping workers one by one.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from ..snapshot import SnapshotHolder
from .state import Metrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: Any) -> str:
    text = str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _ts(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return dt.datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def render(holder: SnapshotHolder, metrics: Metrics) -> str:
    m = metrics.snapshot()
    snap = holder.current
    now = time.time()
    lines: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[dict, float]]) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            lab = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{lab}}} {value:g}" if lab else f"{name} {value:g}")

    metric(
        "kratom_refresh_attempts_total", "counter", "Refresh attempts by outcome.",
        [({"outcome": k}, v) for k, v in sorted(m["attempts"].items())],
    )  # fmt: skip
    metric("kratom_worker_info", "gauge", "This worker process.", [({"pid": os.getpid()}, 1)])
    if snap is not None:
        info = {"version": snap.version, "source": snap.source, "published": snap.published}
        if snap.geo is not None:
            info["boundaries_version"] = str(snap.geo.version)[:16]
        metric("kratom_dataset_info", "gauge", "The dataset version serving.", [(info, 1)])
        loaded = snap.loaded_at.timestamp()
        published = _ts(snap.published) or loaded
        metric(
            "kratom_dataset_loaded_timestamp_seconds", "gauge",
            "When this worker loaded the serving dataset.", [({}, loaded)],
        )  # fmt: skip
        metric(
            "kratom_dataset_published_timestamp_seconds", "gauge",
            "When the serving dataset was published (newest file time for directories).",
            [({}, published)],
        )  # fmt: skip
        metric(
            "kratom_dataset_age_seconds", "gauge", "Seconds since the serving dataset was published.",
            [({}, max(0.0, now - published))],
        )  # fmt: skip
        metric(
            "kratom_dataset_jurisdictions", "gauge", "Jurisdictions in the serving dataset.",
            [({}, len(snap.dataset.jurisdictions))],
        )  # fmt: skip
    metric(
        "kratom_dataset_ready", "gauge", "1 while a good dataset serves.",
        [({}, 1 if snap is not None else 0)],
    )  # fmt: skip
    if m["last_attempt_ts"] is not None:
        metric(
            "kratom_refresh_last_attempt_timestamp_seconds", "gauge",
            "When the last refresh attempt ran.", [({}, m["last_attempt_ts"])],
        )  # fmt: skip
        metric(
            "kratom_refresh_last_duration_seconds", "gauge",
            "How long the last refresh attempt took.", [({}, m["last_duration_s"] or 0)],
        )  # fmt: skip
    if m["last_success_ts"] is not None:
        metric(
            "kratom_refresh_last_success_timestamp_seconds", "gauge",
            "When a refresh last succeeded (loaded or unchanged).", [({}, m["last_success_ts"])],
        )  # fmt: skip
    last = holder.last_attempt or {}
    metric(
        "kratom_refresh_last_ok", "gauge", "1 if the last refresh attempt succeeded.",
        [({}, 1 if last.get("outcome") in ("loaded", "unchanged", None) else 0)],
    )  # fmt: skip
    metric(
        "kratom_http_requests_total", "counter", "HTTP responses by status code (this worker).",
        [({"status": k}, v) for k, v in sorted(m["requests"].items())],
    )  # fmt: skip
    return "\n".join(lines) + "\n"
