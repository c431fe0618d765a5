"""Tests for geo.ingest.outcomes: health outcomes carried to PCTs and SHAs.

Tiny fixtures: three districts (A, B, C) of two LSOAs each; groups P1 = A (same area),
P2 = B + C (union of whole districts), P3 = half of A (split).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.catalogue import Indicator, Source
from geo.contract import check_indicator_contract
from geo.ingest.outcomes import area_lsoas, carry, describe, nearest_year, relate

SRC = ("lad", "2021")


@pytest.mark.parametrize(
    ("period", "year"),
    [("2010-12", 2015), ("2016-18", 2019), ("2019", 2019), ("2021", 2020), ("2022-24", 2020), ("2014/15", 2015)],
    ids=["old three-year", "tie goes later", "exact year", "after the last", "recent three-year", "financial year"],
)
def test_nearest_year(period: str, year: int) -> None:
    assert nearest_year(period) == year


def test_relate_tells_same_union_and_split() -> None:
    areas = pd.Series(["A", "A", "B", "B", "C", "C"], index=[f"L{i}" for i in range(6)])
    out = relate(pd.Series(["P1", "P1", "P2", "P2", "P2", "P2"], index=areas.index), areas)
    assert out.loc["P1", "kind"] == "same" and out.loc["P2", "kind"] == "union"
    assert out.loc["P2", "members"] == ("B", "C")
    split = relate(pd.Series(["P3", "P4", "P4", "P4", "P4", "P4"], index=areas.index), areas)
    assert split["kind"].tolist() == ["split", "split"]


def test_area_lsoas_follows_mergers_and_keeps_counties() -> None:
    parents = pd.DataFrame({
        "area_code": ["L1", "L2", "L3"],
        "lad_code_2013": ["E07000001", "E07000002", "E07000003"], "lad_code_2019": ["E07000001", "E07000002", "E07000003"],
        "lad_code_2020": ["E07000001", "E07000002", "E07000003"], "lad_code_2021": ["E07000001", "E07000002", "E07000003"],
        "utla_code_2013": ["E10000001"] * 3, "utla_code_2019": ["E10000001"] * 3,
    })
    changes = pd.DataFrame({"old_code": ["E07000001", "E07000002"], "old_vintage": ["2021", "2021"],
                            "new_code": ["E06000099", "E06000099"], "new_vintage": ["2023", "2023"]})
    out = area_lsoas(parents, changes)
    assert out[("lad", "2023")].tolist() == ["E06000099", "E06000099", "E07000003"]
    assert out[("utla", "2023")].tolist() == ["E06000099", "E06000099", "E10000001"]
    assert out[("utla", "2021")].tolist() == ["E10000001"] * 3


@pytest.fixture
def relations() -> dict[tuple[str, str], pd.DataFrame]:
    areas = pd.Series(["A", "A", "B", "B", "C", "C"], index=[f"L{i}" for i in range(6)])
    groups = pd.Series(["P1", "P1", "P2", "P2", "P2", "P2"], index=areas.index)
    split = pd.DataFrame({"kind": ["split"], "members": [("A",)]}, index=["P3"])  # P3 would cut through A
    return {SRC: pd.concat([relate(groups, areas), split])}


def _health(indicator_id: str, values: dict[str, tuple[float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": indicator_id, "area_code": code, "level": SRC[0], "vintage": SRC[1],
                          "period": "2019", "sex": "female", "value": v, "lower_ci": None if v is None else v - 1,
                          "upper_ci": None if v is None else v + 1, "count": 10.0, "denominator": None, "status": s,
                          "note": "compared with England: similar"} for code, (v, s) in values.items()])


def _carry(health: pd.DataFrame, relations: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    weights = {(SRC, 2019): pd.Series({"A": 100.0, "B": 300.0, "C": 100.0})}
    names = {SRC: {"A": "Ayton", "B": "Beeby", "C": "Ceeford"}}
    return carry(health, relations, level="pct", weights=weights, names=names,
                 why_none={"P3": "this area cuts through a district."}).set_index("area_code")


def test_carry_same_area_weighted_and_split(relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    out = _carry(_health("le_birth", {"A": (80.0, "ok"), "B": (78.0, "ok"), "C": (82.0, "ok")}), relations)
    same = out.loc["P1"]
    assert (same["value"], same["lower_ci"], same["upper_ci"], same["count"], same["status"]) == (80.0, 79.0, 81.0, 10.0, "ok")
    assert same["note"] == "Same area as Ayton (A); compared with England: similar"
    union = out.loc["P2"]
    assert union["value"] == pytest.approx((78.0 * 300 + 82.0 * 100) / 400)  # 79.0
    assert np.isnan(union["lower_ci"]) and np.isnan(union["upper_ci"]) and union["count"] == 20.0
    assert union["note"].startswith("Approximate:") and "Beeby (B), Ceeford (C)" in union["note"]
    assert out.loc["P3", "status"] == "missing" and "cuts through" in out.loc["P3", "note"]


@pytest.mark.parametrize(
    ("indicator_id", "values", "message"),
    [
        ("le_birth", {"A": (80.0, "ok"), "B": (None, "suppressed"), "C": (82.0, "ok")}, "Beeby (B)"),
        ("le_birth", {"A": (80.0, "ok"), "B": (78.0, "ok")}, "Ceeford (C)"),
        ("sii_le", {"A": (8.0, "ok"), "B": (7.0, "ok"), "C": (9.0, "ok")}, "slope index"),
    ],
    ids=["member suppressed", "member without row", "SII is not averaged"],
)
def test_carry_gives_no_weighted_value(indicator_id: str, values: dict[str, tuple[float | None, str]], message: str,
                                       relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    union = _carry(_health(indicator_id, values), relations).loc["P2"]
    assert union["status"] == "missing" and pd.isna(union["value"])
    assert message in union["note"]


def test_carry_keeps_a_suppressed_same_area_value(relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    out = _carry(_health("le_birth", {"A": (None, "suppressed"), "B": (78.0, "ok"), "C": (82.0, "ok")}), relations)
    assert out.loc["P1", "status"] == "suppressed" and out.loc["P1", "note"].startswith("Same area as Ayton")


def test_describe_adds_method_only_for_pct_and_sha() -> None:
    ind = Indicator("le_birth", "LE", "d", "years", "higher_is_better", "Life expectancy", Source("ONS", "t", "x.csv"),
                    levels={"lad": ("2021",)})
    assert describe(ind) == ind
    held = describe(replace(ind, levels={"lad": ("2021",), "pct": ("2011",)}))
    assert "population-weighted" in held.method and "Same area" in held.caveats[-1]
    derived_imd = replace(ind, indicator_id="imd2019_imd_area_avg_score", levels={"pct": ("2011",)})
    assert describe(derived_imd) == derived_imd


# --- built output --------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcomes(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "indicators" / "outcomes.parquet"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return pd.read_parquet(path)


def test_built_outcomes_keep_the_contract(outcomes: pd.DataFrame, data_dir: Path) -> None:
    check_indicator_contract(outcomes, declared=set(outcomes["indicator_id"]), where="outcomes.parquet")
    assert set(outcomes["level"]) == {"pct", "sha"} and set(outcomes["vintage"]) == {"2011"}
    pcts = pd.read_parquet(data_dir / "boundaries" / "pct_2011.parquet", columns=["area_code"])
    assert set(outcomes.loc[outcomes["level"] == "pct", "area_code"]) == set(pcts["area_code"])
    weighted = outcomes["note"].str.startswith("Approximate:", na=False)
    assert weighted.any() and outcomes.loc[weighted, ["lower_ci", "upper_ci"]].isna().all().all()
    assert outcomes.loc[outcomes["status"] != "ok", "note"].notna().all()


def test_built_same_area_equals_published(outcomes: pd.DataFrame, data_dir: Path) -> None:
    health = pd.read_parquet(data_dir / "indicators" / "health.parquet")
    # Havering PCT (E16000002) is exactly the London Borough of Havering.
    mine = outcomes[(outcomes["area_code"] == "E16000002") & outcomes["note"].str.startswith("Same area", na=False)]
    assert len(mine) > 0 and mine["note"].str.contains("(E09000016)", regex=False).all()
    key = ["indicator_id", "period", "sex"]
    # The documented preference: upper tier before district, latest boundary vintage first.
    published = health[health["area_code"] == "E09000016"].assign(tier=lambda d: d["level"].map({"utla": 0, "lad": 1}))
    published = published.sort_values(["tier", "vintage"], ascending=[True, False]).drop_duplicates(key)
    both = mine.merge(published, on=key, suffixes=("", "_pub"))
    assert len(both) == len(mine)
    for col in ("value", "lower_ci", "upper_ci", "count"):
        pd.testing.assert_series_equal(both[col], both[f"{col}_pub"], check_names=False)
    assert (both["status"] == both["status_pub"]).all()


def test_built_birmingham_pcts_have_no_value(outcomes: pd.DataFrame) -> None:
    birmingham = outcomes[outcomes["area_code"].isin(["E16000064", "E16000073", "E16000117"])]
    assert len(birmingham) > 0 and (birmingham["status"] == "missing").all()
    assert birmingham["note"].str.contains("wards").all()
