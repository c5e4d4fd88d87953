"""Pure answers over one Snapshot: status of a code on a day, name search, point verdicts.

Views only format what these functions return; all legal logic lives here. Kratom law is
written per product class, so every layer has a status per class and every verdict is computed
per class; `verdict` is the `leaf` answer, the reader's question.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import place_facts
from .dataset.model import (
    PRODUCTS,
    SEVERITY,
    Jurisdiction,
    Period,
    WatchItem,
    summary_status,
)
from .dataset.registry import normalise
from .snapshot import Snapshot

STATUS_WORDS = {
    "legal": "legal",
    "regulated": "regulated",
    "restricted": "restricted",
    "banned": "banned",
    "unknown": "unknown",
}
# Why a status is unknown: the words a reader sees for each case.
UNKNOWN_WORDS = {
    "not_researched": "not researched",
    "unsettled": "unsettled (the sources do not establish it)",
    "no_period": "not established for this date",
}
PRODUCT_NAMES = {
    "leaf": "Leaf kratom",
    "extract": "Kratom extracts",
    "7-oh": "7-OH products",
    "synthetic": "Synthetic kratom alkaloids",
}
PRODUCT_SHORT = {
    "leaf": "leaf",
    "extract": "extracts",
    "7-oh": "7-OH",
    "synthetic": "synthetics",
}
LEVEL_ORDER = {"country": 0, "state": 1, "county": 2, "city": 3}
LOCAL_LEVELS = ("county", "city")
STAGE_WORDS = {
    "introduced": "bill introduced",
    "passed-one-chamber": "passed one chamber",
    "passed-legislature": "passed the legislature, awaiting signature",
    "signed": "signed, effective date not known",
    "proposed-rule": "rule proposed",
    "notice-of-intent": "notice of intent published",
    "comment-period": "open for public comment",
    "hearing": "hearing scheduled",
    "vote-scheduled": "vote scheduled",
    "litigation": "in court",
    "other": "pending",
}

Layer = tuple[Jurisdiction, str, Period | None]


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def canonical_code(raw: str) -> str:
    """`us-tx` and `US-TX` are one jurisdiction; slugs stay lower case."""
    head, sep, slug = raw.strip().partition(":")
    return head.upper() + (sep + slug.lower() if sep else "")


def find(snap: Snapshot, raw: str) -> Jurisdiction | None:
    """The jurisdiction a user-typed code names (any case, ISO aliases), or None."""
    if len(raw) > 80:
        return None
    return snap.dataset.get(canonical_code(raw))


def format_day(day: dt.date | None, precision: str = "day") -> str | None:
    if day is None:
        return None
    if precision == "year":
        return f"{day.year}"
    if precision == "month":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def since_words(p: Period | None) -> str:
    """'since 2023-09-01', 'since 2019', 'since before 2016-05-01' or ''."""
    if p is None or p.start is None:
        return ""
    if p.start_precision == "before":
        return f"since before {p.start.isoformat()}"
    return f"since {format_day(p.start, p.start_precision)}"


def unknown_basis(j: Jurisdiction, p: Period | None) -> str:
    if not j.periods:
        return "not_researched"
    return "no_period" if p is None else "unsettled"


def status_words(status: str, basis: str | None = None) -> str:
    if status == "unknown":
        return UNKNOWN_WORDS.get(basis or "not_researched", UNKNOWN_WORDS["not_researched"])
    return STATUS_WORDS[status]


def _details(status: str, p: Period | None) -> str:
    """', 18+, 7-OH at most 2% of the alkaloid fraction' for a regulated period."""
    if p is None or status not in ("regulated", "legal"):
        return ""
    out = f", {p.age_min}+" if p.age_min else ""
    for cap in p.caps:
        out += f", {cap.words()}"
    return out


def period_dict(p: Period) -> dict[str, Any]:
    return {
        "status": p.status,
        "products": list(p.products),
        "effective_from": p.start.isoformat() if p.start else None,
        "effective_to": p.end.isoformat() if p.end else None,
        "date_precision": p.start_precision,
        "lifecycle": p.lifecycle,
        "age_min": p.age_min,
        "cap": [str(c) for c in p.caps],
        "cap_words": [c.words() for c in p.caps],
        "banned_products": list(p.products) if p.status == "banned" else [],
        "law": p.law,
        "sources": _sources(p),
        "verified_on": p.verified_on.isoformat(),
        "confidence": p.confidence,
        "source_date": p.source_date or None,
        "notes": p.notes,
    }


def _sources(p: Period | WatchItem | None) -> list[dict[str, Any]]:
    if p is None:
        return []
    return [
        {"url": s.url, "tier": s.tier, **({"read_via": s.read_via} if s.read_via else {})}
        for s in p.sources
    ]


# --- one layer --------------------------------------------------------------------------


def layer_classes(j: Jurisdiction, day: dt.date) -> dict[str, Period | None]:
    return j.periods_at(day)


def layer_statuses(classes: dict[str, Period | None]) -> dict[str, str]:
    return {c: (p.status if p else "unknown") for c, p in classes.items()}


def status_of(j: Jurisdiction, day: dt.date, product: str = "leaf") -> tuple[str, Period | None]:
    p = j.period_at(day, product)
    return (p.status if p else "unknown"), p


def layer_status(j: Jurisdiction, day: dt.date) -> str:
    """The layer's one word: leaf, or `restricted` when leaf is lawful and a class is banned."""
    return summary_status(layer_statuses(layer_classes(j, day)))


