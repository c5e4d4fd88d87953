"""Shortcut grid: cells whose whole area (plus every layer's margin) lies inside one answer.

Such cells answer a lookup with one array read and no polygon test; the others (value -1)
go to the exact path. A cell is pure when no boundary piece of any layer that matters there
comes within the margin of it; then every point of the cell has the answer of its centre.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .distance import M_PER_DEG_LAT, M_PER_DEG_LON
from .layer import Layer

GRID_FORMAT = 2
SEA = -2  # grid value: at sea, far from every polygon (MIXED = -1: exact path)
RES = 0.125  # degrees per cell; 2880 x 1440 cells (16 MB of int32)
NCOLS = int(360 / RES)
NROWS = int(180 / RES)

Key = tuple[tuple[str, ...], str | None, tuple[str, ...]]


def touched_cells(layer: Layer) -> np.ndarray:
    """Bool (NROWS*NCOLS): cells that a boundary piece, grown by the margin, overlaps."""
    b = layer.piece_bounds
    out = np.zeros(NROWS * NCOLS, dtype=bool)
    if len(b) == 0:
        return out
    lat_mid = np.clip(np.abs((b[:, 1] + b[:, 3]) / 2) + 1.0, 0, 89.0)
    mlat = layer.margin_m / M_PER_DEG_LAT
    mlon = layer.margin_m / (M_PER_DEG_LON * np.cos(np.radians(lat_mid)))
    j0 = np.clip(np.floor((b[:, 0] - mlon + 180) / RES), 0, NCOLS - 1).astype(np.int64)
    j1 = np.clip(np.floor((b[:, 2] + mlon + 180) / RES), 0, NCOLS - 1).astype(np.int64)
    i0 = np.clip(np.floor((b[:, 1] - mlat + 90) / RES), 0, NROWS - 1).astype(np.int64)
    i1 = np.clip(np.floor((b[:, 3] + mlat + 90) / RES), 0, NROWS - 1).astype(np.int64)
    single = (j0 == j1) & (i0 == i1)
    out[i0[single] * NCOLS + j0[single]] = True
    for a0, a1, c0, c1 in zip(i0[~single], i1[~single], j0[~single], j1[~single], strict=True):
        view = out.reshape(NROWS, NCOLS)
        view[a0 : a1 + 1, c0 : c1 + 1] = True
    return out


def centre_sets(layer: Layer, cells: np.ndarray) -> list[tuple[str, ...]]:
    """Codes covering the centre of each given cell."""
    lons = (cells % NCOLS + 0.5) * RES - 180.0
    lats = (cells // NCOLS + 0.5) * RES - 90.0
    pi, fi = layer.covering_many(lons, lats)
    sets: list[list[str]] = [[] for _ in range(len(cells))]
    for p, f in zip(pi.tolist(), fi.tolist(), strict=True):
        sets[p].append(layer.codes[f])
    return [tuple(sorted(s)) for s in sets]


def build_grid(
    countries: Layer,
    states: Layer,
    local_layers: list[Layer],
    us_codes: frozenset[str],
) -> tuple[np.ndarray, list[Key]]:
    """Cell -> index into the returned key table, or -1 for cells needing the exact path."""
    grid = np.full(NROWS * NCOLS, -1, dtype=np.int32)
    cells = np.flatnonzero(~touched_cells(countries))
    cset = centre_sets(countries, cells)
    land = np.array([bool(s) for s in cset])
    grid[cells[~land]] = SEA  # open sea, no boundary within the margin: only `nearest` left
    cells, cset = cells[land], [s for s, ok in zip(cset, land, strict=True) if ok]
    us = np.array([any(c in us_codes for c in s) for s in cset], dtype=bool)
    keys: dict[Key, int] = {}

    def key_id(k: Key) -> int:
        return keys.setdefault(k, len(keys))

    for cell, s in zip(
        cells[~us].tolist(), [s for s, u in zip(cset, us, strict=True) if not u], strict=True
    ):
        grid[cell] = key_id((s, None, ()))
    us_cells = cells[us]
    us_sets = [s for s, u in zip(cset, us, strict=True) if u]
    blocked = touched_cells(states)
    for lay in local_layers:
        blocked |= touched_cells(lay)
    ok = ~blocked[us_cells]
    us_cells = us_cells[ok]
    us_sets = [s for s, k in zip(us_sets, ok, strict=True) if k]
    st = centre_sets(states, us_cells)
    loc: list[tuple[str, ...]] = [() for _ in us_cells]
    for lay in local_layers:
        loc = [tuple(sorted(a + b)) for a, b in zip(loc, centre_sets(lay, us_cells), strict=True)]
    for cell, s, stc, lc in zip(us_cells.tolist(), us_sets, st, loc, strict=True):
        if len(stc) == 1:  # no state (water inside the US sea polygon): snapping needed
            grid[cell] = key_id((s, stc[0], lc))
        elif not stc and s == ("UM",):
            grid[cell] = key_id((s, "US-UM", lc))
    table = [None] * len(keys)
    for k, i in keys.items():
        table[i] = k
    return grid, table  # type: ignore[return-value]


def cache_dir() -> Path:
    env = os.environ.get("KRATOM_CACHE_DIR")
    return Path(env) if env else Path(tempfile.gettempdir()) / "kratom-geo-cache"


def cached_grid(
    version: str, compute: Callable[[], tuple[np.ndarray, list[Key]]]
) -> tuple[np.ndarray, list[Key]]:
    """Load the grid for these files from the cache, or compute and try to store it.

    An unwritable cache (read-only filesystem) only costs the compute time.
    """
    path = cache_dir() / f"grid-{version[:32]}-f{GRID_FORMAT}-r{RES}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            grid = z["grid"]
            raw = json.loads(str(z["keys"]))
        if grid.shape == (NROWS * NCOLS,):
            return grid, [(tuple(c), s, tuple(loc)) for c, s, loc in raw]
    except (OSError, ValueError, KeyError):
        pass
    grid, table = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, grid=grid, keys=np.array(json.dumps(table)))
        os.replace(tmp, path)
    except OSError:
        pass
    return grid, table


def cell_of(lon: float, lat: float) -> int:
    """Cell index, or -1 outside the grid (lon 180, lat 90, out-of-range input)."""
    j = math.floor((lon + 180.0) / RES)
    i = math.floor((lat + 90.0) / RES)
    if 0 <= i < NROWS and 0 <= j < NCOLS:
        return i * NCOLS + j
    return -1
