"""Contested ground and unclaimed land: the cited table of disputed areas, end to end."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from service.geo import BoundaryIndex, load_boundaries
from service.geo.areas import load_table, parse_table

from .conftest import ROOT, TEST_DATA

BOUNDARIES = ROOT / "data" / "boundaries"
TABLE = BOUNDARIES / "disputed-areas.csv"
with (TEST_DATA / "place_facts.csv").open(encoding="utf-8") as fh:
    CASES = list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def shipped() -> BoundaryIndex:
    return load_boundaries(BOUNDARIES, wait=True)


def _check(client, case: dict[str, str]) -> None:
    r = client.get(
        "/v1/lookup", query_string={"lat": case["lat"], "lon": case["lon"], "as_of": case["as_of"]}
    )
    assert r.status_code == 200
    body = r.get_json()
    why = (case["name"], {k: body.get(k) for k in ("disputed", "unclaimed", "claimants")})
    assert body["disputed"] is (case["disputed"] == "true"), why
    assert body["unclaimed"] is (case["unclaimed"] == "true"), why
    assert body["claimants"] == case["claimants"].split(), why
    codes = {s["code"] for s in body["stack"]}
    assert set(case["claimants"].split()) <= codes, why  # every claimant is in the stack
    controller = body["controlled_by"]
    assert (controller or {}).get("code") in (case["controller"] or None, None), why
    if case["controller"]:
        assert controller["code"] == case["controller"], why
    assert [a["id"] for a in body["disputed_areas"]] == case["area"].split(), why
    for area in body["disputed_areas"]:
        assert area["sources"] and area["controlled_by"]["name"], area
    assert [p["code"] for p in body["local_nearby"]] == case["local_nearby"].split(), why
    for p in body["local_nearby"]:
        expected = (
            "the area this county rule covers is not mapped; check the address"
            if "unincorporated" in p["name"]
            else "this city's limits are not mapped; check the address"
        )
        assert p["note"] == expected, p
        assert p["status"] in ("legal", "regulated", "restricted", "banned", "unknown")
    if body["unclaimed"]:
        assert body["at_sea"] is False and body["stack"] == []
        assert body["verdict"]["status"] == "unknown"
        assert body["nearest"]["code"] and body["nearest_countries"], why
    if body["disputed"]:
        assert any("disputed" in n or "claimed" in n for n in body["notes"]), body["notes"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_place_facts_with_shipped_boundaries(client, case: dict[str, str]) -> None:
    _check(client, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_place_facts_with_highres_boundaries(highres_app, case: dict[str, str]) -> None:
    _check(highres_app.test_client(), case)


def test_danube_pocket_is_unclaimed_land_not_sea(client) -> None:
    body = client.get("/v1/lookup?lat=45.7747&lon=18.8801").get_json()
    assert body["unclaimed"] is True and body["at_sea"] is False
    near = {c["code"] for c in body["nearest_countries"]}
    assert {"HR", "RS"} <= near
    assert not any("territorial sea" in body["verdict"]["reason"] for _ in [0])


def test_table_rows_are_cited_and_well_formed() -> None:
    table = load_table(TABLE)
    assert len(table) >= 20
    for area in table.values():
        assert area.sources and all(re.match(r"^https?://[^ ]+\.[^ ]+", s) for s in area.sources)
        assert area.polygon_source
        if area.kind == "unclaimed":
            assert area.claimants == ()
        else:
            assert area.claimants


def test_every_mapped_row_has_a_polygon_and_its_check_points_fall_in_it(
    shipped: BoundaryIndex,
) -> None:
    table = load_table(TABLE)
    assert shipped.areas is not None
    mapped = {c[1:] for c in shipped.areas.codes.tolist()}
    for area in table.values():
        assert (area.id in mapped) == area.mapped, area.id
        for lat, lon in area.check_points:
            loc = shipped.locate(lon, lat)
            assert area.id in loc.areas, (area.id, lat, lon, loc)
            assert set(area.claimants) <= set(loc.countries), (area.id, loc)


def test_rows_without_a_polygon_source_say_so() -> None:
    table = load_table(TABLE)
    unmapped = {a.id for a in table.values() if not a.mapped}
    assert {"east-jerusalem", "aksai-chin"} <= unmapped
    for a in table.values():
        if not a.mapped:
            assert a.polygon_source.startswith("no polygon source"), a.id


def test_editing_claimants_needs_no_rebuild(tmp_path: Path) -> None:
    """The table is read at load; the cache key covers only the polygons."""
    text = TABLE.read_text(encoding="utf-8")
    edited = text.replace(
        "transnistria,Transnistria,disputed,MD,", "transnistria,Transnistria,disputed,MD RU,"
    )
    assert edited != text
    table = parse_table(edited)
    assert table["transnistria"].claimants == ("MD", "RU")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("x,X,disputed,md,,someone,none,none,,,https://a.example/b,", "claimants"),
        ("x,X,unclaimed,MD,,nobody,none,none,,,https://a.example/b,", "claimants"),
        ("x,X,claimed,MD,,someone,none,none,,,https://a.example/b,", "kind"),
        ("x,X,disputed,MD,,someone,none,none,,,ftp://a.example/b,", "sources"),
        ("x,X,disputed,MD,,,none,none,,,https://a.example/b,", "controller_name"),
        ("X Y,X,disputed,MD,,someone,none,none,,,https://a.example/b,", "id"),
    ],
)
def test_malformed_row_names_line_and_field(line: str, field: str) -> None:
    header = TABLE.read_text(encoding="utf-8").splitlines()[0]
    with pytest.raises(ValueError, match=rf"^disputed-areas\.csv:2: {field}:"):
        parse_table(header + "\n" + line + "\n")
