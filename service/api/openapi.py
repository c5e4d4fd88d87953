"""The OpenAPI 3.1 document, written spec-first: the contract schemathesis checks us against."""

from __future__ import annotations

import functools
from typing import Any

STATUS = {"type": "string", "enum": ["legal", "regulated", "restricted", "banned", "unknown"]}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_STR = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERR = {
    "400": _json(_ref("Error"), "Bad parameter (the field is named)"),
    "404": _json(_ref("Error"), "Unknown code"),
    "405": _json(_ref("Error"), "Method not allowed"),
    "503": _json(_ref("Error"), "Dataset not loaded yet"),
}


def _q(
    name: str, description: str, schema: dict[str, Any] | None = None, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


# The service answers for 1900-01-01 .. 2100-12-31; the pattern says so, so clients (and
# schemathesis) know that 2345-05-21 is a 400, not a valid date. An empty value means "not
# given" (as an HTML form sends it), for dates and for the enum parameters alike.
DAY = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": r"^(19\d\d|20\d\d|2100)-\d{2}-\d{2}$"},
        {"const": ""},
    ]
}


def _enum(*values: str) -> dict[str, Any]:
    """An optional choice: one of `values`, or empty for the default."""
    return {"type": "string", "enum": [*values, ""]}


AS_OF = _q("as_of", "Date to answer for, 1900-01-01 to 2100-12-31 (default: today, UTC)", DAY)
CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "ISO 3166-1 (TH), ISO 3166-2 (US-TX) or local (US-CA:san-diego-city) code",
    "schema": {"type": "string", "minLength": 1, "maxLength": 80},
}
LAT = _q("lat", "Latitude, -90 to 90", {"type": "number", "minimum": -90, "maximum": 90}, True)
LON = _q("lon", "Longitude, -180 to 180", {"type": "number", "minimum": -180, "maximum": 180}, True)
BADGE_OPTS = [
    _q("style", "Badge style", _enum("flat", "flat-square", "for-the-badge")),
    _q("theme", "Colour theme", _enum("light", "dark", "auto")),
    _q(
        "label",
        "Left-hand text; cut to 40 characters when drawn",
        {"type": "string", "maxLength": 400},
    ),
    _q(
        "show_since",
        "Show the date the status took effect",
        _enum("0", "1", "true", "false"),
    ),
    AS_OF,
]
BATCH_ITEM = {
    "description": "{lat, lon, id?}: lat -90..90, lon -180..180, id a string or number; "
    "an item that is not such an object gets a per-item error"
}
SVG = {"description": "SVG badge", "content": {"image/svg+xml": {"schema": {"type": "string"}}}}
HTML = {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}


