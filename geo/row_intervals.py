"""Each row's confidence intervals and the method that gave them, as the map's tooltip and every export say.

:func:`with_intervals` gives a table of figures (one map's areas) its 95% and 99.8% limits
and, per row, ``ci_method``: where the interval comes from, or "no interval: <reason>".
An interval is never invented:

- published 95% limits are kept as they are (:data:`PUBLISHED`);
- limits are computed (:mod:`geo.intervals`, OHID's methods) only where the count and
  denominator are held and reproduce the published value as a proportion (Wilson score)
  or a crude rate (Byar's method, exact below 10 events) (:data:`COMPUTED`);
- a published 95% interval that is symmetric about the value (to the precision its limits
  are published at) is a normal interval, value +/- 1.96 SE, as OHID computes life
  expectancy's (Chiang II) and healthy life expectancy's: its 99.8% limits are the same
  value +/- 3.0902 SE (:func:`geo.intervals.rescaled`), rounded as the 95% ones are
  (:data:`SYMMETRIC`); an asymmetric one (Wilson, Byar's, Dobson) gets none without a count;
- a population-weighted approximation (:mod:`geo.derived`) keeps the approximate 95%
  limits the build combined from its parts' published ones
  (:func:`geo.intervals.weighted_mean`), and its 99.8% limits come from the same standard
  error (:func:`geo.intervals.rescaled`, z = 3.0902) (:data:`COMBINED`); where its parts
  had none, its note's reason is given.

:func:`in_brief` shortens a ``ci_method`` for a tooltip: "as published", "computed by
Wilson score", "approximate, combining its parts' published CIs" or the "no interval: ..."
reason. The map page (``ui.cache``), the Table (CSV) and every export file
(:mod:`documents.figures`) call these, so they say the same.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from geo import derived, intervals

__all__ = ["COMBINED", "COMPUTED", "NOT_ESTIMATES", "PUBLISHED", "SYMMETRIC", "in_brief", "with_intervals"]

#: How a published interval is described in ``ci_method``.
PUBLISHED: Final = "95% CI as published by the source"
#: How a computed interval is described: "computed by the atlas from the count and denominator".
COMPUTED: Final = "computed by the atlas from the count and denominator (OHID's method)"
#: How 99.8% limits found from a symmetric published 95% interval are described in ``ci_method``.
SYMMETRIC: Final = ("99.8% CI from the published 95% CI's standard error (a symmetric normal interval, "
                    "value +/- 3.0902 SE)")
#: How an approximation's combined interval is described in ``ci_method``.
COMBINED: Final = f"approximate 95% and 99.8% CIs by {intervals.COMBINED}"
#: Values that are positions, not estimates: an interval does not apply.
NOT_ESTIMATES: Final = frozenset({"rank", "decile"})
#: Bases a published proportion or crude rate may be given per (1 = a fraction, 100 = a percentage, ...).
_BASES: Final = (1.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
#: How close a published value must be to count / denominator x base to be read as that proportion or rate.
_REPRODUCED: Final = 5e-3
#: The tooltip's words for each kind of interval.
_BRIEF: Final = {"published": "as published", "combined": "approximate, combining its parts' published CIs"}
_COUNT_METHODS: Final = (intervals.WILSON, intervals.BYAR, intervals.EXACT, intervals.DOBSON)


def with_intervals(table: pd.DataFrame, *, value_type: str) -> pd.DataFrame:
    """``lower_ci``, ``upper_ci``, ``lower_ci_99_8``, ``upper_ci_99_8`` and ``ci_method`` for each row of ``table``.

    ``table`` has ``value``, ``lower_ci``, ``upper_ci``, ``status`` and, where held,
    ``count``, ``denominator`` and ``note``; the result has its index. See the module's
    docstring for which rows get which interval.
    """
    def numbers(name: str) -> np.ndarray:
        held = table[name] if name in table else pd.Series(np.nan, index=table.index)
        return pd.to_numeric(held, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    value, x, n, lo95, hi95 = (numbers(c) for c in ("value", "count", "denominator", "lower_ci", "upper_ci"))
    size = len(table)
    notes = table["note"] if "note" in table else pd.Series(None, index=table.index, dtype="object")
    approximate = derived.is_approximate(notes).to_numpy(dtype=bool)
    status = table["status"].astype("str").to_numpy()
    out = {"lower_ci": lo95.copy(), "upper_ci": hi95.copy(), "lower_ci_99_8": np.full(size, np.nan),
           "upper_ci_99_8": np.full(size, np.nan)}
    held = ~np.isnan(lo95) & ~np.isnan(hi95)
    published, combined = held & ~approximate, held & approximate & (status == "ok")
    methods = np.where(published, f"{PUBLISHED}; no 99.8% CI: {intervals.REASONS['no_count']}", "").astype(object)
    if combined.any():
        out["lower_ci_99_8"][combined], out["upper_ci_99_8"][combined] = intervals.rescaled(
            lo95[combined], hi95[combined], level=99.8)
        methods[combined] = COMBINED
    symmetric = published & (status == "ok") & _symmetric(value, lo95, hi95)
    if symmetric.any():
        places = _places(lo95[symmetric], hi95[symmetric])
        lo, hi = intervals.rescaled(lo95[symmetric], hi95[symmetric], level=99.8)
        out["lower_ci_99_8"][symmetric] = [round(v, int(d)) if d >= 0 else v for v, d in zip(lo, places, strict=True)]
        out["upper_ci_99_8"][symmetric] = [round(v, int(d)) if d >= 0 else v for v, d in zip(hi, places, strict=True)]
        methods[symmetric] = f"{PUBLISHED}; {SYMMETRIC}"
    kind = {"proportion": "proportion", "rate": "rate"}.get(value_type, "")
    base = _base(value, x, n, kind=kind)
    computable = (status == "ok") & ~np.isnan(base) & ~combined
    for per in np.unique(base[computable]):
        rows = computable & (base == per)
        for level, lo_col, hi_col in ((95.0, "lower_ci", "upper_ci"), (99.8, "lower_ci_99_8", "upper_ci_99_8")):
            if kind == "proportion":
                part = intervals.proportion(x[rows], n[rows], level=level, multiplier=float(per))
            else:
                part = intervals.crude_rate(x[rows], n[rows], level=level, per=float(per))
            keep = published[rows] if level == 95.0 else np.zeros(int(rows.sum()), dtype=bool)
            out[lo_col][rows] = np.where(keep, out[lo_col][rows], part.lower.to_numpy())
            out[hi_col][rows] = np.where(keep, out[hi_col][rows], part.upper.to_numpy())
            if level == 95.0:
                names = part.method.to_numpy(dtype=object)
        methods[rows] = [f"{PUBLISHED}; 99.8% CI by {m}, {COMPUTED}" if kept else f"95% and 99.8% CIs by {m}, {COMPUTED}"
                         for m, kept in zip(names, published[rows], strict=True)]
    for i in np.flatnonzero(methods == "").tolist():
        methods[i] = _why_none(status[i], note=notes.iat[i] if approximate[i] else None,
                               has_count=not np.isnan(x[i]), value_type=value_type)
    return pd.DataFrame({**out, "ci_method": methods}, index=table.index)


def in_brief(ci_method: object) -> str:
    """A ``ci_method`` in a few words for a tooltip, read after the limits; "" when it names no known method.

    >>> in_brief("95% CI as published by the source; no 99.8% CI: no count or denominator held")
    'as published'
    >>> in_brief(f"95% and 99.8% CIs by Wilson score, {COMPUTED}")
    'computed by Wilson score'
    """
    text = str(ci_method) if isinstance(ci_method, str) else ""
    if text.startswith(intervals.NO_INTERVAL):
        return text
    if text.startswith(PUBLISHED):
        return _BRIEF["published"]
    if text == COMBINED:
        return _BRIEF["combined"]
    found = [m for m in _COUNT_METHODS if f"by {m}, {COMPUTED}" in text]
    return f"computed by {found[0]}" if found else ""


def _places(*limits: np.ndarray) -> np.ndarray:
    """Per row, the decimal places the limits are published at (at most 3), or -1 where they carry more."""
    out = np.full(limits[0].shape, -1)
    for d in (3, 2, 1, 0):
        fits = np.all([np.isclose(a, np.round(a, d), rtol=0.0, atol=1e-9) for a in limits], axis=0)
        out[fits] = d
    return out


def _symmetric(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Rows whose 95% limits sit evenly about the value, to within the rounding of the published figures.

    >>> _symmetric(np.array([79.3, 60.0, 80.1]), np.array([78.9, 59.0, 79.2]), np.array([79.7, 60.8, 80.8])).tolist()
    [True, False, False]
    """
    places = np.maximum(_places(value, lower, upper), _places(lower, upper))
    tolerance = np.where(places >= 0, 0.5 * 10.0 ** -places.astype(float), 0.0) + 1e-9
    with np.errstate(invalid="ignore"):
        return (upper > lower) & (np.abs(value - (lower + upper) / 2) <= tolerance)


