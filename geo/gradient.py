"""The deprivation gradient: an outcome against IMD average score across local authorities.

- :func:`weighted_fit`: the population-weighted least-squares line of the outcome on
  IMD score, with a 95% confidence interval for its slope.
- :func:`ohid_indices`: the slope index of inequality (SII) and relative index (RII)
  as OHID's ``phe_sii`` (PHEindicatormethods) defines them (:func:`geo.inequality.sii`),
  across deciles of LAs by IMD score. LAs are ordered from the most to the least
  deprived and cut into ``groups`` groups of (near) equal numbers of LAs; each
  group's value is the population-weighted mean of its LAs' values, placed at the
  middle of its cumulative population share (0 = most deprived end, 1 = least);
  the population-weighted line through the group values gives SII = the fitted
  value at the least deprived end minus the most deprived end, and RII = the fitted
  value at the least deprived end over that at the most deprived end. The 95% and
  99.8% intervals are ``phe_sii``'s simulation from each decile's standard error,
  which combines its LAs' published 95% intervals as independent estimates (the
  variance of a weighted mean, :func:`geo.intervals.weighted_mean`; on the log scale for
  rates by the delta method).
  Where the LAs' intervals are not held there is no interval, and it says why.
- :func:`inequality`: the atlas's older figures on the same deciles and line: the
  same SII with a 95% interval from the line's standard error (t with groups - 2
  degrees of freedom), and "RII (SII over the mean)": SII / the population-weighted
  mean, a different number from OHID's RII (:data:`geo.inequality.MEAN_RII`).
- :func:`residuals`: each area's value against the value its deprivation predicts.
  An area is *better* or *worse than predicted* when the prediction lies outside
  the area's own 95% confidence interval, or, where no interval is held, when the
  residual is beyond 1.96 x the line's residual standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo import indicators
from geo._paths import DATA_DIR
from geo.catalogue import get
from geo.errors import DataUnavailableError, UploadError
from geo.inequality import DEFAULT_REPETITIONS, DEFAULT_SEED, SiiInterval
from geo.inequality import sii as phe_sii
from geo.intervals import no_interval, weighted_mean
from geo.periods import imd_editions, nearest_edition, period_year
from geo.values import population_weights, values_on

__all__ = [
    "METHOD_NOTE",
    "MEAN_RII_NAME",
    "Fit",
    "Gradient",
    "Inequality",
    "OhidIndices",
    "VERDICTS",
    "gradient",
    "inequality",
    "ohid_indices",
    "residuals",
    "weighted_fit",
]

#: The name the older relative index goes by wherever it is shown beside OHID's.
MEAN_RII_NAME: Final = "RII (SII over the mean)"
#: How the SII and RII are made, for the page, the CSV header and the command line.
METHOD_NOTE: Final = (
    "SII and RII as OHID's phe_sii (R package PHEindicatormethods) defines them, after Low & Low (2004): local "
    "authorities in 10 deciles by IMD average score, most deprived first, each decile's population-weighted value "
    "placed at the middle of its cumulative population share; a population-weighted line through the deciles. "
    "SII = the line's value at the least deprived end minus the most deprived end; RII = the line's value at the "
    "least deprived end over the most deprived end. Their 95% and 99.8% intervals are phe_sii's simulation: "
    f"{DEFAULT_REPETITIONS:,} draws of each decile's value from its standard error (log scale for rates), the line "
    "refitted to each draw. Each decile's standard error combines its authorities' published 95% intervals as "
    "independent estimates; where those are not held there is no interval. "
    f"{MEAN_RII_NAME}: the atlas's older definition (SII / the population-weighted mean, interval from the line's "
    "t distribution), not OHID's."
)
#: phe_sii's value type for each catalogue value type.
_PHE_TYPES: Final[dict[str, Literal["normal", "rate", "proportion"]]] = {
    "years": "normal", "rate": "rate", "proportion": "proportion"}

#: Residual verdicts, best first.
VERDICTS: tuple[str, ...] = ("better than predicted", "as predicted", "worse than predicted", "no value")


@dataclass(frozen=True)
class Fit:
    """A weighted straight line ``y = intercept + slope * x`` with a 95% interval for the slope."""

    intercept: float
    slope: float
    slope_lower: float
    slope_upper: float
    residual_sd: float
    n: int

    def predict(self, x: pd.Series | np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype="float64")


@dataclass(frozen=True)
class Inequality:
    """SII and RII with 95% intervals, and the table of groups they rest on."""

    sii: float
    sii_lower: float
    sii_upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    mean: float
    groups: pd.DataFrame


@dataclass(frozen=True)
class OhidIndices:
    """The SII and RII as OHID's ``phe_sii`` defines them, with its simulated intervals where they can be made."""

    sii: float
    rii: float
    #: The simulated limits at 95% and 99.8% (empty when none could be simulated: see :attr:`no_interval`).
    intervals: tuple[SiiInterval, ...]
    #: "" when the intervals were simulated, else "no interval: <reason>".
    no_interval: str
    #: phe_sii's value type ("normal", "rate" or "proportion") and the number of draws.
    value_type: str
    repetitions: int
    #: One row per decile, most deprived first: quantile, population, value, se (phe_sii's scale), share, rank.
    groups: pd.DataFrame

    def interval(self, level: float) -> SiiInterval | None:
        """The limits at ``level`` percent (95 or 99.8), or ``None`` when there is no interval."""
        return next((i for i in self.intervals if math.isclose(i.level, level)), None)

    def limits(self, which: Literal["sii", "rii"], *, digits: int = 2) -> str:
        """ "95% CI a to b; 99.8% CI c to d", or the reason there is none."""
        if not self.intervals:
            return self.no_interval
        fmt = f"{{:.{digits}f}}"
        return "; ".join(f"{i.level:g}% CI {fmt.format(getattr(i, f'{which}_lower'))} to "
                         f"{fmt.format(getattr(i, f'{which}_upper'))}" for i in self.intervals)


