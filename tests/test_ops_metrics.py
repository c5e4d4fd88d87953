"""/metrics tells the truth: per route family and status, exact numbers, and, under gunicorn with
several workers (replaced while under load), counters that never go backwards between scrapes."""

from __future__ import annotations

import csv
import http.client
import os
import re
import socket
import sys
import threading
import time
from collections import Counter
from itertools import pairwise

import pytest

from service.refresh import metrics

from .conftest import TEST_DATA
from .servers import running

SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")
MONOTONIC_SUFFIXES = ("_total", "_count", "_sum", "_bucket")

with (TEST_DATA / "http" / "metrics_route_families.csv").open(encoding="utf-8") as _f:
    FAMILIES = list(csv.DictReader(_f))


def samples(text: str) -> dict[tuple[str, str], float]:
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE_RE.match(line)
        assert match, f"not a sample line: {line!r}"
        out[(match.group(1), match.group(2) or "")] = float(match.group(3))
    return out


def value(found: dict[tuple[str, str], float], name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    want = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(v for (n, lab), v in found.items() if n == name and all(w in lab for w in want))


@pytest.mark.parametrize("case", FAMILIES, ids=[c["path"] for c in FAMILIES])
def test_route_family_of_a_path(case):
    assert metrics.route_family(case["path"]) == case["family"]
    assert case["family"] in metrics.ROUTE_FAMILIES


def _scrape(client) -> dict[tuple[str, str], float]:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-store"
    return samples(resp.get_data(as_text=True))


def test_requests_are_counted_by_route_family_and_status(client):
    before = _scrape(client)
    for path in ("/v1/jurisdictions/US-TX", "/v1/jurisdictions/TH", "/v1/jurisdictions/ZZ"):
        with client.get(path):
            pass  # counted when the answer is closed, as every server closes it
    after = _scrape(client)
    total = "kratom_http_requests_total"
    for status, n in (("200", 2), ("404", 1)):
        grew = value(after, total, route="jurisdiction", status=status) - value(
            before, total, route="jurisdiction", status=status
        )
        assert grew == n, status
    count = "kratom_http_request_duration_seconds_count"
    assert (
        value(after, count, route="jurisdiction") - value(before, count, route="jurisdiction") == 3
    )
    buckets = [k for k in after if k[0] == "kratom_http_request_duration_seconds_bucket"]
    assert any('le="+Inf"' in lab and 'route="jurisdiction"' in lab for _, lab in buckets)


def test_timestamps_and_large_counts_are_printed_exactly(app, client):
    metrics.REQUESTS.labels("other", "299").inc(16_777_217)  # 2**24 + 1: lost by a float32 or %g
    holder = app.extensions["kratom.holder"]
    snap = holder.current
    holder.swap(snap)  # the gauges are the process's: other test apps may have swapped since
    found = _scrape(client)
    assert value(found, "kratom_http_requests_total", route="other", status="299") >= 16_777_217
    loaded = value(found, "kratom_dataset_loaded_timestamp_seconds")
    assert loaded == snap.loaded_at.timestamp()  # whole seconds, not rounded to 10,000 s


def test_refresh_outcomes_and_dataset_age_are_exported(app, client):
    from service.refresh import refresh

    before = _scrape(client)
    assert refresh(app)["outcome"] == "unchanged"
    after = _scrape(client)
    name = "kratom_refresh_attempts_total"
    assert value(after, name, outcome="unchanged") == value(before, name, outcome="unchanged") + 1
    assert value(after, "kratom_refresh_last_ok") == 1
    assert value(after, "kratom_dataset_age_seconds") > 0
    assert value(after, "process_resident_memory_bytes") > 0


# -- a real two-worker gunicorn server under load ----------------------------------------------

LOAD_PATHS = (
    "/v1/lookup?lat=31&lon=-100",
    "/v1/jurisdictions/US-TX",
    "/badge/US-AL.svg",
    "/v1/jurisdictions/ZZ",
)
CLIENTS = 4
REQUESTS_PER_CLIENT = 150
SCRAPES = 20
MAX_REQUESTS = 150  # each worker is replaced after this many: its counts must survive it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    pytest.importorskip("gunicorn")
    port = _free_port()
    base = tmp_path_factory.mktemp("metrics")
    multiproc = base / "multiproc"
    multiproc.mkdir()
    (multiproc / "counter_1.db").write_bytes(b"left over from an earlier run")  # must be wiped
    log_path = base / "server.log"
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "2",
        "KRATOM_REFRESH_SECONDS": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    cmd = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}",
        "--max-requests", str(MAX_REQUESTS), "--max-requests-jitter", "0",
        "service:create_app()",
    ]  # fmt: skip
    with running(cmd, env, log_path, f"http://127.0.0.1:{port}/readyz"):
        yield port, multiproc


def test_counters_never_decrease_across_scrapes_of_two_workers_under_load(two_workers):
    port, multiproc = two_workers
    sent: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    progress = threading.Semaphore(0)
    failures: list[str] = []

    def load(n: int) -> None:
        for i in range(REQUESTS_PER_CLIENT):
            path = LOAD_PATHS[(n + i) % len(LOAD_PATHS)]
            try:
                status, _ = _get(port, path)
            except OSError as exc:  # a worker being replaced may drop a connection
                failures.append(f"{path}: {exc}")
                continue
            with lock:
                sent[(metrics.route_family(path.split("?")[0]), status)] += 1
            progress.release()

    threads = [threading.Thread(target=load, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    scrapes = []
    step = CLIENTS * REQUESTS_PER_CLIENT // (SCRAPES + 1)
    for _ in range(SCRAPES):
        for _ in range(step):
            progress.acquire(timeout=60)  # scrape while the load runs, spread over it
        status, body = _get(port, "/metrics")
        assert status == 200, body[:500]
        scrapes.append(samples(body.decode()))
    for t in threads:
        t.join(timeout=120)

    for i, (old, new) in enumerate(pairwise(scrapes), start=1):
        for key, before in old.items():
            if key[0].endswith(MONOTONIC_SUFFIXES):
                assert key in new, f"scrape {i + 1}: {key} disappeared"
                assert new[key] >= before, f"scrape {i + 1}: {key} went {before} -> {new[key]}"
    last = scrapes[-1]
    assert any(
        n == "kratom_http_request_duration_seconds_bucket" and 'route="lookup"' in lab
        for n, lab in last
    )
    pids = {m for s in scrapes for (n, lab) in s if n == "kratom_dataset_info" for m in
            re.findall(r'pid="(\d+)"', lab)}  # fmt: skip
    assert len(pids) > 2, f"no worker was replaced during the load: {pids}"
    assert len(failures) < 5, failures  # gunicorn drains a replaced worker: ~never

    # every answered request is counted exactly once, including those of replaced workers
    deadline = time.monotonic() + 20
    while True:
        _, body = _get(port, "/metrics")
        found = samples(body.decode())
        counted = {
            key: value(found, "kratom_http_requests_total", route=key[0], status=str(key[1]))
            for key in sent
        }
        if all(counted[k] == sent[k] for k in sent) or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # the last answers are counted when their connections close
    assert counted == {k: float(v) for k, v in sent.items()}
    files = sorted(p.name for p in multiproc.glob("*.db"))
    assert "counter_archive.db" in files and "histogram_archive.db" in files
    assert "counter_1.db" not in files
    assert len(files) <= 2 * 3 + 2, files  # two live workers' files and the archives
