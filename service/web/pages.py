"""The picker page (/) and one jurisdiction's page (/j/<code>)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from .. import resolve
from ..api.errors import ApiError
from ..hardening.publicurl import public_base
from ..params import parse_as_of, single
from ..snapshot import Snapshot, current_snapshot
from .blueprint import bp
from .words import HELPERS, attribution

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


def card_context(snap: Snapshot, code: str, day: dt.date) -> dict[str, Any] | None:
    answer = resolve.jurisdiction_answer(snap, code, day)
    if answer is None:
        return None
    locals_ = inside(snap, answer["code"], day) if answer["level"] == "state" else []
    return {"a": answer, "locals": locals_}


@bp.get("/")
def home() -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    q = single(request.args, "q", max_len=100)
    query = (q or "").strip()
    card = None
    others: list[dict[str, Any]] = []
    if query:
        results = resolve.search(snap, query, day, limit=SEARCH_LIMIT)
        if results:
            card = card_context(snap, results[0]["code"], day)
            others = results[1:]
    body = render_template(
        "home.html",
        q=query,
        searched=bool(query),
        answer_card=card,
        others=others,
        names=place_names(snap),
        day=day.isoformat(),
        as_of_given=bool(single(request.args, "as_of")),
        attribution=attribution(snap),
        dataset=snap.dataset_info,
    )
    return html(body)


@bp.get("/j/<string:code>")
def jurisdiction(code: str) -> Response:
    snap = snapshot_or_503()
    day = parse_as_of(request.args)
    if len(code) > 80:
        raise ApiError(404, "unknown_code", "No jurisdiction has that code.", "code")
    answer = resolve.jurisdiction_answer(snap, code, day)
    if answer is None:
        raise ApiError(
            404, "unknown_code", f"No jurisdiction has the code {code!r}. Try the search.", "code"
        )
    if answer["code"] != code:
        args = {"as_of": request.args["as_of"]} if request.args.get("as_of") else {}
        return redirect(url_for("web.jurisdiction", code=answer["code"], **args), 301)
    upcoming = [
        c for c in resolve.changes(snap, day + dt.timedelta(days=1), None) if c["code"] == code
    ]
    root = public_base()  # never the Host header: this page is publicly cached
    body = render_template(
        "jurisdiction.html",
        a=answer,
        current=answer["current"],
        history=list(reversed(answer.get("history") or [])),
        upcoming=upcoming,
        children=inside(snap, code, day),
        badge_url=f"{root}/badge/{code}.svg",
        page_url=f"{root}/j/{code}",
        day=day.isoformat(),
        attribution=attribution(snap),
        dataset=snap.dataset_info,
    )
    return html(body)
