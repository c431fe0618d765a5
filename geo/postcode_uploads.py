"""A user's list of postcodes: found in the file, read in the upload worker, counted and drawn as a layer.

:func:`read` runs in the upload worker (:mod:`geo.sandbox`), with the worker's time and memory
limits: it finds the file's column of postcodes (:func:`geo.tallies.postcode_share`) or of
addresses ending in one, and the columns of whole numbers that may count each row, and returns a
:class:`PostcodeList` holding the cells as text. The count itself (:meth:`PostcodeList.tally`,
:func:`geo.tallies.tally`) runs in the app's process once the worker has parsed the file: it
needs the postcode table (2.25 million postcodes, ~2 s to load), which a fresh worker would load
again for each file within its 5 s; in the app's process it is loaded once. A list of 200,000
rows is read by the worker in about 1 s and counted in about 2 s.

:func:`layer` turns a :class:`~geo.tallies.Tally` into a session-only indicator: counts or rates
per 1,000 residents on the set chosen and on the set the map's drill-down needs with it, every
row's note starting :data:`geo.tables.COUNTED_BY_POSTCODE` (so every CSV made from it carries the
postcode attribution), suppressed counts with status ``suppressed``. Only area codes and
counts leave the :class:`PostcodeList`: no postcode reaches a layer, a table or a download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo import boundaries, spreadsheet
from geo.catalogue import Source
from geo.postcodes import ATTRIBUTION, normalise
from geo.schema import INDICATOR_COLUMNS
from geo.shared import SessionOwned
from geo.tables import COUNTED_BY_POSTCODE
from geo.tallies import DEFAULT_THRESHOLD, SETS, Tally, extract_postcode, postcode_share, tally
from geo.upload_layer import GROUP, UploadedIndicator

__all__ = ["MAX_CELLS", "MAX_ROWS", "MEASURES", "Measure", "PostcodeList", "companion", "layer", "read"]

#: Most rows read from a list of postcodes (one row per person: longer than a table of areas).
MAX_ROWS: Final = 300_000
#: Most cells read from a list of postcodes (its rows times its widest row).
MAX_CELLS: Final = 2_000_000
#: What a layer of counts shows: the counts, or rates per 1,000 residents.
MEASURES: Final[dict[str, str]] = {"count": "Counts", "rate": "Rates per 1,000 residents"}
Measure = Literal["count", "rate"]

#: The share of a column's cells that must be postcodes (or addresses ending in one) to read it as the key.
_SHARE = 0.5
#: Rows looked at to find the columns.
_SAMPLE = 2000
_TITLE_SCAN = 30
_KEY_HINT = re.compile(r"post\s*code|postcode|pcode|zip|address", re.I)
_COUNT_HINT = re.compile(r"\b(count|counts|number|no|n|num|people|persons|households?|cases|events|visits|total|"
                         r"children|patients|clients|residents|attendances|referrals|families|frequency|freq)\b", re.I)
_WHOLE = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


@dataclass(frozen=True, eq=False)
class PostcodeList(SessionOwned):
    """A file whose key column holds postcodes: the cells as text, kept in the session that uploaded it.

    ``postcodes`` holds one cell per data row ("" for an empty one), the first at spreadsheet row
    ``first_row``; ``numbers`` the columns of whole numbers that may count each row (header ->
    cells as text); ``count_column`` the one whose header says it counts, if any.
    """

    file_name: str
    file_format: str
    sheet: str | None
    sheets: tuple[str, ...]
    column: str
    addresses: bool
    postcodes: pd.Series
    numbers: dict[str, pd.Series]
    count_column: str | None
    first_row: int
    skipped: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """The data rows read (every row below the header, to the last that holds anything)."""
        return len(self.postcodes)

    def describe(self) -> str:
        """One line: which column holds the postcodes, how many rows from which row."""
        what = "addresses ending in postcodes" if self.addresses else "postcodes"
        sheet = f", sheet {self.sheet!r}" if self.sheet else ""
        return (f"{self.file_name} ({self.file_format}{sheet}): {what} in column {self.column!r}, "
                f"{self.rows:,} rows from row {self.first_row}")

    def tally(self, *, count_column: str | None = None, threshold: int = DEFAULT_THRESHOLD) -> Tally:
        """:func:`geo.tallies.tally` of the rows, each weighted by ``count_column`` (one each when ``None``)."""
        return tally(self.postcodes, counts=self.numbers[count_column] if count_column else None,
                     threshold=threshold, first_row=self.first_row)


def read(data: bytes, *, file_name: str, sheet: str | None = None) -> PostcodeList | None:
    """The file as a list of postcodes, or ``None`` when no column of it holds postcodes or addresses.

    The header is the first row naming the postcode column ("Postcode", "Address"), else the first
    row as wide as the table (a title line above it is narrower), unless that row already holds a
    postcode (then the file has no header). Every row below it, to the
    last row holding anything, is a data row: nothing is left out, so the rows read are the
    file's. Raises :class:`~geo.errors.UploadError` as :func:`geo.spreadsheet.read` does.
    """
    grid = spreadsheet.read(data, file_name=file_name, sheet=sheet, max_rows=MAX_ROWS, max_cells=MAX_CELLS)
    rows = grid.rows
    top = [i for i, r in enumerate(rows[:_TITLE_SCAN * 20]) if any(spreadsheet.text(c) for c in r)]
    if not top:
        return None
    width = max(len(r) for r in rows)
    heads = [_cells(rows[i], width) for i in top[:_TITLE_SCAN]]
    hinted = [any(_names_key(row[j]) for row in heads) for j in range(width)]
    found = _key_column(hinted, [_cells(r, width) for r in rows[top[0]: top[0] + _SAMPLE]])
    if found is None:
        return None
    key, addresses = found
    # The header: the first row naming the column (a title line above it may be as wide), else the first row as
    # wide as the table (a title line is narrower).
    widths = sorted(_width(rows[i]) for i in top[:200])
    wide = widths[len(widths) // 2] >= 2
    named = [i for i, row in zip(top, heads, strict=False) if _names_key(row[key])]
    header_at = named[0] if named else next((i for i in top[:_TITLE_SCAN] if not wide or _width(rows[i]) >= 2), top[0])
    sample = [_cells(r, width) for r in rows[header_at + 1: header_at + 1 + _SAMPLE]]
    header = _cells(rows[header_at], width)
    if normalise(header[key]) is not None or extract_postcode(header[key]) is not None:
        start, names = header_at, [f"column {j + 1}" for j in range(width)]  # no header: the first row is data
    else:
        start, names = header_at + 1, _names(header)
    end = len(rows)
    while end > start and not any(spreadsheet.text(c) for c in rows[end - 1]):
        end -= 1
    body = rows[start:end]
    postcodes = pd.Series([spreadsheet.text(r[key]) if key < len(r) else "" for r in body], dtype="string")
    numbers = {names[j]: pd.Series([spreadsheet.text(r[j]) if j < len(r) else "" for r in body], dtype="string")
               for j in _number_columns(sample, key, width)}
    counting = [name for name in numbers if _COUNT_HINT.search(name)]
    titles = [i + 1 for i in top if i < header_at]
    skipped = (f"Skipped {len(titles)} title line{'s' if len(titles) > 1 else ''} above the header "
               f"(row{'s' if len(titles) > 1 else ''} {', '.join(map(str, titles))}).",) if titles else ()
    return PostcodeList(file_name=file_name, file_format=grid.file_format, sheet=grid.sheet, sheets=grid.sheets,
                        column=names[key], addresses=addresses, postcodes=postcodes, numbers=numbers,
                        count_column=counting[0] if len(counting) == 1 else None, first_row=start + 1,
                        skipped=skipped)


def _names_key(cell: str) -> bool:
    """Whether a cell names a column of postcodes or addresses ("Postcode", "Home address"), not holds one."""
    return bool(_KEY_HINT.search(cell)) and normalise(cell) is None and extract_postcode(cell) is None


def _width(row: list[object]) -> int:
    return sum(1 for c in row if spreadsheet.text(c))


def _cells(row: list[object], width: int) -> list[str]:
    return [spreadsheet.text(c) for c in row] + [""] * (width - len(row))


def _names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for j, name in enumerate(header):
        name = (name or f"column {j + 1}")[:80]
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _key_column(hinted: list[bool], sample: list[list[str]]) -> tuple[int, bool] | None:
    """(column, holds addresses) of the column most of whose cells are postcodes or end in one; ``None`` if none.

    ``hinted``: whether a row at the top names the column (postcode, address); it may then hold fewer.
    """
    best: tuple[float, int, bool] | None = None
    for j, hint in enumerate(hinted):
        cells = pd.Series([r[j] for r in sample if r[j]], dtype="object")
        if cells.empty:
            continue
        share = postcode_share(cells)
        rest = cells[cells.map(lambda v: normalise(v) is None)]
        address = float(rest.map(lambda v: extract_postcode(v) is not None).sum()) / len(cells) if len(rest) else 0.0
        score = max(share, address) + (0.25 if hint else 0.0)
        if max(share, address) >= (_SHARE - 0.2 if hint else _SHARE) and (best is None or score > best[0]):
            best = (score, j, address > share)
    return None if best is None else (best[1], best[2])


def _number_columns(sample: list[list[str]], key: int, width: int) -> list[int]:
    """Columns (not the key) whose non-empty cells are nearly all whole numbers of 0 or more."""
    out = []
    for j in range(width):
        cells = [r[j] for r in sample if r[j]] if j != key else []
        if cells and sum(bool(_WHOLE.match(c)) for c in cells) >= 0.9 * len(cells):
            out.append(j)
    return out


# ---------------------------------------------------------------- the layer
def companion(level: str, vintage: str) -> tuple[str, str]:
    """The set drawn with ``(level, vintage)``: a district set's small areas, or the districts small areas nest in.

    >>> companion("lsoa", "2021"), companion("lad", "2019")
    (('lad', '2023'), ('lsoa', '2011'))
    """
    if level == "lsoa":
        return ("lad", "2023") if vintage == "2021" else ("lad", "2019")
    return "lsoa", boundaries.lsoa_vintage_for(level, vintage)


def layer(
    counts: Tally,
    *,
    level: str,
    vintage: str,
    measure: Measure,
    indicator_id: str,
    label: str,
    file_name: str,
    period: str,
) -> tuple[UploadedIndicator, pd.DataFrame]:
    """A session-only indicator of ``counts`` on ``(level, vintage)`` and its :func:`companion`, and its rows.

    Rows are in :data:`~geo.schema.INDICATOR_COLUMNS`: every area of both sets, ``value`` the
    count or the rate per 1,000 residents (95% limits in ``lower_ci``/``upper_ci``), ``count``
    and ``denominator`` (residents), ``status`` ``suppressed`` below the threshold (no value,
    no count) or ``missing`` where no population is held for a rate.
    """
    if (level, vintage) not in SETS:
        raise ValueError(f"Expected one of {sorted(SETS)}; got {(level, vintage)}.")
    sets = [(level, vintage), companion(level, vintage)]
    frames = [_rows(counts.table(lv, vin), level=lv, vintage=vin, measure=measure, indicator_id=indicator_id,
                    period=period, threshold=counts.threshold) for lv, vin in sets]
    rate = measure == "rate"
    title = f"{label} ({'per 1,000 residents, ' if rate else ''}your file)"
    indicator = UploadedIndicator(
        indicator_id=indicator_id,
        title=title,
        description=(f"Rows of your file {file_name!r} counted by postcode into {SETS[(level, vintage)]}"
                     + (", per 1,000 residents (ONS mid-year estimates)" if rate else "")
                     + f"; counts below {counts.threshold} suppressed. In this session only."),
        unit="per 1,000 residents" if rate else "",
        polarity="none",
        group=GROUP,
        source=Source(publisher=f"Your file {file_name}, counted by postcode", dataset=file_name, raw_file=file_name,
                      licence="Your own data; postcode lookups under the Open Government Licence v3.0 and the OS "
                              "OpenData licence", attribution=ATTRIBUTION),
        value_type="rate" if rate else "count",
        levels={lv: (vin,) for lv, vin in sets},
        periods=(period,),
        has_ci=rate,
        derived=False,
        short_title=label if len(label) <= 38 else label[:35] + "...",
    )
    return indicator, pd.concat(frames, ignore_index=True)


def _rows(table: pd.DataFrame, *, level: str, vintage: str, measure: Measure, indicator_id: str, period: str,
          threshold: int) -> pd.DataFrame:
    rate = measure == "rate"
    suppressed = table["suppressed"].to_numpy(dtype=bool)
    no_people = table["population"].isna().to_numpy() | (table["population"] <= 0).to_numpy()
    missing = rate & no_people & ~suppressed
    status = np.where(suppressed, "suppressed", np.where(missing, "missing", "ok"))
    note = np.where(suppressed, f"{COUNTED_BY_POSTCODE} from your file; suppressed: fewer than {threshold}",
                    np.where(missing, f"{COUNTED_BY_POSTCODE} from your file; no resident population held for this "
                                      "area, so no rate", f"{COUNTED_BY_POSTCODE} from your file"))
    value = table["rate_per_1000"] if rate else table["count"]
    return pd.DataFrame({
        "indicator_id": indicator_id,
        "area_code": table["area_code"].to_numpy(),
        "level": level,
        "vintage": vintage,
        "period": period,
        "sex": "persons",
        "value": np.where(status == "ok", value.to_numpy(dtype="float64"), np.nan),
        "lower_ci": np.where(status == "ok", table["lower_ci_95"], np.nan) if rate else np.nan,
        "upper_ci": np.where(status == "ok", table["upper_ci_95"], np.nan) if rate else np.nan,
        "count": table["count"].to_numpy(dtype="float64"),
        "denominator": table["population"].to_numpy(dtype="float64"),
        "status": status,
        "note": note,
    }, columns=list(INDICATOR_COLUMNS))
