#!/usr/bin/env python3
"""HTTP throughput and latency of the service against a bare Flask endpoint, same gunicorn, same run.

Starts and stops its own gunicorn servers (by PID) on 127.0.0.1 and drives them with `wrk`
(Debian package `wrk`): 32 keep-alive connections, 2 threads. Prints a table and the ratios;
`--json FILE` writes the figures.

    python scripts/bench_http.py [--seconds 10] [--boundaries ../shared/boundaries] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from server_process import stop as stop_server  # scripts/ is on sys.path as a script

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    app: str,
    env: dict[str, str],
    workers: int,
    worker_class: str,
    threads: int,
    health: str = "/healthz",
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [
        *GUNICORN,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        app,
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=1)
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited early: {' '.join(cmd)}") from None
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("server did not become healthy in 60 s")


def wrk(url: str, seconds: int, connections: int, headers: list[str]) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rps,
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=4, help="seconds of load per endpoint first")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--worker-class", default="gthread")
    ap.add_argument("--boundaries", default=str(ROOT.parent / "shared" / "boundaries"))
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")

    env = {
        **os.environ,
        "KRATOM_REFRESH_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    if Path(args.boundaries, "us_states_cb2023_500k.parquet").exists():
        env["KRATOM_BOUNDARIES_DIR"] = args.boundaries
    bare_env = {**env, "PYTHONPATH": str(ROOT / "scripts")}
    print(
        f"gunicorn -w {args.workers} --worker-class {args.worker_class} --threads {args.threads}, "
        f"wrk -t2 -c{args.connections}, {args.rounds} interleaved rounds of {args.seconds}s",
        flush=True,
    )
    # Both servers run side by side (idle workers cost nothing) and the endpoints are measured
    # in interleaved rounds, so drift in the machine's speed hits every endpoint alike.
    bare_proc, bare_port = start(
        "bench_bare_app:create_app()",
        bare_env,
        args.workers,
        args.worker_class,
        args.threads,
        "/bare",
    )
    proc, port = start(
        "service:create_app()", env, args.workers, args.worker_class, args.threads, "/healthz"
    )
    base = f"http://127.0.0.1:{port}"
    runs: dict[str, list[dict[str, float]]] = {}
    try:
        etag = urllib.request.urlopen(f"{base}/badge/US-TX.svg", timeout=5).headers["ETag"]
        cases = {
            "bare": (f"http://127.0.0.1:{bare_port}/bare", []),
            "lookup_point": (f"{base}/v1/lookup?lat=31.0&lon=-100.0", []),
            "jurisdiction": (f"{base}/v1/jurisdictions/US-TX", []),
            "badge_304": (f"{base}/badge/US-TX.svg", [f"If-None-Match: {etag}"]),
            "badge_200": (f"{base}/badge/US-TX.svg", []),
        }
        # Fresh workers are slow for their first seconds (memory first touched in this VM, caches
        # filling): warm every endpoint on every worker before measuring.
        for url, headers in cases.values():
            wrk(url, args.warmup, args.connections, headers)
        for r in range(args.rounds):
            for name, (url, headers) in cases.items():
                print(f"  round {r + 1}/{args.rounds}: {name} ...", flush=True)
                runs.setdefault(name, []).append(wrk(url, args.seconds, args.connections, headers))
    finally:
        stop_server(proc)
        stop_server(bare_proc)
    results = {
        name: {k: statistics.median(x[k] for x in rs) for k in rs[0]} for name, rs in runs.items()
    }

    bare = results["bare"]["rps"]
    targets = {"lookup_point": 0.8, "jurisdiction": 0.8, "badge_304": 0.9}
    print(
        f"\n{'endpoint':<14}{'req/s':>10}{'ratio':>8}{'target':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    for name, r in results.items():
        ratio = r["rps"] / bare
        r["ratio_vs_bare"] = round(ratio, 3)
        target = targets.get(name)
        mark = (
            "" if target is None else (" ok" if ratio >= target and r["p99_ms"] <= 10 else " MISS")
        )
        print(
            f"{name:<14}{r['rps']:>10.0f}{ratio:>8.2f}{(f'{target:.1f}' if target else '-'):>8}"
            f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['non_2xx_3xx'] + r['socket_errors']:>8}{mark}"
        )
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps({"config": vars(args), "results": results}, indent=2)
        )


if __name__ == "__main__":
    main()
