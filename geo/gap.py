"""The gap tracker: a group of areas against England in every period held, and a 10% target line.

Generic over an indicator and its polarity (:class:`GapIndicator`); life expectancy
by sex comes first (:data:`LIFE_EXPECTANCY`), and adding an indicator is a new
record, not new code.

- **Absolute gap** = England - group when higher is better (years of life
  expectancy), group - England when lower is better: positive means the group is
  worse.
- **Relative gap** = absolute gap / England x 100 (the PSA target's measure).
- **Change since the baseline**: the gap minus the baseline's gap, and the relative
  gap's change as % of its baseline value (negative = narrowed).
- **Target line**: straight from the baseline gap down to (1 - ``narrowing``) x the
  baseline gap at the target period, flat after it.
- **The group's figure** is the population-weighted mean of its areas' published
  values where every area has a population, otherwise the plain mean (said in
  :attr:`GapResult.method`). The official 2010-target figure pooled the group's
  deaths and populations into one life table; the weighted mean of area life
  expectancies is close to it but not the same.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import indicators
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError, UploadError
from geo.spearhead import period_year, values_on, write_csv

__all__ = [
    "GapIndicator",
    "GapResult",
    "INDICATORS",
    "LIFE_EXPECTANCY",
    "add_command",
    "gap_table",
    "group_value",
    "population_weights",
    "track",
]


@dataclass(frozen=True)
class GapIndicator:
    """An indicator the tracker follows: which data, which sex, which way is worse."""

    key: str
    indicator_id: str
    sex: str
    polarity: str
    label: str


LIFE_EXPECTANCY: tuple[GapIndicator, ...] = (
    GapIndicator("le_male", "le_birth", "male", "higher_is_better", "Male life expectancy at birth"),
    GapIndicator("le_female", "le_birth", "female", "higher_is_better", "Female life expectancy at birth"),
)
#: Every indicator the tracker offers, by key (issue 14 adds under-75 mortality and HLE here).
INDICATORS: dict[str, GapIndicator] = {g.key: g for g in LIFE_EXPECTANCY}


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


def gap_table(
    group: pd.Series,
    england: pd.Series,
    *,
    polarity: str,
    baseline: str,
    target_period: str | None = None,
    narrowing: float = 0.10,
) -> pd.DataFrame:
    """The gap between a group's and England's values in every period (both indexed by period).

    Columns: ``period``, ``group_value``, ``england_value``, ``absolute_gap``,
    ``relative_gap`` (%), ``absolute_change``, ``relative_change`` (% of the
    baseline's relative gap), ``target_absolute_gap``, ``target_relative_gap``.

    Examples
    --------
    >>> t = gap_table(pd.Series({"2001-03": 75.0}), pd.Series({"2001-03": 80.0}),
    ...               polarity="higher_is_better", baseline="2001-03")
    >>> float(t["absolute_gap"].iloc[0]), float(t["relative_gap"].iloc[0])
    (5.0, 6.25)
    """
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise ValueError(f"Expected polarity higher_is_better or lower_is_better; got {polarity!r}.")
    periods = sorted(set(group.index) | set(england.index), key=period_year)
    if baseline not in periods:
        raise UploadError(f"Baseline {baseline!r} is not a period held; expected one of {', '.join(periods)}.")
    target_period = target_period or periods[-1]
    t0, t1 = period_year(baseline), period_year(target_period)
    if t1 <= t0:
        raise UploadError(f"The target period {target_period} must come after the baseline {baseline}.")
    out = pd.DataFrame({"period": periods})
    out["group_value"] = group.reindex(periods).to_numpy(dtype="float64")
    out["england_value"] = england.reindex(periods).to_numpy(dtype="float64")
    sign = 1.0 if polarity == "higher_is_better" else -1.0
    out["absolute_gap"] = sign * (out["england_value"] - out["group_value"])
    out["relative_gap"] = out["absolute_gap"] / out["england_value"] * 100
    base = out.set_index("period").loc[baseline]
    out["absolute_change"] = out["absolute_gap"] - base["absolute_gap"]
    out["relative_change"] = (out["relative_gap"] - base["relative_gap"]) / base["relative_gap"] * 100
    years = np.array([period_year(p) for p in periods])
    share = np.clip((years - t0) / (t1 - t0), 0.0, 1.0)
    path = 1.0 - narrowing * share
    path[years < t0] = np.nan
    out["target_absolute_gap"] = base["absolute_gap"] * path
    out["target_relative_gap"] = base["relative_gap"] * path
    return out


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


@dataclass(frozen=True)
class GapResult:
    """A gap table for one indicator and group, with how the group's figure was made."""

    indicator: GapIndicator
    group_label: str
    table: pd.DataFrame
    method: str
    notes: tuple[str, ...]

    def header(self) -> list[str]:
        """The comment block for the CSV."""
        return [
            f"Gap tracker: {self.indicator.label} ({self.indicator.indicator_id}, {self.indicator.sex}), "
            f"group: {self.group_label}, against England",
            "absolute_gap: England minus group (positive = group worse); relative_gap: as % of England",
            "target_*: a straight line to a 10% narrowing of the baseline gap by the target period",
            f"Group figure: {self.method}",
            *[f"Note: {n}" for n in self.notes],
        ]


def track(
    area_codes: Sequence[str],
    *,
    indicator: GapIndicator,
    vintage: str,
    baseline: str | None = None,
    target_period: str | None = None,
    group_label: str = "chosen areas",
    data_dir: Path = DATA_DIR,
) -> GapResult:
    """The gap for a group of ``vintage`` LA codes in every period the indicator holds.

    Each period's values are carried to ``vintage`` through the code lookups (merged
    areas' values are not combined); England's value is the published one.
    """
    members = sorted(set(area_codes))
    if not members:
        raise UploadError("The group is empty; choose at least one local authority.")
    combos = indicators.periods(indicator.indicator_id, level="lad", data_dir=data_dir)
    periods = sorted(set(combos.loc[combos["sex"] == indicator.sex, "period"]), key=period_year)
    if not periods:
        raise DataUnavailableError(f"{indicator.label} is not held for local authorities.")
    middle = (period_year(periods[0]) + period_year(periods[-1])) / 2
    weights, weight_year = population_weights(vintage=vintage, near_year=middle, data_dir=data_dir)
    group: dict[str, float] = {}
    england: dict[str, float] = {}
    used: dict[str, int] = {}
    weighted_all = True
    for period in periods:
        values, _ = values_on(indicator.indicator_id, period=period, sex=indicator.sex, level="lad",
                              vintage=vintage, data_dir=data_dir)
        value, n, weighted = group_value(values.reindex(members), weights)
        group[period], used[period] = value, n
        weighted_all &= weighted
        row = indicators.england_value(indicator.indicator_id, period=period, sex=indicator.sex, data_dir=data_dir)
        england[period] = float(row["value"]) if row is not None else math.nan
    table = gap_table(pd.Series(group), pd.Series(england), polarity=indicator.polarity,
                      baseline=baseline or periods[0], target_period=target_period)
    table.insert(1, "areas", [used.get(p, 0) for p in table["period"]])
    method = (
        f"population-weighted mean of the areas' published values (weights: {weight_year} population, "
        "the year held nearest the periods' middle); the official 2010-target figure instead pooled the "
        "group's deaths and populations into one life table, so the two differ a little"
        if weighted_all else
        "plain mean of the areas' published values (no population for every area); the official figure "
        "pooled deaths and populations"
    )
    notes = []
    short = [p for p in periods if used[p] < len(members)]
    if short:
        notes.append(f"{len(short)} period(s) lack a value for some of the {len(members)} areas; those areas "
                     "are left out of that period's figure (e.g. " + short[0] + f": {used[short[0]]} areas).")
    return GapResult(indicator, group_label, table, method, tuple(notes))


def _command(args: argparse.Namespace) -> int:
    from geo import spearhead

    if args.group == "spearhead":
        result = spearhead.run(args.period, vintage=args.vintage)
        members = list(result.assessment.table.index[result.assessment.table["qualifies"]])
        vintage, label = result.vintage, f"areas qualifying as Spearhead on {args.period} data ({result.rests_on})"
    else:
        if args.vintage is None:
            raise UploadError("--group FILE needs --vintage, the code set of the listed codes (e.g. 2019).")
        lines = Path(args.group).read_text(encoding="utf-8").splitlines()
        members = [x.split(",")[0].strip() for x in lines if x.strip() and not x.startswith("#")]
        members = [m for m in members if m.lower() != "area_code"]
        vintage, label = args.vintage, f"areas listed in {args.group}"
    frames = []
    header: list[str] = []
    for key in args.indicator or list(INDICATORS):
        if key not in INDICATORS:
            raise UploadError(f"Unknown indicator {key!r}; expected one of {', '.join(INDICATORS)}.")
        gap = track(members, indicator=INDICATORS[key], vintage=vintage, baseline=args.baseline,
                    target_period=args.target, group_label=label)
        frames.append(gap.table.assign(indicator_id=gap.indicator.indicator_id, sex=gap.indicator.sex))
        header += gap.header()
    write_csv(pd.concat(frames, ignore_index=True), header, args.out)
    print(f"{len(members)} areas; wrote {args.out}")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``python -m geo gap``."""
    p = sub.add_parser("gap", help="life-expectancy gap between a group of areas and England",
                       description="The gap between a group of areas and England in every period held.")
    p.add_argument("--group", default="spearhead",
                   help="'spearhead' (areas qualifying on --period) or a file of LA codes (default: %(default)s)")
    p.add_argument("--period", default="2015-17", help="period for --group spearhead (default: %(default)s)")
    p.add_argument("--vintage", default=None, help="LA code set (needed with a file of codes)")
    p.add_argument("--indicator", nargs="*", help=f"indicators: {', '.join(INDICATORS)} (default: all)")
    p.add_argument("--baseline", default=None, help="baseline period (default: the first held)")
    p.add_argument("--target", default=None, help="period by which the gap should be 10%% narrower (default: last)")
    p.add_argument("--out", type=Path, default=Path("gap.csv"), help="CSV to write (default: %(default)s)")
    p.set_defaults(run=_command)

