"""The deprivation gradient: an outcome against IMD average score across local authorities.

- :func:`weighted_fit`: the population-weighted least-squares line of the outcome on
  IMD score, with a 95% confidence interval for its slope.
- :func:`inequality`: the slope index of inequality (SII) and relative index (RII)
  across deciles of LAs by IMD score. LAs are ordered from the most to the least
  deprived and cut into ``groups`` groups of (near) equal numbers of LAs; each
  group's value is the population-weighted mean of its LAs' values, placed at the
  middle of its cumulative population share (0 = most deprived end, 1 = least);
  the population-weighted line through the group values gives SII = value at the
  least deprived end minus the most deprived end, and RII = SII / the
  population-weighted mean. 95% intervals come from the line's standard error
  (t with groups - 2 degrees of freedom); OHID's published SII instead simulates
  from each decile's confidence interval, so intervals differ.
- :func:`residuals`: each area's value against the value its deprivation predicts.
  An area is *better* or *worse than predicted* when the prediction lies outside
  the area's own 95% confidence interval, or, where no interval is held, when the
  residual is beyond 1.96 x the line's residual standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import indicators
from geo._paths import DATA_DIR
from geo.catalogue import get
from geo.errors import DataUnavailableError, UploadError
from geo.periods import imd_editions, nearest_edition, period_year
from geo.values import population_weights, values_on

__all__ = [
    "Fit",
    "Gradient",
    "Inequality",
    "VERDICTS",
    "gradient",
    "inequality",
    "residuals",
    "weighted_fit",
]

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


def inequality(
    values: pd.Series, imd: pd.Series, weights: pd.Series | None = None, *, groups: int = 10
) -> Inequality:
    """SII and RII of ``values`` across ``groups`` groups of areas ordered by ``imd`` (higher = more deprived).

    All three series share an index (area codes); areas lacking a value or a score
    are left out; without ``weights`` every area counts the same.
    """
    frame = pd.DataFrame({"value": values, "imd": imd})
    frame["weight"] = 1.0 if weights is None else weights
    frame = frame.dropna()
    if len(frame) < groups:
        raise DataUnavailableError(f"SII across {groups} groups needs at least {groups} areas; got {len(frame)}.")
    # most deprived first; equal scores in code order so the grouping never depends on row order
    frame = frame.rename_axis("area_code").reset_index().sort_values(["imd", "area_code"], ascending=[False, True])
    frame["group"] = np.arange(len(frame)) * groups // len(frame) + 1
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

    def header(self) -> list[str]:
        f, q = self.fit, self.inequality
        return [
            f"Deprivation gradient: {self.label} ({self.indicator_id}, {self.sex}, {self.period}) against "
            f"IMD {self.imd_edition} average score, LA {self.vintage} codes; {self.weighting}",
            f"Line: {f.intercept:.4g} + {f.slope:.4g} x score (slope 95% CI {f.slope_lower:.4g} to "
            f"{f.slope_upper:.4g}), {f.n} areas, residual SD {f.residual_sd:.4g}",
            f"SII {q.sii:.4g} (95% CI {q.sii_lower:.4g} to {q.sii_upper:.4g}); RII {q.rii:.4g} "
            f"({q.rii_lower:.4g} to {q.rii_upper:.4g}) across 10 deciles of LAs",
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
    return Gradient(indicator_id, ind.label, ind.unit, period, sex, vintage, edition, fit, ineq, table, weighting,
                    (*notes, *more))