def describe(name: str, status: str, p: Period | None, basis: str | None = None) -> str:
    """'Kratom in Texas: regulated, 18+ since 2023-09-01' for a period covering every class."""
    text = f"Kratom in {name}: {status_words(status, basis)}{_details(status, p)}"
    since = since_words(p)
    return f"{text} {since}" if since else text


def describe_layer(j: Jurisdiction, day: dt.date) -> str:
    """One sentence for a layer: per class where the law distinguishes products."""
    classes = layer_classes(j, day)
    leaf = classes["leaf"]
    basis = unknown_basis(j, leaf)
    if all(p is leaf for p in classes.values()):
        return describe(j.name, leaf.status if leaf else "unknown", leaf, basis)
    parts = [_class_phrase("leaf", j, leaf, lead=True)]
    for product, group in _groups_differing_from_leaf(classes):
        p = classes[product]
        parts.append(_class_phrase(product, j, p, lead=False, products=group))
    return "; ".join(parts)


def _groups_differing_from_leaf(
    classes: dict[str, Period | None],
) -> list[tuple[str, list[str]]]:
    """Other classes whose period differs from leaf's, grouped by the period they share."""
    leaf = classes["leaf"]
    groups: dict[int, list[str]] = {}
    for product in PRODUCTS[1:]:
        p = classes[product]
        if p is leaf:
            continue
        groups.setdefault(id(p), []).append(product)
    return [(g[0], g) for g in groups.values()]


def _product_list(products: list[str], capital: bool) -> str:
    names = [PRODUCT_NAMES[p] for p in products]
    names = [
        n if (i == 0 and capital) or n[0].isdigit() else n[0].lower() + n[1:]
        for i, n in enumerate(names)
    ]
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


def _class_phrase(
    product: str,
    j: Jurisdiction,
    p: Period | None,
    *,
    lead: bool,
    products: list[str] | None = None,
    scope: str | None = None,
) -> str:
    status = p.status if p else "unknown"
    words = status_words(status, unknown_basis(j, p)) + _details(status, p)
    since = since_words(p)
    law = f" ({p.law})" if p is not None and p.law and status != "unknown" else ""
    who = _product_list(products or [product], capital=lead)
    where = scope or f"in {j.name}"
    if lead:
        text = f"{who} {where}: {words}"
    else:
        text = f"{who}: {words} {where}" if status == "unknown" else f"{who} {words} {where}"
    return f"{text} {since}{law}" if since else f"{text}{law}"


# --- verdicts over a stack of layers -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """Which layer controls one class, and what it says."""

    status: str
    j: Jurisdiction | None
    p: Period | None
    where: str  # "in Texas", "nationally"
    basis: str | None = None  # why unknown
    blocking: tuple[Jurisdiction, ...] = ()  # unknown layers that block a lawful answer
    also: tuple[str, ...] = ()  # other layers that ban too
    several: bool = False  # more than one layer known

    def clause(self) -> str:
        """'regulated, 18+ since 2023-09-01 (SB 497)' — the words after the class and place."""
        p = self.p
        words = status_words(self.status, self.basis) + _details(self.status, p)
        if self.status == "unknown" or p is None:
            return words
        since = since_words(p)
        law = f" ({short_law(p.law)})" if p.law else ""
        return f"{words} {since}{law}" if since else f"{words}{law}"


