"""A copy of the shipped dataset with per-class rows and a watch item, for the reader-page and
badge tests (and the browser tests).

Why a fixture and not the shipped data: the shipped rows are being researched and change; these
pin the shapes the pages must show (a class banned by the federal layer, a cap, a pending
federal item, a start known only as "before"). Every law name here says "Test": they are
fixtures, not research, and never leave tests/.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "jurisdictions"
FEDERAL_BAN = "2026-08-26"
WATCH_TITLE = "Test notice of intent to schedule <7-OH> & co"
TX_LAW = "Test act ch. 444 <b>"
US_LAW = "Test federal order 1"


def _rewrite(path: Path, change: Any) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _row(template: dict[str, str], **values: str) -> dict[str, str]:
    base = dict.fromkeys(template, "")
    base.update(
        sources=template["sources"].split()[0],
        verified_on="2026-12-01",
        confidence="high",
        notes="test fixture",
    )
    base.update(values)
    return base


def _federal(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """US: leaf, extracts and 7-OH lawful; synthetics banned from FEDERAL_BAN."""
    template = next(r for r in rows if r["code"] == "US")
    out = [r for r in rows if r["code"] != "US"]
    law = "Test: not scheduled"
    out += [
        _row(template, code="US", products="leaf extract 7-oh", status="legal", law=law),
        _row(
            template,
            code="US",
            products="synthetic",
            status="legal",
            law=law,
            effective_to=FEDERAL_BAN,
        ),
        _row(
            template,
            code="US",
            products="synthetic",
            status="banned",
            law=US_LAW,
            effective_from=FEDERAL_BAN,
        ),
    ]
    return out


def _texas(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Texas: leaf, extracts and 7-OH regulated 18+ with a 7-OH cap; synthetics banned."""
    template = next(r for r in rows if r["code"] == "US-TX")
    out = [r for r in rows if r["code"] != "US-TX"]
    start = "2023-09-01"
    out += [
        _row(template, code="US-TX", status="legal", law="Test: no statute", effective_to=start),
        _row(
            template,
            code="US-TX",
            products="leaf extract 7-oh",
            status="regulated",
            effective_from=start,
            age_min="18",
            cap="7-oh<=2%alkaloids",
            law=TX_LAW,
        ),
        _row(
            template,
            code="US-TX",
            products="synthetic",
            status="banned",
            effective_from=start,
            law=TX_LAW,
        ),
    ]
    return out


def product_dataset(tmp: Path) -> Path:
    data = tmp / "jurisdictions"
    shutil.copytree(DATA, data)
    _rewrite(data / "countries.csv", _federal)
    _rewrite(data / "us-states.csv", _texas)
    with (data / "countries.csv").open(newline="", encoding="utf-8") as fh:
        source = next(r for r in csv.DictReader(fh) if r["code"] == "US")["sources"].split()[0]
    with (data / "watch.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(
            [
                "US",
                "7-oh",
                "banned",
                "notice-of-intent",
                "2026-07-06",
                "2099-12-31",
                WATCH_TITLE,
                source,
                "2026-12-01",
                "medium",
                "test fixture",
            ]
        )
    return data


@contextmanager
def products_swapped(app: Any, tmp: Path) -> Iterator[Any]:
    """The fixture dataset served by `app` for the duration; the shipped one afterwards."""
    from service.loading import snapshot_from_dir

    holder = app.extensions["kratom.holder"]
    shipped = holder.current
    snap = snapshot_from_dir(product_dataset(tmp), shipped.geo)
    holder.swap(snap)
    try:
        yield snap
    finally:
        holder.swap(shipped)
