"""Write the reader-page screenshots in docs/screenshots/ and the badge pictures in docs/
(run by hand after UI changes, then look at every PNG):

python -m tests.browser.make_screenshots
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from service import create_app

from .support import CHROMIUM_ARGS, ROOT, chromium_path, serve

OUT = ROOT / "docs" / "screenshots"
DOCS = ROOT / "docs"
DESKTOP = {"width": 1280, "height": 800}
TALL = {"width": 1280, "height": 1100}
PHONE = {"width": 390, "height": 844}
SHOTS = [
    # file, path, viewport, colour scheme, full page
    ("home-texas-desktop.png", "/?q=texas", TALL, "light", False),
    ("home-texas-phone.png", "/?q=texas", PHONE, "light", False),
    ("jurisdiction-us-al-desktop.png", "/j/US-AL", DESKTOP, "light", False),
    ("map-desktop.png", "/map", DESKTOP, "light", False),
    ("map-us-dark.png", "/map?product=7-oh", DESKTOP, "dark", False),
    ("home-thailand-dark-phone.png", "/?q=thailand", PHONE, "dark", False),
    ("home-location-near-border-phone.png", "/", PHONE, "light", False),
]
TEXARKANA_STATE_LINE = {"latitude": 33.4251, "longitude": -94.043}
BADGE_CODES = ["US-TX", "US-AL", "US-FL", "TH", "CI", "CW", "TR", "AX", "ST"]
BADGE_EXTRAS = [
    # query, what it shows
    ("US-FL.svg?product=7-oh", "one product"),
    ("US-TX.svg?product=leaf", "leaf only"),
    ("US-CA.svg?show_since=1", "show_since"),
    ("US-TX.svg?label=Status%20in%20Texas", "label override"),
    ("XX-NOWHERE.svg", "unknown place"),
]


def badge_page(base: str) -> str:
    """Every style (theme=auto) for a few places, then the options, as one page."""
    rows = []
    for style in ("flat", "flat-square", "for-the-badge"):
        imgs = "".join(
            f'<img src="{base}/badge/{code}.svg?style={style}&amp;theme=auto" alt="">'
            for code in BADGE_CODES
        )
        rows.append(f"<h2>{style}, theme=auto</h2><p>{imgs}</p>")
    extras = "".join(f'<img src="{base}/badge/{q}" alt="">' for q, _ in BADGE_EXTRAS)
    names = ", ".join(what for _, what in BADGE_EXTRAS)
    rows.append(f"<h2>{names}</h2><p>{extras}</p>")
    return (
        '<!doctype html><html><head><meta name="color-scheme" content="light dark"><style>'
        "body{font:14px sans-serif;margin:16px;background:#fff;color:#1f2328}"
        "@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}}"
        "h2{font-size:13px;margin:12px 0 6px}img{margin:0 6px 6px 0;vertical-align:middle}"
        f"</style></head><body>{''.join(rows)}</body></html>"
    )


def badge_shots(browser, base: str) -> None:
    for scheme in ("light", "dark"):
        context = browser.new_context(
            viewport={"width": 1100, "height": 420}, color_scheme=scheme, device_scale_factor=1
        )
        page = context.new_page()
        page.set_content(badge_page(base), wait_until="networkidle")
        out = DOCS / f"badges-{scheme}.png"
        page.screenshot(path=str(out), full_page=True)
        context.close()
        print(out)
    context = browser.new_context(
        base_url=base, viewport={"width": 900, "height": 700}, device_scale_factor=1
    )
    page = context.new_page()
    page.goto("/example", wait_until="networkidle")
    out = DOCS / "badges-example-article.png"
    page.screenshot(path=str(out))
    context.close()
    print(out)


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
        badge_shots(browser, base)
        browser.close()


if __name__ == "__main__":
    main()
