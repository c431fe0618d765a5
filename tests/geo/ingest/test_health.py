"""Tests for geo.ingest.health: raw health files -> the long indicator table.

Spot checks read the expected numbers from the raw files in the test itself.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from geo._paths import DATA_DIR, RAW_DIR
from geo.catalogue import GROUPS
from geo.errors import ValidationError
from geo.ingest._common import BuildContext
from geo.ingest.health import CATALOGUE, RAW, build_table, period_label, validate
from geo.schema import INDICATOR_COLUMNS

KEY = ["indicator_id", "area_code", "level", "vintage", "period", "sex"]
MANCHESTER = "E08000003"


def _raw(key: str, **kwargs: Any) -> pd.DataFrame:
    return pd.read_csv(RAW_DIR / RAW[key], dtype=str, keep_default_na=False, na_values=[""], **kwargs)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw folder {RAW_DIR} is absent")
    # Built boundaries give the code sets; without them the stage reads the raw TopoJSON.
    out = DATA_DIR if (DATA_DIR / "boundaries").is_dir() else tmp_path_factory.mktemp("out")
    return build_table(BuildContext(RAW_DIR, out, log=lambda message: None))


def _one(table: pd.DataFrame, **where: str) -> pd.Series:
    rows = table
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, f"expected one row for {where}, found {len(rows)}"
    return rows.iloc[0]


# --- spot checks: each case reads the raw file and returns (row selector, expected fields) ------------

Case = Callable[[], tuple[dict[str, str], dict[str, Any]]]


def _ess_blackpool() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("ess_le", encoding="utf-8-sig")
    row = raw[raw["areanm"] == "Blackpool"].iloc[0]
    where = {"indicator_id": "le_birth", "area_code": row["areacd"], "level": "lad", "period": "2001-03",
             "sex": "female"}
    return where, {"value": float(row["2003"]), "vintage": "2019"}


def _cmd_male() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("cmd_le")
    row = raw[raw["administrative-geography"].str.startswith("E") & (raw["sex"] == "male")].iloc[0]
    where = {"indicator_id": "le_birth_1618", "area_code": row["administrative-geography"], "level": "lad",
             "period": "2016-18", "sex": "male"}
    expected = {"value": float(row["v4_2"]), "lower_ci": float(row["Lower CI"]),
                "upper_ci": float(row["Upper CI"]), "vintage": "2020"}
    return where, expected


def _cvd_england() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("els_cvd", encoding="utf-8-sig")
    row = raw[(raw["areacd"] == "E92000001") & (raw["period"] == "2001-01-01/P3Y")].iloc[0]
    where = {"indicator_id": "u75_cvd_prev", "area_code": "E92000001", "level": "england", "period": "2001-03",
             "sex": "persons"}
    return where, {"value": float(row["observation"]), "lower_ci": float(row["lci_95"]),
                   "upper_ci": float(row["uci_95"])}


def _u75_prev_2010() -> tuple[dict[str, str], dict[str, Any]]:
    current = _raw("ft_u75")
    assert "2010" not in set(current["period"]), "the current release should not reach back to 2010"
    old = _raw("ft_u75_2025")
    row = old[(old["area_code"] == MANCHESTER) & (old["period"] == "2010") & (old["unit"] == "Persons")].iloc[0]
    where = {"indicator_id": "u75_prev", "area_code": MANCHESTER, "period": "2010", "sex": "persons"}
    return where, {"value": float(row["value"]), "vintage": "2023"}


def _u75_prev_2014() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("ft_u75")
    row = raw[(raw["area_code"] == MANCHESTER) & (raw["period"] == "2014") & (raw["unit"] == "Female")].iloc[0]
    where = {"indicator_id": "u75_prev", "area_code": MANCHESTER, "period": "2014", "sex": "female"}
    return where, {"value": float(row["value"])}


def _fingertips_le() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("ft_le")
    row = raw[(raw["area_code"] == MANCHESTER) & (raw["period"] == "2023 - 25") & (raw["inequality"] == "Male")]
    where = {"indicator_id": "le_birth", "area_code": MANCHESTER, "period": "2023-25", "sex": "male"}
    return where, {"value": float(row["value"].iloc[0]), "vintage": "2023"}


def _hle_els() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("els_hle")
    row = raw[(raw["areacd"] == MANCHESTER) & (raw["period"] == "2022-01-01/P3Y")
              & (raw["indicator"] == "Female healthy life expectancy")].iloc[0]
    where = {"indicator_id": "hle_birth", "area_code": MANCHESTER, "period": "2022-24", "sex": "female"}
    return where, {"value": float(row["observation"]), "lower_ci": float(row["lci_95"]),
                   "upper_ci": float(row["uci_95"]), "level": "utla", "vintage": "2025"}


def _hle_dashboard() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("ft_hle")
    row = raw[(raw["area_code"] == MANCHESTER) & (raw["period"] == "2009-11") & (raw["group"] == "Male")].iloc[0]
    where = {"indicator_id": "hle_birth", "area_code": MANCHESTER, "period": "2009-11", "sex": "male"}
    return where, {"value": float(row["value"]), "level": "utla", "vintage": "2013"}


def _sii_old_release() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("ft_sii_2024")
    row = raw[(raw["area_code"] == MANCHESTER) & (raw["period"] == "2010 - 12") & (raw["inequality"] == "Female")]
    where = {"indicator_id": "sii_le", "area_code": MANCHESTER, "level": "lad", "period": "2010-12",
             "sex": "female"}
    return where, {"value": float(row["value"].iloc[0]), "vintage": "2021"}


def _health_index_imr() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("health_index")
    row = raw[(raw["ltla21_code"] == "E06000001") & (raw["year"] == "2015")
              & (raw["indicator"] == "Infant mortality")].iloc[0]
    where = {"indicator_id": "infant_mortality", "area_code": "E06000001", "period": "2015", "sex": "persons"}
    return where, {"value": float(row["value"]), "vintage": "2021"}


def _le_single_year() -> tuple[dict[str, str], dict[str, Any]]:
    raw = _raw("ons_le_2023")
    row = raw[raw["Sex"] == "Female"].iloc[-1]
    where = {"indicator_id": "le_birth_1yr", "area_code": row["Area code"], "period": "2023", "sex": "female"}
    return where, {"value": float(row["Life expectancy"]), "vintage": "2023"}


@pytest.mark.raw
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(_ess_blackpool, id="ess-blackpool-female-2001-03"),
        pytest.param(_cmd_male, id="cmd-2016-18-male-with-ci"),
        pytest.param(_cvd_england, id="u75-cvd-england-2001-03-with-ci"),
        pytest.param(_u75_prev_2010, id="u75-prev-2010-from-older-release"),
        pytest.param(_u75_prev_2014, id="u75-prev-2014-from-current-release"),
        pytest.param(_fingertips_le, id="fingertips-le-male-2023-25"),
        pytest.param(_hle_els, id="hle-els-female-2022-24-with-ci"),
        pytest.param(_hle_dashboard, id="hle-dashboard-male-2009-11"),
        pytest.param(_sii_old_release, id="sii-2010-12-from-2024-release"),
        pytest.param(_health_index_imr, id="health-index-infant-mortality-2015"),
        pytest.param(_le_single_year, id="ons-le-single-year-2023"),
    ],
)
def test_value_equals_raw(table: pd.DataFrame, case: Case) -> None:
    where, expected = case()
    row = _one(table, **where)
    for column, value in expected.items():
        assert row[column] == value, f"{column}: {row[column]!r} != {value!r}"
    assert row["status"] == "ok"
    if "lower_ci" not in expected:
        assert np.isnan(row["lower_ci"]) and np.isnan(row["upper_ci"])


@pytest.mark.raw
def test_one_row_per_key_and_contract(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == INDICATOR_COLUMNS
    assert not table.duplicated(KEY).any()
    assert ((table["status"] == "ok") == table["value"].notna()).all()


@pytest.mark.raw
@pytest.mark.parametrize(
    ("indicator_id", "sex", "period", "level", "kept", "dropped"),
    [
        pytest.param("le_birth", "female", "2016-18", "lad", "2019", "2023", id="ess-women-to-2016-18"),
        pytest.param("le_birth", "female", "2017-19", "lad", "2023", "2019", id="fingertips-women-from-2017-19"),
        pytest.param("sii_le", "male", "2015-17", "lad", "2021", "2023", id="sii-2015-17-from-2024-release"),
        pytest.param("hle_birth", "male", "2010-12", "utla", "2013", "2025", id="hle-dashboard-only-before-els"),
        pytest.param("hle_birth", "male", "2011-13", "utla", "2025", "2013", id="hle-els-from-2011-13"),
    ],
)
def test_one_release_per_period(table: pd.DataFrame, indicator_id: str, sex: str, period: str, level: str,
                                kept: str, dropped: str) -> None:
    rows = table[(table["indicator_id"] == indicator_id) & (table["sex"] == sex) & (table["period"] == period)
                 & (table["level"] == level)]
    assert (rows["vintage"] == kept).sum() > 100
    assert not (rows["vintage"] == dropped).any()


@pytest.mark.raw
@pytest.mark.parametrize(
    ("code", "members", "name"),
    [
        pytest.param("E67000001", ("E09000012", "E09000001"), "Hackney and City of London", id="hackney-city"),
        pytest.param("E67000002", ("E06000052", "E06000053"), "Cornwall and Isles of Scilly", id="cornwall-scilly"),
    ],
)
@pytest.mark.parametrize("level", ["lad", "utla"])
def test_combined_figure_shown_on_both_authorities(
    table: pd.DataFrame, code: str, members: tuple[str, str], name: str, level: str
) -> None:
    raw = _raw("els_cvd", encoding="utf-8-sig")
    raw = raw[raw["areacd"] == code]
    expected = pd.DataFrame({
        "period": raw["period"].map(period_label), "value": raw["observation"].astype(float),
        "lower_ci": raw["lci_95"].astype(float), "upper_ci": raw["uci_95"].astype(float),
    }).sort_values("period").reset_index(drop=True)
    assert len(expected) == 22
    cvd = table[(table["indicator_id"] == "u75_cvd_prev") & (table["level"] == level)]
    for member in members:
        rows = cvd[cvd["area_code"] == member].sort_values("period").reset_index(drop=True)
        pd.testing.assert_frame_equal(rows[list(expected.columns)], expected)
        assert (rows["status"] == "ok").all() and (rows["vintage"] == "2023").all()
        assert (rows["note"] == f"Combined figure for {name} ({code})").all()
    assert not table["area_code"].str.startswith("E67").any()


@pytest.mark.raw
def test_ess_women_2015_17_and_2016_18_kept_for_counties_regions_and_abolished_districts(
    table: pd.DataFrame,
) -> None:
    from geo.contract import boundary_codes

    sets = boundary_codes(DATA_DIR)
    if ("lad", "2023") not in sets:
        pytest.skip("boundary sets not built")
    raw = _raw("ess_le", encoding="utf-8-sig")
    abolished = sets[("lad", "2019")] - sets[("lad", "2023")]
    wanted = [("utla", raw["areacd"].str.startswith("E10")), ("region", raw["areacd"].str.startswith("E12")),
              ("lad", raw["areacd"].isin(abolished))]
    for level, mask in wanted:
        assert mask.sum() > 0, level
        for column, period in (("2017", "2015-17"), ("2018", "2016-18")):
            expected = raw.loc[mask, ["areacd", column]].set_axis(["area_code", "value"], axis=1)
            expected = expected.assign(value=expected["value"].astype(float)).sort_values("area_code")
            rows = table[(table["indicator_id"] == "le_birth") & (table["level"] == level)
                         & (table["period"] == period) & (table["sex"] == "female")
                         & table["area_code"].isin(expected["area_code"])]
            assert set(rows["vintage"]) == {"2019"}
            got = rows[["area_code", "value"]].sort_values("area_code")
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


@pytest.mark.raw
def test_barnsley_sheffield_kept_under_codes_the_source_uses(table: pd.DataFrame) -> None:
    raw = _raw("els_cvd", encoding="utf-8-sig")
    cvd = table[(table["indicator_id"] == "u75_cvd_prev") & (table["level"] == "lad")]
    for old in ("E08000016", "E08000019"):
        rows = cvd[cvd["area_code"] == old]
        assert len(rows) == (raw["areacd"] == old).sum() == 22
        assert set(rows["vintage"]) == {"2023"} and rows["note"].str.contains("Obsolete code").all()
    assert not cvd["area_code"].isin(["E08000038", "E08000039"]).any()


@pytest.mark.raw
def test_abolished_districts_keep_their_own_vintage(table: pd.DataFrame) -> None:
    rows = table[(table["indicator_id"] == "le_birth") & (table["area_code"] == "E07000026")]  # Allerdale
    # Men from 2015-17 come from the Fingertips release, back-cast to 2023 codes.
    rows = rows[(rows["period"] >= "2015-17") & (rows["sex"] == "male")]
    assert set(rows["vintage"]) == {"2021"} and rows["period"].max() == "2019-21"
    assert rows["note"].str.contains("E06000063").all()


@pytest.mark.raw
def test_city_and_scilly_blanks_are_suppressed(table: pd.DataFrame) -> None:
    raw = _raw("ft_le")
    blanks = raw[raw["area_code"].isin(["E09000001", "E06000053"]) & (raw["value"] == "NA")]
    rows = table[(table["indicator_id"] == "le_birth") & (table["vintage"] == "2023")
                 & table["area_code"].isin(["E09000001", "E06000053"])]
    blanks = blanks[(blanks["inequality"] == "Male") | (blanks["period"] > "2016 - 18")]  # Fingertips rows kept
    assert (rows["status"] == "suppressed").sum() == len(blanks) > 0
    assert (rows.loc[rows["status"] == "suppressed", "note"] == "Not published by OHID: too few deaths").all()


@pytest.mark.raw
@pytest.mark.parametrize(
    ("indicator_id", "level", "vintage", "key", "note"),
    [
        pytest.param("le_birth", "lad", "2019", "ess_le", "Not published by ONS: too few deaths", id="ess-lad"),
        pytest.param("le_birth", "utla", "2019", "ess_le", "Not published by ONS: too few deaths", id="ess-utla"),
        pytest.param("le_birth_1618", "lad", "2020", "cmd_le", "Not published by ONS: too few deaths", id="cmd"),
        pytest.param("le_birth_1yr", "lad", "2023", "ons_le_2023", "Not published by ONS: too few deaths",
                     id="single-year"),
        pytest.param("le_birth_hi", "lad", "2021", "health_index", "Not in the ONS Health Index: population too small",
                     id="health-index"),
        pytest.param("hle_birth", "utla", "2025", "els_hle", "Not published by ONS: too few people surveyed",
                     id="hle-els"),
    ],
)
def test_city_and_scilly_left_out_by_source_are_suppressed(
    table: pd.DataFrame, indicator_id: str, level: str, vintage: str, key: str, note: str
) -> None:
    text = (RAW_DIR / RAW[key]).read_bytes()
    text = gzip.decompress(text) if RAW[key].endswith(".gz") else text
    small = ("E09000001", "E06000053")
    assert not any(code.encode() in text for code in small), "the source now gives these areas"
    rows = table[(table["indicator_id"] == indicator_id) & (table["level"] == level) & (table["vintage"] == vintage)]
    combos = rows.groupby(["period", "sex"]).ngroups
    mine = rows[rows["area_code"].isin(small)]
    assert len(mine) == 2 * combos > 0
    assert (mine["status"] == "suppressed").all() and (mine["note"] == note).all() and mine["value"].isna().all()


@pytest.mark.raw
def test_health_index_carry_forward_is_noted(table: pd.DataFrame) -> None:
    rows = table[(table["indicator_id"] == "le_birth_hi") & (table["status"] == "ok")]
    assert rows.loc[rows["period"] == "2021", "note"].str.startswith("identical to 2020").all()
    assert rows.loc[rows["period"] == "2020", "note"].isna().all()


@pytest.mark.raw
def test_area_codes_exist_in_their_boundary_sets(table: pd.DataFrame) -> None:
    from geo.contract import boundary_codes

    sets = boundary_codes(DATA_DIR)
    if not sets:
        pytest.skip("boundary sets not built")
    areas = table[table["level"].isin(["lad", "utla", "region"])]
    for (level, vintage), rows in areas.groupby(["level", "vintage"]):
        unknown = set(rows["area_code"]) - sets[(str(level), str(vintage))]
        assert not unknown, f"{level} {vintage}: {sorted(unknown)[:5]}"


@pytest.mark.raw
def test_rebuild_from_raw_matches_written_file() -> None:
    path = DATA_DIR / "indicators" / "health.parquet"
    if not path.exists() or not RAW_DIR.is_dir():
        pytest.skip("health.parquet not built")
    written = pd.read_parquet(path)
    written = written[written["indicator_id"] == "u75_cancer_prev"]
    raw = _raw("ft_cancer")
    raw = raw[raw["area_code"].str.match(r"E0[6-9]|E92")]
    expected = pd.DataFrame({
        "area_code": raw["area_code"], "period": raw["period"],
        "value": pd.to_numeric(raw["value"].replace("NA", None)).astype("float64"),
    }).sort_values(["area_code", "period"]).reset_index(drop=True)
    got = written[["area_code", "period", "value"]].sort_values(["area_code", "period"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert set(written["vintage"]) == {"2013"}


@pytest.mark.raw
def test_catalogue_declares_what_is_written(table: pd.DataFrame) -> None:
    declared = {i.indicator_id for i in CATALOGUE}
    assert declared == set(table["indicator_id"])
    assert all(i.group in GROUPS and i.valid_range is not None for i in CATALOGUE)


# --- pure helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2015 - 17", "2015-17", id="fingertips-spaced"),
        pytest.param("2001-03", "2001-03", id="compact"),
        pytest.param("2001-01-01/P3Y", "2001-03", id="iso-3-year"),
        pytest.param("1998-01-01/P3Y", "1998-00", id="iso-across-century"),
        pytest.param("2014", "2014", id="single-year"),
    ],
)
def test_period_label(raw: str, expected: str) -> None:
    assert period_label(raw) == expected


def test_period_label_rejects_unknown_format() -> None:
    with pytest.raises(ValidationError, match="Unrecognised period label"):
        period_label("2015/16")


def _tiny() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": ["le_birth", "le_birth"], "area_code": ["E06000001", "E06000002"], "level": ["lad", "lad"],
        "vintage": ["2023", "2023"], "period": ["2019-21", "2019-21"], "sex": ["female", "female"],
        "value": [82.1, np.nan], "lower_ci": [np.nan, np.nan], "upper_ci": [np.nan, np.nan],
        "count": [np.nan, np.nan], "denominator": [np.nan, np.nan], "status": ["ok", "missing"], "note": [None, None],
    })


def test_validate_accepts_tiny_table() -> None:
    validate(_tiny())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"value": [120.0, np.nan]}, "plausible range", id="out-of-range"),
        pytest.param({"area_code": ["E06000001", "E06000001"]}, "duplicate", id="duplicate-key"),
        pytest.param({"period": ["2019/21", "2019-21"]}, "Period", id="bad-period"),
        pytest.param({"status": ["ok", "ok"]}, "Status must be 'ok'", id="ok-without-value"),
        pytest.param({"vintage": ["2022", "2023"]}, "Vintage", id="unknown-vintage"),
        pytest.param({"lower_ci": [83.0, np.nan], "upper_ci": [84.0, np.nan]}, "confidence interval", id="bad-ci"),
        pytest.param({"indicator_id": ["nope", "le_birth"]}, "not declared", id="undeclared-id"),
    ],
)
def test_validate_rejects(change: dict[str, list[Any]], message: str) -> None:
    broken = _tiny()
    for column, values in change.items():
        broken[column] = values
    with pytest.raises(ValidationError, match=message):
        validate(broken)
