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


def on_exit(server: Any) -> None:
    if os.environ.get("KRATOM_RATE_LIMIT_FILE") == _RATE_FILE:
        Path(_RATE_FILE).unlink(missing_ok=True)


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

    if os.environ.get("KRATOM_PREWARM_GEO", "1").lower() in ("0", "false", "no", "off"):
        return
    try:
        # niced: the workers answering from the exact path meanwhile come first
        subprocess.Popen([sys.executable, "-m", "service.geo.build", "--to-cache", "--nice"])
    except OSError as exc:
        server.log.warning("boundary index build could not start: %s", exc)
