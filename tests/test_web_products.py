"""Answers per product on the reader pages: the card's per-product table, the watch list, the
words for each kind of unknown, the point card, the timeline per class, canonical codes."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from service import resolve
from service import words as w
from service.web.words import headline, product_rows

from .conftest import ROOT
from .product_fixture import FEDERAL_BAN, TX_LAW, US_LAW, WATCH_TITLE, products_swapped

HTML = {"Accept": "text/html"}
AUSTIN = "lat=30.2672&lon=-97.7431"


class TableRows(HTMLParser):
    """Rows of the per-product table: {product: {status, cells: [text of each cell]}}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self._row: dict | None = None
        self._depth = 0
        self._in_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "products" in (a.get("class") or ""):
            self._in_table = True
        if self._in_table and tag == "tr" and a.get("data-product"):
            self._row = {"status": a["data-status"], "cells": []}
            self.rows[a["data-product"]] = self._row
        if self._row is not None and tag in ("th", "td"):
            self._row["cells"].append("")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
            self._row = None
        if self._row is not None and tag in ("th", "td"):
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._depth:
            self._row["cells"][-1] += data


def card_of(body: str) -> str:
    return body[body.index('<article class="card') : body.index("</article>")]


def rows_of(html: str) -> dict[str, dict]:
    parser = TableRows()
    parser.feed(html)
    return parser.rows


@pytest.fixture()
def products(app, tmp_path):
    with products_swapped(app, tmp_path) as snap:
        yield snap


def text(resp) -> str:
    return resp.get_data(as_text=True)


# --- the card's per-product table ---------------------------------------------------------


def test_alabama_card_has_every_class_banned(client):
    rows = rows_of(card_of(text(client.get("/?q=alabama"))))
    assert list(rows) == ["leaf", "extract", "7-oh", "synthetic"]
    assert {r["status"] for r in rows.values()} == {"banned"}
    # Alabama's own Schedule I controls leaf, extracts and 7-OH; the federal order, the widest
    # ban, controls synthetics (Alabama bans them too)
    assert all("Alabama" in rows[c]["cells"][3] for c in ("leaf", "extract", "7-oh"))
    assert "United States" in rows["synthetic"]["cells"][3]


def test_texas_card_table_names_status_limits_law_and_layer(client, products):
    card = card_of(text(client.get("/?q=texas")))
    rows = rows_of(card)
    assert [r["status"] for r in rows.values()] == ["regulated", "regulated", "regulated", "banned"]
    leaf = rows["leaf"]["cells"]
    assert leaf[0].startswith("Leaf") and "capsules" in leaf[0]
    assert "Regulated" in leaf[1] and "since 2023-09-01" in leaf[1]
    assert leaf[2] == "18+, 7-OH at most 2% of the alkaloid fraction"
    assert TX_LAW in leaf[3] and "Texas" in leaf[3]
    synthetic = rows["synthetic"]["cells"]
    assert f"since {FEDERAL_BAN}" in synthetic[1]
    assert US_LAW in synthetic[3] and "United States" in synthetic[3]
    assert "&lt;b&gt;" in card and "<b>" not in card  # the law text is escaped


def test_texas_card_headline_is_the_leaf_answer(client, products):
    card = card_of(text(client.get("/?q=texas")))
    assert (
        '<p class="headline">Leaf kratom: regulated, 18+, 7-OH at most 2% of the alkaloid '
        "fraction since 2023-09-01</p>"
    ) in card
    assert f"Law:</span> {TX_LAW.replace('<', '&lt;').replace('>', '&gt;')} (Texas)" in card


def test_watch_list_shows_title_stage_decide_by_and_source(client, products):
    card = card_of(text(client.get("/?q=texas")))
    watch = card[card.index("Watch: proposed, not in force") :]
    watch = watch[: watch.index("</ul>")]
    assert "Test notice of intent to schedule &lt;7-OH&gt; &amp; co" in watch
    assert "notice of intent published" in watch and '<time datetime="2026-07-06">' in watch
    assert 'decision due by <time datetime="2099-12-31">' in watch
    assert 'href="https://thefederalregister.org/81-FR/70652"' in watch
    assert "Would make 7-OH" in watch and "Banned" in watch
    assert WATCH_TITLE not in watch  # only its escaped form


def test_watch_item_past_its_decide_by_date_says_the_outcome_is_not_confirmed(client, products):
    card = card_of(text(client.get("/?q=texas&as_of=2100-01-02")))
    watch = card[card.index("Watch: proposed, not in force") :]
    watch = watch[: watch.index("</ul>")]
    assert 'data-overdue="true"' in watch
    assert 'decision was due by <time datetime="2099-12-31">' in watch
    assert "outcome is not yet confirmed" in watch and "decision due by" not in watch


