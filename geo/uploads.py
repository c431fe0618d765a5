"""A user's own file: read it, validate it, and put it in the atlas's long-table shape.

:func:`validate` reads a CSV or Excel file (bytes, never a path on shared storage),
finds the area-code column (or, failing that, an area-name column), detects the
geography and vintage with :func:`geo.codes.detect`, parses each value column and
returns an :class:`Upload` with a report of every problem and its row. It either
returns or raises :class:`~geo.errors.UploadError`; nothing else escapes, whatever
the file. :func:`to_map` carries an upload onto a map's boundaries (through
:func:`geo.codes.reconcile` and the LSOA lookups), summing counts and
population-weighting rates, or refusing with the reason. :func:`layer` builds the
session-only :class:`~geo.catalogue.Indicator` and its values for one column.

``python -m geo check FILE [--sheet NAME]`` prints the same report.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo import boundaries, codes, indicators
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, Polarity, Source
from geo.errors import AtlasError, UploadError
from geo.schema import AREA_LABELS, BOUNDARY_SETS, ENGLAND_CODE, INDICATOR_COLUMNS, LEVEL_LABELS, LEVELS, vintages
from geo.search import normalise, search

__all__ = [
    "GROUP",
    "KINDS",
    "MAX_BYTES",
    "SUPPRESSION_MARKERS",
    "Mapped",
    "Problem",
    "Upload",
    "add_command",
    "layer",
    "parse_value",
    "safe_for_spreadsheet",
    "sheet_names",
    "to_map",
    "validate",
]

#: Largest file accepted, in bytes: the app's upload limit (.streamlit/config.toml, maxUploadSize = 5).
MAX_BYTES = 5 * 1024 * 1024
_MB = 1024 * 1024
#: Most rows and columns read from one table.
MAX_ROWS = 60_000
MAX_COLUMNS = 200
#: Largest uncompressed size of an .xlsx (a zip), against decompression bombs.
_MAX_UNZIPPED = 120 * 1024 * 1024
#: Cells that mean "suppressed" in official tables (compared lower-cased).
SUPPRESSION_MARKERS: frozenset[str] = frozenset({"*", "..", "c", "x", "-", "~", "[c]", "[x]", "[low]"})
#: The picker's group for uploaded columns.
GROUP = "Your data"
#: How a column's values combine when areas merge: counts add up, rates need weights.
KINDS: tuple[str, ...] = ("count", "rate")

Kind = Literal["count", "rate"]
Severity = Literal["error", "warning"]

_GSS = re.compile(r"^[EWSNK]\d{8}$")
_OLD_LA = re.compile(r"^\d{2}[A-Z]{2}$")
_NHS = re.compile(r"^[0-9A-Z]{3}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CI_LOWER = ("lower_ci", "lower ci", "lci", "lower 95% ci", "lower 95 ci", "lower", "lower limit", "lower 95% limit")
_CI_UPPER = ("upper_ci", "upper ci", "uci", "upper 95% ci", "upper 95 ci", "upper", "upper limit", "upper 95% limit")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_SCAN = 15


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
class Upload:
    """A validated file: its areas, its value columns in long form, and the report.

    ``values``: one row per area and column, ``area_code`` (of ``level``/``vintage``),
    ``column``, ``value``, ``lower_ci``, ``upper_ci``, ``status`` (ok, suppressed,
    missing) and ``note``. ``england``: England's value per column (``None`` when
    the file has no England row or the cell is empty).
    """

    file_name: str
    file_format: str
    sheet: str | None
    sheets: tuple[str, ...]
    level: str
    vintage: str
    detected_from: str
    code_column: str | None
    name_column: str | None
    rows: int
    matched: int
    columns: tuple[str, ...]
    percent: tuple[str, ...]
    has_ci: tuple[str, ...]
    values: pd.DataFrame
    england: dict[str, float | None]
    problems: tuple[Problem, ...]
    suggestions: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def mappable(self) -> bool:
        """True when there is something to draw and no problem blocks it."""
        return bool(self.columns) and self.matched > 0 and not any(p.severity == "error" for p in self.problems)

    @property
    def area_label(self) -> str:
        if self.level == "lsoa":
            return f"small areas (LSOAs), {self.vintage} set"
        return f"{LEVEL_LABELS[self.level].lower()}, {self.vintage} codes"

    def report(self) -> str:
        """The plain-text report ``python -m geo check`` prints."""
        sheet = f", sheet {self.sheet!r}" if self.sheet else ""
        lines = [
            f"File: {self.file_name} ({self.file_format}{sheet})",
            f"Areas: {self.area_label} (detected from {self.detected_from}); "
            f"{self.matched} of {self.rows} area rows matched",
            "England row: " + ("yes" if any(v is not None for v in self.england.values()) else "no"),
        ]
        if self.columns:
            lines.append("Would map:")
            for col in self.columns:
                part = self.values[self.values["column"] == col]
                counts = part["status"].value_counts()
                extra = " (percent)" if col in self.percent else ""
                ci = " with confidence intervals" if col in self.has_ci else ""
                lines.append(
                    f"  {col!r}{extra}{ci}: {int(counts.get('ok', 0))} values, "
                    f"{int(counts.get('suppressed', 0))} suppressed, {int(counts.get('missing', 0))} blank or unreadable"
                )
        else:
            lines.append("Would map: nothing (no column of numbers)")
        if self.problems:
            lines.append(f"Problems ({len(self.problems)}):")
            lines += [f"  {p.describe()}" for p in self.problems]
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        if self.mappable:
            lines.append(f"Result: can be mapped ({warnings} warning{'s' if warnings != 1 else ''}).")
        else:
            lines.append("Result: cannot be mapped; fix the errors above and check again.")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Mapped:
    """An upload carried onto one boundary set.

    ``values``: as :attr:`Upload.values`, keyed on the target codes. ``changes``: one
    row per target area made of several of the file's areas (target_code, parts, how).
    ``unmatched``: the file's codes that could not be carried over, with the reason.
    """

    level: str
    vintage: str
    values: pd.DataFrame
    changes: pd.DataFrame
    unmatched: pd.DataFrame
    notes: tuple[str, ...]


# ---------------------------------------------------------------- cells
def parse_value(cell: object) -> tuple[float | None, str, str]:
    """Read one cell: ``(value, status, problem)``.

    Status is ``ok``, ``suppressed`` (a suppression marker such as ``*`` or ``[c]``)
    or ``missing`` (blank, or text that is not a number: ``problem`` says which).
    Thousands separators and a trailing percent sign are accepted.

    >>> parse_value("1,234.5")
    (1234.5, 'ok', '')
    >>> parse_value("[c]")
    (None, 'suppressed', '')
    """
    if cell is None or isinstance(cell, bool):
        return (None, "missing", "") if cell is None else (None, "missing", f"{cell!r} is not a number")
    if isinstance(cell, int | float):
        value = float(cell)
        if math.isfinite(value):
            return value, "ok", ""
        return None, "missing", "an infinite or undefined number"
    text = str(cell).replace("\u00a0", " ").replace("\u2212", "-").strip()
    if not text or text.lower() in ("nan", "na", "n/a", "null", "none"):
        return None, "missing", ""
    if text.lower() in SUPPRESSION_MARKERS:
        return None, "suppressed", ""
    number = text[:-1].strip() if text.endswith("%") else text
    if _THOUSANDS.match(number):
        number = number.replace(",", "")
    if _NUMBER.match(number):
        value = float(number)
        if math.isfinite(value):
            return value, "ok", ""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return None, "missing", f"{shown!r} is not a number; left blank"


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).replace("\u00a0", " ").strip()


def _code(cell: object) -> str:
    return _text(cell).upper()


def _looks_like_code(text: str) -> bool:
    return bool(_GSS.match(text) or _OLD_LA.match(text))


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe (the OWASP advice for CSV injection); numbers are untouched.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        out[column] = series.map(_neutralise).astype(series.dtype)
    renamed = {c: _neutralise(c) for c in out.columns if isinstance(c, str)}
    return out.rename(columns=renamed)


def _neutralise(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _NUMBER.match(cell.strip()):
        return "'" + cell
    return cell


# ---------------------------------------------------------------- reading
def sheet_names(data: bytes, *, file_name: str) -> tuple[str, ...]:
    """The sheets of an .xlsx file (empty for CSV)."""
    if not _is_excel(data, file_name):
        return ()
    return tuple(_workbook(data).sheetnames)


def _is_excel(data: bytes, file_name: str) -> bool:
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        raise UploadError(
            f"{file_name!r} is a {suffix} file; expected CSV or Excel .xlsx. Save it as .xlsx or CSV and upload it again."
        )
    return data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm")


def _workbook(data: bytes) -> Any:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadError(f"The file is not a readable .xlsx workbook ({exc}); save it again from Excel, or as CSV.") from None
    if unzipped > _MAX_UNZIPPED:
        raise UploadError(
            f"The workbook unpacks to {unzipped / 1e6:,.0f} MB, over the {_MAX_UNZIPPED / 1e6:,.0f} MB limit; "
            "save just the sheet you need, or as CSV."
        )
    import openpyxl  # only Excel uploads need it

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # untrusted input: any failure inside openpyxl is the file's fault
        raise UploadError(
            f"The workbook could not be read ({type(exc).__name__}); save it again from Excel as .xlsx, or as CSV."
        ) from None


def _excel_grid(data: bytes, sheet: str | None) -> tuple[list[list[object]], str, tuple[str, ...]]:
    book = _workbook(data)
    names = tuple(book.sheetnames)
    if sheet is None:
        filled = [n for n in names if book[n].max_row > 1 or book[n].max_column > 1]
        if len(filled) > 1:
            raise UploadError(
                f"The workbook has {len(filled)} sheets with data ({', '.join(repr(n) for n in filled)}); "
                "choose one (in the app, or with --sheet NAME)."
            )
        sheet = filled[0] if filled else names[0]
    if sheet not in names:
        raise UploadError(f"No sheet {sheet!r} in the workbook; it has {', '.join(repr(n) for n in names)}.")
    ws = book[sheet]
    if ws.max_row > MAX_ROWS + _HEADER_SCAN or ws.max_column > MAX_COLUMNS:
        raise UploadError(
            f"Sheet {sheet!r} has {ws.max_row:,} rows and {ws.max_column:,} columns; "
            f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns are read. Remove what is not needed."
        )
    try:
        grid = [list(row) for row in ws.iter_rows(values_only=True)]
        # A merged header cell holds its text in the top-left cell only: repeat it across the merge.
        for merged in ws.merged_cells.ranges:
            top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else None
            for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if c <= len(grid[r - 1]):
                        grid[r - 1][c - 1] = top
    except Exception as exc:  # untrusted input
        raise UploadError(f"Sheet {sheet!r} could not be read ({type(exc).__name__}); save it again as .xlsx or CSV.") from None
    return grid, sheet, names


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


def _csv_grid(data: bytes) -> tuple[list[list[object]], str]:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise UploadError("The file holds binary data, not text; expected CSV (comma-separated text) or Excel .xlsx.")
    sample = text[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample.strip() else ""
        delimiter = max(",;\t|", key=first.count) if first else ","
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
    grid: list[list[object]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            grid.append(list(record))
            if len(grid) > MAX_ROWS + _HEADER_SCAN:
                raise UploadError(f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are read. Split it.")
            if len(record) > MAX_COLUMNS:
                raise UploadError(f"Row {len(grid)} has {len(record)} columns; at most {MAX_COLUMNS} are read.")
    except csv.Error as exc:
        raise UploadError(f"The file is not readable CSV near row {len(grid) + 1} ({exc}); check its quotes.") from None
    return grid, f"CSV, {encoding}, {names.get(delimiter, repr(delimiter))}-separated"


def _table(grid: list[list[object]]) -> tuple[list[str], list[list[object]], int, list[Problem]]:
    """Header names, data rows and the spreadsheet row number of the first data row."""
    problems: list[Problem] = []
    rows = [r for r in grid]
    nonblank = [i for i, r in enumerate(rows) if any(_text(c) for c in r)]
    if not nonblank:
        raise UploadError("The file is empty; expected a header row and one row per area.")
    width = max(len(r) for r in rows)
    start = next((i for i in nonblank[:_HEADER_SCAN] if any(_looks_like_code(_code(c)) for c in rows[i])), None)
    if start is None:
        header_at: int | None = nonblank[0]
        start = nonblank[0] + 1
    else:
        above = [i for i in nonblank if i < start]
        header_at = above[-1] if above else None
    if header_at is None:
        names = [f"column {j + 1}" for j in range(width)]
        problems.append(Problem("warning", "no header row; columns are named by position"))
    else:
        # Rows above the header that label groups of columns (merged cells) prefix the names.
        groups = [rows[i] for i in nonblank if i < header_at and len({_text(c) for c in rows[i]} - {""}) > 1]
        names = []
        for j in range(width):
            parts = [_text(g[j]) if j < len(g) else "" for g in groups]
            parts.append(_text(rows[header_at][j]) if j < len(rows[header_at]) else "")
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
    body = [list(r) + [None] * (width - len(r)) for r in rows[start:]]
    if not any(any(_text(c) for c in r) for r in body):
        raise UploadError("The file has a header but no rows of data; expected one row per area below the header.")
    return names, body, start + 1, problems


# ---------------------------------------------------------------- areas
@lru_cache(maxsize=4)
def _nhs_pct(data_dir: Path) -> dict[str, str]:
    table = boundaries.area_lookup("pct", "2011", data_dir=data_dir)
    return {str(o).upper(): str(c) for o, c in zip(table["area_code_old"], table["area_code"], strict=True) if isinstance(o, str)}


@lru_cache(maxsize=2)
def _lsoa01(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "lookups" / "lsoa01_lsoa11.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["lsoa01_code", "lsoa01_name", "lsoa11_code", "change"], dtype="str")
    return pd.read_parquet(path, columns=["lsoa01_code", "lsoa01_name", "lsoa11_code", "change"])


def _set_codes(level: str, vintage: str, data_dir: Path) -> frozenset[str]:
    if level == "lsoa" and vintage == "2001":
        return frozenset(_lsoa01(data_dir)["lsoa01_code"])
    if level == "lad" and vintage == "2011":
        back = codes.reconcile(sorted(_set_codes("lad", "2013", data_dir)), source="2013", target="2011", data_dir=data_dir)
        return frozenset(back.mapped["target_code"])
    return frozenset(codes.area_names(level, vintage, data_dir=data_dir))


@lru_cache(maxsize=32)
def _names_index(level: str, vintage: str, data_dir: Path) -> tuple[dict[str, list[str]], tuple[tuple[str, str], ...]]:
    """Normalised name -> codes, and the (code, name) pairs of one set."""
    if level == "lsoa" and vintage == "2001":
        table = _lsoa01(data_dir)
        pairs = tuple(zip(table["lsoa01_code"], table["lsoa01_name"], strict=True))
    else:
        pairs = tuple(codes.area_names(level, vintage, data_dir=data_dir).items())
    index: dict[str, list[str]] = {}
    for code, name in pairs:
        index.setdefault(normalise(str(name)), []).append(str(code))
    return index, pairs


def _detect(found: Sequence[str], data_dir: Path) -> tuple[str, str, str, dict[str, str]]:
    """(level, vintage, how, {given: atlas code}) for the file's codes."""
    given = [c for c in found if c != ENGLAND_CODE]
    nhs = _nhs_pct(data_dir)
    nhs_hits = sum(c in nhs for c in set(given))
    unmatched: tuple[str, ...] = ()
    try:
        det = codes.detect(given, data_dir=data_dir)
        level, vintage, matched, unmatched = det.level, det.vintage, det.matched, det.unmatched
    except UploadError:
        level, vintage, matched = "", "", 0
    if level == "lad" and unmatched:
        early = _set_codes("lad", "2011", data_dir)
        if sum(c in early for c in set(given)) > matched:
            vintage, matched = "2011", sum(c in early for c in set(given))
    if level == "lsoa" or not level:
        old = _set_codes("lsoa", "2001", data_dir)
        hits = sum(c in old for c in set(given))
        if hits > matched:
            level, vintage, matched = "lsoa", "2001", hits
    if nhs_hits > matched:
        return "pct", "2011", "NHS PCT codes", {c: nhs[c] for c in given if c in nhs}
    if not matched:
        example = sorted(set(given))[0] if given else ""
        raise UploadError(
            f"None of the {len(set(given))} codes is an area the atlas knows (e.g. {example!r}); expected ONS codes "
            "such as E06000001, pre-2009 district codes such as 00BN, NHS PCT codes such as 5NG, or LSOA codes."
        )
    valid = _set_codes(level, vintage, data_dir)
    return level, vintage, "area codes", {c: c for c in given if c in valid}


