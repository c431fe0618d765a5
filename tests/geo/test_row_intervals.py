"""geo.row_intervals: each row's interval and the method that gave it, as the tooltip and every export say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import intervals
from geo.derived import APPROXIMATE, COMBINED_CI
from geo.row_intervals import COMBINED, COMPUTED, PUBLISHED, SYMMETRIC, in_brief, with_intervals

Z95 = 1.959963984540054
Z998 = 3.090232306167813
# The hand-worked mean of geo/test_intervals: 79.5 with SE sqrt(0.203125) = 0.4506939.
SE = 0.203125**0.5
COMBINED_NOTE = f"{APPROXIMATE} population-weighted mean of ... ; not an official figure; {COMBINED_CI}."


def _row(**kw: object) -> pd.DataFrame:
    base = {"value": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "count": np.nan, "denominator": np.nan,
            "status": "ok", "note": None}
    return pd.DataFrame([{**base, **kw}])


def test_an_approximations_combined_interval_is_named_and_its_998_has_the_same_standard_error() -> None:
    row = _row(value=79.5, lower_ci=79.5 - Z95 * SE, upper_ci=79.5 + Z95 * SE, note=COMBINED_NOTE)
    got = with_intervals(row, value_type="years").iloc[0]
    assert (got["lower_ci"], got["upper_ci"]) == (row["lower_ci"].iloc[0], row["upper_ci"].iloc[0])
    # 79.5 -/+ 3.090232 x 0.4506939 = 78.107251 to 80.892749
    assert (got["lower_ci_99_8"], got["upper_ci_99_8"]) == (pytest.approx(78.107251), pytest.approx(80.892749))
    assert got["ci_method"] == COMBINED == (
        "approximate 95% and 99.8% CIs by combining the parts' published 95% CIs (weighted mean of independent "
        "estimates)")
    assert in_brief(got["ci_method"]) == "approximate, combining its parts' published CIs"


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        pytest.param(f"{APPROXIMATE} ...; not an official figure; no interval: the published figures of its parts "
                     "have no confidence interval.", "the published figures of its parts have no confidence interval",
                     id="parts-without"),
        pytest.param(f"{APPROXIMATE} ...; not an official figure; no interval: 2 of its 12 parts have no published "
                     "confidence interval.", "2 of its 12 parts have no published confidence interval",
                     id="some-parts-without"),
        pytest.param(f"{APPROXIMATE} ...; not an official figure, no confidence interval.",
                     "an approximation (population-weighted mean of published figures)", id="note-without-reason"),
    ],
)
def test_an_approximation_without_limits_gives_its_notes_reason(note: str, reason: str) -> None:
    got = with_intervals(_row(value=81.2, note=note), value_type="years").iloc[0]
    assert got[["lower_ci", "upper_ci", "lower_ci_99_8", "upper_ci_99_8"]].isna().all()
    assert got["ci_method"] == intervals.no_interval(reason) == in_brief(got["ci_method"])


def test_a_table_without_count_denominator_or_note_reads_them_as_not_held() -> None:
    table = pd.DataFrame({"value": [80.0, 81.0], "lower_ci": [79.0, None], "upper_ci": [81.0, None],
                          "status": ["ok", "ok"]}, index=["E1", "E2"])
    got = with_intervals(table, value_type="years")
    assert list(got.index) == ["E1", "E2"]
    assert got.loc["E1", "ci_method"].startswith(PUBLISHED)
    assert got.loc["E2", "ci_method"] == intervals.no_interval("published")


@pytest.mark.parametrize(
    ("ci_method", "brief"),
    [
        pytest.param(f"{PUBLISHED}; no 99.8% CI: no count or denominator held", "as published", id="published"),
        pytest.param(f"{PUBLISHED}; 99.8% CI by Wilson score, {COMPUTED}", "as published", id="published-998-computed"),
        pytest.param(f"95% and 99.8% CIs by Wilson score, {COMPUTED}", "computed by Wilson score", id="wilson"),
        pytest.param(f"95% and 99.8% CIs by Byar's method, {COMPUTED}", "computed by Byar's method", id="byar"),
        pytest.param(f"95% and 99.8% CIs by the exact Poisson method, {COMPUTED}", "computed by the exact Poisson method",
                     id="exact"),
        pytest.param("no interval: value suppressed (small numbers)", "no interval: value suppressed (small numbers)",
                     id="no-interval"),
        pytest.param(None, "", id="none"),
    ],
)
def test_in_brief(ci_method: str | None, brief: str) -> None:
    assert in_brief(ci_method) == brief


def test_every_method_with_intervals_writes_has_words_in_brief() -> None:
    rows = pd.concat([
        _row(value=14.608578, count=6257, denominator=42831),  # Wilson, computed
        _row(value=40.0, count=4, denominator=10_000),  # exact, computed (as a rate)
        _row(value=80.9, lower_ci=80.1, upper_ci=81.7),  # published
        _row(value=79.5, lower_ci=78.6, upper_ci=80.4, note=COMBINED_NOTE),  # combined
    ], ignore_index=True)
    for value_type in ("proportion", "rate"):
        assert all(in_brief(m) for m in with_intervals(rows, value_type=value_type)["ci_method"])


@pytest.mark.parametrize(
    ("value", "lower_ci", "upper_ci", "expected"),
    [
        # 0.65 / 1.959964 = SE 0.331639; x 3.090232 = 1.024843: 81.33 -/+ 1.02484, to the limits' 2 places
        pytest.param(81.33, 80.68, 81.98, (80.31, 82.35), id="life-expectancy-2-places"),
        # rounded to 1 place the centre may be 0.05 off the value: still read as symmetric
        pytest.param(80.1, 79.6, 80.7, (79.3, 81.0), id="rounded-1-place"),
        pytest.param(60.0, 59.0, 60.8, None, id="asymmetric-wilson-like"),
        pytest.param(14.61, 14.25, 14.94, None, id="asymmetric-by-more-than-rounding"),
    ],
)
def test_a_symmetric_published_interval_gives_998_limits_from_its_standard_error(
        value: float, lower_ci: float, upper_ci: float, expected: tuple[float, float] | None) -> None:
    got = with_intervals(_row(value=value, lower_ci=lower_ci, upper_ci=upper_ci), value_type="years").iloc[0]
    assert (got["lower_ci"], got["upper_ci"]) == (lower_ci, upper_ci)
    if expected is None:
        assert np.isnan(got["lower_ci_99_8"]) and np.isnan(got["upper_ci_99_8"])
        assert got["ci_method"] == f"{PUBLISHED}; no 99.8% CI: {intervals.REASONS['no_count']}"
    else:
        assert (got["lower_ci_99_8"], got["upper_ci_99_8"]) == expected
        assert got["ci_method"] == f"{PUBLISHED}; {SYMMETRIC}"
    assert in_brief(got["ci_method"]) == "as published"
