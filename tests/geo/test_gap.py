"""The gap tracker: arithmetic on worked examples, weighting, the target line, committed data."""

from __future__ import annotations

import pandas as pd
import pytest

from cli.main import main
from geo import gap, series
from geo.errors import UploadError


def test_gap_arithmetic_worked_example() -> None:
    # Group 75.0 vs England 80.0 at baseline: gap 5.0 years, 6.25% of England.
    # Later: 77.0 vs 82.0: gap 5.0 years, 6.0976%: relative change (6.0976 - 6.25) / 6.25 = -2.44%.
    t = gap.gap_table(pd.Series({"1995-97": 75.0, "2005-07": 77.0}), pd.Series({"1995-97": 80.0, "2005-07": 82.0}),
                      polarity="higher_is_better", baseline="1995-97", target_period="2005-07")
    assert t["absolute_gap"].tolist() == [5.0, 5.0]
    assert t["relative_gap"].tolist() == pytest.approx([6.25, 500 / 82])
    assert t["absolute_change"].tolist() == [0.0, 0.0]
    assert t["relative_change"].iloc[1] == pytest.approx((500 / 82 - 6.25) / 6.25 * 100)
    # 10% narrower by the target period
    assert t["target_absolute_gap"].tolist() == pytest.approx([5.0, 4.5])
    assert t["target_relative_gap"].tolist() == pytest.approx([6.25, 5.625])


def test_target_line_is_straight_and_flat_after_the_target() -> None:
    periods = ["2000", "2005", "2010", "2015"]
    t = gap.gap_table(pd.Series(dict.fromkeys(periods, 70.0)), pd.Series(dict.fromkeys(periods, 80.0)),
                      polarity="higher_is_better", baseline="2000", target_period="2010")
    assert t["target_absolute_gap"].tolist() == pytest.approx([10.0, 9.5, 9.0, 9.0])


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [pytest.param("higher_is_better", 5.0, id="life-expectancy-england-minus-group"),
     pytest.param("lower_is_better", -5.0, id="mortality-group-minus-england")],
)
def test_gap_sign_follows_polarity(polarity: str, expected: float) -> None:
    t = gap.gap_table(pd.Series({"2001": 75.0, "2002": 75.0}), pd.Series({"2001": 80.0, "2002": 80.0}),
                      polarity=polarity, baseline="2001")
    assert t["absolute_gap"].iloc[0] == expected


def test_bad_baseline_says_what_is_held() -> None:
    with pytest.raises(UploadError, match="expected one of 2001, 2002"):
        gap.gap_table(pd.Series({"2001": 1.0, "2002": 2.0}), pd.Series({"2001": 1.0, "2002": 2.0}),
                      polarity="higher_is_better", baseline="1999")


def test_track_on_committed_data_uses_published_england_values(data_dir) -> None:
    from geo import indicators

    result = gap.track(["E08000012", "E06000002"], indicator=series.INDICATORS["le_female"], vintage="2019",
                       data_dir=data_dir)
    first = result.table.iloc[0]
    england = indicators.england_value("le_birth", period=str(first["period"]), sex="female", data_dir=data_dir)
    assert england is not None and first["england_value"] == england["value"]
    assert first["absolute_gap"] == pytest.approx(first["england_value"] - first["group_value"])
    assert "population-weighted" in result.method and "pooled" in result.method


def test_cli_gap(data_dir, tmp_path) -> None:
    out = tmp_path / "gap.csv"
    assert main(["gap", "--indicator", "le_female", "--out", str(out)]) == 0
    table = pd.read_csv(out, comment="#")
    assert {"period", "absolute_gap", "relative_gap", "target_relative_gap"} <= set(table.columns)
    assert out.read_text(encoding="utf-8").startswith("# Gap tracker")


# --- the 2004 targets and healthy life expectancy (issue 14) -------------------------------


@pytest.mark.parametrize(
    ("key", "narrowing", "indicator_id"),
    [pytest.param("cvd_u75", 0.40, "u75_cvd_prev", id="cvd-40pc"),
     pytest.param("cancer_u75", 0.06, "u75_cancer_prev", id="cancer-6pc")],
)
def test_2004_targets_line_from_the_first_period_held(data_dir, key: str, narrowing: float, indicator_id: str) -> None:
    result = gap.track(["E06000009", "E08000012"], indicator=series.INDICATORS[key], vintage="2019", data_dir=data_dir)
    t = result.table.set_index("period")
    assert result.target_period == "2009-11" and result.baseline == t.index[0]
    base = t["absolute_gap"].iloc[0]
    assert t.loc["2009-11", "target_absolute_gap"] == pytest.approx((1 - narrowing) * base)
    assert t["target_absolute_gap"].iloc[-1] == pytest.approx((1 - narrowing) * base)  # flat after 2010
    assert any("1995-97" in n for n in result.notes)  # says the line cannot start at the target's baseline
    if result.indicator.indicator_id == indicator_id:
        assert any("stands in" in n and "geo refresh" in n for n in result.notes)
    assert f"{narrowing:.0%} narrowing" in "\n".join(result.header())


