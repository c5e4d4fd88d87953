"""The common case of the exact path for many points at once: numpy over (point, segment) pairs.

Most points that reach `BoundaryIndex.locate_exact` lie in a fine cell a boundary comes near
but are themselves clear of every margin: one country, (in the US) one state, some locals,
no flags. For each layer this computes, for all such points together, what `Layer.probe`
and `Layer.within(margin)` compute one point at a time: the crossing parity from the mixed
cell's reference corner (the same float operations, pair by pair, so the same parity) and the
distance to every boundary segment indexed in the point's level-1 cell (which holds every
piece within the margin of any point of the cell).

A point is answered here only when the answer cannot depend on rounding: no segment within
EDGE_M (on a boundary), no uncovering feature within the margin (times 1 + 1e-6), exactly one
covering country and, in the US, exactly one covering state. Everything else (edges,
alternatives, disputes, snapping, the sea, lon == -180) gets None: the caller runs the exact
path for it.
"""

from __future__ import annotations

import numpy as np

from .distance import M_PER_DEG_LAT, M_PER_DEG_LON
from .layer import DELTA, NCOLS, RES, Layer

EDGE_M = 0.01  # closer than this to a segment: possibly on it, left to the exact path
MARGIN_TOL = 1e-6  # relative: distances within this of the margin are left to the exact path
CHUNK_POINTS = 2048


class LayerAnswer:
    """Per point of one layer: covering features (sorted (point, feature) keys) and `ok`."""

    def __init__(self, keys: np.ndarray, nfeat: int, ok: np.ndarray) -> None:
        self.pt = keys // nfeat
        self.feat = keys % nfeat
        self.count = np.bincount(self.pt, minlength=len(ok))
        self.ok = ok


def layer_answer(
    layer: Layer, x: np.ndarray, y: np.ndarray, cell: np.ndarray, slot: np.ndarray
) -> LayerAnswer:
    """Covering features of `layer` at each point, and whether no edge or margin case arises.

    `cell` is each point's level-1 cell, `slot` its mixed-cell slot.
    """
    n = len(x)
    nfeat = max(len(layer.codes), 1)
    ok = np.ones(n, dtype=bool)
    # the reference corner features of each point's cell
    c0, c1 = layer.cc_ptr[slot], layer.cc_ptr[slot + 1]
    bc = c1 - c0
    bpt = np.repeat(np.arange(n), bc)
    bfeat = layer.cc_feat[np.repeat(c0 - np.cumsum(bc) + bc, bc) + np.arange(bc.sum())]
    base_keys = bpt * nfeat + bfeat.astype(np.int64)
    # candidate pieces: those indexed in the point's level-1 cell
    key = cell.astype(np.int32)
    lo = np.searchsorted(layer.pc_cell, key, "left")
    hi = np.searchsorted(layer.pc_cell, key, "right")
    cnt = hi - lo
    ppt = np.repeat(np.arange(n), cnt)
    piece = layer.pc_piece[np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())]
    px, py = x[ppt], y[ppt]
    fi, fj = cell // NCOLS, cell % NCOLS
    x0 = (fj * RES - 180.0 - DELTA)[ppt]
    y0 = (fi * RES - 90.0 - DELTA)[ppt]
    b = layer.piece_bounds[piece]
    parity = (b[:, 0] <= px) & (b[:, 2] >= x0) & (b[:, 1] <= py) & (b[:, 3] >= y0)
    m = layer.margin_m * (1 + MARGIN_TOL) + EDGE_M
    dlat = m / M_PER_DEG_LAT
    dlon = m / (M_PER_DEG_LON * np.cos(np.radians(np.minimum(np.abs(py) + dlat, 89.9))))
    dlon = dlon * (1 + 1e-6)
    near = (b[:, 0] <= px + dlon) & (b[:, 2] >= px - dlon)
    near &= (b[:, 1] <= py + dlat) & (b[:, 3] >= py - dlat)
    keep = parity | near
    piece, ppt, parity, near = piece[keep], ppt[keep], parity[keep], near[keep]
    # their segments
    starts = layer.piece_start[piece]
    sc = layer.piece_end[piece] - starts
    seg = np.repeat(starts - np.cumsum(sc) + sc, sc) + np.arange(sc.sum())
    spt = np.repeat(ppt, sc)
    owner = np.repeat(layer.piece_code[piece], sc).astype(np.int64)
    spar = np.repeat(parity, sc)
    snear = np.repeat(near, sc)
    lon, lat = x[spt], y[spt]
    ax, ay = layer.xs[seg], layer.ys[seg]
    bx, by = layer.xs[seg + 1], layer.ys[seg + 1]
    sx0 = (fj * RES - 180.0 - DELTA)[spt]
    sy0 = (fi * RES - 90.0 - DELTA)[spt]
    with np.errstate(invalid="ignore", divide="ignore"):
        xi = ax + (lat - ay) * (bx - ax) / (by - ay)
        yi = ay + (sx0 - ax) * (by - ay) / (bx - ax)
    h = ((ay > lat) != (by > lat)) & (xi >= sx0) & (xi < lon)
    v = ((ax > sx0) != (bx > sx0)) & (yi >= sy0) & (yi < lat)
    cross = (h.astype(np.int64) + v) * spar
    skeys = spt * nfeat + owner
    uk, inv = np.unique(skeys, return_inverse=True)
    odd_keys = uk[np.bincount(inv, weights=cross, minlength=len(uk)).astype(np.int64) % 2 == 1]
    allk, times = np.unique(np.r_[base_keys, odd_keys], return_counts=True)
    inside = allk[times == 1]  # base XOR odd
    # distances (local equirectangular metres, as distance.point_segments_m)
    sel = np.flatnonzero(snear)
    kx = M_PER_DEG_LON * np.cos(np.radians(lat[sel]))
    ex = (ax[sel] - lon[sel]) * kx
    ey = (ay[sel] - lat[sel]) * M_PER_DEG_LAT
    fx = (bx[sel] - lon[sel]) * kx
    fy = (by[sel] - lat[sel]) * M_PER_DEG_LAT
    dx, dy = fx - ex, fy - ey
    den = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, -(ex * dx + ey * dy) / den, 0.0)
    t = np.clip(t, 0.0, 1.0)
    d = np.hypot(ex + t * dx, ey + t * dy)
    ok[spt[sel][d < EDGE_M]] = False
    close = sel[d <= layer.margin_m * (1 + MARGIN_TOL) + EDGE_M]
    stray = np.setdiff1d(skeys[close], inside)  # a feature within the margin not covering
    ok[stray // nfeat] = False
    return LayerAnswer(inside, nfeat, ok)
