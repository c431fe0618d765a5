"""The derived LSOA 2011-2021 lookup: classification on tiny squares, and the committed file against ONS's counts."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.ingest.lsoa_change import EXPECTED_UNCHANGED_SHARE, LOOKUP_FILE, MIN_UNCHANGED_SHARE, link


def _set(cells: dict[str, tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": list(cells)}, geometry=[box(*b) for b in cells.values()], crs=27700)


# 2011: A (kept), B (split in two), C + D (merged), E + F (redrawn into G + H across their border).
OLD = _set({"A": (0, 0, 100, 100), "B": (100, 0, 200, 100), "C": (200, 0, 250, 100), "D": (250, 0, 300, 100),
            "E": (300, 0, 400, 100), "F": (400, 0, 500, 100)})
NEW = _set({"A": (0, 0, 100, 100.5), "B1": (100, 0, 130, 100), "B2": (130, 0, 200, 100), "CD": (200, 0, 300, 100),
            "G": (300, 0, 450, 100), "H": (450, 0, 500, 100)})


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    return link(OLD, NEW)


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        pytest.param("A", ["A"], "U", id="same-code-unchanged"),
        pytest.param("B", ["B1", "B2"], "S", id="split"),
        pytest.param("C", ["CD"], "M", id="merged-first"),
        pytest.param("D", ["CD"], "M", id="merged-second"),
        pytest.param("E", ["G"], "X", id="redrawn-whole-into-one-that-also-takes-part-of-another"),
        pytest.param("F", ["G", "H"], "X", id="redrawn-split-across-two"),
    ],
)
def test_each_relationship_is_classified(tiny: pd.DataFrame, old: str, new: list[str], change: str) -> None:
    rows = tiny[tiny["lsoa11_code"] == old]
    assert sorted(rows["lsoa21_code"]) == new
    assert set(rows["change"]) == {change}


def test_shares_are_of_each_polygon(tiny: pd.DataFrame) -> None:
    b1 = tiny[(tiny["lsoa11_code"] == "B") & (tiny["lsoa21_code"] == "B1")].iloc[0]
    assert b1["share_2011"] == pytest.approx(0.3)
    assert b1["share_2021"] == pytest.approx(1.0)
    a = tiny[tiny["lsoa11_code"] == "A"].iloc[0]
    assert a["share_2011"] == pytest.approx(1.0)
    assert a["share_2021"] == pytest.approx(100 / 100.5, abs=1e-4)


def test_a_sliver_is_not_a_link() -> None:
    old = _set({"P": (0, 0, 100, 100), "Q": (100, 0, 200, 100)})
    new = _set({"P1": (0, 0, 50, 100), "P2": (50, 0, 101, 100), "Q": (101, 0, 200, 100)})
    out = link(old, new)
    assert sorted(out.loc[out["lsoa11_code"] == "P", "lsoa21_code"]) == ["P1", "P2"]
    assert set(out.loc[out["lsoa11_code"] == "P", "change"]) == {"S"}


# ---------------------------------------------------------------- the committed lookup
@pytest.fixture(scope="module")
def lookup(data_dir) -> pd.DataFrame:
    return pd.read_parquet(data_dir / LOOKUP_FILE)


def test_every_lsoa_of_both_sets_appears(lookup: pd.DataFrame, data_dir) -> None:
    for vintage, column in (("2011", "lsoa11_code"), ("2021", "lsoa21_code")):
        codes = set(pd.read_parquet(data_dir / "boundaries" / f"lsoa_{vintage}.parquet", columns=["area_code"])["area_code"])
        assert set(lookup[column]) == codes


def test_counts_equal_the_published_ons_counts(lookup: pd.DataFrame) -> None:
    # ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup, England, by 2011 LSOA, as tallied in the geographr
    # documentation (humaniverse.github.io/geographr/reference/aggregate_lba_lsoas.html): U 31,810, S 834,
    # M 194, X 6.
    per_2011 = lookup.groupby("lsoa11_code")["change"].first().value_counts().to_dict()
    assert per_2011 == {"U": 31_810, "S": 834, "M": 194, "X": 6}


def test_unchanged_pairs_overlap(lookup: pd.DataFrame) -> None:
    u = lookup[lookup["change"] == "U"]
    share = u[["share_2011", "share_2021"]].max(axis=1)
    assert (u["lsoa11_code"] == u["lsoa21_code"]).all()
    assert share.min() >= MIN_UNCHANGED_SHARE
    # Three realigned LSOAs are under 95% (see the module docstring); no others.
    assert (share < EXPECTED_UNCHANGED_SHARE).sum() == 3


def test_one_2021_lsoa_per_carried_2011_lsoa(lookup: pd.DataFrame) -> None:
    per = lookup.groupby("lsoa11_code").agg(change=("change", "first"), n=("lsoa21_code", "size"))
    assert (per.loc[per["change"].isin(["U", "M"]), "n"] == 1).all()
    assert (per.loc[per["change"] == "S", "n"] >= 2).all()
