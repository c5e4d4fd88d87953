"""Prometheus metrics with prometheus_client, true for the whole server however many workers.

Under gunicorn each worker is a process with its own counters. `gunicorn.conf.py` points
PROMETHEUS_MULTIPROC_DIR at a fresh directory before the workers fork; prometheus_client then
keeps every value in a small memory-mapped file per worker, and a scrape (answered by any one
worker) sums the counters and histograms of all workers, past and present, so a counter never
goes backwards when the load balancer alternates workers or gunicorn replaces one. Per-worker
gauges (dataset version, refresh times, memory) carry a `pid` label and vanish with their
worker (`child_exit` -> `mark_process_dead`). Without the variable (flask run, tests) the
ordinary in-process registry serves, with the client's own process and GC collectors.

Recording is on the hot path (`observe_request` runs once per request, from the request log
middleware): the label children are looked up once and kept, so a request costs one counter
increment and one histogram observation.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes; every scraper reads it
disable_created_metrics()  # no `_created` series: multiprocess mode cannot have them either
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
# gunicorn.conf.py takes this lock exclusively while it folds a dead worker's files into the
# archive; a scrape takes it shared, so it never sees a worker's counts twice or not at all.
SCRAPE_LOCK = "scrape.lock"
PROCESS_SAMPLE_SECONDS = 5.0

# Latency buckets: the fast path answers in well under a millisecond, p99 target is 10 ms,
# a cold batch or page can take a second.
DURATION_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
)  # fmt: skip

REQUESTS = Counter(
    "kratom_http_requests", "HTTP responses by route family and status code.", ["route", "status"]
)
DURATION = Histogram(
    "kratom_http_request_duration_seconds",
    "Time from receiving a request to sending the last byte of its answer, by route family.",
    ["route"],
    buckets=DURATION_BUCKETS,
)
REFRESHES = Counter("kratom_refresh_attempts", "Dataset refresh attempts by outcome.", ["outcome"])
REFRESH_DURATION = Histogram(
    "kratom_refresh_duration_seconds",
    "How long refresh attempts took (read, validate, swap).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


def _worker_gauge(name: str, doc: str, labels: Iterable[str] = (), **kw: Any) -> Gauge:
    """One value per live worker (a `pid` label under gunicorn), dropped when it exits."""
    return Gauge(name, doc, list(labels), multiprocess_mode="liveall", **kw)


DATASET_INFO = _worker_gauge(
    "kratom_dataset_info",
    "1 for the dataset version this worker serves; 0 for versions it served before.",
    ["version", "published", "boundaries"],
)
DATASET_READY = _worker_gauge("kratom_dataset_ready", "1 once this worker serves a dataset.")
DATASET_LOADED = _worker_gauge(
    "kratom_dataset_loaded_timestamp_seconds", "When this worker swapped in its dataset."
)
PUBLISHED_NAME = "kratom_dataset_published_timestamp_seconds"
DATASET_PUBLISHED = _worker_gauge(
    PUBLISHED_NAME,
    "When the dataset this worker serves was published (see /v1/meta dataset.published_from).",
)
DATASET_JURISDICTIONS = _worker_gauge(
    "kratom_dataset_jurisdictions", "Jurisdictions in the dataset this worker serves."
)
REFRESH_LAST_ATTEMPT = _worker_gauge(
    "kratom_refresh_last_attempt_timestamp_seconds", "When this worker last tried a refresh."
)
REFRESH_LAST_SUCCESS = _worker_gauge(
    "kratom_refresh_last_success_timestamp_seconds",
    "When a refresh last succeeded in this worker (loaded or unchanged).",
)
REFRESH_LAST_OK = _worker_gauge(
    "kratom_refresh_last_ok", "1 if this worker's last refresh attempt succeeded."
)
AGE_NAME = "kratom_dataset_age_seconds"  # derived at scrape time from the published timestamp

# -- requests ---------------------------------------------------------------------------------

# Route families: few, fixed label values, whatever the path (no codes, no query strings).
_EXACT = {
    "/v1/lookup": "lookup",
    "/v1/lookup/batch": "batch",
    "/v1/jurisdictions": "jurisdictions",
    "/v1/changes": "changes",
    "/v1/meta": "meta",
    "/badge.svg": "badge",
    "/feed.atom": "feed",
    "/healthz": "health",
    "/readyz": "health",
    "/metrics": "metrics",
    "/openapi.json": "openapi",
    "/": "page",
    "/map": "page",
    "/example": "page",
    "/about/data": "page",
}
_PREFIXES = (
    ("/v1/jurisdictions/", "jurisdiction"),
    ("/badge/", "badge"),
    ("/embed/", "embed"),
    ("/j/", "page"),
    ("/static/", "static"),
    ("/embed-static/", "static"),
    ("/about/data/static/", "static"),
    ("/admin/", "admin"),
)
ROUTE_FAMILIES = (*sorted(set(_EXACT.values()) | {f for _, f in _PREFIXES}), "other")


def route_family(path: str) -> str:
    family = _EXACT.get(path)
    if family is not None:
        return family
    for prefix, name in _PREFIXES:
        if path.startswith(prefix):
            return name
    return "other"


_counters: dict[tuple[str, int], Any] = {}
_histograms: dict[str, Any] = {}


def observe_request(environ: dict[str, Any], status: int, seconds: float) -> None:
    """Count one answered request and its duration (called by the request log middleware)."""
    family = route_family(environ.get("PATH_INFO", ""))
    counter = _counters.get((family, status))
    if counter is None:
        counter = _counters[(family, status)] = REQUESTS.labels(family, str(status))
    counter.inc()
    histogram = _histograms.get(family)
    if histogram is None:
        histogram = _histograms[family] = DURATION.labels(family)
    histogram.observe(seconds)


# -- dataset and refresh ----------------------------------------------------------------------

_info_labels: set[tuple[str, str, str]] = set()
_info_lock = threading.Lock()


def _timestamp(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def record_snapshot(snap: Any) -> None:
    """The dataset this process now serves (SnapshotHolder calls this on every swap)."""
    geo_version = str(snap.geo.version)[:16] if snap.geo is not None else ""
    labels = (snap.version, snap.published, geo_version)
    with _info_lock:
        for old in _info_labels - {labels}:
            DATASET_INFO.labels(*old).set(0)
        _info_labels.add(labels)
        DATASET_INFO.labels(*labels).set(1)
    DATASET_READY.set(1)
    DATASET_LOADED.set(snap.loaded_at.timestamp())
    published = _timestamp(snap.published)
    DATASET_PUBLISHED.set(published if published is not None else snap.loaded_at.timestamp())
    DATASET_JURISDICTIONS.set(len(snap.dataset.jurisdictions))


def record_refresh(outcome: str, at: float, duration_s: float) -> None:
    """One refresh attempt (the refresh job calls this through `Refresher.metrics`)."""
    REFRESHES.labels(outcome).inc()
    if outcome == "skipped":  # another attempt was running; it reports itself
        return
    REFRESH_DURATION.observe(duration_s)
    REFRESH_LAST_ATTEMPT.set(at)
    ok = outcome in ("loaded", "unchanged")
    REFRESH_LAST_OK.set(1 if ok else 0)
    if ok:
        REFRESH_LAST_SUCCESS.set(at)


for _outcome in ("loaded", "unchanged", "invalid", "error", "skipped"):
    REFRESHES.labels(_outcome)  # every outcome is exported from the start, at 0


# -- process figures under gunicorn -----------------------------------------------------------

_process: dict[str, Any] = {}


def _process_metrics() -> dict[str, Any]:
    """Per-worker copies of the standard process_* figures: the client's ProcessCollector
    reads /proc for the scraping process only, so in multiprocess mode each worker writes
    its own figures into its file (every few seconds, from a daemon thread)."""
    if not _process:
        _process.update(
            cpu=Counter(
                "process_cpu_seconds",
                "Total user and system CPU time of all workers.",
                registry=None,
            ),
            rss=_worker_gauge(
                "process_resident_memory_bytes", "Resident memory of this worker.", registry=None
            ),
            vms=_worker_gauge(
                "process_virtual_memory_bytes", "Virtual memory of this worker.", registry=None
            ),
            fds=_worker_gauge("process_open_fds", "Open file descriptors.", registry=None),
            start=_worker_gauge(
                "process_start_time_seconds", "Start time of this worker.", registry=None
            ),
            reader=ProcessCollector(registry=None),
            cpu_seen=0.0,
        )
    return _process


_sample_lock = threading.Lock()  # the sampler thread and a scrape may sample at once


def sample_process() -> None:
    """Copy this worker's /proc figures into its metrics file."""
    with _sample_lock:
        _sample_process()


