"""A user's .xlsx workbook, read as a stream and refused at the first cap it passes.

:func:`sheet_names` lists the sheets; :func:`read` returns one sheet's cell values,
row by row, as openpyxl's ``data_only`` mode reads them (the saved results of
formulas, dates as datetimes, merged header text repeated across the merge), with
:class:`Uncalculated` where a formula has no saved result. Nothing is loaded whole:
the zip is checked before anything is unpacked (:data:`MAX_UNZIPPED`,
:data:`MAX_PARTS`, :data:`MAX_RATIO`), each XML part is fed to expat a chunk at a
time, and reading stops at the first cap passed (the declared dimension, rows,
columns, cells counting empty ones, shared strings, characters), so a small file
that declares millions of cells costs as little as a small table. A refusal is one
:class:`~geo.errors.UploadLimitError` line naming the cap, what the file holds and
the fix. :mod:`geo.spreadsheet` reads through here.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from geo.errors import UploadError, UploadLimitError

__all__ = [
    "MAX_ELEMENTS",
    "MAX_PARTS",
    "MAX_RATIO",
    "MAX_STRINGS",
    "MAX_TEXT",
    "MAX_UNZIPPED",
    "Sheet",
    "Uncalculated",
    "read",
    "sheet_names",
]

#: Against decompression bombs, checked before anything is unpacked: the largest unpacked size, the most
#: files in the zip, and how many times its packed size a part over :data:`_RATIO_FLOOR` may unpack to
#: (the sheets Excel writes unpack to 5-20 times).
MAX_UNZIPPED = 120 * 1024 * 1024
MAX_PARTS = 1_000
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: Most shared strings a workbook may hold, and most characters in them all.
MAX_STRINGS = 500_000
MAX_TEXT = 20_000_000
#: Most XML elements read from one part (a cell is two or three), and most characters in one cell (Excel's own
#: limit is 32,767).
MAX_ELEMENTS = 4_000_000
_MAX_CELL_TEXT = 100_000
_DIGITS = "0123456789"


@dataclass(frozen=True)
class Uncalculated:
    """An Excel formula cell saved without its result (the workbook was written by a program, not Excel)."""

    formula: str


@dataclass(frozen=True, eq=False)
class Sheet:
    """One sheet's cell values (row by row from A1, each row as wide as the widest), its name, and every sheet's."""

    rows: list[list[object]]
    name: str
    sheets: tuple[str, ...]


def sheet_names(data: bytes) -> tuple[str, ...]:
    """The workbook's sheets, in order (only the zip's directory and the workbook part are read)."""
    try:
        return tuple(_book(data).sheets)
    except (UploadError, MemoryError, RecursionError):
        raise
    except Exception as exc:  # untrusted input: any other failure is the file's
        raise _unreadable_book(exc) from None


def read(data: bytes, *, sheet: str | None = None, max_rows: int, max_columns: int, max_cells: int) -> Sheet:
    """One sheet's cells; ``sheet`` may be left out when only one sheet holds anything past A1.

    Refused (:class:`~geo.errors.UploadLimitError`) at the first cap passed: a declared dimension past
    the caps, a row past ``max_rows``, a column past ``max_columns``, more than ``max_cells`` cells
    declared (empty ones too) or spanned (rows times the widest row), and the workbook's own caps.
    """
    caps = (max_rows, max_columns, max_cells)
    try:
        book = _book(data)
        names = tuple(book.sheets)
        if sheet is None and len(names) == 1:
            sheet = names[0]
        elif sheet is None:
            filled = [n for n in names if _filled(book, n, caps)]
            if len(filled) > 1:
                raise UploadError(
                    f"The workbook has {len(filled)} sheets with data ({', '.join(repr(n) for n in filled)}); "
                    "choose one (in the app, or with --sheet NAME)."
                )
            sheet = filled[0] if filled else names[0]
        if sheet not in names:
            raise UploadError(f"No sheet {sheet!r} in the workbook; it has {', '.join(repr(n) for n in names)}.")
        return Sheet(_cells(book, sheet, caps), sheet, names)
    except (UploadError, MemoryError, RecursionError):
        raise
    except Exception as exc:  # untrusted input: any other failure is the file's
        raise _unreadable_book(exc) from None


def _unreadable_book(exc: Exception) -> UploadError:
    return UploadError(f"The workbook could not be read ({type(exc).__name__}); save it again from Excel as .xlsx, or as CSV.")


# ---------------------------------------------------------------- the zip and its parts
def _archive(data: bytes) -> zipfile.ZipFile:
    """The workbook's zip, checked before any part is unpacked: files inside, unpacked size, compression ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadError(f"The file is not a readable .xlsx workbook ({exc}); save it again from Excel, or as CSV.") from None
    if len(parts) > MAX_PARTS:
        raise UploadLimitError.over("zip entry", f"the workbook holds {len(parts):,} files", f"{MAX_PARTS:,} files")
    unzipped = sum(info.file_size for info in parts)
    if unzipped > MAX_UNZIPPED:
        raise UploadLimitError.over("unpacked size", f"the workbook unpacks to {unzipped / 1e6:,.0f} MB",
                                    f"{MAX_UNZIPPED / 1e6:,.0f} MB")
    for info in parts:
        # zipfile never unpacks more than a part's declared size, so these sizes bound the work.
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            ratio = info.file_size / max(info.compress_size, 1)
            raise UploadLimitError.over("compression ratio", f"{info.filename!r} unpacks to {ratio:,.0f} times its packed size",
                                        f"{MAX_RATIO} times")
    return archive


