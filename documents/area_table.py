"""The map's table of areas: the on-page alternative to the map, and the map's Table (CSV).

Both come from :meth:`documents.figures.MapFigures.table`, the one table behind every
export, so the page, the CSV and the export files give one answer: the same values,
95% and 99.8% limits, interval method, class and comparison with England.

:func:`area_rows` writes each area as the map does (the value as its tooltip writes it,
the class as its legend names it, missing and suppressed in words); :func:`sorted_rows`
orders them (missing and suppressed last, whatever the order); :func:`table_html` is an
HTML ``<table>`` with a caption, column headers and every text escaped. :func:`table_csv`
is the Table (CSV).

Examples
--------
>>> sort_label("worst", polarity="lower_is_better")
'Worst first (highest value first)'
>>> check_sort("<b>", polarity="none")[0]
'name'
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from documents.figures import MapFigures, value_note
from geo import derived
from geo.classify import NumberFormat
from geo.comparison import PHRASES
from geo.schema import AREA_LABELS
from geo.tables import csv_text
from layers.choropleth import area_value_text, interval_text, tooltip_format
from layers.style import STATUS_LABELS

__all__ = ["CSV_NOTE", "DEFAULT_SORT", "SHOWN", "SORTS", "AreaRows", "area_rows", "check_sort", "sort_label",
           "sorted_rows", "sorts_for", "table_csv", "table_html"]

#: Each order the table can be sorted in (the URL's ``sort=``), in the order they are offered.
SORTS: Final[tuple[str, ...]] = ("name", "high", "low", "worst", "class")
DEFAULT_SORT: Final = "name"
#: The most rows drawn on the page (the LSOA map has 33,000+); the Table (CSV) has every row.
SHOWN: Final = 500
#: The Table (CSV)'s line on the columns the export table adds to the atlas's tidy columns.
CSV_NOTE: Final = (
    "ci_method: where each row's interval comes from (published by the source, or computed by the atlas from the "
    "count and denominator by OHID's method, named) or, as 'no interval: ...', why there is none; lower_ci_99_8 and "
    "upper_ci_99_8 are the 99.8% limits; compared_with_england (95%) and compared_with_england_99_8 follow "
    "OHID Fingertips' rule, and compared_by says who tested"
)
_NOT_COMPARED: Final = {"no interval": "no confidence interval is held", "no England value":
                        "England's value is not held", "missing": "no value", "not compared": "no confidence interval"}
_SORT_WORDS: Final = {"name": "Area name, A to Z", "high": "Value, highest first", "low": "Value, lowest first",
                      "class": "Class, in the legend's order"}


def sorts_for(polarity: str) -> tuple[str, ...]:
    """The orders offered for an indicator: "worst" only where higher or lower is better."""
    return tuple(s for s in SORTS if s != "worst" or polarity in ("higher_is_better", "lower_is_better"))


def sort_label(sort: str, *, polarity: str) -> str:
    """The order in words, e.g. "Worst first (lowest value first)"."""
    if sort == "worst":
        return f"Worst first ({'lowest' if polarity == 'higher_is_better' else 'highest'} value first)"
    return _SORT_WORDS[sort]


def check_sort(given: str | None, *, polarity: str) -> tuple[str, str]:
    """The order to use for the URL's ``sort=`` value, and a note when it cannot be used ("" if it can)."""
    if given is None or given == "":
        return DEFAULT_SORT, ""
    offered = sorts_for(polarity)
    if given in offered:
        return given, ""
    shown = given if len(given) <= 40 else given[:37] + "..."
    if given == "worst":
        return DEFAULT_SORT, ("The link asks for the table of areas sorted worst first, but this indicator has no "
                              "better or worse (higher is neither); it is sorted by area name.")
    return DEFAULT_SORT, (f"The link's sort={shown!r} is not an order the table of areas offers (expected one of "
                          f"{', '.join(offered)}); it is sorted by area name.")


@dataclass(frozen=True, eq=False)
class AreaRows:
    """The map's areas as the table shows them (``rows``: text columns, then the keys it sorts by)."""

    rows: pd.DataFrame
    #: What the table is, e.g. "Life expectancy at birth, female, 2023-25; Local authority districts (2023 ...)".
    title: str
    #: "Value" heading, e.g. "Life expectancy at birth, 2023-25".
    value_heading: str
    #: "Class on the map" or "Compared with England on the map".
    class_heading: str
    polarity: str
    #: One area of the map's level in words ("local authority district").
    area_word: str


def _ci_text(lo: float, hi: float, method: str, *, fmt: NumberFormat) -> str:
    """ "79.1 to 80.3, as published", "no interval: <why>": the limits and method as the map's tooltip says them."""
    return interval_text(lo, hi, method, fmt=fmt) or method or "no interval"


