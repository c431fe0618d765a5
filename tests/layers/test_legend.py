"""Tests for layers.legend."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo.catalogue import Indicator
from geo.classify import classify, compare_with_england
from layers.choropleth import base_map
from layers.legend import Legend, add_to_map, build_legend, to_folium, to_html
from layers.style import scheme_for

VALUES = pd.Series([76.4, 77.1, 78.9, 79.2, 79.8, 80.3, 80.9, 81.5, 82.2, 83.0, None, None])
STATUSES = pd.Series(["ok"] * 10 + ["suppressed", "missing"])


def _legend(indicator: Indicator, **kwargs) -> Legend:
    c = classify(VALUES, method="quantiles")
    options = {
        "indicator": indicator,
        "period": "2016-18",
        "sex": "female",
        "classification": c,
        "scheme": scheme_for(indicator.polarity, method="quantiles", k=c.k),
        "england_value": 79.4,
        "statuses": STATUSES,
    }
    return build_legend(**{**options, **kwargs})


def test_legend_html_has_method_breaks_counts_and_england(indicator) -> None:
    c = classify(VALUES, method="quantiles")
    text = to_html(_legend(indicator))
    assert "Quintiles (5 classes of roughly equal count)" in text
    assert "Darker = worse (lower values)" in text  # life expectancy: low is worse
    for label, count in zip(c.labels, c.counts, strict=True):
        assert f"{label} <span style=\"color:#555\">({count:,} areas)</span>" in text
    assert "England: 79.4 years (2016-18)" in text
    assert "Suppressed (numbers too small to publish) <span style=\"color:#555\">(1 area)</span>" in text
    assert "No data <span style=\"color:#555\">(1 area)</span>" in text


def test_every_swatch_has_a_text_label(indicator) -> None:
    legend = _legend(indicator)
    text = to_html(legend)
    swatches = re.findall(r'<span aria-hidden="true"[^>]*></span><span>([^<]+)<', text)
    assert [s.strip() for s in swatches] == [e.label for e in legend.entries]
    assert len(legend.entries) == 5 + 2


def test_legend_text_is_escaped(indicator) -> None:
    text = to_html(_legend(indicator))
    assert "<test>" not in text and "Life expectancy &lt;test&gt; (years), females, 2016-18" in text


def test_missing_and_suppressed_swatches_differ(indicator) -> None:
    entries = {e.label: e for e in _legend(indicator).entries}
    missing, suppressed = entries["No data"], entries["Suppressed (numbers too small to publish)"]
    assert missing.css != suppressed.css and "repeating-linear-gradient" in missing.css and "dotted" in suppressed.css
    assert all(e.css not in (missing.css, suppressed.css) for e in entries.values() if e not in (missing, suppressed))


def test_statuses_are_optional_and_missing_values_still_counted(indicator) -> None:
    legend = _legend(indicator, statuses=None)
    assert [e.count for e in legend.entries if e.label == "No data"] == [2]


def test_no_england_value_is_said_in_words(indicator) -> None:
    assert _legend(indicator, england_value=None).england == "England: no value held for 2016-18"


def test_comparison_legend_counts_each_category(indicator) -> None:
    lo, hi = VALUES - 0.5, VALUES + 0.5
    categories = compare_with_england(VALUES, lo, hi, england_value=79.4, polarity=indicator.polarity)
    legend = _legend(
        indicator, classification=None, categories=categories, scheme=scheme_for(indicator.polarity, method="england")
    )
    counts = {e.label: e.count for e in legend.entries}
    assert counts["Worse than England (95% confidence)"] == int((hi < 79.4).sum())
    assert counts["Better than England (95% confidence)"] == int((lo > 79.4).sum())
    assert counts["Similar to England"] == int(((lo <= 79.4) & (hi >= 79.4)).sum())
    assert counts["No data"] == 1 and counts["Suppressed (numbers too small to publish)"] == 1
    assert "confidence interval excludes England" in legend.method


def test_legend_is_fixed_inside_the_downloadable_map_and_stable(indicator) -> None:
    legend = _legend(indicator)
    pages = []
    for _ in range(2):
        m = add_to_map(base_map(), legend)
        pages.append(m.get_root().render())
    assert pages[0] == pages[1]
    assert "position:fixed" in pages[0] and to_html(legend) in pages[0]
    assert to_folium(legend)._id == to_folium(legend)._id


def test_exactly_one_colouring_is_required(indicator) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        _legend(indicator, classification=None)
