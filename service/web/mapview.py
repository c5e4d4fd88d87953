"""The choropleth map page (/map) and the small status table it colours by (/map/statuses.json).

The shapes are static (built by scripts/build_map.py); only the statuses depend on the date,
so the browser fetches {code: status} per date instead of re-downloading geometry.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request

from .. import resolve
from ..api.respond import json_response
from ..api.v1 import max_age_for
from ..params import parse_as_of
from ..snapshot import Snapshot
from .blueprint import bp
from .pages import html, snapshot_or_503
from .words import attribution

MAP_LEVELS = ("country", "state")
SLIDER_START = dt.date(2010, 1, 1)
SLIDER_YEARS_AHEAD = 3


def statuses(snap: Snapshot, day: dt.date) -> dict[str, str]:
    """Status per map region code, aliases included (the map draws PR, the dataset says US-PR)."""
    key = ("web", "map-statuses", day)
    found = snap.memo.get(key)
    if found is not None:
        return found
    out = {
        j["code"]: j["status"]
        for level in MAP_LEVELS
        for j in resolve.list_jurisdictions(snap, day, level=level)
    }
    for alias, canonical in snap.dataset.aliases.items():
        if canonical in out:
            out.setdefault(alias, out[canonical])
    snap.remember(key, out)
    return out


@bp.get("/map")
def map_page() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    today = resolve.today_utc()
    rows = sorted(
        (j for level in MAP_LEVELS for j in resolve.list_jurisdictions(snap, day, level=level)),
        key=lambda j: (j["level"] != "state", j["name"]),
    )
    body = render_template(
        "map.html",
        day=day.isoformat(),
        min_day=SLIDER_START.isoformat(),
        max_day=today.replace(year=today.year + SLIDER_YEARS_AHEAD).isoformat()
        if not (today.month == 2 and today.day == 29)
        else dt.date(today.year + SLIDER_YEARS_AHEAD, 2, 28).isoformat(),
        today=today.isoformat(),
        rows=rows,
        attribution=attribution(snap),
        dataset=snap.dataset_info,
    )
    return html(body)


@bp.get("/map/statuses.json")
def map_statuses() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    return json_response(
        {"as_of": day.isoformat(), "statuses": statuses(snap, day), "dataset": snap.dataset_info},
        max_age=max_age_for(day, None),
    )