def _code_column(names: list[str], body: list[list[object]]) -> int | None:
    best: tuple[float, int] | None = None
    for j, name in enumerate(names):
        cells = [_code(r[j]) for r in body if _text(r[j])]
        if not cells:
            continue
        share = sum(_looks_like_code(c) or bool(_NHS.match(c) and not c.isdigit()) for c in cells) / len(cells)
        hinted = "code" in name.lower() or name.lower() in ("lad", "utla", "pct", "lsoa", "ons", "gss", "org", "organisation")
        strong = sum(_looks_like_code(c) for c in cells) / len(cells)
        score = share + (0.5 if hinted else 0.0)
        if (strong >= 0.5 or (hinted and share >= 0.5)) and (best is None or score > best[0]):
            best = (score, j)
    return None if best is None else best[1]


def _name_column(names: list[str], body: list[list[object]], skip: set[int], *, hinted_only: bool) -> int | None:
    best: tuple[float, int] | None = None
    for j, name in enumerate(names):
        if j in skip:
            continue
        cells = [_text(r[j]) for r in body if _text(r[j])]
        if not cells:
            continue
        texty = sum(parse_value(c)[1] == "missing" and bool(parse_value(c)[2]) for c in cells) / len(cells)
        hinted = "name" in name.lower() or name.lower() in ("area", "la", "local authority", "pct", "district")
        score = texty + (0.5 if hinted else 0.0)
        if texty >= 0.5 and (hinted or not hinted_only) and (best is None or score > best[0]):
            best = (score, j)
    return None if best is None else best[1]