def test_mortality_gap_is_group_minus_england(data_dir) -> None:
    from geo import indicators

    result = gap.track(["E06000009"], indicator=series.INDICATORS["cvd_u75"], vintage="2023", data_dir=data_dir)
    row = result.table.iloc[-1]
    england = indicators.england_value(result.indicator.indicator_id, period=str(row["period"]), sex="persons",
                                       data_dir=data_dir)
    assert england is not None and row["england_value"] == england["value"]
    assert row["absolute_gap"] == pytest.approx(row["group_value"] - row["england_value"])


def test_healthy_life_expectancy_leaves_districts_out(data_dir) -> None:
    # Blackpool is a unitary (its own HLE figure); Burnley a Lancashire district (none of its own).
    result = gap.track(["E06000009", "E07000117"], indicator=series.INDICATORS["hle_female"], vintage="2023",
                       data_dir=data_dir)
    assert set(result.table["areas"]) == {1}
    assert any("upper-tier authorities only" in n and "1 of the 2" in n for n in result.notes)


def test_cli_gap_cvd(data_dir, tmp_path) -> None:
    out = tmp_path / "gap.csv"
    assert main(["gap", "--indicator", "u75_cvd_prev", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "40% narrowing by 2009-11" in text and "1995-97" in text
    assert set(pd.read_csv(out, comment="#")["indicator_id"]) == {"u75_cvd_prev"}


@pytest.mark.parametrize(
    ("measure", "gap_values", "title"),
    [
        pytest.param("relative", [6.25, 500 / 82], "% of England's value", id="relative"),
        pytest.param("absolute", [5.0, 5.0], "England minus group (years)", id="absolute-years"),
    ],
)
def test_chart_series_for_each_measure(measure: str, gap_values: list[float], title: str) -> None:
    # the worked example above: 75.0 vs 80.0, then 77.0 vs 82.0
    t = gap.gap_table(pd.Series({"1995-97": 75.0, "2005-07": 77.0}), pd.Series({"1995-97": 80.0, "2005-07": 82.0}),
                      polarity="higher_is_better", baseline="1995-97", target_period="2005-07")
    result = gap.GapResult(series.LIFE_EXPECTANCY[0], "group", t, "mean", (), "1995-97", "2005-07")
    long, name, got_title = gap.chart_series(result, measure=measure)
    assert got_title == title
    assert long.loc[long["series"] == name, "value"].tolist() == pytest.approx(gap_values)
    assert long.loc[long["series"] == result.target_label, "value"].tolist() == pytest.approx(
        [gap_values[0], gap_values[0] * 0.9])


def test_chart_series_mortality_is_per_100000() -> None:
    t = gap.gap_table(pd.Series({"2001-03": 120.0, "2004-06": 110.0}), pd.Series({"2001-03": 100.0, "2004-06": 95.0}),
                      polarity="lower_is_better", baseline="2001-03", target_period="2004-06")
    result = gap.GapResult(series.MORTALITY[0], "group", t, "mean", (), "2001-03", "2004-06")
    long, name, title = gap.chart_series(result, measure="absolute")
    assert title == "Group minus England (per 100,000)"
    assert long.loc[long["series"] == name, "value"].tolist() == [20.0, 15.0]
    with pytest.raises(ValueError, match="relative or absolute"):
        gap.chart_series(result, measure="ratio")


# --- each period weighted by the population nearest it (issue 19) ------------------------------------


@pytest.mark.parametrize(
    ("period", "years", "expected"),
    [
        pytest.param("2001-03", ("2019", "2020", "2023"), "2019", id="early-period-takes-the-earliest-held"),
        pytest.param("2019-21", ("2019", "2020", "2023"), "2020", id="middle-year-held"),
        pytest.param("2021-23", ("2019", "2020", "2023"), "2023", id="nearer-later-year"),
        pytest.param("2020-22", ("2019", "2020", "2022"), "2022", id="tie-goes-to-the-later-year-as-pct-weights"),
        pytest.param("2001-03", ("2001", "2019"), "2001", id="an-old-year-when-held"),
    ],
)
def test_nearest_population_year(period: str, years: tuple[str, ...], expected: str) -> None:
    assert gap.nearest_years(period, years)[0] == expected


def test_a_year_that_misses_an_area_is_passed_over(monkeypatch) -> None:
    # mid-2001 is nearest 2001-03 but held only for A (B was merged on its codes); mid-2019 covers both.
    held = {"2001": pd.Series({"A": 10.0, "B": float("nan")}), "2019": pd.Series({"A": 30.0, "B": 10.0})}
    monkeypatch.setattr(gap, "population_years", lambda **_: ("2001", "2019"))
    monkeypatch.setattr(gap, "values_on", lambda _i, *, period, **_: (held[period], ()))
    weights, year, passed = gap.period_weights("2001-03", members=["A", "B"], vintage="2019")
    assert (year, passed) == ("2019", ("2001",)) and weights is not None and weights["A"] == 30.0
    weights, year, passed = gap.period_weights("2001-03", members=["A"], vintage="2019")
    assert (year, passed) == ("2001", ())


def test_track_weights_each_period_by_its_nearest_population(data_dir, tmp_path, capsys) -> None:
    from geo.values import group_value, values_for, values_on

    members = ["E06000009", "E08000012", "E08000003"]
    result = gap.track(members, indicator=series.INDICATORS["le_female"], vintage="2023", data_dir=data_dir)
    held = gap.population_years(data_dir=data_dir)
    t = result.table.set_index("period")
    assert len(set(t["population_year"])) > 1  # not one year for every period
    for period in (t.index[0], t.index[-1]):
        year = gap.nearest_years(period, held)[0]
        assert t.loc[period, "population_year"] == year
        weights = values_on("pop_total", period=year, sex="persons", level="lad", vintage="2023", data_dir=data_dir)[0]
        values = values_for(result.indicator, period=period, vintage="2023", data_dir=data_dir)[0]
        assert t.loc[period, "group_value"] == pytest.approx(group_value(values.reindex(members), weights)[0])
    assert gap.years_used(result.table) in result.method and f"mid-{held[-1]}" in result.method
    out = tmp_path / "gap.csv"
    assert main(["gap", "--indicator", "le_female", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "population_year" in pd.read_csv(out, comment="#").columns and "# population_year:" in text
    assert "population weights mid-" in capsys.readouterr().out


# --- the group figure's confidence interval (issue 21) ------------------------------------------------

#: Three areas, worked by hand. Published 95% limits +/-1, +/-2 and +/-3 about 80, 78 and 76; populations 200,
#: 100 and 100 (weights 1/2, 1/4, 1/4). Group figure 40 + 19.5 + 19 = 78.5. Each SE is its half-width / 1.96,
#: so the 95% half-width of the mean is sqrt((1/2 x 1)^2 + (1/4 x 2)^2 + (1/4 x 3)^2) = sqrt(1.0625) = 1.030776,
#: and the 99.8% one that x 3.090232 / 1.959964 = 1.625222.
_HAND = {"A": (80.0, 79.0, 81.0), "B": (78.0, 76.0, 80.0), "C": (76.0, 73.0, 79.0)}
_POPULATION = {"A": 200.0, "B": 100.0, "C": 100.0}
_NAN = float("nan")


def _tracked(monkeypatch: pytest.MonkeyPatch, estimates: dict[str, tuple[float, float, float]],
             population: dict[str, float]) -> gap.GapResult:
    """``gap.track`` on the tiny fixture: the same estimates and populations in two periods, England 81."""
    frame = pd.DataFrame.from_dict(estimates, orient="index", columns=["value", "lower_ci", "upper_ci"])
    record = series.LIFE_EXPECTANCY[1]
    monkeypatch.setattr(gap, "resolve", lambda indicator, **_: (indicator, ""))
    monkeypatch.setattr(gap, "periods_for", lambda *_a, **_k: ["2001-03", "2002-04"])
    monkeypatch.setattr(gap, "estimates_for", lambda *_a, **_k: (frame, ()))
    monkeypatch.setattr(gap, "population_years", lambda **_: ("2002",))
    monkeypatch.setattr(gap, "values_on", lambda *_a, **_k: (pd.Series(population, dtype="float64"), ()))
    monkeypatch.setattr(gap.indicators, "england_value", lambda *_a, **_k: {"value": 81.0})
    return gap.track(sorted(estimates), indicator=record, vintage="2023")


@pytest.mark.parametrize(
    ("estimates", "population", "value", "half_95", "reason"),
    [
        pytest.param(_HAND, _POPULATION, 78.5, 1.0307764, "", id="every-area-has-limits"),
        # B has no value: A and C, weighted 2 to 1: (160 + 76) / 3; half-width sqrt((2/3 x 1)^2 + (1/3 x 3)^2)
        pytest.param({**_HAND, "B": (_NAN, _NAN, _NAN)}, _POPULATION, 236 / 3, (13 / 9) ** 0.5, "",
                     id="an-area-without-a-value-is-left-out-not-a-bar"),
        pytest.param({**_HAND, "C": (76.0, _NAN, _NAN)}, _POPULATION, 78.5, _NAN,
                     "no interval: 1 of the 3 areas' values is held without a published confidence interval",
                     id="one-area-without-limits"),
        pytest.param({k: (v, _NAN, _NAN) for k, (v, _lo, _hi) in _HAND.items()}, _POPULATION, 78.5, _NAN,
                     "no interval: the 3 areas' values are all held without a published confidence interval",
                     id="no-area-has-limits-as-life-expectancy"),
        # no population for C: the plain mean (80 + 78 + 76) / 3, which has no interval here
        pytest.param(_HAND, {"A": 200.0, "B": 100.0}, 78.0, _NAN,
                     "no interval: a plain mean (no population year covers every area)", id="plain-mean"),
    ],
)
def test_group_interval_worked_by_hand(monkeypatch: pytest.MonkeyPatch, estimates: dict[str, tuple[float, float, float]],
                                       population: dict[str, float], value: float, half_95: float, reason: str) -> None:
    result = _tracked(monkeypatch, estimates, population)
    row = result.table.iloc[0]
    assert row["group_value"] == pytest.approx(value)
    half = {"95": half_95, "99_8": half_95 * 3.090232 / 1.959964}
    if reason:
        assert row["group_ci_method"] == reason
        assert row[["group_lower_ci", "group_upper_ci", "group_lower_ci_99_8", "group_upper_ci_99_8"]].isna().all()
        assert gap.interval_text(row) == reason
    else:
        assert row["group_ci_method"].startswith("95% and 99.8% CIs by combining")
        assert (row["group_lower_ci"], row["group_upper_ci"]) == pytest.approx((value - half["95"], value + half["95"]))
        assert (row["group_lower_ci_99_8"], row["group_upper_ci_99_8"]) == pytest.approx(
            (value - half["99_8"], value + half["99_8"]), abs=1e-6)
    assert (reason or "95% and 99.8% CIs by combining") in result.interval
    header = "\n".join(result.header())
    assert "group_ci_method" in header and (reason or "in every period") in header


def test_hand_worked_interval_reads_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    row = _tracked(monkeypatch, _HAND, _POPULATION).table.iloc[0]
    # 78.5 -/+ 1.030776 and 1.625222
    assert gap.interval_text(row) == "95% CI 77.47 to 79.53; 99.8% CI 76.87 to 80.13"


def test_gap_table_without_limits_says_so() -> None:
    t = gap.gap_table(pd.Series({"2001": 75.0, "2002": 75.0}), pd.Series({"2001": 80.0, "2002": 80.0}),
                      polarity="higher_is_better", baseline="2001")
    assert t["group_lower_ci"].isna().all() and set(t["group_ci_method"]) == {"no interval: no limits were given"}
    assert list(t.columns[:7]) == ["period", "group_value", "group_lower_ci", "group_upper_ci", "group_lower_ci_99_8",
                                   "group_upper_ci_99_8", "group_ci_method"]


@pytest.mark.parametrize(
    ("key", "has_interval"),
    [pytest.param("le_female", False, id="life-expectancy-published-without-intervals"),
     pytest.param("cvd_u75", True, id="cvd-mortality-with-intervals"),
     pytest.param("hle_female", True, id="healthy-life-expectancy-with-intervals")],
)
def test_track_on_committed_data_gives_intervals_where_published(data_dir, key: str, has_interval: bool) -> None:
    from geo import indicators

    members = ["E06000009", "E08000003", "E08000012"]  # Blackpool, Manchester, Liverpool: all upper tiers too
    result = gap.track(members, indicator=series.INDICATORS[key], vintage="2023", data_dir=data_dir)
    last = result.table.iloc[-1]
    if not has_interval:
        assert result.table["group_lower_ci"].isna().all()
        assert set(result.table["group_ci_method"]) == {
            "no interval: the 3 areas' values are all held without a published confidence interval"}
        return
    assert last["group_lower_ci_99_8"] < last["group_lower_ci"] < last["group_value"] < last["group_upper_ci"] \
        < last["group_upper_ci_99_8"]
    # the 95% half-width again, from the published rows: sqrt(sum (w_i x half-width_i)^2) / sum w
    ind = result.indicator
    rows = indicators.load(ind.indicator_id, level=ind.level, period=str(last["period"]), sex=ind.sex, data_dir=data_dir)
    rows = rows[rows["area_code"].isin(members) & (rows["status"] == "ok")].drop_duplicates("area_code")
    rows = rows.set_index("area_code").reindex(members)
    pop = indicators.load("pop_total", level="lad", period=str(last["population_year"]), sex="persons",
                          data_dir=data_dir).drop_duplicates("area_code").set_index("area_code")["value"].reindex(members)
    half = ((pop * (rows["upper_ci"] - rows["lower_ci"]) / 2) ** 2).sum() ** 0.5 / pop.sum()
    assert last["group_value"] == pytest.approx((rows["value"] * pop).sum() / pop.sum())
    assert last["group_upper_ci"] - last["group_value"] == pytest.approx(half)
