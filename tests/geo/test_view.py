"""Tests for geo.view: resolving URL parameters to a view the data holds."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.catalogue import Indicator, Source
from geo.view import View, resolve

SRC = Source(publisher="ONS", dataset="test", raw_file="x.csv")
CATALOGUE = {
    "le_birth": Indicator(
        "le_birth", "Life expectancy at birth", "d", "years", "higher_is_better", "Life expectancy", SRC,
        sexes=("male", "female"), levels={"lad": ("2019", "2023")}, periods=("2001-03", "2021-23"),
    ),
    "imd2019_imd_la_avg_score": Indicator(
        "imd2019_imd_la_avg_score", "IMD 2019 average score", "d", "score", "lower_is_better", "Deprivation", SRC,
        levels={"lad": ("2019",)}, periods=("2019",),
    ),
    "hle_birth": Indicator(
        "hle_birth", "Healthy life expectancy", "d", "years", "higher_is_better", "Life expectancy", SRC,
        sexes=("male", "female"), levels={"utla": ("2023",)}, periods=("2021-23",),
    ),
}
COMBOS = {
    ("le_birth", "lad"): pd.DataFrame(
        {"vintage": ["2019", "2023", "2023"], "period": ["2001-03", "2021-23", "2021-23"],
         "sex": ["female", "female", "male"]}
    ),
    ("imd2019_imd_la_avg_score", "lad"): pd.DataFrame({"vintage": ["2019"], "period": ["2019"], "sex": ["persons"]}),
    ("hle_birth", "utla"): pd.DataFrame({"vintage": ["2023"], "period": ["2021-23"], "sex": ["female"]}),
}


def _resolve(query: dict[str, str]) -> tuple[View, list[str]]:
    return resolve(query, catalogue=CATALOGUE, combos=lambda i, lv: COMBOS[(i, lv)])


def test_empty_query_gives_the_default_view_without_notes() -> None:
    view, notes = _resolve({})
    assert view == View("lad", "2023", "le_birth", "2021-23", "female", "quantiles", None)
    assert notes == []


@pytest.mark.parametrize(
    ("method", "kept", "notes"),
    [
        pytest.param("england", "england", [], id="england-95"),
        pytest.param("england_998", "england_998", [], id="england-99-8"),
        pytest.param("england_99.8", "quantiles", ["Unknown classification 'england_99.8'; using quintiles."],
                     id="unknown-still-noted"),
    ],
)
def test_the_comparison_level_is_kept_in_the_url(method: str, kept: str, notes: list[str]) -> None:
    view, said = _resolve({"method": method})
    assert view.method == kept and said == notes
    assert view.to_query()["method"] == kept and _resolve(view.to_query()) == (view, [])


def test_round_trip() -> None:
    view, _ = _resolve({"indicator": "le_birth", "period": "2001-03", "sex": "female", "area": "E06000001"})
    again, notes = _resolve(view.to_query())
    assert again == view
    assert notes == []
    assert view.vintage == "2019"  # the only code set that period is held on


@pytest.mark.parametrize(
    ("query", "field", "expected", "note_contains"),
    [
        pytest.param({"level": "parish"}, "level", "lad", "Unknown geography", id="bad-level"),
        pytest.param({"indicator": "nope"}, "indicator_id", "le_birth", "Unknown indicator", id="bad-indicator"),
        pytest.param({"period": "1066"}, "period", "2021-23", "no period '1066' for local authority", id="bad-period"),
        pytest.param({"sex": "robot"}, "sex", "female", "no 'robot' figures", id="bad-sex"),
        pytest.param({"vintage": "1999"}, "vintage", "2023", "not '1999'", id="bad-vintage"),
        pytest.param({"method": "magic"}, "method", "quantiles", "Unknown classification", id="bad-method"),
        pytest.param(
            {"level": "utla", "indicator": "imd2019_imd_la_avg_score"}, "indicator_id", "hle_birth",
            "not held for upper-tier", id="indicator-not-at-level",
        ),
        pytest.param({"level": "pct"}, "level", "lad", "No indicator is held for primary care", id="empty-level"),
    ],
)
def test_bad_parameters_fall_back_with_a_note(
    query: dict[str, str], field: str, expected: str, note_contains: str
) -> None:
    view, notes = _resolve(query)
    assert getattr(view, field) == expected
    assert any(note_contains in n for n in notes), notes


def test_carried_parameters_are_replaced_without_a_note() -> None:
    # The user picked IMD 2019 while looking at life expectancy 2001-03, female, 2019 boundaries.
    query = {"indicator": "imd2019_imd_la_avg_score", "period": "2001-03", "sex": "female", "vintage": "2019"}
    from geo.view import carry

    view, notes = resolve(
        query, catalogue=CATALOGUE, combos=lambda i, lv: COMBOS[(i, lv)], quiet=carry(query, changed="indicator")
    )
    assert (view.period, view.sex) == ("2019", "persons")
    assert notes == []


def test_a_carried_parameter_that_is_held_is_kept() -> None:
    from geo.view import carry

    query = {"indicator": "le_birth", "period": "2001-03", "sex": "female"}
    view, _ = resolve(query, catalogue=CATALOGUE, combos=lambda i, lv: COMBOS[(i, lv)], quiet=carry(query, changed="indicator"))
    assert view.period == "2001-03"


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        pytest.param("level", {"vintage"}, id="level"),
        pytest.param("indicator", {"period", "sex", "vintage"}, id="indicator"),
        pytest.param("vintage", set(), id="vintage"),
        pytest.param("method", set(), id="method"),
    ],
)
def test_carry(changed: str, expected: set[str]) -> None:
    from geo.view import carry

    query = {"level": "lad", "indicator": "x", "period": "p", "sex": "s", "vintage": "v", "method": "m"}
    assert carry(query, changed=changed) == expected


@pytest.mark.parametrize(
    ("query", "region", "lsoa", "note"),
    [
        pytest.param({"region": "E12000002"}, "E12000002", None, None, id="region"),
        pytest.param({"region": "<b>x</b>"}, None, None, "not a region code", id="bad-region"),
        pytest.param({"area": "E06000001", "lsoa": "nope"}, None, None, "not a small-area indicator", id="bad-lsoa"),
    ],
)
def test_region_and_small_area_indicator_in_the_url(query, region, lsoa, note) -> None:
    view, notes = _resolve(query)
    assert (view.region_code, view.lsoa_indicator) == (region, lsoa)
    assert (note is None and notes == []) or any(note in n for n in notes)
    again, _ = _resolve(view.to_query())
    assert again == view


#: Life expectancy on upper tiers: 2016-18 official on 2019 codes; 2023-25 carried to 2023 codes (women only here),
#: and 2016-18 men both official (2013 codes) and carried (2023 codes).
UPPER = {
    ("le_birth", "utla"): pd.DataFrame({
        "vintage": ["2019", "2023", "2013", "2023"], "period": ["2016-18", "2023-25", "2016-18", "2016-18"],
        "sex": ["female", "female", "male", "male"], "carried": [0, 150, 0, 151],
    }),
    **COMBOS,
}
CATALOGUE_UPPER = {**CATALOGUE, "le_birth": Indicator(
    "le_birth", "Life expectancy at birth", "d", "years", "higher_is_better", "Life expectancy", SRC,
    sexes=("male", "female"), levels={"lad": ("2019", "2023"), "utla": ("2013", "2019", "2023")},
    periods=("2001-03", "2016-18", "2021-23", "2023-25"),
)}


def _switch(query: dict[str, str], level: str) -> tuple[View, list[str]]:
    """The user, looking at ``query``, picks ``level`` in the Geography box."""
    from geo.view import carry

    quiet = carry(query, changed="level")
    return resolve({**query, "level": level}, catalogue=CATALOGUE_UPPER, combos=lambda i, lv: UPPER[(i, lv)],
                   quiet=quiet)


@pytest.mark.parametrize(
    ("period", "sex", "shown", "note"),
    [
        pytest.param("2023-25", "female", ("2023-25", "female", "2023"), None, id="held: kept, boundaries follow"),
        pytest.param("2001-03", "female", ("2023-25", "female", "2023"),
                     "Life expectancy at birth has no period '2001-03' for upper-tier", id="period not held"),
        pytest.param("2023-25", "male", ("2023-25", "female", "2023"), "no 'male' figures for 2023-25",
                     id="sex not held"),
        pytest.param("2001-03", "male", ("2023-25", "female", "2023"), "no period '2001-03' with male figures",
                     id="neither held: still one line"),
    ],
)
def test_switching_geography_says_in_one_line_what_it_could_not_keep(period: str, sex: str,
                                                                      shown: tuple[str, str, str],
                                                                      note: str | None) -> None:
    view, notes = _switch({"level": "lad", "vintage": "2023", "indicator": "le_birth", "period": period, "sex": sex},
                          "utla")
    assert (view.period, view.sex, view.vintage) == shown
    assert (notes == []) if note is None else (len(notes) == 1 and note in notes[0]), notes


def test_an_official_code_set_is_preferred_over_carried_figures() -> None:
    view, notes = _switch({"level": "lad", "vintage": "2019", "indicator": "le_birth", "period": "2016-18",
                           "sex": "male"}, "utla")
    assert (view.period, view.sex, view.vintage) == ("2016-18", "male", "2013") and notes == []
    again, _ = resolve({**view.to_query(), "vintage": "2023"}, catalogue=CATALOGUE_UPPER,
                       combos=lambda i, lv: UPPER[(i, lv)])
    assert again.vintage == "2023"  # a user who picks the carried figures' code set keeps it
