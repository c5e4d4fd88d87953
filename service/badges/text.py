"""Cleaning of any text that goes into a badge, before it is escaped.

Why: `html.escape` stops markup but not characters that XML 1.0 forbids (C0 controls,
U+FFFE/U+FFFF, lone surrogates), which make the SVG not well-formed; bidi overrides would
let a label display something other than what it says.
"""

from __future__ import annotations

import html
import re
import unicodedata

LABEL_MAX = 40
# Complement of XML 1.0 Char (https://www.w3.org/TR/xml/#charsets).
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, cap: int | None = None) -> str:
    """Text safe to escape into XML: legal chars only, NFC, single spaces, at most `cap`."""
    text = _XML_ILLEGAL.sub("", text)
    text = _BIDI_CONTROLS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    if cap is not None and len(text) > cap:
        text = text[: cap - 1].rstrip() + "…"
    return text


def esc(text: str) -> str:
    """Escape for both element text and quoted attribute values."""
    return html.escape(text, quote=True)
