"""Build time only: fine cells of US waters where the state snap has one answer everywhere.

`BoundaryIndex.locate_exact` snaps a point that the US covers but no state does to the state
whose boundary is nearest, within a radius, and lists the other states within the margin of
that distance as alternatives. Over a whole fine cell the answer is one state and no
alternatives when, with h the cell's half-diagonal and d(s) the distance from the cell centre:

    d_hi(best) + h <= radius    and    d_lo(s) - h > d_hi(best) + h + margin  for every s != best

(the distance to a boundary moves by at most the distance moved). The distances here come
from a k-d tree of points spaced at most STEP_M along each state's boundary, measured as 3-d
chords; d_lo / d_hi widen them by the densification gap and SLACK (the run-time local
equirectangular metres differ from the sphere by under 1%). A cell that fails stays exact.
The snapped distance is not part of `Location`, so nothing per point is lost.
"""

from __future__ import annotations

import math

import numpy as np

from .distance import EARTH_RADIUS_M, M_PER_DEG_LAT, M_PER_DEG_LON
from .layer import SourceLayer

NO_STATE = -2
STEP_M = 150.0  # densification spacing along the boundaries (upper bound)
SLACK = 0.015  # relative: run-time metres vs chord on the sphere, frame shift over a cell
PAD_M = 25.0  # absolute slack on top


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return EARTH_RADIUS_M * np.column_stack(
        [np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]
    )


def _densified(states: SourceLayer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, feature) of points along every boundary segment, at most STEP_M apart."""
    counts = states.piece_end - states.piece_start
    seg = np.repeat(states.piece_start - np.cumsum(counts) + counts, counts) + np.arange(
        counts.sum()
    )
    owner = np.repeat(states.piece_code, counts)
    x0, y0 = states.xs[seg], states.ys[seg]
    x1, y1 = states.xs[seg + 1], states.ys[seg + 1]
    kx = M_PER_DEG_LON * np.cos(np.radians(np.minimum(np.abs(y0), np.abs(y1))))
    length = np.hypot((x1 - x0) * kx, (y1 - y0) * M_PER_DEG_LAT * 1.01)
    n = np.maximum(np.ceil(length / STEP_M).astype(np.int64), 1)
    r = np.repeat(np.arange(len(seg)), n)
    t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / n[r]
    lon = np.r_[x0[r] + t * (x1 - x0)[r], states.xs[states.piece_end]]
    lat = np.r_[y0[r] + t * (y1 - y0)[r], states.ys[states.piece_end]]
    return lon, lat, np.r_[owner[r], states.piece_code]


def snapped_states(
    states: SourceLayer,
    lon: np.ndarray,
    lat: np.ndarray,
    half_deg: float,
    radius: np.ndarray,
    radius_any: np.ndarray,
) -> np.ndarray:
    """Feature index of the one state every point of each cell snaps to, NO_STATE where no
    state is within the snap radius of any point of the cell, else -1.

    Cells are (lon, lat) centres with half-size `half_deg`; `radius` is the snap radius that
    holds for every point of each cell, `radius_any` the largest one that holds for some.
    """
    from scipy.spatial import cKDTree  # build time only

    out = np.full(len(lon), -1, dtype=np.int64)
    if len(lon) == 0 or len(states.piece_start) == 0:
        return out
    low = np.maximum(np.abs(lat) - half_deg, 0.0)  # the widest row of the cell
    h = np.hypot(half_deg * M_PER_DEG_LAT, half_deg * M_PER_DEG_LON * np.cos(np.radians(low)))
    h = h * (1 + SLACK) + PAD_M
    margin = states.margin_m
    reach = (np.maximum(radius, radius_any) + 2 * h + margin + STEP_M + 4 * PAD_M) / (
        1 - SLACK
    )  # query upper bound
    blon, blat, bown = _densified(states)
    centres = _unit(lon, lat)
    # running per cell: the state with the least upper bound, its lower bound, and the least
    # lower bound of all the others (a state not found within `reach` is farther everywhere)
    unfound = reach * (1 - SLACK) - STEP_M / 2 - PAD_M
    best = np.full(len(lon), -1, dtype=np.int64)
    best_hi = np.full(len(lon), np.inf)
    best_lo = unfound.copy()
    other_lo = unfound.copy()
    pb = states.piece_bounds
    pad = float(reach.max()) / M_PER_DEG_LAT + 0.01
    padx = pad / max(math.cos(math.radians(min(89.0, float(np.abs(lat).max()) + 1))), 0.02)
    for f in range(len(states.codes)):
        mine = bown == f
        if not mine.any():
            continue
        fb = pb[states.piece_code == f]
        box = (
            (lon >= fb[:, 0].min() - padx) & (lon <= fb[:, 2].max() + padx)
            & (lat >= fb[:, 1].min() - pad) & (lat <= fb[:, 3].max() + pad)
        )  # fmt: skip
        sel = np.flatnonzero(box)
        if len(sel) == 0:
            continue
        tree = cKDTree(_unit(blon[mine], blat[mine]))
        d, _ = tree.query(centres[sel], distance_upper_bound=float(reach.max()), workers=-1)
        ok = np.isfinite(d)
        sel, d = sel[ok], d[ok]
        lo_f = d * (1 - SLACK) - STEP_M / 2 - PAD_M
        hi_f = d * (1 + SLACK) + PAD_M
        win = hi_f < best_hi[sel]
        w, lose = sel[win], sel[~win]
        other_lo[w] = np.minimum(other_lo[w], best_lo[w])
        best[w], best_hi[w], best_lo[w] = f, hi_f[win], lo_f[win]
        other_lo[lose] = np.minimum(other_lo[lose], lo_f[~win])
    good = (best >= 0) & (best_hi + h <= radius) & (other_lo - h > best_hi + h + margin)
    out[good] = best[good]
    out[np.minimum(best_lo, other_lo) - h > radius_any] = NO_STATE
    return out
