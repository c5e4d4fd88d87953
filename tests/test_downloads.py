"""Open downloads: CSV, GeoJSON (geopandas reads it), Parquet, changes.ics (icalendar reads it),
each with the dataset version; ETag/304, Cache-Control, JSON 400s; `flask data publish`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pyarrow.parquet as pq
import pytest

from .conftest import DATA

URLS = [
    "/downloads/jurisdictions.csv",
    "/downloads/jurisdictions.geojson",
    "/downloads/jurisdictions.parquet",
    "/changes.ics",
]


def _rows(client, query: str = "") -> list[dict[str, str]]:
    body = client.get(f"/downloads/jurisdictions.csv{query}").data.decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_has_every_jurisdiction_once_with_the_dataset_version(client, snap):
    rows = _rows(client, "?as_of=2024-06-01")
    assert sorted(r["code"] for r in rows) == sorted(snap.dataset.jurisdictions)
    assert {r["dataset_version"] for r in rows} == {snap.version}
    assert {r["as_of"] for r in rows} == {"2024-06-01"}


def test_csv_rows_are_the_jurisdiction_answers(client):
    rows = {r["code"]: r for r in _rows(client, "?as_of=2024-06-01")}
    for code in ("US-TX", "US-AL", "TH", "US-CA:san-diego-city", "US"):
        answer = client.get(f"/v1/jurisdictions/{code}?as_of=2024-06-01").get_json()
        row = rows[code]
        assert row["status"] == answer["status"]
        assert row["overall_status"] == answer["verdict"]["status"]
        assert row["law"] == (answer["law"] or "")
        assert row["sources"].split() == [s["url"] for s in answer["sources"]]
        assert row["next_date"] == ((answer["next"] or {}).get("date") or "")


def test_status_changes_with_as_of(client):
    before = {r["code"]: r["status"] for r in _rows(client, "?as_of=2023-08-31")}
    after = {r["code"]: r["status"] for r in _rows(client, "?as_of=2024-06-01")}
    assert before != after


def test_geojson_parses_with_geopandas_and_has_map_polygons(client, snap):
    gpd = pytest.importorskip("geopandas")
    resp = client.get("/downloads/jurisdictions.geojson?as_of=2024-06-01")
    assert resp.mimetype == "application/geo+json"
    gdf = gpd.read_file(io.BytesIO(resp.data))
    assert len(gdf) == len(snap.dataset.jurisdictions)
    by_code = gdf.set_index("code")
    assert by_code.loc["US-TX"].geometry.geom_type in ("Polygon", "MultiPolygon")
    assert by_code.loc["US-TX"].geometry.contains(gpd.points_from_xy([-97.7431], [30.2672])[0])
    assert by_code.loc["US-PR"].geometry is not None  # found by the map's code
    assert by_code.loc["US-CA:san-diego-city"].geometry is None  # the map has no cities
    doc = json.loads(resp.data)
    assert doc["dataset"]["version"] == snap.version and doc["as_of"] == "2024-06-01"
    assert any("OpenStreetMap" in a for a in doc["attribution"])


def test_parquet_has_typed_columns_and_the_version_in_its_metadata(client, snap):
    resp = client.get("/downloads/jurisdictions.parquet?as_of=2024-06-01")
    assert resp.mimetype == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(resp.data))
    assert table.num_rows == len(snap.dataset.jurisdictions)
    meta = json.loads(table.schema.metadata[b"kratom_status"])
    assert meta["dataset"]["version"] == snap.version and meta["as_of"] == "2024-06-01"
    assert str(table.schema.field("verified_on").type) == "date32[day]"
    csv_rows = {r["code"]: r for r in _rows(client, "?as_of=2024-06-01")}
    for row in table.to_pylist():
        assert row["status"] == csv_rows[row["code"]]["status"]


def test_changes_ics_parses_with_icalendar(client, snap):
    from icalendar import Calendar

    from service import resolve

    resp = client.get("/changes.ics")
    assert resp.mimetype == "text/calendar"
    cal = Calendar.from_ical(resp.data)
    assert str(cal["X-KRATOM-DATASET-VERSION"]) == snap.version
    events = list(cal.walk("VEVENT"))
    today = resolve.today_utc()
    expected = resolve.changes(snap, today - dt.timedelta(days=365), None)
    assert len(events) == len(expected) > 0
    assert len({str(e["UID"]) for e in events}) == len(events)
    first = events[0]
    assert first.decoded("DTSTART") == dt.date.fromisoformat(expected[0]["date"])
    assert expected[0]["name"] in str(first["SUMMARY"])
    # a calendar URL must be absolute: with no KRATOM_PUBLIC_BASE_URL there is none (never Host)
    assert "URL" not in first
    assert snap.version in str(first["DESCRIPTION"])


@pytest.mark.parametrize("url", URLS)
def test_download_answers_304_to_its_etag(client, url):
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    assert first.headers["X-Dataset-Version"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    "query", ["?as_of=2024-02-30", "?as_of=tomorrow", "?as_of=2024-01-01&as_of=2024-01-02"]
)
def test_bad_as_of_is_a_json_400_naming_the_field(client, query):
    resp = client.get(f"/downloads/jurisdictions.csv{query}")
    assert resp.status_code == 400 and resp.is_json
    assert resp.get_json()["error"]["field"] == "as_of"


def test_download_index_lists_the_files(client, snap):
    body = client.get("/downloads").get_json()
    # root-relative without a configured public base URL: never built from the Host header
    assert [f["url"] for f in body["files"]] == URLS
    assert body["dataset"]["version"] == snap.version


def test_downloads_are_in_the_openapi_document(client):
    from openapi_spec_validator import validate

    doc = client.get("/openapi.json").get_json()
    validate(doc)
    for url in [*URLS, "/downloads"]:
        assert "get" in doc["paths"][url]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(snap):
    from service.downloads.build import to_csv

    row = dict.fromkeys(("code", "law"), None)
    row.update(code="XX", law="=HYPERLINK(1)")
    body = to_csv([row]).decode()
    assert "'=HYPERLINK(1)" in body


def test_data_publish_writes_the_downloads(app, tmp_path):
    from icalendar import Calendar

    runner = app.test_cli_runner()
    result = runner.invoke(args=["data", "publish", str(tmp_path), "--source", str(DATA), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    out = tmp_path / "downloads"
    assert sorted(summary["downloads"]) == sorted(p.name for p in out.iterdir())
    rows = list(csv.DictReader(io.StringIO((out / "jurisdictions.csv").read_text())))
    assert {r["dataset_version"] for r in rows} == {summary["version"]}
    Calendar.from_ical((out / "changes.ics").read_bytes())
    assert pq.read_table(out / "jurisdictions.parquet").num_rows == len(rows)
    skipped = runner.invoke(
        args=["data", "publish", str(tmp_path / "bare"), "--source", str(DATA), "--no-downloads"]
    )
    assert skipped.exit_code == 0 and not (tmp_path / "bare" / "downloads").exists()