Suggestions = dict[str, tuple[tuple[str, str], ...]]


def _match_names(given: list[str], data_dir: Path, accept: Mapping[str, str]) -> tuple[str, str, dict[str, str], Suggestions]:
    """Match area names exactly (after :func:`geo.search.normalise`); suggest near misses."""
    wanted = {n: normalise(n) for n in set(given) if normalise(n) and normalise(n) != "england"}
    if not wanted:
        raise UploadError("The file has no area codes and no area names; expected a column of codes such as E06000001 or of names.")
    best: tuple[int, str, int] | None = None
    for bset in BOUNDARY_SETS:
        if bset.level == "lsoa":
            continue
        index, _ = _names_index(bset.level, bset.vintage, data_dir)
        hits = sum(len(index.get(w, [])) == 1 for w in wanted.values())
        score = (hits, bset.vintage, -LEVELS.index(bset.level))
        if best is None or score > best:
            best = score
    assert best is not None
    hits, vintage, minus = best
    if hits == 0 and not accept:
        raise UploadError(
            f"No area code column was found, and none of the {len(wanted)} names is the name of an area the atlas "
            f"holds (e.g. {sorted(wanted)[0]!r}); add a column of ONS codes such as E06000001."
        )
    level = LEVELS[-minus]
    index, pairs = _names_index(level, vintage, data_dir)
    matched: dict[str, str] = {}
    suggestions: dict[str, tuple[tuple[str, str], ...]] = {}
    valid = {c for c, _ in pairs}
    for name, norm in wanted.items():
        if name in accept and accept[name] in valid:
            matched[name] = accept[name]
        elif len(index.get(norm, [])) == 1:
            matched[name] = index[norm][0]
        elif len(suggestions) < 100:
            suggestions[name] = tuple((m.area_code, m.area_name) for m in search(name, pairs, limit=3))
    return level, vintage, matched, suggestions


