"""gunicorn settings for production: 2 gthread workers, no preload (each worker loads and refreshes
its own Snapshot; see docs and ../shared/PITFALLS.md section 6). Override with the usual env vars
(WEB_CONCURRENCY, PORT, GUNICORN_THREADS) or command-line flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 200_000  # a safety net only: the soak test shows no growth (see README)
max_requests_jitter = 20_000
preload_app = False  # a scheduler thread started before fork would die; each worker loads its data

# The heartbeat file is fchmod-ed on every tick: keep it on a tmpfs when there is one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn >= 25.1 opens a control socket under $HOME by default; a read-only root has no room
# for it and nothing here uses it.
control_socket_disable = True

# The app writes one JSON line per request itself (service.hardening); gunicorn's access log
# would duplicate it. Set GUNICORN_ACCESS_LOG=- to turn it back on.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Trust X-Forwarded-* only through the app's ProxyFix (KRATOM_PROXY_COUNT), not gunicorn's own.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One batch rate limiter for all workers of this server: a small table in a file they share.
_RATE_FILE = f"{worker_tmp_dir or '/tmp'}/kratom-ratelimit-{os.getpid()}"
os.environ.setdefault("KRATOM_RATE_LIMIT_FILE", _RATE_FILE)


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn's own error answers (400, 414, 431, bad chunked bodies) as JSON, not HTML."""
    from service.hardening.gunicorn_errors import install

    install()


def on_starting(server: Any) -> None:
    """Start the boundary index build step in the background, before the workers fork.

    It does nothing when `python -m service.geo.build` already ran (serve.sh, the Docker
    image). Otherwise the workers answer at once from the exact path (a second to load) and
    take the index over when this child has built it (tens of seconds, with a progress line
    on stderr); a worker that starts while it runs waits for it instead of building again.
    A child process keeps the master small (building peaks at ~1.3 GB RSS).
    """
    import subprocess
    import sys

    _metrics_dir_start(server)
    if os.environ.get("KRATOM_PREWARM_GEO", "1").lower() in ("0", "false", "no", "off"):
        return
    try:
        # niced: the workers answering from the exact path meanwhile come first
        subprocess.Popen([sys.executable, "-m", "service.geo.build", "--to-cache", "--nice"])
    except OSError as exc:
        server.log.warning("boundary index build could not start: %s", exc)


# -- Prometheus multiprocess mode (service/refresh/metrics.py) --------------------------------
# Every worker writes its metrics into files in PROMETHEUS_MULTIPROC_DIR and /metrics sums them,
# so counters are the server's, not one worker's. The master sets the directory before the
# workers fork: a fresh one under the temp dir (the only writable place in the container), or
# the operator's, wiped. It never imports the app (that would defeat reloading on HUP).
_METRICS_SCRAPE_LOCK = "scrape.lock"  # = service.refresh.metrics.SCRAPE_LOCK
_metrics_dir_made: str | None = None


def _metrics_dir_start(server: Any) -> None:
    import glob
    import tempfile

    global _metrics_dir_made
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for old in glob.glob(os.path.join(path, "*.db")):
            os.remove(old)  # counts restart with the server, as Prometheus expects
    else:
        path = _metrics_dir_made = tempfile.mkdtemp(prefix="kratom-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    server.log.info("metrics directory %s", path)


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone: drop its per-worker gauges and fold its counts into the archive."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, path)
    try:
        _fold_dead_worker(path, worker.pid)
    except Exception as exc:  # its files stay and are still counted: only slower scrapes
        server.log.warning("could not fold the metrics of worker %s: %s", worker.pid, exc)


def _fold_dead_worker(path: str, pid: int) -> None:
    """Merge a dead worker's counter and histogram files into one archive file per kind.

    Why: gunicorn replaces workers (max_requests) and each leaves its files behind; without
    this a long-running server's directory, and every scrape, would grow with each restart.
    The swap happens under the scrape lock, so a scrape counts the dead worker exactly once."""
    import fcntl
    import json

    from prometheus_client.mmap_dict import MmapedDict
    from prometheus_client.multiprocess import MultiProcessCollector

    for kind in ("counter", "histogram"):
        dead = os.path.join(path, f"{kind}_{pid}.db")
        if not os.path.exists(dead):
            continue
        archive = os.path.join(path, f"{kind}_archive.db")
        merged = MultiProcessCollector.merge(
            [f for f in (archive, dead) if os.path.exists(f)], accumulate=False
        )
        tmp = os.path.join(path, f"{kind}_archive.tmp")  # not *.db: scrapes do not read it
        if os.path.exists(tmp):
            os.remove(tmp)
        out = MmapedDict(tmp)
        for metric in merged:
            for s in metric.samples:
                key = json.dumps(
                    [metric.name, s.name, s.labels, metric.documentation], sort_keys=True
                )
                out.write_value(key, s.value, 0.0)
        out.close()
        fd = os.open(os.path.join(path, _METRICS_SCRAPE_LOCK), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.replace(tmp, archive)
            os.remove(dead)
        finally:
            os.close(fd)


def on_exit(server: Any) -> None:
    """Remove what this server made: the shared rate-limit table and the metrics directory."""
    if os.environ.get("KRATOM_RATE_LIMIT_FILE") == _RATE_FILE:
        Path(_RATE_FILE).unlink(missing_ok=True)
    if _metrics_dir_made:
        import shutil

        shutil.rmtree(_metrics_dir_made, ignore_errors=True)
