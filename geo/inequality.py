"""The slope and relative index of inequality as OHID's ``phe_sii`` defines them.

PHEindicatormethods' ``phe_sii`` (its default, untransformed calculation), after Low &
Low (2004):

- The quantiles (e.g. deprivation deciles) are ordered from the most deprived (1) to
  the least. Each gets ``a`` = its share of the population and ``b`` = the midpoint of
  its range in the cumulative population share (``FindXValues``).
- The regression ``Y sqrt(a) = c sqrt(a) + s b sqrt(a)`` (no intercept: weighted least
  squares with weights ``a``) gives the **SII** = ``s``, the fitted value at ``b = 1``
  minus that at ``b = 0``, times the ``multiplier``; and the **RII** = ``(c + s) / c``,
  the fitted value at the least deprived end over that at the most deprived end
  (inverted when the multiplier is negative).
- The confidence intervals are simulated: each quantile's value is drawn ``repetitions``
  times (default 100,000) from a normal distribution with its standard error (on the log
  scale for rates, the logit scale for proportions, then transformed back), the line is
  refitted to each draw, and the limits are the draws at positions ``round(R (1-c)/2)``
  and ``round(R (1+c)/2)`` of the sorted SIIs (and RIIs). The standard error, when not
  given, is ``(upper - lower) / (2 x 1.96)`` of the 95% limits on that scale.

The draws here come from numpy's PCG64 generator with a fixed ``seed`` (default
:data:`DEFAULT_SEED`), so a result is the same on every run; R's ``rnorm`` under
``set.seed`` draws other numbers, so the limits agree with R's to the simulation's
tolerance (the package reports a mean absolute difference between runs, e.g. 0.02 for
an SII of -14.8 in its vignette), not digit for digit. The SII and RII themselves are
not simulated and agree exactly.

**Two RIIs.** The atlas's deprivation gradient (:func:`geo.gradient.inequality`) calls
RII the SII divided by the population-weighted mean (:data:`MEAN_RII`), with intervals
from the line's t distribution. OHID's is the ratio of the line's two ends
(:data:`OHID_RII`). The SII is the same in both (the same weighted line); the RIIs are
different numbers. :class:`Sii` carries OHID's as ``rii`` and the other, clearly named,
as ``rii_over_mean``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Final, Literal

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_REPETITIONS", "DEFAULT_SEED", "MEAN_RII", "OHID_RII", "Sii", "SiiInterval", "sii"]

DEFAULT_REPETITIONS: Final = 100_000
DEFAULT_SEED: Final = 20_040_388  # any fixed number: Low & Low 2004, 26:388
OHID_RII: Final = ("RII as OHID's phe_sii defines it: the fitted value at the least deprived end over the fitted "
                   "value at the most deprived end, (Y0 + SII) / Y0")
MEAN_RII: Final = ("RII as the atlas's deprivation gradient defines it: the SII over the population-weighted mean "
                   "of the groups' values")
_MIN_QUANTILES, _MAX_QUANTILES = 5, 100
_CHUNK: Final = 20_000  # draws per block, to bound memory with 100 quantiles

ValueType = Literal["normal", "rate", "proportion"]


@dataclass(frozen=True)
class SiiInterval:
    """The simulated limits of the SII and the RII at one confidence level (percent)."""

    level: float
    sii_lower: float
    sii_upper: float
    rii_lower: float
    rii_upper: float


@dataclass(frozen=True)
class Sii:
    """The SII and RII of one area (or group) as ``phe_sii`` returns them, with what they rest on."""

    sii: float
    rii: float
    #: The fitted value at the most deprived end (b = 0), ``phe_sii``'s ``intercept``.
    intercept: float
    #: The population-weighted mean of the quantiles' values (for :attr:`rii_over_mean`).
    mean: float
    intervals: tuple[SiiInterval, ...]
    value_type: ValueType
    multiplier: float
    repetitions: int
    seed: int
    #: quantile, population, value, se, share (a), rank (b): one row per quantile, most deprived first.
    groups: pd.DataFrame = field(repr=False)

    @property
    def method(self) -> str:
        """How the intervals were found, e.g. "simulation, 100,000 repetitions (phe_sii)"."""
        return f"simulation, {self.repetitions:,} repetitions (phe_sii)"

    @property
    def rii_over_mean(self) -> float:
        """The other definition (:data:`MEAN_RII`): the unscaled SII over the weighted mean."""
        return self.sii / self.multiplier / self.mean

    def interval(self, level: float = 95.0) -> SiiInterval:
        """The limits at ``level`` percent (one of the levels asked for)."""
        for found in self.intervals:
            if math.isclose(found.level, level):
                return found
        held = ", ".join(f"{i.level:g}%" for i in self.intervals)
        raise ValueError(f"No {level:g}% interval was simulated (held: {held}); pass levels=({level:g},) to sii().")


def sii(
    quantile: pd.Series | np.ndarray | list[float],
    population: pd.Series | np.ndarray | list[float],
    value: pd.Series | np.ndarray | list[float],
    *,
    se: pd.Series | np.ndarray | list[float] | None = None,
    lower_ci: pd.Series | np.ndarray | list[float] | None = None,
    upper_ci: pd.Series | np.ndarray | list[float] | None = None,
    value_type: ValueType = "normal",
    multiplier: float = 1.0,
    repetitions: int = DEFAULT_REPETITIONS,
    levels: tuple[float, ...] = (95.0,),
    seed: int = DEFAULT_SEED,
) -> Sii:
    """The SII and RII of one area's quantiles, with simulated intervals at each of ``levels``.

    Parameters
    ----------
    quantile
        The quantile of each row, 1 = most deprived (5 to 100 quantiles, each once).
    population, value
        Each quantile's population (above 0) and indicator value (a proportion as 0-1).
    se, lower_ci, upper_ci
        The value's standard error, or its 95% limits (one or the other is needed).
    value_type
        "normal", "rate" (simulated on the log scale) or "proportion" (logit scale).
    multiplier
        Scales the SII and its limits (e.g. 100 for percentages; negative inverts the RII).
    levels
        Confidence levels of the intervals in percent, each from 90 to under 100.
    """
    if value_type not in ("normal", "rate", "proportion"):
        raise ValueError(f"Unknown value_type {value_type!r}; expected 'normal', 'rate' or 'proportion'.")
    if repetitions < 1000:
        raise ValueError(f"phe_sii needs at least 1,000 repetitions; got {repetitions:,}. The default is 100,000.")
    for level in levels:
        if not 90 <= level < 100:
            raise ValueError(f"Expected confidence levels from 90 to under 100 (percent); got {level:g}.")
    groups = _groups(quantile, population, value, se=se, lower_ci=lower_ci, upper_ci=upper_ci, value_type=value_type)
    root_a = np.sqrt(groups["share"].to_numpy())
    design = np.column_stack([root_a, groups["rank"].to_numpy() * root_a])
    y = groups["value"].to_numpy()
    (c, s), *_ = np.linalg.lstsq(design, y * root_a, rcond=None)
    rii = (c + s) / c
    draws_c, draws_s = _simulate(groups, design, value_type=value_type, repetitions=repetitions, seed=seed)
    sims_sii = np.sort(multiplier * draws_s)
    sims_rii = (draws_c + draws_s) / draws_c
    sims_rii = np.sort(1 / sims_rii if multiplier < 0 else sims_rii)
    found = []
    for level in levels:
        upper_p = level / 100 + (1 - level / 100) / 2
        lo, hi = round(repetitions * (1 - upper_p)) - 1, round(repetitions * upper_p) - 1  # R's 1-based positions
        found.append(SiiInterval(float(level), float(sims_sii[lo]), float(sims_sii[hi]), float(sims_rii[lo]),
                                 float(sims_rii[hi])))
    mean = float(np.average(y, weights=groups["population"].to_numpy()))
    return Sii(sii=float(multiplier * s), rii=float(1 / rii if multiplier < 0 else rii), intercept=float(c),
               mean=mean, intervals=tuple(found), value_type=value_type, multiplier=float(multiplier),
               repetitions=repetitions, seed=seed, groups=groups)


def _groups(quantile: pd.Series | np.ndarray | list[float], population: pd.Series | np.ndarray | list[float],
            value: pd.Series | np.ndarray | list[float], *, se: pd.Series | np.ndarray | list[float] | None,
            lower_ci: pd.Series | np.ndarray | list[float] | None,
            upper_ci: pd.Series | np.ndarray | list[float] | None, value_type: ValueType) -> pd.DataFrame:
    """One row per quantile, most deprived first, with its share ``a``, rank ``b`` and standard error."""
    frame = pd.DataFrame({"quantile": np.asarray(quantile), "population": _floats(population),
                          "value": _floats(value)})
    n = len(frame)
    if not _MIN_QUANTILES <= n <= _MAX_QUANTILES or frame["quantile"].nunique() != n:
        raise ValueError(f"phe_sii needs 5 to 100 quantiles, each once; got {n} rows for "
                         f"{frame['quantile'].nunique()} quantiles. Aggregate to deciles or quintiles first.")
    if frame["population"].isna().any() or (frame["population"] <= 0).any():
        raise ValueError("Every quantile needs a population above 0; some are 0, negative or missing.")
    if frame["value"].isna().any():
        raise ValueError("Every quantile needs a value; some are missing, so there is no SII for this area.")
    if value_type == "proportion" and ((frame["value"] <= 0) | (frame["value"] >= 1)).any():
        raise ValueError("Proportions must lie between 0 and 1 (pass 0.25, not 25%).")
    if se is not None:
        frame["se"] = _floats(se)
    elif lower_ci is not None and upper_ci is not None:
        lo, hi = _scale(_floats(lower_ci), value_type), _scale(_floats(upper_ci), value_type)
        frame["se"] = (hi - lo) / NormalDist().inv_cdf(0.975) / 2  # phe_sii: from the 95% limits
    else:
        raise ValueError("phe_sii needs each quantile's standard error, or its 95% lower and upper limits.")
    if frame["se"].isna().any() or (frame["se"] < 0).any():
        raise ValueError("Every quantile needs a standard error (or limits) of 0 or more; some are missing.")
    frame = frame.sort_values("quantile", kind="stable").reset_index(drop=True)
    share = frame["population"] / frame["population"].sum()
    frame["share"] = share
    frame["rank"] = share.cumsum() - share / 2
    return frame


def _simulate(groups: pd.DataFrame, design: np.ndarray, *, value_type: ValueType, repetitions: int,
              seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The refitted (intercept, slope) of each draw of the quantiles' values (``SimulationFunc``)."""
    rng = np.random.default_rng(seed)
    centre = _scale(groups["value"].to_numpy(), value_type)[:, None]
    spread = groups["se"].to_numpy()[:, None]
    root_a = design[:, :1]
    solve = np.linalg.solve(design.T @ design, design.T)  # (X'X)^-1 X'
    cs, ss = [], []
    for start in range(0, repetitions, _CHUNK):
        size = min(_CHUNK, repetitions - start)
        drawn = _unscale(rng.normal(centre, spread, size=(len(groups), size)), value_type)
        params = solve @ (drawn * root_a)
        cs.append(params[0])
        ss.append(params[1])
    return np.concatenate(cs), np.concatenate(ss)


def _scale(values: np.ndarray, value_type: ValueType) -> np.ndarray:
    if value_type == "rate":
        return np.log(values)
    if value_type == "proportion":
        return np.log(values / (1 - values))
    return values


def _unscale(values: np.ndarray, value_type: ValueType) -> np.ndarray:
    if value_type == "rate":
        return np.exp(values)
    if value_type == "proportion":
        return np.exp(values) / (1 + np.exp(values))
    return values


def _floats(values: pd.Series | np.ndarray | list[float]) -> np.ndarray:
    return pd.to_numeric(pd.Series(np.asarray(values)), errors="coerce").to_numpy(dtype="float64")