Start = Callable[[str, dict[str, str]], None]


def _local(name: str) -> str:
    """An element's name without its prefix (``x:c`` -> ``c``): the parts are read without namespaces, as tags are unique."""
    return name[name.index(":") + 1:] if ":" in name else name


def _too_many(part: str) -> UploadLimitError:
    return UploadLimitError.over("XML element", f"{part!r} holds more than {MAX_ELEMENTS:,} elements", f"{MAX_ELEMENTS:,}")


def _xml(archive: zipfile.ZipFile, part: str, start: Start, end: Callable[[str], None] | None = None,
         text: Callable[[str], None] | None = None, *, counted: bool = True) -> None:
    """Stream one part through expat a chunk at a time; a handler raises to stop.

    With ``counted`` the handlers get local names and the elements are counted here; otherwise (the
    sheet and the shared strings, read element by element at speed) the handlers do both themselves.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    if counted:
        elements = 0
        inner, after = start, end

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal elements
            elements += 1
            if elements > MAX_ELEMENTS:
                raise _too_many(part)
            inner(_local(name), attrs)

        end = None if after is None else (lambda name: after(_local(name)))

    def no_entities(*_: object) -> None:  # Excel never writes a DTD; entities are how XML bombs grow
        raise UploadError(f"{part!r} declares XML entities, which Excel never writes; save the file again from Excel, or as CSV.")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = no_entities
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        raise UploadError(f"The workbook's part {part!r} could not be read ({type(exc).__name__}); "
                          "save it again from Excel as .xlsx, or as CSV.") from None


@dataclass(frozen=True, eq=False)
class _Book:
    """An opened workbook: its sheets (name -> part, in order), its other parts by kind, its date system."""

    archive: zipfile.ZipFile
    sheets: dict[str, str]
    parts: dict[str, str]
    epoch: datetime.datetime


def _relations(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """``{Id: (kind, part)}`` from a ``.rels`` part; the kind is the relationship type's last word."""
    found: dict[str, tuple[str, str]] = {}
    folder = posixpath.dirname(posixpath.dirname(part))

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], target)

    if part in archive.NameToInfo:
        _xml(archive, part, start)
    return found


