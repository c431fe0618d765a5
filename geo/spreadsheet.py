"""A user's spreadsheet: read a CSV or .xlsx file into a grid of cells, and read its numbers.

:func:`read` turns bytes (never a path on shared storage) into a :class:`Grid`,
whatever the encoding, delimiter or workbook; :func:`table` finds the header row
above the first areas (merged group rows above it prefix the names; title lines above
it and notes below the data are skipped and listed); :func:`number_convention` decides
whether the file writes ``12,5`` or ``12.5``; :func:`parse_value` reads one cell.
Anything wrong with the file raises :class:`~geo.errors.UploadError` with the fix.
:func:`geo.tables.safe_table` neutralises formula-like text in every export.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geo import workbook
from geo.errors import UploadError, UploadLimitError
from geo.workbook import Uncalculated

__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "SUPPRESSION_MARKERS",
    "Convention",
    "Grid",
    "Problem",
    "Table",
    "Uncalculated",
    "code_text",
    "looks_like_code",
    "number_convention",
    "parse_value",
    "read",
    "sheet_names",
    "table",
    "text",
]

#: Most rows and columns read from one table.
MAX_ROWS = 60_000
MAX_COLUMNS = 200
#: Most cells read from one table: the rows times the widest row, and in a workbook every cell it declares (empty ones
#: too). A workbook's cells are read at about 3 microseconds each, so a million cost 3 s of the reader's 5 s
#: (geo.sandbox); a table of 33,755 LSOAs by 29 columns fits.
MAX_CELLS = 1_000_000
#: Cells that mean "suppressed" in official tables (compared lower-cased).
SUPPRESSION_MARKERS: frozenset[str] = frozenset({"*", "..", "c", "x", "-", "~", "[c]", "[x]", "[low]"})

Severity = Literal["error", "warning"]
Decimal = Literal[".", ","]

_GSS = re.compile(r"^[EWSNK]\d{8}$")
_OLD_LA = re.compile(r"^\d{2}[A-Z]{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$")
#: 1,234 and 1,234.5: comma thousands (1,234 alone could also be a decimal comma).
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
#: 1.234 and 1.234,5: point thousands (1.234 alone could also be a decimal point).
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
#: 12,5 and ,5: a decimal comma.
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
#: 12, -3.25: a plain number, short enough to be finite (read without the checks above).
_PLAIN = re.compile(r"-?\d{1,15}(\.\d{1,15})?")
_HEADER_SCAN = 15
#: Non-blank rows searched for the first area (title lines and notes above the header are skipped).
_TITLE_SCAN = 30
#: A line below the data that starts so is a note ("Source: NHS Digital", "1. Figures are rounded"), not an area.
_NOTE = re.compile(r"(sources?|notes?|footnotes?|contains|copyright|crown copyright|data|figures|please|see|"
                   r"last updated|published|next update|produced|released)\b|[©*\[]|\(c\)|\d{1,2}\s*[.):]\s", re.I)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; ``row`` is the row number a spreadsheet shows (1 = first)."""

    severity: Severity
    message: str
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        where = ", ".join(p for p in (f"row {self.row}" if self.row else "", f"column {self.column!r}" if self.column else "") if p)
        return f"{self.severity}: {where + ': ' if where else ''}{self.message}"


@dataclass(frozen=True, eq=False)
class Grid:
    """The file's cells, row by row, and how they were read."""

    rows: list[list[object]]
    file_format: str
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    delimiter: str | None = None


@dataclass(frozen=True, eq=False)
class Table:
    """Column names, data rows (padded to one width), the spreadsheet row number of the first, problems, and the
    title and footer lines skipped above and below the table."""

    names: list[str]
    body: list[list[object]]
    first_row: int
    problems: list[Problem]
    #: Lines skipped above the header (a title, a subtitle): (spreadsheet row, the line's text).
    title: tuple[tuple[int, str], ...] = ()
    #: Lines skipped below the data (a source, notes): (spreadsheet row, the line's text).
    footer: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Convention:
    """How the file writes numbers: ``decimal`` is ``"."`` or ``","``; ``line`` says so for the report."""

    decimal: Decimal
    line: str
    problems: tuple[Problem, ...] = ()


