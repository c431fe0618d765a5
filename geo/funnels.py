"""Funnel plots: 95% and 99.8% control limits, and which side of them each area lies.

As OHID's Fingertips technical guidance and its R package PHEindicatormethods compute
them (``calculate_funnel_limits`` / ``phe_funnels``, ``assign_funnel_significance`` /
``phe_funnel_significance``, ``calculate_funnel_points``):

- **Proportions**: the limits round the average proportion ``sum(x) / sum(n)`` for a
  denominator ``n`` come from the Wilson-score inversion the package calls
  ``sigma_adjustment`` (two-sided 95% and 99.8%, i.e. one-sided ``p`` 0.975 and 0.999),
  clipped to 0 and the multiplier (100 for percentages).
- **Rates** (crude or directly standardised): for an observed number of events ``E``,
  the populations at which ``E`` sits on each limit come from the exact Poisson
  probabilities the package's ``poisson_funnel`` finds by bisection (reproduced here,
  bisection and tolerance included); the limit is ``E / population * multiplier``. An
  area's side is found from its own count's 95% and 99.8% intervals (exact below 10,
  Byar's from 10: :mod:`geo.intervals`) against the weighted average; a DSR with fewer
  than 10 events is not placed.

:func:`axis` reproduces the package's 100 points along the denominator (or events) axis,
so a drawn funnel has the package's shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy.special import gammainc, gammaincc

from geo import intervals

__all__ = [
    "HIGH_95",
    "HIGH_998",
    "LOW_95",
    "LOW_998",
    "NOT_PLACED",
    "PACKAGE_LABELS",
    "SIDES",
    "WITHIN",
    "Funnel",
    "axis",
    "funnel",
    "proportion_limits",
    "rate_limits",
    "significance",
]

HIGH_998: Final = "above the 99.8% limit"
HIGH_95: Final = "above the 95% limit"
WITHIN: Final = "within the 95% limits"
LOW_95: Final = "below the 95% limit"
LOW_998: Final = "below the 99.8% limit"
NOT_PLACED: Final = "not placed: fewer than 10 events (directly standardised rate)"
#: Every side, highest first.
SIDES: Final = (HIGH_998, HIGH_95, WITHIN, LOW_95, LOW_998, NOT_PLACED)
#: The package's words for each side (its ``significance`` column), to ours.
PACKAGE_LABELS: Final[dict[str, str]] = {
    "High (0.001)": HIGH_998,
    "High (0.025)": HIGH_95,
    "Not significant": WITHIN,
    "Low (0.025)": LOW_95,
    "Low (0.001)": LOW_998,
    "Not applicable for events less than 10 for dsrs": NOT_PLACED,
}
#: One-sided probabilities of the two-sided 95% and 99.8% limits.
_P: Final = {"95": 0.975, "99_8": 0.999}
_POINTS: Final = 100

Statistic = Literal["proportion", "rate"]


@dataclass(frozen=True)
class Funnel:
    """The limits along the axis (``curve``) and the average they surround."""

    statistic: Statistic
    average: float  # per person (proportion 0-1, or events per person)
    multiplier: float
    curve: pd.DataFrame  # denominator (or events), lower_95, upper_95, lower_99_8, upper_99_8, baseline

    @property
    def baseline(self) -> float:
        """The average on the plot's scale (e.g. a percentage, or a rate per 100,000)."""
        return self.average * self.multiplier


def proportion_limits(denominator: pd.Series | np.ndarray | list[float], *, average: float,
                      multiplier: float = 100) -> pd.DataFrame:
    """The 95% and 99.8% limits round ``average`` (0-1) at each denominator, on the ``multiplier`` scale."""
    n = np.asarray(denominator, dtype="float64")
    out = pd.DataFrame({"denominator": n})
    for name, p in _P.items():
        out[f"lower_{name}"] = np.maximum(0.0, _sigma_adjustment(p, n, average, "low") * multiplier)
        out[f"upper_{name}"] = np.minimum(multiplier, _sigma_adjustment(p, n, average, "high") * multiplier)
    out["baseline"] = average * multiplier
    return _reorder(out, "denominator")


