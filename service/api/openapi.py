"""The OpenAPI 3.1 document, written spec-first: the contract schemathesis checks us against."""

from __future__ import annotations

import functools
from typing import Any

from ..dataset.model import TIERS

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


def _obj(required: list[str] | str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An object schema (`required` as a list or space-separated). Additional properties stay
    allowed everywhere: answers grow new keys (per-product answers, watch lists) without
    breaking clients or this contract."""
    names = required.split() if isinstance(required, str) else required
    return {"type": "object", "required": names, "properties": properties, **extra}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


INT_OR_NULL = {"type": ["integer", "null"]}
LEVEL = {"type": "string", "enum": ["country", "state", "county", "city"]}
CONFIDENCE = {"type": ["string", "null"], "enum": ["high", "medium", "low", None]}
LIFECYCLE = {"type": "string", "enum": ["enacted", "pending", "emergency", "enjoined"]}
PRECISION = {
    "type": "string",
    "enum": ["day", "month", "year", "before"],
    "description": "How much of the date the sources give; `before`: the earliest day a source "
    "shows the status in force (its start is not known)",
}
PRODUCT_ENUM = ["leaf", "extract", "7-oh", "synthetic"]
BASIS = {
    "type": "string",
    "enum": ["not_researched", "unsettled", "no_period"],
    "description": "Why unknown: no research exists; researched but the sources do not establish "
    "it; or researched, but nothing is established for this date",
}
CAP = {
    "type": "array",
    "items": {
        "type": "string",
        "pattern": r"^[a-z0-9-]+<=\d+(\.\d+)?(%alkaloids|%w/w|mg/serving|mg/unit|mg/g)$",
    },
    "description": "Limits on a substance, e.g. 7-oh<=2%alkaloids",
}
PRODUCTS = {"type": "array", "items": {"type": "string", "enum": PRODUCT_ENUM}}
SINCE = {
    "type": ["string", "null"],
    "description": "The date the status took effect, only as precise as the sources "
    "(2016, 2016-05 or 2016-05-10)",
}
OUTCOME = {
    "type": "string",
    "enum": ["loaded", "unchanged", "invalid", "refused", "error", "skipped"],
}


def _schemas() -> dict[str, Any]:
    """Reusable components: each answer is built from the same parts (Brief -> StackEntry,
    Verdict, Next, Source), so a new key is added in one place."""
    brief_props = {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "level": LEVEL,
        "status": STATUS,
        "since": SINCE,
        "age_min": INT_OR_NULL,
        "law": NULLABLE_STR,
        "confidence": CONFIDENCE,
        "since_precision": {"type": ["string", "null"], "enum": [*PRECISION["enum"], None]},
        "products": _ref("StatusByProduct"),
        "researched": {"type": "boolean"},
    }
    brief_required = [
        "code",
        "name",
        "level",
        "status",
        "since",
        "age_min",
        "law",
        "confidence",
        "products",
    ]
    point_props = {
        "query": _obj(["lat", "lon"], {"lat": {"type": "number"}, "lon": {"type": "number"}}),
        "as_of": DATE,
        "stack": {
            "type": "array",
            "items": _ref("StackEntry"),
            "description": "Every jurisdiction containing the point, country first",
        },
        "verdict": _ref("Verdict"),
        "unknown_layers": {"type": "array", "items": {"type": "string"}},
        "near_border": {"type": "boolean"},
        "alternatives": {"type": "array", "items": _ref("Alternative")},
        "approximate": {"type": "boolean"},
        "at_sea": {"type": "boolean"},
        "disputed": {"type": "boolean"},
        "unclaimed": {"type": "boolean"},
        "claimants": {"type": "array", "items": {"type": "string"}},
        "controlled_by": _nullable(_ref("Controller")),
        "disputed_areas": {"type": "array", "items": _ref("DisputedArea")},
        "nearest_countries": {"type": "array", "items": _ref("Nearest")},
        "local_nearby": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "status", "note"],
                "properties": {"code": {"type": "string"}, "status": STATUS},
            },
        },
        "status": {
            **STATUS,
            "description": "One word over the product classes (restricted: leaf lawful, some "
            "class banned)",
        },
        "products": _ref("ProductVerdicts"),
        "next": _nullable(_ref("Next")),
        "local_layer": {"type": "string", "enum": ["loaded", "not_loaded"]},
        "notes": {"type": "array", "items": {"type": "string"}},
        "nearest": _ref("Nearest"),
        "summary": {"type": "string"},
        "dataset": _ref("Dataset"),
    }
    point_required = [
        "query",
        "as_of",
        "stack",
        "verdict",
        "unknown_layers",
        "near_border",
        "alternatives",
        "approximate",
        "at_sea",
        "disputed",
        "unclaimed",
        "status",
        "products",
        "next",
        "local_layer",
        "notes",
        "summary",
    ]
    return {
        "Dataset": _obj(
            ["version", "published"],
            {
                "version": {"type": "string", "description": "Content hash of the files"},
                "published": {
                    "type": "string",
                    "description": "When the dataset was published (ISO 8601, UTC)",
                },
            },
        ),
        "Source": _obj(
            ["url", "tier"],
            {
                "url": {"type": "string"},
                "tier": {
                    "type": ["string", "null"],
                    "enum": [*TIERS, None],
                },
                "read_via": {
                    "type": "string",
                    "description": "Present when the page was read through a quoted excerpt "
                    "(in a digest or tracker), not itself",
                },
            },
        ),
        "Period": _obj(
            ["status", "effective_from", "effective_to", "lifecycle", "sources", "verified_on"],
            {
                "status": STATUS,
                "effective_from": _nullable(DATE),
                "effective_to": _nullable(DATE),
                "date_precision": PRECISION,
                "lifecycle": LIFECYCLE,
                "age_min": INT_OR_NULL,
                "products": PRODUCTS,
                "cap": CAP,
                "cap_words": {"type": "array", "items": {"type": "string"}},
                "banned_products": PRODUCTS,
                "law": NULLABLE_STR,
                "sources": {"type": "array", "items": _ref("Source")},
                "verified_on": DATE,
                "confidence": CONFIDENCE,
                "source_date": NULLABLE_STR,
                "notes": NULLABLE_STR,
            },
        ),
        "Next": _obj(
            ["date", "status", "items"],
            {
                "date": _nullable(DATE),
                "date_precision": {"type": ["string", "null"], "enum": [*PRECISION["enum"], None]},
                "status": _nullable(STATUS),
                "lifecycle": {"type": ["string", "null"], "enum": [*LIFECYCLE["enum"], None]},
                "age_min": INT_OR_NULL,
                "law": NULLABLE_STR,
                "confidence": CONFIDENCE,
                "code": NULLABLE_STR,
                "products": PRODUCTS,
                "kind": {"type": ["string", "null"], "enum": ["scheduled", "expires", None]},
                "items": {"type": "array", "items": _ref("NextItem")},
            },
            description="What changes next: the first dated change (flat, as before) and every "
            "item: scheduled changes, expiries and pending actions of every layer",
        ),
        "NextItem": _obj(
            ["kind", "date", "code", "products", "status"],
            {
                "kind": {"type": "string", "enum": ["scheduled", "expires", "pending"]},
                "date": _nullable(DATE),
                "date_precision": PRECISION,
                "code": {"type": "string"},
                "name": {"type": "string"},
                "products": PRODUCTS,
                "status": STATUS,
                "lifecycle": LIFECYCLE,
                "age_min": INT_OR_NULL,
                "law": NULLABLE_STR,
                "confidence": CONFIDENCE,
                "sources": {"type": "array", "items": _ref("Source")},
                "scope": {"type": "string", "enum": ["federal", "national", "state", "local"]},
                "stage": {"type": "string"},
                "stage_words": {"type": "string"},
                "stage_date": DATE,
                "decide_by": _nullable(DATE),
                "overdue": {
                    "type": "boolean",
                    "description": "pending only: the decide-by date has passed and no outcome "
                    "is recorded yet; the answer for these classes may be out of date",
                },
                "title": {"type": "string"},
                "notes": {"type": "string"},
                "would_change": {
                    "type": "array",
                    "items": {"type": "string", "enum": PRODUCT_ENUM},
                    "description": "pending only: the classes whose answer here it would tighten",
                },
            },
            description="scheduled: a period starts; expires: a period ends with nothing "
            "researched after; pending: a proposal, never a status (watch.csv)",
        ),
        "StatusByProduct": _obj(
            PRODUCT_ENUM, {p: STATUS for p in PRODUCT_ENUM}, description="Status per product class"
        ),
        "ProductVerdicts": _obj(
            PRODUCT_ENUM,
            {p: _ref("Verdict") for p in PRODUCT_ENUM},
            description="The answer per product class (leaf = `verdict`)",
        ),
        "LayerProduct": _obj(
            ["status", "verdict"],
            {
                "status": STATUS,
                "since": SINCE,
                "since_precision": {"type": ["string", "null"], "enum": [*PRECISION["enum"], None]},
                "until": _nullable(DATE),
                "age_min": INT_OR_NULL,
                "cap": CAP,
                "cap_words": {"type": "array", "items": {"type": "string"}},
                "law": NULLABLE_STR,
                "lifecycle": {"type": ["string", "null"], "enum": [*LIFECYCLE["enum"], None]},
                "confidence": CONFIDENCE,
                "basis": BASIS,
                "verdict": _ref("Verdict"),
            },
            description="This layer's own answer for one class, and the overall `verdict`",
        ),
        "Verdict": _obj(
            ["status", "code", "reason"],
            {
                "status": STATUS,
                "code": {
                    "type": ["string", "null"],
                    "description": "The layer that controls the answer",
                },
                "reason": {"type": "string"},
                "name": {"type": "string"},
                "since": SINCE,
                "age_min": INT_OR_NULL,
                "cap": CAP,
                "law": NULLABLE_STR,
                "basis": BASIS,
            },
        ),
        "Brief": _obj(brief_required, brief_props),
        "ListedJurisdiction": _obj(
            [*brief_required, "parent", "next"],
            {**brief_props, "parent": NULLABLE_STR, "next": _nullable(_ref("Next"))},
        ),
        "SearchResult": _obj(
            [*brief_required, "matched", "summary"],
            {
                **brief_props,
                "matched": {"type": "string", "enum": ["code", "name"]},
                "summary": {"type": "string"},
            },
        ),
        "StackEntry": _obj(
            [*brief_required, "parent", "sources", "next"],
            {
                **brief_props,
                "parent": NULLABLE_STR,
                "sources": {"type": "array", "items": _ref("Source")},
                "next": _nullable(_ref("Next")),
            },
            description="One jurisdiction that contains the point",
        ),
        "Alternative": _obj(
            ["code", "status"],
            {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "layer": {"type": "string"},
                "status": STATUS,
                "products": _ref("StatusByProduct"),
                "distance_m": {"type": "number"},
            },
            description="A jurisdiction across a nearby border (does not contain the point)",
        ),
        "Nearest": _obj(
            ["code", "distance_m"],
            {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "distance_m": {"type": "number"},
            },
            description="At sea: the nearest country (does not contain the point)",
        ),
        "Controller": _obj(
            ["code", "name"],
            {"code": NULLABLE_STR, "name": NULLABLE_STR},
            description="Who controls a disputed area (de facto)",
        ),
        "DisputedArea": _obj(
            ["id", "name", "kind", "claimants", "controlled_by"],
            {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["disputed", "unclaimed"]},
                "claimants": {"type": "array", "items": {"type": "string"}},
                "controlled_by": _ref("Controller"),
                "polygon_source": {"type": "string"},
                "sources": {"type": "array", "items": {"type": "string"}},
                "notes": {"type": "string"},
            },
            description="A row of data/boundaries/disputed-areas.csv that contains the point",
        ),
        "PointAnswer": _obj(point_required, point_props),
        "Jurisdiction": _obj(
            "code name level as_of status summary overall sources current products next watch "
            "parents verdict history dataset",
            {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "level": LEVEL,
                "kind": {"type": "string"},
                "aliases": {"type": "array", "items": {"type": "string"}},
                "as_of": DATE,
                "status": STATUS,
                "summary": {"type": "string", "description": "This layer's own rules"},
                "overall": {
                    "type": "string",
                    "description": "The answer over every layer that applies, per product, with "
                    "what is proposed but not in force",
                },
                "products": _obj(PRODUCT_ENUM, {p: _ref("LayerProduct") for p in PRODUCT_ENUM}),
                "watch": {"type": "array", "items": _ref("NextItem")},
                "since": SINCE,
                "since_precision": {"type": ["string", "null"], "enum": [*PRECISION["enum"], None]},
                "until": _nullable(DATE),
                "age_min": INT_OR_NULL,
                "banned_products": PRODUCTS,
                "law": NULLABLE_STR,
                "lifecycle": {"type": ["string", "null"], "enum": [*LIFECYCLE["enum"], None]},
                "confidence": CONFIDENCE,
                "verified_on": _nullable(DATE),
                "notes": NULLABLE_STR,
                "sources": {"type": "array", "items": _ref("Source")},
                "current": _nullable(_ref("Period")),
                "next": _nullable(_ref("Next")),
                "parents": {"type": "array", "items": _ref("Brief")},
                "verdict": _ref("Verdict"),
                "researched": {"type": "boolean"},
                "history": {"type": "array", "items": _ref("Period")},
                "dataset": _ref("Dataset"),
            },
        ),
        "JurisdictionList": _obj(
            ["as_of", "count", "jurisdictions", "dataset"],
            {
                "as_of": DATE,
                "count": {"type": "integer", "minimum": 0},
                "jurisdictions": {"type": "array", "items": _ref("ListedJurisdiction")},
                "dataset": _ref("Dataset"),
            },
        ),
        "SearchAnswer": _obj(
            ["as_of", "query", "count", "results", "dataset"],
            {
                "as_of": DATE,
                "query": {"type": "string"},
                "count": {"type": "integer", "minimum": 0},
                "results": {"type": "array", "items": _ref("SearchResult")},
                "dataset": _ref("Dataset"),
            },
        ),
        "Change": _obj(
            "date date_precision code name level products from_status to_status status_changed "
            "lifecycle sources summary",
            {
                "date": DATE,
                "date_precision": PRECISION,
                "products": {**PRODUCTS, "description": "The classes that changed together"},
                "code": {"type": "string"},
                "name": {"type": "string"},
                "level": LEVEL,
                "from_status": STATUS,
                "to_status": STATUS,
                "status_changed": {"type": "boolean"},
                "lifecycle": LIFECYCLE,
                "age_min": INT_OR_NULL,
                "law": NULLABLE_STR,
                "confidence": CONFIDENCE,
                "sources": {"type": "array", "items": {"type": "string"}},
                "summary": {"type": "string"},
            },
        ),
        "ChangeList": _obj(
            ["since", "until", "count", "changes", "dataset"],
            {
                "since": _nullable(DATE),
                "until": _nullable(DATE),
                "count": {"type": "integer", "minimum": 0},
                "changes": {"type": "array", "items": _ref("Change")},
                "dataset": _ref("Dataset"),
            },
        ),
        "BatchCompact": _obj(
            ["index", "verdict", "near_border", "approximate", "at_sea", "disputed"],
            {
                "index": {"type": "integer", "minimum": 0},
                "id": {"type": ["string", "number", "null"]},
                "query": _obj(
                    ["lat", "lon"], {"lat": {"type": "number"}, "lon": {"type": "number"}}
                ),
                "verdict": _obj(["status", "code"], {"status": STATUS, "code": NULLABLE_STR}),
                "near_border": {"type": "boolean"},
                "approximate": {"type": "boolean"},
                "at_sea": {"type": "boolean"},
                "disputed": {"type": "boolean"},
                "products": _ref("StatusByProduct"),
            },
            description="detail=compact (the default): the leaf verdict, flags and a status per "
            "product class",
        ),
        "BatchPoint": {
            "allOf": [
                _ref("PointAnswer"),
                _obj(
                    ["index"],
                    {
                        "index": {"type": "integer", "minimum": 0},
                        "id": {"type": ["string", "number", "null"]},
                    },
                ),
            ]
        },
        "BatchItemError": _obj(
            ["index", "error"],
            {
                "index": {"type": "integer", "minimum": 0},
                "id": {"type": ["string", "number", "null"]},
                "error": _ref("ErrorBody"),
            },
        ),
        "BatchAnswer": _obj(
            ["as_of", "count", "errors", "results", "dataset"],
            {
                "as_of": DATE,
                "count": {"type": "integer", "minimum": 0},
                "errors": {"type": "integer", "minimum": 0},
                "results": {
                    "type": "array",
                    "description": "One per input item, in input order",
                    "items": {
                        "anyOf": [_ref("BatchCompact"), _ref("BatchPoint"), _ref("BatchItemError")]
                    },
                },
                "dataset": _ref("Dataset"),
            },
        ),
        "RefreshAttempt": _obj(
            ["at", "outcome"],
            {
                "at": {"type": "string"},
                "outcome": OUTCOME,
                "version": NULLABLE_STR,
                "source_version": NULLABLE_STR,
                "source": {"type": "string"},
                "error": NULLABLE_STR,
                "errors": {"type": "array", "items": {"type": "string"}},
                "duration_ms": {"type": "number"},
                "last_success": _nullable(_ref("RefreshSuccess")),
            },
            description="The last refresh attempt of the worker that answered",
        ),
        "RefreshSuccess": _obj(
            ["at", "version"], {"at": {"type": "string"}, "version": NULLABLE_STR}
        ),
        "BoundaryLayer": _obj(
            ["name", "loaded"],
            {
                "name": {"type": "string"},
                "source": {"type": "string"},
                "vintage": {"type": "string"},
                "accuracy_m": {"type": "number"},
                "margin_m": {"type": "number"},
                "attribution": NULLABLE_STR,
                "licence": NULLABLE_STR,
                "loaded": {"type": "boolean"},
                "features": {"type": "integer"},
            },
        ),
        "Meta": _obj(
            "service api_version dataset last_refresh last_success boundaries attribution",
            {
                "service": {"type": "string"},
                "api_version": {"type": "string"},
                "dataset": _nullable(
                    _obj(
                        ["version", "published", "published_from", "loaded_at", "source"],
                        {
                            "version": {"type": "string"},
                            "published": {"type": "string"},
                            "published_from": {
                                "type": "string",
                                "enum": ["artifact", "git-commit", "published-file", "file-mtime"],
                                "description": "How `published` was found: the published "
                                "artifact's time, the newest git commit touching the data, the "
                                "editor's published.txt, or (last resort) the files' time",
                            },
                            "loaded_at": {"type": "string"},
                            "source": {"type": "string"},
                            "files": {"type": "array", "items": {"type": "string"}},
                            "counts": _obj(
                                ["jurisdictions", "periods", "researched"],
                                {
                                    "jurisdictions": {"type": "integer"},
                                    "periods": {"type": "integer"},
                                    "researched": {"type": "integer"},
                                },
                            ),
                        },
                    )
                ),
                "last_refresh": _nullable(_ref("RefreshAttempt")),
                "last_success": _nullable(_ref("RefreshSuccess")),
                "boundaries": _nullable(
                    _obj(
                        ["version", "layers"],
                        {
                            "version": {"type": "string"},
                            "layers": {"type": "array", "items": _ref("BoundaryLayer")},
                        },
                    )
                ),
                "attribution": {"type": "array", "items": {"type": "string"}},
            },
        ),
        "Health": _obj(
            ["status"],
            {
                "status": {"type": "string", "enum": ["ok", "starting"]},
                "ready": {"type": "boolean"},
                "dataset": _ref("Dataset"),
            },
        ),
        "Readiness": _obj(
            ["ready", "last_refresh"],
            {
                "ready": {"type": "boolean"},
                "dataset": _ref("Dataset"),
                "last_refresh": _nullable(_ref("RefreshAttempt")),
            },
        ),
        "ErrorBody": _obj(
            ["code", "message", "field"],
            {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {
                    "type": ["string", "null"],
                    "description": "The parameter or body field at fault",
                },
            },
        ),
        "Error": _obj(["error"], {"error": _ref("ErrorBody")}),
    }


ETAG = {
    "ETag": {
        "description": "Strong validator of these exact bytes; send it back in If-None-Match",
        "schema": {"type": "string"},
    }
}
NOT_MODIFIED = {"304": {"description": "Not modified (If-None-Match matched the ETag)"}}


def _cached(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON answer with an ETag, and its 304."""
    return {"200": {**_json(schema, description), "headers": ETAG}, **NOT_MODIFIED}


def _op(operation_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict:
    return {"operationId": operation_id, "summary": summary, **extra, "responses": responses}


def _paths() -> dict[str, Any]:
    batch_body = {
        "anyOf": [
            {"type": "array", "items": BATCH_ITEM},
            {
                "type": "object",
                "required": ["points"],
                "properties": {"points": {"type": "array", "items": BATCH_ITEM}},
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
    return {
        "/v1/jurisdictions": {
            "get": _op(
                "listJurisdictions",
                "List jurisdictions with their status as of a date",
                {**_cached(_ref("JurisdictionList"), "Jurisdictions"), **ERR},
                parameters=[
                    AS_OF,
                    _q("level", "Filter by level", _enum("country", "state", "county", "city")),
                    _q("status", "Filter by status", _enum(*STATUS["enum"])),
                    _q("parent", "Filter by parent code", {"type": "string", "maxLength": 60}),
                ],
            )
        },
        "/v1/jurisdictions/{code}": {
            "get": _op(
                "getJurisdiction",
                "One jurisdiction: status as of a date, history, next change, sources",
                {**_cached(_ref("Jurisdiction"), "The jurisdiction"), **ERR},
                parameters=[CODE, AS_OF],
            )
        },
        "/v1/lookup": {
            "get": _op(
                "lookup",
                "Look up by name or code (q) or by point (lat, lon)",
                {
                    **_cached(
                        {"oneOf": [_ref("SearchAnswer"), _ref("PointAnswer")]},
                        "Search results (q) or a point answer (lat, lon)",
                    ),
                    **ERR,
                },
                parameters=[
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
            )
        },
        "/v1/lookup/batch": {
            "post": _op(
                "lookupBatch",
                "Many points at once, answered in input order",
                {
                    "200": {
                        "description": "Answers (JSON, or CSV with format=csv)",
                        "content": {
                            "application/json": {"schema": _ref("BatchAnswer")},
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
                description='Body: a JSON list of {lat, lon, id?}, {"points": [...]}, a GeoJSON '
                "FeatureCollection of Points, or CSV lines lat,lon[,id]. Bad items get a per-item "
                "error. With format=csv the answers come back as CSV; cells that a spreadsheet "
                "would run as a formula (= + - @) are prefixed with a single quote.",
                parameters=[
                    AS_OF,
                    _q("format", "Answer format (default json)", _enum("json", "csv")),
                    _q(
                        "detail",
                        "compact (default): per point the verdict's status and code, the flags "
                        "and per-product statuses; full: every point answer whole",
                        _enum("compact", "full"),
                    ),
                ],
                requestBody={
                    "required": True,
                    "content": {
                        # Items are {lat, lon, id?}; any other item becomes a per-item error in
                        # the answer, so the items themselves are not constrained.
                        "application/json": {"schema": batch_body},
                        # CSV text, any bytes: bad lines become per-item errors, not a 4xx
                        "text/csv": {"schema": {"description": "Lines lat,lon[,id]"}},
                    },
                },
            )
        },
        "/v1/changes": {
            "get": _op(
                "listChanges",
                "Status changes in a date range, past and scheduled",
                {**_cached(_ref("ChangeList"), "Changes"), **ERR},
                parameters=[
                    _q("since", "From date (inclusive)", DAY),
                    _q("until", "To date (inclusive)", DAY),
                ],
            )
        },
        "/v1/meta": {
            "get": _op(
                "getMeta",
                "Dataset version, load and refresh state, boundaries, attribution",
                {**_cached(_ref("Meta"), "Meta of the worker that answered"), "405": ERR["405"]},
            )
        },
        "/healthz": {
            "get": _op(
                "healthz",
                "Liveness",
                {
                    "200": _json(_ref("Health"), "OK"),
                    "503": _json(_ref("Health"), "Starting"),
                    "405": ERR["405"],
                },
            )
        },
        "/readyz": {
            "get": _op(
                "readyz",
                "Readiness: a good dataset and the boundaries serve",
                {
                    "200": _json(_ref("Readiness"), "Ready"),
                    "503": _json(_ref("Readiness"), "Not ready"),
                    "405": ERR["405"],
                },
            )
        },
        "/openapi.json": {
            "get": _op(
                "getOpenApi",
                "This document",
                {
                    "200": _json(
                        _obj(
                            ["openapi", "info", "paths", "components"],
                            {"openapi": {"type": "string"}, "paths": {"type": "object"}},
                        ),
                        "OpenAPI 3.1",
                    ),
                    "405": ERR["405"],
                },
            )
        },
    }


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
