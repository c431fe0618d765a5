"""An indicator's values on one code set, and a group's figure from them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.values import estimates_on, group_limits, group_value, values_on


@pytest.mark.parametrize("vintage", [pytest.param("2019", id="lad2019"), pytest.param("2023", id="lad2023")])
def test_values_on_keeps_published_values_and_never_combines_merged_areas(data_dir, vintage: str) -> None:
    from geo import indicators

    series, _ = values_on("u75_cancer_prev", period="2015-17", sex="persons", level="lad", vintage=vintage,
                          data_dir=data_dir)
    rows = indicators.load("u75_cancer_prev", level="lad", period="2015-17", sex="persons", data_dir=data_dir)
    source = rows.set_index("area_code")["value"]
    shared = series.dropna().index.intersection(source.index)
    assert len(shared) > 250
    assert (series[shared] == source[shared]).all()  # unchanged codes carry the published value
    assert pd.isna(series.get("E06000058"))  # Bournemouth, Christchurch and Poole (2019 merger): no value


def test_values_on_leaves_out_the_atlas_approximations(data_dir) -> None:
    """Upper tiers, men 2023-25: a unitary's figure is its district's (same area); a county's approximation is left out."""
    from geo import derived, indicators

    series, _ = values_on("le_birth", period="2023-25", sex="male", level="utla", vintage="2023", data_dir=data_dir)
    rows = indicators.load("le_birth", level="utla", vintage="2023", period="2023-25", sex="male", data_dir=data_dir)
    approximate = rows[derived.is_approximate(rows["note"])]
    assert len(approximate) > 0 and series.reindex(approximate["area_code"]).isna().all()
    same = rows[derived.kind_of(rows["note"]) == "same area"].set_index("area_code")["value"].dropna()
    assert len(same) > 100 and (series[same.index] == same).all()


def test_group_value_weights_only_when_every_area_has_a_weight() -> None:
    values = pd.Series({"a": 70.0, "b": 80.0, "c": math.nan})
    assert group_value(values, pd.Series({"a": 1.0, "b": 3.0})) == (77.5, 2, True)
    assert group_value(values, pd.Series({"a": 1.0})) == (75.0, 2, False)  # b lacks a weight: plain mean
    assert group_value(values) == (75.0, 2, False)


@pytest.mark.parametrize(
    ("code", "carried"),
    [pytest.param("E06000009", True, id="blackpool-kept-carries-its-limits"),
     pytest.param("E07000026", False, id="allerdale-merged-into-cumberland-gets-neither")],
)
def test_estimates_on_carries_limits_with_values_and_never_combines_them(data_dir, code: str, carried: bool) -> None:
    """u75 CVD deaths are held on 2023 codes; read on 2019 codes, a kept area keeps its published limits."""
    from geo import indicators

    frame, _ = estimates_on("u75_cvd_prev", period="2015-17", sex="persons", level="lad", vintage="2019",
                            data_dir=data_dir)
    values, _ = values_on("u75_cvd_prev", period="2015-17", sex="persons", level="lad", vintage="2019",
                          data_dir=data_dir)
    assert frame["value"].equals(values.rename("value"))  # one route for values and limits
    rows = indicators.load("u75_cvd_prev", level="lad", period="2015-17", sex="persons", data_dir=data_dir)
    source = rows.set_index("area_code")[["value", "lower_ci", "upper_ci"]]
    if carried:
        assert list(frame.loc[code]) == list(source.loc[code])
    else:
        assert frame.loc[code].isna().all()


def test_estimates_on_leaves_out_the_limits_of_an_approximation(data_dir) -> None:
    """An upper tier's approximate figure (geo.derived) has combined limits in the data; neither is a published figure."""
    from geo import derived, indicators

    rows = indicators.load("le_birth_1618", level="utla", data_dir=data_dir)
    approx = rows[derived.is_approximate(rows["note"]) & rows["lower_ci"].notna()].iloc[0]
    frame, _ = estimates_on("le_birth_1618", period=str(approx["period"]), sex=str(approx["sex"]), level="utla",
                            vintage=str(approx["vintage"]), data_dir=data_dir)
    assert frame.loc[str(approx["area_code"])].isna().all()
    assert frame["lower_ci"].notna().sum() > 100  # published figures keep theirs


@pytest.mark.parametrize(
    ("weights", "method"),
    [pytest.param(pd.Series({"a": 3.0, "b": 1.0}), "95% and 99.8% CIs by combining", id="weighted"),
     pytest.param(pd.Series({"a": 3.0}), "no interval: a plain mean", id="plain-mean-when-a-weight-is-missing"),
     pytest.param(None, "no interval: a plain mean", id="plain-mean-without-weights")],
)
def test_group_limits_only_for_a_weighted_figure(weights: pd.Series | None, method: str) -> None:
    # 80 (79 to 81) and 78 (76 to 80) weighted 3 to 1: 79.5 +/- 1.96 x sqrt((0.75 x 1)^2 + (0.25 x 2)^2) / 1.96
    parts = pd.DataFrame({"value": [80.0, 78.0, math.nan], "lower_ci": [79.0, 76.0, 1.0],
                          "upper_ci": [81.0, 80.0, 2.0]}, index=["a", "b", "c"])
    got = group_limits(parts, weights)
    assert got.ci_method.startswith(method) and got.held == (weights is not None and len(weights) == 2)
    if got.held:
        assert (got.lower_ci, got.upper_ci) == pytest.approx((79.5 - 0.8125**0.5, 79.5 + 0.8125**0.5))
        assert got.lower_ci_99_8 < got.lower_ci and got.upper_ci_99_8 > got.upper_ci
    else:
        assert math.isnan(got.lower_ci) and math.isnan(got.upper_ci_99_8)
