"""Best-fit wards: each LSOA in the ward holding most of its postcodes; shares; the ward view of a district."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geo import boundaries, indicators, wards
from geo._paths import DATA_DIR
from geo.postcodes import ATTRIBUTION

pytestmark = pytest.mark.skipif(not (DATA_DIR / "lookups" / "postcodes.parquet").exists(),
                                reason="postcode table not built")


def test_best_fit_is_the_ward_holding_most_postcodes() -> None:
    pairs = wards._pairs("2021", DATA_DIR)
    fit = wards.best_fit("2021")
    sample = pairs[pairs["area_code"].isin(fit.index[:200])]
    top = sample.sort_values(["area_code", "postcodes", "ward_code"], ascending=[True, False, True]).drop_duplicates("area_code")
    assert (fit.loc[top["area_code"], "ward_code"].to_numpy() == top["ward_code"].to_numpy()).all()
    shares = top.set_index("area_code")["postcodes"] / sample.groupby("area_code")["postcodes"].sum()
    assert fit.loc[shares.index, "ward_share"].to_numpy() == pytest.approx(shares.to_numpy())


def test_capture_shares_are_shares() -> None:
    cap = wards.capture("2021")
    assert ((cap["capture_share"] >= 0) & (cap["capture_share"] <= 1)).all()
    assert (cap["captured"] <= cap["postcodes"]).all()


@pytest.mark.parametrize(("area_code", "ward_name"), [("E08000012", "Anfield"), ("E09000030", "Bow East")],
                         ids=["liverpool", "tower-hamlets"])
def test_ward_view_of_a_district(area_code: str, ward_name: str) -> None:
    values = indicators.load("imd2025_imd_score", level="lsoa", vintage="2021").set_index("area_code")["value"]
    view = wards.ward_view(area_code, values, level="lad", vintage="2023")
    assert ward_name in set(view["area_name"])
    assert (view["note"] == wards.LABEL).all()
    row = view[view["area_name"] == ward_name].iloc[0]
    members = row["lsoa_codes"].split(", ")
    assert len(members) == row["lsoas"] and min(values.reindex(members)) <= row["value"] <= max(values.reindex(members))
    assert view["lsoas"].sum() + view.attrs["unassigned_lsoas"] == len(
        indicators.load("imd2025_imd_score", level="lsoa", vintage="2021").pipe(lambda d: d[d["area_code"].isin(
            wards.boundaries.lsoas_within(area_code, level="lad", vintage="2023")["area_code"])]))


def test_district_capture_is_reported_for_every_district() -> None:
    shares = wards.district_capture()
    assert len(shares) == 296 and shares.between(0.5, 1).all()
    assert isinstance(shares, pd.Series)


LIVERPOOL = "E08000012"
#: A 2023 district on 2021 LSOAs and a 2019 district on 2011 LSOAs, each with an indicator held on its LSOAs.
DISTRICTS = {
    "2023-district-2021-lsoas": ("2023", "imd2025_imd_score", "2021"),
    "2019-district-2011-lsoas": ("2019", "imd2019_imd_score", "2011"),
}


@pytest.mark.parametrize(("vintage", "indicator_id", "lsoa_vintage"), list(DISTRICTS.values()), ids=list(DISTRICTS))
def test_every_small_area_of_the_district_is_in_one_drawn_ward(vintage: str, indicator_id: str, lsoa_vintage: str) -> None:
    values = indicators.load(indicator_id, level="lsoa", vintage=lsoa_vintage).set_index("area_code")["value"]
    view = wards.ward_view(LIVERPOOL, values, level="lad", vintage=vintage)
    inside = set(boundaries.lsoas_within(LIVERPOOL, level="lad", vintage=vintage)["area_code"])
    members = [c for codes in view["lsoa_codes"] for c in codes.split(", ")]
    assert sorted(members) == sorted(inside) and view.attrs["unassigned_lsoas"] == 0
    fit = wards.best_fit(lsoa_vintage)
    for _, row in view.iterrows():  # each member's best-fit ward is the ward it is drawn in
        assert set(fit.loc[row["lsoa_codes"].split(", "), "ward_code"]) == {row["area_code"]}
    assert view["area_code"].str.startswith("E05").all() and view.geometry.is_valid.all()
    assert set(view["basis"]) <= {"weighted", "mean"}


def test_a_count_is_summed_and_missing_when_one_small_area_is() -> None:
    inside = boundaries.lsoas_within(LIVERPOOL, level="lad", vintage="2019")["area_code"]
    people = pd.Series(np.arange(1.0, len(inside) + 1), index=inside.to_numpy())
    view = wards.ward_view(LIVERPOOL, people, level="lad", vintage="2019", value_type="count")
    for _, row in view.iterrows():
        assert row["value"] == people.reindex(row["lsoa_codes"].split(", ")).sum() and row["basis"] == "sum"
    gap = view.iloc[0]["lsoa_codes"].split(", ")[0]
    holed = wards.ward_view(LIVERPOOL, people.drop(gap), level="lad", vintage="2019", value_type="count")
    assert np.isnan(holed.iloc[0]["value"]) and holed.iloc[0]["areas_used"] == view.iloc[0]["lsoas"] - 1
    assert (holed.iloc[1:]["value"].to_numpy() == view.iloc[1:]["value"].to_numpy()).all()


def test_wards_holding_no_small_areas_majority_are_named_not_drawn() -> None:
    values = indicators.load("imd2025_imd_score", level="lsoa", vintage="2021").set_index("area_code")["value"]
    city = wards.ward_view("E09000001", values, level="lad", vintage="2023")  # 25 wards, 6 small areas
    not_drawn = city.attrs["wards_not_drawn"]
    assert len(city) + len(not_drawn) == 25 and not set(not_drawn) & set(city["area_code"])
    names = pd.read_parquet(DATA_DIR / "lookups" / "wards.parquet").set_index("ward_code")["ward_name"]
    assert city.attrs["wards_not_drawn_names"] == sorted(names[not_drawn])
    assert "Portsoken" in city.attrs["wards_not_drawn_names"]
    # A neighbour's ward with a few postcodes in the City's small areas is not one of the City's wards.
    pairs = wards._pairs("2021", DATA_DIR)
    reaching = set(names.reindex(pairs.loc[pairs["area_code"].isin(city["lsoa_codes"].str.split(", ").explode()),
                                           "ward_code"]))
    neighbours = {"Whitechapel", "Bunhill"}  # Tower Hamlets, Islington
    assert neighbours <= reaching and not neighbours & set(city.attrs["wards_not_drawn_names"])


def test_ward_csv_has_the_attribution_the_label_and_no_postcode() -> None:
    values = indicators.load("imd2025_imd_score", level="lsoa", vintage="2021").set_index("area_code")["value"]
    view = wards.ward_view("E09000001", values, level="lad", vintage="2023")
    text = wards.ward_csv(view, title="IMD 2025 score: best-fit wards in City of London")
    header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert header[0] == "IMD 2025 score: best-fit wards in City of London"
    assert " ".join(wards.attribution_lines()) == ATTRIBUTION
    assert all(line in header for line in wards.attribution_lines())
    assert any(wards.LABEL in line for line in header)
    assert any(line.startswith("Not drawn") and "Portsoken" in line for line in header)
    table = pd.read_csv(pd.io.common.StringIO(text), comment="#")
    assert list(table["ward_code"]) == list(view["area_code"]) and (table["note"] == wards.LABEL).all()
    assert table["postcode_capture_share"].between(0, 1).all()
    postcode = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
    assert not postcode.search(text.upper())
    assert postcode.search("WARD E05009288 HOLDS EC1A 1BB")  # the check finds a postcode when there is one


@pytest.mark.parametrize(("lsoa_vintage", "held"), [("2021", True), ("2011", True), ("2001", False)],
                         ids=["2021", "2011", "2001-none"])
def test_best_fit_wards_are_held_for_2011_and_2021_small_areas(lsoa_vintage: str, held: bool) -> None:
    assert wards.available(lsoa_vintage) is held
