"""Tests for geo.ingest.outcomes: health outcomes carried to PCTs, SHAs, upper tiers and regions.

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
from geo.derived import APPROXIMATE, COMBINED_CI, SAME_AREA, interval_reason
from geo.ingest.outcomes import SMALL_SHARE, area_lsoas, carry, describe, nearest_year, plan, relate, target_vintage

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


def _carry(health: pd.DataFrame, relations: dict[tuple[str, str], pd.DataFrame],
           population: dict[str, float] | None = None) -> pd.DataFrame:
    weights = {(SRC, 2019): pd.Series(population or {"A": 100.0, "B": 300.0, "C": 100.0})}
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
    # every part publishes 95% limits of +/- 1, so the mean's are 79 +/- sqrt(0.75^2 + 0.25^2) = 79 +/- 0.79,
    # given to the parts' limits' decimal places (none here)
    assert (union["lower_ci"], union["upper_ci"], union["count"]) == (78.0, 80.0, 20.0)
    assert union["note"].startswith("Approximate:") and "Beeby (B), Ceeford (C)" in union["note"]
    assert union["note"].endswith(f"not an official figure; {COMBINED_CI}.")
    assert out.loc["P3", "status"] == "missing" and "cuts through" in out.loc["P3", "note"]


def _without_ci(health: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    lacking = health["area_code"].isin(codes)
    return health.assign(lower_ci=health["lower_ci"].mask(lacking), upper_ci=health["upper_ci"].mask(lacking))


@pytest.mark.parametrize(
    ("lacking", "reason"),
    [
        pytest.param(["C"], "1 of its 2 parts has no published confidence interval", id="one-part-without"),
        pytest.param(["A", "B", "C"], "the published figures of its parts have no confidence interval",
                     id="no-part-with (le_birth)"),
    ],
)
def test_carry_gives_an_approximation_no_interval_where_a_part_has_none(
        lacking: list[str], reason: str, relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    health = _without_ci(_health("le_birth", {"A": (80.0, "ok"), "B": (78.0, "ok"), "C": (82.0, "ok")}), lacking)
    union = _carry(health, relations).loc["P2"]
    assert union["value"] == 79.0 and np.isnan(union["lower_ci"]) and np.isnan(union["upper_ci"])
    assert union["note"].endswith(f"not an official figure; no interval: {reason}.")
    assert interval_reason(union["note"]) == reason


def test_carry_combines_unequal_intervals_worked_by_hand(relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    # B: 78.00 (95% CI 77.00 to 79.00), 300 people; C: 82.00 (80.00 to 84.00), 100 people.
    # SE_B = 1 / 1.96, SE_C = 2 / 1.96; the mean's 95% half-width = sqrt(0.75^2 x 1^2 + 0.25^2 x 2^2) = 0.9014.
    health = _health("le_birth", {"B": (78.0, "ok"), "C": (82.0, "ok")})
    health.loc[health["area_code"] == "C", ["lower_ci", "upper_ci"]] = [80.0, 84.0]
    union = _carry(health.assign(lower_ci=health["lower_ci"] + 0.001), relations).loc["P2"]  # limits to 3 decimals
    assert union["lower_ci"] == pytest.approx(79.0 + 0.001 / 2 - 0.901388, abs=1e-3)
    assert union["upper_ci"] == pytest.approx(79.0 + 0.001 / 2 + 0.901388, abs=1e-3)


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


@pytest.mark.parametrize(
    ("c_people", "valued"),
    [(2.0, True), (300.0 * SMALL_SHARE / (1 - SMALL_SHARE) + 1.0, False)],
    ids=["suppressed member under 1% left out and named", "suppressed member of 1% or more: no value"],
)
def test_carry_leaves_out_a_small_suppressed_member(c_people: float, valued: bool,
                                                    relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    health = _health("le_birth", {"A": (80.0, "ok"), "B": (78.0, "ok"), "C": (None, "suppressed")})
    union = _carry(health, relations, {"A": 100.0, "B": 300.0, "C": c_people}).loc["P2"]
    assert (union["status"] == "ok") is valued
    if valued:
        assert union["value"] == 78.0 and union["note"].startswith(APPROXIMATE)
        assert "Ceeford (C) left out: suppressed" in union["note"] and "of 1 whole local authority area (" in union["note"]
    else:
        assert "lack a published value (Ceeford (C))" in union["note"]


def test_carry_gives_an_approximation_no_more_decimals_than_its_parts(
        relations: dict[tuple[str, str], pd.DataFrame]) -> None:
    union = _carry(_health("le_birth", {"A": (80.0, "ok"), "B": (78.1, "ok"), "C": (82.2, "ok")}), relations,
                   {"A": 1.0, "B": 2.0, "C": 1.0}).loc["P2"]
    assert union["value"] == round((78.1 * 2 + 82.2) / 3, 1)  # 79.5, not 79.4667


def test_carry_names_the_first_members_of_a_large_union() -> None:
    areas = pd.Series([f"D{i}" for i in range(8)], index=[f"L{i}" for i in range(8)])
    relations = {SRC: relate(pd.Series("R1", index=areas.index), areas)}
    health = pd.DataFrame([{"indicator_id": "le_birth", "area_code": f"D{i}", "level": SRC[0], "vintage": SRC[1],
                            "period": "2019", "sex": "male", "value": 80.0, "lower_ci": None, "upper_ci": None,
                            "count": None, "denominator": None, "status": "ok", "note": None} for i in range(8)])
    weights = {(SRC, 2019): pd.Series(1.0, index=[f"D{i}" for i in range(8)])}
    out = carry(health, relations, level="region", vintage="2019", weights=weights,
                names={SRC: {f"D{i}": f"Dee {i}" for i in range(8)}}, why_none={})
    assert out[["level", "vintage"]].iloc[0].tolist() == ["region", "2019"]
    assert "(Dee 0 (D0), Dee 1 (D1), Dee 2 (D2) and 5 more)" in out["note"].iloc[0]


@pytest.mark.parametrize(
    ("source", "level", "target"),
    [("2013", "utla", "2013"), ("2020", "utla", "2021"), ("2023", "utla", "2023"), ("2021", "region", "2019")],
    ids=["same year", "next held code set", "2023", "regions have one code set"],
)
def test_target_vintage(source: str, level: str, target: str) -> None:
    assert target_vintage(source, level=level) == target


def _rows(level: str, vintage: str, period: str, sex: str, n: int, indicator_id: str = "le_birth") -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": indicator_id, "area_code": [f"X{i}" for i in range(n)], "level": level,
                         "vintage": vintage, "period": period, "sex": sex})


def test_plan_carries_only_what_the_level_has_no_official_row_for() -> None:
    health = pd.concat([
        _rows("lad", "2019", "2016-18", "female", 300), _rows("utla", "2019", "2016-18", "female", 150),
        _rows("region", "2019", "2016-18", "female", 9),
        _rows("lad", "2023", "2023-25", "female", 296), _rows("lad", "2021", "2023-25", "female", 17),
        _rows("lad", "2023", "2023-25", "male", 296),
        _rows("lad", "2020", "2016-18", "male", 314, "le_birth_1618"),
        _rows("utla", "2013", "2010-12", "female", 152, "hle_birth"),
    ])
    utla = plan(health, level="utla")
    assert utla.values.tolist() == [["le_birth", "2023-25", "female", "2023"], ["le_birth", "2023-25", "male", "2023"],
                                    ["le_birth_1618", "2016-18", "male", "2021"]]
    region = plan(health, level="region")  # an upper-tier-only series reaches regions too
    assert region.values.tolist() == [["hle_birth", "2010-12", "female", "2019"], *[[*r[:3], "2019"] for r in
                                                                                    utla.values.tolist()]]


def test_describe_adds_method_only_for_carried_levels() -> None:
    ind = Indicator("le_birth", "LE", "d", "years", "higher_is_better", "Life expectancy", Source("ONS", "t", "x.csv"),
                    levels={"lad": ("2021",)})
    assert describe(ind) == ind
    for level in ("pct", "utla", "region"):
        held = describe(replace(ind, levels={"lad": ("2021",), level: ("2011",)}))
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
    assert set(outcomes["level"]) == {"pct", "sha", "utla", "region"}
    for (level, vintage), rows in outcomes.groupby(["level", "vintage"]):
        areas = pd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=["area_code"])
        assert set(rows["area_code"]) == set(areas["area_code"]), (level, vintage)
    weighted = outcomes["note"].str.startswith("Approximate:", na=False)
    with_ci = outcomes["lower_ci"].notna() & outcomes["upper_ci"].notna()
    assert (weighted & with_ci).any() and (weighted & ~with_ci).any()
    # an approximation's interval is said to be combined; one without says why not
    assert outcomes.loc[weighted & with_ci, "note"].str.contains(COMBINED_CI, regex=False).all()
    assert outcomes.loc[weighted & ~with_ci, "note"].map(interval_reason).ne("").all()
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


def _key(rows: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return set(rows[["indicator_id", "level", "period", "sex"]].itertuples(index=False, name=None))


def test_built_official_figures_win(outcomes: pd.DataFrame, data_dir: Path) -> None:
    health = pd.read_parquet(data_dir / "indicators" / "health.parquet")
    upper = ["utla", "region"]
    assert not _key(health[health["level"].isin(upper)]) & _key(outcomes[outcomes["level"].isin(upper)])


@pytest.mark.parametrize(("level", "n_areas"), [("utla", 153), ("region", 9)])
@pytest.mark.parametrize("sex", ["female", "male"])
def test_built_upper_tiers_and_regions_reach_the_latest_district_period(outcomes: pd.DataFrame, data_dir: Path,
                                                                        level: str, n_areas: int, sex: str) -> None:
    health = pd.read_parquet(data_dir / "indicators" / "health.parquet")
    latest = sorted(health.loc[(health["indicator_id"] == "le_birth") & (health["level"] == "lad"), "period"])[-1]
    rows = outcomes[(outcomes["indicator_id"] == "le_birth") & (outcomes["level"] == level)
                    & (outcomes["period"] == latest) & (outcomes["sex"] == sex)]
    assert len(rows) == n_areas and (rows["status"] == "ok").sum() >= n_areas - 2  # City of London, Scilly
    kinds = rows["note"].str.split(" ").str[0]
    assert set(kinds) <= {"Same", APPROXIMATE}
    approx = rows[rows["note"].str.startswith(APPROXIMATE)]
    assert approx[["lower_ci", "upper_ci"]].isna().all().all()  # no district publishes an interval for le_birth
    assert (approx["note"].map(interval_reason) == "the published figures of its parts have no confidence interval").all()
    if level == "region":
        assert len(approx) == 9  # every region is made of whole districts


def test_built_unitary_upper_tier_is_its_district(outcomes: pd.DataFrame, data_dir: Path) -> None:
    """Hartlepool (E06000001) as an upper tier shows its district's published row unchanged, CIs included."""
    health = pd.read_parquet(data_dir / "indicators" / "health.parquet")
    mine = outcomes[(outcomes["area_code"] == "E06000001") & (outcomes["level"] == "utla")]
    district = health[(health["area_code"] == "E06000001") & (health["level"] == "lad")]
    both = mine.merge(district, on=["indicator_id", "period", "sex"], suffixes=("", "_lad"))
    assert len(both) > 0 and both["note"].str.startswith(f"{SAME_AREA} Hartlepool (E06000001)").all()
    for col in ("value", "lower_ci", "upper_ci", "status"):
        assert both[col].equals(both[f"{col}_lad"]) or both[col].fillna(-1).equals(both[f"{col}_lad"].fillna(-1)), col
    assert both["lower_ci"].notna().any()  # le_birth_1618 carries its confidence intervals


