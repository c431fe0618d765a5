"""Targeting small areas: the LSOAs of an area that meet a rule over LSOA indicators.

The rule is read by :mod:`geo.rules` (its grammar, parser and tree) and evaluated
here with pandas boolean masks (:func:`mask`) over one column per indicator of the
area's LSOAs (:func:`evaluate`); matches are ranked, their people counted, and the
result exported as CSV or GeoJSON.

Each indicator keeps its own edition and LSOA set. Indicators on 2001 LSOAs (IoD
2004-2010) are carried to 2011 LSOAs through the ONS LSOA 2001-2011 lookup: a
2011 LSOA takes the value of its one 2001 LSOA when that was unchanged or split;
a 2011 LSOA made from several 2001 LSOAs has no value (counted in the notes).

A rule that mixes 2021 LSOAs with older sets runs on 2011 LSOAs (the set the
population estimates are on), through the atlas's derived LSOA 2011-2021 lookup
(:mod:`geo.ingest.lsoa_change`). A value is carried only where no dividing is
needed: an unchanged LSOA (``U``) takes its own value, and a 2011 LSOA inside a
merged 2021 LSOA (``M``) takes the merged area's value. A 2011 LSOA that was
split (``S``) or redrawn (``X``) has no value for the 2021 indicator: the table
marks it in ``lsoa_change`` and :attr:`TargetResult.not_compared` lists it
(:func:`geo.lsoa_sets.carry_2021`).

A rule wholly on 2021 LSOAs counts people through the same lookup
(:func:`geo.lsoa_sets.people_2021`): an unchanged 2021 LSOA has its 2011 LSOA's
people, a merged one the sum of its whole 2011 LSOAs (the same ground, so the counts
add exactly), and a split or redrawn one no count (``pop_note`` says why): people are
never divided. The area's people, the denominator of the share, are counted the
same way.

Extra columns (a user's upload) are data too: each is an :class:`Indicator` and
its values on LSOAs, reached in a rule by an id that the grammar reads
(:func:`geo.rules.rule_id`), checked like every other term.

A rule that selects every small area of its area does not discriminate there; the
result then carries the within-area ranking to offer instead
(:class:`geo.selection.Alternative`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import boundaries, indicators, intervals, shared
from geo._paths import DATA_DIR
from geo.areas import Area, resolve_area
from geo.catalogue import Indicator, load_catalogue
from geo.crosswalk import lsoa11_lookup
from geo.errors import RuleError, UnknownAreaCodeError, VintageMismatchError
from geo.lsoa_sets import (
    CARRIED_CHANGES,
    PEOPLE_ROUTE,
    POPULATION_COLUMNS,
    carry_2021,
    changes_2011,
    lsoa_people,
)
from geo.rules import Extra, Rule, Worst, conditions, parse, rule_id, small_area_indicator, terms
from geo.schema import vintages
from geo.selection import Alternative, alternative, mask, worst, worst_note
from geo.tables import csv_text, geojson_text

__all__ = [
    "PRESETS",
    "TargetResult",
    "Totals",
    "VERDICT_WORDS",
    "evaluate",
    "export_table",
    "geometries",
    "mask",
    "to_csv",
    "to_geojson",
]

#: Editable starting rules for the page (name -> rule text).
PRESETS: Final[dict[str, str]] = {
    "Sure Start": "imd2019_imd_decile <= 2 and imd2019_idaci_decile <= 2",
    "Housing": "imd2019_indoors_decile <= 2 or fuel_poverty >= 20 or iod19_overcrowding >= 0.15",
}

#: What the map says of each LSOA (:attr:`TargetResult.verdicts`), in words.
VERDICT_WORDS: Final[dict[str, str]] = {
    "match": "Matches the rule",
    "other": "Does not match",
    "not_compared": "Not compared (split or redrawn in 2021, so the rule's 2021 terms could not be tested)",
}


# ---------------------------------------------------------------- a user's columns
def _extra_rows(extra: Extra | None) -> dict[str, pd.DataFrame]:
    return {rule_id(i): rows for i, (_, rows) in (extra or {}).items()}


# ---------------------------------------------------------------- areas
def _nesting(area: Area, lsoa_vintage: str, data_dir: Path) -> Area:
    """The same code at the newest vintage whose areas nest ``lsoa_vintage`` LSOAs, when there is one."""
    if area.level in ("england", "region"):
        return area
    for vintage in reversed(vintages(area.level)):
        if boundaries.lsoa_vintage_for(area.level, vintage) != lsoa_vintage:
            continue
        names = boundaries.area_lookup(area.level, vintage, data_dir=data_dir)
        hit = names.loc[names["area_code"] == area.area_code, "area_name"]
        if not hit.empty:
            return Area(area.area_code, str(hit.iloc[0]), area.level, vintage)
    return area


def _lsoas_in(area: Area, lsoa_vintage: str, data_dir: Path) -> pd.DataFrame:
    """``area_code``, ``area_name`` of the area's LSOAs of one set."""
    names = boundaries.area_lookup("lsoa", lsoa_vintage, data_dir=data_dir)[["area_code", "area_name"]]
    if area.level == "england":
        return names.reset_index(drop=True)
    try:
        inside = boundaries.load("lsoa", lsoa_vintage, within=area.area_code, data_dir=data_dir)["area_code"]
    except UnknownAreaCodeError:
        raise VintageMismatchError(
            f"{area.label} has no {lsoa_vintage} LSOAs in the atlas's lookups: the rule's indicators are on "
            f"{lsoa_vintage} LSOAs, which nest in districts up to 2021, upper tiers up to 2019, PCTs and regions "
            "(2011 LSOAs) or in districts and upper tiers from 2023 and regions (2021 LSOAs). Give the area's code "
            "of a matching vintage, or use indicators on the other LSOA set."
        ) from None
    return names[names["area_code"].isin(set(inside))].reset_index(drop=True)


