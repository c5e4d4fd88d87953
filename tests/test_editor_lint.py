"""`lint()`: warnings that point at the period, never errors; `validate --strict` fails on them."""

from __future__ import annotations

import datetime as dt
import json

from service.dataset import build_dataset
from service.dataset.lint import lint

HEADER = (
    "code,products,status,effective_from,effective_to,lifecycle,date_precision,age_min,cap,"
    "law,sources,verified_on,confidence,source_date,notes\n"
)
SOURCES = (
    "url,tier,publisher,title,read_via\n"
    "https://example.org/law,primary,Example Gazette,,\n"
    "https://example.org/law2,primary,Example Gazette,,\n"
    "https://example.com/news,news,Example News,,\n"
    "https://shop.example.net/blog,vendor,Example Shop,,\n"
    "https://gov.example/release,government,Example Agency,,quoted excerpt in https://digest.example/a\n"
    "https://digest.example/a,digest,Digest One,,\n"
    "https://digest.example/b,digest,Digest One,,\n"
    "https://other.example/c,digest,Digest Two,,\n"
)
PLACES = 'code,name,kind,parent,geoid\nUS-TX:testville,"Testville, Texas",city,US-TX,\n'
TODAY = dt.date(2026, 12, 1)


def dataset(rows: str, local: str = ""):
    files = {
        "countries.csv": (HEADER + rows).encode(),
        "sources.csv": SOURCES.encode(),
        "places.csv": PLACES.encode(),
    }
    if local:
        files["us-local.csv"] = (HEADER + local).encode()
    return build_dataset(files, today=TODAY)


def messages(rows: str, local: str = "", **kw) -> list[str]:
    return [str(w) for w in lint(dataset(rows, local), today=TODAY, **kw)]


def test_clean_period_has_no_warning():
    assert messages("FR,,legal,,,,,,,Act,https://example.org/law,2026-11-01,high,,\n") == []


def test_stale_verified_on_points_at_the_cell():
    rows = "FR,,legal,,,,,,,Act,https://example.org/law,2025-11-01,high,,\n"
    (w,) = lint(dataset(rows), today=TODAY, stale_days=365)
    assert (w.file, w.line, w.column, w.field, w.severity) == (
        "countries.csv",
        2,
        12,
        "verified_on",
        "warning",
    )
    assert "395 days ago" in w.message
    assert lint(dataset(rows), today=TODAY, stale_days=400) == []


def test_low_confidence_warns_only_on_the_current_period():
    rows = (
        "FR,,legal,,2020-01-01,,,,,Act,https://example.org/law,2026-11-01,low,,\n"
        "FR,,banned,2020-01-01,,,,,,Act 2,https://example.org/law2,2026-11-01,low,,\n"
    )
    (w,) = messages(rows)
    assert w.startswith("countries.csv:3:13: confidence: current banned period of FR")


def test_pending_change_whose_date_has_passed():
    rows = (
        "FR,,legal,,2026-11-01,,,,,Act,https://example.org/law,2026-11-01,high,,\n"
        "FR,,banned,2026-11-01,,pending,,,,Act 2,https://example.org/law2,2026-11-01,high,,\n"
    )
    (w,) = messages(rows)
    assert "countries.csv:3:6: lifecycle: pending since 2026-11-01" in w


def test_future_pending_change_is_fine():
    rows = (
        "FR,,legal,,2027-01-01,,,,,Act,https://example.org/law,2026-11-01,high,,\n"
        "FR,,banned,2027-01-01,,pending,,,,Act 2,https://example.org/law2,2026-11-01,high,,\n"
    )
    assert messages(rows) == []


def test_unregistered_source_url():
    rows = "FR,,legal,,,,,,,Act,https://example.org/law https://gov.example/x,2026-11-01,high,,\n"
    (w,) = messages(rows)
    assert "https://gov.example/x is not registered in sources.csv" in w


def test_vendor_source_cited_once_is_flagged():
    rows = "FR,,legal,,,,,,,Act,https://example.org/law https://shop.example.net/blog,2026-11-01,high,,\n"
    (w,) = messages(rows)
    assert "shop.example.net/blog is cited only here and registered as vendor" in w


def test_vendor_source_cited_twice_is_not_flagged():
    rows = (
        "FR,,legal,,,,,,,Act,https://example.org/law https://shop.example.net/blog,2026-11-01,high,,\n"
        "DE,,legal,,,,,,,Act,https://example.org/law https://shop.example.net/blog,2026-11-01,high,,\n"
    )
    assert messages(rows) == []


def test_unregistered_shop_url_is_flagged_by_its_domain():
    rows = "FR,,legal,,,,,,,Act,https://example.org/law https://bestkratom.example/p,2026-11-01,high,,\n"
    found = messages(rows)
    assert any("looks like a shop page" in w for w in found)


def test_local_ban_with_one_publisher_needs_a_second_source():
    local = "US-TX:testville,,banned,2025-01-01,,,,,,Ord. 1,https://example.org/law https://example.org/law2,2026-11-01,high,,\n"
    (w,) = messages("FR,,legal,,,,,,,Act,https://example.org/law,2026-11-01,high,,\n", local)
    assert w.startswith("us-local.csv:2:11: sources: current local ban of US-TX:testville")
    assert "1 publisher(s)" in w


