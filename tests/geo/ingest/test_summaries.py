"""Tests for geo.ingest.summaries: derived deprivation summaries follow MHCLG's methods."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.ingest.summaries import area_summary


def test_area_summary_on_a_tiny_fixture() -> None:
    lsoa = pd.DataFrame({"area_code": ["a", "b", "c", "d"], "decile": [1, 2, 1, 10], "score": [50.0, 30.0, 60.0, 5.0]})
    parent = pd.Series({"a": "X", "b": "X", "c": "Y", "d": "Y"})
    weights = pd.Series({"a": 1000, "b": 3000, "c": 1500, "d": 1500})
    out = area_summary(lsoa, parent=parent, weights=weights).set_index("area_code")
    assert out.loc["X", "prop10"] == 0.5 and out.loc["Y", "count"] == 1
    assert out.loc["X", "avg_score"] == pytest.approx((50 * 1000 + 30 * 3000) / 4000)


def test_file10_method_reproduces_the_official_2019_district_scores(data_dir) -> None:
    """The same method applied to 2019 districts gives File 10's average scores (to 3 dp rounding)."""
    ind = data_dir / "indicators"
    imd = pd.read_parquet(ind / "imd2019_lsoa.parquet")
    imd = imd[imd["indicator_id"].isin(["imd2019_imd_decile", "imd2019_imd_score"])]
    imd = imd.pivot(index="area_code", columns="indicator_id", values="value").rename(
        columns={"imd2019_imd_decile": "decile", "imd2019_imd_score": "score"}).reset_index()
    pop = pd.read_parquet(ind / "population.parquet")
    weights = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa11_parents.parquet").set_index("area_code")["lad_code_2019"]
    ours = area_summary(imd, parent=parents, weights=weights).set_index("area_code")
    la = pd.read_parquet(ind / "imd_la.parquet")
    official = la[la["indicator_id"] == "imd2019_imd_la_avg_score"].set_index("area_code")["value"]
    diff = (ours["avg_score"].reindex(official.index) - official).abs()
    assert diff.max() < 0.01
    prop = la[la["indicator_id"] == "imd2019_imd_la_prop_most_deprived_10pc"].set_index("area_code")["value"]
    assert (ours["prop10"].reindex(prop.index) - prop).abs().max() < 0.0001
