"""documents.fingertips: a CSV in Fingertips' columns, so fingertipsR users can run their own code on it."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from documents.figures import MapFigures, build
from documents.fingertips import COLUMNS, area_type, fingertips_csv, fingertips_id, fingertips_table, timeperiod
from geo import intervals
from geo.catalogue import load_catalogue
from geo.comparison import compare, published_verdict
from geo.tables import LICENCE
from geo.view import View

EXACT_COLUMNS = [
    "IndicatorID", "IndicatorName", "AreaCode", "AreaName", "AreaType", "Sex", "Age", "Timeperiod", "Value",
    "LowerCI95.0limit", "UpperCI95.0limit", "LowerCI99.8limit", "UpperCI99.8limit", "Count", "Denominator",
    "Value note", "Compared to England value or percentiles",
]
LE = View("lad", "2023", "le_birth", "2023-25", "female")
FUEL = View("lad", "2021", "fuel_poverty", "2020", "persons")
U75 = View("utla", "2023", "u75_cvd_prev", "2021-23", "persons")


@pytest.fixture(scope="module")
def made(data_dir) -> dict[str, MapFigures]:
    return {"le": build(LE, data_dir=data_dir), "fuel": build(FUEL, data_dir=data_dir),
            "u75": build(U75, data_dir=data_dir)}


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), comment="#", dtype={"AreaCode": str}, keep_default_na=False,
                       na_values=[""])


@pytest.mark.parametrize("case", ["le", "fuel", "u75"])
def test_the_columns_are_exactly_fingertips_and_england_comes_first(case: str, made) -> None:
    text = fingertips_csv(made[case])
    table = _read(text)
    assert list(table.columns) == EXACT_COLUMNS == list(COLUMNS)
    assert table["AreaCode"].iloc[0] == "E92000001" and table["AreaType"].iloc[0] == "England"
    assert table["Value"].iloc[0] == pytest.approx(made[case].england)
    assert len(table) == len(made[case].joined) + 1
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert header[-1] == f"# {LICENCE}" and any("Crown copyright and database right" in h for h in header)


@pytest.mark.parametrize(
    ("indicator_id", "expected"),
    [
        pytest.param("le_birth", 90366, id="life-expectancy"),
        pytest.param("hle_birth", 90362, id="healthy-life-expectancy"),
        pytest.param("u75_cvd_prev", 93722, id="preventable-cvd"),
        pytest.param("sii_le", 92901, id="slope-index"),
        pytest.param("fuel_poverty", None, id="not-fingertips"),
        pytest.param("imd2019_imd_decile", None, id="imd-not-fingertips"),
    ],
)
def test_fingertips_ids_where_the_atlas_indicator_is_one(indicator_id: str, expected: int | None, data_dir) -> None:
    assert fingertips_id(load_catalogue(data_dir)[indicator_id]) == expected


def test_an_indicator_that_is_not_fingertips_leaves_the_id_empty_and_says_so(made) -> None:
    text = fingertips_csv(made["fuel"])
    assert _read(text)["IndicatorID"].isna().all()
    assert "# IndicatorID: empty: " in text and "is not a Fingertips indicator" in text
    assert (_read(fingertips_csv(made["le"]))["IndicatorID"] == 90366).all()


def test_998_limits_are_computed_from_count_and_denominator_by_wilson(made) -> None:
    table = fingertips_table(made["fuel"]).set_index("AreaCode")
    row = table.loc["E06000001"]
    expected = intervals.proportion([row["Count"]], [row["Denominator"]], level=99.8, multiplier=100)
    assert row["LowerCI99.8limit"] == pytest.approx(float(expected.lower.iloc[0]))
    assert row["UpperCI99.8limit"] == pytest.approx(float(expected.upper.iloc[0]))
    assert table["LowerCI99.8limit"].notna().all()


def test_no_998_limits_without_count_and_denominator(made) -> None:
    table = fingertips_table(made["u75"])
    assert table["LowerCI99.8limit"].isna().all() and table["UpperCI99.8limit"].isna().all()
    assert table["LowerCI95.0limit"].iloc[1:].notna().any()  # the published 95% limits are kept


def test_the_comparison_is_the_fingertips_rule_in_fingertips_words(made) -> None:
    figures = made["u75"]
    table = fingertips_table(figures).set_index("AreaCode")
    words = {"better": "Better", "similar": "Similar", "worse": "Worse"}
    for r in figures.table().itertuples():
        verdict = compare(r.value if r.status == "ok" else None, lower_ci=r.lower_ci, upper_ci=r.upper_ci,
                          england=figures.england, polarity=figures.indicator.polarity,
                          published=published_verdict(r.note if isinstance(r.note, str) else None)).verdict
        assert table.loc[r.area_code, "Compared to England value or percentiles"] == words.get(verdict, "Not compared")
    assert set(table["Compared to England value or percentiles"]) <= {"Better", "Similar", "Worse", "Not compared"}


def test_a_suppressed_value_is_empty_with_its_note(made) -> None:
    table = fingertips_table(made["le"])
    suppressed = set(made["le"].table().query("status == 'suppressed'")["area_code"])
    rows = table[table["AreaCode"].isin(suppressed)]
    assert len(rows) == len(suppressed) > 0
    assert rows["Value"].isna().all()
    assert rows["Value note"].str.startswith("Value suppressed").all()
    assert (rows["Compared to England value or percentiles"] == "Not compared").all()


@pytest.mark.parametrize(("period", "expected"), [("2023-25", "2023 - 25"), ("2020", "2020"), ("2019/20", "2019/20")])
def test_timeperiod_is_written_as_fingertips_writes_it(period: str, expected: str) -> None:
    assert timeperiod(period) == expected


@pytest.mark.parametrize(
    ("level", "vintage", "expected"),
    [("lad", "2023", "Districts & UAs (from Apr 2023)"), ("utla", "2021", "Counties & UAs (2021/22-2022/23)"),
     ("sha", "2006", "Strategic Health Authorities (2006 boundaries)")],
)
def test_area_type_is_fingertips_name_where_it_publishes_on_the_set(level: str, vintage: str, expected: str) -> None:
    assert area_type(level, vintage) == expected


@pytest.mark.parametrize(
    ("method", "column", "at"),
    [pytest.param("england", "compared_with_england", "at 95% confidence", id="95"),
     pytest.param("england_998", "compared_with_england_99_8", "at 99.8% confidence", id="99-8"),
     pytest.param("quantiles", "compared_with_england", "at 95% confidence", id="classes-say-95")],
)
def test_the_comparison_column_is_at_the_maps_level(method: str, column: str, at: str, data_dir) -> None:
    # Healthy life expectancy: symmetric published 95% limits, so 99.8% ones are held and the two levels differ.
    figures = build(View("utla", "2025", "hle_birth", "2022-24", "female", method=method), data_dir=data_dir)
    table = fingertips_table(figures).set_index("AreaCode")
    words = {"better": "Better", "similar": "Similar", "worse": "Worse"}
    areas = figures.table().set_index("area_code")
    assert table.loc[areas.index, "Compared to England value or percentiles"].tolist() == [
        words.get(v, "Not compared") for v in areas[column]]
    assert f"Compared to England value or percentiles: {at}" in fingertips_csv(figures)