def _book(data: bytes) -> _Book:
    archive = _archive(data)
    main = next((t for kind, t in _relations(archive, "_rels/.rels").values() if kind == "officeDocument"), "xl/workbook.xml")
    rels = _relations(archive, posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels"))
    sheets: dict[str, str] = {}
    epoch = [CALENDAR_WINDOWS_1900]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "sheet":
            ref = next((v for k, v in attrs.items() if k.endswith(":id")), "")  # r:id
            sheets[attrs.get("name", "")] = rels.get(ref, ("", ""))[1]
            if len(sheets) > MAX_PARTS:
                raise UploadLimitError.over("sheet", f"the workbook lists more than {MAX_PARTS:,} sheets", f"{MAX_PARTS:,} sheets")
        elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
            epoch[0] = CALENDAR_MAC_1904

    _xml(archive, main, start)
    if not sheets:
        raise UploadError("The workbook has no sheets; expected a sheet with a header row and one row per area. "
                          "Save it again from Excel, or as CSV.")
    return _Book(archive, sheets, {kind: target for kind, target in rels.values()}, epoch[0])


def _strings(book: _Book) -> list[str]:
    """The shared strings, refused past :data:`MAX_STRINGS` strings or :data:`MAX_TEXT` characters."""
    strings: list[str] = []
    part = book.parts.get("sharedStrings", "")
    if part not in book.archive.NameToInfo:
        return strings
    pieces: list[str] = []
    reading, phonetic, chars, elements = False, 0, 0, 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal reading, phonetic, elements
        elements += 1
        if elements > MAX_ELEMENTS:
            raise _too_many(part)
        name = _local(name)
        if name == "si":
            pieces.clear()
            if len(strings) >= MAX_STRINGS:
                raise UploadLimitError.over("shared-string", f"the workbook holds more than {MAX_STRINGS:,} shared strings",
                                            f"{MAX_STRINGS:,}")
        elif name == "t":
            reading = not phonetic  # a phonetic guide (rPh) is not the cell's text
        elif name == "rPh":
            phonetic += 1
        elif name == "sst" and attrs.get("uniqueCount", "").isdigit() and int(attrs["uniqueCount"]) > MAX_STRINGS:
            raise UploadLimitError.over("shared-string", f"the workbook declares {int(attrs['uniqueCount']):,} shared strings",
                                        f"{MAX_STRINGS:,}")

    def end(name: str) -> None:
        nonlocal reading, phonetic
        name = _local(name)
        if name == "si":
            strings.append("".join(pieces).replace("x005F_", ""))  # as openpyxl reads them
        elif name == "t":
            reading = False
        elif name == "rPh":
            phonetic -= 1

    def text(data: str) -> None:
        nonlocal chars
        if reading:
            pieces.append(data)
            chars += len(data)
            if chars > MAX_TEXT:
                raise UploadLimitError.over("shared-text", f"the workbook's shared strings hold more than {MAX_TEXT:,} characters",
                                            f"{MAX_TEXT:,} characters")

    _xml(book.archive, part, start, end, text, counted=False)
    return strings


def _date_styles(book: _Book) -> tuple[set[int], set[int]]:
    """The cell styles (by index) whose number format is a date, and those that are a duration, as openpyxl decides."""
    part = book.parts.get("styles", "")
    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        number = attrs.get("numFmtId", "0")
        if tag == "numFmt" and number.isdigit():
            custom[int(number)] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            inside[0] = True
        elif tag == "xf" and inside[0]:
            formats.append(int(number) if number.isdigit() else 0)

    def end(tag: str) -> None:
        if tag == "cellXfs":
            inside[0] = False

    if part in book.archive.NameToInfo:
        _xml(book.archive, part, start, end)
    codes = [custom[f] if f in custom else builtin_format_code(f) for f in formats]
    return ({i for i, code in enumerate(codes) if code and is_date_format(code)},
            {i for i, code in enumerate(codes) if code and is_timedelta_format(code)})


# ---------------------------------------------------------------- one sheet
def _position(ref: str) -> tuple[int, int]:
    """``"AB12"`` -> ``(12, 28)``: the row and column of a cell reference.

    >>> _position("AB12")
    (12, 28)
    """
    letters = ref.rstrip(_DIGITS)
    digits = ref[len(letters):]
    if not digits or len(digits) > 12:
        raise _unreadable(ref)
    return int(digits), _column(letters, ref)


def _column(letters: str, ref: str) -> int:
    if not (letters.isalpha() and letters.isascii() and letters.isupper()) or len(letters) > 7:
        raise _unreadable(ref)
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return column


def _unreadable(ref: str) -> UploadError:
    return UploadError(f"A cell of the workbook is named {ref[:20]!r}, not a reference such as B2; save it again from Excel, or as CSV.")


def _letters(column: int) -> str:
    """``28`` -> ``"AB"``.

    >>> _letters(28), _letters(16384)
    ('AB', 'XFD')
    """
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Found(Exception):
    """A probe found a cell past A1."""


def _filled(book: _Book, sheet: str, caps: tuple[int, int, int]) -> bool:
    """True when the sheet has a cell past A1 (as openpyxl's ``max_row`` or ``max_column`` past 1); reads only that far."""
    try:
        _cells(book, sheet, caps, probe=True)
    except _Found:
        return True
    return False


def _cells(book: _Book, sheet: str, caps: tuple[int, int, int], *, probe: bool = False) -> list[list[object]]:
    """The sheet's values row by row from A1, each row as wide as the widest; with ``probe``, stop at a cell past A1.

    The handlers keep their state in local variables and read a plain number or shared string without a
    further call: a sheet of 700,000 cells is read in a few seconds.
    """
    max_rows, max_columns, max_cells = caps
    strings = [] if probe else _strings(book)
    dates, durations = (set(), set()) if probe else _date_styles(book)
    part = book.sheets[sheet]
    grid: list[list[object]] = []
    merges: list[tuple[int, int, int, int]] = []
    shared: dict[str, tuple[str, str]] = {}  # shared formulas: group -> (formula, the cell that holds it)
    columns: dict[str, int] = {}  # column letters -> number (no more than max_columns are kept)
    pieces: list[str] = []
    inline: list[str] | None = None
    row = column = height = width = cells = elements = chars = phonetic = 0
    kind = style = ""
    ref: str | None = None
    raw: str | None = None
    formula: tuple[str, str | None, str] | None = None  # (type, shared group, text)
    reading = ""  # the element whose text is being read: "v", "f", "t" (of an inline string) or ""
    inside = False  # in <sheetData>: elements of the same names elsewhere (extensions' formulas) are not cells

    def over(cap: str, found: str, limit: str) -> UploadLimitError:
        return UploadLimitError.over(cap, f"sheet {sheet!r} {found}", limit)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, column, height, width, cells, elements, chars, phonetic, kind, style, ref, raw, formula, inline, reading
        nonlocal inside
        elements += 1
        if elements > MAX_ELEMENTS:
            raise _too_many(part)
        if ":" in name:
            name = _local(name)
        if not inside:
            if name == "sheetData":
                inside = True
            elif name == "dimension":
                _dimension(attrs.get("ref", "A1"), caps, sheet)
            elif name == "mergeCell":
                first, _, last = attrs.get("ref", "").partition(":")
                with contextlib.suppress(UploadError):
                    merges.append((*_position(first), *_position(last or first)))
        elif name == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                digits = ref[len(letters):]
                if not digits or len(digits) > 12:
                    raise _unreadable(ref)
                row = int(digits)
                column = columns.get(letters) or _column(letters, ref)
                if column <= max_columns:
                    columns[letters] = column
            else:
                column += 1
            if row > max_rows:
                raise over("row", f"reaches row {row:,}", f"{max_rows:,} rows")
            if column > max_columns:
                raise over("column", f"reaches column {_letters(column)} ({column:,})", f"{max_columns:,} columns")
            cells += 1
            if row > height or column > width:
                height, width = max(height, row), max(width, column)
                if height * width > max_cells:
                    raise over("cell", f"spans {height:,} rows by {width:,} columns ({height * width:,} cells)", f"{max_cells:,} cells")
            if cells > max_cells:
                raise over("cell", f"declares more than {max_cells:,} cells (empty ones count)", f"{max_cells:,} cells")
            if probe and (row, column) != (1, 1):
                raise _Found
            kind, style = attrs.get("t", "n"), attrs.get("s", "0")
            raw = formula = inline = None
        elif name == "v" or name == "f" or (name == "t" and inline is not None and not phonetic):
            reading, chars = name, 0
            pieces.clear()
            if name == "f":
                formula = (attrs.get("t", "normal"), attrs.get("si"), "")
        elif name == "row":
            number = attrs.get("r", "")
            row, column = (int(number) if number.isdigit() else row + 1), 0
            if row > max_rows:
                raise over("row", f"reaches row {row:,}", f"{max_rows:,} rows")
        elif name == "is":
            inline = []
        elif name == "rPh":
            phonetic += 1

    def end(name: str) -> None:
        nonlocal reading, raw, formula, phonetic, inside
        if ":" in name:
            name = _local(name)
        if name == reading:
            reading = ""
            found = "".join(pieces)
            if name == "v":
                raw = found
            elif name == "f" and formula is not None:
                formula = (formula[0], formula[1], found)
            elif inline is not None:
                inline.append(found)
        elif name == "c" and not probe:
            value: object
            if formula is None and kind == "n" and raw and style not in dates_text:
                value = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            elif formula is None and kind == "s" and raw:
                value = strings[int(raw)]
            else:
                value = _value(kind, raw or None, style, inline, formula, ref or f"{_letters(column)}{row}", strings,
                               (dates, durations, book.epoch), shared)
            while len(grid) < row:
                grid.append([])
            held = grid[row - 1]
            if len(held) == column - 1:
                held.append(value)
            else:
                if len(held) < column:
                    held.extend([None] * (column - len(held)))
                held[column - 1] = value
        elif name == "rPh":
            phonetic -= 1
        elif name == "sheetData":
            inside = False

    def text(data: str) -> None:
        nonlocal chars
        if reading:
            pieces.append(data)
            chars += len(data)
            if chars > _MAX_CELL_TEXT:
                raise over("cell text", f"has a cell of more than {_MAX_CELL_TEXT:,} characters", f"{_MAX_CELL_TEXT:,} characters")

    dates_text = {str(i) for i in dates}
    try:
        _xml(book.archive, part, start, end, text, counted=False)
    except (ValueError, IndexError) as exc:  # a number or string index that is not one
        if isinstance(exc, UploadError):
            raise
        raise UploadError(f"Cell {ref or _letters(column) + str(row)} holds {raw!r:.40}, which is not a valid value of its type; "
                          "save the workbook again from Excel as .xlsx, or as CSV.") from None
    for held in grid:
        held.extend([None] * (width - len(held)))
    _merge(grid, merges, max_cells)
    return grid


def _dimension(declared: str, caps: tuple[int, int, int], sheet: str) -> None:
    """Refuse a sheet whose declared dimension (``A1:XFD1048576``) is past the caps, before any cell is read."""
    max_rows, max_columns, max_cells = caps
    try:
        rows, width = _position(declared.rpartition(":")[2].replace("$", ""))
    except UploadError:
        return  # an unreadable dimension is ignored, as Excel ignores it
    if rows > max_rows or width > max_columns or rows * width > max_cells:
        raise UploadLimitError.over("sheet dimension", f"sheet {sheet!r} declares the range {declared} ({rows:,} rows by {width:,} columns)",
                                    f"{max_rows:,} rows by {max_columns:,} columns ({max_cells:,} cells)")


def _value(kind: str, raw: str | None, style: str, inline: list[str] | None, formula: tuple[str, str | None, str] | None,
           ref: str, strings: list[str], dating: tuple[set[int], set[int], datetime.datetime],
           shared: dict[str, tuple[str, str]]) -> object:
    """One cell's value as openpyxl's ``data_only`` reads it; a formula with no saved result is :class:`Uncalculated`."""
    dates, durations, epoch = dating
    value: object = None
    if kind == "inlineStr":
        value = "".join(inline) if inline is not None else None
    elif raw is None:
        value = None
    elif kind == "n":
        value = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
        number = int(style) if style.isdigit() else 0
        if number in dates:
            try:
                value = from_excel(value, epoch, timedelta=number in durations)
            except (OverflowError, ValueError):  # a serial number outside dates: openpyxl's error value
                value = "#VALUE!"
    elif kind == "s":
        value = strings[int(raw)]
    elif kind == "b":
        value = bool(int(raw))
    elif kind == "d":
        value = from_ISO8601(raw)
    else:  # "str" (a formula's text result) and "e" (an error such as #N/A) are read as text
        value = raw
    if formula is not None:
        formula_type, group, written = formula
        text = "=" + written
        if formula_type == "shared":  # as openpyxl: the first cell of a group holds the formula, the rest translate it
            if group in shared:
                text = _translate(*shared[group], ref)
            elif text != "=" and group is not None:
                shared[group] = (text, ref)
        if value is None and formula_type in ("normal", "shared"):
            return Uncalculated(text)
    return value


def _translate(formula: str, origin: str, ref: str) -> str:
    """A shared formula as written in another cell (``=B2*2`` from C2 is ``=B3*2`` in C3)."""
    from openpyxl.formula.translate import Translator

    try:
        return str(Translator(formula, origin).translate_formula(ref))
    except Exception:  # an unreadable formula is still shown as written
        return formula


def _merge(grid: list[list[object]], merges: list[tuple[int, int, int, int]], max_cells: int) -> None:
    """A merged header cell holds its text in the top-left cell only: repeat it across the merge."""
    filled = 0
    for top_row, left, bottom_row, right in merges:
        if top_row > len(grid) or left > len(grid[top_row - 1]):
            continue
        top = grid[top_row - 1][left - 1]
        for cells in grid[top_row - 1:bottom_row]:
            cells[left - 1:right] = [top] * len(cells[left - 1:right])
            filled += len(cells[left - 1:right])
        if filled > max_cells:
            raise UploadLimitError.over("cell", f"the sheet's merged ranges cover more than {max_cells:,} cells", f"{max_cells:,} cells")
