"""The funnel plot of one map: every area's value against its denominator, inside 95% and 99.8% limits.

A funnel needs each area's count and denominator (proportions and crude rates) or its
events and rate (directly standardised rates). Where they are held, :func:`funnel_plot`
places every area with a value (:func:`geo.funnels.significance`) round the areas'
average (the sum of the counts over the sum of the denominators, as
``PHEindicatormethods``' ``phe_funnels`` takes it) and gives the limits along the
package's axis (:func:`geo.funnels.funnel`). A count and denominator are used only where
they reproduce the published value (count / denominator x 1, 100, 1,000, 10,000 or
100,000, within 0.5%: the rule :mod:`documents.figures` uses for the export's intervals);
the rest are left out and counted.

Where no funnel can be drawn, :class:`NoFunnel` says why in one line ("no funnel: life
expectancy is not a count over a denominator; ...").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo import boundaries, funnels, indicators
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, get
from geo.errors import AtlasError
from geo.schema import LEVEL_LABELS

__all__ = ["BASES", "NO_FUNNEL", "FunnelPlot", "NoFunnel", "funnel_plot", "reproduced_base"]

NO_FUNNEL: Final = "no funnel: "
#: Bases a published proportion or rate may be given per.
BASES: Final = (1.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
#: How close count / denominator x base must come to the published value (relative), as documents.figures.
_REPRODUCED: Final = 5e-3
#: Why a kind of value has no funnel.
_NOT_A_RATIO: Final[dict[str, str]] = {
    "years": "is not a count over a denominator (life expectancy is worked out from deaths and populations by "
             "age, and no count is held)",
    "rank": "is a rank, a position rather than a count over a denominator",
    "decile": "is a decile, a position rather than a count over a denominator",
    "score": "is a score, not a count over a denominator",
    "index": "is an index, not a count over a denominator",
    "count": "is a count with no denominator",
}
_MIN_AREAS: Final = 3


@dataclass(frozen=True)
class NoFunnel:
    """Why no funnel is drawn for an indicator on a map."""

    indicator_id: str
    reason: str

    @property
    def line(self) -> str:
        """ "no funnel: <reason>"."""
        return NO_FUNNEL + self.reason


@dataclass(frozen=True, eq=False)
class FunnelPlot:
    """Every area of one map placed against the 95% and 99.8% limits round the areas' average."""

    indicator: Indicator
    level: str
    vintage: str
    period: str
    sex: str
    statistic: funnels.Statistic
    rate_type: Literal["crude", "dsr"] | None
    #: The published values' base: 100 for a percentage, 100,000 for a rate per 100,000.
    multiplier: float
    funnel: funnels.Funnel
    #: area_code, area_name, value (published), count, denominator (given, or derived for a rate), side.
    points: pd.DataFrame = field(repr=False)
    #: The area to highlight (``None`` when it is not one of the points).
    area_code: str | None = None
    #: Areas not placed, and why (e.g. "2 areas: value suppressed").
    left_out: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        sex = "" if self.sex == "persons" else f", {self.sex}"
        period = "" if self.period in self.indicator.label else f", {self.period}"
        return (f"Funnel plot: {self.indicator.label}{sex}{period}; "
                f"{LEVEL_LABELS.get(self.level, self.level)} ({self.vintage} boundaries)")

    @property
    def denominator_label(self) -> str:
        """What the x axis counts, e.g. "households" (from a unit "% of households")."""
        if self.statistic == "rate":
            return "population (events / rate)" if self.rate_type == "dsr" else "population"
        unit = self.indicator.unit
        return unit[5:] if unit.startswith("% of ") else "denominator"

    def lines(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each limit as (x, y) along the axis: ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``."""
        curve = self.funnel.curve
        out = {}
        for name in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            x = curve["denominator"] if self.statistic == "proportion" else curve[f"population_{name}"]
            out[name] = (x.to_numpy(dtype="float64"), curve[name].to_numpy(dtype="float64"))
        return out

    def counts(self) -> dict[str, int]:
        """How many areas lie on each side of the limits (every side of :data:`geo.funnels.SIDES`)."""
        found = Counter(self.points["side"])
        return {side: int(found.get(side, 0)) for side in funnels.SIDES}

    def sentence(self) -> str:
        """Where the highlighted area lies, e.g. "Liverpool: 18.7 (37,012 of 198,195) lies above the 99.8% limit"."""
        if self.area_code is None:
            return ""
        row = self.points[self.points["area_code"] == self.area_code].iloc[0]
        return (f"{row['area_name']}: {row['value']:,.1f} ({row['count']:,.0f} of {row['denominator']:,.0f} "
                f"{self.denominator_label}) lies {row['side']}; the average of all {len(self.points)} areas is "
                f"{self.funnel.baseline:,.1f}.")


def reproduced_base(value: pd.Series, count: pd.Series, denominator: pd.Series, *, proportion: bool) -> pd.Series:
    """Per row, the base of :data:`BASES` for which value = count / denominator x base (within 0.5%); NaN for none."""
    v, x, n = (pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64") for s in (value, count, denominator))
    out = np.full(v.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n > 0, x / n, np.nan)
        fits = (x >= 0) & ((x <= n) if proportion else (n > 0))
    for base in BASES:
        hit = np.isnan(out) & fits & np.isclose(v, ratio * base, rtol=_REPRODUCED, atol=0.0)
        out[hit] = base
    return pd.Series(out, index=value.index)


def _is_dsr(ind: Indicator) -> bool:
    return "standardised" in f"{ind.title} {ind.description}".lower()


def _kind(ind: Indicator) -> tuple[funnels.Statistic, Literal["crude", "dsr"] | None] | str:
    """The funnel's statistic and rate type, or why there is none."""
    if ind.value_type == "proportion":
        return "proportion", None
    if ind.value_type == "rate":
        return "rate", "dsr" if _is_dsr(ind) else "crude"
    return f"{ind.label} {_NOT_A_RATIO.get(ind.value_type, 'is not a count over a denominator')}"


def funnel_plot(indicator_id: str, *, level: str, vintage: str, period: str, sex: str, area_code: str | None = None,
                data_dir: Path = DATA_DIR) -> FunnelPlot | NoFunnel:
    """The funnel of every area of one map (level, vintage, period, sex), or why there is none.

    ``area_code`` is highlighted when it is one of the areas placed.
    """
    ind = get(indicator_id, data_dir=data_dir)
    kind = _kind(ind)
    if isinstance(kind, str):
        return NoFunnel(indicator_id, kind)
    statistic, rate_type = kind
    try:
        rows = indicators.load(indicator_id, level=level, vintage=vintage, period=period, sex=sex, data_dir=data_dir)
    except AtlasError as exc:
        return NoFunnel(indicator_id, str(exc))
    ok = rows["status"].astype(str) == "ok"
    held = ok & rows["count"].notna() & rows["value"].notna()
    if rate_type != "dsr":  # a DSR's population is derived from its events and rate
        held &= rows["denominator"].notna()
    if not held.any():
        return NoFunnel(indicator_id, f"no count or denominator is held for {ind.label} on these areas")
    reasons: Counter[str] = Counter({"value suppressed or missing": int((~ok).sum())})
    reasons["no count or denominator held"] = int((ok & ~held).sum())
    rows = rows[held]
    if rate_type == "dsr":
        base = pd.Series(_rate_base(ind), index=rows.index)
    else:
        base = reproduced_base(rows["value"], rows["count"], rows["denominator"], proportion=statistic == "proportion")
        if base.isna().all():
            return NoFunnel(indicator_id, f"the counts and denominators held for {ind.label} do not reproduce the "
                                          "published values, so they cannot place them")
    multiplier = float(base.mode().iloc[0])
    keep = base == multiplier
    reasons["count and denominator do not reproduce the published value"] = int((~keep).sum())
    rows = rows[keep]
    if len(rows) < _MIN_AREAS:
        return NoFunnel(indicator_id, f"fewer than {_MIN_AREAS} areas have a count and denominator that reproduce "
                                      "their value")
    x, n, value = (pd.to_numeric(rows[c], errors="coerce").astype("float64") for c in ("count", "denominator", "value"))
    given = None if rate_type == "dsr" else n
    rate = value if statistic == "rate" else None
    drawn = funnels.funnel(x, given, statistic=statistic, multiplier=multiplier, rate=rate, rate_type=rate_type or "crude")
    side = funnels.significance(x, given, statistic=statistic, multiplier=multiplier, rate=rate,
                                rate_type=rate_type or "crude")
    names = boundaries.area_lookup(level, vintage, data_dir=data_dir).set_index("area_code")["area_name"]
    denominator = n if statistic == "proportion" else multiplier * x / value
    points = pd.DataFrame({"area_code": rows["area_code"].astype(str).to_numpy(),
                           "area_name": [str(names.get(c, c)) for c in rows["area_code"]],
                           "value": value.to_numpy(), "count": x.to_numpy(), "denominator": denominator.to_numpy(),
                           "side": side.to_numpy()})
    highlight = area_code if area_code is not None and area_code in set(points["area_code"]) else None
    left_out = tuple(f"{k} area{'s' if k > 1 else ''}: {why}" for why, k in reasons.items() if k)
    return FunnelPlot(indicator=ind, level=level, vintage=vintage, period=period, sex=sex, statistic=statistic,
                      rate_type=rate_type, multiplier=multiplier, funnel=drawn, points=points, area_code=highlight,
                      left_out=left_out)


def _rate_base(ind: Indicator) -> float:
    """The base a rate is given per, read from its unit ("per 100,000" -> 100,000; 1 when it names none)."""
    for base in sorted(BASES, reverse=True):
        if f"per {base:,.0f}" in ind.unit:
            return base
    return 1.0
