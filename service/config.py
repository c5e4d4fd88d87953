"""Settings: defaults in code, then KRATOM_* environment variables, then a test override dict."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent


def shipped(*parts: str) -> Path:
    """A file the project ships (data/jurisdictions, data/boundaries, gunicorn.conf.py).

    In a checkout they sit at the repository root; an installed wheel has no root, so
    pyproject.toml maps them into service/_shipped/ and they are found there."""
    packaged = PACKAGE / "_shipped"
    return (packaged if packaged.is_dir() else ROOT).joinpath(*parts)


SHIPPED_DATA = shipped("data", "jurisdictions")
SHIPPED_BOUNDARIES = shipped("data", "boundaries")

DEFAULTS: dict[str, Any] = {
    "KRATOM_DATA_SOURCE": str(SHIPPED_DATA),
    "KRATOM_BOUNDARIES_DIR": "",  # empty: the shipped data/boundaries only
    "KRATOM_REFRESH_SECONDS": 60,
    "KRATOM_REFRESH_JITTER_SECONDS": 10,
    "KRATOM_ADMIN_TOKEN": "",
    "KRATOM_HTTP_TIMEOUT_SECONDS": 10,
    "KRATOM_HTTP_MAX_BYTES": 20 * 1024 * 1024,
    "KRATOM_BATCH_MAX_POINTS": 10_000,
    "KRATOM_BATCH_MAX_BYTES": 2 * 1024 * 1024,
    "KRATOM_BATCH_RATE_PER_MINUTE": 60,
    "KRATOM_STALE_DAYS": 365,
    "KRATOM_CACHE_DIR": "",
    "KRATOM_LOG_JSON": True,
    "KRATOM_RESPONSE_CACHE": True,
    # Hostile clients and sources (README "Security and reliability", "Refresh")
    "KRATOM_PUBLIC_BASE_URL": "",  # e.g. https://kratom.example: every absolute link
    "KRATOM_RATE_LIMIT_FILE": "",  # set by gunicorn.conf.py: one batch limiter per server
    "KRATOM_DATA_PUBLIC_KEY": "",  # Ed25519 public key(s), base64, space separated
    "KRATOM_DATA_MAX_BYTES": 20 * 1024 * 1024,  # a dataset directory's CSV files, in total
    "KRATOM_REFRESH_MAX_DROP_PERCENT": 10,  # larger drops need an INTENDED marker
    "KRATOM_HTTP_ALLOW_PRIVATE": False,  # a source host resolving to a private address
    # Flask's own limit: the API takes small bodies only (batch has its own, larger, cap).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024 + 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
}

_INT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool)}
_BOOL_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, bool)}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """KRATOM_* variables with explicit types (not json.loads: 'False' must mean false)."""
    environ = dict(os.environ if environ is None else environ)
    out: dict[str, Any] = {}
    for key in DEFAULTS:
        if key not in environ:
            continue
        raw = environ[key].strip()
        if key in _INT_KEYS:
            try:
                out[key] = int(raw)
            except ValueError as exc:
                raise ValueError(f"{key} must be a whole number, got {raw!r}") from exc
        elif key in _BOOL_KEYS:
            out[key] = raw.lower() in ("1", "true", "yes", "on")
        else:
            out[key] = raw
    return out