def test_overdue_proposal_in_the_summary_says_its_outcome_is_not_confirmed():
    item = {
        "products": ["7-oh"],
        "would_change": ["7-oh"],
        "scope": "local",
        "status": "banned",
        "stage_date": "2026-06-24",
        "decide_by": "2026-07-14",
        "title": "I.R. 1279-26",
    }
    assert resolve._pending_phrases({}, [item]) == [
        "7-OH products: local ban proposed, not in force (I.R. 1279-26)"
    ]
    assert resolve._pending_phrases({}, [{**item, "overdue": True}]) == [
        "7-OH products: local ban proposed, decision was due 2026-07-14, outcome not yet "
        "confirmed (I.R. 1279-26)"
    ]  # fmt: skip


def test_watch_item_before_its_decide_by_date_is_not_overdue(client, products):
    card = card_of(text(client.get("/?q=texas&as_of=2099-12-31")))
    assert 'data-overdue="true"' not in card
    assert 'decision due by <time datetime="2099-12-31">' in card


def test_overdue_watch_item_goes_after_dated_changes_and_is_flagged_in_the_api(client, products):
    body = client.get("/v1/jurisdictions/US-TX?as_of=2100-01-02").get_json()
    items = body["next"]["items"]
    ours = [i for i in items if i["title"] == WATCH_TITLE]
    assert ours and ours[0]["overdue"] is True
    assert items.index(ours[0]) > max(
        (n for n, i in enumerate(items) if not i.get("overdue")), default=-1
    )
    today = client.get("/v1/jurisdictions/US-TX?as_of=2099-12-31").get_json()
    assert [i["overdue"] for i in today["next"]["items"] if i["title"] == WATCH_TITLE] == [False]


def test_a_pending_item_changes_nothing_in_the_table(client, products):
    rows = rows_of(card_of(text(client.get("/?q=texas"))))
    assert rows["7-oh"]["status"] == "regulated"


def test_state_card_without_pending_items_has_no_watch_list(client):
    card = card_of(text(client.get("/?q=alabama")))
    assert "Watch: proposed" not in card


# --- the words for unknown ----------------------------------------------------------------


def test_researched_but_unsettled_never_says_not_researched(client, snap):
    today = resolve.today_utc()
    code = next(
        j.code
        for j in snap.dataset.jurisdictions.values()
        if j.level == "country"
        and (p := j.period_at(today)) is not None
        and p.status == "unknown"
        and all(q.status == "unknown" for q in j.periods_at(today).values() if q)
    )
    body = text(client.get(f"/j/{code}"))
    assert "unsettled" in body
    assert "not researched" not in body.lower()


def test_no_period_for_the_date_says_not_established(client, snap):
    j = next(
        j
        for j in snap.dataset.jurisdictions.values()
        if j.level == "country" and j.periods and all(p.start for p in j.periods)
    )
    before = min(p.start for p in j.periods) - dt.timedelta(days=1)
    card = card_of(text(client.get(f"/?q={j.code}&as_of={before.isoformat()}")))
    assert "not established for this date" in card
    assert "not researched" not in card.lower()


def test_start_known_only_as_before_says_since_before(client, snap):
    today = resolve.today_utc()
    j, p = next(
        (j, p)
        for j in snap.dataset.jurisdictions.values()
        if j.level == "country" and j.parent is None
        for p in [j.period_at(today)]
        if p is not None and p.start_precision == "before" and p.status == "banned"
    )
    card = card_of(text(client.get(f"/?q={j.code}")))
    assert f"since before {p.start.isoformat()} (start not known)" in card
    page = text(client.get(f"/j/{j.code}"))
    assert f"since before {p.start.isoformat()}" in page
    assert "not known: in force on" in page


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        ("not_researched", "Leaf kratom: not researched"),
        ("unsettled", "Leaf kratom: unsettled (the sources do not establish it)"),
        ("no_period", "Leaf kratom: not established for this date"),
    ],
)
def test_headline_words_per_basis(basis, words):
    assert headline({"status": "unknown", "basis": basis}) == words


def test_headline_names_the_unknown_layer_and_the_known_rule():
    v = {
        "status": "unknown",
        "basis": "unsettled",
        "code": "US",
        "name": "United States",
        "age_min": 21,
        "lawful": {"status": "regulated", "code": "US-FL", "name": "Florida"},
    }
    assert headline(v) == (
        "Leaf kratom: unsettled under United States law; Florida: regulated, 21+"
    )
    row = product_rows({"leaf": v})[0]
    assert row["note"] == "unsettled" and row["limits"] == ["21+"]
    assert row["lawful"]["name"] == "Florida"


def test_rows_for_missing_classes_are_unknown():
    rows = product_rows({})
    assert [r["status"] for r in rows] == ["unknown"] * 4
    assert [r["title"] for r in rows] == ["Leaf", "Extracts", "7-OH", "Synthetics"]


# --- the point card (what "use my location" shows) ----------------------------------------


