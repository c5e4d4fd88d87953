"""Immutable, plain-Python records of the legal dataset.

Nothing here touches pandas or files: request handlers only ever see these objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Status = Literal["legal", "regulated", "restricted", "banned", "unknown"]
STATUSES: tuple[str, ...] = ("legal", "regulated", "restricted", "banned", "unknown")
# Most restrictive first; `unknown` is never ranked: it is reported beside the verdict.
SEVERITY: MappingProxyType[str, int] = MappingProxyType(
    {"banned": 3, "restricted": 2, "regulated": 1, "legal": 0}
)
LIFECYCLES: tuple[str, ...] = ("enacted", "pending", "emergency", "enjoined")
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
PRODUCTS: tuple[str, ...] = ("leaf", "extract", "7-oh", "synthetic")
PRECISIONS: tuple[str, ...] = ("day", "month", "year")
LEVELS: tuple[str, ...] = ("country", "state", "county", "city")
TIERS: tuple[str, ...] = ("primary", "government", "news", "secondary", "advocacy", "vendor")


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    tier: str | None = None  # None: not registered in sources.csv
    publisher: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Period:
    """One status of one jurisdiction over the half-open range [start, end)."""

    code: str
    status: str
    start: dt.date | None  # None: since before any law
    end: dt.date | None  # None: until further notice
    lifecycle: str
    start_precision: str
    age_min: int | None
    banned_products: tuple[str, ...]
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


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    level: str  # country | state | county | city
    parent: str | None  # code of the enclosing jurisdiction whose law also applies
    periods: tuple[Period, ...] = ()  # sorted by start, non-overlapping
    aliases: tuple[str, ...] = ()  # other codes that mean this jurisdiction (PR -> US-PR)
    kind: str = ""  # e.g. "city", "town", "county", "parish", "territory"
    search_names: tuple[str, ...] = field(default=())  # extra names for ?q=
    geoid: str = ""  # places.csv: Census GEOID (7-digit place, 5-digit county)
    counties: tuple[str, ...] = ()  # places.csv: county GEOIDs the place lies in

    def period_at(self, day: dt.date) -> Period | None:
        for p in self.periods:
            if p.contains(day):
                return p
        return None

    def next_change_after(self, day: dt.date) -> Period | None:
        for p in self.periods:
            if p.start is not None and p.start > day:
                return p
        return None


@dataclass(frozen=True, slots=True)
class Dataset:
    version: str  # content hash of the source files
    jurisdictions: MappingProxyType[str, Jurisdiction]
    aliases: MappingProxyType[str, str]  # alias code -> canonical code
    sources: MappingProxyType[str, Source]
    files: tuple[str, ...]

    def get(self, code: str) -> Jurisdiction | None:
        canonical = self.aliases.get(code, code)
        return self.jurisdictions.get(canonical)
