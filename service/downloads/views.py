"""Routes of the open downloads: /downloads/jurisdictions.{csv,geojson,parquet}, /changes.ics."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

from flask import Blueprint, Response, request

from .. import resolve
from ..api.respond import json_response
from ..api.v1 import max_age_for, snapshot_or_503
from ..hardening.publicurl import public_base
from ..params import parse_as_of
from ..snapshot import Snapshot
from .build import FILES, build

bp = Blueprint("downloads", __name__)
CACHE_ENTRIES = 16  # per snapshot: the downloads are 10-400 KB each
_cache_lock = threading.Lock()


def _cached(snap: Snapshot, fmt: str, day: dt.date, base: str | None) -> tuple[bytes, str | None]:
    """Bodies per (format, day, base URL), a few per snapshot: built once, not per request,
    and bounded however many days or Host names clients try."""
    cache = snap.memo.get(("downloads",))
    if cache is None:
        with _cache_lock:
            cache = snap.memo.setdefault(("downloads",), {})
    key = (fmt, day, base)
    found = cache.get(key)
    if found is None:
        found = build(snap, fmt, day, base)
        with _cache_lock:
            if len(cache) >= CACHE_ENTRIES:
                cache.clear()
            cache[key] = found
    return found


def _send(snap: Snapshot, name: str, day: dt.date, base: str | None = None) -> Response:
    fmt, mimetype = FILES[name]
    body, nxt = _cached(snap, fmt, day, base)
    resp = Response(body, content_type=mimetype)
    stem, _, ext = name.rpartition(".")
    resp.headers["Content-Disposition"] = (
        f'inline; filename="kratom-{stem}-{snap.version}-{day.isoformat()}.{ext}"'
    )
    resp.headers["X-Dataset-Version"] = snap.version
    resp.headers["Cache-Control"] = f"public, max-age={max_age_for(day, nxt)}"
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return resp.make_conditional(request)


def _path(name: str) -> str:
    return f"/{name}" if name == "changes.ics" else f"/downloads/{name}"


@bp.get("/downloads")
def index() -> Response:
    snap = snapshot_or_503()
    root = public_base()  # never the Host header: this answer is publicly cached
    return json_response(
        {
            "files": [
                {"name": name, "url": f"{root}{_path(name)}", "media_type": mime}
                for name, (_fmt, mime) in FILES.items()
            ],
            "license": {
                "data": "CC-BY-4.0",
                "country_geometry": "ODbL-1.0 (© OpenStreetMap contributors)",
                "state_geometry": "US Census Bureau, public domain",
            },
            "dataset": snap.dataset_info,
        },
        max_age=max_age_for(resolve.today_utc(), None),
    )


@bp.get("/downloads/jurisdictions.csv")
def jurisdictions_csv() -> Response:
    snap = snapshot_or_503()
    return _send(snap, "jurisdictions.csv", parse_as_of(request.args))


@bp.get("/downloads/jurisdictions.geojson")
def jurisdictions_geojson() -> Response:
    snap = snapshot_or_503()
    return _send(snap, "jurisdictions.geojson", parse_as_of(request.args))


@bp.get("/downloads/jurisdictions.parquet")
def jurisdictions_parquet() -> Response:
    snap = snapshot_or_503()
    return _send(snap, "jurisdictions.parquet", parse_as_of(request.args))


@bp.get("/changes.ics")
def changes_ics() -> Response:
    snap = snapshot_or_503()
    return _send(snap, "changes.ics", resolve.today_utc(), public_base() or None)
