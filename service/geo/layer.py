"""One polygon layer as plain arrays: boundary pieces, a cell -> pieces index, corner coverage.

No GEOS geometry is kept at run time (the prepared country polygons alone cost ~150 MB per
process). Two questions are answered from the arrays:

- "which polygons are within N metres": short boundary pieces found through the level-1 cell
  index, measured segment by segment (margins, snapping, nearest country at sea);
- "which polygons cover this point", inside mixed level-1 cells only: the coverage of a
  reference point just outside the cell's south-west corner is stored at build time, and the
  parity of boundary crossings along a path from there to the point (west edge up, then east
  along the point's latitude) flips it. A point on a boundary (0 m) counts as covered and not
  interior, which is GEOS's `intersects` / `contains` behaviour.

Shapely is used only while building (`SourceLayer`); arrays then live in the cache, mmap'd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .distance import M_PER_DEG_LAT, M_PER_DEG_LON, deg_radius, haversine_m, point_segments_m

PIECE_SEGMENTS = 16  # boundary segments per piece: small boxes, few segments per candidate
PIECE_MAX_DEG = 0.05  # long straight borders are split so their boxes stay small
RES = 0.125  # level-1 cell size (degrees); the grid uses the same cells
NCOLS = int(360 / RES)
NROWS = int(180 / RES)
# the reference corner sits this far outside the cell: off the 1e-6 degree lattice of the data
DELTA = 2.0**-13
CHUNK = 256  # consecutive pieces (one stretch of coast) per box of the far-sea search
MAX_BOX_CELLS = 400  # bigger radius queries scan every piece's bounds instead
ARRAYS = (
    "xs", "ys", "piece_start", "piece_end", "piece_code", "piece_bounds",
    "pc_cell", "pc_piece", "cc_ptr", "cc_feat",
)  # fmt: skip


def read_geometries(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(codes, geometries) of a GeoParquet file, without pandas (pyarrow's dataset reader
    imports it for the pandas metadata) and giving Arrow's buffers back."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    pf = pq.ParquetFile(path)
    table = pf.read(columns=["code", "geometry"], use_pandas_metadata=False)
    codes = np.array(table.column("code").to_pylist(), dtype=object)
    geoms = shapely.from_wkb(_wkb_list(table.column("geometry")))
    del table, pf
    pa.default_memory_pool().release_unused()
    return codes, geoms


def _wkb_list(column: Any) -> list[bytes]:
    """WKB values of a (geoarrow.wkb extension) column as bytes; `to_numpy` on the extension
    type would import pandas (seconds on a busy machine) for a few thousand values."""
    out: list[bytes] = []
    for chunk in column.chunks:
        out.extend(getattr(chunk, "storage", chunk).to_pylist())
    return out


@dataclass(eq=False)
class SourceLayer:
    """Build-time layer: exploded polygons, their tree and the boundary pieces."""

    name: str
    meta: dict[str, Any]
    codes: np.ndarray
    margin_m: float
    parts: np.ndarray = field(repr=False)
    part_code: np.ndarray = field(repr=False)
    tree: Any = field(repr=False)
    xs: np.ndarray = field(repr=False)
    ys: np.ndarray = field(repr=False)
    piece_start: np.ndarray = field(repr=False)
    piece_end: np.ndarray = field(repr=False)
    piece_code: np.ndarray = field(repr=False)
    piece_bounds: np.ndarray = field(repr=False)

    @classmethod
    def from_parquet(
        cls, name: str, path: Path, meta: dict[str, Any], margin_m: float
    ) -> SourceLayer:
        codes, geoms = read_geometries(path)
        return cls.from_geometries(name, meta, codes, geoms, margin_m)

    @classmethod
    def from_geometries(
        cls, name: str, meta: dict[str, Any], codes: np.ndarray, geoms: np.ndarray, margin_m: float
    ) -> SourceLayer:
        import shapely

        parts, part_code = shapely.get_parts(geoms, return_index=True)
        del geoms
        keep = shapely.get_type_id(parts) == 3
        parts, part_code = parts[keep], part_code[keep]
        shapely.prepare(parts)  # build-time only, in the loading thread
        tree = shapely.STRtree(parts)
        xs, ys, start, end, pcode = boundary_pieces(parts, part_code)
        return cls(
            name, meta, codes, margin_m, parts, part_code, tree,
            xs, ys, start, end, pcode, piece_bounds(xs, ys, start, end),
        )  # fmt: skip

    def covering_many(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, feature index) pairs for every polygon covering each point."""
        import shapely

        pi, ci = self.tree.query(shapely.points(lons, lats))
        ok = shapely.intersects_xy(self.parts[ci], lons[pi], lats[pi])
        pairs = np.unique(np.column_stack([pi[ok], self.part_code[ci[ok]]]), axis=0)
        return pairs[:, 0], pairs[:, 1]

    def to_arrays(self, mixed_cells: np.ndarray) -> dict[str, np.ndarray]:
        """The run-time arrays; `mixed_cells` (sorted level-1 cell ids) get corner coverage."""
        pc_cell, pc_piece = cell_pieces(self.piece_bounds, self.margin_m)
        i, j = mixed_cells // NCOLS, mixed_cells % NCOLS
        pi, fi = self.covering_many(j * RES - 180.0 - DELTA, i * RES - 90.0 - DELTA)
        cc_ptr = np.searchsorted(pi, np.arange(len(mixed_cells) + 1)).astype(np.int64)
        return {
            "xs": self.xs, "ys": self.ys, "piece_start": self.piece_start,
            "piece_end": self.piece_end, "piece_code": self.piece_code,
            "piece_bounds": self.piece_bounds, "pc_cell": pc_cell, "pc_piece": pc_piece,
            "cc_ptr": cc_ptr, "cc_feat": fi.astype(np.int32),
        }  # fmt: skip


