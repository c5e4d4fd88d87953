"""`flask data report` and GET /about/data: the same figures from `compute_report`."""

from __future__ import annotations

import datetime as dt
import json
import re

from service.dataset import build_dataset
from service.editor.report import compute_report, report_text
from tests.test_editor_lint import HEADER

TODAY = dt.date(2026, 12, 1)
SOURCES = (
    "url,tier,publisher,title,read_via\n"
    "https://example.org/law,primary,Example Gazette,,\n"
    "https://shop.example.net/blog,vendor,Example Shop,,\n"
)


def small_report():
    rows = (
        "FR,,legal,,2027-01-15,,,,,Act,https://example.org/law,2026-11-01,high,,\n"
        "FR,,banned,2027-01-15,,pending,,,,Act 2,https://example.org/law,2026-11-01,medium,,\n"
        "DE,,legal,,,,,,,Act,https://shop.example.net/blog,2025-06-01,low,,\n"
        "US-TX,,regulated,2023-09-01,,,,21,,Act,https://example.org/law,2026-11-01,high,,\n"
    )
    files = {"countries.csv": (HEADER + rows).encode(), "sources.csv": SOURCES.encode()}
    return compute_report(build_dataset(files, today=TODAY), TODAY, stale_days=365)


def test_coverage_counts_by_level_and_status_today():
    c = small_report()["coverage"]
    assert c["researched_countries"] == 2
    assert c["by_level_status"]["country"]["legal"] == 2
    assert c["by_level_status"]["state"]["regulated"] == 1
    assert c["by_confidence"]["low"] == 1 and c["by_confidence"]["high"] == 2
    assert c["unknown_today"] == c["jurisdictions"] - 3


def test_us_jurisdictions_without_source_are_listed():
    c = small_report()["coverage"]
    assert c["us_without_source_ok"] is False
    assert "US-CA" in c["us_without_source"] and "US-TX" not in c["us_without_source"]


def test_staleness_buckets_and_stale_list():
    s = small_report()["staleness"]
    assert s["current_periods_by_age"]["under 90 days"] == 2
    assert s["current_periods_by_age"]["1 to 2 years"] == 1
    assert [e["code"] for e in s["stale"]] == ["DE"]


def test_upcoming_change_within_90_days():
    (e,) = small_report()["upcoming"]["changes"]
    assert (e["date"], e["code"], e["from_status"], e["status"], e["lifecycle"]) == (
        "2027-01-15",
        "FR",
        "legal",
        "banned",
        "pending",
    )


def test_source_tiers_and_vendor_only_current_periods():
    src = small_report()["sources"]
    assert src["by_tier"]["primary"] == 1 and src["by_tier"]["vendor"] == 1
    assert [e["code"] for e in src["vendor_only_current"]] == ["DE"]


def test_unconfirmed_lists_low_confidence_current_periods():
    assert [e["code"] for e in small_report()["unconfirmed"]] == ["DE"]


def test_report_text_names_every_section():
    text = report_text(small_report())
    for heading in (
        "Coverage",
        "Currency",
        "Staleness",
        "Upcoming changes",
        "Watch list",
        "Sources",
        "Unconfirmed",
    ):
        assert heading in text
    assert (
        "2027-01-15 FR (France) [leaf extract 7-oh synthetic]: legal -> banned [pending, medium]"
        in text
    )


def small_report_with_watch():
    rows = (
        "FR,,legal,,,,,,,Act,https://example.org/law,2026-11-01,high,2026-10-02,\n"
        "US-TX,leaf extract 7-oh,regulated,2023-09-01,,,,18,7-oh<=2%alkaloids,Act,"
        "https://example.org/law,2026-11-20,high,2023-06,\n"
        "US-TX,synthetic,banned,2023-09-01,,,,,,Act,https://example.org/law,2026-11-20,high,2023-06,\n"
    )
    watch = (
        "code,products,proposed_status,stage,stage_date,decide_by,title,sources,verified_on,"
        "confidence,notes\n"
        "FR,7-oh,banned,comment-period,2026-09-01,2026-11-15,Draft decree,"
        "https://example.org/law,2026-11-01,high,\n"
        "US-TX,7-oh,banned,introduced,2026-10-01,,HB 9,https://example.org/law,2026-11-01,high,\n"
    )
    files = {
        "countries.csv": (HEADER + rows).encode(),
        "sources.csv": SOURCES.encode(),
        "watch.csv": watch.encode(),
    }
    return compute_report(build_dataset(files, today=TODAY), TODAY, stale_days=365)


