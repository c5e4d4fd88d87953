"""The dataset scorecard: one computation for `flask data report` and the /about/data page.

Pure over a Dataset and a day, so the command line and the page can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from ..dataset.lint import looks_like_vendor
from ..dataset.model import CONFIDENCES, LEVELS, STATUSES, TIERS, Dataset, Period

UPCOMING_DAYS = 90
# (label, upper bound in days, exclusive); the last bucket is open-ended.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under 90 days", 90),
    ("90 to 179 days", 180),
    ("180 to 364 days", 365),
    ("1 to 2 years", 730),
    ("over 2 years", None),
)


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _bucket(age: int) -> str:
    for label, limit in AGE_BUCKETS:
        if limit is None or age < limit:
            return label
    return AGE_BUCKETS[-1][0]  # pragma: no cover


def _entry(code: str, name: str, p: Period) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "status": p.status,
        "since": _day(p.start),
        "confidence": p.confidence,
        "verified_on": p.verified_on.isoformat(),
        "law": p.law,
        "file": p.file,
        "line": p.line,
    }


def compute_report(
    dataset: Dataset, today: dt.date | None = None, stale_days: int = 365
) -> dict[str, Any]:
    """Coverage, staleness, upcoming changes, source tiers and what remains unconfirmed."""
    today = today or dt.datetime.now(dt.UTC).date()
    horizon = today + dt.timedelta(days=UPCOMING_DAYS)
    by_level = {level: dict.fromkeys(STATUSES, 0) for level in LEVELS}
    confidence = Counter({c: 0 for c in (*CONFIDENCES, "none")})
    ages = Counter({label: 0 for label, _ in AGE_BUCKETS})
    stale: list[dict[str, Any]] = []
    upcoming: list[dict[str, Any]] = []
    low: list[dict[str, Any]] = []
    vendor_only: list[dict[str, Any]] = []
    us_unsourced: list[str] = []
    cited: dict[str, str] = {}
    researched_countries = 0
    for j in dataset.jurisdictions.values():
        p = j.period_at(today)
        by_level[j.level][p.status if p else "unknown"] += 1
        confidence[p.confidence if p else "none"] += 1
        if j.level == "country" and j.periods:
            researched_countries += 1
        # US-UM (the Minor Outlying Islands) has no permanent population: out of the
        # coverage promise, which is the states, DC and the five inhabited territories.
        us = (j.code == "US" or j.code.startswith("US-")) and j.code != "US-UM"
        if us and (p is None or not p.sources):
            us_unsourced.append(j.code)
        for q in j.periods:
            for s in q.sources:
                cited[s.url] = s.tier or "unregistered"
            if q.start is not None and today < q.start <= horizon:
                before = j.period_at(q.start - dt.timedelta(days=1))
                upcoming.append(
                    _entry(j.code, j.name, q)
                    | {
                        "date": q.start.isoformat(),
                        "from_status": before.status if before else "unknown",
                    }
                    | {"lifecycle": q.lifecycle}
                )
        if p is None:
            continue
        age = (today - p.verified_on).days
        ages[_bucket(age)] += 1
        if age > stale_days:
            stale.append(_entry(j.code, j.name, p) | {"age_days": age})
        if p.confidence == "low":
            low.append(_entry(j.code, j.name, p) | {"notes": p.notes})
        if all(looks_like_vendor(s) for s in p.sources):
            vendor_only.append(_entry(j.code, j.name, p))
    tiers = Counter({t: 0 for t in (*TIERS, "unregistered")})
    tiers.update(cited.values())
    upcoming.sort(key=lambda e: (e["date"], e["code"]))
    unknown = sum(levels["unknown"] for levels in by_level.values())
    return {
        "as_of": today.isoformat(),
        "version": dataset.version,
        "coverage": {
            "jurisdictions": len(dataset.jurisdictions),
            "researched": sum(1 for j in dataset.jurisdictions.values() if j.periods),
            "unknown_today": unknown,
            "researched_countries": researched_countries,
            "by_level_status": {k: v for k, v in by_level.items() if any(v.values())},
            "by_confidence": dict(confidence),
            "us_without_source": sorted(us_unsourced),
            "us_without_source_ok": not us_unsourced,
        },
        "staleness": {
            "stale_days": stale_days,
            "current_periods_by_age": dict(ages),
            "stale": stale,
        },
        "upcoming": {"days": UPCOMING_DAYS, "changes": upcoming},
        "sources": {
            "cited": len(cited),
            "registered": len(dataset.sources),
            "by_tier": dict(tiers),
            "vendor_only_current": vendor_only,
        },
        "unconfirmed": low,
    }


def report_text(r: dict[str, Any]) -> str:
    """The report for people: short lines, one figure each."""
    c, s, u, src = r["coverage"], r["staleness"], r["upcoming"], r["sources"]
    out = [
        f"Dataset {r['version']} as of {r['as_of']}",
        "",
        "Coverage",
        f"  jurisdictions: {c['jurisdictions']} ({c['researched']} researched, "
        f"{c['unknown_today']} unknown today)",
        f"  researched countries: {c['researched_countries']}",
    ]
    statuses = STATUSES
    out.append("  " + "level".ljust(9) + "".join(x.rjust(11) for x in statuses))
    for level, counts in c["by_level_status"].items():
        out.append("  " + level.ljust(9) + "".join(str(counts[x]).rjust(11) for x in statuses))
    out.append(
        "  confidence today: "
        + ", ".join(f"{k} {v}" for k, v in c["by_confidence"].items())
        + " (none = no current period)"
    )
    missing = c["us_without_source"]
    check = "ok (0)" if not missing else f"CHECK FAILED ({len(missing)}): {' '.join(missing)}"
    out.append(f"  US jurisdictions without a source today: {check}")
    out += ["", f"Staleness (verified_on of current periods; stale over {s['stale_days']} days)"]
    out += [f"  {label}: {n}" for label, n in s["current_periods_by_age"].items()]
    out += [f"  stale: {e['code']} verified {e['verified_on']}" for e in s["stale"]]
    out += ["", f"Upcoming changes (next {u['days']} days): {len(u['changes'])}"]
    out += [
        f"  {e['date']} {e['code']} ({e['name']}): {e['from_status']} -> {e['status']}"
        f" [{e['lifecycle']}, {e['confidence']}]"
        for e in u["changes"]
    ]
    out += [
        "",
        f"Sources: {src['cited']} cited, {src['registered']} registered",
        "  by tier: " + ", ".join(f"{k} {v}" for k, v in src["by_tier"].items()),
        f"  current periods resting only on vendor sources: {len(src['vendor_only_current'])}",
    ]
    out += [f"    {e['code']} ({e['name']}): {e['status']}" for e in src["vendor_only_current"]]
    out += ["", f"Unconfirmed (low-confidence current periods): {len(r['unconfirmed'])}"]
    out += [
        f"  {e['code']} ({e['name']}): {e['status']} - {e['file']}:{e['line']}"
        for e in r["unconfirmed"]
    ]
    return "\n".join(out)
