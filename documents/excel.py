"""The map's table as an Excel workbook laid out as the Analysis Function asks for statistics in spreadsheets.

Following the government Analysis Function's guidance "Releasing statistics in
spreadsheets" (and its packages gptables and aftables): a **Cover** sheet (title, what
the data are, source, licence, contact, the shorthand used), a **Contents** sheet, a
**Notes** sheet (numbered notes, "[note 1]" ...), then one table per sheet. Every sheet's
title is in cell A1 and every table is an Excel table (with a name and one header row)
starting in column A, with no merged cells and no blank rows or columns inside it;
numbers are stored as numbers. A cell with no number holds the guidance's shorthand,
explained on the cover and notes sheets: ``[c]`` suppressed (confidential: numbers too
small to publish), ``[x]`` not available, ``[z]`` not applicable. Text that a spreadsheet
would run as a formula is made safe (:func:`geo.tables.safe_cell`).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from documents.figures import NOT_ESTIMATES, MapFigures, value_note
from geo.comparison import PHRASES
from geo.tables import LICENCE, safe_cell

__all__ = ["SHORTHAND", "TABLE_SHEET", "workbook"]

#: The shorthand written in a cell with no number, and what it means (the guidance's symbols).
SHORTHAND: Final[dict[str, str]] = {
    "[c]": "Confidential: the value is suppressed because the numbers are too small to publish",
    "[x]": "Not available: the source publishes no figure for this cell",
    "[z]": "Not applicable: no figure can exist for this cell (for example an interval around a rank or decile)",
}
TABLE_SHEET: Final = "Table_1"
_CONTACT: Final = ("Contact: questions about a figure go to its publisher, named under Source; questions about this "
                   "file go to whoever runs the copy of the Health Gap Atlas that made it.")
_HEADING: Final = Font(bold=True, size=14)
_BOLD: Final = Font(bold=True)
_WRAP: Final = Alignment(wrap_text=True, vertical="top")


def _text(value: Any) -> Any:
    return safe_cell(value) if isinstance(value, str) else value


def _notes(figures: MapFigures) -> list[str]:
    ind = figures.indicator
    legend = figures.legend
    classes = " ".join(p for p in (legend.method, legend.convention, legend.note) if p)
    return [
        f"Value: {ind.title} ({ind.unit}). {ind.description}".strip(),
        ("Confidence limits: the 95% limits are those the source publishes; 99.8% limits, and 95% limits where the "
         "source publishes none, are computed by the atlas from the count and denominator by OHID's methods "
         "(Wilson score for proportions, Byar's method for crude rates) only where these reproduce the published "
         "value. The Interval method column says which, row by row."),
        f"Class on the map: {classes}",
        ("Compared with England: better or worse (higher or lower with no polarity) when the area's confidence "
         "interval excludes England's value, similar when it includes it (the Fingertips rule); where the value has "
         "no interval, OHID's own published comparison is used at 95% where held. "
         + (legend.england + "." if legend.england else "")),
        ("Status: ok (a value), suppressed (withheld because the numbers are too small to publish, shown [c]) or "
         "missing (no value held, shown [x])."),
        "Approximate: true where the value is a population-weighted mean of the published figures of the areas the "
        "area is made of, not an official figure; its note says of which areas.",
    ]


def _cover(ws: Worksheet, figures: MapFigures, notes: Sequence[str]) -> None:
    ws["A1"] = _text(figures.title)
    ws["A1"].font = _HEADING
    sections: list[tuple[str, list[str]]] = [
        ("About these data", [f"{figures.indicator.description}".strip() or figures.indicator.title,
                              f"This workbook holds one table ({TABLE_SHEET}): one row per area on the map, with its "
                              "value, confidence limits, status, class on the map and comparison with England."]),
        ("Source", [figures.source]),
        ("Licence and copyright", [*figures.attribution_lines()[:-1], LICENCE]),
        ("Contact", [_CONTACT]),
        ("Shorthand used in the tables", [f"{k} {v}." for k, v in SHORTHAND.items()]),
        ("Notes", [f"The notes worksheet has {len(notes)} numbered notes; column headings refer to them as [note 1] "
                   "and so on."]),
        ("Made", [f"Made by the Health Gap Atlas on {datetime.date.today():%d %B %Y}."]),
    ]
    row = 2
    for heading, lines in sections:
        ws.cell(row=row, column=1, value=heading).font = _BOLD
        row += 1
        for line in lines:
            ws.cell(row=row, column=1, value=_text(line)).alignment = _WRAP
            row += 1
    ws.column_dimensions["A"].width = 110


def _table(ws: Worksheet, *, top: int, header: Sequence[str], rows: Sequence[Sequence[Any]], name: str,
           widths: Sequence[int]) -> None:
    """An Excel table at column A, row ``top``: one header row, then ``rows`` (none of them blank)."""
    for j, heading in enumerate(header, start=1):
        ws.cell(row=top, column=j, value=_text(heading)).font = _BOLD
    for i, values in enumerate(rows, start=top + 1):
        for j, value in enumerate(values, start=1):
            ws.cell(row=i, column=j, value=_text(value))
    last = ws.cell(row=top + max(len(rows), 1), column=len(header)).coordinate
    table = Table(displayName=name, ref=f"A{top}:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(table)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=top, column=j).column_letter].width = width


def _lines_above(ws: Worksheet, title: str, lines: Sequence[str]) -> int:
    """The sheet's title in A1 and a line a row below it; returns the row the table starts on."""
    ws["A1"] = _text(title)
    ws["A1"].font = _HEADING
    for i, line in enumerate(lines, start=2):
        ws.cell(row=i, column=1, value=_text(line))
    return len(lines) + 2


