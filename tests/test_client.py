"""The Python API (service.client): the HTTP answers without Flask, by code, point and batch."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from service import columns as cols
from service.client import KratomStatus, UnknownCode, parse_on
from service.jsonout import html_safe_json

from .conftest import ROOT, TEST_DATA

with (TEST_DATA / "client_points.csv").open(encoding="utf-8") as fh:
    POINTS = list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def ks() -> KratomStatus:
    return KratomStatus()


def _query(p: dict[str, str]) -> str:
    q = f"/v1/lookup?lat={p['lat']}&lon={p['lon']}"
    return q + (f"&as_of={p['as_of']}" if p["as_of"] else "")


def test_import_of_the_python_api_loads_no_flask():
    code = (
        "import sys, service, service.client, service.columns; "
        "from service import KratomStatus; "
        "assert 'flask' not in sys.modules and 'werkzeug' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('flask', 'werkzeug')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_loaded_client_has_no_flask_scheduler_or_thread():
    code = (
        "import sys, threading; from service import KratomStatus; ks = KratomStatus(); "
        "ks.lookup(lat=30.2672, lon=-97.7431); "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'apscheduler')); "
        "assert not loaded, loaded; "
        "assert threading.active_count() == 1, threading.enumerate()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("p", POINTS, ids=[p["name"] for p in POINTS])
def test_lookup_is_the_http_answer_byte_for_byte(ks, client, p):
    http = client.get(_query(p))
    assert http.status_code == 200
    on = p["as_of"] or None
    answer = ks.lookup(lat=float(p["lat"]), lon=float(p["lon"]), on=on)
    assert html_safe_json(answer) == http.data


@pytest.mark.parametrize("code", ["US-TX", "us-tx", "TH", "PR", "US-CA:san-diego-city", "US"])
def test_status_is_the_http_jurisdiction_answer(ks, client, code):
    http = client.get(f"/v1/jurisdictions/{code}?as_of=2024-06-01")
    assert html_safe_json(ks.status(code=code, on=dt.date(2024, 6, 1))) == http.data


def test_status_answers_are_the_callers_own(ks):
    first = ks.status(code="US-TX")
    first["status"] = "changed by the caller"
    first["history"].clear()
    again = ks.status(code="US-TX")
    assert again["status"] != "changed by the caller" and again["history"]


@pytest.mark.parametrize("code", ["XX", "US-ZZ", "", "x" * 81, "US-TX:nowhere"])
def test_unknown_code_raises_unknown_code(ks, code):
    with pytest.raises(UnknownCode):
        ks.status(code=code)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91, 0, "'lat' must be between -90 and 90"),
        (0, -180.5, "'lon' must be between -180 and 180"),
        (float("nan"), 0, "'lat' must be between -90 and 90"),
        (0, float("inf"), "'lon' must be between -180 and 180"),
    ],
)
def test_lookup_names_the_bad_coordinate(ks, lat, lon, message):
    with pytest.raises(ValueError, match=message):
        ks.lookup(lat=lat, lon=lon)


def test_lookup_takes_keywords_only(ks):
    with pytest.raises(TypeError):
        ks.lookup(30.2672, -97.7431)  # type: ignore[misc]
    with pytest.raises(TypeError):
        ks.status("US-TX")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("on", "day"),
    [
        (None, None),
        ("2024-06-01", dt.date(2024, 6, 1)),
        (dt.date(2024, 6, 1), dt.date(2024, 6, 1)),
        (dt.datetime(2024, 6, 1, 23, 59), dt.date(2024, 6, 1)),
    ],
)
def test_on_accepts_dates_strings_and_none(on, day):
    assert parse_on(on) == (day or dt.datetime.now(dt.UTC).date())


@pytest.mark.parametrize("on", ["2024-02-30", "yesterday", "06/01/2024"])
def test_on_rejects_what_is_not_a_date(on):
    with pytest.raises(ValueError, match="'on' must be a date"):
        parse_on(on)


def test_lookup_many_gives_each_point_its_lookup_answer(ks):
    lats = [float(p["lat"]) for p in POINTS]
    lons = [float(p["lon"]) for p in POINTS]
    many = ks.lookup_many(lats, lons, on="2024-06-01")
    assert len(many) == len(POINTS)
    for lat, lon, answer in zip(lats, lons, many, strict=True):
        assert answer == ks.lookup(lat=lat, lon=lon, on="2024-06-01")


def test_lookup_many_answers_bad_points_in_place(ks):
    many = ks.lookup_many([30.2672, 95.0, float("nan")], [-97.7431, 0.0, 0.0], on="2024-06-01")
    assert many[0]["verdict"]["status"]
    assert many[1]["error"] == {
        "code": "invalid_item",
        "message": "'lat' must be between -90 and 90",
        "field": "lat",
    }
    assert many[2]["error"]["field"] == "lat" and many[2]["query"]["lat"] is None


def test_lookup_many_rejects_lists_of_different_lengths(ks):
    with pytest.raises(ValueError, match="differ in length"):
        ks.lookup_many([1.0, 2.0], [1.0])


def test_columns_are_the_cells_of_each_lookup(ks):
    rng = np.random.default_rng(17)
    lats = np.concatenate([rng.uniform(24, 50, 3000), rng.uniform(-60, 70, 2000)])
    lons = np.concatenate([rng.uniform(-125, -66, 3000), rng.uniform(-180, 180, 2000)])
    found = ks.columns(lats, lons, on="2024-06-01")
    assert set(found) == set(cols.POINT_COLUMNS)
    for i in range(0, len(lats), 37):
        expected = cols.point_row(ks.lookup(lat=lats[i], lon=lons[i], on="2024-06-01"))
        assert {c: found[c][i] for c in cols.POINT_COLUMNS} == expected


def test_columns_of_every_flag_case_match_lookup(ks):
    lats = [float(p["lat"]) for p in POINTS]
    lons = [float(p["lon"]) for p in POINTS]
    found = ks.columns(lats, lons, on="2024-06-01")
    for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        expected = cols.point_row(ks.lookup(lat=lat, lon=lon, on="2024-06-01"))
        assert {c: found[c][i] for c in cols.POINT_COLUMNS} == expected


def test_at_sea_row_has_no_status_but_unknown(ks):
    found = ks.columns([0.0], [-140.0], on="2024-06-01")
    assert found["at_sea"][0] is True
    assert found["status"][0] == "unknown" and found["code"][0] is None


def test_products_columns_follow_the_answers_products():
    answer = {
        "verdict": {"status": "regulated", "code": "US-TX", "reason": "r"},
        "products": {
            "leaf": {"status": "regulated", "code": "US-TX", "reason": "r"},
            "extract": {"status": "regulated", "code": "US-TX", "reason": "r"},
            "7-oh": {"status": "banned", "code": "US", "reason": "r"},
            "synthetic": {"status": "banned", "code": "US-TX", "reason": "r"},
        },
        "near_border": False,
        "approximate": False,
        "at_sea": False,
        "disputed": False,
    }
    row = cols.point_row(answer)
    assert (row["status_leaf"], row["status_7oh"], row["code_7oh"]) == ("regulated", "banned", "US")
    assert row["status_synthetic"] == "banned" and row["code_extract"] == "US-TX"


def test_product_columns_of_real_answers(ks):
    """Before the per-product answers exist, leaf repeats the verdict; after, each class
    comes from `products` (and leaf still equals the verdict)."""
    answer = ks.lookup(lat=30.2672, lon=-97.7431, on="2024-06-01")
    row = cols.point_row(answer)
    assert (row["status_leaf"], row["code_leaf"]) == (
        answer["verdict"]["status"],
        answer["verdict"]["code"],
    )
    for product in cols.PRODUCT_CLASSES:
        suffix = cols.product_suffix(product)
        given = (answer.get("products") or {}).get(product)
        assert row[f"status_{suffix}"] == (given or {}).get("status", row[f"status_{suffix}"])


def test_a_url_data_source_is_refused_with_advice(monkeypatch):
    monkeypatch.setenv("KRATOM_DATA_SOURCE", "https://example.invalid/latest.json")
    with pytest.raises(ValueError, match="pass data_dir="):
        KratomStatus()


def test_pickled_client_is_the_process_wide_instance(ks):
    import pickle

    first = pickle.loads(pickle.dumps(ks))
    assert first.version == ks.version
    assert pickle.loads(pickle.dumps(ks)) is first  # loaded once per process
    assert len(pickle.dumps(ks)) < 1000  # settings and version, not the arrays


def test_shared_loads_a_new_setting_once_without_deadlock():
    import threading

    from service import client as client_module
    from service.config import SHIPPED_DATA

    found: list[KratomStatus] = []
    worker = threading.Thread(
        target=lambda: found.extend(
            client_module.shared(data_dir=str(SHIPPED_DATA), boundaries_dir=None) for _ in range(2)
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "shared() did not return (lock held while loading?)"
    assert found[0] is found[1]


def test_a_worker_with_other_data_refuses_to_answer(ks):
    from service.client import _unpickle

    with pytest.raises(RuntimeError, match="give every worker the same data"):
        _unpickle(ks._settings, ("another-dataset", ks.snapshot.geo.version))


def test_batches_leave_the_garbage_collector_as_they_found_it(ks):
    import gc

    assert gc.isenabled()
    ks.lookup_many([30.2672], [-97.7431])
    ks.columns([30.2672, 95.0], [-97.7431, 0.0])
    assert gc.isenabled()
    gc.disable()
    try:
        ks.lookup_many([30.2672], [-97.7431])
        assert not gc.isenabled()
    finally:
        gc.enable()
