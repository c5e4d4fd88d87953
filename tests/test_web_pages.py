"""Reader pages through the Flask test client: the no-JS picker, a jurisdiction page, errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from service.web.blueprint import CSP

from .conftest import ROOT

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PAGES = ["/", "/?q=texas", "/?q=mississippi", "/j/US-TX", "/j/US", "/j/US-MS:jones-county", "/map"]


class InlineFinder(HTMLParser):
    """Collects what the CSP would block: inline scripts, style elements and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style>")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems.extend(f"{k} on <{tag}>" for k in names if k.startswith("on"))


def text_of(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_page_is_html_with_the_strict_csp(client, path):
    resp = client.get(path, headers=HTML)
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert resp.headers["Content-Security-Policy"] == CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_inline_script_or_style(client, path):
    finder = InlineFinder()
    finder.feed(text_of(client.get(path)))
    assert finder.problems == []


@pytest.mark.parametrize("path", PAGES)
def test_page_is_under_100_kb(client, path):
    assert len(client.get(path).data) < 100_000


@pytest.mark.parametrize("path", PAGES)
def test_page_has_landmarks_and_one_h1(client, path):
    body = text_of(client.get(path))
    assert '<html lang="en">' in body
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in body
    assert body.count("<h1") == 1


def test_home_has_a_get_form_that_works_without_javascript(client):
    body = text_of(client.get("/"))
    assert '<form action="/" method="get"' in body
    assert re.search(r'<label for="q">[^<]+</label>', body)
    assert 'name="q"' in body
    assert '<option value="Texas">' in body
    assert 'id="locate"' in body and "hidden" in body  # shown by JS only


def test_no_js_picker_answers_texas(client):
    body = text_of(client.get("/?q=texas"))
    card = body[body.index('<article class="card') : body.index("</article>")]
    assert "Kratom in Texas" in card
    assert "Regulated" in card
    assert "18+" in card
    assert "Texas Kratom Consumer" in card
    assert "texas.public.law" in card
    assert "sources checked on" in card
    assert "not legal advice" in card
    assert 'href="/j/US-TX"' in card


def test_picker_lists_other_matches(client):
    body = text_of(client.get("/?q=new"))
    assert 'id="answer"' in body
    others = body[body.index('id="others-title"') :]
    assert "New Jersey" in body and "New York" in others


def test_picker_escapes_a_script_in_q(client):
    body = text_of(client.get("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_picker_with_no_match_says_so(client):
    body = text_of(client.get("/?q=zzzzqqq"))
    assert 'id="no-match"' in body
    assert 'id="answer"' not in body


def test_unresearched_country_says_not_researched_never_legal(client):
    body = text_of(client.get("/?q=antarctica"))
    card = body[body.index('<article class="card') : body.index("</article>")]
    assert "Unknown" in card and "Leaf kratom: not researched" in card
    assert "Do not read this as legal" in card
    assert ">Legal<" not in card
    assert card.count('<span class="note">not researched</span>') == 4  # every class


def test_state_card_lists_its_local_ordinances(client):
    body = text_of(client.get("/?q=mississippi"))
    card = body[body.index('<article class="card') : body.index("</article>")]
    assert "Local rules inside Mississippi" in card
    assert 'href="/j/US-MS:jones-county"' in card


def test_picker_keeps_as_of(client):
    body = text_of(client.get("/?q=alabama&as_of=2015-06-01"))
    assert 'name="as_of" value="2015-06-01"' in body
    card = body[body.index('<article class="card') : body.index("</article>")]
    assert "as of <time" in card and "2015-06-01" in card


def test_jurisdiction_page_shows_history_badge_and_snippets(client):
    body = text_of(client.get("/j/US-TX"))
    assert "<h1>Kratom in Texas</h1>" in body
    timeline = body[body.index('class="timeline"') :]
    assert timeline.count('<li class="s-') >= 2
    assert "until 2023-09-01" in timeline and "since 2023-09-01" in timeline
    assert '<img src="/badge/US-TX.svg"' in body
    assert re.search(r"<textarea[^>]*readonly", body)
    assert '&lt;img src="/badge/US-TX.svg"' in body  # absolute with KRATOM_PUBLIC_BASE_URL
    assert "[![Kratom legal status in Texas](/badge/US-TX.svg)](/j/US-TX)" in body


@pytest.fixture()
def scheduled_ban(app, tmp_path):
    """The shipped data plus a pending Texas ban in 2030, swapped in for one test."""
    import csv
    import shutil

    from service.loading import snapshot_from_dir

    data = tmp_path / "jurisdictions"
    shutil.copytree(ROOT / "data" / "jurisdictions", data)
    path = data / "us-states.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    current = [r for r in rows if r["code"] == "US-TX" and not r["effective_to"]]
    for r in current:  # every class's current period ends when the test ban starts
        r["effective_to"] = "2030-01-01"
    rows.append(
        {
            **current[0],
            "products": "",
            "status": "banned",
            "effective_from": "2030-01-01",
            "effective_to": "",
            "lifecycle": "pending",
            "age_min": "",
            "cap": "",
            "law": "Test bill <b>1</b> & more",
        }
    )
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    holder = app.extensions["kratom.holder"]
    shipped = holder.current
    holder.swap(snapshot_from_dir(data, shipped.geo))
    yield
    holder.swap(shipped)


def test_jurisdiction_page_shows_a_scheduled_change(client, scheduled_ban):
    body = text_of(client.get("/j/US-TX"))
    section = body[body.index('id="upcoming-title"') : body.index('id="history-title"')]
    assert '<time datetime="2030-01-01">' in section
    assert "Banned" in section
    assert "passed, not yet in force" in section
    assert "Test bill &lt;b&gt;1&lt;/b&gt; &amp; more" in section


def test_card_says_what_changes_next(client, scheduled_ban):
    body = text_of(client.get("/?q=texas"))
    card = body[body.index('<article class="card') : body.index("</article>")]
    upcoming = card[card.index("<h3>What changes next</h3>") :]
    upcoming = upcoming[: upcoming.index("</ul>")]
    assert '<li data-kind="scheduled">From <time datetime="2030-01-01">' in upcoming
    assert "all products in Texas" in upcoming and "Banned" in upcoming


def test_feed_lists_a_scheduled_change(client, scheduled_ban):
    import xml.etree.ElementTree as ET

    feed = ET.fromstring(client.get("/feed.atom").data)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")]
    assert titles[0] == (
        "Leaf kratom, kratom extracts and 7-OH products in Texas: regulated → banned from 2030-01-01"
    )


def test_state_page_lists_local_jurisdictions(client):
    body = text_of(client.get("/j/US-MS"))
    assert "Local rules inside Mississippi" in body
    assert 'href="/j/US-MS:rankin-county"' in body


def test_country_page_lists_its_states(client):
    body = text_of(client.get("/j/US"))
    assert 'href="/j/US-TX"' in body


def test_lower_case_code_redirects_to_the_canonical_page(client):
    resp = client.get("/j/us-tx?as_of=2020-01-01")
    assert resp.status_code == 301
    assert resp.headers["Location"].endswith("/j/US-TX?as_of=2020-01-01")


def test_unknown_code_is_json_404_for_scripts(client):
    resp = client.get("/j/ZZ")
    assert resp.status_code == 404
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"]["code"] == "unknown_code"


def test_unknown_code_is_an_html_404_for_browsers(client):
    resp = client.get("/j/%3Cb%3EZZ", headers=HTML)
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert resp.headers["Content-Security-Policy"] == CSP
    body = text_of(resp)
    assert "<b>ZZ" not in body
    assert "Not found" in body


def test_bad_as_of_is_a_400(client):
    assert client.get("/?as_of=2025-02-30").status_code == 400
    assert client.get("/?as_of=2025-02-30", headers=HTML).mimetype == "text/html"


def test_footer_shows_openstreetmap_attribution(client):
    assert "© OpenStreetMap contributors, ODbL" in text_of(client.get("/"))
    assert "© OpenStreetMap contributors, ODbL" in text_of(client.get("/map"))


def test_static_files_are_served_with_the_csp(client):
    for name in ("site.css", "common.js", "locate.js", "map.js", "site.js"):
        resp = client.get(f"/static/web/{name}")
        try:
            assert resp.status_code == 200, name
            assert resp.headers["Content-Security-Policy"] == CSP
        finally:
            resp.close()
