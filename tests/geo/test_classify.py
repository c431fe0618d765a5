"""Tests for geo.classify."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.classify import (
    classify,
    compare_with_england,
    decimals_for,
    format_number,
    format_value,
    rank_label,
    rank_labels,
    rank_of,
)
from geo.errors import DataUnavailableError, ValidationError

VALUES = pd.Series([76.4, 77.1, 78.9, None, 79.2, 79.8, 80.3, 80.9, 81.5, 82.2, 83.0, 84.6], index=list("abcdefghijkl"))


@pytest.mark.parametrize(
    ("method", "k", "expected_k", "description"),
    [
        pytest.param("quantiles", 5, 5, "Quintiles (5 classes", id="quintiles"),
        pytest.param("quantiles", 4, 4, "Quartiles (4 classes", id="quartiles"),
        pytest.param("deciles", 5, 10, "Deciles (10 classes", id="deciles-ignore-k"),
        pytest.param("natural_breaks", 5, 5, "Natural breaks (Fisher-Jenks, 5 classes)", id="natural-breaks"),
        pytest.param("equal_interval", 3, 3, "Equal intervals (3 classes of equal width)", id="equal-interval"),
    ],
)
def test_classes_cover_every_present_value_in_order(method: str, k: int, expected_k: int, description: str) -> None:
    c = classify(VALUES, method=method, k=k)
    assert c.k == expected_k == len(c.bins) == len(c.labels) == len(c.counts)
    assert c.description.startswith(description)
    assert str(c.class_id.dtype) == "Int64" and c.class_id.index.equals(VALUES.index)
    assert sum(c.counts) == VALUES.notna().sum()
    assert c.class_id[VALUES.isna()].isna().all()
    assert c.lower == VALUES.min() and c.bins[-1] == pytest.approx(VALUES.max())
    present = pd.DataFrame({"v": VALUES, "c": c.class_id}).dropna().sort_values("v")
    assert present["c"].is_monotonic_increasing and present["c"].iloc[0] == 0
    # each value is within its class's range: lower bound exclusive (except class 0), upper inclusive
    edges = [c.lower, *c.bins]
    for value, cid in zip(present["v"], present["c"], strict=True):
        assert (edges[cid] < value or cid == 0) and value <= edges[cid + 1] + 1e-9


def test_quintile_counts_are_roughly_equal() -> None:
    c = classify(pd.Series(np.arange(296, dtype="float64")), method="quantiles")
    assert max(c.counts) - min(c.counts) <= 1


@pytest.mark.parametrize(
    ("values", "method", "k", "expected_k", "note"),
    [
        pytest.param([3.0, 3.0, 4.0], "quantiles", 5, 2, "Only 2 distinct values, so 2 classes instead of 5", id="few-distinct"),
        pytest.param([3.0, 3.0, 4.0], "natural_breaks", 5, 2, "Only 2 distinct values", id="few-distinct-jenks"),
        pytest.param([5.0, 5.0, 5.0, None], "equal_interval", 5, 1, "same value, so there is one class", id="single-value"),
        pytest.param([1.0] * 6 + [2.0, 3.0, 4.0, 5.0], "quantiles", 5, 3, "Tied values left 3 classes instead of 5", id="ties"),
    ],
)
def test_edge_cases_reduce_k_and_say_why(values: list, method: str, k: int, expected_k: int, note: str) -> None:
    c = classify(pd.Series(values, dtype="float64"), method=method, k=k)
    assert c.k == expected_k and note in c.note
    assert all(n > 0 for n in c.counts) or method == "equal_interval"
    assert sum(c.counts) == pd.Series(values).notna().sum()


def test_single_value_has_one_readable_class() -> None:
    c = classify(pd.Series([79.4, 79.4]), method="quantiles")
    assert c.labels == ("79.4",) and c.class_id.tolist() == [0, 0] and "same value" in c.description


def test_equal_intervals_keep_empty_classes() -> None:
    c = classify(pd.Series([1.0, 1.1, 1.2, 10.0]), method="equal_interval", k=3)
    assert c.counts == (3, 0, 1)


def test_natural_breaks_on_many_values_are_quick_and_deterministic() -> None:
    values = pd.Series(np.random.default_rng(7).normal(300, 50, 5000))
    first, second = (classify(values, method="natural_breaks") for _ in range(2))
    assert first.bins == second.bins and "evenly spaced values" in first.note
    assert sum(first.counts) == 5000


@pytest.mark.parametrize(
    ("values", "kwargs", "error", "match"),
    [
        pytest.param([None, None], {"method": "quantiles"}, DataUnavailableError, "Every value is missing", id="all-missing"),
        pytest.param([], {"method": "quantiles"}, DataUnavailableError, "nothing to classify", id="empty"),
        pytest.param([1.0, 2.0], {"method": "england"}, ValueError, "compare_with_england", id="england-method"),
        pytest.param([1.0, 2.0], {"method": "rainbow"}, ValueError, "Unknown classification method", id="bad-method"),
        pytest.param([1.0, 2.0], {"method": "quantiles", "k": 11}, ValueError, "between 2 and 10", id="k-too-big"),
        pytest.param([1.0, 2.5], {"method": "decile_values"}, ValidationError, "whole numbers 1-10", id="not-deciles"),
    ],
)
def test_bad_requests_raise_clear_errors(values: list, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        classify(pd.Series(values, dtype="float64"), **kwargs)


def test_decile_values_are_their_own_classes() -> None:
    c = classify(pd.Series([1.0, 10.0, 5.0, None]), method="decile_values")
    assert c.class_id.tolist()[:3] == [0, 9, 4] and pd.isna(c.class_id.iloc[3])
    assert c.k == 10 and "most deprived" in c.labels[0] and c.counts[4] == 1


@pytest.mark.parametrize(
    ("values", "method", "k", "first_label"),
    [
        pytest.param([76.41, 78.93, 80.12, 82.55], "quantiles", 3, "76.4 to ", id="years-one-decimal"),
        pytest.param([0.1234, 0.25, 0.5, 0.9], "equal_interval", 3, "0.123 to 0.382", id="proportion-three-decimals"),
        pytest.param([1.0, 250.0, 12000.0, 32844.0, 20000.0], "equal_interval", 4, "1 to 8,212", id="ranks-thousands"),
        pytest.param([76.41, 76.42, 76.44, 79.0, 80.1, 83.3], "quantiles", 5, "76.41 to 76.42", id="close-breaks-more-decimals"),
    ],
)
def test_labels_read_as_ranges(values: list, method: str, k: int, first_label: str) -> None:
    c = classify(pd.Series(values), method=method, k=k)
    assert c.labels[0].startswith(first_label)
    assert len(set(c.labels)) == c.k


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        pytest.param(79.43, {}, "79.4", id="one-decimal"),
        pytest.param(1234567.0, {}, "1,234,567", id="thousands"),
        pytest.param(0.0456, {}, "0.046", id="small"),
        pytest.param(-0.0001, {}, "0.000", id="no-negative-zero"),
        pytest.param(None, {}, "no data", id="missing"),
        pytest.param(float("nan"), {}, "no data", id="nan"),
        pytest.param(80.0, {"decimals": 1}, "80.0", id="fixed-decimals"),
    ],
)
def test_format_number(value, kwargs, expected) -> None:
    assert format_number(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("years", "12.5 years"), ("% of households", "12.5% of households"), ("", "12.5")],
)
def test_format_value_places_the_unit(unit: str, expected: str) -> None:
    assert format_value(12.5, unit=unit) == expected


def test_decimals_for_a_column() -> None:
    assert decimals_for(pd.Series([1.0, 2.0, None])) == 0
    assert decimals_for(pd.Series([79.4, 80.0])) == 1
    assert decimals_for(pd.Series([0.12, 0.3])) == 3


ENGLAND = 79.3


@pytest.mark.parametrize(
    ("polarity", "value", "lo", "hi", "expected"),
    [
        pytest.param("higher_is_better", 80.0, 79.6, 80.4, "better", id="higher-better-above"),
        pytest.param("higher_is_better", 78.0, 77.5, 78.5, "worse", id="higher-better-below"),
        pytest.param("higher_is_better", 79.2, 78.9, 79.6, "similar", id="higher-better-spans"),
        pytest.param("lower_is_better", 80.0, 79.6, 80.4, "worse", id="lower-better-above"),
        pytest.param("lower_is_better", 78.0, 77.5, 78.5, "better", id="lower-better-below"),
        pytest.param("lower_is_better", 79.2, 78.9, 79.6, "similar", id="lower-better-spans"),
        pytest.param("none", 80.0, 79.6, 80.4, "higher", id="no-polarity-above"),
        pytest.param("none", 78.0, 77.5, 78.5, "lower", id="no-polarity-below"),
        pytest.param("none", 79.2, 78.9, 79.6, "similar", id="no-polarity-spans"),
        pytest.param("higher_is_better", 80.0, ENGLAND, 80.4, "similar", id="ci-touches-england"),
        pytest.param("higher_is_better", 80.0, None, None, "not compared", id="no-ci"),
        pytest.param("higher_is_better", 80.0, 79.6, None, "not compared", id="half-ci"),
        pytest.param("higher_is_better", None, None, None, "missing", id="no-value"),
        pytest.param("lower_is_better", None, 1.0, 2.0, "missing", id="no-value-with-ci"),
    ],
)
def test_compare_with_england(polarity: str, value, lo, hi, expected: str) -> None:
    out = compare_with_england(
        pd.Series([value], dtype="float64"),
        pd.Series([lo], dtype="float64"),
        pd.Series([hi], dtype="float64"),
        england_value=ENGLAND,
        polarity=polarity,
    )
    assert out.iloc[0] == expected


def test_compare_without_england_value_compares_nothing() -> None:
    out = compare_with_england(
        pd.Series([80.0, None]), pd.Series([79.6, None]), pd.Series([80.4, None]), england_value=None, polarity="none"
    )
    assert out.tolist() == ["not compared", "missing"]


def test_compare_rejects_unknown_polarity() -> None:
    with pytest.raises(ValueError, match="Unknown polarity"):
        compare_with_england(pd.Series([1.0]), pd.Series([1.0]), pd.Series([1.0]), england_value=1.0, polarity="up")


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        pytest.param("higher_is_better", [4, 1, 2, None, 2], id="higher-best"),
        pytest.param("lower_is_better", [1, 4, 2, None, 2], id="lower-best"),
        pytest.param("none", [4, 1, 2, None, 2], id="none-highest-first"),
    ],
)
def test_rank_one_is_best_and_ties_share_the_lowest_rank(polarity: str, expected: list) -> None:
    ranks = rank_of(pd.Series([70.0, 82.0, 75.0, None, 75.0]), polarity=polarity)
    assert [None if pd.isna(r) else int(r) for r in ranks] == expected


def test_rank_labels() -> None:
    labels = rank_labels(pd.Series([70.0, 82.0, None], index=["x", "y", "z"]), polarity="higher_is_better")
    assert labels.to_dict() == {"x": "rank 2 of 2", "y": "rank 1 of 2", "z": "not ranked"}
    assert rank_label(3, 1296) == "rank 3 of 1,296"
