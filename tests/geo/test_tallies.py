"""Counting a list of postcodes into areas: every row accounted for, suppression, rates, no postcode kept."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import UploadError
from geo.tallies import REMARKS, SETS, Tally, extract_postcode, postcode_share, tally

pytestmark = pytest.mark.skipif(not (DATA_DIR / "lookups" / "postcodes.parquet").exists(),
                                reason="postcode table not built")

# E01006515 (LSOA 2011, Liverpool): L1 0AA lies in it.
LIVERPOOL_LSOA11 = "E01006515"


@pytest.mark.parametrize(
    ("cell", "reason", "words"),
    [
        pytest.param("", "empty", "empty postcode cell", id="empty"),
        pytest.param("not a postcode", "invalid", "not shaped like a postcode", id="words"),
        pytest.param("EH1 1YZ", "Scotland", "in Scotland, not England", id="scotland"),
        pytest.param("CF10 1AA", "Wales", "in Wales, not England", id="wales"),
        pytest.param("BT1 1AA", "Northern Ireland", "in Northern Ireland, not England", id="northern-ireland"),
        pytest.param("GY1 1AA", "the Channel Islands", "in the Channel Islands", id="guernsey"),
        pytest.param("IM1 1AA", "the Isle of Man", "in the Isle of Man", id="isle-of-man"),
        pytest.param("BF1 3AA", "non-geographic", "non-geographic postcode (BFPO", id="bfpo"),
        pytest.param("ZZ9 9ZZ", "non-geographic", "non-geographic postcode", id="non-geographic"),
        pytest.param("L1 9ZZ", "unknown", "neither the ONS postcode lookup", id="unknown"),
    ],
)
def test_each_unplaced_row_is_listed_with_its_row_number(cell: str, reason: str, words: str) -> None:
    result = tally(pd.Series(["L1 0AA", cell, "L1 0AA"]))
    assert result.rows_read == 3 and result.counted == 2
    assert result.not_counted.to_dict("records") == [{"row": 3, "reason": reason}]
    assert result.report()[0] == "3 rows read: 2 placed in England, 1 not counted."
    (line,) = [line for line in result.report() if line.startswith("Not counted:")]
    assert line.startswith("Not counted: 1 row ") and words in line and line.endswith(": row 3.")


def _terminated() -> str:
    """A terminated postcode whose small areas are held (from the postcode table itself)."""
    table = pd.read_parquet(DATA_DIR / "lookups" / "postcodes.parquet", columns=["postcode", "terminated", "lsoa11cd",
                                                                                  "lsoa21cd"])
    held = table[(table["terminated"] > 0) & table["lsoa11cd"].notna() & table["lsoa21cd"].notna()]
    return str(held["postcode"].iloc[0])


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        pytest.param("l1 0aa", "lower case", id="lowercase"),
        pytest.param("L10AA", "spacing", id="missing-space"),
        pytest.param("L1  0AA", "spacing", id="doubled-space"),
        pytest.param("L1 OAA", "letter O", id="letter-o"),
        pytest.param("Flat 1, 2 Hope St, Liverpool L1 0AA", "address", id="address"),
        pytest.param(None, "terminated", id="terminated"),
    ],
)
def test_other_forms_are_placed_and_listed_by_row(cell: str | None, kind: str) -> None:
    cell = cell or _terminated()
    result = tally(pd.Series(["L1 0AA", cell, cell]))
    assert result.counted == 3 and result.not_counted.empty
    assert result.remarks.to_dict("records") == [{"row": 3, "kind": kind}, {"row": 4, "kind": kind}]
    (line,) = [line for line in result.report() if line.startswith("Counted:")]
    assert line.startswith(f"Counted: 2 rows {REMARKS[kind]}") and line.endswith(": rows 3, 4.")
    assert cell not in " ".join(result.report()) and "L1 0AA" not in " ".join(result.report())


def test_the_written_postcode_is_not_remarked() -> None:
    assert tally(pd.Series(["L1 0AA", "SW1A 1AA"])).remarks.empty


@pytest.mark.parametrize("cell", ["l10aa", "L1  0AA", "L1 OAA", "Flat 1, 2 Hope St, Liverpool L1 0AA"],
                         ids=["lowercase", "doubled-space", "letter-o", "address"])
def test_spellings_and_addresses_are_placed(cell: str) -> None:
    result = tally(pd.Series([cell] * 5))
    t = result.table("lsoa", "2011").set_index("area_code")
    assert t.loc[LIVERPOOL_LSOA11, "count"] == 5


def test_small_counts_are_suppressed_everywhere() -> None:
    result = tally(pd.Series(["L1 0AA"] * 4 + ["SW1A 1AA"] * 6), threshold=5)
    lsoa = result.table("lsoa", "2011").set_index("area_code")
    assert lsoa.loc[LIVERPOOL_LSOA11, "suppressed"] and pd.isna(lsoa.loc[LIVERPOOL_LSOA11, "count"])
    assert pd.isna(lsoa.loc[LIVERPOOL_LSOA11, "rate_per_1000"])
    assert "fewer than 5" in lsoa.loc[LIVERPOOL_LSOA11, "note"]
    assert lsoa.loc["E01004736", "count"] == 6 and not lsoa.loc["E01004736", "suppressed"]
    lad = result.table("lad", "2023").set_index("area_code")
    assert lad.loc["E08000012", "suppressed"]  # Liverpool: 4 < 5


@pytest.mark.parametrize(("level", "vintage"), [("lsoa", "2021"), ("lsoa", "2011"), ("lad", "2023"), ("lad", "2019"),
                                                ("utla", "2023")])
def test_every_area_of_the_set_has_a_row_and_no_count_is_lost(level: str, vintage: str) -> None:
    from geo import crosswalk

    result = tally(pd.Series(["L1 0AA"] * 3 + ["SW1A 1AA"] * 6), threshold=1)
    table = result.table(level, vintage)
    assert set(table["area_code"]) == set(crosswalk.set_codes(level, vintage, DATA_DIR))
    assert table["count"].sum() == 9 and (table["count"] == 0).sum() == len(table) - 2
    zero = table[table["count"] == 0].iloc[0]
    assert zero["rate_per_1000"] == 0 and not zero["suppressed"]


def test_a_set_no_lookup_reaches_is_one_line() -> None:
    with pytest.raises(UploadError, match="cannot be counted into"):
        tally(pd.Series(["L1 0AA"])).table("lsoa", "2001")


@pytest.mark.parametrize("threshold", [1, 3, 10])
def test_another_threshold_is_the_same_as_counting_again(threshold: int) -> None:
    cells = pd.Series(["L1 0AA"] * 4 + ["SW1A 1AA"] * 6 + ["M1 1AE"] * 2)
    again = tally(cells, threshold=threshold)
    changed = tally(cells).with_threshold(threshold)
    for key in (("lsoa", "2021"), ("lad", "2019")):
        pd.testing.assert_frame_equal(changed.table(*key), again.table(*key))
    assert changed.report() == again.report()


def test_threshold_can_be_lowered_and_counts_weight_rows() -> None:
    result = tally(pd.Series(["L1 0AA", "L1 0AA", "SW1A 1AA"]), counts=pd.Series(["2", "", "7"]), threshold=1)
    lsoa = result.table("lsoa", "2011").set_index("area_code")
    assert lsoa.loc[LIVERPOOL_LSOA11, "count"] == 3  # 2 + a blank count of 1
    lad = result.table("lad", "2023").set_index("area_code")
    assert lad.loc["E09000033", "count"] == 7
    assert lad.loc["E09000033", "rate_per_1000"] == pytest.approx(7000 / lad.loc["E09000033", "population"])


def test_a_small_rate_of_a_large_area_is_not_rounded_away() -> None:
    lad = tally(pd.Series(["L1 0AA"] * 6)).table("lad", "2023").set_index("area_code").loc["E08000012"]
    assert lad["rate_per_1000"] == pytest.approx(6000 / lad["population"]) and lad["rate_per_1000"] > 0
    assert 0 < lad["lower_ci_95"] < lad["rate_per_1000"] < lad["upper_ci_95"]


def test_a_bad_count_is_a_listed_row_not_a_guess() -> None:
    result = tally(pd.Series(["L1 0AA", "L1 0AA"]), counts=pd.Series(["1.5", "-2"]))
    assert result.counted == 0 and set(result.not_counted["reason"]) == {"bad_count"}


@pytest.mark.parametrize("threshold", [0, -1, 2.5])
def test_a_threshold_that_is_not_a_whole_number_from_one_is_refused(threshold: float) -> None:
    with pytest.raises(UploadError, match="threshold"):
        tally(pd.Series(["L1 0AA"]), threshold=threshold)  # type: ignore[arg-type]
    with pytest.raises(UploadError, match="threshold"):
        tally(pd.Series(["L1 0AA"])).with_threshold(threshold)  # type: ignore[arg-type]


def test_no_output_carries_a_postcode_and_the_tally_is_session_owned() -> None:
    result = tally(pd.Series(["L1 0AA"] * 6 + ["EH1 1YZ", "l1 0aa", "2 Hope St L1 0AA"]))
    for key in SETS:
        text = result.table(*key).to_csv(index=False)
        assert not re.search(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", text, re.I), key
    words = " ".join(result.report()) + result.not_counted.to_csv() + result.remarks.to_csv()
    assert "EH1" not in words and "L1 0AA" not in words and "l1 0aa" not in words
    assert isinstance(result, Tally) and shared.is_session_owned(result)


_CELLS = st.sampled_from(["L1 0AA", "l10aa", "SW1A 1AA", "", "x", "EH1 1YZ", "BF1 3AA", "L1 9ZZ", "SW1A 1AA ", None])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_CELLS, min_size=1, max_size=40))
def test_placed_and_not_counted_add_up_to_rows_read(cells: list[str | None]) -> None:
    result = tally(pd.Series(cells, dtype="object"), threshold=1)
    assert result.counted + len(result.not_counted) == result.rows_read == len(cells)
    # Every placed row is in the 2011 small areas' counts (these postcodes all have one).
    assert result.table("lsoa", "2011")["count"].sum() == result.counted


def test_a_postcode_column_is_recognised() -> None:
    assert postcode_share(pd.Series(["L1 0AA", "sw1a1aa", None, "x"])) == pytest.approx(2 / 3)
    assert extract_postcode("2 Hope St, L1 0AA") == "L1 0AA"


# Published limits of counts, from PHEindicatormethods' own vignette (ukhsa-collaboration/PHEindicatormethods,
# inst/doc/PHEindicatormethodsIntroVignette.html, commit b0fa919dc65e4ae212253b0566095b158f55bcd1):
# "phe_rate(df, obs, pop)" (per 100,000) and "phe_rate(..., confidence=99.8, multiplier=100)" (per 100),
# row 4 (13 events in 109: Byars) and row 6 (7 events in 139: Exact). Rate x pop / multiplier = the count's limit.
PUBLISHED_COUNT_LIMITS = {
    13: ((6344.25775 * 109 / 1e5, 20396.080 * 109 / 1e5), (4.192660 * 109 / 100, 26.14598 * 109 / 100),
         "95% and 99.8% CIs by Byar's method"),
    7: ((2024.72162 * 139 / 1e5, 10376.025 * 139 / 1e5), (1.093767 * 139 / 100, 14.11955 * 139 / 100),
        "95% and 99.8% CIs by the exact Poisson method"),
}


@pytest.mark.parametrize(("area", "postcode", "events"),
                         [pytest.param(LIVERPOOL_LSOA11, "L1 0AA", 13, id="13-byars"),
                          pytest.param("E01004736", "SW1A 1AA", 7, id="7-exact")])
def test_each_rate_has_ohids_intervals_at_both_levels_and_names_its_method(area: str, postcode: str,
                                                                           events: int) -> None:
    result = tally(pd.Series([postcode] * events + ["M1 1AE"] * 3))
    row = result.table("lsoa", "2011").set_index("area_code").loc[area]
    (lo95, hi95), (lo998, hi998), method = PUBLISHED_COUNT_LIMITS[events]
    per = 1000 / row["population"]
    assert row["count"] == events
    assert (row["lower_ci_95"], row["upper_ci_95"]) == (pytest.approx(lo95 * per, rel=1e-6),
                                                        pytest.approx(hi95 * per, rel=1e-6))
    assert (row["lower_ci_99_8"], row["upper_ci_99_8"]) == (pytest.approx(lo998 * per, rel=1e-6),
                                                            pytest.approx(hi998 * per, rel=1e-6))
    assert row["ci_method"] == method


def test_suppressed_rows_keep_no_interval_and_say_why() -> None:
    result = tally(pd.Series(["L1 0AA"] * 3 + ["SW1A 1AA"] * 6))
    lsoa = result.table("lsoa", "2011").set_index("area_code")
    hidden = lsoa.loc[LIVERPOOL_LSOA11]
    assert hidden[["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]].isna().all()
    assert hidden["ci_method"] == "no interval: count suppressed (small number)"
    assert (lsoa["lower_ci_95"] < lsoa["rate_per_1000"])["E01004736"]
