"""The `web` blueprint: reader pages, map and feed, with their own strict headers.

Static files live under /static/web/ so they never collide with the app's /static route.
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

# No inline script or style anywhere on these pages: everything comes from /static/web/.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@bp.after_request
def _headers(resp: Response) -> Response:
    """Set on every web response; global hardening only adds headers that are absent."""
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return resp