def short_law(law: str, limit: int = 90) -> str:
    """The instrument's name without its gloss: 'SB 497 (2023)' from 'SB 497 (2023), Acts …'.

    Cut at the first top-level ';' or ': ', or ',' once a number (the bill or act) has been
    named, never inside parentheses; then at a word boundary within `limit` characters."""
    depth = 0
    for i, ch in enumerate(law):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (
            ch == ";"
            or law.startswith(": ", i)
            or (ch == "," and any(c.isdigit() for c in law[:i]))
        ):
            law = law[:i]
            break
    law = law.strip()
    if len(law) > limit:
        law = law[: law.rfind(" ", 0, limit)].rstrip(" ,(") + "…"
    return law


def _scope(j: Jurisdiction, deepest: int) -> str:
    """'nationally' for a national layer above the place asked about, else 'in <name>'."""
    if j.level == "country" and deepest > 0:
        return "nationally"
    return f"in {j.name}"


def decide(product: str, layers: list[tuple[Jurisdiction, Period | None]]) -> Decision:
    """Most restrictive known layer for one class; an unknown layer blocks a lawful answer."""
    # A county or city is listed for its ordinances (or a pending one); with no period at all
    # it adds nothing, exactly like the thousands of unlisted towns, and blocks nothing.
    layers = [(j, p) for j, p in layers if j.periods or j.level not in LOCAL_LEVELS] or layers
    if not layers:
        return Decision("unknown", None, None, "here", "not_researched")
    deepest = max(LEVEL_ORDER[j.level] for j, _ in layers)
    known = [(j, p) for j, p in layers if p is not None and p.status != "unknown"]
    unknown = [(j, p) for j, p in layers if p is None or p.status == "unknown"]
    bases = [unknown_basis(j, p) for j, p in unknown]
    basis = next((b for b in ("unsettled", "no_period") if b in bases), "not_researched")
    if not known:
        j, p = max(layers, key=lambda x: LEVEL_ORDER[x[0].level])
        return Decision("unknown", j, p, f"in {j.name}", basis)
    top = max(SEVERITY[p.status] for _, p in known)  # type: ignore[union-attr]
    tied = [(j, p) for j, p in known if SEVERITY[p.status] == top]  # type: ignore[union-attr]
    # A ban reaches as far as its widest layer (a national ban applies whatever a city says);
    # for anything lawful the most specific layer's rule is the one a reader meets.
    pick = min if top == SEVERITY["banned"] else max
    j, p = pick(tied, key=lambda x: LEVEL_ORDER[x[0].level])
    assert p is not None
    where = _scope(j, deepest)
    if unknown and p.status != "banned":
        return Decision(
            "unknown", j, p, where, basis, blocking=tuple(u for u, _ in unknown), several=True
        )
    also = tuple(x.name for x, q in tied if x is not j and q is not None and q.status == "banned")
    return Decision(p.status, j, p, where, also=also, several=len(known) > 1)


def verdict_dict(product: str, d: Decision) -> dict[str, Any]:
    name = PRODUCT_NAMES[product]
    if d.j is None:
        return {"status": "unknown", "code": None, "reason": "No jurisdiction here."}
    p = d.p
    out: dict[str, Any] = {"status": d.status, "code": d.j.code, "name": d.j.name}
    if p is not None and p.status != "unknown":
        out.update(
            since=format_day(p.start, p.start_precision) if p.start else None,
            since_precision=p.start_precision if p.start else None,
            age_min=p.age_min,
            cap=[str(c) for c in p.caps],
            cap_words=[c.words() for c in p.caps],
            law=p.law,
            lifecycle=p.lifecycle,
            confidence=p.confidence,
        )
    if d.blocking:
        # the lawful answer is known, but a layer above or below is not
        lawful = Decision(p.status, d.j, p, d.where) if p is not None else d
        deepest = max(LEVEL_ORDER[u.level] for u in (*d.blocking, d.j))
        names = " and ".join(
            f"{u.name} (national law)" if LEVEL_ORDER[u.level] < deepest else u.name
            for u in d.blocking
        )
        last = d.blocking[-1]
        out.update(code=last.code, name=last.name, basis=d.basis)
        # the layer whose lawful rule is known (since, age_min, cap, law above are its own)
        out["lawful"] = {
            "status": d.status if p is None else p.status,
            "code": d.j.code,
            "name": d.j.name,
        }
        out["reason"] = (
            f"{name} in {names}: {UNKNOWN_WORDS[d.basis or 'not_researched']}, so the answer "
            f"is unknown; {d.where} it is {lawful.clause()}"
        )
        return out
    if d.status == "unknown":
        out["basis"] = d.basis
        out["reason"] = f"{name} {d.where}: {d.clause()}"
        return out
    reason = f"{name} {d.where}: {d.clause()}"
    if d.also:
        reason += f"; also banned by {', '.join(d.also)}"
    elif d.several and d.status != "legal":
        reason += "; the most restrictive layer that applies here"
    out["reason"] = reason
    return out


