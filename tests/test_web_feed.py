"""The Atom feed of status changes: well-formed, complete entries, links to reader pages."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from service.web.feed import build_feed

A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def feed(app) -> ET.Element:
    resp = app.test_client().get("/feed.atom")
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    return ET.fromstring(resp.data)


def test_feed_has_the_required_atom_elements(feed):
    assert feed.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{A}{tag}") is not None, tag
    # no KRATOM_PUBLIC_BASE_URL: links are root-relative, never from the Host header
    assert feed.find(f"{A}link[@rel='self']").get("href") == "/feed.atom"
    assert feed.findtext(f"{A}id") == "tag:kratom-status.example,2026:changes"


def test_every_entry_has_id_title_updated_and_a_page_link(feed):
    entries = feed.findall(f"{A}entry")
    assert len(entries) > 10
    ids = set()
    for e in entries:
        ids.add(e.findtext(f"{A}id"))
        assert e.findtext(f"{A}title")
        dt.datetime.strptime(e.findtext(f"{A}updated"), "%Y-%m-%dT%H:%M:%SZ")
        href = e.find(f"{A}link[@rel='alternate']").get("href")
        assert href.startswith("/j/")
    assert len(ids) == len(entries)


def test_feed_lists_alabama_ban_of_2016(feed):
    titles = [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")]
    assert "Alabama: legal → banned from 2016-05-10" in titles


def test_feed_escapes_markup_in_the_data():
    change = {
        "date": "2020-01-01",
        "date_precision": "day",
        "code": "XX",
        "name": "<script>alert(1)</script> & Co",
        "level": "country",
        "from_status": "legal",
        "to_status": "banned",
        "status_changed": True,
        "lifecycle": "enacted",
        "age_min": None,
        "law": 'Act "1" <b>',
        "confidence": "high",
        "sources": ["https://example.org/?a=1&b=2"],
        "summary": "Kratom in <script>: banned",
    }
    raw = build_feed([change], "http://h", "2026-01-01T00:00:00Z", dt.date(2026, 1, 1))
    assert b"<script>" not in raw
    entry = ET.fromstring(raw).find(f"{A}entry")
    assert entry.findtext(f"{A}title").startswith("<script>alert(1)</script> & Co")
    assert "https://example.org/?a=1&b=2" in entry.findtext(f"{A}summary")


def _change(**kw) -> dict:
    base = {
        "date": "2025-08-13",
        "date_precision": "day",
        "code": "US-FL",
        "name": "Florida",
        "level": "state",
        "products": ["leaf", "extract", "7-oh", "synthetic"],
        "from_status": "regulated",
        "to_status": "banned",
        "status_changed": True,
        "lifecycle": "emergency",
        "age_min": None,
        "law": "Test rule",
        "confidence": "medium",
        "sources": [],
        "summary": "Kratom in Florida: banned",
    }
    return {**base, **kw}


@pytest.mark.parametrize(
    ("products", "title"),
    [
        (["7-oh"], "7-OH products in Florida: regulated → banned from 2025-08-13"),
        (
            ["7-oh", "synthetic"],
            "7-OH products and synthetic kratom alkaloids in Florida: regulated → banned "
            "from 2025-08-13",
        ),
        (["leaf", "extract", "7-oh", "synthetic"], "Florida: regulated → banned from 2025-08-13"),
    ],
)
def test_entry_title_names_the_classes_that_changed(products, title):
    raw = build_feed(
        [_change(products=products)], "http://h", "2026-01-01T00:00:00Z", dt.date(2026, 1, 1)
    )
    assert ET.fromstring(raw).find(f"{A}entry").findtext(f"{A}title") == title


def test_feed_names_a_class_change_of_the_data(app, tmp_path):
    from .product_fixture import FEDERAL_BAN, products_swapped

    with products_swapped(app, tmp_path):
        feed = ET.fromstring(app.test_client().get("/feed.atom").data)
    titles = [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")]
    assert (
        f"Synthetic kratom alkaloids in United States: legal → banned from {FEDERAL_BAN}" in titles
    )
