"""HTTP caching and identity: strong ETags and 304s on JSON answers (fast path included), errors
that no shared cache keeps, feed ids that never depend on the Host, and a `published` time that
is the dataset's, not the files'."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from service.fastpath import ResponseCache
from service.loading import published_from, published_of, snapshot_from_dir

from .conftest import DATA, TEST_DATA

A = "{http://www.w3.org/2005/Atom}"


def _table(name: str) -> list[dict[str, str]]:
    with (TEST_DATA / "http" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _cache(app) -> ResponseCache:
    layer = app.wsgi_app
    while not isinstance(layer, ResponseCache):
        layer = layer.wsgi_app
    return layer


# -- ETags ------------------------------------------------------------------------------------

ETAG_CASES = _table("etag_answers.csv")


@pytest.mark.parametrize("case", ETAG_CASES, ids=[c["case"] for c in ETAG_CASES])
def test_json_answer_has_a_strong_etag_and_answers_304(client, case):
    first = client.get(case["path"])
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(case["path"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "Cache-Control" in again.headers
    other = client.get(case["path"], headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_weak_form_of_the_etag_also_matches(client):
    etag = client.get("/v1/jurisdictions/TH").headers["ETag"]
    assert (
        client.get("/v1/jurisdictions/TH", headers={"If-None-Match": f"W/{etag}"}).status_code
        == 304
    )


def test_fast_path_point_answer_has_the_flask_etag_and_answers_304(app, client):
    path = "/v1/lookup?lat=13.7563&lon=100.5018&as_of=2025-01-02"
    client.get("/v1/lookup?lat=1&lon=1")  # Flask answers one point first: the fast path learns
    fast = _cache(app).fast_lookups
    via_fast = client.get(path)
    assert _cache(app).fast_lookups == fast + 1
    via_flask = client.get(path.replace("-", "%2D"))  # an unusual query goes to Flask
    assert _cache(app).fast_lookups == fast + 1
    assert via_fast.headers["ETag"] == via_flask.headers["ETag"]  # same answer, same tag
    assert via_fast.data == via_flask.data
    not_modified = client.get(path, headers={"If-None-Match": via_fast.headers["ETag"]})
    assert _cache(app).fast_lookups == fast + 2
    assert not_modified.status_code == 304
    assert not_modified.data == b""
    assert not_modified.headers["ETag"] == via_fast.headers["ETag"]
    assert "Content-Type" not in not_modified.headers


def test_cached_jurisdiction_answers_304_from_the_response_cache(app, client):
    etag = client.get("/v1/jurisdictions/US-AL").headers["ETag"]
    client.get("/v1/jurisdictions/US-AL")
    hits = _cache(app).hits
    resp = client.get("/v1/jurisdictions/US-AL", headers={"If-None-Match": etag})
    assert _cache(app).hits == hits + 1
    assert resp.status_code == 304


def test_etag_follows_the_day_and_the_dataset_version(app, client):
    a = client.get("/v1/jurisdictions/US-AL?as_of=2016-05-09").headers["ETag"]
    b = client.get("/v1/jurisdictions/US-AL?as_of=2016-05-10").headers["ETag"]
    assert a != b
    holder = app.extensions["kratom.holder"]
    old = holder.current
    renamed = dataclasses.replace(old.dataset, version="another-version")
    holder.swap(dataclasses.replace(old, dataset=renamed, memo={}))
    try:
        c = client.get("/v1/jurisdictions/US-AL?as_of=2016-05-09")
        assert c.headers["ETag"] != a
        assert (
            client.get(
                "/v1/jurisdictions/US-AL?as_of=2016-05-09", headers={"If-None-Match": a}
            ).status_code
            == 200
        )
    finally:
        holder.swap(old)


def test_batch_answers_carry_no_etag(client):
    resp = client.post("/v1/lookup/batch", json=[{"lat": 13.75, "lon": 100.5}])
    assert resp.status_code == 200
    assert "ETag" not in resp.headers
    assert resp.headers["Cache-Control"] == "no-store"


# -- errors are never kept by a shared cache --------------------------------------------------

ERROR_CASES = _table("error_answers.csv")


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c["case"] for c in ERROR_CASES])
def test_error_answers_are_not_stored_by_shared_caches(client, case):
    resp = client.open(case["path"], method=case["method"], headers={"Accept": case["accept"]})
    assert resp.status_code == int(case["status"])
    cache_control = resp.headers["Cache-Control"]
    assert cache_control in ("no-store", "private, no-cache"), cache_control


# -- the feed ---------------------------------------------------------------------------------


def _feed(client, host: str = "localhost") -> ET.Element:
    resp = client.get("/feed.atom", headers={"Host": host})
    assert resp.status_code == 200
    return ET.fromstring(resp.data)


def test_feed_ids_are_identical_under_two_host_headers(client):
    a, b = _feed(client, "kratom.example"), _feed(client, "proxy.internal:8080")
    ids_a = [a.findtext(f"{A}id"), *(e.findtext(f"{A}id") for e in a.iter(f"{A}entry"))]
    ids_b = [b.findtext(f"{A}id"), *(e.findtext(f"{A}id") for e in b.iter(f"{A}entry"))]
    assert ids_a == ids_b
    assert all(i.startswith("tag:") for i in ids_a)
    assert "tag:kratom-status.example,2026:change/US-AL/2016-05-10" in ids_a
    assert len(set(ids_a)) == len(ids_a)


def test_feed_entry_updated_is_when_its_row_was_verified_not_its_effective_date(client, snap):
    feed = _feed(client)
    entry = next(
        e
        for e in feed.iter(f"{A}entry")
        if e.findtext(f"{A}id").endswith("change/US-AL/2016-05-10")
    )
    banned = next(p for p in snap.dataset.get("US-AL").periods if p.status == "banned")
    assert entry.findtext(f"{A}updated") == f"{banned.verified_on.isoformat()}T00:00:00Z"
    assert f"Sources last checked: {banned.verified_on}" in entry.findtext(f"{A}summary")


@pytest.fixture()
def newly_researched_2016_ban(app, tmp_path):
    """The shipped data plus a ban from 2016 that an editor researched today."""
    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    url = "https://example.org/fiji-kratom-2016"
    with (data / "countries.csv").open("a", encoding="utf-8", newline="") as f:
        row = ["FJ", "", "banned", "2016-03-01", "", "", "day", "", "", "Test act 2016", url, today]
        csv.writer(f).writerow([*row, "medium", "2016-03-01", "Test row."])
    with (data / "sources.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow([url, "government", "Test", "", ""])
    holder = app.extensions["kratom.holder"]
    shipped = holder.current
    holder.swap(snapshot_from_dir(data, shipped.geo))
    yield today
    holder.swap(shipped)


def test_newly_researched_2016_ban_is_the_newest_entry(client, newly_researched_2016_ban):
    today = newly_researched_2016_ban
    entries = list(_feed(client).iter(f"{A}entry"))
    fiji = next(e for e in entries if e.findtext(f"{A}id").endswith("change/FJ/2016-03-01"))
    assert fiji.findtext(f"{A}updated") == f"{today}T00:00:00Z"
    assert max(e.findtext(f"{A}updated") for e in entries) == f"{today}T00:00:00Z"


# -- published --------------------------------------------------------------------------------


def _git(cwd: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    data = tmp_path / "repo" / "data"
    shutil.copytree(DATA, data)
    return data


def test_published_is_the_newest_commit_touching_the_data_files(data_copy):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = data_copy.parent
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "data", when="2026-03-04T05:06:07+02:00")
    (repo / "other.txt").write_text("not data")
    (data_copy / "README.md").write_text("documentation beside the data is not the data")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "docs", when="2026-05-01T00:00:00+00:00")
    os.utime(data_copy / "countries.csv", (0, 1_900_000_000))  # a checkout touched the file
    assert published_of(data_copy) == "2026-03-04T03:06:07+00:00"
    assert published_from(str(data_copy), "2026-03-04T03:06:07+00:00") == "git-commit"


def test_uncommitted_edits_fall_back_to_the_published_file(data_copy):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = data_copy.parent
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "data", when="2026-03-04T05:06:07+00:00")
    with (data_copy / "countries.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    (data_copy / "published.txt").write_text("# set by the editor\n2026-06-01\n")
    assert published_of(data_copy) == "2026-06-01T00:00:00+00:00"
    assert published_from(str(data_copy), "2026-06-01T00:00:00+00:00") == "published-file"


def test_without_git_or_published_file_the_file_time_is_the_last_resort(data_copy):
    for p in data_copy.glob("*.csv"):
        os.utime(p, (0, 1_700_000_000))
    assert published_of(data_copy) == "2023-11-14T22:13:20+00:00"
    assert published_from(str(data_copy), "2023-11-14T22:13:20+00:00") == "file-mtime"


def test_meta_says_how_published_was_found(app, client, data_copy):
    (data_copy / "published.txt").write_text("2026-11-30T12:00:00Z\n")
    holder = app.extensions["kratom.holder"]
    shipped = holder.current
    holder.swap(snapshot_from_dir(data_copy, shipped.geo))
    try:
        dataset = client.get("/v1/meta").get_json()["dataset"]
        assert dataset["published"] == "2026-11-30T12:00:00+00:00"
        assert dataset["published_from"] == "published-file"
        answer = client.get("/v1/jurisdictions/TH?as_of=2001-02-03").get_json()
        assert answer["dataset"]["published"] == "2026-11-30T12:00:00+00:00"
    finally:
        holder.swap(shipped)
