"""Turn raw dataset files into a validated, immutable Dataset, reporting every error.

Pure: the same bytes always give the same Dataset and the same version hash.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from . import registry
from .csvfile import Row, read_rows
from .issues import DatasetError, Issue
from .model import (
    CAP_SUBSTANCES,
    CAP_UNITS,
    CONFIDENCES,
    LIFECYCLES,
    PRECISIONS,
    PRODUCTS,
    ROW_STATUSES,
    TIERS,
    WATCH_STAGES,
    Cap,
    Dataset,
    Jurisdiction,
    Lead,
    Period,
    Source,
    WatchItem,
)

PERIOD_COLUMNS = (
    "code",
    "products",
    "status",
    "effective_from",
    "effective_to",
    "lifecycle",
    "date_precision",
    "age_min",
    "cap",
    "law",
    "sources",
    "verified_on",
    "confidence",
    "source_date",
    "notes",
)
PLACE_COLUMNS = ("code", "name", "kind", "parent", "geoid", "counties")
TERRITORY_COLUMNS = ("code", "parent", "subdivision", "notes", "sources")
SOURCE_COLUMNS = ("url", "tier", "publisher", "title", "read_via")
WATCH_COLUMNS = (
    "code",
    "products",
    "proposed_status",
    "stage",
    "stage_date",
    "decide_by",
    "title",
    "sources",
    "verified_on",
    "confidence",
    "notes",
)
UNCONFIRMED_COLUMNS = ("place", "code", "lead", "searched", "checked_on")
SPECIAL_FILES = {"places.csv", "territories.csv", "sources.csv", "watch.csv", "unconfirmed.csv"}
PLACE_KINDS = {
    "city": "city",
    "town": "city",
    "village": "city",
    "county": "county",
    "parish": "county",
    "borough": "county",
    # a county rule for its unincorporated areas only: never given the county's polygon (its
    # towns are outside the rule); a point in the county lists it under `local_nearby`
    "unincorporated": "county",
}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
CAP_RE = re.compile(
    r"^(?P<substance>[a-z0-9-]+)<=(?P<limit>\d+(?:\.\d+)?)(?P<unit>%alkaloids|%w/w|mg/serving|mg/unit|mg/g)$"
)
GEOID_RE = re.compile(r"^\d{5}$")


def content_version(files: Mapping[str, bytes]) -> str:
    """Hash of the CSV files' names and bytes: same files, same version, on any machine."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:16]


def parse_date(row: Row, field: str, issues: list[Issue], required: bool = False) -> dt.date | None:
    raw = row.values.get(field, "")
    if not raw:
        if required:
            issues.append(row.issue(field, "required date is empty"))
        return None
    if not DATE_RE.match(raw):
        issues.append(row.issue(field, f"bad date {raw!r}: expected YYYY-MM-DD"))
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        issues.append(row.issue(field, f"impossible date {raw!r}"))
        return None


BAD_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