# ---------------------------------------------------------------- values
@dataclass(frozen=True)
class _Column:
    indicator: Indicator
    values: pd.Series  # indexed by LSOA code of the rule's set
    period: str
    lsoa_vintage: str  # the set the indicator is published on
    note: str = ""


@shared.cached(max_entries=64)
def _published(indicator_id: str, data_dir: Path) -> tuple[pd.Series, str, str]:
    """The indicator's latest LSOA values (persons), its period and LSOA set."""
    return _latest(indicators.load(indicator_id, level="lsoa", data_dir=data_dir))


def _latest(rows: pd.DataFrame) -> tuple[pd.Series, str, str]:
    """Latest period's persons values of long rows (one LSOA set), keyed by area code; only ``ok`` values."""
    rows = rows[rows["level"] == "lsoa"]
    if rows.empty:
        raise RuleError("A column named in the rule holds no values for small areas (LSOAs); expected LSOA rows.")
    rows = rows[rows["sex"] == "persons"] if (rows["sex"] == "persons").any() else rows
    period = sorted(rows["period"].unique())[-1]
    rows = rows[rows["period"] == period]
    vintage = sorted(rows["vintage"].unique())[-1]
    rows = rows[rows["vintage"] == vintage]
    values = rows.set_index("area_code")["value"].where(rows.set_index("area_code")["status"] == "ok")
    return values.astype("float64"), str(period), str(vintage)


@shared.cached(max_entries=2, scope="bundled")
def _lsoa11_changes(data_dir: Path) -> pd.DataFrame:
    """Per 2011 LSOA: ``change`` (U/S/M/X) and, for U and M, its one 2021 LSOA ``lsoa21_code``."""
    lookup = lsoa11_lookup(data_dir)
    if lookup.empty:
        raise RuleError(
            "The rule mixes indicators on 2021 and older LSOAs, but the LSOA 2011-2021 lookup is not built "
            f"({data_dir / 'lookups' / 'lsoa11_lsoa21.parquet'}); run `python -m geo build --only lsoa_change`, "
            "or use indicators of one LSOA set."
        )
    return changes_2011(lookup)


@shared.cached(max_entries=2, scope="bundled")
def _lsoa01_to_11(data_dir: Path) -> pd.Series:
    """2011 LSOA -> its one 2001 LSOA, for unchanged and split areas only."""
    lookup = pd.read_parquet(data_dir / "lookups" / "lsoa01_lsoa11.parquet")
    single = lookup.groupby("lsoa11_code")["lsoa01_code"].transform("size") == 1
    usable = lookup[single & lookup["change"].isin(["U", "S"])]
    return usable.set_index("lsoa11_code")["lsoa01_code"]


