"""Tests for geo.ingest.pct: the reviewed PCT assignment, SHAs and the dissolve.

Expected memberships are computed in the tests from the raw ONS lookups.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo._paths import DATA_DIR, RAW_DIR
from geo.errors import ValidationError
from geo.ingest._common import BuildContext
from geo.ingest.pct import (
    ASSIGNMENT,
    assign_lsoas,
    ccg_agreement,
    dissolve_coverage,
    lsoa_keys,
    read_assignment,
    sha_codes,
)
from geo.schema import BOUNDARY_COLUMNS

_JT = "boundaries/jtrim_ons_lookups/"
BIRMINGHAM = "E08000025"
BEN, HOB, SOUTH = "E16000117", "E16000073", "E16000064"
#: Birmingham East and North's wards as listed under "Areas served" at
#: https://en.wikipedia.org/wiki/Birmingham_East_and_North_Primary_Care_Trust ("Kingstanding and Oscott" = 2 wards).
BEN_WARDS = {"Acocks Green", "Bordesley Green", "Erdington", "Hodge Hill", "Kingstanding", "Oscott", "Shard End", "Sheldon",
             "South Yardley", "Stechford and Yardley North", "Stockland Green", "Sutton Four Oaks", "Sutton New Hall",
             "Sutton Trinity", "Sutton Vesey", "Tyburn", "Washwood Heath"}
HOB_WARDS = {"Aston", "Handsworth Wood", "Ladywood", "Lozells and East Handsworth", "Nechells", "Perry Barr", "Soho",
             "Sparkbrook", "Springfield"}
TAMESIDE_GLOSSOP_CCG = "E38000182"
#: The South Central SHA's upper tiers, as PROVENANCE.md (boundaries) defines them.
SOUTH_CENTRAL = {"Bracknell Forest", "West Berkshire", "Reading", "Slough", "Windsor and Maidenhead", "Wokingham",
                 "Buckinghamshire", "Milton Keynes", "Oxfordshire", "Hampshire", "Southampton", "Portsmouth", "Isle of Wight"}


def _raw_csv(relative: str) -> pd.DataFrame:
    return pd.read_csv(RAW_DIR / relative, dtype=str, keep_default_na=False)


def _raw_json(relative: str) -> dict[str, str]:
    return json.loads((RAW_DIR / "boundaries" / "postcodesio_names_codes" / relative).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def keys(ctx: BuildContext) -> pd.DataFrame:
    return lsoa_keys(ctx)


@pytest.fixture(scope="module")
def assigned(keys: pd.DataFrame) -> pd.DataFrame:
    return assign_lsoas(read_assignment(), keys)


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    """LSOA -> CCG15 -> LAD15 with the LAD's upper tier and region names, straight from the raw files."""
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw folder {RAW_DIR} is absent")
    lsoa = _raw_csv(_JT + "212_LSOA11_CCG15_LAD15_EN_LU.csv.gz")
    utla = _raw_csv(_JT + "193_LTLA18_UTLA18_EW_LU.csv")[["LTLA18CD", "UTLA18CD", "UTLA18NM"]]
    region = _raw_csv(_JT + "016_LAD18_RGN18_EN_LU.csv")[["LAD18CD", "RGN18NM"]]
    return lsoa.merge(utla, left_on="LAD15CD", right_on="LTLA18CD").merge(region, left_on="LAD15CD", right_on="LAD18CD")


# --- the committed table -------------------------------------------------------------


def test_table_lists_every_pcts_json_code_once(ctx: BuildContext) -> None:
    table = read_assignment()
    english = {c: n for c, n in _raw_json("pcts.json").items() if c.startswith(("E16", "E17"))}
    assert len(english) == 151
    assert not table["pct_code"].duplicated().any()
    assert set(table["pct_code"]) == set(english)
    assert (table["pct_name"] == table["pct_code"].map(english)).all()
    assert (table["reason"].str.len() > 20).all()


def test_every_lsoa_in_exactly_one_pct(assigned: pd.DataFrame, lookup: pd.DataFrame) -> None:
    assert not assigned["area_code"].duplicated().any()
    assert set(assigned["area_code"]) == set(lookup["LSOA11CD"])
    assert assigned["pct_code"].nunique() == 151


