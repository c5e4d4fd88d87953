"""JSON errors for every route: `{"error": {"code", "message", "field"}}`, never HTML."""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from .respond import html_safe_json

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}  # e.g. Retry-After on a 429


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict | None = None
) -> Response:
    body = html_safe_json({"error": {"code": code, "message": message, "field": field}})
    resp = Response(body, status=status, mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"  # no cache, shared or private, keeps an error
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_body",
    429: "rate_limited",
    431: "headers_too_large",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(e: ApiError) -> Response:
        return error_response(e.status, e.code, e.message, e.field, e.headers)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException) -> Response:
        status = e.code or 500
        message = e.description or e.name
        if status == 404:
            message = "No such route. See /openapi.json for the API."
        resp = error_response(status, _CODES.get(status, "http_error"), message)
        # keep headers such as Allow on a 405
        for k, v in e.get_response().headers.items():
            if k.lower() not in ("content-type", "content-length"):
                resp.headers[k] = v
        return resp

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Internal error; it has been logged.")