def _number(value: object, *, status: str, blank: str) -> object:
    """A number as a number; else the shorthand: [c] for a suppressed row, ``blank`` for a cell with no figure."""
    if status == "suppressed":
        return "[c]"
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(number) if pd.notna(number) else blank


def _label(value: object) -> str:
    """A class label, or [x] where the area has none."""
    return str(value) if isinstance(value, str) and value else "[x]"


def _versus(verdict: str, by: str) -> str:
    """The comparison in words, with who tested it: "worse than England (OHID's published comparison)"."""
    words = PHRASES.get(verdict, verdict)
    return f"{words} ({by})" if by else words


def _area_rows(figures: MapFigures) -> tuple[list[str], list[list[object]]]:
    table = figures.table().rename(columns={"class": "map_class"})
    unit = figures.indicator.unit
    no_interval = "[z]" if figures.indicator.value_type in NOT_ESTIMATES else "[x]"
    header = ["Area code", "Area name", f"Value ({unit}) [note 1]", "Lower 95% confidence limit [note 2]",
              "Upper 95% confidence limit [note 2]", "Lower 99.8% confidence limit [note 2]",
              "Upper 99.8% confidence limit [note 2]", "Interval method [note 2]", "Count", "Denominator",
              "Status [note 5]", "Approximate [note 6]", "Class on the map [note 3]",
              "Compared with England, 95% confidence [note 4]", "Compared with England, 99.8% confidence [note 4]",
              "Notes"]
    rows: list[list[object]] = []
    for r in table.itertuples(index=False):
        status = str(r.status)
        value = _number(r.value, status=status, blank="[x]")
        rows.append([
            r.area_code, r.area_name, value,
            *(_number(v, status=status, blank=no_interval if status == "ok" else "[x]")
              for v in (r.lower_ci, r.upper_ci, r.lower_ci_99_8, r.upper_ci_99_8)),
            r.ci_method,
            _number(r.count, status="ok", blank="[x]"), _number(r.denominator, status="ok", blank="[x]"),
            status, "true" if bool(r.approximate) else "false", _label(r.map_class),
            _versus(str(r.compared_with_england), str(r.compared_by)),
            PHRASES.get(str(r.compared_with_england_99_8), str(r.compared_with_england_99_8)),
            value_note(status, r.note),
        ])
    return header, rows


def workbook(figures: MapFigures) -> bytes:
    """The workbook's bytes (.xlsx): Cover, Contents, Notes and the map's areas in :data:`TABLE_SHEET`."""
    book = Workbook()
    notes = _notes(figures)
    cover = book.active
    assert cover is not None
    cover.title = "Cover"
    _cover(cover, figures, notes)

    contents = book.create_sheet("Contents")
    top = _lines_above(contents, "Table of contents", ["This worksheet contains one table."])
    _table(contents, top=top, header=["Sheet name", "Sheet title"],
           rows=[["Notes", "Notes used in this workbook"], [TABLE_SHEET, figures.title]], name="contents", widths=[16, 100])
    for i, sheet in enumerate(("Notes", TABLE_SHEET), start=top + 1):
        contents.cell(row=i, column=1).hyperlink = f"#'{sheet}'!A1"

    sheet = book.create_sheet("Notes")
    top = _lines_above(sheet, "Notes", ["This worksheet contains one table."])
    _table(sheet, top=top, header=["Note number", "Note text"], rows=[[f"[note {i}]", n] for i, n in
                                                                      enumerate(notes, start=1)], name="notes",
           widths=[14, 120])
    for row in sheet.iter_rows(min_row=top + 1, min_col=2, max_col=2):
        for cell in row:
            cell.alignment = _WRAP

    data = book.create_sheet(TABLE_SHEET)
    header, rows = _area_rows(figures)
    top = _lines_above(data, f"Table 1: {figures.title}", [
        "This worksheet contains one table. Some column headings refer to notes, on the Notes worksheet.",
        "Shorthand: " + "; ".join(f"{k} {v.split(':')[0].lower()}" for k, v in SHORTHAND.items())
        + " (see the Cover worksheet). Blank cells in the Notes column mean the row has no note.",
        f"Source: {figures.source}",
    ])
    _table(data, top=top, header=header, rows=rows, name="areas",
           widths=[12, 34, 16, 16, 16, 16, 16, 40, 12, 14, 12, 14, 22, 30, 30, 60])
    data.freeze_panes = data.cell(row=top + 1, column=3)
    book.properties.title = figures.title
    book.properties.creator = "Health Gap Atlas"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