CASES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "Havering = one London borough": ("E16000002", lambda lu: lu["LAD15CD"] == "E09000016"),
    "City and Hackney = two boroughs": ("E16000010", lambda lu: lu["LAD15CD"].isin(["E09000001", "E09000012"])),
    "Hertfordshire = the county": ("E16000150", lambda lu: lu["UTLA18NM"] == "Hertfordshire"),
    "Tameside and Glossop = its CCG": ("E16000062", lambda lu: lu["CCG15CD"] == TAMESIDE_GLOSSOP_CCG),
    "Derbyshire County = county minus Glossop": (
        "E16000079", lambda lu: (lu["UTLA18NM"] == "Derbyshire") & (lu["CCG15CD"] != TAMESIDE_GLOSSOP_CCG)),
    "Great Yarmouth and Waveney = two districts": ("E16000126", lambda lu: lu["LAD15NM"].isin(["Great Yarmouth", "Waveney"])),
    "Norfolk = county minus Great Yarmouth": ("E16000125", lambda lu: (lu["UTLA18NM"] == "Norfolk") & (lu["LAD15NM"] != "Great Yarmouth")),
}


@pytest.fixture(scope="module")
def birmingham_wards() -> pd.Series:
    """Each Birmingham LSOA 2011's 2010 ward names (set), straight from the raw lookups 220 and 138."""
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw folder {RAW_DIR} is absent")
    links = _raw_csv(_JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz")
    wards = _raw_csv(_JT + "138_LSOA01_WD10_EW_LU.csv.gz")
    both = links[links["LAD11CD"] == BIRMINGHAM].merge(wards, on="LSOA01CD")
    return both.groupby("LSOA11CD")["WD10NM"].agg(frozenset)


@pytest.mark.parametrize(("code", "names"), [(BEN, BEN_WARDS), (HOB, HOB_WARDS)], ids=["East and North", "Heart of Birmingham"])
def test_birmingham_pct_is_its_wards(code: str, names: set[str], assigned: pd.DataFrame, birmingham_wards: pd.Series) -> None:
    assert len(set().union(*birmingham_wards)) == 40
    expected = set(birmingham_wards[birmingham_wards.map(lambda w: w <= names)].index)
    assert expected
    assert set(assigned.loc[assigned["pct_code"] == code, "area_code"]) == expected


def test_south_birmingham_is_the_other_wards(assigned: pd.DataFrame, birmingham_wards: pd.Series) -> None:
    rest = birmingham_wards.map(lambda w: not w & (BEN_WARDS | HOB_WARDS))
    assert set(assigned.loc[assigned["pct_code"] == SOUTH, "area_code"]) == set(birmingham_wards[rest].index)


#: LSOAs 2011 whose postcodes carry Heart of Birmingham Teaching in the ONS Postcode Directory, as served by
#: https://api.postcodes.io/postcodes/B94RL (139E), /B10%200JS (070E), /B67AP (033F) and
#: https://api.postcodes.io/postcodes?lat=52.48&lon=-1.9025&radius=2000 (B1 1BB, 138A).
ONSPD_HOB = {"Birmingham 139E": HOB, "Birmingham 070E": HOB, "Birmingham 033F": HOB, "Birmingham 138A": HOB}


@pytest.mark.parametrize("name", ONSPD_HOB)
def test_birmingham_lsoa_agrees_with_onspd(name: str, assigned: pd.DataFrame) -> None:
    links = _raw_csv(_JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz")
    code = links.loc[links["LSOA11NM"] == name, "LSOA11CD"].iloc[0]
    assert assigned.set_index("area_code").loc[code, "pct_code"] == ONSPD_HOB[name]


#: Published sizes of Birmingham's three PCTs, all from one source: Birmingham Health and Wellbeing Partnership
#: (Birmingham City Council and the three PCTs), "Birmingham Health And Wellbeing Partnership: an introduction",
#: slide "Birmingham - Quick facts", undated but of about 2008 (it cites the 2008-11 Local Area Agreement and
#: 2007/08 admissions), https://cdn.slideserve.com/wyman/birmingham-health-and-wellbeing-partnership-powerpoint-ppt-presentation :
#: Birmingham "1,006,500 (approx.)"; "Approx 400,000 (39.6%) within NHS Birmingham East and North",
#: "Approx 270,000 (26.9%) within Heart of Birmingham PCT", "Approx 340,000 (33.7%) within NHS South Birmingham".
PARTNERSHIP_2008 = {"East and North": (BEN, 400_000, 39.6), "Heart of Birmingham": (HOB, 270_000, 26.9),
                    "South Birmingham": (SOUTH, 340_000, 33.7)}
#: "440,000 people" for Birmingham East and North, per
#: https://en.wikipedia.org/wiki/Birmingham_East_and_North_Primary_Care_Trust (undated, PCT years 2006-13).
WIKIPEDIA_BEN = 440_000


@pytest.fixture(scope="module")
def birmingham_pct_populations(data_dir: Path) -> pd.Series:
    """Atlas population of each Birmingham PCT: LSOA mid-2015 totals (IoD2019 denominators), the held year nearest the PCTs' years."""
    pop = pd.read_parquet(data_dir / "indicators" / "population.parquet")
    pop = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    lookup = pd.read_parquet(data_dir / "lookups" / "lsoa11_pct.parquet").set_index("area_code")["pct_code"]
    totals = pop.groupby(lookup.reindex(pop.index)).sum()
    return totals[[BEN, HOB, SOUTH]]


@pytest.mark.parametrize("name", PARTNERSHIP_2008, ids=list(PARTNERSHIP_2008))
def test_birmingham_pct_share_matches_published(name: str, birmingham_pct_populations: pd.Series) -> None:
    # The atlas holds no population near 2008 (the nearest is mid-2015, when Birmingham had grown by about a tenth),
    # so each PCT's share of Birmingham is compared with its published share; that is the same as rescaling the
    # mid-2015 figure to the published city total. Within 5% of the published share.
    code, _count, percent = PARTNERSHIP_2008[name]
    share = 100 * birmingham_pct_populations[code] / birmingham_pct_populations.sum()
    assert abs(share / percent - 1) < 0.05, (name, round(share, 2))


def test_birmingham_east_and_north_matches_wikipedia(birmingham_pct_populations: pd.Series) -> None:
    # Undated figure, compared directly with the mid-2015 population: within 5%.
    assert abs(birmingham_pct_populations[BEN] / WIKIPEDIA_BEN - 1) < 0.05, birmingham_pct_populations[BEN]


def test_south_birmingham_ccg_split_matches_postcode_shares(assigned: pd.DataFrame, lookup: pd.DataFrame, data_dir: Path) -> None:
    # The PCT-to-CCG list (raw dsfood_pct_ccg) puts 62.5% of South Birmingham's postcodes in CrossCity CCG and
    # 37.4% in South and Central CCG; the ward-built area's population splits the same way within 2 points.
    pop = pd.read_parquet(data_dir / "indicators" / "population.parquet")
    pop = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    south = lookup[lookup["LSOA11CD"].isin(assigned.loc[assigned["pct_code"] == SOUTH, "area_code"])]
    share = pop.reindex(south["LSOA11CD"]).groupby(south["CCG15NM"].to_numpy()).sum()
    share = 100 * share / share.sum()
    assert share["NHS Birmingham CrossCity CCG"] == pytest.approx(62.5, abs=2)
    assert share["NHS Birmingham South and Central CCG"] == pytest.approx(37.4, abs=2)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_named_pct_matches_raw_lookup(case: str, assigned: pd.DataFrame, lookup: pd.DataFrame) -> None:
    code, select = CASES[case]
    expected = set(lookup.loc[select(lookup), "LSOA11CD"])
    assert expected
    assert set(assigned.loc[assigned["pct_code"] == code, "area_code"]) == expected


def test_only_birmingham_is_approximate(assigned: pd.DataFrame, lookup: pd.DataFrame) -> None:
    birmingham = set(lookup.loc[lookup["LAD15CD"] == BIRMINGHAM, "LSOA11CD"])
    approx = assigned[assigned["approximate"]]
    assert set(approx["area_code"]) == birmingham
    assert set(approx["pct_code"]) == {"E16000064", "E16000073", "E16000117"}
    assert approx["approximate_reason"].str.contains("ward").all()
    assert approx["approximate_reason"].str.contains("Approximate").all()
    assert assigned.loc[~assigned["approximate"], "approximate_reason"].isna().all()


SHA_CASES = {"Oxfordshire": "E16000135", "West Kent": "E16000111", "Leeds": "E16000074",
             "Tameside and Glossop": "E16000062", "Cornwall and Isles of Scilly": "E16000144", "Havering": "E16000002"}


@pytest.mark.parametrize("name", SHA_CASES)
def test_sha_from_region_and_upper_tier(name: str, ctx: BuildContext, keys: pd.DataFrame, assigned: pd.DataFrame,
                                        lookup: pd.DataFrame) -> None:
    code = SHA_CASES[name]
    members = lookup[lookup["LSOA11CD"].isin(assigned.loc[assigned["pct_code"] == code, "area_code"])]
    main: tuple[str, str] = members.groupby(["RGN18NM", "UTLA18NM"]).size().idxmax()  # type: ignore[assignment]
    region, utla = main
    expected_name = region
    if region == "South East":
        expected_name = "South Central" if utla in SOUTH_CENTRAL else "South East Coast"
    by_name = {n.lower(): c for c, n in _raw_json("nhsHa.json").items() if c.startswith("E18")}
    assert sha_codes(ctx, assigned, keys)[code] == by_name[expected_name.lower()]


# --- rules on tiny fixtures ----------------------------------------------------------


@pytest.fixture
def tiny_keys() -> pd.DataFrame:
    return pd.DataFrame({
        "area_code": ["L1", "L2", "L3", "L4"],
        "lad_code": ["A", "A", "B", "B"],
        "lad_code_2008": ["00AA", "00AB", "00AC", "00AC"],
        "ccg_code": ["C1", "C2", "C2", "C3"],
        "ward_code": ["W1", "W2", "W2", "W3"],
    })


def _table(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    # For the ward rule the fourth field holds ward codes instead of CCG codes.
    return pd.DataFrame([{"pct_code": p, "nhs_code": "X", "pct_name": p, "rule": r, "lad_codes": lads,
                          "ccg_codes": "" if r == "ward" else codes, "ward_codes": codes if r == "ward" else "",
                          "approximate": approx == "true", "reason": "because"} for p, r, lads, codes, approx in rows])


def test_ward_rule_takes_listed_wards_of_the_district(tiny_keys: pd.DataFrame) -> None:
    table = _table(("P1", "ward", "B", "W2", "true"), ("P2", "ward", "B", "W3", "true"), ("P3", "lad", "A", "", "false"))
    out = assign_lsoas(table, tiny_keys).set_index("area_code")
    assert out["pct_code"].to_dict() == {"L1": "P3", "L2": "P3", "L3": "P1", "L4": "P2"}


def test_rules_combine_as_documented(tiny_keys: pd.DataFrame) -> None:
    table = _table(("P1", "lad_and_ccg", "A", "C1", "false"), ("P2", "lad_not_ccg", "A B", "C1 C3", "true"),
                   ("P3", "ccg", "", "C3", "false"))
    out = assign_lsoas(table, tiny_keys).set_index("area_code")
    assert out["pct_code"].to_dict() == {"L1": "P1", "L2": "P2", "L3": "P2", "L4": "P3"}
    assert out["approximate"].tolist() == [False, True, True, False]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((("P1", "lad", "A B", "", "false"), ("P2", "ccg", "", "C3", "false")), "both claim"),
        ((("P1", "lad", "A", "", "false"),), "in no PCT"),
        ((("P1", "lad", "A B Z", "", "false"),), "not in the LSOA 2011 lookups"),
        ((("P1", "lad2008", "00AA 00AB 00AC", "", "false"), ("P2", "ccg", "", "C9", "false")), "not in the LSOA 2011 lookups"),
        ((("P1", "lad", "A B", "", "false"), ("P2", "lad_and_ccg", "A", "C3", "false")), "no LSOA"),
        ((("P1", "lad", "A", "", "false"), ("P2", "ward", "B", "W3 W9", "true")), "not in the LSOA 2011 lookups"),
    ],
    ids=["overlap", "gap", "unknown district", "unknown CCG", "empty PCT", "unknown ward"],
)
def test_bad_assignment_raises(rows: tuple[tuple[str, str, str, str, str], ...], message: str, tiny_keys: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match=message):
        assign_lsoas(_table(*rows), tiny_keys)


def test_read_assignment_rejects_ward_codes_on_other_rules(tmp_path: Path) -> None:
    table = pd.read_csv(ASSIGNMENT, dtype=str, keep_default_na=False).head(2)
    table.loc[0, "ward_codes"] = "E05001178"
    table.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValidationError, match="ward codes"):
        read_assignment(tmp_path / "bad.csv")


