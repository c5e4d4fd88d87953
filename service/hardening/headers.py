"""Security and CORS headers, set only where the view has not set its own (the embed card sends
`frame-ancestors *`, badges send their own CSP)."""

from __future__ import annotations

from flask import Flask, Response, request

HTML_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# A JSON document opened directly needs no resources and must not be framed.
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
JSON_TYPES = ("application/json", "application/geo+json", "application/problem+json", "text/csv")
API_PREFIXES = ("/v1/", "/openapi.json")
EXPOSED = "X-Request-Id, Retry-After, ETag, Content-Length"


def is_api(path: str, mimetype: str | None) -> bool:
    return path.startswith(API_PREFIXES) or (mimetype or "") in JSON_TYPES


def apply(resp: Response, path: str, method: str, secure: bool) -> Response:
    h = resp.headers
    for name, value in ALWAYS.items():
        h.setdefault(name, value)
    mimetype = resp.mimetype or ""
    if mimetype == "text/html" and "Content-Security-Policy" not in h:
        h["Content-Security-Policy"] = HTML_CSP
        h.setdefault("X-Frame-Options", "DENY")
    elif mimetype in JSON_TYPES:
        h.setdefault("Content-Security-Policy", JSON_CSP)
    if is_api(path, mimetype):
        # Public data, no cookies: any origin may read it, never with credentials.
        h.setdefault("Access-Control-Allow-Origin", "*")
        h.setdefault("Access-Control-Expose-Headers", EXPOSED)
        if method == "OPTIONS":
            h.setdefault("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
            h.setdefault("Access-Control-Allow-Headers", "Content-Type, X-Request-Id")
            h.setdefault("Access-Control-Max-Age", "600")
    if secure:
        h.setdefault("Strict-Transport-Security", "max-age=31536000")
    return resp


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(resp: Response) -> Response:
        return apply(resp, request.path, request.method, request.is_secure)