# ---------------------------------------------------------------- validate
def validate(
    data: bytes,
    *,
    file_name: str,
    sheet: str | None = None,
    accept: Mapping[str, str] | None = None,
    data_dir: Path = DATA_DIR,
) -> Upload:
    """Read and check a user's file; every problem is reported with its row.

    Parameters
    ----------
    data : bytes
        The file's content (CSV in UTF-8, UTF-8 with BOM, Windows-1252 or UTF-16, or .xlsx).
    sheet : str, optional
        The Excel sheet; required when a workbook has several sheets with data.
    accept : mapping
        Area names the user confirmed: ``{name in the file: area_code}``.

    Raises
    ------
    UploadError
        When the file cannot be read as a table of areas at all; the message says why and what to do.
    """
    try:
        return _validate(data, file_name=file_name, sheet=sheet, accept=dict(accept or {}), data_dir=data_dir)
    except AtlasError as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError(f"The atlas data needed to check the file is missing: {exc}") from None
    except RecursionError:
        raise UploadError("The file is nested too deeply to read; save it again as plain CSV.") from None
    except MemoryError:
        raise UploadError("The file is too large to read in memory; upload a smaller file.") from None


def _validate(data: bytes, *, file_name: str, sheet: str | None, accept: dict[str, str], data_dir: Path) -> Upload:
    if len(data) > MAX_BYTES:
        raise UploadError(
            f"The file is {len(data) / _MB:,.1f} MB; the limit is {MAX_BYTES // _MB} MB. "
            "Keep only the area code and value columns, or split the file."
        )
    if not data.strip():
        raise UploadError("The file is empty; expected a header row and one row per area.")
    sheets: tuple[str, ...] = ()
    if _is_excel(data, file_name):
        grid, sheet, sheets = _excel_grid(data, sheet)
        file_format = "Excel workbook"
    else:
        grid, file_format = _csv_grid(data)
        sheet = None
    names, body, first_row, problems = _table(grid)
    code_j = _code_column(names, body)
    # Beside a code column only a column headed as names is read as names (the rest may be comments).
    name_j = _name_column(names, body, {code_j} if code_j is not None else set(), hinted_only=code_j is not None)
    suggestions: dict[str, tuple[tuple[str, str], ...]] = {}

    # Which atlas area each data row is (None: not matched), and whether it is England's row.
    row_codes: list[str | None] = []
    england_rows: list[int] = []
    if code_j is not None:
        given = [_code(r[code_j]) for r in body]
        nonblank = [c for c in given if c]
        level, vintage, how, found = _detect(nonblank, data_dir)
        detected_from = f"{how} in column {names[code_j]!r}"
        for i, c in enumerate(given):
            if c == ENGLAND_CODE:
                england_rows.append(i)
            row_codes.append(found.get(c))
        unknown = sorted({c for c in nonblank if c not in found and c != ENGLAND_CODE})
        problems += _unknown_codes(unknown, level, vintage, {c: first_row + i for i, c in reversed(list(enumerate(given)))}, data_dir)
        for i, c in enumerate(given):
            if not c and any(_text(x) for x in body[i]):
                problems.append(Problem("warning", "no area code; row skipped", first_row + i, names[code_j]))
    elif name_j is not None:
        given_names = [_text(r[name_j]) for r in body]
        level, vintage, matched, suggestions = _match_names([n for n in given_names if n], data_dir, accept)
        detected_from = f"area names in column {names[name_j]!r}"
        for i, n in enumerate(given_names):
            if normalise(n) == "england":
                england_rows.append(i)
            row_codes.append(matched.get(n))
            if n and n not in matched and normalise(n) != "england":
                hint = "; ".join(f"{code} {nm}" for code, nm in suggestions.get(n, ())) or "no close match"
                problems.append(Problem("warning", f"area name {n!r} not matched exactly; did you mean: {hint}? "
                                        "Confirm a suggestion to include it", first_row + i, names[name_j]))
    else:
        raise UploadError(
            f"No column of area codes or area names was found among {', '.join(repr(n) for n in names[:8])}; "
            "expected a column of codes such as E06000001 (or 00BN, 5NG, E01000001) or of area names."
        )

    if code_j is not None and name_j is not None and level != "lsoa":
        atlas_names = dict(_names_index(level, vintage, data_dir)[1])
        for i, r in enumerate(body):
            code, name = row_codes[i], _text(r[name_j])
            if code and name and code in atlas_names and normalise(name) != normalise(atlas_names[code]):
                problems.append(Problem("warning", f"the file names {code} {name!r}; the atlas calls it "
                                        f"{atlas_names[code]!r} and uses its own name", first_row + i, names[name_j]))

    skip = {j for j in (code_j, name_j) if j is not None}
    value_cols, percent, ci_pairs, text_cols = _value_columns(names, body, skip, [i for i, c in enumerate(row_codes) if c])
    for j in text_cols:
        problems.append(Problem("warning", "text, not numbers; not mapped", None, names[j]))
    if not value_cols:
        problems.append(Problem("error", "no column of numbers to map; expected one or more columns of values beside the codes"))

    # Duplicate areas: identical rows are kept once, conflicting ones block the file.
    seen: dict[str, int] = {}
    keep: list[int] = []
    for i, code in enumerate(row_codes):
        if not code:
            continue
        if code in seen:
            first = seen[code]
            same = all(parse_value(body[i][j])[:2] == parse_value(body[first][j])[:2] for j in value_cols)
            if same:
                problems.append(Problem("warning", f"{code} repeats row {first_row + first} with the same values; kept once", first_row + i))
            else:
                problems.append(Problem("error", f"{code} appears again (first at row {first_row + first}) with different values; "
                                        "keep one row per area", first_row + i))
            continue
        seen[code] = i
        keep.append(i)

    records: list[dict[str, object]] = []
    for j in value_cols:
        col = names[j]
        lo_j, hi_j = ci_pairs.get(j, (None, None))
        for i in keep:
            value, status, problem = parse_value(body[i][j])
            if problem:
                problems.append(Problem("warning", problem, first_row + i, col))
            lo = parse_value(body[i][lo_j])[0] if lo_j is not None else None
            hi = parse_value(body[i][hi_j])[0] if hi_j is not None else None
            records.append({"area_code": row_codes[i], "column": col, "value": value, "lower_ci": lo, "upper_ci": hi,
                            "status": status, "note": "suppressed in your file" if status == "suppressed" else ""})
    values = pd.DataFrame(records, columns=["area_code", "column", "value", "lower_ci", "upper_ci", "status", "note"])
    values = values.astype({"area_code": "str", "column": "str", "value": "float64", "lower_ci": "float64",
                            "upper_ci": "float64", "status": "str", "note": "str"})
    england: dict[str, float | None] = {names[j]: None for j in value_cols}
    if england_rows:
        for j in value_cols:
            england[names[j]] = parse_value(body[england_rows[0]][j])[0]
    area_rows = sum(1 for i, r in enumerate(body) if any(_text(c) for c in r) and i not in england_rows)
    problems.sort(key=lambda p: (p.severity != "error", p.row or 0))
    return Upload(
        file_name=file_name, file_format=file_format, sheet=sheet, sheets=sheets, level=level, vintage=vintage,
        detected_from=detected_from, code_column=names[code_j] if code_j is not None else None,
        name_column=names[name_j] if name_j is not None else None, rows=area_rows, matched=len(keep),
        columns=tuple(names[j] for j in value_cols), percent=tuple(names[j] for j in value_cols if j in percent),
        has_ci=tuple(names[j] for j in ci_pairs), values=values, england=england, problems=tuple(problems),
        suggestions=suggestions,
    )


