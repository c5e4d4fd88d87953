"""Atom feed of status changes, past and scheduled (/feed.atom), from resolve.changes().

Built with ElementTree so every text and attribute is escaped by the serializer.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from flask import Response

from .. import resolve
from ..api.v1 import max_age_for
from ..dataset.model import PRODUCTS
from ..hardening.publicurl import feed_id, public_base
from ..words import day_text, product_list, status_word
from .blueprint import bp
from .pages import snapshot_or_503
from .words import lifecycle_word

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 500


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
    lines.extend(f"Source: {url}" for url in c.get("sources") or [])
    return "\n".join(lines)


def build_feed(
    changes: list[dict[str, Any]],
    root: str,
    published: str,
    today: dt.date,
    ident: Callable[[str], str] | None = None,
) -> bytes:
    """`root`: the configured public base URL or '' (links are then root-relative); `ident`
    makes a link path into an absolute Atom id (default: root + path)."""
    ident_of = ident or (lambda path: root + path)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _el(feed, "id", ident_of("/feed.atom"))
    _el(feed, "title", "Kratom legal status: changes")
    _el(feed, "subtitle", "Status changes of countries, US states and local jurisdictions.")
    _el(feed, "updated", published)
    _el(feed, "link", rel="self", type="application/atom+xml", href=f"{root}/feed.atom")
    _el(feed, "link", rel="alternate", type="text/html", href=f"{root}/")
    author = _el(feed, "author")
    _el(author, "name", "Kratom legal status service")
    seen: set[str] = set()
    newest_first = sorted(changes, key=lambda c: (c["date"], c["code"]), reverse=True)
    for c in newest_first[:MAX_ENTRIES]:
        page = f"/j/{c['code']}"
        anchor = f"{page}#change-{c['date']}"
        n = 2
        while anchor in seen:
            anchor = f"{page}#change-{c['date']}-{n}"
            n += 1
        seen.add(anchor)
        entry = _el(feed, "entry")
        _el(entry, "id", ident_of(anchor))
        _el(entry, "title", entry_title(c))
        # a scheduled change was last updated when the dataset announcing it was published
        _el(entry, "updated", min(_stamp(c["date"]), published))
        _el(entry, "published", min(_stamp(c["date"]), published))
        _el(entry, "link", rel="alternate", type="text/html", href=root + page)
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
        resolve.changes(snap, None, None),
        public_base(),  # never the Host header: the feed is publicly cached
        _published_utc(snap.published),
        resolve.today_utc(),
        feed_id,
    )
    resp = Response(body, mimetype="application/atom+xml")
    resp.headers["Cache-Control"] = f"public, max-age={max_age_for(resolve.today_utc(), None)}"
    return resp