def decide_all(stack: list[Jurisdiction], day: dt.date) -> dict[str, Decision]:
    per_layer = [(j, layer_classes(j, day)) for j in stack]
    return {
        product: decide(product, [(j, classes[product]) for j, classes in per_layer])
        for product in PRODUCTS
    }


def product_verdicts(stack: list[Jurisdiction], day: dt.date) -> dict[str, dict[str, Any]]:
    return {c: verdict_dict(c, d) for c, d in decide_all(stack, day).items()}


def verdict(layers: list[Layer]) -> dict[str, Any]:
    """The leaf verdict over (jurisdiction, status, period) layers."""
    return verdict_dict("leaf", decide("leaf", [(j, p) for j, _status, p in layers]))


def summary_line(
    decisions: dict[str, Decision], verdicts: dict[str, dict[str, Any]], pending: list[dict]
) -> str:
    """Leaf first, then the classes whose answer differs, then what is proposed, not in force.

    'Leaf kratom in Texas: regulated, 18+ since 2023-09-01 (SB 497 (2023)); synthetic kratom
    alkaloids banned nationally since 2026-08-26 (DEA temporary scheduling order FR 2026-17429
    (91 FR 54948)); 7-OH products: federal ban proposed, not in force (DEA notice of intent …)'
    """
    leaf = decisions["leaf"]
    if leaf.status == "unknown" or leaf.j is None:
        parts = [verdicts["leaf"]["reason"]]
    else:
        parts = [f"{PRODUCT_NAMES['leaf']} {leaf.where}: {leaf.clause()}"]
        if leaf.also:
            parts[0] += f", also banned by {', '.join(leaf.also)}"
    groups: dict[tuple, list[str]] = {}
    for product in PRODUCTS[1:]:
        d = decisions[product]
        if _same_answer(d, leaf):
            continue
        groups.setdefault(_answer_key(d), []).append(product)
    for group in groups.values():
        d = decisions[group[0]]
        who = _product_list(group, capital=False)
        if d.status == "unknown":
            parts.append(f"{who}: {UNKNOWN_WORDS[d.basis or 'not_researched']}")
        else:
            words, _, rest = d.clause().partition(" since ")
            tail = f" since {rest}" if rest else ""
            parts.append(f"{who} {words} {d.where}{tail}")
    parts.extend(_pending_phrases(decisions, pending))
    return "; ".join(parts)


def _answer_key(d: Decision) -> tuple:
    """Two classes with the same key read the same: the same period, or the same unknown."""
    if d.status == "unknown":
        return (
            "unknown",
            tuple(b.code for b in d.blocking) or (d.j.code if d.j else None),
            d.basis,
        )
    return (d.status, d.j.code if d.j else None, id(d.p))


def _same_answer(a: Decision, b: Decision) -> bool:
    return _answer_key(a) == _answer_key(b)


def _pending_phrases(decisions: dict[str, Decision], pending: list[dict]) -> list[str]:
    """One phrase per proposal that would tighten a class's answer: the latest one per class
    and scope, classes sharing it named together."""
    latest: dict[tuple[str, str], dict] = {}
    for item in pending:
        for product in item.get("would_change", item["products"]):
            key = (product, item["scope"])
            if key not in latest or item["stage_date"] > latest[key]["stage_date"]:
                latest[key] = item
    by_item: dict[int, list[str]] = {}
    items: dict[int, dict] = {}
    for (product, _scope_word), item in latest.items():
        by_item.setdefault(id(item), []).append(product)
        items[id(item)] = item
    out = []
    for key, products in by_item.items():
        item = items[key]
        action = "ban" if item["status"] == "banned" else f"{item['status']} status"
        ordered = [p for p in PRODUCTS if p in products]
        state = (
            f"decision was due {item['decide_by']}, outcome not yet confirmed"
            if item.get("overdue")
            else "not in force"
        )
        out.append(
            f"{_product_list(ordered, capital=True)}: {item['scope']} {action} proposed, "
            f"{state} ({short_law(item['title'])})"
        )
    return out


