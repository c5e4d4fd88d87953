"""The map page, its per-date status table and the shipped simplified GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "service" / "web" / "static" / "map" / "regions.json"


@pytest.fixture(scope="module")
def regions() -> dict:
    return json.loads(REGIONS.read_text(encoding="utf-8"))


def test_map_page_has_controls_legend_and_table(client):
    body = client.get("/map").get_data(as_text=True)
    assert 'type="date" id="map-date"' in body
    assert 'type="range" id="map-slider"' in body
    for word in ("Legal", "Regulated", "Restricted", "Banned", "Unknown"):
        assert f"</span>{word}</li>" in body
    assert 'data-regions="/static/web/map/regions.json"' in body
    assert '<tr data-code="US-TX">' in body
    assert 'href="/j/TH"' in body


@pytest.mark.parametrize(("day", "status"), [("2015-06-01", "legal"), ("2017-01-01", "banned")])
def test_alabama_status_on_the_map_follows_the_date(client, day, status):
    resp = client.get(f"/map/statuses.json?as_of={day}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["as_of"] == day
    assert body["statuses"]["US-AL"] == status


def test_map_statuses_include_territory_aliases(client):
    statuses = client.get("/map/statuses.json").get_json()["statuses"]
    assert statuses["PR"] == statuses["US-PR"]


def test_map_statuses_reject_a_bad_date(client):
    resp = client.get("/map/statuses.json?as_of=2021-13-01")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["field"] == "as_of"


def test_regions_file_is_small(regions):
    assert REGIONS.stat().st_size < 600_000


def test_regions_draw_states_after_the_us_country(regions):
    codes = [f["properties"]["code"] for f in regions["features"]]
    assert codes.index("US") < min(codes.index(c) for c in codes if c.startswith("US-"))
    assert {"US-TX", "US-AK", "US-HI", "US-DC", "US-PR"} <= set(codes)


def test_every_region_is_a_known_jurisdiction(regions, snap):
    unknown = [
        f["properties"]["code"]
        for f in regions["features"]
        if snap.dataset.get(f["properties"]["code"]) is None
    ]
    assert unknown == []


def test_regions_file_carries_the_openstreetmap_credit(regions):
    assert "© OpenStreetMap contributors, ODbL" in regions["attribution"]


def test_build_map_reproduces_the_shipped_file(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "regions.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_map.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == REGIONS.read_bytes()


# --- the product selector -----------------------------------------------------------------


@pytest.fixture()
def products(app, tmp_path):
    from .product_fixture import products_swapped

    with products_swapped(app, tmp_path) as snap:
        yield snap


def test_map_colours_by_leaf_unless_asked(client, products):
    leaf = client.get("/map/statuses.json").get_json()
    assert leaf["product"] == "leaf"
    assert leaf["statuses"]["US-TX"] == "regulated"
    synthetic = client.get("/map/statuses.json?product=synthetic").get_json()
    assert synthetic["product"] == "synthetic"
    assert synthetic["statuses"]["US-TX"] == "banned"
    summary = client.get("/map/statuses.json?product=all").get_json()
    assert summary["statuses"]["US-TX"] == "restricted"


def test_map_statuses_are_remembered_per_product(client, products):
    first = client.get("/map/statuses.json?product=synthetic&as_of=2026-09-01").get_json()
    leaf = client.get("/map/statuses.json?as_of=2026-09-01").get_json()
    assert first["statuses"]["US"] == "banned" and leaf["statuses"]["US"] == "legal"


@pytest.mark.parametrize("value", ["7OH", "LEAF", "restricted", "<b>"])
def test_map_rejects_an_unknown_product(client, value):
    resp = client.get("/map/statuses.json", query_string={"product": value})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["field"] == "product"
    page = client.get("/map", query_string={"product": value})
    assert page.status_code == 400 and page.get_json()["error"]["field"] == "product"


def test_map_page_has_a_labelled_product_selector_in_the_form(client):
    body = client.get("/map").get_data(as_text=True)
    form = body[body.index('<form class="map-controls"') : body.index("</form>")]
    assert '<label for="map-product">Product</label>' in form
    assert '<select id="map-product" name="product">' in form
    assert '<option value="leaf" selected>Leaf kratom</option>' in form
    for value in ("extract", "7-oh", "synthetic", "all"):
        assert f'<option value="{value}">' in form
    assert 'data-product="leaf"' in body


def test_map_page_without_javascript_follows_the_selector(client, products):
    body = client.get("/map?product=synthetic").get_data(as_text=True)
    assert '<option value="synthetic" selected>' in body
    row = body[body.index('<tr data-code="US-TX">') :]
    row = row[: row.index("</tr>")]
    assert "Banned" in row
    caption = body[body.index("<caption>") : body.index("</caption>")]
    assert "Synthetic kratom alkaloids" in caption


def test_legend_shows_restricted_only_for_all_products(client):
    leaf = client.get("/map").get_data(as_text=True)
    assert '<li data-status="restricted" hidden>' in leaf
    assert '<li data-status="banned">' in leaf
    summary = client.get("/map?product=all").get_data(as_text=True)
    assert '<li data-status="restricted">' in summary
