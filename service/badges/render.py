"""Pure SVG and shields-JSON rendering of one badge: no Flask, no dataset.

Why pure: the export script, the views and the tests all render the same bytes, and the
views can cache them. Colours come only from colors.PALETTES, text is cleaned and escaped,
and the SVG carries no links and no script.
"""

from __future__ import annotations

from dataclasses import dataclass

from .colors import PALETTES, pair
from .text import LABEL_MAX, clean_text, esc
from .widths import text_width

STYLES: tuple[str, ...] = ("flat", "flat-square", "for-the-badge")
FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"


@dataclass(frozen=True, slots=True)
class Badge:
    """What a badge says. `role` picks the colour: a status word or "error"."""

    label: str
    message: str
    role: str
    title: str
    style: str = "flat"
    theme: str = "light"


@dataclass(frozen=True, slots=True)
class _Metrics:
    height: int
    font_size: int
    padding: float
    baseline: float
    tracking: float  # extra px between letters
    radius: int
    upper: bool


_METRICS = {
    "flat": _Metrics(20, 11, 6, 14, 0, 3, False),
    "flat-square": _Metrics(20, 11, 6, 14, 0, 0, False),
    "for-the-badge": _Metrics(28, 10, 9, 18, 1, 0, True),
}


def _num(x: float) -> str:
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def display_texts(badge: Badge) -> tuple[str, str]:
    """The label and message exactly as they appear in the SVG (after cleaning)."""
    label = clean_text(badge.label, LABEL_MAX)
    message = clean_text(badge.message, LABEL_MAX)
    if _METRICS[badge.style].upper:
        label, message = label.upper(), message.upper()
    return label, message


def _style_block(badge: Badge) -> str:
    """Theme `auto` switches colours with prefers-color-scheme; others need no CSS."""
    if badge.theme != "auto":
        return ""
    rules = []
    for scheme in ("light", "dark"):
        lab, msg = PALETTES[scheme]["label"], pair(scheme, badge.role)
        css = f".lb{{fill:{lab.background}}}.lt{{fill:{lab.text}}}"
        css += f".mb{{fill:{msg.background}}}.mt{{fill:{msg.text}}}"
        rules.append(css if scheme == "light" else f"@media (prefers-color-scheme:dark){{{css}}}")
    return f"<style>{''.join(rules)}</style>"


def render_svg(badge: Badge) -> str:
    """The badge as a standalone SVG document (UTF-8 text)."""
    if badge.style not in _METRICS:
        raise ValueError(f"unknown style {badge.style!r}")
    m = _METRICS[badge.style]
    label, message = display_texts(badge)
    lab = pair(badge.theme, "label")
    msg = pair(badge.theme, badge.role)

    def measure(s: str) -> float:
        return text_width(s, m.font_size) + m.tracking * max(len(s) - 1, 0)

    lw = measure(label) + 2 * m.padding if label else 0.0
    mw = measure(message) + 2 * m.padding
    lw, mw = round(lw, 1), round(mw, 1)
    width = _num(lw + mw)
    h = m.height
    title = esc(clean_text(badge.title))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" '
        f'viewBox="0 0 {width} {h}" role="img" aria-label="{title}">',
        f"<title>{title}</title>",
        _style_block(badge),
        f'<clipPath id="r"><rect width="{width}" height="{h}" rx="{m.radius}" fill="#fff"/>'
        "</clipPath>",
        '<g clip-path="url(#r)">',
    ]
    if label:
        parts.append(f'<rect class="lb" width="{_num(lw)}" height="{h}" fill="{lab.background}"/>')
    parts.append(
        f'<rect class="mb" x="{_num(lw)}" width="{_num(mw)}" height="{h}" fill="{msg.background}"/>'
    )
    parts.append("</g>")
    parts.append(
        f'<g font-family="{FONT_FAMILY}" font-size="{m.font_size}" text-anchor="middle" '
        'text-rendering="geometricPrecision">'
    )
    if label:
        parts.append(_text("lt", lw / 2, m.baseline, lw - 2 * m.padding, lab.text, label))
    parts.append(_text("mt", lw + mw / 2, m.baseline, mw - 2 * m.padding, msg.text, message))
    parts.append("</g></svg>")
    return "".join(parts)


def _text(cls: str, x: float, y: float, length: float, fill: str, content: str) -> str:
    return (
        f'<text class="{cls}" x="{_num(x)}" y="{_num(y)}" textLength="{_num(length)}" '
        f'lengthAdjust="spacing" fill="{fill}">{esc(content)}</text>'
    )


def shields_json(badge: Badge, cache_seconds: int) -> dict:
    """The shields.io endpoint schema (schemaVersion 1); no extra keys, shields rejects them."""
    label = clean_text(badge.label, LABEL_MAX)
    message = clean_text(badge.message, LABEL_MAX)
    colours = PALETTES["dark" if badge.theme == "dark" else "light"]
    return {
        "schemaVersion": 1,
        "label": label,
        "message": message,
        "color": pair(badge.theme, badge.role).background.lstrip("#"),
        "labelColor": colours["label"].background.lstrip("#"),
        "isError": badge.role == "error",
        "style": badge.style,
        "cacheSeconds": int(cache_seconds),
    }
