"""Each broken fixture yields its error with file, line, column and field."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from service.dataset import compile_files, read_dir, validate_dir

from .conftest import DATA, TEST_DATA

with (TEST_DATA / "validator_cases.csv").open(encoding="utf-8") as fh:
    CASES = list(csv.DictReader(fh))
BASE = {"places.csv": (DATA / "places.csv").read_bytes()}


@pytest.mark.parametrize("case", CASES, ids=[c["fixture"] for c in CASES])
def test_broken_fixture_names_file_line_and_field(case: dict[str, str]) -> None:
    name = f"{case['fixture']}.csv"
    files = {**BASE, name: (TEST_DATA / "broken" / name).read_bytes()}
    dataset, errors = compile_files(files)
    assert dataset is None
    matching = [e for e in errors if case["message"] in e.message]
    assert matching, [str(e) for e in errors]
    err = matching[0]
    assert (err.file, err.line, err.field) == (name, int(case["line"]), case["field"])
    if case["column"]:
        assert err.column == int(case["column"])
    assert str(err).startswith(f"{name}:{case['line']}:")


def test_shipped_dataset_validates() -> None:
    dataset, errors = validate_dir(DATA)
    assert errors == []
    assert dataset is not None


def test_all_errors_reported_not_only_the_first() -> None:
    files = {**BASE}
    for case in CASES[:5]:
        name = f"{case['fixture']}.csv"
        files[name] = (TEST_DATA / "broken" / name).read_bytes()
    _, errors = compile_files(files)
    assert len({e.file for e in errors}) == 5


def test_same_files_give_same_version(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(DATA, copy)
    a, _ = validate_dir(DATA)
    b, _ = validate_dir(copy)
    assert a is not None and b is not None
    assert a.version == b.version


def test_changed_byte_changes_version(tmp_path: Path) -> None:
    files = read_dir(DATA)
    a, _ = compile_files(files)
    name = sorted(n for n in files if n.startswith("us-"))[0]
    files[name] = files[name] + b"\n"
    b, _ = compile_files(files)
    assert a is not None and b is not None and a.version != b.version


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    dataset, errors = validate_dir(tmp_path / "nope")
    assert dataset is None
    assert "does not exist" in errors[0].message


def test_every_country_and_us_subdivision_exists() -> None:
    import pycountry

    dataset, _ = validate_dir(DATA)
    assert dataset is not None
    for c in pycountry.countries:
        assert dataset.get(c.alpha_2) is not None, c.alpha_2
    for s in pycountry.subdivisions.get(country_code="US"):
        assert dataset.get(s.code) is not None, s.code


def test_unresearched_country_is_unknown_never_legal() -> None:
    dataset, _ = validate_dir(DATA)
    assert dataset is not None
    empty = [j for j in dataset.jurisdictions.values() if not j.periods]
    assert empty, "expected some unresearched jurisdictions"
    for j in empty:
        assert j.period_at(__import__("datetime").date(2026, 12, 1)) is None


def test_an_unconfirmed_lead_needs_what_was_searched() -> None:
    files = {
        **{n: (DATA / n).read_bytes() for n in ("countries.csv", "sources.csv")},
        "unconfirmed.csv": b'place,code,lead,searched,checked_on\n"Testville, Texas",,'
        b'"A tracker lists a ban.",,2026-11-30\n',
    }
    dataset, errors = compile_files(files)
    assert dataset is None
    (err,) = errors
    assert str(err) == "unconfirmed.csv:2:4: searched: required"


def test_unincorporated_area_rule_with_a_county_polygon_is_refused() -> None:
    """A county rule for its unincorporated areas only must not carry the county's GEOID: the
    polygon would put every town inside the county under the rule (Carbondale, Monroe)."""
    places = BASE["places.csv"].replace(
        b'"Jackson County, Illinois (unincorporated areas)",unincorporated,US-IL,,17077',
        b'"Jackson County, Illinois (unincorporated areas)",unincorporated,US-IL,17077,17077',
    )
    assert places != BASE["places.csv"]
    line = places.split(b"\n").index(next(r for r in places.split(b"\n") if b"jackson" in r)) + 1
    _, errors = compile_files({"places.csv": places})
    bad = [e for e in errors if e.field == "geoid"]
    assert bad and bad[0].file == "places.csv" and bad[0].line == line
    assert "unincorporated" in bad[0].message
