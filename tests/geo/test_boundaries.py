"""Tests for geo.boundaries and the committed boundary sets (validation of issue 'data foundation')."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import boundaries
from geo.errors import UnknownAreaCodeError, UnknownVintageError
from geo.schema import BOUNDARY_COLUMNS, BOUNDARY_SETS

SETS = [pytest.param(b.level, b.vintage, b.count, id=f"{b.level}-{b.vintage}") for b in BOUNDARY_SETS]


@pytest.mark.parametrize(("level", "vintage", "count"), SETS)
def test_each_set_has_the_expected_unique_valid_areas(data_dir, level: str, vintage: str, count: int) -> None:
    gdf = boundaries.load(level, vintage)
    assert tuple(gdf.columns) == BOUNDARY_COLUMNS
    assert len(gdf) == count
    assert gdf["area_code"].is_unique
    assert gdf.is_valid.all() and not gdf.is_empty.any()
    assert gdf.crs.to_epsg() == 4326
    assert (gdf["level"] == level).all() and (gdf["vintage"] == vintage).all()
    assert gdf["area_name"].notna().all()


@pytest.mark.parametrize(
    ("level", "vintage"),
    [("lad", "2008"), ("lad", "2013"), ("lad", "2023"), ("pct", "2011"), ("sha", "2011"), ("region", "2019")],
)
def test_england_area_matches_the_lsoas_within_one_percent(data_dir, level: str, vintage: str) -> None:
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    lsoa_area = boundaries.load("lsoa", lsoa_vintage).to_crs(27700).area.sum()
    area = boundaries.load(level, vintage).to_crs(27700).area.sum()
    assert area == pytest.approx(lsoa_area, rel=0.01)


@pytest.mark.parametrize(
    ("lsoa_vintage", "columns"),
    [
        ("2011", ["lad_code_2008", "lad_code_2013", "lad_code_2019", "lad_code_2020", "lad_code_2021", "region_code",
                  "pct_code", "sha_code"]),
        ("2021", ["lad_code_2023", "lad_code_2025", "utla_code_2023", "utla_code_2025", "region_code"]),
    ],
)
def test_every_lsoa_has_exactly_one_parent_of_each_kind(data_dir, lsoa_vintage: str, columns: list[str]) -> None:
    parents = pd.read_parquet(data_dir / "lookups" / f"lsoa{lsoa_vintage[2:]}_parents.parquet")
    lsoas = boundaries.load("lsoa", lsoa_vintage)
    assert set(parents["area_code"]) == set(lsoas["area_code"]) and parents["area_code"].is_unique
    for column in columns:
        assert parents[column].notna().all(), column


@pytest.mark.parametrize(("level", "vintage"), [("lad", "2008"), ("lad", "2013"), ("lad", "2021"), ("lad", "2023"),
                                                ("utla", "2019"), ("pct", "2011"), ("sha", "2011")])
def test_lsoa_parents_match_the_parent_boundary_set(data_dir, level: str, vintage: str) -> None:
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    codes = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage)
    assert set(codes.dropna()) == set(boundaries.load(level, vintage)["area_code"])


def test_lsoas_within_an_area(data_dir) -> None:
    lsoas = boundaries.lsoas_within("E08000025", level="lad", vintage="2023")  # Birmingham
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa21_parents.parquet")
    assert set(lsoas["area_code"]) == set(parents.loc[parents["lad_code_2023"] == "E08000025", "area_code"])
    assert (lsoas["parent_code"] == "E08000025").all()


def test_unknown_area_and_vintage_say_what_to_do(data_dir) -> None:
    with pytest.raises(UnknownAreaCodeError, match="reconcile"):
        boundaries.lsoas_within("E99999999", level="lad", vintage="2023")
    with pytest.raises(UnknownVintageError, match="available vintages"):
        boundaries.load("lad", "1999")


def test_pct_boundaries_flag_approximations(data_dir) -> None:
    pcts = boundaries.load("pct", "2011")
    approx = pcts[pcts["approximate"]]
    assert set(approx["area_name"]) >= {"Heart of Birmingham Teaching", "South Birmingham"}
    assert approx["approximate_reason"].str.len().gt(20).all()
    assert pcts["area_code_old"].str.match(r"^5[A-Z0-9]{2}$|^[A-Z0-9]{3}$").all()  # NHS organisation codes


def test_preload_fills_the_small_area_caches(data_dir) -> None:
    from geo import boundaries

    boundaries._read.cache_clear()
    boundaries._parents.cache_clear()
    boundaries.preload(data_dir=data_dir)
    assert boundaries._read.cache_info().currsize >= 2 and boundaries._parents.cache_info().currsize >= 2


@pytest.mark.parametrize(
    ("level", "vintage", "area_code"),
    [
        pytest.param("lad", "2023", "E08000025", id="birmingham-2023"),
        pytest.param("lad", "2019", "E06000052", id="cornwall-2019"),
        pytest.param("utla", "2023", "E10000017", id="lancashire-upper-tier"),
        pytest.param("pct", "2011", "E16000044", id="a-pct"),
        pytest.param("region", "2019", "E12000002", id="north-west"),
    ],
)
def test_lsoas_within_by_index_equals_filtering_every_lsoa(data_dir, level: str, vintage: str, area_code: str) -> None:
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    codes = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage)
    every = boundaries.load("lsoa", lsoa_vintage)
    expected = every[every["area_code"].isin(set(codes[codes == area_code].index))].assign(parent_code=area_code)
    got = boundaries.lsoas_within(area_code, level=level, vintage=vintage)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, expected)


def test_preload_within_reads_only_the_set_that_nests(data_dir) -> None:
    boundaries._read.cache_clear()
    boundaries._nesting.cache_clear()
    boundaries.preload(within=("lad", "2023"), data_dir=data_dir)
    assert boundaries._read.cache_info().currsize == 1  # one LSOA set, not both (90-160 MB each)
    boundaries._read("lsoa", "2021", data_dir)
    assert boundaries._read.cache_info().hits == 1 and boundaries._read.cache_info().currsize == 1