def _column(ind: Indicator, lsoa_vintage: str, data_dir: Path, published: tuple[pd.Series, str, str]) -> _Column:
    values, period, published_on = published
    if published_on == lsoa_vintage:
        return _Column(ind, values, period, published_on)
    if published_on == "2021":  # the rule runs on 2011 LSOAs (the set is chosen so)
        changes = _lsoa11_changes(data_dir)
        carried = carry_2021(values, changes)
        counts = changes["change"].value_counts()
        note = (
            f"{ind.indicator_id} is published on 2021 LSOAs and was carried to 2011 LSOAs through the atlas's "
            f"derived LSOA 2011-2021 lookup: {counts.get('U', 0):,} unchanged LSOAs take their own value, "
            f"{counts.get('M', 0):,} inside a merged 2021 LSOA take the merged area's value, and "
            f"{counts.get('S', 0) + counts.get('X', 0):,} split or redrawn ones cannot be compared (no value)."
        )
        return _Column(ind, carried, period, published_on, note)
    # Otherwise 2001 -> 2011.
    parent = _lsoa01_to_11(data_dir)
    carried = parent.map(values)
    lsoas = boundaries.area_lookup("lsoa", lsoa_vintage, data_dir=data_dir)["area_code"]
    carried = carried.reindex(lsoas)
    lost = int(carried.isna().sum() - values.isna().sum())
    note = (
        f"{ind.indicator_id} is published on 2001 LSOAs and was carried to 2011 LSOAs through the ONS LSOA "
        "2001-2011 lookup (each unchanged or split area takes its 2001 value)"
        + (f"; {lost} 2011 LSOAs made by merging or redrawing 2001 areas have no value." if lost > 0 else ".")
    )
    return _Column(ind, carried, period, published_on, note)


def _rule_set(sets: set[str]) -> str:
    """The LSOA set a rule runs on: 2021 when every indicator is on 2021 LSOAs, else 2011 (people are counted there)."""
    return "2021" if sets == {"2021"} else "2011"


# ---------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class Totals:
    """What the matching LSOAs hold; people are ``None`` where no estimate is held."""

    lsoas: int
    area_lsoas: int
    pop_total: float | None
    pop_0_4: float | None
    pop_0_15: float | None
    pop_65_plus: float | None
    area_pop_total: float | None
    population_period: str | None
    #: Matching LSOAs with a people count, and the area's (fewer than all on 2021 LSOAs: split or redrawn ones).
    counted_lsoas: int | None = None
    area_counted_lsoas: int | None = None
    #: How the people reach the rule's LSOAs, e.g. :data:`PEOPLE_ROUTE`; empty when they are on their own set.
    population_route: str = ""

    @property
    def share_of_people(self) -> float | None:
        if self.pop_total is None or not self.area_pop_total:
            return None
        return self.pop_total / self.area_pop_total

    def share_interval(self) -> str:
        """The share of people's 95% interval, "95% CI 9.8% to 10.6%, by Wilson score", or "no interval: <why>".

        The share is a proportion of people, so its interval is the Wilson score interval OHID
        gives a proportion (:func:`geo.intervals.proportion`, as ``phe_proportion``).
        """
        if self.pop_total is None:
            return intervals.no_interval("people are not counted")
        if not self.area_pop_total:
            return intervals.no_interval("the area's people are not counted")
        ci = intervals.proportion([self.pop_total], [self.area_pop_total], multiplier=100)
        return f"95% CI {ci.lower.iloc[0]:.1f}% to {ci.upper.iloc[0]:.1f}%, by {ci.method.iloc[0]}"

    def sentences(self) -> list[str]:
        """The totals in plain English."""
        out = [f"{self.lsoas:,} of the area's {self.area_lsoas:,} small areas (LSOAs) match the rule."]
        if self.pop_total is None:
            out.append("People are not counted: the ONS small-area population estimates are held on 2011 LSOAs only, "
                       f"and the LSOA 2011-2021 lookup is not built; so no share of people ({self.share_interval()}).")
            return out
        share = self.share_of_people
        counted = self.lsoas if self.counted_lsoas is None else self.counted_lsoas
        area_counted = self.area_lsoas if self.area_counted_lsoas is None else self.area_counted_lsoas
        source = f"ONS mid-{self.population_period} estimates"
        if self.population_route:
            source += f" on 2011 LSOAs, {self.population_route}"
        if counted < self.lsoas:
            source += f"; {self.lsoas - counted:,} split or redrawn LSOAs not counted"
            out.append(f"People: {self.pop_total:,.0f} in {counted:,} of the {self.lsoas:,} matching LSOAs ({source})"
                       + (f", {share:.1%} ({self.share_interval()}) of the {self.area_pop_total:,.0f} people in the "
                          f"{area_counted:,} of the area's {self.area_lsoas:,} LSOAs counted the same way."
                          if share is not None else f"; no share of the area's people ({self.share_interval()})."))
        else:
            out.append(
                f"{self.pop_total:,.0f} people live in them ({source})"
                + (f", {share:.1%} ({self.share_interval()}) of the area's {self.area_pop_total:,.0f}"
                   + (f" (in the {area_counted:,} of its {self.area_lsoas:,} LSOAs counted the same way)" if area_counted < self.area_lsoas
                      else "") + "." if share is not None else f"; no share of the area's people ({self.share_interval()}).")
            )
        out.append(
            f"Children under 5: {self.pop_0_4:,.0f}; children under 16: {self.pop_0_15:,.0f}; "
            f"people aged 65 and over: {self.pop_65_plus:,.0f}"
            + (f" (in the same {counted:,} LSOAs)." if counted < self.lsoas else ".")
        )
        return out


