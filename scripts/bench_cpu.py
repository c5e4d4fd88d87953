#!/usr/bin/env python3
"""Worker CPU time per request of this checkout against a git ref, under the same load.

Why: on a shared machine req/s swing by 2x between runs, so a small cost (a metric, a header)
cannot be seen in `bench_http.py`'s figures. The CPU time the gunicorn workers spend per answered
request (from /proc, summed over the master's children) hardly depends on what else runs, and
both versions are measured in interleaved rounds of the same wrk load, so drift hits both alike.

    python scripts/bench_cpu.py --against c8d1472 [--rounds 12] [--seconds 4] [--json out.json]

Starts and stops its own servers (by PID) on 127.0.0.1: this checkout, the ref (exported with
`git archive` into a temporary directory) and the bare Flask reference. Needs `wrk`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_http import free_port, start  # scripts/ is on sys.path as a script
from server_process import stop as stop_server

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
CASES = {
    "lookup_point": "/v1/lookup?lat=31.0&lon=-100.0",
    "jurisdiction": "/v1/jurisdictions/US-TX",
    "badge_200": "/badge/US-TX.svg",
}


def workers_cpu(master: int) -> float:
    """User + system CPU seconds of the master's children (the workers), from /proc."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def measure(port: int, master: int, path: str, seconds: int) -> tuple[float, float]:
    """(worker CPU microseconds per request, requests per second) for one wrk run."""
    before = workers_cpu(master)
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = int(re.search(r"(\d+) requests in", out).group(1))
    return (workers_cpu(master) - before) / max(done, 1) * 1e6, done / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--against", required=True, metavar="REF", help="git ref to compare with")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--boundaries", default=str(ROOT.parent / "shared" / "boundaries"))
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    other = Path(tempfile.mkdtemp(prefix="bench-cpu-"))
    archive = subprocess.run(
        ["git", "archive", args.against], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
    env = {**os.environ, "KRATOM_REFRESH_SECONDS": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if Path(args.boundaries, "us_states_cb2023_500k.parquet").exists():
        env["KRATOM_BOUNDARIES_DIR"] = args.boundaries
    trees = {"this": ROOT, args.against: other}
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    try:
        for name, tree in trees.items():
            servers[name] = _start_tree(tree, {**env, "PYTHONPATH": str(tree)})
        bare_env = {**env, "PYTHONPATH": str(ROOT / "scripts")}
        servers["bare"] = start("bench_bare_app:create_app()", bare_env, 2, "gthread", 4, "/bare")
        runs: dict[str, list[tuple[float, float]]] = {}
        for r in range(args.rounds + 1):  # round 0 warms every worker up and is not kept
            print(f"  round {r}/{args.rounds} ...", flush=True)
            proc, port = servers["bare"]
            got = measure(port, proc.pid, "/bare", args.seconds)
            if r:
                runs.setdefault("bare", []).append(got)
            for case, path in CASES.items():
                order = list(trees) if r % 2 else list(trees)[::-1]
                for name in order:
                    proc, port = servers[name]
                    got = measure(port, proc.pid, path, args.seconds)
                    if r:
                        runs.setdefault(f"{case}|{name}", []).append(got)
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
        shutil.rmtree(other, ignore_errors=True)
    medians = {
        key: {
            "cpu_us_per_request": round(statistics.median(c for c, _ in rs), 1),
            "rps": round(statistics.median(q for _, q in rs), 1),
        }
        for key, rs in runs.items()
    }
    print(f"\n{'case':<34}{'CPU µs/req':>12}{'req/s':>9}")
    for key, m in medians.items():
        print(f"{key:<34}{m['cpu_us_per_request']:>12.1f}{m['rps']:>9.0f}")
    for case in CASES:
        a, b = medians[f"{case}|this"], medians[f"{case}|{args.against}"]
        print(
            f"{case}: CPU per request {a['cpu_us_per_request'] / b['cpu_us_per_request']:.3f}x "
            f"of {args.against}, req/s {a['rps'] / b['rps']:.3f}x"
        )
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps({"config": vars(args), "results": medians}, indent=2)
        )


def _start_tree(tree: Path, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """The service of one checkout, with that checkout's own gunicorn.conf.py."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "gunicorn", "-c", str(tree / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread",
        "--threads", "4", "service:create_app()",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited early in {tree}") from None
            time.sleep(0.2)  # polling a starting server
    stop_server(proc)
    raise SystemExit(f"{tree}: not ready in 120 s")


if __name__ == "__main__":
    main()
