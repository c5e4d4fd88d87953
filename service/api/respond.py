"""Fast JSON responses (orjson: ISO dates, no NaN) with the API's caching and CORS headers."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response


def html_safe_json(payload: Any) -> bytes:
    """JSON with < > & as \\u escapes (as Go's encoding/json does): a reflected
    `<script>` stays inert even if a browser or proxy sniffs the body as HTML. Those three
    characters only occur inside JSON strings, so the document means the same."""
    body = orjson.dumps(payload)
    if b"<" in body or b">" in body or b"&" in body:
        body = body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return body


def json_response(payload: Any, status: int = 200, max_age: int = 60) -> Response:
    resp = Response(html_safe_json(payload), status=status, mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return resp


def raw_json_response(body: bytes, max_age: int) -> Response:
    """For bodies already serialised (and made HTML-safe) by html_safe_json."""
    resp = Response(body, mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return resp
