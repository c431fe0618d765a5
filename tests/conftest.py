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
