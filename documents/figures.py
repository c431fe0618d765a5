"""One map's figures as every export file writes them: values, both intervals, status, class and comparison.

The GeoPackage (:mod:`documents.geopackage`), the workbook (:mod:`documents.excel`) and the
Fingertips-shaped CSV (:mod:`documents.fingertips`) are made from one :class:`MapFigures`:
what the map draws (the joined table, its classes or England comparison, colours and
legend), England's row and the data's attribution. The map page builds it from what it
has drawn; the command line with :func:`build` (and :func:`small_areas` for a drilled
area), which make the same calls the page makes.

:meth:`MapFigures.table` is the one table behind every file: the atlas's tidy columns
(:func:`geo.indicators.tidy_table`) with the count and denominator, the 99.8% limits, the
method of each row's interval (or why there is none) and the comparison with England at
95% and 99.8% (:func:`geo.comparison.compare`); its ``class`` is the map's, so a map compared
with England at 99.8% (``method="england_998"``) has the 99.8% comparison there. The intervals and their methods are
:func:`geo.row_intervals.with_intervals`'s (re-exported here), the ones the map's tooltip
shows: published 95% limits kept; limits computed by OHID's methods where the count and
denominator reproduce the value; an approximation's combined from its parts' published
ones; otherwise "no interval: <reason>".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import boundaries, derived, indicators
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, get
from geo.classify import ENGLAND_LEVELS, Classification, classify, compare_with_england, method_drawn
from geo.comparison import compare, note_without_verdict, published_verdict
from geo.errors import UploadError
from geo.profile import DECILE_FOR_LSOA
from geo.row_intervals import COMPUTED, NOT_ESTIMATES, PUBLISHED, with_intervals
from geo.schema import LEVEL_LABELS
from geo.tables import attribution_lines
from geo.view import MAP_LEVELS, View
from layers.legend import Legend, build_legend, not_compared_note, why_not_compared
from layers.style import Scheme, scheme_for

__all__ = ["COMPUTED", "NOT_ESTIMATES", "PUBLISHED", "SEX_WORDS", "MapFigures", "build", "small_area_figures",
           "small_areas", "value_note", "with_intervals"]

SEX_WORDS: Final = {"male": "male", "female": "female", "persons": "persons"}
#: Who tested the 95% comparison (``compared_by``): the area's interval, or the publisher.
_BASIS: Final = {"interval": "the area's 95% confidence interval", "published": "OHID's published comparison"}


@dataclass(frozen=True, eq=False)
class MapFigures:
    """What one map layer draws, for the export files. ``joined`` is shared: never mutated here."""

    view: View
    indicator: Indicator
    joined: gpd.GeoDataFrame
    classification: Classification | None
    categories: pd.Series | None
    scheme: Scheme
    legend: Legend
    #: England's row (``value``, maybe ``lower_ci``, ``upper_ci``, ``count``, ``denominator``), or ``None``.
    england_row: pd.Series | None
    #: The data's source and licence (the catalogue's ``attribution``).
    attribution: str
    #: "" for the map's own areas; e.g. "Small areas in Liverpool" for a drilled area's small areas.
    scope: str = ""
    #: Why the map is not drawn by the method asked for (:func:`geo.classify.method_drawn`), "" when it is.
    drawn_note: str = ""

    @property
    def england(self) -> float | None:
        """England's value for the map's period and sex (``None`` when not held)."""
        row = self.england_row
        if row is None or pd.isna(row.get("value")):
            return None
        return float(row["value"])

    @property
    def title(self) -> str:
        """e.g. "Life expectancy at birth, female, 2023-25; Local authority districts (2023 boundaries)"."""
        v = self.view
        text = (f"{self.indicator.title}, {SEX_WORDS.get(v.sex, v.sex)}, {v.period}; "
                f"{LEVEL_LABELS.get(v.level, v.level)} ({v.vintage} boundaries)")
        return f"{self.scope}: {text}" if self.scope else text

    @property
    def source(self) -> str:
        """The publisher and data set, e.g. "Office for National Statistics: Life expectancy ..."."""
        s = self.indicator.source
        return "; ".join(p for p in (f"{s.publisher}: {s.dataset}" if s.dataset else s.publisher, s.url) if p)

    def attribution_lines(self) -> list[str]:
        """The source and licence lines, one sentence a line, then the licence (as every CSV's header)."""
        return attribution_lines(self.attribution)

    def table(self) -> pd.DataFrame:
        """The table every export writes: one row per area, sorted by code (see the module's docstring)."""
        joined = self.joined
        if self.classification is None and self.categories is not None and "comparison" not in joined:
            joined = joined.assign(comparison=self.categories)  # the class column of a map compared with England
        out = indicators.tidy_table(joined, view=self.view, classification=self.classification)
        by_code = joined.set_index("area_code")
        for column in ("count", "denominator"):
            held = by_code[column] if column in by_code else pd.Series(np.nan, index=by_code.index)
            out[column] = pd.to_numeric(held.reindex(out["area_code"]), errors="coerce").to_numpy()
        limits = with_intervals(out, value_type=self.indicator.value_type)
        out = out.drop(columns=["lower_ci", "upper_ci"]).join(limits)
        for level, lo, hi, name in ((95.0, "lower_ci", "upper_ci", "compared_with_england"),
                                    (99.8, "lower_ci_99_8", "upper_ci_99_8", "compared_with_england_99_8")):
            verdicts, basis = self._compared(out, lo, hi, level=level)
            out[name] = verdicts
            if level == 95.0:
                out["compared_by"] = [_BASIS.get(b, "") for b in basis]
        order = ["area_code", "area_name", "level", "vintage", "indicator_id", "period", "sex", "value", "lower_ci",
                 "upper_ci", "lower_ci_99_8", "upper_ci_99_8", "ci_method", "count", "denominator", "status",
                 "approximate", "note", "class", "compared_with_england", "compared_by", "compared_with_england_99_8"]
        return out[order]


    def _compared(self, out: pd.DataFrame, lo: str, hi: str, *, level: float) -> tuple[list[str], list[str]]:
        """Each row's verdict against England at ``level`` and who tested it (:func:`geo.comparison.compare`).

        Rows with an interval are tested together (the same rule, on whole columns); the rest by
        :func:`geo.comparison.compare`, which takes the publisher's own verdict where the note holds one.
        """
        eng, polarity = self.england, self.indicator.polarity
        ok = (out["status"] == "ok").to_numpy()
        value = pd.to_numeric(out["value"], errors="coerce").where(ok)
        tested = ok & value.notna().to_numpy() & out[lo].notna().to_numpy() & out[hi].notna().to_numpy()
        tested &= eng is not None
        verdicts = ["" for _ in range(len(out))]
        basis = ["" for _ in range(len(out))]
        if tested.any():
            rows = out.index[tested]
            found = compare_with_england(value[rows], out.loc[rows, lo], out.loc[rows, hi], england_value=eng,
                                         polarity=polarity)
            for i, verdict in zip(np.flatnonzero(tested), found, strict=True):
                verdicts[i], basis[i] = str(verdict), "interval"
        # Without an interval the verdict rests only on whether there is a value and on the note's published
        # verdict: worked out once per such pair, not once per row (33,755 small areas).
        said: dict[tuple[bool, str | None], tuple[str, str]] = {}
        notes, held = out["note"].tolist(), value.notna().tolist()
        for j in np.flatnonzero(~tested).tolist():
            key = (held[j], notes[j] if isinstance(notes[j], str) else None)
            if key not in said:
                one = compare(value.iloc[j], lower_ci=None, upper_ci=None, england=eng, polarity=polarity,
                              published=published_verdict(key[1]), level=level)
                said[key] = (one.verdict, one.basis)
            verdicts[j], basis[j] = said[key]
        return verdicts, basis


# ---------------------------------------------------------------- built as the map page builds them
def _drawn(view: View, indicator: Indicator, joined: gpd.GeoDataFrame, *, england: float | None, scope: str = "",
           sex: str | None = None) -> tuple[Classification | None, pd.Series | None, Scheme, Legend, str]:
    """The classes (or England comparison), colours, legend and why the method differs, as ``ui.cache.drawn`` makes them.

    At 99.8% the areas are compared by :func:`geo.row_intervals.with_intervals`' 99.8% limits; with none held for
    any area the map falls back to quintiles (:func:`geo.classify.method_drawn` says why).
    """
    level = ENGLAND_LEVELS.get(view.method)
    limits = with_intervals(joined, value_type=indicator.value_type) if level == 99.8 else None
    method, why = method_drawn(view.method, value_type=indicator.value_type, has_ci=indicator.has_ci,
                               england_value=england, period=view.period,
                               has_ci_99_8=limits is None or bool(limits["lower_ci_99_8"].notna().any()))
    classification = categories = None
    compared = ""
    if method in ENGLAND_LEVELS:
        lo, hi = (joined["lower_ci"], joined["upper_ci"]) if limits is None else (limits["lower_ci_99_8"],
                                                                                  limits["upper_ci_99_8"])
        categories = compare_with_england(joined["value"], lo, hi, england_value=float(england or 0.0),
                                          polarity=indicator.polarity)
        if limits is not None:
            compared = not_compared_note(why_not_compared(categories, limits, level=99.8), level=99.8)
    else:
        classification = classify(joined["value"], method=method, value_type=indicator.value_type, unit=indicator.unit)
    scheme = scheme_for(indicator.polarity, method=method, k=classification.k if classification else 3)
    legend = build_legend(indicator=indicator, period=view.period, sex=sex or view.sex, classification=classification,
                          scheme=scheme, england_value=england, statuses=joined["status"], categories=categories,
                          scope=scope)
    carried = derived.legend_note(joined.get("note"), joined["status"])
    if added := " ".join(t for t in (compared, carried) if t):
        legend = dataclasses.replace(legend, note=f"{legend.note} {added}".strip())
    return classification, categories, scheme, legend, why


def _attribution(data_dir: Path) -> str:
    import json

    return str(json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))["attribution"])


