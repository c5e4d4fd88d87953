"""`KratomStatus.annotate` on pandas DataFrames, GeoDataFrames and Dask DataFrames (two workers
of a distributed.LocalCluster)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from service import columns as cols
from service.client import KratomStatus

DAY = "2024-06-01"


@pytest.fixture(scope="session")
def ks() -> KratomStatus:
    return KratomStatus()


def _frame(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "store": [f"s{i}" for i in range(n)],
            "latitude": np.round(rng.uniform(24, 50, n), 5),
            "longitude": np.round(rng.uniform(-125, -66, n), 5),
        },
        index=pd.RangeIndex(1000, 1000 + n),
    )


def _cells(ks: KratomStatus, lat: float, lon: float) -> dict:
    return cols.point_row(ks.lookup(lat=lat, lon=lon, on=DAY))


def _row_cells(row: pd.Series, prefix: str = "") -> dict:
    out = {}
    for c in cols.POINT_COLUMNS:
        v = row[prefix + c]
        out[c] = None if pd.isna(v) else (bool(v) if c in cols.BOOL_COLUMNS else v)
    return out


def test_annotate_adds_the_columns_to_a_copy(ks):
    df = _frame(2_000)
    out = ks.annotate(df, lat="latitude", lon="longitude", on=DAY)
    assert list(out.columns) == [*df.columns, *cols.POINT_COLUMNS]
    assert list(df.columns) == ["store", "latitude", "longitude"]  # the input is not changed
    assert out.index.equals(df.index)
    assert str(out["status"].dtype) == "str" and str(out["near_border"].dtype) == "boolean"
    for i in range(0, len(df), 101):
        row = out.iloc[i]
        assert _row_cells(row) == _cells(ks, row["latitude"], row["longitude"])


def test_annotate_rows_without_an_answer_keep_their_place(ks):
    df = pd.DataFrame({"lat": [30.2672, None, 95.0, 13.7563], "lon": ["-97.7431", "0", "0", "x"]})
    out = ks.annotate(df, on=DAY)
    assert out["error"].isna().tolist() == [True, False, False, False]
    assert out.loc[1, "error"] == "'lat' is missing or not a number"
    assert out.loc[2, "error"] == "'lat' must be between -90 and 90"
    assert out.loc[3, "error"] == "'lon' is missing or not a number"
    assert out["status"].isna().tolist() == [False, True, True, True]
    assert out["near_border"].isna().tolist() == [False, True, True, True]


def test_annotate_with_a_prefix_and_a_clash(ks):
    df = pd.DataFrame({"lat": [30.2672], "lon": [-97.7431], "status": ["open"]})
    with pytest.raises(ValueError, match="pass prefix="):
        ks.annotate(df)
    out = ks.annotate(df, prefix="kratom_", on=DAY)
    assert out.loc[0, "status"] == "open"
    assert _row_cells(out.iloc[0], "kratom_") == _cells(ks, 30.2672, -97.7431)


def test_annotate_names_a_missing_column(ks):
    with pytest.raises(KeyError, match="no column 'lat'"):
        ks.annotate(pd.DataFrame({"y": [1.0], "x": [2.0]}))


def test_annotate_of_an_empty_frame_has_the_columns(ks):
    out = ks.annotate(pd.DataFrame({"lat": pd.Series([], dtype=float), "lon": []}))
    assert list(out.columns) == ["lat", "lon", *cols.POINT_COLUMNS] and len(out) == 0


def test_annotate_geodataframe_in_any_crs(ks):
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import LineString, Point

    pts = [(-97.7431, 30.2672), (100.5018, 13.7563), (-87.5692, 33.2098)]
    gdf = gpd.GeoDataFrame(
        {"name": ["austin", "bangkok", "tuscaloosa", "a road", "nothing"]},
        geometry=[*(Point(x, y) for x, y in pts), LineString([(0, 0), (1, 1)]), None],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    out = ks.annotate(gdf, on=DAY)
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == gdf.crs
    for i, (x, y) in enumerate(pts):
        assert _row_cells(out.iloc[i]) == _cells(ks, y, x)
    assert out["error"].tolist()[3:] == ["geometry is not a point"] * 2
    assert out["status"].isna().tolist()[3:] == [True, True]


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_annotate_dask_dataframe_on_two_workers(ks, dask_client):
    import dask.dataframe as dd

    df = _frame(20_000, seed=11)
    ddf = dd.from_pandas(df, npartitions=8)
    annotated = ks.annotate(ddf, lat="latitude", lon="longitude", on=DAY)
    assert list(annotated.columns) == [*df.columns, *cols.POINT_COLUMNS]
    result = annotated.compute()
    expected = ks.annotate(df, lat="latitude", lon="longitude", on=DAY)
    ours = list(cols.POINT_COLUMNS)
    pd.testing.assert_frame_equal(result[ours], expected[ours])
    # dask may give the input's text column its own string dtype; the values stay
    pd.testing.assert_frame_equal(result[list(df.columns)], df, check_dtype=False)
    # both workers did the work, each with its own copy of the data, loaded once
    workers = dask_client.run(
        lambda: sorted(repr(k) for k in __import__("service.client").client._INSTANCES)
    )
    assert len(workers) == 2 and all(len(keys) == 1 for keys in workers.values())