def _sample_process() -> None:
    m = _process_metrics()
    values = {
        s.name: s.value for family in m["reader"].collect() for s in family.samples
    }  # an empty dict where /proc is missing
    if "process_cpu_seconds_total" in values:
        cpu = values["process_cpu_seconds_total"]
        if cpu > m["cpu_seen"]:
            m["cpu"].inc(cpu - m["cpu_seen"])
            m["cpu_seen"] = cpu
    for key, name in (
        ("rss", "process_resident_memory_bytes"),
        ("vms", "process_virtual_memory_bytes"),
        ("fds", "process_open_fds"),
        ("start", "process_start_time_seconds"),
    ):
        if name in values:
            m[key].set(values[name])


_sampler_pid: int | None = None
_stop = threading.Event()  # only tests stop the sampler


def start_process_sampler() -> None:
    """Once per worker process, in multiprocess mode only."""
    global _sampler_pid
    if MULTIPROC_DIR is None or _sampler_pid == os.getpid():
        return
    _sampler_pid = os.getpid()
    sample_process()

    def loop() -> None:
        while not _stop.wait(PROCESS_SAMPLE_SECONDS):
            sample_process()

    threading.Thread(target=loop, name="process-metrics", daemon=True).start()


# -- exposition -------------------------------------------------------------------------------


@contextmanager
def _shared_lock(directory: str) -> Iterator[None]:
    fd = os.open(os.path.join(directory, SCRAPE_LOCK), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


class _Exposition:
    """What a scrape reads: the registry (or every worker's files), plus the dataset age
    computed now from each worker's published timestamp."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory

    def _families(self) -> list[Metric]:
        if self.directory is None:
            return list(REGISTRY.collect())
        with _shared_lock(self.directory):
            return list(MultiProcessCollector(None, self.directory).collect())

    def collect(self) -> Iterator[Metric]:
        now = time.time()
        for family in self._families():
            yield family
            if family.name == PUBLISHED_NAME:
                age = Metric(AGE_NAME, "Seconds since the served dataset was published.", "gauge")
                for s in family.samples:
                    if s.value > 0:  # 0: this worker has not loaded a dataset yet
                        age.add_sample(AGE_NAME, dict(s.labels), max(0.0, now - s.value))
                yield age


def render() -> bytes:
    """The text exposition of the whole server (all workers under gunicorn)."""
    if MULTIPROC_DIR is not None:
        sample_process()  # this worker's figures as of now; the others' are seconds old
    return generate_latest(_Exposition(MULTIPROC_DIR))  # type: ignore[arg-type]