@functools.lru_cache(maxsize=8192)
def valid_url(url: str) -> bool:
    """http(s) with a dotted host and no whitespace or control characters (cached: URLs repeat)."""
    if BAD_URL_CHARS.search(url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and "." in host


def build_dataset(files: Mapping[str, bytes], today: dt.date | None = None) -> Dataset:
    """Validate and compile; raise DatasetError with every error found."""
    dataset, errors = compile_files(files, today)
    if errors or dataset is None:
        raise DatasetError(errors or [Issue("", 0, 0, "", "no dataset")])
    return dataset


def compile_files(
    files: Mapping[str, bytes], today: dt.date | None = None
) -> tuple[Dataset | None, list[Issue]]:
    today = today or dt.datetime.now(dt.UTC).date()
    errors: list[Issue] = []
    period_files = sorted(n for n in files if n.endswith(".csv") and n not in SPECIAL_FILES)
    if not period_files:
        errors.append(Issue("", 0, 0, "", "no period files (*.csv) found"))

    sources = _read_sources(files, errors)
    places = _read_places(files, errors)
    aliases, territory_parents = _read_territories(files, errors)
    aliases = {**_iso_aliases(), **aliases}

    known = _base_jurisdictions()
    for code, place in places.items():
        known[code] = (place.name, PLACE_KINDS[place.kind], place.parent, place.kind, ())

    periods_by_code: dict[str, list[Period]] = {}
    seen: dict[tuple[str, tuple[str, ...], str, str], int] = {}
    for name in period_files:
        rows, issues = read_rows(name, files[name], PERIOD_COLUMNS)
        errors.extend(issues)
        for row in rows:
            period = _period(row, known, aliases, sources, today, errors)
            if period is None:
                continue
            v = row.values
            key = (period.code, period.products, v["effective_from"], v["effective_to"])
            if key in seen:
                errors.append(
                    row.issue(
                        "code",
                        f"duplicate row (same code, products and dates as line {seen[key]})",
                    )
                )
                continue
            seen[key] = row.line
            periods_by_code.setdefault(period.code, []).append(period)
    for code, plist in periods_by_code.items():
        _check_overlaps(code, plist, errors)
    watch = _read_watch(files, known, aliases, sources, today, errors)
    unconfirmed = _read_unconfirmed(files, known, aliases, today, errors)
    if errors:
        return None, errors

    jurisdictions: dict[str, Jurisdiction] = {}
    alias_of: dict[str, list[str]] = {}
    for alias, target in aliases.items():
        alias_of.setdefault(target, []).append(alias)
    for code, (jname, level, parent, kind, extra) in known.items():
        if code in aliases:
            continue
        plist = sorted(
            periods_by_code.get(code, []),
            key=lambda p: (p.start or dt.date.min, PRODUCTS.index(p.products[0])),
        )
        if level == "state" and not code.startswith("US-") and not plist:
            continue  # other countries' subdivisions exist only once researched
        names = tuple(extra) + tuple(alias_of.get(code, ()))
        place = places.get(code)
        jurisdictions[code] = Jurisdiction(
            code=code,
            name=jname,
            level=level,
            parent=territory_parents.get(code, parent),
            periods=tuple(plist),
            aliases=tuple(sorted(alias_of.get(code, ()))),
            kind=kind,
            search_names=names,
            watch=tuple(sorted(watch.get(code, []), key=lambda w: (w.stage_date, w.line))),
            counties=place.counties if place else (),
            geoid=place.geoid if place else "",
        )
    return (
        Dataset(
            version=content_version({n: b for n, b in files.items() if n.endswith(".csv")}),
            jurisdictions=MappingProxyType(dict(sorted(jurisdictions.items()))),
            aliases=MappingProxyType(dict(aliases)),
            sources=MappingProxyType(sources),
            files=tuple(sorted(n for n in files if n.endswith(".csv"))),
            unconfirmed=tuple(unconfirmed),
        ),
        [],
    )


def _check_overlaps(code: str, plist: list[Period], errors: list[Issue]) -> None:
    """Periods of one code may share dates only when they speak for different classes."""
    reported: set[tuple[str, int, str, int]] = set()
    for product in PRODUCTS:
        timeline = sorted(
            (p for p in plist if product in p.products), key=lambda p: p.start or dt.date.min
        )
        for prev, cur in itertools.pairwise(timeline):
            if prev.end is None or cur.start is None or prev.end > cur.start:
                # report on the row that comes later in the files: usually the new edit
                late, early = sorted((prev, cur), key=lambda p: (p.file, p.line), reverse=True)
                pair = (late.file, late.line, early.file, early.line)
                if pair in reported:
                    continue
                reported.add(pair)
                errors.append(
                    Issue(
                        late.file,
                        late.line,
                        4,
                        "effective_from",
                        f"period overlaps {code} period at {early.file}:{early.line} "
                        f"for product {product}",
                    )
                )


Known = dict[str, tuple[str, str, str | None, str, tuple[str, ...]]]


def _base_jurisdictions() -> Known:
    known: Known = {}
    for code, (name, others) in registry.countries().items():
        known[code] = (name, "country", None, "country", others)
    for code, (name, kind) in registry.us_subdivisions().items():
        extra = (code[3:], *registry.EXTRA_NAMES.get(code, ()))
        known[code] = (name, "state", "US", kind.lower(), extra)
    return known


def _iso_aliases() -> dict[str, str]:
    """ISO 3166-2:US lists the outlying areas (US-PR...) that are also ISO 3166-1 codes (PR...)."""
    countries = registry.countries()
    return {
        code[3:]: code
        for code, (_name, kind) in registry.us_subdivisions().items()
        if kind == "Outlying area" and code[3:] in countries
    }


def _period(
    row: Row,
    known: Known,
    aliases: Mapping[str, str],
    sources: Mapping[str, Source],
    today: dt.date,
    errors: list[Issue],
) -> Period | None:
    v = row.values
    before = len(errors)
    code = _code(row, known, aliases, errors)
    products = _products(row, "products", errors)
    status = v["status"]
    if status == "restricted":
        errors.append(
            row.issue(
                "status",
                "restricted is derived, not written: give the banned classes their own row "
                "(products=...) and the other classes theirs",
            )
        )
    elif status not in ROW_STATUSES:
        errors.append(
            row.issue(
                "status", f"unknown status {status!r}; expected one of {', '.join(ROW_STATUSES)}"
            )
        )
    start = parse_date(row, "effective_from", errors)
    end = parse_date(row, "effective_to", errors)
    if start and end and end <= start:
        errors.append(
            row.issue("effective_to", f"effective_to {end} is not after effective_from {start}")
        )
    lifecycle = v["lifecycle"] or "enacted"
    if lifecycle not in LIFECYCLES:
        errors.append(
            row.issue(
                "lifecycle",
                f"unknown lifecycle {lifecycle!r}; expected one of {', '.join(LIFECYCLES)}",
            )
        )
    precision = v["date_precision"] or "day"
    if precision not in PRECISIONS:
        errors.append(
            row.issue(
                "date_precision",
                f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}",
            )
        )
    elif start and (
        (precision == "month" and start.day != 1)
        or (precision == "year" and (start.month, start.day) != (1, 1))
    ):
        errors.append(
            row.issue(
                "date_precision",
                f"{precision} precision needs a date on the first of the {precision}",
            )
        )
    elif precision != "day" and start is None:
        errors.append(row.issue("date_precision", "precision given without effective_from"))
    elif precision == "before" and not v["notes"]:
        errors.append(
            row.issue("notes", "date_precision=before needs a note saying why the start is unknown")
        )
    if start is None and status in ("regulated", "banned") and not v["effective_from"]:
        errors.append(
            row.issue(
                "effective_from",
                f"a {status} period needs a start date: if the start is not known, give the "
                "earliest day a source shows it in force with date_precision=before and say why "
                "in notes",
            )
        )
    age: int | None = None
    if v["age_min"]:
        if not v["age_min"].isdigit() or not 0 < int(v["age_min"]) < 100:
            errors.append(
                row.issue("age_min", f"age_min {v['age_min']!r} is not a whole number of years")
            )
        else:
            age = int(v["age_min"])
    caps = _caps(row, status, errors)
    if not v["law"]:
        errors.append(row.issue("law", "required: the instrument, or 'No statute or rule found'"))
    cited = _cited(row, sources, errors)
    verified = parse_date(row, "verified_on", errors, required=True)
    if verified and verified > today:
        errors.append(row.issue("verified_on", f"verified_on {verified} is in the future"))
    confidence = _confidence(row, errors)
    if v["source_date"] and not PARTIAL_DATE_RE.match(v["source_date"]):
        errors.append(
            row.issue(
                "source_date",
                f"bad date {v['source_date']!r}: expected YYYY, YYYY-MM or YYYY-MM-DD",
            )
        )
    if len(errors) > before:
        return None
    return Period(
        code=code,
        products=products,
        status=status,
        start=start,
        end=end,
        lifecycle=lifecycle,
        start_precision=precision,
        age_min=age,
        caps=caps,
        law=v["law"],
        sources=cited,
        verified_on=verified,  # type: ignore[arg-type]
        confidence=confidence,
        notes=v["notes"],
        source_date=v["source_date"],
        file=row.file,
        line=row.line,
    )


