"""The open downloads, built from one Snapshot: every jurisdiction's status on a day as CSV,
GeoJSON (with the map's simplified polygons) and Parquet, and the status changes as iCalendar.

Pure functions of (snapshot, day): the HTTP views and `flask data publish` write the same
bytes. Every file names the dataset version it was made from.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from pathlib import Path
from typing import Any

import orjson

from .. import resolve
from ..api.batch import csv_safe
from ..columns import jurisdiction_product_statuses
from ..snapshot import Snapshot

REGIONS = Path(__file__).resolve().parent.parent / "web" / "static" / "map" / "regions.json"
LICENCE = (
    "Status data: CC BY 4.0 (kratom-status contributors). Country geometry: © OpenStreetMap "
    "contributors, ODbL 1.0; US state geometry: US Census Bureau (public domain). See NOTICE."
)
ICS_PAST_DAYS = 365  # the calendar shows the last year's changes and everything scheduled

# Column order of the CSV and Parquet files (and the GeoJSON properties).
COLUMNS = (
    "code",
    "name",
    "level",
    "kind",
    "parent",
    "aliases",
    "status",
    "since",
    "until",
    "lifecycle",
    "age_min",
    "law",
    "confidence",
    "verified_on",
    "researched",
    "next_date",
    "next_status",
    "next_law",
    "overall_status",
    "overall_code",
    "status_leaf",
    "status_extract",
    "status_7oh",
    "status_synthetic",
    "sources",
    "summary",
    "as_of",
    "dataset_version",
)
DATE_COLUMNS = {"until", "verified_on", "next_date", "as_of"}


def status_rows(snap: Snapshot, day: dt.date) -> list[dict[str, Any]]:
    """One row per jurisdiction, sorted by code: its own status on `day`, what comes next,
    and the overall verdict with the layers above it (what a point inside it would get)."""
    rows = []
    for j in sorted(snap.dataset.jurisdictions.values(), key=lambda x: x.code):
        a = resolve.jurisdiction_answer(snap, j.code, day, history=False)
        if a is None:  # pragma: no cover - every listed code resolves
            continue
        nxt = a.get("next") or {}
        verdict = a.get("verdict") or {}
        row = {
            "code": a["code"],
            "name": a["name"],
            "level": a["level"],
            "kind": a.get("kind"),
            "parent": j.parent,
            "aliases": " ".join(a.get("aliases") or ()),
            "status": a["status"],
            "since": a.get("since"),
            "until": a.get("until"),
            "lifecycle": a.get("lifecycle"),
            "age_min": a.get("age_min"),
            "law": a.get("law"),
            "confidence": a.get("confidence"),
            "verified_on": a.get("verified_on"),
            "researched": bool(a.get("researched")),
            "next_date": nxt.get("date"),
            "next_status": nxt.get("status"),
            "next_law": nxt.get("law"),
            "overall_status": verdict.get("status"),
            "overall_code": verdict.get("code"),
            **jurisdiction_product_statuses(a),
            "sources": " ".join(s["url"] for s in a.get("sources") or ()),
            "summary": a.get("summary"),
            "as_of": day.isoformat(),
            "dataset_version": snap.version,
        }
        rows.append({c: row.get(c) for c in COLUMNS})
    return rows


def earliest_next(rows: list[dict[str, Any]]) -> str | None:
    """The first scheduled change after the day: no cache may outlive it."""
    dates = [r["next_date"] for r in rows if r["next_date"]]
    return min(dates) if dates else None


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """RFC 4180 CSV; cells that a spreadsheet would run as formulas are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [csv_safe("true" if v is True else "false" if v is False else v) for v in r.values()]
        )
    return out.getvalue().encode("utf-8")


@functools.cache
def _regions() -> tuple[dict[str, Any], list[str]]:
    doc = json.loads(REGIONS.read_text(encoding="utf-8"))
    shapes = {f["properties"]["code"]: f["geometry"] for f in doc["features"]}
    return shapes, list(doc.get("attribution") or [])


def to_geojson(rows: list[dict[str, Any]], snap: Snapshot, day: dt.date) -> bytes:
    """A FeatureCollection with the map's simplified polygons (null geometry where the map has
    none, e.g. cities); the dataset version at the top level and in every feature."""
    shapes, attribution = _regions()
    features = []
    for r in rows:
        codes = [r["code"], *(r["aliases"].split() if r["aliases"] else [])]
        geometry = next((shapes[c] for c in codes if c in shapes), None)
        features.append({"type": "Feature", "id": r["code"], "properties": r, "geometry": geometry})
    doc = {
        "type": "FeatureCollection",
        "name": "kratom-status jurisdictions",
        "as_of": day.isoformat(),
        "dataset": snap.dataset_info,
        "attribution": attribution,
        "license": LICENCE,
        "features": features,
    }
    return orjson.dumps(doc)


