"""documents.excel: the workbook as the Analysis Function's guidance on releasing statistics in spreadsheets asks."""

from __future__ import annotations

import dataclasses
import io
import re

import openpyxl
import pytest

from documents.excel import SHORTHAND, TABLE_SHEET, workbook
from documents.figures import MapFigures, build
from geo.view import View

CASES = {
    "life-expectancy": View("lad", "2023", "le_birth", "2023-25", "female"),
    "england-comparison": View("utla", "2023", "u75_cvd_prev", "2021-23", "persons", method="england"),
    "computed-intervals": View("lad", "2021", "fuel_poverty", "2020", "persons"),
}


@pytest.fixture(scope="module")
def books(data_dir) -> dict[str, tuple[MapFigures, openpyxl.Workbook]]:
    out = {}
    for name, view in CASES.items():
        figures = build(view, data_dir=data_dir)
        out[name] = (figures, openpyxl.load_workbook(io.BytesIO(workbook(figures))))
    return out


def _table_rows(ws) -> list[tuple]:
    (table,) = ws.tables.values()
    return list(ws.iter_rows(min_row=ws[table.ref.split(":")[0]].row, values_only=True))


@pytest.mark.parametrize("case", CASES)
def test_cover_contents_notes_then_one_table_per_sheet_with_nothing_merged(case: str, books) -> None:
    _figures, book = books[case]
    assert book.sheetnames == ["Cover", "Contents", "Notes", TABLE_SHEET]
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        assert isinstance(ws["A1"].value, str) and ws["A1"].value, f"{ws.title} has its title in A1"
        assert len(ws.tables) == (0 if ws.title == "Cover" else 1)
        for table in ws.tables.values():
            first, last = table.ref.split(":")
            assert first.startswith("A"), "each table starts in column A"
            rows = list(ws.iter_rows(min_row=ws[first].row, max_row=ws[last].row, max_col=ws[last].column,
                                     values_only=True))
            assert all(isinstance(h, str) and h for h in rows[0]), "one header row, every column named"
            assert all(any(v not in (None, "") for v in row) for row in rows), "no blank row inside the table"
            assert all(row[0] not in (None, "") for row in rows), "no row without its first cell"


@pytest.mark.parametrize("case", CASES)
def test_the_cover_says_title_source_licence_contact_and_every_shorthand(case: str, books) -> None:
    figures, book = books[case]
    text = "\n".join(str(c) for row in book["Cover"].iter_rows(values_only=True) for c in row if c)
    assert book["Cover"]["A1"].value == figures.title
    for needed in ("Source", figures.source, "Licence", "Open Government Licence", "Crown copyright", "Contact:",
                   *SHORTHAND):
        assert needed in text, needed


@pytest.mark.parametrize("case", CASES)
def test_every_note_a_heading_names_is_on_the_notes_sheet(case: str, books) -> None:
    _figures, book = books[case]
    notes = {row[0] for row in _table_rows(book["Notes"])[1:]}
    assert notes == {f"[note {i}]" for i in range(1, len(notes) + 1)}
    header = _table_rows(book[TABLE_SHEET])[0]
    named = {m for h in header for m in re.findall(r"\[note \d+\]", h)}
    assert named and named <= notes


@pytest.mark.parametrize("case", CASES)
def test_the_table_holds_the_maps_numbers_as_numbers_and_shorthand_elsewhere(case: str, books) -> None:
    figures, book = books[case]
    rows = _table_rows(book[TABLE_SHEET])
    header, body = rows[0], rows[1:]
    col = {h.split(" [note")[0]: i for i, h in enumerate(header)}
    table = figures.table().set_index("area_code")
    assert [r[0] for r in body] == table.index.tolist()
    value = next(i for h, i in col.items() if h.startswith("Value ("))
    for r in body:
        row = table.loc[r[0]]
        if row["status"] == "ok":
            assert r[value] == pytest.approx(row["value"])
            assert isinstance(r[value], (int, float))
        else:
            assert r[value] == ("[c]" if row["status"] == "suppressed" else "[x]")
        for name, column in (("Lower 95% confidence limit", "lower_ci"), ("Upper 99.8% confidence limit",
                                                                          "upper_ci_99_8")):
            cell = r[col[name]]
            if row[column] == row[column]:
                assert cell == pytest.approx(row[column])
            else:
                assert cell in ("[c]", "[x]", "[z]")
        used = {v for v in r if isinstance(v, str) and re.fullmatch(r"\[[a-z]+\]", v)}
        assert used <= set(SHORTHAND)


def test_suppressed_areas_show_c_and_the_comparison_says_who_tested_it(books) -> None:
    figures, book = books["life-expectancy"]
    rows = _table_rows(book[TABLE_SHEET])
    header = rows[0]
    suppressed = set(figures.table().query("status == 'suppressed'")["area_code"])
    assert suppressed
    compared = header.index("Compared with England, 95% confidence [note 4]")
    for r in rows[1:]:
        if r[0] in suppressed:
            assert r[2:7] == ("[c]",) * 5
        else:
            assert r[compared].endswith("(OHID's published comparison)")


def test_text_a_spreadsheet_would_run_is_made_safe(books) -> None:
    figures, _book = books["life-expectancy"]
    hostile = figures.joined.copy()
    hostile.loc[hostile.index[0], "area_name"] = '=HYPERLINK("http://evil.example","x")'
    book = openpyxl.load_workbook(io.BytesIO(workbook(dataclasses.replace(figures, joined=hostile))))
    cells = [c for row in book[TABLE_SHEET].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == "'" + '=HYPERLINK("http://evil.example","x")' for c in cells)
