"""Tests for geo.classify."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.classify import (
    NumberFormat,
    classify,
    compare_with_england,
    decimals_for,
    display_unit,
    format_number,
    format_value,
    method_drawn,
    number_format,
    rank_label,
    rank_labels,
    rank_of,
)
from geo.errors import DataUnavailableError, ValidationError

VALUES = pd.Series([76.4, 77.1, 78.9, None, 79.2, 79.8, 80.3, 80.9, 81.5, 82.2, 83.0, 84.6], index=list("abcdefghijkl"))


@pytest.mark.parametrize(
    ("method", "k", "expected_k", "description"),
    [
        pytest.param("quantiles", 5, 5, "Quintiles (5 groups by rank)", id="quintiles"),
        pytest.param("quantiles", 4, 4, "Quartiles (4 groups by rank)", id="quartiles"),
        pytest.param("deciles", 5, 10, "Deciles (10 groups by rank)", id="deciles-ignore-k"),
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
    assert c.lower == VALUES.min() and c.upper == c.bins[-1] == VALUES.max() and len(c.breaks) == c.k - 1
    present = pd.DataFrame({"v": VALUES, "c": c.class_id}).dropna().sort_values("v")
    assert present["c"].is_monotonic_increasing and present["c"].iloc[0] == 0
    # half-open classes: each value is at or above its class's start and below the next class's start
    edges = [c.lower, *c.breaks, c.upper]
    for value, cid in zip(present["v"], present["c"], strict=True):
        assert edges[cid] <= value and (value < edges[cid + 1] or (cid == c.k - 1 and value <= c.upper))


def test_quintile_counts_are_roughly_equal() -> None:
    c = classify(pd.Series(np.arange(296, dtype="float64")), method="quantiles")
    assert max(c.counts) - min(c.counts) <= 1


@pytest.mark.parametrize(
    ("values", "method", "k", "expected_k", "note"),
    [
        pytest.param([3.0, 3.0, 4.0], "quantiles", 5, 2, "Only 2 distinct values, so 2 classes instead of 5", id="few-distinct"),
        pytest.param([3.0, 3.0, 4.0], "natural_breaks", 5, 2, "Only 2 distinct values", id="few-distinct-jenks"),
        pytest.param([5.0, 5.0, 5.0, None], "equal_interval", 5, 1, "same value, so there is one class", id="single-value"),
        pytest.param([1.0] * 6 + [2.0, 3.0, 4.0, 5.0], "quantiles", 5, 5, "5 groups of unequal size (6/1/1/1/1 areas)", id="ties-keep-five"),
    ],
)
def test_edge_cases_reduce_k_and_say_why(values: list, method: str, k: int, expected_k: int, note: str) -> None:
    c = classify(pd.Series(values, dtype="float64"), method=method, k=k)
    assert c.k == expected_k and note in c.note
    assert all(n > 0 for n in c.counts) or method == "equal_interval"
    assert sum(c.counts) == pd.Series(values).notna().sum()


@pytest.mark.parametrize(
    ("values", "kwargs", "labels", "counts"),
    [
        pytest.param([0.0] * 183 + list(np.linspace(0.001, 0.6, 134)), {"value_type": "proportion", "unit": "proportion"},
                     ("0.0%", "0.1% to under 15.0%", "15.0% to under 29.8%", "29.8% to under 45.1%", "45.1% to 60.0%"),
                     (183, 33, 33, 34, 34), id="many-zeros-own-group"),
        pytest.param([79.3] * 8 + [78.0, 78.5, 80.0, 80.5, 81.0, 81.5, 82.0, 82.5], {},
                     ("78.0 to under 79.3", "79.3", "80.0 to under 81.0", "81.0 to under 82.0", "82.0 to 82.5"),
                     (2, 8, 2, 2, 2), id="tie-in-the-middle"),
    ],
)
def test_quintiles_keep_five_groups_despite_ties_and_say_why(values: list, kwargs: dict, labels: tuple, counts: tuple) -> None:
    c = classify(pd.Series(values), method="quantiles", **kwargs)
    assert (c.k, c.labels, c.counts) == (5, labels, counts)
    assert "unequal size" in c.note and "/".join(map(str, counts)) in c.note
    assert f"the {max(counts)} areas at {c.labels[c.counts.index(max(counts))]}" in c.note


def test_ties_are_never_split_between_groups() -> None:
    values = pd.Series(np.random.default_rng(3).integers(0, 40, 500).astype("float64"))
    c = classify(values, method="deciles")
    assert c.k == 10 and pd.DataFrame({"v": values, "c": c.class_id}).groupby("v")["c"].nunique().max() == 1


def test_many_distinct_values_with_a_big_tie_stay_quick_and_whole() -> None:
    rng = np.random.default_rng(5)
    values = pd.Series(np.concatenate([np.zeros(9000), rng.uniform(0.1, 1.0, 24000).round(6)]))
    c = classify(values, method="deciles")
    assert c.k == 10 and c.counts[0] == 9000 and c.labels[0] == "0.000000"[: len(c.labels[0])]
    assert max(c.counts[1:]) - min(c.counts[1:]) <= 0.05 * 24000 / 9


def test_quintiles_of_every_committed_map_have_five_distinct_labels(data_dir) -> None:
    """Before: 23 of 425 national maps drew 4 or 3 "quintiles" (ties at 0 or at a rank), with repeated edges."""
    keys = ["indicator_id", "level", "vintage", "period", "sex"]
    filters = [("level", "in", ["lad", "utla", "region", "pct", "sha"]), ("status", "==", "ok")]
    paths = [p for p in sorted((data_dir / "indicators").glob("*.parquet")) if "lsoa" not in p.name]
    rows = pd.concat([pd.read_parquet(p, columns=[*keys, "value", "status"], filters=filters) for p in paths])
    checked = 0
    for key, group in rows.groupby(keys):
        if group["value"].nunique() < 5:
            continue
        c = classify(group["value"], method="quantiles")
        assert c.k == 5 and len(set(c.labels)) == 5, (key, c.labels)
        assert min(c.counts) >= 0.5 * len(group) / 5, (key, c.counts)  # a first draft left 123/4/63/64/63
        checked += 1
    assert checked > 100


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
        pytest.param([1.0, 2.0], {"method": "england_998"}, ValueError, "compare_with_england", id="england-998-method"),
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
    assert c.k == 10 and c.counts[4] == 1
    assert (c.labels[0], c.labels[4], c.labels[9]) == ("1 = most deprived 10%", "5", "10 = least deprived 10%")


@pytest.mark.parametrize(
    ("values", "kwargs", "labels"),
    [
        pytest.param([79.3, 80.1, 81.2, 82.4, 83.0, 84.1], {"method": "quantiles", "k": 3},
                     ("79.3 to under 81.2", "81.2 to under 83.0", "83.0 to 84.1"), id="years-as-published-1dp"),
        pytest.param([76.4123, 78.9345, 80.1278, 82.5531], {"method": "quantiles", "k": 3},
                     ("76.4", "78.9", "80.1 to 82.6"), id="full-precision-years-1dp"),
        pytest.param([0.0, 0.0, 0.025, 0.1, 0.3, 0.31],
                     {"method": "quantiles", "k": 3, "value_type": "proportion", "unit": "proportion of LSOAs (0-1)"},
                     ("0.0%", "2.5% to under 30.0%", "30.0% to 31.0%"), id="proportion-as-percent"),
        pytest.param([1.0, 250.0, 12000.0, 32844.0, 20000.0], {"method": "equal_interval", "k": 4},
                     ("1 to under 8,212", "8,212 to under 16,422", "16,422 to under 24,633", "24,633 to 32,844"),
                     id="ranks-no-decimals"),
        pytest.param([76.41, 76.42, 76.44, 79.0, 80.1, 83.3], {"method": "quantiles", "k": 5},
                     ("76.41", "76.42", "76.44", "79.00", "80.10 to 83.30"), id="two-decimals-as-held"),
        pytest.param([1.0, 1.1, 1.2, 10.0], {"method": "equal_interval", "k": 3},
                     ("1.0 to under 4.0", "4.0 to under 7.0", "7.0 to 10.0"), id="equal-interval-half-open"),
    ],
)
def test_labels_are_half_open_at_the_precision_of_the_data(values: list, kwargs: dict, labels: tuple) -> None:
    c = classify(pd.Series(values), **kwargs)
    assert c.labels == labels and len(set(c.labels)) == c.k


def test_class_edges_never_repeat_in_labels() -> None:
    """The old labels read "0.000", "0.000 to 0.025": one edge in two classes."""
    c = classify(pd.Series([0.0] * 10 + [0.025, 0.05, 0.1, 0.2]), method="quantiles", value_type="proportion",
                 unit="proportion of LSOAs (0-1)")
    firsts = [label.split(" to ")[0] for label in c.labels]
    assert len(set(firsts)) == len(firsts) == c.k and c.labels[0] == "0.0%"


@pytest.mark.parametrize(
    ("values", "value_type", "unit", "expected", "text"),
    [
        pytest.param([79.3, 80.0], "years", "years", NumberFormat(1, 1.0, "years"), "79.3 years", id="life-expectancy"),
        pytest.param([1.0, 32844.0], "rank", "rank", NumberFormat(0, 1.0, "rank"), "79 rank", id="ranks"),
        pytest.param([0.025, 0.5], "proportion", "proportion of LSOAs (0-1)", NumberFormat(1, 100.0, "% of LSOAs"),
                     "7,930.0% of LSOAs", id="proportion-to-percent"),
        pytest.param([12.5, 13.25], "proportion", "% of households", NumberFormat(2, 1.0, "% of households"),
                     "79.30% of households", id="already-percent"),
        pytest.param([0.0253164557, 0.1], "proportion", "proportion", NumberFormat(1, 100.0, "%"), "7,930.0%",
                     id="full-precision-percent"),
        pytest.param([0.1234567, 0.3], "score", "score", NumberFormat(3, 1.0, "score"), "79.300 score", id="small-scores"),
    ],
)
def test_number_format_follows_the_data(values: list, value_type: str, unit: str, expected: NumberFormat, text: str) -> None:
    fmt = number_format(pd.Series(values), value_type=value_type, unit=unit)
    assert fmt == expected and fmt.value(79.3) == text and fmt.value(None) == "no data"


def test_display_unit_turns_proportions_into_percentages() -> None:
    assert display_unit("proportion of the population (0-1)", value_type="proportion") == ("% of the population", 100.0)
    assert display_unit("years", value_type="years") == ("years", 1.0)


@pytest.mark.parametrize(
    ("method", "kwargs", "drawn", "why"),
    [
        pytest.param("england", {"has_ci": True, "england_value": 79.3}, "england", "", id="england-possible"),
        pytest.param("england", {"has_ci": False, "england_value": 79.3}, "quantiles", "no confidence intervals", id="no-ci"),
        pytest.param("england", {"has_ci": True, "england_value": None, "period": "2019"}, "quantiles",
                     "no England value for 2019", id="no-england-value"),
        pytest.param("quantiles", {"value_type": "decile"}, "decile_values", "published deciles", id="deciles-as-published"),
        pytest.param("natural_breaks", {}, "natural_breaks", "", id="unchanged"),
        pytest.param("england_998", {"has_ci": True, "england_value": 79.3, "has_ci_99_8": True}, "england_998", "",
                     id="england-998-possible"),
        pytest.param("england_998", {"has_ci": True, "england_value": 79.3, "has_ci_99_8": False, "period": "2022-24"},
                     "quantiles", "no 99.8% confidence intervals for 2022-24", id="england-998-no-99-8-interval"),
        pytest.param("england_998", {"has_ci": True, "england_value": None, "has_ci_99_8": True}, "quantiles",
                     "cannot be compared with England at 99.8%", id="england-998-no-england-value"),
        pytest.param("england_998", {"has_ci": False, "england_value": 79.3, "has_ci_99_8": False}, "quantiles",
                     "no confidence intervals", id="england-998-no-ci"),
        pytest.param("england", {"has_ci": True, "england_value": 79.3, "has_ci_99_8": False}, "england", "",
                     id="england-95-needs-no-99-8-interval"),
    ],
)
def test_method_drawn_names_the_fallback(method: str, kwargs: dict, drawn: str, why: str) -> None:
    got, reason = method_drawn(method, **kwargs)
    assert got == drawn and why in reason and (reason == "") == (why == "")


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
