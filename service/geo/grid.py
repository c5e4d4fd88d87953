"""Two-level shortcut grid: most lookups are one or two array reads and no polygon test.

Level 1 has RES-degree cells; a cell whose whole area (plus every layer's margin) lies inside
one answer holds that answer's key. Cells a boundary comes near ("mixed") point to a block of
SUB x SUB finer cells with the same encoding. Values:

    0 <= v < MIXED     key into the Location table (pure cell)
    v >= MIXED         level 1 only: level-2 block v - MIXED
    v == EXACT (-1)    the exact path (a boundary within the margin of the cell)
    v <= -2            open sea, no polygon within any margin: -2 - v indexes the sea table
                       (the countries' boundary vertex nearest the cell centre, in radians,
                       with its cosine of latitude and its feature; see `sea_targets`)

Far out at sea the rounded distance (100 km steps beyond 1000 km) is often the same for every
point of a level-1 cell; such cells hold a key too, past the land keys, into a table of
(feature, rounded km) answers (`constant_sea`).

US waters no state covers are snapped to the nearest state within a radius; where one state
is that answer for every point of a fine cell (distance bounds, `snapcells`), the cell holds
the snapped key (approximate, no alternatives). For exact-path cells near the states a sorted
snap table (per fine cell, then per QUAD x QUAD part) gives the batch path the same answer.

A fine cell is pure when no boundary segment of any layer comes within the margin of it; two
edge-adjacent untouched fine cells then share one answer (a boundary between them would touch
one of them), so only one centre per connected patch is tested.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .distance import EARTH_RADIUS_M, M_PER_DEG_LAT, M_PER_DEG_LON
from .layer import NCOLS, NROWS, RES, SourceLayer

GRID_FORMAT = 13
EXACT = -1
SUB = 8  # level-2 cells per level-1 side: 1/64 degree, ~1.7 km (RES: 2880 x 1440 cells)
FINE = round(SUB / RES)  # level-2 cells per degree
MIXED = 1 << 30
QUAD = 4  # parts per level-2 side in the snap table's second level
SEGMENT_CHUNK = 4_000_000  # cell marks per chunk

Key = tuple[tuple[str, ...], str | None, tuple[str, ...], bool]  # last: snapped (approximate)
Built = tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    list[Key],
    np.ndarray,
    list[tuple[int, int]],
    dict[str, np.ndarray],
]


def touched_cells(layer: SourceLayer) -> np.ndarray:
    """Bool (NROWS*NCOLS): level-1 cells that a boundary piece, grown by the margin, overlaps."""
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
    view = out.reshape(NROWS, NCOLS)
    for a0, a1, c0, c1 in zip(i0[~single], i1[~single], j0[~single], j1[~single], strict=True):
        view[a0 : a1 + 1, c0 : c1 + 1] = True
    return out


def touched_fine(layer: SourceLayer, slot_of_cell: np.ndarray, out: np.ndarray) -> None:
    """Mark level-2 cells (slot * SUB*SUB + row * SUB + col) that a boundary segment, grown
    by the layer's margin, overlaps. Segments are at most PIECE_MAX_DEG long."""
    counts = layer.piece_end - layer.piece_start
    if counts.sum() == 0:
        return
    seg = np.repeat(layer.piece_start - np.cumsum(counts) + counts, counts) + np.arange(
        counts.sum()
    )
    x0, x1 = layer.xs[seg], layer.xs[seg + 1]
    y0, y1 = layer.ys[seg], layer.ys[seg + 1]
    boxes = np.column_stack([np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1)])
    boxes = np.column_stack([boxes, np.maximum(y0, y1)])
    mark_boxes(boxes, layer.margin_m, slot_of_cell, out)