def rate_limits(events: pd.Series | np.ndarray | list[float], *, average: float, multiplier: float = 100_000,
                years: float = 1) -> pd.DataFrame:
    """The 95% and 99.8% limits of a rate at each number of events, round ``average`` events per person.

    Also the population (per year of data, ``years``) at which the events sit on each
    limit: ``population_lower_95`` etc., the x-axis position of each limit point.
    """
    e = np.asarray(events, dtype="float64")
    out = pd.DataFrame({"events": e})
    for name, p in _P.items():
        tail = 1 - p  # poisson_funnel's p: 0.025 or 0.001
        for side, solve in (("lower", "high"), ("upper", "low")):
            population = _poisson_funnel(e, tail, solve) / average
            out[f"{side}_{name}"] = e / population * multiplier
            out[f"population_{side}_{name}"] = population / years
    out["baseline"] = average * multiplier
    return _reorder(out, "events")


def axis(smallest: float, largest: float, *, points: int = _POINTS) -> np.ndarray:
    """The package's points along the axis: from ``smallest`` (or 1) to ``largest``, evenly on a log scale.

    ``smallest`` and ``largest`` are the axis ends after the package's rounding (:func:`funnel`
    does that); each point is at least one more than the last.
    """
    first = [max(1.0, float(smallest))]
    for j in range(2, points + 1):
        prev = first[-1]
        first.append(max(float(round((largest / prev) ** (1 / (points + 1 - j)) * prev)), prev + 1))
    return np.array(first)


def funnel(numerator: pd.Series, denominator: pd.Series | None = None, *, statistic: Statistic = "proportion",
           multiplier: float = 100, rate: pd.Series | None = None, rate_type: Literal["crude", "dsr"] = "crude",
           years: float = 1) -> Funnel:
    """The funnel of all areas: the average and the limits along the package's 100-point axis.

    Proportions need ``numerator`` and ``denominator``. Rates need ``numerator`` (events)
    and ``rate`` (per ``multiplier``); the denominator is derived as ``multiplier * events /
    rate`` (a crude rate with no events uses ``denominator``; a DSR with none is left out).
    """
    x = pd.to_numeric(numerator, errors="coerce").astype("float64")
    derived = _derived(x, denominator, statistic=statistic, multiplier=multiplier, rate=rate, rate_type=rate_type)
    average = float(x.sum() / derived.sum())
    smallest, largest = float(derived.min()), float(derived.max())
    low = 0.0 if largest > 2 * smallest else _floor(smallest / years) * years
    high = _ceiling(largest / years) * years
    if statistic == "proportion":
        return Funnel(statistic, average, multiplier, proportion_limits(axis(low, high), average=average,
                                                                         multiplier=multiplier))
    grid = axis(np.floor(low * average), np.ceil(high * average))
    return Funnel(statistic, average, multiplier, rate_limits(grid, average=average, multiplier=multiplier,
                                                              years=years))


def significance(numerator: pd.Series, denominator: pd.Series | None = None, *, statistic: Statistic = "proportion",
                 multiplier: float = 100, rate: pd.Series | None = None, rate_type: Literal["crude", "dsr"] = "crude",
                 average: float | None = None) -> pd.Series:
    """Which side of the 95% and 99.8% limits each area lies (one of :data:`SIDES`).

    ``average`` defaults to the areas' own (sum of numerators over sum of denominators);
    pass England's to place areas round England's value instead.
    """
    x = pd.to_numeric(numerator, errors="coerce").astype("float64")
    if statistic == "proportion":
        n = pd.to_numeric(_need(denominator), errors="coerce").astype("float64")
        if (x < 0).any() or (n <= 0).any() or (x > n).any():
            raise ValueError("Proportions need counts of 0 or more, denominators above 0 and no count above its "
                             "denominator; check the two columns.")
        avg = float(x.sum() / n.sum()) if average is None else average
        value = x / n
        low998, low95 = (_sigma_adjustment(_P[k], n.to_numpy(), avg, "low") for k in ("99_8", "95"))
        high998, high95 = (_sigma_adjustment(_P[k], n.to_numpy(), avg, "high") for k in ("99_8", "95"))
        out = np.select([value < low998, value < low95, value > high998, value > high95],
                        [LOW_998, LOW_95, HIGH_998, HIGH_95], default=WITHIN)
        return pd.Series(out, index=x.index, dtype="str")
    derived = _derived(x, denominator, statistic=statistic, multiplier=multiplier, rate=rate, rate_type=rate_type)
    avg = float(x.sum() / derived.sum()) if average is None else average
    at95, at998 = (intervals.count(x, level=level) for level in intervals.LEVELS)
    d = derived.to_numpy()
    out = np.select(
        [avg < at998.lower / d, avg < at95.lower / d, avg > at998.upper / d, avg > at95.upper / d],
        [HIGH_998, HIGH_95, LOW_998, LOW_95], default=WITHIN)
    if rate_type == "dsr":
        out = np.where(x < intervals.BYAR_FROM, NOT_PLACED, out)
    return pd.Series(out, index=x.index, dtype="str")


