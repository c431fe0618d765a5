"""Tests for ui.national: the small-area panel's population line on 2021 LSOAs."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import indicators
from ui.national import lsoa_population


def _parts(data_dir, change: str) -> tuple[str, list[str]]:
    """A 2021 LSOA of the given change and its 2011 LSOAs, from the committed lookup."""
    lookup = pd.read_parquet(data_dir / "lookups" / "lsoa11_lsoa21.parquet")
    code = str(lookup.loc[lookup["change"] == change, "lsoa21_code"].iloc[0])
    return code, lookup.loc[lookup["lsoa21_code"] == code, "lsoa11_code"].astype(str).tolist()


@pytest.mark.parametrize("change", [pytest.param("U", id="unchanged"), pytest.param("M", id="merged")])
def test_a_2021_lsoa_carries_the_people_of_its_whole_2011_lsoas(data_dir, change: str) -> None:
    code, parts = _parts(data_dir, change)
    rows = indicators.load("pop_total", level="lsoa", vintage="2011", data_dir=data_dir)
    rows = rows[rows["period"] == rows["period"].max()]
    expected = int(rows.loc[rows["area_code"].isin(parts), "value"].sum())
    pop = lsoa_population(code, vintage="2021")
    assert pop["people"].iloc[0] == f"{expected:,}"
    assert "derived LSOA 2011-2021 lookup" in pop["note"].iloc[0]


def test_a_split_2021_lsoa_is_not_counted(data_dir) -> None:
    code, parts = _parts(data_dir, "S")
    pop = lsoa_population(code, vintage="2021")
    assert set(pop["people"]) == {"not counted"}
    assert parts[0] in pop["note"].iloc[0] and "not divided" in pop["note"].iloc[0]
