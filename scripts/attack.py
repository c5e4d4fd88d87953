"""Attacks on the production stack (nginx + gunicorn via deploy/run.py, 2 workers x 4 threads) on
127.0.0.1, each with the figure it must meet (issue 19):

  junk   eight concurrent 2 MiB junk batches (a million non-objects each), three rounds: all
         refused, worker RSS under 400 MB, a concurrent lookup answered within 1 s
  slow   64 slow clients (never-ending headers, trickled bodies): /healthz within 1 s; the same
         against gunicorn alone as the reference
  drip   a data source that drips a byte every 2 s: the fetch is abandoned at its deadline (5 s),
         and a restart (with another ?sig= in the URL) serves the last-good copy within 5 s
  huge   a 500 MB (sparse) file in the data directory: refused, no worker dies, still ready

    python scripts/attack.py [--only junk,slow,drip,huge] [--json]

Exit code 0 when every scenario met its figure. Bounded: each scenario stops itself (well under
two minutes), only 127.0.0.1 is contacted, every server started is stopped.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from stack import HOST, ROOT, Stack, rss_kb

MiB = 1024 * 1024
BATCH_LIMIT = 2 * MiB
ADMIN = "attack-script-token"


def cache_dir(work: Path) -> str:
    """A fresh cache directory (no last-good copy) with the boundary grid of KRATOM_CACHE_DIR
    copied in when there is one, so a scenario does not rebuild the grid (30-60 s)."""
    out = work / "cache"
    out.mkdir(parents=True, exist_ok=True)
    given = os.environ.get("KRATOM_CACHE_DIR")
    if given and Path(given).is_dir():
        for p in Path(given).iterdir():
            if p.name.startswith("last-good-") or (out / p.name).exists():
                continue
            if p.is_dir():
                shutil.copytree(p, out / p.name)
            else:
                shutil.copy2(p, out / p.name)
    return str(out)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def post(port: int, path: str, body: bytes, ctype: str = "application/json", headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": ctype, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def junk_bodies() -> list[bytes]:
    """Just under 2 MiB each; every one holds far more than 10,000 items."""
    out = []
    for item in (b"1", b"{}", b'"a"', b"[]", b"null", b"{}", b"1", b"[]"):
        n = (BATCH_LIMIT - 2) // (len(item) + 1)
        out.append(b"[" + b",".join([item] * n) + b"]")
    return out


class Sampler:
    """RSS of the workers and the latency of a plain lookup, sampled while an attack runs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.stop = threading.Event()
        self.max_rss_kb = 0
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._rss, daemon=True),
            threading.Thread(target=self._lookups, daemon=True),
        ]

    def __enter__(self) -> Sampler:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)

    def _rss(self) -> None:
        while not self.stop.wait(0.02):
            for pid in self.stack.workers():
                self.max_rss_kb = max(self.max_rss_kb, rss_kb(pid) or 0)

    def _lookups(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                status, _ = self.stack.get("/v1/lookup?lat=30.27&lon=-97.74", timeout=10)
                if status != 200:
                    self.errors.append(f"lookup answered {status}")
            except OSError as exc:
                self.errors.append(f"lookup failed: {exc}")
            self.latencies.append(time.perf_counter() - t0)
            self.stop.wait(0.05)


def scenario_junk(work: Path) -> dict[str, Any]:
    stack = Stack({"KRATOM_REFRESH_SECONDS": "0", "KRATOM_CACHE_DIR": cache_dir(work)},
                  work / "junk.log")  # fmt: skip
    try:
        stack.wait_ready()
        with Sampler(stack) as quiet:
            time.sleep(3)  # the reference: the same sampling without an attack
        rss_before = max(rss_kb(p) or 0 for p in stack.workers())
        bodies = junk_bodies()
        statuses: list[int] = []
        with Sampler(stack) as sampler:
            for rnd in range(3):
                log(f"junk: round {rnd + 1}/3, 8 concurrent 2 MiB batches")
                with ThreadPoolExecutor(max_workers=8) as pool:
                    statuses += [
                        s
                        for s, _ in pool.map(
                            lambda b: post(stack.port, "/v1/lookup/batch", b), bodies
                        )
                    ]
        result = {
            "statuses": sorted(set(statuses)),
            "requests": len(statuses),
            "worker_rss_mb_before": round(rss_before / 1024, 1),
            "worker_rss_mb_max": round(sampler.max_rss_kb / 1024, 1),
            "lookup_max_s": round(max(sampler.latencies), 3),
            "lookup_max_s_without_attack": round(max(quiet.latencies), 3),
            "lookups": len(sampler.latencies),
            "lookup_errors": sampler.errors[:5],
        }
        result["passed"] = (
            set(statuses) == {413}
            and sampler.max_rss_kb < 400 * 1024
            and max(sampler.latencies) < 1.0
            and not sampler.errors
        )
        return result
    finally:
        stack.stop()


class SlowClients:
    """Connections that send a byte now and then and never finish their request."""

    def __init__(self, port: int, n: int) -> None:
        self.socks: list[socket.socket] = []
        for i in range(n):
            s = socket.create_connection((HOST, port), timeout=5)
            if i % 2:
                s.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            else:
                s.sendall(
                    b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    b"\r\nContent-Length: 1000000\r\n\r\n["
                )
            self.socks.append(s)

    def trickle(self) -> None:
        for i, s in enumerate(self.socks):
            with contextlib.suppress(OSError):  # closed by the server: as it should be
                s.sendall(b"a" if i % 2 else b" ")

    def close(self) -> None:
        for s in self.socks:
            s.close()


def healthz_under_slow_clients(stack: Stack, seconds: float = 10) -> dict[str, Any]:
    slow = SlowClients(stack.port, 64)
    times: list[float] = []
    failures = 0
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            slow.trickle()
            t0 = time.perf_counter()
            try:
                status, _ = stack.get("/healthz", timeout=3)
                if status != 200:
                    failures += 1
            except OSError:
                failures += 1
            times.append(time.perf_counter() - t0)
            time.sleep(0.2)
    finally:
        slow.close()
    return {
        "healthz_max_s": round(max(times), 3),
        "healthz_timeouts_or_errors": failures,
        "probes": len(times),
    }


def scenario_slow(work: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for front in ("nginx", "gunicorn"):
        log(
            f"slow: 64 slow clients against {'nginx + gunicorn' if front == 'nginx' else 'gunicorn alone (reference)'}"
        )
        stack = Stack(
            {"KRATOM_REFRESH_SECONDS": "0", "KRATOM_CACHE_DIR": cache_dir(work)},
            work / f"slow-{front}.log",
            front=front,
        )
        try:
            stack.wait_ready()
            result[front] = healthz_under_slow_clients(stack)
        finally:
            stack.stop()
    nginx = result["nginx"]
    result["passed"] = nginx["healthz_max_s"] < 1.0 and nginx["healthz_timeouts_or_errors"] == 0
    return result


class Source:
    """A signed published dataset on 127.0.0.1 that can be switched to dripping."""

    def __init__(self, work: Path) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from werkzeug.serving import make_server

        sys.path.insert(0, str(ROOT))
        from service import artifact
        from service.dataset import build_dataset, read_dir

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        key = Ed25519PrivateKey.generate()
        self.public = base64.b64encode(artifact.public_bytes(key.public_key())).decode()
        files = read_dir(ROOT / "data" / "jurisdictions")
        out = work / "published"
        self.version = artifact.publish(files, build_dataset(files), out, key=key)["version"]
        self.files = {"/" + p.name: p.read_bytes() for p in out.iterdir()}
        self.drip = threading.Event()
        self.stop = threading.Event()
        self.server = make_server(HOST, 0, self, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _dripping(self, body: bytes):
        for b in body:
            if self.stop.wait(2.0):  # a byte every 2 s
                return
            yield bytes([b])

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        body = self.files.get(path)
        if body is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return self._dripping(body) if self.drip.is_set() else [body]

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def scenario_drip(work: Path) -> dict[str, Any]:
    source = Source(work)
    env = {
        "KRATOM_DATA_SOURCE": f"http://{HOST}:{source.port}/latest.json?sig=first",
        "KRATOM_DATA_PUBLIC_KEY": source.public,
        "KRATOM_HTTP_TIMEOUT_SECONDS": "5",
        "KRATOM_REFRESH_SECONDS": "60",
        "KRATOM_CACHE_DIR": cache_dir(work),
        "KRATOM_ADMIN_TOKEN": ADMIN,
    }
    result: dict[str, Any] = {"deadline_s": 5}
    try:
        stack = Stack(env, work / "drip.log")
        try:
            result["first_start_ready_s"] = round(stack.wait_ready(), 2)
            source.drip.set()
            log("drip: the source now drips a byte every 2 s; reloading")
            for _ in range(20):  # 409 while the start-up refresh still runs
                t0 = time.perf_counter()
                status, body = post(
                    stack.port, "/admin/reload", b"", headers={"Authorization": f"Bearer {ADMIN}"}
                )
                took = time.perf_counter() - t0
                if status != 409:
                    break
                time.sleep(0.5)
            outcome = json.loads(body)["refresh"]
            result["reload_status"] = status
            result["reload_s"] = round(took, 2)
            result["reload_outcome"] = outcome["outcome"]
            result["reload_error"] = outcome["error"]
        finally:
            stack.stop()
        log("drip: restart while the source drips (another ?sig=)")
        env["KRATOM_DATA_SOURCE"] = f"http://{HOST}:{source.port}/latest.json?sig=second"
        stack = Stack(env, work / "drip-restart.log")
        try:
            result["restart_ready_s"] = round(stack.wait_ready(), 2)
            meta = stack.get("/v1/meta")[1]
            result["restart_version"] = meta["dataset"]["version"]
            result["restart_serving"] = (meta.get("last_refresh") or {}).get("serving")
        finally:
            stack.stop()
    finally:
        source.close()
    result["passed"] = (
        result.get("reload_status") == 200
        and "timed out after 5 s" in (result.get("reload_error") or "")
        and result["reload_s"] < 5 + 1.5
        and result["restart_ready_s"] < 5
        and result["restart_version"] == source.version
    )
    return result


def _ready(stack: Stack, tries: int = 3) -> Any:
    """/readyz's status, asked up to `tries` times a second apart; the first 200, else every
    answer (so a failure shows what was said)."""
    seen = []
    for _ in range(tries):
        status, body = stack.get("/readyz")
        if status == 200:
            return 200
        seen.append([status, body])
        time.sleep(1)
    return seen


def scenario_huge(work: Path) -> dict[str, Any]:
    data = work / "jurisdictions"
    shutil.copytree(ROOT / "data" / "jurisdictions", data)
    env = {
        "KRATOM_DATA_SOURCE": str(data),
        "KRATOM_REFRESH_SECONDS": "1",
        "KRATOM_REFRESH_JITTER_SECONDS": "0",
        "KRATOM_CACHE_DIR": cache_dir(work),
    }
    result: dict[str, Any] = {}
    stack = Stack(env, work / "huge.log")
    try:
        stack.wait_ready()
        before = stack.workers()
        with (data / "huge.csv").open("wb") as f:
            f.truncate(500 * MiB)  # sparse: no disk used, 500 MB to anyone reading it
        log("huge: a 500 MB file in the data directory; 8 s of refreshes every second")
        peak = 0
        end = time.monotonic() + 8
        while time.monotonic() < end:
            peak = max([peak, *(rss_kb(p) or 0 for p in stack.workers())])
            time.sleep(0.1)
        after = stack.workers()
        meta = stack.get("/v1/meta")[1]
        result.update(
            workers_before=before,
            workers_after=after,
            worker_rss_mb_max=round(peak / 1024, 1),
            ready=_ready(stack),
            last_refresh_error=(meta["last_refresh"] or {}).get("error"),
        )
    finally:
        stack.stop()
    log("huge: restart with the file still there")
    stack = Stack(env, work / "huge-restart.log")
    try:
        result["restart_ready_s"] = round(stack.wait_ready(), 2)
        pids = stack.workers()
        time.sleep(3)
        result["restart_workers_stable"] = stack.workers() == pids
    finally:
        stack.stop()
    result["passed"] = (
        result["workers_before"] == result["workers_after"]
        and result["ready"] == 200
        and "huge.csv" in (result["last_refresh_error"] or "")
        and result["restart_workers_stable"]
    )
    return result


SCENARIOS = {
    "junk": scenario_junk,
    "slow": scenario_slow,
    "drip": scenario_drip,
    "huge": scenario_huge,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    results: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="kratom-attack-"))
    try:
        for name in names:
            log(f"== {name}")
            t0 = time.monotonic()
            results[name] = SCENARIOS[name](work / name if (work / name).mkdir() is None else work)
            results[name]["seconds"] = round(time.monotonic() - t0, 1)
            log(
                f"   {'PASS' if results[name]['passed'] else 'FAIL'} in {results[name]['seconds']} s"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    passed = all(r["passed"] for r in results.values())
    if args.json:
        print(json.dumps({"passed": passed, "scenarios": results}, indent=2))
    else:
        for name, r in results.items():
            print(f"{name}: {'PASS' if r['passed'] else 'FAIL'}")
            for k, v in r.items():
                if k != "passed":
                    print(f"  {k}: {v}")
        print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
