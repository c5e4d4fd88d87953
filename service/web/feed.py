"""Atom feed of status changes, past and scheduled (/feed.atom), from resolve.changes().

Built with ElementTree so every text and attribute is escaped by the serializer.

Identity: every id is a tag URI (RFC 4151) made of the jurisdiction code and the change date
only, so it is the same behind any proxy, under any Host, on every replica, for ever.
Time: an entry's `updated` is when the change entered the dataset, which is the day an editor
read its sources (`verified_on` of the row that makes the change), not the day it takes
effect: a 2016 ban researched today is new today in a feed reader. It is deterministic (a
function of the files), costs nothing at run time, and moves only when an editor re-reads the
row's sources, which the entry then says.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response

from .. import resolve
from ..api.v1 import max_age_for
from ..dataset.model import PRODUCTS
from ..hardening.publicurl import public_base
from ..snapshot import Snapshot
from ..words import day_text, product_list, status_word
from .blueprint import bp
from .pages import snapshot_or_503
from .words import lifecycle_word

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 500
# Never change this: it is part of every entry id readers have stored.
TAG_PREFIX = "tag:kratom-status.example,2026:"
FEED_ID = f"{TAG_PREFIX}changes"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _stamp(day: str) -> str:
    return f"{day}T00:00:00Z"


def entry_title(c: dict[str, Any]) -> str:
    """'Alabama: legal → banned from 2016-05-10'; names the classes when not all changed."""
    when = day_text(c["date"], c["date_precision"])
    who = c["name"]
    classes = c.get("products") or PRODUCTS
    if len(classes) < len(PRODUCTS):
        who = f"{product_list(classes, short=False)} in {c['name']}"
    if c["status_changed"]:
        return f"{who}: {status_word(c['from_status'])} → {status_word(c['to_status'])} from {when}"
    return f"{who}: rules change from {when} (still {status_word(c['to_status'])})"


def entry_text(c: dict[str, Any], today: dt.date) -> str:
    scheduled = c["date"] > today.isoformat()
    lines = [c["summary"] + "."]
    if scheduled:
        lines.append(f"Scheduled: {lifecycle_word(c['lifecycle'])}.")
    if c.get("law"):
        lines.append(f"Law: {c['law']}")
    if c.get("age_min"):
        lines.append(f"Age limit: {c['age_min']}+")
    lines.append(f"Confidence: {c['confidence']}")
    if c.get("verified_on"):
        lines.append(f"Sources last checked: {c['verified_on']}")
    lines.extend(f"Source: {url}" for url in c.get("sources") or [])
    return "\n".join(lines)


def entry_id(c: dict[str, Any]) -> str:
    """One change of one jurisdiction for one group of product classes (a law can change 7-OH
    and leaf on the same day in different ways); all four classes keep the short form."""
    products = c.get("products") or list(PRODUCTS)
    which = "" if list(products) == list(PRODUCTS) else "/" + "+".join(products)
    return f"{TAG_PREFIX}change/{c['code']}/{c['date']}{which}"


def with_entry_dates(snap: Snapshot, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each change with the `verified_on` of the row that makes it: the period that starts on
    its date, or, for a return to unknown, the period that ends on it."""
    out = []
    for c in changes:
        j = snap.dataset.get(c["code"])
        periods = j.periods if j is not None else ()
        classes = set(c.get("products") or PRODUCTS)
        mine = [p for p in periods if classes & set(p.products)]
        starts = [p for p in mine if p.start is not None and p.start.isoformat() == c["date"]]
        ends = [p for p in mine if p.end is not None and p.end.isoformat() == c["date"]]
        row = (starts or ends or [None])[0]
        out.append({**c, "verified_on": row.verified_on.isoformat()} if row else c)
    return out


def build_feed(changes: list[dict[str, Any]], root: str, published: str, today: dt.date) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    newest_first = sorted(changes, key=lambda c: (c["date"], c["code"]), reverse=True)
    shown = [
        (c, _stamp(c["verified_on"]) if c.get("verified_on") else published)
        for c in newest_first[:MAX_ENTRIES]
    ]
    _el(feed, "id", FEED_ID)
    _el(feed, "title", "Kratom legal status: changes")
    _el(feed, "subtitle", "Status changes of countries, US states and local jurisdictions.")
    _el(feed, "updated", max([published, *(entered for _, entered in shown)]))
    _el(feed, "link", rel="self", type="application/atom+xml", href=f"{root}/feed.atom")
    _el(feed, "link", rel="alternate", type="text/html", href=f"{root}/")
    author = _el(feed, "author")
    _el(author, "name", "Kratom legal status service")
    seen: set[str] = set()
    for c, entered in shown:
        page = f"{root}/j/{c['code']}"
        ident, n = entry_id(c), 2
        while ident in seen:  # two changes of one place on one day: never in today's data
            ident, n = f"{entry_id(c)}/{n}", n + 1
        seen.add(ident)
        entry = _el(feed, "entry")
        _el(entry, "id", ident)
        _el(entry, "title", entry_title(c))
        _el(entry, "updated", entered)
        _el(entry, "link", rel="alternate", type="text/html", href=page)
        _el(entry, "category", term=c["to_status"], label=status_word(c["to_status"]))
        _el(entry, "summary", entry_text(c, today), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _published_utc(published: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(published)
    except ValueError:
        moment = dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.get("/feed.atom")
def feed_atom() -> Response:
    snap = snapshot_or_503()
    body = build_feed(
        with_entry_dates(snap, resolve.changes(snap, None, None)),
        public_base(),  # never the Host header: the feed is publicly cached
        _published_utc(snap.published),
        resolve.today_utc(),
    )
    resp = Response(body, mimetype="application/atom+xml")
    resp.headers["Cache-Control"] = f"public, max-age={max_age_for(resolve.today_utc(), None)}"
    return resp
