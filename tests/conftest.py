"""Shared fixtures: where the committed data and the raw files are; tiny in-memory areas."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo._paths import DATA_DIR, RAW_DIR
from geo.catalogue import Indicator, Source


@pytest.fixture(scope="session")
def data_dir():
    if not (DATA_DIR / "catalogue.json").exists():
        pytest.skip("data/ has not been built (python -m geo build)")
    return DATA_DIR


@pytest.fixture(scope="session")
def raw_dir():
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw public files not found at {RAW_DIR}")
    return RAW_DIR


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Four unit squares, one named to try HTML injection, one suppressed, one missing."""
    return gpd.GeoDataFrame(
        {
            "area_code": ["E00000001", "E00000002", "E00000003", "E00000004"],
            "area_name": ["<script>alert(1)</script> & Co", "Bee", "Sea", "Dee"],
            "value": [70.5, 80.25, None, None],
            "lower_ci": [70.0, 79.0, None, None],
            "upper_ci": [71.0, 81.5, None, None],
            "status": ["ok", "ok", "suppressed", "missing"],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)],
        crs=4326,
    )


@pytest.fixture
def indicator() -> Indicator:
    return Indicator(
        "le_test", "Life expectancy <test>", "d", "years", "higher_is_better", "Life expectancy",
        Source("ONS", "test", "x.csv"), sexes=("female",),
    )


#: England's value for :func:`compared_998`.
ENGLAND_998 = 80.0


@pytest.fixture
def compared_998() -> gpd.GeoDataFrame:
    """Six squares compared with England (80.0, higher is better) at 95% and at 99.8%, worked by hand.

    Symmetric published 95% limits give 99.8% ones of value +/- 3.0902 SE, SE = half-width / 1.96,
    rounded to 1 d.p. (geo.row_intervals): "ayton" 79.2 (78.6-79.8) is worse at 95% but its 99.8%
    interval 78.3-80.1 holds 80.0, so similar; "bee" 77.0 (99.8%: 76.2-77.8) worse at both; "sea" 82.0
    (81.2-82.8) better at both; "dee" 80.5 (79.6-81.4) similar at both; "eee" 79.0 has an asymmetric
    published 95% interval (78.0-79.5) and no count, so no 99.8% one: worse at 95%, not compared at 99.8%;
    "eff" is suppressed.
    """
    return gpd.GeoDataFrame(
        {
            "area_code": [f"E0900000{i}" for i in range(1, 7)],
            "area_name": ["Ayton", "Bee", "Sea", "Dee", "Eee", "Eff"],
            "value": [79.2, 77.0, 82.0, 80.5, 79.0, None],
            "lower_ci": [78.6, 76.5, 81.5, 79.9, 78.0, None],
            "upper_ci": [79.8, 77.5, 82.5, 81.1, 79.5, None],
            "status": ["ok", "ok", "ok", "ok", "ok", "suppressed"],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(6)],
        crs=4326,
    )


#: :func:`compared_998`'s areas against England at each level, by hand (see its docstring).
BY_HAND_998 = {
    95.0: ["worse", "worse", "better", "similar", "worse", "missing"],
    99.8: ["similar", "worse", "better", "similar", "not compared", "missing"],
}
