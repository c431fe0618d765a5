"""Tests for geo.ingest.lsoa: LSOA 2011 and 2021 sets, their parents and the pre-2009 districts.

Expected values are computed in the tests from the raw ONS lookups and boundary files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from shapely.geometry import box

from geo._paths import DATA_DIR, RAW_DIR
from geo.errors import ValidationError
from geo.ingest._common import BuildContext
from geo.ingest.lsoa import dissolve, lsoa11_to_old_lad, read_lsoa11, read_lsoa21, simplify_lsoas
from geo.schema import BOUNDARY_COLUMNS, boundary_set

_JT = "boundaries/jtrim_ons_lookups/"
_SUFFIX = r"\s+\d{3}[A-Z]$"


def _raw_csv(relative: str) -> pd.DataFrame:
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw folder {RAW_DIR} is absent")
    return pd.read_csv(RAW_DIR / relative, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _committed(relative: str) -> Path:
    path = DATA_DIR / relative
    if not path.exists():
        pytest.skip(f"{relative} has not been built (python -m geo build)")
    return path


@pytest.fixture(scope="module")
def parents11() -> pd.DataFrame:
    return pd.read_parquet(_committed("lookups/lsoa11_parents.parquet")).set_index("area_code")


@pytest.fixture(scope="module")
def links() -> pd.DataFrame:
    """England's raw LSOA 2001 -> 2011 links with each LSOA 2001's 2006 ward."""
    l01 = _raw_csv(_JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz")
    wards = _raw_csv(_JT + "087_LSOA01_WD06_EW_LU.csv.gz")
    return l01[l01["LSOA11CD"].str.startswith("E")].merge(wards[["LSOA01CD", "WD06CD"]], on="LSOA01CD")


# --- committed files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "vintage"), [
    pytest.param("lsoa", "2011", id="lsoa-2011"),
    pytest.param("lsoa", "2021", id="lsoa-2021"),
    pytest.param("lad", "2008", id="lad-2008"),
])
def test_committed_set_has_the_expected_unique_valid_areas(level: str, vintage: str) -> None:
    bset = boundary_set(level, vintage)
    gdf = gpd.read_parquet(_committed(f"boundaries/{bset.file_name}"))
    assert tuple(gdf.columns) == BOUNDARY_COLUMNS
    assert len(gdf) == bset.count
    assert gdf["area_code"].is_unique
    assert set(gdf["level"]) == {level} and set(gdf["vintage"]) == {vintage}
    assert gdf.is_valid.all() and not gdf.is_empty.any()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.crs.to_epsg() == 4326
    assert not gdf["approximate"].any()


@pytest.mark.parametrize("vintage", [pytest.param("2011", id="2011"), pytest.param("2021", id="2021")])
def test_committed_lsoas_are_one_coverage_so_a_district_is_their_union(vintage: str) -> None:
    lsoa = gpd.read_parquet(_committed(f"boundaries/lsoa_{vintage}.parquet"), columns=["lad_code", "geometry"])
    refused = []
    for lad, part in lsoa.groupby("lad_code"):
        geoms = part.geometry.to_numpy()
        try:  # refuses edges that are not shared exactly
            union = shapely.coverage_union_all(geoms)
        except shapely.errors.GEOSException:
            refused.append(lad)
            continue
        assert union.is_valid and union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9), lad
    assert refused == []
    xy = shapely.get_coordinates(lsoa.geometry.to_numpy())
    assert (abs(xy * 1e5 - (xy * 1e5).round()) < 1e-6).all()  # on the 1e-5 degree grid


@pytest.mark.parametrize("vintage", [pytest.param("2011", id="2011"), pytest.param("2021", id="2021")])
def test_lsoas_are_sorted_by_district_in_row_groups(vintage: str) -> None:
    path = _committed(f"boundaries/lsoa_{vintage}.parquet")
    keys = pd.read_parquet(path, columns=["lad_code", "area_code"])
    assert keys.equals(keys.sort_values(["lad_code", "area_code"]).reset_index(drop=True))
    assert pq.ParquetFile(path).metadata.num_row_groups > 1
    one = keys["lad_code"].iloc[0]
    assert len(pd.read_parquet(path, columns=["area_code"], filters=[("lad_code", "==", one)])) == (keys["lad_code"] == one).sum()


@pytest.mark.parametrize(("name", "boundaries", "sets"), [
    pytest.param("lsoa11_parents", "lsoa_2011", {
        "lad_code_2008": ("lad", "2008"), "lad_code_2013": ("lad", "2013"), "lad_code_2019": ("lad", "2019"),
        "lad_code_2020": ("lad", "2020"), "lad_code_2021": ("lad", "2021"), "utla_code_2013": ("utla", "2013"),
        "utla_code_2019": ("utla", "2019"), "region_code": ("region", "2019"), "pct_code": ("pct", "2011"),
        "sha_code": ("sha", "2011")}, id="lsoa-2011"),
    pytest.param("lsoa21_parents", "lsoa_2021", {
        "lad_code_2023": ("lad", "2023"), "lad_code_2025": ("lad", "2025"), "utla_code_2023": ("utla", "2023"),
        "utla_code_2025": ("utla", "2025"), "region_code": ("region", "2019")}, id="lsoa-2021"),
])
def test_every_lsoa_has_one_parent_per_column(name: str, boundaries: str, sets: dict[str, tuple[str, str]]) -> None:
    parents = pd.read_parquet(_committed(f"lookups/{name}.parquet"))
    codes = pd.read_parquet(_committed(f"boundaries/{boundaries}.parquet"), columns=["area_code"])["area_code"]
    assert parents["area_code"].is_unique
    assert set(parents["area_code"]) == set(codes)
    assert list(parents.columns) == ["area_code", *sets]
    for col, (level, vintage) in sets.items():
        assert parents[col].notna().all(), col
        assert parents[col].nunique() == boundary_set(level, vintage).count, col


def test_lsoa_2011_parents_agree_with_the_lookup(parents11: pd.DataFrame) -> None:
    gdf = pd.read_parquet(_committed("boundaries/lsoa_2011.parquet"),
                          columns=["area_code", "lad_code", "utla_code", "region_code", "pct_code"])
    gdf = gdf.set_index("area_code")
    expected = parents11.loc[gdf.index]
    assert (gdf["lad_code"] == expected["lad_code_2013"]).all()
    assert (gdf["utla_code"] == expected["utla_code_2013"]).all()
    assert (gdf["region_code"] == expected["region_code"]).all()
    assert (gdf["pct_code"] == expected["pct_code"]).all()


# --- parents against the raw lookups -------------------------------------------------------------

Pick = Callable[[pd.DataFrame], str]


def _first_with_change(change: str) -> Pick:
    return lambda links: str(links.loc[links["CHGIND"] == change, "LSOA11CD"].iloc[0])


def _first_in_cornwall(links: pd.DataFrame) -> str:
    # Cornwall's six districts became one unitary in 2009: the old code must come from the ward.
    return str(links.loc[links["LAD11NM"] == "Cornwall", "LSOA11CD"].iloc[-1])


@pytest.mark.parametrize("pick", [
    pytest.param(_first_with_change("U"), id="unchanged"),
    pytest.param(_first_with_change("S"), id="split"),
    pytest.param(_first_with_change("M"), id="merged"),
    pytest.param(_first_with_change("X"), id="redrawn"),
    pytest.param(_first_in_cornwall, id="2009-unitary"),
])
def test_old_district_is_the_2006_ward_prefix(pick: Pick, links: pd.DataFrame, parents11: pd.DataFrame) -> None:
    lsoa11 = pick(links)
    expected = set(links.loc[links["LSOA11CD"] == lsoa11, "WD06CD"].str[:4])
    assert len(expected) == 1
    assert parents11.loc[lsoa11, "lad_code_2008"] == expected.pop()


def test_lsoas_missing_from_the_2001_lookup_take_their_districts_old_code(
    links: pd.DataFrame, parents11: pd.DataFrame
) -> None:
    lad15 = _raw_csv(_JT + "212_LSOA11_CCG15_LAD15_EN_LU.csv.gz").set_index("LSOA11CD")["LAD15CD"]
    missing = sorted(set(lad15.index) - set(links["LSOA11CD"]))
    assert missing, "the raw 2001-2011 lookup now covers every LSOA 2011"
    old = links.assign(lad=links["LSOA11CD"].map(lad15), old=links["WD06CD"].str[:4])
    for code in missing:
        olds = set(old.loc[old["lad"] == lad15[code], "old"])
        assert len(olds) == 1, code
        assert parents11.loc[code, "lad_code_2008"] == olds.pop()


def test_lsoa01_lookup_matches_the_raw_links(links: pd.DataFrame) -> None:
    lookup = pd.read_parquet(_committed("lookups/lsoa01_lsoa11.parquet"))
    assert list(lookup.columns) == ["lsoa01_code", "lsoa01_name", "lsoa11_code", "change", "lad_code_2008"]
    assert len(lookup) == len(links)
    sample = links.sample(25, random_state=1).set_index(["LSOA01CD", "LSOA11CD"])
    got = lookup.set_index(["lsoa01_code", "lsoa11_code"]).loc[sample.index]
    assert (got["change"] == sample["CHGIND"]).all()
    assert (got["lad_code_2008"] == sample["WD06CD"].str[:4]).all()


def test_2023_codes_differ_only_by_the_2025_recodings() -> None:
    changes = _raw_csv("boundaries/ons_uk_topojson/changes.csv")
    recoded = changes[(changes["type"] == "new_code") & (changes["start"] == "2025")]
    parents = pd.read_parquet(_committed("lookups/lsoa21_parents.parquet"))
    differ = parents[parents["lad_code_2023"] != parents["lad_code_2025"]]
    assert set(zip(differ["lad_code_2023"], differ["lad_code_2025"], strict=True)) == set(
        zip(recoded["oldcd"], recoded["newcd"], strict=True))


def test_old_district_names_and_regions() -> None:
    lads = gpd.read_parquet(_committed("boundaries/lad_2008.parquet")).set_index("area_code")
    wards = _raw_csv(_JT + "087_LSOA01_WD06_EW_LU.csv.gz")
    wards = wards[wards["LSOA01CD"].str.startswith("E")]
    named = wards.assign(code=wards["WD06CD"].str[:4], name=wards["LSOA01NM"].str.replace(_SUFFIX, "", regex=True))
    names = named.drop_duplicates("code").set_index("code")["name"]
    assert set(lads.index) == set(names.index)
    assert (lads["area_name"] == names.loc[lads.index]).all()
    assert (lads["area_code_old"] == lads.index).all()
    parents = pd.read_parquet(_committed("lookups/lsoa11_parents.parquet"))
    regions = parents.drop_duplicates("lad_code_2008").set_index("lad_code_2008")["region_code"]
    assert (lads["region_code"] == regions.loc[lads.index]).all()


def test_old_districts_cover_englands_lsoas() -> None:
    lsoa = gpd.read_parquet(_committed("boundaries/lsoa_2011.parquet"), columns=["geometry"]).to_crs(27700)
    lads = gpd.read_parquet(_committed("boundaries/lad_2008.parquet"), columns=["geometry"]).to_crs(27700)
    assert float(lads.area.sum()) == pytest.approx(float(lsoa.area.sum()), rel=0.005)


# --- rebuilding part of England from raw ---------------------------------------------------------


@pytest.mark.parametrize(("vintage", "lad"), [
    pytest.param("2011", "E09000001", id="2011-city-of-london"),
    pytest.param("2011", "E07000008", id="2011-cambridge"),
    pytest.param("2021", "E06000001", id="2021-hartlepool"),
])
def test_one_district_rebuilt_from_raw_matches_committed(ctx: BuildContext, vintage: str, lad: str) -> None:
    committed = gpd.read_parquet(_committed(f"boundaries/lsoa_{vintage}.parquet"),
                                 columns=["area_code", "area_name", "lad_code", "geometry"])
    mine = committed[committed["lad_code"] == lad].sort_values("area_code")
    # Cleaning and simplifying are local: rebuild with every district near this one.
    x0, y0, x1, y1 = mine.total_bounds
    near = set(committed.cx[x0 - 0.02 : x1 + 0.02, y0 - 0.02 : y1 + 0.02]["lad_code"])
    reader = read_lsoa11 if vintage == "2011" else read_lsoa21
    rebuilt = simplify_lsoas(reader(ctx, lads=near))
    rebuilt = rebuilt[rebuilt["lad_code"] == lad].sort_values("area_code")
    assert list(rebuilt["area_code"]) == list(mine["area_code"])
    assert list(rebuilt["area_name"]) == list(mine["area_name"])
    same = shapely.equals_exact(shapely.normalize(rebuilt.geometry.values), shapely.normalize(mine.geometry.values), 1e-9)
    assert same.all(), list(rebuilt.loc[~same, "area_code"])


# --- tiny fixtures -------------------------------------------------------------------------------


def _tiny_raw(root: Path, links: list[tuple[str, str]], wards: list[tuple[str, str, str]]) -> BuildContext:
    folder = root / "raw" / "boundaries" / "jtrim_ons_lookups"
    folder.mkdir(parents=True)
    pd.DataFrame(links, columns=["LSOA01CD", "LSOA11CD"]).assign(LSOA01NM="", CHGIND="U").to_csv(
        folder / "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz", index=False, compression="gzip")
    pd.DataFrame(wards, columns=["LSOA01CD", "LSOA01NM", "WD06CD"]).to_csv(
        folder / "087_LSOA01_WD06_EW_LU.csv.gz", index=False, compression="gzip")
    return BuildContext(root / "raw", root / "out", log=lambda message: None)


_WARDS = [("E01000001", "Alpha 001A", "00AAFA"), ("E01000002", "Alpha 002A", "00AAFB"),
          ("E01000003", "Beta 001A", "00ABGA")]


@pytest.mark.parametrize(("links", "lsoa11", "expected"), [
    pytest.param([("E01000001", "E01100001"), ("E01000003", "E01100003")],
                 {"E01100001": "E09000001", "E01100003": "E09000002"},
                 {"E01100001": ("00AA", "Alpha"), "E01100003": ("00AB", "Beta")}, id="one-to-one"),
    pytest.param([("E01000001", "E01100001"), ("E01000002", "E01100001")],
                 {"E01100001": "E09000001"}, {"E01100001": ("00AA", "Alpha")}, id="merged-within-a-district"),
    pytest.param([("E01000001", "E01100001")], {"E01100001": "E09000001", "E01199999": "E09000001"},
                 {"E01100001": ("00AA", "Alpha"), "E01199999": ("00AA", "Alpha")}, id="missing-from-lookup"),
])
def test_lsoa11_to_old_lad_on_tiny_lookups(
    tmp_path: Path, links: list[tuple[str, str]], lsoa11: dict[str, str], expected: dict[str, tuple[str, str]]
) -> None:
    ctx = _tiny_raw(tmp_path, links, _WARDS)
    frame = pd.DataFrame({"area_code": list(lsoa11), "lad_code": list(lsoa11.values())})
    got = lsoa11_to_old_lad(ctx, frame).set_index("area_code")
    assert {k: (row.lad_code_2008, row.lad_name_2008) for k, row in got.iterrows()} == expected


@pytest.mark.parametrize(("links", "lsoa11", "match"), [
    pytest.param([("E01000001", "E01100001"), ("E01000003", "E01100001")], {"E01100001": "E09000001"},
                 "two pre-2009 districts", id="straddles-two-districts"),
    pytest.param([("E01000001", "E01100001"), ("E01000003", "E01100003")],
                 {"E01100001": "E09000001", "E01100003": "E09000001", "E01199999": "E09000001"},
                 "span several old districts", id="missing-in-a-merged-district"),
    pytest.param([("E01000009", "E01100001")], {"E01100001": "E09000001"}, "have no 2006 ward", id="no-ward"),
])
def test_lsoa11_to_old_lad_refuses(tmp_path: Path, links: list[tuple[str, str]], lsoa11: dict[str, str], match: str) -> None:
    ctx = _tiny_raw(tmp_path, links, _WARDS)
    frame = pd.DataFrame({"area_code": list(lsoa11), "lad_code": list(lsoa11.values())})
    with pytest.raises(ValidationError, match=match):
        lsoa11_to_old_lad(ctx, frame)


def test_dissolve_unites_a_coverage_by_group() -> None:
    geoms = gpd.GeoSeries([box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)], crs=4326)
    out = dissolve(geoms, pd.Series(["b", "a", "b", "a"]))
    assert list(out.index) == ["a", "b"]
    assert out["a"].equals(box(1, 0, 2, 2)) and out["b"].equals(box(0, 0, 1, 2))
