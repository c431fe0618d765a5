"""Consistency of the committed health indicators across levels and for the smallest areas.

A unitary authority is both a district and an upper-tier authority, so one period and
sex must show it one value on either map; and City of London and Isles of Scilly,
which the publishers leave out for small numbers, must read as suppressed, not missing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.contract import boundary_codes
from geo.ingest.health import CATALOGUE

HEALTH_IDS = [i.indicator_id for i in CATALOGUE]
SMALL_AREAS = ("E09000001", "E06000053")  # City of London, Isles of Scilly
UNITARY_PREFIXES = ("E06", "E08", "E09")


@pytest.fixture(scope="module")
def health(data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(data_dir / "indicators" / "health.parquet")


@pytest.fixture(scope="module")
def sets(data_dir: Path) -> dict[tuple[str, str], set[str]]:
    built = boundary_codes(data_dir)
    if not any(level == "utla" for level, _ in built):
        pytest.skip("upper-tier boundaries not built")
    return built


def _unitaries(sets: dict[tuple[str, str], set[str]]) -> set[str]:
    """E06/E08/E09 codes that are in the district and the upper-tier set of the same vintage."""
    both: set[str] = set()
    for (level, vintage), codes in sets.items():
        if level == "lad" and ("utla", vintage) in sets:
            both |= {c for c in codes & sets[("utla", vintage)] if c.startswith(UNITARY_PREFIXES)}
    return both


@pytest.mark.parametrize("indicator_id", [pytest.param(i, id=i) for i in HEALTH_IDS])
def test_unitary_has_one_value_at_both_levels(
    health: pd.DataFrame, sets: dict[tuple[str, str], set[str]], indicator_id: str
) -> None:
    rows = health[(health["indicator_id"] == indicator_id) & health["area_code"].isin(_unitaries(sets))]
    key = ["area_code", "period", "sex"]
    pairs = rows[rows["level"] == "lad"].merge(rows[rows["level"] == "utla"], on=key, suffixes=("_lad", "_utla"))
    same = (pairs["value_lad"] == pairs["value_utla"]) | (pairs["value_lad"].isna() & pairs["value_utla"].isna())
    differ = pairs[~same | (pairs["status_lad"] != pairs["status_utla"])]
    assert differ.empty, (
        f"{indicator_id}: {len(differ)} unitary authority cells differ between the district and upper-tier maps, "
        f"e.g.\n{differ[[*key, 'vintage_lad', 'value_lad', 'vintage_utla', 'value_utla']].head().to_string()}"
    )


def test_city_and_scilly_are_never_missing(health: pd.DataFrame, sets: dict[tuple[str, str], set[str]]) -> None:
    areas = health[health["level"].isin(["lad", "utla"])]
    absent = []
    for (indicator_id, level, vintage, period, sex), rows in areas.groupby(
        ["indicator_id", "level", "vintage", "period", "sex"]
    ):
        known = sets.get((str(level), str(vintage)), set())
        # Predecessor codes a release also lists (a few abolished districts) are not a map of their own.
        if len(rows) < 0.5 * len(known):
            continue
        status = dict(zip(rows["area_code"], rows["status"], strict=True))
        absent += [(indicator_id, level, vintage, period, sex, code) for code in SMALL_AREAS
                   if code in known and status.get(code, "missing") == "missing"]
    assert not absent, f"{len(absent)} maps show City of London or Isles of Scilly as missing, e.g. {absent[:3]}"
