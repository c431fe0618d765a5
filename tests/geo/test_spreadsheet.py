"""Tests for geo.spreadsheet: reading a user's CSV or .xlsx into cells, and its numbers.

Values are made up; what is checked is how each written form is read.
"""

from __future__ import annotations

import io
import math

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import spreadsheet
from geo.errors import UploadError
from geo.schema import STATUSES


@pytest.mark.parametrize(
    ("cell", "expected", "options"),
    [
        pytest.param("12.5", (12.5, "ok"), {}, id="plain"),
        pytest.param("1,234,567.5", (1234567.5, "ok"), {}, id="thousands"),
        pytest.param("12.9%", (12.9, "ok"), {}, id="percent"),
        pytest.param(" -3 ", (-3.0, "ok"), {}, id="negative-padded"),
        pytest.param("\u22123", (-3.0, "ok"), {}, id="unicode-minus"),
        pytest.param(7, (7.0, "ok"), {}, id="excel-int"),
        pytest.param(None, (None, "missing"), {}, id="excel-blank"),
        pytest.param("", (None, "missing"), {}, id="blank"),
        pytest.param("NaN", (None, "missing"), {}, id="nan-text"),
        *[pytest.param(m, (None, "suppressed"), {}, id=f"marker-{m}") for m in sorted(spreadsheet.SUPPRESSION_MARKERS)],
        pytest.param("[C]", (None, "suppressed"), {}, id="marker-upper-case"),
        pytest.param("inf", (None, "missing"), {}, id="infinity-text"),
        pytest.param(float("inf"), (None, "missing"), {}, id="infinity-number"),
        pytest.param("1e999", (None, "missing"), {}, id="overflow"),
        pytest.param("1_000", (None, "missing"), {}, id="python-underscores"),
        pytest.param("1,23", (None, "missing"), {}, id="decimal-comma-in-a-points-file"),
        pytest.param("12,5", (12.5, "ok"), {"decimal": ","}, id="decimal-comma"),
        pytest.param("1.234,5", (1234.5, "ok"), {"decimal": ","}, id="point-thousands-decimal-comma"),
        pytest.param("1,234", (1.234, "ok"), {"decimal": ","}, id="ambiguous-in-a-commas-file"),
        pytest.param("1.234", (1234.0, "ok"), {"decimal": ","}, id="ambiguous-point-in-a-commas-file"),
        pytest.param("12,5%", (12.5, "ok"), {"decimal": ","}, id="decimal-comma-percent"),
        pytest.param("12.5", (None, "missing"), {"decimal": ","}, id="decimal-point-in-a-commas-file"),
        pytest.param(spreadsheet.Uncalculated("=A1*2"), (None, "missing"), {}, id="formula-without-result"),
        pytest.param("=1+1", (None, "missing"), {}, id="formula"),
        pytest.param(True, (None, "missing"), {}, id="boolean"),
    ],
)
def test_parse_value(cell: object, expected: tuple[float | None, str], options: dict[str, str]) -> None:
    value, status, _ = spreadsheet.parse_value(cell, **options)  # type: ignore[arg-type]
    assert (value, status) == expected


@pytest.mark.parametrize(
    ("cells", "delimiter", "decimal", "warns"),
    [
        pytest.param(["12.5", "3.25", "1,234"], ",", ".", False, id="points-with-ambiguous-thousands"),
        pytest.param(["12,5", "3,25", "1.234"], ",", ",", False, id="commas-with-ambiguous-thousands"),
        pytest.param(["1.234,5", "7"], ",", ",", False, id="point-thousands-decimal-comma"),
        pytest.param(["1,234,567", "7"], ",", ".", False, id="comma-thousands-only"),
        pytest.param(["1,234", "7"], ",", ".", True, id="only-ambiguous-assumes-thousands"),
        pytest.param(["1,234", "7"], ";", ",", True, id="only-ambiguous-semicolon-assumes-commas"),
        pytest.param(["7", "E06000001", "Hartlepool"], ";", ",", False, id="semicolon-integers"),
        pytest.param(["7", "8"], ",", ".", False, id="integers"),
        pytest.param(["12,5", "3,5", "4.5"], ",", ",", True, id="mixed-majority-commas"),
    ],
)
def test_number_convention(cells: list[str], delimiter: str, decimal: str, warns: bool) -> None:
    found = spreadsheet.number_convention(cells, delimiter=delimiter)
    assert found.decimal == decimal
    assert bool(found.problems) == warns
    assert ("decimal commas" if decimal == "," else "decimal points") in found.line


def test_number_convention_says_which_reading_was_assumed() -> None:
    found = spreadsheet.number_convention(["1,234", "2,500"], delimiter=",")
    assert "read as 1234 (a thousands separator" in found.problems[0].message
    european = spreadsheet.number_convention(["1,234", "12,5"], delimiter=";")
    assert "'1,234' that read either way are read as 1.234 (a decimal comma)" in european.line


def test_semicolon_csv_is_read_with_its_delimiter() -> None:
    grid = spreadsheet.read(b"code;rate\nE06000001;12,5\n", file_name="f.csv")
    assert grid.delimiter == ";" and grid.rows[1] == ["E06000001", "12,5"]
    assert "semicolon-separated" in grid.file_format


def test_excel_formula_without_saved_result_is_marked() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["code", "rate", "double"])
    ws.append(["E06000001", 4, "=B2*2"])  # openpyxl saves formulas without results, as some exporters do
    buffer = io.BytesIO()
    book.save(buffer)
    grid = spreadsheet.read(buffer.getvalue(), file_name="f.xlsx")
    assert grid.rows[1][:2] == ["E06000001", 4]
    assert grid.rows[1][2] == spreadsheet.Uncalculated("=B2*2")
    assert "no saved result" in spreadsheet.parse_value(grid.rows[1][2])[2]


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        pytest.param([[""], [None]], "empty", id="blank"),
        pytest.param([["code", "v"]], "header but no rows", id="header-only"),
    ],
)
def test_table_refuses_with_a_message(grid: list[list[object]], match: str) -> None:
    with pytest.raises(UploadError, match=match):
        spreadsheet.table(grid)


_CELLS = st.one_of(
    st.sampled_from(["E06000001", "00BN", "=1+1", "@x", "-", "[c]", "*", "..", "1,234", "1.234", "12,5", "1.234,5",
                     "12%", "12,5%", "nan", "inf", "1e999", "", " ", "\u00a0", "\u22121,5"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)


@settings(max_examples=300, deadline=None)
@given(cell=st.one_of(_CELLS, st.floats(), st.integers(), st.booleans(), st.none(), st.text()),
       decimal=st.sampled_from([".", ","]))
def test_property_parse_value_never_raises(cell: object, decimal: str) -> None:
    value, status, _ = spreadsheet.parse_value(cell, decimal=decimal)  # type: ignore[arg-type]
    assert status in STATUSES
    assert (value is not None and math.isfinite(value)) == (status == "ok")


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(_CELLS, max_size=20), delimiter=st.sampled_from([",", ";", "\t", None]))
def test_property_number_convention_never_raises(cells: list[str], delimiter: str | None) -> None:
    found = spreadsheet.number_convention(cells, delimiter=delimiter)
    assert found.decimal in (".", ",") and found.line
