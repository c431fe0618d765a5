"""A user's own file: read it, validate it, and put it in the atlas's long-table shape.

:func:`validate` reads a CSV or Excel file (bytes, never a path on shared storage),
finds the area-code column (or, failing that, an area-name column), detects the
geography and vintage with :func:`geo.codes.detect`, parses each value column and
returns an :class:`Upload` with a report of every problem and its row. It either
returns or raises :class:`~geo.errors.UploadError`; nothing else escapes, whatever
the file. Reading the file's cells and numbers is :mod:`geo.spreadsheet`.
:func:`to_map` carries an upload onto a map's boundaries (:mod:`geo.crosswalk`),
summing counts and population-weighting rates, or refusing with the reason.
:func:`layer` (:mod:`geo.upload_layer`, with the column's scale and a preview) builds the
session-only :class:`~geo.catalogue.Indicator` for one column.

``python -m geo check FILE [--sheet NAME]`` prints the same report.
"""


from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo import boundaries, codes, crosswalk, shared, spreadsheet
from geo._paths import DATA_DIR
from geo.crosswalk import Mapped
from geo.errors import AtlasError, UploadError, UploadLimitError
from geo.schema import BOUNDARY_SETS, ENGLAND_CODE, LEVEL_LABELS, LEVELS
from geo.search import normalise, search
from geo.shared import SessionOwned
from geo.spreadsheet import (
    SUPPRESSION_MARKERS,
    Decimal,
    Problem,
    Uncalculated,
    parse_value,
    sheet_names,
)
from geo.spreadsheet import code_text as _code
from geo.spreadsheet import looks_like_code as _looks_like_code
from geo.spreadsheet import text as _text
from geo.upload_layer import GROUP, UploadedIndicator, layer

__all__ = [
    "GROUP",
    "KINDS",
    "MAX_BYTES",
    "SUPPRESSION_MARKERS",
    "Mapped",
    "UploadedIndicator",
    "Problem",
    "Upload",
    "layer",
    "parse_value",
    "routes",
    "sheet_names",
    "to_map",
    "validate",
]

#: Largest file accepted, in bytes: the app's upload limit (.streamlit/config.toml, maxUploadSize = 5).
MAX_BYTES = 5 * 1024 * 1024
_MB = 1024 * 1024
#: How a column's values combine when areas merge: counts add up, rates need weights.
KINDS: tuple[str, ...] = ("count", "rate")

_NHS = re.compile(r"^[0-9A-Z]{3}$")
_CI_LOWER = ("lower_ci", "lower ci", "lci", "lower 95% ci", "lower 95 ci", "lower", "lower limit", "lower 95% limit")
_CI_UPPER = ("upper_ci", "upper ci", "uci", "upper 95% ci", "upper 95 ci", "upper", "upper limit", "upper 95% limit")


@dataclass(frozen=True, eq=False)
class Upload(SessionOwned):
    """A validated file: its areas, its value columns in long form, and the report.

    ``values``: one row per area and column, ``area_code`` (of ``level``/``vintage``),
    ``column``, ``value``, ``lower_ci``, ``upper_ci``, ``status`` (ok, suppressed,
    missing) and ``note``. ``england``: England's value per column (``None`` when
    the file has no England row or the cell is empty). ``numbers``: how the file
    writes numbers (decimal points or commas), for the report.
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
    numbers: str = "decimal points"
    #: One line each for the title lines skipped above the header and the notes skipped below the data.
    skipped: tuple[str, ...] = ()

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
            f"Numbers: {self.numbers}",
            *self.skipped,
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


# ---------------------------------------------------------------- areas
@shared.cached(max_entries=4, scope="bundled")
def _nhs_pct(data_dir: Path) -> dict[str, str]:
    table = boundaries.area_lookup("pct", "2011", data_dir=data_dir)
    return {str(o).upper(): str(c) for o, c in zip(table["area_code_old"], table["area_code"], strict=True) if isinstance(o, str)}


@shared.cached(max_entries=2, scope="bundled")
def _known_names(data_dir: Path) -> frozenset[str]:
    """Every area name the atlas holds (normalised, LSOAs aside), and England."""
    return frozenset({"england"}.union(*(_names_index(b.level, b.vintage, data_dir)[0] for b in BOUNDARY_SETS
                                         if b.level != "lsoa")))


def _area_test(data_dir: Path) -> Callable[[str], bool]:
    """Whether a cell names an area: an area code (ONS, pre-2009, NHS PCT) or an area's name, of any set."""
    names, nhs = _known_names(data_dir), _nhs_pct(data_dir)

    def is_area(cell: str) -> bool:
        code = cell.strip().upper()
        return _looks_like_code(code) or code in nhs or normalise(cell) in names

    return is_area


