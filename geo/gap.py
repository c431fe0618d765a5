"""The gap tracker: a group of areas against England in every period held, and a target line.

Generic over an indicator and its polarity (:class:`geo.series.GapIndicator`): life
expectancy by sex (:data:`geo.series.LIFE_EXPECTANCY`, the 2010 PSA target: a 10%
narrowing), under-75 CVD and cancer mortality (:data:`geo.series.MORTALITY`, the 2004
targets: 40% and 6% narrowings by 2010 from a 1995-97 baseline) and healthy life
expectancy by sex (:data:`geo.series.HEALTHY_LIFE_EXPECTANCY`). Adding an indicator is
a new record, not new code.

- **Which series**: the under-75 records name the official all-cause series a
  refresh brings (``u75_cvd``, ``u75_cancer``, after ``python -m geo refresh``) and
  use it when held; otherwise the bundled "considered preventable" series stands
  in, and the result says so (:func:`geo.series.resolve`).
- **Baselines**: a target's own baseline (1995-97) is older than anything held, so
  its line starts from the baseline chosen (by default the first period held), and
  the notes say so.
- **Healthy life expectancy** is published for upper-tier authorities only: a group
  of local authorities uses the values of its members that are upper-tier
  authorities themselves (unitary, metropolitan and London boroughs); a district in
  a two-tier county has no value of its own and is left out, never given its
  county's figure.

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
- **Which population**: each period is weighted by the population year held nearest
  its middle year (a tie goes to the later year), as the PCT and SHA values are
  (:mod:`geo.ingest.outcomes`); a year whose figures do not cover every area with a
  value on the code set (e.g. held only on older codes, where merged areas have
  none) is passed over for the next nearest, and the notes say so. The table's
  ``population_year`` column, the method and the CSV header name the years used.
- **The group figure's interval**: where the figure is population-weighted and every
  area used publishes a 95% confidence interval, its 95% and 99.8% limits
  (``group_lower_ci`` ... ``group_upper_ci_99_8``) combine the areas' published
  estimates as independent ones (:func:`geo.values.group_limits`, by
  :func:`geo.intervals.weighted_mean`); otherwise they are empty, and
  ``group_ci_method`` says "no interval: " and why, period by period. Life expectancy
  is published without intervals; healthy life expectancy and under-75 CVD mortality
  with them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import indicators, intervals
from geo._paths import DATA_DIR
from geo.catalogue import load_catalogue
from geo.errors import DataUnavailableError, UploadError
from geo.periods import period_year
from geo.series import GapIndicator, resolve
from geo.values import GroupLimits, estimates_for, group_limits, group_value, values_for, values_on

__all__ = [
    "GapResult",
    "chart_series",
    "gap_table",
    "interval_summary",
    "interval_text",
    "nearest_years",
    "period_weights",
    "periods_for",
    "population_years",
    "track",
    "years_used",
]


#: The limits of the group figure, as :class:`geo.values.GroupLimits` names them (``group_`` in the table).
LIMIT_COLUMNS: tuple[str, ...] = ("lower_ci", "upper_ci", "lower_ci_99_8", "upper_ci_99_8")
#: How the group figure's interval is made, for the CSV header and the page.
INTERVAL_HOW = (
    "where there is one, each area's standard error is read from its published 95% limits, (upper - lower) / (2 x 1.96), the areas are "
    "taken as independent, and the mean's standard error is sqrt(sum (w_i / sum w)^2 SE_i^2); the limits are the "
    "group figure +/- 1.96 SE (95%) or 3.09 SE (99.8%), an approximation symmetric about it that reflects the areas' "
    "published uncertainty only"
)


def population_years(*, data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """The years of all-age local-authority population held, oldest first."""
    try:
        combos = indicators.periods("pop_total", level="lad", data_dir=data_dir)
    except DataUnavailableError:
        return ()
    return tuple(sorted({str(p) for p in combos["period"]}, key=period_year))


def nearest_years(period: str, years: Sequence[str]) -> list[str]:
    """``years`` nearest the period's middle year first; a tie goes to the later year (as the PCT values' weights).

    Examples
    --------
    >>> nearest_years("2019-21", ["2019", "2020", "2023"])
    ['2020', '2019', '2023']
    >>> nearest_years("2020-22", ["2019", "2020", "2022"])
    ['2022', '2020', '2019']
    """
    middle = period_year(period)
    return sorted(years, key=lambda y: (abs(period_year(y) - middle), -period_year(y)))


def period_weights(
    period: str,
    *,
    members: Sequence[str],
    vintage: str,
    data_dir: Path = DATA_DIR,
    held: dict[str, pd.Series] | None = None,
) -> tuple[pd.Series | None, str, tuple[str, ...]]:
    """Population weights for one period: the year held nearest its middle that covers every one of ``members``.

    Returns the weights on ``vintage`` codes (``None`` when no year covers them), the
    year used (``""`` when none) and the nearer years passed over because they do
    not. ``held`` keeps the weights already read, by year, for the next period.
    """
    held = {} if held is None else held
    order = nearest_years(period, population_years(data_dir=data_dir))
    for year in order:
        if year not in held:
            held[year] = values_on("pop_total", period=year, sex="persons", level="lad", vintage=vintage,
                                   data_dir=data_dir)[0]
        weights = held[year].reindex(list(members))
        if len(weights) and weights.notna().all() and float(weights.sum()) > 0:
            return held[year], year, tuple(order[: order.index(year)])
    return None, "", ()


def years_used(table: pd.DataFrame) -> str:
    """The population years used, by run of periods: "mid-2019 for 2001-03 to 2018-20; mid-2020 for 2019-21"."""
    runs: list[tuple[str, list[str]]] = []
    for period, year in zip(table["period"], table["population_year"], strict=True):
        year = str(year) if isinstance(year, str) and year else "none"
        if runs and runs[-1][0] == year:
            runs[-1][1].append(str(period))
        else:
            runs.append((year, [str(period)]))
    parts = []
    for year, periods in runs:
        span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
        parts.append(f"{'no population (plain mean)' if year == 'none' else f'mid-{year}'} for {span}")
    return "; ".join(parts)


def periods_for(indicator: GapIndicator, *, data_dir: Path = DATA_DIR) -> list[str]:
    """The periods held for the record's series and sex at its level, oldest first."""
    combos = indicators.periods(indicator.indicator_id, level=indicator.level, data_dir=data_dir)
    return sorted(set(combos.loc[combos["sex"] == indicator.sex, "period"]), key=period_year)


