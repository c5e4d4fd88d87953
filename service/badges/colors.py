"""Badge colours per status and theme, chosen for WCAG AA contrast (>= 4.5:1).

Why a fixed table: colours are never taken from the request (an injection point), and every
pair here is checked by tests/test_badges_colors.py with the WCAG 2 relative-luminance formula.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

THEMES: tuple[str, ...] = ("light", "dark", "auto")


class Pair(NamedTuple):
    background: str
    text: str


# Light: saturated backgrounds under white text (shields-like). Dark: deep backgrounds under
# pale tints of the same hue, so a badge does not glare on a dark page.
PALETTES: MappingProxyType[str, MappingProxyType[str, Pair]] = MappingProxyType(
    {
        "light": MappingProxyType(
            {
                "label": Pair("#555555", "#ffffff"),
                "legal": Pair("#1a7f37", "#ffffff"),
                "regulated": Pair("#0969da", "#ffffff"),
                "restricted": Pair("#9a4d00", "#ffffff"),
                "banned": Pair("#cf222e", "#ffffff"),
                "unknown": Pair("#656d76", "#ffffff"),
                "error": Pair("#57606a", "#ffffff"),
            }
        ),
        "dark": MappingProxyType(
            {
                "label": Pair("#30363d", "#e6edf3"),
                "legal": Pair("#0f5323", "#aff5b4"),
                "regulated": Pair("#0c2d6b", "#cae8ff"),
                "restricted": Pair("#5a2a00", "#ffdfb6"),
                "banned": Pair("#6e011a", "#ffdcd7"),
                "unknown": Pair("#3d444d", "#e6edf3"),
                "error": Pair("#3d444d", "#e6edf3"),
            }
        ),
    }
)


def pair(theme: str, role: str) -> Pair:
    """Colours for `role` (label, a status word, or error); `auto` starts from light."""
    palette = PALETTES["dark" if theme == "dark" else "light"]
    return palette.get(role, palette["unknown"])


def _channel(c: int) -> float:
    v = c / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of `#rrggbb`."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours, 1..21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
