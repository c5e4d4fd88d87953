"""Immutable, plain-Python records of the legal dataset.

Nothing here touches pandas or files: request handlers only ever see these objects.
Kratom law is written per product, so every period applies to a set of product classes and a
jurisdiction has one timeline per class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Status = Literal["legal", "regulated", "restricted", "banned", "unknown"]
# Words an answer can carry. `restricted` is derived (leaf lawful, some class banned); a row in
# the files says what applies to the classes it names, so it uses ROW_STATUSES only.
STATUSES: tuple[str, ...] = ("legal", "regulated", "restricted", "banned", "unknown")
ROW_STATUSES: tuple[str, ...] = ("legal", "regulated", "banned", "unknown")
# Most restrictive first; `unknown` is never ranked: it is reported beside the verdict.
SEVERITY: MappingProxyType[str, int] = MappingProxyType(
    {"banned": 3, "restricted": 2, "regulated": 1, "legal": 0}
)
LIFECYCLES: tuple[str, ...] = ("enacted", "pending", "emergency", "enjoined")
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
PRODUCTS: tuple[str, ...] = ("leaf", "extract", "7-oh", "synthetic")
# `before`: effective_from is the earliest day a source shows the status in force; the real
# start is not known, so days before it are not answered from this period.
PRECISIONS: tuple[str, ...] = ("day", "month", "year", "before")
LEVELS: tuple[str, ...] = ("country", "state", "county", "city")
TIERS: tuple[str, ...] = (
    "primary",
    "government",
    "news",
    "secondary",
    "advocacy",
    "vendor",
    "digest",
)
CAP_SUBSTANCES: tuple[str, ...] = ("7-oh", "mitragynine", "alkaloids")
CAP_UNITS: MappingProxyType[str, str] = MappingProxyType(
    {
        "%alkaloids": "% of the alkaloid fraction",
        "%w/w": "% by weight",
        "mg/serving": " mg per serving",
        "mg/unit": " mg per unit",
        "mg/g": " mg per gram",
    }
)
WATCH_STAGES: tuple[str, ...] = (
    "introduced",
    "passed-one-chamber",
    "passed-legislature",
    "signed",
    "proposed-rule",
    "notice-of-intent",
    "comment-period",
    "hearing",
    "vote-scheduled",
    "litigation",
    "other",
)


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    tier: str | None = None  # None: not registered in sources.csv
    publisher: str = ""
    title: str = ""
    read_via: str = ""  # empty: the page itself was read; else how (e.g. a digest's excerpt)


@dataclass(frozen=True, slots=True)
class Cap:
    """A limit a regulated period sets on one substance: `7-oh<=2%alkaloids`."""

    substance: str
    limit: str  # the number as written, so "2" never turns into "2.0"
    unit: str

    def __str__(self) -> str:
        return f"{self.substance}<={self.limit}{self.unit}"

    def words(self) -> str:
        name = "7-OH" if self.substance == "7-oh" else self.substance
        return f"{name} at most {self.limit}{CAP_UNITS[self.unit]}"


@dataclass(frozen=True, slots=True)
class Period:
    """One status of one jurisdiction, for some product classes, over [start, end)."""

    code: str
    products: tuple[str, ...]  # the classes this row speaks for, in PRODUCTS order
    status: str
    start: dt.date | None  # None: since before any law
    end: dt.date | None  # None: until further notice
    lifecycle: str
    start_precision: str
    age_min: int | None
    caps: tuple[Cap, ...]
    law: str
    sources: tuple[Source, ...]
    verified_on: dt.date
    confidence: str
    notes: str
    source_date: str
    file: str
    line: int

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    @property
    def all_products(self) -> bool:
        return len(self.products) == len(PRODUCTS)


@dataclass(frozen=True, slots=True)
class WatchItem:
    """A pending action (bill, proposed rule, notice): never a status, shown under `next`."""

    code: str
    products: tuple[str, ...]
    proposed_status: str
    stage: str
    stage_date: dt.date
    decide_by: dt.date | None
    title: str
    sources: tuple[Source, ...]
    verified_on: dt.date
    confidence: str
    notes: str
    file: str
    line: int

    def overdue_on(self, day: dt.date) -> bool:
        """The decision was due before `day` and no outcome is recorded: the answer for the
        classes it names may be out of date (editor's report, lint and answers all say so)."""
        return self.decide_by is not None and self.decide_by < day


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead (a tracker line, a digest, a news tip) that was searched and could not be
    confirmed, so nothing was entered: kept so the next editor knows what was tried."""

    place: str
    code: str  # the jurisdiction's code when it has one, else ""
    lead: str
    searched: str
    checked_on: dt.date
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    level: str  # country | state | county | city
    parent: str | None  # code of the enclosing jurisdiction whose law also applies
    periods: tuple[Period, ...] = ()  # sorted by start; non-overlapping per product class
    aliases: tuple[str, ...] = ()  # other codes that mean this jurisdiction (PR -> US-PR)
    kind: str = ""  # e.g. "city", "town", "county", "parish", "territory"
    search_names: tuple[str, ...] = field(default=())  # extra names for ?q=
    watch: tuple[WatchItem, ...] = ()  # pending actions, by stage date
    counties: tuple[str, ...] = ()  # county GEOIDs a local place lies in (places.csv)
    geoid: str = ""  # Census GEOID of a local place's boundary, if mapped

    def period_at(self, day: dt.date, product: str = "leaf") -> Period | None:
        for p in self.periods:
            if product in p.products and p.contains(day):
                return p
        return None

    def periods_at(self, day: dt.date) -> dict[str, Period | None]:
        """The period of every product class on a day (None: no period covers it)."""
        out: dict[str, Period | None] = dict.fromkeys(PRODUCTS)
        for p in self.periods:
            if p.contains(day):
                for c in p.products:
                    out[c] = p
        return out

    def next_change_after(self, day: dt.date) -> Period | None:
        for p in self.periods:
            if p.start is not None and p.start > day:
                return p
        return None

    def timeline(self, product: str) -> tuple[Period, ...]:
        return tuple(p for p in self.periods if product in p.products)


@dataclass(frozen=True, slots=True)
class Dataset:
    version: str  # content hash of the source files
    jurisdictions: MappingProxyType[str, Jurisdiction]
    aliases: MappingProxyType[str, str]  # alias code -> canonical code
    sources: MappingProxyType[str, Source]
    files: tuple[str, ...]
    unconfirmed: tuple[Lead, ...] = ()  # leads checked and not entered (unconfirmed.csv)

    def get(self, code: str) -> Jurisdiction | None:
        canonical = self.aliases.get(code, code)
        return self.jurisdictions.get(canonical)


def summary_status(statuses: dict[str, str]) -> str:
    """One word for a layer or a verdict over the classes: what a map or a badge shows.

    The leaf answer decides, except that a ban of some other class while leaf stays lawful is
    `restricted` (DESIGN.md), and a stricter regulation of another class shows as `regulated`.
    """
    leaf = statuses.get("leaf", "unknown")
    if leaf in ("unknown", "banned"):
        return leaf
    others = [s for c, s in statuses.items() if c != "leaf" and s != "unknown"]
    if "banned" in others:
        return "restricted"
    if leaf == "legal" and "regulated" in others:
        return "regulated"
    return leaf
