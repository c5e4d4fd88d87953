"""BoundaryIndex: point -> Location over the country, state and local layers."""

from __future__ import annotations

import array
import contextlib
import ctypes
import dataclasses
import gc
import hashlib
import json
import logging
import math
import mmap
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from math import asin, cos, sin, sqrt
from pathlib import Path
from typing import Any

import numpy as np

from . import batch
from . import grid as g
from .areas import PREFIX, Area, load_table
from .layer import Layer, SourceLayer, lon_wrap
from .location import Location

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
BUILD_TIMEOUT_S = 1800
US_CODES = frozenset({"US", "PR", "VI", "GU", "MP", "AS", "UM"})
_FINE = float(g.FINE)
_SHIFT = g.SUB.bit_length() - 1  # SUB is a power of two
_SHIFT2 = 2 * _SHIFT
_MASK = g.SUB - 1
_FI_MAX = g.NROWS * g.SUB - 1
_FJ_MAX = g.NCOLS * g.SUB - 1
_NCOLS = g.NCOLS
_NROWS = g.NROWS
_RES = g.RES
_MIXED = g.MIXED
_EXACT = g.EXACT
_RAD = g.RAD
_RAD_HALF = g.RAD * 0.5
_TWO_R_KM = g.TWO_R_KM
_UM = -3  # batch state marker: "US-UM" (outlying islands, no state polygon)
SEA_MEMO = 200_000  # (country, km) -> Location at sea
SLIVER_SNAP_M = 50.0  # OSM neighbours leave gaps of tens of metres
SNAP_M = 6_000.0  # 3-nmi state waters, piers, harbours
WIDE_SNAP_M = 20_000.0  # 9-nmi waters (TX, Gulf FL, PR) and the Great Lakes
# (lon0, lat0, lon1, lat1) boxes where the wide snap radius applies
WIDE_SNAP_BOXES = (
    (-97.9, 24.0, -80.3, 30.8),  # Texas and Gulf coast of Florida
    (-68.2, 17.6, -65.1, 18.8),  # Puerto Rico
    (-92.3, 41.3, -75.9, 49.1),  # Great Lakes
)

NEARBY_M = 50_000.0  # unclaimed land: the countries whose boundary is this close
LOCAL_LAYERS = ("us-local-places", "us-local-counties")
AREAS_LAYER = "disputed-areas"
COUNTIES_FULL = "us_counties_cb2018_500k.parquet"  # override: every county, by GEOID
STATES_HIGHRES = "us_states_cb2023_500k.parquet"
LOCAL_FILES = {
    "us-local-places": (
        "us_places_local.parquet",
        {
            "source": "US Census Bureau TIGER/Line 2019 places (KRATOM_BOUNDARIES_DIR)",
            "vintage": "2019",
            "accuracy_m": 10,
            "margin_m": 100,
            "attribution": "US Census Bureau",
            "licence": "Public domain (US federal government work)",
        },
    ),
    "us-local-counties": (
        "us_local_counties.parquet",
        {
            "source": "US Census Bureau cartographic boundary 2018 counties 1:500k "
            "(KRATOM_BOUNDARIES_DIR)",
            "vintage": "2018",
            "accuracy_m": 30,
            "margin_m": 100,
            "attribution": "US Census Bureau",
            "licence": "Public domain (US federal government work)",
        },
    ),
}
STATES_HIGHRES_META = {
    "source": "US Census Bureau cartographic boundary cb_2023_us_state_500k (KRATOM_BOUNDARIES_DIR)",
    "vintage": "2023",
    "accuracy_m": 30,
    "margin_m": 100,
    "attribution": "US Census Bureau",
    "licence": "Public domain (US federal government work)",
}
META_KEYS = ("source", "vintage", "accuracy_m", "attribution", "licence", "margin_m")


