"""The batch rate limit trips with a JSON 429 and a Retry-After header."""

from __future__ import annotations

import multiprocessing

import pytest

from service.ratelimit import RateLimiter, client_key

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


@pytest.mark.parametrize(
    "addr,key",
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_ipv6_clients_are_grouped_by_their_64(addr, key):
    assert client_key(addr) == key


def test_rotating_through_an_ipv6_64_does_not_reset_the_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "kratom.batch_limiter", RateLimiter(1))
    assert _post(client, "2001:db8:5:6::1").status_code == 200
    assert _post(client, "2001:db8:5:6:dead:beef:0:2").status_code == 429
    assert _post(client, "2001:db8:5:7::1").status_code == 200  # another /64


def _spend(path: str, client_id: str, n: int, out) -> None:
    limiter = RateLimiter(10, path=path)
    out.put(sum(limiter.allow(client_id, now=100.0)[0] for _ in range(n)))


def test_one_limiter_is_shared_by_worker_processes(tmp_path):
    """Two processes (as two gunicorn workers) with the same file share the buckets."""
    path = str(tmp_path / "ratelimit")
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_spend, args=(path, "198.51.100.1", 8, out)) for _ in range(2)]
    for p in procs:
        p.start()
    allowed = out.get(timeout=30) + out.get(timeout=30)
    for p in procs:
        p.join(timeout=30)
    assert allowed == 10  # not 16: the second worker saw what the first spent


def test_the_table_is_bounded_however_many_clients_come():
    limiter = RateLimiter(1, max_clients=64)
    for i in range(10_000):
        assert limiter.allow(f"c{i}", now=0.0)[0]  # a new client always gets its first token
    assert len(limiter._table) == 64 * 24
    assert not limiter.allow("c9999", now=0.0)[0]  # and the latest ones are remembered
