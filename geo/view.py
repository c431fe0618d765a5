"""The map view a URL encodes: a frozen, validated state with a query-string codec.

:func:`resolve` turns whatever arrived in the URL into a view the data holds,
falling back step by step (level, indicator, period, sex, vintage, method) and
saying in plain English what it changed, so a bad link never breaks the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from geo.catalogue import Indicator
from geo.schema import LEVEL_LABELS

__all__ = [
    "DEFAULT_INDICATOR", "MAP_LEVELS", "MAP_VINTAGES", "METHODS", "METHOD_LABELS", "View", "carry", "held_at", "resolve",
    "with_area",
]

METHOD_LABELS: dict[str, str] = {
    "quantiles": "Quintiles (5 groups by rank)",
    "deciles": "Deciles (10 groups by rank)",
    "natural_breaks": "Natural breaks (Fisher-Jenks, 5 classes)",
    "equal_interval": "Equal intervals (5 classes of equal width)",
    "england": "Compared with England (95% confidence)",
    "england_998": "Compared with England (99.8% confidence)",
}
METHODS: tuple[str, ...] = tuple(METHOD_LABELS)
DEFAULT_INDICATOR = "le_birth"
MAP_LEVELS: tuple[str, ...] = ("lad", "utla", "region", "pct", "sha", "lsoa")
#: Levels whose map exists for some vintages only (no LSOA 2001 boundaries are held).
MAP_VINTAGES: dict[str, tuple[str, ...]] = {"lsoa": ("2011", "2021")}

#: Combinations held for an indicator at a level: a frame of vintage, period, sex.
CombosFn = Callable[[str, str], pd.DataFrame]


@dataclass(frozen=True)
class View:
    """Everything that defines the map on screen."""

    level: str
    vintage: str
    indicator_id: str
    period: str
    sex: str
    method: str = "quantiles"
    area_code: str | None = None
    #: A region the map is zoomed to (the breadcrumb's middle step), on the same level.
    region_code: str | None = None
    #: The indicator drawn on the drilled area's small areas (``None``: the default decile).
    lsoa_indicator: str | None = None

    def to_query(self) -> dict[str, str]:
        """Query parameters that reproduce this view."""
        params = {
            "level": self.level,
            "vintage": self.vintage,
            "indicator": self.indicator_id,
            "period": self.period,
            "sex": self.sex,
            "method": self.method,
        }
        if self.area_code:
            params["area"] = self.area_code
        if self.region_code:
            params["region"] = self.region_code
        if self.area_code and self.lsoa_indicator:
            params["lsoa"] = self.lsoa_indicator
        return params


def held_at(indicator: Indicator, level: str) -> bool:
    """Whether ``indicator`` can be mapped at ``level`` (on a vintage whose boundaries are held)."""
    held = indicator.levels.get(level)
    return held is not None and (level not in MAP_VINTAGES or bool(set(held) & set(MAP_VINTAGES[level])))


def carry(query: Mapping[str, str], *, changed: str) -> frozenset[str]:
    """The parameters of ``query`` carried over, not chosen, when the user changes ``changed``.

    Picking an indicator keeps the period, sex and boundaries where they are held and
    replaces them silently where not: the user never chose them for this indicator.
    Picking a geography keeps the indicator, period and sex the user was looking at, so
    replacing one of them is said (:func:`resolve` says it in one line); only the
    boundaries, which differ by geography anyway, change quietly.
    """
    order = ("level", "indicator", "period", "sex", "vintage")
    if changed not in order:
        return frozenset()
    if changed == "level":
        return frozenset({"vintage"} & set(query))
    return frozenset(k for k in order[order.index(changed) + 1:] if k in query)


def _latest(values: list[str]) -> str:
    return sorted(values)[-1]


def resolve(
    query: Mapping[str, str],
    *,
    catalogue: Mapping[str, Indicator],
    combos: CombosFn,
    quiet: frozenset[str] = frozenset(),
) -> tuple[View, list[str]]:
    """Build the nearest valid :class:`View` to ``query``; return it with notes.

    ``combos(indicator_id, level)`` lists the (vintage, period, sex) rows held.
    Each note says what was asked for, why it could not be shown, and what is
    shown instead. Parameters named in ``quiet`` were carried over from an
    earlier view rather than chosen, so replacing them is not announced.
    """
    notes: list[str] = []
    q = {k: str(v) for k, v in query.items()}

    def say(param: str, text: str) -> None:
        if param not in quiet:
            notes.append(text)

    level = q.get("level", "lad")
    if level not in MAP_LEVELS:
        notes.append(f"Unknown geography {level!r}; showing local authority districts.")
        level = "lad"

    held_here = [i for i, ind in catalogue.items() if held_at(ind, level)]
    if level in MAP_VINTAGES and "indicator" not in q:  # a link naming boundaries only: an indicator held on them
        held_here.sort(key=lambda i: q.get("vintage", "") not in catalogue[i].levels[level])
    indicator_id = q.get("indicator", DEFAULT_INDICATOR)
    if indicator_id not in catalogue:
        if "indicator" in q:
            say("indicator", f"Unknown indicator {indicator_id!r}; showing the default indicator.")
        indicator_id = DEFAULT_INDICATOR if DEFAULT_INDICATOR in catalogue else next(iter(catalogue))
    if not held_at(catalogue[indicator_id], level):
        label = catalogue[indicator_id].label
        if held_here:
            fallback = indicator_id if indicator_id in held_here else _nearest_indicator(
                catalogue, indicator_id, held_here
            )
            if "indicator" in q or level not in MAP_VINTAGES:  # a small-area link needs no indicator
                say(
                    "indicator",
                    f"{label} is not held for {LEVEL_LABELS[level].lower()}; "
                    f"showing {catalogue[fallback].label} instead."
                )
            indicator_id = fallback
            quiet = quiet | {"period", "sex"}  # the user never chose a period or sex for the fallback
        else:
            lad_ok = "lad" in catalogue[indicator_id].levels
            notes.append(
                f"No indicator is held for {LEVEL_LABELS[level].lower()}; showing "
                f"{'local authority districts' if lad_ok else 'the nearest level held'} instead. "
                "Click an area to see its small areas."
            )
            level = "lad" if lad_ok else next(iter(catalogue[indicator_id].levels))

    table = combos(indicator_id, level)
    if level in MAP_VINTAGES:
        table = table[table["vintage"].isin(MAP_VINTAGES[level])]
    periods = sorted(table["period"].unique())
    period = q.get("period", "")
    asked_period = period if q.get("period") and "period" not in quiet else ""
    if period not in periods:
        period = _latest(periods)
    table = table[table["period"] == period]

    sexes = list(table["sex"].unique())
    sex = q.get("sex", "")
    asked_sex = sex if q.get("sex") and "sex" not in quiet else ""
    if sex not in sexes:
        preferred = [s for s in ("persons", "female", "male") if s in sexes]
        sex = preferred[0]
    table = table[table["sex"] == sex]
    if line := _moved(catalogue[indicator_id].label, level, asked=(asked_period, asked_sex), shown=(period, sex)):
        notes.append(line)

    vintage = q.get("vintage", "")
    vintages = _official_first(table)
    if vintage not in vintages:
        if q.get("vintage"):
            say(
                "vintage",
                f"{catalogue[indicator_id].label} for {period} is held on the {', '.join(sorted(vintages))} "
                f"boundaries, not {vintage!r}; showing {vintages[0]}."
            )
        vintage = vintages[0]

    method = q.get("method", "quantiles")
    if method not in METHODS:
        notes.append(f"Unknown classification {method!r}; using quintiles.")
        method = "quantiles"

    area = q.get("area") or None
    region = q.get("region") or None
    if region is not None and not (len(region) == 9 and region.startswith("E12")):
        notes.append(f"{region!r} is not a region code (E12...); showing the whole map.")
        region = None
    lsoa = q.get("lsoa") or None
    if lsoa is not None and (lsoa not in catalogue or "lsoa" not in catalogue[lsoa].levels):
        notes.append(f"{lsoa!r} is not a small-area indicator; showing the IMD decile.")
        lsoa = None
    view = View(level, vintage, indicator_id, period, sex, method, area, region, lsoa)
    return view, notes


def _moved(label: str, level: str, *, asked: tuple[str, str], shown: tuple[str, str]) -> str:
    """One line saying which asked-for period and sex are not held at ``level``, and what is shown ("" if none)."""
    period, sex = asked
    lost_period = bool(period) and period != shown[0]
    lost_sex = bool(sex) and sex != shown[1]
    if not (lost_period or lost_sex):
        return ""
    where = LEVEL_LABELS[level].lower()
    if lost_period and lost_sex:
        return f"{label} has no period {period!r} with {sex} figures for {where}; showing {shown[1]}, {shown[0]}, the latest held."
    if lost_period:
        return f"{label} has no period {period!r} for {where}; showing {shown[0]}, the latest held."
    return f"{label} has no {sex!r} figures for {shown[0]} for {where}; showing {shown[1]}."


def _official_first(table: pd.DataFrame) -> list[str]:
    """The vintages held for one period and sex, best first: fewest figures carried from other areas, then latest.

    ``table`` may have a ``carried`` column (:func:`geo.indicators.periods`): an official
    figure always wins over one the atlas carried from other areas (:mod:`geo.derived`).
    """
    carried = table["carried"] if "carried" in table else pd.Series(0, index=table.index)
    ranked = table.assign(_carried=carried.fillna(0)).sort_values(["_carried", "vintage"], ascending=[True, False])
    return list(dict.fromkeys(str(v) for v in ranked["vintage"]))


def _nearest_indicator(catalogue: Mapping[str, Indicator], wanted: str, held: list[str]) -> str:
    group = catalogue[wanted].group
    same_group = [i for i in held if catalogue[i].group == group]
    if DEFAULT_INDICATOR in held and not same_group:
        return DEFAULT_INDICATOR
    return (same_group or held)[0]


def with_area(view: View, area_code: str | None) -> View:
    """The same view with another selected area."""
    return replace(view, area_code=area_code)

