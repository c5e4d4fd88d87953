"""Answers per product in a real browser: the card's per-product table (picker and "use my
location"), the watch list, and the map's product selector recolouring a region."""

from __future__ import annotations

import pytest

from ..product_fixture import WATCH_TITLE, products_swapped
from .support import AXE_JS

pytestmark = pytest.mark.browser

AUSTIN = {"latitude": 30.2672, "longitude": -97.7431}


@pytest.fixture()
def products(app, tmp_path):
    with products_swapped(app, tmp_path) as snap:
        yield snap


def product_statuses(card) -> dict[str, str]:
    rows = card.locator("table.products tbody tr")
    return {
        rows.nth(i).get_attribute("data-product"): rows.nth(i).locator(".pill").inner_text()
        for i in range(rows.count())
    }


def test_picker_card_shows_a_row_per_product(new_page, products):
    page = new_page()
    page.goto("/")
    page.get_by_label("State or country").fill("Texas")
    page.get_by_role("button", name="Check").click()
    card = page.locator("#answer")
    card.wait_for()
    assert product_statuses(card) == {
        "leaf": "Regulated",
        "extract": "Regulated",
        "7-oh": "Regulated",
        "synthetic": "Banned",
    }
    synthetic = card.locator("tr[data-product='synthetic']")
    assert "United States" in synthetic.inner_text()
    assert card.get_by_role("link", name="United States").first.is_visible()
    watch = card.locator("ul.watch")
    assert WATCH_TITLE in watch.inner_text()
    assert "notice of intent published" in watch.inner_text()


def test_use_my_location_shows_the_same_per_product_table(new_page, products):
    page = new_page(geolocation=AUSTIN, permissions=["geolocation"])
    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    card = page.locator("#answer")
    card.get_by_role("heading", name="Kratom at your location").wait_for()
    assert product_statuses(card)["synthetic"] == "Banned"
    assert product_statuses(card)["leaf"] == "Regulated"
    assert WATCH_TITLE in card.locator("ul.watch").inner_text()
    assert page.evaluate("document.activeElement.id") == "answer"
    assert "lat=" not in page.url  # the position stays out of the address bar


def test_product_table_fits_a_phone(new_page, products):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto("/?q=texas")
    page.locator("table.products").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    label = page.locator("tr[data-product='leaf'] td").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert "Status" in label


def test_map_product_selector_recolours_texas(new_page, products):
    page = new_page()
    page.goto("/map")
    page.locator("#map[data-ready='true']").wait_for()
    texas = page.locator("a.region[data-code='US-TX']")
    assert "s-regulated" in texas.get_attribute("class")
    leaf_fill = texas.locator("path").evaluate("p => getComputedStyle(p).fill")
    page.get_by_label("Product").select_option("synthetic")
    page.locator("#map[data-product='synthetic']").wait_for()
    assert "s-banned" in texas.get_attribute("class")
    assert texas.locator("path").evaluate("p => getComputedStyle(p).fill") != leaf_fill
    assert page.locator("#map-table tr[data-code='US-TX'] .st").text_content() == "Banned"
    assert "product=synthetic" in page.url
    assert page.locator("#map-status").inner_text().startswith("Synthetic kratom alkaloids")


def test_map_product_selector_works_with_the_keyboard(new_page, products):
    page = new_page()
    page.goto("/map")
    page.locator("#map[data-ready='true']").wait_for()
    select = page.get_by_label("Product")
    select.focus()
    page.keyboard.press("End")  # the last choice: all products, one word per place
    page.locator("#map[data-product='all']").wait_for()
    assert "s-restricted" in page.locator("a.region[data-code='US-TX']").get_attribute("class")
    assert page.locator("#map-legend li[data-status='restricted']").is_visible()


def test_map_without_javascript_submits_the_product(new_page, products):
    page = new_page(java_script_enabled=False)
    page.goto("/map")
    page.get_by_label("Product").select_option("synthetic")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/map?*product=synthetic*")
    row = page.locator("#map-table tr[data-code='US-TX'] .st")
    assert row.text_content() == "Banned"


@pytest.mark.parametrize("path", ["/?q=texas", "/j/US-TX", "/map?product=all"])
def test_product_views_have_no_serious_axe_violations(new_page, products, path):
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: run `npm ci` at the repository root")
    page = new_page(bypass_csp=True)
    page.goto(path)
    if path.startswith("/map"):
        page.locator("#map[data-ready='true']").wait_for()
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