@dataclass(eq=False)
class Layer:
    """Read-only arrays (mmap'd from the cache); safe to share between threads as is."""

    name: str
    meta: dict[str, Any]
    codes: np.ndarray  # feature code per feature (object array of str)
    margin_m: float
    source: Path
    xs: np.ndarray = field(repr=False)  # boundary vertices
    ys: np.ndarray = field(repr=False)
    piece_start: np.ndarray = field(repr=False)  # first vertex of each piece
    piece_end: np.ndarray = field(repr=False)  # last vertex (inclusive)
    piece_code: np.ndarray = field(repr=False)
    piece_bounds: np.ndarray = field(repr=False)  # (n, 4) xmin, ymin, xmax, ymax
    pc_cell: np.ndarray = field(repr=False)  # (level-1 cell, piece) pairs sorted by cell
    pc_piece: np.ndarray = field(repr=False)
    cc_ptr: np.ndarray = field(repr=False)  # per mixed-cell slot: features at its corner
    cc_feat: np.ndarray = field(repr=False)
    _chunks: np.ndarray = field(init=False, repr=False)  # (n / CHUNK, 4) bounds of chunks

    @classmethod
    def from_arrays(
        cls,
        name: str,
        meta: dict[str, Any],
        codes: np.ndarray,
        margin_m: float,
        source: Path,
        arrays: dict[str, np.ndarray],
    ) -> Layer:
        # plain views of the maps: np.memmap's Python-level indexing costs µs per call
        layer = cls(name, meta, codes, margin_m, source, *(np.asarray(arrays[k]) for k in ARRAYS))
        pb = layer.piece_bounds
        starts = np.arange(0, len(pb), CHUNK)
        layer._chunks = (
            np.column_stack(
                [np.minimum.reduceat(pb[:, c], starts) for c in (0, 1)]
                + [np.maximum.reduceat(pb[:, c], starts) for c in (2, 3)]
            )
            if len(pb)
            else np.zeros((0, 4))
        )
        return layer

    @property
    def features(self) -> int:
        return len(self.codes)

    @property
    def parts(self) -> np.ndarray:
        """The exploded polygons, re-read from the source file (tests and tools only)."""
        return self._parts()[0]

    @property
    def part_code(self) -> np.ndarray:
        return self._parts()[1]

    def _parts(self) -> tuple[np.ndarray, np.ndarray]:
        import shapely

        _, geoms = read_geometries(self.source)
        parts, code = shapely.get_parts(geoms, return_index=True)
        keep = shapely.get_type_id(parts) == 3
        return parts[keep], code[keep]

    # -- point queries -------------------------------------------------------------------

    def probe(
        self, lon: float, lat: float, fi: int, fj: int, slot: int
    ) -> tuple[set[int], set[int]]:
        """(covering, interior) feature sets at a point of level-1 cell (fi, fj), mixed slot."""
        base = self.cc_feat[self.cc_ptr[slot] : self.cc_ptr[slot + 1]]
        x0 = fj * RES - 180.0 - DELTA
        y0 = fi * RES - 90.0 - DELTA
        pieces = self._cell(fi * NCOLS + fj)
        odd: set[int] = set()
        edge: set[int] = set()
        if len(pieces):
            b = self.piece_bounds[pieces]
            keep = (b[:, 0] <= lon) & (b[:, 2] >= x0) & (b[:, 1] <= lat) & (b[:, 3] >= y0)
            pieces = pieces[keep]
        if len(pieces):
            seg, owner = self._segments(pieces)
            ax, ay = self.xs[seg], self.ys[seg]
            bx, by = self.xs[seg + 1], self.ys[seg + 1]
            with np.errstate(invalid="ignore", divide="ignore"):
                xi = ax + (lat - ay) * (bx - ax) / (by - ay)
                yi = ay + (x0 - ax) * (by - ay) / (bx - ax)
            h = ((ay > lat) != (by > lat)) & (xi >= x0) & (xi < lon)
            v = ((ax > x0) != (bx > x0)) & (yi >= y0) & (yi < lat)
            n = np.bincount(owner, weights=h.astype(np.int64) + v, minlength=len(self.codes))
            odd = set(np.flatnonzero(n % 2 == 1).tolist())
            # on the boundary: exactly on a segment of the feature (only candidates near it)
            near = np.abs(ay - lat) + np.abs(by - lat) <= np.abs(by - ay) + 1e-9
            if near.any():
                d = point_segments_m(lon, lat, ax[near], ay[near], bx[near], by[near])
                edge = set(owner[near][d == 0.0].tolist())
        inside = set(base.tolist()) ^ odd
        return inside | edge, inside - edge

    def within(self, lon: float, lat: float, metres: float) -> dict[int, float]:
        """Feature index -> distance (m) to its boundary, for boundaries within `metres`."""
        dlon, dlat = deg_radius(lat, metres)
        cand = self._box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        if len(cand) == 0:
            return {}
        return {k: v for k, v in self._piece_distances(lon, lat, cand).items() if v <= metres}

    def nearest(self, lon: float, lat: float) -> tuple[int, float] | None:
        """Nearest feature (by boundary) and its distance in metres; for points at sea."""
        if len(self.piece_bounds) == 0:
            return None
        first = self._nearest_boxes(lon, lat)
        d0 = min(self._piece_distances(lon, lat, first).values())
        # the degree-nearest piece bounds the metric search radius
        dlon, dlat = deg_radius(lat, d0 * 1.01 + 1.0)
        if dlat > 0.2:  # >20 km out: take the degree-nearest piece, measured by haversine
            i = int(first[0])
            s, e = self.piece_start[i], self.piece_end[i]
            k = s + int(np.argmin(np.hypot(self.xs[s : e + 1] - lon, self.ys[s : e + 1] - lat)))
            return int(self.piece_code[i]), haversine_m(lon, lat, self.xs[k], self.ys[k])
        cand = self._box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        dist = self._piece_distances(lon, lat, cand)
        best = min(dist, key=dist.__getitem__)
        return best, dist[best]

    # -- helpers ---------------------------------------------------------------------------

    def _cell(self, cell: int) -> np.ndarray:
        c = np.int32(cell)  # a wider key would convert the whole array on every call
        lo = int(np.searchsorted(self.pc_cell, c, "left"))
        hi = int(np.searchsorted(self.pc_cell, c, "right"))
        return self.pc_piece[lo:hi]

    def _cells(self, i0: int, i1: int, j0: int, j1: int) -> np.ndarray:
        """Sorted unique pieces indexed in level-1 cells rows i0..i1, columns j0..j1."""
        rows = np.arange(max(i0, 0), min(i1, NROWS - 1) + 1)
        cols = np.arange(max(j0, 0), min(j1, NCOLS - 1) + 1)
        if len(rows) == 0 or len(cols) == 0:
            return np.zeros(0, dtype=np.int64)
        cells = (rows[:, None] * NCOLS + cols[None, :]).ravel().astype(np.int32)
        lo = np.searchsorted(self.pc_cell, cells, "left")
        hi = np.searchsorted(self.pc_cell, cells, "right")
        cnt = hi - lo
        if cnt.sum() == 0:
            return np.zeros(0, dtype=np.int64)
        idx = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
        return np.unique(self.pc_piece[idx])

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Pieces whose bounds intersect the box (what an STRtree of piece boxes returns)."""
        j0, j1 = math.floor((x0 + 180.0) / RES), math.floor((x1 + 180.0) / RES)
        i0, i1 = math.floor((y0 + 90.0) / RES), math.floor((y1 + 90.0) / RES)
        if (j1 - j0 + 1) * (i1 - i0 + 1) > MAX_BOX_CELLS:
            cand = np.arange(len(self.piece_bounds))
        else:
            cand = self._cells(i0, i1, j0, j1)
        b = self.piece_bounds[cand]
        ok = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
        return cand[ok]

    def _nearest_boxes(self, lon: float, lat: float) -> np.ndarray:
        """All pieces whose bounds are nearest (in degrees) to the point, like
        `STRtree.query_nearest` on the piece boxes; searched in growing blocks of cells."""
        fi = min(max(math.floor((lat + 90.0) / RES), 0), NROWS - 1)
        fj = min(max(math.floor((lon + 180.0) / RES), 0), NCOLS - 1)
        for r in (1, 4):
            cand = self._cells(fi - r, fi + r, fj - r, fj + r)
            if len(cand) == 0:
                continue
            d = _box_dist(self.piece_bounds[cand], lon, lat)
            m = d.min()
            # pieces outside the block are at least this far away
            reach = min(
                lon - ((fj - r) * RES - 180.0) if fj - r > 0 else math.inf,
                ((fj + r + 1) * RES - 180.0) - lon if fj + r < NCOLS - 1 else math.inf,
                lat - ((fi - r) * RES - 90.0) if fi - r > 0 else math.inf,
                ((fi + r + 1) * RES - 90.0) - lat if fi + r < NROWS - 1 else math.inf,
            )
            if m < reach:
                return cand[d == m]
        # far out: chunks of consecutive pieces, nearest chunk boxes first
        dc = _box_dist(self._chunks, lon, lat)
        best, found = math.inf, [np.zeros(0, dtype=np.int64)]
        for c in np.argsort(dc, kind="stable").tolist():
            if dc[c] > best:
                break
            d = _box_dist(self.piece_bounds[c * CHUNK : (c + 1) * CHUNK], lon, lat)
            m = float(d.min())
            if m < best:
                best, found = m, []
            if m == best:
                found.append(c * CHUNK + np.flatnonzero(d == m))
        return np.sort(np.concatenate(found))

    def _segments(self, pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = self.piece_start[pieces]
        counts = self.piece_end[pieces] - starts
        seg = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        return seg, np.repeat(self.piece_code[pieces], counts)

    def _piece_distances(self, lon: float, lat: float, pieces: np.ndarray) -> dict[int, float]:
        seg, owner = self._segments(pieces)
        d = point_segments_m(
            lon, lat, self.xs[seg], self.ys[seg], self.xs[seg + 1], self.ys[seg + 1]
        )
        out: dict[int, float] = {}
        order = np.argsort(d, kind="stable")
        for o, dist in zip(owner[order].tolist(), d[order].tolist(), strict=True):
            if o not in out:
                out[o] = dist
        return out


def _box_dist(b: np.ndarray, x: float, y: float) -> np.ndarray:
    dx = np.maximum(np.maximum(b[:, 0] - x, x - b[:, 2]), 0.0)
    dy = np.maximum(np.maximum(b[:, 1] - y, y - b[:, 3]), 0.0)
    return np.hypot(dx, dy)


def boundary_pieces(
    parts: np.ndarray, part_code: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split every ring into runs of PIECE_SEGMENTS segments (shared end vertices)."""
    import shapely

    rings, ring_part = shapely.get_rings(parts, return_index=True)
    rings = shapely.segmentize(rings, PIECE_MAX_DEG)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    del rings
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