def _value_columns(
    names: list[str], body: list[list[object]], skip: set[int], rows: list[int]
) -> tuple[list[int], set[int], dict[int, tuple[int | None, int | None]], list[int]]:
    """Columns of numbers (value columns), those written as percentages, CI pairs, and text columns."""
    numeric, percent, text = [], set(), []
    for j in range(len(names)):
        if j in skip:
            continue
        cells = [body[i][j] for i in rows if _text(body[i][j])]
        if not cells:
            continue
        parsed = [parse_value(c) for c in cells]
        ok = sum(p[1] == "ok" for p in parsed)
        bad = sum(bool(p[2]) for p in parsed)
        if ok and ok >= bad:
            numeric.append(j)
            if any(_text(c).endswith("%") for c in cells):
                percent.add(j)
        elif bad:
            text.append(j)
    lowers = [j for j in numeric if _ci_side(names[j], _CI_LOWER)]
    uppers = [j for j in numeric if _ci_side(names[j], _CI_UPPER)]
    values = [j for j in numeric if j not in lowers and j not in uppers]
    pairs: dict[int, tuple[int | None, int | None]] = {}
    for j in values:
        stem = names[j].lower()
        lo = [k for k in lowers if names[k].lower().startswith(stem)] or (lowers if len(values) == 1 else [])
        hi = [k for k in uppers if names[k].lower().startswith(stem)] or (uppers if len(values) == 1 else [])
        if len(lo) == 1 and len(hi) == 1:
            pairs[j] = (lo[0], hi[0])
    return values, percent, pairs, text


