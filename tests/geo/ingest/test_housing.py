"""Tests for geo.ingest.housing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo._paths import DATA_DIR, RAW_DIR
from geo.catalogue import GROUPS
from geo.contract import finish_indicators
from geo.errors import ValidationError
from geo.ingest import housing
from geo.ingest._common import BuildContext
from geo.ingest.housing import CATALOGUE, FILE8, RAW, SERIES_DEFINITIONS, build_table

needs_raw = pytest.mark.skipif(not RAW_DIR.is_dir(), reason="shared raw data folder absent")


def test_series_years_map_to_one_definition_each() -> None:
    assert sorted(SERIES_DEFINITIONS) == [str(y) for y in range(2010, 2020)]
    declared = {i.indicator_id for i in CATALOGUE}
    assert set(SERIES_DEFINITIONS.values()) <= declared


def test_catalogue_records_are_complete() -> None:
    for ind in CATALOGUE:
        assert ind.group in GROUPS and ind.valid_range is not None, ind.indicator_id
        assert ind.derived == bool(ind.method), ind.indicator_id
        assert not ind.levels and not ind.periods


# --- File 8 on a tiny raw folder --------------------------------------------------------------------


@pytest.fixture
def tiny_raw(tmp_path: Path) -> Path:
    """A raw folder with two LSOAs of File 8, one blank, and a matching metadata.csv."""
    folder = tmp_path / Path(RAW["file8"]).parent
    folder.mkdir(parents=True)
    columns = {s.column: ["0.5", ""] for s in FILE8.values()}
    pd.DataFrame({"lsoa11_code": ["E01000001", "E01000002"], **columns}).to_csv(
        tmp_path / RAW["file8"], index=False, compression="gzip")
    meta = pd.DataFrame({"Indicator": [s.metadata_name for s in FILE8.values()],
                         "Year": [s.year for s in FILE8.values()]})
    meta.to_csv(tmp_path / RAW["file8_meta"], index=False)
    return tmp_path


def test_file8_blank_cells_become_missing(tiny_raw: Path) -> None:
    ctx = BuildContext(raw_dir=tiny_raw, out_dir=tiny_raw, log=lambda _: None)
    table = finish_indicators(housing._file8(ctx).assign(sex="persons"))
    status = table.groupby("area_code")["status"].unique()
    assert list(status["E01000001"]) == ["ok"] and list(status["E01000002"]) == ["missing"]


def test_file8_refuses_a_changed_data_year(tiny_raw: Path) -> None:
    meta = pd.read_csv(tiny_raw / RAW["file8_meta"], dtype=str)
    meta.loc[0, "Year"] = "1999"
    meta.to_csv(tiny_raw / RAW["file8_meta"], index=False)
    ctx = BuildContext(raw_dir=tiny_raw, out_dir=tiny_raw, log=lambda _: None)
    with pytest.raises(ValidationError, match=r"metadata\.csv gives year '1999'"):
        housing._file8(ctx)


# --- spot checks against the raw files --------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return build_table(BuildContext(raw_dir=RAW_DIR, out_dir=DATA_DIR, log=lambda _: None))


def _rows(table: pd.DataFrame, indicator_id: str, **where: str) -> pd.DataFrame:
    rows = table[table["indicator_id"] == indicator_id]
    for col, want in where.items():
        rows = rows[rows[col] == want]
    return rows.set_index("area_code")


@pytest.fixture(scope="module")
def table3() -> pd.DataFrame:
    t3 = pd.read_excel(RAW_DIR / RAW["fuel_poverty"], sheet_name="Table 3", header=2, dtype={"LSOA Code": str})
    return t3[t3["LSOA Code"].str.fullmatch(r"E01\d{6}", na=False)].set_index("LSOA Code")


@needs_raw
@pytest.mark.parametrize("position", [0, 16_000, -1], ids=["first", "middle", "last"])
def test_fuel_poverty_lsoa_equals_table3(table: pd.DataFrame, table3: pd.DataFrame, position: int) -> None:
    raw = table3.iloc[position]
    row = _rows(table, "fuel_poverty", level="lsoa").loc[str(raw.name)]
    assert row["value"] == raw["Proportion of households fuel poor (%)"]
    assert row["count"] == raw["Number of households in fuel poverty"]
    assert row["denominator"] == raw["Number of households"]


@needs_raw
def test_fuel_poverty_lsoa_set_is_complete(table: pd.DataFrame, table3: pd.DataFrame) -> None:
    assert set(_rows(table, "fuel_poverty", level="lsoa").index) == set(table3.index)
    assert len(table3) == 32_844


@needs_raw
@pytest.mark.parametrize("position", [0, 150, -1], ids=["first", "middle", "last"])
def test_overcrowding_count_and_denominator(table: pd.DataFrame, position: int) -> None:
    raw = pd.read_csv(RAW_DIR / RAW["overcrowding"], dtype=str)
    raw = raw[raw["lsoa21_code"].str.startswith("E01")]
    code = raw["lsoa21_code"].drop_duplicates().iloc[position]
    mine = raw[raw["lsoa21_code"] == code]
    over = pd.to_numeric(mine.loc[mine["occupancy_rating"].str.contains("overcrowded"), "n"]).sum()
    row = _rows(table, "overcrowding_census21", level="lsoa").loc[code]
    assert row["count"] == over
    assert row["denominator"] == float(mine["total_households"].iloc[0])
    assert row["value"] == round(100 * over / row["denominator"], 2)


@needs_raw
def test_epc_median_rebuilt_from_raw(table: pd.DataFrame) -> None:
    raw = pd.read_excel(RAW_DIR / RAW["epc"], sheet_name="1a", header=3, dtype={"Local authority district code": str})
    raw = raw[raw["Local authority district code"].str.startswith("E", na=False)]
    expected = raw.set_index("Local authority district code")["All dwellings"].astype("float64").sort_index()
    got = _rows(table, "epc_median_score")["value"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False)


@needs_raw
@pytest.mark.parametrize("year", sorted(SERIES_DEFINITIONS))
def test_fuel_poverty_series_equals_raw(table: pd.DataFrame, year: str) -> None:
    raw = pd.read_csv(RAW_DIR / RAW["fuel_series"], dtype=str, encoding="utf-8-sig").set_index("LACode")[year]
    got = _rows(table, SERIES_DEFINITIONS[year], period=year)["value"]
    pd.testing.assert_series_equal(got.sort_index(), raw.astype("float64").sort_index(), check_names=False)


@needs_raw
@pytest.mark.parametrize("indicator_id", list(FILE8))
def test_file8_column_equals_raw(table: pd.DataFrame, indicator_id: str) -> None:
    raw = pd.read_csv(RAW_DIR / RAW["file8"], dtype=str, usecols=["lsoa11_code", FILE8[indicator_id].column])
    expected = raw.set_index("lsoa11_code")[FILE8[indicator_id].column].astype("float64").sort_index()
    got = _rows(table, indicator_id)["value"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False)


@needs_raw
def test_overcrowding_england_sums_lsoa_counts(table: pd.DataFrame) -> None:
    lsoa = _rows(table, "overcrowding_census21", level="lsoa")
    england = _rows(table, "overcrowding_census21", level="england")
    if england.empty:
        pytest.skip("LSOA 2021 lookup not built")
    assert england["count"].iloc[0] == lsoa["count"].sum()
    assert england["denominator"].iloc[0] == lsoa["denominator"].sum()


@needs_raw
@pytest.mark.parametrize(
    ("indicator_id", "level", "vintage", "expected"),
    [
        pytest.param("fuel_poverty", "lsoa", "2011", 32_844, id="fp-lsoa"),
        pytest.param("fuel_poverty", "lad", "2021", 309, id="fp-lad"),
        pytest.param("fuel_poverty", "utla", "2021", 152, id="fp-utla"),
        pytest.param("fuel_poverty", "region", "2019", 9, id="fp-region"),
        pytest.param("overcrowding_census21", "lsoa", "2021", 33_755, id="oc-lsoa"),
        pytest.param("epc_band_c_plus", "lad", "2021", 309, id="epc-lad"),
        pytest.param("iod19_poor_condition", "lsoa", "2011", 32_844, id="iod-lsoa"),
    ],
)
def test_row_counts_per_set(table: pd.DataFrame, indicator_id: str, level: str, vintage: str, expected: int) -> None:
    assert len(_rows(table, indicator_id, level=level, vintage=vintage)) == expected
