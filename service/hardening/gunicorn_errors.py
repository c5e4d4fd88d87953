"""gunicorn's own error answers (a bad request line 400, 414, 431, a malformed chunked body) as
JSON, like every other error of this service, instead of gunicorn's HTML page.

gunicorn writes those answers itself, before the app sees the request, through
`gunicorn.util.write_error`; `install()` (gunicorn.conf.py's post_fork hook) replaces that one
function in the worker process.
"""

from __future__ import annotations

import json

CODES = {
    400: "bad_request",
    403: "forbidden",
    413: "too_large",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}


def error_bytes(status: int, reason: str, message: str) -> bytes:
    text = f"{reason}: {message}" if message else reason
    payload = {
        "error": {"code": CODES.get(status, "http_error"), "message": text[:300], "field": None}
    }
    body = (
        json.dumps(payload).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body.encode("ascii")


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    from gunicorn import util

    util.write_nonblock(sock, error_bytes(int(status_int), str(reason), str(mesg)))


def install() -> None:
    from gunicorn import util

    util.write_error = write_error