@dataclass(frozen=True, eq=False)
class TargetResult:
    """A rule run within an area.

    ``table`` has one row per LSOA of the area: ``area_code``, ``area_name``, each
    indicator of the rule, the population columns (on 2011 LSOAs), ``matched`` and
    ``rank`` (1 = first in the ranked list of matches; empty for the others).
    """

    rule: Rule
    area: Area
    lsoa_vintage: str
    table: pd.DataFrame
    totals: Totals
    editions: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    #: The within-area ranking, when the rule selects every small area of the area and it discriminates there.
    alternative: Alternative | None = None

    @property
    def matches(self) -> pd.DataFrame:
        """The matching LSOAs, ranked."""
        return self.table[self.table["matched"]].sort_values("rank").reset_index(drop=True)

    @property
    def not_compared(self) -> pd.DataFrame:
        """The area's 2011 LSOAs split or redrawn in 2021 (no value for the rule's 2021 indicators; empty otherwise)."""
        if "lsoa_change" not in self.table:
            return self.table.iloc[0:0][["area_code", "area_name"]].assign(lsoa_change=pd.Series(dtype="str"))
        lost = self.table[~self.table["lsoa_change"].isin(CARRIED_CHANGES)]
        return lost[["area_code", "area_name", "lsoa_change"]].reset_index(drop=True)

    @property
    def verdicts(self) -> pd.Series:
        """Per row of ``table``: ``match``, ``other`` or ``not_compared`` (keys of :data:`VERDICT_WORDS`).

        ``not_compared``: no match, and split or redrawn in 2021, so a 2021 term could not be
        tested (an LSOA matched through another term of an ``or`` is a ``match``).
        """
        verdict = self.table["matched"].map({True: "match", False: "other"}).astype("str")
        if "lsoa_change" in self.table:
            lost = ~self.table["lsoa_change"].isin(CARRIED_CHANGES) & ~self.table["matched"].astype(bool)
            verdict = verdict.where(~lost, "not_compared")
        return verdict


