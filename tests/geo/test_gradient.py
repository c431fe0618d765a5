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


def test_cli_gradient(data_dir, tmp_path) -> None:
    out = tmp_path / "gradient.csv"
    assert main(["gradient", "--indicator", "le_birth", "--sex", "female", "--period", "2015-17",
                 "--vintage", "2019", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Deprivation gradient") and "SII" in text
    table = pd.read_csv(out, comment="#")
    assert {"area_code", "area_name", "value", "imd", "predicted", "residual", "verdict"} <= set(table.columns)
    # female life expectancy is lower where deprivation is higher
    result = gradient.gradient("le_birth", period="2015-17", sex="female", vintage="2019", data_dir=data_dir)
    assert result.fit.slope_upper < 0 and result.inequality.sii_lower > 0
