"""The picker page (/, by name or by position) and one jurisdiction's page (/j/<code>)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from .. import resolve
from ..api.errors import ApiError
from ..dataset.model import PRODUCTS
from ..hardening.publicurl import public_base
from ..params import parse_as_of, parse_lat_lon, single
from ..snapshot import Snapshot, current_snapshot
from ..words import product_list as products_text
from .blueprint import bp
from .words import HELPERS, attribution, layer_entry, period_range, product_rows

SEARCH_LIMIT = 8
LOCAL_LEVELS = ("county", "city")


def snapshot_or_503() -> Snapshot:
    snap = current_snapshot()
    if snap is None:
        raise ApiError(503, "not_ready", "The dataset is not loaded yet; try again shortly.")
    return snap


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return HELPERS


def html(body: str, status: int = 200, max_age: int = 60) -> Response:
    resp = Response(body, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return resp


def place_names(snap: Snapshot) -> list[str]:
    """Names for the picker's datalist: countries and US states (locals are found by search)."""
    key = ("web", "names")
    names = snap.memo.get(key)
    if names is None:
        names = sorted(
            {j.name for j in snap.dataset.jurisdictions.values() if j.level in ("country", "state")}
        )
        snap.memo[key] = names
    return names


def inside(snap: Snapshot, code: str, day: dt.date) -> list[dict[str, Any]]:
    """Jurisdictions whose parent is this one (states of a country, ordinances of a state)."""
    items = resolve.list_jurisdictions(snap, day, parent=code)
    return sorted(items, key=lambda x: (x["level"] not in LOCAL_LEVELS, x["name"]))


def layers(snap: Snapshot, briefs: list[dict[str, Any]], day: dt.date) -> list[dict[str, Any]]:
    """Stack entries for the list of layers, each unknown one with why it is unknown."""
    out = []
    for b in briefs:
        basis = None
        if b["status"] == "unknown":
            j = snap.dataset.get(b["code"])
            basis = resolve.layer_products(j, day)["leaf"].get("basis") if j else None
        out.append(layer_entry(b, basis))
    return out


def own_brief(a: dict[str, Any]) -> dict[str, Any]:
    """A jurisdiction answer in the shape of a stack entry (code, status, since, products)."""
    keys = ("code", "name", "level", "status", "since", "since_precision")
    return {
        **{k: a[k] for k in keys},
        "products": {c: e["status"] for c, e in a["products"].items()},
    }


def card_context(snap: Snapshot, code: str, day: dt.date) -> dict[str, Any] | None:
    answer = resolve.jurisdiction_answer(snap, code, day)
    if answer is None:
        return None
    locals_ = inside(snap, answer["code"], day) if answer["level"] == "state" else []
    return {
        "a": answer,
        "locals": locals_,
        "rows": product_rows({c: e["verdict"] for c, e in answer["products"].items()}),
        "layers": layers(snap, [*answer["parents"], own_brief(answer)], day),
    }


def point_context(snap: Snapshot, lat: float, lon: float, day: dt.date) -> dict[str, Any]:
    """The point answer with what its card shows: rows, layers, each layer's own facts."""
    answer = resolve.locate_answer(snap, lat, lon, day)
    stack = answer["stack"]
    details = [resolve.jurisdiction_answer(snap, e["code"], day, history=False) for e in stack]
    state = next((e for e in stack if e["level"] == "state"), None)
    items = (answer.get("next") or {}).get("items") or []
    return {
        "answer": answer,
        "rows": product_rows(answer["products"]),
        "layers": layers(snap, stack, day),
        "watch": [x for x in items if x["kind"] == "pending" and x.get("would_change")],
        "details": [d for d in details if d is not None],
        "state": state,
        "locals": inside(snap, state["code"], day) if state else [],
        "lat": f"{lat:.5f}",
        "lon": f"{lon:.5f}",
    }


def applies_on(p: dict[str, Any], day: str) -> bool:
    start, end = p.get("effective_from"), p.get("effective_to")
    return (start is None or start <= day) and (end is None or day < end)


def class_timelines(history: list[dict[str, Any]], day: str) -> list[dict[str, Any]]:
    """One timeline per group of classes that share every period, oldest period first."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for product in PRODUCTS:
        key = tuple(i for i, p in enumerate(history) if product in p["products"])
        groups.setdefault(key, []).append(product)
    rows = []
    for key, classes in groups.items():
        label = products_text(classes)
        rows.append(
            {
                "products": classes,
                "label": label[:1].upper() + label[1:],
                "periods": [
                    {
                        **history[i],
                        "range": period_range(history[i]),
                        "now": applies_on(history[i], day),
                    }
                    for i in key
                ],
            }
        )
    return rows


@bp.get("/")
def home() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    q = single(request.args, "q", max_len=100)
    query = (q or "").strip()
    has_point = "lat" in request.args or "lon" in request.args
    if query and has_point:
        raise ApiError(400, "ambiguous_query", "Give either a place name or a position.", "q")
    card = None
    point = None
    others: list[dict[str, Any]] = []
    if has_point:
        lat, lon = parse_lat_lon(request.args)
        if snap.geo is None:
            raise ApiError(
                503, "not_ready", "Boundaries are not loaded; look your place up by name."
            )
        point = point_context(snap, lat, lon, day)
    elif query:
        results = resolve.search(snap, query, day, limit=SEARCH_LIMIT)
        if results:
            card = card_context(snap, results[0]["code"], day)
            others = results[1:]
    body = render_template(
        "home.html",
        q=query,
        searched=bool(query),
        answer_card=card,
        point=point,
        others=others,
        names=place_names(snap),
        day=day.isoformat(),
        as_of_given=bool(single(request.args, "as_of")),
        attribution=attribution(snap),
        dataset=snap.dataset_info,
    )
    # a position is the reader's own: never kept by a shared cache
    return html(body, max_age=0 if point else 60)


@bp.get("/j/<string:code>")
def jurisdiction(code: str) -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    j = resolve.find(snap, code)
    if j is None:
        raise ApiError(
            404,
            "unknown_code",
            f"No jurisdiction has the code {code[:80]!r}. Try the search.",
            "code",
        )
    if j.code != code:
        args = {"as_of": request.args["as_of"]} if request.args.get("as_of") else {}
        return redirect(url_for("web.jurisdiction", code=j.code, **args), 301)
    context = card_context(snap, j.code, day)
    assert context is not None
    answer = context["a"]
    history = answer.get("history") or []
    root = public_base()  # never the Host header: this page is publicly cached
    body = render_template(
        "jurisdiction.html",
        c=context,
        a=answer,
        timelines=class_timelines(history, day.isoformat()),
        history=[
            {**p, "range": period_range(p), "now": applies_on(p, day.isoformat())}
            for p in reversed(history)
        ],
        children=inside(snap, j.code, day),
        badge_url=f"{root}/badge/{j.code}.svg",
        page_url=f"{root}/j/{j.code}",
        day=day.isoformat(),
        attribution=attribution(snap),
        dataset=snap.dataset_info,
    )
    return html(body)
