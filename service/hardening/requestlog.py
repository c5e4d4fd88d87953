"""Request ids and one JSON line per request (and per app log record).

A WSGI middleware, not Flask hooks, so the line has the final status and the full duration even
for responses built by error handlers. Coordinates are never written when the client asks not to
be tracked (`DNT: 1` or `Sec-GPC: 1`); request bodies (batch points) are never logged at all.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from flask import Flask, has_request_context, request
from werkzeug.wsgi import ClosingIterator

ENVIRON_KEY = "kratom.request_id"
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
COORDINATE_KEYS = frozenset({"lat", "lon", "lng", "latitude", "longitude", "bbox", "point"})
DROPPED = "[dropped]"
MAX_LOGGED_QUERY = 512

access_log = logging.getLogger("kratom.access")


def sane_request_id(raw: str | None) -> str | None:
    """An incoming id we can echo safely: short, printable, no spaces or header tricks."""
    if raw and REQUEST_ID_RE.fullmatch(raw):  # fullmatch: "$" would let a trailing \n in
        return raw
    return None


def new_request_id() -> str:
    """128 random bits as hex, from the process's PRNG (re-seeded in each forked worker).

    Not uuid4: os.urandom releases and retakes the GIL on every call, and on this kind of
    VM that per-request release let one thread starve the others for up to seconds
    (measured with scripts/bench_swap.py). An id needs uniqueness, not secrecy."""
    return f"{random.getrandbits(128):032x}"


def opted_out(environ: dict[str, Any]) -> bool:
    return (
        environ.get("HTTP_DNT", "").strip() == "1" or environ.get("HTTP_SEC_GPC", "").strip() == "1"
    )


def loggable_query(query: str, drop_coordinates: bool) -> str:
    """The query string as logged: truncated, and without coordinate values if asked."""
    if not query:
        return ""
    if drop_coordinates:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, DROPPED if k.lower() in COORDINATE_KEYS else v) for k, v in pairs], safe="[]"
        )
    return query[:MAX_LOGGED_QUERY]


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return request.environ.get(ENVIRON_KEY)


class RequestIdFilter(logging.Filter):
    """Stamps every record logged inside a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; newlines in messages cannot forge extra log lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": os.getpid(),  # which worker: each holds its own snapshot
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry.update(http)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def _timestamp(created: float) -> str:
    """ISO 8601 UTC with milliseconds, computed cheaply (this runs once per request)."""
    whole = int(created)
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        + f".{int((created - whole) * 1000):03d}+00:00"
    )


class BufferedStreamHandler(logging.StreamHandler):
    """Writes lines into a 64 KiB buffer and flushes it at most every `interval` seconds (and
    at once for warnings and errors). Why: an unbuffered write per request is a system call
    per request; at thousands of requests a second that is a large share of the CPU."""

    def __init__(self, fd: int = 2, interval: float = 0.5) -> None:
        raw = io.FileIO(fd, "w", closefd=False)
        stream = io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding="utf-8")
        super().__init__(stream)
        self.interval = interval
        self._last = time.monotonic()
        self._stop = threading.Event()
        threading.Thread(target=self._flush_loop, name="log-flush", daemon=True).start()
        atexit.register(self.flush)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + "\n")
            now = time.monotonic()
            if record.levelno >= logging.WARNING or now - self._last >= self.interval:
                self.stream.flush()
                self._last = now
        except Exception:
            self.handleError(record)

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()


class RequestLogMiddleware:
    """Assigns the request id, echoes it as X-Request-Id and logs the finished request."""

    def __init__(
        self,
        wsgi_app: Callable,
        logger: logging.Logger = access_log,
        observe: Callable[[dict[str, Any], int, float], None] | None = None,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger
        self.observe = observe  # metrics: (environ, status, seconds), once per request

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = sane_request_id(environ.get("HTTP_X_REQUEST_ID")) or new_request_id()
        environ[ENVIRON_KEY] = rid
        seen: dict[str, Any] = {"status": 0, "bytes": None}

        def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"] = int(status.split(" ", 1)[0])
            if not any(k.lower() == "x-request-id" for k, _ in headers):
                headers.append(("X-Request-Id", rid))
            for k, v in headers:
                if k.lower() == "content-length":
                    seen["bytes"] = int(v) if v.isdigit() else None
            return start_response(status, headers, exc_info)

        def _log() -> None:
            seconds = time.perf_counter() - started
            self.log(environ, rid, seen, seconds)
            if self.observe is not None:
                self.observe(environ, seen["status"], seconds)

        return ClosingIterator(self.wsgi_app(environ, _start_response), [_log])

    def log(self, environ: dict[str, Any], rid: str, seen: dict[str, Any], seconds: float) -> None:
        status = seen["status"]
        dnt = opted_out(environ)
        http = {
            "event": "request",
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", "")[:MAX_LOGGED_QUERY],
            "query": loggable_query(environ.get("QUERY_STRING", ""), dnt),
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "bytes": seen["bytes"],
            "dnt": dnt,
        }
        level = logging.ERROR if status >= 500 else logging.INFO
        self.logger.log(
            level,
            "%s %s %s",
            http["method"],
            http["path"],
            status,
            extra={"http": http, "request_id": rid},
        )


_configured = False


def configure_logging(json_lines: bool) -> None:
    """Once per process: JSON lines on stderr, unless something (pytest, gunicorn --log-config)
    already configured the root logger."""
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger()
    if root.handlers:
        for handler in root.handlers:
            handler.addFilter(RequestIdFilter())
        return
    handler: logging.Handler = BufferedStreamHandler(sys.stderr.fileno())
    handler.addFilter(RequestIdFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    if root.level == logging.WARNING:
        root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    if not app.testing:
        configure_logging(bool(app.config.get("KRATOM_LOG_JSON", True)))
    app.wsgi_app = RequestLogMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, observe=app.extensions.get("kratom.observe_request")
    )