def test_restricted_layer_counts_once_as_restricted():
    c = small_report_with_watch()["coverage"]
    assert c["by_level_status"]["state"]["restricted"] == 1


def test_watch_list_is_sorted_by_decide_by_with_overdue_flagged():
    w = small_report_with_watch()["watch"]
    assert [(e["code"], e["decide_by"], e["overdue"]) for e in w] == [
        ("FR", "2026-11-15", True),
        ("US-TX", None, False),
    ]
    text = report_text(small_report_with_watch())
    assert "decide by 2026-11-15 OVERDUE: FR [7-oh] Draft decree" in text


def test_currency_names_the_newest_source_and_places_checked_recently():
    cur = small_report_with_watch()["currency"]
    assert (cur["newest_source"], cur["newest_source_code"]) == ("2026-10-02", "FR")
    assert (cur["places_checked_since"], cur["places_with_status"]) == (2, 2)
    assert cur["current_periods_by_source_month"]["2026-10"] == 1
    assert cur["current_periods_by_source_month"]["2023"] == 2


def test_report_command_on_shipped_data(app):
    result = app.test_cli_runner().invoke(args=["data", "report"])
    assert result.exit_code == 0, result.output
    assert "researched countries:" in result.output


def test_report_command_json_on_shipped_data(app):
    result = app.test_cli_runner().invoke(args=["data", "report", "--json"])
    body = json.loads(result.output)
    assert set(body) >= {
        "coverage",
        "currency",
        "staleness",
        "upcoming",
        "watch",
        "sources",
        "unconfirmed",
    }
    assert body["coverage"]["by_level_status"]["country"]["unknown"] > 100
    assert body["sources"]["by_tier"]["unregistered"] == 0


def test_report_command_refuses_invalid_data(app, tmp_path):
    (tmp_path / "countries.csv").write_text(
        HEADER + "FR,,legall,,,,,,,A,https://example.org/,2026-01-01,high,,\n"
    )
    assert app.test_cli_runner().invoke(args=["data", "report", str(tmp_path)]).exit_code == 1


def test_about_data_page_shows_the_report_figures(app, client):
    page = client.get("/about/data")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    with app.app_context():
        report = compute_report(
            app.extensions["kratom.holder"].current.dataset, dt.datetime.now(dt.UTC).date()
        )
    assert (
        f"<strong>{report['coverage']['researched_countries']}</strong> countries researched"
        in html
    )
    assert f"Statuses today with low confidence ({len(report['unconfirmed'])})" in html


def test_about_data_page_is_accessible_markup_without_inline_code(client):
    html = client.get("/about/data").get_data(as_text=True)
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert "<h1" in html and "<caption>" in html and 'scope="col"' in html
    if "<html" in html:
        assert re.search(r'<html lang="[a-z]+"', html)


def test_about_data_stylesheet_is_served(client):
    html = client.get("/about/data").get_data(as_text=True)
    href = re.search(r'href="([^"]*about-data\.css)"', html).group(1)
    css = client.get(href)
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()


def test_about_data_page_says_how_current_the_dataset_is(client):
    html = client.get("/about/data").get_data(as_text=True)
    assert "Newest source: <strong>" in html
    assert "places with a status" in html


def test_leads_that_could_not_be_confirmed_are_listed_with_what_was_searched():
    leads = (
        "place,code,lead,searched,checked_on\n"
        '"Testville, Texas",,"A tracker lists a ban.","Stored pages: nothing.",2026-11-30\n'
    )
    files = {
        "countries.csv": (
            HEADER + "FR,,legal,,,,,,,Act,https://example.org/law,2026-11-01,high,,\n"
        ).encode(),
        "sources.csv": SOURCES.encode(),
        "unconfirmed.csv": leads.encode(),
    }
    r = compute_report(build_dataset(files, today=TODAY), TODAY)
    (lead,) = r["leads_not_confirmed"]
    assert (lead["place"], lead["searched"], lead["checked_on"]) == (
        "Testville, Texas",
        "Stored pages: nothing.",
        "2026-11-30",
    )
    assert "Leads searched and not confirmed (nothing entered): 1" in report_text(r)


def test_shipped_report_lists_every_unconfirmed_lead_of_the_autumn_update(app):
    body = json.loads(app.test_cli_runner().invoke(args=["data", "report", "--json"]).output)
    places = {x["place"] for x in body["leads_not_confirmed"]}
    assert {"Nassau County, New York", "Kansas", "North Dakota"} <= places
