"""Display helpers for the reader pages: answer fields to words and table rows, no legal logic.

The word tables themselves are in service/words.py, shared with the badges and the feed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .. import words as w
from ..dataset.model import PRODUCTS
from ..resolve import PRODUCT_NAMES, PRODUCT_SHORT

LEVEL_WORDS = {"country": "country", "state": "state", "county": "county", "city": "city"}
NEXT_SHOWN = 6  # changes listed on a card; the jurisdiction pages list every one


def status_class(status: str | None) -> str:
    return f"s-{w.known(status)}"


def lifecycle_word(lifecycle: str | None) -> str:
    return w.LIFECYCLE_WORDS.get(lifecycle or "enacted", lifecycle or "")


def tier_word(tier: str | None) -> str:
    return w.TIER_WORDS.get(tier or "", "unrated source")


def source_label(url: str) -> str:
    """Host and a short path: readable, and still shows where the link goes."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if len(path) > 40:
        path = path[:37] + "…"
    return f"{parts.netloc}{path}"


def period_range(p: dict[str, Any]) -> str:
    """'2016-05-10 to 2020-01-01', 'since before 2018-05-08', 'until 2023-09-01'."""
    precision = p.get("date_precision")
    start = w.day_text(p.get("effective_from"), precision)
    if start and precision == "before":
        start = f"before {start}"
    end = w.day_text(p.get("effective_to"))
    if start and end:
        return f"from {start} to {end}" if precision == "before" else f"{start} to {end}"
    if start:
        return f"since {start}"
    if end:
        return f"until {end}"
    return "no dated change known"


def headline(v: dict[str, Any]) -> str:
    """'Leaf kratom: regulated, 18+, since 2023-09-01' for the leaf verdict."""
    status = w.known(v.get("status"))
    lawful = v.get("lawful")
    if status == "unknown" and lawful:
        known_part = ", ".join([w.status_word(lawful.get("status")), *w.limits(v)])
        return (
            f"{PRODUCT_NAMES['leaf']}: {w.unknown_words(v.get('basis'))} under {v.get('name')} "
            f"law; {lawful.get('name')}: {known_part}"
        )
    if status == "unknown":
        return f"{PRODUCT_NAMES['leaf']}: {w.unknown_words(v.get('basis'), short=False)}"
    text = f"{PRODUCT_NAMES['leaf']}: {', '.join([w.status_word(status), *w.limits(v)])}"
    since = w.since_text(v.get("since"), v.get("since_precision"), long=True)
    if since:
        text += f" {since}"
    if v.get("lifecycle") not in (None, "enacted"):
        text += f" ({lifecycle_word(v.get('lifecycle'))})"
    return text


def product_rows(verdicts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per product class: status, why unknown or since when, limits, law and layer."""
    rows = []
    for product in PRODUCTS:
        v = verdicts.get(product) or {"status": "unknown"}
        status = w.known(v.get("status"))
        lawful = v.get("lawful") if status == "unknown" else None
        if status == "unknown":
            note = w.unknown_words(v.get("basis"))
        else:
            note = w.since_text(v.get("since"), v.get("since_precision"))
            if v.get("lifecycle") not in (None, "enacted"):
                note = f"{note} ({lifecycle_word(v.get('lifecycle'))})".strip()
        rows.append(
            {
                "product": product,
                "title": w.PRODUCT_TITLES[product],
                "covers": w.PRODUCT_COVERS[product],
                "status": status,
                "note": note,
                "limits": w.limits(v) if status != "unknown" or lawful else [],
                "law": v.get("law") if status != "unknown" or lawful else None,
                "code": v.get("code"),
                "name": v.get("name"),
                "lawful": lawful,
                "reason": v.get("reason") or "",
            }
        )
    return rows


def layer_entry(brief: dict[str, Any], basis: str | None) -> dict[str, Any]:
    """One layer of the stack in a list: its word, since when, and classes that differ."""
    products = brief.get("products") or {}
    leaf = products.get("leaf", "unknown")
    differs = [
        f"{PRODUCT_SHORT[c]} {w.status_word(products[c])}"
        for c in PRODUCTS[1:]
        if c in products and products[c] != leaf
    ]
    status = w.known(brief.get("status"))
    return {
        "code": brief["code"],
        "name": brief["name"],
        "level": brief.get("level"),
        "status": status,
        "since": w.since_text(brief.get("since"), brief.get("since_precision")),
        "note": w.unknown_words(basis) if status == "unknown" else "",
        "differs": differs,
    }


def own_differences(own: dict[str, dict[str, Any]]) -> list[str]:
    """A layer's own rules for the classes that differ from leaf: '7-OH: banned since …'."""
    leaf = own.get("leaf") or {}
    out = []
    for product in PRODUCTS[1:]:
        e = own.get(product) or {}
        if (e.get("status"), e.get("law"), e.get("since")) == (
            leaf.get("status"),
            leaf.get("law"),
            leaf.get("since"),
        ):
            continue
        status = w.known(e.get("status"))
        text = f"{PRODUCT_NAMES[product]}: {w.status_word(status)}"
        if status == "unknown":
            text = f"{PRODUCT_NAMES[product]}: {w.unknown_words(e.get('basis'))}"
        details = w.limits(e)
        if details and status != "unknown":
            text += ", " + ", ".join(details)
        since = w.since_text(e.get("since"), e.get("since_precision"))
        if since and status != "unknown":
            text += f" {since}"
        out.append(text)
    return out


def own_limits(own: dict[str, dict[str, Any]]) -> list[str]:
    """Every cap the layer's own rules set, once each."""
    seen: list[str] = []
    for e in own.values():
        for cap in e.get("cap_words") or []:
            if cap not in seen:
                seen.append(cap)
    return seen


def dated_changes(nxt: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Scheduled changes and expiries under `next`, soonest first (pending items excluded)."""
    return [x for x in (nxt or {}).get("items") or [] if x.get("kind") != "pending"]


def attribution(snap: Any) -> list[str]:
    """Credits of the boundary layers this server loaded (OpenStreetMap needs its ODbL line)."""
    layers = getattr(getattr(snap, "geo", None), "layers", None) or []
    found = sorted(
        {x["attribution"] for x in layers if x.get("loaded") and x.get("attribution")},
        key=lambda a: ("OpenStreetMap" not in a, a),
    )
    return found or ["© OpenStreetMap contributors, ODbL"]


HELPERS = {
    "status_title": w.status_title,
    "status_word": w.status_word,
    "status_class": status_class,
    "status_explained": w.explained,
    "unknown_words": w.unknown_words,
    "lifecycle_word": lifecycle_word,
    "tier_word": tier_word,
    "products": w.product_list,
    "day_text": w.day_text,
    "since_text": w.since_text,
    "limits": w.limits,
    "source_label": source_label,
    "headline": headline,
    "own_differences": own_differences,
    "own_limits": own_limits,
    "dated_changes": dated_changes,
    "level_word": lambda x: LEVEL_WORDS.get(x, x),
    "STATUSES": w.STATUSES,
    "NEXT_SHOWN": NEXT_SHOWN,
}