def test_read_assignment_rejects_unknown_rule(tmp_path: Path) -> None:
    table = pd.read_csv(ASSIGNMENT, dtype=str, keep_default_na=False).head(2)
    table.loc[0, "rule"] = "postcode"
    table.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValidationError, match="unknown rules"):
        read_assignment(tmp_path / "bad.csv")


def test_ccg_agreement_reports_missing_and_extra(tiny_keys: pd.DataFrame) -> None:
    assigned = pd.DataFrame({"area_code": ["L1", "L2", "L3", "L4"], "pct_code": ["P1", "P1", "P2", "P2"]})
    shares = pd.DataFrame({"pct_code": ["P1", "P1", "P2"], "ccg_code": ["C1", "C9", "C3"], "share": [80.0, 20.0, 100.0]})
    out = ccg_agreement(assigned, tiny_keys, shares).set_index("pct_code")
    assert out.loc["P1", "agreed"] == 80.0
    assert "C9" in str(out.loc["P1", "missing"]) and "C2 (1 LSOAs)" in str(out.loc["P1", "extra"])
    assert out.loc["P2", "agreed"] == 100.0


def test_dissolve_closes_slivers_and_keeps_groups() -> None:
    # Two pairs of unit squares a hair apart, closed off by strips above and below:
    # the enclosed sliver between the pairs must go to a neighbour.
    geoms = gpd.GeoSeries([box(0, 0, 1, 1), box(0, 1, 1, 2), box(1.0002, 0, 2, 1), box(1.0002, 1, 2, 2),
                           box(0, 2, 2, 3), box(0, -1, 2, 0)], crs=4326)
    out = dissolve_coverage(geoms, pd.Series(["W", "W", "E", "E", "N", "S"]), gap_width=0.001)
    assert list(out.index) == ["E", "N", "S", "W"]
    assert all(g.geom_type == "Polygon" for g in out)
    assert shapely.coverage_is_valid(out.values)
    assert shapely.union_all(out.values).area == pytest.approx(8.0)
    assert shapely.get_num_interior_rings(shapely.union_all(out.values)) == 0


# --- built outputs -------------------------------------------------------------------


@pytest.mark.parametrize(("level", "count"), [("pct", 151), ("sha", 10)])
def test_built_layer(level: str, count: int) -> None:
    path = DATA_DIR / "boundaries" / f"{level}_2011.parquet"
    if not path.exists():
        pytest.skip(f"{path} not built")
    gdf = gpd.read_parquet(path)
    assert tuple(gdf.columns) == BOUNDARY_COLUMNS
    assert len(gdf) == count and gdf["area_code"].is_unique
    assert gdf.is_valid.all() and not gdf.is_empty.any()
    if level == "pct":
        table = read_assignment().set_index("pct_code")
        assert (gdf["area_code_old"] == gdf["area_code"].map(table["nhs_code"])).all()
        havering = gdf.set_index("area_code").loc["E16000002"]
        assert (havering["lad_code"], havering["utla_code"]) == ("E09000016", "E09000016")
        assert gdf.loc[gdf["approximate"], "area_code"].tolist() == ["E16000064", "E16000073", "E16000117"]