def _schemas() -> dict[str, Any]:
    dataset = {
        "type": "object",
        "required": ["version", "published"],
        "properties": {"version": {"type": "string"}, "published": {"type": "string"}},
    }
    source = {
        "type": "object",
        "required": ["url"],
        "properties": {"url": {"type": "string"}, "tier": NULLABLE_STR},
    }
    period = {
        "type": "object",
        "required": ["status", "effective_from", "effective_to", "sources"],
        "properties": {
            "status": STATUS,
            "effective_from": NULLABLE_STR,
            "effective_to": NULLABLE_STR,
            "lifecycle": {
                "type": "string",
                "enum": ["enacted", "pending", "emergency", "enjoined"],
            },
            "sources": {"type": "array", "items": _ref("Source")},
        },
    }
    brief = {
        "type": "object",
        "required": ["code", "name", "level", "status"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string"},
            "status": STATUS,
        },
    }
    verdict = {
        "type": "object",
        "required": ["status", "code", "reason"],
        "properties": {"status": STATUS, "code": NULLABLE_STR, "reason": {"type": "string"}},
    }
    alternative = {
        "type": "object",
        "required": ["code", "status"],
        "properties": {"code": {"type": "string"}, "status": STATUS},
    }
    point = {
        "type": "object",
        "required": [
            "as_of",
            "stack",
            "verdict",
            "near_border",
            "alternatives",
            "approximate",
            "at_sea",
            "disputed",
            "unclaimed",
        ],
        "properties": {
            "as_of": DATE,
            "stack": {"type": "array", "items": _ref("Brief")},
            "verdict": _ref("Verdict"),
            "near_border": {"type": "boolean"},
            "alternatives": {"type": "array", "items": _ref("Alternative")},
            "approximate": {"type": "boolean"},
            "at_sea": {"type": "boolean"},
            "disputed": {"type": "boolean"},
            "unclaimed": {"type": "boolean"},
            "claimants": {"type": "array", "items": {"type": "string"}},
            "controlled_by": {"oneOf": [{"type": "null"}, {"type": "object"}]},
            "disputed_areas": {"type": "array", "items": {"type": "object"}},
            "nearest_countries": {"type": "array", "items": {"type": "object"}},
            "local_nearby": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "status", "note"],
                    "properties": {"code": {"type": "string"}, "status": STATUS},
                },
            },
            "dataset": _ref("Dataset"),
        },
    }
    jur = {
        "type": "object",
        "required": ["code", "name", "level", "as_of", "status", "sources", "history", "dataset"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string"},
            "as_of": DATE,
            "status": STATUS,
            "sources": {"type": "array", "items": _ref("Source")},
            "history": {"type": "array", "items": _ref("Period")},
            "next": {"oneOf": [{"type": "null"}, {"type": "object"}]},
            "verdict": _ref("Verdict"),
            "dataset": _ref("Dataset"),
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": NULLABLE_STR,
                },
            }
        },
    }
    return {
        "Dataset": dataset,
        "Source": source,
        "Period": period,
        "Brief": brief,
        "Verdict": verdict,
        "Alternative": alternative,
        "PointAnswer": point,
        "Jurisdiction": jur,
        "Error": error,
    }


