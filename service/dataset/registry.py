"""The jurisdictions that exist whether or not anyone researched them (pycountry).

Every ISO 3166-1 country and every US subdivision is a jurisdiction; pycountry is read once
per process here, never on the request path.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pycountry

# User-assigned codes that pycountry (Debian iso-codes) does not carry.
EXTRA_COUNTRIES: dict[str, str] = {"XK": "Kosovo"}
# Former or common names that pycountry no longer matches, for name search only.
EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "TR": ("Turkey",),
    "MK": ("Macedonia",),
    "CZ": ("Czech Republic",),
    "CI": ("Ivory Coast",),
    "CV": ("Cape Verde",),
    "SZ": ("Swaziland",),
    "MM": ("Burma",),
    "GB": ("United Kingdom", "UK", "Great Britain", "England", "Scotland", "Wales"),
    "US": ("United States", "USA", "America"),
    "KR": ("South Korea", "Korea"),
    "KP": ("North Korea",),
    "RU": ("Russia",),
    "IR": ("Iran",),
    "VN": ("Vietnam",),
    "LA": ("Laos",),
    "SY": ("Syria",),
    "BO": ("Bolivia",),
    "VE": ("Venezuela",),
    "TZ": ("Tanzania",),
    "MD": ("Moldova",),
    "TW": ("Taiwan",),
    "NL": ("Holland",),
    "AE": ("UAE",),
    "VA": ("Vatican", "Holy See"),
    "US-DC": ("Washington DC", "Washington D.C.", "D.C."),
}

CODE_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?(:[a-z0-9]+(-[a-z0-9]+)*)?$")


def normalise(text: str) -> str:
    """Case- and accent-insensitive form used for name search ("Côte d'Ivoire" -> "cote divoire")."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^0-9a-z]+", " ", stripped.casefold().replace("'", "").replace("’", ""))
    return " ".join(cleaned.split())


@functools.cache
def countries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """alpha-2 -> (display name, other names)."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        others = {c.name, getattr(c, "official_name", c.name), c.alpha_3}
        others.discard(name)
        others.update(EXTRA_NAMES.get(c.alpha_2, ()))
        out[c.alpha_2] = (name, tuple(sorted(others)))
    for code, name in EXTRA_COUNTRIES.items():
        out[code] = (name, EXTRA_NAMES.get(code, ()))
    return out


@functools.cache
def subdivision(code: str) -> tuple[str, str] | None:
    """ISO 3166-2 code -> (name, type) when pycountry knows it."""
    sub = pycountry.subdivisions.get(code=code)
    if sub is None:
        return None
    return sub.name, sub.type


@functools.cache
def us_subdivisions() -> dict[str, tuple[str, str]]:
    """US-XX -> (name, type) for the 50 states, DC and the outlying areas."""
    return {s.code: (s.name, s.type) for s in pycountry.subdivisions.get(country_code="US")}
