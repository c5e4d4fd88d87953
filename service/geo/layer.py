"""One polygon layer: exploded, prepared, warmed parts plus a tree of short boundary pieces.

The parts answer "which polygons cover this point"; the boundary pieces answer "which
polygons are within N metres" (margins, snapping, nearest country at sea) without touching
the 80k-vertex country polygons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from .distance import deg_radius, haversine_m, point_segments_m

PIECE_SEGMENTS = 16  # boundary segments per piece: small boxes, few segments per candidate
PIECE_MAX_DEG = 0.05  # long straight borders are split so their boxes stay small


@dataclass(eq=False)
class Layer:
    """Read-only after `build`; safe to share between threads once warmed."""

    name: str
    meta: dict[str, Any]
    codes: np.ndarray  # feature code per feature (object array of str)
    margin_m: float
    parts: np.ndarray = field(repr=False)
    part_code: np.ndarray = field(repr=False)  # feature index per part
    tree: shapely.STRtree = field(repr=False)
    xs: np.ndarray = field(repr=False)  # boundary vertices
    ys: np.ndarray = field(repr=False)
    piece_start: np.ndarray = field(repr=False)  # first vertex of each piece
    piece_end: np.ndarray = field(repr=False)  # last vertex (inclusive)
    piece_code: np.ndarray = field(repr=False)
    piece_tree: shapely.STRtree = field(repr=False)
    piece_bounds: np.ndarray = field(repr=False)  # (n, 4) xmin, ymin, xmax, ymax

    @classmethod
    def from_parquet(cls, name: str, path: Path, meta: dict[str, Any], margin_m: float) -> Layer:
        table = pq.read_table(path, columns=["code", "geometry"])
        codes = np.array(table.column("code").to_pylist(), dtype=object)
        geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        del table
        # Arrow's allocator keeps the decompression buffers (~230 MB for the countries) unless asked
        pa.default_memory_pool().release_unused()
        return cls.build(name, codes, geoms, meta, margin_m)

    @classmethod
    def build(
        cls,
        name: str,
        codes: np.ndarray,
        geoms: np.ndarray,
        meta: dict[str, Any],
        margin_m: float,
    ) -> Layer:
        parts, part_code = shapely.get_parts(geoms, return_index=True)
        keep = shapely.get_type_id(parts) == 3
        parts, part_code = parts[keep], part_code[keep]
        shapely.prepare(parts)
        tree = shapely.STRtree(parts)
        xs, ys, start, end, pcode = _boundary_pieces(parts, part_code)
        bounds = np.column_stack(
            [
                np.minimum.reduceat(xs, start),
                np.minimum.reduceat(ys, start),
                np.maximum.reduceat(xs, start),
                np.maximum.reduceat(ys, start),
            ]
        )
        # reduceat runs to the next piece's start; pieces share their end vertex, so fold it in
        bounds[:, 0] = np.minimum(bounds[:, 0], xs[end])
        bounds[:, 1] = np.minimum(bounds[:, 1], ys[end])
        bounds[:, 2] = np.maximum(bounds[:, 2], xs[end])
        bounds[:, 3] = np.maximum(bounds[:, 3], ys[end])
        piece_tree = shapely.STRtree(shapely.box(*bounds.T))
        layer = cls(
            name, meta, codes, margin_m, parts, part_code, tree,
            xs, ys, start, end, pcode, piece_tree, bounds,
        )  # fmt: skip
        layer._warm()
        return layer

    def _warm(self) -> None:
        """Build every lazy GEOS index now, in one thread, before the layer is shared.

        GEOS builds a prepared polygon's index on its 2nd use and an STRtree on its first
        query; doing either concurrently can crash the process (PITFALLS.md §2).
        """
        rp = shapely.point_on_surface(self.parts)
        x, y = shapely.get_x(rp), shapely.get_y(rp)
        for _ in range(2):
            shapely.intersects_xy(self.parts, x, y)
        probe = shapely.points([0.0, 10.0], [0.0, 45.0])
        self.tree.query(probe)
        self.piece_tree.query(probe)
        self.piece_tree.query_nearest(probe)

    @property
    def features(self) -> int:
        return len(self.codes)

    # -- point queries -------------------------------------------------------------------

    def covering(self, lon: float, lat: float) -> list[int]:
        """Feature indices whose polygon covers the point (a point on the edge matches)."""
        cand = self.tree.query(shapely.Point(lon, lat))
        if len(cand) == 0:
            return []
        hit = cand[shapely.intersects_xy(self.parts[cand], lon, lat)]
        if len(hit) == 0:
            return []
        return sorted(set(self.part_code[hit].tolist()))

    def interior(self, lon: float, lat: float, features: list[int]) -> list[int]:
        """The subset of `features` that has the point strictly inside (not on an edge)."""
        out = []
        for k in features:
            parts = self.parts[self.part_code == k]
            if shapely.contains_xy(parts, lon, lat).any():
                out.append(k)
        return out

    def within(self, lon: float, lat: float, metres: float) -> dict[int, float]:
        """Feature index -> distance (m) to its boundary, for boundaries within `metres`."""
        dlon, dlat = deg_radius(lat, metres)
        cand = self.piece_tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        if len(cand) == 0:
            return {}
        return {k: v for k, v in self._piece_distances(lon, lat, cand).items() if v <= metres}

    def nearest(self, lon: float, lat: float) -> tuple[int, float] | None:
        """Nearest feature (by boundary) and its distance in metres; for points at sea."""
        if len(self.piece_bounds) == 0:
            return None
        first = self.piece_tree.query_nearest(shapely.Point(lon, lat))
        d0 = min(self._piece_distances(lon, lat, first).values())
        # the degree-nearest piece bounds the metric search radius
        dlon, dlat = deg_radius(lat, d0 * 1.01 + 1.0)
        if dlat > 0.2:  # >20 km out: take the degree-nearest piece, measured by haversine
            i = int(first[0])
            s, e = self.piece_start[i], self.piece_end[i]
            k = s + int(np.argmin(np.hypot(self.xs[s : e + 1] - lon, self.ys[s : e + 1] - lat)))
            return int(self.piece_code[i]), haversine_m(lon, lat, self.xs[k], self.ys[k])
        cand = self.piece_tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        dist = self._piece_distances(lon, lat, cand)
        best = min(dist, key=dist.__getitem__)
        return best, dist[best]

    def _piece_distances(self, lon: float, lat: float, pieces: np.ndarray) -> dict[int, float]:
        starts = self.piece_start[pieces]
        ends = self.piece_end[pieces]
        counts = ends - starts
        seg = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        d = point_segments_m(
            lon, lat, self.xs[seg], self.ys[seg], self.xs[seg + 1], self.ys[seg + 1]
        )
        owner = np.repeat(self.piece_code[pieces], counts)
        out: dict[int, float] = {}
        order = np.argsort(d, kind="stable")
        for o, dist in zip(owner[order].tolist(), d[order].tolist(), strict=True):
            if o not in out:
                out[o] = dist
        return out

    # -- grid support --------------------------------------------------------------------

    def covering_many(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, feature index) pairs for every polygon covering each point."""
        pts = shapely.points(lons, lats)
        pi, ci = self.tree.query(pts)
        ok = shapely.intersects_xy(self.parts[ci], lons[pi], lats[pi])
        pairs = np.unique(np.column_stack([pi[ok], self.part_code[ci[ok]]]), axis=0)
        return pairs[:, 0], pairs[:, 1]


