"""What a badge says for a resolver answer: allowlisted words only, no legal logic.

Why separate: the badge text is derived from answer fields (status, age_min, since and its
precision), never from free text, so the message stays short and cannot carry markup.
"""

from __future__ import annotations

from typing import Any

from .render import Badge

ERROR_LABEL = "kratom"
ERROR_MESSAGE = "unknown place"
STATUS_WORDS = {
    "legal": "legal",
    "regulated": "regulated",
    "restricted": "restricted",
    "banned": "banned",
    "unknown": "unknown",
}


def since_text(since: str | None, precision: str | None) -> str | None:
    """An ISO date shown only as precisely as the source gives it: 2019, 2019-05 or a day."""
    if not since:
        return None
    if precision == "year":
        return since[:4]
    if precision == "month":
        return since[:7]
    return since[:10]


def message_for(
    status: str, age_min: int | None, since: str | None, precision: str | None, show_since: bool
) -> str:
    """E.g. "regulated 21+", "banned since 2016-08-04"."""
    word = STATUS_WORDS.get(status, "unknown")
    if status in ("regulated", "restricted") and age_min:
        word = f"{word} {int(age_min)}+"
    when = since_text(since, precision) if show_since else None
    return f"{word} since {when}" if when else word


def default_label(name: str) -> str:
    return f"kratom in {name}"


def jurisdiction_badge(
    answer: dict[str, Any], *, style: str, theme: str, label: str | None, show_since: bool
) -> Badge:
    status = str(answer.get("status") or "unknown")
    message = message_for(
        status,
        answer.get("age_min"),
        answer.get("since"),
        answer.get("since_precision"),
        show_since,
    )
    return Badge(
        label=default_label(str(answer.get("name") or answer.get("code") or ""))
        if label is None
        else label,
        message=message,
        role=status if status in STATUS_WORDS else "unknown",
        title=str(answer.get("summary") or f"Kratom in {answer.get('name')}: {status}"),
        style=style,
        theme=theme,
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
