"""Point lookups end to end: the stack, the controlling verdict and honest flags."""

from __future__ import annotations

import csv

import pytest

from .conftest import TEST_DATA

with (TEST_DATA / "point_verdicts.csv").open(encoding="utf-8") as fh:
    CASES = list(csv.DictReader(fh))


def _check(client, case: dict[str, str]) -> None:
    r = client.get(
        "/v1/lookup", query_string={"lat": case["lat"], "lon": case["lon"], "as_of": case["as_of"]}
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["verdict"]["status"] == case["verdict_status"], (case["why"], body["verdict"])
    assert (body["verdict"]["code"] or "") == case["verdict_code"], case["why"]
    codes = [s["code"] for s in body["stack"]]
    assert set(case["stack_contains"].split()) <= set(codes), codes


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["boundaries"] == "any"], ids=lambda c: c["name"]
)
def test_point_verdict_with_shipped_boundaries(client, case: dict[str, str]) -> None:
    _check(client, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_point_verdict_with_highres_boundaries(highres_app, case: dict[str, str]) -> None:
    _check(highres_app.test_client(), case)


def test_at_sea_has_no_stack_and_no_invented_status(client) -> None:
    body = client.get("/v1/lookup?lat=30&lon=-40").get_json()
    assert body["at_sea"] is True
    assert body["stack"] == []
    assert body["verdict"]["status"] == "unknown"
    assert body["nearest"]["code"] and body["nearest"]["distance_m"] > 12 * 1852


def test_disputed_area_lists_every_claimant(client) -> None:
    body = client.get("/v1/lookup?lat=44.9521&lon=34.1024").get_json()
    assert body["disputed"] is True
    assert {"RU", "UA"} <= {s["code"] for s in body["stack"]}


def test_san_diego_is_banned_by_the_city_with_shipped_boundaries_only(client) -> None:
    """The README's example works on a fresh clone (no KRATOM_BOUNDARIES_DIR)."""
    body = client.get("/v1/lookup?lat=32.7157&lon=-117.1611&as_of=2024-06-01").get_json()
    assert body["local_layer"] == "loaded"
    assert body["verdict"]["status"] == "banned"
    assert body["verdict"]["code"] == "US-CA:san-diego-city"
    assert not any("not loaded" in n for n in body["notes"])


def test_near_state_line_is_flagged_with_other_side(client) -> None:
    # Texarkana: State Line Avenue is the TX/AR border; this point is metres from it.
    body = client.get("/v1/lookup?lat=33.4418&lon=-94.0377").get_json()
    assert body["near_border"] is True
    assert {a["code"] for a in body["alternatives"]} & {"US-TX", "US-AR"}


def test_verdict_is_most_restrictive_known_layer(client) -> None:
    body = client.get("/v1/lookup?lat=33.2098&lon=-87.5692").get_json()
    severity = {"legal": 0, "regulated": 1, "restricted": 2, "banned": 3}
    known = [s for s in body["stack"] if s["status"] != "unknown"]
    if body["verdict"]["status"] != "unknown":
        assert severity[body["verdict"]["status"]] == max(severity[s["status"]] for s in known)


def test_batch_answers_in_input_order_with_item_errors(client) -> None:
    items = [
        {"lat": 30.2672, "lon": -97.7431, "id": "austin"},
        {"lat": "nan", "lon": 1, "id": "bad"},
        {"lat": 13.7563, "lon": 100.5018, "id": "bkk"},
    ]
    r = client.post("/v1/lookup/batch?as_of=2024-06-01", json=items)
    assert r.status_code == 200
    body = r.get_json()
    assert [x.get("id") for x in body["results"]] == ["austin", "bad", "bkk"]
    assert body["results"][1]["error"]["field"] == "lat"
    assert body["results"][0]["verdict"]["code"] == "US-TX"
    assert body["errors"] == 1


def test_batch_accepts_geojson_and_csv(client) -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": 1,
                "geometry": {"type": "Point", "coordinates": [100.5018, 13.7563]},
            }
        ],
    }
    assert (
        client.post("/v1/lookup/batch", json=fc).get_json()["results"][0]["verdict"]["code"] == "TH"
    )
    r = client.post(
        "/v1/lookup/batch", data="lat,lon,id\n13.7563,100.5018,bkk\n", content_type="text/csv"
    )
    assert r.get_json()["results"][0]["id"] == "bkk"


def test_batch_over_the_limit_is_413(app) -> None:
    client = app.test_client()
    limit = app.config["KRATOM_BATCH_MAX_POINTS"]
    r = client.post("/v1/lookup/batch", json=[{"lat": 0, "lon": 0}] * (limit + 1))
    assert r.status_code == 413
    assert r.get_json()["error"]["field"] == "body"


def test_batch_of_ten_thousand_points(client) -> None:
    import random

    rnd = random.Random(3)
    items = [{"lat": rnd.uniform(25, 49), "lon": rnd.uniform(-124, -67)} for _ in range(10_000)]
    r = client.post("/v1/lookup/batch", json=items)
    assert r.status_code == 200
    assert len(r.get_json()["results"]) == 10_000
