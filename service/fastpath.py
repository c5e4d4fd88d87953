"""An in-process HTTP cache for the answers that are fetched over and over: badges and
jurisdiction JSON.

Why: the article site requests the same badge on every page view, mostly revalidating with
If-None-Match. Once a response has been built by the views (with every header the hooks add),
this WSGI layer answers repeats from memory: a 200 with the same bytes, or a 304. It never
changes an answer: an entry is used only while the snapshot version and the UTC day are the
ones it was built for, and only until its own max-age runs out (so a hit never advertises a
freshness lifetime past what the view allowed: the refresh interval and the next scheduled
change).

Point lookups (`/v1/lookup?lat=&lon=[&as_of=]`) differ with every reader, so they cannot be
cached; for those, once Flask has answered one, a plain well-formed query is answered here by
the same function the view uses (`api.v1.point_json`) with the headers Flask sent, without the
framework's per-request machinery, and with the same ETag (304 on If-None-Match). Anything unusual (other parameters, odd characters, a bad
value) goes to Flask, which parses it again and answers, or names the bad field.
Everything else goes straight to Flask.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask

CACHEABLE_PREFIXES = ("/v1/jurisdictions/", "/badge/")
LOOKUP_PATH = "/v1/lookup"
PLAIN_QUERY = re.compile(r"^[A-Za-z_]+=[0-9eE.+-]+(&[A-Za-z_]+=[0-9eE.+-]+){1,2}$")
LOOKUP_KEYS = {"lat", "lon", "as_of"}
MAX_ENTRIES = 4096
NOT_MODIFIED_DROP = {"content-length", "content-type"}


@dataclass(frozen=True, slots=True)
class Entry:
    version: str
    status: str
    headers: tuple[tuple[str, str], ...]  # without Cache-Control, added per hit
    cache_control_prefix: str  # e.g. "public, max-age="
    body: bytes
    etag: str | None  # quoted, as sent
    expires: float  # time.time() when the view's max-age runs out


class ResponseCache:
    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.entries: dict[tuple[str, str, int], Entry] = {}
        self.lock = threading.Lock()
        self.hits = 0
        self.lookup_headers: tuple[tuple[str, str], ...] | None = None  # as Flask sent them
        self.fast_lookups = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("CONTENT_LENGTH") not in (
            None,
            "",
            "0",
        ):
            return self.wsgi_app(environ, start_response)
        if path == LOOKUP_PATH:
            return self._lookup(environ, start_response)
        if not path.startswith(CACHEABLE_PREFIXES):
            return self.wsgi_app(environ, start_response)
        snap = self.app.extensions["kratom.holder"].current
        if snap is None:
            return self.wsgi_app(environ, start_response)
        now = time.time()
        key = (path, environ.get("QUERY_STRING", ""), int(now // 86400))
        entry = self.entries.get(key)
        if entry is not None and entry.version == snap.version and entry.expires > now:
            return self._hit(entry, environ, start_response, now)
        return self._miss(key, snap.version, environ, start_response, now)

    def _lookup(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        template = self.lookup_headers
        snap = self.app.extensions["kratom.holder"].current
        if template is None or snap is None or snap.geo is None or not PLAIN_QUERY.match(query):
            return self._learn_lookup(environ, start_response)
        pairs = parse_qsl(query)
        names = [k for k, _ in pairs]
        if len(set(names)) != len(names) or not {"lat", "lon"} <= set(names) <= LOOKUP_KEYS:
            return self.wsgi_app(environ, start_response)
        from werkzeug.datastructures import MultiDict

        from .api.errors import ApiError
        from .api.v1 import point_json
        from .params import parse_as_of, parse_lat_lon

        args = MultiDict(pairs)
        try:
            day = parse_as_of(args)
            lat, lon = parse_lat_lon(args)
            with self.app.app_context():
                body, max_age, tag = point_json(snap, lat, lon, day)
        except ApiError:
            return self.wsgi_app(environ, start_response)  # Flask names the bad field
        self.fast_lookups += 1
        cache = f"public, max-age={max_age}" if max_age else "no-store"
        etag = f'"{tag}"'  # as the Flask path tags it
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm and (inm.strip() == "*" or etag in _tags(inm)):
            kept = [h for h in template if h[0].lower() not in NOT_MODIFIED_DROP]
            start_response("304 NOT MODIFIED", [*kept, ("ETag", etag), ("Cache-Control", cache)])
            return []
        start_response(
            "200 OK",
            [
                *template,
                ("Content-Length", str(len(body))),
                ("ETag", etag),
                ("Cache-Control", cache),
            ],
        )
        return [body]

    def _learn_lookup(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        """Let Flask answer, and keep the headers of a good point answer as the template."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            if status.startswith("200") and "lat=" in environ.get("QUERY_STRING", ""):
                seen["headers"] = list(headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if "headers" in seen and self.lookup_headers is None:
            self.lookup_headers = tuple(
                (k, v)
                for k, v in seen["headers"]
                if k.lower() not in ("content-length", "cache-control", "set-cookie", "etag")
            )
        return result

    def _hit(
        self, entry: Entry, environ: dict[str, Any], start_response: Callable, now: float
    ) -> Iterable[bytes]:
        self.hits += 1
        headers = [
            *entry.headers,
            ("Cache-Control", f"{entry.cache_control_prefix}{int(entry.expires - now)}"),
        ]
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if entry.etag and inm and (inm.strip() == "*" or entry.etag in _tags(inm)):
            start_response(
                "304 NOT MODIFIED", [h for h in headers if h[0].lower() not in NOT_MODIFIED_DROP]
            )
            return []
        start_response(entry.status, headers)
        return [entry.body]

    def _miss(
        self,
        key: tuple[str, str, int],
        version: str,
        environ: dict[str, Any],
        start_response: Callable,
        now: float,
    ) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            # copy first: outer layers append per-request headers (X-Request-Id) to the list
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._store(key, version, seen.get("status", ""), seen.get("headers", []), body, now)
        return [body]

    def _store(
        self,
        key: tuple[str, str, int],
        version: str,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
        now: float,
    ) -> None:
        if not status.startswith("200"):
            return
        cache_control = next((v for k, v in headers if k.lower() == "cache-control"), "")
        prefix, sep, seconds = cache_control.rpartition("max-age=")
        if not sep or not seconds.isdigit() or int(seconds) <= 0 or "no-store" in prefix:
            return
        if any(k.lower() == "set-cookie" for k, _ in headers):
            return
        kept = tuple((k, v) for k, v in headers if k.lower() != "cache-control")
        etag = next((v for k, v in kept if k.lower() == "etag"), None)
        entry = Entry(version, status, kept, prefix + sep, body, etag, now + int(seconds))
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()  # bounded memory; a refill costs one render per key
            self.entries[key] = entry


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",")]


def init_app(app: Flask) -> None:
    """Install between the request log (outside: it logs, times and counts every answer,
    these included) and Flask (inside)."""
    if not app.config.get("KRATOM_RESPONSE_CACHE", True):
        return
    app.wsgi_app = ResponseCache(app, app.wsgi_app)  # type: ignore[method-assign]
