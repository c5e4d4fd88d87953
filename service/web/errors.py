"""Errors on reader routes: an HTML page for browsers, the API's JSON error for everyone else.

Why negotiate: a reader who follows a stale link should see a page with a way back, while
scripts and checks that ask for JSON (or send no preference) get the JSON error DESIGN fixes.
"""

from __future__ import annotations

from flask import Response, render_template, request

from ..api.errors import ApiError, error_response
from .blueprint import bp

TITLES = {400: "That request could not be read", 404: "Not found", 503: "Not ready yet"}


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


@bp.errorhandler(ApiError)
def _api_error(e: ApiError) -> Response:
    if not wants_html():
        return error_response(e.status, e.code, e.message, e.field)
    html = render_template(
        "error.html", status=e.status, title=TITLES.get(e.status, "Error"), message=e.message
    )
    resp = Response(html, status=e.status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp
