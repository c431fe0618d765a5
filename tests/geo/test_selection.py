"""Which small areas a rule selects: the within-area worst share on tiny series, and the alternative it offers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geo.catalogue import Indicator, Polarity, Source
from geo.errors import RuleError
from geo.rules import parse
from geo.selection import WITHIN_AREA_PERCENT, alternative, mask, worst


# ---------------------------------------------------------------- the worst share
@pytest.mark.parametrize(
    ("values", "percent", "polarity", "picked"),
    [
        pytest.param([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 20, "lower_is_better", [0, 1], id="high-is-worse-a-fifth"),
        pytest.param([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 20, "higher_is_better", [8, 9], id="low-is-worse-a-fifth"),
        pytest.param([1, 2, 3, 4, 5, 6], 20, "higher_is_better", [0, 1], id="rounded-up-1.2-to-2"),
        pytest.param([1, 1, 1, 4, 5, 6], 20, "higher_is_better", [0, 1, 2], id="ties-at-the-cut-taken"),
        pytest.param([np.nan, 1, 2, 3, 4, 5], 20, "higher_is_better", [1], id="missing-never-taken-nor-counted"),
        pytest.param([3, 2, 1], 100, "higher_is_better", [0, 1, 2], id="all"),
        pytest.param([3, 2, 1], 1, "higher_is_better", [2], id="at-least-one"),
        pytest.param([np.nan, np.nan], 20, "higher_is_better", [], id="no-values"),
    ],
)
def test_worst_takes_the_share_worst_by_polarity(values: list[float], percent: float, polarity: str,
                                                  picked: list[int]) -> None:
    series = pd.Series(values, dtype="float64")
    out = worst(series, percent, polarity=polarity)
    assert out.dtype == bool
    assert list(series.index[out]) == picked


def test_worst_of_164_is_33() -> None:
    # Newham has 164 small areas: a fifth is 32.8, rounded up to 33 (floating point must not make it 34).
    out = worst(pd.Series(np.arange(164, dtype="float64")), WITHIN_AREA_PERCENT, polarity="lower_is_better")
    assert int(out.sum()) == math.ceil(164 / 5) == 33
    assert int(worst(pd.Series(np.arange(165.0)), 20, polarity="lower_is_better").sum()) == 33  # exactly 33.0


def test_worst_needs_a_direction() -> None:
    with pytest.raises(RuleError, match="'pop_total' has no better or worse direction"):
        worst(pd.Series([1.0, 2.0]), 20, polarity="none", indicator_id="pop_total")


def test_mask_ranks_within_the_frame_and_joins() -> None:
    frame = pd.DataFrame({"score": [50.0, 40.0, 30.0, 20.0, 10.0], "decile": [1.0, 1.0, 2.0, 5.0, 1.0]})
    polarity = {"score": "lower_is_better", "decile": "higher_is_better"}
    rule = parse("score in worst 40% and decile <= 1", data_dir=None)
    assert mask(rule, frame, polarity=polarity).tolist() == [True, True, False, False, False]
    with pytest.raises(RuleError, match="no better or worse direction"):
        mask(parse("score in worst 40%", data_dir=None), frame)  # no polarity given


# ---------------------------------------------------------------- the alternative offered
def _ind(indicator_id: str, polarity: Polarity) -> Indicator:
    return Indicator(indicator_id, indicator_id.replace("_", " ").title(), "d", "u", polarity, "Tests",
                     Source("Tests", "t", "t.csv"), levels={"lsoa": ("2011",)})


@pytest.fixture
def catalogue() -> dict[str, Indicator]:
    held: tuple[tuple[str, Polarity], ...] = (("x_decile", "higher_is_better"), ("x_rank", "higher_is_better"),
                                               ("crowding", "lower_is_better"), ("people", "none"))
    return {i: _ind(i, p) for i, p in held}


@pytest.fixture
def table() -> pd.DataFrame:
    # Ten small areas all in decile 1 (as Newham's are on housing barriers), crowding 0.2 to 0.65.
    return pd.DataFrame({"area_code": [f"E0{i}" for i in range(10)], "x_decile": 1.0,
                         "crowding": np.linspace(0.2, 0.65, 10), "people": 1500.0})


def test_a_decile_that_holds_everywhere_is_ranked_on_its_national_rank(catalogue, table) -> None:
    ranks = pd.Series([900.0, 10.0, 500.0, 20.0, 700.0, 30.0, 800.0, 40.0, 600.0, 50.0], index=table.index)
    asked: list[str] = []

    def values_of(ind: Indicator) -> pd.Series:
        asked.append(ind.indicator_id)
        return ranks

    rule = parse("x_decile <= 2", data_dir=None)
    alt = alternative(rule, table, area_name="Newham", catalogue=catalogue, values_of=values_of)
    assert alt is not None and asked == ["x_rank"]
    assert alt.rule == "x_rank in worst 20%" and parse(alt.rule, data_dir=None)
    assert (alt.lsoas, alt.area_lsoas) == (2, 10)
    assert alt.reason == ("The rule matches all 10 small areas of Newham, so it does not discriminate here: "
                          "x_decile <= 2 holds in every one.")
    assert "national rank behind x_decile" in alt.offer and "takes 2 of the 10" in alt.offer


def test_the_condition_that_holds_everywhere_is_the_one_ranked(catalogue, table) -> None:
    rule = parse("x_decile <= 0 or crowding >= 0.15", data_dir=None)  # only the second holds everywhere
    alt = alternative(rule, table, area_name="Newham", catalogue=catalogue, values_of=lambda ind: pd.Series())
    assert alt is not None and alt.rule == "crowding in worst 20%" and alt.lsoas == 2
    assert "crowding >= 0.15 holds in every one" in alt.reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param("people >= 0", "counts people: no worse end to rank from", id="no-direction"),
        pytest.param("x_decile <= 2", "its rank ties everywhere too", id="ranking-would-not-discriminate"),
    ],
)
def test_no_alternative_when_ranking_cannot_discriminate(text: str, why: str, catalogue, table) -> None:
    rule = parse(text, data_dir=None)
    tied = pd.Series(7.0, index=table.index)
    assert alternative(rule, table, area_name="Newham", catalogue=catalogue, values_of=lambda ind: tied) is None, why
