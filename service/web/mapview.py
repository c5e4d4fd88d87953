"""The choropleth map page (/map) and the small status table it colours by (/map/statuses.json).

The shapes are static (built by scripts/build_map.py); only the statuses depend on the date and
the product class, so the browser fetches {code: status} per (date, product) instead of
re-downloading geometry. `all` is each layer's one word over the classes (`restricted` when
leaf is lawful and another class is banned); every other choice is that class's own status.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request
from werkzeug.datastructures import MultiDict

from .. import resolve
from ..api.respond import json_response
from ..api.v1 import max_age_for
from ..dataset.model import PRODUCTS
from ..params import parse_as_of, parse_choice
from ..snapshot import Snapshot
from ..words import PRODUCT_NAMES, STATUSES
from .blueprint import bp
from .pages import html, snapshot_or_503
from .words import attribution

MAP_LEVELS = ("country", "state")
MAP_PRODUCTS: tuple[str, ...] = (*PRODUCTS, "all")
PRODUCT_CHOICES = {**PRODUCT_NAMES, "all": "All products (one word per place)"}
SLIDER_START = dt.date(2010, 1, 1)
SLIDER_YEARS_AHEAD = 3


def parse_product(args: MultiDict) -> str:
    """The class the map colours by; leaf (the reader's question) unless asked otherwise."""
    return parse_choice(args, "product", MAP_PRODUCTS) or "leaf"


def legend_statuses(product: str) -> tuple[str, ...]:
    """`restricted` is a word over classes, so only the `all` view can show it."""
    return STATUSES if product == "all" else tuple(s for s in STATUSES if s != "restricted")


def _shown(brief: dict, product: str) -> str:
    return brief["status"] if product == "all" else brief["products"][product]


def statuses(snap: Snapshot, day: dt.date, product: str = "leaf") -> dict[str, str]:
    """Status per map region code, aliases included (the map draws PR, the dataset says US-PR)."""
    key = ("web", "map-statuses", day, product)
    found = snap.memo.get(key)
    if found is not None:
        return found
    out = {
        j["code"]: _shown(j, product)
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
    product = parse_product(request.args)
    today = resolve.today_utc()
    rows = sorted(
        (
            {**j, "shown": _shown(j, product)}
            for level in MAP_LEVELS
            for j in resolve.list_jurisdictions(snap, day, level=level)
        ),
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
        product=product,
        product_choices=PRODUCT_CHOICES,
        legend=legend_statuses(product),
        attribution=attribution(snap),
        dataset=snap.dataset_info,
    )
    return html(body)


@bp.get("/map/statuses.json")
def map_statuses() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    product = parse_product(request.args)
    return json_response(
        {
            "as_of": day.isoformat(),
            "product": product,
            "statuses": statuses(snap, day, product),
            "dataset": snap.dataset_info,
        },
        max_age=max_age_for(day, None),
    )
