"""Refresh from a directory: faults keep the last good dataset, edits are picked up, swaps are whole."""

from __future__ import annotations

import csv
import re
import shutil
import threading
from pathlib import Path

import pytest

from service import resolve
from service.refresh import boundaries, refresh

from .conftest import DATA, TEST_DATA


def read_table(name: str) -> list[dict[str, str]]:
    with (TEST_DATA / "refresh" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


FAULTS = read_table("faults.csv")
AK_NOTES = "No statute or rule located; a 2026 third-party tracker lists the state as unregulated."
EDITED_NOTES = "Edited by the refresh test."


@pytest.fixture(scope="module")
def rapp(tmp_path_factory):
    from service import create_app

    start = tmp_path_factory.mktemp("start") / "jurisdictions"
    shutil.copytree(DATA, start)
    app = create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_BATCH_RATE_PER_MINUTE": 0,
            "KRATOM_DATA_SOURCE": str(start),
            "KRATOM_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        }
    )
    assert app.extensions["kratom.holder"].current is not None
    return app


@pytest.fixture(scope="module")
def baseline(rapp):
    return rapp.extensions["kratom.holder"].current


@pytest.fixture()
def src(rapp, baseline, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the shipped data as the source, with the baseline snapshot serving."""
    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    monkeypatch.setitem(rapp.config, "KRATOM_DATA_SOURCE", str(data))
    holder = rapp.extensions["kratom.holder"]
    state = rapp.extensions["kratom.refresh"]
    holder.swap(baseline)
    state.rejected = None
    state.geo, state.geo_adopted, state.geo_error = baseline.geo, True, None
    state.geo_fingerprint = boundaries.fingerprint(rapp.config)
    return data


def mark_intended(data: Path) -> None:
    from service.dataset import content_version, read_dir
    from service.refresh import plausible

    marker = plausible.marker_text(content_version(read_dir(data)), "test: files removed")
    (data / plausible.MARKER_NAME).write_text(marker, encoding="utf-8")


def holder_of(app):
    return app.extensions["kratom.holder"]


def edit_notes(data: Path, old: str, new: str) -> None:
    path = data / "us-states.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def apply_fault(case: str, data: Path) -> None:
    states = data / "us-states.csv"
    if case == "truncated_file":
        raw = states.read_bytes().rstrip(b"\n")
        last = raw.rfind(b"\n")
        states.write_bytes(raw[: last + 1 + (len(raw) - last) // 2])
    elif case == "half_written_file":
        raw = (data / "countries.csv").read_bytes()
        (data / "countries.csv").write_bytes(raw[: len(raw) // 2])
    elif case == "empty_file":
        (data / "us-local.csv").write_bytes(b"")
    elif case == "invalid_utf8":
        lines = states.read_bytes().split(b"\n")
        lines[1] = lines[1].replace(b"No state", b"No st\xe9te", 1)
        states.write_bytes(b"\n".join(lines))
    elif case == "invalid_row":
        lines = states.read_text(encoding="utf-8").split("\n")
        lines[1] = lines[1].replace("US-AK,,legal,", "US-AK,,allowed,", 1)
        states.write_text("\n".join(lines), encoding="utf-8")
    elif case == "overlapping_rows":
        lines = states.read_text(encoding="utf-8").rstrip("\n").split("\n")
        al = next(x for x in lines if x.startswith("US-AL,,banned,2016-05-10,"))
        extra = al.replace("US-AL,,banned,2016-05-10,", "US-AL,,banned,2024-01-01,")
        states.write_text("\n".join([*lines, extra]) + "\n", encoding="utf-8")
    elif case == "missing_directory":
        shutil.rmtree(data)
    else:  # pragma: no cover
        raise AssertionError(case)


def test_unchanged_source_is_not_rebuilt(rapp, src):
    before = holder_of(rapp).current
    out = refresh(rapp)
    assert out["outcome"] == "unchanged"
    assert out["version"] == before.version
    assert holder_of(rapp).current is before  # no new Snapshot was built
    assert holder_of(rapp).last_attempt["outcome"] == "unchanged"


@pytest.mark.parametrize("fault", FAULTS, ids=[f["case"] for f in FAULTS])
def test_fault_keeps_last_good_dataset(rapp, src, fault):
    client = rapp.test_client()
    before = holder_of(rapp).current
    apply_fault(fault["case"], src)
    out = refresh(rapp)
    assert out["outcome"] == fault["outcome"], out
    assert re.search(fault["error_pattern"], out["error"]), out["error"]
    assert out["version"] == before.version
    assert holder_of(rapp).current is before
    meta = client.get("/v1/meta").get_json()
    assert meta["dataset"]["version"] == before.version
    assert meta["last_refresh"]["outcome"] == fault["outcome"]
    assert re.search(fault["error_pattern"], meta["last_refresh"]["error"])
    answer = client.get("/v1/jurisdictions/US-AK")
    assert answer.status_code == 200
    assert answer.get_json()["dataset"]["version"] == before.version
    assert client.get("/readyz").status_code == 200


def test_invalid_rows_are_listed_with_file_and_line(rapp, src):
    apply_fault("invalid_row", src)
    out = refresh(rapp)
    assert out["errors"][0].startswith("us-states.csv:2:3: status:")
    assert out["source_version"] and out["source_version"] != out["version"]


def test_same_broken_content_is_not_validated_twice(rapp, src, monkeypatch):
    apply_fault("invalid_row", src)
    first = refresh(rapp)
    import service.refresh.job as job

    def fail(*a, **k):  # pragma: no cover - must not be called
        raise AssertionError("rebuilt an already rejected version")

    monkeypatch.setattr(job, "build_dataset", fail)
    second = refresh(rapp)
    assert second["outcome"] == "invalid"
    assert second["error"] == first["error"]


def test_valid_edit_is_picked_up(rapp, src):
    client = rapp.test_client()
    old = holder_of(rapp).current.version
    edit_notes(src, AK_NOTES, EDITED_NOTES)
    out = refresh(rapp)
    assert out["outcome"] == "loaded"
    assert out["version"] != old
    meta = client.get("/v1/meta").get_json()
    assert meta["dataset"]["version"] == out["version"]
    assert meta["last_refresh"]["last_success"]["version"] == out["version"]
    answer = client.get("/v1/jurisdictions/US-AK").get_json()
    assert answer["dataset"]["version"] == out["version"]
    assert answer["notes"] == EDITED_NOTES


def test_fixed_file_after_a_fault_is_loaded(rapp, src):
    original = (src / "us-states.csv").read_bytes()
    apply_fault("truncated_file", src)
    assert refresh(rapp)["outcome"] == "invalid"
    (src / "us-states.csv").write_bytes(original.replace(AK_NOTES.encode(), EDITED_NOTES.encode()))
    out = refresh(rapp)
    assert out["outcome"] == "loaded"
    assert holder_of(rapp).current.dataset.get("US-AK").periods[0].notes == EDITED_NOTES


def test_refresh_already_running_is_skipped(rapp, src):
    holder = holder_of(rapp)
    before = holder.last_attempt
    with holder.swap_lock:
        out = refresh(rapp)
    assert out["outcome"] == "skipped"
    assert holder.last_attempt is before  # a skipped run is not "the last attempt"


def test_boundaries_reload_only_when_their_files_change(rapp, src, tmp_path, monkeypatch):
    override = tmp_path / "boundaries"
    override.mkdir()
    (override / "local.json").write_text("{}")
    monkeypatch.setitem(rapp.config, "KRATOM_BOUNDARIES_DIR", str(override))
    loads: list[object] = []

    class FakeIndex:
        def __init__(self, n: int) -> None:
            self.version = f"fake-{n}"

    def fake_load(config):
        loads.append(config)
        return FakeIndex(len(loads))

    monkeypatch.setattr(boundaries, "load", fake_load)
    dataset = holder_of(rapp).current.dataset
    out = refresh(rapp)
    assert out["outcome"] == "loaded" and out["reason"] == "boundaries changed"
    assert holder_of(rapp).current.geo.version == "fake-1"
    assert holder_of(rapp).current.dataset is dataset  # data untouched
    assert refresh(rapp)["outcome"] == "unchanged"
    assert len(loads) == 1
    (override / "local.json").write_text('{"changed": true}')
    assert refresh(rapp)["outcome"] == "loaded"
    assert holder_of(rapp).current.geo.version == "fake-2"

    def broken_load(config):
        raise OSError("local.json: truncated parquet")

    monkeypatch.setattr(boundaries, "load", broken_load)
    (override / "local.json").write_text('{"changed": "again"}')
    out = refresh(rapp)
    assert out["outcome"] == "error"
    assert "local.json" in out["boundaries_error"]
    assert holder_of(rapp).current.geo.version == "fake-2"  # last good index kept


def test_concurrent_lookups_never_mix_versions(rapp, src):
    """8 threads read while 50 refreshes swap between two versions that differ in one field."""
    for name in (
        "countries.csv",
        "us-local.csv",
        "places.csv",
        "sources.csv",
        "watch.csv",
        "unconfirmed.csv",
    ):
        (src / name).unlink()  # a smaller dataset validates faster: more swaps per second
    mark_intended(src)  # the removals are on purpose
    assert refresh(rapp)["outcome"] == "loaded"
    path = src / "us-states.csv"
    text_a = path.read_text(encoding="utf-8")
    text_b = text_a.replace(AK_NOTES, EDITED_NOTES, 1)
    holder = holder_of(rapp)
    version_a = holder.current.version
    path.write_text(text_b, encoding="utf-8")
    assert refresh(rapp)["outcome"] == "loaded"
    version_b = holder.current.version
    notes_of = {version_a: AK_NOTES, version_b: EDITED_NOTES}
    done = threading.Event()
    problems: list[str] = []
    seen: dict[str, int] = {version_a: 0, version_b: 0}
    lock = threading.Lock()

    def reader(n: int) -> None:
        client = rapp.test_client()
        day = resolve.today_utc()
        while not done.is_set():
            try:
                if n % 2:
                    answer = resolve.jurisdiction_answer(holder.current, "US-AK", day)
                else:
                    resp = client.get("/v1/jurisdictions/US-AK")
                    if resp.status_code != 200:
                        problems.append(f"HTTP {resp.status_code}")
                        continue
                    answer = resp.get_json()
                    point = client.get("/v1/lookup?lat=31.0&lon=-100.0")
                    if point.status_code != 200 or point.get_json()["dataset"]["version"] not in (
                        notes_of
                    ):
                        problems.append(f"lookup {point.status_code}")
                version = answer["dataset"]["version"]
                if notes_of.get(version) != answer["notes"]:
                    problems.append(f"mixed: {version} with notes {answer['notes']!r}")
                with lock:
                    seen[version] += 1
            except Exception as exc:  # pragma: no cover - reported below
                problems.append(repr(exc))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    try:
        for i in range(50):
            path.write_text(text_a if i % 2 == 0 else text_b, encoding="utf-8")
            out = refresh(rapp)
            assert out["outcome"] == "loaded", out
    finally:
        done.set()
        for t in threads:
            t.join()
    assert problems == []
    assert seen[version_a] > 0 and seen[version_b] > 0


def test_restart_with_broken_source_serves_the_last_good_copy(rapp, src):
    """A worker recycled (max_requests) while an editor's file is half-written is not empty."""
    from service import create_app

    edit_notes(src, AK_NOTES, EDITED_NOTES)
    good = refresh(rapp)
    assert good["outcome"] == "loaded"
    apply_fault("truncated_file", src)
    app = create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_DATA_SOURCE": str(src),
            "KRATOM_CACHE_DIR": rapp.config["KRATOM_CACHE_DIR"],
        }
    )
    client = app.test_client()
    meta = client.get("/v1/meta").get_json()
    assert meta["dataset"]["version"] == good["version"]
    assert meta["last_refresh"]["outcome"] == "invalid"
    assert meta["last_refresh"]["serving"] == "last-good local copy"
    assert client.get("/v1/jurisdictions/US-AK").get_json()["notes"] == EDITED_NOTES
    assert client.get("/readyz").status_code == 200
