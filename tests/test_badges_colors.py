"""Every badge colour pair meets WCAG AA (4.5:1) in both themes."""

from __future__ import annotations

import pytest

from service.badges.colors import PALETTES, contrast, luminance

PAIRS = [(theme, role, p) for theme, palette in PALETTES.items() for role, p in palette.items()]


@pytest.mark.parametrize(("theme", "role", "p"), PAIRS, ids=[f"{t}-{r}" for t, r, _ in PAIRS])
def test_text_on_background_meets_wcag_aa(theme: str, role: str, p) -> None:
    assert contrast(p.background, p.text) >= 4.5


def test_both_themes_colour_every_status_and_error() -> None:
    roles = {"label", "legal", "regulated", "restricted", "banned", "unknown", "error"}
    assert set(PALETTES["light"]) == roles == set(PALETTES["dark"])


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert luminance("#ffffff") == pytest.approx(1.0)


def test_dark_theme_backgrounds_are_dark() -> None:
    for p in PALETTES["dark"].values():
        assert luminance(p.background) < 0.1 < luminance(p.text)


def test_every_role_a_product_badge_can_take_has_a_checked_pair() -> None:
    """Leaf plus bans is coloured by the word over the classes (e.g. restricted): each one of
    them, for every mix of class statuses, must be a pair of the tested palette."""
    import itertools

    from service.badges.words import verdict_badge
    from service.dataset.model import PRODUCTS

    statuses = ("legal", "regulated", "banned", "unknown")
    roles = set()
    for combo in itertools.product(statuses, repeat=len(PRODUCTS)):
        verdicts = {c: {"status": s} for c, s in zip(PRODUCTS, combo, strict=True)}
        for product in (None, *PRODUCTS):
            badge = verdict_badge(
                verdicts,
                name="X",
                summary="S",
                product=product,
                style="flat",
                theme="light",
                label=None,
                show_since=False,
            )
            roles.add(badge.role)
    assert roles == {"legal", "regulated", "restricted", "banned", "unknown"}
    for theme in PALETTES:
        for role in roles:
            p = PALETTES[theme][role]
            assert contrast(p.background, p.text) >= 4.5, (theme, role)
