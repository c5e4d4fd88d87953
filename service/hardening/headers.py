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
    """Runs on every response: one pass over the existing names, then appends (no rescans)."""
    h = resp.headers
    present = {k.lower() for k, _ in h}
    mimetype = (h.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    wanted: list[tuple[str, str]] = list(ALWAYS.items())
    if mimetype == "text/html" and "content-security-policy" not in present:
        wanted += [("Content-Security-Policy", HTML_CSP), ("X-Frame-Options", "DENY")]
    elif mimetype in JSON_TYPES:
        wanted.append(("Content-Security-Policy", JSON_CSP))
    if is_api(path, mimetype):
        # Public data, no cookies: any origin may read it, never with credentials.
        wanted += [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED)]
        if method == "OPTIONS":
            wanted += [
                ("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Content-Type, X-Request-Id"),
                ("Access-Control-Max-Age", "600"),
            ]
    if secure:
        wanted.append(("Strict-Transport-Security", "max-age=31536000"))
    for name, value in wanted:
        if name.lower() not in present:
            h.add(name, value)
    return resp


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(resp: Response) -> Response:
        env = request.environ
        return apply(
            resp,
            env.get("PATH_INFO", ""),
            env.get("REQUEST_METHOD", ""),
            env.get("wsgi.url_scheme") == "https",
        )
