#!/usr/bin/env python3
"""How `annotate` on a Dask DataFrame scales with workers (1, then 2, ... on this machine).

Each partition makes its own random points on the worker (as a partition read from Parquet on
a cluster would), is annotated, and only a count per status comes back, so the figure is the
workers' throughput, not the driver's serialisation. Reference in the same run: the same work
(make the rows, annotate a plain pandas DataFrame, count) in this process, without Dask. The
clusters run side by side and the rounds are interleaved; each figure is its best round.

    python scripts/bench_dask.py [--rows 4000000] [--partitions 32] [--workers 1 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAY = "2026-12-01"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_partition(seed: int, rows: int):  # type: ignore[no-untyped-def]
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "lat": np.degrees(np.arcsin(rng.uniform(-1, 1, rows))),
            "lon": rng.uniform(-180, 180, rows),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=4_000_000)
    ap.add_argument("--partitions", type=int, default=32)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    import dask.dataframe as dd
    import distributed

    from service import KratomStatus

    ks = KratomStatus()
    per = args.rows // args.partitions
    rows = per * args.partitions

    def local(round_: int) -> float:
        t0 = time.perf_counter()
        for p in range(args.partitions):  # the same work as a Dask task: make, annotate, count
            seed = round_ * args.partitions + p
            ks.annotate(make_partition(seed, per), on=DAY)["status"].value_counts()
        return time.perf_counter() - t0

    def on_cluster(client: distributed.Client, round_: int) -> float:
        # new seeds each round: a new graph, so no result is reused from the last one
        seeds = [round_ * args.partitions + p for p in range(args.partitions)]
        ddf = dd.from_map(make_partition, seeds, rows=per)
        counts = ks.annotate(ddf, on=DAY)["status"].value_counts()
        t0 = time.perf_counter()
        client.compute(counts).result()
        return time.perf_counter() - t0

    with contextlib.ExitStack() as stack:
        clients = {}
        for n in args.workers:
            log(f"starting a LocalCluster with {n} worker process(es) × 1 thread ...")
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            clients[n] = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        local(0)  # warm
        first = {n: on_cluster(c, 0) for n, c in clients.items()}  # workers load the data
        times: dict[str, list[float]] = {"local": []} | {str(n): [] for n in clients}
        for r in range(1, args.rounds + 1):  # interleaved, so a busy moment hits all alike
            log(f"round {r} of {args.rounds} ...")
            times["local"].append(local(r))
            for n, c in clients.items():
                times[str(n)].append(on_cluster(c, r))

    results = [{"workers": 0, "what": "pandas, this process", "seconds": min(times["local"])}]
    for n in clients:
        results.append(
            {
                "workers": n,
                "what": f"Dask, {n} worker(s)",
                "seconds": min(times[str(n)]),
                "first_run_seconds": first[n],
            }
        )

    print(f"\n{rows:,} rows in {args.partitions} partitions, world points, {DAY}")
    print(f"{'':<26}{'seconds':>9}{'rows/s':>12}{'× 1 worker':>12}")
    one = next((r["seconds"] for r in results if r["workers"] == 1), None)
    for r in results:
        r["rows_per_s"] = rows / r["seconds"]
        scale = f"{one / r['seconds']:.2f}" if one else ""
        print(f"{r['what']:<26}{r['seconds']:>9.2f}{r['rows_per_s']:>12,.0f}{scale:>12}")
        if "first_run_seconds" in r:
            print(f"{'  first run (loads data)':<26}{r['first_run_seconds']:>9.2f}")
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps({"rows": rows, "partitions": args.partitions, "results": results}, indent=2)
            + "\n"
        )


if __name__ == "__main__":
    main()
