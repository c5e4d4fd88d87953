"""OpenAPI entries for the open downloads (merged into /openapi.json through extra_paths)."""

from __future__ import annotations

from typing import Any

from ..api.openapi import AS_OF, ERR, _json

NOT_MODIFIED = {"description": "Not modified (If-None-Match matched the ETag)"}
HEADERS = {
    "ETag": {"description": "Strong validator of the body", "schema": {"type": "string"}},
    "X-Dataset-Version": {
        "description": "Version (content hash) of the dataset the file was made from",
        "schema": {"type": "string"},
    },
}


def _file(media: str, description: str) -> dict[str, Any]:
    schema = (
        {"type": "string"} if media.startswith("text/") else {"type": "string", "format": "binary"}
    )
    if media == "application/geo+json":
        schema = {
            "type": "object",
            "required": ["type", "features", "dataset"],
            "properties": {
                "type": {"const": "FeatureCollection"},
                "as_of": {"type": "string"},
                "dataset": {
                    "type": "object",
                    "required": ["version", "published"],
                    "properties": {
                        "version": {"type": "string"},
                        "published": {"type": "string"},
                    },
                },
                "features": {"type": "array"},
            },
        }
    return {"description": description, "headers": HEADERS, "content": {media: {"schema": schema}}}


_ERRORS = {"400": ERR["400"], "405": ERR["405"], "503": ERR["503"]}
_COLUMNS = (
    "One row per jurisdiction (countries, US states and territories, local jurisdictions): "
    "its own status on `as_of`, since, until, law, confidence, verified_on, the next "
    "scheduled change, the overall verdict with the layers above it, per-product statuses, "
    "sources, and the dataset version. Data CC BY 4.0."
)

PATHS: dict[str, Any] = {
    "/downloads": {
        "get": {
            "operationId": "downloadsIndex",
            "summary": "The open downloads, with their licences and the dataset version",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["files", "license", "dataset"],
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["name", "url", "media_type"],
                                    "properties": {
                                        "name": {"type": "string"},
                                        "url": {"type": "string"},
                                        "media_type": {"type": "string"},
                                    },
                                },
                            },
                            "license": {
                                "type": "object",
                                "properties": {
                                    "data": {"type": "string"},
                                    "country_geometry": {"type": "string"},
                                    "state_geometry": {"type": "string"},
                                },
                            },
                            "dataset": {
                                "type": "object",
                                "required": ["version", "published"],
                                "properties": {
                                    "version": {"type": "string"},
                                    "published": {"type": "string"},
                                },
                            },
                        },
                    },
                    "Index",
                ),
                "405": ERR["405"],
                "503": ERR["503"],
            },
        }
    },
    "/downloads/jurisdictions.csv": {
        "get": {
            "operationId": "downloadJurisdictionsCsv",
            "summary": "Status of every jurisdiction as CSV",
            "description": _COLUMNS,
            "parameters": [AS_OF],
            "responses": {
                "200": _file("text/csv", "CSV with a header row"),
                "304": NOT_MODIFIED,
                **_ERRORS,
            },
        }
    },
    "/downloads/jurisdictions.geojson": {
        "get": {
            "operationId": "downloadJurisdictionsGeojson",
            "summary": "Status of every jurisdiction as GeoJSON, with the map's simplified polygons",
            "description": _COLUMNS
            + " Geometry: the reader map's simplified polygons (null where the map has none); "
            "country geometry © OpenStreetMap contributors, ODbL 1.0.",
            "parameters": [AS_OF],
            "responses": {
                "200": _file("application/geo+json", "RFC 7946 FeatureCollection"),
                "304": NOT_MODIFIED,
                **_ERRORS,
            },
        }
    },
    "/downloads/jurisdictions.parquet": {
        "get": {
            "operationId": "downloadJurisdictionsParquet",
            "summary": "Status of every jurisdiction as Parquet",
            "description": _COLUMNS + " Dataset version and day also in the file metadata.",
            "parameters": [AS_OF],
            "responses": {
                "200": _file("application/vnd.apache.parquet", "Apache Parquet file"),
                "304": NOT_MODIFIED,
                **_ERRORS,
            },
        }
    },
    "/changes.ics": {
        "get": {
            "operationId": "changesCalendar",
            "summary": "Status changes as an iCalendar feed (RFC 5545)",
            "description": "All-day events for the past year's status changes and every "
            "scheduled one; subscribe to it in a calendar application.",
            "responses": {
                "200": _file("text/calendar", "iCalendar"),
                "304": NOT_MODIFIED,
                "405": ERR["405"],
                "503": ERR["503"],
            },
        }
    },
}