def _code(row: Row, known: Known, aliases: Mapping[str, str], errors: list[Issue]) -> str:
    code = row.values["code"]
    if not code:
        errors.append(row.issue("code", "required"))
    elif code in aliases:
        errors.append(
            row.issue("code", f"{code} is an alias of {aliases[code]}: use {aliases[code]}")
        )
    elif not registry.CODE_RE.match(code):
        errors.append(row.issue("code", f"malformed code {code!r}"))
    elif code not in known:
        sub = registry.subdivision(code) if ":" not in code else None
        if sub is None:
            hint = " (local codes must be listed in places.csv)" if ":" in code else ""
            errors.append(row.issue("code", f"unknown code {code!r}{hint}"))
        else:
            known[code] = (sub[0], "state", code.split("-")[0], sub[1].lower(), ())
    return code


def _products(row: Row, field: str, errors: list[Issue]) -> tuple[str, ...]:
    """Space-separated classes, empty meaning all four; returned in PRODUCTS order."""
    given = row.values[field].split()
    for p in given:
        if p not in PRODUCTS:
            errors.append(
                row.issue(field, f"unknown product {p!r}; expected {', '.join(PRODUCTS)}")
            )
    if len(set(given)) != len(given):
        errors.append(row.issue(field, "a product is listed twice"))
    return tuple(p for p in PRODUCTS if p in given) if given else PRODUCTS


