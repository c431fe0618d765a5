"""Tests for geo.search."""

from __future__ import annotations

import calendar

import pandas as pd
import pytest

from geo.search import normalise, search

AREAS = [
    ("E07000240", "St Albans"),
    ("E08000013", "St. Helens"),
    ("E09000012", "Hackney"),
    ("E06000043", "Brighton and Hove"),
    ("E08000021", "Newcastle upon Tyne"),
    ("E06000045", "Southampton"),
    ("00BN", "Manchester"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("St Albans", "St Albans", id="exact"),
        pytest.param("saint albans", "St Albans", id="saint-for-st"),
        pytest.param("st albns", "St Albans", id="typo"),
        pytest.param("Saint Helens", "St. Helens", id="saint-for-st-dot"),
        pytest.param("brighton & hove", "Brighton and Hove", id="ampersand"),
        pytest.param("Newcastle-upon-Tyne", "Newcastle upon Tyne", id="hyphens"),
        pytest.param("hackny", "Hackney", id="missing-letter"),
        pytest.param("e09000012", "Hackney", id="code-lower-case"),
        pytest.param("00bn", "Manchester", id="old-code"),
    ],
)
def test_search_finds_best_match_first(query: str, expected: str) -> None:
    assert search(query, AREAS)[0].area_name == expected


@pytest.mark.parametrize("query", ["", "   ", "zzzzqqq", "!!!"])
def test_search_returns_nothing_for_junk(query: str) -> None:
    assert search(query, AREAS) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("St. Helens & Knowsley", "st helens and knowsley"), ("Saint-Étienne", "st etienne")],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("Birmingham", ["Birmingham"], id="exact-name-alone"),
        pytest.param("Brimingham", ["Birmingham"], id="typo-alone"),
        pytest.param("newcastle", ["Newcastle upon Tyne", "Newcastle-under-Lyme"], id="prefix-both"),
    ],
)
def test_search_offers_only_plausible_matches(query: str, expected: list[str]) -> None:
    areas = [*AREAS, ("E08000025", "Birmingham"), ("E09000025", "Newham"), ("E06000041", "Wokingham"),
             ("E07000195", "Newcastle-under-Lyme")]
    assert sorted(m.area_name for m in search(query, areas)) == sorted(expected)


# --- every code set (geo.search.find_areas), on the built data --------------------------------------

from geo import boundaries, codes, indicators  # noqa: E402
from geo.catalogue import load_catalogue  # noqa: E402
from geo.search import area_choices, find_areas, opening  # noqa: E402


@pytest.mark.parametrize(
    ("query", "code", "level", "vintage", "note"),
    [
        pytest.param("Easington", "20UF", "lad", "2008", "district until March 2009, now part of County Durham E06000047",
                     id="easington-merged-2009"),
        pytest.param("easington", "20UF", "lad", "2008", "district until March 2009, now part of County Durham E06000047",
                     id="lower-case"),
        pytest.param("Wansbeck", "35UG", "lad", "2008", "district until March 2009, now part of Northumberland E06000057",
                     id="wansbeck"),
        pytest.param("Derwentside", "20UD", "lad", "2008", "district until March 2009, now part of County Durham E06000047",
                     id="derwentside"),
        pytest.param("20uf", "20UF", "lad", "2008", "district until March 2009, now part of County Durham E06000047",
                     id="old-code"),
        pytest.param("00BN", "00BN", "lad", "2008", "district code until March 2009, now E08000003",
                     id="old-code-of-a-living-district"),
        pytest.param("Allerdale", "E07000026", "lad", "2021", "district until March 2023, now part of Cumberland E06000063",
                     id="merged-2023"),
        pytest.param("Shepway", "E07000112", "lad", "2013", "district now named Folkestone and Hythe E07000112",
                     id="renamed"),
        pytest.param("Northamptonshire", "E10000021", "utla", "2019",
                     "upper-tier authority until March 2021, then split between North Northamptonshire E06000061 and "
                     "West Northamptonshire E06000062", id="county-split-2021"),
        pytest.param("Manchester", "E08000003", "lad", "2025", "district E08000003", id="current-district"),
    ],
)
def test_find_areas_finds_every_vintage_by_name(data_dir, query: str, code: str, level: str, vintage: str,
                                                note: str) -> None:
    hit = find_areas(query, data_dir=data_dir)[0]
    assert (hit.area_code, hit.level, hit.vintage, hit.note) == (code, level, vintage, note)
    assert hit.label == f"{hit.area_name} ({note})"


