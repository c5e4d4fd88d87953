"""Pure answers over one Snapshot: status of a code on a day, name search, point verdicts.

Views only format what these functions return; all legal logic lives here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import place_facts
from .dataset.model import SEVERITY, Jurisdiction, Period
from .dataset.registry import normalise
from .snapshot import Snapshot

STATUS_WORDS = {
    "legal": "legal",
    "regulated": "regulated",
    "restricted": "restricted",
    "banned": "banned",
    "unknown": "not researched",
}
LEVEL_ORDER = {"country": 0, "state": 1, "county": 2, "city": 3}


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def canonical_code(raw: str) -> str:
    """`us-tx` and `US-TX` are one jurisdiction; slugs stay lower case."""
    head, sep, slug = raw.strip().partition(":")
    return head.upper() + (sep + slug.lower() if sep else "")


def format_day(day: dt.date | None, precision: str = "day") -> str | None:
    if day is None:
        return None
    if precision == "year":
        return f"{day.year}"
    if precision == "month":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def period_dict(p: Period) -> dict[str, Any]:
    return {
        "status": p.status,
        "effective_from": p.start.isoformat() if p.start else None,
        "effective_to": p.end.isoformat() if p.end else None,
        "date_precision": p.start_precision,
        "lifecycle": p.lifecycle,
        "age_min": p.age_min,
        "banned_products": list(p.banned_products),
        "law": p.law,
        "sources": [{"url": s.url, "tier": s.tier} for s in p.sources],
        "verified_on": p.verified_on.isoformat(),
        "confidence": p.confidence,
        "source_date": p.source_date or None,
        "notes": p.notes,
    }


def status_of(j: Jurisdiction, day: dt.date) -> tuple[str, Period | None]:
    p = j.period_at(day)
    return (p.status if p else "unknown"), p


def describe(name: str, status: str, p: Period | None) -> str:
    """The one sentence a reader sees: 'Kratom in Texas: regulated (21+) since 2025-09-01'."""
    words = STATUS_WORDS[status]
    if p is not None and p.age_min and status in ("regulated", "restricted"):
        words += f" ({p.age_min}+)"
    if p is not None and status == "restricted" and p.banned_products:
        words += (
            f", {' and '.join(x.upper() if x == '7-oh' else x for x in p.banned_products)} banned"
        )
    text = f"Kratom in {name}: {words}"
    if p is not None and p.start is not None:
        text += f" since {format_day(p.start, p.start_precision)}"
    return text


def _brief(j: Jurisdiction, day: dt.date) -> dict[str, Any]:
    status, p = status_of(j, day)
    return {
        "code": j.code,
        "name": j.name,
        "level": j.level,
        "status": status,
        "since": format_day(p.start, p.start_precision) if p and p.start else None,
        "age_min": p.age_min if p else None,
        "law": p.law if p else None,
        "confidence": p.confidence if p else None,
    }


def _next(j: Jurisdiction, day: dt.date) -> dict[str, Any] | None:
    n = j.next_change_after(day)
    if n is None:
        return None
    return {
        "date": n.start.isoformat() if n.start else None,
        "date_precision": n.start_precision,
        "status": n.status,
        "lifecycle": n.lifecycle,
        "age_min": n.age_min,
        "law": n.law,
        "confidence": n.confidence,
    }


def parent_chain(snap: Snapshot, j: Jurisdiction) -> list[Jurisdiction]:
    out: list[Jurisdiction] = []
    seen = {j.code}
    code = j.parent
    while code and code not in seen:
        parent = snap.dataset.get(code)
        if parent is None:
            break
        out.append(parent)
        seen.add(code)
        code = parent.parent
    return out[::-1]


def verdict(layers: list[tuple[Jurisdiction, str, Period | None]]) -> dict[str, Any]:
    """Most restrictive known layer controls; an unknown layer blocks any 'legal' verdict."""
    known = [x for x in layers if x[1] != "unknown"]
    unknown = [x for x in layers if x[1] == "unknown"]
    if not known:
        j = layers[-1][0] if layers else None
        return {
            "status": "unknown",
            "code": j.code if j else None,
            "reason": "No researched status for this place." if j else "No jurisdiction here.",
        }
    # Ties go to the most specific layer: its rule is the one a reader meets.
    j, status, p = max(known, key=lambda x: (SEVERITY[x[1]], LEVEL_ORDER[x[0].level]))
    if unknown and status != "banned":
        deepest = max(LEVEL_ORDER[x[0].level] for x in layers)
        names = ", ".join(
            f"{u[0].name} (national law)" if LEVEL_ORDER[u[0].level] < deepest else u[0].name
            for u in unknown
        )
        return {
            "status": "unknown",
            "code": unknown[-1][0].code,
            "reason": f"{describe(j.name, status, p)}; but the status under {names} is not "
            "known, so the overall answer may be more restrictive and is given as unknown.",
        }
    reason = describe(j.name, status, p)
    if p is not None and p.law:
        reason += f" ({p.law})"
    if len(known) > 1 and status != "legal":
        reason += "; this is the most restrictive layer that applies here."
    return {"status": status, "code": j.code, "reason": reason}


def jurisdiction_answer(
    snap: Snapshot, code: str, day: dt.date, history: bool = True
) -> dict[str, Any] | None:
    key = ("j", code, day, history)
    memo = snap.memo.get(key)
    if memo is not None:
        return memo
    j = snap.dataset.get(canonical_code(code))
    if j is None:
        return None
    status, p = status_of(j, day)
    parents = parent_chain(snap, j)
    stack = [(x, *status_of(x, day)) for x in [*parents, j]]
    answer: dict[str, Any] = {
        "code": j.code,
        "name": j.name,
        "level": j.level,
        "kind": j.kind,
        "aliases": list(j.aliases),
        "as_of": day.isoformat(),
        "status": status,
        "summary": describe(j.name, status, p),
        "since": format_day(p.start, p.start_precision) if p and p.start else None,
        "since_precision": p.start_precision if p else None,
        "until": p.end.isoformat() if p and p.end else None,
        "age_min": p.age_min if p else None,
        "banned_products": list(p.banned_products) if p else [],
        "law": p.law if p else None,
        "lifecycle": p.lifecycle if p else None,
        "confidence": p.confidence if p else None,
        "verified_on": p.verified_on.isoformat() if p else None,
        "notes": p.notes if p else None,
        "sources": [{"url": s.url, "tier": s.tier} for s in p.sources] if p else [],
        "current": period_dict(p) if p else None,
        "next": _next(j, day),
        "parents": [_brief(x, day) for x in parents],
        "verdict": verdict(stack),
        "researched": bool(j.periods),
        "dataset": snap.dataset_info,
    }
    if history:
        answer["history"] = [period_dict(x) for x in j.periods]
    snap.remember(key, answer)
    return answer


def list_jurisdictions(
    snap: Snapshot,
    day: dt.date,
    level: str | None = None,
    status: str | None = None,
    parent: str | None = None,
) -> list[dict[str, Any]]:
    out = []
    for j in snap.dataset.jurisdictions.values():
        if level and j.level != level:
            continue
        if parent and j.parent != parent:
            continue
        brief = _brief(j, day)
        if status and brief["status"] != status:
            continue
        brief["parent"] = j.parent
        brief["next"] = _next(j, day)
        out.append(brief)
    return out


def search(snap: Snapshot, query: str, day: dt.date, limit: int = 10) -> list[dict[str, Any]]:
    """Best match first: exact code, exact name, then prefix, then word and substring matches."""
    index = snap.memo.get(("search-index",))
    if index is None:
        index = _search_index(snap)
        snap.memo[("search-index",)] = index
    q = normalise(query)
    raw = canonical_code(query)
    scored: dict[str, tuple[int, str]] = {}
    direct = snap.dataset.get(raw)
    if direct is not None:
        scored[direct.code] = (0, "code")
    for text, code, kind in index:
        if not q:
            break
        if text == q:
            score = 1 if kind == "code" else 2
        elif text.startswith(q):
            score = 4
        elif f" {q}" in f" {text}":
            score = 5
        elif len(q) >= 3 and q in text:
            score = 6
        else:
            continue
        level = LEVEL_ORDER[snap.dataset.jurisdictions[code].level]
        rank = score * 10 + level
        if code not in scored or rank < scored[code][0]:
            scored[code] = (rank, kind)
    ordered = sorted(scored.items(), key=lambda x: (x[1][0], x[0]))[:limit]
    results = []
    for code, (_rank, how) in ordered:
        j = snap.dataset.jurisdictions[code]
        brief = _brief(j, day)
        brief["matched"] = how
        brief["summary"] = describe(j.name, brief["status"], j.period_at(day))
        results.append(brief)
    return results


def _search_index(snap: Snapshot) -> list[tuple[str, str, str]]:
    index = []
    for j in snap.dataset.jurisdictions.values():
        index.append((normalise(j.code), j.code, "code"))
        index.append((normalise(j.name), j.code, "name"))
        for n in j.search_names:
            kind = "code" if n.isupper() and len(n) <= 3 else "name"
            index.append((normalise(n), j.code, kind))
    return index


def locate_answer(
    snap: Snapshot, lat: float, lon: float, day: dt.date, radius_m: float = 0.0
) -> dict[str, Any]:
    """The stack of jurisdictions containing a point, the controlling verdict, honest flags."""
    loc = snap.geo.locate(lon, lat)
    return point_answer(snap, loc, lat, lon, day)


def point_answer(snap: Snapshot, loc: Any, lat: float, lon: float, day: dt.date) -> dict[str, Any]:
    key = ("p", loc, day)
    base = snap.memo.get(key)
    if base is None:
        base = _point_core(snap, loc, day)
        snap.remember(key, base)
    answer = dict(base)
    answer["query"] = {"lat": lat, "lon": lon}
    return answer


def _stack_for(snap: Snapshot, loc: Any) -> list[Jurisdiction]:
    seen: dict[str, Jurisdiction] = {}

    def add(code: str) -> None:
        j = snap.dataset.get(code)
        if j is None:
            return
        for x in [*parent_chain(snap, j), j]:
            seen.setdefault(x.code, x)

    for c in loc.countries:
        add(c)
    if loc.state:
        add(loc.state)
    for c in loc.locals:
        add(c)
    return sorted(seen.values(), key=lambda j: (LEVEL_ORDER[j.level], j.code))


def _point_core(snap: Snapshot, loc: Any, day: dt.date) -> dict[str, Any]:
    stack = _stack_for(snap, loc)
    layers = [(j, *status_of(j, day)) for j in stack]
    entries = []
    for j, _status, p in layers:
        entry = _brief(j, day)
        entry["parent"] = j.parent
        entry["sources"] = [{"url": s.url, "tier": s.tier} for s in p.sources] if p else []
        entry["next"] = _next(j, day)
        entries.append(entry)
    alternatives = []
    for code, layer, distance in loc.alternatives:
        j = snap.dataset.get(code)
        if j is None:
            continue
        status, p = status_of(j, day)
        alternatives.append(
            {
                "code": j.code,
                "name": j.name,
                "layer": layer,
                "status": status,
                "distance_m": round(distance, 1),
            }
        )
    notes = []
    us_point = any(j.code == "US" for j in stack)
    if us_point and not loc.local_loaded:
        notes.append(
            "The local (city and county) boundary layer is not loaded on this server, so local "
            "ordinances were not checked; look the city or county up by name."
        )
    if loc.disputed:
        notes.append("This area is claimed by more than one country; every claimant is listed.")
    if loc.approximate:
        notes.append(
            "The point is just outside the mapped land; the nearest jurisdiction was used."
        )
    if loc.near_border:
        notes.append("The point is near a border: the answer may differ on the other side.")
    result: dict[str, Any] = {
        "as_of": day.isoformat(),
        "stack": entries,
        "verdict": verdict(layers)
        if layers
        else {
            "status": "unknown",
            "code": None,
            "reason": "Outside every territorial sea: no jurisdiction's status applies here."
            if loc.at_sea
            else "No jurisdiction found here.",
        },
        "unknown_layers": [j.code for j, s, _ in layers if s == "unknown"],
        "near_border": bool(loc.near_border),
        "alternatives": alternatives,
        "approximate": bool(loc.approximate),
        "at_sea": bool(loc.at_sea),
        "disputed": bool(loc.disputed),
        "local_layer": "loaded" if loc.local_loaded else "not_loaded",
        "notes": notes,
        "dataset": snap.dataset_info,
    }
    if loc.nearest is not None:
        code, distance = loc.nearest
        j = snap.dataset.get(code)
        result["nearest"] = {
            "code": code,
            "name": j.name if j else code,
            "distance_m": round(distance, 1),
        }
    v = result["verdict"]
    place = entries[-1]["name"] if entries else "this point"
    result["summary"] = f"Kratom at {place}: {STATUS_WORDS[v['status']]}"
    place_facts.extend(result, snap, loc, day)  # disputed, unclaimed, local_nearby, notes
    return result


def changes(snap: Snapshot, since: dt.date | None, until: dt.date | None) -> list[dict[str, Any]]:
    """Every dated period start in [since, until], with the status before and after."""
    out = []
    for j in snap.dataset.jurisdictions.values():
        prev: Period | None = None
        for p in j.periods:
            if (
                p.start is not None
                and (since is None or p.start >= since)
                and (until is None or p.start <= until)
            ):
                before = prev.status if prev and prev.end == p.start else "unknown"
                out.append(
                    {
                        "date": p.start.isoformat(),
                        "date_precision": p.start_precision,
                        "code": j.code,
                        "name": j.name,
                        "level": j.level,
                        "from_status": before,
                        "to_status": p.status,
                        "status_changed": before != p.status,
                        "lifecycle": p.lifecycle,
                        "age_min": p.age_min,
                        "law": p.law,
                        "confidence": p.confidence,
                        "sources": [s.url for s in p.sources],
                        "summary": describe(j.name, p.status, p),
                    }
                )
            prev = p
        # an end with no following period: the status returns to unknown
        if (
            prev is not None
            and prev.end is not None
            and (since is None or prev.end >= since)
            and (until is None or prev.end <= until)
        ):
            out.append(
                {
                    "date": prev.end.isoformat(),
                    "date_precision": "day",
                    "code": j.code,
                    "name": j.name,
                    "level": j.level,
                    "from_status": prev.status,
                    "to_status": "unknown",
                    "status_changed": prev.status != "unknown",
                    "lifecycle": prev.lifecycle,
                    "age_min": None,
                    "law": prev.law,
                    "confidence": prev.confidence,
                    "sources": [s.url for s in prev.sources],
                    "summary": f"Kratom in {j.name}: {prev.law} ends; no researched status after",
                }
            )
    out.sort(key=lambda c: (c["date"], c["code"]))
    return out
