"""geo.intervals against OHID's published worked examples (PHEindicatormethods' own vignettes).

Every expected number is copied from a rendered vignette in the package's repository,
where the package printed it (not from this code):

- INTRO = ukhsa-collaboration/PHEindicatormethods, inst/doc/PHEindicatormethodsIntroVignette.html
  (commit b0fa919dc65e4ae212253b0566095b158f55bcd1), the data frame ``df`` (obs, pop) of
  8 rows and the printed output of ``phe_proportion`` and ``phe_rate`` on it.
- DSR_VIGNETTE = ukhsa-collaboration/PHEindicatormethods, inst/doc/DSR-vignette.html
  (commit 423d2627e3698400e522e53c217bbc9d1efcba7e), section "Zero deaths for a specific
  age band within a small geography": ``phe_dsr(df3, dths, pop)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import comparison
from geo import intervals as iv

# INTRO, "df": rows 1-8 (Area1-4 2015, then Area1-4 2016).
OBS = [87, 1, 44, 13, 83, 7, 43, 5]
POP = [131, 164, 134, 109, 131, 139, 137, 163]

# INTRO, "phe_proportion(df, obs, pop)": lowercl, uppercl of rows 1-8.
WILSON_95 = [(0.579592491, 0.73930053), (0.001077181, 0.03372625), (0.254598570, 0.41168471),
             (0.071039739, 0.19341500), (0.548367919, 0.71119617), (0.024605552, 0.10029837),
             (0.242136529, 0.39575419), (0.013172190, 0.06978956)]
# INTRO, "phe_proportion(df, obs, pop, confidence=99.8)": lowercl, uppercl of rows 1-8.
WILSON_998 = [(0.5293576135, 0.77658434), (0.0005322047, 0.06601672), (0.2181147658, 0.46143836),
              (0.0529712429, 0.24689949), (0.4985908973, 0.75043163), (0.0167360401, 0.14179381),
              (0.2069168113, 0.44507799), (0.0084801369, 0.10481797)]
# INTRO, "phe_rate(df, obs, pop)" (per 100,000): lowercl, uppercl of rows 1-8.
RATE_95 = [(53191.89721, 81920.133), (15.43769, 3397.344), (23856.24577, 44081.622), (6344.25775, 20396.080),
           (50463.30549, 78543.665), (2024.72162, 10376.025), (22712.53344, 42278.943), (996.00392, 7158.486)]
# INTRO, "phe_rate(df, obs, pop, type='full', confidence=99.8, multiplier=100)": lowercl, uppercl, method.
RATE_998 = [(4.654873e+01, 91.51034, "Byars"), (6.100612e-04, 5.63013, "Exact"), (1.961417e+01, 51.21896, "Byars"),
            (4.192660e+00, 26.14598, "Byars"), (4.400613e+01, 87.94878, "Byars"), (1.093767e+00, 14.11955, "Exact"),
            (1.862510e+01, 49.19876, "Byars"), (4.536023e-01, 10.09494, "Exact")]
PACKAGE_METHOD = {"Byars": iv.BYAR, "Exact": iv.EXACT}


def _rows(expected: list) -> list:
    return [pytest.param(i, *row, id=f"row{i + 1}-obs{OBS[i]}-pop{POP[i]}") for i, row in enumerate(expected)]


@pytest.mark.parametrize(("row", "lower", "upper"), _rows(WILSON_95))
def test_wilson_95_matches_the_package_vignette(row: int, lower: float, upper: float) -> None:
    got = iv.proportion(OBS[row], POP[row], level=95)
    assert got.value.iloc[0] == pytest.approx(OBS[row] / POP[row])
    assert (got.lower.iloc[0], got.upper.iloc[0]) == (pytest.approx(lower, rel=1e-6), pytest.approx(upper, rel=1e-6))
    assert got.method.iloc[0] == iv.WILSON and got.label.iloc[0] == "95% CI by Wilson score"


@pytest.mark.parametrize(("row", "lower", "upper"), _rows(WILSON_998))
def test_wilson_998_matches_the_package_vignette(row: int, lower: float, upper: float) -> None:
    got = iv.proportion(pd.Series([OBS[row]]), pd.Series([POP[row]]), level=99.8, multiplier=100)
    assert got.lower.iloc[0] == pytest.approx(100 * lower, rel=1e-6)
    assert got.upper.iloc[0] == pytest.approx(100 * upper, rel=1e-6)
    assert got.label.iloc[0] == "99.8% CI by Wilson score"


@pytest.mark.parametrize(("row", "lower", "upper"), _rows(RATE_95))
def test_crude_rate_95_matches_the_package_vignette(row: int, lower: float, upper: float) -> None:
    got = iv.crude_rate(OBS[row], POP[row], level=95, per=100_000)
    assert (got.lower.iloc[0], got.upper.iloc[0]) == (pytest.approx(lower, rel=1e-6), pytest.approx(upper, rel=1e-6))
    assert got.method.iloc[0] == (iv.EXACT if OBS[row] < 10 else iv.BYAR)


@pytest.mark.parametrize(("row", "lower", "upper", "method"), _rows(RATE_998))
def test_crude_rate_998_matches_the_package_vignette_and_names_its_method(row: int, lower: float, upper: float,
                                                                          method: str) -> None:
    got = iv.crude_rate(OBS[row], POP[row], level=99.8, per=100)
    assert (got.lower.iloc[0], got.upper.iloc[0]) == (pytest.approx(lower, rel=1e-6), pytest.approx(upper, rel=1e-6))
    assert got.method.iloc[0] == PACKAGE_METHOD[method]


def test_vectorised_over_a_series_keeps_its_index() -> None:
    index = pd.Index([f"E0{i}" for i in range(8)], name="area_code")
    got = iv.crude_rate(pd.Series(OBS, index=index), pd.Series(POP, index=index), level=95)
    assert list(got.lower.index) == list(index)
    assert got.lower.to_list() == pytest.approx([lo for lo, _ in RATE_95], rel=1e-6)


def test_with_levels_gives_both_fingertips_levels_and_the_method() -> None:
    got = iv.with_levels("rate", pd.Series(OBS), pd.Series(POP), multiplier=100)
    assert list(got.columns) == ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "ci_method"]
    assert got["lower_ci_99_8"].to_list() == pytest.approx([lo for lo, _, _ in RATE_998], rel=1e-6)
    assert got["upper_ci_95"].to_list() == pytest.approx([hi / 1000 for _, hi in RATE_95], rel=1e-6)
    assert got.loc[0, "ci_method"] == "95% and 99.8% CIs by Byar's method"
    assert got.loc[1, "ci_method"] == "95% and 99.8% CIs by the exact Poisson method"


# DSR_VIGNETTE: pops2$pop and deaths2 joined by age band, NAs (10-14, 15-19, 20-24) replaced by 0.
DSR_POP = [30, 35, 35, 35, 40, 40, 45, 50, 50, 50, 60, 60, 70, 75, 70, 60, 20, 20, 15]
DSR_DEATHS = [1, 1, 0, 0, 0, 1, 1, 3, 3, 3, 3, 10, 10, 10, 10, 8, 8, 8, 8]
# The package's default standard population esp2013 (2013 European Standard Population, 19 bands, 0-4 to 90+).
ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500,
           1500, 1000]


def test_dobson_dsr_matches_the_package_dsr_vignette() -> None:
    frame = pd.DataFrame({"area_code": "A", "count": DSR_DEATHS, "population": DSR_POP, "standard": ESP2013})
    got = iv.dsr(frame, by="area_code", level=95)
    # DSR_VIGNETTE: "#>      value  lowercl  uppercl" / "#> 1 8283.016 6570.819 10289.65"
    assert got.value.iloc[0] == pytest.approx(8283.016, abs=5e-4)
    assert got.lower.iloc[0] == pytest.approx(6570.819, abs=5e-4)
    assert got.upper.iloc[0] == pytest.approx(10289.65, abs=5e-3)
    assert got.label.iloc[0] == "95% CI by Dobson's method"


def test_no_dsr_below_ten_events_and_the_reason_is_said() -> None:
    # phe_dsr (R/DSR.R) sets the value and limits to NA where the total count is under 10.
    frame = pd.DataFrame({"area_code": ["A", "A", "B", "B"], "count": [4, 5, 40, 50],
                          "population": [100, 100, 100, 100], "standard": [1, 1, 1, 1]})
    got = iv.dsr(frame, by="area_code", level=99.8)
    assert pd.isna(got.value["A"]) and pd.isna(got.lower["A"]) and pd.isna(got.upper["A"])
    assert got.label["A"] == "no interval: fewer than 10 events: OHID does not compute a directly standardised rate below 10"
    assert got.lower["B"] < got.value["B"] < got.upper["B"]


@pytest.mark.parametrize(
    ("level", "z"),
    [pytest.param(95, 1.959964, id="95"), pytest.param(99.8, 3.090232, id="99.8")],
)
def test_z_comes_from_the_normal_quantile(level: float, z: float) -> None:
    assert iv.z_score(level) == pytest.approx(z, abs=1e-6)


def test_other_levels_are_refused_with_the_ones_offered() -> None:
    with pytest.raises(ValueError, match=r"95 or 99\.8"):
        iv.proportion(1, 10, level=90)


@pytest.mark.parametrize(
    ("x", "n", "reason"),
    [
        pytest.param(None, 10, "no interval: no count or denominator held", id="no-count"),
        pytest.param(3, None, "no interval: no count or denominator held", id="no-denominator"),
        pytest.param(0, 0, "no interval: no denominator (population) held", id="zero-denominator"),
    ],
)
def test_missing_parts_give_no_interval_with_the_reason(x: float | None, n: float | None, reason: str) -> None:
    got = iv.proportion(pd.Series([x], dtype="float64"), pd.Series([n], dtype="float64"))
    assert pd.isna(got.lower.iloc[0]) and pd.isna(got.upper.iloc[0])
    assert got.label.iloc[0] == reason


def test_no_interval_words() -> None:
    assert iv.no_interval("published") == "no interval: value published without an interval"
    assert iv.described(iv.no_interval("published"), 95) == "no interval: value published without an interval"
    assert iv.described(iv.BYAR, 99.8) == "99.8% CI by Byar's method"


@pytest.mark.parametrize(
    ("x", "n", "match"),
    [pytest.param(-1, 10, "0 or more", id="negative-count"), pytest.param(11, 10, "larger than", id="x-over-n")],
)
def test_impossible_proportions_are_refused(x: int, n: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        iv.proportion(x, n)


def test_compare_at_each_level_uses_that_levels_interval() -> None:
    # INTRO row 4 (Area4 2015, 13 of 109) as a rate per 100: 95% CI 6.344-20.396, 99.8% CI 4.193-26.146.
    value = pd.Series([11.9266055])
    england = 22.0
    at95 = iv.compare_at(value, pd.Series([6.34425775]), pd.Series([20.396080]), england=england,
                         polarity="lower_is_better", level=95)
    at998 = iv.compare_at(value, pd.Series([4.192660]), pd.Series([26.14598]), england=england,
                          polarity="lower_is_better", level=99.8)
    assert at95.iloc[0] == "better" and at998.iloc[0] == "similar"


def test_the_words_name_the_level_tested() -> None:
    # INTRO row 4 again, at 99.8%: the interval includes 22.0, and the words say which level was tested.
    got = comparison.compare(11.9266055, lower_ci=4.192660, upper_ci=26.14598, england=22.0,
                             polarity="lower_is_better", level=99.8)
    assert got.verdict == "similar"
    assert got.short() == "similar to England (not significantly different at 99.8% confidence)"
    assert "99.8% confidence interval 4.2 to 26.1 includes England's value" in got.sentence()
    # a publisher's verdict is at 95%, so it never stands in for a 99.8% test
    untested = comparison.compare(11.9, lower_ci=None, upper_ci=None, england=22.0, polarity="lower_is_better",
                                  published="better", level=99.8)
    assert untested.verdict == "no interval"


# --- a population-weighted mean of independent published estimates ---------------------------------------------
Z95 = 1.959963984540054  # the 97.5% normal quantile
Z998 = 3.090232306167813  # the 99.9% normal quantile


def _limits(value: float, se: float) -> tuple[float, float]:
    return value - Z95 * se, value + Z95 * se


def test_weighted_mean_of_two_parts_worked_by_hand() -> None:
    # Part A: 80.0 with SE 0.5 (95% CI 79.02 to 80.98), 300 people; part B: 78.0 with SE 1.0, 100 people.
    # Shares 0.75 and 0.25: mean = 0.75 x 80 + 0.25 x 78 = 79.5;
    # SE^2 = 0.75^2 x 0.5^2 + 0.25^2 x 1.0^2 = 0.140625 + 0.0625 = 0.203125, SE = 0.4506939...
    (a_lo, a_hi), (b_lo, b_hi) = _limits(80.0, 0.5), _limits(78.0, 1.0)
    got = iv.weighted_mean([80.0, 78.0], [a_lo, b_lo], [a_hi, b_hi], [300.0, 100.0]).iloc[0]
    se = 0.203125**0.5
    assert got["value"] == pytest.approx(79.5) and got["se"] == pytest.approx(se)
    assert (got["lower_ci_95"], got["upper_ci_95"]) == (pytest.approx(79.5 - Z95 * se), pytest.approx(79.5 + Z95 * se))
    assert (got["lower_ci_99_8"], got["upper_ci_99_8"]) == (pytest.approx(78.107250), pytest.approx(80.892750))
    assert got["ci_method"] == f"95% and 99.8% CIs by {iv.COMBINED}"


def test_weighted_mean_by_group_keeps_each_groups_parts_apart() -> None:
    lo, hi = zip(*(_limits(v, s) for v, s in ((80.0, 0.5), (78.0, 1.0), (70.0, 2.0))), strict=True)
    got = iv.weighted_mean([80.0, 78.0, 70.0], list(lo), list(hi), [300.0, 100.0, 5.0], groups=["B", "B", "A"])
    assert list(got.index) == ["A", "B"]
    assert got.loc["A", "value"] == 70.0 and got.loc["A", "se"] == pytest.approx(2.0)
    assert got.loc["B", "se"] == pytest.approx(0.203125**0.5)


@pytest.mark.parametrize(
    ("lower", "upper", "reason"),
    [
        pytest.param([79.0, None, 70.0], [81.0, None, 72.0], "no interval: 1 of its 3 parts has no published "
                     "confidence interval", id="one-part-without"),
        pytest.param([None, None, None], [None, None, None], "no interval: the published figures of its parts have "
                     "no confidence interval", id="no-part-with"),
        pytest.param([79.0, 78.0, 72.0], [81.0, 80.0, 70.0], "no interval: 1 of its 3 parts has", id="reversed-limits"),
    ],
)
def test_weighted_mean_gives_no_interval_where_a_part_has_none(lower: list, upper: list, reason: str) -> None:
    got = iv.weighted_mean([80.0, 79.0, 71.0], pd.Series(lower, dtype="float64"), pd.Series(upper, dtype="float64"),
                           [1.0, 1.0, 1.0]).iloc[0]
    assert got["value"] == pytest.approx(230 / 3)  # the mean is still given; only its interval is not
    assert got["ci_method"].startswith(reason)
    assert got[["se", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]].isna().all()


def test_weighted_mean_refuses_a_missing_weight() -> None:
    with pytest.raises(ValueError, match="weight of 0 or more"):
        iv.weighted_mean([80.0, 78.0], [79.0, 77.0], [81.0, 79.0], [1.0, float("nan")])


@pytest.mark.parametrize(
    ("scale", "value", "lower", "upper", "se"),
    [
        # a DSR of 50 per 100,000 with 95% CI 40 to 62.5: ln(62.5/40) / 3.919928 x 50
        pytest.param("rate", 50.0, 40.0, 62.5, 50 * 0.4462871026 / (2 * Z95), id="rate-on-the-log-scale"),
        # a proportion 0.5 with 95% CI 0.4 to 0.6: logit limits -0.405465 and 0.405465, times 0.5 x 0.5
        pytest.param("proportion", 0.5, 0.4, 0.6, 0.25 * 0.8109302162 / (2 * Z95), id="proportion-on-the-logit"),
        pytest.param("normal", 80.0, 79.0, 81.0, 2 / (2 * Z95), id="normal"),
    ],
)
def test_standard_errors_read_from_the_95_limits(scale: str, value: float, lower: float, upper: float,
                                                 se: float) -> None:
    assert iv.standard_errors([value], [lower], [upper], scale=scale)[0] == pytest.approx(se)


def test_rescaled_keeps_the_centre_and_standard_error() -> None:
    lo, hi = iv.rescaled([79.5 - Z95 * 0.4], [79.5 + Z95 * 0.4], level=99.8)
    assert (lo[0], hi[0]) == (pytest.approx(79.5 - Z998 * 0.4), pytest.approx(79.5 + Z998 * 0.4))


_PART = st.tuples(st.floats(50, 90), st.floats(0.01, 3), st.floats(1, 1e6))


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(_PART, min_size=1, max_size=12), scale_by=st.floats(0.01, 100), seed=st.integers(0, 99))
def test_weighted_mean_properties(parts: list[tuple[float, float, float]], scale_by: float, seed: int) -> None:
    values, ses, weights = (np.array(c) for c in zip(*parts, strict=True))
    got = iv.weighted_mean(values, values - Z95 * ses, values + Z95 * ses, weights).iloc[0]
    # between the smallest SE shrunk by sqrt(n) and the largest: never narrower than n equal parts could make it
    assert ses.min() / np.sqrt(len(ses)) * (1 - 1e-9) <= got["se"] <= ses.max() * (1 + 1e-9)
    assert got["lower_ci_99_8"] < got["lower_ci_95"] <= got["value"] <= got["upper_ci_95"] < got["upper_ci_99_8"]
    # the same parts in another order, with every weight scaled, give the same interval
    order = np.random.default_rng(seed).permutation(len(ses))
    again = iv.weighted_mean(values[order], (values - Z95 * ses)[order], (values + Z95 * ses)[order],
                             weights[order] * scale_by).iloc[0]
    assert again["se"] == pytest.approx(got["se"]) and again["value"] == pytest.approx(got["value"])
    # n parts with one SE s and one weight: s / sqrt(n)
    same = iv.weighted_mean(values, values - Z95 * ses[0], values + Z95 * ses[0], np.ones(len(ses))).iloc[0]
    assert same["se"] == pytest.approx(ses[0] / np.sqrt(len(ses)))