def _caps(row: Row, status: str, errors: list[Issue]) -> tuple[Cap, ...]:
    out: list[Cap] = []
    for item in row.values["cap"].split():
        m = CAP_RE.match(item)
        if m is None:
            errors.append(
                row.issue(
                    "cap",
                    f"bad cap {item!r}: expected SUBSTANCE<=NUMBERUNIT such as 7-oh<=2%alkaloids "
                    f"(units: {', '.join(CAP_UNITS)})",
                )
            )
        elif m["substance"] not in CAP_SUBSTANCES:
            errors.append(
                row.issue(
                    "cap",
                    f"unknown substance {m['substance']!r}; expected {', '.join(CAP_SUBSTANCES)}",
                )
            )
        elif m["unit"].startswith("%") and float(m["limit"]) > 100:
            errors.append(row.issue("cap", f"{item!r}: a share cannot exceed 100%"))
        else:
            out.append(Cap(m["substance"], m["limit"], m["unit"]))
    if out and status != "regulated":
        errors.append(row.issue("cap", f"a cap belongs to a regulated period, not a {status} one"))
    return tuple(out)


def _cited(row: Row, sources: Mapping[str, Source], errors: list[Issue]) -> tuple[Source, ...]:
    urls = row.values["sources"].split()
    if not urls:
        errors.append(row.issue("sources", "every row needs at least one source URL"))
    for url in urls:
        if not valid_url(url):
            errors.append(row.issue("sources", f"malformed URL {url!r}"))
    return tuple(sources.get(u) or Source(u) for u in urls)


def _confidence(row: Row, errors: list[Issue]) -> str:
    confidence = row.values["confidence"]
    if confidence not in CONFIDENCES:
        errors.append(
            row.issue(
                "confidence", f"unknown confidence {confidence!r}; expected high, medium or low"
            )
        )
    return confidence


