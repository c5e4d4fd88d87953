#!/usr/bin/env python3
"""Start-up time to the first answer, and resident memory, of one service process.

Each case runs in a fresh interpreter: import, create_app(), one point lookup; then RSS from
/proc. The reference is a bare `import flask` interpreter measured in the same run.
`--json FILE` writes the figures.

    python scripts/bench_startup.py [--boundaries ../shared/boundaries] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, time, resource
t0 = time.perf_counter()
from service import create_app
app = create_app({"KRATOM_REFRESH_SECONDS": 0})
r = app.test_client().get("/v1/lookup?lat=32.7157&lon=-117.1611&as_of=2024-06-01")
t1 = time.perf_counter()
assert r.status_code == 200, r.get_data(as_text=True)
rss = int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
print(json.dumps({"seconds": t1 - t0, "rss_mb": rss, "verdict": r.get_json()["verdict"]["code"]}))
"""
BARE = r"""
import json, time
t0 = time.perf_counter()
import flask
rss = int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mb": rss, "verdict": None}))
"""


def run(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boundaries", default=str(ROOT.parent / "shared" / "boundaries"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    base = {**os.environ, "PYTHONPATH": str(ROOT), "KRATOM_REFRESH_SECONDS": "0"}
    cases: list[tuple[str, str, dict[str, str]]] = [("bare flask import", BARE, base)]
    with tempfile.TemporaryDirectory() as cold_root:
        shipped = {
            **base,
            "KRATOM_CACHE_DIR": str(Path(cold_root, "shipped")),
            "KRATOM_INDEX_DIR": str(Path(cold_root, "shipped-index")),  # nothing prebuilt
        }
        cases.append(("shipped boundaries", PROBE, shipped))
        if Path(args.boundaries, "us_states_cb2023_500k.parquet").exists():
            hires = {
                **base,
                "KRATOM_BOUNDARIES_DIR": args.boundaries,
                "KRATOM_CACHE_DIR": str(Path(cold_root, "hires")),
                "KRATOM_INDEX_DIR": str(Path(cold_root, "hires-index")),
            }
            cases.append(("high-res boundaries", PROBE, hires))
        results = []
        print(f"{'case':<22}{'cold s':>8}{'warm s (median)':>17}{'RSS MB':>8}", flush=True)
        for name, code, env in cases:
            cold = run(code, env)  # answers from the exact path; a child builds the index
            if code is PROBE:  # the build step: waits for that child (or builds), then warm runs
                build = [sys.executable, "-m", "service.geo.build", "--to-cache", "--quiet"]
                subprocess.run(build, cwd=ROOT, env=env, check=True)
            warm = [run(code, env) for _ in range(args.repeat)]
            row = {
                "case": name,
                "cold_seconds": round(cold["seconds"], 3),
                "warm_seconds": round(statistics.median(w["seconds"] for w in warm), 3),
                "rss_mb": max(w["rss_mb"] for w in warm),
                "verdict_code": warm[0]["verdict"],
            }
            results.append(row)
            print(
                f"{name:<22}{row['cold_seconds']:>8.2f}{row['warm_seconds']:>17.2f}{row['rss_mb']:>8}",
                flush=True,
            )
    print(
        "\ntargets: start-up to first answer <= 2 s with high-res boundaries; RSS <= 250 MB per worker"
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
