"""The Spearhead method (Department of Health, 2004) on any data the atlas holds.

An area is in the *worst fifth* on an indicator when it ranks among the worst
``fraction`` of the areas holding a value; it *qualifies* when it is in the worst
fifth on at least ``threshold`` indicators. :func:`assess` is the pure method;
:func:`run` assembles the indicators for a period on one code set, reconciling
each indicator's vintage through :func:`geo.codes.reconcile`.

Rules (stated on the page, in the CLI sidecar and in :data:`RULES`):

- **Ties at the cut-off**: areas are ranked from the worst (1 = worst); tied areas
  share the best of their ranks (pandas ``method="min"``). An area is in the worst
  fifth when its rank is at most ``fraction`` x n, n being the areas with a value.
  So every area tied with the last one in is also in, and the fifth can hold more
  than ``fraction`` x n areas, never fewer than its whole part.
- **Missing values**: an area without a value (missing, suppressed, or a merged
  area whose parts' values cannot be combined) is left out of that indicator's
  ranking and n; it is not in the worst fifth on it, its 0/1 column is empty and
  ``criteria_held`` says how many indicators it was judged on. It can still
  qualify on the indicators it holds; when it falls short only because of missing
  values, ``undecided`` is true. Nothing is estimated or filled in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from geo import codes, indicators
from geo._paths import DATA_DIR
from geo.catalogue import get, load_catalogue
from geo.classify import NumberFormat, number_format
from geo.errors import DataUnavailableError
from geo.periods import imd_editions, nearest_edition, period_year
from geo.schema import vintages
from geo.series import INDICATORS, resolve
from geo.spearhead_official import (
    PCT_VINTAGE_NOTE,
    boundaries_vintage,
    compare_official,
    compare_official_pct,
    overlapping,
    split_official,
)
from geo.spearhead_rules import CODE_SETS, RULES, TITLE, Criterion
from geo.spearhead_rules import FIVE as _FIVE
from geo.spearhead_sources import DEFAULT_RULE, code_set_reason, default_vintage, missing_reasons, published_on
from geo.values import values_on

__all__ = [
    "CODE_SETS",
    "DEFAULT_RULE",
    "RULES",
    "TITLE",
    "Assessment",
    "Criterion",
    "SpearheadRun",
    "assess",
    "PCT_VINTAGE_NOTE",
    "boundaries_vintage",
    "compare_official",
    "compare_official_pct",
    "split_official",
    "table_with_reasons",
    "undecided_reasons",
    "why_text",
    "criteria_for",
    "formats",
    "shown_pair",
    "overlapping",
    "periods_held",
    "run",
    "worst_fifth",
]


@dataclass(frozen=True)
class Assessment:
    """The method's result.

    ``table`` (index ``area_code``): one nullable 0/1 column per criterion,
    ``criteria_met``, ``criteria_held``, ``qualifies`` and ``undecided``.
    ``cutoffs``: the worst-fifth cut-off value of each criterion (the value of the
    last area in); ``counts``: the areas with a value (n) per criterion.
    """

    table: pd.DataFrame
    cutoffs: Mapping[str, float]
    counts: Mapping[str, int]
    fraction: float
    threshold: int


def worst_fifth(values: pd.Series, *, polarity: str, fraction: float = 0.2) -> pd.Series:
    """Whether each area is in the worst ``fraction``: nullable booleans, ``<NA>`` where no value.

    Examples
    --------
    >>> worst_fifth(pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]), polarity="lower_is_better").tolist()
    [False, False, False, False, False, False, False, False, True, True]
    """
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise ValueError(f"Expected polarity higher_is_better or lower_is_better; got {polarity!r}.")
    if not 0 < fraction < 1:
        raise ValueError(f"Expected a fraction between 0 and 1 (e.g. 0.2 for a fifth); got {fraction}.")
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    held = numeric.notna()
    ranks = numeric.rank(method="min", ascending=polarity == "higher_is_better")
    limit = fraction * int(held.sum())
    inside = (ranks <= limit + 1e-9).astype("boolean")
    return inside.where(held, pd.NA)


def assess(
    values: pd.DataFrame,
    polarities: Mapping[str, str],
    *,
    fraction: float = 0.2,
    threshold: int = 3,
) -> Assessment:
    """Apply the Spearhead method to one value per area (rows) for each indicator (columns).

    Parameters
    ----------
    values : DataFrame
        Index ``area_code``; one numeric column per indicator (NaN where not held).
    polarities : mapping
        Column name to ``higher_is_better`` or ``lower_is_better``.
    fraction, threshold
        The worst ``fraction`` per indicator; qualifies with at least ``threshold``.
    """
    missing = [c for c in values.columns if c not in polarities]
    if missing:
        raise ValueError(f"No polarity for {', '.join(missing)}; pass one for every column of values.")
    if threshold < 1:
        raise ValueError(f"Expected a threshold of at least 1 indicator; got {threshold}.")
    table = pd.DataFrame(index=values.index)
    cutoffs: dict[str, float] = {}
    counts: dict[str, int] = {}
    for column in values.columns:
        inside = worst_fifth(values[column], polarity=polarities[column], fraction=fraction)
        table[column] = inside.astype("Int8")
        numeric = pd.to_numeric(values[column], errors="coerce")
        chosen = numeric[inside.fillna(False).astype(bool)]
        counts[column] = int(numeric.notna().sum())
        if chosen.empty:
            cutoffs[column] = math.nan
        else:
            cutoffs[column] = float(chosen.max() if polarities[column] == "higher_is_better" else chosen.min())
    flags = table[list(values.columns)]
    table["criteria_met"] = flags.fillna(0).sum(axis=1).astype("int64")
    table["criteria_held"] = flags.notna().sum(axis=1).astype("int64")
    table["qualifies"] = table["criteria_met"] >= threshold
    unheld = len(values.columns) - table["criteria_held"]
    table["undecided"] = ~table["qualifies"] & (table["criteria_met"] + unheld >= threshold)
    return Assessment(table, cutoffs, counts, fraction, threshold)


# --- the atlas's data ----------------------------------------------------------------


def criteria_for(
    period: str, *, level: str = "lad", imd_edition: str | None = None, data_dir: Path = DATA_DIR
) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
    """The criteria of the five held for ``period`` at ``level``, and a note for each one not held."""
    held: list[Criterion] = []
    notes: list[str] = []
    editions = imd_editions(level, data_dir=data_dir)
    for key, label, indicator_id, sex, stands_for in _FIVE:
        if indicator_id is None:
            if not editions:
                notes.append(f"{label}: no IMD summary is held for this geography, so it is left out.")
                continue
            edition = imd_edition or nearest_edition(period, list(editions))
            if edition not in editions:
                raise DataUnavailableError(
                    f"IMD {edition} average score is not held for this geography; held: {', '.join(editions)}."
                )
            ind = get(editions[edition], data_dir=data_dir)
            held.append(Criterion(key, f"IMD {edition} average score", ind.indicator_id, sex, edition, ind.polarity))
            continue
        series, unheld = "", ""
        if stands_for:
            official, series, unheld, plain = _official_series(key, level=level, sex=sex, period=period,
                                                               data_dir=data_dir)
            if official:
                ind = get(official, data_dir=data_dir)
                held.append(Criterion(key, f"{ind.label} (official series)", official, sex, period, ind.polarity,
                                      series=series, official=plain))
                continue
        ind = get(indicator_id, data_dir=data_dir)
        if not _held_for(indicator_id, level=level, sex=sex, period=period, data_dir=data_dir):
            notes.append(f"{label} for {period} is not held, so it is left out"
                         + (f"; {unheld}." if unheld else "."))
            continue
        held.append(Criterion(key, label, indicator_id, sex, period, ind.polarity, stands_for, series))
    return tuple(held), tuple(notes)


def _held_for(indicator_id: str, *, level: str, sex: str, period: str, data_dir: Path) -> bool:
    if level not in get(indicator_id, data_dir=data_dir).levels:
        return False
    combos = indicators.periods(indicator_id, level=level, data_dir=data_dir)
    return not combos[(combos["period"] == period) & (combos["sex"] == sex)].empty


def _official_series(key: str, *, level: str, sex: str, period: str, data_dir: Path) -> tuple[str, str, str, str]:
    """For a proxied criterion: the official series when held for ``period`` (else ``""``), the note saying which,
    the clause saying it is held but not for ``period`` (else ``""``), and the page's plain sentence.

    The choice is the gap tracker's (:func:`geo.series.resolve`: the official all-cancer and
    all-CVD series once ``python -m geo refresh`` has brought them), narrowed to the period.
    """
    record = INDICATORS.get(key)
    if record is None or not record.official_id:
        return "", "", "", ""
    chosen, note = resolve(replace(record, level=level, sex=sex), data_dir=data_dir)
    if chosen.indicator_id != record.official_id:
        return "", note, "", ""
    covered = _coverage(record.official_id, level=level, sex=sex, data_dir=data_dir)
    if not _held_for(chosen.indicator_id, level=level, sex=sex, period=period, data_dir=data_dir):
        unheld = f"the official series {record.official_id} is held, but not for {period} (only for {covered})"
        return "", (f"Series: {record.indicator_id} (deaths considered preventable) stands in for {record.stands_for}; "
                    f"{unheld}."), unheld, ""
    source = _refreshed_source(record.official_id, data_dir=data_dir)
    what = record.stands_for.split(" (")[0]
    plain = (f"{what[0].upper()}{what[1:]}: the official series{f' ({source})' if source else ''}, held for "
             f"{covered}, used here for {period} in place of the proxy (deaths considered preventable).")
    return chosen.indicator_id, f"{note[:-1]}; used for {period}, held for {covered}.", "", plain


def _coverage(indicator_id: str, *, level: str, sex: str, data_dir: Path) -> str:
    """The periods a series is held for at ``level``, in words ("2001-03 to 2015-17")."""
    combos = indicators.periods(indicator_id, level=level, data_dir=data_dir)
    held = sorted(set(combos.loc[combos["sex"] == sex, "period"]), key=period_year)
    return held[0] if len(held) == 1 else f"{held[0]} to {held[-1]}"


def _refreshed_source(indicator_id: str, *, data_dir: Path) -> str:
    """Where a refreshed series came from ("OHID Fingertips indicator 40501, released ..."), or ``""``."""
    from geo import _paths, refresh

    if _paths.refreshed_dir(data_dir) is None:
        return ""
    entry = ((refresh.current() or {}).get("indicators") or {}).get(indicator_id)
    if not isinstance(entry, dict):
        return ""
    return (f"OHID Fingertips indicator {entry.get('fingertips_id')}, released {entry.get('released')}, "
            f"downloaded {entry.get('downloaded')}")


@dataclass(frozen=True)
class SpearheadRun:
    """The method applied to the atlas's data for one period on one code set."""

    period: str
    level: str
    vintage: str
    criteria: tuple[Criterion, ...]
    assessment: Assessment
    values: pd.DataFrame
    names: Mapping[str, str]
    notes: tuple[str, ...]
    left_out: tuple[str, ...] = field(default=())
    #: Whether the code set is the period's default (:data:`DEFAULT_RULE`) rather than one asked for.
    default_code_set: bool = False

    @property
    def code_set(self) -> str:
        """Why the run is on its code set, and where each indicator was published, in words."""
        return code_set_reason(self.criteria, vintage=self.vintage, period=self.period, chosen=self.default_code_set)

    @property
    def rests_on(self) -> str:
        """E.g. "3 or more of the 4 held (of the 5)"."""
        n = len(self.criteria)
        tail = "" if n == len(_FIVE) else f" held (of the {len(_FIVE)})"
        return f"{self.assessment.threshold} or more of the {n}{tail}"

    def table(self) -> pd.DataFrame:
        """One row per area: code, name, 0/1 per criterion, counts, qualifies, then the values."""
        t = self.assessment.table
        keys = [c.key for c in self.criteria]
        out = pd.DataFrame({"area_code": t.index, "area_name": [self.names.get(c, "") for c in t.index]})
        for key in keys:
            out[key] = t[key].to_numpy()
        for column in ("criteria_met", "criteria_held", "qualifies", "undecided"):
            out[column] = t[column].to_numpy()
        for key in keys:
            out[f"{key}_value"] = self.values[key].reindex(t.index).to_numpy()
        return out.sort_values("area_code").reset_index(drop=True)

    def header(self) -> list[str]:
        """The comment block that travels with the CSV: indicators, proxies, periods, cut-offs, rules."""
        a = self.assessment
        lines = [
            f"{TITLE} on {self.level} {self.vintage} codes, period {self.period}",
            f"Worst {a.fraction:g} of areas on each indicator; qualifies with {self.rests_on}.",
            f"Code set: {self.code_set}",
        ]
        fmts = formats(self)
        for c in self.criteria:
            proxy = f" (proxy for {c.stands_for})" if c.stands_for else ""
            worse = "lower" if c.polarity == "higher_is_better" else "higher"
            where = f"published on {c.published_on} codes; " if c.published_on else ""
            cut = a.cutoffs[c.key]
            lines.append(
                f"{c.key}: {c.label}{proxy}; {c.indicator_id}, {c.sex}, {c.period}; {where}worse is {worse}; "
                f"cut-off {'none' if math.isnan(cut) else fmts[c.key].number(cut)} over {a.counts[c.key]} areas "
                "with a value"
            )
        lines.append("Cut-offs are written at the precision each indicator is published at (the _value columns "
                     "hold the figures as held); the ranking uses the figures as held.")
        lines += [c.series for c in self.criteria if c.series]
        lines += [f"Not held: {n}" for n in self.left_out]
        lines += [f"Rule: {r}" for r in RULES]
        lines.append(f"Default code set: {DEFAULT_RULE}")
        lines += [f"Note: {n}" for n in self.notes]
        return lines


