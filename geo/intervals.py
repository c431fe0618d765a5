"""Confidence intervals as OHID computes them: Wilson, Byar's, exact Poisson and Dobson.

The methods and their thresholds are those of OHID's Fingertips technical guidance and
its R package PHEindicatormethods (``wilson_lower``/``wilson_upper``, ``byars_lower``/
``byars_upper``, ``phe_rate``, ``phe_dsr``):

- **Wilson score** for a proportion ``x / n`` (``phe_proportion``).
- **Byar's method** for a count, and a crude rate ``x / n``, when ``x`` is 10 or more;
  below 10 the **exact Poisson** limits ``qchisq(a/2, 2x)/2`` and
  ``qchisq(1-a/2, 2x+2)/2``, as ``phe_rate`` does (its ``method`` column says "Exact").
- **Dobson's method** for a directly standardised rate: the DSR plus
  ``sqrt(var/O) * (O_limit - O)`` with Byar's limits for the total count ``O``; no DSR
  (and so no interval) below 10 events, as ``phe_dsr`` returns NA there.
- **A population-weighted mean of independent published estimates** (a county made of
  districts, a decile of authorities): :func:`weighted_mean` reads each part's standard
  error from its published 95% limits, ``(upper - lower) / (2 x 1.96)``, and gives the
  mean's, ``sqrt(sum (w_i / sum w)^2 SE_i^2)``, and its limits ``mean +/- z SE`` at 95%
  and 99.8% (:data:`COMBINED`); no interval where a part has none.

Every interval is at 95% or 99.8% (:data:`LEVELS`, the two Fingertips offers), with
``z`` from the normal quantile. Each function returns an :class:`Interval` whose
``method`` names, row by row, the method that gave it, or says "no interval: <reason>"
(:func:`no_interval`) where none can be computed; :func:`described` writes
"95% CI by Wilson score" for a tooltip or a CSV. :func:`compare_at` is the comparison
with England at either level (the Fingertips rule of :func:`geo.classify.compare_with_england`).

Examples
--------
>>> p = proportion(87, 131)
>>> round(float(p.lower.iloc[0]), 6), round(float(p.upper.iloc[0]), 6), p.method.iloc[0]
(0.579592, 0.739301, 'Wilson score')
>>> described(p.method.iloc[0], 99.8)
'99.8% CI by Wilson score'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from geo.classify import compare_with_england

__all__ = [
    "BYAR",
    "BYAR_FROM",
    "COMBINED",
    "DOBSON",
    "EXACT",
    "LEVELS",
    "NO_INTERVAL",
    "REASONS",
    "WILSON",
    "Interval",
    "byars_lower",
    "byars_upper",
    "column",
    "compare_at",
    "count",
    "crude_rate",
    "described",
    "dobson",
    "dsr",
    "exact_lower",
    "exact_upper",
    "level_name",
    "no_interval",
    "proportion",
    "rescaled",
    "standard_errors",
    "weighted_mean",
    "with_levels",
    "z_score",
]

#: The confidence levels Fingertips offers, in percent.
LEVELS: Final = (95.0, 99.8)
WILSON: Final = "Wilson score"
BYAR: Final = "Byar's method"
EXACT: Final = "the exact Poisson method"
DOBSON: Final = "Dobson's method"
#: The method of :func:`weighted_mean`, read after "95% CI by".
COMBINED: Final = "combining the parts' published 95% CIs (weighted mean of independent estimates)"
#: The scales a part's published 95% interval is read on (``phe_sii``'s value types).
SCALES: Final = ("normal", "rate", "proportion")
#: Counts from this many use Byar's method; below it the exact limits (rates) or no DSR at all.
BYAR_FROM: Final = 10
#: How a missing interval starts, so a reader can tell one from a method's name.
NO_INTERVAL: Final = "no interval: "
#: Why no interval could be computed, in the words shown after :data:`NO_INTERVAL`.
REASONS: Final[dict[str, str]] = {
    "no_count": "no count or denominator held",
    "published": "value published without an interval",
    "suppressed": "count suppressed (small number)",
    "no_denominator": "no denominator (population) held",
    "dsr_small": "fewer than 10 events: OHID does not compute a directly standardised rate below 10",
    "parts_without": "the published figures of its parts have no confidence interval",
}

Numbers = float | int | np.ndarray | pd.Series | list[float] | list[int]


def z_score(level: float) -> float:
    """The two-sided normal quantile for ``level`` percent (1.959964 at 95%, 3.090232 at 99.8%)."""
    return NormalDist().inv_cdf(0.5 + _check_level(level) / 200)


def level_name(level: float) -> str:
    """ "95%" or "99.8%"."""
    return f"{_check_level(level):g}%"


def column(side: str, level: float) -> str:
    """The column of one limit at one level: ``lower_ci_95``, ``upper_ci_99_8``."""
    if side not in ("lower", "upper"):
        raise ValueError(f"Expected side 'lower' or 'upper'; got {side!r}.")
    return f"{side}_ci_{level_name(level)[:-1].replace('.', '_')}"


def described(method: str, level: float) -> str:
    """ "95% CI by Wilson score" for a method's name; a "no interval: ..." text is returned as it is."""
    if not method or method.startswith(NO_INTERVAL):
        return method or no_interval("no_count")
    return f"{level_name(level)} CI by {method}"


