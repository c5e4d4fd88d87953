"""Fast JSON responses (orjson: ISO dates, no NaN) with the API's caching headers and ETags."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request

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


def etag_of(body: bytes) -> str:
    """A strong ETag: a hash of the exact bytes. The JSON answers carry the dataset version
    and the day they answer for, so a new dataset or a new day gives a new tag by itself.
    (Point answers hash their query and their memoised answer's tag instead: the same bytes
    give the same tag on the Flask path and the fast path, at a fraction of the cost.)"""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def with_etag(resp: Response) -> Response:
    """After-request hook for JSON GET answers: ETag, and 304 when If-None-Match has it."""
    if (
        resp.status_code != 200
        or resp.mimetype != "application/json"
        or request.method not in ("GET", "HEAD")
        or resp.is_streamed
    ):
        return resp
    etag, _weak = resp.get_etag()  # a view may have tagged its answer already (points)
    if etag is None:
        etag = etag_of(resp.get_data())
        resp.set_etag(etag)
    if request.if_none_match.contains_weak(etag):  # weak comparison, as RFC 9110 says for INM
        resp.status_code = 304
        resp.set_data(b"")
    return resp
