"""Badges per product: leaf with the other classes' bans by default, `?product=` for one class,
the shields JSON alike, and the product in every cache key."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.badges.words import bans_suffix, verdict_badge

from .product_fixture import products_swapped

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture()
def products(app, tmp_path):
    with products_swapped(app, tmp_path) as snap:
        yield snap


def texts(resp) -> list[str]:
    return [t.text or "" for t in ET.fromstring(resp.data).iter(f"{NS}text")]


def title(resp) -> str:
    return ET.fromstring(resp.data).find(f"{NS}title").text


def _v(status: str, **kw) -> dict:
    return {"status": status, **kw}


@pytest.mark.parametrize(
    ("statuses", "suffix"),
    [
        (("legal", "legal", "legal", "legal"), ""),
        (("legal", "legal", "banned", "legal"), " · 7-OH banned"),
        (("regulated", "legal", "banned", "banned"), " · 7-OH, synthetics banned"),
        (("legal", "banned", "banned", "banned"), " · extracts, 7-OH +1 banned"),
        (("banned", "banned", "banned", "banned"), ""),
        (("unknown", "unknown", "banned", "unknown"), " · 7-OH banned"),
    ],
)
def test_bans_suffix_names_at_most_two_classes(statuses, suffix):
    verdicts = dict(zip(("leaf", "extract", "7-oh", "synthetic"), map(_v, statuses), strict=True))
    assert bans_suffix(verdicts) == suffix


def test_default_badge_is_leaf_with_bans_coloured_restricted():
    verdicts = {
        "leaf": _v("regulated", age_min=18),
        "extract": _v("regulated", age_min=18),
        "7-oh": _v("banned", reason="7-OH products in X: banned"),
        "synthetic": _v("regulated"),
    }
    common = {"name": "X", "summary": "S", "style": "flat", "theme": "light", "label": None}
    badge = verdict_badge(verdicts, product=None, show_since=False, **common)
    assert (badge.label, badge.message, badge.role, badge.title) == (
        "kratom in X",
        "regulated 18+ · 7-OH banned",
        "restricted",
        "S",
    )
    one = verdict_badge(verdicts, product="7-oh", show_since=False, **common)
    assert (one.label, one.message, one.role, one.title) == (
        "7-OH in X",
        "banned",
        "banned",
        "7-OH products in X: banned",
    )


def test_show_since_says_before_when_only_the_earliest_day_is_known():
    verdicts = {"leaf": _v("banned", since="2018-05-08", since_precision="before")}
    badge = verdict_badge(
        verdicts,
        name="X",
        summary="S",
        product=None,
        style="flat",
        theme="light",
        label=None,
        show_since=True,
    )
    assert badge.message == "banned since before 2018-05-08"


def test_texas_badge_appends_the_federal_synthetics_ban(client, products):
    resp = client.get("/badge/US-TX.svg")
    assert resp.status_code == 200
    assert texts(resp) == ["kratom in Texas", "regulated 18+ · synthetics banned"]
    assert "synthetic kratom alkaloids banned nationally" in title(resp)


@pytest.mark.parametrize(
    ("product", "label", "message"),
    [
        ("leaf", "leaf kratom in Texas", "regulated 18+"),
        ("extract", "kratom extracts in Texas", "regulated 18+"),
        ("7-oh", "7-OH in Texas", "regulated 18+"),
        ("synthetic", "synthetic alkaloids in Texas", "banned"),
    ],
)
def test_product_badge_answers_one_class(client, products, product, label, message):
    resp = client.get(f"/badge/US-TX.svg?product={product}")
    assert resp.status_code == 200
    assert texts(resp) == [label, message]
    shields = client.get(f"/badge/US-TX.json?product={product}").get_json()
    assert (shields["label"], shields["message"]) == (label, message)


def test_product_badge_title_is_that_class_reason(client, products):
    from service.resolve import jurisdiction_answer, today_utc

    answer = jurisdiction_answer(products, "US-TX", today_utc())
    resp = client.get("/badge/US-TX.svg?product=synthetic")
    assert title(resp) == answer["products"]["synthetic"]["verdict"]["reason"]


def test_label_override_still_wins_on_a_product_badge(client, products):
    resp = client.get("/badge/US-TX.svg?product=7-oh&label=7-OH%20here")
    assert texts(resp)[0] == "7-OH here"


def test_product_is_part_of_the_cache_key(client, products):
    seen = {
        client.get(f"/badge/US-TX.svg?product={p}").headers["ETag"] for p in ("leaf", "synthetic")
    }
    seen.add(client.get("/badge/US-TX.svg").headers["ETag"])
    assert len(seen) == 3
    again = client.get("/badge/US-TX.svg?product=synthetic")
    assert texts(again)[1] == "banned"


def test_product_badge_survives_the_response_cache(app, products):
    """Through the WSGI fast path (service/fastpath.py), keyed on path and query string."""
    from service.fastpath import ResponseCache

    layer = app.wsgi_app
    while not isinstance(layer, ResponseCache):
        layer = layer.wsgi_app
    client = app.test_client()
    answers = []
    for _ in range(2):
        plain = client.get("/badge/US-TX.json").get_json()["message"]
        one = client.get("/badge/US-TX.json?product=synthetic").get_json()["message"]
        answers.append((plain, one))
    hits = layer.hits
    client.get("/badge/US-TX.json?product=synthetic")
    assert layer.hits == hits + 1
    assert answers == [("regulated 18+ · synthetics banned", "banned")] * 2


def test_unknown_code_with_a_product_is_still_the_error_badge(client):
    resp = client.get("/badge/XX-NOWHERE.svg?product=7-oh")
    assert resp.status_code == 404
    assert texts(resp) == ["kratom", "unknown place"]


def test_point_badge_takes_a_product(client, products):
    if products.geo is None:
        pytest.skip("no boundaries loaded in this build")
    resp = client.get("/badge.svg?lat=30.2672&lon=-97.7431&product=synthetic")
    assert resp.status_code == 200
    assert texts(resp) == ["synthetic alkaloids in Texas", "banned"]
    plain = client.get("/badge.svg?lat=30.2672&lon=-97.7431")
    assert texts(plain) == ["kratom in Texas", "regulated 18+ · synthetics banned"]


def test_embed_card_shows_the_leaf_headline_and_the_bans(client, products):
    html = client.get("/embed/US-TX").get_data(as_text=True)
    assert '<span class="key">Leaf kratom</span>' in html
    assert "<strong>Regulated</strong> (18+)" in html
    assert "Synthetic kratom alkaloids (United States)" in html
    assert 'class="card status-restricted"' in html


def test_embed_card_for_an_unsettled_place_says_why(client, snap):
    from service.resolve import jurisdiction_answer, today_utc

    code = next(
        c
        for c in sorted(snap.dataset.jurisdictions)
        if (a := jurisdiction_answer(snap, c, today_utc()))["verdict"]["status"] == "unknown"
        and a["verdict"].get("basis") == "unsettled"
    )
    html = client.get(f"/embed/{code}").get_data(as_text=True)
    assert "<strong>Unknown (unsettled)</strong>" in html
    assert "not researched" not in html
