"""The words every view shows for answer fields: one table for the reader pages, the feed, the
badges and the embed card.

Why one place: a status word that reads differently on the card, the badge and the map is a
bug a reader notices first. The status and unknown words themselves come from the resolver,
which writes them into its sentences; this module adds the display forms around them.
No legal logic: these functions only turn answer fields into text.
"""

from __future__ import annotations

from typing import Any

from .dataset.model import PRODUCTS
from .resolve import PRODUCT_NAMES, PRODUCT_SHORT, STATUS_WORDS, UNKNOWN_WORDS

STATUSES: tuple[str, ...] = tuple(STATUS_WORDS)
STATUS_TITLES = {s: w[:1].upper() + w[1:] for s, w in STATUS_WORDS.items()}
# Why unknown, in a few words (tables, lists); UNKNOWN_WORDS is the sentence form.
UNKNOWN_SHORT = {
    "not_researched": "not researched",
    "unsettled": "unsettled",
    "no_period": "not established for this date",
}
STATUS_EXPLAINED = {
    "legal": "No law restricts kratom here.",
    "regulated": "Lawful under rules such as an age limit, labelling or licensing.",
    "restricted": "Some products or alkaloids are banned; plain leaf stays lawful.",
    "banned": "A controlled substance, or sale or possession is prohibited.",
}
UNKNOWN_EXPLAINED = {
    "not_researched": "Not researched: nobody has established the law here yet. "
    "Do not read this as legal.",
    "unsettled": "Unsettled: the sources we have do not establish the law. "
    "Do not read this as legal.",
    "no_period": "Not established for this date: the research does not cover it. "
    "Do not read this as legal.",
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
    "digest": "news digest",
}
PRODUCT_TITLES = {p: PRODUCT_SHORT[p][:1].upper() + PRODUCT_SHORT[p][1:] for p in PRODUCTS}
PRODUCT_COVERS = {
    "leaf": "leaf, powder, capsules, teas",
    "extract": "concentrates, liquids, edibles, shots",
    "7-oh": "7-hydroxymitragynine, enriched or semi-synthetic",
    "synthetic": "MP, MGM-15, MGM-16 and other synthetic alkaloids",
}


def known(status: str | None) -> str:
    return status if status in STATUS_WORDS else "unknown"


def status_word(status: str | None) -> str:
    return STATUS_WORDS[known(status)]


def status_title(status: str | None) -> str:
    return STATUS_TITLES[known(status)]


def unknown_words(basis: str | None, short: bool = True) -> str:
    """'not researched' only for basis not_researched; unsettled and no_period say so."""
    table = UNKNOWN_SHORT if short else UNKNOWN_WORDS
    return table.get(basis or "not_researched", table["not_researched"])


def explained(status: str | None, basis: str | None = None) -> str:
    s = known(status)
    if s == "unknown":
        return UNKNOWN_EXPLAINED.get(basis or "not_researched", UNKNOWN_EXPLAINED["not_researched"])
    return STATUS_EXPLAINED[s]


def day_text(iso: str | None, precision: str | None = "day") -> str | None:
    """Only as precise as the source: '2019', '2019-05' or the day."""
    if not iso:
        return None
    if precision == "year":
        return iso[:4]
    if precision == "month":
        return iso[:7]
    return iso[:10]


def since_text(since: str | None, precision: str | None, long: bool = False) -> str:
    """'since 2023-09-01', 'since 2019', 'since before 2016-05-01' (+ '(start not known)')."""
    if not since:
        return ""
    if precision == "before":
        return f"since before {since[:10]}" + (" (start not known)" if long else "")
    return f"since {day_text(since, precision)}"


def product_list(products: list[str] | tuple[str, ...] | None, short: bool = True) -> str:
    """'7-OH and synthetics'; every class (or none given) is 'all products'."""
    items = [p for p in PRODUCTS if p in (products or ())]
    if not items or len(items) == len(PRODUCTS):
        return "all products"
    names = [PRODUCT_SHORT[p] if short else PRODUCT_NAMES[p] for p in items]
    if not short:
        names = [
            n if n[0].isdigit() or i == 0 else n[0].lower() + n[1:] for i, n in enumerate(names)
        ]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def limits(v: dict[str, Any]) -> list[str]:
    """'18+' and the caps in words for one answer (a verdict or a layer's own entry)."""
    out = [f"{int(v['age_min'])}+"] if v.get("age_min") else []
    return out + list(v.get("cap_words") or [])
