"""An uploaded column as a map layer: its percentage scale, its unit, its indicator and a preview.

:func:`percent_scale` says whether a column of percentages is already on a 0-100 scale
(18.9 is 18.9%) or cannot tell (every value between 0 and 1: 0.189 may be 18.9% or
0.189%), so the page asks only when the data cannot tell; :func:`unit_for` turns the
answer into the unit the map formats with (:func:`geo.classify.display_unit`), so a
0-100 column is never multiplied by 100. :func:`preview` writes the first rows as the
map will (area name and value, in the map's format) and counts the map's areas with no
value with :func:`geo.areas.without_value`, the count the join check and legend give.
:func:`layer` builds the session-only :class:`~geo.catalogue.Indicator` for one column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from geo.areas import without_value
from geo.catalogue import Indicator, Polarity, Source
from geo.classify import NumberFormat, classify, number_format
from geo.crosswalk import Mapped
from geo.errors import AtlasError
from geo.schema import INDICATOR_COLUMNS
from geo.shared import SessionOwned

__all__ = ["GROUP", "PERCENT_UNITS", "Preview", "Scale", "ScaleReading", "UploadedIndicator", "layer", "percent_scale",
           "preview", "unit_for"]

#: The picker's group for uploaded columns.
GROUP = "Your data"
#: A percentage column's scale: "0-100" (18.9 means 18.9%) or "0-1" (0.189 means 18.9%).
Scale = Literal["0-100", "0-1"]
#: The unit a percentage column is drawn with, by scale: "%" is shown as it is, "(0-1)" times 100.
PERCENT_UNITS: Mapping[str, str] = {"0-100": "%", "0-1": "proportion (0-1)"}


@dataclass(frozen=True)
class UploadedIndicator(Indicator, SessionOwned):
    """An indicator made from one uploaded column: it belongs to the session that uploaded it.

    Shared caches refuse it (:mod:`geo.shared`), and so anything holding it.
    """


@dataclass(frozen=True)
class ScaleReading:
    """What a column's values say about their percentage scale.

    ``scale`` is ``None`` when they cannot tell (every value between 0 and 1);
    ``example`` is one of the column's values, to ask about; ``reason`` says why, in words.
    """

    scale: Scale | None
    reason: str
    example: float | None = None


@dataclass(frozen=True)
class Preview:
    """The first rows as the map draws them, and how many of the map's areas will have a value.

    ``rows``: (area name, value as the map writes it) for up to three areas with a value.
    ``without_value``: the map's areas drawn as "No data" (:func:`geo.areas.without_value`).
    """

    rows: tuple[tuple[str, str], ...]
    areas: int
    without_value: int


def percent_scale(values: pd.Series, *, signed: bool = False) -> ScaleReading:
    """The scale of a column of percentages: 0-100 when any value is above 1 (or the file writes "%"), else unknown.

    >>> percent_scale(pd.Series([18.9, 22.4])).scale
    '0-100'
    >>> percent_scale(pd.Series([0.189, 0.224])).scale is None
    True
    """
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    v = v[np.isfinite(v)]
    if signed:
        return ScaleReading("0-100", "your file writes them with % signs, so 18.9% is drawn as 18.9%")
    if v.empty:
        return ScaleReading("0-100", "the column has no values to tell by; read as percentages (0-100)")
    top = float(v.abs().max())
    example = float(v[v.abs() == top].iloc[0])
    if top > 100:
        return ScaleReading("0-100", f"values go up to {example:,.6g}, above 100: check they are percentages; "
                            "they are drawn as they are", example)
    if top > 1:
        return ScaleReading("0-100", f"values go up to {example:,.6g}, so they are already percentages (0-100) and "
                            "are drawn as they are", example)
    shown = float(v[v != 0].iloc[0]) if bool((v != 0).any()) else 0.0
    return ScaleReading(None, f"every value is between 0 and 1 (e.g. {shown:.6g})", shown)


def unit_for(value_type: str, scale: Scale | None) -> str:
    """The unit a column is drawn with: "%" (0-100) or "proportion (0-1)" for a percentage, else none."""
    if value_type != "proportion":
        return ""
    return PERCENT_UNITS[scale or "0-100"]


def map_format(values: pd.Series, *, value_type: str, unit: str, method: str = "quantiles") -> NumberFormat:
    """How the map writes these values in its legend and tooltips (:mod:`layers.choropleth`), for ``method``."""
    fmt = number_format(values, value_type=value_type, unit=unit)
    if method in ("england", "decile_values") or value_type == "decile":
        return fmt
    try:
        classes = classify(values, method=method, value_type=value_type, unit=unit)
    except (AtlasError, ValueError):
        return fmt
    return replace(classes.fmt, unit=fmt.unit if classes.fmt.scale == fmt.scale else unit)


def preview(
    mapped: Mapped,
    column: str,
    *,
    names: Mapping[str, str],
    value_type: str,
    unit: str,
    method: str = "quantiles",
    n: int = 3,
) -> Preview:
    """The first ``n`` areas with a value, written as the map writes them, and the map's areas with no value.

    ``names`` is ``{area_code: area_name}`` of the map's boundaries (every area it draws).
    """
    mine = mapped.values[mapped.values["column"] == column]
    ok = mine[(mine["status"] == "ok") & mine["value"].notna()]
    fmt = map_format(ok["value"], value_type=value_type, unit=unit, method=method)
    rows = []
    for code, value, low, high in ok[["area_code", "value", "lower_ci", "upper_ci"]].head(n).itertuples(index=False):
        text = fmt.value(value)
        if pd.notna(low) and pd.notna(high):
            text += f" (95% CI {fmt.number(low)} to {fmt.number(high)})"
        rows.append((str(names.get(code, code)), text))
    drawn = pd.DataFrame({"area_code": list(names)}).merge(mine[["area_code", "value", "status"]], on="area_code",
                                                            how="left")
    return Preview(tuple(rows), len(drawn), int(without_value(drawn["status"], drawn["value"]).sum()))


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
    indicator = UploadedIndicator(
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