def test_easington_is_not_kensington(data_dir) -> None:
    """The map used to offer Kensington and Chelsea for Easington (it searched the 2025 districts only)."""
    names = [h.area_name for h in find_areas("Easington", data_dir=data_dir)]
    assert names[0] == "Easington" and "Kensington and Chelsea" not in names


@pytest.mark.parametrize(
    ("prefer", "code", "vintage"),
    [
        pytest.param(None, "E08000003", "2025", id="latest-code-set"),
        pytest.param(("lad", "2008"), "00BN", "2008", id="pre-2009-map-gets-the-old-code"),
        pytest.param(("lad", "2019"), "E08000003", "2019", id="2019-map-opens-on-2019"),
        pytest.param(("utla", "2023"), "E08000003", "2023", id="upper-tier-map-gets-its-own-set"),
    ],
)
def test_find_areas_opens_on_the_code_set_on_screen(data_dir, prefer: tuple[str, str] | None, code: str,
                                                    vintage: str) -> None:
    hits = find_areas("Manchester", prefer=prefer, data_dir=data_dir)
    assert (hits[0].area_code, hits[0].vintage) == (code, vintage)
    assert sum(h.area_name == "Manchester" for h in hits) == 1  # one hit per area


def test_small_areas_are_searched_where_asked(data_dir) -> None:
    assert find_areas("E01000001", small_areas="2011", data_dir=data_dir)[0].level == "lsoa"
    assert find_areas("E01000001", data_dir=data_dir) == []
    assert find_areas("Easington", small_areas="2011", data_dir=data_dir)[0].area_code == "20UF"


def test_area_choices_list_each_area_once_with_the_old_districts(data_dir) -> None:
    choices = area_choices(levels=("lad", "utla", "pct"), data_dir=data_dir)
    assert choices["20UF"].label == "Easington (district until March 2009, now part of County Durham E06000047)"
    assert "00BN" not in choices  # Manchester is listed under its current code
    assert choices["E06000047"].current and choices["E06000047"].level == "lad"  # a unitary once, as a district


def _combos(data_dir):
    return lambda indicator_id, level: indicators.periods(indicator_id, level=level, data_dir=data_dir)


@pytest.mark.parametrize(
    ("query", "indicator", "kept"),
    [
        pytest.param("Easington", "le_birth", False, id="old-district-gets-an-indicator-held-in-2008"),
        pytest.param("Easington", "imd2019_imd_la_avg_score", True, id="indicator-kept-where-held"),
    ],
)
def test_opening_a_hit_lands_on_its_own_code_set(data_dir, query: str, indicator: str, kept: bool) -> None:
    hit = find_areas(query, data_dir=data_dir)[0]
    catalogue = load_catalogue(data_dir)
    params = opening(hit, {"indicator": indicator, "period": "2023-25", "sex": "female"}, catalogue=catalogue,
                     combos=_combos(data_dir))
    assert (params["level"], params["vintage"], params["area"]) == (hit.level, hit.vintage, hit.area_code)
    assert (params["indicator"] == indicator) is kept
    held = indicators.periods(params["indicator"], level=hit.level, data_dir=data_dir)
    assert ((held["vintage"] == hit.vintage) & (held["period"] == params["period"]) & (held["sex"] == params["sex"])).any()


# --- postcodes typed in a search box (geo.search.find_postcode, issue 20), on the built postcode table ------------

from geo import postcodes  # noqa: E402
from geo.search import find_postcode, postcode_query  # noqa: E402


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("L1 0AA", True, id="postcode"),
        pytest.param("l10aa", True, id="lower-case-no-space"),
        pytest.param("L1  OAA", True, id="doubled-space-letter-o"),
        pytest.param("EH1 1YZ", True, id="scottish"),
        pytest.param("BF1 3AA", True, id="bfpo"),
        pytest.param("Sandwell", False, id="name-starting-like-santa"),
        pytest.param("Girton", False, id="name-starting-like-girobank"),
        pytest.param("Liverpool", False, id="name"),
        pytest.param("E08000012", False, id="district-code"),
        pytest.param("E01006515", False, id="lsoa-code"),
        pytest.param("20UF", False, id="old-district-code"),
        pytest.param("12 High Street, Liverpool L1 0AA", False, id="address"),
    ],
)
def test_postcode_query_reads_only_postcodes_as_postcodes(text: str, expected: bool) -> None:
    assert postcode_query(text) is expected


def _lsoa(postcode: str, vintage: str, data_dir) -> str:
    pc = postcodes.find(postcode, data_dir=data_dir).postcode
    assert pc is not None
    return str(pc.lsoa21_code if vintage == "2021" else pc.lsoa11_code)


