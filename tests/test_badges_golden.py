"""Golden SVGs for a few badges; regenerate with KRATOM_UPDATE_GOLDEN=1 after a deliberate change.

The inputs are fixed Badge values (not the live dataset), so a data edit never breaks them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.badges.render import Badge, render_svg

GOLDEN = Path(__file__).resolve().parent / "data" / "badges"
CASES = {
    "texas-flat-light": Badge(
        "kratom in Texas", "regulated 21+", "regulated", "Kratom in Texas: regulated", "flat"
    ),
    "cote-divoire-flat-square-dark": Badge(
        "kratom in Côte d'Ivoire",
        "unknown",
        "unknown",
        "Kratom in Côte d'Ivoire: unknown",
        "flat-square",
        "dark",
    ),
    "sao-tome-for-the-badge-auto": Badge(
        "kratom in São Tomé and Príncipe",
        "legal",
        "legal",
        "Kratom in São Tomé and Príncipe: legal",
        "for-the-badge",
        "auto",
    ),
    "aland-banned-since-flat-auto": Badge(
        "kratom in Åland Islands",
        "banned since 2019",
        "banned",
        "Kratom in Åland Islands: banned since 2019",
        "flat",
        "auto",
    ),
    "curacao-restricted-flat-dark": Badge(
        "kratom in Curaçao",
        "restricted",
        "restricted",
        "Kratom in Curaçao: restricted",
        "flat",
        "dark",
    ),
    "texas-leaf-with-bans-flat-light": Badge(
        "kratom in Texas",
        "regulated 18+ · synthetics banned",
        "restricted",
        "Leaf kratom in Texas: regulated, 18+; synthetic kratom alkaloids banned nationally",
        "flat",
    ),
    "florida-7oh-product-flat-square-dark": Badge(
        "7-OH in Florida",
        "banned since 2025-08-13",
        "banned",
        "7-OH products in Florida: banned since 2025-08-13",
        "flat-square",
        "dark",
    ),
    "error-flat-light": Badge(
        "kratom", "unknown place", "error", "Kratom legal status: unknown place", "flat"
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_badge_matches_golden_file(name: str) -> None:
    path = GOLDEN / f"{name}.svg"
    svg = render_svg(CASES[name])
    if os.environ.get("KRATOM_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == svg + "\n"
