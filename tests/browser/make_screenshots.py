"""Write the reader-page screenshots in docs/screenshots/ (run by hand after UI changes):

python -m tests.browser.make_screenshots
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from service import create_app

from .support import CHROMIUM_ARGS, ROOT, chromium_path, serve

OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = [
    # file, path, viewport, colour scheme, full page
    ("home-texas-desktop.png", "/?q=texas", DESKTOP, "light", False),
    ("home-texas-phone.png", "/?q=texas", PHONE, "light", False),
    ("jurisdiction-us-al-desktop.png", "/j/US-AL", DESKTOP, "light", False),
    ("map-desktop.png", "/map", DESKTOP, "light", False),
    ("map-us-dark.png", "/map", DESKTOP, "dark", False),
    ("home-thailand-dark-phone.png", "/?q=thailand", PHONE, "dark", False),
    ("home-location-near-border-phone.png", "/", PHONE, "light", False),
]
TEXARKANA_STATE_LINE = {"latitude": 33.4251, "longitude": -94.043}


def main() -> None:
    path = chromium_path()
    if path is None:
        raise SystemExit("chromium not found")
    app = create_app({"TESTING": True, "KRATOM_REFRESH_SECONDS": 0})
    OUT.mkdir(parents=True, exist_ok=True)
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        for name, url, viewport, scheme, full in SHOTS:
            located = "location" in name
            context = browser.new_context(
                base_url=base,
                viewport=viewport,
                color_scheme=scheme,
                device_scale_factor=1,
                geolocation=TEXARKANA_STATE_LINE if located else None,
                permissions=["geolocation"] if located else [],
            )
            page = context.new_page()
            page.goto(url)
            if located:
                page.get_by_role("button", name="Use my location").click()
                page.locator("#answer .alternatives").wait_for()
            if url.startswith("/map"):
                page.locator("#map[data-ready='true']").wait_for()
                if "dark" in name:
                    page.get_by_label("Area").select_option("us")
            page.screenshot(path=str(OUT / name), full_page=full)
            context.close()
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