def piece_bounds(xs: np.ndarray, ys: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(n, 4) bounds of each piece's vertices start..end (inclusive)."""
    if len(start) == 0:
        return np.zeros((0, 4))
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
    return bounds


def cell_pieces(bounds: np.ndarray, margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(cell, piece) pairs, sorted by cell: every level-1 cell a piece's bounds, grown by the
    margin and by DELTA (the reference corner lies that far outside its cell), overlap."""
    if len(bounds) == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    lat_far = np.clip(np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])) + 0.01, 0, 89.9)
    mlat = margin_m / M_PER_DEG_LAT + 2 * DELTA
    mlon = margin_m / (M_PER_DEG_LON * np.cos(np.radians(lat_far))) + 2 * DELTA
    j0 = np.clip(np.floor((bounds[:, 0] - mlon + 180) / RES), 0, NCOLS - 1).astype(np.int64)
    j1 = np.clip(np.floor((bounds[:, 2] + mlon + 180) / RES), 0, NCOLS - 1).astype(np.int64)
    i0 = np.clip(np.floor((bounds[:, 1] - mlat + 90) / RES), 0, NROWS - 1).astype(np.int64)
    i1 = np.clip(np.floor((bounds[:, 3] + mlat + 90) / RES), 0, NROWS - 1).astype(np.int64)
    nx = j1 - j0 + 1
    tot = nx * (i1 - i0 + 1)
    r = np.repeat(np.arange(len(bounds)), tot)
    local = np.arange(tot.sum()) - np.repeat(np.cumsum(tot) - tot, tot)
    cell = (i0[r] + local // nx[r]) * NCOLS + j0[r] + local % nx[r]
    order = np.lexsort((r, cell))
    return cell[order].astype(np.int32), r[order].astype(np.int32)


def lon_wrap(lon: float) -> float:
    """Longitude into [-180, 180); 180 and -180 are one meridian."""
    if -180.0 <= lon < 180.0:
        return lon
    return math.fmod(math.fmod(lon + 180.0, 360.0) + 360.0, 360.0) - 180.0
