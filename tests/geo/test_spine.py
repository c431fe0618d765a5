"""geo.spine: each row's spread (worst, quartiles, best) by polarity, its comparison, and the whole spine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import profile, spine
from geo.catalogue import Indicator, Source

AREAS = [f"E0600000{i}" for i in range(1, 10)]
VALUES = [70.0, 72.0, 74.0, 76.0, 78.0, 80.0, 82.0, 84.0, 86.0]


def _indicator(polarity: str) -> Indicator:
    return Indicator("x_test", "Test <b>indicator</b>", "d", "years", polarity, "Life expectancy",  # type: ignore[arg-type]
                     Source("ONS", "test", "x.csv"), sexes=("female",), levels={"lad": ("2023",)})


def _rows(*, lower: list[float | None] | None = None, upper: list[float | None] | None = None,
          status: list[str] | None = None) -> pd.DataFrame:
    n = len(AREAS)
    return pd.DataFrame({
        "indicator_id": "x_test", "area_code": AREAS, "level": "lad", "vintage": "2023", "period": "2023-25",
        "sex": "female", "value": VALUES, "lower_ci": lower or [None] * n, "upper_ci": upper or [None] * n,
        "count": np.nan, "denominator": np.nan, "status": status or ["ok"] * n, "note": None,
    })


def _england(value: float | None) -> pd.DataFrame:
    if value is None:
        return _rows().iloc[0:0]
    return pd.DataFrame({"indicator_id": ["x_test"], "area_code": ["E92000001"], "level": ["england"],
                         "vintage": ["2023"], "period": ["2023-25"], "sex": ["female"], "value": [value],
                         "lower_ci": [None], "upper_ci": [None], "status": ["ok"], "note": [None]})


@pytest.mark.parametrize(
    ("polarity", "ends"),
    [
        pytest.param("higher_is_better", (70.0, 74.0, 82.0, 86.0), id="higher-is-better"),
        pytest.param("lower_is_better", (86.0, 82.0, 74.0, 70.0), id="lower-is-better"),
        pytest.param("none", (70.0, 74.0, 82.0, 86.0), id="no-polarity"),
    ],
)
def test_worst_quartiles_and_best_follow_the_polarity(polarity: str, ends: tuple[float, ...]) -> None:
    # R's quantile(type 7) of 70..86 in steps of 2: 25th percentile 74, 75th 82
    row = spine.vertebra(_indicator(polarity), "female", AREAS[0], _rows(), england=_england(78.0))
    assert row is not None
    assert (row.worst, row.q25, row.q75, row.best) == pytest.approx(ends)
    assert np.percentile(VALUES, [25, 75]) == pytest.approx(sorted(ends[1:3]))
    assert row.areas == len(AREAS) and row.england == 78.0
    assert row.ends == (("lowest", "highest") if polarity == "none" else ("worst", "best"))
    # the scale is centred on England: England sits in the middle, the worst end on the left
    assert row.position(78.0) == pytest.approx(0.5)
    assert row.position(row.worst) == pytest.approx(0.0)
    assert row.position(row.best) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("area", "lower", "upper", "england", "word"),
    [
        pytest.param(0, 69.0, 71.0, 78.0, "worse", id="interval-below-england"),
        pytest.param(8, 85.0, 87.0, 78.0, "better", id="interval-above-england"),
        pytest.param(4, 77.0, 79.0, 78.0, "similar", id="interval-includes-england"),
        pytest.param(0, None, None, 78.0, "not compared", id="no-interval"),
        pytest.param(0, 69.0, 71.0, None, "not compared", id="no-england-value"),
    ],
)
def test_the_marker_word_is_the_comparison(area: int, lower: float | None, upper: float | None,
                                           england: float | None, word: str) -> None:
    lo: list[float | None] = [None] * len(AREAS)
    hi: list[float | None] = [None] * len(AREAS)
    lo[area], hi[area] = lower, upper
    row = spine.vertebra(_indicator("higher_is_better"), "female", AREAS[area], _rows(lower=lo, upper=hi),
                         england=_england(england))
    assert row is not None and row.word == word


def test_a_suppressed_area_has_no_value_and_is_not_in_the_spread() -> None:
    status = ["suppressed"] + ["ok"] * (len(AREAS) - 1)
    row = spine.vertebra(_indicator("higher_is_better"), "female", AREAS[0], _rows(status=status),
                         england=_england(78.0))
    assert row is not None and row.value is None and row.status == "suppressed"
    assert row.areas == len(AREAS) - 1 and row.worst == 72.0
    assert spine.vertebra(_indicator("higher_is_better"), "male", AREAS[0], _rows(), england=_england(78.0)) is None


def test_without_england_the_scale_runs_from_worst_to_best() -> None:
    row = spine.vertebra(_indicator("lower_is_better"), "female", AREAS[0], _rows(), england=_england(None))
    assert row is not None and row.scale() == (86.0, 70.0)
    assert row.position(70.0) == pytest.approx(1.0)


def test_liverpool_spine_agrees_with_the_panel(data_dir) -> None:
    """Every row's value, period, England value and verdict are the panel's (geo.profile.headline)."""
    found = spine.spine("E08000012", area_name="Liverpool", level="lad", vintage="2023", data_dir=data_dir)
    assert len(found.rows) >= 10
    ids = [r.indicator.indicator_id for r in found.rows]
    assert "le_birth" in ids and "fuel_poverty" in ids
    assert not any(i.startswith("imd2019_imd_la") for i in ids)  # the 2025 edition of the IMD is kept instead
    assert any(i.startswith("imd2025_imd_la") for i in ids)
    assert all(r.indicator.value_type not in ("rank", "decile", "count") for r in found.rows)
    for r in found.rows:
        h = profile.headline(r.indicator.indicator_id, r.sex, "E08000012", level="lad", data_dir=data_dir)
        assert h is not None
        assert (r.period, r.vintage, r.value, r.england, r.versus.verdict) == (
            h.period, h.vintage, h.value if h.status == "ok" else None, h.england, h.versus.verdict)
        assert r.worst <= r.q25 <= r.q75 <= r.best or r.worst >= r.q25 >= r.q75 >= r.best
