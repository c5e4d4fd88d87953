"""Words the reader pages show for answer fields: fixed vocabularies, no legal logic."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..resolve import STATUS_WORDS

STATUS_TITLES = {
    "legal": "Legal",
    "regulated": "Regulated",
    "restricted": "Restricted",
    "banned": "Banned",
    "unknown": "Unknown",
}
STATUS_EXPLAINED = {
    "legal": "No law restricts kratom here.",
    "regulated": "Lawful under rules such as an age limit, labelling or licensing.",
    "restricted": "Some products or alkaloids are banned; plain leaf stays lawful.",
    "banned": "A controlled substance, or sale or possession is prohibited.",
    "unknown": "Unknown: not researched, or the law could not be established. Do not read this as legal.",
}
LIFECYCLE_WORDS = {
    "enacted": "in force",
    "pending": "passed, not yet in force",
    "emergency": "temporary emergency rule",
    "enjoined": "blocked by a court",
}
TIER_WORDS = {
    "primary": "primary source (the law itself)",
    "government": "government",
    "news": "news report",
    "secondary": "secondary source",
    "advocacy": "advocacy group",
    "vendor": "vendor",
    None: "unrated source",
}
PRODUCT_WORDS = {
    "leaf": "leaf",
    "extract": "extracts",
    "7-oh": "7-OH",
    "synthetic": "synthetic alkaloids",
}
LEVEL_WORDS = {"country": "country", "state": "state", "county": "county", "city": "city"}
STATUSES = tuple(STATUS_TITLES)


def status_title(status: str | None) -> str:
    return STATUS_TITLES.get(status or "unknown", STATUS_TITLES["unknown"])


def status_word(status: str | None) -> str:
    return STATUS_WORDS.get(status or "unknown", STATUS_WORDS["unknown"])


def status_class(status: str | None) -> str:
    return f"s-{status if status in STATUS_TITLES else 'unknown'}"


def lifecycle_word(lifecycle: str | None) -> str:
    return LIFECYCLE_WORDS.get(lifecycle or "enacted", lifecycle or "")


def tier_word(tier: str | None) -> str:
    return TIER_WORDS.get(tier, str(tier))


def products(items: list[str] | None) -> str:
    return ", ".join(PRODUCT_WORDS.get(x, x) for x in items or [])


def day_text(iso: str | None, precision: str | None = "day") -> str | None:
    """Only as precise as the source: '2019', '2019-05' or the day."""
    if not iso:
        return None
    if precision == "year":
        return iso[:4]
    if precision == "month":
        return iso[:7]
    return iso[:10]


def source_label(url: str) -> str:
    """Host and a short path: readable, and still shows where the link goes."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if len(path) > 40:
        path = path[:37] + "…"
    return f"{parts.netloc}{path}"


def period_range(p: dict[str, Any]) -> str:
    start = day_text(p.get("effective_from"), p.get("date_precision"))
    end = day_text(p.get("effective_to"))
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"since {start}"
    if end:
        return f"until {end}"
    return "no dated change known"


def attribution(snap: Any) -> list[str]:
    """Credits of the boundary layers this server loaded (OpenStreetMap needs its ODbL line)."""
    layers = getattr(getattr(snap, "geo", None), "layers", None) or []
    found = sorted(
        {x["attribution"] for x in layers if x.get("loaded") and x.get("attribution")},
        key=lambda a: ("OpenStreetMap" not in a, a),
    )
    return found or ["© OpenStreetMap contributors, ODbL"]


HELPERS = {
    "status_title": status_title,
    "status_word": status_word,
    "status_class": status_class,
    "status_explained": lambda s: STATUS_EXPLAINED.get(s or "unknown", STATUS_EXPLAINED["unknown"]),
    "lifecycle_word": lifecycle_word,
    "tier_word": tier_word,
    "products": products,
    "day_text": day_text,
    "source_label": source_label,
    "period_range": period_range,
    "level_word": lambda x: LEVEL_WORDS.get(x, x),
    "STATUSES": STATUSES,
}
