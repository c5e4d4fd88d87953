"""OpenAPI entries for the badge and embed routes (merged into /openapi.json)."""

from __future__ import annotations

from typing import Any

from ..api.openapi import BADGE_OPTS, CODE, ERR, HTML, LAT, LON, SVG, _enum, _json, _q, _ref
from ..dataset.model import PRODUCTS

PRODUCT = _q(
    "product",
    "One product class instead of the default (leaf with the other classes' bans appended)",
    _enum(*PRODUCTS),
)

SVG_ERR = {
    "400": _json(_ref("Error"), "Bad option (the field is named)"),
    "404": {
        "description": "Unknown place: an error badge",
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    },
    "405": ERR["405"],
    "503": ERR["503"],
}
SHIELDS = {
    "type": "object",
    "required": ["schemaVersion", "label", "message", "color", "isError"],
    "properties": {
        "schemaVersion": {"const": 1},
        "label": {"type": "string"},
        "message": {"type": "string"},
        "color": {"type": "string"},
        "labelColor": {"type": "string"},
        "isError": {
            "type": "boolean",
            "description": "true for an unknown place (still HTTP 200, as shields expects)",
        },
        "style": {"type": "string"},
        "cacheSeconds": {
            "type": "integer",
            "minimum": 0,
            "description": "Our max-age; shields itself never caches for less than 300 s",
        },
    },
}
NOT_MODIFIED = {"304": {"description": "Not modified (If-None-Match matched the ETag)"}}

PATHS: dict[str, Any] = {
    "/badge/{code}.svg": {
        "get": {
            "operationId": "badgeSvg",
            "summary": "Status badge for a jurisdiction",
            "parameters": [CODE, *BADGE_OPTS, PRODUCT],
            "responses": {"200": SVG, **NOT_MODIFIED, **SVG_ERR},
        }
    },
    "/badge/{code}.json": {
        "get": {
            "operationId": "badgeShields",
            "summary": "The badge in the shields.io endpoint schema",
            "description": "An unknown code answers 200 with `isError: true` and the message "
            "'unknown place' (the shields endpoint convention).",
            "parameters": [CODE, *BADGE_OPTS, PRODUCT],
            "responses": {
                "200": _json(SHIELDS, "shields.io endpoint"),
                **NOT_MODIFIED,
                **{k: v for k, v in ERR.items() if k != "404"},
            },
        }
    },
    "/badge.svg": {
        "get": {
            "operationId": "pointBadgeSvg",
            "summary": "Status badge for a point",
            "parameters": [LAT, LON, *BADGE_OPTS, PRODUCT],
            "responses": {"200": SVG, **NOT_MODIFIED, **SVG_ERR},
        }
    },
    "/embed/{code}": {
        "get": {
            "operationId": "embedCard",
            "summary": "Small HTML status card that any site may frame",
            "parameters": [CODE],
            "responses": {"200": HTML, **ERR},
        }
    },
}