def _paths() -> dict[str, Any]:
    obj = {"type": "object"}
    paths: dict[str, Any] = {
        "/v1/jurisdictions": {
            "get": {
                "summary": "List jurisdictions with their status as of a date",
                "parameters": [
                    AS_OF,
                    _q(
                        "level",
                        "Filter by level",
                        _enum("country", "state", "county", "city"),
                    ),
                    _q("status", "Filter by status", _enum(*STATUS["enum"])),
                    _q("parent", "Filter by parent code", {"type": "string", "maxLength": 60}),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["as_of", "jurisdictions", "dataset"],
                            "properties": {
                                "jurisdictions": {"type": "array", "items": _ref("Brief")},
                                "dataset": _ref("Dataset"),
                            },
                        },
                        "Jurisdictions",
                    ),
                    **ERR,
                },
            }
        },
        "/v1/jurisdictions/{code}": {
            "get": {
                "summary": "One jurisdiction: status as of a date, history, next change, sources",
                "parameters": [CODE, AS_OF],
                "responses": {"200": _json(_ref("Jurisdiction"), "The jurisdiction"), **ERR},
            }
        },
        "/v1/lookup": {
            "get": {
                "summary": "Look up by name or code (q) or by point (lat, lon)",
                "parameters": [
                    _q(
                        "q",
                        "Name or code (texas, TX, US-TX, Thailand, TH)",
                        {"type": "string", "maxLength": 100},
                    ),
                    _q("lat", "Latitude", {"type": "number", "minimum": -90, "maximum": 90}),
                    _q("lon", "Longitude", {"type": "number", "minimum": -180, "maximum": 180}),
                    _q(
                        "limit",
                        "Max results for q",
                        {"type": "integer", "minimum": 1, "maximum": 50},
                    ),
                    AS_OF,
                ],
                "responses": {
                    "200": _json(
                        {
                            "oneOf": [
                                {
                                    "type": "object",
                                    "required": ["results"],
                                    "properties": {
                                        "results": {"type": "array", "items": _ref("Brief")}
                                    },
                                },
                                _ref("PointAnswer"),
                            ]
                        },
                        "Search results or a point answer",
                    ),
                    **ERR,
                },
            }
        },
        "/v1/lookup/batch": {
            "post": {
                "summary": "Many points at once, answered in input order",
                "description": 'Body: a JSON list of {lat, lon, id?}, {"points": [...]}, a GeoJSON '
                "FeatureCollection of Points, or CSV lines lat,lon[,id]. Bad items get a per-item "
                "error. With format=csv the answers come back as CSV; cells that a spreadsheet "
                "would run as a formula (= + - @) are prefixed with a single quote.",
                "parameters": [
                    AS_OF,
                    _q(
                        "format",
                        "Answer format (default json)",
                        _enum("json", "csv"),
                    ),
                    _q(
                        "detail",
                        "compact (default): per point the verdict's status and code, the flags "
                        "and per-product statuses; full: every point answer whole",
                        _enum("compact", "full"),
                    ),
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            # Items are {lat, lon, id?}; any other item becomes a per-item
                            # error in the answer, so the items themselves are not constrained.
                            "schema": {
                                "anyOf": [
                                    {"type": "array", "items": BATCH_ITEM},
                                    {
                                        "type": "object",
                                        "required": ["points"],
                                        "properties": {
                                            "points": {"type": "array", "items": BATCH_ITEM}
                                        },
                                    },
                                    {
                                        "type": "object",
                                        "required": ["type", "features"],
                                        "properties": {
                                            "type": {"const": "FeatureCollection"},
                                            "features": {"type": "array"},
                                        },
                                    },
                                ]
                            }
                        },
                        # CSV text, any bytes: bad lines become per-item errors, not a 4xx
                        "text/csv": {"schema": {"description": "Lines lat,lon[,id]"}},
                    },
                },
                "responses": {
                    "200": {
                        "description": "Answers (JSON, or CSV with format=csv)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["results"],
                                    "properties": {"results": {"type": "array"}},
                                }
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "413": _json(_ref("Error"), "Too many points or too large"),
                    "415": _json(_ref("Error"), "Unsupported content type"),
                    "422": _json(_ref("Error"), "Unreadable body"),
                    "429": {
                        **_json(_ref("Error"), "Rate limited"),
                        "headers": {
                            "Retry-After": {
                                "description": "Seconds until a batch request is allowed again",
                                "schema": {"type": "integer", "minimum": 1},
                            }
                        },
                    },
                    **ERR,
                },
            }
        },
        "/v1/changes": {
            "get": {
                "summary": "Status changes in a date range, past and scheduled",
                "parameters": [
                    _q("since", "From date (inclusive)", DAY),
                    _q("until", "To date (inclusive)", DAY),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["changes"],
                            "properties": {"changes": {"type": "array", "items": obj}},
                        },
                        "Changes",
                    ),
                    **ERR,
                },
            }
        },
        "/v1/meta": {
            "get": {
                "summary": "Dataset version, load and refresh state, boundaries, attribution",
                "responses": {"200": _json(obj, "Meta")},
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "responses": {"200": _json(obj, "OK"), "503": _json(obj, "Starting")},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness",
                "responses": {"200": _json(obj, "Ready"), "503": _json(obj, "Not ready")},
            }
        },
        "/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": _json(obj, "OpenAPI 3.1")}}
        },
    }
    return paths


@functools.cache
def spec() -> dict[str, Any]:
    from . import extra_paths

    paths = _paths()
    paths.update(extra_paths.collect())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kratom legal-status API",
            "version": "1.0.0",
            "description": "Is kratom legal here, on this date, and why? Not legal advice.",
            "license": {"name": "Data: see /v1/meta attribution"},
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "KRATOM_ADMIN_TOKEN",
                }
            },
        },
    }
