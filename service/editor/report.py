"""The dataset scorecard: one computation for `flask data report` and the /about/data page.

Pure over a Dataset and a day, so the command line and the page can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from ..dataset.lint import looks_like_vendor
from ..dataset.model import (
    CONFIDENCES,
    LEVELS,
    STATUSES,
    TIERS,
    Dataset,
    Jurisdiction,
    Period,
    summary_status,
)

UPCOMING_DAYS = 90
CHECKED_DAYS = 30  # "N places checked since …": sources read within this many days
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
        "products": list(p.products),
        "status": p.status,
        "since": _day(p.start),
        "confidence": p.confidence,
        "verified_on": p.verified_on.isoformat(),
        "law": p.law,
        "file": p.file,
        "line": p.line,
    }


def _current(j: Jurisdiction, today: dt.date) -> list[Period]:
    """The distinct periods in force today, one per group of classes."""
    out: list[Period] = []
    for p in j.periods_at(today).values():
        if p is not None and all(p is not q for q in out):
            out.append(p)
    return out


def _newest_source_day(p: Period) -> str:
    return p.source_date or ""


def compute_report(
    dataset: Dataset, today: dt.date | None = None, stale_days: int = 365
) -> dict[str, Any]:
    """Coverage, currency, staleness, upcoming changes and pending actions, source tiers and
    what remains unconfirmed."""
    today = today or dt.datetime.now(dt.UTC).date()
    horizon = today + dt.timedelta(days=UPCOMING_DAYS)
    by_level = {level: dict.fromkeys(STATUSES, 0) for level in LEVELS}
    confidence = Counter({c: 0 for c in (*CONFIDENCES, "none")})
    ages = Counter({label: 0 for label, _ in AGE_BUCKETS})
    stale: list[dict[str, Any]] = []
    upcoming: list[dict[str, Any]] = []
    watch: list[dict[str, Any]] = []
    low: list[dict[str, Any]] = []
    vendor_only: list[dict[str, Any]] = []
    us_unsourced: list[str] = []
    cited: dict[str, str] = {}
    by_source_month: Counter[str] = Counter()
    newest: tuple[str, str] = ("", "")
    checked: dict[str, dt.date] = {}
    researched_countries = 0
    for j in dataset.jurisdictions.values():
        classes = j.periods_at(today)
        leaf = classes["leaf"]
        by_level[j.level][
            summary_status({c: (q.status if q else "unknown") for c, q in classes.items()})
        ] += 1
        confidence[leaf.confidence if leaf else "none"] += 1
        if j.level == "country" and j.periods:
            researched_countries += 1
        # US-UM (the Minor Outlying Islands) has no permanent population: out of the
        # coverage promise, which is the states, DC and the five inhabited territories.
        # Local places listed only for a pending proposal have no rules of their own yet.
        us = (j.code == "US" or j.code.startswith("US-")) and j.code != "US-UM"
        us = us and (j.level in ("country", "state") or bool(j.periods))
        if us and (leaf is None or not leaf.sources):
            us_unsourced.append(j.code)
        for q in j.periods:
            for src in q.sources:
                cited[src.url] = src.tier or "unregistered"
            if q.source_date and q.source_date > newest[0]:
                newest = (q.source_date, j.code)
            if q.start is not None and today < q.start <= horizon:
                before = j.period_at(q.start - dt.timedelta(days=1), q.products[0])
                upcoming.append(
                    _entry(j.code, j.name, q)
                    | {
                        "date": q.start.isoformat(),
                        "from_status": before.status if before else "unknown",
                    }
                    | {"lifecycle": q.lifecycle}
                )
        for w in j.watch:
            for src in w.sources:
                cited[src.url] = src.tier or "unregistered"
            watch.append(
                {
                    "code": j.code,
                    "name": j.name,
                    "products": list(w.products),
                    "proposed_status": w.proposed_status,
                    "stage": w.stage,
                    "stage_date": w.stage_date.isoformat(),
                    "decide_by": _day(w.decide_by),
                    "overdue": w.overdue_on(today),
                    "title": w.title,
                    "confidence": w.confidence,
                    "file": w.file,
                    "line": w.line,
                }
            )
        current = _current(j, today)
        if current:
            checked[j.code] = min(p.verified_on for p in current)
        for p in current:
            by_source_month[(p.source_date or "undated")[:7]] += 1
            age = (today - p.verified_on).days
            ages[_bucket(age)] += 1
            if age > stale_days:
                stale.append(_entry(j.code, j.name, p) | {"age_days": age})
            if p.confidence == "low":
                low.append(_entry(j.code, j.name, p) | {"notes": p.notes})
            if all(looks_like_vendor(src) for src in p.sources):
                vendor_only.append(_entry(j.code, j.name, p))
    tiers = Counter({t: 0 for t in (*TIERS, "unregistered")})
    tiers.update(cited.values())
    upcoming.sort(key=lambda e: (e["date"], e["code"]))
    watch.sort(key=lambda e: (e["decide_by"] or "9999", e["code"], e["line"]))
    unknown = sum(levels["unknown"] for levels in by_level.values())
    recent = today - dt.timedelta(days=CHECKED_DAYS)
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
        "currency": {
            "newest_source": newest[0] or None,
            "newest_source_code": newest[1] or None,
            "checked_days": CHECKED_DAYS,
            "checked_since": recent.isoformat(),
            "places_checked_since": sum(1 for d in checked.values() if d >= recent),
            "places_with_status": len(checked),
            "current_periods_by_source_month": _month_table(by_source_month, today),
        },
        "staleness": {
            "stale_days": stale_days,
            "current_periods_by_age": dict(ages),
            "stale": stale,
        },
        "upcoming": {"days": UPCOMING_DAYS, "changes": upcoming},
        "watch": watch,
        "sources": {
            "cited": len(cited),
            "registered": len(dataset.sources),
            "by_tier": dict(tiers),
            "vendor_only_current": vendor_only,
        },
        "unconfirmed": low,
        "leads_not_confirmed": [
            {
                "place": x.place,
                "code": x.code or None,
                "lead": x.lead,
                "searched": x.searched,
                "checked_on": x.checked_on.isoformat(),
                "file": x.file,
                "line": x.line,
            }
            for x in dataset.unconfirmed
        ],
    }


def _month_table(counts: Counter[str], today: dt.date) -> dict[str, int]:
    """Current periods by the newest date their sources speak of: the last six months one by
    one, then by year, then undated."""
    months = []
    y, m = today.year, today.month
    for _ in range(6):
        months.append(f"{y}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out: dict[str, int] = {k: 0 for k in months}
    for key, n in sorted(counts.items(), reverse=True):
        if key == "undated":
            continue
        label = key if key in out else key[:4]
        if label not in out and len(key) == 7 and key > months[-1]:
            label = key  # future-dated source: keep it visible
        out[label] = out.get(label, 0) + n
    out["undated"] = counts.get("undated", 0)
    return out


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
    cur = r["currency"]
    out += [
        "",
        "Currency",
        f"  newest source: {cur['newest_source'] or 'none dated'}"
        + (f" ({cur['newest_source_code']})" if cur["newest_source_code"] else ""),
        f"  places checked since {cur['checked_since']}: {cur['places_checked_since']} of "
        f"{cur['places_with_status']} with a status (every current source read in the last "
        f"{cur['checked_days']} days)",
        "  current periods by their newest source date:",
    ]
    out += [f"    {k}: {n}" for k, n in cur["current_periods_by_source_month"].items()]
    out += ["", f"Staleness (verified_on of current periods; stale over {s['stale_days']} days)"]
    out += [f"  {label}: {n}" for label, n in s["current_periods_by_age"].items()]
    out += [f"  stale: {e['code']} verified {e['verified_on']}" for e in s["stale"]]
    out += ["", f"Upcoming changes (next {u['days']} days): {len(u['changes'])}"]
    out += [
        f"  {e['date']} {e['code']} ({e['name']}) [{' '.join(e['products'])}]: "
        f"{e['from_status']} -> {e['status']}"
        f" [{e['lifecycle']}, {e['confidence']}]"
        for e in u["changes"]
    ]
    w = r["watch"]
    out += ["", f"Watch list (pending, not in force): {len(w)}"]
    out += [
        f"  decide by {e['decide_by'] or '(no date)'}{' OVERDUE' if e['overdue'] else ''}: "
        f"{e['code']} [{' '.join(e['products'])}] {e['title']} ({e['stage']} {e['stage_date']}, "
        f"would be {e['proposed_status']})"
        for e in w
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
    leads = r["leads_not_confirmed"]
    out += ["", f"Leads searched and not confirmed (nothing entered): {len(leads)}"]
    out += [f"  {e['place']} (checked {e['checked_on']}): {e['lead']}" for e in leads]
    return "\n".join(out)
