"""`KratomStatus.annotate` for pandas, GeoDataFrames and Dask DataFrames (optional extras).

pandas, geopandas and dask are imported only here and only when such a frame is passed, so
the package runs without them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from . import columns as cols

if TYPE_CHECKING:
    from .client import KratomStatus

NOT_A_POINT = "geometry is not a point"


def annotate(
    client: KratomStatus, df: Any, *, lat: str | None, lon: str | None, day: dt.date, prefix: str
) -> Any:
    if _is_dask(df):
        return _annotate_dask(client, df, lat=lat, lon=lon, day=day, prefix=prefix)
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"annotate takes a pandas, geopandas or Dask DataFrame, not {type(df)!r}")
    names = {c: prefix + c for c in cols.POINT_COLUMNS}
    clash = [n for n in names.values() if n in df.columns]
    if clash:
        raise ValueError(f"columns {clash} are already in the frame: pass prefix= to rename ours")
    not_point = None
    if lat is None and lon is None and _is_geo(df):
        ys, xs, not_point = _geometry_coordinates(df)
    else:
        lat, lon = lat or "lat", lon or "lon"
        for name in (lat, lon):
            if name not in df.columns:
                raise KeyError(f"no column {name!r} (choose them with lat= and lon=)")
        ys, xs = _numbers(df[lat]), _numbers(df[lon])
    found = client._columns(ys, xs, day)
    if not_point is not None and not_point.any():
        for name in cols.POINT_COLUMNS:
            found[name][not_point] = None
        found["error"][not_point] = NOT_A_POINT
    added = {
        names[c]: pd.Series(
            found[c], index=df.index, dtype="boolean" if c in cols.BOOL_COLUMNS else "str"
        )
        for c in cols.POINT_COLUMNS
    }
    return df.assign(**added)


def _numbers(series: Any) -> np.ndarray:
    """Floats, NaN where a value is missing or not a number (reported per row)."""
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _is_geo(df: Any) -> bool:
    return hasattr(df, "geometry") and type(df).__name__ == "GeoDataFrame"


def _geometry_coordinates(gdf: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, not a point) from a GeoDataFrame's geometry, in WGS 84 whatever its CRS."""
    import shapely

    geometry = gdf.geometry
    if geometry.crs is not None and not geometry.crs.equals("EPSG:4326"):
        geometry = geometry.to_crs("EPSG:4326")
    geoms = np.asarray(geometry.array, dtype=object)
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    xs = np.where(is_point, shapely.get_x(geoms), np.nan)
    ys = np.where(is_point, shapely.get_y(geoms), np.nan)
    return ys.astype(np.float64), xs.astype(np.float64), ~is_point


def _is_dask(df: Any) -> bool:
    return type(df).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(
        df, "map_partitions"
    )


def _partition(
    part: Any,
    client: KratomStatus,
    lat: str | None,
    lon: str | None,
    day: dt.date,
    prefix: str,
) -> Any:
    return annotate(client, part, lat=lat, lon=lon, day=day, prefix=prefix)


def _annotate_dask(
    client: KratomStatus, ddf: Any, *, lat: str | None, lon: str | None, day: dt.date, prefix: str
) -> Any:
    """Per partition: the client travels as its settings and dataset version (see
    KratomStatus.__reduce__), so each worker loads the data once and checks it is the same."""
    meta = annotate(client, ddf._meta, lat=lat, lon=lon, day=day, prefix=prefix)
    return ddf.map_partitions(_partition, client, lat, lon, day, prefix, meta=meta)