def test_built_approximation_is_close_where_the_official_figure_is_held(data_dir: Path) -> None:
    """The method, applied where ONS published regions too (women's life expectancy to 2016-18), lands within 0.3 years."""
    health = pd.read_parquet(data_dir / "indicators" / "health.parquet")
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa11_parents.parquet")
    lads = area_lsoas(parents, pd.read_parquet(data_dir / "lookups" / "la_code_changes.parquet"))[("lad", "2019")]
    pop = pd.read_parquet(data_dir / "indicators" / "population.parquet")
    pop = pop[(pop["indicator_id"] == "pop_total") & (pop["period"] == "2019") & (pop["level"] == "lsoa")]
    weights = pop.set_index("area_code")["value"].groupby(lads).sum()
    rows = health[(health["indicator_id"] == "le_birth") & (health["level"] == "lad") & (health["vintage"] == "2019")
                  & (health["period"] == "2016-18")]
    relations = {("lad", "2019"): relate(parents.set_index("area_code")["region_code"], lads)}
    out = carry(rows, relations, level="region", vintage="2019", weights={(("lad", "2019"), 2019): weights},
                names={("lad", "2019"): {}}, why_none={})
    official = health[(health["level"] == "region") & (health["indicator_id"] == "le_birth")
                      & (health["period"] == "2016-18")]
    both = out.merge(official, on=["area_code", "sex"], suffixes=("", "_official"))
    assert len(both) == 9 and ((both["value"] - both["value_official"]).abs() <= 0.3).all()