# --- what comes next -----------------------------------------------------------------------


def _scope_word(j: Jurisdiction) -> str:
    if j.level == "country":
        return "federal" if j.code == "US" else "national"
    return "state" if j.level == "state" else "local"


def upcoming(stack: list[Jurisdiction], day: dt.date) -> list[dict[str, Any]]:
    """Scheduled changes, expiries and pending actions of every layer, soonest first."""
    items: list[dict[str, Any]] = []
    for j in stack:
        for p in j.periods:
            if p.start is not None and p.start > day:
                items.append(
                    {
                        "kind": "scheduled",
                        "date": p.start.isoformat(),
                        "date_precision": p.start_precision,
                        "code": j.code,
                        "name": j.name,
                        "products": list(p.products),
                        "status": p.status,
                        "lifecycle": p.lifecycle,
                        "age_min": p.age_min,
                        "law": p.law,
                        "confidence": p.confidence,
                        "sources": _sources(p),
                    }
                )
            if p.end is not None and p.end > day:
                followed = {c for q in j.periods if q.start == p.end for c in q.products}
                lapsing = [c for c in p.products if c not in followed]
                if lapsing:
                    items.append(
                        {
                            "kind": "expires",
                            "date": p.end.isoformat(),
                            "date_precision": "day",
                            "code": j.code,
                            "name": j.name,
                            "products": lapsing,
                            "status": "unknown",
                            "lifecycle": p.lifecycle,
                            "age_min": None,
                            "law": p.law,
                            "confidence": p.confidence,
                            "sources": _sources(p),
                        }
                    )
        for w in j.watch:
            items.append(watch_dict(j, w, day))
    # A proposal whose decision date has passed is not "next": it goes last, flagged `overdue`.
    items.sort(
        key=lambda x: (
            x.get("overdue", False),
            x["date"] or "9999",
            x["kind"] != "scheduled",
            x["code"],
        )
    )
    return items


def watch_dict(j: Jurisdiction, w: WatchItem, day: dt.date) -> dict[str, Any]:
    return {
        "kind": "pending",
        "date": w.decide_by.isoformat() if w.decide_by else None,
        "date_precision": "day",
        "code": j.code,
        "name": j.name,
        "scope": _scope_word(j),
        "products": list(w.products),
        "status": w.proposed_status,
        "lifecycle": "pending",
        "stage": w.stage,
        "stage_words": STAGE_WORDS[w.stage],
        "stage_date": w.stage_date.isoformat(),
        "decide_by": w.decide_by.isoformat() if w.decide_by else None,
        "overdue": w.overdue_on(day),
        "title": w.title,
        "law": w.title,
        "age_min": None,
        "confidence": w.confidence,
        "notes": w.notes,
        "sources": _sources(w),
    }