def test_local_ban_with_two_independent_sources_is_fine():
    local = "US-TX:testville,,banned,2025-01-01,,,,,,Ord. 1,https://example.org/law https://example.com/news,2026-11-01,high,,\n"
    assert messages("FR,,legal,,,,,,,Act,https://example.org/law,2026-11-01,high,,\n", local) == []


def test_shipped_tustin_ban_is_below_the_two_source_rule(snap):
    found = [str(w) for w in lint(snap.dataset, today=TODAY)]
    assert any("current local ban of US-CA:tustin" in w for w in found)


def test_validate_prints_warnings_and_exits_zero(app, tmp_path):
    (tmp_path / "countries.csv").write_text(
        HEADER + "FR,,legal,,,,,,,Act,https://example.org/law,2020-01-01,high,,\n"
    )
    result = app.test_cli_runner().invoke(args=["data", "validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: countries.csv:2:12: verified_on: sources last read 2020-01-01" in result.output


def test_validate_strict_fails_on_warnings(app, tmp_path):
    (tmp_path / "countries.csv").write_text(
        HEADER + "FR,,legal,,,,,,,Act,https://example.org/law,2020-01-01,high,,\n"
    )
    runner = app.test_cli_runner()
    strict = runner.invoke(args=["data", "validate", "--strict", "--json", str(tmp_path)])
    assert strict.exit_code == 1
    body = json.loads(strict.output)
    assert body["ok"] is False and body["errors"] == []
    # unregistered source: no tier, so nothing shows the law was read -> confidence too
    assert {w["field"] for w in body["warnings"]} == {"verified_on", "sources", "confidence"}


def test_validate_stale_days_option_and_config(app, tmp_path):
    (tmp_path / "countries.csv").write_text(
        HEADER + "FR,,legal,,,,,,,Act,https://example.org/law,2026-01-01,high,,\n"
    )
    (tmp_path / "sources.csv").write_text(
        "url,tier,publisher,title\nhttps://example.org/law,primary,X,\n"
    )
    runner = app.test_cli_runner()
    args = ["data", "validate", "--strict", str(tmp_path)]
    assert runner.invoke(args=args).exit_code == 0
    assert runner.invoke(args=[*args[:2], "--stale-days", "30", *args[2:]]).exit_code == 1
    app.config["KRATOM_STALE_DAYS"] = 30
    try:
        assert runner.invoke(args=args).exit_code == 1
    finally:
        app.config["KRATOM_STALE_DAYS"] = 365


def test_validate_errors_still_exit_one(app, tmp_path):
    (tmp_path / "countries.csv").write_text(
        HEADER + "FR,,legall,,,,,,,Act,https://example.org/law,2026-01-01,high,,\n"
    )
    result = app.test_cli_runner().invoke(args=["data", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "countries.csv:2:3: status: unknown status 'legall'" in result.output


def test_pre_commit_hook_validates_the_data_folder():
    from tests.conftest import ROOT

    text = (ROOT / ".pre-commit-config.yaml").read_text()
    assert "entry: flask --app service data validate data/jurisdictions" in text
    assert "files: ^data/jurisdictions/" in text and "language: system" in text
    assert "pass_filenames: false" in text


def test_high_confidence_on_news_only_asks_for_the_law():
    (w,) = messages("FR,,banned,2020-01-01,,,,,,Act,https://example.com/news,2026-11-01,high,,\n")
    assert "countries.csv:2:13: confidence: high confidence needs the law's text" in w


def test_high_confidence_on_a_quoted_government_release_is_flagged():
    rows = (
        "FR,,banned,2020-01-01,,,,,,Act,https://gov.example/release https://digest.example/a,"
        "2026-11-01,high,,\n"
    )
    found = messages(rows)
    assert any("read directly" in w for w in found)
    assert any("at most medium" in w for w in found)


def test_medium_on_one_digest_outlet_is_flagged_and_two_outlets_are_fine():
    one = "FR,,banned,2020-01-01,,,,,,Act,https://digest.example/a https://digest.example/b,2026-11-01,medium,,\n"
    two = "FR,,banned,2020-01-01,,,,,,Act,https://digest.example/a https://other.example/c,2026-11-01,medium,,\n"
    assert any("1 outlet(s)" in w for w in messages(one))
    assert messages(two) == []


def test_watch_item_whose_decide_by_date_passed_is_flagged():
    watch = (
        "code,products,proposed_status,stage,stage_date,decide_by,title,sources,verified_on,"
        "confidence,notes\n"
        "FR,7-oh,banned,comment-period,2026-09-01,2026-10-01,Decree draft,"
        "https://example.org/law,2026-11-01,high,\n"
    )
    files = {
        "countries.csv": (
            HEADER + "FR,,legal,,,,,,,Act,https://example.org/law,2026-11-01,high,,\n"
        ).encode(),
        "sources.csv": SOURCES.encode(),
        "watch.csv": watch.encode(),
    }
    (w,) = [str(x) for x in lint(build_dataset(files, today=TODAY), today=TODAY)]
    assert w.startswith("watch.csv:2:6: decide_by: decide-by date 2026-10-01 has passed")
