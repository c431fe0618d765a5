"""geo.comparison: the one rule (and the one set of words) for comparing an area with England."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo import comparison
from geo.classify import compare_with_england

ENGLAND = 30.0


@pytest.mark.parametrize(
    ("value", "lower_ci", "upper_ci", "polarity", "verdict"),
    [
        pytest.param(40.0, 35.0, 45.0, "lower_is_better", "worse", id="ci-above-england-low-is-good"),
        pytest.param(20.0, 15.0, 25.0, "lower_is_better", "better", id="ci-below-england-low-is-good"),
        pytest.param(40.0, 35.0, 45.0, "higher_is_better", "better", id="ci-above-england-high-is-good"),
        pytest.param(20.0, 15.0, 25.0, "higher_is_better", "worse", id="ci-below-england-high-is-good"),
        pytest.param(40.0, 35.0, 45.0, "none", "higher", id="ci-above-england-no-polarity"),
        pytest.param(20.0, 15.0, 25.0, "none", "lower", id="ci-below-england-no-polarity"),
        pytest.param(32.4, 25.9, 40.1, "lower_is_better", "similar", id="ci-includes-england-low-is-good"),
        pytest.param(32.4, 25.9, 40.1, "higher_is_better", "similar", id="ci-includes-england-high-is-good"),
        pytest.param(32.4, 25.9, 40.1, "none", "similar", id="ci-includes-england-no-polarity"),
        pytest.param(35.0, ENGLAND, 40.0, "lower_is_better", "similar", id="ci-touches-england"),
        pytest.param(45.0, None, None, "lower_is_better", "no interval", id="no-ci-held"),
        pytest.param(45.0, float("nan"), float("nan"), "none", "no interval", id="no-ci-held-nan"),
        pytest.param(45.0, 40.0, None, "higher_is_better", "no interval", id="half-a-ci-held"),
        pytest.param(None, None, None, "lower_is_better", "missing", id="no-value"),
    ],
)
def test_verdict_follows_the_confidence_interval(value, lower_ci, upper_ci, polarity, verdict) -> None:
    got = comparison.compare(value, lower_ci=lower_ci, upper_ci=upper_ci, england=ENGLAND, polarity=polarity)
    assert got.verdict == verdict
    assert got.tested == (verdict in ("better", "worse", "higher", "lower", "similar"))
    assert got.phrase == comparison.PHRASES[verdict]


@pytest.mark.parametrize("england", [pytest.param(None, id="none"), pytest.param(float("nan"), id="nan")])
def test_no_england_value_is_not_compared(england) -> None:
    got = comparison.compare(40.0, lower_ci=35.0, upper_ci=45.0, england=england, polarity="lower_is_better")
    assert got.verdict == "no England value"
    assert "England's value is not held" in got.sentence("40.0 per 100,000")


@pytest.mark.parametrize("polarity", ["higher_is_better", "lower_is_better", "none"])
@pytest.mark.parametrize(
    ("value", "lower_ci", "upper_ci"),
    [pytest.param(40.0, 35.0, 45.0, id="above"), pytest.param(20.0, 15.0, 25.0, id="below"),
     pytest.param(31.0, 25.0, 35.0, id="includes"), pytest.param(31.0, None, None, id="no-ci")],
)
def test_the_map_colours_and_the_words_use_the_same_rule(value, lower_ci, upper_ci, polarity) -> None:
    colour = compare_with_england(pd.Series([value]), pd.Series([lower_ci], dtype=float),
                                  pd.Series([upper_ci], dtype=float), england_value=ENGLAND, polarity=polarity).iloc[0]
    words = comparison.compare(value, lower_ci=lower_ci, upper_ci=upper_ci, england=ENGLAND, polarity=polarity)
    assert words.verdict == ("no interval" if colour == "not compared" else colour)


@pytest.mark.parametrize(
    ("value", "lower_ci", "upper_ci", "polarity", "must", "must_not"),
    [
        pytest.param(32.4, 25.9, 40.1, "lower_is_better", ["8% higher than England's 30.0, but similar to England",
                                                           "not a significant difference", "25.9 to 40.1 includes"],
                     ["worse than England"], id="higher-but-similar"),
        pytest.param(42.1, 35.6, 49.5, "lower_is_better", ["40% higher than England's 30.0: worse than England (95% confidence",
                                                           "35.6 to 49.5, wholly above"],
                     ["similar"], id="higher-and-worse"),
        pytest.param(21.0, 15.0, 25.0, "lower_is_better", ["30% lower than England's 30.0: better than England (95% confidence",
                                                           "wholly below"], ["similar"], id="lower-and-better"),
        pytest.param(42.1, 35.6, 49.5, "none", ["higher than England (95% confidence interval 35.6 to 49.5"], ["worse", "better"],
                     id="no-polarity-higher"),
        pytest.param(33.3, None, None, "lower_is_better",
                     ["11% higher than England's 30.0; no confidence interval is held, so we cannot say whether the "
                      "difference is significant"], ["similar", "worse", "better"], id="no-ci-held"),
    ],
)
def test_a_difference_never_contradicts_the_verdict(value, lower_ci, upper_ci, polarity, must, must_not) -> None:
    versus = comparison.compare(value, lower_ci=lower_ci, upper_ci=upper_ci, england=ENGLAND, polarity=polarity)
    text = versus.sentence(comparison.difference(value, ENGLAND))
    for words in must:
        assert words in text
    for words in must_not:
        assert words not in text


@pytest.mark.parametrize(
    ("value", "lower_ci", "upper_ci", "short"),
    [
        pytest.param(40.0, 35.0, 45.0, "worse than England (significant at 95% confidence)", id="worse"),
        pytest.param(31.0, 25.0, 35.0, "similar to England (not significantly different at 95% confidence)",
                     id="similar"),
        pytest.param(31.0, None, None, "not tested: no confidence interval is held", id="no-ci"),
        pytest.param(None, None, None, "not available", id="missing"),
    ],
)
def test_short_form_for_the_panel(value, lower_ci, upper_ci, short) -> None:
    versus = comparison.compare(value, lower_ci=lower_ci, upper_ci=upper_ci, england=ENGLAND,
                                polarity="lower_is_better")
    assert versus.short() == short


@pytest.mark.parametrize(
    ("value", "england", "unit", "expected"),
    [
        pytest.param(76.9, 79.7, "years", "2.8 years fewer than England's 79.7", id="years-fewer"),
        pytest.param(80.7, 79.7, "years", "1.0 year more than England's 79.7", id="one-year-more"),
        pytest.param(79.7, 79.7, "years", "the same as England's 79.7", id="years-same"),
        pytest.param(12.9, 13.2, "% of households", "0.3 percentage points lower than England's 13.2%", id="points"),
        pytest.param(215.0, 145.8, "per 100,000", "47% higher than England's 145.8", id="relative-higher"),
        pytest.param(30.1, 30.0, "per 100,000", "about the same as England's 30.0", id="relative-same"),
    ],
)
def test_difference_is_arithmetic_in_the_units_people_read(value, england, unit, expected) -> None:
    assert comparison.difference(value, england, unit=unit) == expected


def test_a_sentence_without_a_difference_still_gives_the_reason() -> None:
    versus = comparison.compare(31.0, lower_ci=25.0, upper_ci=35.0, england=ENGLAND, polarity="none")
    assert versus.sentence() == ("similar to England: not a significant difference (95% confidence interval 25.0 to "
                                 "35.0 includes England's value)")
    untested = comparison.compare(31.0, lower_ci=math.nan, upper_ci=math.nan, england=ENGLAND, polarity="none")
    assert untested.sentence() == ("not tested against England: no confidence interval is held, so we cannot say "
                                   "whether the difference is significant")


@pytest.mark.parametrize(
    ("lower_ci", "upper_ci", "published", "verdict", "basis"),
    [
        pytest.param(None, None, "similar", "similar", "published", id="no-ci-publisher-says-similar"),
        pytest.param(None, None, "worse", "worse", "published", id="no-ci-publisher-says-worse"),
        pytest.param(None, None, None, "no interval", "", id="no-ci-no-publisher"),
        pytest.param(35.0, 45.0, "similar", "worse", "interval", id="interval-held-wins"),
    ],
)
def test_the_publishers_own_comparison_stands_in_for_a_missing_interval(lower_ci, upper_ci, published, verdict,
                                                                         basis) -> None:
    versus = comparison.compare(40.0, lower_ci=lower_ci, upper_ci=upper_ci, england=ENGLAND,
                                polarity="lower_is_better", published=published)
    assert (versus.verdict, versus.basis) == (verdict, basis)
    text = versus.sentence(comparison.difference(40.0, ENGLAND))
    assert versus.phrase in text and text.startswith("33% higher than England's 30.0")
    assert ("OHID's published comparison" in text) == (basis == "published")
    assert ("OHID" in versus.short()) == (basis == "published")


@pytest.mark.parametrize(
    ("note", "verdict", "rest"),
    [
        pytest.param(comparison.PUBLISHED_NOTE + "worse", "worse", "", id="verdict-only"),
        pytest.param(comparison.PUBLISHED_NOTE + "better; code of the 2021 set: merged into E06000065", "better",
                     "code of the 2021 set: merged into E06000065", id="verdict-and-more"),
        pytest.param("Not published by ONS", None, "Not published by ONS", id="other-note"),
        pytest.param(None, None, "", id="no-note"),
    ],
)
def test_published_verdict_is_read_from_the_note(note, verdict, rest) -> None:
    assert comparison.published_verdict(note) == verdict
    assert comparison.note_without_verdict(note) == rest


def test_the_build_writes_the_publishers_comparison_as_this_module_reads_it(data_dir) -> None:
    rows = pd.read_parquet(data_dir / "indicators" / "health.parquet", columns=["note"])
    notes = rows["note"].dropna()
    written = notes[notes.str.contains("Fingertips", regex=False)]
    assert len(written) > 0
    read = written.map(comparison.published_verdict)
    assert read.notna().all(), written[read.isna()].head().tolist()
