"""`flask data diff`: status changes on any date from two timelines, period counts, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from service.dataset import validate_dir
from service.dataset.diff import diff_datasets, status_segments

FIXTURE = Path(__file__).resolve().parent / "data" / "diff"
OLD, NEW = FIXTURE / "old", FIXTURE / "new"
D = dt.date.fromisoformat


def fixture_diff():
    (a, _), (b, _) = validate_dir(OLD), validate_dir(NEW)
    return diff_datasets(a, b)


def changes_of(code: str) -> list[tuple[str | None, str | None, str, str]]:
    return [
        (c.as_dict()["from"], c.as_dict()["to"], c.before, c.after)
        for c in fixture_diff().status_changes
        if c.code == code
    ]


def test_split_period_reports_the_new_ban_from_its_date_on():
    assert changes_of("FR") == [("2020-01-01", None, "legal", "banned")]


def test_split_with_the_same_status_is_no_status_change():
    assert changes_of("DE") == []


def test_merged_periods_report_the_years_that_changed():
    assert changes_of("IT") == [("2015-01-01", "2018-01-01", "banned", "regulated")]


def test_shifted_start_reports_only_the_month_in_between():
    assert changes_of("ES") == [("2019-06-01", "2019-07-01", "banned", "legal")]


def test_removed_period_becomes_unknown():
    assert changes_of("PT") == [("2010-01-01", None, "banned", "unknown")]


def test_unchanged_jurisdiction_is_not_listed():
    assert changes_of("NL") == []


def test_period_counts_match_by_code_and_effective_from():
    d = fixture_diff()
    assert (d.count("added"), d.count("removed"), d.count("changed")) == (3, 3, 4)
    changed = {(p.code, p.effective_from): p.fields for p in d.periods if p.kind == "changed"}
    assert changed[("IT", "2015-01-01")] == ("status", "effective_to", "age_min", "law")
    assert changed[("DE", None)] == ("effective_to",)


def test_adjacent_intervals_with_the_same_change_are_merged():
    # PT banned from 2010 against DE legal split at 2021: one range from 2010, not two
    (a, _), (b, _) = validate_dir(OLD), validate_dir(NEW)
    segments = status_segments(a.jurisdictions["PT"].periods, b.jurisdictions["DE"].periods)
    assert segments == [
        (None, D("2010-01-01"), "unknown", "legal"),
        (D("2010-01-01"), None, "banned", "legal"),
    ]


def test_diff_command_text_and_exit_one_on_status_change(app):
    result = app.test_cli_runner().invoke(args=["data", "diff", str(OLD), str(NEW)])
    assert result.exit_code == 1, result.output
    assert "FR (France): from 2020-01-01 on: legal -> banned" in result.output
    assert "ES (Spain): from 2019-06-01 until 2019-07-01: banned -> legal" in result.output
    assert "periods: 3 added, 3 removed, 4 changed" in result.output


def test_diff_command_json_for_ci(app):
    result = app.test_cli_runner().invoke(args=["data", "diff", "--json", str(OLD), str(NEW)])
    body = json.loads(result.output)
    assert body["status_changed"] is True
    assert body["jurisdictions"] == ["ES", "FR", "IT", "PT"]
    assert body["periods"]["added"] == 3
    assert {"code": "PT", "name": "Portugal", "products": ["leaf", "extract", "7-oh", "synthetic"],
            "from": "2010-01-01", "to": None, "before": "banned", "after": "unknown"} in body["status_changes"]  # fmt: skip


HEADER = (
    "code,products,status,effective_from,effective_to,lifecycle,date_precision,age_min,cap,"
    "law,sources,verified_on,confidence,source_date,notes\n"
)
SOURCES = "url,tier,publisher,title,read_via\nhttps://example.org/law,primary,Example,,\n"


def _dataset(rows: str):
    from service.dataset import build_dataset

    return build_dataset(
        {"countries.csv": (HEADER + rows).encode(), "sources.csv": SOURCES.encode()},
        today=D("2026-12-01"),
    )


def test_a_7oh_ban_is_reported_for_that_class_only():
    old = _dataset(
        "FR,,regulated,2020-01-01,,,,18,,Act,https://example.org/law,2026-11-01,high,,\n"
    )
    new = _dataset(
        "FR,,regulated,2020-01-01,2026-03-01,,,18,,Act,https://example.org/law,2026-11-01,high,,\n"
        "FR,leaf extract synthetic,regulated,2026-03-01,,,,18,,Act,https://example.org/law,"
        "2026-11-01,high,,\n"
        "FR,7-oh,banned,2026-03-01,,,,,,Decree,https://example.org/law,2026-11-01,high,,\n"
    )
    d = diff_datasets(old, new)
    assert [(c.products, c.before, c.after) for c in d.status_changes] == [
        (("7-oh",), "regulated", "banned")
    ]
    assert str(d.status_changes[0]) == "FR (France) [7-oh]: from 2026-03-01 on: regulated -> banned"
    kinds = {(p.kind, p.products) for p in d.periods}
    assert ("added", ("7-oh",)) in kinds and (
        "changed",
        ("leaf", "extract", "7-oh", "synthetic"),
    ) in kinds


def test_diff_of_identical_directories_exits_zero(app):
    result = app.test_cli_runner().invoke(args=["data", "diff", str(OLD), str(OLD)])
    assert result.exit_code == 0
    assert "no status changes on any date" in result.output


def test_no_fail_on_change_exits_zero(app):
    args = ["data", "diff", "--no-fail-on-change", str(OLD), str(NEW)]
    assert app.test_cli_runner().invoke(args=args).exit_code == 0


def test_invalid_side_exits_two(app, tmp_path):
    shutil.copytree(NEW, tmp_path / "bad")
    path = tmp_path / "bad" / "countries.csv"
    path.write_text(path.read_text().replace("FR,,banned", "FR,,baned"))
    result = app.test_cli_runner().invoke(args=["data", "diff", str(OLD), str(tmp_path / "bad")])
    assert result.exit_code == 2
    assert "error: new" in result.output and "unknown status 'baned'" in result.output


def test_missing_directory_exits_two(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["data", "diff", str(OLD), str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_wrong_number_of_directories_is_a_usage_error(app):
    assert app.test_cli_runner().invoke(args=["data", "diff", str(OLD)]).exit_code == 2


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture()
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    data = tmp_path / "data" / "jurisdictions"
    shutil.copytree(OLD, data)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "old")
    for f in NEW.iterdir():
        shutil.copy(f, data / f.name)
    return tmp_path


def test_against_git_ref_reads_the_committed_files(app, repo):
    data = repo / "data" / "jurisdictions"
    result = app.test_cli_runner().invoke(
        args=["data", "diff", "--json", "--against", "HEAD", str(data)]
    )
    assert result.exit_code == 1, result.output
    body = json.loads(result.output)
    assert body["jurisdictions"] == ["ES", "FR", "IT", "PT"]
    assert body["old"].startswith("HEAD:")
    # nothing was checked out: the working tree still has the new files
    assert "FR,,banned" in (data / "countries.csv").read_text()


def test_against_head_without_edits_exits_zero(app, repo):
    data = repo / "data" / "jurisdictions"
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "new")
    result = app.test_cli_runner().invoke(args=["data", "diff", "--against", "HEAD", str(data)])
    assert result.exit_code == 0, result.output


def test_against_unknown_ref_exits_two(app, repo):
    data = repo / "data" / "jurisdictions"
    result = app.test_cli_runner().invoke(
        args=["data", "diff", "--against", "no-such-ref", str(data)]
    )
    assert result.exit_code == 2
    assert "error: old" in result.output
