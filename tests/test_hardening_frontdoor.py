"""The production stack (deploy/run.py: nginx in front of gunicorn, production settings: 2 workers
x 4 threads) on 127.0.0.1: slow clients do not hold the app's threads, every error the stack can
produce is JSON, and the batch rate limit is one for both workers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .servers import running

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path_factory, extra: dict[str, str]):
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (scripts/test.sh installs Debian's nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx; scripts/test.sh does)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("stack") / "stack.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        # the index is built ahead (scripts/test.sh): no build child beside the two workers
        "KRATOM_PREWARM_GEO": "0",
        "GUNICORN_THREADS": "4",
        "KRATOM_REFRESH_SECONDS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }
    env.pop("KRATOM_RATE_LIMIT_FILE", None)
    base = f"http://127.0.0.1:{port}"
    with running(
        [sys.executable, "deploy/run.py"], env, log_path, f"{base}/readyz", timeout=150
    ) as proc:
        yield base, port, proc


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    gen = _start(
        tmp_path_factory,
        {"KRATOM_BATCH_RATE_PER_MINUTE": "5", "KRATOM_PROXY_CONN_PER_CLIENT": "80"},
    )
    base, port, _ = next(gen)
    yield base, port
    next(gen, None)


@pytest.fixture(scope="module")
def open_stack(tmp_path_factory):
    """The same stack with the default batch rate (60 a minute), for the junk batches."""
    gen = _start(tmp_path_factory, {})
    yield next(gen)
    next(gen, None)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out.extend(int(x) for x in (task / "children").read_text().split())
    return out


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it has exited meanwhile
        return b""


def _workers(run_pid: int) -> list[int]:
    masters = [p for p in _children(run_pid) if b"gunicorn" in _cmdline(p)]
    # the master's other child, the boundary index build step (gunicorn.conf.py), is not a worker
    return [w for m in masters for w in _children(m) if b"service.geo.build" not in _cmdline(w)]


def test_eight_concurrent_junk_batches_are_refused_with_bounded_memory(open_stack):
    """Issue 19: 2 MiB bodies of a million non-objects each, eight at once, twice: every one
    refused, both workers under 400 MB, and a lookup meanwhile answered within 1 s."""
    base, _, proc = open_stack
    workers = _workers(proc.pid)
    assert len(workers) == 2
    n = (2 * 1024 * 1024 - 2) // 2
    bodies = [
        b"[" + b",".join([item] * (n // len(item))) + b"]" for item in (b"1", b"{}", b"[]", b"1")
    ] * 2
    stop = threading.Event()
    peak = [0]
    lookups: list[float] = []

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max([peak[0], *(_rss_kb(w) for w in workers)])
            lookups.append(_timed_get(f"{base}/v1/lookup?lat=30.27&lon=-97.74"))

    def post(body: bytes) -> int:
        req = urllib.request.Request(
            f"{base}/v1/lookup/batch",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            with err:
                return err.code

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        statuses = []
        for _ in range(2):
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses += list(pool.map(post, bodies))
    finally:
        stop.set()
        sampler.join(timeout=30)
    assert statuses == [413] * 16
    assert peak[0] < 400 * 1024, f"worker RSS peaked at {peak[0] / 1024:.0f} MB"
    assert lookups and max(lookups) < 1.0, lookups
    assert _workers(proc.pid) == workers  # no worker died


def raw(port: int, data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; return the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            whole = b"".join(chunks)
            if b"\r\n\r\n" in whole:
                head, _, body = whole.partition(b"\r\n\r\n")
                length = [
                    ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:")
                ]
                if length and len(body) >= int(length[0].split(b":")[1]):
                    break
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _timed_get(url: str) -> float:
    t0 = time.monotonic()
    with urllib.request.urlopen(url, timeout=5) as resp:
        assert resp.status == 200
        resp.read()
    return time.monotonic() - t0


def test_64_slow_clients_leave_healthz_answering_within_a_second(stack):
    base, port = stack
    slow: list[socket.socket] = []
    try:
        for i in range(64):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:  # slowloris: headers that never end
                s.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            else:  # a trickled body: promised 100 kB, sent 1 byte
                s.sendall(
                    b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n["
                )
            slow.append(s)
        times = []
        for _ in range(20):
            for s in slow[::8]:
                s.sendall(b"a" if slow.index(s) % 2 else b" ")  # keep them trickling
            times.append(_timed_get(f"{base}/healthz"))
            times.append(_timed_get(f"{base}/v1/lookup?lat=31&lon=-100"))
        assert max(times) < 1.0, times
    finally:
        for s in slow:
            s.close()


@pytest.mark.parametrize(
    "request_bytes,status,code",
    [
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (
            b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            400,
            "bad_request",
        ),
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n",
            431,
            "headers_too_large",
        ),
        (
            b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 3000000\r\n\r\n[",
            413,
            "too_large",
        ),
        (b"GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "not_found"),
        (b"GET /.errors/400 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "not_found"),
    ],
    ids=[
        "bad_request_line",
        "malformed_chunked",
        "long_uri",
        "big_header",
        "big_body",
        "404",
        "internal",
    ],
)
def test_every_error_of_the_stack_is_json(stack, request_bytes, status, code):
    _, port = stack
    got, headers, body = raw(port, request_bytes)
    assert got == status, body[:200]
    assert headers["content-type"].startswith("application/json"), headers
    assert json.loads(body)["error"]["code"] == code


def _post_batch(base: str) -> int:
    req = urllib.request.Request(
        f"{base}/v1/lookup/batch",
        data=b'[{"lat": 31, "lon": -100}]',
        headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.9"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        with err:
            return err.code


def _mapping_pids(name_part: str) -> set[int]:
    """Processes that have a file whose path contains `name_part` memory-mapped."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if name_part in (proc / "maps").read_text():
                pids.add(int(proc.name))
        except OSError:
            continue
    return pids