def weighted_fit(x: pd.Series | np.ndarray, y: pd.Series | np.ndarray, w: pd.Series | np.ndarray | None = None) -> Fit:
    """Weighted least squares of ``y`` on ``x``; weights are relative (scaled to mean 1).

    Examples
    --------
    >>> f = weighted_fit([0.0, 1, 2], [1.0, 3, 5])
    >>> round(f.slope, 6), round(f.intercept, 6)
    (2.0, 1.0)
    """
    xa, ya = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    wa = np.ones_like(xa) if w is None else np.asarray(w, dtype="float64")
    keep = np.isfinite(xa) & np.isfinite(ya) & np.isfinite(wa) & (wa > 0)
    xa, ya, wa = xa[keep], ya[keep], wa[keep]
    n = len(xa)
    if n < 3 or np.ptp(xa) == 0:
        raise DataUnavailableError(f"A line needs at least 3 areas with different values; got {n}.")
    wa = wa / wa.mean()
    xm, ym = np.average(xa, weights=wa), np.average(ya, weights=wa)
    sxx = float(np.sum(wa * (xa - xm) ** 2))
    slope = float(np.sum(wa * (xa - xm) * (ya - ym)) / sxx)
    intercept = float(ym - slope * xm)
    resid = ya - (intercept + slope * xa)
    sigma2 = float(np.sum(wa * resid**2) / (n - 2))
    se = math.sqrt(sigma2 / sxx)
    from scipy import stats  # a dependency of mapclassify; imported only when a line is fitted

    t = float(stats.t.ppf(0.975, n - 2))
    return Fit(intercept, slope, slope - t * se, slope + t * se, math.sqrt(sigma2), n)


def _grouped(values: pd.Series, imd: pd.Series, weights: pd.Series | None, *, groups: int) -> pd.DataFrame:
    """One row per area with a value and a score: area_code, value, imd, weight and its group (1 = most deprived)."""
    frame = pd.DataFrame({"value": values, "imd": imd})
    frame["weight"] = 1.0 if weights is None else weights
    frame = frame.dropna()
    if len(frame) < groups:
        raise DataUnavailableError(f"SII across {groups} groups needs at least {groups} areas; got {len(frame)}.")
    # most deprived first; equal scores in code order so the grouping never depends on row order
    frame = frame.rename_axis("area_code").reset_index().sort_values(["imd", "area_code"], ascending=[False, True])
    frame["group"] = np.arange(len(frame)) * groups // len(frame) + 1
    return frame


def inequality(
    values: pd.Series, imd: pd.Series, weights: pd.Series | None = None, *, groups: int = 10
) -> Inequality:
    """SII and RII of ``values`` across ``groups`` groups of areas ordered by ``imd`` (higher = more deprived).

    All three series share an index (area codes); areas lacking a value or a score
    are left out; without ``weights`` every area counts the same.
    """
    frame = _grouped(values, imd, weights, groups=groups)
    g = pd.DataFrame(
        [
            {
                "group": int(str(k)),
                "areas": len(d),
                "population": float(d["weight"].sum()),
                "value": float(np.average(d["value"], weights=d["weight"])),
                "imd_min": float(d["imd"].min()),
                "imd_max": float(d["imd"].max()),
            }
            for k, d in frame.groupby("group")
        ]
    )
    share = g["population"] / g["population"].sum()
    g["rank"] = share.cumsum() - share / 2
    fit = weighted_fit(g["rank"], g["value"], g["population"])
    mean = float(np.average(g["value"], weights=g["population"]))
    return Inequality(
        sii=fit.slope, sii_lower=fit.slope_lower, sii_upper=fit.slope_upper,
        rii=fit.slope / mean, rii_lower=fit.slope_lower / mean, rii_upper=fit.slope_upper / mean,
        mean=mean, groups=g,
    )


