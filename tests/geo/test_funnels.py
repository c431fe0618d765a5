"""geo.funnels against PHEindicatormethods' own funnel test data (published expected outputs).

Sources (repository ukhsa-collaboration/PHEindicatormethods, folder tests/testthat/):

- PROP_OUT = testdata_funnel_prop_outputs.csv (commit 63894a99103ffc9e0a3e8a15644200a3abb95669):
  the package's expected proportion limits, columns Population, Lower2s0025limit,
  Upper2s0025limit, Lower3s0001limit, Upper3s0001limit, Baseline (80.642448).
- PROP_IN = testdata_funnel_prop_inputs.csv (commit 3352ce5d861197880cae0ccb329a0ce50424bfda):
  PCT numerators and denominators with the package's expected ``significance``.
- RATE_OUT = testdata_funnel_rate_outputs.csv (commit 8ac28e54249d9b01d586b19d1d1b39f5af3d49ac):
  expected DSR funnel limits per 100,000 by number of Events (baseline 116.1720835).
- tests/fixtures/ohid/funnel_rate_input_funnels.csv = testdata_funnel_rate_input_funnels.csv
  (same commit), copied unchanged: events ``ev`` and DSRs ``rate``.
- tests/fixtures/ohid/funnel_rate_dsr_inputs.csv = testdata_funnel_rate_dsr_inputs.csv
  (commit 5adcb8c43562e1a897d509350306a5fed2514480), copied unchanged: counts, DSRs, crude
  rates and the package's expected significance of each row under each option.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo import funnels

OHID = Path(__file__).resolve().parents[1] / "fixtures" / "ohid"
TO_PACKAGE = {ours: theirs for theirs, ours in funnels.PACKAGE_LABELS.items()}

# PROP_OUT rows: (Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit, Upper3s0001limit).
PROP_LIMITS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (23022, 80.13208, 81.152816, 79.837761, 81.447134),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]
PROP_BASELINE = 80.642448  # PROP_OUT, column Baseline (every row)
# PROP_OUT, column Population: the package's 100 points along the axis (denominators 16,386 to 102,950).
PROP_AXIS = [*range(1, 15), 16, 18, 20, 22, 24, 27, 30, 33, 37, 41, 45, 50, 55, 61, 68, 75, 83, 92, 102, 113, 125,
             139, 154, 171, 190, 211, 234, 260, 289, 321, 356, 395, 438, 486, 539, 598, 664, 737, 818, 908, 1008, 1119,
             1242, 1379, 1531, 1699, 1886, 2093, 2323, 2578, 2861, 3175, 3524, 3911, 4341, 4818, 5348, 5936, 6588,
             7312, 8116, 9008, 9998, 11097, 12316, 13669, 15171, 16838, 18688, 20742, 23022, 25552, 28360, 31477,
             34936, 38775, 43036, 47766, 53016, 58842, 65309, 72486, 80452, 89294, 99108, 110000]


@pytest.mark.parametrize(("population", "l95", "u95", "l998", "u998"),
                         [pytest.param(*row, id=f"population-{row[0]}") for row in PROP_LIMITS])
def test_proportion_limits_match_the_package(population: int, l95: float, u95: float, l998: float,
                                             u998: float) -> None:
    got = funnels.proportion_limits([population], average=PROP_BASELINE / 100, multiplier=100).iloc[0]
    for column, expected in (("lower_95", l95), ("upper_95", u95), ("lower_99_8", l998), ("upper_99_8", u998)):
        assert got[column] == pytest.approx(expected, abs=2e-6), column
    assert got["baseline"] == pytest.approx(PROP_BASELINE)


def test_the_axis_has_the_packages_hundred_points() -> None:
    assert funnels.axis(0, 110_000).tolist() == PROP_AXIS


# PROP_IN rows (Area, numerator, denominator, significance) covering every side.
PROP_AREAS = [
    ("New Forest PCT", 35078.4880000, 41980, "High (0.001)"),
    ("Mansfield District PCT", 18986.0000000, 22000, "High (0.001)"),
    ("West Norfolk PCT", 26789.2380000, 33012, "High (0.025)"),
    ("North Tees PCT", 36850.0492000, 45449, "High (0.025)"),
    ("East Devon PCT", 21139.2936000, 25992, "High (0.025)"),
    ("South Gloucestershire PCT", 50050.7443000, 61921, "Not significant"),
    ("Hartlepool PCT", 17321.4088000, 21587, "Not significant"),
    ("Heywood and Middleton PCT", 14493.3552000, 17964, "Not significant"),
    ("North Devon PCT", 30277.5312000, 37828, "Low (0.025)"),
    ("Norwich PCT", 24803.6256000, 31824, "Low (0.001)"),
    ("Bradford City PCT", 18365.4621000, 29277, "Low (0.001)"),
]


def test_each_pct_lies_where_the_package_puts_it() -> None:
    areas = pd.DataFrame(PROP_AREAS, columns=["area", "numerator", "denominator", "significance"])
    # The package's average is over all of PROP_IN's PCTs: PROP_OUT's Baseline gives it.
    got = funnels.significance(areas["numerator"], areas["denominator"], average=PROP_BASELINE / 100)
    assert got.map(TO_PACKAGE).to_list() == areas["significance"].to_list()


# RATE_OUT rows: (Events, lower_2s_limit, upper_2s_limit, lower_3s_limit, upper_3s_limit,
#                 lower_2s_population_1_year, upper_3s_population_1_year); 3 years of data.
RATE_LIMITS = [
    (1, 20.85059119, 4588.535848, 12.58170943, 116108.569, 1598.675694, 0.287087625),
    (2, 32.15975314, 959.2695538, 20.69168143, 5117.48863, 2072.984403, 13.02722321),
    (9, 61.19760093, 254.0592274, 46.14605812, 426.3325728, 4902.152951, 703.6760012),
    (10, 63.17010446, 242.2579623, 48.13632908, 392.4043292, 5276.757672, 849.4639547),
    (99, 95.42133877, 142.9369123, 85.97604186, 161.8129075, 34583.45945, 20393.92315),
    (1360, 110.158048, 122.6021934, 106.9073359, 126.5084525, 411529.9259, 358342.3275),
]
RATE_BASELINE = 116.1720835  # RATE_OUT, column baseline (every row)


@pytest.mark.parametrize(("events", "l95", "u95", "l998", "u998", "pop_l95", "pop_u998"),
                         [pytest.param(*row, id=f"events-{row[0]}") for row in RATE_LIMITS])
def test_rate_limits_match_the_package(events: int, l95: float, u95: float, l998: float, u998: float,
                                       pop_l95: float, pop_u998: float) -> None:
    got = funnels.rate_limits([events], average=RATE_BASELINE / 100_000, multiplier=100_000, years=3).iloc[0]
    for column, expected in (("lower_95", l95), ("upper_95", u95), ("lower_99_8", l998), ("upper_99_8", u998),
                             ("population_lower_95", pop_l95), ("population_upper_99_8", pop_u998)):
        assert got[column] == pytest.approx(expected, rel=1e-7), column


def test_a_dsr_funnel_has_the_packages_average_and_events_axis() -> None:
    data = pd.read_csv(OHID / "funnel_rate_input_funnels.csv")
    got = funnels.funnel(data["ev"], statistic="rate", rate=data["rate"], rate_type="dsr", multiplier=100_000,
                         years=3)
    assert got.baseline == pytest.approx(RATE_BASELINE, abs=1e-7)
    events = got.curve["events"].to_list()
    # RATE_OUT, column Events: 1 to 28, then 30, 32, ... up to 1360 (100 points)
    assert len(events) == 100 and events[:29] == [*range(1, 29), 30] and events[-3:] == [1222, 1289, 1360]


@pytest.mark.parametrize(
    ("column", "rate", "rate_type", "multiplier", "with_zero"),
    [
        pytest.param("dsr_per_100000_with_0", "rate_dsr", "dsr", 100_000, True, id="dsr-with-zero-row"),
        pytest.param("dsr_per_100000_without_0", "rate_dsr", "dsr", 100_000, False, id="dsr-without-zero-row"),
        pytest.param("crude_per_100000_with_0", "rate_crude_per_100000", "crude", 100_000, True,
                     id="crude-with-zero-row"),
        pytest.param("crude_per_100000_without_0", "rate_crude_per_100000", "crude", 100_000, False,
                     id="crude-without-zero-row"),
        pytest.param("crude_per_100_with_0", "rate_crude_per_100", "crude", 100, True, id="crude-per-100"),
    ],
)
def test_each_rate_lies_where_the_package_puts_it(column: str, rate: str, rate_type: str, multiplier: int,
                                                  with_zero: bool) -> None:
    data = pd.read_csv(OHID / "funnel_rate_dsr_inputs.csv")
    if not with_zero:
        data = data[data["count"] > 0]
    got = funnels.significance(data["count"], data["pop"], statistic="rate", rate=data[rate],
                               rate_type=rate_type, multiplier=multiplier)  # type: ignore[arg-type]
    assert got.map(TO_PACKAGE).to_list() == data[column].to_list()


def test_a_dsr_under_ten_events_is_not_placed() -> None:
    got = funnels.significance(pd.Series([9.0, 500.0]), statistic="rate", rate=pd.Series([80.0, 120.0]),
                               rate_type="dsr", multiplier=100_000)
    assert got.iloc[0] == funnels.NOT_PLACED


def test_rates_need_their_rates() -> None:
    with pytest.raises(ValueError, match="rate"):
        funnels.significance(pd.Series([10.0]), pd.Series([1000.0]), statistic="rate")
