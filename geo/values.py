"""An indicator's values on one code set, and a group's figure from them.

:func:`values_on` gives one value per area of a ``(level, vintage)`` code set,
carrying each vintage held through the ONS code-change lookups
(:func:`geo.codes.reconcile`): a kept or recoded area keeps its value; a merged or
split area gets none, because its parts' values cannot be combined or divided. The
atlas's approximations for counties and regions (:mod:`geo.derived`) are left out.
:func:`population_weights` and :func:`group_value` make a group's figure the
population-weighted mean of its areas' values where every area has a population.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from geo import codes, derived, indicators
from geo._paths import DATA_DIR
from geo.catalogue import get
from geo.errors import DataUnavailableError
from geo.periods import period_year
from geo.schema import vintages
from geo.series import GapIndicator

__all__ = ["group_value", "population_weights", "values_for", "values_on"]

_KEEP = ("same", "recode")  # a merged area's value is not its parts' value


def values_on(
    indicator_id: str,
    *,
    period: str,
    sex: str,
    level: str,
    vintage: str,
    data_dir: Path = DATA_DIR,
) -> tuple[pd.Series, tuple[str, ...]]:
    """One value per area of ``(level, vintage)``, taking each vintage held through the lookups.

    A row of the target vintage wins; otherwise the value of an area that was kept or
    only recoded on the way. Merged areas get no value (their parts' values cannot be
    combined) and split ones none either. Suppressed and missing rows stay NaN.
    Returns the values (index ``area_code``) and notes on what could not be mapped.
    """
    rows = indicators.load(indicator_id, level=level, period=period, sex=sex, data_dir=data_dir)
    # Published values only: an upper tier's or region's approximation (geo.derived) is not its figure.
    published = (rows["status"] == "ok") & ~derived.is_approximate(rows["note"])
    rows = rows.assign(value=pd.to_numeric(rows["value"], errors="coerce").where(published))
    held = sorted(rows["vintage"].unique(), key=lambda v: (v != vintage, abs(int(v) - int(vintage))))
    out: dict[str, float] = {}
    notes: list[str] = []
    for source in held:
        part = rows[rows["vintage"] == source]
        if source == vintage:
            for code, value in zip(part["area_code"], part["value"], strict=True):
                out.setdefault(str(code), float(value))
            continue
        if level not in ("lad", "utla"):
            continue
        rec = codes.reconcile(part["area_code"], source=source, target=vintage, level=level, data_dir=data_dir)
        kept = rec.mapped[rec.mapped["relation"].isin(_KEEP)]
        by_code = dict(zip(part["area_code"].astype("str"), part["value"], strict=True))
        for src, tgt in zip(kept["source_code"], kept["target_code"], strict=True):
            out.setdefault(tgt, float(by_code[src]))
        merged = rec.mapped[~rec.mapped["relation"].isin(_KEEP)]
        lost = sorted(set(merged["target_code"]) - set(out))
        if lost or len(rec.unmatched):
            notes.append(
                f"{get(indicator_id, data_dir=data_dir).label} ({sex}, {period}) is held on {source} codes: "
                f"{len(kept)} areas carried to {vintage} codes; {len(merged) + len(rec.unmatched)} were merged "
                "or split on the way, and a merged or split area's value cannot be combined or divided."
            )
    area_set = codes.area_names(level, vintage, data_dir=data_dir)
    series = pd.Series({c: out.get(c, math.nan) for c in area_set}, name=indicator_id, dtype="float64")
    series.index.name = "area_code"
    return series, tuple(notes)


def values_for(
    indicator: GapIndicator, *, period: str, vintage: str, data_dir: Path = DATA_DIR
) -> tuple[pd.Series, tuple[str, ...]]:
    """One value per area for ``vintage`` LA codes (upper-tier codes where the record is upper-tier only).

    An upper-tier series is read on the upper-tier code set nearest ``vintage``; a
    unitary, metropolitan or London borough has the same code in both sets, so
    ``.reindex(la_codes)`` finds its value and leaves two-tier districts empty.
    """
    if indicator.level == "lad":
        return values_on(indicator.indicator_id, period=period, sex=indicator.sex, level="lad", vintage=vintage,
                         data_dir=data_dir)
    upper = min(vintages(indicator.level), key=lambda v: (abs(int(v) - int(vintage)), -int(v)))
    return values_on(indicator.indicator_id, period=period, sex=indicator.sex, level=indicator.level,
                     vintage=upper, data_dir=data_dir)


def group_value(values: pd.Series, weights: pd.Series | None = None) -> tuple[float, int, bool]:
    """The group's figure: (value, areas used, weighted?).

    Areas without a value are left out. Weighted by ``weights`` when every area
    used has one; otherwise the plain mean (never a partly weighted mix).
    """
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return math.nan, 0, False
    if weights is not None:
        w = pd.to_numeric(weights, errors="coerce").reindex(v.index)
        if w.notna().all() and float(w.sum()) > 0:
            return float(np.average(v, weights=w)), len(v), True
    return float(v.mean()), len(v), False


def population_weights(
    *, vintage: str, near_year: float, data_dir: Path = DATA_DIR
) -> tuple[pd.Series | None, str]:
    """All-age populations on ``vintage`` codes from the year held nearest ``near_year``.

    Returns the weights (or ``None``) and the year used, in words.
    """
    try:
        combos = indicators.periods("pop_total", level="lad", data_dir=data_dir)
    except DataUnavailableError:
        return None, "no population held"
    years = sorted(set(combos["period"]), key=lambda p: (abs(period_year(p) - near_year), p))
    if not years:
        return None, "no population held"
    weights, _ = values_on("pop_total", period=years[0], sex="persons", level="lad", vintage=vintage,
                           data_dir=data_dir)
    return weights, f"mid-{years[0]}"