def ohid_indices(
    values: pd.Series,
    imd: pd.Series,
    weights: pd.Series | None = None,
    *,
    lower_ci: pd.Series | None = None,
    upper_ci: pd.Series | None = None,
    value_type: Literal["normal", "rate", "proportion"] = "normal",
    scale: float = 1.0,
    groups: int = 10,
    repetitions: int = DEFAULT_REPETITIONS,
    seed: int = DEFAULT_SEED,
) -> OhidIndices:
    """SII and RII of ``values`` across ``groups`` deciles of areas by ``imd``, as ``phe_sii`` computes them.

    The deciles are those of :func:`inequality` (same areas, order and weights). Each
    decile's standard error is that of its population-weighted mean, from its areas'
    95% limits (``lower_ci``, ``upper_ci``) taken as independent; on ``phe_sii``'s scale
    (the log of a rate, the logit of a proportion, by the delta method). Without every
    area's limits there is no interval, and :attr:`OhidIndices.no_interval` says why.
    ``scale`` is a proportion's base (100 for a percentage): values are divided by it for
    ``phe_sii`` and the SII given back on it.
    """
    frame = _grouped(values, imd, weights, groups=groups)
    codes = frame["area_code"]
    lo = (pd.Series(np.nan, index=codes) if lower_ci is None else pd.to_numeric(lower_ci, errors="coerce").reindex(codes))
    hi = (pd.Series(np.nan, index=codes) if upper_ci is None else pd.to_numeric(upper_ci, errors="coerce").reindex(codes))
    unit = scale if value_type == "proportion" else 1.0
    y = frame["value"].to_numpy(dtype="float64") / unit
    # each decile: the weighted mean of its areas' values and its standard error, their 95% limits taken as independent
    g = weighted_mean(y, lo.to_numpy(dtype="float64") / unit, hi.to_numpy(dtype="float64") / unit, frame["weight"],
                      groups=frame["group"], scale=value_type)
    g["population"] = frame.groupby("group")["weight"].sum()
    value = g["value"].to_numpy()
    natural = np.nan_to_num(g["se"].to_numpy())
    on_scale = {"rate": natural / value, "proportion": natural / (value * (1 - value))}.get(value_type, natural)
    missing = int(g["without"].sum())
    why = "" if missing == 0 else no_interval(
        f"the areas' 95% confidence intervals are not held ({missing} of {len(frame)} have none), so the deciles' "
        "standard errors, from which phe_sii simulates, cannot be found")
    found = phe_sii(g.index.to_numpy(), g["population"].to_numpy(), value,
                    se=on_scale if not why else np.zeros(len(g)), value_type=value_type, multiplier=unit,
                    repetitions=repetitions if not why else 1000, levels=(95.0, 99.8), seed=seed)
    return OhidIndices(sii=found.sii, rii=found.rii, intervals=found.intervals if not why else (), no_interval=why,
                       value_type=value_type, repetitions=repetitions, groups=found.groups)


def residuals(
    values: pd.Series,
    imd: pd.Series,
    weights: pd.Series | None = None,
    *,
    polarity: str,
    lower_ci: pd.Series | None = None,
    upper_ci: pd.Series | None = None,
) -> tuple[pd.DataFrame, Fit]:
    """Each area's value, its prediction from IMD score, the residual and the verdict.

    Columns: ``value``, ``imd``, ``predicted``, ``residual`` (value - predicted),
    ``verdict`` (one of :data:`VERDICTS`) and ``rule`` ("own 95% CI" or "1.96 SD").
    """
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise ValueError(f"Expected polarity higher_is_better or lower_is_better; got {polarity!r}.")
    frame = pd.DataFrame({"value": pd.to_numeric(values, errors="coerce"), "imd": pd.to_numeric(imd, errors="coerce")})
    w = None if weights is None else pd.to_numeric(weights, errors="coerce").reindex(frame.index)
    fit = weighted_fit(frame["imd"], frame["value"], w)
    frame["predicted"] = fit.predict(frame["imd"])
    frame["residual"] = frame["value"] - frame["predicted"]
    lo = pd.Series(np.nan, index=frame.index) if lower_ci is None else pd.to_numeric(lower_ci, errors="coerce").reindex(frame.index)
    hi = pd.Series(np.nan, index=frame.index) if upper_ci is None else pd.to_numeric(upper_ci, errors="coerce").reindex(frame.index)
    has_ci = lo.notna() & hi.notna()
    above = np.where(has_ci, frame["predicted"] < lo, frame["residual"] > 1.96 * fit.residual_sd)
    below = np.where(has_ci, frame["predicted"] > hi, frame["residual"] < -1.96 * fit.residual_sd)
    good, bad = (above, below) if polarity == "higher_is_better" else (below, above)
    verdict = np.select([frame["residual"].isna(), good, bad],
                        [VERDICTS[3], VERDICTS[0], VERDICTS[2]], default=VERDICTS[1])
    frame["verdict"] = verdict
    frame["rule"] = np.where(has_ci, "own 95% CI", "1.96 SD")
    return frame, fit


