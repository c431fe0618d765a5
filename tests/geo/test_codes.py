"""Tests for geo.codes against the committed lookups."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.codes import detect, reconcile
from geo.errors import UnknownVintageError


@pytest.mark.parametrize(
    ("codes", "source", "target", "expected", "relation"),
    [
        pytest.param(["E06000048"], "2011", "2013", ["E06000057"], "recode", id="northumberland-2013-recode"),
        pytest.param(["E07000097"], "2011", "2013", ["E07000242"], "recode", id="east-herts-2013-recode"),
        pytest.param(["E07000004", "E07000007"], "2019", "2020", ["E06000060", "E06000060"], "merge", id="bucks-merger"),
        pytest.param(["E08000016"], "2023", "2025", ["E08000038"], "recode", id="barnsley-2025-recode"),
        pytest.param(["E08000039"], "2025", "2023", ["E08000019"], "recode", id="sheffield-back-to-2023"),
        pytest.param(["00BN"], "2008", "2025", ["E08000003"], "recode", id="manchester-old-code"),
        pytest.param(["15UB"], "2008", "2025", ["E06000052"], "merge", id="caradon-into-cornwall"),
        pytest.param(["E06000001"], "2019", "2023", ["E06000001"], "same", id="unchanged"),
    ],
)
def test_reconcile_maps(data_dir, codes, source, target, expected, relation) -> None:
    result = reconcile(codes, source=source, target=target)
    assert result.unmatched.empty
    assert result.mapped["target_code"].tolist() == expected
    assert set(result.mapped["relation"]) == {relation}


@pytest.mark.parametrize(
    ("code", "source", "target", "reason"),
    [
        pytest.param("E06000060", "2025", "2019", "cannot be split", id="merged-area-backwards"),
        pytest.param("not-a-code", "2019", "2023", "is not an area code", id="garbage"),
        pytest.param("E07000004", "2023", "2025", "Pass source='2019'", id="wrong-source-vintage"),
    ],
)
def test_reconcile_reports_what_it_cannot_map(data_dir, code, source, target, reason) -> None:
    result = reconcile([code], source=source, target=target)
    assert result.mapped.empty
    assert reason in result.unmatched["reason"].iloc[0]


def test_reconcile_rejects_unknown_vintage(data_dir) -> None:
    with pytest.raises(UnknownVintageError, match="expected one of"):
        reconcile(["E06000001"], source="1999", target="2023")


@pytest.mark.parametrize("vintage", ["2013", "2019", "2021", "2023"])
def test_detect_finds_the_set_a_file_came_from(data_dir, vintage) -> None:
    codes = pd.read_parquet(data_dir / "boundaries" / f"lad_{vintage}.parquet", columns=["area_code"])["area_code"]
    found = detect(codes)
    assert (found.level, found.matched, found.unmatched) == ("lad", len(codes), ())
    # Sets that share every code (e.g. 2023 and 2025 differ by two) resolve to the latest holding all.
    assert found.vintage >= vintage
