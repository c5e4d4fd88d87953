"""BoundaryIndex: point -> Location over the country, state and local layers."""

from __future__ import annotations

import array
import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import grid as g
from .layer import Layer, lon_wrap
from .location import Location

US_CODES = frozenset({"US", "PR", "VI", "GU", "MP", "AS", "UM"})
_INV = 1.0 / g.RES
SLIVER_SNAP_M = 50.0  # OSM neighbours leave gaps of tens of metres
SNAP_M = 6_000.0  # 3-nmi state waters, piers, harbours
WIDE_SNAP_M = 20_000.0  # 9-nmi waters (TX, Gulf FL, PR) and the Great Lakes
# (lon0, lat0, lon1, lat1) boxes where the wide snap radius applies
WIDE_SNAP_BOXES = (
    (-97.9, 24.0, -80.3, 30.8),  # Texas and Gulf coast of Florida
    (-68.2, 17.6, -65.1, 18.8),  # Puerto Rico
    (-92.3, 41.3, -75.9, 49.1),  # Great Lakes
)

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
    ) -> None:
        self.countries = countries
        self.states = states
        self.local_layers = local_layers
        self.version = version
        self.layers = layers
        self.disputed_overlaps = disputed_overlaps
        self.local_loaded = bool(local_layers)
        grid, keys = g.cached_grid(
            version, lambda: g.build_grid(countries, states, local_layers, US_CODES)
        )
        self._table: list[Location] = [
            Location(
                countries=c, state=s, locals=loc, disputed=len(c) > 1,
                local_loaded=self.local_loaded,
            )
            for c, s, loc in keys
        ]  # fmt: skip
        self._grid_np = grid.astype(np.int32, copy=False)
        self._grid = array.array("i", self._grid_np.tobytes())
        self._objs = np.empty(len(self._table) + 1, dtype=object)
        self._objs[: len(self._table)] = self._table  # index -1 -> None (exact path)
        self.grid_pure_fraction = float((self._grid_np >= 0).mean())

    # -- lookups -------------------------------------------------------------------------

    def locate(self, lon: float, lat: float) -> Location:
        """Jurisdictions at (lon, lat) in degrees. Raises ValueError on NaN or infinity."""
        # NaN fails both comparisons and ends in locate_exact, which raises
        if -180.0 <= lon < 180.0 and -90.0 <= lat < 90.0:
            v = self._grid[int((lat + 90.0) * _INV) * g.NCOLS + int((lon + 180.0) * _INV)]
            if v >= 0:
                return self._table[v]
            if v == g.SEA:
                return self._open_sea(lon, lat)
        return self.locate_exact(lon, lat)

    def _open_sea(self, lon: float, lat: float) -> Location:
        """Grid said: no polygon within any margin, so only the nearest country is needed."""
        near = self.countries.nearest(lon, lat)
        nearest = (self.countries.codes[near[0]], round(near[1], 1)) if near else None
        return Location(at_sea=True, nearest=nearest, local_loaded=self.local_loaded)

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Location]:
        """Vectorised `locate`: grid cells in one numpy pass, the rest point by point."""
        x = np.asarray(lons, dtype=np.float64)
        y = np.asarray(lats, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("lons and lats must be 1-d and the same length")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("coordinates must be finite")
        j = np.floor((x + 180.0) * (1 / g.RES)).astype(np.int64)
        i = np.floor((y + 90.0) * (1 / g.RES)).astype(np.int64)
        inside = (i >= 0) & (i < g.NROWS) & (j >= 0) & (j < g.NCOLS)
        v = np.full(len(x), -1, dtype=np.int32)
        v[inside] = self._grid_np[i[inside] * g.NCOLS + j[inside]]
        out = self._objs[v].tolist()
        for k in np.flatnonzero(v == g.SEA).tolist():
            out[k] = self._open_sea(float(x[k]), float(y[k]))
        for k in np.flatnonzero(v == -1).tolist():
            out[k] = self.locate_exact(float(x[k]), float(y[k]))
        return out

    def locate_exact(self, lon: float, lat: float) -> Location:
        """The full path (polygon tests, margins, snapping); the grid only short-cuts it."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError("coordinates must be finite")
        lon = lon_wrap(lon)
        lat = min(90.0, max(-90.0, lat))
        alternatives: list[tuple[str, str, float]] = []
        approximate = at_sea = False
        nearest: tuple[str, float] | None = None

        cl = self.countries
        hits = _on_edge(cl, lon, lat, _covering(cl, lon, lat), alternatives)
        countries = tuple(sorted({cl.codes[k] for k in hits}))
        self._alternatives(cl, lon, lat, hits, alternatives)
        if not countries:
            near = cl.nearest(lon, lat)
            if near is not None and near[1] <= SLIVER_SNAP_M:
                countries = (cl.codes[near[0]],)
                approximate = True
            else:
                at_sea = True
                if near is not None:
                    nearest = (cl.codes[near[0]], round(near[1], 1))

        state: str | None = None
        locals_: tuple[str, ...] = ()
        if any(c in US_CODES for c in countries):
            sl = self.states
            shits = _on_edge(sl, lon, lat, _covering(sl, lon, lat), alternatives)
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
                lhits = _covering(ll, lon, lat)
                found.extend(ll.codes[k] for k in lhits)
                self._alternatives(ll, lon, lat, lhits, alternatives)
            locals_ = tuple(sorted(found))

        alternatives.sort(key=lambda a: (a[2], a[0]))
        return Location(
            countries=countries,
            state=state,
            locals=locals_,
            near_border=bool(alternatives),
            alternatives=tuple(alternatives),
            approximate=approximate,
            at_sea=at_sea,
            nearest=nearest,
            disputed=len(countries) > 1,
            local_loaded=self.local_loaded,
        )

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


def _covering(layer: Layer, lon: float, lat: float) -> list[int]:
    hits = layer.covering(lon, lat)
    if lon == -180.0:  # the same meridian as +180: polygons cut there touch either side
        hits = sorted(set(hits) | set(layer.covering(180.0, lat)))
    return hits


def _on_edge(
    layer: Layer, lon: float, lat: float, hits: list[int], out: list[tuple[str, str, float]]
) -> list[int]:
    """Several covering polygons: keep those holding the point inside; edge ones become
    alternatives at 0 m. Exactly on a line, the lowest code wins and the rest are offered.

    Only true overlaps (disputed areas) then give more than one code.
    """
    if len(hits) < 2:
        return hits
    inner = layer.interior(lon, lat, hits)
    if not inner:
        inner = [min(hits, key=lambda k: layer.codes[k])]
    for k in hits:
        if k not in inner:
            out.append((layer.codes[k], layer.name, 0.0))
    return inner


def _wide_snap(lon: float, lat: float) -> bool:
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in WIDE_SNAP_BOXES)


def _meta(name: str, meta: dict[str, Any], layer: Layer | None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    out.update({k: meta.get(k) for k in META_KEYS})
    out["loaded"] = layer is not None
    out["features"] = layer.features if layer is not None else 0
    return out


def load_boundaries(shipped_dir: Path, override_dir: Path | None = None) -> BoundaryIndex:
    """Load the shipped layers, replacing states and adding locals from `override_dir`.

    Everything (trees, prepared polygons, grid) is built and warmed here, in the calling
    thread, so the returned index can be published to request threads as is.
    """
    shipped_dir = Path(shipped_dir)
    layers_json = json.loads((shipped_dir / "layers.json").read_text())
    digest = hashlib.sha256(f"grid{g.GRID_FORMAT}".encode())

    def read(path: Path) -> Path:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        return path

    cmeta = layers_json["countries"]
    countries = Layer.from_parquet(
        "countries", read(shipped_dir / cmeta["file"]), cmeta, float(cmeta["margin_m"])
    )
    hi = Path(override_dir) / STATES_HIGHRES if override_dir else None
    if hi is not None and hi.is_file():
        smeta = STATES_HIGHRES_META
        states = Layer.from_parquet("us-states", read(hi), smeta, float(smeta["margin_m"]))
    else:
        smeta = layers_json["us-states"]
        states = Layer.from_parquet(
            "us-states", read(shipped_dir / smeta["file"]), smeta, float(smeta["margin_m"])
        )
    layers = [_meta("countries", cmeta, countries), _meta("us-states", smeta, states)]
    local_layers: list[Layer] = []
    for name, (fname, lmeta) in LOCAL_FILES.items():
        p = Path(override_dir) / fname if override_dir else None
        lay = None
        if p is not None and p.is_file():
            lay = Layer.from_parquet(name, read(p), lmeta, float(lmeta["margin_m"]))
            local_layers.append(lay)
        layers.append(_meta(name, lmeta, lay))
    digest.update(json.dumps(layers_json, sort_keys=True).encode())
    return BoundaryIndex(
        countries,
        states,
        local_layers,
        digest.hexdigest(),
        layers,
        cmeta.get("disputed_overlaps", []),
    )
