"""axe-core finds no serious or critical accessibility violations, in light and dark mode."""

from __future__ import annotations

import pytest

from .support import AXE_JS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/?q=texas", "/j/US-TX", "/map"])
def test_no_serious_axe_violations(new_page, path, scheme):
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: run `npm ci` at the repository root")
    # CSP forbids injected scripts (rightly); the audit context bypasses it.
    page = new_page(bypass_csp=True, color_scheme=scheme)
    page.goto(path)
    if path == "/map":
        page.locator("#map[data-ready='true']").wait_for()
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []


def test_location_card_has_no_serious_axe_violations(new_page):
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: run `npm ci` at the repository root")
    page = new_page(
        bypass_csp=True,
        geolocation={"latitude": 33.4251, "longitude": -94.043},
        permissions=["geolocation"],
    )
    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    page.locator("#answer .alternatives").wait_for()
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
