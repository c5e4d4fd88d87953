"""Answers per product class: a table of real places, dates and the layer that controls each."""

from __future__ import annotations

import csv

import pytest

from .conftest import TEST_DATA

with (TEST_DATA / "product_verdicts.csv").open(encoding="utf-8") as fh:
    CASES = list(csv.DictReader(fh))


def _answer(client, case: dict[str, str]) -> tuple[dict, dict]:
    """(the class verdict, the whole answer) for a code or a point."""
    if case["code"]:
        r = client.get(f"/v1/jurisdictions/{case['code']}", query_string={"as_of": case["as_of"]})
        assert r.status_code == 200
        body = r.get_json()
        return body["products"][case["product"]]["verdict"], body
    r = client.get(
        "/v1/lookup", query_string={"lat": case["lat"], "lon": case["lon"], "as_of": case["as_of"]}
    )
    assert r.status_code == 200
    body = r.get_json()
    return body["products"][case["product"]], body


def _check(client, case: dict[str, str]) -> None:
    verdict, body = _answer(client, case)
    assert verdict["status"] == case["status"], (case["why"], verdict)
    assert (verdict["code"] or "") == case["controlling"], (case["why"], verdict)
    if not case["code"]:
        assert body["verdict"] == body["products"]["leaf"], "verdict is the leaf answer"
    if case["next_pending"] == "yes":
        items = (body.get("next") or {}).get("items", [])
        assert any(i["kind"] == "pending" and case["product"] in i["products"] for i in items), (
            case["why"],
            items,
        )


def _local_loaded(app) -> bool:
    geo = app.extensions["kratom.holder"].current.geo
    return any(x.get("loaded") for x in geo.layers if x.get("name", "").startswith("us-local"))


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["boundaries"] in ("any", "local")],
    ids=lambda c: f"{c['place']}:{c['product']}@{c['as_of']}",
)
def test_product_verdict(app, client, case: dict[str, str]) -> None:
    if case["boundaries"] == "local" and not _local_loaded(app):
        pytest.skip("the local boundary layer is not loaded on this server")
    _check(client, case)


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c["code"]], ids=lambda c: f"{c['place']}:{c['product']}"
)
def test_product_verdict_with_highres_boundaries(highres_app, case: dict[str, str]) -> None:
    _check(highres_app.test_client(), case)


def test_point_verdict_is_the_leaf_answer_and_products_has_all_four(client) -> None:
    body = client.get("/v1/lookup?lat=30.2672&lon=-97.7431&as_of=2026-12-06").get_json()
    assert body["verdict"] == body["products"]["leaf"]
    assert list(body["products"]) == ["leaf", "extract", "7-oh", "synthetic"]
    for key in ("stack", "alternatives", "status", "verdict"):
        assert key in body


def test_texas_summary_names_each_product_and_the_pending_federal_item(client) -> None:
    summary = client.get("/v1/lookup?lat=30.2672&lon=-97.7431&as_of=2026-12-06").get_json()[
        "summary"
    ]
    assert summary.startswith("Leaf kratom in Texas: regulated, 18+")
    assert "synthetic kratom alkaloids banned nationally since 2026-08-26" in summary
    assert "7-OH products: federal ban proposed, not in force" in summary
    assert "not researched" not in summary


def test_researched_place_never_says_not_researched(client) -> None:
    for code in ("US-TX", "US-ND", "US-GU", "US-FL", "SE"):
        body = client.get(f"/v1/jurisdictions/{code}?as_of=2026-12-06").get_json()
        assert body["researched"]
        text = " ".join(
            [body["summary"], body["overall"]]
            + [v["verdict"]["reason"] for v in body["products"].values()]
        )
        assert "not researched" not in text, code


def test_unknown_class_in_one_layer_leaves_other_classes_alone(client) -> None:
    body = client.get("/v1/jurisdictions/US-ND?as_of=2026-12-06").get_json()
    statuses = {c: v["verdict"]["status"] for c, v in body["products"].items()}
    assert statuses == {"leaf": "unknown", "extract": "unknown", "7-oh": "banned",
                        "synthetic": "banned"}  # fmt: skip
    assert body["products"]["leaf"]["verdict"]["basis"] == "unsettled"


def test_a_proposal_to_ban_what_is_already_banned_is_not_on_the_watch_list(client) -> None:
    body = client.get("/v1/jurisdictions/US-AL?as_of=2026-12-06").get_json()
    pending = [i for i in body["next"]["items"] if i["kind"] == "pending"]
    assert pending and all(i["would_change"] == [] for i in pending)
    assert body["watch"] == []
    texas = client.get("/v1/jurisdictions/US-TX?as_of=2026-12-06").get_json()
    assert any(i["would_change"] == ["7-oh"] for i in texas["watch"])
