"""Fast JSON responses (orjson: ISO dates, no NaN) with the API's caching and CORS headers."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response


def json_response(payload: Any, status: int = 200, max_age: int = 60) -> Response:
    resp = Response(orjson.dumps(payload), status=status, mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return resp