class BoundaryIndex:
    """Immutable after construction; `locate` is safe from many threads."""

    def __init__(
        self,
        countries: Layer,
        states: Layer,
        local_layers: list[Layer],
        version: str,
        layers: list[dict[str, Any]],
        disputed_overlaps: list[dict[str, Any]],
        arrays: dict[str, np.ndarray],
        keys: list[g.Key],
        sea_keys: Sequence[tuple[int, int]] = (),
        areas: Layer | None = None,
        area_table: Mapping[str, Area] | None = None,
    ) -> None:
        self.countries = countries
        self.states = states
        self.local_layers = local_layers
        self.areas = areas
        self.area_table: Mapping[str, Area] = area_table or {}
        self.version = version
        self.layers = layers
        self.disputed_overlaps = disputed_overlaps
        self.local_loaded = bool(local_layers)
        self.local_codes = frozenset(c for lay in local_layers for c in lay.codes.tolist())
        grid, sub, sea, sea_code = (arrays[k] for k in ("grid", "sub", "sea", "sea_code"))
        self._keys = keys
        self._facts: dict[tuple[str, ...], dict[str, Any]] = {}
        self._table: list[Location] = [
            _new_location(
                **self._country_facts(c), state=s, **_local_facts(loc),
                local_loaded=self.local_loaded, approximate=approx,
            )
            for c, s, loc, approx in keys
        ]  # fmt: skip
        self._nland = len(self._table)  # then far-sea cells whose rounded answer is constant
        self._sea: dict[int, Location] = {}
        self._simple: dict[tuple[int, int, tuple[str, ...], bool], Location] = {}  # batch answers
        self._table += [self._sea_location(code, km) for code, km in sea_keys]
        self._code_idx = {
            lay.name: {c: i for i, c in enumerate(lay.codes.tolist())}
            for lay in (countries, states, *local_layers, *([areas] if areas else []))
        }
        self._grid_np, self._sub_np, self._sea_np, self._sea_code_np = grid, sub, sea, sea_code
        self._snap_cell = np.asarray(arrays.get("snap_cell", np.zeros(0, dtype=np.int64)))
        self._snap_feat = np.asarray(arrays.get("snap_feat", np.zeros(0, dtype=np.int32)))
        self._snap_quad = np.asarray(arrays.get("snap_quad", np.zeros(0, dtype=np.int64)))
        self._snap_quad_feat = np.asarray(arrays.get("snap_quad_feat", np.zeros(0, dtype=np.int32)))
        # memoryviews / array.array: Python numbers per read, fast, no copy of the mmap
        if len(grid):  # fault level 1 in now (16 MB); level 2 pages come in as they are used
            int(grid[:: mmap.PAGESIZE // grid.itemsize].sum())
        self._grid = memoryview(grid)
        self._sub = memoryview(sub)
        # one 32-byte row per sea target (lon / 2, lat / 2, cos lat, feature << 20): one cache
        # line per read
        rows = (
            np.column_stack([sea[:, 0] * 0.5, sea[:, 1] * 0.5, sea[:, 2], sea_code * 2.0**20])
            if len(sea)
            else sea
        )
        self._q = array.array("d", np.ascontiguousarray(rows, dtype=np.float64).tobytes())
        self._objs = np.empty(len(self._table) + 1, dtype=object)
        self._objs[: len(self._table)] = self._table
        self.grid_pure_fraction = float(((grid >= 0) & (grid < self._nland)).mean())
        # mixed level-1 cells an area covers or a boundary of one crosses (batch path)
        self._area_slot = np.zeros(0, dtype=bool)
        if areas is not None:
            slots = np.zeros(max(len(areas.cc_ptr) - 1, 0), dtype=bool)
            slots |= np.diff(areas.cc_ptr) > 0
            g1 = np.asarray(grid)[np.unique(areas.pc_cell)].astype(np.int64)
            slots[g1[g1 >= _MIXED] - _MIXED] = True
            self._area_slot = slots

    def _country_facts(self, codes: tuple[str, ...]) -> dict[str, Any]:
        """Location fields from the codes covering a point in the country dimension: the
        countries plus the claimants of the disputed areas ("@id") there, and the flags."""
        facts = self._facts.get(codes)
        if facts is None:
            real = {c for c in codes if not c.startswith(PREFIX)}
            rows = [self.area_table[c[1:]] for c in codes if c[1:] in self.area_table]
            claimed = real.union(*(a.claimants for a in rows))
            countries = tuple(sorted(claimed))
            facts = {
                "countries": countries,
                "areas": tuple(a.id for a in rows),
                "disputed": len(countries) > 1 or any(a.kind == "disputed" for a in rows),
                "unclaimed": not real and any(a.kind == "unclaimed" for a in rows),
            }
            self._facts[codes] = facts
        return facts

    # -- lookups -------------------------------------------------------------------------

    def locate(self, lon: float, lat: float) -> Location:
        """Jurisdictions at (lon, lat) in degrees. Raises ValueError on NaN or infinity."""
        # NaN fails both comparisons and ends in locate_exact, which raises
        if -180.0 <= lon < 180.0 and -90.0 <= lat < 90.0:
            fi = int((lat + 90.0) * _FINE)  # exact: FINE and RES are powers of two
            fj = int((lon + 180.0) * _FINE)
            if fi > _FI_MAX or fj > _FJ_MAX:  # lat + 90.0 rounded up to 180.0
                fi, fj = min(fi, _FI_MAX), min(fj, _FJ_MAX)
            v = self._grid[(fi >> _SHIFT) * _NCOLS + (fj >> _SHIFT)]
            if v >= _MIXED:
                v = self._sub[((v - _MIXED) << _SHIFT2) | ((fi & _MASK) << _SHIFT) | (fj & _MASK)]
            if v >= 0:
                return self._table[v]
            if v != _EXACT:  # open sea; same values as grid.sea_km_many and round_km
                t = (-2 - v) << 2  # halved angles: (a - b) * 0.5 == a * 0.5 - b * 0.5 exactly
                q = self._q
                s1 = sin(q[t + 1] - lat * _RAD_HALF)
                s2 = sin(q[t] - lon * _RAD_HALF)
                a = s1 * s1 + cos(lat * _RAD) * q[t + 2] * s2 * s2
                km = _TWO_R_KM * asin(sqrt(a if a < 1.0 else 1.0))
                if km < 100.0:
                    r = round(km)
                elif km < 1000.0:
                    r = round(km / 10.0) * 10
                else:
                    r = round(km / 100.0) * 100
                key = q[t + 3] + r  # float(code << 20 | r): finds the int keys of the memo
                loc = self._sea.get(key)
                return loc if loc is not None else self._sea_location(int(key) >> 20, r)
        return self.locate_exact(lon, lat)

    def _sea_location(self, code: int, km: int) -> Location:
        """Open sea: `km` is already rounded to 2 significant figures (at least to 1 km).

        The distance is to a real boundary vertex of that country, so it never understates;
        it may overstate the exact nearest distance where two coasts compete (measured on
        random sea points: p99 0.9 km beyond 100 km out, worst case about one cell, 14 km).
        """
        key = (code << 20) | km
        loc = self._sea.get(key)
        if loc is None:
            loc = _new_location(
                at_sea=True,
                nearest=(self.countries.codes[code], km * 1000.0),
                local_loaded=self.local_loaded,
                nearest_rounded_m=1000.0 if km < 100 else 10_000.0 if km < 1000 else 100_000.0,
            )
            if len(self._sea) < SEA_MEMO:
                self._sea[key] = loc
        return loc

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Location]:
        """Vectorised `locate`: both grid levels, the open sea and the exact path's common case
        (`batch`) in numpy; the rest (edges, alternatives, undecided snaps) per point."""
        x = np.asarray(lons, dtype=np.float64)
        y = np.asarray(lats, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("lons and lats must be 1-d and the same length")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("coordinates must be finite")
        inside = (x >= -180.0) & (x < 180.0) & (y >= -90.0) & (y < 90.0)
        fi = np.minimum(((y + 90.0) * _FINE).astype(np.int64), _FI_MAX)
        fj = np.minimum(((x + 180.0) * _FINE).astype(np.int64), _FJ_MAX)
        v = np.full(len(x), _EXACT, dtype=np.int64)
        v[inside] = self._grid_np[(fi[inside] >> _SHIFT) * _NCOLS + (fj[inside] >> _SHIFT)]
        two = np.flatnonzero(v >= _MIXED)
        if len(two):
            v[two] = self._sub_np[
                ((v[two] - _MIXED) << _SHIFT2) | ((fi[two] & _MASK) << _SHIFT) | (fj[two] & _MASK)
            ]
        out = np.empty(len(x), dtype=object)
        pure = v >= 0
        out[pure] = self._objs[v[pure]]
        sea = np.flatnonzero(v <= -2)
        if len(sea):
            t = -2 - v[sea]
            r = g.round_km(g.sea_km_many(x[sea], y[sea], self._sea_np[t])).astype(np.int64)
            key = (self._sea_code_np[t].astype(np.int64) << 20) | r
            uniq, inv = np.unique(key, return_inverse=True)
            locs = np.empty(len(uniq), dtype=object)
            locs[:] = [self._sea_location(u >> 20, u & 0xFFFFF) for u in uniq.tolist()]
            out[sea] = locs[inv]
        ex = np.flatnonzero(v == _EXACT)
        for c in range(0, len(ex), batch.CHUNK_POINTS):
            part = ex[c : c + batch.CHUNK_POINTS]
            out[part] = self._simple_many(x[part], y[part])
            for i in part[out[part] == None].tolist():  # noqa: E711 (elementwise)
                out[i] = self.locate_exact(float(x[i]), float(y[i]))
        return out.tolist()

    def _simple_many(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """`locate_exact` for the points clear of every edge and margin (see `batch`), else
        None, as an object array."""
        out = np.full(len(x), None, dtype=object)
        fi = np.minimum(((y + 90.0) / _RES).astype(np.int64), _NROWS - 1)
        fj = np.minimum(((x + 180.0) / _RES).astype(np.int64), _NCOLS - 1)
        valid = (x > -180.0) & (x < 180.0) & (y >= -90.0) & (y < 90.0)
        cell = np.where(valid, fi * _NCOLS + fj, 0)
        gv = self._grid_np[cell].astype(np.int64)
        sel = np.flatnonzero(valid & (gv >= _MIXED))
        if len(sel) == 0:
            return out
        x, y, cell, slot = x[sel], y[sel], cell[sel], gv[sel] - _MIXED
        ca = batch.layer_answer(self.countries, x, y, cell, slot)
        ok = ca.ok & (ca.count == 1)
        if self.areas is not None:  # disputed or unclaimed areas: the exact path
            k = np.flatnonzero(self._area_slot[slot])
            if len(k):
                aa = batch.layer_answer(self.areas, x[k], y[k], cell[k], slot[k])
                ok[k] &= aa.ok & (aa.count == 0)
        cf = np.full(len(x), -1, dtype=np.int64)
        one = ca.count[ca.pt] == 1
        cf[ca.pt[one]] = ca.feat[one]
        is_us = np.array([c in US_CODES for c in self.countries.codes.tolist()] + [False])
        us = np.flatnonzero(ok & is_us[cf])
        sf = np.full(len(x), -1, dtype=np.int64)
        found: dict[int, list[str]] = {}
        approx = np.zeros(len(x), dtype=bool)
        if len(us):
            ux, uy, uc, us_slot = x[us], y[us], cell[us], slot[us]
            sa = batch.layer_answer(self.states, ux, uy, uc, us_slot)
            ok[us] &= sa.ok & (sa.count <= 1)
            one = sa.count[sa.pt] == 1
            sf[us[sa.pt[one]]] = sa.feat[one]
            stateless = us[sa.count == 0]
            um = self.countries.codes[cf[stateless]] == "UM"
            sf[stateless[um]] = _UM
            self._snap_lookup(x, y, slot, stateless[~um], ok, sf, approx)
            for ll in self.local_layers:
                la = batch.layer_answer(ll, ux, uy, uc, us_slot)
                ok[us] &= la.ok
                for p, f in zip(us[la.pt].tolist(), la.feat.tolist(), strict=True):
                    found.setdefault(p, []).append(ll.codes[f])
        memo = self._simple
        cc, sc = self.countries.codes, self.states.codes
        for k in np.flatnonzero(ok).tolist():
            key = (int(cf[k]), int(sf[k]), tuple(sorted(found.get(k, ()))), bool(approx[k]))
            loc = memo.get(key)
            if loc is None:
                loc = _new_location(
                    countries=(cc[key[0]],),
                    state=sc[key[1]] if key[1] >= 0 else "US-UM" if key[1] == _UM else None,
                    **_local_facts(key[2]),
                    local_loaded=self.local_loaded,
                    approximate=key[3],
                )
                if len(memo) < SEA_MEMO:
                    memo[key] = loc
            out[sel[k]] = loc
        return out

    def _snap_lookup(
        self,
        x: np.ndarray,
        y: np.ndarray,
        slot: np.ndarray,
        pts: np.ndarray,
        ok: np.ndarray,
        sf: np.ndarray,
        approx: np.ndarray,
    ) -> None:
        """US points no state covers: the snap answer of their level-2 cell from the snap
        table (`grid.snap_table`), or not ok (left to the exact path) where it has none."""
        if len(pts) == 0:
            return
        fi = np.minimum(((y[pts] + 90.0) * _FINE).astype(np.int64), _FI_MAX)
        fj = np.minimum(((x[pts] + 180.0) * _FINE).astype(np.int64), _FJ_MAX)
        ids = (slot[pts] << _SHIFT2) | ((fi & _MASK) << _SHIFT) | (fj & _MASK)
        hit, f = _find(self._snap_cell, self._snap_feat, ids)
        if not hit.all():  # the table's second level: QUAD x QUAD parts of a level-2 cell
            miss = np.flatnonzero(~hit)
            y4 = ((y[pts[miss]] + 90.0) * (_FINE * g.QUAD)).astype(np.int64) % g.QUAD
            x4 = ((x[pts[miss]] + 180.0) * (_FINE * g.QUAD)).astype(np.int64) % g.QUAD
            qids = ids[miss] * (g.QUAD * g.QUAD) + y4 * g.QUAD + x4
            qhit, qf = _find(self._snap_quad, self._snap_quad_feat, qids)
            hit[miss], f[miss] = qhit, qf
        ok[pts[~hit]] = False
        f, p = f[hit], pts[hit]
        sf[p] = np.where(f >= 0, f, -1)
        approx[p] = f >= 0

    def locate_exact(self, lon: float, lat: float) -> Location:
        """The full path (polygon tests, margins, snapping); the grid only short-cuts it."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError("coordinates must be finite")
        lon = lon_wrap(lon)
        lat = min(90.0, max(-90.0, lat))
        fi = min(int((lat + 90.0) / _RES), _NROWS - 1)
        fj = min(int((lon + 180.0) / _RES), _NCOLS - 1)
        v = int(self._grid_np[fi * _NCOLS + fj])
        if 0 <= v < self._nland:  # no boundary of any layer within its margin of this cell
            return self._table[v]
        alternatives: list[tuple[str, str, float]] = []
        approximate = at_sea = False
        nearest: tuple[str, float] | None = None

        cl = self.countries
        hits = self._on_edge(cl, self._cover(cl, lon, lat, fi, fj), alternatives)
        countries = tuple(sorted({cl.codes[k] for k in hits}))
        self._alternatives(cl, lon, lat, hits, alternatives)
        area_codes: tuple[str, ...] = ()
        if self.areas is not None and (v < _MIXED or lon == -180.0 or self._area_slot[v - _MIXED]):
            al = self.areas  # (a mixed cell no area reaches needs no probe)
            area_codes = tuple(al.codes[k] for k in self._cover(al, lon, lat, fi, fj)[0])
        nearby: tuple[tuple[str, float], ...] = ()
        if not countries and area_codes:  # land no country covers: unclaimed, or a gap row
            near = cl.nearest(lon, lat)
            if near is not None:
                nearest = (cl.codes[near[0]], round(near[1], 1))
            within = cl.within(lon, lat, NEARBY_M).items()
            nearby = tuple(sorted(((cl.codes[k], round(d, 1)) for k, d in within), key=_by_m))
        elif not countries:
            near = cl.nearest(lon, lat)
            if near is not None and near[1] <= SLIVER_SNAP_M:
                countries = (cl.codes[near[0]],)
                approximate = True
            else:
                at_sea = True
                if near is not None:
                    nearest = (cl.codes[near[0]], round(near[1], 1))
        facts = self._country_facts(tuple(sorted(countries + area_codes)))
        if not facts["unclaimed"]:
            nearby = ()
            if not at_sea:
                nearest = None
        countries = facts["countries"]

        state: str | None = None
        locals_: tuple[str, ...] = ()
        if any(c in US_CODES for c in countries):
            sl = self.states
            shits = self._on_edge(sl, self._cover(sl, lon, lat, fi, fj), alternatives)
            if shits:
                state = sl.codes[shits[0]]
                self._alternatives(sl, lon, lat, shits, alternatives)
            elif countries == ("UM",):
                state = "US-UM"
            else:
                radius = WIDE_SNAP_M if _wide_snap(lon, lat) else SNAP_M
                near_states = sl.within(lon, lat, radius)
                if near_states:
                    best = min(near_states, key=near_states.__getitem__)
                    state = sl.codes[best]
                    approximate = True
                    for k, d in near_states.items():
                        if k != best and d - near_states[best] <= sl.margin_m:
                            alternatives.append((sl.codes[k], sl.name, round(d, 1)))
            found: list[str] = []
            for ll in self.local_layers:
                lhits = sorted(self._cover(ll, lon, lat, fi, fj)[0])
                found.extend(ll.codes[k] for k in lhits)
                self._alternatives(ll, lon, lat, lhits, alternatives)
            locals_ = tuple(sorted(found))

        # counties mapped only as containers of unmapped places are not jurisdictions
        alternatives = [a for a in alternatives if not a[0].isdigit()]
        alternatives.sort(key=lambda a: (a[2], a[0]))
        return _new_location(
            **facts,
            state=state,
            **_local_facts(locals_),
            near_border=bool(alternatives),
            alternatives=tuple(alternatives),
            approximate=approximate,
            at_sea=at_sea,
            nearest=nearest,
            nearby=nearby,
            local_loaded=self.local_loaded,
        )

    def _cover(
        self, layer: Layer, lon: float, lat: float, fi: int, fj: int
    ) -> tuple[list[int], set[int]]:
        """(covering features, those with the point strictly inside) in one layer."""
        hits, inner = self._probe(layer, lon, lat, fi, fj)
        if lon == -180.0:  # the same meridian as +180: polygons cut there touch either side
            more, _ = self._probe(layer, 180.0, lat, fi, _NCOLS - 1)
            hits = hits | more
        return sorted(hits), inner

    def _probe(
        self, layer: Layer, lon: float, lat: float, fi: int, fj: int
    ) -> tuple[set[int], set[int]]:
        v = int(self._grid_np[fi * _NCOLS + fj])
        if v >= _MIXED:
            return layer.probe(lon, lat, fi, fj, v - _MIXED)
        if v < 0 or v >= self._nland:  # open sea cell
            return set(), set()
        c, s, loc, _ = self._keys[
            v
        ]  # a pure cell (snapped keys are level 2 only): its key is every layer's answer
        idx = self._code_idx[layer.name]
        found = {idx[x] for x in (*c, s, *loc) if x is not None and x in idx}
        return found, found

    @staticmethod
    def _on_edge(
        layer: Layer, cover: tuple[list[int], set[int]], out: list[tuple[str, str, float]]
    ) -> list[int]:
        """Several covering polygons: keep those holding the point inside; edge ones become
        alternatives at 0 m. Exactly on a line, the lowest code wins and the rest are offered.

        Only true overlaps (disputed areas) then give more than one code.
        """
        hits, interior = cover
        if len(hits) < 2:
            return hits
        inner = [k for k in hits if k in interior]
        if not inner:
            inner = [min(hits, key=lambda k: layer.codes[k])]
        for k in hits:
            if k not in inner:
                out.append((layer.codes[k], layer.name, 0.0))
        return inner

    @staticmethod
    def _alternatives(
        layer: Layer, lon: float, lat: float, hits: list[int], out: list[tuple[str, str, float]]
    ) -> None:
        held = {layer.codes[k] for k in hits} | {a[0] for a in out if a[1] == layer.name}
        for k, d in layer.within(lon, lat, layer.margin_m).items():
            code = layer.codes[k]
            if code not in held:
                out.append((code, layer.name, round(d, 1)))
                held.add(code)


_FIELDS = [
    (f.name, getattr(Location, f.name).__set__, f.default) for f in dataclasses.fields(Location)
]


def _new_location(**values: Any) -> Location:
    """Location(**values) at half the cost: slot setters, not the frozen __setattr__ path."""
    loc = object.__new__(Location)
    for name, put, default in _FIELDS:
        put(loc, values.get(name, default))
    return loc


def _local_facts(codes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Local codes are jurisdictions; bare 5-digit GEOIDs are counties mapped only because a
    place with an ordinance but no polygon lies in them."""
    if not any(c.isdigit() for c in codes):
        return {"locals": codes}
    return {
        "locals": tuple(c for c in codes if not c.isdigit()),
        "counties": tuple(c for c in codes if c.isdigit()),
    }


def _by_m(item: tuple[str, float]) -> tuple[float, str]:
    return item[1], item[0]


def _find(table: np.ndarray, values: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found, value) of each id in a sorted id table (value 0 where not found)."""
    if len(table) == 0:
        return np.zeros(len(ids), dtype=bool), np.zeros(len(ids), dtype=np.int64)
    at = np.minimum(np.searchsorted(table, ids), len(table) - 1)
    hit = table[at] == ids
    return hit, np.where(hit, values[at], 0).astype(np.int64)


def _wide_snap(lon: float, lat: float) -> bool:
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in WIDE_SNAP_BOXES)


def _meta(name: str, meta: dict[str, Any], layer: Layer | None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    out.update({k: meta.get(k) for k in META_KEYS})
    out["loaded"] = layer is not None
    out["features"] = layer.features if layer is not None else 0
    return out


Source = tuple[Path, dict[str, str] | None]  # a GeoParquet file; a mapping: read by GEOID


def _read_sources(sources: list[Source]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, geometries) from several files; the first file holding a code wins. A file
    with a mapping is a full county file: its rows are read by `geoid`, kept when the mapping
    names them, and renamed to the mapped code."""
    import pyarrow.parquet as pq
    import shapely

    from .layer import _wkb_list, read_geometries

    codes: list[str] = []
    geoms: list[Any] = []
    for path, by_geoid in sources:
        if by_geoid is None:
            c, gm = read_geometries(path)
        else:
            t = pq.ParquetFile(path).read(columns=["geoid", "geometry"], use_pandas_metadata=False)
            ids = t.column("geoid").to_pylist()
            keep = [i for i, x in enumerate(ids) if x in by_geoid]
            c = np.array([by_geoid[ids[i]] for i in keep], dtype=object)
            gm = shapely.from_wkb(_wkb_list(t.column("geometry").take(keep)))
        for code, geom in zip(c.tolist(), gm, strict=True):
            if code not in codes:
                codes.append(code)
                geoms.append(geom)
    return np.array(codes, dtype=object), np.array(geoms, dtype=object)


def _codes_of(path: Path, column: str = "code") -> list[str]:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read(columns=[column], use_pandas_metadata=False)
    return table.column(column).to_pylist()


def _local_plan(
    name: str, shipped_dir: Path, layers_json: dict[str, Any], override_dir: Path | None
) -> tuple[list[Source], dict[str, Any]] | None:
    """Where a local layer's polygons come from: the Census override files first (the most
    precise), the shipped derived layer for every code they lack; None when neither exists."""
    smeta = layers_json.get(name)
    shipped = shipped_dir / smeta["file"] if smeta and smeta.get("file") else None
    if shipped is not None and not shipped.is_file():
        shipped = None
    fname, ometa = LOCAL_FILES[name]
    override = Path(override_dir) / fname if override_dir else None
    full = Path(override_dir) / COUNTIES_FULL if override_dir else None
    if name == "us-local-counties" and full is not None and full.is_file() and shipped:
        by_geoid = smeta.get("geoids") or dict(
            zip(_codes_of(shipped, "geoid"), _codes_of(shipped), strict=True)
        )  # layers.json has it: a warm start reads no Parquet (pyarrow costs ~40 MB)
        meta = {
            **ometa,
            "source": "US Census Bureau cartographic boundary 2018 counties 1:500k "
            "(KRATOM_BOUNDARIES_DIR), the counties the shipped layer names",
        }
        return [(full, by_geoid), (shipped, None)], meta
    if override is not None and override.is_file():
        sources: list[Source] = [(override, None)]
        meta = dict(ometa)
        if shipped is not None:  # codes the Census file lacks keep their shipped polygon
            sources.append((shipped, None))
            meta["source"] += f"; codes it lacks from the shipped layer ({smeta['source']})"
            meta["margin_m"] = max(float(ometa["margin_m"]), float(smeta["margin_m"]))
            meta["accuracy_m"] = max(float(ometa["accuracy_m"]), float(smeta["accuracy_m"]))
        return sources, meta
    if shipped is not None:
        return [(shipped, None)], {k: v for k, v in smeta.items() if k != "unmapped"}
    return None


def _file_digest(path: Path) -> bytes:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


@dataclasses.dataclass(frozen=True)
class Plan:
    """Which files make up the index, with their metadata, and the keys derived from them."""

    shipped_dir: Path
    override_dir: Path | None
    specs: tuple[tuple[str, tuple[Source, ...], dict[str, Any]], ...]
    layers: tuple[dict[str, Any], ...]  # (name, meta) for /v1/meta, in order
    cache_key: str  # the polygons: names the cached arrays
    version: str  # cache_key plus the area table (claimants are read at load)
    area_table: Mapping[str, Area]
    disputed_overlaps: tuple[dict[str, Any], ...]


def plan_boundaries(shipped_dir: Path, override_dir: Path | None = None) -> Plan:
    """Read layers.json, pick the files (override first), hash them."""
    shipped_dir = Path(shipped_dir)
    layers_json = json.loads((shipped_dir / "layers.json").read_text())
    digest = hashlib.sha256(f"grid{g.GRID_FORMAT}".encode())
    specs: list[tuple[str, tuple[Source, ...], dict[str, Any]]] = []

    def add(name: str, sources: list[Source], meta: dict[str, Any]) -> None:
        digest.update(name.encode())
        for path, _ in sources:
            digest.update(path.name.encode())
            digest.update(_file_digest(path))
        specs.append((name, tuple(sources), meta))

    cmeta = layers_json["countries"]
    add("countries", [(shipped_dir / cmeta["file"], None)], cmeta)
    hi = Path(override_dir) / STATES_HIGHRES if override_dir else None
    if hi is not None and hi.is_file():
        smeta = STATES_HIGHRES_META
        add("us-states", [(hi, None)], smeta)
    else:
        smeta = layers_json["us-states"]
        add("us-states", [(shipped_dir / smeta["file"], None)], smeta)
    local_metas: dict[str, dict[str, Any]] = {}
    for name in LOCAL_LAYERS:
        local = _local_plan(name, shipped_dir, layers_json, override_dir)
        if local is not None:
            add(name, *local)
            local_metas[name] = local[1]
    ameta = layers_json.get(AREAS_LAYER)
    apath = shipped_dir / ameta["file"] if ameta else None
    if apath is not None and apath.is_file():
        add(AREAS_LAYER, [(apath, None)], ameta)
    # the arrays depend on the files and each layer's margin, not on the rest of the metadata
    digest.update(json.dumps([(n, m.get("margin_m")) for n, _, m in specs]).encode())
    cache_key = digest.hexdigest()
    table_path = shipped_dir / (ameta.get("table", "disputed-areas.csv") if ameta else "-")
    area_table = load_table(table_path)
    if table_path.is_file():  # claimants and sources are read at load: not in the cache key
        digest.update(_file_digest(table_path))
    metas = [("countries", cmeta), ("us-states", smeta)]
    metas += [(n, local_metas.get(n, LOCAL_FILES[n][1])) for n in LOCAL_LAYERS]
    if ameta:
        metas.append((AREAS_LAYER, ameta))
    return Plan(
        shipped_dir, Path(override_dir) if override_dir else None, tuple(specs),
        tuple({"name": n, "meta": m} for n, m in metas), cache_key, digest.hexdigest(),
        area_table, tuple(cmeta.get("disputed_overlaps", [])),
    )  # fmt: skip


def _source_layers(plan: Plan, progress: Progress) -> list[SourceLayer]:
    out = []
    for n, sources, m in plan.specs:
        progress(f"reading {n}")
        codes, geoms = _read_sources(list(sources))
        out.append(SourceLayer.from_geometries(n, m, codes, geoms, float(m["margin_m"])))
    return out


def build_arrays(plan: Plan, progress: Progress | None = None) -> tuple[dict[str, np.ndarray], Any]:
    """The full index arrays (the slow part: tens of seconds for the world)."""
    say = progress or _quiet
    src = _source_layers(plan, say)
    by = {lay.name: lay for lay in src}
    snap = (SNAP_M, WIDE_SNAP_M, WIDE_SNAP_BOXES)
    local = [by[n] for n in LOCAL_LAYERS if n in by]
    say("grid: classifying cells")
    grid, sub, sea, sea_code, keys, mixed, sea_keys, snaps = g.build_grid(
        by["countries"], by["us-states"], local, US_CODES, snap, areas=by.get(AREAS_LAYER),
        progress=say,
    )  # fmt: skip
    arrays = {"grid": grid, "sub": sub, "sea": sea, "sea_code": sea_code, **snaps}
    say("corner coverage of mixed cells")
    for k, lay in enumerate(src):
        for name, arr in lay.to_arrays(mixed).items():
            arrays[f"L{k}.{name}"] = arr
    codes = [lay.codes.tolist() for lay in src]
    return arrays, {"keys": keys, "codes": codes, "sea_keys": sea_keys}


def _layer_metas(plan: Plan, built: Mapping[str, Layer]) -> list[dict[str, Any]]:
    return [_meta(x["name"], x["meta"], built.get(x["name"])) for x in plan.layers]


def assemble(plan: Plan, arrays: dict[str, np.ndarray], extra: Any) -> BoundaryIndex:
    built: dict[str, Layer] = {}
    for k, (name, sources, meta) in enumerate(plan.specs):
        own = {n.split(".", 1)[1]: a for n, a in arrays.items() if n.startswith(f"L{k}.")}
        codes = np.array(extra["codes"][k], dtype=object)
        margin = float(meta["margin_m"])
        built[name] = Layer.from_arrays(name, meta, codes, margin, sources[0][0], own)
    keys = [(tuple(c), s, tuple(loc), bool(a)) for c, s, loc, a in extra["keys"]]
    return BoundaryIndex(
        built["countries"],
        built["us-states"],
        [built[n] for n in LOCAL_LAYERS if n in built],
        plan.version,
        _layer_metas(plan, built),
        list(plan.disputed_overlaps),
        arrays,
        keys,
        [(int(c), int(k)) for c, k in extra["sea_keys"]],
        areas=built.get(AREAS_LAYER),
        area_table=plan.area_table,
    )


def load_boundaries(
    shipped_dir: Path,
    override_dir: Path | None = None,
    *,
    wait: bool | None = None,
    progress: Progress | None = None,
) -> Any:
    """The index over the shipped layers; `override_dir` replaces states and local layers
    with Census files where it has them.

    A warm start maps the arrays the build step (`python -m service.geo.build`) or an earlier
    start left (no GEOS geometry, nothing lazy to warm). When there are none: with `wait`
    (or KRATOM_GEO_BOOTSTRAP=0) they are built here, tens of seconds; by default a
    `BootstrapIndex` answers at once from the exact path over the polygons while a child
    process builds them, and takes them over when they are ready. Either result can be
    published to request threads as is.
    """
    plan = plan_boundaries(shipped_dir, override_dir)
    found = g.find(plan.cache_key)
    if found is None:
        if wait is None:
            wait = os.environ.get("KRATOM_GEO_BOOTSTRAP", "1").lower() in ("0", "false", "no")
        if not wait:
            return BootstrapIndex.start(plan)
        found = g.cached(plan.cache_key, lambda: build_arrays(plan, progress))
    arrays, extra = found
    gc.collect()
    _trim()  # the cold build's GEOS and Arrow temporaries
    return assemble(plan, arrays, extra)


class ExactIndex(BoundaryIndex):
    """The exact path only: polygon coverage from prepared shapely geometry (no grid, no
    corner coverage), distances from the boundary pieces. Ready in a second or two; about
    a hundred times slower per point than the grid. Built in the loading thread and warmed
    there (GEOS builds its prepared indexes lazily, which is not thread-safe)."""

    @classmethod
    def from_plan(cls, plan: Plan) -> ExactIndex:
        import shapely

        src = _source_layers(plan, _quiet)
        built: dict[str, Layer] = {}
        no_cells = np.zeros(0, dtype=np.int64)
        for lay, (name, sources, meta) in zip(src, plan.specs, strict=True):
            arrays = lay.to_arrays(no_cells)
            rp = shapely.point_on_surface(lay.parts)
            for _ in range(2):  # the second call builds GEOS's prepared index
                shapely.intersects_xy(lay.parts, shapely.get_x(rp), shapely.get_y(rp))
                shapely.contains_xy(lay.parts, shapely.get_x(rp), shapely.get_y(rp))
            built[name] = Layer.from_arrays(
                name, meta, lay.codes, float(meta["margin_m"]), sources[0][0], arrays
            )
        arrays = {
            "grid": np.full(g.NROWS * g.NCOLS, g.EXACT, dtype=np.int32),
            "sub": np.zeros(0, dtype=np.int32),
            "sea": np.zeros((0, 3)),
            "sea_code": np.zeros(0, dtype=np.int32),
        }
        index = cls(
            built["countries"], built["us-states"],
            [built[n] for n in LOCAL_LAYERS if n in built], plan.version,
            _layer_metas(plan, built), list(plan.disputed_overlaps), arrays, [], [],
            areas=built.get(AREAS_LAYER), area_table=plan.area_table,
        )  # fmt: skip
        index._src = {lay.name: lay for lay in src}
        return index

    def _probe(
        self, layer: Layer, lon: float, lat: float, fi: int, fj: int
    ) -> tuple[set[int], set[int]]:
        import shapely

        src = self._src[layer.name]
        cand = src.tree.query(shapely.Point(lon, lat))
        if len(cand) == 0:
            return set(), set()
        parts = src.parts[cand]
        cover = shapely.intersects_xy(parts, lon, lat)
        inner = shapely.contains_xy(parts, lon, lat)
        return set(src.part_code[cand[cover]].tolist()), set(src.part_code[cand[inner]].tolist())

    def locate(self, lon: float, lat: float) -> Location:
        return self.locate_exact(lon, lat)


class BootstrapIndex:
    """Answers at once (from an `ExactIndex`) and from the full index as soon as a child
    process has built it: the same Locations either way, only faster once it is ready."""

    def __init__(self, early: ExactIndex, plan: Plan) -> None:
        self._early: BoundaryIndex = early
        self._full: BoundaryIndex | None = None
        self._plan = plan
        self.version = plan.version
        self.done = threading.Event()

    @classmethod
    def start(cls, plan: Plan) -> BootstrapIndex:
        log.warning(
            "boundary index not built yet (run `python -m service.geo.build` ahead of time): "
            "answering from the exact path while a child process builds it"
        )
        index = cls(ExactIndex.from_plan(plan), plan)
        threading.Thread(target=index._build, name="geo-index-build", daemon=True).start()
        return index

    @property
    def ready(self) -> bool:
        return self._full is not None

    def _build(self) -> None:
        cmd = [sys.executable, "-m", "service.geo.build", "--shipped", str(self._plan.shipped_dir)]
        cmd += ["--to-cache", "--quiet", "--nice"]
        if self._plan.override_dir is not None:
            cmd += ["--override", str(self._plan.override_dir)]
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
        }
        try:
            subprocess.run(cmd, env=env, check=True, timeout=BUILD_TIMEOUT_S)
            found = g.find(self._plan.cache_key)
            if found is None:  # an unwritable cache: nothing to take over
                log.warning("boundary index built but not stored; staying on the exact path")
                return
            self._full = assemble(self._plan, *found)
            self._early = self._full  # the exact index (and its GEOS geometry) can go
            log.info("boundary index ready")
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("boundary index build failed (%s); staying on the exact path", exc)
        finally:
            self.done.set()

    def locate(self, lon: float, lat: float) -> Location:
        full = self._full
        return full.locate(lon, lat) if full is not None else self._early.locate_exact(lon, lat)

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Location]:
        return (self._full or self._early).locate_many(lons, lats)

    def locate_exact(self, lon: float, lat: float) -> Location:
        return (self._full or self._early).locate_exact(lon, lat)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._full or self._early, name)


def _quiet(message: str) -> None:
    del message


def _trim() -> None:
    """Give freed heap back to the OS (glibc keeps it otherwise); a no-op elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
