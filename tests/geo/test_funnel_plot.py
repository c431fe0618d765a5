"""geo.funnel_plot: which maps get a funnel, how their areas are placed, and the one line when there is none."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import funnels
from geo.funnel_plot import NO_FUNNEL, FunnelPlot, NoFunnel, funnel_plot, reproduced_base


@pytest.mark.parametrize(
    ("value", "count", "denominator", "proportion", "base"),
    [
        pytest.param(14.6, 6257, 42831, True, 100.0, id="percentage"),
        pytest.param(0.146, 6257, 42831, True, 1.0, id="fraction"),
        pytest.param(146.1, 6257, 4283100, False, 100_000.0, id="rate-per-100000"),
        pytest.param(20.0, 6257, 42831, True, np.nan, id="not-reproduced"),
        pytest.param(150.0, 150, 100, True, np.nan, id="count-above-denominator"),
    ],
)
def test_the_base_that_reproduces_the_published_value(value: float, count: float, denominator: float,
                                                      proportion: bool, base: float) -> None:
    found = reproduced_base(pd.Series([value]), pd.Series([count]), pd.Series([denominator]), proportion=proportion)
    assert found.iloc[0] == pytest.approx(base, nan_ok=True)


@pytest.mark.parametrize(
    ("indicator_id", "level", "vintage", "period", "sex", "words"),
    [
        pytest.param("le_birth", "lad", "2023", "2023-25", "female", "not a count over a denominator",
                     id="life-expectancy"),
        pytest.param("u75_prev", "lad", "2023", "2024", "persons", "no count or denominator is held",
                     id="rate-without-counts"),
        pytest.param("imd2019_imd_la_avg_score", "lad", "2019", "2019", "persons", "is a score", id="score"),
    ],
)
def test_no_funnel_says_why_in_one_line(data_dir, indicator_id: str, level: str, vintage: str, period: str,
                                        sex: str, words: str) -> None:
    found = funnel_plot(indicator_id, level=level, vintage=vintage, period=period, sex=sex, data_dir=data_dir)
    assert isinstance(found, NoFunnel)
    assert found.line.startswith(NO_FUNNEL) and words in found.line and "\n" not in found.line


def test_fuel_poverty_places_every_district_as_the_package_does(data_dir) -> None:
    found = funnel_plot("fuel_poverty", level="lad", vintage="2021", period="2020", sex="persons",
                        area_code="E08000012", data_dir=data_dir)
    assert isinstance(found, FunnelPlot)
    assert found.statistic == "proportion" and found.multiplier == 100.0 and found.area_code == "E08000012"
    pts = found.points
    assert len(pts) == 309 and found.left_out == ()
    assert found.funnel.average == pytest.approx(pts["count"].sum() / pts["denominator"].sum())
    expected = funnels.significance(pts["count"], pts["denominator"], statistic="proportion", multiplier=100)
    assert list(pts["side"]) == list(expected)
    liverpool = pts.set_index("area_code").loc["E08000012"]
    assert liverpool["value"] == pytest.approx(100 * liverpool["count"] / liverpool["denominator"])
    assert "Liverpool" in found.sentence() and liverpool["side"] in found.sentence()
    lines = found.lines()
    assert set(lines) == {"lower_95", "upper_95", "lower_99_8", "upper_99_8"}
    _x, upper95 = lines["upper_95"]
    assert (lines["upper_99_8"][1] >= upper95 - 1e-9).all() and (lines["lower_99_8"][1] <= lines["lower_95"][1] + 1e-9).all()
    assert found.denominator_label == "households"


def test_an_area_not_on_the_map_is_not_highlighted(data_dir) -> None:
    found = funnel_plot("fuel_poverty", level="lad", vintage="2021", period="2020", sex="persons",
                        area_code="E12000002", data_dir=data_dir)  # a region
    assert isinstance(found, FunnelPlot) and found.area_code is None and found.sentence() == ""
