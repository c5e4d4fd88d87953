"""The build step: the boundary index, ahead of time, with a progress line.

    python -m service.geo.build [--shipped data/boundaries] [--override DIR] [--out DIR]

Writes the index for the shipped boundaries (and KRATOM_BOUNDARIES_DIR's Census files, or
--override) into build/geo-index (KRATOM_INDEX_DIR; --out), where the service looks first.
`scripts/serve.sh`, the Dockerfile and CI run it; it does nothing when the index is there.
A service started without it answers at once anyway (see `load_boundaries`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import grid as g
from .index import build_arrays, plan_boundaries

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "boundaries"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m service.geo.build", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--shipped", type=Path, default=SHIPPED)
    ap.add_argument(
        "--override", type=Path, default=os.environ.get("KRATOM_BOUNDARIES_DIR") or None
    )
    ap.add_argument(
        "--out", type=Path, default=None, help="default: KRATOM_INDEX_DIR or build/geo-index"
    )
    ap.add_argument("--to-cache", action="store_true", help="write to KRATOM_CACHE_DIR instead")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--nice", action="store_true", help="lower priority: requests come first")
    args = ap.parse_args(argv)
    if args.nice:
        os.nice(10)
    out = args.out or (g.cache_dir() if args.to_cache else g.index_dir())
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if not args.quiet:
            print(
                f"[geo-index {time.perf_counter() - t0:5.1f}s] {message}",
                file=sys.stderr,
                flush=True,
            )

    plan = plan_boundaries(args.shipped, args.override)
    where = out / g.entry_name(plan.cache_key)
    if g.find(plan.cache_key, [out, g.index_dir()]) is not None:
        say(f"up to date: {where}")
        return 0
    found = g.find(plan.cache_key)
    if found is not None:  # an earlier start built it into the cache
        say(f"copying the cached index into {where}")
        g.store(plan.cache_key, *found, out)
    else:
        say(f"building the boundary index into {where} (once per set of boundary files)")
        g.cached(plan.cache_key, lambda: build_arrays(plan, say), out=out)
    if g.find(plan.cache_key, [out]) is None:
        print(f"could not write {where}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in where.iterdir()) / 1e6
    say(f"done: {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
