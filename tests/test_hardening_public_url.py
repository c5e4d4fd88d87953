"""Absolute links come from KRATOM_PUBLIC_BASE_URL only: the Host header, X-Forwarded-Host and
X-Forwarded-Prefix never appear in a page, the feed, the OpenAPI document or a header."""

from __future__ import annotations

import pytest

from service.hardening import publicurl

EVIL = {
    "Host": "zqx-host.example",
    "X-Forwarded-Host": "zqx-fwd.example",
    "X-Forwarded-Prefix": "//zqx-prefix.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.5",
}
PAGES = [
    "/",
    "/?q=texas",
    "/j/US-TX",
    "/j/us-tx",  # a redirect: its Location too
    "/map",
    "/feed.atom",
    "/embed/US-TX",
    "/example",
    "/about/data",
    "/openapi.json",
    "/badge/US-TX.svg",
    "/badge/US-TX.json",
    "/v1/jurisdictions/US-TX",
    "/v1/meta",
    "/no-such-page",
]


def _app(base: str):
    from service import create_app

    return create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_PROXY_COUNT": 1,  # behind a proxy: X-Forwarded-* are read
            "KRATOM_PUBLIC_BASE_URL": base,
        }
    )


@pytest.fixture(scope="module", params=["https://kratom.example/", ""], ids=["configured", "unset"])
def papp(request):
    return _app(request.param)


@pytest.mark.parametrize("path", PAGES)
def test_the_host_header_never_appears_in_an_answer(papp, path):
    resp = papp.test_client().get(path, headers=EVIL)
    assert resp.status_code < 500
    text = resp.get_data(as_text=True) + repr(list(resp.headers.items()))
    assert "zqx" not in text, (path, text[:300])


def test_configured_base_url_makes_the_absolute_links(papp):
    base = papp.extensions["kratom.public_base"]
    client = papp.test_client()
    page = client.get("/j/US-TX", headers=EVIL).get_data(as_text=True)
    feed = client.get("/feed.atom", headers=EVIL).get_data(as_text=True)
    spec = client.get("/openapi.json", headers=EVIL).get_json()
    card = client.get("/embed/US-TX", headers=EVIL).get_data(as_text=True)
    if base:
        assert base == "https://kratom.example"
        assert "https://kratom.example/badge/US-TX.svg" in page
        assert 'href="https://kratom.example/j/US-TX"' in feed
        assert "<id>tag:kratom-status.example,2026:changes</id>" in feed  # never the base URL
        assert spec["servers"] == [{"url": "https://kratom.example"}]
        assert 'href="https://kratom.example/j/US-TX"' in card
    else:
        assert 'src="/badge/US-TX.svg"' in page
        assert "<id>tag:kratom-status.example,2026:changes</id>" in feed
        assert "servers" not in spec
        assert 'href="/j/US-TX"' in card


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://x.example",
        "https://x.example/?a=1",
        "https://u:p@x.example",
        "kratom.example",
        "https://x.example/<b>",
    ],
)
def test_a_malformed_base_url_stops_the_start(raw):
    with pytest.raises(ValueError, match="KRATOM_PUBLIC_BASE_URL"):
        publicurl.normalise(raw)