def _read_unconfirmed(
    files: Mapping[str, bytes],
    known: Known,
    aliases: Mapping[str, str],
    today: dt.date,
    errors: list[Issue],
) -> list[Lead]:
    """Leads searched and not confirmed: what was tried, so nobody enters them unchecked."""
    out: list[Lead] = []
    if "unconfirmed.csv" not in files:
        return out
    rows, issues = read_rows("unconfirmed.csv", files["unconfirmed.csv"], UNCONFIRMED_COLUMNS)
    errors.extend(issues)
    for row in rows:
        v = row.values
        before = len(errors)
        for field in ("place", "lead", "searched"):
            if not v[field]:
                errors.append(row.issue(field, "required"))
        if v["code"]:
            _code(row, known, aliases, errors)
        checked = parse_date(row, "checked_on", errors, required=True)
        if checked and checked > today:
            errors.append(row.issue("checked_on", f"checked_on {checked} is in the future"))
        if len(errors) == before and checked is not None:
            out.append(
                Lead(v["place"], v["code"], v["lead"], v["searched"], checked, row.file, row.line)
            )
    return out


def _read_watch(
    files: Mapping[str, bytes],
    known: Known,
    aliases: Mapping[str, str],
    sources: Mapping[str, Source],
    today: dt.date,
    errors: list[Issue],
) -> dict[str, list[WatchItem]]:
    """Pending actions: dated, sourced, and never a status."""
    out: dict[str, list[WatchItem]] = {}
    if "watch.csv" not in files:
        return out
    rows, issues = read_rows("watch.csv", files["watch.csv"], WATCH_COLUMNS)
    errors.extend(issues)
    for row in rows:
        v = row.values
        before = len(errors)
        code = _code(row, known, aliases, errors)
        products = _products(row, "products", errors)
        if v["proposed_status"] not in ROW_STATUSES:
            errors.append(
                row.issue(
                    "proposed_status",
                    f"unknown status {v['proposed_status']!r}; expected one of "
                    f"{', '.join(ROW_STATUSES)}",
                )
            )
        if v["stage"] not in WATCH_STAGES:
            errors.append(
                row.issue(
                    "stage",
                    f"unknown stage {v['stage']!r}; expected one of {', '.join(WATCH_STAGES)}",
                )
            )
        stage_date = parse_date(row, "stage_date", errors, required=True)
        if stage_date and stage_date > today:
            errors.append(row.issue("stage_date", f"stage_date {stage_date} is in the future"))
        decide_by = parse_date(row, "decide_by", errors)
        if not v["title"]:
            errors.append(row.issue("title", "required: the bill, rule or notice in one line"))
        cited = _cited(row, sources, errors)
        verified = parse_date(row, "verified_on", errors, required=True)
        if verified and verified > today:
            errors.append(row.issue("verified_on", f"verified_on {verified} is in the future"))
        confidence = _confidence(row, errors)
        if len(errors) > before:
            continue
        out.setdefault(code, []).append(
            WatchItem(
                code=code,
                products=products,
                proposed_status=v["proposed_status"],
                stage=v["stage"],
                stage_date=stage_date,  # type: ignore[arg-type]
                decide_by=decide_by,
                title=v["title"],
                sources=cited,
                verified_on=verified,  # type: ignore[arg-type]
                confidence=confidence,
                notes=v["notes"],
                file=row.file,
                line=row.line,
            )
        )
    return out