def build(view: View, *, data_dir: Path = DATA_DIR) -> MapFigures:
    """The map ``view`` draws, made as the map page makes it (for the command line).

    Raises
    ------
    AtlasError
        An unknown indicator, geography or boundary set, or a period or sex not held (the
        message lists what is).
    """
    if view.level not in MAP_LEVELS:
        raise UploadError(f"Expected a geography of {', '.join(MAP_LEVELS)}; got {view.level!r}.")
    indicator = get(view.indicator_id, data_dir=data_dir)
    values = indicators.load(view.indicator_id, level=view.level, vintage=view.vintage, period=view.period,
                             sex=view.sex, data_dir=data_dir)
    joined, _report = indicators.join(boundaries.load(view.level, view.vintage, data_dir=data_dir), values)
    england_row = indicators.england_value(view.indicator_id, period=view.period, sex=view.sex, data_dir=data_dir)
    england = None if england_row is None or pd.isna(england_row["value"]) else float(england_row["value"])
    classification, categories, scheme, legend, why = _drawn(view, indicator, joined, england=england)
    if categories is not None:
        joined["comparison"] = categories
    return MapFigures(view=view, indicator=indicator, joined=joined, classification=classification,
                      categories=categories, scheme=scheme, legend=legend, england_row=england_row,
                      attribution=_attribution(data_dir), drawn_note=why)


