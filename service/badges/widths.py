"""Text width from the committed DejaVu Sans advance-width table (widths.json).

Why: badge boxes are sized on the server; the SVG then pins each text run with `textLength`,
so a viewer that falls back to another font neither overflows nor squashes the text.
The table is made by scripts/make_width_table.py; see there for how.
"""

from __future__ import annotations

import bisect
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

_TABLE_PATH = Path(__file__).with_name("widths.json")
# Characters the font lacks (CJK, emoji, ...) are drawn by a fallback font at about 1 em;
# guessing wide keeps them from being squashed by textLength.
FALLBACK_EM = 1.0


@lru_cache(maxsize=1)
def _table() -> tuple[list[int], list[int], list[int], int]:
    data = json.loads(_TABLE_PATH.read_text(encoding="utf-8"))
    starts = [r[0] for r in data["ranges"]]
    ends = [r[1] for r in data["ranges"]]
    advances = [r[2] for r in data["ranges"]]
    return starts, ends, advances, int(data["units_per_em"])


def char_em(ch: str) -> float:
    """Advance of one character in em; combining marks and controls are zero width."""
    starts, ends, advances, units = _table()
    cp = ord(ch)
    i = bisect.bisect_right(starts, cp) - 1
    if i >= 0 and cp <= ends[i]:
        return advances[i] / units
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc"):
        return 0.0
    return FALLBACK_EM


def text_width(text: str, size: float = 11.0) -> float:
    """Width in px of `text` at font size `size` (sum of advances, no kerning)."""
    return sum(char_em(ch) for ch in text) * size


def covers(ch: str) -> bool:
    """Whether the table has a measured width for `ch` (tests and diagnostics)."""
    starts, ends, _, _ = _table()
    cp = ord(ch)
    i = bisect.bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ends[i]
