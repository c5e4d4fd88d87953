"""The batch rate limit trips with a JSON 429 and a Retry-After header."""

from __future__ import annotations

from service.ratelimit import RateLimiter

BODY = b'[{"lat": 31, "lon": -100}]'


def _post(client, addr: str = "192.0.2.10"):
    return client.post(
        "/v1/lookup/batch",
        data=BODY,
        content_type="application/json",
        environ_base={"REMOTE_ADDR": addr},
    )


def test_batch_rate_limit_trips_with_retry_after(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "kratom.batch_limiter", RateLimiter(3))
    assert [_post(client).status_code for _ in range(3)] == [200, 200, 200]
    resp = _post(client)
    assert resp.status_code == 429
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"]["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.headers["Cache-Control"] == "no-store"  # a shared cache must not keep a 429
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_rate_limit_is_per_client(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "kratom.batch_limiter", RateLimiter(1))
    assert _post(client, "192.0.2.20").status_code == 200
    assert _post(client, "192.0.2.20").status_code == 429
    assert _post(client, "192.0.2.21").status_code == 200


def test_forged_forwarded_for_does_not_reset_the_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "kratom.batch_limiter", RateLimiter(1))
    assert _post(client, "192.0.2.30").status_code == 200
    resp = client.post(
        "/v1/lookup/batch",
        data=BODY,
        content_type="application/json",
        headers={"X-Forwarded-For": "198.51.100.77"},
        environ_base={"REMOTE_ADDR": "192.0.2.30"},
    )
    assert resp.status_code == 429


def test_limiter_refills_over_time():
    limiter = RateLimiter(60)
    for _ in range(60):
        assert limiter.allow("c", now=0.0)[0]
    allowed, wait = limiter.allow("c", now=0.0)
    assert not allowed and 0 < wait <= 1.0
    assert limiter.allow("c", now=1.0)[0]
