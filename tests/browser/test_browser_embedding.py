"""The article site's view: a badge in an <img> and the card in an <iframe>, from another origin."""

from __future__ import annotations

import pytest
from flask import Flask

from .support import serve

pytestmark = pytest.mark.browser


def _article_site(service_url: str) -> Flask:
    """A stand-in article page on another port (another origin) that embeds our badge and card,
    with the strict embedding policy a careful site might send."""
    site = Flask("article-site")

    @site.get("/")
    def article():  # type: ignore[no-untyped-def]
        body = (
            "<!doctype html><html lang=en><title>Article</title><h1>Legal status</h1>"
            f'<img id=tx src="{service_url}/badge/US-TX.svg" alt="Kratom in Texas">'
            f'<img id=dark src="{service_url}/badge/US-AL.svg?theme=dark&style=for-the-badge" alt="Alabama">'
            f'<iframe id=card src="{service_url}/embed/US-TX" title="Kratom in Texas"></iframe>'
        )
        return body, 200, {"Cross-Origin-Embedder-Policy": "require-corp"}

    return site


def test_badge_and_card_load_on_another_origin(chromium, live_url) -> None:
    with serve(_article_site(live_url)) as site_url:
        assert site_url != live_url
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(site_url)
            page.wait_for_load_state("load")
            for img in ("#tx", "#dark"):
                width = page.eval_on_selector(img, "el => el.complete ? el.naturalWidth : -1")
                assert width > 0, f"{img} did not render on a require-corp page"
            frame = page.frame_locator("#card")
            assert "Texas" in frame.locator("body").inner_text()
        finally:
            context.close()