def _coverage_on(criteria: Sequence[Criterion], *, level: str, period: str,
                 data_dir: Path) -> Callable[[str], tuple[int, int]]:
    """(areas holding every criterion, values held) on a code set, for :func:`default_vintage`'s tie-break."""

    def count(vintage: str) -> tuple[int, int]:
        frame = pd.DataFrame(
            {c.key: values_on(c.indicator_id, period=c.period, sex=c.sex, level=level, vintage=vintage,
                              data_dir=data_dir)[0] for c in criteria}
        )
        return int(frame.notna().all(axis=1).sum()), int(frame.notna().sum().sum())

    return count


def run(
    period: str,
    *,
    level: str = "lad",
    vintage: str | None = None,
    fraction: float = 0.2,
    threshold: int = 3,
    imd_edition: str | None = None,
    data_dir: Path = DATA_DIR,
) -> SpearheadRun:
    """Apply :func:`assess` to the indicators held for ``period`` on one code set.

    ``vintage=None`` opens the period on the code set its figures were published on
    (:data:`DEFAULT_RULE`, :func:`geo.spearhead_sources.default_vintage`).
    ``period="2001-03"`` is the 2004 reconstruction (IMD 2004 is the nearest edition).

    Raises
    ------
    DataUnavailableError
        Fewer criteria held than ``threshold``.
    """
    criteria, left_out = criteria_for(period, level=level, imd_edition=imd_edition, data_dir=data_dir)
    if len(criteria) < threshold:
        raise DataUnavailableError(
            f"Only {len(criteria)} of the 5 indicators are held for {period} at this level; the method needs "
            f"at least {threshold}. Pick a period from 2001-03 (the 2004 reconstruction) to 2015-17 (all five)."
        )
    criteria = tuple(replace(c, published_on=", ".join(published_on(c.indicator_id, level=level, period=c.period,
                                                                     sex=c.sex, data_dir=data_dir)))
                     for c in criteria)
    chosen = vintage is None
    if vintage is None:
        vintage = default_vintage(criteria, level=level, period=period, candidates=vintages(level),
                                  coverage=_coverage_on(criteria, level=level, period=period, data_dir=data_dir),
                                  data_dir=data_dir)
    columns: dict[str, pd.Series] = {}
    notes: list[str] = []
    for c in criteria:
        series, found = values_on(c.indicator_id, period=c.period, sex=c.sex, level=level, vintage=vintage,
                                  data_dir=data_dir)
        columns[c.key] = series
        notes += found
        gaps = int(series.isna().sum())
        if gaps:
            notes.append(f"{c.label}: {gaps} of {len(series)} areas have no value on {vintage} codes.")
    frame = pd.DataFrame(columns)
    frame.index.name = "area_code"
    assessment = assess(frame, {c.key: c.polarity for c in criteria}, fraction=fraction, threshold=threshold)
    return SpearheadRun(
        period=period,
        level=level,
        vintage=vintage,
        criteria=criteria,
        assessment=assessment,
        values=frame,
        names=codes.area_names(level, vintage, data_dir=data_dir),
        notes=tuple(notes),
        left_out=left_out,
        default_code_set=chosen,
    )