def _base(value: np.ndarray, x: np.ndarray, n: np.ndarray, *, kind: str) -> np.ndarray:
    """Per row, the base (1, 100, ...) for which value = count / denominator x base; NaN where none reproduces it.

    Only for a ``kind`` of "proportion" (whose count is at most its denominator) or "rate".
    """
    out = np.full(value.shape, np.nan)
    if kind not in ("proportion", "rate"):
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n > 0, x / n, np.nan)
        fits = (x >= 0) & ((x <= n) if kind == "proportion" else (n > 0))
    for per in _BASES:
        hit = np.isnan(out) & fits & np.isclose(value, ratio * per, rtol=_REPRODUCED, atol=0.0)
        out[hit] = per
    return out


def _why_none(status: str, *, note: object, has_count: bool, value_type: str) -> str:
    """Why a row has no interval; ``note`` is an approximation's note (``None`` for any other row)."""
    if value_type in NOT_ESTIMATES:
        return intervals.no_interval("not applicable to a rank or decile")
    if status == "suppressed":
        return intervals.no_interval("value suppressed (small numbers)")
    if status != "ok":
        return intervals.no_interval("no value")
    if note is not None:
        return intervals.no_interval(derived.interval_reason(note)
                                     or "an approximation (population-weighted mean of published figures)")
    if has_count and value_type in ("proportion", "rate"):
        return intervals.no_interval("the count and denominator held do not reproduce the published value")
    if has_count:
        return intervals.no_interval("not a proportion or crude rate")
    return intervals.no_interval("published")
