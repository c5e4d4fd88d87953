"""Security headers, CORS, request ids, the body-size guard and ProxyFix."""

from __future__ import annotations

import pytest
from flask import Flask, request

from service.hardening import headers as sec
from service.hardening import proxy


def test_json_api_answer_has_cors_and_security_headers(client):
    resp = client.get("/v1/jurisdictions/US-TX")
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_json_error_has_cors_so_browsers_can_read_it(client):
    resp = client.get("/v1/jurisdictions/ZZ-NOPE")
    assert resp.status_code == 404
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_preflight_for_batch_allows_json_posts_from_any_origin(client):
    resp = client.options(
        "/v1/lookup/batch",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in resp.headers["Access-Control-Allow-Headers"]


def test_html_page_without_its_own_policy_gets_the_strict_csp():
    app = Flask(__name__)
    sec_app_init(app)

    @app.get("/page")
    def page():
        return "<p>hi</p>"

    resp = app.test_client().get("/page")
    assert resp.headers["Content-Security-Policy"] == sec.HTML_CSP
    assert "frame-ancestors 'none'" in sec.HTML_CSP
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_own_csp_of_a_view_is_kept():
    app = Flask(__name__)
    sec_app_init(app)

    @app.get("/embed")
    def embed():
        return "<p>card</p>", 200, {"Content-Security-Policy": "frame-ancestors *"}

    resp = app.test_client().get("/embed")
    assert resp.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "X-Frame-Options" not in resp.headers


def test_embed_card_keeps_frame_ancestors_star(client):
    resp = client.get("/embed/US-TX")
    if resp.status_code == 404 and resp.mimetype == "application/json":
        pytest.skip("no embed route in this build")
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_every_html_page_has_a_csp_and_nosniff(app, client):
    for path in ("/", "/map", "/j/US-TX", "/about/data", "/example"):
        if path not in {r.rule for r in app.url_map.iter_rules()} and path != "/j/US-TX":
            continue
        resp = client.get(path)
        if resp.mimetype != "text/html":
            continue
        assert resp.headers.get("Content-Security-Policy"), path
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path


def test_badge_keeps_its_own_script_free_csp(client):
    resp = client.get("/badge/US-TX.svg")
    assert resp.status_code == 200
    assert resp.headers["Content-Security-Policy"] != sec.HTML_CSP
    assert "script-src 'self'" not in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_request_id_is_generated_and_echoed(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert len(first) == 32 and first != second


def test_sane_incoming_request_id_is_kept(client):
    resp = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a:42"})
    assert resp.headers["X-Request-Id"] == "lb-7f3a:42"


@pytest.mark.parametrize("bad", ["", "a b", "x" * 129, "<script>", "ü", "id\tx"])
def test_insane_incoming_request_id_is_replaced(client, bad):
    resp = client.get("/healthz", headers={"X-Request-Id": bad})
    assert resp.headers["X-Request-Id"] != bad
    assert len(resp.headers["X-Request-Id"]) == 32


def test_error_responses_carry_the_request_id(client):
    resp = client.get("/no/such/route", headers={"X-Request-Id": "trace-1"})
    assert resp.status_code == 404
    assert resp.headers["X-Request-Id"] == "trace-1"


@pytest.mark.parametrize("method,path", [("POST", "/v1/lookup/batch"), ("GET", "/v1/meta")])
def test_ten_megabyte_body_is_a_json_413(client, method, path):
    resp = client.open(
        path, method=method, data=b"0" * (10 * 1024 * 1024), content_type="application/json"
    )
    assert resp.status_code == 413
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"]["code"] == "too_large"


def test_body_just_under_the_flask_limit_reaches_the_batch_view(app, client):
    limit = int(app.config["KRATOM_BATCH_MAX_BYTES"])
    body = b"[" + b" " * (limit - 2) + b"]"
    resp = client.post("/v1/lookup/batch", data=body, content_type="application/json")
    assert resp.status_code == 200
    assert resp.get_json()["count"] == 0


def test_forwarded_for_is_ignored_without_trusted_proxies(app):
    assert app.extensions["kratom.proxy_count"] == 0
    with app.test_request_context(
        "/", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    ):
        assert request.remote_addr == "10.0.0.1"


def test_proxy_count_one_trusts_the_last_forwarded_address():
    app = Flask(__name__)
    app.config["KRATOM_PROXY_COUNT"] = 1
    proxy.init_app(app)

    @app.get("/ip")
    def ip():
        return f"{request.remote_addr} {request.scheme}"

    resp = app.test_client().get(
        "/ip",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert resp.get_data(as_text=True) == "203.0.113.9 https"


@pytest.mark.parametrize("raw", ["-1", "two", "11"])
def test_bad_proxy_count_fails_at_start(raw):
    with pytest.raises(ValueError, match="KRATOM_PROXY_COUNT"):
        proxy.proxy_count({"KRATOM_PROXY_COUNT": raw})


def test_proxy_count_defaults_to_zero():
    assert proxy.proxy_count({}) == 0
    assert proxy.proxy_count({"KRATOM_PROXY_COUNT": "2"}) == 2


def sec_app_init(app: Flask) -> None:
    sec.init_app(app)


def test_request_id_with_a_trailing_newline_is_not_sane():
    from service.hardening.requestlog import sane_request_id

    assert sane_request_id("abc\n") is None
    assert sane_request_id("abc") == "abc"