@dataclass(frozen=True)
class Gradient:
    """The gradient of one outcome on one LA code set."""

    indicator_id: str
    label: str
    unit: str
    period: str
    sex: str
    vintage: str
    imd_edition: str
    fit: Fit
    inequality: Inequality
    table: pd.DataFrame
    weighting: str
    notes: tuple[str, ...]
    #: OHID's SII and RII (phe_sii) with their simulated intervals.
    ohid: OhidIndices

    def header(self) -> list[str]:
        f, q, o = self.fit, self.inequality, self.ohid
        return [
            f"Deprivation gradient: {self.label} ({self.indicator_id}, {self.sex}, {self.period}) against "
            f"IMD {self.imd_edition} average score, LA {self.vintage} codes; {self.weighting}",
            f"Line: {f.intercept:.4g} + {f.slope:.4g} x score (slope 95% CI {f.slope_lower:.4g} to "
            f"{f.slope_upper:.4g}), {f.n} areas, residual SD {f.residual_sd:.4g}",
            (f"SII (OHID's phe_sii) {o.sii:.4g} ({o.limits('sii', digits=3)}); RII (OHID's phe_sii) {o.rii:.4g} "
             f"({o.limits('rii', digits=4)}) across 10 deciles of LAs" if o.intervals else
             f"SII (OHID's phe_sii) {o.sii:.4g}; RII (OHID's phe_sii) {o.rii:.4g} across 10 deciles of LAs; "
             f"{o.no_interval}"),
            f"{MEAN_RII_NAME} {q.rii:.4g} (95% CI {q.rii_lower:.4g} to {q.rii_upper:.4g} from the line's t "
            f"distribution; SII 95% CI on the same basis {q.sii_lower:.4g} to {q.sii_upper:.4g})",
            f"Method: {METHOD_NOTE}",
            "verdict: better/worse than predicted when the prediction lies outside the area's 95% CI, or "
            "(no CI held) when the residual is beyond 1.96 x the residual SD",
            *[f"Note: {n}" for n in self.notes],
        ]


def gradient(
    indicator_id: str,
    *,
    period: str,
    sex: str,
    vintage: str,
    imd_edition: str | None = None,
    data_dir: Path = DATA_DIR,
) -> Gradient:
    """Scatter, line, SII/RII and residuals of one LA outcome on one code set.

    IMD is the edition nearest the period unless given; weights are the all-age
    population of the year held nearest the period (plain when none is held).
    """
    ind = get(indicator_id, data_dir=data_dir)
    if ind.polarity == "none":
        raise UploadError(f"{ind.label} has no better or worse direction; pick a health outcome.")
    editions = imd_editions("lad", data_dir=data_dir)
    edition = imd_edition or nearest_edition(period, list(editions))
    if edition not in editions:
        raise UploadError(f"IMD {edition} is not held for local authorities; held: {', '.join(editions)}.")
    values, notes = values_on(indicator_id, period=period, sex=sex, level="lad", vintage=vintage, data_dir=data_dir)
    imd, more = values_on(editions[edition], period=edition, sex="persons", level="lad", vintage=vintage,
                          data_dir=data_dir)
    rows = indicators.load(indicator_id, level="lad", period=period, sex=sex, data_dir=data_dir)
    rows = rows[rows["vintage"] == vintage].set_index("area_code")
    weights, year = population_weights(vintage=vintage, near_year=period_year(period), data_dir=data_dir)
    if weights is not None and weights.reindex(values.dropna().index).isna().any():
        weights, weighting = None, "unweighted (not every area has a population held)"
    else:
        weighting = f"weighted by {year} population" if weights is not None else "unweighted (no population held)"
    table, fit = residuals(values, imd, weights, polarity=ind.polarity,
                           lower_ci=rows.get("lower_ci"), upper_ci=rows.get("upper_ci"))
    table.insert(0, "population", weights.reindex(table.index) if weights is not None else np.nan)
    ineq = inequality(values, imd, weights)
    ohid = ohid_indices(values, imd, weights, lower_ci=rows.get("lower_ci"), upper_ci=rows.get("upper_ci"),
                        value_type=_PHE_TYPES.get(ind.value_type, "normal"),
                        scale=100.0 if ind.unit.startswith("%") else 1.0)
    return Gradient(indicator_id, ind.label, ind.unit, period, sex, vintage, edition, fit, ineq, table, weighting,
                    (*notes, *more), ohid)
