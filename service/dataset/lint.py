"""Warnings about a valid dataset: things an editor should look at, none of which blocks a load.

Pure: `lint(dataset, today)` gives the same warnings for the same files on the same day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from .issues import Issue
from .model import Dataset, Jurisdiction, Period, Source
from .validate import PERIOD_COLUMNS

# Column of each field in a period file written in the documented column order.
_COLUMNS = {name: i + 1 for i, name in enumerate(PERIOD_COLUMNS)}
LOCAL_LEVELS = ("county", "city")
# Shop-like hosts and paths, for URLs whose tier nobody registered.
_VENDOR_HOST = re.compile(r"(kratom|shop|store|botanical|leaf|vendor|buy)", re.I)
_VENDOR_PATH = re.compile(r"/(products?|collections|shop|store|cart|blogs)/", re.I)


def host(url: str) -> str:
    name = (urlsplit(url).hostname or "").lower()
    return name[4:] if name.startswith("www.") else name


def publisher(source: Source) -> str:
    """Who stands behind a source: the registered publisher, else the web host."""
    return source.publisher.strip().casefold() or host(source.url)


def looks_like_vendor(source: Source) -> bool:
    """Registered vendor tier; for unregistered URLs only, a host or path that looks like a shop."""
    if source.tier is not None:
        return source.tier == "vendor"
    return bool(
        _VENDOR_HOST.search(host(source.url)) or _VENDOR_PATH.search(urlsplit(source.url).path)
    )


def is_current(p: Period, today: dt.date) -> bool:
    return p.contains(today)


def _warn(p: Period, field: str, message: str) -> Issue:
    return Issue(p.file, p.line, _COLUMNS.get(field, 0), field, message, "warning")


def lint(dataset: Dataset, today: dt.date | None = None, stale_days: int = 365) -> list[Issue]:
    """Every warning, sorted by file and line so an editor can walk them in order."""
    today = today or dt.datetime.now(dt.UTC).date()
    uses = Counter(
        s.url for j in dataset.jurisdictions.values() for p in j.periods for s in p.sources
    )
    out: list[Issue] = []
    for j in dataset.jurisdictions.values():
        for p in j.periods:
            out.extend(_period_warnings(j, p, today, stale_days, uses))
        for w in j.watch:
            if w.overdue_on(today):
                out.append(
                    Issue(
                        w.file,
                        w.line,
                        6,
                        "decide_by",
                        f"decide-by date {w.decide_by} has passed: record the outcome (a period, "
                        "or a new stage) or remove the row",
                        "warning",
                    )
                )
    out.sort(key=lambda i: (i.file, i.line, i.column, i.message))
    return out


def _period_warnings(
    j: Jurisdiction, p: Period, today: dt.date, stale_days: int, uses: Counter[str]
) -> Iterable[Issue]:
    current = is_current(p, today)
    age = (today - p.verified_on).days
    if age > stale_days:
        yield _warn(
            p,
            "verified_on",
            f"sources last read {p.verified_on} ({age} days ago, over {stale_days}): re-check them",
        )
    if current and p.confidence == "low":
        yield _warn(
            p, "confidence", f"current {p.status} period of {j.code} rests on low confidence"
        )
    if p.lifecycle == "pending" and p.start is not None and p.start <= today:
        yield _warn(
            p,
            "lifecycle",
            f"pending since {p.start}, which has passed: confirm it took effect (enacted) or fix it",
        )
    yield from _confidence_warnings(p)
    for s in p.sources:
        if s.tier is None:
            yield _warn(p, "sources", f"{s.url} is not registered in sources.csv (no tier)")
        if uses[s.url] == 1 and looks_like_vendor(s):
            why = "registered as vendor" if s.tier == "vendor" else "looks like a shop page"
            yield _warn(p, "sources", f"{s.url} is cited only here and {why}: find a better source")
    if current and j.level in LOCAL_LEVELS and p.status == "banned":
        # a digest repeats the outlet it quotes: it is not a second, independent publisher
        publishers = {publisher(s) for s in p.sources if s.tier != "digest"}
        independent = any(not looks_like_vendor(s) for s in p.sources)
        if len(publishers) < 2 or not independent:
            yield _warn(
                p,
                "sources",
                f"current local ban of {j.code} needs two independent sources, at least one not "
                f"a vendor (has {len(publishers)} publisher(s)"
                + ("" if independent else ", all vendors")
                + ")",
            )


def read_directly(source: Source) -> bool:
    """The law's text or a government page, read itself (not through a quoted excerpt)."""
    return source.tier in ("primary", "government") and not source.read_via


def second_hand(source: Source) -> bool:
    """Digests, trackers and quoted excerpts: leads, not sources that settle a question."""
    return bool(source.read_via) or source.tier in ("digest", "advocacy", "vendor")


def _confidence_warnings(p: Period) -> Iterable[Issue]:
    """Confidence follows the sources: high needs the law or a government page read directly;
    a row resting on second-hand sources alone is at most medium, and medium needs two outlets."""
    if p.confidence == "high" and not any(read_directly(s) for s in p.sources):
        yield _warn(
            p,
            "confidence",
            "high confidence needs the law's text or a government page read directly "
            "(a primary or government source with empty read_via): lower it or cite one",
        )
    if p.sources and all(second_hand(s) for s in p.sources):
        outlets = {publisher(s) for s in p.sources}
        if p.confidence == "high" or (p.confidence == "medium" and len(outlets) < 2):
            yield _warn(
                p,
                "confidence",
                f"{p.confidence} confidence rests on digests, trackers or quoted excerpts from "
                f"{len(outlets)} outlet(s): at most medium, and medium needs two independent outlets",
            )
