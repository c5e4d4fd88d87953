#!/usr/bin/env python3
"""Cold start: the first answer with no boundary index anywhere (a fresh clone, empty cache).

Every case points KRATOM_CACHE_DIR and KRATOM_INDEX_DIR at empty temporary directories:

1. in-process: import, create_app(), one point lookup (San Diego, as in the README): the
   seconds to the first answer (from the exact path), then the seconds until the grid index,
   built by a child process, has taken over, and one lookup after that;
2. the build step alone (`python -m service.geo.build`): seconds and index size;
3. gunicorn (gunicorn.conf.py, 2 workers) on 127.0.0.1: seconds from launch to the first 200
   of /v1/lookup?lat&lon.

The reference is a bare `import flask` interpreter in the same run. `--json FILE` writes the
figures; `--boundaries DIR` adds the Census override to cases 1 and 2.

    python scripts/bench_coldstart.py [--boundaries ../shared/boundaries] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from server_process import stop

ROOT = Path(__file__).resolve().parent.parent
URL = "/v1/lookup?lat=32.7157&lon=-117.1611&as_of=2024-06-01"
PROBE = r"""
import json, time
t0 = time.perf_counter()
from service import create_app
app = create_app({"KRATOM_REFRESH_SECONDS": 0})
client = app.test_client()
r = client.get("%(url)s")
t1 = time.perf_counter()
cpu = time.process_time()  # this process's CPU seconds: the figure a busy machine can't inflate
assert r.status_code == 200, r.get_data(as_text=True)
geo = app.extensions["kratom.holder"].current.geo
ready_s = None
if hasattr(geo, "done"):
    geo.done.wait(timeout=1800)
    ready_s = time.perf_counter() - t0 if geo.ready else None
r2 = client.get("%(url)s")
print(json.dumps({"first_answer_s": t1 - t0, "first_answer_cpu_s": cpu, "index_ready_s": ready_s,
                  "verdict": r.get_json()["verdict"]["code"],
                  "same_after": r.get_json()["verdict"] == r2.get_json()["verdict"]}))
""" % {"url": URL}  # noqa: UP031
BARE = "import json, time; t0 = time.perf_counter(); import flask; "
BARE += "print(json.dumps({'first_answer_s': time.perf_counter() - t0}))"


def run(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_first_answer(env: dict[str, str], deadline_s: float = 120.0) -> float:
    """Seconds from launching gunicorn to the first 200 of a point lookup (polling a real
    subprocess, with a deadline)."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "service:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - t0 < deadline_s:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{URL}", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        raise SystemExit("gunicorn gave no answer before the deadline")
    finally:
        stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boundaries", default=None, help="Census override directory (optional)")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    base = {**os.environ, "PYTHONPATH": str(ROOT), "KRATOM_REFRESH_SECONDS": "0"}
    base.pop("KRATOM_BOUNDARIES_DIR", None)
    results: dict[str, object] = {
        "bare_flask_import_s": round(run(BARE, base)["first_answer_s"], 3)
    }
    sets = [("shipped", None)] + ([("high-res", args.boundaries)] if args.boundaries else [])
    for name, override in sets:
        with tempfile.TemporaryDirectory() as td:
            env = {**base, "KRATOM_CACHE_DIR": f"{td}/cache", "KRATOM_INDEX_DIR": f"{td}/index"}
            if override:
                env["KRATOM_BOUNDARIES_DIR"] = override
            print(f"{name}: in-process cold start ...", file=sys.stderr, flush=True)
            r = run(PROBE, env)
            row = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}
            with tempfile.TemporaryDirectory() as td2:
                env2 = {
                    **env,
                    "KRATOM_CACHE_DIR": f"{td2}/cache",
                    "KRATOM_INDEX_DIR": f"{td2}/index",
                }
                print(f"{name}: build step ...", file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "service.geo.build", "--quiet"],
                    cwd=ROOT,
                    env=env2,
                    check=True,
                )
                row["build_step_s"] = round(time.perf_counter() - t0, 1)
                size = sum(f.stat().st_size for f in Path(td2, "index").rglob("*.npy"))
                row["index_mb"] = round(size / 1e6, 1)
            if not override:
                with tempfile.TemporaryDirectory() as td3:
                    env3 = {
                        **base,
                        "KRATOM_CACHE_DIR": f"{td3}/cache",
                        "KRATOM_INDEX_DIR": f"{td3}/index",
                    }
                    print(f"{name}: gunicorn cold start ...", file=sys.stderr, flush=True)
                    row["gunicorn_first_answer_s"] = round(gunicorn_first_answer(env3), 2)
            results[name] = row
            print(f"{name:<9} {json.dumps(row)}", flush=True)
    print("target: first answer < 5 s with an empty cache and no prebuilt index")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