def test_point_card_shows_the_per_product_table(client, products, snap):
    if snap.geo is None:
        pytest.skip("no boundaries loaded in this build")
    resp = client.get(f"/?{AUSTIN}", headers=HTML)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    card = card_of(text(resp))
    assert "Kratom at your location" in card
    rows = rows_of(card)
    assert (
        rows["synthetic"]["status"] == "banned" and "United States" in rows["synthetic"]["cells"][3]
    )
    assert rows["leaf"]["status"] == "regulated"
    assert "Test notice of intent to schedule &lt;7-OH&gt; &amp; co" in card
    assert 'class="layers"' in card and ">Texas</a> (state)" in card
    assert "Position used: 30.26720, -97.74310" in card


def test_point_card_and_point_answer_agree(client, snap):
    if snap.geo is None:
        pytest.skip("no boundaries loaded in this build")
    answer = client.get(f"/v1/lookup?{AUSTIN}").get_json()
    rows = rows_of(card_of(text(client.get(f"/?{AUSTIN}"))))
    assert {c: r["status"] for c, r in rows.items()} == {
        c: v["status"] for c, v in answer["products"].items()
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [("lat=91&lon=0", "lat"), ("lat=0", "lon"), ("q=texas&lat=1&lon=1", "q")],
)
def test_point_card_rejects_bad_positions(client, query, field):
    resp = client.get(f"/?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["field"] == field


# --- /j/<code>: timeline per class, upcoming changes, watch list ----------------------------


def test_jurisdiction_page_has_a_timeline_per_class(client, products):
    body = text(client.get("/j/US-TX"))
    table = body[body.index('class="timelines"') : body.index("</table>", body.index("timelines"))]
    assert (
        '<tr data-products="leaf extract 7-oh"><th scope="row">Leaf, extracts and 7-OH</th>'
        in table
    )
    assert '<tr data-products="synthetic"><th scope="row">Synthetics</th>' in table
    synthetic = table[table.index('data-products="synthetic"') :]
    assert "Legal</span> until 2023-09-01" in synthetic
    assert "Banned</span> since 2023-09-01" in synthetic


def test_every_period_names_its_products(client, products):
    body = text(client.get("/j/US-TX"))
    history = body[body.index('class="timeline"') :]
    assert "<dt>Products</dt><dd>Synthetic kratom alkaloids</dd>" in history
    assert "<dt>Products</dt><dd>Leaf kratom, kratom extracts and 7-OH products</dd>" in history
    assert "<dt>Limits</dt><dd>7-OH at most 2% of the alkaloid fraction</dd>" in history


def test_one_row_when_every_period_covers_every_class(client):
    body = text(client.get("/j/US-AL"))
    assert (
        '<tr data-products="leaf extract 7-oh synthetic"><th scope="row">All products</th>' in body
    )


def test_jurisdiction_page_lists_the_watch_items_of_the_layers_above(client, products):
    body = text(client.get("/j/US-TX"))
    section = body[body.index('id="upcoming-title"') : body.index('id="history-title"')]
    assert "Test notice of intent to schedule &lt;7-OH&gt;" in section
    assert "notice of intent published" in section


def test_federal_page_lists_its_scheduled_class_change(client, products):
    body = text(client.get("/j/US?as_of=2026-08-02"))
    section = body[body.index('id="upcoming-title"') : body.index('id="history-title"')]
    assert (
        f'From <time datetime="{FEDERAL_BAN}">{FEDERAL_BAN}</time>: synthetics in United States'
        in section
    )


# --- one canonical-code step for the page and the API --------------------------------------


@pytest.mark.parametrize(("raw", "canonical"), [("us-tx", "US-TX"), ("PR", "US-PR"), ("th", "TH")])
def test_page_and_api_agree_on_canonical_codes(client, raw, canonical):
    page = client.get(f"/j/{raw}")
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/j/{canonical}")
    api = client.get(f"/v1/jurisdictions/{raw}")
    assert api.status_code == 200 and api.get_json()["code"] == canonical


@pytest.mark.parametrize("raw", ["ZZ", "US-ZZ", "x" * 81, "US-TX:" + "a" * 200])
def test_unknown_codes_are_404_naming_the_code_on_both(client, raw):
    for path in (f"/j/{raw}", f"/v1/jurisdictions/{raw}"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.get_json()["error"] == {
            "code": "unknown_code",
            "message": resp.get_json()["error"]["message"],
            "field": "code",
        }
        assert len(resp.get_json()["error"]["message"]) < 160


# --- one word table -------------------------------------------------------------------------


def test_pages_badges_and_scripts_share_the_status_words():
    from service.badges import words as badge_words
    from service.web import words as web_words

    assert badge_words.STATUS_WORDS is w.STATUS_WORDS is resolve.STATUS_WORDS
    assert web_words.HELPERS["status_title"] is w.status_title
    js = (ROOT / "service" / "web" / "static" / "common.js").read_text(encoding="utf-8")
    block = js[js.index("var TITLES = {") : js.index("};", js.index("var TITLES = {"))]
    assert dict(re.findall(r"(\w+): \"([^\"]+)\"", block)) == w.STATUS_TITLES
