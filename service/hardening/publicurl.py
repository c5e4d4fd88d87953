"""Absolute links from configuration only (KRATOM_PUBLIC_BASE_URL), never from the request.

Why: pages and the feed are publicly cached. A link built from the Host header (or from
X-Forwarded-Host behind a proxy) lets anyone who sends one request with `Host: evil.example`
plant links to their site in what every later reader gets. With no base URL configured, links
are root-relative, and the feed's ids are URNs (Atom needs absolute ids, not a host).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app

CONFIG_KEY = "KRATOM_PUBLIC_BASE_URL"


def normalise(raw: str) -> str:
    """'' or an http(s) origin with an optional path, without a trailing slash; else ValueError."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
        or any(c in raw for c in "<>\"' \\")
    ):
        raise ValueError(
            f"{CONFIG_KEY} must be an http(s) URL such as https://kratom.example (no query), "
            f"got {raw!r}"
        )
    return raw.rstrip("/")


def public_base() -> str:
    """The configured base URL ('' when none): prefix of every absolute link."""
    return current_app.extensions.get("kratom.public_base", "")


def public_url(path: str) -> str:
    return public_base() + path


def init_app(app: Flask) -> None:
    app.extensions["kratom.public_base"] = normalise(str(app.config.get(CONFIG_KEY) or ""))
    app.jinja_env.globals["public_url"] = public_url  # e.g. the embed card's link
