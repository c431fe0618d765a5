"""Tests for geo.ingest.summaries: derived deprivation summaries follow MHCLG's methods.

The method is checked where a published summary exists: MHCLG's IoD2019 File 10 for the
2019 districts, and, for the pre-2009 districts whose small areas are exactly those of a
2019 district, the same File 10 figures and the ONS mid-year totals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.ingest.summaries import OLD_DISTRICT_IDS, extent_weights, half_up, in_top_tenth, summarise

# --- the method on tiny fixtures ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rank", "weight"),
    [
        pytest.param(1, 1.0, id="most-deprived"),
        pytest.param(100, 1.0, id="last-of-10th-percentile"),
        pytest.param(101, 0.95, id="first-of-11th-percentile"),
        pytest.param(120, 0.95 - 0.9 / 19, id="12th-percentile"),
        pytest.param(300, 0.05, id="30th-percentile"),
        pytest.param(301, 0.0, id="31st-percentile"),
        pytest.param(1000, 0.0, id="least-deprived"),
    ],
)
def test_extent_weight_slides_from_the_10th_to_the_30th_percentile(rank: int, weight: float) -> None:
    ranks = pd.Series(range(1, 1001), index=[f"L{i}" for i in range(1, 1001)])
    assert extent_weights(ranks)[f"L{rank}"] == pytest.approx(weight)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        pytest.param(0.03125, 4, 0.0313, id="half-goes-up"),
        pytest.param(0.15625, 4, 0.1563, id="half-goes-up-2"),
        pytest.param(8.3754999, 3, 8.375, id="below-half"),
        pytest.param(-1.25, 1, -1.3, id="negative-half-away-from-zero"),
    ],
)
def test_half_up_rounds_as_the_published_tables(value: float, decimals: int, expected: float) -> None:
    assert half_up(pd.Series([value]), decimals).iloc[0] == pytest.approx(expected, abs=1e-12)


def test_top_tenth_is_the_first_floor_n_over_10_ranks() -> None:
    ranks = pd.Series(range(1, 36))  # 35 LSOAs: the most deprived 10% are ranks 1-3
    assert in_top_tenth(ranks).tolist() == [True] * 3 + [False] * 32


def test_summarise_on_a_tiny_fixture() -> None:
    codes = [f"L{i}" for i in range(1, 21)]
    ranks = pd.Series(range(1, 21), index=codes)  # 20 LSOAs: top tenth = ranks 1-2, percentile = 5 x rank
    parent = pd.Series(["X"] * 10 + ["Y"] * 10, index=codes)
    score = pd.Series(np.linspace(60, 3, 20), index=codes)
    weights = pd.Series([1000.0, 3000.0] * 10, index=codes)
    out = summarise(ranks, parent=parent, score=score, weights=weights).set_index("area_code")
    assert out.loc["X", "count"] == 2 and out.loc["X", "prop10"] == 0.2 and out.loc["Y", "prop10"] == 0.0
    x = slice(0, 10)
    assert out.loc["X", "avg_score"] == pytest.approx(np.average(score.iloc[x], weights=weights.iloc[x]))
    # X: ranks 1-2 weight 1; ranks 3-6 (percentiles 15-30) slide; ranks 7-10 none.
    w = np.array([1, 1, *(0.95 - 0.9 / 19 * (p - 11) for p in (15, 20, 25, 30)), 0, 0, 0, 0])
    assert out.loc["X", "extent"] == pytest.approx((w * weights.iloc[x]).sum() / weights.iloc[x].sum())
    assert out.loc["Y", "extent"] == 0.0


def test_summarise_refuses_an_lsoa_without_parent() -> None:
    from geo.errors import ValidationError

    with pytest.raises(ValidationError, match="no parent"):
        summarise(pd.Series([1, 2], index=["a", "b"]), parent=pd.Series({"a": "X"}))


# --- against the published figures --------------------------------------------------------------


def _lsoa_2019(data_dir: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    imd = pd.read_parquet(data_dir / "indicators" / "imd2019_lsoa.parquet")
    rank = imd[imd["indicator_id"] == "imd2019_imd_rank"].set_index("area_code")["value"]
    score = imd[imd["indicator_id"] == "imd2019_imd_score"].set_index("area_code")["value"]
    pop = pd.read_parquet(data_dir / "indicators" / "population.parquet")
    weights = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    return rank, score, weights


def _file10(data_dir: Path) -> pd.DataFrame:
    la = pd.read_parquet(data_dir / "indicators" / "imd_la.parquet")
    la = la[(la["level"] == "lad") & (la["vintage"] == "2019")]
    return la.pivot(index="area_code", columns="indicator_id", values="value")


def _agrees(ours: pd.Series, published: pd.Series, decimals: int, slack: float) -> None:
    """Equal at the published precision; one unit off only where ours lies within ``slack`` units of a half.

    The LSOA scores are published to 3 decimals (MHCLG averaged unrounded ones), so an average
    score within about a tenth of a unit of a half can round the other way; the proportion
    and extent use no rounded input, and only a hair from a half may differ.
    """
    ours = ours.reindex(published.index)
    assert ours.notna().all()
    unit = 10.0**-decimals
    off = (half_up(ours, decimals) - published).abs() > unit / 10
    near_half = ((ours / unit) % 1 - 0.5).abs() < slack
    assert not (off & ~near_half).any(), published[off & ~near_half].head()
    assert ((half_up(ours, decimals) - published).abs() <= unit * 1.01).all()


@pytest.mark.parametrize(
    ("column", "indicator_id", "decimals", "slack"),
    [
        pytest.param("prop10", "imd2019_imd_la_prop_most_deprived_10pc", 4, 0.0, id="proportion-in-most-deprived-10pc"),
        pytest.param("avg_score", "imd2019_imd_la_avg_score", 3, 0.1, id="average-score"),
        pytest.param("extent", "imd2019_imd_la_extent", 4, 0.02, id="extent"),
    ],
)
def test_method_reproduces_file10_for_the_2019_districts(data_dir: Path, column: str, indicator_id: str,
                                                         decimals: int, slack: float) -> None:
    rank, score, weights = _lsoa_2019(data_dir)
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa11_parents.parquet").set_index("area_code")
    ours = summarise(rank, parent=parents["lad_code_2019"], score=score, weights=weights).set_index("area_code")
    _agrees(ours[column], _file10(data_dir)[indicator_id], decimals, slack)


def _unchanged(data_dir: Path) -> pd.Series:
    """Pre-2009 district -> the 2019 district with exactly the same small areas."""
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa11_parents.parquet")
    old = parents.groupby("lad_code_2008")["area_code"].apply(frozenset)
    new = parents.groupby("lad_code_2019")["area_code"].apply(frozenset)
    by_set = {lsoas: code for code, lsoas in new.items()}
    return pd.Series({code: by_set[lsoas] for code, lsoas in old.items() if lsoas in by_set})


def _old_rows(data_dir: Path, indicator_id: str, period: str) -> pd.Series:
    table = pd.read_parquet(data_dir / "indicators" / "summaries.parquet")
    rows = table[(table["indicator_id"] == indicator_id) & (table["level"] == "lad") & (table["vintage"] == "2008")
                 & (table["period"] == period)]
    return rows.set_index("area_code")["value"]


@pytest.mark.parametrize(
    ("indicator_id", "decimals"),
    [
        pytest.param("imd2019_imd_la_prop_most_deprived_10pc", 4, id="proportion-in-most-deprived-10pc"),
        pytest.param("imd2019_imd_la_avg_score", 3, id="average-score"),
        pytest.param("imd2019_imd_la_extent", 4, id="extent"),
    ],
)
def test_pre_2009_districts_reproduce_file10_where_unchanged(data_dir: Path, indicator_id: str, decimals: int) -> None:
    same = _unchanged(data_dir)
    assert len(same) > 250  # most districts kept their area from 2008 to 2019
    ours = _old_rows(data_dir, indicator_id, "2019").reindex(same.index)
    published = _file10(data_dir)[indicator_id].reindex(same.to_numpy())
    published.index = same.index
    assert (ours.round(decimals) - published).abs().max() <= 10.0**-decimals * 1.01
    exact = (ours.round(decimals) - published).abs() < 10.0**-decimals / 10
    assert exact.mean() > 0.95


@pytest.mark.parametrize("indicator_id", ["pop_total", "pop_0_4", "pop_0_15", "pop_65_plus"])
def test_pre_2009_populations_equal_the_published_totals_where_unchanged(data_dir: Path, indicator_id: str) -> None:
    same = _unchanged(data_dir)
    pop = pd.read_parquet(data_dir / "indicators" / "population.parquet")
    rows = pop[(pop["indicator_id"] == indicator_id) & (pop["level"] == "lad") & (pop["vintage"] == "2019")]
    published = rows.set_index("area_code")["value"].reindex(same.to_numpy())
    ours = _old_rows(data_dir, indicator_id, "2019").reindex(same.index)
    assert np.array_equal(ours.to_numpy(), published.to_numpy())


@pytest.mark.parametrize("indicator_id", sorted(OLD_DISTRICT_IDS))
def test_every_pre_2009_district_holds_each_derived_indicator(data_dir: Path, indicator_id: str) -> None:
    table = pd.read_parquet(data_dir / "indicators" / "summaries.parquet")
    rows = table[(table["indicator_id"] == indicator_id) & (table["vintage"] == "2008")]
    assert rows.groupby("period")["area_code"].nunique().eq(354).all() and len(rows)
    assert rows["value"].notna().all()


@pytest.mark.parametrize("edition", ["2004", "2007", "2010"])
def test_old_editions_count_2001_lsoas_in_the_national_top_tenth(data_dir: Path, edition: str) -> None:
    """The proportion is a count over the district's 2001 LSOAs (Easington: 20UF)."""
    imd = pd.read_parquet(data_dir / "indicators" / f"imd{edition}_lsoa.parquet")
    rank = imd[imd["indicator_id"] == f"imd{edition}_imd_rank"].set_index("area_code")["value"]
    links = pd.read_parquet(data_dir / "lookups" / "lsoa01_lsoa11.parquet").drop_duplicates("lsoa01_code")
    mine = links.loc[links["lad_code_2008"] == "20UF", "lsoa01_code"]
    expected = float((rank.reindex(mine) <= len(rank) // 10).mean())
    assert _old_rows(data_dir, f"imd{edition}_imd_la_prop_most_deprived_10pc", edition)["20UF"] == pytest.approx(
        expected, abs=5e-5)