def test_the_batch_limit_is_one_for_both_workers(stack):
    base, _ = stack
    with ThreadPoolExecutor(max_workers=12) as pool:  # several upstream connections at once
        statuses = list(pool.map(lambda _: _post_batch(base), range(12)))
    assert statuses.count(200) == 5 and statuses.count(429) == 7, statuses  # 5 per minute
    # the ones refused: the spoofed X-Forwarded-For is the client's own claim, and nginx
    # appends the real address, which is what the app keys on
    assert len(_mapping_pids("kratom-ratelimit-")) >= 2  # both workers map the same table


def test_forwarded_host_from_a_client_never_reaches_a_page(stack):
    base, _ = stack
    req = urllib.request.Request(
        f"{base}/j/US-TX", headers={"X-Forwarded-Host": "zqx.example", "Host": "zqy.example"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        page = resp.read().decode()
    assert "zqx" not in page and "zqy" not in page


@pytest.fixture(scope="module")
def data_stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("data") / "jurisdictions"
    shutil.copytree(ROOT / "data" / "jurisdictions", data)
    gen = _start(
        tmp_path_factory,
        {
            "KRATOM_DATA_SOURCE": str(data),
            "KRATOM_REFRESH_SECONDS": "1",
            "KRATOM_REFRESH_JITTER_SECONDS": "0",
        },
    )
    base, _, proc = next(gen)
    yield base, proc, data
    next(gen, None)


def test_a_500_mb_file_in_the_data_directory_kills_no_worker(data_stack):
    base, proc, data = data_stack
    workers = _workers(proc.pid)
    with (data / "huge.csv").open("wb") as f:
        f.truncate(500 * 1024 * 1024)  # sparse
    try:
        refused = 0
        deadline = time.monotonic() + 30
        while refused < 10 and time.monotonic() < deadline:  # both workers refresh each second
            with urllib.request.urlopen(f"{base}/v1/meta", timeout=10) as resp:
                last = json.loads(resp.read())["last_refresh"] or {}
            if "huge.csv: 524288000 bytes is over the" in (last.get("error") or ""):
                refused += 1
            time.sleep(0.3)  # polling a real server
        assert refused == 10
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as resp:
            assert resp.status == 200
        assert _workers(proc.pid) == workers  # none died or was replaced
        assert max(_rss_kb(w) for w in workers) < 400 * 1024
    finally:
        (data / "huge.csv").unlink()


def test_a_malformed_body_from_a_client_over_its_connection_limit_is_still_json(stack):
    """nginx refuses the 81st open request (429); discarding that request's body then finds the
    malformed chunk: the second error must get its JSON page too (recursive_error_pages)."""
    _, port = stack
    held = []
    try:
        for _ in range(85):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(
                b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                b"\r\nContent-Length: 100000\r\n\r\n["
            )
            held.append(s)
        for _ in range(5):
            got, headers, body = raw(
                port,
                b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            )
            assert got in (400, 429), body[:200]
            assert headers["content-type"].startswith("application/json"), (headers, body[:200])
    finally:
        for s in held:
            s.close()
