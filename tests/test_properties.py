"""Properties that must hold for any input: no 5xx from any route and query string, verdicts
that follow the most restrictive known layer, periods that partition time, and a dataset
version that depends on the files' content only."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import resolve
from service.dataset import build_dataset, load_dataset, read_dir
from service.dataset.model import PRODUCTS, SEVERITY

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "jurisdictions"

# Values for path parameters: real ones where a real one exists, so the route's code runs.
PATH_VALUES = {"code": ["US-TX", "TH", "zz-unknown"], "filename": ["embed.css", "nope.txt"]}
KNOWN_PARAMS = [
    "as_of", "lat", "lon", "q", "limit", "level", "status", "parent", "since", "until",
    "style", "theme", "label", "show_since", "format", "code", "lang", "token",
]  # fmt: skip
NASTY = [
    "", "nan", "NaN", "inf", "-inf", "1e309", "-0", "0x10", "1_000", "  1 ", "\u0661",
    "<script>alert(1)</script>", "../../etc/passwd", "%00", "\x00", "\r\nSet-Cookie: x=1",
    "9" * 400, "2025-02-30", "0000-01-01", "Texas", "US-TX", "ü", "\ud7ff", "'\"", "{}", "[]",
]  # fmt: skip

value_st = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
)
query_st = st.one_of(
    st.lists(
        st.tuples(st.one_of(st.sampled_from(KNOWN_PARAMS), st.text(max_size=12)), value_st),
        max_size=6,
    ).map(lambda pairs: urlencode(pairs)),
    st.text(max_size=80),  # raw, unencoded query strings as well
)


def safe(**kwargs) -> settings:
    """The loaded profile plus: no deadline, no example database, no health checks on
    fixtures (the app is a session fixture, built once)."""
    return settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), **kwargs)


def _concrete_urls(app) -> list[tuple[str, str]]:
    """(method, path) for every rule, path parameters replaced by sample values."""
    urls: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        combos = [{}]
        for arg in rule.arguments:
            combos = [{**c, arg: v} for c in combos for v in PATH_VALUES.get(arg, ["x"])]
        for values in combos:
            path = rule.build(values, append_unknown=False)[1]
            urls.update((m, path) for m in methods)
    return sorted(urls)


def _route_check(client, method: str, path: str):
    @safe(max_examples=25)
    @given(query=query_st)
    def check(query: str) -> None:
        resp = client.open(path, method=method, query_string=query, buffered=True)
        where = f"{method} {path}?{query!r} -> {resp.status_code} {resp.mimetype}"
        assert resp.status_code < 500, where
        if 400 <= resp.status_code < 500:
            if path.endswith(".svg") and resp.mimetype == "image/svg+xml":
                return  # an <img> needs an image: badges answer errors with an error badge
            assert resp.mimetype == "application/json", where
            assert "error" in resp.get_json(), where

    return check


def test_every_route_and_query_string_gives_no_server_error(app):
    client = app.test_client()
    urls = _concrete_urls(app)
    assert len(urls) >= 15
    failures: list[str] = []
    for method, path in urls:
        try:
            _route_check(client, method, path)()
        except AssertionError as exc:  # report every failing route, not only the first
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)


def _check_verdict(answer: dict) -> None:
    """Per class: the most restrictive known layer controls; an unknown layer blocks any
    answer milder than banned; `verdict` is the leaf answer."""
    stack = answer["stack"]
    assert answer["verdict"] == answer["products"]["leaf"]
    for product, verdict in answer["products"].items():
        if not stack:
            assert verdict == {**verdict, "status": "unknown", "code": None}
            continue
        statuses = [e["products"][product] for e in stack]
        known = [s for s in statuses if s != "unknown"]
        assert verdict["code"] in {e["code"] for e in stack}
        if not known:
            assert verdict["status"] == "unknown"
            continue
        worst = max(known, key=SEVERITY.__getitem__)
        if verdict["status"] == "unknown":
            assert worst != "banned" and "unknown" in statuses
        else:
            assert verdict["status"] == worst
            controlling = [e for e in stack if e["code"] == verdict["code"]]
            assert controlling and controlling[0]["products"][product] == worst


days_st = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@safe()
@given(
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
    day=days_st,
)
def test_point_verdict_is_the_most_restrictive_known_layer(snap, lat, lon, day):
    if snap.geo is None:
        pytest.skip("boundaries are not loaded (service.geo unavailable)")
    _check_verdict(resolve.locate_answer(snap, lat, lon, day))


# Points inside multi-layer stacks (state + country, local + state), where the rule bites.
STACKED_POINTS = [(31.0, -100.0), (32.7157, -117.1611), (38.25, -85.76), (18.4, -66.1), (13.75, 100.5)]  # fmt: skip


@safe()
@given(point=st.sampled_from(STACKED_POINTS), day=days_st)
def test_point_verdict_rule_holds_in_stacked_places_on_any_day(snap, point, day):
    if snap.geo is None:
        pytest.skip("boundaries are not loaded (service.geo unavailable)")
    _check_verdict(resolve.locate_answer(snap, point[0], point[1], day))


@safe(max_examples=30)
@given(
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
)
def test_point_verdict_rule_holds_over_http(client, snap, lat, lon):
    if snap.geo is None:
        pytest.skip("boundaries are not loaded (service.geo unavailable)")
    resp = client.get("/v1/lookup", query_string={"lat": repr(lat), "lon": repr(lon)})
    assert resp.status_code == 200
    _check_verdict(resp.get_json())


def test_periods_of_every_jurisdiction_partition_time_per_product(snap):
    for j in snap.dataset.jurisdictions.values():
        starts = [p.start or dt.date.min for p in j.periods]
        assert starts == sorted(starts), j.code
        for product in PRODUCTS:
            periods = j.timeline(product)
            for p in periods:
                assert p.start is None or p.end is None or p.start < p.end, (j.code, p.line)
            for before, after in itertools.pairwise(periods):
                assert before.end is not None and after.start is not None, j.code
                assert before.end <= after.start, (j.code, before.line, after.line)


@safe(max_examples=25)
@given(day=days_st)
def test_at_most_one_period_applies_on_any_day(snap, day):
    for j in snap.dataset.jurisdictions.values():
        for product in PRODUCTS:
            covering = [p for p in j.periods if product in p.products and p.contains(day)]
            assert len(covering) <= 1, (j.code, product, day)


@safe(max_examples=20)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_same_files_in_any_order_give_the_same_version(seed):
    files = read_dir(DATA)
    names = list(files)
    random.Random(seed).shuffle(names)
    assert build_dataset({n: files[n] for n in names}).version == build_dataset(files).version


def test_copied_dataset_directory_has_the_same_version(tmp_path):
    original = load_dataset(DATA).version
    names = sorted(p.name for p in DATA.glob("*.csv"))
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in reversed(names):  # another creation order and other mtimes
        shutil.copyfile(DATA / name, copy / name)
    assert load_dataset(copy).version == original


def test_one_changed_byte_changes_the_version(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(DATA, copy)
    before = load_dataset(copy).version
    places = copy / "sources.csv"
    places.write_bytes(places.read_bytes() + b"\n")
    assert load_dataset(copy).version != before
