"""A bounded HTTP GET: conditional, with a total deadline and a size cap (stdlib only)."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

CHUNK = 64 * 1024


class FetchError(Exception):
    """Any failure to get a complete body; the message names the URL."""


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int  # 200, or 304 (then body is empty)
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s), never to file: or ftp:."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"{display(req.full_url)}: redirect to a non-HTTP URL refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        _RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def display(url: str) -> str:
    """The URL without credentials or query, safe for logs and /v1/meta."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET `url`; 304 is a result, every other failure raises FetchError."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{display(url)}: only http and https URLs are fetched")
    headers = {"User-Agent": "kratom-status-refresh/1", "Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    req = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    where = display(url)
    try:
        with _opener().open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{where}: {length} bytes is over the {max_bytes}-byte limit")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchError(f"{where}: timed out after {timeout:g} s")
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{where}: body is over the {max_bytes}-byte limit")
                chunks.append(chunk)
            return Fetched(
                resp.status, b"".join(chunks), resp.headers.get("ETag"),
                resp.headers.get("Last-Modified"),
            )  # fmt: skip
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            exc.close()
            return Fetched(304, b"", exc.headers.get("ETag") or etag, last_modified)
        exc.close()
        raise FetchError(f"{where}: HTTP {exc.code} {exc.reason}") from exc
    except FetchError:
        raise
    except http.client.IncompleteRead as exc:
        raise FetchError(f"{where}: body truncated ({len(exc.partial)} bytes received)") from exc
    except TimeoutError as exc:
        raise FetchError(f"{where}: timed out after {timeout:g} s") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(f"{where}: timed out after {timeout:g} s") from exc
        raise FetchError(f"{where}: {reason}") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise FetchError(f"{where}: {type(exc).__name__}: {exc}") from exc