def next_block(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """`next`: the first dated change in the old flat shape, and every item under `items`."""
    if not items:
        return None
    first = next((x for x in items if x["kind"] != "pending"), None)
    block: dict[str, Any] = {
        "date": first["date"] if first else None,
        "date_precision": first["date_precision"] if first else None,
        "status": first["status"] if first else None,
        "lifecycle": first["lifecycle"] if first else None,
        "age_min": first["age_min"] if first else None,
        "law": first["law"] if first else None,
        "confidence": first["confidence"] if first else None,
        "code": first["code"] if first else None,
        "products": first["products"] if first else [],
        "kind": first["kind"] if first else None,
        "items": items,
    }
    return block


def _with_effect(items: list[dict[str, Any]], decisions: dict[str, Decision]) -> list[dict]:
    """Mark each pending item with the classes whose answer here it would tighten: a proposal
    to ban what is already banned here changes nothing for this place."""
    for item in items:
        if item["kind"] != "pending":
            continue
        item["would_change"] = [
            c
            for c in item["products"]
            if decisions[c].status == "unknown"
            or SEVERITY.get(item["status"], -1) > SEVERITY.get(decisions[c].status, -1)
        ]
    return items


def _pending(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for x in items if x["kind"] == "pending"]


# --- answers ------------------------------------------------------------------------------


def _brief(j: Jurisdiction, day: dt.date) -> dict[str, Any]:
    classes = layer_classes(j, day)
    statuses = layer_statuses(classes)
    p = classes["leaf"]
    status = summary_status(statuses)
    return {
        "code": j.code,
        "name": j.name,
        "level": j.level,
        "status": status,
        "since": format_day(p.start, p.start_precision) if p and p.start else None,
        "since_precision": p.start_precision if p and p.start else None,
        "age_min": p.age_min if p else None,
        "law": p.law if p else None,
        "confidence": p.confidence if p else None,
        "products": statuses,
        "researched": bool(j.periods),
    }


def layer_products(j: Jurisdiction, day: dt.date) -> dict[str, dict[str, Any]]:
    """This layer's own answer per class (not combined with parents)."""
    out: dict[str, dict[str, Any]] = {}
    for product, p in layer_classes(j, day).items():
        status = p.status if p else "unknown"
        entry: dict[str, Any] = {
            "status": status,
            "since": format_day(p.start, p.start_precision) if p and p.start else None,
            "since_precision": p.start_precision if p and p.start else None,
            "until": p.end.isoformat() if p and p.end else None,
            "age_min": p.age_min if p else None,
            "cap": [str(c) for c in p.caps] if p else [],
            "cap_words": [c.words() for c in p.caps] if p else [],
            "law": p.law if p else None,
            "lifecycle": p.lifecycle if p else None,
            "confidence": p.confidence if p else None,
        }
        if status == "unknown":
            entry["basis"] = unknown_basis(j, p)
        out[product] = entry
    return out


def parent_chain(snap: Snapshot, j: Jurisdiction) -> list[Jurisdiction]:
    out: list[Jurisdiction] = []
    seen = {j.code}
    code = j.parent
    while code and code not in seen:
        parent = snap.dataset.get(code)
        if parent is None:
            break
        out.append(parent)
        seen.add(code)
        code = parent.parent
    return out[::-1]


def jurisdiction_answer(
    snap: Snapshot, code: str, day: dt.date, history: bool = True
) -> dict[str, Any] | None:
    key = ("j", code, day, history)
    memo = snap.memo.get(key)
    if memo is not None:
        return memo
    j = find(snap, code)
    if j is None:
        return None
    classes = layer_classes(j, day)
    p = classes["leaf"]
    status = summary_status(layer_statuses(classes))
    parents = parent_chain(snap, j)
    stack = [*parents, j]
    decisions = decide_all(stack, day)
    verdicts = {c: verdict_dict(c, d) for c, d in decisions.items()}
    own = layer_products(j, day)
    for product in PRODUCTS:
        own[product]["verdict"] = verdicts[product]
    items = _with_effect(upcoming(stack, day), decisions)
    banned_now = [c for c, q in classes.items() if q is not None and q.status == "banned"]
    answer: dict[str, Any] = {
        "code": j.code,
        "name": j.name,
        "level": j.level,
        "kind": j.kind,
        "aliases": list(j.aliases),
        "as_of": day.isoformat(),
        "status": status,
        "summary": describe_layer(j, day),
        "overall": summary_line(decisions, verdicts, _pending(items)),
        "since": format_day(p.start, p.start_precision) if p and p.start else None,
        "since_precision": p.start_precision if p and p.start else None,
        "until": p.end.isoformat() if p and p.end else None,
        "age_min": p.age_min if p else None,
        "banned_products": banned_now if status == "restricted" else [],
        "law": p.law if p else None,
        "lifecycle": p.lifecycle if p else None,
        "confidence": p.confidence if p else None,
        "verified_on": p.verified_on.isoformat() if p else None,
        "notes": p.notes if p else None,
        "sources": _sources(p),
        "current": period_dict(p) if p else None,
        "products": own,
        "next": next_block(items),
        "watch": [x for x in items if x["kind"] == "pending" and x["would_change"]],
        "parents": [_brief(x, day) for x in parents],
        "verdict": verdicts["leaf"],
        "researched": bool(j.periods),
        "dataset": snap.dataset_info,
    }
    if history:
        answer["history"] = [period_dict(x) for x in j.periods]
    snap.remember(key, answer)
    return answer


def list_jurisdictions(
    snap: Snapshot,
    day: dt.date,
    level: str | None = None,
    status: str | None = None,
    parent: str | None = None,
) -> list[dict[str, Any]]:
    out = []
    for j in snap.dataset.jurisdictions.values():
        if level and j.level != level:
            continue
        if parent and j.parent != parent:
            continue
        brief = _brief(j, day)
        if status and brief["status"] != status:
            continue
        brief["parent"] = j.parent
        brief["next"] = next_block(upcoming([j], day))
        out.append(brief)
    return out


def search(snap: Snapshot, query: str, day: dt.date, limit: int = 10) -> list[dict[str, Any]]:
    """Best match first: exact code, exact name, then prefix, then word and substring matches."""
    index = snap.memo.get(("search-index",))
    if index is None:
        index = _search_index(snap)
        snap.memo[("search-index",)] = index
    q = normalise(query)
    raw = canonical_code(query)
    scored: dict[str, tuple[int, str]] = {}
    direct = snap.dataset.get(raw)
    if direct is not None:
        scored[direct.code] = (0, "code")
    for text, code, kind in index:
        if not q:
            break
        if text == q:
            score = 1 if kind == "code" else 2
        elif text.startswith(q):
            score = 4
        elif f" {q}" in f" {text}":
            score = 5
        elif len(q) >= 3 and q in text:
            score = 6
        else:
            continue
        level = LEVEL_ORDER[snap.dataset.jurisdictions[code].level]
        rank = score * 10 + level
        if code not in scored or rank < scored[code][0]:
            scored[code] = (rank, kind)
    ordered = sorted(scored.items(), key=lambda x: (x[1][0], x[0]))[:limit]
    results = []
    for code, (_rank, how) in ordered:
        j = snap.dataset.jurisdictions[code]
        brief = _brief(j, day)
        brief["matched"] = how
        brief["summary"] = describe_layer(j, day)
        results.append(brief)
    return results


def _search_index(snap: Snapshot) -> list[tuple[str, str, str]]:
    index = []
    for j in snap.dataset.jurisdictions.values():
        index.append((normalise(j.code), j.code, "code"))
        index.append((normalise(j.name), j.code, "name"))
        for n in j.search_names:
            kind = "code" if n.isupper() and len(n) <= 3 else "name"
            index.append((normalise(n), j.code, kind))
    return index


def locate_answer(
    snap: Snapshot, lat: float, lon: float, day: dt.date, radius_m: float = 0.0
) -> dict[str, Any]:
    """The stack of jurisdictions containing a point, the controlling verdict, honest flags."""
    loc = snap.geo.locate(lon, lat)
    return point_answer(snap, loc, lat, lon, day)


def point_answer(snap: Snapshot, loc: Any, lat: float, lon: float, day: dt.date) -> dict[str, Any]:
    key = ("p", loc, day)
    base = snap.memo.get(key)
    if base is None:
        base = _point_core(snap, loc, day)
        snap.remember(key, base)
    answer = dict(base)
    answer["query"] = {"lat": lat, "lon": lon}
    return answer


def _stack_for(snap: Snapshot, loc: Any) -> list[Jurisdiction]:
    seen: dict[str, Jurisdiction] = {}

    def add(code: str) -> None:
        j = snap.dataset.get(code)
        if j is None:
            return
        for x in [*parent_chain(snap, j), j]:
            seen.setdefault(x.code, x)

    for c in loc.countries:
        add(c)
    if loc.state:
        add(loc.state)
    for c in loc.locals:
        add(c)
    return sorted(seen.values(), key=lambda j: (LEVEL_ORDER[j.level], j.code))


def _point_core(snap: Snapshot, loc: Any, day: dt.date) -> dict[str, Any]:
    stack = _stack_for(snap, loc)
    entries = []
    for j in stack:
        entry = _brief(j, day)
        entry["parent"] = j.parent
        entry["sources"] = _sources(j.period_at(day))
        entry["next"] = next_block(upcoming([j], day))
        entries.append(entry)
    alternatives = []
    for code, layer, distance in loc.alternatives:
        j = snap.dataset.get(code)
        if j is None:
            continue
        brief = _brief(j, day)
        alternatives.append(
            {
                "code": j.code,
                "name": j.name,
                "layer": layer,
                "status": brief["status"],
                "products": brief["products"],
                "distance_m": round(distance, 1),
            }
        )
    notes = []
    us_point = any(j.code == "US" for j in stack)
    if us_point and not loc.local_loaded:
        notes.append(
            "The local (city and county) boundary layer is not loaded on this server, so local "
            "ordinances were not checked; look the city or county up by name."
        )
    if loc.disputed:
        notes.append("This area is claimed by more than one country; every claimant is listed.")
    if loc.approximate:
        notes.append(
            "The point is just outside the mapped land; the nearest jurisdiction was used."
        )
    if loc.near_border:
        notes.append("The point is near a border: the answer may differ on the other side.")
    decisions = decide_all(stack, day)
    if stack:
        products = {c: verdict_dict(c, d) for c, d in decisions.items()}
    else:
        reason = (
            "Outside every territorial sea: no jurisdiction's status applies here."
            if loc.at_sea
            else "No jurisdiction found here."
        )
        products = {c: {"status": "unknown", "code": None, "reason": reason} for c in PRODUCTS}
    items = _with_effect(upcoming(stack, day), decisions)
    result: dict[str, Any] = {
        "as_of": day.isoformat(),
        "stack": entries,
        "verdict": products["leaf"],
        "products": products,
        "status": summary_status({c: v["status"] for c, v in products.items()}),
        "next": next_block(items),
        "unknown_layers": [j.code for j in stack if j.period_at(day) is None]
        + [j.code for j in stack if (q := j.period_at(day)) is not None and q.status == "unknown"],
        "near_border": bool(loc.near_border),
        "alternatives": alternatives,
        "approximate": bool(loc.approximate),
        "at_sea": bool(loc.at_sea),
        "disputed": bool(loc.disputed),
        "local_layer": "loaded" if loc.local_loaded else "not_loaded",
        "notes": notes,
        "dataset": snap.dataset_info,
    }
    if loc.nearest is not None:
        code, distance = loc.nearest
        j = snap.dataset.get(code)
        result["nearest"] = {
            "code": code,
            "name": j.name if j else code,
            "distance_m": round(distance, 1),
        }
    if stack:
        result["summary"] = summary_line(decisions, products, _pending(items))
    else:
        result["summary"] = f"Kratom at this point: {products['leaf']['reason']}"
    place_facts.extend(result, snap, loc, day)  # disputed, unclaimed, local_nearby, notes
    return result


# --- changes ------------------------------------------------------------------------------


def changes(snap: Snapshot, since: dt.date | None, until: dt.date | None) -> list[dict[str, Any]]:
    """Every dated change in [since, until], per group of classes that changed together."""
    out = []
    for j in snap.dataset.jurisdictions.values():
        days = sorted({d for p in j.periods for d in (p.start, p.end) if d is not None})
        for day in days:
            if (since is not None and day < since) or (until is not None and day > until):
                continue
            out.extend(_changes_on(j, day))
    out.sort(key=lambda c: (c["date"], c["code"], PRODUCTS.index(c["products"][0])))
    return out


def _changes_on(j: Jurisdiction, day: dt.date) -> list[dict[str, Any]]:
    before = j.periods_at(day - dt.timedelta(days=1))
    after = j.periods_at(day)
    groups: dict[tuple[int, int], list[str]] = {}
    for c in PRODUCTS:
        b, a = before[c], after[c]
        # a `before` start is only the first day a source shows; the change itself is undated
        starts = a is not None and a.start == day and a.start_precision != "before"
        ends = b is not None and b.end == day
        if starts or ends:
            groups.setdefault((id(b), id(a)), []).append(c)
    out = []
    for group in groups.values():
        b, a = before[group[0]], after[group[0]]
        from_status = b.status if b is not None and b.end == day else _status(b)
        if a is not None and a.start == day:
            to_status = a.status
            entry_period: Period = a
            summary = describe(j.name, a.status, a)
            if not a.all_products or len(group) < len(PRODUCTS):
                summary = _class_phrase(group[0], j, a, lead=True, products=group)
        else:
            assert b is not None
            to_status = a.status if a is not None else "unknown"
            entry_period = b
            summary = (
                f"{_product_list(group, capital=True) if len(group) < len(PRODUCTS) else 'Kratom'}"
                f" in {j.name}: {b.law} ends; no researched status after"
            )
        out.append(
            {
                "date": day.isoformat(),
                "date_precision": entry_period.start_precision
                if entry_period is a and a is not None and a.start_precision != "before"
                else "day",
                "code": j.code,
                "name": j.name,
                "level": j.level,
                "products": group,
                "from_status": from_status,
                "to_status": to_status,
                "status_changed": from_status != to_status,
                "lifecycle": entry_period.lifecycle,
                "age_min": entry_period.age_min if entry_period is a else None,
                "law": entry_period.law,
                "confidence": entry_period.confidence,
                "sources": [s.url for s in entry_period.sources],
                "summary": summary,
            }
        )
    return out


def _status(p: Period | None) -> str:
    return p.status if p is not None else "unknown"