def small_area_figures(joined: gpd.GeoDataFrame, *, indicator: Indicator, vintage: str, period: str, sex: str,
                       area_name: str, attribution: str) -> MapFigures:
    """A drilled area's small areas (``joined``: LSOAs with values), classed as the map draws them (quantiles)."""
    view = View("lsoa", vintage, indicator.indicator_id, period, sex, method="quantiles")
    classification, categories, scheme, legend, _why = _drawn(view, indicator, joined, england=None,
                                                              scope=f"Small areas in {area_name}", sex=sex)
    return MapFigures(view=view, indicator=indicator, joined=joined, classification=classification,
                      categories=categories, scheme=scheme, legend=legend, england_row=None, attribution=attribution,
                      scope=f"Small areas in {area_name}")


def _latest(indicator_id: str, lsoa_vintage: str, *, data_dir: Path) -> tuple[str, str]:
    combos = indicators.periods(indicator_id, level="lsoa", data_dir=data_dir)
    combos = combos[combos["vintage"] == lsoa_vintage]
    period = sorted(combos["period"].unique())[-1]
    sexes = set(combos.loc[combos["period"] == period, "sex"])
    return period, "persons" if "persons" in sexes else sorted(sexes)[0]


def small_areas(area_code: str, *, level: str, vintage: str, lsoa_indicator: str | None = None,
                data_dir: Path = DATA_DIR) -> MapFigures:
    """An area's small areas on their latest period, as the map's drill-down draws them (default: IMD deciles)."""
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    chosen = lsoa_indicator or DECILE_FOR_LSOA[lsoa_vintage]
    indicator = get(chosen, data_dir=data_dir)
    if lsoa_vintage not in indicator.levels.get("lsoa", ()):
        raise UploadError(f"{indicator.label} is not held for {lsoa_vintage} small areas; pick a small-area "
                          f"indicator held on them, e.g. {DECILE_FOR_LSOA[lsoa_vintage]}.")
    lsoas = boundaries.lsoas_within(area_code, level=level, vintage=vintage, data_dir=data_dir)
    period, sex = _latest(chosen, lsoa_vintage, data_dir=data_dir)
    values = indicators.load(chosen, level="lsoa", vintage=lsoa_vintage, period=period, sex=sex, data_dir=data_dir)
    joined, _report = indicators.join(lsoas, values[values["area_code"].isin(set(lsoas["area_code"]))])
    names = boundaries.load(level, vintage, data_dir=data_dir).set_index("area_code")["area_name"]
    return small_area_figures(joined, indicator=indicator, vintage=lsoa_vintage, period=period, sex=sex,
                              area_name=str(names.get(area_code, area_code)), attribution=_attribution(data_dir))


def value_note(status: str, note: object) -> str:
    """A row's note for a reader, without the publisher's comparison (which has its own column)."""
    text = note_without_verdict(note if isinstance(note, str) else None)
    if status == "suppressed":
        return "; ".join(p for p in ("Value suppressed: numbers too small to publish", text) if p)
    if status == "missing":
        return "; ".join(p for p in ("No value held for this area", text) if p)
    return text