def _compared_text(verdict: str, basis: str) -> str:
    if verdict in _NOT_COMPARED:
        return f"Not compared: {_NOT_COMPARED[verdict]}"
    text = PHRASES.get(verdict, verdict)
    text = text[:1].upper() + text[1:]
    return f"{text} ({basis})" if basis and "interval" not in basis else text


def area_rows(figures: MapFigures, table: pd.DataFrame | None = None) -> AreaRows:
    """Every area of ``figures`` as the table shows it; ``table`` is ``figures.table()`` when already made."""
    table = figures.table() if table is None else table
    indicator = figures.indicator
    status = table["status"].astype("str").to_numpy()
    value = pd.to_numeric(table["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    value = np.where(status == "ok", value, np.nan)
    lo = pd.to_numeric(table["lower_ci"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    hi = pd.to_numeric(table["upper_ci"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    fmt = tooltip_format(pd.Series(value), value_type=indicator.value_type, unit=indicator.unit,
                         classification=figures.classification)
    decile = indicator.value_type == "decile"
    by_class = figures.classification is None
    order = ([c for c, _ in figures.scheme.categories] if by_class
             else list(figures.classification.labels))  # type: ignore[union-attr]
    rank = {key: i for i, key in enumerate(order)}
    classes, class_rank = [], []
    for key, row_status in zip(table["class"].tolist(), status, strict=True):
        known = row_status == "ok" and isinstance(key, str) and key in rank
        if row_status != "ok":
            classes.append(STATUS_LABELS.get(row_status, row_status))
        elif not known or key == "missing":
            classes.append(STATUS_LABELS["missing"])
        else:
            classes.append(figures.scheme.label(key) if by_class else key)
        class_rank.append(rank[key] if known and key != "missing" else np.nan)
    notes = [value_note(s, n) or "No note" for s, n in zip(status, table["note"].tolist(), strict=True)]
    rows = pd.DataFrame({
        "area_name": table["area_name"].astype("str").to_numpy(),
        "area_code": table["area_code"].astype("str").to_numpy(),
        "value_text": [area_value_text(v, status=s, fmt=fmt, decile=decile) for v, s in zip(value, status, strict=True)],
        "ci_text": [_ci_text(a, b, str(m), fmt=fmt) for a, b, m in zip(lo, hi, table["ci_method"], strict=True)],
        "class_text": classes,
        "compared_text": [_compared_text(str(v), str(b)) for v, b in
                          zip(table["compared_with_england"], table["compared_by"], strict=True)],
        "note_text": notes,
        "value": value,
        "class_rank": np.asarray(class_rank, dtype="float64"),
    })
    view = figures.view
    return AreaRows(rows=rows, title=figures.title, value_heading=f"{indicator.label}, {view.period}",
                    class_heading=_class_heading(figures) if by_class else "Class on the map",
                    polarity=indicator.polarity, area_word=AREA_LABELS.get(view.level, "area"))


def _class_heading(figures: MapFigures) -> str:
    """ "Compared with England on the map", naming the level when it is not 95% ("... at 99.8% on the map")."""
    level = figures.scheme.level
    return "Compared with England on the map" if level == 95.0 else f"Compared with England at {level:g}% on the map"


def sorted_rows(rows: AreaRows, sort: str) -> pd.DataFrame:
    """``rows.rows`` in the order ``sort`` (one of :data:`SORTS`); areas without a value come last, by name."""
    frame = rows.rows.assign(_name=rows.rows["area_name"].str.casefold())
    if sort == "worst":
        sort = "low" if rows.polarity == "higher_is_better" else "high"
    if sort == "name":
        return frame.sort_values(["_name", "area_code"], kind="stable").drop(columns="_name")
    by = "class_rank" if sort == "class" else "value"
    # NaN (no value, suppressed, not classed) goes last in either direction.
    return frame.sort_values([by, "_name", "area_code"], ascending=[sort != "high", True, True], na_position="last",
                             kind="stable").drop(columns="_name")


#: Each column: the rows' column, its heading ("" = named from the indicator) and its width in em.
_COLUMNS: Final = (("area_name", "Area", 10.0), ("area_code", "Code", 6.5), ("value_text", "", 7.5),
                   ("ci_text", "95% confidence interval", 10.0), ("class_text", "", 9.0),
                   ("compared_text", "Compared with England (95%)", 10.0), ("note_text", "Status and note", 10.0))
#: The table keeps its columns' widths and scrolls sideways in a narrow column; the caption and the area's
#: name stay in view while it does, and the headings while it scrolls down.
_STYLE: Final = (
    "<style>.hga-area-table-wrap{max-height:60vh;overflow:auto;border:1px solid #ccc;margin:.3rem 0;"
    "container-type:inline-size}.hga-area-table-wrap:focus{outline:3px solid #1a1a1a;outline-offset:2px}"
    ".hga-area-table{border-collapse:separate;border-spacing:0;table-layout:fixed;font-size:.8rem;color:#1a1a1a;"
    "background:#fff}.hga-area-table caption{position:sticky;left:0;box-sizing:border-box;max-width:100cqi;"
    "text-align:left;font-weight:600;padding:.3rem .4rem;caption-side:top;background:#fff}"
    ".hga-area-table th,.hga-area-table td{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;"
    "vertical-align:top;overflow-wrap:break-word}.hga-area-table thead th{position:sticky;top:0;"
    "background:#f0f2f6;z-index:2}.hga-area-table thead th:first-child{left:0;z-index:3}"
    ".hga-area-table tbody th{position:sticky;left:0;background:#fff;font-weight:600;z-index:1}</style>"
)


def _headings(rows: AreaRows) -> list[tuple[str, str]]:
    named = {"value_text": rows.value_heading, "class_text": rows.class_heading}
    return [(column, heading or named[column]) for column, heading, _width in _COLUMNS]


def _aria_sort(column: str, sort: str, polarity: str) -> str:
    """The column header's ``aria-sort`` attribute when the table is sorted by it ("" when not)."""
    worst = "ascending" if polarity == "higher_is_better" else "descending"
    by = {("area_name", "name"): "ascending", ("value_text", "high"): "descending", ("value_text", "low"): "ascending",
          ("value_text", "worst"): worst, ("class_text", "class"): "other"}.get((column, sort))
    return f' aria-sort="{by}"' if by else ""


def _plural(word: str) -> str:
    """ "local authority districts", "upper-tier local authorities", "small areas (LSOAs)".

    >>> [_plural(w) for w in ("upper-tier local authority", "region", "small area (LSOA)")]
    ['upper-tier local authorities', 'regions', 'small areas (LSOAs)']
    """
    head, _, rest = word.partition(" (")
    one = f"{head[:-1]}ies" if head.endswith("y") and head[-2:-1] not in "aeiou" else f"{head}s"
    return f"{one} ({rest[:-1]}s)" if rest.endswith(")") else one


def table_html(rows: AreaRows, *, sort: str, limit: int = SHOWN, scope: str = "") -> str:
    """The table as HTML: a caption, column headers, one row per area in ``sort`` order (the first ``limit``).

    ``scope`` is said after the title (e.g. which layer of a drilled map is listed). Every text is escaped.
    """
    e = html.escape
    ordered = sorted_rows(rows, sort)
    total = len(ordered)
    shown = ordered.iloc[:limit]
    order = sort_label(sort, polarity=rows.polarity)
    caption = f"{rows.title}. {total:,} {rows.area_word if total == 1 else _plural(rows.area_word)}, sorted by "
    caption += f"{order[:1].lower()}{order[1:]}."
    if scope:
        caption += f" {scope}"
    if total > len(shown):
        caption += f" Showing the first {len(shown):,} of {total:,} in this order; the Table (CSV) has every row."
    headings = "".join(f'<th scope="col"{_aria_sort(column, sort, rows.polarity)}>{e(heading)}</th>'
                       for column, heading in _headings(rows))
    body = "".join(
        "<tr>" + f'<th scope="row">{e(r[0])}</th>' + "".join(f"<td>{e(str(c))}</td>" for c in r[1:]) + "</tr>"
        for r in shown[[c for c, _, _ in _COLUMNS]].itertuples(index=False, name=None)
    )
    widths = "".join(f'<col style="width:{width}em">' for _, _, width in _COLUMNS)
    total_width = sum(width for _, _, width in _COLUMNS)
    return (f'{_STYLE}<div class="hga-area-table-wrap" role="region" tabindex="0" aria-labelledby="hga-area-table-caption">'
            f'<table class="hga-area-table" style="width:{total_width}em"><caption id="hga-area-table-caption">'
            f'{e(caption)}</caption><colgroup>{widths}</colgroup><thead><tr>{headings}</tr></thead><tbody>{body}</tbody></table></div>')


def table_csv(figures: MapFigures, table: pd.DataFrame | None = None) -> str:
    """The map's Table (CSV): what it is, where its intervals come from, then every area of ``figures.table()``."""
    table = figures.table() if table is None else table
    compared = []
    if figures.classification is None and figures.scheme.kind == "comparison":  # which comparison colours the map
        level = figures.scheme.level
        column = "compared_with_england" if level == 95.0 else "compared_with_england_99_8"
        compared = [f"class: the map's comparison with England at {level:g}% confidence (as {column})"]
    return csv_text(table, header=[figures.title, *derived.table_notes(table), CSV_NOTE, *compared],
                    attribution=figures.attribution)
