"""An indicator's values on one code set, and a group's figure from them.

:func:`values_on` gives one value per area of a ``(level, vintage)`` code set,
carrying each vintage held through the ONS code-change lookups
(:func:`geo.codes.reconcile`): a kept or recoded area keeps its value; a merged or
split area gets none, because its parts' values cannot be combined or divided. The
atlas's approximations for counties and regions (:mod:`geo.derived`) are left out.
:func:`estimates_on` carries each area's published 95% limits with its value, by the
same route (a merged area gets neither). :func:`population_weights` and
:func:`group_value` make a group's figure the population-weighted mean of its areas'
values where every area has a population; :func:`group_limits` gives that figure's 95%
and 99.8% limits from its areas' (:func:`geo.intervals.weighted_mean`), or says why
there are none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import codes, derived, indicators, intervals
from geo._paths import DATA_DIR
from geo.catalogue import get
from geo.errors import DataUnavailableError
from geo.periods import period_year
from geo.schema import vintages
from geo.series import GapIndicator

__all__ = [
    "GroupLimits",
    "estimates_for",
    "estimates_on",
    "group_limits",
    "group_value",
    "population_weights",
    "values_for",
    "values_on",
]

_KEEP = ("same", "recode")  # a merged area's value is not its parts' value
_COLUMNS = ("value", "lower_ci", "upper_ci")


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
    frame, notes = estimates_on(indicator_id, period=period, sex=sex, level=level, vintage=vintage,
                                data_dir=data_dir)
    return frame["value"].rename(indicator_id), notes


def estimates_on(
    indicator_id: str,
    *,
    period: str,
    sex: str,
    level: str,
    vintage: str,
    data_dir: Path = DATA_DIR,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Each area's value with its published 95% limits (``value``, ``lower_ci``, ``upper_ci``; index ``area_code``).

    The areas and values are :func:`values_on`'s, carried the same way: a row's limits
    travel with its value, a merged or split area gets neither (limits are never
    combined), and limits are empty where the value is or where none was published.
    """
    rows = indicators.load(indicator_id, level=level, period=period, sex=sex, data_dir=data_dir)
    # Published values only: an upper tier's or region's approximation (geo.derived) is not its figure.
    published = (rows["status"] == "ok") & ~derived.is_approximate(rows["note"])
    rows = rows.assign(**{c: pd.to_numeric(rows[c], errors="coerce").where(published) for c in _COLUMNS})
    held = sorted(rows["vintage"].unique(), key=lambda v: (v != vintage, abs(int(v) - int(vintage))))
    out: dict[str, tuple[float, float, float]] = {}
    notes: list[str] = []
    for source in held:
        part = rows[rows["vintage"] == source]
        pairs = list(zip(part["area_code"].astype("str"), part[list(_COLUMNS)].itertuples(index=False, name=None),
                         strict=True))
        if source == vintage:
            for code, estimate in pairs:
                out.setdefault(code, estimate)
            continue
        if level not in ("lad", "utla"):
            continue
        rec = codes.reconcile(part["area_code"], source=source, target=vintage, level=level, data_dir=data_dir)
        kept = rec.mapped[rec.mapped["relation"].isin(_KEEP)]
        by_code = dict(pairs)
        for src, tgt in zip(kept["source_code"], kept["target_code"], strict=True):
            out.setdefault(tgt, by_code[src])
        merged = rec.mapped[~rec.mapped["relation"].isin(_KEEP)]
        lost = sorted(set(merged["target_code"]) - set(out))
        if lost or len(rec.unmatched):
            notes.append(
                f"{get(indicator_id, data_dir=data_dir).label} ({sex}, {period}) is held on {source} codes: "
                f"{len(kept)} areas carried to {vintage} codes; {len(merged) + len(rec.unmatched)} were merged "
                "or split on the way, and a merged or split area's value cannot be combined or divided."
            )
    area_set = list(codes.area_names(level, vintage, data_dir=data_dir))
    missing = (math.nan,) * len(_COLUMNS)
    frame = pd.DataFrame([out.get(c, missing) for c in area_set], index=pd.Index(area_set, name="area_code"),
                         columns=list(_COLUMNS), dtype="float64")
    # a limit without its value is not shown (the value is what the limits belong to)
    frame.loc[frame["value"].isna(), ["lower_ci", "upper_ci"]] = math.nan
    return frame, tuple(notes)


