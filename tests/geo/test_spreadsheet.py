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


# ---------------------------------------------------------------- the header, titles and notes
_ROWS = [["E06000001", "Hartlepool", "22.4"], ["E06000002", "Middlesbrough", "25.1"], ["E06000003", "Redcar", "21.7"]]
_TITLE = ["Table 3: Child obesity by local authority", " 2019/20"]  # a title's unquoted comma splits it in two
_NOTES = [["Source: NHS Digital"], ["1. Figures are rounded"],
          ["Contains public sector information licensed under the Open Government Licence v3.0."]]


@pytest.mark.parametrize(
    ("grid", "names", "title", "footer"),
    [
        pytest.param([["code", "name", "rate"], *_ROWS], ["code", "name", "rate"], (), (), id="plain"),
        pytest.param([_TITLE, [], ["code", "name", "rate"], *_ROWS, [], *_NOTES], ["code", "name", "rate"],
                     ((1, "Table 3: Child obesity by local authority, 2019/20"),),
                     ((8, "Source: NHS Digital"), (9, "1. Figures are rounded"),
                      (10, "Contains public sector information licensed under the Open Government Licence v3.0.")),
                     id="government-csv"),
        pytest.param([["Table 1"] * 3, ["England, 2019/20", None, None], [None, None, "Male"], ["code", "name", "rate"],
                      *_ROWS, ["Source: ONS, 2020", None, None]],
                     ["code", "name", "Male rate"], ((1, "Table 1"), (2, "England, 2019/20")), ((8, "Source: ONS, 2020"),),
                     id="excel-merged-title-group-and-note"),
        pytest.param([["code", "name", "rate"], *_ROWS, ["E06000004", "Stockton", ""]], ["code", "name", "rate"], (), (),
                     id="last-row-blank-value-kept"),
    ],
)
def test_table_skips_title_and_footer_lines(grid: list[list[object]], names: list[str],
                                            title: tuple[tuple[int, str], ...], footer: tuple[tuple[int, str], ...]) -> None:
    found = spreadsheet.table(grid)
    assert found.names == names
    assert found.title == title and found.footer == footer
    codes = [r[0] for r in found.body if r[0]]
    assert codes[:3] == ["E06000001", "E06000002", "E06000003"]
    assert not any("Source" in str(r[0]) or "Table" in str(r[0]) for r in found.body)


def test_table_finds_a_header_of_names_below_a_title() -> None:
    known = {"hartlepool", "middlesbrough", "redcar"}
    grid = [_TITLE, [], ["Local authority", "Obesity"], ["Hartlepool", "22.4"], ["Middlesbrogh", "25.1"],
            ["Redcar", "21.7"], ["Middlesbrogh", "1.5"], [], *_NOTES]

    found = spreadsheet.table(grid, is_area=lambda cell: cell.lower() in known)
    assert found.names == ["Local authority", "Obesity"] and found.first_row == 4
    # A near miss among the areas (or at their end) with a number beside it is a row to confirm, not a note.
    assert [r[0] for r in found.body if r[0]] == ["Hartlepool", "Middlesbrogh", "Redcar", "Middlesbrogh"]
    assert [row for row, _ in found.title] == [1] and [row for row, _ in found.footer] == [9, 10, 11]
