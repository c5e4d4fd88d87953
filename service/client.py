"""The Python API: the service's answers without a server, Flask or a scheduler.

    from service import KratomStatus

    ks = KratomStatus()                                   # loads dataset + boundaries once
    ks.status(code="US-TX")                               # = GET /v1/jurisdictions/US-TX
    ks.lookup(lat=30.2672, lon=-97.7431, on="2024-06-01") # = GET /v1/lookup?lat&lon&as_of
    ks.lookup_many(lats, lons)                            # the batch path, one answer per point
    ks.annotate(df, lat="lat", lon="lon")                 # pandas / GeoDataFrame / Dask DataFrame

The answers come from the same functions the HTTP views call (`service.resolve`), over a
Snapshot built by `service.loading` exactly as the service builds it at start-up, so they are
the same answers for the same files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import columns as cols
from . import config, resolve
from .loading import load_geo, snapshot_from_dir
from .snapshot import Snapshot

__all__ = ["KratomStatus", "UnknownCode"]

Day = dt.date | str | None


class UnknownCode(LookupError):
    """No jurisdiction has this code (the HTTP API answers 404)."""


def parse_on(on: Day) -> dt.date:
    """`on` as the API's `as_of`: a date, `YYYY-MM-DD`, or None for today (UTC)."""
    if on is None:
        return resolve.today_utc()
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    if isinstance(on, str):
        try:
            return dt.date.fromisoformat(on.strip())
        except ValueError:
            raise ValueError(f"'on' must be a date as YYYY-MM-DD, got {on!r}") from None
    raise TypeError(f"'on' must be a date, a YYYY-MM-DD string or None, not {type(on).__name__}")


def check_point(lat: float, lon: float) -> tuple[float, float]:
    """The HTTP API's rules for one point, with the field named in the error."""
    out = []
    for name, value, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"'{name}' must be a number")
        number = float(value)
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise ValueError(f"'{name}' must be between {-limit:g} and {limit:g}")
        out.append(number + 0.0)  # -0.0 -> 0.0, as the API does
    return out[0], out[1]


