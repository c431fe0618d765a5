"""Every table the atlas writes for people to open: CSV (with its ``# `` header) and GeoJSON.

One writer, so every download and every command's output is safe to open in a
spreadsheet: a text cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) gets a leading apostrophe, the OWASP advice for CSV injection; numbers
are untouched. That covers cells, column names, the ``# `` header lines (which a
spreadsheet splits at commas too) and the string properties of GeoJSON features.

Every analysis command (``python -m geo spearhead``, ``gap``, ``lag``, ``gradient``) and
every page's download goes through :func:`csv_text` (or :func:`write_csv`), so the
indicators, periods and rules travel with the numbers, and so do the source and licence:
every CSV's header ends with :func:`attribution_lines` (the catalogue's attribution, one
sentence a line, then the licence's address).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError
from geo.postcodes import ATTRIBUTION as POSTCODE_ATTRIBUTION

__all__ = ["COUNTED_BY_POSTCODE", "LICENCE", "attribution_lines", "csv_text", "geojson_text", "safe_cell", "safe_table",
           "write_csv"]

#: The licence line every CSV ends its header with: most of what the atlas holds is under the OGL.
LICENCE: Final = ("Licence: Open Government Licence v3.0 (https://www.nationalarchives.gov.uk/doc/"
                  "open-government-licence/version/3/) except where a line above names another")

#: How the note of a row counted from a user's postcodes starts (:mod:`geo.postcode_uploads`): a table holding
#: one carries the OS, Royal Mail and ONS postcode attribution in its header too.
COUNTED_BY_POSTCODE: Final = "Counted by postcode"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")


def safe_cell(cell: Any) -> Any:
    """``cell``, with an apostrophe before text a spreadsheet would run as a formula.

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://evil.example/s","Open site")')
    '\\'=HYPERLINK("http://evil.example/s","Open site")'
    >>> safe_cell("-3.5"), safe_cell(-3.5), safe_cell("Hull")
    ('-3.5', -3.5, 'Hull')
    """
    if isinstance(cell, str) and cell.lstrip(" ").startswith(_FORMULA_START) and not _NUMBER.match(cell.strip()):
        return "'" + cell
    return cell


def safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_string_dtype(series) or series.dtype == object:
            out[column] = series.map(safe_cell).astype(series.dtype)
    return out.rename(columns={c: safe_cell(c) for c in out.columns if isinstance(c, str)})


def _safe_header(line: str) -> str:
    # A spreadsheet splits the line at commas: each piece is a cell of its own. A double quote
    # would open a quoted cell that runs into the table, so it becomes a single one.
    pieces = str(line).replace('"', "'").replace("\r", " ").replace("\n", " ").split(",")
    return ",".join(safe_cell(p) for p in pieces)


@shared.cached(max_entries=2)
def _catalogue_attribution(data_dir: Path) -> str:
    try:
        return str(json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))["attribution"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataUnavailableError(
            f"Expected the data's source and licence in {data_dir / 'catalogue.json'} (its \"attribution\"); could not "
            f"read it ({type(exc).__name__}). Rebuild the data with `python -m geo build`.") from None


def attribution_lines(attribution: str | None = None) -> list[str]:
    """The source and licence lines every CSV's header ends with.

    ``attribution`` (default: the catalogue's, ``data/catalogue.json``) one sentence a
    line, then :data:`LICENCE`.

    Examples
    --------
    >>> attribution_lines("Source: ONS licensed under the OGL v.3.0. Contains OS data © Crown copyright 2025.")[:2]
    ['Source: ONS licensed under the OGL v.3.0.', 'Contains OS data © Crown copyright 2025.']
    """
    text = _catalogue_attribution(DATA_DIR) if attribution is None else attribution
    sentences = [s.strip() for s in re.split(r"(?<=\.)\s+(?=[A-Z(])", text.strip()) if s.strip()]
    return [*sentences, LICENCE]


def csv_text(table: pd.DataFrame, *, header: Sequence[str] = (), attribution: str | None = None) -> str:
    """CSV text of ``table`` (booleans as true/false), after a ``# ``-comment header block.

    The header is ``header``'s lines, the postcode attribution if a row's ``note`` starts
    :data:`COUNTED_BY_POSTCODE`, then :func:`attribution_lines` of ``attribution`` (default:
    the catalogue's), each once.

    Examples
    --------
    >>> print(csv_text(pd.DataFrame({"name": ["=1+1"], "ok": [True]}), header=["Rule: a, =b"],
    ...                attribution="Source: ONS."), end="")  # doctest: +ELLIPSIS
    # Rule: a,' =b
    # Source: ONS.
    # Licence: Open Government Licence v3.0 (https://...) except where a line above names another
    name,ok
    '=1+1,true
    """
    out = safe_table(table)
    for column in out.columns:
        if out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].map({True: "true", False: "false"})
    given = [str(line) for line in header]
    if "note" in table.columns and table["note"].astype("string").str.startswith(COUNTED_BY_POSTCODE).any():
        given += [line for line in attribution_lines(POSTCODE_ATTRIBUTION)[:-1] if line not in given]
    lines = [*given, *(line for line in attribution_lines(attribution) if line not in given)]
    return "".join(f"# {_safe_header(line)}\n" for line in lines) + str(out.to_csv(index=False, lineterminator="\n"))


def write_csv(table: pd.DataFrame, header: Sequence[str], path: Path) -> Path:
    """Write :func:`csv_text` of ``table`` and ``header`` (then the source and licence) to ``path``."""
    path.write_text(csv_text(table, header=header), encoding="utf-8")
    return path


def _safe_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {safe_cell(k) if isinstance(k, str) else k: _safe_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe_json(v) for v in value]
    return safe_cell(value)


def geojson_text(collection: dict[str, Any]) -> str:
    """GeoJSON text of a feature collection, every string property made safe as :func:`safe_cell` does.

    Geometry is left exactly as it is (coordinates are numbers).
    """
    out = {k: (v if k == "features" else _safe_json(v)) for k, v in collection.items()}
    out["features"] = [
        {**feature, "properties": _safe_json(feature.get("properties") or {})}
        for feature in collection.get("features", [])
    ]
    return json.dumps(out, ensure_ascii=False)