# ---------------------------------------------------------------- cells
def parse_value(cell: object, *, decimal: Decimal = ".") -> tuple[float | None, str, str]:
    """Read one cell: ``(value, status, problem)``.

    Status is ``ok``, ``suppressed`` (a suppression marker such as ``*`` or ``[c]``)
    or ``missing`` (blank, or text that is not a number: ``problem`` says which).
    Thousands separators and a trailing percent sign are accepted; with
    ``decimal=","`` the file's convention is ``1.234,5``, and ``1,234`` reads as 1.234.

    >>> parse_value("1,234.5")
    (1234.5, 'ok', '')
    >>> parse_value("12,5", decimal=",")
    (12.5, 'ok', '')
    >>> parse_value("[c]")
    (None, 'suppressed', '')
    """
    if decimal == "." and type(cell) is str and _PLAIN.fullmatch(cell):  # most cells: read at once, as below
        return float(cell), "ok", ""
    if isinstance(cell, Uncalculated):
        shown = cell.formula if len(cell.formula) <= 40 else cell.formula[:37] + "..."
        return None, "missing", (f"the formula {shown!r} has no saved result; left blank. Open the file in Excel, "
                                 "save it (so results are stored) and upload it again")
    if cell is None or isinstance(cell, bool):
        return (None, "missing", "") if cell is None else (None, "missing", f"{cell!r} is not a number")
    if isinstance(cell, int | float):
        value = float(cell)
        if math.isfinite(value):
            return value, "ok", ""
        return None, "missing", "an infinite or undefined number"
    raw = str(cell).replace("\u00a0", " ").replace("\u2212", "-").strip()
    if not raw or raw.lower() in ("nan", "na", "n/a", "null", "none"):
        return None, "missing", ""
    if raw.lower() in SUPPRESSION_MARKERS:
        return None, "suppressed", ""
    number = raw[:-1].strip() if raw.endswith("%") else raw
    other = ""
    if decimal == ",":
        if _DOT_THOUSANDS.match(number) or _COMMA_DECIMAL.match(number):
            number = number.replace(".", "").replace(",", ".")
        elif "." in number and (_NUMBER.match(number) or _THOUSANDS.match(number)):
            other = "a decimal point, but the file's numbers use decimal commas"
            number = ""
    elif _THOUSANDS.match(number):
        number = number.replace(",", "")
    elif _COMMA_DECIMAL.match(number) or (_DOT_THOUSANDS.match(number) and "," in number):
        other = "a decimal comma, but the file's numbers use decimal points"
    if _NUMBER.match(number):
        value = float(number)
        if math.isfinite(value):
            return value, "ok", ""
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    return None, "missing", f"{shown!r} {'has ' + other if other else 'is not a number'}; left blank"


