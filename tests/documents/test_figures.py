"""documents.figures: the one table behind every export, with intervals only where they can be honestly computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from documents.figures import COMPUTED, PUBLISHED, MapFigures, build, small_areas, value_note, with_intervals
from geo import intervals
from geo.comparison import compare, published_verdict
from geo.indicators import tidy_table
from geo.row_intervals import COMBINED
from geo.view import View

LE_FEMALE = View("lad", "2023", "le_birth", "2023-25", "female")


@pytest.fixture(scope="module")
def le_female(data_dir) -> MapFigures:
    return build(LE_FEMALE, data_dir=data_dir)


def _row(**kw: object) -> pd.DataFrame:
    base = {"value": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "count": np.nan, "denominator": np.nan,
            "status": "ok", "note": None}
    return pd.DataFrame([{**base, **kw}])


@pytest.mark.parametrize(
    ("row", "value_type", "kind", "per"),
    [
        pytest.param(_row(value=14.608578, count=6257, denominator=42831), "proportion", "proportion", 100.0,
                     id="percentage-wilson"),
        pytest.param(_row(value=0.25, count=5, denominator=20), "proportion", "proportion", 1.0, id="fraction-wilson"),
        pytest.param(_row(value=12.5, count=250, denominator=20_000), "rate", "rate", 1000.0, id="rate-per-1000-byar"),
        pytest.param(_row(value=40.0, count=4, denominator=10_000), "rate", "rate", 100_000.0, id="rate-under-10-exact"),
    ],
)
def test_both_levels_are_computed_where_count_and_denominator_reproduce_the_value(
        row: pd.DataFrame, value_type: str, kind: str, per: float) -> None:
    got = with_intervals(row, value_type=value_type).iloc[0]
    x, n = float(row["count"].iloc[0]), float(row["denominator"].iloc[0])
    for level, lo, hi in ((95.0, "lower_ci", "upper_ci"), (99.8, "lower_ci_99_8", "upper_ci_99_8")):
        expected = (intervals.proportion([x], [n], level=level, multiplier=per) if kind == "proportion"
                    else intervals.crude_rate([x], [n], level=level, per=per))
        assert got[lo] == pytest.approx(float(expected.lower.iloc[0]), rel=1e-12)
        assert got[hi] == pytest.approx(float(expected.upper.iloc[0]), rel=1e-12)
    assert got["lower_ci_99_8"] < got["lower_ci"] < got["upper_ci"] < got["upper_ci_99_8"]
    assert got["ci_method"].startswith("95% and 99.8% CIs by ") and got["ci_method"].endswith(COMPUTED)
    method = intervals.WILSON if kind == "proportion" else intervals.EXACT if x < intervals.BYAR_FROM else intervals.BYAR
    assert f"CIs by {method}," in got["ci_method"]


def test_a_published_95_interval_is_kept_and_only_the_998_is_computed() -> None:
    row = _row(value=14.608578, lower_ci=14.0, upper_ci=15.5, count=6257, denominator=42831)
    got = with_intervals(row, value_type="proportion").iloc[0]
    assert (got["lower_ci"], got["upper_ci"]) == (14.0, 15.5)
    expected = intervals.proportion([6257], [42831], level=99.8, multiplier=100)
    assert got["lower_ci_99_8"] == pytest.approx(float(expected.lower.iloc[0]))
    assert got["ci_method"].startswith(PUBLISHED)


@pytest.mark.parametrize(
    ("row", "value_type", "reason"),
    [
        pytest.param(_row(value=80.9), "years", "value published without an interval", id="no-count"),
        pytest.param(_row(value=80.9, lower_ci=80.1, upper_ci=81.5), "years", "no count or denominator", id="published-95-only-asymmetric"),
        pytest.param(_row(value=36.5, count=120, denominator=400_000), "rate", "do not reproduce", id="a-dsr-not-crude"),
        pytest.param(_row(value=np.nan, status="suppressed"), "rate", "suppressed", id="suppressed"),
        pytest.param(_row(value=np.nan, status="missing"), "rate", "no value", id="missing"),
        pytest.param(_row(value=3.0), "decile", "not applicable", id="decile"),
        pytest.param(_row(value=81.2, note="Approximate: population-weighted mean of ..."), "years", "approximation",
                     id="approximation"),
    ],
)
def test_no_interval_is_invented_and_the_reason_is_given(row: pd.DataFrame, value_type: str, reason: str) -> None:
    got = with_intervals(row, value_type=value_type).iloc[0]
    assert np.isnan(got["lower_ci_99_8"]) and np.isnan(got["upper_ci_99_8"])
    assert reason in got["ci_method"]
    if np.isnan(row["lower_ci"].iloc[0]):
        assert np.isnan(got["lower_ci"]) and got["ci_method"].startswith(intervals.NO_INTERVAL)


def test_the_table_is_the_maps_tidy_table_with_the_comparison_the_panel_makes(le_female: MapFigures) -> None:
    table = le_female.table()
    tidy = tidy_table(le_female.joined, view=LE_FEMALE, classification=le_female.classification)
    pd.testing.assert_series_equal(table["class"], tidy["class"])
    pd.testing.assert_series_equal(table["value"], tidy["value"])
    assert le_female.england == pytest.approx(83.5)
    for r in table.itertuples():
        expected = compare(r.value if r.status == "ok" else None, lower_ci=r.lower_ci, upper_ci=r.upper_ci,
                           england=le_female.england, polarity="higher_is_better",
                           published=published_verdict(r.note if isinstance(r.note, str) else None))
        assert r.compared_with_england == expected.verdict
    assert set(table.loc[table["status"] == "suppressed", "ci_method"]) == {
        intervals.no_interval("value suppressed (small numbers)")}
    assert (table.loc[table["status"] == "ok", "compared_by"] == "OHID's published comparison").all()


def test_a_map_compared_with_england_keeps_its_categories_as_the_class(data_dir) -> None:
    figures = build(View("utla", "2023", "u75_cvd_prev", "2021-23", "persons", method="england"), data_dir=data_dir)
    table = figures.table()
    assert figures.classification is None
    assert set(table["class"]) <= {"better", "similar", "worse", "not compared", "suppressed", "missing"}
    ok = table["status"] == "ok"
    assert (table.loc[ok, "class"] == table.loc[ok, "compared_with_england"]).all()


def test_small_areas_are_the_drill_downs_deciles(data_dir) -> None:
    figures = small_areas("E08000012", level="lad", vintage="2023", data_dir=data_dir)
    table = figures.table()
    assert figures.view.level == "lsoa" and figures.scope == "Small areas in Liverpool"
    assert len(table) == 302 and table["area_code"].str.startswith("E01").all()
    assert figures.classification is not None and figures.classification.method == "decile_values"


@pytest.mark.parametrize(
    ("status", "note", "expected"),
    [
        pytest.param("ok", "compared with England (Fingertips, 95% CI): worse", "", id="comparison-removed"),
        pytest.param("suppressed", None, "Value suppressed: numbers too small to publish", id="suppressed"),
        pytest.param("missing", None, "No value held for this area", id="missing"),
        pytest.param("ok", "Same area as E07000001", "Same area as E07000001", id="kept"),
    ],
)
def test_value_note(status: str, note: str | None, expected: str) -> None:
    assert value_note(status, note) == expected


def test_a_countys_approximation_carries_its_combined_interval_at_both_levels(data_dir) -> None:
    # Upper tiers 2021, le_birth_1618 (women, 2016-18): Kent (E10000016) is the population-weighted mean of its
    # 12 districts, each publishing a 95% CI; Hartlepool (E06000001) is its district's published row.
    table = build(View("utla", "2021", "le_birth_1618", "2016-18", "female"), data_dir=data_dir).table()
    kent = table.set_index("area_code").loc["E10000016"]
    assert kent["approximate"] and kent["ci_method"] == COMBINED
    half95, half998 = (kent["upper_ci"] - kent["lower_ci"]) / 2, (kent["upper_ci_99_8"] - kent["lower_ci_99_8"]) / 2
    assert half998 / half95 == pytest.approx(intervals.z_score(99.8) / intervals.z_score(95.0))
    hartlepool = table.set_index("area_code").loc["E06000001"]
    assert not hartlepool["approximate"] and hartlepool["ci_method"].startswith(PUBLISHED)


@pytest.mark.parametrize(
    ("method", "level", "asked"),
    [pytest.param("england", 95.0, True, id="95"), pytest.param("england_998", 99.8, True, id="99-8"),
     pytest.param("england_998", 99.8, False, id="99-8-without-any-99-8-interval")],
)
def test_the_exports_take_the_comparison_at_the_maps_level(compared_998, indicator, method: str, level: float,
                                                           asked: bool) -> None:
    # As the command line draws it (documents.figures._drawn mirrors ui.cache.drawn): the class column is the
    # map's comparison, at its level; both comparison columns stay. Without any 99.8% interval: quintiles, said why.
    import dataclasses

    from documents.figures import _drawn
    from tests.conftest import BY_HAND_998, ENGLAND_998

    joined = compared_998 if asked else compared_998[compared_998["area_name"].isin(["Eee", "Eff"])]
    ind = dataclasses.replace(indicator, has_ci=True)
    view = View("lad", "2023", ind.indicator_id, "2024", "female", method)
    classification, categories, scheme, legend, why = _drawn(view, ind, joined, england=ENGLAND_998)
    if not asked:
        assert categories is None and classification is not None and classification.method == "quantiles"
        assert "no 99.8% confidence intervals for 2024" in why and "at 99.8%; showing quintiles instead" in why
        return
    assert why == "" and categories is not None and categories.tolist() == BY_HAND_998[level]
    assert scheme.level == level and f"at {level:g}% confidence" in legend.method
    figures = MapFigures(view=view, indicator=ind, joined=joined.assign(comparison=categories), classification=None,
                         categories=categories, scheme=scheme, legend=legend,
                         england_row=pd.Series({"value": ENGLAND_998}), attribution="a")
    table = figures.table()
    ok = (table["status"] == "ok").to_numpy()
    assert table.loc[ok, "class"].tolist() == BY_HAND_998[level][:5]
    assert table.loc[ok, "compared_with_england"].tolist() == BY_HAND_998[95.0][:5]
    words = {"not compared": "no interval"}  # the export columns' word (geo.comparison) for an area without one
    assert table.loc[ok, "compared_with_england_99_8"].tolist() == [words.get(c, c) for c in BY_HAND_998[99.8][:5]]
