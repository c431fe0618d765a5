"""A Fingertips-shaped CSV of one map, so code written for OHID's Fingertips data runs on it.

The columns are those of :data:`COLUMNS`, in that order: the names and meanings of the
Fingertips data downloads as fingertipsR users meet them (``IndicatorID``, ``AreaCode``,
``Timeperiod``, ``LowerCI95.0limit`` ...). Read it with ``comment = "#"`` (R's
``read.csv(..., comment.char = "#")``, pandas' ``read_csv(..., comment="#")``): the
``#`` header says what each column holds here, where it differs from Fingertips, and
the data's source and licence (:func:`geo.tables.csv_text`).

- ``IndicatorID``: the Fingertips indicator id where the atlas's indicator is one
  (:data:`geo.fingertips.SERIES`, or "Fingertips indicator N" in the catalogue's
  source); empty otherwise, and the header says so.
- ``AreaType``: the Fingertips area type of the boundary set where Fingertips publishes
  on it (:data:`geo.fingertips.AREA_TYPES`), else the atlas's name for the set.
- ``Timeperiod``: Fingertips' form of the period ("2023 - 25").
- ``LowerCI95.0limit`` ...: the published 95% limits; 99.8% (and 95% where none is
  published) only where computed from the count and denominator
  (:meth:`documents.figures.MapFigures.table`), else empty.
- ``Compared to England value or percentiles``: Better, Similar, Worse (Higher, Lower
  with no polarity) at 95% by :func:`geo.comparison.compare`, else "Not compared".

England's row comes first when held, as in Fingertips' downloads.
"""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

from documents.figures import MapFigures, value_note, with_intervals
from geo.catalogue import Indicator
from geo.fingertips import AREA_TYPES, SERIES
from geo.schema import ENGLAND_CODE, LEVEL_LABELS
from geo.tables import csv_text

__all__ = ["COLUMNS", "area_type", "fingertips_csv", "fingertips_id", "fingertips_table", "timeperiod"]

#: The columns, in order (the Fingertips download's names as fingertipsR users meet them).
COLUMNS: Final[tuple[str, ...]] = (
    "IndicatorID", "IndicatorName", "AreaCode", "AreaName", "AreaType", "Sex", "Age", "Timeperiod", "Value",
    "LowerCI95.0limit", "UpperCI95.0limit", "LowerCI99.8limit", "UpperCI99.8limit", "Count", "Denominator",
    "Value note", "Compared to England value or percentiles",
)
#: The comparison's words in Fingertips' downloads.
_COMPARED: Final = {"better": "Better", "similar": "Similar", "worse": "Worse", "higher": "Higher", "lower": "Lower"}
_NOT_COMPARED: Final = "Not compared"
_SEX: Final = {"male": "Male", "female": "Female", "persons": "Persons"}
_IN_SOURCE: Final = re.compile(r"Fingertips[^.;]*?indicator (\d{4,6})|indicator (\d{4,6})\)", re.IGNORECASE)


def fingertips_id(indicator: Indicator) -> int | None:
    """The Fingertips indicator id of an atlas indicator, or ``None`` when it is not one of Fingertips'.

    Examples
    --------
    >>> from geo.catalogue import Indicator, Source
    >>> fingertips_id(Indicator("le_birth", "Life expectancy", "", "years", "higher_is_better", "", Source("ONS", "", "")))
    90366
    """
    for series in SERIES:
        if series.indicator_id == indicator.indicator_id:
            return series.fingertips_id
    source = indicator.source
    if "fingertips" not in f"{source.publisher} {source.dataset}".lower():
        return None
    found = _IN_SOURCE.search(f"{source.publisher} {source.dataset}")
    return int(found.group(1) or found.group(2)) if found else None


def area_type(level: str, vintage: str) -> str:
    """Fingertips' name for a boundary set where it publishes on it, else the atlas's ("Regions (2019 boundaries)")."""
    for known in AREA_TYPES:
        if (known.level, known.vintage) == (level, vintage):
            return known.name
    return f"{LEVEL_LABELS.get(level, level)} ({vintage} boundaries)"


def timeperiod(period: str) -> str:
    """Fingertips' form of a period: "2023-25" -> "2023 - 25"; a single year or "2019/20" as it is."""
    return re.sub(r"^(\d{4})-(\d{2,4})$", r"\1 - \2", period.strip())


def _compared(verdict: str) -> str:
    return _COMPARED.get(verdict, _NOT_COMPARED)


