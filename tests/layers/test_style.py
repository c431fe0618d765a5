"""Tests for layers.style."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from branca.utilities import color_brewer

from layers.style import (
    COMPARISON_COLOURS,
    COMPARISON_LABELS,
    MISSING_STYLE,
    STATUS_LABELS,
    SUPPRESSED_STYLE,
    hatch_svg,
    luminance,
    scheme_for,
    style_for,
    swatch_css,
)

POLARITIES = ("higher_is_better", "lower_is_better", "none")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.mark.parametrize("k", range(3, 11))
@pytest.mark.parametrize(
    ("polarity", "darkest_class"),
    [
        pytest.param("higher_is_better", "first", id="higher-is-better-low-values-dark"),
        pytest.param("lower_is_better", "last", id="lower-is-better-high-values-dark"),
        pytest.param("none", "last", id="none-high-values-dark"),
    ],
)
def test_worse_end_is_darker_and_lightness_steps_evenly_one_way(polarity: str, darkest_class: str, k: int) -> None:
    colours = scheme_for(polarity, method="quantiles", k=k).colours
    assert len(colours) == len(set(colours)) == k
    lum = [luminance(c) for c in colours]
    if darkest_class == "first":
        lum = lum[::-1]
    # strictly darker from class to class towards the worse (or higher) end: readable in greyscale
    assert all(a > b for a, b in itertools.pairwise(lum)), lum
    assert max(lum) < 0.9, "no class may be near-white (white is for suppressed areas)"


@pytest.mark.parametrize("k", range(3, 9))
def test_classes_are_colorbrewer_colours(k: int) -> None:
    scheme = scheme_for("lower_is_better", method="quantiles", k=k)
    assert [c.lower() for c in scheme.colours] == color_brewer("YlOrRd", k + 1)[1:]
    blues = scheme_for("none", method="quantiles", k=k)
    assert [c.lower() for c in blues.colours] == color_brewer("Blues", k + 1)[1:]


def test_no_polarity_uses_blues() -> None:
    for colour in scheme_for("none", method="natural_breaks", k=5).colours:
        r, g, b = _rgb(colour)
        assert b >= r and b >= g


@pytest.mark.parametrize(
    ("polarity", "categories"),
    [
        pytest.param("higher_is_better", ("better", "similar", "worse", "not compared"), id="polarity"),
        pytest.param("lower_is_better", ("better", "similar", "worse", "not compared"), id="polarity-lower"),
        pytest.param("none", ("lower", "similar", "higher", "not compared"), id="no-polarity"),
    ],
)
def test_comparison_scheme_names_every_category(polarity: str, categories: tuple) -> None:
    scheme = scheme_for(polarity, method="england")
    assert tuple(dict(scheme.categories)) == categories
    assert len({scheme.colour(c) for c in categories}) == len(categories)
    assert all(c in COMPARISON_LABELS for c in categories)


def test_comparison_uses_okabe_ito_and_blues() -> None:
    assert COMPARISON_COLOURS["polarity"]["better"] == "#0072B2"  # Okabe-Ito blue
    assert COMPARISON_COLOURS["polarity"]["worse"] == "#D55E00"  # Okabe-Ito vermillion
    none = COMPARISON_COLOURS["none"]
    for category in ("lower", "similar", "higher"):
        r, _g, b = _rgb(none[category])
        assert b > r, category
    assert luminance(none["lower"]) > luminance(none["similar"]) > luminance(none["higher"])


def _all_class_styles() -> list[dict]:
    styles = []
    for polarity in POLARITIES:
        for k in range(1, 11):
            scheme = scheme_for(polarity, method="quantiles", k=k)
            styles += [style_for(i, scheme=scheme) for i in range(k)]
        scheme = scheme_for(polarity, method="england")
        styles += [style_for(c, scheme=scheme) for c, _ in scheme.categories]
    return styles


def test_missing_and_suppressed_look_different_from_each_other_and_every_class() -> None:
    missing = style_for("missing", scheme=scheme_for("none", method="quantiles"))
    suppressed = style_for("suppressed", scheme=scheme_for("none", method="quantiles"))
    assert missing["fillColor"] != suppressed["fillColor"]
    assert missing["dashArray"] != suppressed["dashArray"] and None not in (missing["dashArray"], suppressed["dashArray"])
    for style in _all_class_styles():
        assert style["fillColor"] not in (missing["fillColor"], suppressed["fillColor"])
        assert style["dashArray"] is None  # classes have solid outlines; only statuses are dashed or dotted
    assert "url(#" in str(missing["fillColor"])  # hatched
    assert suppressed["fillColor"] == "#FFFFFF" and luminance(str(suppressed["color"])) < 0.05  # white, dark outline


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("missing", MISSING_STYLE, id="missing"),
        pytest.param(None, MISSING_STYLE, id="none"),
        pytest.param(pd.NA, MISSING_STYLE, id="na"),
        pytest.param(float("nan"), MISSING_STYLE, id="nan"),
        pytest.param("suppressed", SUPPRESSED_STYLE, id="suppressed"),
    ],
)
def test_status_keys(key, expected) -> None:
    assert style_for(key, scheme=scheme_for("lower_is_better", method="quantiles")) == expected


def test_style_for_classes_and_categories() -> None:
    seq = scheme_for("lower_is_better", method="quantiles", k=5)
    style = style_for(4, scheme=seq)
    assert style["fillColor"] == seq.colours[4]
    assert set(style) >= {"fillColor", "fillOpacity", "color", "weight", "dashArray"}
    comp = scheme_for("higher_is_better", method="england")
    assert style_for("worse", scheme=comp)["fillColor"] == "#D55E00"


@pytest.mark.parametrize(
    ("key", "method"),
    [
        pytest.param(5, "quantiles", id="class-out-of-range"),
        pytest.param("better", "quantiles", id="category-on-classes"),
        pytest.param(1, "england", id="class-on-comparison"),
        pytest.param(2.5, "quantiles", id="not-a-key"),
    ],
)
def test_style_for_rejects_keys_the_scheme_does_not_have(key, method: str) -> None:
    with pytest.raises(ValueError, match="Expected"):
        style_for(key, scheme=scheme_for("higher_is_better", method=method, k=5))


def test_swatches_show_the_status_patterns() -> None:
    scheme = scheme_for("none", method="quantiles")
    assert "repeating-linear-gradient" in swatch_css("missing", scheme=scheme)
    assert "dotted" in swatch_css("suppressed", scheme=scheme)
    assert scheme.colours[0] in swatch_css(0, scheme=scheme)
    assert set(STATUS_LABELS) == {"missing", "suppressed"}


def test_hatch_pattern_is_self_contained_svg() -> None:
    svg = hatch_svg()
    assert svg.startswith("<svg") and 'id="hga-hatch-missing"' in svg and "http" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_unknown_polarity_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown polarity"):
        scheme_for("up", method="quantiles")


@pytest.mark.parametrize(
    ("method", "category", "label"),
    [
        pytest.param("england", "worse", "Worse than England (95% confidence)", id="95-worse"),
        pytest.param("england", "similar", "Similar to England", id="95-similar"),
        pytest.param("england", "not compared", "Not compared (no confidence interval)", id="95-not-compared"),
        pytest.param("england_998", "worse", "Worse than England (99.8% confidence)", id="99-8-worse"),
        pytest.param("england_998", "better", "Better than England (99.8% confidence)", id="99-8-better"),
        pytest.param("england_998", "similar", "Similar to England (99.8% confidence)", id="99-8-similar"),
        pytest.param("england_998", "not compared", "Not compared (no 99.8% confidence interval)", id="99-8-not-compared"),
    ],
)
def test_comparison_scheme_says_its_level(method: str, category: str, label: str) -> None:
    scheme = scheme_for("higher_is_better", method=method)
    assert scheme.label(category) == label
    assert scheme.categories == scheme_for("higher_is_better", method="england").categories  # the same colours