def test_built_regions_combine_their_districts_intervals(outcomes: pd.DataFrame, data_dir: Path) -> None:
    """Regions for le_birth_1618 (every district publishes a 95% CI): an interval centred on the mean, narrower than
    the widest district's, recomputed here from the districts' own published limits."""
    health = pd.read_parquet(data_dir / "indicators" / "health.parquet")
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa11_parents.parquet")
    rows = outcomes[(outcomes["indicator_id"] == "le_birth_1618") & (outcomes["level"] == "region")]
    assert len(rows) > 0 and rows[["lower_ci", "upper_ci"]].notna().all().all()
    districts = health[(health["indicator_id"] == "le_birth_1618") & (health["level"] == "lad")]
    for r in rows.itertuples():
        assert r.lower_ci < r.value < r.upper_ci
        assert abs((r.lower_ci + r.upper_ci) / 2 - r.value) <= 0.06  # value to 2 decimals, limits to 2
        source = districts[(districts["sex"] == r.sex) & (districts["period"] == r.period)]
        members = source[source["area_code"].isin(set(parents.loc[parents["region_code"] == r.area_code].pipe(
            lambda p: p[[c for c in p.columns if c.startswith("lad_code_")]].stack())))]
        assert len(members) > 1 and r.upper_ci - r.lower_ci < (members["upper_ci"] - members["lower_ci"]).max()
