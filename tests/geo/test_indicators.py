"""Tests for geo.indicators and the committed indicator table and catalogue."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo import indicators
from geo.catalogue import load_catalogue
from geo.errors import DataUnavailableError, UnknownIndicatorError
from geo.schema import INDICATOR_COLUMNS


def test_join_reports_codes_it_could_not_match() -> None:
    gdf = gpd.GeoDataFrame({"area_code": ["A", "B"], "area_name": ["a", "b"]},
                           geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    values = pd.DataFrame({"area_code": ["A", "Z"], "value": [1.0, 2.0], "status": ["ok", "ok"]})
    joined, report = indicators.join(gdf, values)
    assert report.values_without_area == ("Z",) and report.areas_without_value == ("B",)
    assert joined.set_index("area_code").loc["B", "status"] == "missing"
    assert "1 code(s) in the data have no boundary" in report.describe()


def test_load_narrows_and_explains_what_is_held(data_dir) -> None:
    rows = indicators.load("le_birth", level="lad", vintage="2023", period="2023-25", sex="female")
    assert len(rows) == 296 and rows["area_code"].is_unique
    with pytest.raises(DataUnavailableError, match="available: "):
        indicators.load("le_birth", level="lad", period="1850-52")
    with pytest.raises(UnknownIndicatorError, match="Did you mean"):
        indicators.load("le_brith", level="lad")


def test_every_file_has_the_contract_columns_and_one_row_per_key(data_dir) -> None:
    for path in sorted((data_dir / "indicators").glob("*.parquet")):
        df = pd.read_parquet(path)
        assert tuple(df.columns) == INDICATOR_COLUMNS, path.name
        key = ["indicator_id", "area_code", "level", "vintage", "period", "sex"]
        assert not df.duplicated(key).any(), path.name
        assert set(df["status"]) <= {"ok", "suppressed", "missing"}
        assert not ((df["status"] == "ok") & df["value"].isna()).any()


def test_catalogue_matches_the_data(data_dir) -> None:
    catalogue = load_catalogue(data_dir)
    ids = set()
    for path in (data_dir / "indicators").glob("*.parquet"):
        ids |= set(pd.read_parquet(path, columns=["indicator_id"])["indicator_id"])
    assert ids == set(catalogue)
    for ind in catalogue.values():
        assert ind.source.licence and ind.source.raw_file and ind.levels and ind.periods
        if ind.derived:
            assert ind.method, ind.indicator_id


def test_unmatched_codes_are_only_the_documented_combined_codes(data_dir) -> None:
    report = pd.read_csv(data_dir / "reports" / "unmatched_codes.csv")
    assert set(report["area_code"]) <= {"E67000001", "E67000002"}


def test_sources_file_names_every_indicator_and_the_licence(data_dir) -> None:
    text = (data_dir / "SOURCES.md").read_text(encoding="utf-8")
    assert "Open Government Licence" in text and "Crown copyright" in text
    assert all(f"`{i}`" in text for i in load_catalogue(data_dir))


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"value": [1.0] * rows})


