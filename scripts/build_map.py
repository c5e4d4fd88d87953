"""Build the reader map's simplified GeoJSON from the shipped boundary files.

The lookup boundaries are tens of MB; the map only needs shapes a reader recognises, so this
simplifies strongly, rounds to 0.01 degree and drops specks. Run after the boundary build:

    python scripts/build_map.py [--boundaries data/boundaries] [--out service/web/static/map/regions.json]

Countries come first and US states after them, so the map draws the states over the US polygon.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

ROOT = Path(__file__).resolve().parent.parent
LAYERS = (
    # file, level, tolerance in degrees, smallest kept part in square degrees
    ("countries.parquet", "country", 0.08, 0.02),
    ("us-states.parquet", "state", 0.04, 0.005),
)
DIGITS = 2


def polygons(geom: Any) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for part in getattr(geom, "geoms", []) for g in polygons(part)]


def simplify(geom: Any, tolerance: float, min_area: float) -> MultiPolygon | None:
    """Simplified parts above min_area; the largest part always survives so specks stay visible."""
    parts = [p for p in polygons(shapely.simplify(geom, tolerance, preserve_topology=True))]
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return None
    largest = max(parts, key=lambda p: p.area)
    kept = [p for p in parts if p.area >= min_area or p is largest]
    return MultiPolygon(kept)


def round_coords(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, DIGITS)
    if isinstance(obj, list | tuple):
        return [round_coords(x) for x in obj]
    return obj


def dedupe_ring(ring: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for point in ring:
        if not out or point != out[-1]:
            out.append(point)
    return out


def features(path: Path, level: str, tolerance: float, min_area: float) -> list[dict[str, Any]]:
    table = pq.read_table(path, columns=["code", "name", "geometry"]).to_pylist()
    out = []
    for row in table:
        geom = simplify(shapely.from_wkb(row["geometry"]), tolerance, min_area)
        if geom is None:
            continue
        coords = round_coords(mapping(geom)["coordinates"])
        rings = [[dedupe_ring(r) for r in poly] for poly in coords]
        rings = [[r for r in poly if len(r) >= 4] for poly in rings]
        rings = [poly for poly in rings if poly]
        if not rings:
            continue
        out.append(
            {
                "type": "Feature",
                "properties": {"code": row["code"], "name": row["name"], "level": level},
                "geometry": {"type": "MultiPolygon", "coordinates": rings},
            }
        )
    out.sort(key=lambda f: f["properties"]["code"])
    return out


def build(boundaries: Path) -> dict[str, Any]:
    layers_meta = {}
    meta_path = boundaries / "layers.json"
    if meta_path.exists():
        layers_meta = json.loads(meta_path.read_text(encoding="utf-8"))
    attribution = sorted(
        {
            m["attribution"]
            for m in layers_meta.values()
            if isinstance(m, dict) and m.get("attribution")
        }
    )
    feats: list[dict[str, Any]] = []
    for filename, level, tolerance, min_area in LAYERS:
        feats.extend(features(boundaries / filename, level, tolerance, min_area))
    return {"type": "FeatureCollection", "attribution": attribution, "features": feats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=ROOT / "data" / "boundaries")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "service" / "web" / "static" / "map" / "regions.json"
    )
    args = parser.parse_args()
    collection = build(args.boundaries)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{args.out}: {len(collection['features'])} regions, {len(text) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
