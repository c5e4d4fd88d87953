"""Fast JSON responses (orjson: ISO dates, no NaN) with the API's caching and CORS headers."""

from __future__ import annotations

from typing import Any

from flask import Response

from ..jsonout import html_safe_json  # the CLI prints the same bytes


def json_response(payload: Any, status: int = 200, max_age: int = 60) -> Response:
    resp = Response(html_safe_json(payload), status=status, mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return resp


def raw_json_response(body: bytes, max_age: int) -> Response:
    """For bodies already serialised (and made HTML-safe) by html_safe_json."""
    resp = Response(body, mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return resp
