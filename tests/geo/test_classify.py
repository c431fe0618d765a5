"""Tests for geo.classify."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.classify import classify, compare_with_england, rank_of
from geo.errors import DataUnavailableError

VALUES = pd.Series([1.0, 2.0, 3.0, None, 5.0, 6.0, 7.0, 8.0, 9.0, 10.5, 11.0, 12.0])


@pytest.mark.parametrize(
    ("method", "k"),
    [("quantiles", 5), ("deciles", 10), ("natural_breaks", 5), ("equal_interval", 5)],
)
def test_classes_cover_every_present_value(method: str, k: int) -> None:
    c = classify(VALUES, method=method)
    assert c.k == k
    assert sum(c.counts) == VALUES.notna().sum()
    assert c.class_id[VALUES.isna()].isna().all()
    assert len(c.labels) == k and c.bins[-1] == pytest.approx(VALUES.max())
    # classes are ordered: a higher value never gets a lower class
    present = pd.DataFrame({"v": VALUES, "c": c.class_id}).dropna().sort_values("v")
    assert present["c"].is_monotonic_increasing


def test_fewer_distinct_values_than_classes_says_so() -> None:
    c = classify(pd.Series([3.0, 3.0, 4.0]), method="quantiles")
    assert c.k == 2 and "2 classes" in c.note


def test_all_missing_raises_a_clear_error() -> None:
    with pytest.raises(DataUnavailableError, match="Every value is missing"):
        classify(pd.Series([None, None], dtype="float64"), method="quantiles")


def test_decile_values_use_the_national_decile() -> None:
    c = classify(pd.Series([1.0, 10.0, 5.0]), method="decile_values")
    assert c.class_id.tolist() == [0, 9, 4] and "most deprived" in c.labels[0]


@pytest.mark.parametrize(
    ("polarity", "value", "lo", "hi", "expected"),
    [
        pytest.param("higher_is_better", 80.0, 79.6, 80.4, "better", id="higher-better-above"),
        pytest.param("higher_is_better", 78.0, 77.5, 78.5, "worse", id="higher-better-below"),
        pytest.param("higher_is_better", 79.2, 78.9, 79.6, "similar", id="ci-spans-england"),
        pytest.param("lower_is_better", 80.0, 79.6, 80.4, "worse", id="lower-better-above"),
        pytest.param("lower_is_better", 78.0, 77.5, 78.5, "better", id="lower-better-below"),
        pytest.param("none", 80.0, 79.6, 80.4, "higher", id="no-polarity-above"),
        pytest.param("none", 78.0, 77.5, 78.5, "lower", id="no-polarity-below"),
        pytest.param("higher_is_better", 80.0, None, None, "not compared", id="no-ci"),
        pytest.param("higher_is_better", None, None, None, "missing", id="no-value"),
    ],
)
def test_compare_with_england(polarity, value, lo, hi, expected) -> None:
    out = compare_with_england(
        pd.Series([value], dtype="float64"), pd.Series([lo], dtype="float64"), pd.Series([hi], dtype="float64"),
        england_value=79.3, polarity=polarity,
    )
    assert out.iloc[0] == expected


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [("higher_is_better", [3, 1, 2, None]), ("lower_is_better", [1, 3, 2, None]), ("none", [3, 1, 2, None])],
)
def test_rank_one_is_best(polarity, expected) -> None:
    ranks = rank_of(pd.Series([70.0, 82.0, 75.0, None]), polarity=polarity)
    assert [None if pd.isna(r) else int(r) for r in ranks] == expected
