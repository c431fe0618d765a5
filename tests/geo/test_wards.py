"""Best-fit wards: each LSOA in the ward holding most of its postcodes; shares; the ward view of a district."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import indicators, wards
from geo._paths import DATA_DIR

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
