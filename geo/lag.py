"""Years behind England: how many years ago England as a whole last had a value no better than an area's now.

The definition (:data:`DEFINITION`, stated on the page and in every CSV): for an
area's value ``v`` in period ``p``, find the most recent England period ``q`` (not
later than ``p``) whose value is at or below ``v`` (at or above it where lower is
better); years behind = midpoint year of ``p`` minus midpoint year of ``q``
(2023-25 has midpoint 2024). If England's value was better than ``v`` in every
period held, the area is "more than N years behind", N being ``p``'s midpoint minus
the first period's midpoint, flagged as beyond the series. An area at or better than
England's value for ``p`` is 0 years behind.

England's series is the published one, whatever releases it joins (the notes say
where a series has a break); nothing is interpolated between periods.

Every figure travels with the **gap** it rests on (England's value minus the area's,
in years, for the same period) and, where England's own series was flat over the
span counted, says so (:data:`FLAT_RULE`). The rule: England's figure is *flat
after* a period ``s`` when, from ``s`` to the period shown, it improved by less than
:data:`FLAT_PER_YEAR` (0.05 years of life a year, half a year a decade) on average,
over at least :data:`FLAT_MIN_YEARS` (5) years; ``s`` is the earliest such period
within the span counted. An area's figure carries the flat-England sentence when
that stretch is at least half of its years behind: a small gap is then many years
behind ("England's figure changed little after 2011, so a small gap is many years
behind"). "More than N years" is a floor: the area has not yet reached England's
value at the start of the series held.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from geo import codes, derived, indicators
from geo._paths import DATA_DIR
from geo.catalogue import get
from geo.errors import DataUnavailableError, UploadError
from geo.gap import period_weights
from geo.periods import period_year
from geo.schema import ENGLAND_CODE
from geo.series import INDICATORS as GAP_INDICATORS
from geo.values import group_value, values_for, values_on

__all__ = [
    "CSV_COLUMNS",
    "DEFINITION",
    "FLAT_MIN_YEARS",
    "FLAT_PER_YEAR",
    "FLAT_RULE",
    "INDICATORS",
    "Lag",
    "LagRun",
    "area_sentences",
    "england_series",
    "flat_sentence",
    "flat_since",
    "group_lag",
    "lag_table",
    "run",
    "sentence",
    "years_behind",
]

DEFINITION = (
    "Years behind England: for an area's value in a period, the most recent England period (not later) whose value "
    "was no better than the area's; years behind = the difference between the two periods' midpoint years (2023-25 "
    "has midpoint 2024). Where England was better in every period held, the area is more than N years behind "
    "(N = back to the first period held), flagged as beyond the series. An area at or better than England's value "
    "for the same period is 0 years behind."
)
#: England's figure is flat over a stretch when it improved by less than this much a year on average (years of life).
FLAT_PER_YEAR: Final = 0.05
#: ... over at least this many years (midpoint years).
FLAT_MIN_YEARS: Final = 5.0
FLAT_RULE = (
    f"England's figure is called flat after a period when, from that period to the one shown, it rose by less than "
    f"{FLAT_PER_YEAR:g} years a year on average (half a year a decade) over at least {FLAT_MIN_YEARS:g} years. Where "
    "that flat stretch makes up at least half of an area's years behind, the figure says so: a small gap is then "
    "many years behind. Every figure carries its gap: England's value minus the area's, in years, for the same period."
)
#: The columns of the CSV (page download and ``python -m geo lag``).
CSV_COLUMNS: Final = ("area_code", "area_name", "value", "england_value", "gap", "years_behind", "beyond_series",
                      "flat_england_since")
#: The indicators the measure is offered for, with the verb of the sentence.
INDICATORS: dict[str, str] = {"le_birth": "live", "hle_birth": "live in good health"}
#: Breaks in England's series that a reader of years behind should know about.
_BREAKS: dict[tuple[str, str], str] = {
    ("le_birth", "female"): "England's women's series joins ONS's original estimates (to 2016-18) and OHID's revised "
                            "ones (from 2017-19); the step between them is not change.",
    ("hle_birth", "female"): "England's series joins an earlier release (2009-11, 2010-12) and ONS's current method "
                             "(from 2011-13); and it has fallen since 2019-21, so an area can be 0 years behind "
                             "at a value England passed long ago.",
    ("hle_birth", "male"): "England's series joins an earlier release (2009-11, 2010-12) and ONS's current method "
                           "(from 2011-13); and it has fallen since 2019-21, so an area can be 0 years behind "
                           "at a value England passed long ago.",
}


@dataclass(frozen=True)
class Lag:
    """Years behind England for one value: ``years_behind`` is NaN when there is no value.

    ``england_period`` is the England period matched (empty when beyond the series);
    ``first_period`` the first England period held. ``england_value`` is England's
    value for ``period`` and ``gap`` England's minus the area's (positive = behind,
    in the indicator's unit); ``first_value`` England's value in ``first_period``.
    ``flat_since`` is the England period after which England's figure was flat
    (:data:`FLAT_RULE`) when that stretch is at least half the years behind, else
    empty; ``flat_value`` England's value then.
    """

    period: str
    value: float
    years_behind: float
    beyond_series: bool
    england_period: str
    first_period: str
    england_value: float = math.nan
    gap: float = math.nan
    first_value: float = math.nan
    flat_since: str = ""
    flat_value: float = math.nan

    @property
    def text(self) -> str:
        """E.g. "more than 22 years", "3 years", "0 years", "no value"."""
        if math.isnan(self.years_behind):
            return "no value"
        more = "more than " if self.beyond_series else ""
        unit = "year" if self.years_behind == 1 else "years"
        return f"{more}{self.years_behind:g} {unit}"

    @property
    def gap_text(self) -> str:
        """E.g. "a gap of 1.9 years" (empty without England's value)."""
        if math.isnan(self.gap):
            return ""
        return f"a gap of {self.gap:.1f} years"

    @property
    def figure(self) -> str:
        """The figure with its gap beside it, e.g. "19 years behind England (a gap of 1.9 years)"."""
        if math.isnan(self.years_behind):
            return "no value"
        gap = f" ({self.gap_text})" if self.gap_text else ""
        if self.years_behind == 0:
            return "at or better than England" + (f" (England {self.england_value:.1f})" if self.gap_text else "")
        return f"{self.text} behind England{gap}"

    @property
    def floor_text(self) -> str:
        """For a figure beyond the series: why "more than N years" is a floor (empty otherwise)."""
        if not self.beyond_series or math.isnan(self.years_behind):
            return ""
        start = f"{self.first_period} ({self.first_value:.1f})" if not math.isnan(self.first_value) else self.first_period
        return (f"“More than {self.years_behind:g} years” is a floor: England's series held starts in {start}, "
                "a value not yet reached here.")

    @property
    def flat_text(self) -> str:
        """The flat-England sentence (:data:`FLAT_RULE`), or empty when England's figure was not flat over the span."""
        if not self.flat_since:
            return ""
        return flat_sentence(self.flat_since, self.flat_value, self.period, self.england_value)


def flat_sentence(since: str, since_value: float, period: str, now_value: float) -> str:
    """E.g. "England's figure changed little after 2011 (82.9 in 2010-12, 83.5 in 2023-25), so a small gap is many
    years behind." ("fell" where it fell by more than the flat rate)."""
    years = period_year(period) - period_year(since)
    verb = "fell" if now_value - since_value < -FLAT_PER_YEAR * years else "changed little"
    return (f"England's figure {verb} after {period_year(since):g} ({since_value:.1f} in {since}, {now_value:.1f} in "
            f"{period}), so a small gap is many years behind.")


def flat_since(england: pd.Series, period: str, *, polarity: str, within: str = "",
               per_year: float = FLAT_PER_YEAR, min_years: float = FLAT_MIN_YEARS) -> str:
    """The earliest England period (at or after ``within``) from which England's figure was flat up to ``period``.

    Flat: it improved by less than ``per_year`` a year on average from that period to
    ``period``, over at least ``min_years``; ``""`` when there is no such period.

    Examples
    --------
    >>> e = pd.Series({"2001-03": 80.0, "2004-06": 81.0, "2007-09": 81.1, "2010-12": 81.2})
    >>> flat_since(e, "2010-12", polarity="higher_is_better")
    '2004-06'
    """
    t = period_year(period)
    held = {str(q): float(v) for q, v in england.items() if pd.notna(v) and period_year(str(q)) <= t}
    if period not in held:
        return ""
    sign = 1.0 if polarity == "higher_is_better" else -1.0
    start = period_year(within) if within else -math.inf
    for q in sorted(held, key=period_year):
        years = t - period_year(q)
        if period_year(q) < start:
            continue
        if years < min_years:
            break
        if sign * (held[period] - held[q]) < per_year * years:
            return q
    return ""


def _better_or_equal(england: float, value: float, polarity: str) -> bool:
    """Whether England's value was no better than ``value``."""
    return england <= value if polarity == "higher_is_better" else england >= value


def years_behind(value: float, period: str, england: pd.Series, *, polarity: str) -> Lag:
    """Years behind England for ``value`` in ``period``; ``england`` is England's value by period.

    Examples
    --------
    >>> e = pd.Series({"2001-03": 80.0, "2004-06": 81.0, "2007-09": 82.0})
    >>> years_behind(80.5, "2007-09", e, polarity="higher_is_better").years_behind
    6.0
    >>> years_behind(79.0, "2007-09", e, polarity="higher_is_better").text
    'more than 6 years'
    """
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise ValueError(f"Expected polarity higher_is_better or lower_is_better; got {polarity!r}.")
    t = period_year(period)
    held = {str(q): float(v) for q, v in england.items() if pd.notna(v) and period_year(str(q)) <= t}
    if not any(period_year(q) == t for q in held):
        shown = ", ".join(sorted(held, key=period_year)) or "none"
        raise DataUnavailableError(
            f"England's value for {period} is not held, so years behind cannot be measured; England periods held up "
            f"to it: {shown}. Pick a period England has a value for."
        )
    ordered = sorted(held, key=period_year, reverse=True)
    first = ordered[-1]
    now = held[period]
    if value is None or pd.isna(value):
        return Lag(period, math.nan, math.nan, False, "", first, now, math.nan, held[first])
    v = float(value)
    gap = round((now - v) if polarity == "higher_is_better" else (v - now), 9)  # no float noise (2.5999...)
    matched = next((q for q in ordered if _better_or_equal(held[q], v, polarity)), "")  # ties: the latest
    years = t - period_year(matched or first)
    flat = flat_since(england, period, polarity=polarity, within=matched or first) if years > 0 else ""
    if flat and t - period_year(flat) < years / 2:  # the flat stretch is under half of the years counted
        flat = ""
    return Lag(period, v, years, not matched, matched, first, now, gap, held[first], flat,
               held[flat] if flat else math.nan)


def lag_table(values: pd.Series, period: str, england: pd.Series, *, polarity: str) -> pd.DataFrame:
    """:func:`years_behind` for every area (``values`` indexed by ``area_code``).

    Columns: ``value``, ``england_value``, ``gap`` (England's minus the area's; positive
    = behind), ``years_behind``, ``beyond_series`` (nullable; empty where no value),
    ``england_period`` and ``flat_england_since`` (see :class:`Lag`).
    """
    rows = [years_behind(v, period, england, polarity=polarity) for v in values.to_numpy(dtype="float64")]
    out = pd.DataFrame(
        {
            "value": [r.value for r in rows],
            "england_value": [r.england_value for r in rows],
            "gap": [r.gap for r in rows],
            "years_behind": [r.years_behind for r in rows],
            "beyond_series": pd.array([r.beyond_series if not math.isnan(r.value) else pd.NA for r in rows],
                                      dtype="boolean"),
            "england_period": [r.england_period for r in rows],
            "flat_england_since": [r.flat_since for r in rows],
        },
        index=values.index,
    )
    out.index.name = "area_code"
    return out


def england_series(indicator_id: str, *, sex: str, data_dir: Path = DATA_DIR) -> pd.Series:
    """England's published value in every period held for ``sex``, oldest first (index ``period``)."""
    rows = indicators.load(indicator_id, level="england", sex=sex, data_dir=data_dir)
    rows = rows[(rows["area_code"] == ENGLAND_CODE) & (rows["status"] == "ok")]
    rows = rows.drop_duplicates("period")
    series = pd.Series(pd.to_numeric(rows["value"]).to_numpy(dtype="float64"), index=rows["period"].astype(str),
                       name="england")
    order = sorted(series.index, key=period_year)
    return series.loc[order]


def _level_for(indicator_id: str, level: str | None, data_dir: Path) -> str:
    levels = get(indicator_id, data_dir=data_dir).levels
    if level is not None:
        if level not in levels:
            raise DataUnavailableError(f"{indicator_id} is not held for {level}; held for {', '.join(levels)}.")
        return level
    return "lad" if "lad" in levels else "utla"


def _fullest_vintage(indicator_id: str, *, level: str, period: str, sex: str, data_dir: Path) -> str:
    combos = indicators.periods(indicator_id, level=level, data_dir=data_dir)
    rows = combos[(combos["period"] == period) & (combos["sex"] == sex)]
    if rows.empty:
        held = sorted(set(combos.loc[combos["sex"] == sex, "period"]), key=period_year)
        raise DataUnavailableError(f"{indicator_id} ({sex}) has no {level} values for {period}; held: {', '.join(held)}.")
    return str(rows.sort_values(["areas", "vintage"]).iloc[-1]["vintage"])


@dataclass(frozen=True)
class LagRun:
    """Years behind England for every area of one code set."""

    indicator_id: str
    period: str
    sex: str
    level: str
    vintage: str
    table: pd.DataFrame
    england: pd.Series
    notes: tuple[str, ...]
    polarity: str = "higher_is_better"

    @property
    def first_period(self) -> str:
        return str(self.england.index[0])

    def csv_table(self) -> pd.DataFrame:
        """The CLI's columns: ``area_code``, ``area_name``, ``value``, ``england_value``, ``gap``, ``years_behind``,
        ``beyond_series``, ``flat_england_since``."""
        return self.table[list(CSV_COLUMNS)]

    @property
    def flat(self) -> str:
        """England's flat-figure sentence for this period (:data:`FLAT_RULE`, over the whole series), or empty."""
        since = flat_since(self.england, self.period, polarity=self.polarity)
        if not since:
            return ""
        return flat_sentence(since, float(self.england[since]), self.period, float(self.england[self.period]))

    @property
    def floor(self) -> str:
        """What "more than N years" means here: a floor."""
        n = period_year(self.period) - period_year(self.first_period)
        return (f"“More than {n:g} years” (beyond the series) is a floor: England's series held starts in "
                f"{self.first_period} ({float(self.england.iloc[0]):.1f}), a value those areas have not yet reached.")

    def header(self) -> list[str]:
        label = get(self.indicator_id).label
        return [
            f"Years behind England: {label} ({self.indicator_id}, {self.sex}), {self.period}, "
            f"{self.level} {self.vintage} codes",
            DEFINITION,
            f"England's series held: {self.first_period} to {self.england.index[-1]}; England {self.period}: "
            f"{float(self.england[self.period]):.1f}.",
            "gap: England's value minus the area's, in years (positive = behind); every years_behind figure rests "
            "on it.",
            f"Flat England: {FLAT_RULE} flat_england_since names the England period after which England's figure "
            "was flat, for each area where that applies.",
            *([f"England: {self.flat}"] if self.flat else []),
            self.floor,
            *[f"Note: {n}" for n in self.notes],
        ]


def run(
    indicator_id: str,
    *,
    period: str,
    sex: str,
    level: str | None = None,
    vintage: str | None = None,
    data_dir: Path = DATA_DIR,
) -> LagRun:
    """Years behind England for every area of ``(level, vintage)`` in ``period``.

    ``level=None`` takes local authorities where the indicator is held for them,
    else upper-tier ones; ``vintage=None`` the code set holding most areas for the
    period. Any other vintage is reached through the code lookups
    (:func:`geo.values.values_on`).
    """
    ind = get(indicator_id, data_dir=data_dir)
    if ind.polarity not in ("higher_is_better", "lower_is_better"):
        raise UploadError(f"Years behind needs an indicator where higher or lower is better; {indicator_id} has none.")
    level = _level_for(indicator_id, level, data_dir)
    if vintage is None:
        vintage = _fullest_vintage(indicator_id, level=level, period=period, sex=sex, data_dir=data_dir)
    values, notes = values_on(indicator_id, period=period, sex=sex, level=level, vintage=vintage, data_dir=data_dir)
    england = england_series(indicator_id, sex=sex, data_dir=data_dir)
    table = lag_table(values, period, england, polarity=ind.polarity).reset_index()
    names = codes.area_names(level, vintage, data_dir=data_dir)
    table.insert(1, "area_name", [names.get(c, "") for c in table["area_code"]])
    extra = [_BREAKS[(indicator_id, sex)]] if (indicator_id, sex) in _BREAKS else []
    missing = int(table["value"].isna().sum())
    if missing:
        extra.append(f"{missing} of {len(table)} areas have no value (missing or suppressed) and no years behind.")
    return LagRun(indicator_id, period, sex, level, vintage, table, england, (*notes, *extra), ind.polarity)


def group_lag(
    area_codes: Sequence[str],
    *,
    indicator_id: str,
    period: str,
    sex: str,
    vintage: str,
    data_dir: Path = DATA_DIR,
) -> tuple[Lag, str]:
    """Years behind England for a group of ``vintage`` LA codes, and how its figure was made.

    The group's figure is the gap tracker's (:func:`geo.values.group_value`):
    population-weighted where every member has a population, by the population
    year held nearest the period (:func:`geo.gap.period_weights`).
    """
    record = next(g for g in GAP_INDICATORS.values() if g.indicator_id == indicator_id and g.sex == sex)
    members = sorted(set(area_codes))
    if not members:
        raise UploadError("The group is empty; choose at least one local authority.")
    values, _ = values_for(record, period=period, vintage=vintage, data_dir=data_dir)
    present = values.reindex(members).dropna()
    weights, year, _ = period_weights(period, members=list(present.index), vintage=vintage, data_dir=data_dir)
    value, n, weighted = group_value(values.reindex(members), weights)
    england = england_series(indicator_id, sex=sex, data_dir=data_dir)
    how = (f"population-weighted mean of {n} of the {len(members)} areas' values (mid-{year} population, the year "
           f"held nearest {period})" if weighted else f"plain mean of {n} of the {len(members)} areas' values")
    return years_behind(value, period, england, polarity=get(indicator_id, data_dir=data_dir).polarity), how


_WHO: dict[str, tuple[str, str]] = {"female": ("Women", "woman"), "male": ("Men", "man"), "persons": ("People", "person")}


def sentence(area_name: str, sex: str, result: Lag, *, indicator_id: str = "le_birth") -> str:
    """The measure in plain English, with the gap beside it; empty when there is no value.

    A figure beyond the series says it is a floor; where England's figure was flat
    over the span counted (:data:`FLAT_RULE`), the sentence says so.

    Examples
    --------
    >>> sentence("Blackpool", "female", Lag("2023-25", 79.3, 22.0, True, "", "2001-03", 83.5, 4.2, 80.7))[:94]
    'Women in Blackpool can expect to live as long as the average woman in England did more than 22'
    """
    if math.isnan(result.years_behind):
        return ""
    many, one = _WHO.get(sex, _WHO["persons"])
    verb = INDICATORS.get(indicator_id, "live")
    held = not math.isnan(result.england_value)
    if result.years_behind == 0:
        values = f": {result.value:.1f} years against England's {result.england_value:.1f}" if held else ""
        return (f"{many} in {area_name} can expect to {verb} at least as long as the average {one} in England "
                f"({result.period}){values}.")
    when = result.period if result.beyond_series else f"{result.period}, against England in {result.england_period}"
    text = f"{many} in {area_name} can expect to {verb} as long as the average {one} in England did {result.text} ago ({when})"
    if held:
        text += f": {result.value:.1f} years, {result.gap_text} to England's {result.england_value:.1f}"
    tail = [t for t in (result.floor_text, result.flat_text) if t]
    if result.beyond_series and not result.floor_text:
        tail.insert(0, f"England's series held starts in {result.first_period}.")
    return " ".join([text + ".", *tail])


def _area_value(indicator_id: str, sex: str, code: str, *, level: str, vintage: str,
                data_dir: Path) -> tuple[float, str] | None:
    """The area's latest published value (and its period), on its own level or, for a unitary, the upper tier."""
    levels = get(indicator_id, data_dir=data_dir).levels
    # A unitary, metropolitan or London borough keeps one code as district and as upper tier.
    tried = [level] + (["utla"] if level == "lad" and "utla" in levels and code[:3] in ("E06", "E08", "E09") else [])
    for lv in tried:
        if lv not in levels:
            continue
        rows = indicators.load(indicator_id, level=lv, sex=sex, data_dir=data_dir)
        # Published values only: a county's or region's approximation (geo.derived) is not its figure.
        rows = rows[(rows["area_code"] == code) & (rows["status"] == "ok") & ~derived.is_approximate(rows["note"])]
        if rows.empty:
            continue
        rows = rows.assign(year=[period_year(str(p)) for p in rows["period"]], own=rows["vintage"] == vintage)
        best = rows.sort_values(["year", "own"]).iloc[-1]
        return float(best["value"]), str(best["period"])
    return None


def area_sentences(code: str, area_name: str, *, level: str, vintage: str = "",
                   data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """Years-behind sentences for one area (life expectancy, then healthy life expectancy; women, then men).

    Each uses the area's latest published value; indicators or sexes without one
    are left out, and anything but a local or upper-tier authority gets none.
    """
    if level not in ("lad", "utla"):
        return ()
    out: list[str] = []
    for indicator_id in INDICATORS:
        for sex in ("female", "male"):
            try:
                found = _area_value(indicator_id, sex, code, level=level, vintage=vintage, data_dir=data_dir)
                if found is None:
                    continue
                england = england_series(indicator_id, sex=sex, data_dir=data_dir)
                lag = years_behind(found[0], found[1], england, polarity=get(indicator_id, data_dir=data_dir).polarity)
            except DataUnavailableError:
                continue
            text = sentence(area_name, sex, lag, indicator_id=indicator_id)
            if text:
                out.append(text)
    return tuple(out)