def values_for(
    indicator: GapIndicator, *, period: str, vintage: str, data_dir: Path = DATA_DIR
) -> tuple[pd.Series, tuple[str, ...]]:
    """One value per area for ``vintage`` LA codes (upper-tier codes where the record is upper-tier only).

    An upper-tier series is read on the upper-tier code set nearest ``vintage``; a
    unitary, metropolitan or London borough has the same code in both sets, so
    ``.reindex(la_codes)`` finds its value and leaves two-tier districts empty.
    """
    frame, notes = estimates_for(indicator, period=period, vintage=vintage, data_dir=data_dir)
    return frame["value"].rename(indicator.indicator_id), notes


def estimates_for(
    indicator: GapIndicator, *, period: str, vintage: str, data_dir: Path = DATA_DIR
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """:func:`values_for`'s values with their published 95% limits (:func:`estimates_on`'s columns)."""
    level, on = indicator.level, vintage
    if level != "lad":
        on = min(vintages(level), key=lambda v: (abs(int(v) - int(vintage)), -int(v)))
    return estimates_on(indicator.indicator_id, period=period, sex=indicator.sex, level=level, vintage=on,
                        data_dir=data_dir)


def _weights_used(values: pd.Series, weights: pd.Series | None) -> pd.Series | None:
    """The weights of ``values``' areas when every one has a weight (summing above 0), else ``None``."""
    if weights is None:
        return None
    w = pd.to_numeric(weights, errors="coerce").reindex(values.index)
    return w if w.notna().all() and float(w.sum()) > 0 else None


def group_value(values: pd.Series, weights: pd.Series | None = None) -> tuple[float, int, bool]:
    """The group's figure: (value, areas used, weighted?).

    Areas without a value are left out. Weighted by ``weights`` when every area
    used has one; otherwise the plain mean (never a partly weighted mix).
    """
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return math.nan, 0, False
    w = _weights_used(v, weights)
    if w is not None:
        return float(np.average(v, weights=w)), len(v), True
    return float(v.mean()), len(v), False


@dataclass(frozen=True)
class GroupLimits:
    """The limits of a group's figure at 95% and 99.8%, and the method that gave them or why there are none."""

    lower_ci: float
    upper_ci: float
    lower_ci_99_8: float
    upper_ci_99_8: float
    #: "95% and 99.8% CIs by combining ..." or "no interval: <reason>".
    ci_method: str

    @property
    def held(self) -> bool:
        """Whether there is an interval."""
        return not self.ci_method.startswith(intervals.NO_INTERVAL)


def group_limits(estimates: pd.DataFrame, weights: pd.Series | None = None) -> GroupLimits:
    """The 95% and 99.8% limits of :func:`group_value`'s figure of ``estimates`` (its ``value``, ``lower_ci``, ``upper_ci``).

    Only a population-weighted figure has them: the areas' published estimates are
    combined as independent ones (:func:`geo.intervals.weighted_mean`, each area's
    standard error read from its 95% limits). A plain mean, or a group where any area
    used has no published limits, gets "no interval: <reason>" and empty limits.

    Examples
    --------
    >>> parts = pd.DataFrame({"value": [80.0, 78.0], "lower_ci": [79.0, 76.0], "upper_ci": [81.0, 80.0]})
    >>> got = group_limits(parts, pd.Series([3.0, 1.0]))
    >>> round(got.lower_ci, 3), round(got.upper_ci, 3)
    (78.599, 80.401)
    >>> group_limits(parts).ci_method
    'no interval: a plain mean (no population year covers every area)'
    """
    values = pd.to_numeric(estimates["value"], errors="coerce").dropna()
    w = _weights_used(values, weights)
    n = len(values)
    if not n:
        return _no_limits("no area of the group has a published value")
    if w is None:
        return _no_limits("a plain mean (no population year covers every area)")
    used = estimates.loc[values.index]
    got = intervals.weighted_mean(values, used["lower_ci"], used["upper_ci"], w).iloc[0]
    without = int(got["without"])
    if without == n:
        return _no_limits("the area's value is held without a published confidence interval" if n == 1 else
                          f"the {n} areas' values are all held without a published confidence interval")
    if without:
        return _no_limits(f"{without} of the {n} areas' values {'is' if without == 1 else 'are'} held without a "
                          "published confidence interval")
    at = [float(got[intervals.column(side, level)]) for level in intervals.LEVELS for side in ("lower", "upper")]
    return GroupLimits(at[0], at[1], at[2], at[3], str(got["ci_method"]))


def _no_limits(reason: str) -> GroupLimits:
    return GroupLimits(math.nan, math.nan, math.nan, math.nan, intervals.no_interval(reason))


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
