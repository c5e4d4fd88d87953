"""Admin reload, /metrics, the scheduler start decision, `flask data publish`, artifact checks."""

from __future__ import annotations

import csv
import json
import re

import pytest
from flask import Flask

from service import artifact
from service.dataset import build_dataset, read_dir
from service.refresh import scheduler

from .conftest import DATA, TEST_DATA

TOKEN = "s3cret-token-for-tests"


def read_table(name: str) -> list[dict[str, str]]:
    with (TEST_DATA / "refresh" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# -- admin ---------------------------------------------------------------------------------


def test_admin_reload_is_404_without_a_configured_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "KRATOM_ADMIN_TOKEN", "")
    resp = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 404
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
    ids=["missing", "wrong", "basic_scheme", "longer", "empty"],
)
def test_admin_reload_is_401_with_a_bad_token(app, client, monkeypatch, header):
    monkeypatch.setitem(app.config, "KRATOM_ADMIN_TOKEN", TOKEN)
    headers = {"Authorization": header} if header else {}
    resp = client.post("/admin/reload", headers=headers)
    assert resp.status_code == 401
    assert resp.mimetype == "application/json"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_admin_reload_with_the_token_runs_a_refresh(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "KRATOM_ADMIN_TOKEN", TOKEN)
    resp = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["refresh"]["outcome"] == "unchanged"
    assert body["refresh"]["version"] == app.extensions["kratom.holder"].current.version
    assert resp.headers["Cache-Control"] == "no-store"


def test_admin_reload_get_is_405(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "KRATOM_ADMIN_TOKEN", TOKEN)
    resp = client.get("/admin/reload")
    assert resp.status_code == 405
    assert resp.mimetype == "application/json"


# -- metrics -------------------------------------------------------------------------------


def test_metrics_show_version_outcomes_and_age(app, client):
    from service.refresh import refresh

    refresh(app)
    with client.get("/v1/jurisdictions/US-TX"):
        pass  # counted when the answer is closed, as a server closes it
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = resp.get_data(as_text=True)
    version = app.extensions["kratom.holder"].current.version
    assert re.search(rf'^kratom_dataset_info{{[^}}]*version="{version}"[^}}]*}} 1\.0$', text, re.M)
    assert 'kratom_refresh_attempts_total{outcome="unchanged"}' in text
    assert "kratom_dataset_age_seconds " in text
    assert "kratom_refresh_last_attempt_timestamp_seconds " in text
    assert 'kratom_http_requests_total{route="jurisdiction",status="200"}' in text
    assert 'kratom_http_request_duration_seconds_bucket{le="0.01",route="jurisdiction"}' in text
    for line in text.splitlines():  # every sample line is `name{labels} number`
        if not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_metrics_count_each_outcome(app, client):
    def count(outcome: str) -> float:
        for line in client.get("/metrics").get_data(as_text=True).splitlines():
            if line.startswith(f'kratom_refresh_attempts_total{{outcome="{outcome}"}}'):
                return float(line.split()[-1])
        raise AssertionError(outcome)

    from service.refresh import refresh

    before = count("unchanged")
    refresh(app)
    assert count("unchanged") == before + 1