def number_convention(cells: Iterable[object], *, delimiter: str | None = None) -> Convention:
    """Decide whether the file's numbers use decimal points or decimal commas.

    Cells such as ``12,5`` or ``1.234,5`` vote for commas, ``12.5`` or ``1,234.5`` for
    points; a semicolon-delimited CSV (what Excel writes where the comma is the
    decimal mark) settles a tie. Cells such as ``1,234`` that read either way follow
    the winner, and a warning says which reading was assumed.
    """
    comma: list[str] = []
    point: list[str] = []
    ambiguous: list[str] = []
    dotted: list[str] = []
    for cell in cells:
        if not isinstance(cell, str):
            continue
        if _PLAIN.fullmatch(cell):  # most cells, decided at once: 12 casts no vote, 12.5 one for points
            dot = cell.find(".")
            if dot < 0:
                continue
            if len(cell) - dot != 4 or dot - cell.startswith("-") > 3:  # not 1.234, which reads either way (below)
                point.append(cell)
                continue
        t = cell.replace("\u00a0", " ").replace("\u2212", "-").strip().removesuffix("%").strip()
        if _THOUSANDS.match(t):
            (ambiguous if t.count(",") == 1 and "." not in t else point).append(t)
        elif _DOT_THOUSANDS.match(t):
            (dotted if t.count(".") == 1 and "," not in t else comma).append(t)
        elif _COMMA_DECIMAL.match(t):
            comma.append(t)
        elif _NUMBER.match(t) and "." in t:
            point.append(t)
    semicolon = delimiter == ";"
    decimal: Decimal = "," if len(comma) > len(point) or (len(comma) == len(point) and semicolon) else "."
    why = "semicolon-separated, as where the comma is the decimal mark" if semicolon else ""
    if decimal == ",":
        evidence = f"{len(comma)} cells such as {comma[0]!r}" if comma else why
        line = f"decimal commas (12,5 is read as 12.5), from {evidence}"
    else:
        line = f"decimal points, from {len(point)} cells such as {point[0]!r}" if point else "decimal points"
    problems: list[Problem] = []
    if comma and point:
        minority, kind = (point, "decimal points") if decimal == "," else (comma, "decimal commas")
        problems.append(Problem("warning", f"the file mixes decimal commas ({len(comma)} cells) and decimal points "
                                f"({len(point)} cells); read with {'commas' if decimal == ',' else 'points'}, so the "
                                f"{len(minority)} cells with {kind} (such as {minority[0]!r}) are left blank"))
    unclear = ambiguous + (dotted if decimal == "," else [])
    if unclear:
        example = unclear[0]
        reading = format(parse_value(example, decimal=decimal)[0] or 0.0, ".12g")
        mark = "a decimal comma" if decimal == "," and "," in example else "a thousands separator"
        line += f"; {len(unclear)} cells such as {example!r} that read either way are read as {reading} ({mark})"
        if not (comma or point):
            # Nothing else in the file shows its convention: say what was assumed where the user will see it.
            basis = "as the file is semicolon-separated" if semicolon else "as the file shows no decimal commas"
            problems.append(Problem("warning", f"{len(unclear)} cells such as {example!r} could be read two ways; "
                                    f"read as {reading} ({mark}, {basis})"))
    return Convention(decimal, line, tuple(problems))


#: Characters people cannot see that spreadsheets and web pages leave in cells (zero-width space, non-joiner and
#: joiner, word joiner, byte-order mark, soft hyphen): removed, so "E08000012\u200b" reads as the code it shows.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def text(cell: object) -> str:
    """A cell as text (integral floats without ``.0``; characters no one can see removed)."""
    if type(cell) is str:
        return cell.translate(_INVISIBLE).replace("\u00a0", " ").strip()
    if cell is None:
        return ""
    if isinstance(cell, Uncalculated):
        return cell.formula
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).translate(_INVISIBLE).replace("\u00a0", " ").strip()


def code_text(cell: object) -> str:
    """A cell as an area code (upper case)."""
    return text(cell).upper()


def looks_like_code(value: str) -> bool:
    """True for a GSS code (E06000001) or a pre-2009 district code (00BN)."""
    return bool(_GSS.match(value) or _OLD_LA.match(value))


# ---------------------------------------------------------------- reading
def sheet_names(data: bytes, *, file_name: str) -> tuple[str, ...]:
    """The sheets of an .xlsx file (empty for CSV)."""
    if not is_excel(data, file_name):
        return ()
    return workbook.sheet_names(data)


def read(data: bytes, *, file_name: str, sheet: str | None = None, max_rows: int = MAX_ROWS,
         max_cells: int = MAX_CELLS) -> Grid:
    """The file's cells: an .xlsx sheet (``sheet`` required when several hold data) or a CSV.

    Reading stops at the first cap passed (``max_rows`` and the header rows above them,
    :data:`MAX_COLUMNS`, ``max_cells``, and a workbook's own in :mod:`geo.workbook`) with
    an :class:`~geo.errors.UploadLimitError` that names the cap. A list of postcodes
    (:mod:`geo.postcode_uploads`) is read with caps of its own.
    """
    if is_excel(data, file_name):
        found = workbook.read(data, sheet=sheet, max_rows=max_rows + _HEADER_SCAN, max_columns=MAX_COLUMNS,
                              max_cells=max_cells)
        return Grid(found.rows, "Excel workbook", found.name, found.sheets)
    return _csv_grid(data, max_rows=max_rows, max_cells=max_cells)


