"""The in-process response cache answers repeats exactly as the views would, never staler."""

from __future__ import annotations

import dataclasses

from service.fastpath import ResponseCache


def _cache(app) -> ResponseCache:
    layer = app.wsgi_app
    while not isinstance(layer, ResponseCache):
        layer = layer.wsgi_app
    return layer


def test_repeated_badge_is_served_from_cache_with_same_bytes(app) -> None:
    client = app.test_client()
    first = client.get("/badge/US-AL.svg?style=flat-square")
    hits = _cache(app).hits
    second = client.get("/badge/US-AL.svg?style=flat-square")
    assert _cache(app).hits == hits + 1
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert second.headers["Content-Type"] == "image/svg+xml; charset=utf-8"


def test_cached_badge_answers_304_on_matching_etag(app) -> None:
    client = app.test_client()
    etag = client.get("/badge/US-TX.svg").headers["ETag"]
    client.get("/badge/US-TX.svg")
    r = client.get("/badge/US-TX.svg", headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.data == b""
    assert r.headers["ETag"] == etag


def test_cached_max_age_never_grows(app) -> None:
    client = app.test_client()
    a = client.get("/v1/jurisdictions/TH").headers["Cache-Control"]
    b = client.get("/v1/jurisdictions/TH").headers["Cache-Control"]
    assert int(b.rpartition("=")[2]) <= int(a.rpartition("=")[2])


def test_new_dataset_version_bypasses_old_entries(app) -> None:
    client = app.test_client()
    holder = app.extensions["kratom.holder"]
    old = holder.current
    client.get("/v1/jurisdictions/US-AL")
    client.get("/v1/jurisdictions/US-AL")
    renamed = dataclasses.replace(old.dataset, version="different-version")
    holder.swap(dataclasses.replace(old, dataset=renamed, memo={}))
    try:
        body = client.get("/v1/jurisdictions/US-AL").get_json()
        assert body["dataset"]["version"] == "different-version"
    finally:
        holder.swap(old)


def test_errors_and_posts_are_not_cached(app) -> None:
    client = app.test_client()
    cache = _cache(app)
    before = len(cache.entries)
    client.get("/v1/jurisdictions/ZZ")
    client.post("/v1/jurisdictions/US-TX")
    assert len(cache.entries) == before