def mark_boxes(
    boxes: np.ndarray, margin_m: float, slot_of_cell: np.ndarray, out: np.ndarray
) -> None:
    """Mark the level-2 cells that each (xmin, ymin, xmax, ymax) box, grown by `margin_m`
    (in longitude at the box's far latitude plus the growth), overlaps."""
    mlat = margin_m / M_PER_DEG_LAT
    ncf, nrf = NCOLS * SUB, NROWS * SUB
    far = np.clip(np.maximum(np.abs(boxes[:, 1]), np.abs(boxes[:, 3])) + 2 * mlat + 0.01, 0, 89.99)
    mlon = margin_m / (M_PER_DEG_LON * np.cos(np.radians(far)))
    j0 = np.clip(np.floor((boxes[:, 0] - mlon + 180) * FINE), 0, ncf - 1).astype(np.int64)
    j1 = np.clip(np.floor((boxes[:, 2] + mlon + 180) * FINE), 0, ncf - 1).astype(np.int64)
    i0 = np.clip(np.floor((boxes[:, 1] - mlat + 90) * FINE), 0, nrf - 1).astype(np.int64)
    i1 = np.clip(np.floor((boxes[:, 3] + mlat + 90) * FINE), 0, nrf - 1).astype(np.int64)
    nx = j1 - j0 + 1
    tot = nx * (i1 - i0 + 1)
    ends = np.cumsum(tot)
    c = 0
    while c < len(boxes):  # chunks of about SEGMENT_CHUNK marks
        e = int(np.searchsorted(ends, ends[c] - tot[c] + SEGMENT_CHUNK, "right"))
        e = max(e, c + 1)
        t = tot[c:e]
        r = c + np.repeat(np.arange(e - c), t)
        local = np.arange(t.sum()) - np.repeat(np.cumsum(t) - t, t)
        fj = j0[r] + local % nx[r]
        fi = i0[r] + local // nx[r]
        slot = slot_of_cell[(fi // SUB) * NCOLS + fj // SUB]
        ok = slot >= 0
        out[slot[ok] * (SUB * SUB) + (fi[ok] % SUB) * SUB + fj[ok] % SUB] = True
        c = e


def _area_sets(layer: SourceLayer, lons: np.ndarray, lats: np.ndarray) -> list[tuple[str, ...]]:
    """`centre_sets` for a layer of few, small features: only points inside one of their
    parts' boxes are queried."""
    import shapely

    out: list[tuple[str, ...]] = [()] * len(lons)
    b = shapely.bounds(layer.parts).reshape(-1, 4)
    cand = np.zeros(len(lons), dtype=bool)
    for x0, y0, x1, y1 in b.tolist():
        cand |= (lons >= x0) & (lons <= x1) & (lats >= y0) & (lats <= y1)
    idx = np.flatnonzero(cand)
    for k, s in zip(idx.tolist(), centre_sets(layer, lons[idx], lats[idx]), strict=True):
        out[k] = s
    return out


def centre_sets(layer: SourceLayer, lons: np.ndarray, lats: np.ndarray) -> list[tuple[str, ...]]:
    """Codes covering each given point."""
    pi, fi = layer.covering_many(lons, lats)
    sets: list[list[str]] = [[] for _ in range(len(lons))]
    for p, f in zip(pi.tolist(), fi.tolist(), strict=True):
        sets[p].append(layer.codes[f])
    return [tuple(sorted(s)) for s in sets]


def sea_targets(countries: SourceLayer, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Index of the countries' boundary vertex nearest (great circle) to each point."""
    from scipy.spatial import cKDTree  # build time only

    def unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lo, la = np.radians(lon), np.radians(lat)
        return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])

    tree = cKDTree(unit(countries.xs, countries.ys), balanced_tree=False, compact_nodes=False)
    _, k = tree.query(unit(lons, lats), workers=-1)
    return k.astype(np.int64)


class _Keys:
    def __init__(self) -> None:
        self.ids: dict[Key, int] = {}

    def __call__(self, k: Key) -> int:
        return self.ids.setdefault(k, len(self.ids))

    def table(self) -> list[Key]:
        out: list[Key] = [((), None, (), False)] * len(self.ids)
        for k, i in self.ids.items():
            out[i] = k
        return out


def _classify(
    lons: np.ndarray,
    lats: np.ndarray,
    countries: SourceLayer,
    states: SourceLayer,
    local_layers: list[SourceLayer],
    us_codes: frozenset[str],
    key_id: _Keys,
    us_blocked: np.ndarray,
    no_state: np.ndarray | None = None,
    areas: SourceLayer | None = None,
) -> np.ndarray:
    """Grid value for untouched cells with these centres: key, sea (-2 before targets) or exact.

    `us_blocked` marks cells a state or local boundary comes near: pure only outside the US.
    `no_state`, if given, receives the key of the unsnapped answer for US cells no state
    covers (they stay exact: snapping depends on the point), else -1. Area codes (disputed
    and unclaimed areas, "@id") join the country codes of the key; land that only an area
    covers (a gap between countries) stays exact, its answer depends on the point.
    """
    out = np.full(len(lons), EXACT, dtype=np.int64)
    real = centre_sets(countries, lons, lats)
    cset = real
    gap = np.zeros(len(lons), dtype=bool)
    if areas is not None and len(areas.codes):
        extra = _area_sets(areas, lons, lats)
        cset = [tuple(sorted(a + b)) if b else a for a, b in zip(real, extra, strict=True)]
        gap = np.array([bool(b) and not a for a, b in zip(real, extra, strict=True)], dtype=bool)
    land = np.array([bool(s) for s in real], dtype=bool)
    out[~land & ~gap] = -2
    us = np.array([any(c in us_codes for c in s) for s in real], dtype=bool)
    for k in np.flatnonzero(land & ~us).tolist():
        out[k] = key_id((cset[k], None, (), False))
    sel = np.flatnonzero(land & us & ~us_blocked)
    st = centre_sets(states, lons[sel], lats[sel])
    loc: list[tuple[str, ...]] = [() for _ in sel]
    for lay in local_layers:
        more = centre_sets(lay, lons[sel], lats[sel])
        loc = [tuple(sorted(a + b)) for a, b in zip(loc, more, strict=True)]
    for k, stc, lc in zip(sel.tolist(), st, loc, strict=True):
        if len(stc) == 1:  # no state (water inside the US sea polygon): snapping needed
            out[k] = key_id((cset[k], stc[0], lc, False))
        elif not stc and cset[k] == ("UM",):
            out[k] = key_id((cset[k], "US-UM", lc, False))
        elif not stc and no_state is not None:
            no_state[k] = key_id((cset[k], None, lc, False))
    return out


def _beyond_snap(
    states: SourceLayer,
    slot_of_cell: np.ndarray,
    mixed: np.ndarray,
    snap: tuple[float, float, tuple[tuple[float, float, float, float], ...]],
) -> np.ndarray:
    """Bool per level-2 cell: no state boundary within the snap radius that applies there.

    The radius is chosen per point (`_wide_snap` boxes): a cell touching a wide box must be
    clear of the wide radius. Marking grows segment boxes like `touched_fine`, so a segment
    within the radius of any point of a cell always marks that cell (piece bounds hold
    their segments).
    """
    nsub = SUB * SUB
    near = np.zeros(len(mixed) * nsub, dtype=bool)
    mark_boxes(states.piece_bounds, snap[0], slot_of_cell, near)  # pieces: 16x fewer boxes
    near_wide = np.zeros(len(mixed) * nsub, dtype=bool)
    mark_boxes(states.piece_bounds, snap[1], slot_of_cell, near_wide)
    k = np.arange(len(near))
    cell = mixed[k // nsub]
    fi = (cell // NCOLS) * SUB + (k % nsub) // SUB
    fj = (cell % NCOLS) * SUB + k % SUB
    x0, y0 = fj / FINE - 180.0, fi / FINE - 90.0
    x1, y1 = (fj + 1) / FINE - 180.0, (fi + 1) / FINE - 90.0
    wide = np.zeros(len(near), dtype=bool)
    for bx0, by0, bx1, by1 in snap[2]:
        wide |= (x0 <= bx1) & (x1 >= bx0) & (y0 <= by1) & (y1 >= by0)
    return ~near & ~(wide & near_wide)


def _snap_cells(
    states: SourceLayer,
    mixed: np.ndarray,
    snap: tuple[float, float, tuple[tuple[float, float, float, float], ...]],
    unsnapped: np.ndarray,
    far: np.ndarray,
    sub: np.ndarray,
    key_id: _Keys,
) -> None:
    """Give US waters no state covers, but where one state is the snap answer for the whole
    fine cell (`snapcells.snapped_states`), that snapped answer (in place in `sub`)."""
    from .snapcells import NO_STATE, snapped_states

    nsub = SUB * SUB
    cand = np.flatnonzero((unsnapped >= 0) & ~far)
    if len(cand) == 0:
        return
    cell = mixed[cand // nsub]
    fi = (cell // NCOLS) * SUB + (cand % nsub) // SUB
    fj = (cell % NCOLS) * SUB + cand % SUB
    x0, y0 = fj / FINE - 180.0, fi / FINE - 90.0
    x1, y1 = (fj + 1) / FINE - 180.0, (fi + 1) / FINE - 90.0
    inside = np.zeros(len(cand), dtype=bool)  # the whole cell takes the wide radius
    touch = np.zeros(len(cand), dtype=bool)  # some point of it does
    for bx0, by0, bx1, by1 in snap[2]:
        inside |= (x0 >= bx0) & (x1 <= bx1) & (y0 >= by0) & (y1 <= by1)
        touch |= (x0 <= bx1) & (x1 >= bx0) & (y0 <= by1) & (y1 >= by0)
    radius = np.where(inside, snap[1], snap[0])
    radius_any = np.where(touch, snap[1], snap[0])
    c = 0.5 / FINE
    best = snapped_states(states, x0 + c, y0 + c, c, radius, radius_any)
    none = cand[best == NO_STATE]
    sub[none] = unsnapped[none]  # no state within reach: the unsnapped answer
    table = key_id.table()
    for k, f in zip(cand.tolist(), best.tolist(), strict=True):
        if f >= 0:
            c, _, loc, _ = table[int(unsnapped[k])]
            sub[k] = key_id((c, str(states.codes[f]), loc, True))


def snap_table(
    states: SourceLayer,
    mixed: np.ndarray,
    snap: tuple[float, float, tuple[tuple[float, float, float, float], ...]],
    sub: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sorted level-2 cell ids, state feature or NO_STATE) for exact cells near the states:
    the snap answer of every point there that the US covers but no state does (`snapcells`),
    for the batch path (`batch`, `BoundaryIndex._simple_many`), which checks the rest; then
    the same for QUAD x QUAD parts of the cells left undecided (ids cell * QUAD**2 + row *
    QUAD + col)."""
    from types import SimpleNamespace

    from .snapcells import snapped_states

    nsub = SUB * SUB
    reach = SimpleNamespace(piece_bounds=states.piece_bounds, margin_m=snap[1])
    near1 = touched_cells(reach)  # type: ignore[arg-type]
    ids = np.flatnonzero((sub == EXACT) & np.repeat(near1[mixed], nsub))
    cell = mixed[ids // nsub]
    fi = (cell // NCOLS) * SUB + (ids % nsub) // SUB
    fj = (cell % NCOLS) * SUB + ids % SUB
    x0, y0 = fj / FINE - 180.0, fi / FINE - 90.0
    x1, y1 = (fj + 1) / FINE - 180.0, (fi + 1) / FINE - 90.0
    inside = np.zeros(len(ids), dtype=bool)
    touch = np.zeros(len(ids), dtype=bool)
    for bx0, by0, bx1, by1 in snap[2]:
        inside |= (x0 >= bx0) & (x1 <= bx1) & (y0 >= by0) & (y1 <= by1)
        touch |= (x0 <= bx1) & (x1 >= bx0) & (y0 <= by1) & (y1 >= by0)
    c = 0.5 / FINE
    best = snapped_states(
        states, x0 + c, y0 + c, c, np.where(inside, snap[1], snap[0]),
        np.where(touch, snap[1], snap[0]),
    )  # fmt: skip
    keep = best != -1
    # undecided cells: again per QUAD x QUAD part (a quarter of the half-diagonal each side)
    rest = np.flatnonzero(~keep)
    q = np.arange(QUAD * QUAD)
    qx = np.repeat(x0[rest], len(q)) + np.tile(q % QUAD, len(rest)) / (FINE * QUAD)
    qy = np.repeat(y0[rest], len(q)) + np.tile(q // QUAD, len(rest)) / (FINE * QUAD)
    qc = 0.5 / (FINE * QUAD)
    qb = snapped_states(
        states, qx + qc, qy + qc, qc, np.repeat(np.where(inside, snap[1], snap[0])[rest], len(q)),
        np.repeat(np.where(touch, snap[1], snap[0])[rest], len(q)),
    )  # fmt: skip
    qids = np.repeat(ids[rest] * (QUAD * QUAD), len(q)) + np.tile(q, len(rest))
    qkeep = qb != -1
    return (
        ids[keep].astype(np.int64),
        best[keep].astype(np.int32),
        qids[qkeep].astype(np.int64),
        qb[qkeep].astype(np.int32),
    )


def vertex_codes(layer: SourceLayer) -> np.ndarray:
    """Feature index of every boundary vertex (a piece's shared end is in the same ring)."""
    counts = layer.piece_end - layer.piece_start + 1
    out = np.zeros(len(layer.xs), dtype=np.int32)
    if len(counts):
        idx = np.repeat(layer.piece_start - np.cumsum(counts) + counts, counts)
        out[idx + np.arange(counts.sum())] = np.repeat(layer.piece_code, counts)
    return out


def build_grid(
    countries: SourceLayer,
    states: SourceLayer,
    local_layers: list[SourceLayer],
    us_codes: frozenset[str],
    snap: tuple[float, float, tuple[tuple[float, float, float, float], ...]] = (0.0, 0.0, ()),
    areas: SourceLayer | None = None,
    progress: Callable[[str], None] | None = None,
) -> Built:
    """(level-1 grid, level-2 blocks, sea table, sea codes, key table, mixed level-1 cells,
    constant far-sea answers, the snap table of `snap_table`).

    `snap` is (radius m, wide radius m, boxes where the wide one applies) of the state snap:
    US waters no state covers whose fine cell has no state boundary within that radius get
    the unsnapped answer (US, no state) in the grid instead of the exact path.
    """
    from scipy import ndimage  # build time only

    say = progress or (lambda message: None)
    key_id = _Keys()
    us_layers = [states, *local_layers]
    grid = np.full(NROWS * NCOLS, EXACT, dtype=np.int64)
    touched = touched_cells(countries)
    if areas is not None:
        touched |= touched_cells(areas)
    blocked = np.zeros(NROWS * NCOLS, dtype=bool)
    for lay in us_layers:
        blocked |= touched_cells(lay)
    # Untouched cells that share an edge share an answer (a boundary between their centres
    # would touch one of them), so one centre per connected patch is classified: cells a US
    # boundary comes near (blocked) and the rest are patched separately.
    for mask, us_blocked in ((~touched & ~blocked, False), (~touched & blocked, True)):
        labels, _ = ndimage.label(mask.reshape(NROWS, NCOLS))
        labels = labels.ravel()
        cells = np.flatnonzero(mask)
        comp, first = np.unique(labels[cells], return_index=True)
        rep = cells[first]
        value = _classify(
            (rep % NCOLS + 0.5) * RES - 180.0, (rep // NCOLS + 0.5) * RES - 90.0,
            countries, states, local_layers, us_codes, key_id,
            np.full(len(rep), us_blocked), areas=areas,
        )  # fmt: skip
        by_label = np.full(labels.max() + 1, EXACT, dtype=np.int64)
        by_label[comp] = value
        grid[cells] = by_label[labels[cells]]
    say(f"grid: {int((grid != EXACT).sum()):,} of {NROWS * NCOLS:,} cells answered whole")

    # level 2: every level-1 cell left on the exact path gets a block of finer cells
    mixed = np.flatnonzero(grid == EXACT)
    say(f"grid: {len(mixed):,} cells near a boundary get {SUB}x{SUB} finer cells")
    slot_of_cell = np.full(NROWS * NCOLS, -1, dtype=np.int64)
    slot_of_cell[mixed] = np.arange(len(mixed))
    nsub = SUB * SUB
    t_country = np.zeros(len(mixed) * nsub, dtype=bool)
    touched_fine(countries, slot_of_cell, t_country)
    if areas is not None:
        touched_fine(areas, slot_of_cell, t_country)
    t_us = np.zeros(len(mixed) * nsub, dtype=bool)
    for lay in us_layers:
        touched_fine(lay, slot_of_cell, t_us)
    free = ~(t_country | t_us)
    plane = np.zeros((3, 3, 3), dtype=bool)
    plane[1] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]  # edge neighbours within one block only
    labels, _ = ndimage.label(free.reshape(len(mixed), SUB, SUB), structure=plane)
    labels = labels.ravel()
    comp, rep = np.unique(labels[free], return_index=True)
    rep = np.flatnonzero(free)[rep]
    cell = mixed[rep // nsub]
    fi = (cell // NCOLS) * SUB + (rep % nsub) // SUB
    fj = (cell % NCOLS) * SUB + rep % SUB
    no_state = np.full(len(rep), -1, dtype=np.int64)
    value = _classify(
        (fj + 0.5) / FINE - 180.0,
        (fi + 0.5) / FINE - 90.0,
        countries,
        states,
        local_layers,
        us_codes,
        key_id,
        np.zeros(len(rep), dtype=bool),
        no_state,
        areas,
    )
    by_label = np.full(labels.max() + 1, EXACT, dtype=np.int64)
    by_label[comp] = value
    sub = np.full(len(mixed) * nsub, EXACT, dtype=np.int64)
    sub[free] = by_label[labels[free]]
    if snap[0] > 0 and (no_state >= 0).any():
        say("grid: US waters snapped to the nearest state")
        by_label[comp] = no_state
        unsnapped = np.full(len(sub), -1, dtype=np.int64)
        unsnapped[free] = by_label[labels[free]]
        far = _beyond_snap(states, slot_of_cell, mixed, snap) & (unsnapped >= 0)
        sub[far] = unsnapped[far]
        _snap_cells(states, mixed, snap, unsnapped, far, sub, key_id)
    none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    snap_ids, snap_feat, quad_ids, quad_feat = (
        snap_table(states, mixed, snap, sub) if snap[0] > 0 else none + none
    )
    grid[mixed] = MIXED + np.arange(len(mixed))

    # open sea: the boundary vertex nearest each cell centre
    say("grid: nearest coast of every open-sea cell")
    s1 = np.flatnonzero(grid == -2)
    s2 = np.flatnonzero(sub == -2)
    fcell = mixed[s2 // nsub]
    fi2 = (fcell // NCOLS) * SUB + (s2 % nsub) // SUB
    fj2 = (fcell % NCOLS) * SUB + s2 % SUB
    k = sea_targets(
        countries,
        np.r_[(s1 % NCOLS + 0.5) * RES - 180.0, (fj2 + 0.5) / FINE - 180.0],
        np.r_[(s1 // NCOLS + 0.5) * RES - 90.0, (fi2 + 0.5) / FINE - 90.0],
    )
    targets, t = np.unique(k, return_inverse=True)
    grid[s1] = -2 - t[: len(s1)]
    sub[s2] = -2 - t[len(s1) :]
    qlat = np.radians(countries.ys[targets])
    sea = np.column_stack([np.radians(countries.xs[targets]), qlat, np.cos(qlat)])
    sea_code = vertex_codes(countries)[targets]
    keys = key_id.table()
    sea_keys = constant_sea(grid, sea, sea_code, len(keys))
    snaps = {
        "snap_cell": snap_ids, "snap_feat": snap_feat, "snap_quad": quad_ids,
        "snap_quad_feat": quad_feat,
    }  # fmt: skip
    built = grid.astype(np.int32), sub.astype(np.int32), sea, sea_code, keys, mixed, sea_keys
    return (*built, snaps)


def constant_sea(
    grid: np.ndarray, sea: np.ndarray, sea_code: np.ndarray, first: int
) -> list[tuple[int, int]]:
    """Turn level-1 sea cells whose rounded distance is one value everywhere into keys
    `first + k` (in place); returns the (feature, rounded km) of each new key k.

    Every point of the cell is within the cell's half-diagonal of its centre (triangle
    inequality), so the distance lies in centre +- that; the rounding is monotone, so equal
    rounded ends mean one answer. 1% and 10 m of slack cover the float and corner estimates.
    """
    cells = np.flatnonzero(grid <= -2)
    if len(cells) == 0:
        return []
    t = -2 - grid[cells]
    lon = (cells % NCOLS + 0.5) * RES - 180.0
    lat = (cells // NCOLS + 0.5) * RES - 90.0
    km = sea_km_many(lon, lat, sea[t])
    half = RES / 2
    h = np.zeros(len(cells))
    for sy in (-half, half):  # the corners: the farthest points of a small lon/lat box
        clat = np.clip(lat + sy, -90.0, 90.0)
        rows = np.column_stack([np.radians(lon + half), np.radians(clat), np.cos(np.radians(clat))])
        h = np.maximum(h, sea_km_many(lon, lat, rows))
    h = h * 1.01 + 0.01
    lo, hi = round_km(np.maximum(km - h, 0.0)), round_km(km + h)
    same = (lo == hi) & (km - h > 1000.0)  # only the 100 km steps are wider than a cell
    code = sea_code[t[same]].astype(np.int64)
    key = (code << 20) | hi[same].astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    grid[cells[same]] = first + inv
    return [(int(u >> 20), int(u & 0xFFFFF)) for u in uniq.tolist()]


def cache_dir() -> Path:
    env = os.environ.get("KRATOM_CACHE_DIR")
    return Path(env) if env else Path(tempfile.gettempdir()) / "kratom-geo-cache"


def index_dir() -> Path:
    """Where the build step (`python -m service.geo.build`) puts the index ahead of time:
    KRATOM_INDEX_DIR, else build/geo-index in the project. Read first, never written at run
    time, so it can be part of a read-only image."""
    env = os.environ.get("KRATOM_INDEX_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "build" / "geo-index"


Arrays = dict[str, np.ndarray]


def entry_name(version: str) -> str:
    return f"geo-{version[:32]}-f{GRID_FORMAT}-r{RES}-s{SUB}"


def find(version: str, dirs: list[Path] | None = None) -> tuple[Arrays, Any] | None:
    """The index arrays for these files from the build step's directory or the cache (mmap'd
    .npy files: a warm start reads no more than it touches, workers share the pages)."""
    for base in dirs if dirs is not None else [index_dir(), cache_dir()]:
        d = base / entry_name(version)
        try:
            meta = json.loads((d / "meta.json").read_text())
            arrs = {
                n: np.load(d / f"{n}.npy", mmap_mode="r", allow_pickle=False)
                for n in meta["arrays"]
            }
            if arrs["grid"].shape == (NROWS * NCOLS,) and arrs["grid"].dtype == np.int32:
                return arrs, meta["extra"]
        except (OSError, ValueError, KeyError):
            continue
    return None


def store(version: str, arrays: Arrays, extra: Any, base: Path) -> bool:
    """Write an entry; False when the directory is not writable (then it is only in memory)."""
    d = base / entry_name(version)
    try:
        d.mkdir(parents=True, exist_ok=True)
        for name, arr in arrays.items():
            _atomic(d / f"{name}.npy", lambda f, a=arr: np.save(f, a, allow_pickle=False))
        body = json.dumps({"arrays": sorted(arrays), "extra": extra}).encode()
        _atomic(d / "meta.json", lambda f: f.write(body))  # last: marks the entry complete
    except OSError:
        return False
    return True


@contextlib.contextmanager
def build_lock(version: str) -> Iterator[None]:
    """One builder per entry and host (the build step, a start's child, gunicorn's hook):
    the others wait here, then find the entry built. The lock lives in the cache."""
    try:
        base = cache_dir()
        base.mkdir(parents=True, exist_ok=True)
        fh = (base / f"{entry_name(version)}.lock").open("a")
    except OSError:
        yield  # unwritable: nothing to coordinate through
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cached(
    version: str, compute: Callable[[], tuple[Arrays, Any]], out: Path | None = None
) -> tuple[Arrays, Any]:
    """Load the index arrays for these files, or compute them (once per host) and try to
    store them in `out` (default: the cache). An unwritable place only costs the compute."""
    found = find(version)
    if found is not None:
        return found
    base = out if out is not None else cache_dir()
    with build_lock(version):
        found = find(version, [base, index_dir(), cache_dir()])
        if found is not None:
            if out is not None and find(version, [out]) is None:
                store(version, *found, out)
            return found
        arrays, extra = compute()
        store(version, arrays, extra, base)
    return arrays, extra


def _atomic(path: Path, write: Callable[..., object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a baked-in index from the service user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


RAD = math.pi / 180.0
TWO_R_KM = 2 * EARTH_RADIUS_M / 1000.0


def sea_km_many(lon: np.ndarray, lat: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Haversine km to sea-table rows `q` (lon_rad, lat_rad, cos_lat); the same operations,
    in the same order, as the scalar path in BoundaryIndex.locate."""
    p1 = lat * RAD
    s1 = np.sin((q[:, 1] - p1) * 0.5)
    s2 = np.sin((q[:, 0] - lon * RAD) * 0.5)
    a = np.minimum(s1 * s1 + np.cos(p1) * q[:, 2] * s2 * s2, 1.0)
    return TWO_R_KM * np.arcsin(np.sqrt(a))


def round_km(km: np.ndarray) -> np.ndarray:
    """2 significant figures, at least whole km (the scalar twin is in BoundaryIndex.locate)."""
    return np.where(
        km < 100.0,
        np.round(km),
        np.where(km < 1000.0, np.round(km / 10.0) * 10, np.round(km / 100.0) * 100),
    )
