"""Browser fixtures: a live server and one chromium per session; skip cleanly when absent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .support import CHROMIUM_ARGS, chromium_path, serve


@pytest.fixture(scope="session")
def live_url(app) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright==1.65.2)"
    )
    path = chromium_path()
    if path is None:
        pytest.skip("chromium not found: apt-get install -y chromium, or set KRATOM_CHROMIUM")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def new_page(chromium, live_url):
    """new_page(**context_options) -> a page on a fresh context; closed after the test."""
    contexts = []

    def make(**options: Any):
        options.setdefault("base_url", live_url)
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
