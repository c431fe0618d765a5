"""Tests for layers.legend."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo.catalogue import Indicator, Source
from geo.classify import classify, compare_with_england
from layers.choropleth import base_map
from layers.legend import CONVENTION, Legend, add_to_map, build_legend, to_folium, to_html
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


def e_(text: str) -> str:
    import html

    return html.escape(text)


def test_legend_html_has_method_breaks_counts_and_england(indicator) -> None:
    c = classify(VALUES, method="quantiles")
    text = to_html(_legend(indicator))
    assert "Quintiles (5 groups by rank)" in text and "equal" not in text
    assert e_(CONVENTION) in text
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


DECILE = Indicator("imd_decile", "IMD 2019 decile", "d", "decile (1 = most deprived 10% of LSOAs in England)",
                   "higher_is_better", "Deprivation", Source("MHCLG", "IoD2019", "x.csv"), value_type="decile")
SHARE = Indicator("share", "LSOAs in the most deprived 10%", "d", "proportion of LSOAs (0-1)", "lower_is_better",
                  "Deprivation", Source("MHCLG", "IoD2019", "x.csv"), value_type="proportion")


def _decile_legend(scope: str = "Small areas in Bee") -> Legend:
    values = pd.Series([1.0, 1.0, 3.0, 10.0, None])
    c = classify(values, method="decile_values")
    return build_legend(indicator=DECILE, period="2019", classification=c, england_value=None, scope=scope,
                        scheme=scheme_for(DECILE.polarity, method="decile_values", k=10))


def test_decile_legend_reads_most_to_least_deprived() -> None:
    legend = _decile_legend()
    labels = [e.label for e in legend.entries]
    assert labels[0] == "1 = most deprived 10%" and labels[9] == "10 = least deprived 10%" and labels[10] == "No data"
    assert [e.count for e in legend.entries[:10]] == [2, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert legend.england == "" and "England:" not in to_html(legend)  # England has no decile
    assert legend.title == "Small areas in Bee: IMD 2019 decile, 2019" and "most deprived" in legend.method
    assert legend.convention == ""  # deciles are not ranges


def test_unequal_quintiles_say_so_in_the_legend() -> None:
    values = pd.Series([0.0] * 8 + [0.015, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5])
    c = classify(values, method="quantiles", value_type=SHARE.value_type, unit=SHARE.unit)
    legend = build_legend(indicator=SHARE, period="2019", classification=c, england_value=0.1,
                          scheme=scheme_for(SHARE.polarity, method="quantiles", k=c.k))
    text = to_html(legend)
    assert c.k == 5 and "5 groups of unequal size (8/2/2/2/2 areas)" in text and "the 8 areas at 0.0%" in text
    assert [e.label for e in legend.entries] == list(c.labels) and c.labels[0] == "0.0%"
    assert legend.england == "England: 10.0% of LSOAs (2019)" and legend.title.startswith(SHARE.label + " (% of LSOAs)")


def test_classes_written_without_the_indicators_scale_warn_and_stay_consistent() -> None:
    values = pd.Series([0.0, 0.1, 0.2, 0.3, 0.4])
    with pytest.warns(UserWarning, match=r"value_type=indicator\.value_type"):
        legend = build_legend(indicator=SHARE, period="2019", classification=classify(values, method="quantiles"),
                              england_value=0.1, scheme=scheme_for(SHARE.polarity, method="quantiles", k=5))
    assert legend.england == "England: 0.1 proportion of LSOAs (0-1) (2019)" and "%" not in legend.entries[1].label


def test_two_legends_stack_with_distinct_titles(indicator) -> None:
    national, small = _legend(indicator), _decile_legend()
    assert national.title != small.title
    page = add_to_map(base_map(), national, small).get_root().render()
    assert to_html(national) in page and to_html(small) in page
    assert page.count('class="hga-legends"') == 1 and page.count('class="hga-legend"') == 2
    with pytest.raises(ValueError, match="at least one"):
        to_folium()


@pytest.mark.parametrize(
    ("method", "says", "labels"),
    [
        pytest.param("england", "Compared with England at 95% confidence: an area differs when its 95% confidence",
                     ["Better than England (95% confidence)", "Similar to England", "Worse than England (95% confidence)"],
                     id="95"),
        pytest.param("england_998", "Compared with England at 99.8% confidence: an area differs when its 99.8% confidence",
                     ["Better than England (99.8% confidence)", "Similar to England (99.8% confidence)",
                      "Worse than England (99.8% confidence)", "Not compared (no 99.8% confidence interval)"],
                     id="99-8"),
    ],
)
def test_comparison_legend_says_its_level(compared_998, indicator, method: str, says: str, labels: list[str]) -> None:
    from geo.row_intervals import with_intervals
    from tests.conftest import ENGLAND_998

    t = compared_998
    limits = with_intervals(t, value_type="") if method == "england_998" else t
    lo, hi = ("lower_ci_99_8", "upper_ci_99_8") if method == "england_998" else ("lower_ci", "upper_ci")
    categories = compare_with_england(t["value"], limits[lo], limits[hi], england_value=ENGLAND_998,
                                      polarity=indicator.polarity)
    legend = _legend(indicator, classification=None, categories=categories, statuses=t["status"], values=t["value"],
                     scheme=scheme_for(indicator.polarity, method=method), england_value=ENGLAND_998)
    assert legend.method.startswith(says)
    assert [e.label for e in legend.entries if "England" in e.label or "compared" in e.label] == labels


@pytest.mark.parametrize(
    ("level", "why", "note"),
    [
        pytest.param(95.0, ["", "", "", "", "", ""], "", id="95-says-nothing"),
        pytest.param(99.8, ["", "", "", "", "no 99.8% interval: only the 95% one is published (no count or denominator "
                            "held)", ""],
                     "Not compared at 99.8%: 1 area has a 95% confidence interval but no 99.8% one (only the 95% one is "
                     "published; no count or denominator held), so it is not counted as similar.", id="99-8-names-the-reason"),
    ],
)
def test_areas_with_only_a_95_interval_are_said_not_compared(compared_998, level: float, why: list[str],
                                                            note: str) -> None:
    from geo.row_intervals import with_intervals
    from layers.legend import not_compared_note, why_not_compared
    from tests.conftest import BY_HAND_998

    table = compared_998.join(with_intervals(compared_998, value_type="")[["ci_method"]])
    categories = pd.Series(BY_HAND_998[level], index=table.index)
    found = why_not_compared(categories, table, level=level)
    assert found.tolist() == why
    assert not_compared_note(found, level=level) == note
