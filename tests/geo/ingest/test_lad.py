"""Tests for geo.ingest.lad: district, upper-tier and region layers and the code-change lookup."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.errors import DataUnavailableError
from geo.ingest import BuildContext, run
from geo.ingest.lad import FILTER_YEAR, MAX_GEOJSON_BYTES, TOPO, geojson_bytes
from geo.ingest.outlines import MAX_AREA_CHANGE, read_blocks
from geo.schema import BOUNDARY_COLUMNS, BOUNDARY_SETS, boundary_set

SETS = [
    pytest.param(b.level, b.vintage, b.count, id=f"{b.level}-{b.vintage}")
    for b in BOUNDARY_SETS
    if b.level in ("lad", "utla", "region") and b.vintage in FILTER_YEAR
]
LAYERS = [pytest.param(*p.values[:2], id=p.id) for p in SETS]
_JT = "boundaries/jtrim_ons_lookups/"


def _layer(data_dir, level: str, vintage: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet")


def _topo_codes(raw_dir, layer: str, year: int, prefixes: tuple[str, ...]) -> set[str]:
    attrs = pyogrio.read_dataframe(raw_dir / TOPO, layer=layer, read_geometry=False)
    start = attrs["start"].fillna(-np.inf) if "start" in attrs else -np.inf
    end = attrs["end"].fillna(np.inf) if "end" in attrs else np.inf
    keep = (start <= year) & (end >= year) & attrs["areacd"].str.startswith(prefixes)
    return set(attrs.loc[keep, "areacd"])


def _changes(data_dir) -> pd.DataFrame:
    return pd.read_parquet(data_dir / "lookups" / "la_code_changes.parquet")


@pytest.mark.parametrize(("level", "vintage", "count"), SETS)
def test_layer_has_the_expected_unique_valid_areas(data_dir, level: str, vintage: str, count: int) -> None:
    gdf = _layer(data_dir, level, vintage)
    assert tuple(gdf.columns) == BOUNDARY_COLUMNS
    assert len(gdf) == count and gdf["area_code"].is_unique
    assert gdf.is_valid.all() and not gdf.is_empty.any()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.crs.to_epsg() == 4326
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    assert np.allclose(xy * 1e5, np.round(xy * 1e5), atol=1e-6)  # rounded to 5 decimals


@pytest.mark.parametrize(("level", "vintage"), LAYERS)
def test_layer_is_small_enough_as_geojson(data_dir, level: str, vintage: str) -> None:
    assert geojson_bytes(_layer(data_dir, level, vintage)) < MAX_GEOJSON_BYTES


@pytest.mark.parametrize(("level", "vintage"), LAYERS)
def test_layer_has_no_gaps_or_overlaps(data_dir, level: str, vintage: str) -> None:
    gdf = _layer(data_dir, level, vintage).to_crs(27700)
    assert gdf.area.sum() == pytest.approx(gdf.union_all().area, rel=0.001)


@pytest.mark.parametrize(("level", "vintage"), LAYERS)
def test_simplification_keeps_every_area_within_the_limit(data_dir, level: str, vintage: str) -> None:
    gdf = _layer(data_dir, level, vintage)
    lsoa_vintage = "2021" if level == "region" or vintage >= "2023" else "2011"
    parents = pd.read_parquet(data_dir / "lookups" / f"lsoa{lsoa_vintage[2:]}_parents.parquet")
    column = "region_code" if level == "region" else f"{level}_code_{vintage}"
    if column not in parents:  # upper tiers of 2021: through the district
        districts = _layer(data_dir, "lad", "2021").set_index("area_code")["utla_code"]
        parents[column] = parents["lad_code_2021"].map(districts)
    lsoas = gpd.read_parquet(data_dir / "boundaries" / f"lsoa_{lsoa_vintage}.parquet", columns=["area_code", "geometry"])
    area = pd.Series(lsoas.to_crs(27700).area.to_numpy(), index=lsoas["area_code"])
    small = area.groupby(parents.set_index("area_code")[column].reindex(area.index)).sum()
    change = gdf.to_crs(27700).area.to_numpy() / small.reindex(gdf["area_code"]).to_numpy() - 1
    assert np.abs(change).max() <= MAX_AREA_CHANGE, gdf["area_code"].iloc[int(np.abs(change).argmax())]


@pytest.mark.parametrize(("lsoa_vintage", "count", "first"), [("2011", 354, "00AA"), ("2021", 296, "E06000001")])
def test_blocks_are_districts_with_their_lsoas_area(data_dir, lsoa_vintage: str, count: int, first: str) -> None:
    blocks = read_blocks(BuildContext(raw_dir=data_dir, out_dir=data_dir, log=lambda _: None), lsoa_vintage)
    assert len(blocks.simple) == count == len(blocks.area_m2) == len(blocks.district)
    assert blocks.simple.index[0] == first and blocks.district.notna().all()  # every block lies in one district
    assert blocks.area_m2.sum() == pytest.approx(130_300e6, rel=0.01)  # England as its LSOAs cover it


@pytest.mark.parametrize(("lsoa_vintage", "stages"), [("2011", "lsoa2011 lad2008"), ("2021", "lsoa2021 lad")])
def test_missing_blocks_say_which_stages_build_them(tmp_path, lsoa_vintage: str, stages: str) -> None:
    with pytest.raises(DataUnavailableError, match=stages):
        read_blocks(BuildContext(raw_dir=tmp_path, out_dir=tmp_path, log=lambda _: None), lsoa_vintage)


def _years(label: str) -> range:
    """The years a set's label claims: "2013-2018", "2021-22", "2019", "2025-" (to the TopoJSON's last year)."""
    start, dash, end = re.match(r"(\d{4})(-?)(\d{2,4})?", label).groups()
    last = int(start) if not dash else 2025 if end is None else int(end) if len(end) == 4 else int(start[:2] + end)
    return range(max(int(start), 2014), last + 1)  # the TopoJSON starts in 2014


@pytest.mark.parametrize(("level", "vintage"), [p for p in LAYERS if p.values[0] != "region"])
def test_label_claims_only_years_whose_codes_the_set_holds(raw_dir, data_dir, level: str, vintage: str) -> None:
    codes = set(_layer(data_dir, level, vintage)["area_code"])
    layer, prefixes = {"lad": ("ltla", ("E06", "E07", "E08", "E09")), "utla": ("utla", ("E06", "E08", "E09", "E10"))}[level]
    years = _years(boundary_set(level, vintage).label)
    assert len(years)
    for year in years:
        assert _topo_codes(raw_dir, layer, year, prefixes) == codes, f"{boundary_set(level, vintage).label} claims {year}"


def test_upper_tier_2019_is_before_the_buckinghamshire_unitary(data_dir) -> None:
    codes = set(_layer(data_dir, "utla", "2019")["area_code"])
    assert "E10000002" in codes and "E06000060" not in codes
    assert "2020" not in boundary_set("utla", "2019").label


@pytest.mark.parametrize(("level", "vintage"), LAYERS)
def test_codes_and_names_are_the_topojson_features_of_the_year(raw_dir, data_dir, level: str, vintage: str) -> None:
    layer, prefixes = {"lad": ("ltla", ("E06", "E07", "E08", "E09")), "utla": ("utla", ("E06", "E08", "E09", "E10")),
                       "region": ("rgn", ("E12",))}[level]
    assert set(_layer(data_dir, level, vintage)["area_code"]) == _topo_codes(raw_dir, layer, FILTER_YEAR[vintage], prefixes)


@pytest.mark.parametrize(
    ("child", "parent", "column"),
    [
        pytest.param(("lad", "2013"), ("utla", "2013"), "utla_code", id="lad2013-in-utla2013"),
        pytest.param(("lad", "2021"), ("utla", "2021"), "utla_code", id="lad2021-in-utla2021"),
        pytest.param(("lad", "2025"), ("utla", "2025"), "utla_code", id="lad2025-in-utla2025"),
        pytest.param(("lad", "2025"), ("region", "2019"), "region_code", id="lad2025-in-regions"),
        pytest.param(("utla", "2023"), ("region", "2019"), "region_code", id="utla2023-in-regions"),
    ],
)
def test_children_fill_their_parents_exactly(data_dir, child, parent, column: str) -> None:
    kids = _layer(data_dir, *child)
    parents = _layer(data_dir, *parent).set_index("area_code")
    assert set(kids[column]) == set(parents.index)
    for code, group in kids.groupby(column):
        # Sets drilled into one LSOA vintage are assembled from the same simplified blocks, so borders coincide.
        assert shapely.union_all(group.geometry.to_numpy()).symmetric_difference(parents.geometry[code]).area < 1e-9


@pytest.mark.parametrize(
    ("vintage", "lookup", "child_col", "parent_col", "column"),
    [
        pytest.param("2013", "193_LTLA18_UTLA18_EW_LU.csv", "LTLA18CD", "UTLA18CD", "utla_code", id="2013-utla-vs-193"),
        pytest.param("2019", "177_LTLA19_UTLA19_EW_LU.csv", "LTLA19CD", "UTLA19CD", "utla_code", id="2019-utla-vs-177"),
        pytest.param("2013", "016_LAD18_RGN18_EN_LU.csv", "LAD18CD", "RGN18CD", "region_code", id="2013-region-vs-016"),
    ],
)
def test_parents_agree_with_the_ons_lookup(raw_dir, data_dir, vintage, lookup, child_col, parent_col, column) -> None:
    lu = pd.read_csv(raw_dir / _JT / lookup, dtype=str).set_index(child_col)[parent_col]
    gdf = _layer(data_dir, "lad", vintage)
    assert (gdf[column] == gdf["area_code"].map(lu)).all()


def test_old_codes_of_2013_match_martinjc(raw_dir, data_dir) -> None:
    path = f"/vsigzip/{raw_dir}/boundaries/martinjc_uk_geojson/lad13_eng.topo.json.gz"
    old = pyogrio.read_dataframe(path, read_geometry=False).set_index("LAD13CD")["LAD13CDO"]
    gdf = _layer(data_dir, "lad", "2013")
    assert (gdf["area_code_old"] == gdf["area_code"].map(old)).all()
    assert _layer(data_dir, "lad", "2019")["area_code_old"].isna().all()


def test_region_layer_rebuilt_from_raw_matches_committed(raw_dir, data_dir, blocks_out) -> None:
    run(BuildContext(raw_dir=raw_dir, out_dir=blocks_out, log=lambda _: None), only=["region"])
    name = "boundaries/region_2019.parquet"
    assert_geodataframe_equal(gpd.read_parquet(blocks_out / name), gpd.read_parquet(data_dir / name))


# --- la_code_changes ------------------------------------------------------------------


def test_each_code_changes_once_with_a_known_relation(data_dir) -> None:
    changes = _changes(data_dir)
    assert list(changes.columns) == ["old_code", "old_name", "old_vintage", "new_code", "new_name", "new_vintage",
                                     "relation", "source"]
    assert changes["old_code"].is_unique and changes.notna().all().all()
    assert set(changes["relation"]) <= {"recode", "merge", "split"}
    assert (changes["old_vintage"] < changes["new_vintage"]).all()


def test_changes_link_codes_of_the_boundary_sets(data_dir) -> None:
    changes = _changes(data_dir)
    codes = {b.vintage: set(_layer(data_dir, "lad", b.vintage)["area_code"]) for b in BOUNDARY_SETS if b.level == "lad"}
    for row in changes.itertuples():
        assert row.new_code in codes[row.new_vintage] and row.old_code not in codes[row.new_vintage]
        assert row.old_code in codes.get(row.old_vintage, set()) or row.old_vintage == "2011"
    assert set(changes.loc[changes["old_vintage"] == "2008", "old_code"]) == codes["2008"]


def test_recodes_of_2012_13_predate_the_topojson(raw_dir, data_dir) -> None:
    changes = _changes(data_dir)
    early = changes[changes["old_vintage"] == "2011"]
    attrs = pyogrio.read_dataframe(raw_dir / TOPO, layer="ltla", read_geometry=False)
    assert len(early) == 6 and (early["relation"] == "recode").all()
    assert not early["old_code"].isin(attrs["areacd"]).any()
    assert early["new_code"].isin(_topo_codes(raw_dir, "ltla", 2014, ("E0",))).all()


def test_2009_changes_agree_with_the_lsoa_2011_lookup(raw_dir, data_dir) -> None:
    """An independent route: old district (2006 ward) -> 2011 GSS district (file 220) -> 2013 code."""
    w06 = pd.read_csv(raw_dir / _JT / "087_LSOA01_WD06_EW_LU.csv.gz", dtype=str, usecols=["LSOA01CD", "WD06CD"])
    l11 = pd.read_csv(raw_dir / _JT / "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz", dtype=str, usecols=["LSOA01CD", "LAD11CD"])
    pairs = w06.merge(l11, on="LSOA01CD").assign(old=lambda d: d["WD06CD"].str[:4])
    pairs = pairs[pairs["LAD11CD"].str.startswith("E")].groupby(["old", "LAD11CD"]).size().reset_index(name="n")
    majority = pairs.sort_values("n").drop_duplicates("old", keep="last").set_index("old")["LAD11CD"]
    changes = _changes(data_dir)
    recode_2013 = changes[changes["old_vintage"] == "2011"].set_index("old_code")["new_code"]
    rows = changes[changes["old_vintage"] == "2008"].set_index("old_code")
    via_220 = rows.index.map(majority).map(lambda c: recode_2013.get(c, c))
    assert (via_220 == rows["new_code"]).all()


@pytest.mark.parametrize(
    "old",
    [
        pytest.param("E07000190", id="taunton-deane-2019-not-skipping-to-2023"),
        pytest.param("E07000246", id="somerset-west-and-taunton-2023"),
        pytest.param("E08000016", id="barnsley-2025"),
        pytest.param("E07000004", id="aylesbury-vale-2020"),
    ],
)
def test_gss_changes_follow_the_raw_change_list(raw_dir, data_dir, old: str) -> None:
    raw = pd.read_csv(raw_dir / "boundaries/ons_uk_topojson/changes.csv", dtype=str, encoding="utf-8-sig")
    raw = raw.set_index("oldcd").loc[old]
    row = _changes(data_dir).set_index("old_code").loc[old]
    assert row["new_code"] == raw["newcd"] and row["new_vintage"] == raw["start"]
    assert row["relation"] == {"merger": "merge", "new_code": "recode"}[raw["type"]]


def test_gss_recodes_keep_the_same_area(raw_dir, data_dir) -> None:
    changes = _changes(data_dir)
    recodes = changes[(changes["relation"] == "recode") & (changes["old_vintage"] >= "2013")]
    assert len(recodes)
    for row in recodes.itertuples():
        old = _layer(data_dir, "lad", row.old_vintage).set_index("area_code").geometry[row.old_code]
        new = _layer(data_dir, "lad", row.new_vintage).set_index("area_code").geometry[row.new_code]
        assert old.equals(new)
