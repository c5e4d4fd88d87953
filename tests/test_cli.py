"""`kratom-status`: lookup/status print the HTTP JSON; annotate streams files with a progress
bar and per-row errors; no traceback ever reaches the user."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from service import columns as cols
from service.client import KratomStatus
from service.commandline import main


@pytest.fixture(scope="session")
def ks() -> KratomStatus:
    return KratomStatus()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_lookup_json_is_the_v1_lookup_body(client):
    result = run("lookup", "--lat", "30.2672", "--lon", "-97.7431", "--json")
    assert result.exit_code == 0, result.output
    http = client.get("/v1/lookup?lat=30.2672&lon=-97.7431")
    assert result.stdout_bytes == http.data + b"\n"


def test_lookup_on_a_day_is_the_v1_answer_for_that_day(client):
    result = run("lookup", "--lat", "33.2098", "--lon", "-87.5692", "--on", "2024-06-01", "--json")
    http = client.get("/v1/lookup?lat=33.2098&lon=-87.5692&as_of=2024-06-01")
    assert result.stdout_bytes == http.data + b"\n"


def test_status_json_is_the_v1_jurisdiction_body(client):
    result = run("status", "US-TX", "--on", "2024-06-01", "--json")
    assert result.exit_code == 0
    assert (
        result.stdout_bytes == client.get("/v1/jurisdictions/US-TX?as_of=2024-06-01").data + b"\n"
    )


def test_lookup_prints_a_readable_answer():
    result = run("lookup", "--lat", "33.2098", "--lon", "-87.5692", "--on", "2024-06-01")
    assert result.exit_code == 0
    assert "verdict: banned (controlled by US-AL)" in result.stdout
    assert "US-AL" in result.stdout and "Alabama" in result.stdout


def test_status_prints_law_and_sources():
    result = run("status", "US-AL", "--on", "2024-06-01")
    assert result.exit_code == 0
    assert result.stdout.startswith("Kratom in Alabama: banned")
    assert "source (" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lookup", "--lat", "91", "--lon", "0"], "'lat' must be between -90 and 90"),
        (["lookup", "--lat", "0", "--lon", "nan"], "'lon' must be between -180 and 180"),
        (["lookup", "--lat", "x", "--lon", "0"], "'x' is not a valid float"),
        (["lookup", "--lat", "0", "--lon", "0", "--on", "2024-02-30"], "is not a date"),
        (["status", "US-TX", "--on", "tomorrow"], "is not a date"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_option(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unknown_code_is_an_error_line():
    result = CliRunner().invoke(main, ["status", "XX"])
    assert result.exit_code == 1
    assert "no jurisdiction with code 'XX'" in result.stderr


# -- annotate ----------------------------------------------------------------------------


def _points(n: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat = np.round(
        np.concatenate([rng.uniform(24, 50, n - n // 4), rng.uniform(-60, 70, n // 4)]), 5
    )
    lon = np.round(
        np.concatenate([rng.uniform(-125, -66, n - n // 4), rng.uniform(-180, 180, n // 4)]), 5
    )
    return lat, lon


def _expected(ks: KratomStatus, lat: float, lon: float) -> dict[str, str]:
    row = cols.point_row(ks.lookup(lat=lat, lon=lon, on="2024-06-01"))
    return {
        c: "" if v is None else ("true" if v is True else "false" if v is False else str(v))
        for c, v in row.items()
    }


def test_annotate_csv_of_100k_rows_with_progress_and_correct_rows(tmp_path, ks):
    n = 100_000
    lat, lon = _points(n)
    src, dst = tmp_path / "stores.csv", tmp_path / "out.csv"
    with src.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "latitude", "longitude"])
        for i in range(n):
            w.writerow([f"{i:06d}", f"store {i}", lat[i], lon[i]])
    result = run(
        "annotate", str(src), str(dst), "--lat-col", "latitude", "--lon-col", "longitude",
        "--on", "2024-06-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("annotate:")]
    shares = [int(p.split()[1].rstrip("%")) for p in progress]
    assert len(shares) >= 5 and shares == sorted(set(shares)) and shares[-1] == 100
    assert progress[-1].split("(")[1].startswith("100,000 of 100,000 rows")
    assert "annotated 100,000 rows (0 without an answer" in result.stderr
    with dst.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n
    assert list(rows[0])[:4] == ["id", "name", "latitude", "longitude"]
    assert list(rows[0])[4:] == list(cols.POINT_COLUMNS)
    for i in range(0, n, 997):
        assert rows[i]["id"] == f"{i:06d}"  # order and the user's cells (leading zeros) kept
        got = {c: rows[i][c] for c in cols.POINT_COLUMNS}
        assert got == _expected(ks, float(rows[i]["latitude"]), float(rows[i]["longitude"]))


def test_annotate_csv_reports_bad_rows_in_place(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "lat,lon,note\n30.2672,-97.7431,austin\n,-97.7,missing\nabc,1,text\n95,0,range\n"
        "13.7563,100.5018\n1,2,3,4\n",
        encoding="utf-8",
    )
    result = run("annotate", str(src), str(dst), "--on", "2024-06-01", "-q")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(dst.read_text(encoding="utf-8").splitlines()))
    assert [r["note"] for r in rows] == ["austin", "missing", "text", "range", "", "3"]
    assert rows[0]["error"] == "" and rows[0]["status"]
    assert rows[1]["error"] == "'lat' is missing or not a number" and rows[1]["status"] == ""
    assert rows[2]["error"] == "'lat' is missing or not a number"
    assert rows[3]["error"] == "'lat' must be between -90 and 90"
    assert rows[4]["error"] == "" and rows[4]["code"] == "TH"  # short row padded
    assert rows[5]["error"] == "row has 4 cells, the header 3: the last 1 left out"
    assert None not in rows[5] and rows[5]["status"] == ""  # aligned, and no guessed answer
    assert result.stderr == ""  # --quiet


def test_annotate_parquet_keeps_columns_types_and_metadata(tmp_path, ks):
    lat, lon = _points(5_000, seed=9)
    lat = lat.copy()
    lat[7] = np.nan
    table = pa.table(
        {"id": pa.array(range(5_000), pa.int64()), "lat": lat, "lon": lon}
    ).replace_schema_metadata({"origin": "test"})
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table, src)
    result = run("annotate", str(src), str(dst), "--on", "2024-06-01", "--chunk-size", "1000")
    assert result.exit_code == 0, result.output
    out = pq.read_table(dst)
    assert out.schema.metadata[b"origin"] == b"test"
    assert out.column("id").to_pylist() == list(range(5_000))
    assert out.schema.field("near_border").type == pa.bool_()
    rows = out.to_pylist()
    assert rows[7]["error"] == "'lat' is missing or not a number" and rows[7]["status"] is None
    for i in range(0, 5_000, 251):
        if i == 7:
            continue
        expected = cols.point_row(ks.lookup(lat=lat[i], lon=lon[i], on="2024-06-01"))
        assert {c: rows[i][c] for c in cols.POINT_COLUMNS} == expected


def test_annotate_geojson_adds_properties_and_flags_non_points(tmp_path, ks):
    doc = {
        "type": "FeatureCollection",
        "name": "stores",
        "features": [
            {"type": "Feature", "properties": {"id": "a"},
             "geometry": {"type": "Point", "coordinates": [-97.7431, 30.2672]}},
            {"type": "Feature", "properties": None,
             "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            {"type": "Feature", "properties": {"id": "c"}, "geometry": None},
        ],
    }  # fmt: skip
    src, dst = tmp_path / "in.geojson", tmp_path / "out.geojson"
    src.write_text(json.dumps(doc))
    result = run("annotate", str(src), str(dst), "--on", "2024-06-01", "--prefix", "kratom_")
    assert result.exit_code == 0, result.output
    out = json.loads(dst.read_text())
    assert out["name"] == "stores" and len(out["features"]) == 3
    first = out["features"][0]["properties"]
    assert first["id"] == "a"
    expected = cols.point_row(ks.lookup(lat=30.2672, lon=-97.7431, on="2024-06-01"))
    assert {c: first["kratom_" + c] for c in cols.POINT_COLUMNS} == expected
    for f in out["features"][1:]:
        assert f["properties"]["kratom_error"].startswith("geometry is not a GeoJSON Point")
        assert f["properties"]["kratom_status"] is None


@pytest.mark.parametrize(
    ("name", "text", "args", "message"),
    [
        ("in.csv", "latitude,lon\n1,2\n", [], "no column 'lat' (--lat-col)"),
        ("in.csv", "lat,lon,status\n1,2,x\n", [], "already has columns ['status']"),
        ("in.csv", "", [], "empty file"),
        ("in.txt", "lat,lon\n", [], "unknown format"),
        ("in.geojson", "{not json", [], "not JSON"),
        ("in.geojson", '{"type": "Feature"}', [], "not a GeoJSON FeatureCollection"),
        ("in.parquet", "not parquet", [], "not a Parquet file"),
    ],
)
def test_annotate_whole_file_errors_are_one_line(tmp_path, name, text, args, message):
    src = tmp_path / name
    src.write_text(text)
    dst = tmp_path / ("out" + src.suffix)
    result = CliRunner().invoke(main, ["annotate", str(src), str(dst), *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not dst.exists()  # nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_annotate_of_a_missing_file_says_so(tmp_path):
    result = CliRunner().invoke(
        main, ["annotate", str(tmp_path / "no.csv"), str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_annotate_refuses_to_change_the_format(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("lat,lon\n1,2\n")
    result = CliRunner().invoke(main, ["annotate", str(src), str(tmp_path / "out.parquet")])
    assert result.exit_code == 1 and "write csv to a csv file" in result.stderr


def test_progress_on_a_terminal_redraws_one_line():
    import io

    from service.annotate_files import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Progress(200, "rows", stream=stream)
    bar.update(100)
    bar.update(100)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "[###############               ]  50% (100 of 200 rows" in text
    assert " 100% (200 of 200 rows" in text


def test_serve_runs_gunicorn_with_the_project_settings(monkeypatch):
    calls = []
    monkeypatch.setattr("os.execve", lambda exe, argv, env: calls.append((argv, env)))
    result = run("serve", "--port", "8123", "--workers", "1", "--timeout", "10")
    assert result.exit_code == 0
    argv, env = calls[0]
    assert argv[1:4] == ["-m", "gunicorn", "-c"] and argv[4].endswith("gunicorn.conf.py")
    assert argv[5:] == ["--timeout", "10", "service:create_app()"]
    assert env["PORT"] == "8123" and env["WEB_CONCURRENCY"] == "1"


def test_version_never_fails():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("kratom-status, version ")