def test_openapi_documents_metrics_and_admin_reload(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "get" in paths["/metrics"]
    reload_ = paths["/admin/reload"]["post"]
    assert reload_["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


# -- scheduler -----------------------------------------------------------------------------

DECISIONS = read_table("scheduler_decisions.csv")


def flag(raw: str) -> bool | None:
    return None if raw == "" else raw == "true"


@pytest.mark.parametrize("case", DECISIONS, ids=[c["case"] for c in DECISIONS])
def test_scheduler_start_decision(case):
    environ = {"WERKZEUG_RUN_MAIN": "true"} if case["werkzeug_run_main"] == "true" else {}
    start, why = scheduler.start_decision(
        seconds=int(case["seconds"]),
        testing=case["testing"] == "true",
        environ=environ,
        cli_command=case["cli_command"] or None,
        reload_flag=flag(case["reload_flag"]),
        debug=case["debug"] == "true",
    )
    assert start is (case["start"] == "true"), why


def test_scheduler_is_not_started_in_tests(app):
    assert app.testing
    assert scheduler.running_scheduler() is None
    assert scheduler.maybe_start(app) is None


def test_scheduler_starts_once_per_process_and_shuts_down():
    fake = Flask("scheduler-test")
    fake.config.update(KRATOM_REFRESH_SECONDS=3600, KRATOM_REFRESH_JITTER_SECONDS=5)
    sched = scheduler.maybe_start(fake, environ={})  # like a gunicorn worker: no reloader
    try:
        assert sched is not None and sched.running
        assert scheduler.running_scheduler() is sched
        assert scheduler.start_scheduler(fake) is sched  # per-PID guard: no second scheduler
        jobs = sched.get_jobs()
        assert len(jobs) == 1
        trigger = jobs[0].trigger
        assert trigger.interval.total_seconds() == 3600
        assert trigger.jitter == 5
        assert jobs[0].coalesce is True and jobs[0].max_instances == 1
        assert jobs[0].misfire_grace_time == 300
    finally:
        scheduler.shutdown()
    assert not sched.running
    assert scheduler.running_scheduler() is None


# -- artifact and publish ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    files = read_dir(DATA)
    return files, build_dataset(files)


def test_artifact_round_trips_the_exact_bytes(shipped):
    files, dataset = shipped
    art = artifact.parse_artifact(artifact.build_artifact(files, dataset))
    assert dict(art.files) == files
    assert art.version == dataset.version
    assert any(c["code"] == "US-TX" and c["date"] == "2023-09-01" for c in art.changelog)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) // 3], "not complete JSON"),
        (lambda b: b.replace(b'"version": "', b'"version": "0', 1), "malformed 'version'"),
        (lambda b: b.replace(b"US-AL,,banned", b"US-AL,,banNed", 1), "sha256 does not match"),
        (lambda b: b.replace(b"kratom-dataset/1", b"kratom-dataset/9", 1), "unknown format"),
        (lambda b: b"\xff" + b, "not UTF-8"),
    ],
    ids=["truncated", "wrong_version", "edited_file", "unknown_format", "not_utf8"],
)
def test_damaged_artifact_is_rejected(shipped, damage, message):
    files, dataset = shipped
    with pytest.raises(artifact.ArtifactError, match=message):
        artifact.parse_artifact(damage(artifact.build_artifact(files, dataset)))


def test_flask_data_publish_writes_artifact_and_pointer(app, tmp_path):
    out = tmp_path / "site"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["data", "publish", str(out), "--source", str(DATA), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    version = summary["version"]
    assert sorted(p.name for p in out.iterdir()) == [
        f"dataset-{version}.json",
        "downloads",  # the open downloads (service.downloads), unless --no-downloads
        "latest.json",
    ]
    pointer = artifact.parse_document((out / "latest.json").read_bytes())
    assert isinstance(pointer, artifact.Pointer) and pointer.version == version
    body = (out / f"dataset-{version}.json").read_bytes()
    assert artifact.verify_against_pointer(body, pointer, "x").version == version
    again = runner.invoke(args=["data", "publish", str(out), "--source", str(DATA)])
    assert again.exit_code == 0 and "already published" in again.output


def test_flask_data_publish_refuses_invalid_data(app, tmp_path):
    import shutil

    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    states = data / "us-states.csv"
    states.write_text(
        states.read_text(encoding="utf-8").replace("US-AK,,legal,", "US-AK,,allowed,", 1), "utf-8"
    )
    out = tmp_path / "site"
    result = app.test_cli_runner().invoke(args=["data", "publish", str(out), "--source", str(data)])
    assert result.exit_code == 1
    assert "us-states.csv:2:3: status" in result.output
    assert not out.exists()
