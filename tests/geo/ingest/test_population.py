"""Tests for geo.ingest.population."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo._paths import DATA_DIR, RAW_DIR
from geo.catalogue import GROUPS, Indicator, Source
from geo.contract import finish_indicators
from geo.errors import ValidationError
from geo.ingest._common import BuildContext
from geo.ingest.population import AGE_BANDS, CATALOGUE, FILE6, RAW, SHARES, age_bands, build_table, check_table, shares

needs_raw = pytest.mark.skipif(not RAW_DIR.is_dir(), reason="shared raw data folder absent")

_AGES = [str(a) for a in range(90)] + ["90+"]


def _wide(codes: list[str], *, fill: int = 1, total: int | None = None) -> pd.DataFrame:
    """A tiny single-year-of-age table: every age holds ``fill`` people."""
    data = {"code": codes, "total_population": [str(total if total is not None else fill * 91)] * len(codes)}
    data.update({age: [str(fill)] * len(codes) for age in _AGES})
    return pd.DataFrame(data)


@pytest.mark.parametrize(
    ("indicator_id", "expected"),
    [pytest.param(iid, 2 * (hi - lo + 1), id=iid) for iid, (lo, hi) in AGE_BANDS.items()]
    + [pytest.param("pop_total", 2 * 91, id="pop_total")],
)
def test_age_bands_sum_single_years(indicator_id: str, expected: int) -> None:
    long = age_bands(_wide(["A", "B"], fill=2), code_col="code")
    assert (long.loc[long["indicator_id"] == indicator_id, "value"] == expected).all()


def test_age_bands_refuse_totals_that_do_not_add_up() -> None:
    with pytest.raises(ValidationError, match="do not add up to total_population"):
        age_bands(_wide(["A"], total=90), code_col="code")


# --- check_table on tiny frames ---------------------------------------------------------------------

_TINY = Indicator("tiny", "Tiny", "A test indicator.", "people", "none", "Population",
                  Source("p", "d", "r"), value_type="count", valid_range=(0.0, 100.0))


def _tiny_table(values: list[float], *, codes: list[str] | None = None) -> pd.DataFrame:
    codes = codes or [f"E12{i:06d}" for i in range(1, len(values) + 1)]
    return finish_indicators(pd.DataFrame({
        "indicator_id": "tiny", "area_code": codes, "level": "region", "vintage": "2019", "period": "2020",
        "sex": "persons", "value": values,
    }))


def _ctx(tmp_path: Path) -> BuildContext:
    return BuildContext(raw_dir=tmp_path, out_dir=tmp_path, log=lambda _: None)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param(_tiny_table([1.0] * 8), "8 rows; expected 9", id="wrong-count"),
        pytest.param(_tiny_table([1.0] * 8 + [500.0]), "outside the plausible range", id="out-of-range"),
        pytest.param(_tiny_table([1.0] * 9, codes=["E12000001"] * 9), "duplicate keys", id="duplicates"),
    ],
)
def test_check_table_rejects(tmp_path: Path, table: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_table(_ctx(tmp_path), table, catalogue=[_TINY])


def test_check_table_accepts_missing_values(tmp_path: Path) -> None:
    table = _tiny_table([1.0] * 8 + [np.nan])
    assert table["status"].tolist()[-1] == "missing"
    check_table(_ctx(tmp_path), table, catalogue=[_TINY])


def test_catalogue_records_are_complete() -> None:
    for ind in CATALOGUE:
        assert ind.group == "Population" and ind.group in GROUPS
        share = ind.indicator_id in SHARES
        assert ind.polarity == "none" and ind.value_type == ("proportion" if share else "count")
        assert ind.derived == bool(ind.method), ind.indicator_id
        assert not share or (ind.derived and ind.valid_range == (0.0, 100.0)), ind.indicator_id
        assert not ind.levels and not ind.periods


def test_every_age_band_has_a_share() -> None:
    assert {f"{iid}_share" for iid in AGE_BANDS} <= set(SHARES)


# --- shares on tiny frames --------------------------------------------------------------------------


def _counts(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "area_code", "value"]).assign(
        level="lsoa", vintage="2011", period="2019")


def test_share_is_the_count_over_the_total_of_the_same_area() -> None:
    counts = _counts([("pop_total", "A", 200.0), ("pop_0_4", "A", 10.0), ("pop_total", "B", 50.0),
                      ("pop_0_4", "B", 5.0)])
    out = shares(counts).set_index("area_code")
    assert out["indicator_id"].eq("pop_0_4_share").all()
    assert out.loc["A", "value"] == 5.0 and out.loc["B", "value"] == 10.0
    assert out.loc["A", "count"] == 10.0 and out.loc["A", "denominator"] == 200.0
    assert out["status"].eq("ok").all()


@pytest.mark.parametrize("total", [pytest.param(None, id="no-total-row"), pytest.param(0.0, id="zero-total"),
                                   pytest.param(np.nan, id="missing-total")])
def test_share_is_missing_where_the_denominator_is(total: float | None) -> None:
    rows = [("pop_0_4", "A", 10.0)] + ([] if total is None else [("pop_total", "A", total)])
    out = shares(_counts(rows))
    assert len(out) == 1 and np.isnan(out["value"].iloc[0])
    assert out["status"].iloc[0] == "missing" and "no pop_total" in out["note"].iloc[0]


# --- spot checks against the raw files --------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return build_table(BuildContext(raw_dir=RAW_DIR, out_dir=DATA_DIR, log=lambda _: None))


@cache
def _raw(key: str, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(RAW_DIR / RAW[key], dtype=str, encoding=encoding)


def _value(table: pd.DataFrame, indicator_id: str, code: str, period: str) -> float:
    row = table[(table["indicator_id"] == indicator_id) & (table["area_code"] == code) & (table["period"] == period)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


@needs_raw
@pytest.mark.parametrize("period", ["2019", "2020"])
@pytest.mark.parametrize("position", [0, 12_345, -1], ids=["first", "middle", "last"])
def test_pop_0_4_equals_raw_single_years(table: pd.DataFrame, period: str, position: int) -> None:
    raw = _raw(f"lsoa{period}")
    row = raw[raw["lsoa11_code"].str.startswith("E01")].iloc[position]
    expected = sum(int(row[str(age)]) for age in range(5))
    assert _value(table, "pop_0_4", row["lsoa11_code"], period) == expected


@needs_raw
@pytest.mark.parametrize("period", ["2019", "2020"])
def test_england_lsoa_total_equals_raw(table: pd.DataFrame, period: str) -> None:
    raw = _raw(f"lsoa{period}")
    expected = pd.to_numeric(raw.loc[raw["lsoa11_code"].str.startswith("E01"), "total_population"]).sum()
    rows = table[(table["indicator_id"] == "pop_total") & (table["level"] == "lsoa") & (table["period"] == period)]
    assert rows["value"].sum() == expected
    lad = table[(table["indicator_id"] == "pop_total") & (table["level"] == "lad") & (table["period"] == period)]
    assert lad["value"].sum() == expected


@needs_raw
@pytest.mark.parametrize(
    ("level", "vintage", "period", "expected"),
    [
        pytest.param("lsoa", "2011", "2019", 32_844, id="lsoa-2019"),
        pytest.param("lsoa", "2011", "2015", 32_844, id="lsoa-iod"),
        pytest.param("lad", "2019", "2019", 317, id="lad-2019"),
        pytest.param("lad", "2021", "2020", 309, id="lad-2020"),
        pytest.param("lad", "2023", "2023", 296, id="lad-2023"),
        pytest.param("utla", "2023", "2023", 153, id="utla-2023"),
        pytest.param("region", "2019", "2023", 9, id="region-2023"),
    ],
)
def test_row_counts_per_set(table: pd.DataFrame, level: str, vintage: str, period: str, expected: int) -> None:
    rows = table[(table["level"] == level) & (table["vintage"] == vintage) & (table["period"] == period)]
    assert rows.groupby("indicator_id").size().eq(expected).all()


@needs_raw
def test_mid2023_england_equals_raw(table: pd.DataFrame) -> None:
    raw = _raw("mid2023")
    expected = float(raw.loc[raw["Code"] == "E92000001", "Estimated Population mid-2023"].iloc[0])
    assert _value(table, "pop_total", "E92000001", "2023") == expected


@needs_raw
@pytest.mark.parametrize(("column", "indicator_id"), list(FILE6.items()), ids=list(FILE6.values()))
def test_iod_denominators_equal_file6(table: pd.DataFrame, column: str, indicator_id: str) -> None:
    raw = _raw("file6", encoding="utf-8-sig").set_index("LSOA code (2011)")[column].astype(float)
    rows = table[table["indicator_id"] == indicator_id].set_index("area_code")["value"]
    pd.testing.assert_series_equal(rows.sort_index(), raw.sort_index(), check_names=False)


@needs_raw
def test_table_keeps_the_contract(table: pd.DataFrame) -> None:
    assert set(table["indicator_id"]) == {i.indicator_id for i in CATALOGUE}
    assert (table["status"] == "ok").all() and (table["sex"] == "persons").all()


@needs_raw
@pytest.mark.parametrize("period", ["2019", "2020"])
@pytest.mark.parametrize("position", [0, 12_345, -1], ids=["first", "middle", "last"])
@pytest.mark.parametrize(("share_id", "ages"), [pytest.param("pop_0_4_share", range(5), id="under-5"),
                                                 pytest.param("pop_65_plus_share", [*map(str, range(65, 90)), "90+"],
                                                              id="65-plus")])
def test_lsoa_share_equals_raw_count_over_raw_total(
    table: pd.DataFrame, period: str, position: int, share_id: str, ages: list[str]
) -> None:
    raw = _raw(f"lsoa{period}")
    row = raw[raw["lsoa11_code"].str.startswith("E01")].iloc[position]
    expected = 100 * sum(int(row[str(age)]) for age in ages) / int(row["total_population"])
    assert _value(table, share_id, row["lsoa11_code"], period) == pytest.approx(expected, rel=1e-12)


@needs_raw
@pytest.mark.parametrize(("key", "code_col", "period"), [("lad2019", "ltla19_code", "2019"),
                                                          ("lad2020", "ltla21_code", "2020")])
def test_district_share_equals_raw_count_over_raw_total(table: pd.DataFrame, key: str, code_col: str, period: str) -> None:
    raw = _raw(key)
    row = raw[raw[code_col].str.startswith("E")].iloc[0]
    expected = 100 * sum(int(row[str(age)]) for age in range(16)) / int(row["total_population"])
    assert _value(table, "pop_0_15_share", row[code_col], period) == pytest.approx(expected, rel=1e-12)


@needs_raw
def test_iod_share_equals_file6_columns(table: pd.DataFrame) -> None:
    raw = _raw("file6", encoding="utf-8-sig").iloc[100]
    expected = 100 * float(raw["Older population aged 60 and over: mid 2015 (excluding prisoners)"]) / float(
        raw["Total population: mid 2015 (excluding prisoners)"])
    assert _value(table, "pop_60_plus_iod2019_share", raw["LSOA code (2011)"], "2015") == pytest.approx(expected)


@needs_raw
def test_shares_exist_wherever_their_counts_do(table: pd.DataFrame) -> None:
    keys = ["level", "vintage", "period"]
    for share_id, (count_id, _) in SHARES.items():
        held = table.loc[table["indicator_id"] == count_id, keys].drop_duplicates()
        share = table.loc[table["indicator_id"] == share_id, keys].drop_duplicates()
        assert sorted(map(tuple, held.to_numpy())) == sorted(map(tuple, share.to_numpy())), share_id
