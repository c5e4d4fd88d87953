"""Parsing batch lookup bodies (JSON list, GeoJSON FeatureCollection, CSV) into points.

Bad items become per-item errors; only a body that cannot be read at all is a 4xx.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import orjson

from .errors import ApiError

Point = tuple[float, float, Any]  # lat, lon, id
ItemError = dict[str, Any]


def _number(value: Any, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"'{field}' must be a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"'{field}' must be a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"'{field}' must be between {low:g} and {high:g}")
    return number + 0.0


def _item(lat: Any, lon: Any, ident: Any) -> Point:
    return (_number(lat, "lat", -90, 90), _number(lon, "lon", -180, 180), ident)


def parse_body(body: bytes, content_type: str, max_points: int) -> list[Point | ItemError]:
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        items = _csv(body)
    elif kind in ("application/json", "application/geo+json", ""):
        items = _json(body)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send application/json, application/geo+json or text/csv",
            "Content-Type",
        )
    if len(items) > max_points:
        raise ApiError(413, "too_many_points", f"at most {max_points} points per request", "body")
    return items


def _json(body: bytes) -> list[Point | ItemError]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(422, "invalid_json", f"body is not valid JSON: {exc}", "body") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise ApiError(422, "invalid_body", "'features' must be a list", "features")
        return [_feature(i, f) for i, f in enumerate(features)]
    if isinstance(data, dict) and isinstance(data.get("points"), list):
        data = data["points"]
    if not isinstance(data, list):
        raise ApiError(
            422,
            "invalid_body",
            'body must be a list of {lat, lon, id?}, {"points": [...]} or a GeoJSON FeatureCollection',
            "body",
        )
    out: list[Point | ItemError] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            out.append(
                {
                    "index": i,
                    "error": {
                        "code": "invalid_item",
                        "message": "item must be an object",
                        "field": "item",
                    },
                }
            )
            continue
        ident = item.get("id")
        if ident is not None and not isinstance(ident, (str, int, float)):
            ident = None
        try:
            out.append(_item(item.get("lat"), item.get("lon"), ident))
        except ValueError as exc:
            out.append(_err(i, exc, ident))
    return out


def _feature(i: int, feature: Any) -> Point | ItemError:
    try:
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point":
            raise ValueError("'geometry' must be a GeoJSON Point")
        coords = geom.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise ValueError("'coordinates' must be [lon, lat]")
        ident = feature.get("id")
        if ident is None and isinstance(feature.get("properties"), dict):
            ident = feature["properties"].get("id")
        if ident is not None and not isinstance(ident, (str, int, float)):
            ident = None
        return _item(coords[1], coords[0], ident)
    except ValueError as exc:
        return _err(i, exc, None)


def _csv(body: bytes) -> list[Point | ItemError]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_body", "CSV body must be UTF-8", "body") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # e.g. a bare CR inside an unquoted field
        raise ApiError(422, "invalid_csv", f"body is not readable CSV: {exc}", "body") from None
    if rows and rows[0] and rows[0][0].strip().lower() == "lat":
        rows = rows[1:]
    out: list[Point | ItemError] = []
    for i, row in enumerate(r for r in rows if any(c.strip() for c in r)):
        ident = row[2].strip() if len(row) > 2 else None
        try:
            if len(row) < 2:
                raise ValueError("each line needs lat,lon[,id]")
            out.append(_item(row[0].strip(), row[1].strip(), ident))
        except ValueError as exc:
            out.append(_err(i, exc, ident))
    return out


def _err(i: int, exc: ValueError, ident: Any) -> ItemError:
    msg = str(exc)
    field = msg.split("'")[1] if msg.count("'") >= 2 else "item"
    return {
        "index": i,
        "id": ident,
        "error": {"code": "invalid_item", "message": msg, "field": field},
    }


def csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formula prefixes (= + - @) in CSV output (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