def evaluate(
    rule: Rule | str, *, within: Area | str, data_dir: Path = DATA_DIR, extra: Extra | None = None
) -> TargetResult:
    """Run ``rule`` over the LSOAs of ``within`` (an :class:`Area`, a code, or ``"england"``).

    Matches are ranked worst first on the rule's indicators in the order they are
    named (each by its polarity: decile 1 before 2, the highest fuel poverty first).
    An LSOA with no value for an indicator does not meet that indicator's condition
    (counted in the notes). ``extra``: a user's LSOA columns, named in the rule by
    :func:`rule_id`.

    Raises
    ------
    RuleError
        The rule cannot be read, or names a column not held for LSOAs.
    UnknownAreaCodeError, VintageMismatchError
        The area is unknown, or has no LSOAs of the rule's set in the lookups.
    """
    parsed = parse(rule, data_dir=data_dir, extra=extra) if isinstance(rule, str) else rule
    catalogue = terms(load_catalogue(data_dir), extra)
    user_rows = _extra_rows(extra)
    area = resolve_area(within, data_dir=data_dir) if isinstance(within, str) else within
    inds = {i: small_area_indicator(i, catalogue) for i in parsed.indicator_ids}
    published = {i: _latest(user_rows[i]) if i in user_rows else _published(i, data_dir) for i in inds}
    lsoa_vintage = _rule_set({p[2] for p in published.values()})
    area = _nesting(area, lsoa_vintage, data_dir)
    cols = {i: _column(ind, lsoa_vintage, data_dir, published[i]) for i, ind in inds.items()}

    table = _lsoas_in(area, lsoa_vintage, data_dir)
    notes: list[str] = [c.note for c in cols.values() if c.note]
    through_lookup = [i for i, c in cols.items() if c.lsoa_vintage == "2021" and lsoa_vintage == "2011"]
    lost = table.iloc[0:0]
    if through_lookup:
        table["lsoa_change"] = table["area_code"].map(_lsoa11_changes(data_dir)["change"]).astype("str")
        lost = table[~table["lsoa_change"].isin(CARRIED_CHANGES)]
        merged = int((table["lsoa_change"] == "M").sum())
        notes.insert(0, (
            f"The rule mixes 2021 and 2011 LSOAs, so it runs on the area's {len(table):,} 2011 LSOAs (where people "
            f"are counted), with {', '.join(through_lookup)} carried through the derived LSOA 2011-2021 lookup: "
            f"{int((table['lsoa_change'] == 'U').sum()):,} unchanged, {merged:,} inside a merged 2021 LSOA (its "
            f"value), {len(lost):,} split or redrawn in 2021 not compared (no value)."
        ))
    for i, col in cols.items():
        table[i] = table["area_code"].map(col.values).astype("float64")
        missing = int(table[i].isna().sum()) - (len(lost) if i in through_lookup else 0)
        if missing > 0:
            notes.append(f"{missing} of the area's LSOAs have no value for {i}; they do not meet its condition.")
    population, pop_period = lsoa_people(lsoa_vintage, data_dir=data_dir)
    for column in POPULATION_COLUMNS:
        table[column] = table["area_code"].map(population[column]) if population is not None else np.nan
    carried_people = population is not None and "pop_note" in population
    if carried_people:
        assert population is not None
        table["pop_note"] = table["area_code"].map(population["pop_note"]).astype("str")
        absent = table["pop_total"].isna() & table["pop_note"].isna()
        table.loc[absent, "pop_note"] = "not counted: not in the derived LSOA 2011-2021 lookup"
        uncounted = int(table["pop_total"].isna().sum())
        notes.append(
            f"People on 2021 LSOAs come from the ONS mid-{pop_period} estimates on 2011 LSOAs through the derived "
            "LSOA 2011-2021 lookup (unchanged: its 2011 LSOA's people; merged: the sum of its whole 2011 LSOAs); "
            f"{uncounted:,} of the area's {len(table):,} LSOAs, split or redrawn in 2021, are not counted "
            "(never divided; see pop_note)."
        )
    elif population is None:
        notes.append(
            "People are not counted for 2021 LSOAs: the ONS small-area population estimates the atlas holds "
            "are on 2011 LSOAs, and the LSOA 2011-2021 lookup is not built "
            "(`python -m geo build --only lsoa_change`)."
        )
    polarity = {i: ind.polarity for i, ind in inds.items()}
    table["matched"] = mask(parsed.expr, table, polarity=polarity).to_numpy() if not table.empty else pd.Series(dtype=bool)
    for w in (c for c in conditions(parsed.expr) if isinstance(c, Worst)):
        ranked = table[w.indicator_id]
        picked = worst(ranked, w.percent, polarity=polarity[w.indicator_id], indicator_id=w.indicator_id)
        notes.append(worst_note(w, ranked, picked, polarity[w.indicator_id], area.area_name))
    table["rank"] = _ranks(table, [cols[i].indicator for i in parsed.indicator_ids])

    matched = table[table["matched"]]
    counted = population is not None
    totals = Totals(
        lsoas=len(matched),
        area_lsoas=len(table),
        pop_total=float(matched["pop_total"].sum()) if counted else None,
        pop_0_4=float(matched["pop_0_4"].sum()) if counted else None,
        pop_0_15=float(matched["pop_0_15"].sum()) if counted else None,
        pop_65_plus=float(matched["pop_65_plus"].sum()) if counted else None,
        area_pop_total=float(table["pop_total"].sum()) if counted else None,
        population_period=pop_period,
        counted_lsoas=int(matched["pop_total"].notna().sum()) if counted else None,
        area_counted_lsoas=int(table["pop_total"].notna().sum()) if counted else None,
        population_route=PEOPLE_ROUTE if carried_people else "",
    )
    people_edition = f"population: ONS LSOA mid-year estimates, mid-{pop_period}, 2011 LSOAs" + (
        f", {PEOPLE_ROUTE} (unchanged: its 2011 LSOA's people; merged: the sum of its whole 2011 LSOAs; split or "
        "redrawn: not counted)" if carried_people else "")
    editions = tuple(
        f"{i}: {c.indicator.edition or c.indicator.source.dataset}, period {c.period}, "
        f"{c.lsoa_vintage} LSOAs ({c.indicator.source.publisher})"
        for i, c in cols.items()
    ) + ((people_edition,) if counted else ())
    editions = tuple(
        e + (" through the atlas's derived LSOA 2011-2021 lookup onto 2011 LSOAs (unchanged: own value; merged: the "
             "merged area's value; split or redrawn: not compared)" if e.split(":", 1)[0] in through_lookup else "")
        for e in editions
    )
    offer = None
    if len(table) >= 5 and len(matched) == len(table):

        def values_of(ind: Indicator) -> pd.Series:
            held = _latest(user_rows[ind.indicator_id]) if ind.indicator_id in user_rows else _published(
                ind.indicator_id, data_dir)
            return table["area_code"].map(_column(ind, lsoa_vintage, data_dir, held).values).astype("float64")

        offer = alternative(parsed, table, area_name=area.area_name, catalogue=catalogue, values_of=values_of)
    return TargetResult(parsed, area, lsoa_vintage, table, totals, editions, tuple(notes), offer)