def _read_sources(files: Mapping[str, bytes], errors: list[Issue]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    if "sources.csv" not in files:
        return out
    rows, issues = read_rows(
        "sources.csv", files["sources.csv"], SOURCE_COLUMNS, required=SOURCE_COLUMNS[:4]
    )
    errors.extend(issues)
    for row in rows:
        url, tier = row.values["url"], row.values["tier"]
        if not valid_url(url):
            errors.append(row.issue("url", f"malformed URL {url!r}"))
        elif tier not in TIERS:
            errors.append(
                row.issue("tier", f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
            )
        elif url in out:
            errors.append(row.issue("url", "duplicate source"))
        else:
            out[url] = Source(
                url,
                tier,
                row.values["publisher"],
                row.values["title"],
                row.values.get("read_via", ""),
            )
    return out


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    kind: str
    parent: str
    geoid: str
    counties: tuple[str, ...]


def _read_places(files: Mapping[str, bytes], errors: list[Issue]) -> dict[str, Place]:
    out: dict[str, Place] = {}
    if "places.csv" not in files:
        return out
    subs = registry.us_subdivisions()
    rows, issues = read_rows(
        "places.csv", files["places.csv"], PLACE_COLUMNS, required=PLACE_COLUMNS[:5]
    )
    errors.extend(issues)
    for row in rows:
        v = row.values
        code = v["code"]
        counties = tuple(v.get("counties", "").split())
        if ":" not in code or not registry.CODE_RE.match(code):
            errors.append(row.issue("code", f"malformed local code {code!r}; expected US-XX:slug"))
        elif v["parent"] != code.split(":")[0] or v["parent"] not in subs:
            errors.append(
                row.issue("parent", f"parent {v['parent']!r} must be the state in the code")
            )
        elif v["kind"] not in PLACE_KINDS:
            errors.append(
                row.issue(
                    "kind", f"unknown kind {v['kind']!r}; expected one of {', '.join(PLACE_KINDS)}"
                )
            )
        elif not v["name"]:
            errors.append(row.issue("name", "required"))
        elif code in out:
            errors.append(row.issue("code", "duplicate place"))
        elif (bad := _county_issue(v.get("counties"), v["geoid"])) is not None:
            errors.append(row.issue("counties", bad))
        elif v["kind"] == "unincorporated" and v["geoid"]:
            errors.append(
                row.issue(
                    "geoid",
                    "must be empty for kind unincorporated: the county's polygon would include "
                    "its towns, which the rule does not cover; give the county in `counties`",
                )
            )
        else:
            out[code] = Place(v["name"], v["kind"], v["parent"], v["geoid"], counties)
    return out


def _county_issue(counties: str | None, geoid: str) -> str | None:
    """`counties` lists the 5-digit county GEOIDs a place lies in; a point in one of them can
    then say that the place's limits are not mapped. Required when there is no `geoid` (in a
    file that has the column)."""
    if counties is None:
        return None
    for token in counties.split():
        if not (len(token) == 5 and token.isascii() and token.isdigit()):
            return f"malformed county GEOID {token!r}; expected 5 digits (e.g. 17031)"
    if not geoid and not counties.split():
        return "required when geoid is empty: the 5-digit GEOIDs of the counties it lies in"
    return None


def _read_territories(
    files: Mapping[str, bytes], errors: list[Issue]
) -> tuple[dict[str, str], dict[str, str]]:
    aliases: dict[str, str] = {}
    parents: dict[str, str] = {}
    if "territories.csv" not in files:
        return aliases, parents
    rows, issues = read_rows("territories.csv", files["territories.csv"], TERRITORY_COLUMNS)
    errors.extend(issues)
    countries = registry.countries()
    for row in rows:
        v = row.values
        if v["code"] not in countries:
            errors.append(row.issue("code", f"unknown country code {v['code']!r}"))
        elif v["parent"] not in countries:
            errors.append(row.issue("parent", f"unknown country code {v['parent']!r}"))
        elif v["subdivision"] and registry.subdivision(v["subdivision"]) is None:
            errors.append(row.issue("subdivision", f"unknown subdivision {v['subdivision']!r}"))
        elif not v["sources"].split() or not all(valid_url(u) for u in v["sources"].split()):
            errors.append(row.issue("sources", "at least one valid source URL is required"))
        else:
            target = v["subdivision"] or v["code"]
            if v["subdivision"]:
                aliases[v["code"]] = target
            parents[target] = v["parent"]
    return aliases, parents