def gap_table(
    group: pd.Series,
    england: pd.Series,
    *,
    polarity: str,
    baseline: str,
    target_period: str | None = None,
    narrowing: float = 0.10,
    limits: dict[str, GroupLimits] | None = None,
) -> pd.DataFrame:
    """The gap between a group's and England's values in every period (both indexed by period).

    Columns: ``period``, ``group_value``, the group figure's limits ``group_lower_ci``,
    ``group_upper_ci`` (95%), ``group_lower_ci_99_8``, ``group_upper_ci_99_8`` and
    ``group_ci_method`` (from ``limits``, by period; "no interval: ..." for a period it
    lacks), ``england_value``, ``absolute_gap``, ``relative_gap`` (%),
    ``absolute_change``, ``relative_change`` (% of the baseline's relative gap),
    ``target_absolute_gap``, ``target_relative_gap``.

    Examples
    --------
    >>> t = gap_table(pd.Series({"2001-03": 75.0, "2004-06": 76.0}), pd.Series({"2001-03": 80.0, "2004-06": 81.0}),
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
    given = limits or {}
    none = GroupLimits(math.nan, math.nan, math.nan, math.nan, intervals.no_interval("no limits were given"))
    rows = [given.get(p, none) for p in periods]
    for name in LIMIT_COLUMNS:
        out[f"group_{name}"] = [float(getattr(r, name)) for r in rows]
    out["group_ci_method"] = [r.ci_method for r in rows]
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


@dataclass(frozen=True)
class GapResult:
    """A gap table for one indicator and group, with how the group's figure was made."""

    indicator: GapIndicator
    group_label: str
    table: pd.DataFrame
    method: str
    notes: tuple[str, ...]
    baseline: str = ""
    target_period: str = ""
    #: The group figure's interval across the periods, in words (:func:`interval_summary`).
    interval: str = ""

    @property
    def target_label(self) -> str:
        """E.g. "Path to a 40% narrowing by 2009-11"."""
        return f"Path to a {self.indicator.narrowing:.0%} narrowing by {self.target_period}"

    def header(self) -> list[str]:
        """The comment block for the CSV."""
        ind = self.indicator
        order = "England minus group" if ind.polarity == "higher_is_better" else "group minus England"
        target = f" ({ind.target_text})" if ind.target_text else ""
        return [
            f"Gap tracker: {ind.label} ({ind.indicator_id}, {ind.sex}), group: {self.group_label}, against England",
            "population_year: the ONS mid-year population each period's group figure is weighted by (the year held "
            "nearest the period's middle)",
            f"absolute_gap: {order} in {ind.unit} (positive = group worse); relative_gap: as % of England",
            f"target_*: a straight line from the {self.baseline} gap to a {ind.narrowing:.0%} narrowing by "
            f"{self.target_period}, flat after it{target}",
            f"Group figure: {self.method}",
            f"group_lower_ci, group_upper_ci: the group figure's 95% confidence interval; group_lower_ci_99_8, "
            f"group_upper_ci_99_8: its 99.8% interval; group_ci_method: the method that gave each period's interval "
            f"or \"no interval:\" and why. {self.interval or interval_summary(self.table)}; {INTERVAL_HOW}",
            *[f"Note: {n}" for n in self.notes],
        ]


