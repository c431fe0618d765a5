"""Years behind England: the definition on worked examples, the sentence, the CLI against the function."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cli.main import main
from geo import lag
from geo.errors import DataUnavailableError
from geo.periods import period_year

# England rising, three-year periods with midpoints 2002, 2005, 2008.
RISING = pd.Series({"2001-03": 80.0, "2004-06": 81.0, "2007-09": 82.0})
# A tie: England stood at 81.0 in two periods (midpoints 2002 and 2005).
TIED = pd.Series({"2001-03": 81.0, "2004-06": 81.0, "2007-09": 82.0})
# A death rate falling (lower is better).
RATES = pd.Series({"2001-03": 60.0, "2004-06": 50.0, "2007-09": 40.0})


@pytest.mark.parametrize(
    ("england", "value", "polarity", "years", "beyond", "matched"),
    [
        pytest.param(RISING, 81.0, "higher_is_better", 3.0, False, "2004-06", id="exact-match"),
        pytest.param(RISING, 80.5, "higher_is_better", 6.0, False, "2001-03", id="between-periods"),
        pytest.param(TIED, 81.0, "higher_is_better", 3.0, False, "2004-06", id="tie-goes-to-latest-england-period"),
        pytest.param(RISING, 79.0, "higher_is_better", 6.0, True, "", id="beyond-the-series"),
        pytest.param(RISING, 82.0, "higher_is_better", 0.0, False, "2007-09", id="equal-to-england-now"),
        pytest.param(RISING, 83.5, "higher_is_better", 0.0, False, "2007-09", id="ahead-of-england"),
        pytest.param(RATES, 55.0, "lower_is_better", 6.0, False, "2001-03", id="rate-between-periods"),
        pytest.param(RATES, 35.0, "lower_is_better", 0.0, False, "2007-09", id="rate-ahead-of-england"),
        pytest.param(RATES, 70.0, "lower_is_better", 6.0, True, "", id="rate-beyond-the-series"),
    ],
)
def test_definition_on_worked_examples(england, value, polarity, years, beyond, matched) -> None:
    result = lag.years_behind(value, "2007-09", england, polarity=polarity)
    assert (result.years_behind, result.beyond_series, result.england_period) == (years, beyond, matched)
    assert result.first_period == "2001-03"


def test_later_england_periods_are_ignored() -> None:
    # In 2004-06 an area at 80.5 is 3 years behind (2001-03); England's 2007-09 value does not count.
    result = lag.years_behind(80.5, "2004-06", RISING, polarity="higher_is_better")
    assert (result.years_behind, result.beyond_series) == (3.0, False)


def test_england_falling_puts_an_area_above_its_current_value_at_zero() -> None:
    falling = pd.Series({"2009-11": 64.0, "2015-17": 64.2, "2021-23": 61.9})
    assert lag.years_behind(62.0, "2021-23", falling, polarity="higher_is_better").years_behind == 0.0
    assert lag.years_behind(61.0, "2021-23", falling, polarity="higher_is_better").text == "more than 12 years"


def test_midpoint_of_2023_25_is_2024() -> None:
    england = pd.Series({"2001-03": 80.0, "2023-25": 83.0})
    assert lag.years_behind(79.0, "2023-25", england, polarity="higher_is_better").text == "more than 22 years"


def test_no_value_gives_no_years() -> None:
    result = lag.years_behind(math.nan, "2007-09", RISING, polarity="higher_is_better")
    assert math.isnan(result.years_behind) and not result.beyond_series and result.text == "no value"


def test_england_must_hold_the_period() -> None:
    with pytest.raises(DataUnavailableError, match="England's value for 2010-12 is not held"):
        lag.years_behind(80.0, "2010-12", RISING, polarity="higher_is_better")


def test_table_marks_beyond_the_series_and_leaves_missing_empty() -> None:
    t = lag.lag_table(pd.Series({"a": 79.0, "b": 81.0, "c": math.nan}), "2007-09", RISING, polarity="higher_is_better")
    assert t["beyond_series"].tolist() == [True, False, pd.NA]
    assert t["years_behind"].iloc[:2].tolist() == [6.0, 3.0]


@pytest.mark.parametrize(
    ("sex", "result", "indicator_id", "expected"),
    [
        pytest.param("female", lag.Lag("2023-25", 79.3, 22.0, True, "", "2001-03", 83.5, 4.2, 80.7), "le_birth",
                     "Women in Blackpool can expect to live as long as the average woman in England did more than "
                     "22 years ago (2023-25): 79.3 years, a gap of 4.2 years to England's 83.5. “More than 22 years” "
                     "is a floor: England's series held starts in 2001-03 (80.7), a value not yet reached here.",
                     id="beyond-is-a-floor"),
        pytest.param("male", lag.Lag("2023-25", 79.0, 1.0, False, "2022-24", "2015-17", 79.7, 0.7, 79.5), "le_birth",
                     "Men in Blackpool can expect to live as long as the average man in England did 1 year ago "
                     "(2023-25, against England in 2022-24): 79.0 years, a gap of 0.7 years to England's 79.7.",
                     id="one-year"),
        pytest.param("female", lag.Lag("2023-25", 81.6, 19.0, False, "2004-06", "2001-03", 83.5, 1.9, 80.7,
                                       "2010-12", 82.9), "le_birth",
                     "Women in Blackpool can expect to live as long as the average woman in England did 19 years ago "
                     "(2023-25, against England in 2004-06): 81.6 years, a gap of 1.9 years to England's 83.5. "
                     "England's figure changed little after 2011 (82.9 in 2010-12, 83.5 in 2023-25), so a small gap "
                     "is many years behind.", id="flat-england"),
        pytest.param("female", lag.Lag("2022-24", 62.0, 0.0, False, "2022-24", "2009-11", 61.3, -0.7, 64.0),
                     "hle_birth",
                     "Women in Blackpool can expect to live in good health at least as long as the average woman in "
                     "England (2022-24): 62.0 years against England's 61.3.", id="not-behind-healthy"),
        pytest.param("female", lag.Lag("2022-24", math.nan, math.nan, False, "", "2009-11"), "le_birth", "",
                     id="no-value"),
    ],
)
def test_sentence(sex, result, indicator_id, expected) -> None:
    assert lag.sentence("Blackpool", sex, result, indicator_id=indicator_id) == expected


# England rising 1 year a period, then flat from 2010-12 (midpoints 2002, 2005, 2008, 2011, 2014, 2017).
FLATTENS = pd.Series({"2001-03": 79.0, "2004-06": 80.0, "2007-09": 81.0, "2010-12": 82.0, "2013-15": 82.1,
                      "2016-18": 82.2})
# England rising half a year a period throughout (0.17 a year): never flat.
STEADY = pd.Series({"2001-03": 80.0, "2004-06": 80.5, "2007-09": 81.0, "2010-12": 81.5, "2013-15": 82.0,
                    "2016-18": 82.5})
# England falling after 2010-12.
FALLS = pd.Series({"2004-06": 63.0, "2007-09": 64.0, "2010-12": 64.0, "2013-15": 63.0, "2016-18": 61.5})


@pytest.mark.parametrize(
    ("england", "period", "within", "polarity", "expected"),
    [
        pytest.param(FLATTENS, "2016-18", "", "higher_is_better", "2010-12", id="flat-after-rising"),
        pytest.param(FLATTENS, "2016-18", "2013-15", "higher_is_better", "", id="stretch-under-5-years"),
        pytest.param(STEADY, "2016-18", "", "higher_is_better", "", id="steady-rise-is-not-flat"),
        pytest.param(FALLS, "2016-18", "", "higher_is_better", "2004-06", id="a-fall-counts-as-flat"),
        pytest.param(RATES, "2007-09", "", "lower_is_better", "", id="falling-death-rate-improves"),
        pytest.param(pd.Series({"2001-03": 60.0, "2007-09": 59.9, "2013-15": 59.9}), "2013-15", "",
                     "lower_is_better", "2001-03", id="death-rate-flat"),
    ],
)
def test_flat_since_follows_the_stated_rule(england, period, within, polarity, expected) -> None:
    assert lag.flat_since(england, period, polarity=polarity, within=within) == expected


@pytest.mark.parametrize(
    ("value", "years", "gap", "flat"),
    [
        pytest.param(80.5, 12.0, 1.7, "2010-12", id="flat-stretch-is-over-half-the-years"),
        pytest.param(82.05, 6.0, 0.15, "2010-12", id="small-gap-wholly-in-the-flat-stretch"),
        pytest.param(78.0, 15.0, 4.2, "", id="beyond-the-series-mostly-rising-england-not-flagged"),
        pytest.param(82.2, 0.0, 0.0, "", id="not-behind"),
    ],
)
def test_every_figure_carries_its_gap_and_the_flat_england_flag(value, years, gap, flat) -> None:
    result = lag.years_behind(value, "2016-18", FLATTENS, polarity="higher_is_better")
    assert (result.years_behind, result.flat_since) == (years, flat)
    assert result.gap == pytest.approx(gap) and result.england_value == 82.2
    if years:
        assert result.figure == f"{result.text} behind England (a gap of {gap:.1f} years)"
    assert ("changed little after 2011" in result.flat_text) is bool(flat)


def test_flat_rule_is_stated_with_its_numbers() -> None:
    assert f"{lag.FLAT_PER_YEAR:g} years a year" in lag.FLAT_RULE
    assert f"at least {lag.FLAT_MIN_YEARS:g} years" in lag.FLAT_RULE
    assert "0.05" in (lag.__doc__ or "") and "half of its years behind" in (lag.__doc__ or "")


def test_area_sentences_only_where_the_area_has_its_own_value(data_dir) -> None:
    # Burnley is a district in Lancashire: healthy life expectancy is published for Lancashire, not for it.
    district = lag.area_sentences("E07000117", "Burnley", level="lad", vintage="2023", data_dir=data_dir)
    assert district and all("good health" not in s for s in district)
    unitary = lag.area_sentences("E06000009", "Blackpool", level="lad", vintage="2023", data_dir=data_dir)
    assert any("good health" in s for s in unitary)
    assert lag.area_sentences("E38000001", "A PCT", level="pct", data_dir=data_dir) == ()


def test_area_sentences_use_published_figures_not_approximations(data_dir) -> None:
    """Lancashire's life expectancy after 2016-18 is the atlas's approximation (geo.derived): never used here."""
    from geo import derived, indicators

    rows = indicators.load("le_birth", level="utla", sex="female", data_dir=data_dir)
    mine = rows[(rows["area_code"] == "E10000017") & (rows["status"] == "ok")]
    published = sorted(mine.loc[~derived.is_approximate(mine["note"]), "period"])[-1]
    assert sorted(mine["period"])[-1] > published  # approximations are held for later periods
    said = lag.area_sentences("E10000017", "Lancashire", level="utla", vintage="2023", data_dir=data_dir)
    women = [s for s in said if s.startswith("Women") and "good health" not in s]
    assert len(women) == 1 and f"({published}" in women[0]
    assert not [s for s in said if s.startswith("Men") and "good health" not in s]  # men: only approximations


@pytest.mark.parametrize("sex", ["female", "male"])
def test_run_agrees_with_england_on_committed_data(data_dir, sex: str) -> None:
    run = lag.run("le_birth", period="2023-25", sex=sex, data_dir=data_dir)
    t = run.table.dropna(subset=["value"])
    now, oldest = run.england["2023-25"], run.england.min()
    assert ((t["years_behind"] == 0) == (t["value"] >= now)).all()
    assert (t["beyond_series"].astype(bool) == (t["value"] < oldest)).all()
    beyond = t.loc[t["beyond_series"].astype(bool), "years_behind"]
    assert (beyond == 2024 - period_year(run.first_period)).all()


def test_cli_matches_the_function(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "lag.csv"
    assert main(["lag", "--indicator", "le_birth", "--period", "2023-25", "--sex", "female", "--out", str(out)]) == 0
    written = pd.read_csv(out, comment="#", dtype={"area_code": str, "beyond_series": str,
                                                    "flat_england_since": str}, keep_default_na=False)
    assert list(written.columns) == list(lag.CSV_COLUMNS)
    run = lag.run("le_birth", period="2023-25", sex="female", data_dir=data_dir)
    expected = run.csv_table()
    assert written["area_code"].tolist() == expected["area_code"].tolist()
    years = pd.to_numeric(written["years_behind"].replace("", None))
    pd.testing.assert_series_equal(years, expected["years_behind"], check_names=False, check_dtype=False)
    assert written["beyond_series"].tolist() == ["" if pd.isna(b) else str(bool(b)).lower() for b in expected["beyond_series"]]
    # every years-behind figure has its gap beside it: England's value minus the area's
    held = written[written["years_behind"] != ""]
    gaps = pd.to_numeric(held["gap"])
    assert gaps.round(6).tolist() == (pd.to_numeric(held["england_value"]) - pd.to_numeric(held["value"])).round(6).tolist()
    text = out.read_text(encoding="utf-8")
    assert "Years behind England" in text.splitlines()[0]
    assert lag.FLAT_RULE in text and "is a floor" in text
    printed = capsys.readouterr().out
    assert "with gaps of" in printed and "a floor" in printed
    assert (run.flat in printed) and (run.flat in text)


def test_flat_england_is_flagged_where_the_rule_says_on_committed_data(data_dir) -> None:
    run = lag.run("le_birth", period="2023-25", sex="female", data_dir=data_dir)
    for row in run.table.dropna(subset=["value"]).itertuples():
        start = row.england_period or run.first_period
        since = lag.flat_since(run.england, "2023-25", polarity="higher_is_better", within=start)
        long_enough = bool(since) and 2024 - period_year(since) >= row.years_behind / 2 and row.years_behind > 0
        assert row.flat_england_since == (since if long_enough else "")
        assert row.gap == pytest.approx(run.england["2023-25"] - row.value)


def test_group_is_weighted_by_the_population_nearest_the_period(data_dir) -> None:
    from geo import gap

    members = ["E06000009", "E08000012", "E07000117"]
    result, how = lag.group_lag(members, indicator_id="le_birth", period="2023-25", sex="female", vintage="2023",
                                data_dir=data_dir)
    year = gap.nearest_years("2023-25", gap.population_years(data_dir=data_dir))[0]
    assert f"mid-{year} population" in how
    assert "a gap of" in result.figure


def test_cli_error_is_one_line(tmp_path, capsys) -> None:
    assert main(["lag", "--indicator", "le_birth", "--period", "1066", "--out", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
