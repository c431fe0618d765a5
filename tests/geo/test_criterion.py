"""Tests for geo.criterion: an uploaded column in the Spearhead method.

A tiny run of five made-up areas; what is checked is which areas the method picks
once the column is swapped in or added, and that the result says so.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo import criterion
from geo import spearhead as sh
from geo.errors import UploadError
from geo.schema import INDICATOR_COLUMNS

CODES = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]


def _run(threshold: int = 2) -> sh.SpearheadRun:
    frame = pd.DataFrame({"le": [70.0, 75, 80, 81, 82], "imd": [40.0, 10, 35, 5, 3]},
                         index=pd.Index(CODES, name="area_code"))
    polarities = {"le": "higher_is_better", "imd": "lower_is_better"}
    crit = tuple(sh.Criterion(k, k.upper(), k, "persons", "2015-17", p) for k, p in polarities.items())
    assessment = sh.assess(frame, polarities, fraction=0.4, threshold=threshold)
    return sh.SpearheadRun("2015-17", "lad", "2019", crit, assessment, frame, dict.fromkeys(CODES, "x"),
                           ("IMD: 1 of 5 areas have no value on 2019 codes.",))


def _values(values: list[float | None], *, level: str = "lad", vintage: str = "2019",
            statuses: list[str] | None = None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({
        "indicator_id": "upload:1:x", "area_code": CODES[:n], "level": level, "vintage": vintage, "period": "2024",
        "sex": "persons", "value": [math.nan if v is None else v for v in values], "lower_ci": math.nan,
        "upper_ci": math.nan, "count": math.nan, "denominator": math.nan,
        "status": statuses or ["ok" if v is not None else "missing" for v in values], "note": None,
    }, columns=list(INDICATOR_COLUMNS))


def _own(replaces: str = criterion.ADD, polarity: str = "lower_is_better") -> criterion.OwnCriterion:
    return criterion.OwnCriterion("upload:1:x", "Smokers", polarity, replaces=replaces, file_name="f.csv")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("replaces", "keys", "qualifying", "rests_on"),
    [
        # le worst two: E06000001, E06000002; own (higher is worse) worst two: E06000004, E06000005.
        pytest.param("imd", ["le", "own"], [], "2 or more of the 2, your column in place of IMD", id="replace-imd"),
        # imd worst two: E06000001, E06000003; with le that makes E06000001 the only one on 2 of 3.
        pytest.param(criterion.ADD, ["le", "imd", "own"], ["E06000001"], "2 or more of the 3: the 2 held and your column",
                     id="add-a-third"),
    ],
)
def test_swap_or_add(replaces: str, keys: list[str], qualifying: list[str], rests_on: str) -> None:
    out = criterion.apply(_run(), _own(replaces), _values([1.0, 2, 3, 4, 5]))
    assert [c.key for c in out.criteria] == keys
    assert list(out.values.columns) == keys
    assert sorted(out.table().loc[lambda t: t["qualifies"], "area_code"]) == qualifying
    assert out.rests_on == rests_on
    assert any("Your own data: column 'Smokers'" in line and "this session only" in line for line in out.header())


def test_polarity_is_the_users() -> None:
    worse_low = criterion.apply(_run(threshold=1), _own("imd", "higher_is_better"), _values([1.0, 2, 3, 4, 5]))
    assert list(worse_low.table()["own"]) == [1, 1, 0, 0, 0]
    worse_high = criterion.apply(_run(threshold=1), _own("imd", "lower_is_better"), _values([1.0, 2, 3, 4, 5]))
    assert list(worse_high.table()["own"]) == [0, 0, 0, 1, 1]


def test_suppressed_and_absent_areas_have_no_value() -> None:
    out = criterion.apply(_run(), _own(), _values([1.0, 2, 3, 4], statuses=["ok", "suppressed", "ok", "ok"]))
    values = out.values["own"]
    assert values.isna().tolist() == [False, True, False, False, True]
    assert any("2 of 5 areas have no value" in n for n in out.notes)


def test_notes_of_a_replaced_criterion_are_dropped() -> None:
    out = criterion.apply(_run(), _own("imd"), _values([1.0, 2, 3, 4, 5]))
    assert not any(n.startswith("IMD:") for n in out.notes)


@pytest.mark.parametrize(
    ("own", "values", "match"),
    [
        pytest.param(_own("cvd"), _values([1.0]), "can replace one of le, imd", id="unknown-criterion"),
        pytest.param(_own(), _values([1.0], level="utla"), "compares local authorities", id="not-districts"),
    ],
)
def test_refused_with_a_message(own: criterion.OwnCriterion, values: pd.DataFrame, match: str) -> None:
    with pytest.raises(UploadError, match=match):
        criterion.apply(_run(), own, values)


def test_polarity_must_be_chosen() -> None:
    with pytest.raises(UploadError, match="which way is worse"):
        _own(polarity="none")


def test_other_code_set_carries_kept_areas_only(data_dir) -> None:
    # Aylesbury Vale (E07000004, 2019) merged into Buckinghamshire (E06000060) in 2020; Hartlepool was kept.
    rows = _values([1.0, 2.0]).assign(area_code=["E06000001", "E07000004"])
    run = _run()
    run = sh.SpearheadRun(run.period, "lad", "2023", run.criteria, run.assessment,
                          run.values.set_axis(pd.Index(["E06000001", "E06000060", *CODES[2:]], name="area_code")),
                          run.names, ())
    out = criterion.apply(run, _own(), rows)
    assert out.values.loc["E06000001", "own"] == 1.0
    assert math.isnan(float(out.values.loc["E06000060", "own"]))
    assert any("1 merged or split on the way" in n for n in out.notes)


def test_threshold_reaches_the_added_column() -> None:
    # le worst two: E06000001, E06000002; imd worst two: E06000001, E06000003; own (higher is worse) worst two:
    # E06000001 and E06000005. Only E06000001 is in the worst two on all three.
    out = criterion.apply(_run(), _own(), _values([5.0, 1, 1, 1, 4]), threshold=3)
    assert sorted(out.table().loc[lambda t: t["qualifies"], "area_code"]) == ["E06000001"]
    assert out.rests_on == "3 or more of the 3: the 2 held and your column"
    assert "qualifies with 3 or more of the 3: the 2 held and your column." in out.header()[1]


@pytest.mark.parametrize(
    ("replaces", "threshold", "most"),
    [
        pytest.param(criterion.ADD, 4, 3, id="added-one-more-than-in-use"),
        pytest.param("imd", 3, 2, id="swapped-no-extra-indicator"),
        pytest.param(criterion.ADD, 0, 3, id="zero"),
    ],
)
def test_threshold_beyond_the_indicators_in_use_is_refused(replaces: str, threshold: int, most: int) -> None:
    with pytest.raises(UploadError, match=f"threshold from 1 to {most} .*got {threshold}"):
        criterion.apply(_run(), _own(replaces), _values([1.0, 2, 3, 4, 5]), threshold=threshold)