def is_excel(data: bytes, file_name: str) -> bool:
    """True for an .xlsx workbook; raises for spreadsheet formats that are not read."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        raise UploadError(
            f"{file_name!r} is a {suffix} file; expected CSV or Excel .xlsx. Save it as .xlsx or CSV and upload it again."
        )
    return data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data:
        raise UploadError("The file holds binary data, not text; expected CSV (comma-separated text) or Excel .xlsx.")
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise UploadError("The file is not UTF-8 or Windows-1252 text; save it as CSV UTF-8 and upload it again.")


def _csv_grid(data: bytes, *, max_rows: int = MAX_ROWS, max_cells: int = MAX_CELLS) -> Grid:
    decoded, encoding = _decode(data)
    if "\x00" in decoded:
        raise UploadError("The file holds binary data, not text; expected CSV (comma-separated text) or Excel .xlsx.")
    sample = decoded[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample.strip() else ""
        delimiter = max(",;\t|", key=first.count) if first else ","
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
    grid: list[list[object]] = []
    most_rows, width = max_rows + _HEADER_SCAN, 0
    try:
        for record in csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter):
            grid.append(list(record))
            width = max(width, len(record))
            if len(grid) > most_rows:
                raise UploadLimitError.over("row", f"the file has more than {most_rows:,} rows", f"{most_rows:,} rows")
            if len(record) > MAX_COLUMNS:
                raise UploadLimitError.over("column", f"row {len(grid):,} has {len(record):,} columns", f"{MAX_COLUMNS} columns")
            if len(grid) * width > max_cells:  # the table pads every row to the widest
                raise UploadLimitError.over("cell", f"the file spans {len(grid):,} rows by {width:,} columns "
                                            f"({len(grid) * width:,} cells)", f"{max_cells:,} cells")
    except csv.Error as exc:
        raise UploadError(f"The file is not readable CSV near row {len(grid) + 1} ({exc}); check its quotes.") from None
    return Grid(grid, f"CSV, {encoding}, {names.get(delimiter, repr(delimiter))}-separated", delimiter=delimiter)


def table(grid: list[list[object]], *, is_area: Callable[[str], bool] | None = None) -> Table:
    """Header names, data rows and the spreadsheet row number of the first data row.

    The header is the row above the first rows of areas: cells ``is_area`` accepts (by
    default, cells that look like area codes), in one column for several rows. Rows above
    it that label groups of columns (merged cells, the first column blank) prefix the
    names; other lines above it (a title, a subtitle) are skipped and listed in
    :attr:`Table.title`. Below the last area, the lines that read as notes (one cell, no
    numbers, or "Source: ...", "1. Figures are rounded") are skipped and listed in
    :attr:`Table.footer`: they are never read as areas.
    """
    problems: list[Problem] = []
    rows = grid
    nonblank = [i for i, r in enumerate(rows) if any(text(c) for c in r)]
    if not nonblank:
        raise UploadError("The file is empty; expected a header row and one row per area.")
    width = max(len(r) for r in rows)
    test = is_area or _code_like
    found = _first_areas(rows, nonblank, test)
    key: int | None = None
    if found is None:
        # No areas to go by: the header is the first row as wide as the rows below it (a title line is narrower).
        wide = _typical_width(rows, nonblank[:200]) >= 2
        header_at: int | None = next((i for i in nonblank[:_TITLE_SCAN] if not wide or _width(rows[i]) >= 2), nonblank[0])
        assert header_at is not None
        start = header_at + 1
    else:
        start, key = found
        above = [i for i in nonblank if i < start]
        header_at = above[-1] if above else None
    hidden = sum(1 for i in nonblank[: start + _HEADER_SCAN] for c in rows[i] if type(c) is str and c != c.translate(_INVISIBLE))
    if hidden:
        problems.append(Problem("warning", f"{hidden} cell(s) near the top held characters no one can see (zero-width "
                                "spaces and the like), copied from a web page or document; they were removed"))
    title: list[tuple[int, str]] = []
    if header_at is None:
        names = [f"column {j + 1}" for j in range(width)]
        problems.append(Problem("warning", "no header row; columns are named by position"))
    else:
        # Rows above the header that label groups of columns (merged cells over the values, none over the
        # table's first column) prefix the names; any other line there is a title, skipped.
        edge = next((j for j, c in enumerate(rows[header_at]) if text(c)), 0)
        groups = []
        for i in nonblank:
            if i >= header_at:
                break
            if edge < len(rows[i]) and text(rows[i][edge]):
                title.append((i + 1, _line(rows[i])))
            else:
                groups.append(rows[i])
        names = []
        for j in range(width):
            parts = [text(g[j]) if j < len(g) else "" for g in groups]
            parts.append(text(rows[header_at][j]) if j < len(rows[header_at]) else "")
            kept: list[str] = []
            for p in parts:
                if p and p not in kept:
                    kept.append(p)
            names.append(" ".join(kept) or f"column {j + 1}")
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        name = name[:80]
        seen[name] = seen.get(name, 0) + 1
        names[j] = name if seen[name] == 1 else f"{name} ({seen[name]})"
    end = len(rows) if key is None else _footer_start(rows, start, key, test)
    footer = tuple((i + 1, _line(rows[i])) for i in range(end, len(rows)) if any(text(c) for c in rows[i]))
    body = [list(r) + [None] * (width - len(r)) for r in rows[start:end]]
    if not any(any(text(c) for c in r) for r in body):
        raise UploadError("The file has a header but no rows of data; expected one row per area below the header.")
    return Table(names, body, start + 1, problems, tuple(title), footer)


def _code_like(cell: str) -> bool:
    return looks_like_code(cell.upper())


def _width(row: list[object]) -> int:
    return sum(1 for c in row if text(c))


def _typical_width(rows: list[list[object]], at: list[int]) -> int:
    widths = sorted(_width(rows[i]) for i in at)
    return widths[len(widths) // 2] if widths else 0


def _line(row: list[object]) -> str:
    """A skipped line as one text: its cells joined (a merged title's repeats once)."""
    parts: list[str] = []
    for c in row:
        t = text(c)
        if t and (not parts or parts[-1] != t):
            parts.append(t)
    return ", ".join(parts)


def _first_areas(rows: list[list[object]], nonblank: list[int], is_area: Callable[[str], bool]) -> tuple[int, int] | None:
    """(row, column) of the first area among the first rows with more areas below it in the same column.

    Rows between it and the next area must hold figures (a near-miss name beside its value), not labels: a
    subtitle that names an area ("England") above the header is not the first area.
    """
    def area(i: int, j: int) -> bool:
        return j < len(rows[i]) and bool(text(rows[i][j])) and is_area(text(rows[i][j]))

    for pos, i in enumerate(nonblank[:_TITLE_SCAN]):
        following = nonblank[pos + 1: pos + 6]
        for j in (j for j in range(len(rows[i])) if area(i, j)):
            nxt = next((n for n, k in enumerate(following) if area(k, j)), None)
            if following and (nxt is None or not all(_figures(rows[k], j) for k in following[:nxt])):
                continue
            return i, j
    return None


def _figures(row: list[object], key: int) -> bool:
    """True when a row holds a figure (a digit or a suppression marker) beside its area cell."""
    cells = ((j, text(c)) for j, c in enumerate(row) if j != key)
    return any(any(ch.isdigit() for ch in t) or t.lower() in SUPPRESSION_MARKERS for _, t in cells if t)


def _footer_start(rows: list[list[object]], start: int, key: int, is_area: Callable[[str], bool]) -> int:
    """The first row of the notes below the data (``len(rows)`` when there are none)."""
    def area(i: int) -> bool:
        return key < len(rows[i]) and bool(text(rows[i][key])) and is_area(text(rows[i][key]))

    last = next((i for i in range(len(rows) - 1, start - 1, -1) if area(i)), start)
    wide = _typical_width(rows, [i for i in range(start, min(last + 1, start + 200)) if area(i)]) >= 2
    for i in range(last + 1, len(rows)):
        if any(text(c) for c in rows[i]) and _note(rows[i], key, wide=wide):
            return i
    return len(rows)


def _note(row: list[object], key: int, *, wide: bool) -> bool:
    """True for a line below the data that is a note: one cell in a wider table, "Source: ...", or no figures."""
    cells = [t for t in (text(c) for c in row) if t]
    return (wide and len(cells) == 1) or bool(_NOTE.match(cells[0])) or not _figures(row, key)