@pytest.mark.parametrize("typed", ["L1 0AA", "l10aa", "L1  0AA", "L1 OAA", " l1 oaa "])
@pytest.mark.parametrize(
    ("level", "vintage", "area"),
    [
        pytest.param("lad", "2025", "E08000012", id="districts-2025"),
        pytest.param("lad", "2019", "E08000012", id="districts-2019"),
        pytest.param("lad", "2008", "00BY", id="districts-before-2009"),
        pytest.param("region", "2019", "E12000002", id="regions"),
        pytest.param("lsoa", "2011", "", id="small-areas-2011"),
        pytest.param("lsoa", "2021", "", id="small-areas-2021"),
    ],
)
def test_a_postcode_opens_the_area_holding_it_on_the_code_set_on_screen(data_dir, typed: str, level: str,
                                                                        vintage: str, area: str) -> None:
    place = find_postcode(typed, level=level, vintage=vintage, data_dir=data_dir)
    lsoa_vintage = vintage if level == "lsoa" else boundaries.lsoa_vintage_for(level, vintage)
    lsoa = _lsoa("L1 0AA", lsoa_vintage, data_dir)
    assert (place.postcode, place.status, place.level, place.vintage) == ("L1 0AA", "live", level, vintage)
    assert place.area_code == (area or lsoa)
    assert (place.lsoa_code, place.lsoa_vintage) == (lsoa, lsoa_vintage)
    other = "2011" if lsoa_vintage == "2021" else "2021"
    names, other_names = (codes.area_names("lsoa", v, data_dir=data_dir) for v in (lsoa_vintage, other))
    twin = _lsoa("L1 0AA", other, data_dir)  # its small area on the other LSOA set (a split one: another code)
    assert place.line.startswith(f"L1 0AA is in small area {names[lsoa]} ({lsoa}, LSOA {lsoa_vintage}; "
                                 f"{other_names[twin]}, {twin}, on the {other} LSOAs), ward ")
    assert place.lonlat is not None and -3.1 < place.lonlat[0] < -2.8 and 53.3 < place.lonlat[1] < 53.5
    assert "\n" not in place.line


def test_a_terminated_postcode_says_when_and_opens_where_it_was(data_dir) -> None:
    table = pd.read_parquet(data_dir / "lookups" / "postcodes.parquet", columns=["postcode", "terminated", "lsoa21cd"])
    row = table[(table["terminated"] > 0) & table["postcode"].str.startswith("L1 ") & table["lsoa21cd"].notna()].iloc[0]
    month = calendar.month_name[int(row["terminated"]) % 100]
    place = find_postcode(str(row["postcode"]).lower().replace(" ", ""), data_dir=data_dir)
    assert place.status == "terminated" and place.area_code == "E08000012"
    assert place.lsoa_code == row["lsoa21cd"]
    assert place.line.startswith(f"{row['postcode']} was terminated in {month} {int(row['terminated']) // 100}; "
                                 f"it was in small area ")


def test_a_postcode_whose_small_area_was_split_without_coordinates_still_opens_its_district(data_dir) -> None:
    """No 2021 small area is known (its 2011 one was split and it has no point): the district comes through its pieces."""
    table = pd.read_parquet(data_dir / "lookups" / "postcodes.parquet", columns=["postcode", "lsoa21_route"])
    typed = str(table.loc[table["postcode"].str.startswith("L1 ") & (table["lsoa21_route"] == 9), "postcode"].iloc[0])
    place = find_postcode(typed, level="lad", vintage="2023", data_dir=data_dir)
    assert place.area_code == "E08000012"
    assert (place.lsoa_vintage, place.lsoa_code) == ("2011", _lsoa(typed, "2011", data_dir))
    national = find_postcode(typed, level="lsoa", vintage="2021", data_dir=data_dir)
    assert (national.vintage, national.area_code) == ("2011", _lsoa(typed, "2011", data_dir))  # the 2011 map


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        pytest.param("EH1 1YZ", "elsewhere", id="scotland"),
        pytest.param("CF10 1AA", "elsewhere", id="wales"),
        pytest.param("BF1 3AA", "non-geographic", id="bfpo"),
        pytest.param("L99 9QQ", "unknown", id="unknown"),
    ],
)
def test_a_postcode_with_no_place_in_england_says_so_in_one_line(data_dir, typed: str, status: str) -> None:
    place = find_postcode(typed, data_dir=data_dir)
    assert (place.status, place.area_code, place.lonlat) == (status, None, None)
    assert place.line == postcodes.find(typed, data_dir=data_dir).message