def _ci_side(name: str, words: tuple[str, ...]) -> bool:
    low = name.lower().replace("_", " ").strip()
    return any(low == w.replace("_", " ") or low.endswith(" " + w.replace("_", " ")) for w in words)


def _unknown_codes(unknown: list[str], level: str, vintage: str, row_of: dict[str, int], data_dir: Path) -> list[Problem]:
    """One problem per code the detected set does not hold, with what the lookups say about it."""
    if not unknown:
        return []
    reasons: dict[str, str] = {}
    if (level in LEVELS and vintage in vintages(level)) or (level == "lad" and vintage == "2011"):
        try:
            result = codes.reconcile(unknown, source=vintage, target=vintage, level=level, data_dir=data_dir)
            reasons = dict(zip(result.unmatched["source_code"], result.unmatched["reason"], strict=True))
        except AtlasError:
            reasons = {}
    out = []
    for code in unknown[:500]:
        reason = reasons.get(code) or f"{code} is not a {vintage} {AREA_LABELS.get(level, level)} code"
        out.append(Problem("warning", f"unknown code: {reason}; row skipped", row_of.get(code)))
    if len(unknown) > 500:
        out.append(Problem("warning", f"and {len(unknown) - 500} more unknown codes"))
    return out


# ---------------------------------------------------------------- onto a map
def to_map(
    upload: Upload,
    *,
    level: str,
    vintage: str,
    kinds: Mapping[str, str] | None = None,
    data_dir: Path = DATA_DIR,
) -> Mapped:
    """Carry an upload onto the ``(level, vintage)`` boundaries.

    Codes of another vintage go through :func:`geo.codes.reconcile`; small areas are
    added up into the areas they nest in. Where several of the file's areas make one
    map area, a column whose kind is ``"count"`` is summed; a ``"rate"`` is
    population-weighted where the atlas holds populations for the file's areas, and
    refused otherwise. An area is missing when any of its parts is absent from the
    file, suppressed when any part is suppressed.

    Raises
    ------
    UploadError
        No lookup joins the two geographies, or a rate would need populations the atlas does not hold.
    """
    kinds = dict(kinds or {})
    source = (upload.level, upload.vintage)
    target = (level, vintage)
    if source == target:
        return Mapped(level, vintage, upload.values.copy(), _no_changes(), _no_unmatched(), ())
    full = _crosswalk(upload.level, upload.vintage, level, vintage, sorted(_set_codes(*source, data_dir)), data_dir)
    walk = full[0]
    given = set(upload.values["area_code"])
    unmatched = full[1][full[1]["source_code"].isin(given)].reset_index(drop=True)
    parts = walk.groupby("target_code")["source_code"].agg(list)
    several = parts[parts.map(len) > 1]
    notes: list[str] = []
    weights: pd.Series | None = None
    rate_cols = [c for c in upload.columns if kinds.get(c, "rate") != "count"]
    if len(several) and rate_cols:
        found = _populations(upload.level, upload.vintage, data_dir)
        if found is None:
            raise UploadError(
                f"{', '.join(repr(c) for c in rate_cols)} cannot be carried from {_set_label(*source)} to {_set_label(*target)}: "
                f"{len(several)} map areas are made of several of your areas, and a rate cannot be summed; the atlas holds no "
                f"populations for {_set_label(*source)} to weight it by. Mark the column as a count if it is one, "
                f"or switch the map to {_set_label(*source)}."
            )
        weights, label = found
        notes.append(f"Rates of areas made of several of yours are population-weighted means ({label}).")
    rows = []
    for col in upload.columns:
        mine = upload.values[upload.values["column"] == col].set_index("area_code")
        kind = kinds.get(col, "rate")
        for target_code, sources in parts.items():
            present = [s for s in sources if s in mine.index]
            if not present:
                continue
            rows.append(_combine(str(target_code), col, mine, sources, present, kind, weights))
    values = pd.DataFrame(rows, columns=["area_code", "column", "value", "lower_ci", "upper_ci", "status", "note"])
    values = values.astype({"area_code": "str", "column": "str", "value": "float64", "lower_ci": "float64",
                            "upper_ci": "float64", "status": "str", "note": "str"})
    changes = pd.DataFrame(
        [(t, len(s), ", ".join(s[:6]) + (" ..." if len(s) > 6 else "")) for t, s in several.items()
         if any(x in given for x in s)],
        columns=["target_code", "parts", "source_codes"],
    )
    if len(changes):
        how = "counts are summed" + (", rates population-weighted" if rate_cols else "")
        notes.insert(0, f"{len(changes)} map area(s) are made of several of your areas: {how}.")
    if len(unmatched):
        notes.append(f"{len(unmatched)} of your areas cannot be carried onto {_set_label(*target)} (see the list).")
    return Mapped(level, vintage, values, changes, unmatched, tuple(notes))


