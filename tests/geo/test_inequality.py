"""geo.inequality against the published worked example of phe_sii (PHEindicatormethods).

Source of every expected number: repository cran/PHEindicatormethods, file
inst/doc/WorkedExamples_phe_sii.html (commit 09d6b75598b2aea1938ee8f33bb3b6c48fc451fb),
"Example 2 - rate": ``phe_sii(DSR_data grouped by Period, quantile = Quintile, population =
total_pop, value = value, value_type = 1, lower_cl = lowercl, upper_cl = uppercl, rii = TRUE,
reliability_stat = TRUE)`` with the default 100,000 repetitions, and its printed table (one row
per Period: sii, rii, sii_lower95_0cl, sii_upper95_0cl, rii_lower95_0cl, rii_upper95_0cl,
sii_mad95_0, rii_mad95_0).

The input, tests/fixtures/ohid/sii_dsr_data.csv, is the package's DSR_data as its repository
holds it: ukhsa-collaboration/PHEindicatormethods, tests/testthat/DSR_testdata.csv (commit
1dbbdc08e5b8df8c06d9f3bb491f931775752bdd), copied unchanged.

The SII and RII are exact. The limits are simulated (numpy's generator, not R's), so they are
checked to within three of the vignette's own mean absolute differences between runs (MAD).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo import inequality
from geo.gradient import weighted_fit

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "ohid" / "sii_dsr_data.csv"

# Period: (sii, rii, sii_lower95_0cl, sii_upper95_0cl, rii_lower95_0cl, rii_upper95_0cl, sii_mad95_0, rii_mad95_0)
PUBLISHED = {
    2010: (-14.848683, 0.8956758, -18.94895, -10.767618, 0.8689296, 0.9231619, 0.0187166, 0.0001189),
    2011: (-13.528326, 0.9039924, -17.59739, -9.440905, 0.8770905, 0.9319611, 0.0220730, 0.0001681),
    2012: (-11.680045, 0.9159389, -15.71630, -7.668494, 0.8886555, 0.9439264, 0.0180699, 0.0001137),
    2013: (-10.544273, 0.9232984, -14.53828, -6.573173, 0.8959216, 0.9514144, 0.0152713, 0.0001048),
    2014: (-10.591214, 0.9226440, -14.50746, -6.646637, 0.8956632, 0.9506939, 0.0262948, 0.0001828),
    2015: (-9.042367, 0.9332670, -12.97108, -5.145767, 0.9057449, 0.9614199, 0.0196853, 0.0001503),
}


def _period(period: int) -> pd.DataFrame:
    data = pd.read_csv(DATA)
    return data[data["Period"] == period]


def _ohid(rows: pd.DataFrame, **options: object) -> inequality.Sii:
    return inequality.sii(rows["Quintile"], rows["total_pop"], rows["value"], lower_ci=rows["lowercl"],
                          upper_ci=rows["uppercl"], value_type="rate", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("period", sorted(PUBLISHED), ids=str)
def test_sii_and_rii_match_the_vignette(period: int) -> None:
    sii, rii, *_ = PUBLISHED[period]
    got = _ohid(_period(period))
    assert got.sii == pytest.approx(sii, abs=1e-6)
    assert got.rii == pytest.approx(rii, abs=1e-7)


@pytest.mark.parametrize("period", sorted(PUBLISHED), ids=str)
def test_simulated_limits_match_the_vignette_within_its_run_to_run_variation(period: int) -> None:
    _, _, sii_lo, sii_hi, rii_lo, rii_hi, sii_mad, rii_mad = PUBLISHED[period]
    got = _ohid(_period(period)).interval(95)
    assert got.sii_lower == pytest.approx(sii_lo, abs=3 * sii_mad)
    assert got.sii_upper == pytest.approx(sii_hi, abs=3 * sii_mad)
    assert got.rii_lower == pytest.approx(rii_lo, abs=3 * rii_mad)
    assert got.rii_upper == pytest.approx(rii_hi, abs=3 * rii_mad)


def test_the_same_seed_gives_the_same_limits_and_another_seed_others() -> None:
    rows = _period(2010)
    first, again = _ohid(rows, repetitions=2000), _ohid(rows, repetitions=2000)
    other = _ohid(rows, repetitions=2000, seed=7)
    assert first.intervals == again.intervals
    assert first.intervals != other.intervals
    assert first.method == "simulation, 2,000 repetitions (phe_sii)"


def test_both_fingertips_levels_from_one_simulation() -> None:
    got = _ohid(_period(2012), levels=(95, 99.8))
    wide, narrow = got.interval(99.8), got.interval(95)
    assert wide.sii_lower < narrow.sii_lower < got.sii < narrow.sii_upper < wide.sii_upper
    with pytest.raises(ValueError, match="No 99% interval"):
        got.interval(99)


def test_a_negative_multiplier_flips_the_sii_and_inverts_the_rii() -> None:
    # phe_sii's documented rule: the SII is multiplied, and the RII inverted when the multiplier is negative.
    sii, rii, *_ = PUBLISHED[2015]
    got = _ohid(_period(2015), multiplier=-1)
    assert got.sii == pytest.approx(-sii, abs=1e-6)
    assert got.rii == pytest.approx(1 / rii, abs=1e-6)
    assert got.interval(95).sii_lower > 0


def test_the_atlas_rii_is_kept_beside_ohids_under_its_own_name() -> None:
    rows = _period(2010)
    got = _ohid(rows)
    mean = (rows["value"] * rows["total_pop"]).sum() / rows["total_pop"].sum()
    assert got.rii_over_mean == pytest.approx(got.sii / mean)
    assert got.rii_over_mean != pytest.approx(got.rii)
    assert "(Y0 + SII) / Y0" in inequality.OHID_RII and "population-weighted mean" in inequality.MEAN_RII
    # the SII is the gradient's own weighted line through the same points
    line = weighted_fit(got.groups["rank"], got.groups["value"], got.groups["population"])
    assert line.slope == pytest.approx(got.sii, rel=1e-9)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        pytest.param({"quantiles": 4}, "5 to 100 quantiles", id="too-few-quantiles"),
        pytest.param({"population": 0}, "population above 0", id="zero-population"),
        pytest.param({"limits": None}, "standard error", id="no-limits"),
    ],
)
def test_what_phe_sii_refuses_is_refused_with_the_fix(change: dict[str, object], match: str) -> None:
    rows = _period(2011).copy()
    if "quantiles" in change:
        rows = rows.head(4)
    if "population" in change:
        rows.loc[rows.index[0], "total_pop"] = 0
    lower = None if "limits" in change else rows["lowercl"]
    with pytest.raises(ValueError, match=match):
        inequality.sii(rows["Quintile"], rows["total_pop"], rows["value"], lower_ci=lower,
                       upper_ci=rows["uppercl"], value_type="rate")