def interval_summary(table: pd.DataFrame) -> str:
    """The group figure's interval over a gap table's periods, in words.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2001-03", "2002-04"], "group_ci_method": ["95% and 99.8% CIs by x", "no interval: y"]})
    >>> interval_summary(t)
    'Group interval: 95% and 99.8% CIs by x in 1 of the 2 periods; no interval in the others (e.g. 2002-04: y)'
    """
    if "group_ci_method" not in table.columns:
        return "Group interval: none computed"
    methods = [str(m) for m in table["group_ci_method"]]
    held = [m for m in methods if not m.startswith(intervals.NO_INTERVAL)]
    lacking = [(str(p), m) for p, m in zip(table["period"], methods, strict=True) if m.startswith(intervals.NO_INTERVAL)]
    if not lacking:
        return f"Group interval: {held[0]} in every period" if held else "Group interval: no period held"
    if not held:
        reasons = sorted({m for _, m in lacking})
        return (f"Group interval: {reasons[0]} (every period)" if len(reasons) == 1 else
                f"Group interval: none in any period (e.g. {lacking[0][0]}: {lacking[0][1][len(intervals.NO_INTERVAL):]})")
    kinds = sorted(set(held))
    return (f"Group interval: {kinds[0]} in {len(held)} of the {len(methods)} periods; no interval in the others "
            f"(e.g. {lacking[0][0]}: {lacking[0][1][len(intervals.NO_INTERVAL):]})")


def interval_text(row: pd.Series, *, places: int = 2) -> str:
    """One period's group interval in words: "95% CI 40.75 to 42.23; 99.8% CI 40.32 to 42.65", or the reason there is none.

    Examples
    --------
    >>> interval_text(pd.Series({"group_lower_ci": 77.4692, "group_upper_ci": 79.5308, "group_lower_ci_99_8": 76.8748,
    ...                          "group_upper_ci_99_8": 80.1252, "group_ci_method": "95% and 99.8% CIs by x"}))
    '95% CI 77.47 to 79.53; 99.8% CI 76.87 to 80.13'
    """
    method = str(row.get("group_ci_method", "") or intervals.no_interval("none computed"))
    limits = [float(pd.to_numeric(row.get(f"group_{name}", math.nan), errors="coerce")) for name in LIMIT_COLUMNS]
    if method.startswith(intervals.NO_INTERVAL):
        return method
    if any(math.isnan(x) for x in limits):
        return intervals.no_interval("its limits are missing from the table")
    return (f"95% CI {limits[0]:.{places}f} to {limits[1]:.{places}f}; "
            f"99.8% CI {limits[2]:.{places}f} to {limits[3]:.{places}f}")


