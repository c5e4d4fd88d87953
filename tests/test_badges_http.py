"""Badge, embed and example routes through the real app: XML, headers, caching, errors."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from service.badges import views
from service.badges.cache import Rendered, max_age
from service.badges.colors import THEMES
from service.badges.render import STYLES

NS = "{http://www.w3.org/2000/svg}"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
EMBED_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors *"


@pytest.fixture(scope="module")
def loaded(snap):
    if snap is None:
        pytest.fail("the shipped dataset did not load; see app.extensions['kratom.holder']")
    return snap


def _svg(resp) -> ET.Element:
    return ET.fromstring(resp.data)


def test_every_jurisdiction_style_and_theme_is_well_formed_svg(client, loaded) -> None:
    codes = sorted(loaded.dataset.jurisdictions)
    assert len(codes) > 250
    for code in codes:
        for style in STYLES:
            for theme in THEMES:
                resp = client.get(f"/badge/{code}.svg?style={style}&theme={theme}")
                assert resp.status_code == 200, (code, style, theme)
                root = _svg(resp)
                assert root.get("role") == "img"
                assert root.find(f"{NS}title").text == root.get("aria-label")


def test_texas_badge_says_the_resolver_sentence(client, loaded) -> None:
    from service.resolve import jurisdiction_answer, today_utc

    answer = jurisdiction_answer(loaded, "US-TX", today_utc())
    root = _svg(client.get("/badge/US-TX.svg"))
    assert root.find(f"{NS}title").text == answer["overall"]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert texts[0] == "kratom in Texas"
    assert texts[1].startswith(answer["verdict"]["status"])


def test_svg_security_headers(client, loaded) -> None:
    resp = client.get("/badge/US-TX.svg")
    assert resp.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert resp.headers["Content-Security-Policy"] == SVG_CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert b"<script" not in resp.data and b"href" not in resp.data


def test_lowercase_code_gives_the_same_badge(client, loaded) -> None:
    assert client.get("/badge/us-tx.svg").data == client.get("/badge/US-TX.svg").data


def test_cache_control_stays_within_the_refresh_interval(client, app, loaded) -> None:
    resp = client.get("/badge/US-TX.svg")
    age = int(resp.headers["Cache-Control"].removeprefix("public, max-age="))
    # KRATOM_REFRESH_SECONDS=0 turns the scheduler off: then at most 300 s.
    assert 0 <= age <= 300
    assert resp.headers["X-Dataset-Version"] == loaded.version


def test_max_age_never_runs_past_the_next_status_change(app) -> None:
    now = dt.datetime(2025, 8, 31, 23, 59, 30, tzinfo=dt.UTC)
    flips = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
    with app.app_context():
        assert max_age(Rendered(200, b"", "", "", flips), now) == 30
        assert max_age(Rendered(200, b"", "", "", None), now) == 300
        assert max_age(Rendered(404, b"", "", "", None, is_error=True), now) == 60
        app.config["KRATOM_REFRESH_SECONDS"] = 45
        try:
            assert max_age(Rendered(200, b"", "", "", None), now) == 45
        finally:
            app.config["KRATOM_REFRESH_SECONDS"] = 0


def test_etag_is_strong_and_if_none_match_gives_304_without_rendering(
    client, loaded, monkeypatch
) -> None:
    calls = []
    real = views.render_svg
    monkeypatch.setattr(views, "render_svg", lambda b: calls.append(b) or real(b))
    url = "/badge/US-FL.svg?label=etag%20flow&style=flat-square"
    first = client.get(url)
    assert first.status_code == 200 and len(calls) == 1
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"].startswith("public, max-age=")
    assert len(calls) == 1  # served from the cache
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_new_day_is_a_new_cache_key(client, loaded) -> None:
    a = client.get("/badge/US-AL.svg?as_of=2010-01-01&show_since=1")
    b = client.get("/badge/US-AL.svg?as_of=2024-01-01&show_since=1")
    assert a.status_code == b.status_code == 200
    assert a.headers["ETag"] != b.headers["ETag"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("style=round", "style"),
        ("theme=purple", "theme"),
        ("as_of=2025-02-30", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("show_since=maybe", "show_since"),
        ("label=a&label=b", "label"),
        ("label=" + "x" * 500, "label"),
        ("product=7OH", "product"),
        ("product=restricted", "product"),
        ("product=leaf&product=7-oh", "product"),
    ],
)
def test_bad_parameters_are_json_400_naming_the_field(client, loaded, query, field) -> None:
    for path in ("/badge/US-TX.svg", "/badge/US-TX.json"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 400
        assert resp.mimetype == "application/json"
        assert resp.get_json()["error"]["field"] == field


@pytest.mark.parametrize("query", ["lat=91&lon=0", "lat=0&lon=181", "lat=abc&lon=0", "lon=1"])
def test_bad_coordinates_are_json_400(client, loaded, query) -> None:
    resp = client.get(f"/badge.svg?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["field"] in ("lat", "lon")


def test_unknown_code_gives_an_error_badge_no_shared_cache_keeps(client, loaded) -> None:
    resp = client.get("/badge/XX-NOWHERE.svg?theme=dark")
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-store"
    texts = [t.text for t in _svg(resp).iter(f"{NS}text")]
    assert texts == ["kratom", "unknown place"]


def test_unknown_code_json_is_a_shields_error_badge(client, loaded) -> None:
    # shields' endpoint convention: 200 with isError, so shields shows our message
    resp = client.get("/badge/ZZ.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["schemaVersion"] == 1
    assert body["isError"] is True
    assert (body["label"], body["message"]) == ("kratom", "unknown place")
    assert 0 < body["cacheSeconds"] <= 60
    assert int(resp.headers["Cache-Control"].removeprefix("public, max-age=")) <= 60
    assert resp.headers["ETag"]


def test_shields_endpoint_schema(client, loaded) -> None:
    resp = client.get("/badge/US-TX.json?style=for-the-badge")
    assert resp.status_code == 200
    body = json.loads(resp.data)
    assert set(body) == {
        "schemaVersion",
        "label",
        "message",
        "color",
        "labelColor",
        "isError",
        "style",
        "cacheSeconds",
    }
    assert body["schemaVersion"] == 1 and body["isError"] is False
    assert body["label"] == "kratom in Texas"
    assert body["style"] == "for-the-badge"
    assert len(body["color"]) == 6 and int(body["color"], 16) >= 0
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_label_override_is_escaped_and_capped(client, loaded) -> None:
    hostile = '</text><script>alert(1)</script>"\x01' + "y" * 60
    resp = client.get("/badge/US-TX.svg", query_string={"label": hostile})
    assert resp.status_code == 200
    root = _svg(resp)
    assert root.find(f".//{NS}script") is None
    label = next(root.iter(f"{NS}text")).text
    assert label.startswith("</text><script>") and len(label) == 40


def test_point_badge_names_the_controlling_place(client, loaded) -> None:
    if loaded.geo is None:
        pytest.skip("no boundaries loaded in this build")
    resp = client.get("/badge.svg?lat=30.2672&lon=-97.7431")  # Austin, Texas
    assert resp.status_code == 200
    assert resp.headers["Content-Security-Policy"] == SVG_CSP
    root = _svg(resp)
    assert next(root.iter(f"{NS}text")).text == "kratom in Texas"
    answer = client.get("/v1/lookup?lat=30.2672&lon=-97.7431").get_json()
    assert root.find(f"{NS}title").text == answer["summary"]
    assert [t.text for t in root.iter(f"{NS}text")][1].startswith(answer["verdict"]["status"])


def test_point_badge_at_sea_says_so(client, loaded) -> None:
    if loaded.geo is None:
        pytest.skip("no boundaries loaded in this build")
    resp = client.get("/badge.svg?lat=0&lon=-140")  # mid-Pacific
    assert resp.status_code == 200
    assert [t.text for t in _svg(resp).iter(f"{NS}text")] == ["kratom at sea", "unknown"]


def test_embed_card_may_be_framed_and_links_out_safely(client, loaded) -> None:
    resp = client.get("/embed/US-TX")
    assert resp.status_code == 200
    assert resp.headers["Content-Security-Policy"] == EMBED_CSP
    assert "X-Frame-Options" not in resp.headers
    html = resp.get_data(as_text=True)
    assert 'href="/j/US-TX" target="_blank" rel="noopener"' in html
    assert "<script" not in html and " style=" not in html
    assert "source" in html and "Texas" in html
    with client.get("/embed-static/embed.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"


def test_embed_unknown_code_is_json_404(client, loaded) -> None:
    resp = client.get("/embed/XX-NOWHERE")
    assert resp.status_code == 404 and resp.mimetype == "application/json"


def test_example_article_embeds_badges_and_the_card(client, loaded) -> None:
    resp = client.get("/example")
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "img-src 'self'" in csp and "frame-src 'self'" in csp and "script" not in csp
    html = resp.get_data(as_text=True)
    assert '<img src="/badge/US-TX.svg"' in html
    assert '<iframe class="status-card" src="/embed/US-TX"' in html
    assert "Legal Status and Safety Concerns" in html