def undecided_reasons(result: SpearheadRun, *, every: bool = False,
                      data_dir: Path = DATA_DIR) -> dict[str, dict[str, str]]:
    """For each undecided area (``every``: each area lacking a value): criterion key -> why it has no value.

    See :func:`geo.spearhead_sources.missing_reasons`.
    """
    t = result.assessment.table
    return missing_reasons(result.criteria, result.values, level=result.level, vintage=result.vintage,
                           areas=None if every else t.index[t["undecided"].astype(bool)], data_dir=data_dir)


def why_text(result: SpearheadRun, reasons: Mapping[str, str]) -> str:
    """One area's reasons in a line: "no Male life expectancy at birth value: published for 2023 codes, ...; ..."."""
    labels = {c.key: c.label for c in result.criteria}
    return "; ".join(f"no {labels.get(k, k)} value on {result.vintage} codes: {why}" for k, why in reasons.items())


def table_with_reasons(result: SpearheadRun, reasons: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """:meth:`SpearheadRun.table` with ``undecided_why``: for an undecided area, which indicators are missing and why."""
    table = result.table()
    table["undecided_why"] = [why_text(result, reasons[c]) if c in reasons and u else ""
                              for c, u in zip(table["area_code"], table["undecided"], strict=True)]
    return table


def formats(result: SpearheadRun, *, data_dir: Path = DATA_DIR) -> dict[str, NumberFormat]:
    """Each criterion's published precision and unit (:func:`geo.classify.number_format`, as the map legend).

    A criterion not in the catalogue (an uploaded column) is written at its values' own precision.
    """
    catalogue = load_catalogue(data_dir)
    out: dict[str, NumberFormat] = {}
    for c in result.criteria:
        ind = catalogue.get(c.indicator_id)
        out[c.key] = (number_format(result.values[c.key], value_type=ind.value_type, unit=ind.unit) if ind
                      else number_format(result.values[c.key]))
    return out


def shown_pair(fmt: NumberFormat, value: float, cutoff: float) -> tuple[str, str]:
    """A value and the cut-off at the published precision, e.g. ``("39.9", "35.4")``.

    Where the two would read alike but differ, decimals are added until they do not,
    so "35.4, not in (cut-off 35.4)" never appears.
    """
    decimals = fmt.decimals
    while (decimals < 6 and value != cutoff and not (math.isnan(value) or math.isnan(cutoff))
           and fmt.number(value, decimals=decimals) == fmt.number(cutoff, decimals=decimals)):
        decimals += 1
    wide = NumberFormat(decimals, fmt.scale, fmt.unit)
    return wide.number(value), wide.number(cutoff)


def periods_held(level: str = "lad", *, threshold: int = 3, data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """Periods for which at least ``threshold`` of the five are held at ``level``, oldest first."""
    found: set[str] = set()
    for _key, _label, indicator_id, sex, _ in _FIVE:
        if indicator_id is None:
            continue
        try:
            combos = indicators.periods(indicator_id, level=level, data_dir=data_dir)
        except DataUnavailableError:
            continue
        found |= set(combos.loc[combos["sex"] == sex, "period"])
    return tuple(p for p in sorted(found, key=period_year)
                 if len(criteria_for(p, level=level, data_dir=data_dir)[0]) >= threshold)