@shared.cached(max_entries=32, scope="bundled")
def _names_index(level: str, vintage: str, data_dir: Path) -> tuple[dict[str, list[str]], tuple[tuple[str, str], ...]]:
    """Normalised name -> codes, and the (code, name) pairs of one set."""
    if level == "lsoa" and vintage == "2001":
        table = crosswalk.lsoa01_lookup(data_dir)
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
        early = crosswalk.set_codes("lad", "2011", data_dir)
        if sum(c in early for c in set(given)) > matched:
            vintage, matched = "2011", sum(c in early for c in set(given))
    if level == "lsoa" or not level:
        old = crosswalk.set_codes("lsoa", "2001", data_dir)
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
    valid = crosswalk.set_codes(level, vintage, data_dir)
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


def _name_column(names: list[str], body: list[list[object]], skip: set[int], *, hinted_only: bool,
                 decimal: Decimal) -> int | None:
    best: tuple[float, int] | None = None
    for j, name in enumerate(names):
        if j in skip:
            continue
        cells = [_text(r[j]) for r in body if _text(r[j])]
        if not cells:
            continue
        parsed = [parse_value(c, decimal=decimal) for c in cells]
        texty = sum(p[1] == "missing" and bool(p[2]) for p in parsed) / len(cells)
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
        raise UploadLimitError("The file needs more memory to read than one upload may use; "
                               "save only the table you want to map as CSV and upload that.") from None


def _validate(data: bytes, *, file_name: str, sheet: str | None, accept: dict[str, str], data_dir: Path) -> Upload:
    if len(data) > MAX_BYTES:
        raise UploadError(
            f"The file is {len(data) / _MB:,.1f} MB; the limit is {MAX_BYTES // _MB} MB. "
            "Keep only the area code and value columns, or split the file."
        )
    if not data.strip():
        raise UploadError("The file is empty; expected a header row and one row per area.")
    grid = spreadsheet.read(data, file_name=file_name, sheet=sheet)
    found_table = spreadsheet.table(grid.rows, is_area=_area_test(data_dir))
    names, body, first_row, problems = found_table.names, found_table.body, found_table.first_row, found_table.problems
    numbers = spreadsheet.number_convention((c for r in body for c in r), delimiter=grid.delimiter)
    problems += numbers.problems
    decimal = numbers.decimal

    def parse(cell: object) -> tuple[float | None, str, str]:
        return parse_value(cell, decimal=decimal)

    code_j = _code_column(names, body)
    # Beside a code column only a column headed as names is read as names (the rest may be comments).
    name_j = _name_column(names, body, {code_j} if code_j is not None else set(), hinted_only=code_j is not None,
                          decimal=decimal)
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
    mapped_rows = [i for i, c in enumerate(row_codes) if c]
    value_cols, percent, ci_pairs, text_cols = _value_columns(names, body, skip, mapped_rows, decimal=decimal)
    for j in text_cols:
        if any(isinstance(body[i][j], Uncalculated) for i in mapped_rows):
            problems.append(Problem("warning", "formulas with no saved results, not numbers; not mapped. Open the file "
                                    "in Excel, save it (so results are stored) and upload it again", None, names[j]))
        else:
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
            same = all(parse(body[i][j])[:2] == parse(body[first][j])[:2] for j in value_cols)
            if same:
                problems.append(Problem("warning", f"{code} repeats row {first_row + first} with the same values; kept once", first_row + i))
            else:
                problems.append(Problem("error", f"{code} appears again (first at row {first_row + first}) with different values; "
                                        "keep one row per area", first_row + i))
            continue
        seen[code] = i
        keep.append(i)

    # One list per field, filled a column of the file at a time (not a record per value): 700,000 values stay
    # within the memory one upload's reader may use (geo.sandbox).
    fields: list[list[object]] = [[] for _ in range(7)]
    for j in value_cols:
        col = names[j]
        lo_j, hi_j = ci_pairs.get(j, (None, None))
        records: list[tuple[object, ...]] = []
        for i in keep:
            value, status, problem = parse(body[i][j])
            if problem:
                problems.append(Problem("warning", problem, first_row + i, col))
            lo = parse(body[i][lo_j])[0] if lo_j is not None else None
            hi = parse(body[i][hi_j])[0] if hi_j is not None else None
            records.append((row_codes[i], col, value, lo, hi, status, _note(body[i][j], status)))
        for kept, items in zip(fields, zip(*records, strict=True), strict=False):  # nothing when no row is kept
            kept.extend(items)
    values = pd.DataFrame(dict(zip(["area_code", "column", "value", "lower_ci", "upper_ci", "status", "note"], fields, strict=True)))
    values = values.astype({"area_code": "str", "column": "str", "value": "float64", "lower_ci": "float64",
                            "upper_ci": "float64", "status": "str", "note": "str"})
    england: dict[str, float | None] = {names[j]: None for j in value_cols}
    if england_rows:
        for j in value_cols:
            england[names[j]] = parse(body[england_rows[0]][j])[0]
    area_rows = sum(1 for i, r in enumerate(body) if any(_text(c) for c in r) and i not in england_rows)
    problems.sort(key=lambda p: (p.severity != "error", p.row or 0))
    return Upload(
        file_name=file_name, file_format=grid.file_format, sheet=grid.sheet, sheets=grid.sheets, level=level, vintage=vintage,
        detected_from=detected_from, code_column=names[code_j] if code_j is not None else None,
        name_column=names[name_j] if name_j is not None else None, rows=area_rows, matched=len(keep),
        columns=tuple(names[j] for j in value_cols), percent=tuple(names[j] for j in value_cols if j in percent),
        has_ci=tuple(names[j] for j in ci_pairs), values=values, england=england, problems=tuple(problems),
        suggestions=suggestions, numbers=numbers.line,
        skipped=tuple(line for line in (_skipped("title", found_table.title, "above the header"),
                                        _skipped("footer", found_table.footer, "below the data")) if line),
    )


