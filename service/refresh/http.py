"""A bounded HTTP GET for the refresh source: one origin, a total deadline, a size cap.

What it defends against (README "Refresh"):
- a source that drips a byte every few seconds: socket timeouts only bound each read, so a
  watchdog shuts the socket down at the fetch's total deadline, whatever phase it is in (name
  lookup, connect, TLS, headers, body);
- a redirect or a pointer that leads elsewhere: every URL fetched, redirects included, must be
  on the configured origin (scheme, host, port); and the address a host name resolves to is
  checked before connecting (never link-local such as 169.254.169.254, never a private or
  loopback address unless the configured host is one or KRATOM_HTTP_ALLOW_PRIVATE says so).
  The connection goes to the address that was checked, so DNS cannot swap it afterwards;
- echoing: error messages name the configured source and say what went wrong in our words;
  nothing the server sent (reason phrases, Location headers) is repeated.

stdlib only (http.client); environment proxies are not used.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit, urlunsplit

CHUNK = 64 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "kratom-status-refresh/2"


class FetchError(Exception):
    """Any failure to get a complete body; the message names the URL, never what it sent."""


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int  # 200, or 304 (then body is empty)
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class Origin:
    """The configured source's scheme, host and port: the only place the refresher fetches from."""

    scheme: str
    host: str
    port: int
    allow_private: bool

    @classmethod
    def of(cls, url: str, allow_private: bool = False) -> Origin:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{display(url)}: only http and https URLs are fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname.lower()
        return cls(parts.scheme, host, port, allow_private or _names_internal_host(host))

    def owns(self, url: str) -> bool:
        parts = urlsplit(url)
        if not parts.hostname:
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return (parts.scheme, parts.hostname.lower(), port) == (self.scheme, self.host, self.port)


def _names_internal_host(host: str) -> bool:
    """The operator configured a private or loopback address (or localhost) on purpose."""
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback


def display(url: str) -> str:
    """The URL without credentials or query, safe for logs and /v1/meta."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def address_refusal(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address, origin: Origin
) -> str | None:
    """Why the refresher will not connect to `ip`, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "a link-local, multicast or reserved address"
    if (ip.is_private or ip.is_loopback or not ip.is_global) and not origin.allow_private:
        return "a private or loopback address (set KRATOM_HTTP_ALLOW_PRIVATE to allow)"
    return None


def resolve(host: str, port: int, timeout: float) -> list[tuple]:
    """getaddrinfo has no timeout of its own: run it aside and stop waiting at the deadline."""
    result: dict[str, object] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            result["error"] = exc
        done.set()

    threading.Thread(target=lookup, name="refresh-dns", daemon=True).start()
    if not done.wait(max(timeout, 0.0)):
        raise TimeoutError("name lookup")
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["infos"]  # type: ignore[return-value]


def connect(address: tuple, timeout: float) -> socket.socket:
    """Open a TCP connection to an address already checked (tests replace this to watch)."""
    return socket.create_connection(address[:2], timeout=timeout)


class _Watchdog:
    """Shuts the socket down at the deadline: a read blocked on a dripping server returns."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None:
                _shutdown(self._sock)

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline")
        return left

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _open(url: str, origin: Origin, dog: _Watchdog, headers: dict[str, str]):
    """One request on a fresh connection to a checked address; returns (conn, response)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = resolve(host, port, dog.left())
    allowed = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address_refusal(ip, origin) is None:
            allowed.append(info[4])
    if not allowed:
        why = address_refusal(ipaddress.ip_address(infos[0][4][0].split("%", 1)[0]), origin)
        raise FetchError(f"{display(url)}: host resolves to {why}; not fetched")
    sock = connect(allowed[0], dog.left())
    dog.watch(sock)
    sock.settimeout(dog.left())
    if parts.scheme == "https":
        context = ssl.create_default_context()
        sock = context.wrap_socket(sock, server_hostname=host)
        dog.watch(sock)
    conn = http.client.HTTPConnection(host, port, timeout=dog.left())
    conn.sock = sock  # already connected (and checked): http.client only speaks over it
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    conn.putrequest("GET", target, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    return conn, conn.getresponse()


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
    origin: Origin | None = None,
) -> Fetched:
    """GET `url` within `timeout` seconds in total; 304 is a result, every failure FetchError."""
    origin = origin or Origin.of(url)
    where = display(url)
    if not origin.owns(url):
        raise FetchError(f"{where}: not on the configured origin; not fetched")
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    dog = _Watchdog(time.monotonic() + timeout)
    conn = None
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            conn, resp = _open(url, origin, dog, headers)
            if resp.status in (301, 302, 303, 307, 308):
                target = urljoin(url, resp.getheader("Location") or "")
                conn.close()
                if not origin.owns(target):
                    raise FetchError(f"{where}: redirect off the configured origin refused")
                url = target
                continue
            return _body(resp, where, max_bytes, dog, etag, last_modified)
        raise FetchError(f"{where}: more than {MAX_REDIRECTS} redirects")
    except FetchError:
        raise
    except TimeoutError as exc:
        raise FetchError(f"{where}: timed out after {timeout:g} s") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if dog.fired:
            raise FetchError(f"{where}: timed out after {timeout:g} s") from exc
        if isinstance(exc, http.client.IncompleteRead):
            raise FetchError(f"{where}: body truncated ({len(exc.partial)} bytes)") from exc
        raise FetchError(f"{where}: {type(exc).__name__}") from exc
    finally:
        dog.cancel()
        if conn is not None:
            conn.close()


def _body(resp, where: str, max_bytes: int, dog: _Watchdog, etag, last_modified) -> Fetched:
    if resp.status == 304:
        return Fetched(304, b"", resp.getheader("ETag") or etag, last_modified)
    if resp.status != 200:
        phrase = (
            HTTPStatus(resp.status).phrase if resp.status in HTTPStatus._value2member_map_ else ""
        )
        raise FetchError(f"{where}: HTTP {resp.status} {phrase}".rstrip())
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"{where}: {int(length)} bytes is over the {max_bytes}-byte limit")
    chunks: list[bytes] = []
    size = 0
    while True:
        dog.left()
        chunk = resp.read(CHUNK)
        if dog.fired:
            raise TimeoutError("deadline")
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{where}: body is over the {max_bytes}-byte limit")
        chunks.append(chunk)
    if length and length.isdigit() and size != int(length):
        raise FetchError(f"{where}: body truncated ({size} of {length} bytes)")
    return Fetched(200, b"".join(chunks), resp.getheader("ETag"), resp.getheader("Last-Modified"))
