"""Refuse oversized bodies on every route before any view reads them.

Flask enforces MAX_CONTENT_LENGTH only when a view reads the body, so a 10 MB body sent to a
route that ignores it would otherwise be accepted. The refused body is read and dropped (up to
DRAIN_MAX_BYTES) first: a server that answers and closes while the client is still sending
gives most clients a broken pipe instead of the JSON 413.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

DRAIN_MAX_BYTES = 16 * 1024 * 1024
CHUNK = 64 * 1024


def drain(stream, length: int) -> None:
    """Read and drop `length` bytes, but never more than DRAIN_MAX_BYTES."""
    left = min(length, DRAIN_MAX_BYTES)
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


def init_app(app: Flask) -> None:
    @app.before_request
    def _body_size_guard() -> None:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        length = request.content_length
        if limit is not None and length is not None and length > int(limit):
            if length <= DRAIN_MAX_BYTES:
                drain(request.environ["wsgi.input"], length)
            raise RequestEntityTooLarge(f"request bodies are limited to {int(limit)} bytes")
