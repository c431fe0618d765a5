"""Tests for geo.search."""

from __future__ import annotations

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

from geo import indicators  # noqa: E402
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
