"""Tests for geo.boundaries and the committed boundary sets (validation of issue 'data foundation')."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

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


# --- outlines: a drilled area is exactly the union of its small areas ----------------------------

_LEFT, _RIGHT = "E09000001", "E09000002"
_S = 0.01  # a square small area about 1 km across


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """Four square small areas in two districts, whose own (simplified) file is coarse: its border is off."""
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "lookups").mkdir()
    squares = [box(0, 0, _S, _S), box(0, _S, _S, 2 * _S), box(_S, 0, 2 * _S, _S), box(_S, _S, 2 * _S, 2 * _S)]
    codes = ["E01000001", "E01000002", "E01000003", "E01000004"]
    gpd.GeoDataFrame({"area_code": codes, "area_name": codes}, geometry=squares, crs=4326).to_parquet(
        tmp_path / "boundaries" / "lsoa_2021.parquet")
    pd.DataFrame({"area_code": codes, "lad_code_2023": [_LEFT, _LEFT, _RIGHT, _RIGHT]}).to_parquet(
        tmp_path / "lookups" / "lsoa21_parents.parquet")
    coarse = [box(0, 0, 1.3 * _S, 2 * _S), box(1.3 * _S, 0, 2.2 * _S, 2 * _S)]  # the border and the right edge are off
    gpd.GeoDataFrame({"area_code": [_LEFT, _RIGHT], "area_name": ["Left", "Right"]}, geometry=coarse, crs=4326).to_parquet(
        tmp_path / "boundaries" / "lad_2023.parquet")
    return tmp_path


def test_outline_is_exactly_the_union_of_its_small_areas(tiny_dir: Path) -> None:
    left = boundaries.outline(_LEFT, level="lad", vintage="2023", data_dir=tiny_dir)
    assert left.normalize().equals(box(0, 0, _S, 2 * _S).normalize())
    right = boundaries.outlines("lad", "2023", codes=[_RIGHT], data_dir=tiny_dir)
    assert list(right.index) == [_RIGHT] and right.iloc[0].normalize().equals(box(_S, 0, 2 * _S, 2 * _S).normalize())
    assert not boundaries.load("lad", "2023", data_dir=tiny_dir).geometry.iloc[0].equals(left)  # the file's own is coarse


def test_with_outlines_draws_the_drilled_area_and_its_surroundings_by_their_small_areas(tiny_dir: Path) -> None:
    coarse = boundaries.load("lad", "2023", data_dir=tiny_dir)
    drilled = boundaries.with_outlines(coarse, level="lad", vintage="2023", focus=_LEFT, band=0.5 * _S, data_dir=tiny_dir)
    left, right = drilled.geometry
    assert left.normalize().equals(box(0, 0, _S, 2 * _S).normalize())  # the drilled area: its small areas
    # its neighbour: its own small areas within the band (so the two meet exactly), its simplified polygon beyond
    assert right.symmetric_difference(box(_S, 0, 2.2 * _S, 2 * _S)).area < 1e-12
    assert shapely.coverage_is_valid(drilled.geometry.to_numpy())
    assert coarse.geometry.iloc[0].equals(box(0, 0, 1.3 * _S, 2 * _S))  # the input is not changed


def test_outline_of_an_unknown_area_says_what_to_do(tiny_dir: Path) -> None:
    with pytest.raises(UnknownAreaCodeError, match="reconcile"):
        boundaries.outline("E09000099", level="lad", vintage="2023", data_dir=tiny_dir)


def _lsoas_and_outlines(level: str, vintage: str) -> tuple[gpd.GeoDataFrame, gpd.GeoSeries]:
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    lsoas = boundaries.load("lsoa", lsoa_vintage)
    lsoas["parent"] = lsoas["area_code"].map(boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage))
    codes = boundaries.load(level, vintage)["area_code"]
    return lsoas, boundaries.outlines(level, vintage, codes=codes)


def test_every_2021_lsoa_lies_within_its_2023_district_outline(data_dir) -> None:
    lsoas, outlines = _lsoas_and_outlines("lad", "2023")
    outside = shapely.area(shapely.difference(lsoas.geometry.to_numpy(), outlines.reindex(lsoas["parent"]).to_numpy()))
    assert outside.max() < 1e-12  # degrees squared: nothing, not a square metre
    # and nothing else: each outline is its small areas, no more
    per_district = pd.Series(shapely.area(lsoas.geometry.to_numpy()), index=lsoas["parent"]).groupby(level=0).sum()
    assert np.allclose(shapely.area(outlines.to_numpy()), per_district.reindex(outlines.index).to_numpy(), rtol=1e-9)


@pytest.mark.parametrize(("level", "vintage"), [("lad", "2023"), ("lad", "2013"), ("lad", "2008")])
def test_tower_hamlets_outline_holds_all_its_lsoas_isle_of_dogs_too(data_dir, level: str, vintage: str) -> None:
    code = "00BG" if vintage == "2008" else "E09000030"
    lsoas, outlines = _lsoas_and_outlines(level, vintage)
    mine = lsoas[lsoas["parent"] == code]
    assert len(mine) > 100
    assert shapely.covers(outlines[code], mine.geometry.to_numpy()).all()
    cubitt_town = shapely.Point(-0.0065, 51.4933)  # on the Isle of Dogs, once drawn outside the borough
    assert outlines[code].contains(cubitt_town) and mine.geometry.contains(cubitt_town).any()


def test_isles_of_scilly_outline_has_its_lsoas_area(data_dir) -> None:
    lsoas, outlines = _lsoas_and_outlines("lad", "2023")
    scilly = lsoas.loc[lsoas["parent"] == "E06000053"].to_crs(27700).area.sum()
    assert gpd.GeoSeries([outlines["E06000053"]], crs=4326).to_crs(27700).area.iloc[0] == pytest.approx(scilly, rel=1e-9)
    national = boundaries.load("lad", "2023").set_index("area_code").to_crs(27700).area["E06000053"]
    assert national == pytest.approx(scilly, rel=0.02)  # the national map's simplified polygon, too


@pytest.mark.parametrize(("level", "vintage"), [(b.level, b.vintage) for b in BOUNDARY_SETS
                                                if b.level in ("lad", "utla", "region")])
def test_every_national_outline_keeps_its_small_areas_area(data_dir, level: str, vintage: str) -> None:
    national = boundaries.load(level, vintage).set_index("area_code").to_crs(27700).area
    exact = gpd.GeoSeries(boundaries.outlines(level, vintage, codes=national.index).to_numpy(), crs=4326)
    change = national.to_numpy() / exact.to_crs(27700).area.to_numpy() - 1
    assert np.abs(change).max() <= 0.02, national.index[int(np.abs(change).argmax())]
