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
