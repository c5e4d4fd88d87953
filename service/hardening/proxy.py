"""ProxyFix for the configured number of trusted proxies (KRATOM_PROXY_COUNT, default 0).

With 0 the X-Forwarded-* headers are ignored: a client cannot fake its address to dodge the
batch rate limit. Set it to the exact number of proxies in front (1 behind an ingress).
"""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ENV = "KRATOM_PROXY_COUNT"


def proxy_count(environ: dict[str, str] | None = None) -> int:
    raw = (os.environ if environ is None else environ).get(ENV, "0").strip() or "0"
    try:
        count = int(raw)
    except ValueError:
        raise ValueError(f"{ENV} must be a whole number, got {raw!r}") from None
    if not 0 <= count <= 10:
        raise ValueError(f"{ENV} must be between 0 and 10, got {count}")
    return count


def init_app(app: Flask) -> None:
    count = int(app.config[ENV]) if ENV in app.config else proxy_count()
    app.extensions["kratom.proxy_count"] = count
    if count:
        # Address and scheme only: the host and path prefix a client (or a proxy passing its
        # headers on) claims never reach a link; links come from KRATOM_PUBLIC_BASE_URL.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0
        )
