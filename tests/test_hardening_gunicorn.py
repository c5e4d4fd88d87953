"""Production parity: gunicorn.conf.py boots the app on 127.0.0.1, and the answers carry the
hardening headers and a request id that also appears in the JSON access log line."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .servers import running

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("gunicorn")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "1",
        "KRATOM_REFRESH_SECONDS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    cmd = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "service:create_app()",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running(cmd, env, log_path, f"{base}/readyz"):
        yield base, log_path


def test_gunicorn_serves_a_lookup_with_hardening_headers(server):
    base, log_path = server
    req = urllib.request.Request(
        f"{base}/v1/lookup?lat=31&lon=-100", headers={"X-Request-Id": "gunicorn-smoke-1"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = json.loads(resp.read())
        headers = resp.headers
    assert any(e["code"] == "US-TX" for e in body["stack"])
    assert headers["X-Request-Id"] == "gunicorn-smoke-1"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Access-Control-Allow-Origin"] == "*"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [ln for ln in log_path.read_text().splitlines() if ln.startswith("{")]
        mine = [json.loads(ln) for ln in lines if "gunicorn-smoke-1" in ln]
        if mine:
            break
        time.sleep(0.1)  # the log line is written when the response is closed
    assert mine, "no JSON access log line with the request id"
    assert mine[0]["path"] == "/v1/lookup" and mine[0]["status"] == 200


def test_gunicorn_answers_oversized_bodies_with_json_413(server):
    base, _ = server
    req = urllib.request.Request(
        f"{base}/v1/lookup/batch",
        data=b"[" + b"0," * (5 * 1024 * 1024) + b"0]",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=30)
    with info.value as err:  # an HTTPError holds the open response
        assert err.code == 413
        assert err.headers.get_content_type() == "application/json"
        assert json.loads(err.read())["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    "request_bytes,status",
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (
            b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            400,
        ),
    ],
    ids=["bad_request_line", "long_uri", "big_header", "malformed_chunked"],
)
def test_gunicorns_own_errors_are_json_not_html(server, request_bytes, status):
    """Without the proxy in front (a developer's gunicorn), its own answers are JSON too."""
    from .test_hardening_frontdoor import raw

    base, _ = server
    got, headers, body = raw(int(base.rsplit(":", 1)[1]), request_bytes)
    assert got == status, body[:300]
    assert headers["content-type"].startswith("application/json"), (headers, body[:200])
    assert json.loads(body)["error"]["message"]
