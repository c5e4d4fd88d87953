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


def test_cached_response_gets_its_own_request_id(app) -> None:
    client = app.test_client()
    ids = {client.get("/badge/US-CO.svg").headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


def test_fast_point_lookup_matches_flask_answer(app) -> None:
    client = app.test_client()
    first = client.get("/v1/lookup?lat=30.2672&lon=-97.7431&as_of=2024-06-01")  # learned by Flask
    cache = _cache(app)
    before = cache.fast_lookups
    second = client.get("/v1/lookup?lat=30.2672&lon=-97.7431&as_of=2024-06-01")
    assert cache.fast_lookups == before + 1
    assert second.get_json() == first.get_json()
    drop = {"X-Request-Id", "Content-Length"}
    assert {k: v for k, v in second.headers if k not in drop} == {
        k: v for k, v in first.headers if k not in drop
    }


def test_fast_point_lookup_leaves_bad_values_to_flask(app) -> None:
    client = app.test_client()
    client.get("/v1/lookup?lat=1&lon=1")
    r = client.get("/v1/lookup?lat=91&lon=1")
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == "lat"
    r = client.get("/v1/lookup?lat=1&lon=1&lat=2")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "duplicate_parameter"