def _skipped(kind: str, lines: tuple[tuple[int, str], ...], where: str) -> str:
    """ "Skipped 2 title lines above the header (rows 1-2): 'Table 3: ...', ..." (empty when none)."""
    if not lines:
        return ""
    n, first, last = len(lines), lines[0][0], lines[-1][0]
    shown = ", ".join(repr(t if len(t) <= 60 else t[:57] + "...") for _, t in lines[:3])
    more = f" and {n - 3} more" if n > 3 else ""
    rows = f"row {first}" if n == 1 else f"rows {first}-{last}"
    return f"Skipped {n} {kind} line{'s' if n != 1 else ''} {where} ({rows}): {shown}{more}"


def _note(cell: object, status: str) -> str:
    if status == "suppressed":
        return "suppressed in your file"
    if isinstance(cell, Uncalculated):
        return "a formula with no saved result in your file"
    return ""


def _value_columns(
    names: list[str], body: list[list[object]], skip: set[int], rows: list[int], *, decimal: Decimal
) -> tuple[list[int], set[int], dict[int, tuple[int | None, int | None]], list[int]]:
    """Columns of numbers (value columns), those written as percentages, CI pairs, and text columns."""
    numeric, percent, text = [], set(), []
    for j in range(len(names)):
        if j in skip:
            continue
        cells = [body[i][j] for i in rows if _text(body[i][j])]
        if not cells:
            continue
        parsed = [parse_value(c, decimal=decimal) for c in cells]
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
    reasons = crosswalk.fate(unknown, level=level, vintage=vintage, data_dir=data_dir)
    out = [Problem("warning", f"unknown code: {reasons[code]}; row skipped", row_of.get(code)) for code in unknown[:500]]
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
    """Carry an upload onto the ``(level, vintage)`` boundaries: :func:`geo.crosswalk.carry` (which may raise UploadError)."""
    return crosswalk.carry(upload.values, columns=upload.columns, source=(upload.level, upload.vintage),
                           level=level, vintage=vintage, kinds=kinds, data_dir=data_dir)


#: The boundary sets the check lists a route to (the map's geographies that other sets are carried onto).
_ROUTE_LEVELS = ("lad", "utla", "region", "lsoa")


def routes(upload: Upload, *, data_dir: Path = DATA_DIR) -> list[str]:
    """For each of the map's other boundary sets, how the file would reach it, or why it cannot: one line each."""
    own = (upload.level, upload.vintage)
    lines = []
    for bset in BOUNDARY_SETS:
        target = (bset.level, bset.vintage)
        if bset.level not in _ROUTE_LEVELS or target == own:
            continue
        try:
            lines.append(crosswalk.route(own, target, data_dir=data_dir))
        except AtlasError as exc:
            lines.append(f"{crosswalk.set_label(*target)}: cannot be drawn ({str(exc).split(';')[0]})")
    return lines