def to_parquet(rows: list[dict[str, Any]], snap: Snapshot, day: dt.date) -> bytes:
    """Typed columns (dates as dates, age_min as an integer, researched as a boolean); the
    dataset version, day and licence in the file's key-value metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def kind(name: str) -> pa.DataType:
        if name in DATE_COLUMNS:
            return pa.date32()
        if name == "age_min":
            return pa.int16()
        if name == "researched":
            return pa.bool_()
        return pa.string()

    data = {}
    for c in COLUMNS:
        values = [r[c] for r in rows]
        if c in DATE_COLUMNS:
            values = [dt.date.fromisoformat(v) if v else None for v in values]
        data[c] = pa.array(values, type=kind(c))
    meta = {
        "kratom_status": json.dumps(
            {"dataset": snap.dataset_info, "as_of": day.isoformat(), "license": LICENCE}
        )
    }
    table = pa.table(data).replace_schema_metadata(meta)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _published(snap: Snapshot) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(snap.published)
    except ValueError:
        moment = snap.loaded_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _title(c: dict[str, Any]) -> str:
    words = resolve.STATUS_WORDS
    if c["status_changed"]:
        return f"{c['name']}: kratom {words[c['from_status']]} → {words[c['to_status']]}"
    return f"{c['name']}: kratom rules change (still {words[c['to_status']]})"


def _description(c: dict[str, Any], version: str) -> str:
    lines = [c["summary"] + "."]
    if c["date_precision"] != "day":
        lines.append(f"The date is known to the {c['date_precision']} only.")
    if c.get("lifecycle") and c["lifecycle"] != "enacted":
        lines.append(f"Footing: {c['lifecycle']}.")
    if c.get("law"):
        lines.append(f"Law: {c['law']}")
    if c.get("confidence"):
        lines.append(f"Confidence: {c['confidence']}")
    lines.extend(f"Source: {url}" for url in c.get("sources") or [])
    lines.append(f"Dataset version {version}. Not legal advice.")
    return "\n".join(lines)


def changes_ics(snap: Snapshot, today: dt.date, base_url: str | None = None) -> bytes:
    """RFC 5545 calendar of status changes: the past year's and every scheduled one, as
    all-day events; DTSTAMP is the dataset's publish time, so the bytes change only with the
    data (or the window)."""
    from icalendar import Calendar, Event

    stamp = _published(snap)
    since = today - dt.timedelta(days=ICS_PAST_DAYS)
    cal = Calendar()
    cal.add("prodid", "-//kratom-status//legal status changes//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Kratom legal status: changes")
    cal.add(
        "x-wr-caldesc",
        f"Status changes of kratom law by country, US state and local jurisdiction, from "
        f"{since.isoformat()} and scheduled. Dataset version {snap.version}. Not legal advice.",
    )
    cal.add("x-kratom-dataset-version", snap.version)
    seen: set[str] = set()
    for c in resolve.changes(snap, since, None):
        # one event per change of one group of product classes, stable across builds
        key = f"{c['date']}-{c['code']}-{'+'.join(c.get('products') or ())}-{c['to_status']}"
        uid, n = f"{key}@kratom-status", 2
        while uid in seen:
            uid, n = f"{key}-{n}@kratom-status", n + 1
        seen.add(uid)
        start = dt.date.fromisoformat(c["date"])
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(days=1))
        event.add("summary", _title(c))
        event.add("description", _description(c, snap.version))
        event.add("categories", [c["to_status"]])
        event.add("transp", "TRANSPARENT")
        if base_url:
            event.add("url", f"{base_url}/j/{c['code']}")
        cal.add_component(event)
    return cal.to_ical()


FILES = {
    "jurisdictions.csv": ("csv", "text/csv; charset=utf-8"),
    "jurisdictions.geojson": ("geojson", "application/geo+json"),
    "jurisdictions.parquet": ("parquet", "application/vnd.apache.parquet"),
    "changes.ics": ("ics", "text/calendar; charset=utf-8"),
}


def build(
    snap: Snapshot, fmt: str, day: dt.date, base_url: str | None = None
) -> tuple[bytes, str | None]:
    """(body, the first scheduled change after `day`) for one format."""
    rows = status_rows(snap, day)
    nxt = earliest_next(rows)
    if fmt == "csv":
        return to_csv(rows), nxt
    if fmt == "geojson":
        return to_geojson(rows, snap, day), nxt
    if fmt == "parquet":
        return to_parquet(rows, snap, day), nxt
    if fmt == "ics":
        return changes_ics(snap, day, base_url), nxt
    raise ValueError(f"unknown download format {fmt!r}")


def write_all(snap: Snapshot, out: Path, day: dt.date) -> dict[str, Any]:
    """Every download into `out` (for `flask data publish`); returns {file name: bytes}."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (fmt, _mime) in FILES.items():
        body, _nxt = build(snap, fmt, day)
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(body)
        tmp.replace(out / name)
        written[name] = len(body)
    return written