def _boundary_pieces(
    parts: np.ndarray, part_code: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split every ring into runs of PIECE_SEGMENTS segments (shared end vertices)."""
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    rings = shapely.segmentize(rings, PIECE_MAX_DEG)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    xs = np.ascontiguousarray(coords[:, 0])
    ys = np.ascontiguousarray(coords[:, 1])
    n = len(xs)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return xs, ys, empty, empty, empty
    ring_start = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    ring_end = np.r_[ring_start[1:], n] - 1  # last vertex (== first, rings are closed)
    starts, ends, owners = [], [], []
    for rs, re_, r in zip(ring_start, ring_end, ring_of[ring_start], strict=True):
        s = np.arange(rs, re_, PIECE_SEGMENTS)
        starts.append(s)
        ends.append(np.minimum(s + PIECE_SEGMENTS, re_))
        owners.append(np.full(len(s), part_code[ring_part[r]]))
    return (
        xs,
        ys,
        np.concatenate(starts).astype(np.int64),
        np.concatenate(ends).astype(np.int64),
        np.concatenate(owners).astype(np.int64),
    )


def lon_wrap(lon: float) -> float:
    """Longitude into [-180, 180); 180 and -180 are one meridian."""
    if -180.0 <= lon < 180.0:
        return lon
    return math.fmod(math.fmod(lon + 180.0, 360.0) + 360.0, 360.0) - 180.0
