#!/usr/bin/env python3
"""How long a dataset swap pauses requests, measured in-process against a no-swap baseline.

Request threads call the app (WSGI, no HTTP) in a loop and record every request's latency,
first for a while with no refresh (the reference), then while the main thread alternates two
valid datasets and refreshes after each edit. Prints the max and p99.9 latency of both phases
and how many swaps ran. `--json FILE` writes the figures.

    python scripts/bench_swap.py [--swaps 30] [--threads 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URLS = ["/v1/jurisdictions/US-TX", "/v1/lookup?lat=31.0&lon=-100.0", "/v1/lookup?q=texas"]


def hammer(app, stop: threading.Event, out: list[float]) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    i = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        r = client.get(URLS[i % len(URLS)])
        out.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise SystemExit(f"request failed: {r.status_code}")
        i += 1


def phase(app, threads: int, work) -> list[float]:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    samples: list[list[float]] = [[] for _ in range(threads)]
    ts = [threading.Thread(target=hammer, args=(app, stop, s)) for s in samples]
    for t in ts:
        t.start()
    try:
        work()
    finally:
        stop.set()
        for t in ts:
            t.join()
    return sorted(x for s in samples for x in s)


def summary(lat: list[float]) -> dict[str, float]:
    return {
        "requests": len(lat),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 2),
        "p999_ms": round(lat[int(len(lat) * 0.999)] * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--swaps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    logging.disable(logging.INFO)

    from service import create_app
    from service.refresh import refresh

    work = Path(tempfile.mkdtemp(prefix="kratom-swap-"))
    data = work / "jurisdictions"
    shutil.copytree(ROOT / "data" / "jurisdictions", data)
    app = create_app({"KRATOM_DATA_SOURCE": str(data), "KRATOM_REFRESH_SECONDS": 0})
    target = data / "us-states.csv"
    original = target.read_text(encoding="utf-8")
    seconds = max(2.0, args.swaps * 0.15)
    outcomes: list[str] = []

    def idle() -> None:
        time.sleep(seconds)

    def swaps() -> None:
        for n in range(args.swaps):
            target.write_text(original + ("" if n % 2 else "\n"), encoding="utf-8")
            outcomes.append(refresh(app)["outcome"])
            time.sleep(seconds / args.swaps)

    print(
        f"{args.threads} request threads; baseline {seconds:.1f} s, then {args.swaps} swaps",
        flush=True,
    )
    base = summary(phase(app, args.threads, idle))
    during = summary(phase(app, args.threads, swaps))
    shutil.rmtree(work, ignore_errors=True)
    loaded = outcomes.count("loaded")
    print(f"\n{'phase':<14}{'requests':>10}{'p50 ms':>9}{'p99.9 ms':>10}{'max ms':>9}")
    for name, s in (("no swaps", base), ("during swaps", during)):
        print(
            f"{name:<14}{s['requests']:>10}{s['p50_ms']:>9.2f}{s['p999_ms']:>10.2f}{s['max_ms']:>9.2f}"
        )
    print(f"\nswaps loaded: {loaded} of {args.swaps}; target: no request paused by more than 50 ms")
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps({"baseline": base, "during_swaps": during, "swaps_loaded": loaded}, indent=2)
        )


if __name__ == "__main__":
    main()
