"""Batch bodies are measured and counted while they are read, never parsed whole first; numbers
are parsed like GET parameters; the answer is compact unless the full one is asked for."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest

from service.api import batch
from service.api.errors import ApiError

MiB = 1024 * 1024


def _peak_bytes(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        try:
            result: object = fn()
        except ApiError as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_million_non_objects_are_refused_at_the_first_item_over_the_limit():
    body = b"[" + b"1," * (MiB - 1) + b"1]"  # 2 MiB, a million items
    result, peak = _peak_bytes(
        lambda: batch.parse_body(body, "application/json", max_points=10_000)
    )
    assert isinstance(result, ApiError)
    assert (result.status, result.code, result.field) == (413, "too_many_points", "body")
    assert "10000" in result.message
    assert peak < 4 * MiB  # a tuple per item at most: not a dict (was +430-530 MB per request)


def test_a_million_empty_objects_are_refused_without_building_them():
    body = b"[" + b"{}," * (700_000 - 1) + b"{}]"
    result, peak = _peak_bytes(lambda: batch.parse_body(body, "application/json", 10_000))
    assert isinstance(result, ApiError) and result.status == 413
    assert peak < 4 * MiB


def test_one_item_of_two_mebibytes_of_nested_junk_is_skipped_not_built():
    body = b'[{"lat": 1, "lon": 2, "junk": [' + b"[]," * (700_000 - 1) + b"[]]}]"
    result, peak = _peak_bytes(lambda: batch.parse_body(body, "application/json", 10_000))
    assert result == [batch.Point(1.0, 2.0, None)]
    assert peak < 2 * MiB


def test_csv_rows_are_counted_while_read():
    body = b"lat,lon\n" + b"1,2\n" * 20_000
    with pytest.raises(ApiError) as info:
        batch.parse_body(body, "text/csv", 10_000)
    assert info.value.status == 413 and info.value.field == "body"


def test_a_body_past_the_byte_limit_is_refused_while_streaming():
    stream = io.BytesIO(b"[" + b"1," * MiB + b"1]")
    with pytest.raises(ApiError) as info:
        batch.parse_stream(stream, "application/json", max_points=10**9, max_bytes=MiB)
    assert info.value.status == 413 and str(MiB) in info.value.message
    assert stream.tell() <= MiB + 2 * batch.CHUNK  # stopped reading near the limit


def test_a_transport_failure_while_reading_is_a_json_400():
    class Broken:
        def read(self, n: int) -> bytes:
            raise OSError("Invalid chunk size")  # what gunicorn raises mid-body

    with pytest.raises(ApiError) as info:
        batch.parse_stream(Broken(), "application/json", 10, 100)
    assert (info.value.status, info.value.field) == (400, "body")


@pytest.mark.parametrize(
    "raw", ["١٢", "１０", "1_0", "nan", "inf", " 12 x", "0x10", "1e999", "", "12\n3"]
)
def test_batch_numbers_are_parsed_like_get_parameters(client, raw):
    r = client.post("/v1/lookup/batch", json=[{"lat": raw, "lon": 0}])
    assert r.status_code == 200
    item = r.get_json()["results"][0]
    assert item["error"]["field"] == "lat", item
    assert client.get("/v1/lookup", query_string={"lat": raw, "lon": "0"}).status_code == 400


def test_csv_numbers_are_parsed_like_get_parameters(client):
    body = "lat,lon,id\n١٢,1,arabic\n１０,1,fullwidth\n1_0,1,underscore\n12,1,ok\n"
    r = client.post("/v1/lookup/batch", data=body.encode(), content_type="text/csv")
    results = r.get_json()["results"]
    assert [x.get("error", {}).get("field") for x in results] == ["lat", "lat", "lat", None]


def test_decimal_strings_are_still_accepted(client):
    r = client.post("/v1/lookup/batch", json=[{"lat": " 31.5 ", "lon": "-100"}])
    assert r.get_json()["results"][0]["verdict"]["code"]


def test_compact_answer_by_default_full_on_request(client):
    items = [{"lat": 30.2672, "lon": -97.7431, "id": "austin"}]
    compact = client.post("/v1/lookup/batch?as_of=2024-06-01", json=items).get_json()
    assert compact["detail"] == "compact"
    item = compact["results"][0]
    assert set(item) >= {"index", "id", "verdict", *batch.FLAGS}
    assert set(item["verdict"]) == {"status", "code"}
    assert "stack" not in item and "reason" not in item["verdict"]
    full = client.post("/v1/lookup/batch?as_of=2024-06-01&detail=full", json=items).get_json()
    assert full["detail"] == "full"
    whole = full["results"][0]
    assert whole["stack"] and whole["verdict"]["reason"]
    assert whole["verdict"]["status"] == item["verdict"]["status"]
    assert whole["verdict"]["code"] == item["verdict"]["code"] == "US-TX"
    assert len(client.post("/v1/lookup/batch?detail=verbose", json=items).get_json()) == 1


def test_ten_thousand_compact_answers_are_a_fraction_of_the_full_ones(client):
    items = [{"lat": 25 + (i % 24), "lon": -124 + (i % 57)} for i in range(10_000)]
    compact = client.post("/v1/lookup/batch", json=items).get_data()
    full = client.post("/v1/lookup/batch?detail=full", json=items).get_data()
    assert len(compact) * 5 < len(full)


def test_batch_items_carry_per_product_statuses(client):
    """Texas on 2026-12-06: leaf, extracts and 7-OH regulated; synthetics banned federally."""
    point = {"lat": 30.2672, "lon": -97.7431}
    item = client.post("/v1/lookup/batch?as_of=2026-12-06", json=[point]).get_json()
    assert item["results"][0]["products"] == {
        "leaf": "regulated",
        "extract": "regulated",
        "7-oh": "regulated",
        "synthetic": "banned",
    }
    assert item["results"][0]["verdict"]["status"] == "regulated"


def test_batch_csv_has_a_column_per_product(client):
    body = client.post(
        "/v1/lookup/batch?format=csv&as_of=2026-12-06", json=[{"lat": 30.2672, "lon": -97.7431}]
    ).get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(body)))
    assert (row["status"], row["status_leaf"], row["status_7oh"], row["status_synthetic"]) == (
        "regulated",
        "regulated",
        "regulated",
        "banned",
    )


def test_geojson_feature_ids_and_bad_geometries(client):
    fc = {
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "p"},
                "geometry": {"type": "Point", "coordinates": [100.5, 13.75]},
            },
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0]]}},
            {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [1]}},
            "junk",
        ],
        "type": "FeatureCollection",  # after the features: the order of keys does not matter
    }
    results = client.post("/v1/lookup/batch", json=fc).get_json()["results"]
    assert results[0]["id"] == "p" and results[0]["verdict"]["code"] == "TH"
    assert [r["error"]["field"] for r in results[1:]] == ["geometry", "coordinates", "geometry"]
    assert results[2]["id"] == 7


def test_an_integer_beyond_64_bits_is_valid_json(client):
    """JSON allows any integer; the fast C parser stops beyond 64 bits, so the body is read
    again by the Python one. Such an id comes back as its digits."""
    body = (
        b'{"points": [{"lat": 30.2672, "lon": -97.7431, "id": 123456789012345678901234}],'
        b' "note": 99999999999999999999999}'
    )
    r = client.post("/v1/lookup/batch", data=body, content_type="application/json")
    assert r.status_code == 200, r.get_json()
    item = r.get_json()["results"][0]
    assert item["verdict"]["code"] == "US-TX" and item["id"] == "123456789012345678901234"


def test_a_big_integer_in_a_large_body_is_read_again_from_a_spooled_copy():
    filler = b'{"lat": 1, "lon": 2},' * 20_000  # ~420 KiB: past what is kept in memory
    body = b"[" + filler + b'{"lat": 1, "lon": 2, "id": 18446744073709551616}]'
    items = batch.parse_body(body, "application/json", 100_000)
    assert len(items) == 20_001 and items[-1].id == "18446744073709551616"