def _combine(target: str, col: str, mine: pd.DataFrame, sources: list[str], present: list[str], kind: str,
             weights: pd.Series | None) -> dict[str, object]:
    if len(sources) == 1:
        row = mine.loc[sources[0]]
        return {"area_code": target, "column": col, "value": row["value"], "lower_ci": row["lower_ci"],
                "upper_ci": row["upper_ci"], "status": row["status"], "note": row["note"]}
    out: dict[str, object] = {"area_code": target, "column": col, "value": None, "lower_ci": None, "upper_ci": None}
    absent = len(sources) - len(present)
    statuses = [str(mine.loc[s, "status"]) for s in present]
    if absent:
        out.update(status="missing", note=f"{absent} of its {len(sources)} parts are not in your file")
    elif "missing" in statuses:
        out.update(status="missing", note=f"a part of it is blank in your file ({len(sources)} parts)")
    elif "suppressed" in statuses:
        out.update(status="suppressed", note=f"a part of it is suppressed in your file ({len(sources)} parts)")
    elif kind == "count":
        out.update(value=float(sum(_num(mine.loc[s, "value"]) for s in present)), status="ok",
                   note=f"sum of {len(sources)} areas in your file")
    else:
        assert weights is not None
        w = [float(weights.get(s, float("nan"))) for s in present]
        if any(not math.isfinite(x) or x <= 0 for x in w):
            out.update(status="missing", note="no population for a part, so the rate cannot be weighted")
        else:
            value = sum(_num(mine.loc[s, "value"]) * x for s, x in zip(present, w, strict=True)) / sum(w)
            out.update(value=value, status="ok", note=f"population-weighted mean of {len(sources)} areas in your file")
    return out


def _num(value: Any) -> float:
    return float(value)


def _no_changes() -> pd.DataFrame:
    return pd.DataFrame(columns=["target_code", "parts", "source_codes"])


def _no_unmatched() -> pd.DataFrame:
    return pd.DataFrame(columns=["source_code", "reason"], dtype="str")


def _set_label(level: str, vintage: str) -> str:
    if level == "lsoa":
        return f"{vintage} LSOAs"
    return f"{vintage} {LEVEL_LABELS[level].lower()}"