def _ranks(table: pd.DataFrame, inds: list[Indicator]) -> pd.Series:
    matched = table[table["matched"]]
    if matched.empty:
        return pd.Series(pd.NA, index=table.index, dtype="Int64")
    keys = []
    for ind in reversed(inds):  # np.lexsort's last key is the primary one
        values = matched[ind.indicator_id].to_numpy(dtype="float64")
        # Worst first: high values when lower is better; low values (decile 1, rank 1) otherwise.
        worst_first = -values if ind.polarity == "lower_is_better" else values
        keys.append(np.where(np.isnan(worst_first), np.inf, worst_first))
    keys.insert(0, matched["area_code"].to_numpy())  # ties broken by code, for a stable order
    order = np.lexsort(keys)
    ranks = pd.Series(pd.NA, index=table.index, dtype="Int64")
    ranks.loc[matched.index[order]] = np.arange(1, len(order) + 1)
    return ranks


# ---------------------------------------------------------------- exports
def geometries(result: TargetResult, *, data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """``result.table`` with each LSOA's boundary (EPSG:4326)."""
    shapes = boundaries.load("lsoa", result.lsoa_vintage, data_dir=data_dir)[["area_code", "geometry"]]
    merged = shapes.merge(result.table, on="area_code", how="right")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=shapes.crs)


def export_table(result: TargetResult, *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The matching LSOAs, ranked, with every column, the rule and the data editions."""
    out = result.matches.drop(columns="matched")
    if extra is not None and not extra.empty:
        out = out.merge(extra, on="area_code", how="left")
    out.insert(2, "within_code", result.area.area_code)
    out.insert(3, "within_name", result.area.area_name)
    out["lsoa_vintage"] = result.lsoa_vintage
    out["rule"] = str(result.rule)
    out["editions"] = "; ".join(result.editions)
    return _whole_numbers(out)


def _whole_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (deciles, ranks, people, metres) as integers: "1924", not "1924.0"."""
    out = table.copy()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_float_dtype(col) and col.notna().any():
            held = col.dropna()
            if bool(((held % 1) == 0).all()) and bool((held.abs() < 2**53).all()):
                out[name] = col.astype("Int64")
    return out


def to_csv(result: TargetResult, *, extra: pd.DataFrame | None = None, header: Sequence[str] = ()) -> str:
    """CSV text of :func:`export_table`, after ``header`` as ``# `` lines (how ``extra`` was measured, its sources)."""
    return csv_text(export_table(result, extra=extra), header=header)


def to_geojson(result: TargetResult, *, extra: pd.DataFrame | None = None, header: Sequence[str] = (),
               data_dir: Path = DATA_DIR) -> str:
    """GeoJSON text of :func:`export_table` with boundaries; the rule, editions and ``header`` (``notes``) at the top."""
    table = export_table(result, extra=extra)
    shapes = boundaries.load("lsoa", result.lsoa_vintage, data_dir=data_dir)[["area_code", "geometry"]]
    gdf = gpd.GeoDataFrame(table.merge(shapes, on="area_code", how="left"), geometry="geometry", crs=shapes.crs)
    data = json.loads(gdf.to_json(na="null", drop_id=True))
    data = {"type": "FeatureCollection", "rule": str(result.rule), "within": result.area.label,
            "lsoa_vintage": result.lsoa_vintage, "editions": list(result.editions),
            **({"notes": list(header)} if header else {}), "features": data["features"]}
    return geojson_text(data)
