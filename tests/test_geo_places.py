"""Coordinate lookups on real places (tests/data/places.csv), shipped and high-res layers."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from service.geo import BoundaryIndex, Location, load_boundaries

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "boundaries"
with (ROOT / "tests" / "data" / "places.csv").open(encoding="utf-8") as _f:
    PLACES = list(csv.DictReader(_f))
HIGHRES_ENV = os.environ.get("KRATOM_TEST_BOUNDARIES_DIR")
HIGHRES = Path(HIGHRES_ENV) if HIGHRES_ENV else None
FLAGS = ("near_border", "approximate", "at_sea", "disputed", "unclaimed")
EXACT_FLAGS = ("at_sea", "disputed", "unclaimed")  # must match both ways; others only when listed

needs_highres = pytest.mark.skipif(
    HIGHRES is None or not (HIGHRES / "us_states_cb2023_500k.parquet").is_file(),
    reason="KRATOM_TEST_BOUNDARIES_DIR unset or without us_states_cb2023_500k.parquet "
    "(set it to ../shared/boundaries for the Census layers)",
)


@pytest.fixture(scope="module")
def shipped() -> BoundaryIndex:
    return load_boundaries(SHIPPED, wait=True)


@pytest.fixture(scope="module")
def highres() -> BoundaryIndex:
    assert HIGHRES is not None
    return load_boundaries(SHIPPED, HIGHRES, wait=True)


def check_place(index: BoundaryIndex, row: dict[str, str]) -> None:
    loc = index.locate(float(row["lon"]), float(row["lat"]))
    where = f"{row['name']}: {loc}"
    assert loc.countries == tuple(sorted(row["country"].split())), where
    if row["state"] != "*":
        assert loc.state == (row["state"] or None), where
    if index.local_loaded:
        assert loc.locals == tuple(row["local"].split()), where
    else:
        assert loc.locals == () and not loc.local_loaded, where
    wanted = set(row["flags"].split())
    for flag in FLAGS:
        if flag in wanted:
            assert getattr(loc, flag), f"{flag} expected; {where}"
        elif flag in EXACT_FLAGS:
            assert not getattr(loc, flag), f"{flag} unexpected; {where}"
    if row["nearest"]:
        assert loc.nearest is not None and loc.nearest[0] == row["nearest"], where
    if loc.at_sea or loc.unclaimed:
        assert loc.nearest is not None and loc.nearest[1] > 0, where


@pytest.mark.parametrize(
    "row", [r for r in PLACES if r["boundaries"] in ("any", "shipped")], ids=lambda r: r["name"]
)
def test_place_shipped(shipped: BoundaryIndex, row: dict[str, str]) -> None:
    check_place(shipped, row)


@pytest.mark.highres
@needs_highres
@pytest.mark.parametrize(
    "row", [r for r in PLACES if r["boundaries"] in ("any", "highres")], ids=lambda r: r["name"]
)
def test_place_highres(highres: BoundaryIndex, row: dict[str, str]) -> None:
    check_place(highres, row)


def test_places_table_is_large_enough() -> None:
    assert len(PLACES) > 50


# -- unit cases -------------------------------------------------------------------------


def test_point_on_shared_border_line_matches_a_side(shipped: BoundaryIndex) -> None:
    """A vertex of the CH polygon lies on a border line: covers semantics must match it."""
    layer = shipped.countries
    k = list(layer.codes).index("CH")
    part = layer.parts[layer.part_code == k][0]
    x, y = np.asarray(part.exterior.coords)[0]
    loc = shipped.locate(float(x), float(y))
    assert "CH" in loc.countries or any(a[0] == "CH" for a in loc.alternatives), loc
    assert loc.near_border


def test_fiji_antimeridian_same_answer_both_signs(shipped: BoundaryIndex) -> None:
    assert shipped.locate(180.0, -16.85) == shipped.locate(-180.0, -16.85)


def test_russia_antimeridian_same_answer_both_signs(shipped: BoundaryIndex) -> None:
    east, west = shipped.locate(180.0, 66.0), shipped.locate(-180.0, 66.0)
    assert east == west and east.countries == ("RU",)


def test_longitude_wraps_past_180(shipped: BoundaryIndex) -> None:
    assert shipped.locate(2.2945 + 360.0, 48.8584).countries == ("FR",)


def test_locate_many_equals_locate(shipped: BoundaryIndex) -> None:
    rng = np.random.default_rng(7)
    lons = np.r_[rng.uniform(-180, 180, 3000), [float(r["lon"]) for r in PLACES]]
    lats = np.r_[rng.uniform(-85, 85, 3000), [float(r["lat"]) for r in PLACES]]
    many = shipped.locate_many(lons, lats)
    assert many == [shipped.locate(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]


def test_grid_answer_equals_exact_path(shipped: BoundaryIndex) -> None:
    """The shortcut grid must never change an answer (only near_border details may differ)."""
    rng = np.random.default_rng(11)
    for x, y in zip(rng.uniform(-130, 150, 4000), rng.uniform(-50, 70, 4000), strict=True):
        fast, exact = shipped.locate(x, y), shipped.locate_exact(x, y)
        assert (fast.countries, fast.state, fast.locals) == (
            exact.countries,
            exact.state,
            exact.locals,
        ), (x, y)
        if not fast.near_border:
            assert not exact.near_border, (x, y, exact)


def test_non_finite_coordinates_raise(shipped: BoundaryIndex) -> None:
    with pytest.raises(ValueError):
        shipped.locate(float("nan"), 0.0)
    with pytest.raises(ValueError):
        shipped.locate(0.0, float("inf"))
    with pytest.raises(ValueError):
        shipped.locate_many([0.0, float("nan")], [0.0, 0.0])


def test_location_is_frozen(shipped: BoundaryIndex) -> None:
    loc = shipped.locate(2.2945, 48.8584)
    with pytest.raises(AttributeError):
        loc.state = "X"  # type: ignore[misc]
    assert isinstance(loc, Location) and loc.country == "FR"


def test_texarkana_state_line_is_near_border(shipped: BoundaryIndex) -> None:
    """State Line Avenue: within metres of the TX/AR line, both sides are offered."""
    loc = shipped.locate(-94.0431, 33.4260)
    codes = {loc.state} | {a[0] for a in loc.alternatives}
    assert loc.near_border and {"US-TX", "US-AR"} <= codes, loc


def test_layers_metadata_without_override(shipped: BoundaryIndex) -> None:
    by_name = {m["name"]: m for m in shipped.layers}
    assert by_name["countries"]["attribution"] == "© OpenStreetMap contributors, ODbL"
    assert by_name["countries"]["loaded"] and by_name["countries"]["features"] > 240
    assert by_name["us-states"]["features"] == 56
    assert by_name["us-local-places"]["loaded"] and shipped.local_loaded  # shipped, derived
    assert "TIGER/Line 2019" in by_name["us-local-places"]["source"]
    assert "us-atlas-2023" in by_name["us-local-counties"]["source"]
    assert len(shipped.version) == 64
    assert {"RU", "UA"} in [set(o["codes"]) for o in shipped.disputed_overlaps]


@needs_highres
def test_layers_metadata_with_override(highres: BoundaryIndex, shipped: BoundaryIndex) -> None:
    by_name = {m["name"]: m for m in highres.layers}
    assert "cb_2023_us_state_500k" in by_name["us-states"]["source"]
    assert by_name["us-local-places"]["loaded"] and highres.local_loaded
    assert highres.version != shipped.version
    # the Census override stays the most precise: places and counties come from it
    assert "TIGER/Line 2019 places (KRATOM_BOUNDARIES_DIR)" in by_name["us-local-places"]["source"]
    assert "1:500k" in by_name["us-local-counties"]["source"]
    assert by_name["us-local-counties"]["margin_m"] == 100


@needs_highres
def test_sacramento_has_no_local_rule(highres: BoundaryIndex) -> None:
    loc = highres.locate(-121.4934, 38.5767)
    assert loc.locals == () and loc.local_loaded and loc.state == "US-CA"


THREAD_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    import numpy as np
    from service.geo import load_boundaries

    index = load_boundaries(Path(sys.argv[1]))
    rng = np.random.default_rng(3)
    pts = np.column_stack([rng.uniform(-180, 180, 400), rng.uniform(-60, 75, 400)])
    errors = []

    def hammer():
        try:
            for x, y in pts:
                index.locate_exact(float(x), float(y))
                index.locate(float(x), float(y))
        except Exception as exc:  # reported through the exit code
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.exit(1 if errors else 0)
    """
)


def test_eight_threads_on_fresh_index_do_not_crash() -> None:
    """GEOS lazily builds prepared indexes; the loader must warm them (PITFALLS.md §2)."""
    proc = subprocess.run(
        [sys.executable, "-c", THREAD_SCRIPT, str(SHIPPED)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