def chart_series(result: GapResult, *, measure: str) -> tuple[pd.DataFrame, str, str]:
    """The gap and its target path as long rows (``period``, ``series``, ``value``) for one chart.

    Each row also carries its period's ``group_value`` and ``group_interval``
    (:func:`interval_text`: the 95% and 99.8% limits, or why there are none).

    ``measure`` is ``"relative"`` (% of England's value) or ``"absolute"`` (the
    indicator's unit: years, or deaths per 100,000). Returns the rows, the gap
    series' name and the axis title; the target series is ``result.target_label``.
    """
    if measure not in ("relative", "absolute"):
        raise ValueError(f"Expected measure relative or absolute; got {measure!r}.")
    ind = result.indicator
    order = "England minus group" if ind.polarity == "higher_is_better" else "Group minus England"
    if measure == "relative":
        gap, target, name, title = "relative_gap", "target_relative_gap", "Relative gap (%)", "% of England's value"
    else:
        gap, target, name, title = "absolute_gap", "target_absolute_gap", f"Absolute gap ({ind.unit})", f"{order} ({ind.unit})"
    # each row carries its period's group figure and interval, for the chart's tooltip
    table = result.table.assign(group_interval=[interval_text(row) for _, row in result.table.iterrows()])
    long = table.melt(id_vars=["period", "group_value", "group_interval"], value_vars=[gap, target], var_name="series")
    long["series"] = long["series"].map({gap: name, target: result.target_label})
    return long, name, title


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
    areas' values are not combined); England's value is the published one. The
    record is first :func:`resolve`-d to the series held; ``target_period=None``
    takes the record's own (or the last period held).
    """
    members = sorted(set(area_codes))
    if not members:
        raise UploadError("The group is empty; choose at least one local authority.")
    indicator, series_note = resolve(indicator, data_dir=data_dir)
    periods = periods_for(indicator, data_dir=data_dir)
    if not periods:
        hint = "" if indicator.indicator_id in load_catalogue(data_dir) else "; run `python -m geo refresh` to fetch it"
        raise DataUnavailableError(f"{indicator.label} ({indicator.indicator_id}, {indicator.sex}) is not held "
                                   f"for {'local' if indicator.level == 'lad' else 'upper-tier local'} authorities{hint}.")
    notes: list[str] = [series_note] if series_note else []
    baseline = baseline or periods[0]
    target_period = target_period or indicator.target_period or periods[-1]
    if target_period in periods and baseline in periods and period_year(target_period) <= period_year(baseline):
        notes.append(f"The target period {target_period} is not after the baseline {baseline}, so the line runs "
                     f"to the last period held, {periods[-1]}.")
        target_period = periods[-1]
    if indicator.official_baseline and baseline != indicator.official_baseline:
        first = "the earliest period held" if baseline == periods[0] else "the baseline chosen"
        notes.append(f"The target's own baseline is {indicator.official_baseline}, older than anything held; the line "
                     f"starts from {baseline} ({first}): a {indicator.narrowing:.0%} narrowing of that gap by "
                     f"{target_period}.")
    group: dict[str, float] = {}
    england: dict[str, float] = {}
    used: dict[str, int] = {}
    years: dict[str, str] = {}
    held: dict[str, pd.Series] = {}
    limits: dict[str, GroupLimits] = {}
    plain: list[str] = []
    skipped: list[str] = []
    for period in periods:
        estimates, _ = estimates_for(indicator, period=period, vintage=vintage, data_dir=data_dir)
        values = estimates["value"]
        present = values.reindex(members).dropna()
        weights, year, passed = period_weights(period, members=list(present.index), vintage=vintage,
                                               data_dir=data_dir, held=held)
        value, n, weighted = group_value(values.reindex(members), weights)
        limits[period] = group_limits(estimates.reindex(members), weights)
        group[period], used[period], years[period] = value, n, year if weighted else ""
        if passed:
            skipped.append(f"{period} (mid-{', mid-'.join(passed)} passed over, mid-{year} used)")
        if n and not weighted:
            plain.append(period)
        row = indicators.england_value(indicator.indicator_id, period=period, sex=indicator.sex, data_dir=data_dir)
        england[period] = float(row["value"]) if row is not None else math.nan
    table = gap_table(pd.Series(group), pd.Series(england), polarity=indicator.polarity,
                      baseline=baseline, target_period=target_period, narrowing=indicator.narrowing, limits=limits)
    table.insert(1, "areas", [used.get(p, 0) for p in table["period"]])
    table.insert(2, "population_year", [years.get(p, "") for p in table["period"]])
    pooled = ("the group's deaths and populations into one life table" if indicator.unit == "years"
              else "the group's deaths and populations into one standardised rate")
    method = (
        f"population-weighted mean of the areas' published values, each period weighted by the population year "
        f"held nearest its middle ({years_used(table)}); the official 2010-target figure instead pooled {pooled}, "
        "so the two differ a little"
    )
    if skipped:
        notes.append(f"A nearer population year does not cover every area of the group with a value on {vintage} codes "
                     f"(e.g. one held only on other codes, where merged areas have none) in {len(skipped)} period(s): "
                     + "; ".join(skipped) + ".")
    if plain:
        method += (f"; plain mean in {len(plain)} period(s) where no population year covers every area "
                   f"(e.g. {plain[0]})")
    if indicator.level != "lad":
        upper = set(values_for(indicator, period=periods[-1], vintage=vintage, data_dir=data_dir)[0].index)
        districts = [m for m in members if m not in upper]
        if districts:
            notes.append(f"{indicator.label} is published for upper-tier authorities only: {len(districts)} of the "
                         f"{len(members)} areas are districts in two-tier counties with no value of their own and are "
                         "left out (a county's figure covers its other districts too).")
    short = [p for p in periods if used[p] < len(members)]
    if short:
        notes.append(f"{len(short)} period(s) lack a value for some of the {len(members)} areas; those areas "
                     "are left out of that period's figure (e.g. " + short[0] + f": {used[short[0]]} areas).")
    return GapResult(indicator, group_label, table, method, tuple(notes), baseline, target_period,
                     interval_summary(table))
