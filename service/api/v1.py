"""JSON API v1: jurisdictions, lookups by name or point, batch, changes, meta."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from .. import resolve
from ..dataset.model import LEVELS, STATUSES
from ..loading import published_from
from ..params import parse_as_of, parse_choice, parse_day, parse_lat_lon, single
from ..ratelimit import client_key
from ..snapshot import Snapshot, current_snapshot, holder
from . import batch
from .errors import ApiError
from .respond import etag_of, html_safe_json, json_response, raw_json_response, with_etag

bp = Blueprint("api_v1", __name__, url_prefix="/v1")
bp.after_request(with_etag)  # a strong ETag on every JSON GET answer, and 304 on If-None-Match


def snapshot_or_503() -> Snapshot:
    snap = current_snapshot()
    if snap is None:
        raise ApiError(503, "not_ready", "The dataset is not loaded yet; see /v1/meta.")
    return snap


def max_age_for(day: dt.date, next_change: str | None) -> int:
    """Never cache past the refresh interval, nor past midnight before a scheduled change."""
    refresh = int(current_app.config["KRATOM_REFRESH_SECONDS"]) or 300
    if next_change:
        try:
            change = dt.date.fromisoformat(next_change)
        except ValueError:
            return refresh
        now = dt.datetime.now(dt.UTC)
        until = dt.datetime.combine(change, dt.time(), dt.UTC) - now
        return max(0, min(refresh, int(until.total_seconds())))
    return refresh


@bp.get("/jurisdictions")
def list_jurisdictions() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    level = parse_choice(request.args, "level", LEVELS)
    status = parse_choice(request.args, "status", STATUSES)
    parent_raw = single(request.args, "parent", max_len=60)
    parent = None
    if parent_raw:
        p = snap.dataset.get(resolve.canonical_code(parent_raw))
        if p is None:
            raise ApiError(
                404, "unknown_code", f"no jurisdiction with code {parent_raw!r}", "parent"
            )
        parent = p.code
    items = resolve.list_jurisdictions(snap, day, level, status, parent)
    return json_response(
        {
            "as_of": day.isoformat(),
            "count": len(items),
            "jurisdictions": items,
            "dataset": snap.dataset_info,
        },
        max_age=max_age_for(day, None),
    )


@bp.get("/jurisdictions/<path:code>")
def get_jurisdiction(code: str) -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    j = resolve.find(snap, code)
    if j is None:
        raise ApiError(
            404,
            "unknown_code",
            f"no jurisdiction with code {code[:80]!r}; try /v1/lookup?q=",
            "code",
        )
    answer = resolve.jurisdiction_answer(snap, j.code, day)
    assert answer is not None
    nxt = answer["next"]["date"] if answer["next"] else None
    return json_response(answer, max_age=max_age_for(day, nxt))


@bp.get("/lookup")
def lookup() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    q = single(request.args, "q", max_len=100)
    has_point = "lat" in request.args or "lon" in request.args
    if q is not None and has_point:
        raise ApiError(400, "ambiguous_query", "give either q or lat and lon, not both", "q")
    if q is not None:
        if not q.strip():
            raise ApiError(400, "missing_parameter", "'q' must not be empty", "q")
        limit = _limit(single(request.args, "limit"))
        results = resolve.search(snap, q, day, limit)
        return json_response(
            {
                "as_of": day.isoformat(),
                "query": q,
                "count": len(results),
                "results": results,
                "dataset": snap.dataset_info,
            },
            max_age=max_age_for(day, None),
        )
    if not has_point:
        raise ApiError(400, "missing_parameter", "give q (a name or code) or lat and lon", "q")
    lat, lon = parse_lat_lon(request.args)
    if snap.geo is None:
        raise ApiError(503, "not_ready", "Boundaries are not loaded; see /v1/meta.")
    body, max_age, etag = point_json(snap, lat, lon, day)
    resp = raw_json_response(body, max_age)
    resp.set_etag(etag)  # with_etag keeps it: the fast path sends the same one
    return resp


def point_json(snap: Snapshot, lat: float, lon: float, day: dt.date) -> tuple[bytes, int, str]:
    """The point answer as JSON bytes, its max-age and its ETag (also for service.fastpath)."""
    loc = snap.geo.locate(lon, lat)
    # The answer depends on (location, day) only; serialise it once and splice the query in.
    key = ("point-json", loc, day)
    cached = snap.memo.get(key)
    if cached is None:
        base = resolve.point_answer(snap, loc, lat, lon, day)
        base.pop("query")
        body = html_safe_json(base)
        cached = (body, _earliest_next(base), etag_of(body).encode())
        snap.remember(key, cached)
    body, earliest, base_tag = cached
    query = orjson.dumps({"lat": lat, "lon": lon})
    # the bytes are the query plus the memoised answer: tag them by both, without rehashing
    return (
        b'{"query":' + query + b"," + body[1:],
        max_age_for(day, earliest),
        etag_of(query + base_tag),
    )


def _earliest_next(answer: dict[str, Any]) -> str | None:
    dates = [
        e["next"]["date"] for e in answer.get("stack", []) if e.get("next") and e["next"]["date"]
    ]
    return min(dates) if dates else None


def _limit(raw: str | None) -> int:
    if raw is None:
        return 10
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        raise ApiError(400, "bad_parameter", "'limit' must be a whole number from 1 to 50", "limit")
    return int(raw)


@bp.post("/lookup/batch")
def lookup_batch() -> Response:
    snap = snapshot_or_503()
    limiter = current_app.extensions["kratom.batch_limiter"]
    allowed, wait = limiter.allow(client_key(request.remote_addr))
    if not allowed:
        retry = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "rate_limited",
            f"too many batch requests; retry in {retry} s",
            None,
            headers={"Retry-After": str(retry), "Cache-Control": "no-store"},
        )
    day = parse_as_of(request.args)
    fmt = parse_choice(request.args, "format", ("json", "csv")) or "json"
    detail = parse_choice(request.args, "detail", batch.DETAILS) or "compact"
    max_bytes = int(current_app.config["KRATOM_BATCH_MAX_BYTES"])
    if request.content_length is not None and request.content_length > max_bytes:
        raise batch.too_large(max_bytes)
    items = batch.parse_stream(
        request.stream,
        request.content_type or "",
        int(current_app.config["KRATOM_BATCH_MAX_POINTS"]),
        max_bytes,
    )
    if snap.geo is None:
        raise ApiError(503, "not_ready", "Boundaries are not loaded; see /v1/meta.")
    answer = batch.Batch(snap, items, day, detail)
    return batch.csv_answer(answer) if fmt == "csv" else batch.json_answer(answer)


@bp.get("/changes")
def list_changes() -> Response:
    snap = snapshot_or_503()
    since = parse_day(single(request.args, "since"), "since")
    until = parse_day(single(request.args, "until"), "until")
    if since and until and until < since:
        raise ApiError(400, "bad_range", "'until' is before 'since'", "until")
    items = resolve.changes(snap, since, until)
    return json_response(
        {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "count": len(items),
            "changes": items,
            "dataset": snap.dataset_info,
        },
        max_age=max_age_for(resolve.today_utc(), None),
    )


@bp.get("/meta")
def meta() -> Response:
    h = holder()
    snap = h.current
    body: dict[str, Any] = {
        "service": "kratom-status",
        "api_version": "v1",
        "dataset": None,
        "last_refresh": h.last_attempt,
        "last_success": h.last_success,
        "boundaries": None,
        "attribution": [],
    }
    if snap is not None:
        counts: dict[str, Any] = {"jurisdictions": len(snap.dataset.jurisdictions)}
        counts["periods"] = sum(len(j.periods) for j in snap.dataset.jurisdictions.values())
        counts["researched"] = sum(1 for j in snap.dataset.jurisdictions.values() if j.periods)
        body["dataset"] = {
            **snap.dataset_info,
            "published_from": published_from(snap.source, snap.published),
            "loaded_at": snap.loaded_at.isoformat(),
            "source": snap.source,
            "files": list(snap.dataset.files),
            "counts": counts,
        }
        if snap.geo is not None:
            body["boundaries"] = {"version": snap.geo.version, "layers": snap.geo.layers}
            body["attribution"] = sorted(
                {lay["attribution"] for lay in snap.geo.layers if lay.get("attribution")}
            )
    resp = json_response(body, max_age=0)
    resp.headers["Cache-Control"] = "no-cache"  # may be kept, but always revalidated (ETag)
    return resp