# ------------------------------------------------------------------ the package's arithmetic
def _sigma_adjustment(p: float, population: np.ndarray, average: float, side: str) -> np.ndarray:
    """The package's ``sigma_adjustment``: the proportion on the limit at one-sided ``p`` for ``population``."""
    z2 = NormalDist().inv_cdf(p) ** 2
    n = np.asarray(population, dtype="float64")
    first = average * (n / z2 + 1)
    adj = np.sqrt((-8 * average * (n / z2 + 1)) ** 2
                  - 64 * (1 / z2 + 1 / n) * average * (n * (average * (n / z2 + 2) - 1) + z2 * (average - 1)))
    last = 1 / z2 + 1 / n
    limit = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
    return np.asarray(limit / n, dtype="float64")


def _poisson_funnel(events: np.ndarray, p: float, side: str) -> np.ndarray:
    """The package's ``poisson_funnel``: the Poisson mean with tail probability ``p``, by its bisection.

    "low": the mean at which P(X >= events) = p; "high": the mean at which P(X <= events) = p.
    The bisection runs on ``v`` in (0, 1), mean = (1 + events) v / (1 - v), halving its step
    from 0.5 until the step is under 1e-7, exactly as the package does.
    """
    obs = np.asarray(events, dtype="float64")
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        mean = (1 + obs) * v / (1 - v)
        if side == "low":
            prob = np.where(obs > 0, gammainc(np.where(obs > 0, obs, 1.0), mean), 1.0)  # P(X >= obs)
            v = np.where(prob > p, v - dv, v + dv)
        else:
            prob = gammaincc(obs + 1, mean)  # P(X <= obs)
            v = np.where(prob < p, v - dv, v + dv)
    return np.asarray((1 + obs) * v / (1 - v), dtype="float64")


def _derived(x: pd.Series, denominator: pd.Series | None, *, statistic: str, multiplier: float,
             rate: pd.Series | None, rate_type: str) -> pd.Series:
    """The denominators: given (proportions), or ``multiplier * events / rate`` (rates), as the package derives them."""
    if statistic == "proportion":
        return pd.to_numeric(_need(denominator), errors="coerce").astype("float64")
    if statistic != "rate":
        raise ValueError(f"Unknown statistic {statistic!r}; expected 'proportion' or 'rate'.")
    if rate is None:
        raise ValueError("A funnel of rates needs each area's rate (per the multiplier), as well as its events.")
    if rate_type not in ("crude", "dsr"):
        raise ValueError(f"Unknown rate_type {rate_type!r}; expected 'crude' or 'dsr'.")
    r = pd.to_numeric(rate, errors="coerce").astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * x / r
    if rate_type == "dsr":
        return derived.where(x != 0)
    if denominator is None and (x == 0).any():
        raise ValueError("A crude rate with no events needs its denominator, to place it on the funnel.")
    if denominator is not None:
        derived = derived.where(x != 0, pd.to_numeric(denominator, errors="coerce").astype("float64"))
    return derived


def _floor(x: float, down: float = 0.95) -> float:
    """The package's ``signif.floor``: 95% of ``x`` rounded down to its first significant figure."""
    if x == 0:
        return 0.0
    n = len(str(int(np.floor(x * down)))) - 1
    return float(np.floor(x * down / 10**n) * 10**n)


def _ceiling(x: float, up: float = 1.05) -> float:
    """The package's ``signif.ceiling``: 105% of ``x`` rounded up to two significant figures."""
    if x == 0:
        return 0.0
    n = len(str(int(np.ceil(x * up)))) - 2
    return float(np.ceil(x * up / 10**n) * 10**n)


def _need(denominator: pd.Series | None) -> pd.Series:
    if denominator is None:
        raise ValueError("A funnel of proportions needs each area's denominator.")
    return denominator


def _reorder(frame: pd.DataFrame, first: str) -> pd.DataFrame:
    limits = [c for c in frame.columns if c.startswith(("lower_", "upper_"))]
    rest = [c for c in frame.columns if c not in limits and c != first]
    return frame[[first, *limits, *rest]]
