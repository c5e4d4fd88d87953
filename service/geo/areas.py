"""The table of disputed and unclaimed areas (data/boundaries/disputed-areas.csv).

Each row names an area, every state that claims it, who controls it on the ground, where its
polygon comes from and the pages that say so. The polygons are built ahead of time
(scripts/build_boundaries.py --only areas) into disputed-areas.parquet under the code
"@<id>"; the rest of a row is read here, at load, so an edit of claimants, controller or
sources needs no rebuild. A row whose polygon is `none` is listed but answers nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

KINDS = ("disputed", "unclaimed")
COLUMNS = (
    "id", "name", "kind", "claimants", "controller", "controller_name", "polygon",
    "polygon_source", "inside", "outside", "sources", "notes",
)  # fmt: skip
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_CODE = re.compile(r"^[A-Z]{2}$")
_POINT = re.compile(r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$")
PREFIX = "@"  # area codes in the country dimension of the index never clash with ISO codes


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str
    kind: str  # disputed | unclaimed
    claimants: tuple[str, ...]  # ISO 3166-1 alpha-2 (XK for Kosovo); empty when unclaimed
    controller: str | None  # ISO code of the state in control, when one state is
    controller_name: str  # who controls it, in words (also when no ISO code fits)
    polygon: str  # the recipe (see scripts/boundaries_areas.py)
    polygon_source: str
    check_points: tuple[tuple[float, float], ...]  # (lat, lon) inside, for the tests
    sources: tuple[str, ...]
    notes: str

    @property
    def mapped(self) -> bool:
        return self.polygon != "none"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "claimants": list(self.claimants),
            "controlled_by": {"code": self.controller, "name": self.controller_name},
            "polygon_source": self.polygon_source,
            "sources": list(self.sources),
            "notes": self.notes,
        }


def parse_table(text: str, name: str = "disputed-areas.csv") -> MappingProxyType[str, Area]:
    """Rows by id; ValueError naming file:line: field on the first malformed row."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{name}:1: missing columns {', '.join(missing)}")
    out: dict[str, Area] = {}
    for line, row in enumerate(reader, start=2):

        def bad(field: str, message: str, line: int = line) -> ValueError:
            return ValueError(f"{name}:{line}: {field}: {message}")

        if None in row or any(v is None for v in row.values()):
            raise bad("", "wrong number of fields")
        v = {k: (row[k] or "").strip() for k in COLUMNS}
        if not _ID.match(v["id"]) or v["id"] in out:
            raise bad("id", f"{v['id']!r} must be a unique lower-case slug")
        if v["kind"] not in KINDS:
            raise bad("kind", f"{v['kind']!r}: expected one of {', '.join(KINDS)}")
        claimants = tuple(v["claimants"].split())
        if any(not _CODE.match(c) for c in claimants):
            raise bad("claimants", "expected ISO 3166-1 alpha-2 codes separated by spaces")
        if (v["kind"] == "unclaimed") != (not claimants):
            raise bad("claimants", "an unclaimed area has none; a disputed one at least one")
        if v["controller"] and not _CODE.match(v["controller"]):
            raise bad("controller", "expected an ISO 3166-1 alpha-2 code or nothing")
        if not v["controller_name"]:
            raise bad("controller_name", "say who controls the area (or that no state does)")
        if not v["polygon"] or not v["polygon_source"]:
            raise bad("polygon", "a recipe (or `none`) and its source in words are required")
        points = []
        for pair in v["inside"].split():
            if not _POINT.match(pair):
                raise bad("inside", f"{pair!r}: expected lat,lon")
            lat, lon = (float(x) for x in pair.split(","))
            points.append((lat, lon))
        sources = tuple(v["sources"].split())
        if not sources or any(not s.startswith(("https://", "http://")) for s in sources):
            raise bad("sources", "at least one http(s) URL, separated by spaces")
        out[v["id"]] = Area(
            id=v["id"], name=v["name"], kind=v["kind"], claimants=claimants,
            controller=v["controller"] or None, controller_name=v["controller_name"],
            polygon=v["polygon"], polygon_source=v["polygon_source"],
            check_points=tuple(points), sources=sources, notes=v["notes"],
        )  # fmt: skip
    return MappingProxyType(out)


def load_table(path: Path) -> MappingProxyType[str, Area]:
    if not path.is_file():
        return MappingProxyType({})
    return parse_table(path.read_text(encoding="utf-8"), path.name)
