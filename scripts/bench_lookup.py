#!/usr/bin/env python3
"""In-process point lookups against timezonefinder, on the same random points, in the same run.

Measures `BoundaryIndex.locate` (country + state + local, with flags), the full resolver answer
(`resolve.point_answer`), timezonefinder's `timezone_at`, and vectorised `locate_many`.
`--json FILE` writes the figures.

    python scripts/bench_lookup.py [--points 20000] [--boundaries ../shared/boundaries] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_call(fn, xs, ys) -> list[float]:  # type: ignore[no-untyped-def]
    clock = time.perf_counter_ns
    out = []
    for x, y in zip(xs, ys, strict=True):
        t0 = clock()
        fn(x, y)
        out.append((clock() - t0) / 1000)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median_us": round(statistics.median(s), 3),
        "p99_us": round(s[int(len(s) * 0.99)], 3),
        "mean_us": round(statistics.fmean(s), 3),
    }


def points(n: int, rng: np.random.Generator, region: str) -> tuple[np.ndarray, np.ndarray]:
    if region == "us":
        return rng.uniform(-125, -66, n), rng.uniform(24, 50, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))  # uniform on the sphere
    return rng.uniform(-180, 180, n), lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=1_000_000)
    ap.add_argument("--boundaries", default=str(ROOT.parent / "shared" / "boundaries"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    from timezonefinder import TimezoneFinder

    from service import create_app, resolve

    config = {"KRATOM_REFRESH_SECONDS": 0}
    if Path(args.boundaries, "us_states_cb2023_500k.parquet").exists():
        config["KRATOM_BOUNDARIES_DIR"] = args.boundaries
    print("loading service and timezonefinder ...", flush=True)
    snap = create_app(config).extensions["kratom.holder"].current
    geo = snap.geo
    tf = TimezoneFinder()
    day = dt.date(2026, 12, 1)
    rng = np.random.default_rng(args.seed)
    rows = []
    for region in ("world", "us"):
        xs, ys = points(args.points, rng, region)
        xs_l, ys_l = xs.tolist(), ys.tolist()
        for fn in (geo.locate, tf.timezone_at):  # warm both on the same points
            for x, y in zip(xs_l[:2000], ys_l[:2000], strict=True):
                fn(lng=x, lat=y) if fn == tf.timezone_at else fn(x, y)
        tz = summary(per_call(lambda x, y: tf.timezone_at(lng=x, lat=y), xs_l, ys_l))
        ours = summary(per_call(geo.locate, xs_l, ys_l))
        full = summary(
            per_call(
                lambda x, y: resolve.point_answer(snap, geo.locate(x, y), y, x, day), xs_l, ys_l
            )
        )
        for name, s in (
            ("timezonefinder.timezone_at", tz),
            ("geo.locate", ours),
            ("locate + verdict", full),
        ):
            rows.append(
                {
                    "region": region,
                    "what": name,
                    **s,
                    "ratio_to_tf": round(s["median_us"] / tz["median_us"], 2),
                }
            )
    bx, by = points(args.batch, rng, "world")
    t0 = time.perf_counter()
    geo.locate_many(bx, by)
    batch_s = time.perf_counter() - t0
    bx, by = points(args.batch, rng, "us")
    t0 = time.perf_counter()
    geo.locate_many(bx, by)
    batch_us_s = time.perf_counter() - t0

    print(f"\n{'points':<7}{'what':<28}{'median µs':>10}{'p99 µs':>9}{'× tf':>7}")
    for r in rows:
        print(
            f"{r['region']:<7}{r['what']:<28}{r['median_us']:>10.2f}{r['p99_us']:>9.2f}{r['ratio_to_tf']:>7.2f}"
        )
    print(
        f"\nlocate_many: {args.batch / batch_s:,.0f} points/s (world), {args.batch / batch_us_s:,.0f} points/s (US)"
    )
    print("targets: geo.locate median <= timezonefinder median; batch >= 1,000,000 points/s")
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps(
                {
                    "rows": rows,
                    "batch_points_per_s_world": args.batch / batch_s,
                    "batch_points_per_s_us": args.batch / batch_us_s,
                    "boundaries": config.get("KRATOM_BOUNDARIES_DIR", "shipped"),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