def _england(figures: MapFigures) -> pd.DataFrame:
    """England's row in the table's columns (none when England's value is not held)."""
    row = figures.england_row
    if row is None or figures.england is None:
        return pd.DataFrame()
    one = pd.DataFrame([{
        "area_code": ENGLAND_CODE, "area_name": "England", "value": figures.england,
        "lower_ci": row.get("lower_ci"), "upper_ci": row.get("upper_ci"), "count": row.get("count"),
        "denominator": row.get("denominator"), "status": "ok", "note": row.get("note"),
    }])
    limits = with_intervals(one, value_type=figures.indicator.value_type)
    return one.drop(columns=["lower_ci", "upper_ci"]).join(limits).assign(compared_with_england="not compared")


def fingertips_table(figures: MapFigures) -> pd.DataFrame:
    """The map's areas (England first, when held) in :data:`COLUMNS`."""
    areas = figures.table()
    rows = pd.concat([_england(figures), areas], ignore_index=True) if figures.england is not None else areas
    ft_id = fingertips_id(figures.indicator)
    is_england = rows["area_code"] == ENGLAND_CODE
    view = figures.view
    out = pd.DataFrame({
        "IndicatorID": pd.array([ft_id] * len(rows), dtype="Int64"),
        "IndicatorName": figures.indicator.title,
        "AreaCode": rows["area_code"],
        "AreaName": rows["area_name"],
        "AreaType": [("England" if e else area_type(view.level, view.vintage)) for e in is_england],
        "Sex": _SEX.get(view.sex, view.sex),
        "Age": "",
        "Timeperiod": timeperiod(view.period),
        "Value": pd.to_numeric(rows["value"], errors="coerce").where(rows["status"] == "ok"),
        "LowerCI95.0limit": rows["lower_ci"],
        "UpperCI95.0limit": rows["upper_ci"],
        "LowerCI99.8limit": rows["lower_ci_99_8"],
        "UpperCI99.8limit": rows["upper_ci_99_8"],
        "Count": rows["count"],
        "Denominator": rows["denominator"],
        "Value note": [value_note(str(s), n) for s, n in zip(rows["status"], rows["note"], strict=True)],
        "Compared to England value or percentiles": rows[_compared_column(figures)].map(_compared),
    })
    return out[list(COLUMNS)]


def _compared_column(figures: MapFigures) -> str:
    """The comparison the column carries: the map's level when the map is compared with England (else 95%)."""
    at_998 = figures.classification is None and figures.scheme.kind == "comparison" and figures.scheme.level == 99.8
    return "compared_with_england_99_8" if at_998 else "compared_with_england"


def _notes(figures: MapFigures, table: pd.DataFrame) -> list[str]:
    ind = figures.indicator
    ft_id = fingertips_id(ind)
    computed = table["LowerCI99.8limit"].notna().sum()
    at = "99.8%" if _compared_column(figures).endswith("99_8") else "95%"
    lines = [
        f"{figures.title} (atlas indicator {ind.indicator_id})",
        f"Source: {figures.source}",
        "Columns as in OHID Fingertips' data downloads (fingertipsR); read with comment '#'",
        (f"IndicatorID: Fingertips indicator {ft_id}; IndicatorName is the atlas's title for it" if ft_id is not None
         else f"IndicatorID: empty: {ind.label} is not a Fingertips indicator (atlas indicator {ind.indicator_id}); "
              "IndicatorName is the atlas's title"),
        "Age: empty: the atlas does not hold the age group; see the indicator's definition at its source",
        f"AreaType: {area_type(figures.view.level, figures.view.vintage)}; Timeperiod in Fingertips' form",
        ("LowerCI95.0limit and UpperCI95.0limit: as published by the source where it publishes them; "
         + (f"99.8% limits (and 95% where none is published) computed by the atlas for {computed} rows from Count and "
            "Denominator by OHID's method (Wilson score for proportions, Byar's method for crude rates)"
            if computed else "LowerCI99.8limit and UpperCI99.8limit are empty: no count and denominator held to "
            "compute them from")),
        "Count and Denominator: empty where the source publishes none",
        (f"Compared to England value or percentiles: at {at} confidence, as the map (Better, Similar, Worse; Higher, "
         f"Lower with no polarity) when the area's {at} interval excludes or includes England's value, or OHID's own "
         "published comparison where the value has no interval; Not compared where neither is held"),
        "Value: empty where suppressed (numbers too small to publish) or not held; Value note says which",
    ]
    if figures.england is None:
        lines.append(f"England: no value held for {figures.view.period}, so there is no England row and nothing is "
                     "compared")
    return lines


def fingertips_csv(figures: MapFigures) -> str:
    """The CSV text: the ``#`` notes, the source and licence, then :func:`fingertips_table`."""
    table = fingertips_table(figures)
    return csv_text(table, header=_notes(figures, table), attribution=figures.attribution)
