"""Small areas across their sets, on a tiny LSOA 2011-2021 lookup: values and people carried, never divided."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.lsoa_sets import POPULATION_COLUMNS, carry_2021, changes_2011, changes_2021, people_2021

# ---------------------------------------------------------------- 2021 values on 2011 LSOAs
TINY_LOOKUP = pd.DataFrame({
    "lsoa11_code": ["U1", "S1", "S1", "M1", "M2", "X1", "X2", "X2"],
    "lsoa21_code": ["U1", "S1a", "S1b", "M12", "M12", "Xa", "Xa", "Xb"],
    "change": ["U", "S", "S", "M", "M", "X", "X", "X"],
})


@pytest.mark.parametrize(
    ("lsoa11", "expected"),
    [
        pytest.param("U1", 1.0, id="unchanged-takes-its-own-value"),
        pytest.param("S1", None, id="split-is-not-compared"),
        pytest.param("M1", 4.0, id="merged-first-takes-the-merged-value"),
        pytest.param("M2", 4.0, id="merged-second-takes-the-merged-value"),
        pytest.param("X1", None, id="complex-is-not-compared"),
        pytest.param("X2", None, id="complex-across-two-is-not-compared"),
    ],
)
def test_2021_values_reach_2011_lsoas_only_without_dividing(lsoa11: str, expected: float | None) -> None:
    values = pd.Series({"U1": 1.0, "S1a": 2.0, "S1b": 3.0, "M12": 4.0, "Xa": 5.0, "Xb": 6.0})
    carried = carry_2021(values, changes_2011(TINY_LOOKUP))
    assert (pd.isna(carried[lsoa11]) if expected is None else carried[lsoa11] == expected)


# ---------------------------------------------------------------- people on 2021 LSOAs
TINY_PEOPLE = pd.DataFrame({c: [100.0 * (k + 1), 20.0, 30.0, 40.0, 50.0, 60.0, np.nan]
                            for k, c in enumerate(POPULATION_COLUMNS)},
                           index=["U1", "S1", "M1", "M2", "X1", "X2", "P2"])
TINY_PEOPLE_LOOKUP = pd.concat([TINY_LOOKUP, pd.DataFrame({
    "lsoa11_code": ["P1", "P2"], "lsoa21_code": ["P12", "P12"], "change": ["M", "M"],
})], ignore_index=True)


@pytest.mark.parametrize(
    ("lsoa21", "expected", "note"),
    [
        pytest.param("U1", 100.0, None, id="unchanged-has-its-2011-people"),
        pytest.param("M12", 70.0, "sum of the 2 whole 2011 LSOAs merged into it (M1, M2)", id="merged-adds-its-parts"),
        pytest.param("S1a", None, "not counted: split from 2011 LSOA S1", id="split-first-not-divided"),
        pytest.param("S1b", None, "not counted: split from 2011 LSOA S1", id="split-second-not-divided"),
        pytest.param("Xa", None, "not counted: redrawn", id="redrawn-not-counted"),
        pytest.param("P12", None, "not counted: no estimate held", id="merged-with-a-part-missing-is-missing"),
    ],
)
def test_people_reach_2021_lsoas_only_without_dividing(lsoa21: str, expected: float | None, note: str | None) -> None:
    people = people_2021(TINY_PEOPLE, TINY_PEOPLE_LOOKUP)
    row = people.loc[lsoa21]
    assert (pd.isna(row["pop_total"]) if expected is None else row["pop_total"] == expected)
    assert (pd.isna(row["pop_note"]) if note is None else str(row["pop_note"]).startswith(note))


def test_people_on_2021_lsoas_carry_every_age_column() -> None:
    people = people_2021(TINY_PEOPLE, TINY_PEOPLE_LOOKUP)
    assert people.loc["U1", list(POPULATION_COLUMNS)].tolist() == [100.0, 200.0, 300.0, 400.0]
    assert set(people.index) == set(TINY_PEOPLE_LOOKUP["lsoa21_code"])


def test_a_2021_lsoa_whose_rows_disagree_is_redrawn() -> None:
    lookup = pd.DataFrame({"lsoa11_code": ["a", "b"], "lsoa21_code": ["ab", "ab"], "change": ["M", "X"]})
    assert changes_2021(lookup).loc["ab", "change"] == "X"
