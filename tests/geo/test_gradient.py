"""The deprivation gradient: weighted line, SII/RII on worked examples, residual verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from geo import gradient


def test_weighted_fit_exact_line() -> None:
    fit = gradient.weighted_fit([0.0, 1, 2, 3], [10.0, 8, 6, 4], [1.0, 5, 2, 9])
    assert fit.slope == pytest.approx(-2.0) and fit.intercept == pytest.approx(10.0)
    assert fit.residual_sd == pytest.approx(0.0, abs=1e-12)


def test_weighted_fit_weights_matter() -> None:
    # Hand-worked: points (0,0), (1,1), (2,0) with weights 1, 1, 2.
    # weighted means: x = (0+1+4)/4 = 1.25, y = 1/4; Sxy = sum w (x-xm)(y-ym) = -0.25, Sxx = 2.75
    fit = gradient.weighted_fit([0.0, 1, 2], [0.0, 1, 0], [1.0, 1, 2])
    assert fit.slope == pytest.approx(-0.25 / 2.75)


def test_sii_rii_worked_example() -> None:
    # 10 areas of equal population, one per decile; value rises 1 year per decile towards the least deprived.
    # Deciles sit at ranks 0.05 .. 0.95 (most to least deprived); value = 70 + 10 * rank exactly,
    # so SII = 10 years (least minus most deprived end) and RII = 10 / mean(75) = 0.1333.
    codes = [f"A{i}" for i in range(10)]
    imd = pd.Series(np.arange(10, 0, -1, dtype=float), index=codes)  # A0 most deprived
    rank = (np.arange(10) + 0.5) / 10
    values = pd.Series(70 + 10 * rank, index=codes)
    q = gradient.inequality(values, imd, pd.Series(1000.0, index=codes))
    assert q.sii == pytest.approx(10.0)
    assert q.rii == pytest.approx(10.0 / 75.0)
    assert q.sii_lower == pytest.approx(10.0) and q.sii_upper == pytest.approx(10.0)  # a perfect line
    assert q.groups["areas"].tolist() == [1] * 10


def test_sii_does_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(1)
    codes = [f"A{i:02d}" for i in range(40)]
    imd = pd.Series(rng.uniform(5, 50, 40), index=codes)
    values = pd.Series(85 - 0.1 * imd + rng.normal(0, 0.5, 40), index=codes)
    weights = pd.Series(rng.uniform(5e4, 5e5, 40), index=codes)
    order = rng.permutation(40)
    a = gradient.inequality(values, imd, weights)
    b = gradient.inequality(values.iloc[order], imd.iloc[order], weights.iloc[order])
    assert a.sii == pytest.approx(b.sii) and a.sii_lower < a.sii < a.sii_upper


@pytest.mark.parametrize(
    ("polarity", "verdicts"),
    [
        pytest.param("higher_is_better", ["better than predicted", "worse than predicted"], id="life-expectancy"),
        pytest.param("lower_is_better", ["worse than predicted", "better than predicted"], id="mortality"),
    ],
)
def test_residual_verdicts_follow_polarity_and_the_ci_rule(polarity: str, verdicts: list[str]) -> None:
    codes = [f"A{i}" for i in range(6)]
    x = pd.Series([0.0, 1, 2, 3, 4, 5], index=codes)
    y = pd.Series([0.0, 1, 2, 3, 4, 5], index=codes)
    y["A2"], y["A3"] = 4.0, 1.0  # A2 above the line, A3 below
    lo = pd.Series(np.nan, index=codes)
    hi = pd.Series(np.nan, index=codes)
    lo[["A2", "A3"]] = [3.9, 0.9]
    hi[["A2", "A3"]] = [4.1, 1.1]
    table, _ = gradient.residuals(y, x, polarity=polarity, lower_ci=lo, upper_ci=hi)
    assert table.loc[["A2", "A3"], "verdict"].tolist() == verdicts
    assert table.loc["A2", "rule"] == "own 95% CI" and table.loc["A0", "rule"] == "1.96 SD"


def test_cli_gradient(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "gradient.csv"
    assert main(["gradient", "--indicator", "le_birth", "--sex", "female", "--period", "2015-17",
                 "--vintage", "2019", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Deprivation gradient") and "SII (OHID's phe_sii)" in text
    printed = capsys.readouterr().out
    assert "SII (OHID's phe_sii)" in printed and "RII (SII over the mean), the atlas's older definition" in printed
    assert "no interval: the areas' 95% confidence intervals are not held" in printed  # none held for le_birth
    table = pd.read_csv(out, comment="#")
    assert {"area_code", "area_name", "value", "imd", "predicted", "residual", "verdict"} <= set(table.columns)
    # female life expectancy is lower where deprivation is higher
    result = gradient.gradient("le_birth", period="2015-17", sex="female", vintage="2019", data_dir=data_dir)
    assert result.fit.slope_upper < 0 and result.inequality.sii_lower > 0


# ---------------------------------------------------------------- SII and RII as OHID's phe_sii defines them (issue 21)
def _twenty(rate: bool = False) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]:
    """20 areas, two per decile, the first of each pair the more deprived; values rise towards the least deprived."""
    codes = [f"A{i:02d}" for i in range(20)]
    imd = pd.Series(np.arange(20, 0, -1, dtype=float), index=codes)  # A00 most deprived
    weights = pd.Series([1000.0, 3000.0] * 10, index=codes)
    base = 40.0 if rate else 70.0
    values = pd.Series(base + np.arange(20) * (-1.0 if rate else 0.5) + np.tile([0.3, -0.1], 10), index=codes)
    half = values * (0.05 if rate else 0.01)
    return values, imd, weights, values - half, values + half


def _by_hand(values: pd.Series, weights: pd.Series, lower: pd.Series, upper: pd.Series, *, rate: bool) -> tuple:
    """The deciles phe_sii is given, worked out here: weighted means and standard errors on its scale."""
    z2 = 2 * 1.959963984540054
    out = []
    for d in range(10):
        pair = values.index[2 * d: 2 * d + 2]
        a = weights[pair] / weights[pair].sum()
        y = float((a * values[pair]).sum())
        se_i = (values[pair] * (np.log(upper[pair]) - np.log(lower[pair])) / z2) if rate else (
            (upper[pair] - lower[pair]) / z2)
        se = float(np.sqrt((a**2 * se_i**2).sum()))
        out.append((d + 1, float(weights[pair].sum()), y, se / y if rate else se))
    return tuple(zip(*out, strict=True))


@pytest.mark.parametrize("rate", [pytest.param(False, id="life-expectancy-normal"), pytest.param(True, id="rate-log")])
def test_ohid_sii_and_rii_agree_with_geo_inequality(rate: bool) -> None:
    from geo import inequality

    values, imd, weights, lower, upper = _twenty(rate)
    found = gradient.ohid_indices(values, imd, weights, lower_ci=lower, upper_ci=upper,
                                  value_type="rate" if rate else "normal", repetitions=20_000)
    quantile, population, value, se = _by_hand(values, weights, lower, upper, rate=rate)
    expected = inequality.sii(list(quantile), list(population), list(value), se=list(se),
                              value_type="rate" if rate else "normal", repetitions=20_000, levels=(95.0, 99.8))
    assert found.sii == pytest.approx(expected.sii) and found.rii == pytest.approx(expected.rii)
    assert found.no_interval == "" and len(found.intervals) == 2
    for got, want in zip(found.intervals, expected.intervals, strict=True):
        assert (got.level, got.sii_lower, got.sii_upper, got.rii_lower, got.rii_upper) == pytest.approx(
            (want.level, want.sii_lower, want.sii_upper, want.rii_lower, want.rii_upper))
    assert found.interval(99.8) is not None and found.interval(99.8).sii_lower < found.interval(95).sii_lower
    assert found.groups["se"].to_numpy() == pytest.approx(np.array(se))
    # the same line as the older figures: the SII is the same number; the two RIIs are not
    older = gradient.inequality(values, imd, weights)
    assert found.sii == pytest.approx(older.sii)
    assert expected.rii_over_mean == pytest.approx(older.rii) and found.rii != pytest.approx(older.rii)
    assert found.rii == pytest.approx((expected.intercept + expected.sii) / expected.intercept)


def test_without_the_areas_intervals_there_is_no_simulated_interval() -> None:
    values, imd, weights, lower, upper = _twenty()
    lower.iloc[3] = np.nan
    found = gradient.ohid_indices(values, imd, weights, lower_ci=lower, upper_ci=upper)
    assert found.intervals == () and found.interval(95) is None
    assert found.no_interval.startswith("no interval: ") and "1 of 20" in found.no_interval
    assert found.limits("sii") == found.no_interval
    assert found.sii == pytest.approx(gradient.inequality(values, imd, weights).sii)


def test_the_gradient_carries_ohids_figures_and_names_the_older_rii(data_dir) -> None:
    from geo import inequality

    g = gradient.gradient("u75_cvd_prev", period="2022-24", sex="persons", vintage="2023", data_dir=data_dir)
    assert g.ohid.intervals and g.ohid.sii == pytest.approx(g.inequality.sii)
    groups = g.ohid.groups
    again = inequality.sii(groups["quantile"], groups["population"], groups["value"], se=groups["se"],
                           value_type="rate", levels=(95.0, 99.8))
    assert (g.ohid.sii, g.ohid.rii) == pytest.approx((again.sii, again.rii))
    assert g.ohid.interval(95) == again.interval(95) and g.ohid.interval(99.8) == again.interval(99.8)
    header = "\n".join(g.header())
    assert "SII (OHID's phe_sii)" in header and "99.8% CI" in header and gradient.MEAN_RII_NAME in header
    assert "phe_sii" in gradient.METHOD_NOTE and "Low & Low" in gradient.METHOD_NOTE
