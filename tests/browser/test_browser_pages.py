"""Reader flows in a real browser: picker, geolocation, map slider and clicks, CSP, phone width."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

TEXAS = {"latitude": 31.0, "longitude": -100.0}
TEXARKANA_STATE_LINE = {"latitude": 33.4251, "longitude": -94.043}


def csp_errors(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def test_picker_typing_texas_shows_the_texas_card(new_page):
    page = new_page()
    page.goto("/")
    page.get_by_label("State or country").fill("Texas")
    page.get_by_role("button", name="Check").click()
    card = page.locator("#answer")
    card.wait_for()
    assert card.locator("h2").inner_text() == "Kratom in Texas"
    assert "Regulated" in card.inner_text()
    assert "not legal advice" in card.inner_text()
    assert "q=Texas" in page.url


def test_use_my_location_in_texas_shows_the_answer(new_page):
    page = new_page(geolocation=TEXAS, permissions=["geolocation"])
    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    card = page.locator("#answer")
    card.get_by_role("heading", name="Kratom at your location").wait_for()
    text = card.inner_text()
    assert "Texas" in text
    assert "Regulated" in text
    assert "sources checked on" in text
    assert page.locator("#geo-status").inner_text().startswith("Answer for your location")


def test_use_my_location_on_the_texarkana_state_line_shows_both_sides(new_page):
    page = new_page(geolocation=TEXARKANA_STATE_LINE, permissions=["geolocation"])
    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    border = page.locator("#answer .alternatives")
    border.wait_for()
    assert "near a border" in border.inner_text()
    assert "Arkansas" in border.inner_text()
    assert "Banned" in border.inner_text()
    assert "Texas" in page.locator("#answer .layers").inner_text()


def test_map_slider_turns_alabama_from_legal_to_banned(new_page):
    page = new_page()
    page.goto("/map?as_of=2015-06-01")
    page.locator("#map[data-ready='true']").wait_for()
    alabama = page.locator("a.region[data-code='US-AL']")
    assert "s-legal" in alabama.get_attribute("class")
    legal_fill = alabama.locator("path").evaluate("p => getComputedStyle(p).fill")
    page.locator("#map-date").fill("2017-01-01")
    page.locator("#map[data-as-of='2017-01-01']").wait_for()
    assert "s-banned" in alabama.get_attribute("class")
    assert alabama.locator("path").evaluate("p => getComputedStyle(p).fill") != legal_fill
    assert alabama.get_attribute("aria-label") == "Alabama: Banned"
    row = page.locator("#map-table tr[data-code='US-AL'] .st")
    assert row.text_content() == "Banned"


def test_map_range_slider_moves_the_date(new_page):
    page = new_page()
    page.goto("/map?as_of=2015-06-01")
    page.locator("#map[data-ready='true']").wait_for()
    slider = page.locator("#map-slider")
    slider.focus()
    page.keyboard.press("End")
    last = slider.get_attribute("data-max")
    page.locator(f"#map[data-as-of='{last}']").wait_for()
    assert page.locator("#map-date").input_value() == last


def test_map_draws_us_states_over_the_us_polygon(new_page):
    page = new_page()
    page.goto("/map")
    page.locator("#map[data-ready='true']").wait_for()
    order = page.evaluate(
        "() => [...document.querySelectorAll('a.region')].map(a => a.dataset.code)"
    )
    assert order.index("US") < order.index("US-TX")
    assert sum(1 for c in order if c.startswith("US-")) >= 50


def test_clicking_texas_on_the_map_opens_its_page(new_page):
    page = new_page()
    page.goto("/map")
    page.locator("#map[data-ready='true']").wait_for()
    page.get_by_label("Area").select_option("us")
    page.locator("a.region[data-code='US-TX'] path").click()
    page.wait_for_url(re.compile(r"/j/US-TX$"))
    assert page.locator("h1").inner_text() == "Kratom in Texas"


def test_map_region_opens_with_the_keyboard(new_page):
    page = new_page()
    page.goto("/map")
    page.locator("#map[data-ready='true']").wait_for()
    page.locator("a.region[data-code='TH']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/j/TH$"))


@pytest.mark.parametrize("path", ["/", "/?q=texas", "/j/US-TX", "/map", "/j/NOPE"])
def test_pages_run_without_csp_violations(new_page, path):
    page = new_page()
    errors = csp_errors(page)
    page.goto(path)
    if path == "/map":
        page.locator("#map[data-ready='true']").wait_for()
    page.wait_for_load_state("networkidle")
    assert errors == []


@pytest.mark.parametrize("path", ["/?q=texas", "/j/US-TX", "/map"])
def test_phone_width_has_no_sideways_scrolling(new_page, path):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
