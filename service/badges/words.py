"""What a badge says for a resolver answer: allowlisted words only, no legal logic.

Why separate: the badge text is derived from answer fields (the per-class verdicts: status,
age_min, since and its precision), never from free text, so the message stays short and cannot
carry markup. The words come from service/words.py, shared with the reader pages.

By default a badge answers the reader's question (leaf) and names the other classes that are
banned: "legal 18+ · 7-OH banned". `product` asks about one class: "7-OH in Texas: banned".
"""

from __future__ import annotations

from typing import Any

from ..dataset.model import PRODUCTS, summary_status
from ..words import PRODUCT_SHORT, STATUS_WORDS, day_text, known
from .render import Badge

ERROR_LABEL = "kratom"
ERROR_MESSAGE = "unknown place"
BANS_SHOWN = 2  # more banned classes than this: "+N"
PRODUCT_LABELS = {
    "leaf": "leaf kratom",
    "extract": "kratom extracts",
    "7-oh": "7-OH",
    "synthetic": "synthetic alkaloids",
}


def since_text(since: str | None, precision: str | None) -> str | None:
    """An ISO date shown only as precisely as the source gives it: 2019, 2019-05, a day, or
    'before 2016-05-01' when only the earliest day in force is known."""
    day = day_text(since, precision)
    return f"before {day}" if day and precision == "before" else day


def message_for(
    status: str, age_min: int | None, since: str | None, precision: str | None, show_since: bool
) -> str:
    """E.g. "regulated 21+", "banned since 2016-08-04"."""
    word = STATUS_WORDS[known(status)]
    if status in ("regulated", "restricted") and age_min:
        word = f"{word} {int(age_min)}+"
    when = since_text(since, precision) if show_since else None
    return f"{word} since {when}" if when else word


def bans_suffix(verdicts: dict[str, dict[str, Any]]) -> str:
    """' · 7-OH banned', ' · 7-OH, synthetics banned', ' · extracts, 7-OH +1 banned' or ''."""
    if verdicts.get("leaf", {}).get("status") == "banned":
        return ""  # every class is at least as banned as leaf; nothing to add
    banned = [
        PRODUCT_SHORT[c] for c in PRODUCTS[1:] if verdicts.get(c, {}).get("status") == "banned"
    ]
    if not banned:
        return ""
    names = ", ".join(banned[:BANS_SHOWN])
    more = len(banned) - BANS_SHOWN
    return f" · {names}{f' +{more}' if more > 0 else ''} banned"


def default_label(name: str) -> str:
    return f"kratom in {name}"


def product_label(product: str, name: str) -> str:
    return f"{PRODUCT_LABELS[product]} in {name}"


def verdict_badge(
    verdicts: dict[str, dict[str, Any]],
    *,
    name: str,
    summary: str,
    product: str | None,
    style: str,
    theme: str,
    label: str | None,
    show_since: bool,
) -> Badge:
    """The badge for per-class verdicts: leaf plus bans, or one class when `product` is set."""
    v = verdicts.get(product or "leaf") or {"status": "unknown"}
    status = known(v.get("status"))
    message = message_for(
        status, v.get("age_min"), v.get("since"), v.get("since_precision"), show_since
    )
    if product is None:
        message += bans_suffix(verdicts)
        role = summary_status({c: known(x.get("status")) for c, x in verdicts.items()})
        title = summary or str(v.get("reason") or f"Kratom in {name}: {status}")
        default = default_label(name)
    else:
        role = status
        title = str(v.get("reason") or f"{PRODUCT_LABELS[product]} in {name}: {status}")
        default = product_label(product, name)
    return Badge(
        label=default if label is None else label,
        message=message,
        role=role,
        title=title,
        style=style,
        theme=theme,
    )


def jurisdiction_badge(
    answer: dict[str, Any],
    *,
    style: str,
    theme: str,
    label: str | None,
    show_since: bool,
    product: str | None = None,
) -> Badge:
    """A jurisdiction's overall answer (its own law and every layer above it)."""
    products = answer.get("products") or {}
    return verdict_badge(
        {c: (e.get("verdict") or {}) for c, e in products.items()},
        name=str(answer.get("name") or answer.get("code") or ""),
        summary=str(answer.get("overall") or ""),
        product=product,
        style=style,
        theme=theme,
        label=label,
        show_since=show_since,
    )


def error_badge(*, style: str, theme: str, label: str | None = None) -> Badge:
    return Badge(
        label=ERROR_LABEL if label is None else label,
        message=ERROR_MESSAGE,
        role="error",
        title="Kratom legal status: unknown place",
        style=style,
        theme=theme,
    )