def _crosswalk(level: str, vintage: str, to_level: str, to_vintage: str, source_codes: list[str],
               data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(source_code, target_code) for every source code that can be carried over, and the rest with reasons."""
    refuse = UploadError(
        f"The atlas has no lookup from {_set_label(level, vintage)} to {_set_label(to_level, to_vintage)}; "
        f"switch the map to {_set_label(level, vintage)}" + (" or a level they nest in." if level == "lsoa" else ".")
    )
    if level == "lsoa":
        walk, lost = _identity(source_codes), _no_unmatched()
        lsoa_to = boundaries.lsoa_vintage_for(to_level, to_vintage) if to_level != "lsoa" else to_vintage
        if vintage == "2001":
            if lsoa_to != "2011":
                raise refuse
            walk, lost = _lsoa01_to_11(source_codes, data_dir)
        elif vintage != lsoa_to:
            raise refuse
        if to_level == "lsoa":
            return walk, lost
        parents = boundaries.parent_codes(lsoa_to, level=to_level, vintage=to_vintage, data_dir=data_dir)
        walk = walk.assign(target_code=walk["target_code"].map(parents))
        return walk.dropna().reset_index(drop=True), lost
    if level == to_level and level in ("lad", "utla"):
        result = codes.reconcile(source_codes, source=vintage, target=to_vintage, level=level, data_dir=data_dir)
        return result.mapped[["source_code", "target_code"]], result.unmatched
    if level == "lad" and to_level in ("utla", "region"):
        lad_vintage = to_vintage if to_vintage in vintages("lad") else None
        if lad_vintage is None:
            raise refuse
        walk, lost = _crosswalk("lad", vintage, "lad", lad_vintage, source_codes, data_dir)
        table = boundaries.area_lookup("lad", lad_vintage, data_dir=data_dir).set_index("area_code")[f"{to_level}_code"]
        walk = walk.assign(target_code=walk["target_code"].map(table))
        return walk.dropna().reset_index(drop=True), lost
    raise refuse


def _identity(source_codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"source_code": source_codes, "target_code": source_codes}, dtype="str")


def _lsoa01_to_11(source_codes: list[str], data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2001 LSOAs to 2011: unchanged and merged ones carry over; split and redrawn ones cannot."""
    table = _lsoa01(data_dir)
    table = table[table["lsoa01_code"].isin(set(source_codes))]
    ok = table[table["change"].isin(["U", "M"])]
    bad = table[~table["change"].isin(["U", "M"])].drop_duplicates("lsoa01_code")
    why = {"S": "was split between several 2011 LSOAs; its values cannot be divided",
           "X": "was redrawn in 2011 (boundaries changed irregularly); its values cannot be carried over"}
    lost = pd.DataFrame({"source_code": bad["lsoa01_code"],
                         "reason": [f"{c} {why.get(ch, 'has no 2011 equivalent')}" for c, ch in zip(bad["lsoa01_code"], bad["change"], strict=True)]},
                        dtype="str")
    walk = pd.DataFrame({"source_code": ok["lsoa01_code"], "target_code": ok["lsoa11_code"]}, dtype="str")
    return walk.reset_index(drop=True), lost.reset_index(drop=True)


def _populations(level: str, vintage: str, data_dir: Path) -> tuple[pd.Series, str] | None:
    """Populations of the source areas to weight rates by, and what they are; ``None`` when not held."""
    try:
        rows = indicators.load("pop_total", level=level, vintage=vintage, data_dir=data_dir)
        latest = sorted(rows["period"].unique())[-1]
        rows = rows[(rows["period"] == latest) & (rows["status"] == "ok")]
        return rows.set_index("area_code")["value"].astype("float64"), f"ONS mid-{latest} population estimates"
    except (AtlasError, IndexError):
        pass
    if level == "lsoa" or (level, vintage) == ("lad", "2011"):
        return None
    try:
        lsoa = indicators.load("pop_total", level="lsoa", vintage="2011", data_dir=data_dir)
        parents = boundaries.parent_codes("2011", level=level, vintage=vintage, data_dir=data_dir)
    except AtlasError:
        return None
    latest = sorted(lsoa["period"].unique())[-1]
    lsoa = lsoa[lsoa["period"] == latest]
    summed = lsoa.assign(parent=lsoa["area_code"].map(parents)).groupby("parent")["value"].sum()
    return summed.astype("float64"), f"sums of ONS mid-{latest} LSOA population estimates"


# ---------------------------------------------------------------- a session layer
def layer(
    mapped: Mapped,
    column: str,
    *,
    indicator_id: str,
    file_name: str,
    period: str,
    unit: str = "",
    value_type: str = "rate",
    polarity: Polarity = "none",
    has_ci: bool = False,
) -> tuple[Indicator, pd.DataFrame]:
    """A session-only indicator for one uploaded column, and its values in :data:`INDICATOR_COLUMNS`."""
    mine = mapped.values[mapped.values["column"] == column]
    title = column.strip() or "Your values"
    label = title if len(title) <= 38 else title[:35] + "..."
    indicator = Indicator(
        indicator_id=indicator_id,
        title=f"{title} (your file)",
        description=f"Column {column!r} of your file {file_name!r}, uploaded in this session only.",
        unit=unit,
        polarity=polarity,
        group=GROUP,
        source=Source(publisher=f"Your file {file_name}", dataset=file_name, raw_file=file_name, licence="Your own data"),
        value_type=value_type,
        levels={mapped.level: (mapped.vintage,)},
        periods=(period,),
        has_ci=has_ci,
        derived=False,
        short_title=label,
    )
    values = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "area_code": mine["area_code"].to_numpy(),
            "level": mapped.level,
            "vintage": mapped.vintage,
            "period": period,
            "sex": "persons",
            "value": mine["value"].to_numpy(dtype="float64"),
            "lower_ci": mine["lower_ci"].to_numpy(dtype="float64"),
            "upper_ci": mine["upper_ci"].to_numpy(dtype="float64"),
            "count": np.full(len(mine), np.nan),
            "denominator": np.full(len(mine), np.nan),
            "status": mine["status"].to_numpy(),
            "note": mine["note"].replace("", None).to_numpy(),
        },
        columns=list(INDICATOR_COLUMNS),
    )
    return indicator, values.reset_index(drop=True)


# ---------------------------------------------------------------- command line
def check(args: argparse.Namespace) -> int:
    """``python -m geo check FILE``: print the report; 0 when the file can be mapped, 2 when not."""
    path = Path(args.file)
    try:
        if not path.is_file():
            raise UploadError(f"No file {str(path)!r}; give the path of a CSV or .xlsx file.")
        if path.stat().st_size > MAX_BYTES:
            raise UploadError(f"{path.name} is {path.stat().st_size / _MB:,.1f} MB; the limit is {MAX_BYTES // _MB} MB.")
        upload = validate(path.read_bytes(), file_name=path.name, sheet=args.sheet)
    except (UploadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(upload.report())
    return 0 if upload.mappable else 2


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``python -m geo check FILE [--sheet NAME]``."""
    p = sub.add_parser(
        "check", help="validate your own CSV or .xlsx file as the map's upload does",
        description="Validate a CSV or Excel file exactly as the map page's upload does and print the report. "
        "Exit status 0 when the file can be mapped, 2 when it cannot.",
    )
    p.add_argument("file", metavar="FILE", help="a CSV or .xlsx file with an area-code (or name) column and value columns")
    p.add_argument("--sheet", metavar="NAME", default=None, help="the Excel sheet to read (when there are several)")
    p.set_defaults(run=check)
