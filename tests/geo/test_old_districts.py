"""Tests for geo.old_districts: the 354 districts before April 2009 hold figures, and the pack says them."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import old_districts, pack


def _held(data_dir, indicator_id: str, code: str) -> float:
    table = pd.read_parquet(data_dir / "indicators" / "summaries.parquet")
    row = table[(table["indicator_id"] == indicator_id) & (table["area_code"] == code) & (table["vintage"] == "2008")]
    return float(row["value"].iloc[0])


@pytest.mark.parametrize("code", ["20UF", "35UG", "20UD", "00BN"], ids=["easington", "wansbeck", "derwentside",
                                                                          "manchester-old-code"])
def test_summary_sentences_say_the_held_figures(data_dir, code: str) -> None:
    shares, score = old_districts.summary_sentences(code, data_dir=data_dir)
    for edition in ("2004", "2007", "2010", "2015", "2019"):
        value = _held(data_dir, f"imd{edition}_imd_la_prop_most_deprived_10pc", code)
        assert f"{100 * value:.1f}% " in shares and edition in shares
    assert f"{_held(data_dir, 'imd2019_imd_la_avg_score', code):.3f}" in score


def test_a_current_district_has_no_old_district_summaries(data_dir) -> None:
    assert old_districts.summary_sentences("E06000047", data_dir=data_dir) == ()


@pytest.mark.parametrize("indicator_id", ["imd2004_imd_la_prop_most_deprived_10pc", "imd2019_imd_la_avg_score",
                                          "pop_total"])
def test_every_old_district_holds_the_derived_figures(data_dir, indicator_id: str) -> None:
    counts = old_districts.coverage([indicator_id], data_dir=data_dir)
    assert counts["areas"].max() == 354


def test_easingtons_pack_has_its_figures_and_the_2004_spearhead_run(data_dir) -> None:
    """Its pack had one figure and 'Spearhead status: not assessed' (the method ran on 2019 codes)."""
    content = pack.build("20UF", data_dir=data_dir)
    assert len(content.sentences) >= 3 and content.summaries == old_districts.summary_sentences("20UF", data_dir=data_dir)
    assert "2001-03 data (2008 codes)" in content.spearhead and "not assessed" not in content.spearhead
    assert old_districts.SOURCE in content.sources
