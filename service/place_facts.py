"""What a point answer says beyond its stack: contested ground, unclaimed land, and local
ordinances whose limits are not mapped.

Pure function of the snapshot, the Location and the day; `service.resolve` calls `extend`
once per (Location, day) and memoises the result with the rest of the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

UNMAPPED_NOTE = "this city's limits are not mapped; check the address"
# a county rule for its unincorporated areas only: the county polygon would overclaim its towns
UNMAPPED_COUNTY_NOTE = "the area this county rule covers is not mapped; check the address"
# resolve.py's generic note for several claimants; replaced by the areas' own sentences
_GENERIC_DISPUTE = "claimed by more than one country"


def extend(answer: dict[str, Any], snap: Any, loc: Any, day: dt.date) -> None:
    """Add the place-fact keys to a point answer and append their notes (in place)."""
    facts = point_facts(snap, loc, day)
    notes = facts.pop("notes")
    if loc.areas:
        answer["notes"] = [n for n in answer.get("notes", []) if _GENERIC_DISPUTE not in n]
    answer.setdefault("notes", []).extend(notes)
    answer.update(facts)


def point_facts(snap: Any, loc: Any, day: dt.date) -> dict[str, Any]:
    """The extra answer keys: `unclaimed` (flag), `claimants`, `controlled_by`,
    `disputed_areas`, `nearest_countries`, `local_nearby`, and `notes` to add."""
    geo = snap.geo
    table = getattr(geo, "area_table", {}) if geo is not None else {}
    areas = [table[a] for a in getattr(loc, "areas", ()) if a in table]
    notes: list[str] = []
    controllers = {(a.controller, a.controller_name) for a in areas if a.kind == "disputed"}
    for a in areas:
        if a.kind == "unclaimed":
            notes.append(
                f"No state claims this land ({a.name}); no country's law applies as such, and "
                "the nearest countries are listed."
            )
        else:
            who = " and ".join(_name(snap, c) for c in a.claimants)
            notes.append(
                f"{a.name} is disputed: claimed by {who}; controlled by {a.controller_name}. "
                "Every claimant's status is listed and the most restrictive one is used."
            )
    nearby = [
        {"code": code, "name": _name(snap, code), "distance_m": round(dist, 1)}
        for code, dist in getattr(loc, "nearby", ())
    ]
    nearby_places = local_nearby(snap, loc, day)
    for p in nearby_places:
        notes.append(
            f"{p['name']} has its own rules ({p['status']}), but its limits are not mapped: "
            "check whether the address is inside it."
        )
    controller = None
    if len(controllers) == 1:
        code, name = next(iter(controllers))
        controller = {"code": code, "name": name}
    return {
        "unclaimed": bool(getattr(loc, "unclaimed", False)),
        "claimants": list(loc.countries) if loc.disputed else [],
        "controlled_by": controller,
        "disputed_areas": [a.as_dict() for a in areas],
        "nearest_countries": nearby,
        "local_nearby": nearby_places,
        "notes": notes,
    }


def local_nearby(snap: Any, loc: Any, day: dt.date) -> list[dict[str, Any]]:
    """Places with an ordinance but no polygon whose county holds the point."""
    geo = snap.geo
    mapped = getattr(geo, "local_codes", frozenset()) if geo is not None else frozenset()
    if not getattr(loc, "local_loaded", False):
        return []
    here = set(getattr(loc, "counties", ()))
    for code in loc.locals:
        j = snap.dataset.get(code)
        if j is not None and j.level == "county" and getattr(j, "geoid", ""):
            here.add(j.geoid)
    if not here:
        return []
    out = []
    for j in snap.dataset.jurisdictions.values():
        counties = getattr(j, "counties", ())
        if not counties or j.code in mapped or j.code in loc.locals or not here & set(counties):
            continue
        p = j.period_at(day)
        out.append(
            {
                "code": j.code,
                "name": j.name,
                "status": p.status if p else "unknown",
                "note": UNMAPPED_COUNTY_NOTE if j.level == "county" else UNMAPPED_NOTE,
            }
        )
    out.sort(key=lambda x: x["code"])
    return out


def _name(snap: Any, code: str) -> str:
    j = snap.dataset.get(code)
    return j.name if j is not None else code
