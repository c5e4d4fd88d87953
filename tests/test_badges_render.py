"""The SVG renderer alone: well-formed XML, escaping, widths, accessibility."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.badges.render import FONT_FAMILY, STYLES, Badge, display_texts, render_svg
from service.badges.text import LABEL_MAX, clean_text
from service.badges.widths import covers, text_width

NS = "{http://www.w3.org/2000/svg}"
THEMES = ("light", "dark", "auto")
ALLOWED_TAGS = {"svg", "title", "style", "clipPath", "rect", "g", "text"}
NON_ASCII_NAMES = [
    "Côte d'Ivoire",
    "Curaçao",
    "Türkiye",
    "Åland Islands",
    "São Tomé and Príncipe",
]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def _badge(label: str, **kw) -> Badge:
    base = {"message": "regulated 21+", "role": "regulated", "title": "Kratom in X: regulated"}
    base.update(kw)
    return Badge(label=label, **base)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("theme", THEMES)
def test_every_style_and_theme_is_well_formed_and_accessible(style: str, theme: str) -> None:
    root = _parse(render_svg(_badge("kratom in Texas", style=style, theme=theme)))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Kratom in X: regulated"
    assert root.find(f"{NS}title").text == "Kratom in X: regulated"
    assert {el.tag.removeprefix(NS) for el in root.iter()} <= ALLOWED_TAGS
    assert (root.find(f"{NS}style") is not None) == (theme == "auto")
    assert root.find(f"{NS}g[@font-family]").get("font-family") == FONT_FAMILY


def test_auto_theme_switches_with_prefers_color_scheme() -> None:
    svg = render_svg(_badge("kratom", theme="auto"))
    assert "@media (prefers-color-scheme:dark)" in svg


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "</text><script>alert(1)</script><text>",
        '" onload="alert(1)',
        "' onmouseover='x",
        "&amp; &lt; &#x3c;",
        "]]><![CDATA[",
        "a\x00b\x01c\x1fd\ufffee\uffff",
        "\u202eevil\u202c",
    ],
)
def test_hostile_labels_stay_text(payload: str) -> None:
    svg = render_svg(_badge(payload))
    root = _parse(svg)
    assert root.find(f".//{NS}script") is None
    assert _texts(root)[0] == clean_text(payload, LABEL_MAX)
    assert "<script" not in svg


@settings(max_examples=300, deadline=None)
@given(label=st.text(max_size=80), style=st.sampled_from(STYLES), theme=st.sampled_from(THEMES))
def test_any_label_round_trips_and_adds_no_markup(label: str, style: str, theme: str) -> None:
    badge = _badge(label, style=style, theme=theme)
    root = _parse(render_svg(badge))
    tags = [el.tag.removeprefix(NS) for el in root.iter()]
    shown_label, shown_message = display_texts(badge)
    expected_texts = [shown_label, shown_message] if shown_label else [shown_message]
    assert _texts(root) == expected_texts
    assert tags.count("text") == len(expected_texts)
    assert set(tags) <= ALLOWED_TAGS
    assert len(clean_text(label, LABEL_MAX)) <= LABEL_MAX


@settings(max_examples=100, deadline=None)
@given(title=st.text(max_size=200))
def test_any_title_round_trips_in_title_and_aria_label(title: str) -> None:
    root = _parse(render_svg(_badge("kratom", title=title)))
    assert (root.find(f"{NS}title").text or "") == clean_text(title)
    assert root.get("aria-label") == clean_text(title)


def test_label_is_capped_at_40_characters() -> None:
    shown = clean_text("x" * 100, LABEL_MAX)
    assert len(shown) == LABEL_MAX
    assert shown.endswith("…")


def test_empty_label_gives_a_message_only_badge() -> None:
    root = _parse(render_svg(_badge("   ")))
    assert _texts(root) == ["regulated 21+"]


@pytest.mark.parametrize("name", NON_ASCII_NAMES)
def test_non_ascii_names_are_measured_not_squashed(name: str) -> None:
    assert all(covers(ch) for ch in name)
    ascii_twin = name.translate(str.maketrans("ôçüÅãéí", "ocuAaei"))
    # Accented letters are as wide as their bases in DejaVu Sans, so no squashing.
    assert text_width(name) == pytest.approx(text_width(ascii_twin), rel=0.02)
    root = _parse(render_svg(_badge(f"kratom in {name}")))
    label_text = next(root.iter(f"{NS}text"))
    assert label_text.text == f"kratom in {name}"
    assert float(label_text.get("textLength")) == pytest.approx(
        text_width(f"kratom in {name}"), abs=0.2
    )


def test_decomposed_input_is_normalised_before_measuring() -> None:
    composed, decomposed = "Curaçao", "Curac\u0327ao"
    assert clean_text(decomposed) == composed
    assert text_width(clean_text(decomposed)) == text_width(composed)


def test_characters_outside_the_table_get_a_wide_fallback() -> None:
    assert not covers("日")
    assert text_width("日本") == pytest.approx(22.0)


def test_table_widths_are_plausible_for_dejavu_sans_11px() -> None:
    # DejaVu Sans: "M" is 1767/2048 em, space 651/2048 em.
    assert text_width("M") == pytest.approx(1767 / 2048 * 11)
    assert text_width(" ") == pytest.approx(651 / 2048 * 11)
    assert text_width("i") < text_width("m")
