"""Tests for geo.derived: how carried figures are marked, counted and summarised."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo import derived
from geo.derived import APPROXIMATE, SAME_AREA

NOTES = pd.Series([f"{APPROXIMATE} population-weighted mean of ...", f"{SAME_AREA} Hartlepool (E06000001)",
                   "compared with England (Fingertips, 95% CI): similar", None, f"{APPROXIMATE} x"])
STATUSES = pd.Series(["ok", "ok", "ok", "ok", "missing"])


def test_kind_of_reads_the_note_s_first_words() -> None:
    assert derived.kind_of(NOTES).tolist() == ["approximate", "same area", "published", "published", "approximate"]
    assert derived.is_approximate(NOTES).tolist() == [True, False, False, False, True]


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        pytest.param(NOTES, ["1 of 4 values are approximations", "1 are the published figure of an area with the same"],
                     id="approximate and same area"),
        pytest.param(pd.Series([None, "x", None, "y", None]), [], id="official only"),
        pytest.param(None, [], id="no note column"),
    ],
)
def test_legend_note_counts_values_drawn(notes: pd.Series | None, expected: list[str]) -> None:
    text = derived.legend_note(notes, STATUSES)
    assert all(e in text for e in expected) and (text == "") == (not expected)


def _table(lower: list[float | None], notes: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"value": [80.0] * len(lower), "lower_ci": lower, "status": "ok", "note": notes})


@pytest.mark.parametrize(
    ("table", "first", "more"),
    [
        pytest.param(_table([79.0, None], [None, f"{APPROXIMATE} y"]), "for 1 of 2 areas with a value",
                     ["Approximate: 1 values"], id="CIs and an approximation"),
        pytest.param(_table([None, None], [None, None]), "none held", [], id="no CIs held"),
        pytest.param(_table([79.0], [f"{SAME_AREA} A (A)"]), "for 1 of 1", ["Same area: 1 values"], id="same area"),
    ],
)
def test_table_notes(table: pd.DataFrame, first: str, more: list[str]) -> None:
    lines = derived.table_notes(table)
    assert first in lines[0] and len(lines) == 1 + len(more)
    assert all(m in line for m, line in zip(more, lines[1:], strict=True))


@pytest.mark.parametrize(("period", "year"), [("2001-03", 2015), ("2017", 2019), ("2019-21", 2020), ("2023-25", 2020)],
                         ids=["old", "tie goes later", "three-year", "latest"])
def test_nearest_year(period: str, year: int) -> None:
    assert derived.nearest_year(period) == year


def test_summary_per_level_and_indicator(tmp_path: Path) -> None:
    rows = pd.DataFrame({
        "indicator_id": "le_birth", "level": ["region", "region", "utla", "utla", "utla"],
        "period": ["2005-07", "2023-25", "2023-25", "2023-25", "2017-19"],
        "sex": ["female", "female", "male", "male", "female"], "status": ["ok", "ok", "ok", "missing", "ok"],
        "note": [f"{APPROXIMATE} a", f"{APPROXIMATE} b", f"{SAME_AREA} c", "No value: d", f"{APPROXIMATE} e"],
    })
    (tmp_path / "indicators").mkdir()
    rows.to_parquet(tmp_path / derived.CARRIED_FILE)
    out = derived.summary(data_dir=tmp_path).set_index("level")
    assert out.index.tolist() == ["utla", "region"]
    assert out.loc["utla", "periods"] == "female: 2017-19; male: 2023-25"
    assert (out.loc["utla", "same_area"], out.loc["utla", "approximate"], out.loc["utla", "without_value"]) == (1, 1, 1)
    assert out.loc["region", "weights"] == "mid-2015, mid-2020"
    assert out.loc["region", "periods"] == "female: 2005-07 to 2023-25 (2)"


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        pytest.param(f"{APPROXIMATE} ...; not an official figure; no interval: the published figures of its parts have "
                     "no confidence interval.", "the published figures of its parts have no confidence interval",
                     id="no part has one"),
        pytest.param(f"{APPROXIMATE} ...; not an official figure; no interval: 1 of its 5 parts has no published "
                     "confidence interval. City of London (E09000001) left out", "1 of its 5 parts has no published "
                     "confidence interval", id="one part lacks one, then a member left out"),
        pytest.param(f"{APPROXIMATE} ...; not an official figure; {derived.COMBINED_CI}.", "", id="combined"),
        pytest.param(None, "", id="no note"),
    ],
)
def test_interval_reason_reads_the_note(note: str | None, reason: str) -> None:
    assert derived.interval_reason(note) == reason


@pytest.mark.parametrize(
    ("combined", "words"),
    [
        pytest.param([False, False], "(not official; no confidence interval)", id="none-combined"),
        pytest.param([True, True], "(not official; each with an approximate confidence interval combining its parts' "
                     "published ones)", id="all-combined"),
        pytest.param([True, False], "(not official; 1 with an approximate confidence interval combining their "
                     "parts' published ones)", id="some-combined"),
    ],
)
def test_legend_note_says_whether_an_approximations_interval_is_combined(combined: list[bool], words: str) -> None:
    notes = pd.Series([f"{APPROXIMATE} ...; not an official figure; "
                       + (f"{derived.COMBINED_CI}." if c else "no interval: the parts publish none.") for c in combined])
    assert words in derived.legend_note(notes, pd.Series(["ok", "ok"]))
