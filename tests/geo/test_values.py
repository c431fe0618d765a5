"""An indicator's values on one code set, and a group's figure from them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.values import group_value, values_on


@pytest.mark.parametrize("vintage", [pytest.param("2019", id="lad2019"), pytest.param("2023", id="lad2023")])
def test_values_on_keeps_published_values_and_never_combines_merged_areas(data_dir, vintage: str) -> None:
    from geo import indicators

    series, _ = values_on("u75_cancer_prev", period="2015-17", sex="persons", level="lad", vintage=vintage,
                          data_dir=data_dir)
    source = indicators.load("u75_cancer_prev", level="lad", period="2015-17", sex="persons", data_dir=data_dir)
    source = source.set_index("area_code")["value"]
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