def no_interval(reason: str) -> str:
    """ "no interval: <reason>", from a key of :data:`REASONS` or the reason in words."""
    return NO_INTERVAL + REASONS.get(reason, reason)


@dataclass(frozen=True)
class Interval:
    """Values with their limits at one level, and the method (or the missing reason) of each row."""

    value: pd.Series
    lower: pd.Series
    upper: pd.Series
    #: Per row: a method's name (:data:`WILSON`, :data:`BYAR`, :data:`EXACT`, :data:`DOBSON`) or "no interval: ...".
    method: pd.Series
    level: float

    @property
    def label(self) -> pd.Series:
        """Per row: "95% CI by Byar's method", or "no interval: <reason>"."""
        return self.method.map(lambda m: described(str(m), self.level))

    def frame(self) -> pd.DataFrame:
        """``value``, ``lower_ci_95``, ``upper_ci_95`` (this level's columns) and ``ci_method``."""
        return pd.DataFrame({"value": self.value, column("lower", self.level): self.lower,
                             column("upper", self.level): self.upper, "ci_method": self.label})


# ------------------------------------------------------------------ the limits of a count
def byars_lower(x: Numbers, *, level: float = 95.0) -> np.ndarray:
    """Byar's lower limit of an observed count: ``x (1 - 1/(9x) - z/(3 sqrt x))^3`` (NaN if negative)."""
    o = _array(x)
    z = z_score(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    return np.where(out < 0, np.nan, out)  # PHEindicatormethods sets negative limits to NA


def byars_upper(x: Numbers, *, level: float = 95.0) -> np.ndarray:
    """Byar's upper limit of an observed count: ``(x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3``."""
    o = _array(x) + 1
    z = z_score(level)
    return o * (1 - 1 / (9 * o) + z / (3 * np.sqrt(o))) ** 3


def exact_lower(x: Numbers, *, level: float = 95.0) -> np.ndarray:
    """The exact Poisson lower limit ``qchisq(a/2, 2x) / 2`` (0 for a count of 0)."""
    o = _array(x)
    alpha = 1 - _check_level(level) / 100
    with np.errstate(invalid="ignore"):
        out = np.where(o > 0, gammaincinv(np.where(o > 0, o, 1.0), alpha / 2), 0.0)
    return np.where(np.isnan(o), np.nan, out)


def exact_upper(x: Numbers, *, level: float = 95.0) -> np.ndarray:
    """The exact Poisson upper limit ``qchisq(1 - a/2, 2x + 2) / 2``."""
    o = _array(x)
    alpha = 1 - _check_level(level) / 100
    return np.asarray(gammaincinv(o + 1, 1 - alpha / 2), dtype="float64")


# ------------------------------------------------------------------ statistics
def proportion(x: Numbers, n: Numbers, *, level: float = 95.0, multiplier: float = 1.0) -> Interval:
    """``x / n`` with its Wilson score interval (``phe_proportion``); ``multiplier`` 100 for a percentage."""
    index = _index(x, n)
    o, d = _array(x), _array(n)
    _no_negatives(o, "counts")
    _no_negatives(d, "denominators")
    if np.any((o > d) & ~np.isnan(o) & ~np.isnan(d)):
        raise ValueError("A count is larger than its denominator, so it is not a proportion: "
                         "check the count and denominator columns are not swapped.")
    z = z_score(level)
    held = ~np.isnan(o) & ~np.isnan(d) & (d > 0)
    dd = np.where(held, d, 1.0)
    oo = np.where(held, o, 0.0)
    root = z * np.sqrt(z**2 + 4 * oo * (1 - oo / dd))
    lower = (2 * oo + z**2 - root) / 2 / (dd + z**2)
    upper = (2 * oo + z**2 + root) / 2 / (dd + z**2)
    method = np.where(np.isnan(o) | np.isnan(d), no_interval("no_count"),
                      np.where(held, WILSON, no_interval("no_denominator")))
    return _interval(index, np.where(held, oo / dd, np.nan) * multiplier, np.where(held, lower, np.nan) * multiplier,
                     np.where(held, upper, np.nan) * multiplier, method, level)


def count(x: Numbers, *, level: float = 95.0) -> Interval:
    """A count with its interval: exact Poisson below 10, Byar's method from 10 (as ``phe_rate``)."""
    index = _index(x)
    o = _array(x)
    _no_negatives(o, "counts")
    lower, upper, method = _count_limits(o, level)
    return _interval(index, o, lower, upper, method, level)


def crude_rate(x: Numbers, n: Numbers, *, level: float = 95.0, per: float = 100_000) -> Interval:
    """``x / n * per`` with the count's interval divided by ``n`` (``phe_rate``: exact below 10, else Byar's)."""
    index = _index(x, n)
    o, d = _array(x), _array(n)
    _no_negatives(o, "counts")
    _no_negatives(d, "denominators")
    lower, upper, method = _count_limits(o, level)
    no_den = np.isnan(d) | (d <= 0)
    method = np.where(no_den & ~np.isnan(o), no_interval("no_denominator"), method)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(no_den, np.nan, per / np.where(no_den, 1.0, d))
    return _interval(index, o * scale, lower * scale, upper * scale, method, level)


def dobson(value: Numbers, variance: Numbers, total: Numbers, *, level: float = 95.0,
           per: float = 100_000) -> Interval:
    """Dobson's interval of directly standardised rates from their parts (``phe_dsr``).

    ``value`` is the DSR per ``per``; ``variance`` is ``sum(x_i w_i^2 / n_i^2) / (sum w_i)^2``
    (the variance of the unscaled DSR); ``total`` the total count. Below 10 events there is no
    DSR, as ``phe_dsr`` returns NA: the value and both limits are NaN and the reason is given.
    """
    index = _index(value, variance, total)
    v, var, o = _array(value), _array(variance), _array(total)
    small = o < BYAR_FROM
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(var / o) * per
    lower = v + spread * (byars_lower(o, level=level) - o)
    upper = v + spread * (byars_upper(o, level=level) - o)
    missing = np.isnan(v) | np.isnan(var) | np.isnan(o)
    method = np.where(missing, no_interval("no_count"), np.where(small, no_interval("dsr_small"), DOBSON))
    gone = missing | small
    return _interval(index, np.where(gone, np.nan, v), np.where(gone, np.nan, lower), np.where(gone, np.nan, upper),
                     method, level)


def dsr(frame: pd.DataFrame, *, by: str | list[str], count: str = "count", population: str = "population",
        standard: str = "standard", level: float = 95.0, per: float = 100_000) -> Interval:
    """Directly standardised rates with Dobson's intervals, one per group of ``by`` (``phe_dsr``).

    ``frame`` has one row per standardisation category (e.g. age band) of each group, with
    the category's ``count``, ``population`` and ``standard`` population (e.g. the 2013
    European Standard Population). A missing count is 0, as ``phe_dsr`` reads it.
    """
    keys = [by] if isinstance(by, str) else list(by)
    x = pd.to_numeric(frame[count], errors="coerce").fillna(0.0)
    n = pd.to_numeric(frame[population], errors="coerce")
    w = pd.to_numeric(frame[standard], errors="coerce")
    if (x < 0).any() or (n <= 0).any() or n.isna().any():
        raise ValueError("Each standardisation category needs a count of 0 or more and a population above 0; "
                         "fill missing counts with 0 and drop categories with no population.")
    parts = pd.DataFrame({"x": x, "w": w, "wr": x * w / n, "sq": x * (w / n) ** 2})
    for key in keys:
        parts[key] = frame[key].to_numpy()
    sums = parts.groupby(keys, sort=True)[["x", "w", "wr", "sq"]].sum()
    value = sums["wr"] / sums["w"] * per
    variance = sums["sq"] / sums["w"] ** 2
    return dobson(value, variance, sums["x"], level=level, per=per)


def standard_errors(value: Numbers, lower: Numbers, upper: Numbers, *, scale: str = "normal") -> np.ndarray:
    """Each estimate's standard error on the value's own scale, read from its 95% limits.

    ``scale`` "normal": ``(upper - lower) / (2 x 1.96)``; "rate": the interval read on the log
    scale and brought back by the delta method, ``value (ln upper - ln lower) / (2 x 1.96)``;
    "proportion" (a 0-1 fraction): on the logit scale, ``value (1 - value) (logit upper - logit
    lower) / (2 x 1.96)``. NaN where a limit is missing, the limits are reversed or the scale
    cannot take them (a rate's limit of 0).
    """
    if scale not in SCALES:
        raise ValueError(f"Expected a scale of {', '.join(SCALES)}; got {scale!r}.")
    v, lo, hi = _array(value), _array(lower), _array(upper)
    z2 = 2 * z_score(95.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "rate":
            se = v * (np.log(hi) - np.log(lo)) / z2
        elif scale == "proportion":
            se = v * (1 - v) * (np.log(hi / (1 - hi)) - np.log(lo / (1 - lo))) / z2
        else:
            se = (hi - lo) / z2
    se = np.asarray(se, dtype="float64")
    return np.where(np.isfinite(se) & (se >= 0) & (hi >= lo), se, np.nan)


def weighted_mean(values: Numbers, lower: Numbers, upper: Numbers, weights: Numbers, *,
                  groups: np.ndarray | pd.Series | list[int] | list[str] | None = None, scale: str = "normal") -> pd.DataFrame:
    """The weighted mean of independent published estimates, with its 95% and 99.8% limits from theirs.

    Each part's standard error comes from its published 95% limits (:func:`standard_errors`
    on ``scale``); the mean's is that of a weighted mean of independent estimates,
    ``SE = sqrt(sum (w_i / sum w)^2 SE_i^2)``, and its limits are ``mean +/- z SE`` (a normal
    approximation, symmetric on the value's own scale). Where any part has no interval the
    group has none, and ``ci_method`` says how many parts lack one.

    Returns one row per group (sorted; a single row 0 without ``groups``): ``value``, ``se``,
    ``lower_ci_95``, ``upper_ci_95``, ``lower_ci_99_8``, ``upper_ci_99_8``, ``ci_method``
    ("95% and 99.8% CIs by combining ..." or "no interval: ..."), ``parts`` and ``without``
    (the parts with no interval).

    Examples
    --------
    Parts 80 (95% CI 79 to 81, SE 0.5102) and 78 (76 to 80, SE 1.0204), weighted 3 to 1:
    ``SE = sqrt(0.75^2 x 0.5102^2 + 0.25^2 x 1.0204^2) = 0.4599``.

    >>> got = weighted_mean([80.0, 78.0], [79.0, 76.0], [81.0, 80.0], [3.0, 1.0]).iloc[0]
    >>> float(got["value"]), round(float(got["se"]), 4)
    (79.5, 0.4599)
    """
    v, lo, hi, w = _array(values), _array(lower), _array(upper), _array(weights)
    if not v.size == lo.size == hi.size == w.size:
        raise ValueError(f"Expected values, limits and weights of one length; got {v.size}, {lo.size}, {hi.size} "
                         f"and {w.size}.")
    if np.any(~np.isfinite(w) | (w < 0)):
        raise ValueError("Expected a weight of 0 or more for every part (e.g. its population); some are missing or "
                         "negative: leave parts without a weight out before combining.")
    codes, keys = (np.zeros(v.size, dtype="int64"), pd.RangeIndex(1)) if groups is None else pd.factorize(
        np.asarray(groups), sort=True)
    se = standard_errors(v, lo, hi, scale=scale)
    held = ~np.isnan(se)

    def total(part: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=part, minlength=len(keys))

    w_sum, n_parts, n_without = total(w), total(np.ones(v.size)).astype("int64"), total(~held).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total(w * v) / w_sum
        spread = np.where(n_without > 0, np.nan, np.sqrt(total(np.where(held, w * se, 0.0) ** 2)) / w_sum)
    columns: dict[str, object] = {"value": mean, "se": spread}
    for level in LEVELS:
        z = z_score(level)
        columns[column("lower", level)] = mean - z * spread
        columns[column("upper", level)] = mean + z * spread
    columns["ci_method"] = [_method_note(COMBINED) if not k else no_interval(
        "parts_without" if k == n else f"{k} of its {n} parts {'has' if k == 1 else 'have'} no published confidence "
        "interval") for k, n in zip(n_without.tolist(), n_parts.tolist(), strict=True)]
    columns["parts"], columns["without"] = n_parts, n_without
    return pd.DataFrame(columns, index=pd.Index(keys))


def rescaled(lower: Numbers, upper: Numbers, *, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The limits at ``level`` of a symmetric normal interval given by its 95% limits (same centre and SE).

    For an interval made by :func:`weighted_mean`: the centre is ``(lower + upper) / 2`` and
    the standard error ``(upper - lower) / (2 x 1.96)``, so the 99.8% limits are the centre
    ``+/- 3.0902 SE``.
    """
    lo, hi = _array(lower), _array(upper)
    centre, half = (lo + hi) / 2, (hi - lo) / 2 * z_score(level) / z_score(95.0)
    return centre - half, centre + half


def with_levels(kind: str, x: Numbers, n: Numbers | None = None, *, multiplier: float = 1.0) -> pd.DataFrame:
    """Value, the 95% and 99.8% limits and ``ci_method`` of proportions, counts or crude rates.

    ``kind`` is "proportion" (``multiplier`` 100 for a percentage), "count" or "rate"
    (``multiplier`` is then the rate's base, e.g. 1000 for per 1,000).
    """
    parts: list[Interval] = []
    for level in LEVELS:
        if kind == "proportion":
            parts.append(proportion(x, _need(n), level=level, multiplier=multiplier))
        elif kind == "count":
            parts.append(count(x, level=level))
        elif kind == "rate":
            parts.append(crude_rate(x, _need(n), level=level, per=multiplier))
        else:
            raise ValueError(f"Unknown kind {kind!r}; expected 'proportion', 'count' or 'rate'.")
    out = pd.DataFrame({"value": parts[0].value})
    for part in parts:
        out[column("lower", part.level)] = part.lower
        out[column("upper", part.level)] = part.upper
    out["ci_method"] = parts[0].method.map(_method_note)
    return out


def compare_at(value: pd.Series, lower_ci: pd.Series, upper_ci: pd.Series, *, england: float | None,
               polarity: str, level: float) -> pd.Series:
    """Each area against England at ``level`` (95 or 99.8), given the intervals at that level.

    The Fingertips rule of :func:`geo.classify.compare_with_england`: better or worse (higher
    or lower with no polarity) when the area's interval at that level excludes England's
    value, similar when it includes it. Pass the 99.8% limits for the 99.8% comparison.
    """
    _check_level(level)
    return compare_with_england(value, lower_ci, upper_ci, england_value=england, polarity=polarity)


# ------------------------------------------------------------------ helpers
def _method_note(method: object) -> str:
    """ "95% and 99.8% CIs by Wilson score"; a "no interval: ..." text unchanged."""
    text = str(method)
    return text if text.startswith(NO_INTERVAL) else f"{' and '.join(level_name(v) for v in LEVELS)} CIs by {text}"


def _count_limits(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    exact = o < BYAR_FROM
    lower = np.where(exact, exact_lower(o, level=level), byars_lower(np.where(exact, BYAR_FROM, o), level=level))
    upper = np.where(exact, exact_upper(o, level=level), byars_upper(np.where(exact, BYAR_FROM, o), level=level))
    missing = np.isnan(o)
    method = np.where(missing, no_interval("no_count"), np.where(exact, EXACT, BYAR))
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper), method


def _interval(index: pd.Index, value: np.ndarray, lower: np.ndarray, upper: np.ndarray, method: np.ndarray,
              level: float) -> Interval:
    def series(a: np.ndarray) -> pd.Series:
        return pd.Series(np.broadcast_to(np.asarray(a, dtype="float64"), (len(index),)), index=index)

    names = pd.Series(np.broadcast_to(np.asarray(method, dtype=object), (len(index),)), index=index, dtype="str")
    return Interval(series(value), series(lower), series(upper), names, float(level))


def _array(values: Numbers | None) -> np.ndarray:
    if values is None:
        raise ValueError("Expected numbers; got None.")
    if isinstance(values, pd.Series):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.atleast_1d(np.asarray(values, dtype="float64"))


def _index(*values: Numbers) -> pd.Index:
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    size = max(np.atleast_1d(np.asarray(v, dtype="float64")).size for v in values)
    return pd.RangeIndex(size)


def _need(n: Numbers | None) -> Numbers:
    if n is None:
        raise ValueError("Proportions and rates need a denominator; got none.")
    return n


def _no_negatives(values: np.ndarray, what: str) -> None:
    if np.any(values < 0):
        raise ValueError(f"Expected {what} of 0 or more; got {np.nanmin(values):g}. Check the column holds {what}.")


def _check_level(level: float) -> float:
    level = float(level)
    if not any(math.isclose(level, allowed) for allowed in LEVELS):
        raise ValueError(f"Expected a confidence level of 95 or 99.8 (percent), as Fingertips offers; got {level:g}.")
    return level