def coordinate_errors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Per point: None, or why it has no answer (NaN marks a missing or unreadable value)."""
    errors = np.full(len(lat), None, dtype=object)
    for name, values, limit in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        missing = np.isnan(values)
        errors[missing] = f"'{name}' is missing or not a number"
        bad = ~missing & ~((values >= -limit) & (values <= limit))
        errors[bad] = f"'{name}' must be between {-limit:g} and {limit:g}"
    return errors


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Batches make one dict per point and no reference cycles; without this, every
    generation-2 collection on the way walks the whole loaded dataset (measured: lookup_many of
    200,000 points in 1.09 s with the collector, 0.48 s without)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# One loaded instance per process and settings: what a pickled KratomStatus becomes on a Dask
# worker, so every partition on that worker shares one load.
_INSTANCES: dict[tuple, KratomStatus] = {}
_INSTANCES_LOCK = threading.RLock()  # shared() holds it while __init__ registers
ROW_CACHE_MAX = 200_000


def _settings_key(settings: dict[str, Any]) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in settings.items()))


def shared(**settings: Any) -> KratomStatus:
    key = _settings_key(settings)
    with _INSTANCES_LOCK:
        found = _INSTANCES.get(key)
        if found is None:
            found = _INSTANCES[key] = KratomStatus(**settings)
    return found


class KratomStatus:
    """Loads the legal dataset and the boundaries once; answers by code or by coordinates.

    `data_dir` and `boundaries_dir` default to what the service would use: KRATOM_DATA_SOURCE
    (a directory) and KRATOM_BOUNDARIES_DIR, else the shipped data. The boundary grid is cached
    in KRATOM_CACHE_DIR (built once per set of boundary files, ~1 minute; then ~1 s to load).

    Answers are plain dicts, JSON-ready. `lookup` and `lookup_many` share nested parts between
    answers (as the service's caches do): treat them as read-only, or `copy.deepcopy` them.
    """

    def __init__(
        self, *, data_dir: str | Path | None = None, boundaries_dir: str | Path | None = None
    ) -> None:
        settings = {**config.DEFAULTS, **config.from_environment()}
        if data_dir is not None:
            settings["KRATOM_DATA_SOURCE"] = str(data_dir)
        if boundaries_dir is not None:
            settings["KRATOM_BOUNDARIES_DIR"] = str(boundaries_dir)
        source = str(settings["KRATOM_DATA_SOURCE"])
        if source.startswith(("http://", "https://")):
            raise ValueError(
                "KRATOM_DATA_SOURCE is a URL; the Python API reads a dataset directory: "
                "pass data_dir= (or unset KRATOM_DATA_SOURCE for the shipped data)"
            )
        self._settings = {
            "data_dir": data_dir,
            "boundaries_dir": boundaries_dir,
        }
        geo = load_geo(settings)
        self.snapshot: Snapshot = snapshot_from_dir(Path(source), geo)
        self._row_cache: dict[tuple, tuple] = {}  # annotate rows by (day, jurisdictions, flags)
        with _INSTANCES_LOCK:
            _INSTANCES.setdefault(_settings_key(self._settings), self)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # A Dask worker (or any other process) loads its own copy once, shared by its tasks,
        # instead of receiving tens of MB of arrays with every task.
        return (_unpickle, (self._settings, self._versions()))

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        return ("KratomStatus", _settings_key(self._settings), self._versions())

    def _versions(self) -> tuple[str, str | None]:
        geo = self.snapshot.geo
        return self.version, (geo.version if geo is not None else None)

    # -- what is loaded ----------------------------------------------------------------

    @property
    def version(self) -> str:
        """The dataset's content hash, as `dataset.version` in every answer."""
        return self.snapshot.version

    @property
    def dataset_info(self) -> dict[str, str]:
        return dict(self.snapshot.dataset_info)

    @property
    def boundary_layers(self) -> list[dict[str, Any]]:
        """Source, vintage, accuracy and attribution of each boundary layer (as /v1/meta)."""
        geo = self.snapshot.geo
        return [dict(layer) for layer in geo.layers] if geo is not None else []

    # -- answers -------------------------------------------------------------------------

    def status(self, *, code: str, on: Day = None) -> dict[str, Any]:
        """One jurisdiction on a day: the JSON of GET /v1/jurisdictions/{code}?as_of=on."""
        day = parse_on(on)
        if not isinstance(code, str) or len(code) > 80:
            raise UnknownCode(code)
        answer = resolve.jurisdiction_answer(self.snapshot, code, day)
        if answer is None:
            raise UnknownCode(code)
        return _copy(answer)

    def search(self, *, q: str, on: Day = None, limit: int = 10) -> list[dict[str, Any]]:
        """Jurisdictions by name or code, best match first (GET /v1/lookup?q=)."""
        return resolve.search(self.snapshot, q, parse_on(on), limit)

    def lookup(self, *, lat: float, lon: float, on: Day = None) -> dict[str, Any]:
        """One point: the JSON of GET /v1/lookup?lat=&lon=&as_of=on, keys in the same order."""
        lat, lon = check_point(lat, lon)
        day = parse_on(on)
        snap = self._geo_snapshot()
        answer = resolve.locate_answer(snap, lat, lon, day)
        query = answer.pop("query")
        return {"query": query, **answer}

    def lookup_many(
        self, lats: Sequence[float], lons: Sequence[float], *, on: Day = None
    ) -> list[dict[str, Any]]:
        """One answer per point, in order: the per-point answers of POST /v1/lookup/batch
        (without its `index`/`id`, with `dataset`). A point with a bad coordinate gets `{"query", "error": {code, message,
        field}}` instead of an answer, as in POST /v1/lookup/batch."""
        lat, lon = _arrays(lats, lons)
        day = parse_on(on)
        snap = self._geo_snapshot()
        errors = coordinate_errors(lat, lon)
        ok = np.flatnonzero(errors == None)  # noqa: E711 (elementwise)
        locs = snap.geo.locate_many(lon[ok], lat[ok]) if len(ok) else []
        out: list[dict[str, Any]] = [None] * len(lat)  # type: ignore[list-item]
        bases: dict[int, dict[str, Any]] = {}
        lat_l, lon_l = lat.tolist(), lon.tolist()
        with _no_cyclic_gc():
            for i, loc in zip(ok.tolist(), locs, strict=True):
                base = bases.get(id(loc))
                if base is None:
                    base = resolve.point_answer(snap, loc, 0.0, 0.0, day)
                    del base["query"]
                    bases[id(loc)] = base
                answer = base.copy()
                answer["query"] = {"lat": lat_l[i] + 0.0, "lon": lon_l[i] + 0.0}
                out[i] = answer
        for i in np.flatnonzero(errors != None).tolist():  # noqa: E711
            message = errors[i]
            out[i] = {
                "query": {"lat": _json_number(lat_l[i]), "lon": _json_number(lon_l[i])},
                "error": {
                    "code": "invalid_item",
                    "message": message,
                    "field": message.split("'")[1],
                },
            }
        return out

    def columns(
        self, lats: Sequence[float], lons: Sequence[float], *, on: Day = None
    ) -> dict[str, np.ndarray]:
        """The annotate columns (`service.columns.POINT_COLUMNS`) as object arrays, one value
        per point: the verdict's status, code and reason, the flags, per-product status and
        code, and `error` (None where the point was answered)."""
        lat, lon = _arrays(lats, lons)
        return self._columns(lat, lon, parse_on(on))

    def annotate(
        self,
        df: Any,
        *,
        lat: str | None = None,
        lon: str | None = None,
        on: Day = None,
        prefix: str = "",
    ) -> Any:
        """A copy of `df` with the annotate columns added (names from `columns`, with `prefix`).

        `df` is a pandas DataFrame (coordinates in the `lat`/`lon` columns, default "lat" and
        "lon"), a GeoDataFrame of points (its geometry, in any CRS, unless `lat`/`lon` are
        given) or a Dask DataFrame with lat/lon columns (annotated per partition; every worker
        loads its own copy once). Bad or missing coordinates give an `error` and no status; the row stays.
        """
        day = parse_on(on)  # fixed now, so every partition answers for the same day
        from . import frames

        with _no_cyclic_gc():
            return frames.annotate(self, df, lat=lat, lon=lon, day=day, prefix=prefix)

    # -- internals -----------------------------------------------------------------------

    def _geo_snapshot(self) -> Snapshot:
        snap = self.snapshot
        if snap.geo is None:
            raise RuntimeError("the boundaries could not be loaded (see the log); codes still work")
        return snap

    def _columns(self, lat: np.ndarray, lon: np.ndarray, day: dt.date) -> dict[str, np.ndarray]:
        with _no_cyclic_gc():
            return self._columns_of(lat, lon, day)

    def _columns_of(self, lat: np.ndarray, lon: np.ndarray, day: dt.date) -> dict[str, np.ndarray]:
        n = len(lat)
        errors = coordinate_errors(lat, lon)
        ok = np.flatnonzero(errors == None)  # noqa: E711 (elementwise)
        out = {name: np.full(n, None, dtype=object) for name in cols.POINT_COLUMNS}
        out["error"] = errors
        if len(ok) == 0:
            return out
        snap = self._geo_snapshot()
        locs = snap.geo.locate_many(lon[ok], lat[ok])
        # Points in one grid cell share one Location object: look each object up once. Row
        # cells do not depend on distances, so near-border and open-sea locations (each its
        # own object) share rows by their jurisdictions and flags, across calls and chunks.
        ids = np.fromiter(map(id, locs), dtype=np.int64, count=len(locs))
        _uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        names = cols.POINT_COLUMNS[:-1]
        table = np.empty((len(first), len(names)), dtype=object)
        cache = self._row_cache
        if len(cache) > ROW_CACHE_MAX:
            cache.clear()
        for k, i in enumerate(first.tolist()):
            loc = locs[i]
            key = (day, loc.countries, loc.state, loc.locals, loc.near_border, loc.approximate,
                   loc.at_sea, loc.disputed, loc.local_loaded)  # fmt: skip
            row = cache.get(key)
            if row is None:
                cells = cols.point_row(resolve.point_answer(snap, loc, 0.0, 0.0, day))
                row = cache[key] = tuple(cells[c] for c in names)
            table[k] = row
        picked = table[inverse]
        for j, name in enumerate(names):
            out[name][ok] = picked[:, j]
        return out


def _unpickle(settings: dict[str, Any], versions: tuple[str, str | None]) -> KratomStatus:
    found = shared(**settings)
    if found._versions() != versions:
        # Answers must not depend on which worker ran them: same files or no answer.
        raise RuntimeError(
            f"this process loaded dataset and boundaries {found._versions()}, the caller had "
            f"{versions}: give every worker the same data (the same package version, "
            "KRATOM_BOUNDARIES_DIR, or data_dir= and boundaries_dir=)"
        )
    return found


def _arrays(lats: Sequence[float], lons: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(lats, dtype=np.float64).ravel()
    lon = np.asarray(lons, dtype=np.float64).ravel()
    if lat.shape != lon.shape:
        raise ValueError(f"lats and lons differ in length ({len(lat)} and {len(lon)})")
    return lat, lon


def _json_number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _copy(answer: dict[str, Any]) -> dict[str, Any]:
    """A caller's own copy (the resolver's answers are cached and shared)."""
    import copy

    return copy.deepcopy(answer)
