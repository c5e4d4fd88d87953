"""OpenAPI path entries contributed by other blueprints (badges, pages, admin)."""

from __future__ import annotations

from typing import Any

_REGISTERED: dict[str, Any] = {}


def register(paths: dict[str, Any]) -> None:
    _REGISTERED.update(paths)


def collect() -> dict[str, Any]:
    return dict(_REGISTERED)
