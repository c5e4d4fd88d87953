"""Local ordinances by coordinates on a fresh clone: the shipped county and place layers,
the places without a polygon, and the `counties` column of places.csv."""

from __future__ import annotations

import csv
import json

import pytest
import shapely

from service.dataset.validate import compile_files
from service.geo.layer import read_geometries

from .conftest import DATA, ROOT

BOUNDARIES = ROOT / "data" / "boundaries"
LAYERS = json.loads((BOUNDARIES / "layers.json").read_text())
with (DATA / "places.csv").open(encoding="utf-8") as fh:
    PLACES = list(csv.DictReader(fh))
COUNTY_KINDS = {"county", "parish", "borough"}


def _ordinance_counties() -> list[tuple[str, float, float]]:
    codes, geoms = read_geometries(BOUNDARIES / LAYERS["us-local-counties"]["file"])
    out = []
    for code, geom in zip(codes.tolist(), geoms, strict=True):
        if ":" in code:
            p = shapely.point_on_surface(geom)
            out.append((code, p.y, p.x))
    return out


@pytest.mark.parametrize(("code", "lat", "lon"), _ordinance_counties(), ids=lambda v: str(v))
def test_a_point_in_each_county_with_an_ordinance_has_it_in_the_stack(
    client, code: str, lat: float, lon: float
) -> None:
    body = client.get("/v1/lookup", query_string={"lat": lat, "lon": lon}).get_json()
    assert code in [s["code"] for s in body["stack"]], (code, body["stack"])


def test_every_county_place_is_shipped() -> None:
    shipped = {c for c, _, _ in _ordinance_counties()}
    wanted = {p["code"] for p in PLACES if p["kind"] in COUNTY_KINDS}
    assert wanted <= shipped, "re-run: python scripts/build_boundaries.py --only local"


def test_every_place_is_mapped_or_listed_as_unmapped() -> None:
    """A place added to places.csv needs `build_boundaries.py --only local` to be found by
    coordinates: either its polygon ships or layers.json lists it as unmapped."""
    codes, _ = read_geometries(BOUNDARIES / LAYERS["us-local-places"]["file"])
    mapped = set(codes.tolist())
    unmapped = {u["code"] for u in LAYERS["us-local-places"]["unmapped"]}
    for p in PLACES:
        if p["kind"] in COUNTY_KINDS:
            continue
        assert (p["code"] in mapped) != (p["code"] in unmapped), (
            f"{p['code']}: re-run python scripts/build_boundaries.py --only local"
        )


def test_unmapped_places_have_their_counties_shipped() -> None:
    codes, _ = read_geometries(BOUNDARIES / LAYERS["us-local-counties"]["file"])
    shipped = set(codes.tolist())
    geoid_of = {p["code"]: p["geoid"] for p in PLACES}
    for u in LAYERS["us-local-places"]["unmapped"]:
        assert u["counties"].split(), (
            f"{u['code']} has no polygon: give its county GEOIDs in places.csv `counties`, "
            "then re-run python scripts/build_boundaries.py --only local"
        )
        for geoid in u["counties"].split():
            assert geoid in shipped or any(geoid_of.get(c) == geoid for c in shipped if ":" in c), (
                u["code"],
                geoid,
            )


def test_layers_json_records_vintage_provenance_and_build_command() -> None:
    for name in ("us-local-places", "us-local-counties"):
        meta = LAYERS[name]
        assert meta["source"] and meta["vintage"] and meta["licence"], name
        assert meta["build"].startswith("python scripts/build_boundaries.py --only local"), name
        assert meta["margin_m"] >= meta["accuracy_m"] > 0, name
    assert "generalpiston/geojson-us-city-boundaries" in LAYERS["us-local-places"]["source"]


def _places_with(rows: str) -> dict[str, bytes]:
    header = "code,name,kind,parent,geoid,counties\n"
    return {
        "places.csv": (header + rows).encode(),
        "us-local.csv": b"code,products,status,effective_from,effective_to,lifecycle,"
        b"date_precision,age_min,cap,law,sources,verified_on,confidence,source_date,notes\n",
    }


def test_malformed_county_geoid_names_file_line_and_field() -> None:
    rows = 'US-IL:alton,"Alton, Illinois",city,US-IL,1701114,\nUS-IL:x,"X, Illinois",village,US-IL,,1703\n'
    dataset, errors = compile_files(_places_with(rows))
    assert dataset is None
    bad = [e for e in errors if e.field == "counties"]
    assert bad and (bad[0].file, bad[0].line) == ("places.csv", 3), [str(e) for e in errors]
    assert "1703" in bad[0].message and str(bad[0]).startswith("places.csv:3:6: counties:")


def test_counties_required_when_geoid_is_empty() -> None:
    dataset, errors = compile_files(_places_with('US-IL:x,"X, Illinois",village,US-IL,,\n'))
    assert dataset is None
    assert any(e.field == "counties" and "required" in e.message for e in errors)


def test_places_file_without_counties_column_still_validates() -> None:
    header = b"code,name,kind,parent,geoid\n"
    files = {
        "places.csv": header + b'US-IL:alton,"Alton, Illinois",city,US-IL,1701114\n',
        "us-local.csv": _places_with("")["us-local.csv"],
    }
    dataset, errors = compile_files(files)
    assert errors == [] and dataset is not None
    assert dataset.get("US-IL:alton").geoid == "1701114"


def test_counties_reach_the_model() -> None:
    dataset, errors = compile_files(
        {
            "places.csv": (DATA / "places.csv").read_bytes(),
            **{n: (DATA / n).read_bytes() for n in ("us-local.csv", "sources.csv")},
        }
    )
    assert errors == [], [str(e) for e in errors][:3]
    assert dataset.get("US-IL:mount-prospect").counties == ("17031",)
