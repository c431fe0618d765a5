"""folium layers for the Spearhead page: qualifying areas, the official list, PCT overlaps, residuals, years behind.

Every text value is escaped before it reaches folium; colours come with words in
the tooltips, the labels (3/5, 4/5, 5/5) and the legends, never alone. Fills are
ColorBrewer Purples for the criteria count, the Okabe-Ito blue/vermillion pair
(with light tints) for the residual map and ColorBrewer YlOrBr (sequential, its
near-white end dropped) for years behind England, all safe for colour-blind readers.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo.classify import NumberFormat, classify
from geo.gradient import VERDICTS
from geo.spearhead import Criterion, shown_pair
from layers import js
from layers.choropleth import set_stable_ids
from layers.legend import Legend, LegendEntry
from layers.style import MISSING_STYLE, STATUS_COLOURS

__all__ = [
    "COUNT_COLOURS",
    "LABEL_ZOOM",
    "BEHIND_COLOURS",
    "LAG_COLOURS",
    "LAG_GROUPS",
    "LAG_ZERO",
    "LabelsFromZoom",
    "LagClasses",
    "OFFICIAL_COLOUR",
    "RESIDUAL_COLOURS",
    "lag_classes",
    "lag_layer",
    "lag_legend",
    "official_layer",
    "overlap_layer",
    "residual_layer",
    "residual_legend",
    "spearhead_layer",
    "spearhead_legend",
]

#: Fill by criteria met among qualifying areas (ColorBrewer Purples 3-5 of 6), and the rest.
COUNT_COLOURS: Final[dict[str, str]] = {
    "5": "#54278F", "4": "#807DBA", "3": "#BCBDDC", "other": "#F7F7F7", "undecided": "#FFFFFF",
}
#: The historical (official 2004) list: Okabe-Ito reddish purple, dashed.
OFFICIAL_COLOUR: Final = "#CC79A7"
#: Residual classes: better / as predicted (above or below the line) / worse.
RESIDUAL_COLOURS: Final[dict[str, str]] = {
    "better than predicted": "#0072B2",
    "as predicted, on the better side": "#A6CEE3",
    "as predicted, on the worse side": "#FDCDAC",
    "worse than predicted": "#D55E00",
    "no value": STATUS_COLOURS["missing"],
}
_E = html.escape
#: Labels (3/5, 4/5, 5/5) show from this zoom; at England's zoom they would hide the fills.
LABEL_ZOOM: Final = 7


class LabelsFromZoom(MacroElement):
    """Hide the area labels below :data:`LABEL_ZOOM` (add to the base map; CSS class on its container)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.hga-labels-off .hga-label { display: none; }</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline(
            "spearhead.js", "labelsFromZoom", indent=8, MAP="{{ this._parent.get_name() }}", ZOOM="{{ this.zoom }}"))
    )

    def __init__(self, zoom: int = LABEL_ZOOM) -> None:
        super().__init__()
        self._name = "LabelsFromZoom"
        self.zoom = int(zoom)


def _round(geom: shapely.Geometry, precision: int) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.round(c, precision))


def _features(gdf: gpd.GeoDataFrame, props: list[dict[str, Any]], precision: int) -> dict[str, Any]:
    feats = [
        {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(_round(g, precision))}
        for g, p in zip(gdf.geometry, props, strict=True)
    ]
    return {"type": "FeatureCollection", "features": feats}


def _label(point: shapely.Point, text: str, *, colour: str = "#1A1A1A") -> folium.Marker:
    body = (
        f'<div style="font:bold 9px/12px system-ui,sans-serif;color:{colour};background:rgba(255,255,255,.9);'
        f'border:1px solid {colour};border-radius:2px;text-align:center;white-space:nowrap">{_E(text)}</div>'
    )
    width = 6 * len(text) + 4
    return folium.Marker(
        location=(point.y, point.x),
        icon=folium.DivIcon(html=body, icon_size=(width, 14), icon_anchor=(width // 2, 7), class_name="hga-label"),
        interactive=False,
        keyboard=False,
    )


def _count_colour(met: int, n: int) -> str:
    """All n met is darkest, one short the middle purple, more the lightest."""
    return COUNT_COLOURS[{0: "5", 1: "4"}.get(n - met, "3")]


def _styled_group(
    data: dict[str, Any], styles: Mapping[str, dict[str, Any]], *, name: str, fields: list[str], aliases: list[str],
    highlight: bool = True, sticky: bool = True,
) -> folium.FeatureGroup:
    """A feature group holding ``data`` styled per ``area_code`` from ``styles``, with a table tooltip."""
    group = folium.FeatureGroup(name=_E(name))
    folium.GeoJson(
        data,
        style_function=lambda f: styles[f["properties"]["area_code"]],
        highlight_function=(lambda f: {"weight": 3, "color": "#000000"}) if highlight else None,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=sticky),
        zoom_on_click=False,
        control=False,
    ).add_to(group)
    return group


def spearhead_layer(
    gdf: gpd.GeoDataFrame,
    table: pd.DataFrame,
    criteria: Sequence[Criterion],
    cutoffs: Mapping[str, float],
    *,
    name: str,
    labels: bool = True,
    precision: int = 4,
    formats: Mapping[str, NumberFormat] | None = None,
    missing: Mapping[str, Mapping[str, str]] | None = None,
) -> folium.FeatureGroup:
    """Every area, qualifying ones filled by criteria met, outlined and labelled "4/5".

    ``table`` is :meth:`geo.spearhead.SpearheadRun.table` (``area_code`` column).
    The tooltip lists each criterion met with the area's value and the cut-off, at
    each criterion's published precision (``formats``: :func:`geo.spearhead.formats`),
    and for an undecided area why each missing value is missing (``missing``: area
    code -> criterion key -> why, :func:`geo.spearhead.undecided_reasons`).
    """
    rows = gdf[["area_code", "area_name", "geometry"]].merge(table.drop(columns="area_name"), on="area_code", how="left")
    n = len(criteria)
    props: list[dict[str, Any]] = []
    styles: dict[str, dict[str, object]] = {}
    for row in rows.itertuples(index=False):
        d = row._asdict()
        code = str(d["area_code"])
        met = int(d["criteria_met"]) if pd.notna(d.get("criteria_met")) else 0
        held = int(d["criteria_held"]) if pd.notna(d.get("criteria_held")) else 0
        qualifies = bool(d.get("qualifies")) if pd.notna(d.get("qualifies")) else False
        undecided = bool(d.get("undecided")) if pd.notna(d.get("undecided")) else False
        lines = []
        why = (missing or {}).get(code, {})
        for c in criteria:
            flag, value = d.get(c.key), d.get(f"{c.key}_value")
            if pd.isna(value):
                lines.append(f"{c.label}: no value" + (f" ({why[c.key]})" if c.key in why else ""))
            elif flag == 1:
                fmt = (formats or {}).get(c.key, NumberFormat(decimals=1))
                shown, cut = shown_pair(fmt, float(value), float(cutoffs[c.key]))
                lines.append(f"{c.label}: {shown} (worst fifth; cut-off {cut})")
        status = "qualifies" if qualifies else ("undecided (values missing)" if undecided else "does not qualify")
        props.append({
            "area_code": _E(code),
            "area_name": _E(str(d["area_name"])),
            "met_text": _E(f"{met} of {n} (judged on {held})"),
            "status_text": _E(status),
            "criteria_text": _E("; ".join(lines) or "none"),
        })
        if qualifies:
            styles[_E(code)] = {"fillColor": _count_colour(met, n), "fillOpacity": 0.85,
                                "color": "#1A1A1A", "weight": 2.2, "opacity": 1.0}
        elif undecided:
            styles[_E(code)] = {"fillColor": COUNT_COLOURS["undecided"], "fillOpacity": 0.6, "color": "#404040",
                                "weight": 1.2, "opacity": 1.0, "dashArray": "4 3"}
        else:
            styles[_E(code)] = {"fillColor": COUNT_COLOURS["other"], "fillOpacity": 0.6, "color": "#8C8C8C",
                                "weight": 0.5, "opacity": 1.0}
    data = _features(rows, props, precision)
    fields = ["area_name", "area_code", "status_text", "met_text", "criteria_text"]
    aliases = ["Area", "Code", "Spearhead method", "Worst fifth on", "Criteria met"]
    group = _styled_group(data, styles, name=name, fields=fields, aliases=aliases)
    if labels:
        chosen = rows[rows["qualifies"].fillna(False).astype(bool)]
        for geom, met in zip(chosen.geometry, chosen["criteria_met"], strict=True):
            _label(geom.representative_point(), f"{int(met)}/{n}").add_to(group)
    seed = json.dumps([name, data, styles, labels], sort_keys=True, default=str)
    return set_stable_ids(group, seed=f"spearhead:{seed}")


def spearhead_legend(table: pd.DataFrame, *, n: int, rests_on: str, title: str) -> Legend:
    """What the fills, outlines and labels of :func:`spearhead_layer` mean."""
    met, q = table["criteria_met"], table["qualifies"].astype(bool)
    entries = [
        LegendEntry(_count_colour(k, n), f"{k}/{n}: worst fifth on {k}", int(((met == k) & q).sum()),
                    f"background:{_count_colour(k, n)};border:2px solid #1A1A1A")
        for k in sorted(set(met[q].astype(int)), reverse=True)
    ]
    undecided = table["undecided"].astype(bool)
    entries.append(LegendEntry(COUNT_COLOURS["undecided"], "Undecided: short only because values are missing",
                               int(undecided.sum()), "background:#fff;border:1px dashed #404040"))
    entries.append(LegendEntry(COUNT_COLOURS["other"], "Does not qualify", int((~q & ~undecided).sum()),
                               "background:#F7F7F7;border:1px solid #8C8C8C"))
    shown = ", ".join(f"{k}/{n}" for k in sorted(set(met[q].astype(int)))) or f"{n}/{n}"
    return Legend(title=title, method=f"Qualifies with {rests_on}; thick outline = qualifies. Zoom in once for the "
                  f"{shown} labels; hover for the criteria.",
                  entries=tuple(entries), england="",
                  note="Worst fifth per indicator among areas with a value; ties at the cut-off are all in.")


def official_layer(gdf: gpd.GeoDataFrame, area_codes: Sequence[str], *, name: str, precision: int = 4) -> folium.FeatureGroup:
    """The user's historical list as dashed outlines (no fill, not clickable)."""
    rows = gdf[gdf["area_code"].isin(list(area_codes))]
    props = [{"area_code": _E(str(c))} for c in rows["area_code"]]
    data = _features(rows, props, precision)
    group = folium.FeatureGroup(name=_E(name), control=False)
    folium.GeoJson(
        data,
        style_function=lambda f: {"fill": False, "color": OFFICIAL_COLOUR, "weight": 3, "opacity": 1.0, "dashArray": "6 4"},
        interactive=False,
        control=False,
    ).add_to(group)
    return set_stable_ids(group, seed=f"official:{json.dumps([name, data], sort_keys=True)}")


def overlap_layer(gdf: gpd.GeoDataFrame, overlaps: pd.DataFrame, *, name: str, precision: int = 4) -> folium.FeatureGroup:
    """Areas (e.g. PCTs) overlapping qualifying LAs: dashed outline, "overlaps" label, the LAs in the tooltip."""
    rows = gdf[["area_code", "area_name", "geometry"]].merge(overlaps[["area_code", "overlaps", "share"]], on="area_code", how="left")
    props, styles = [], {}
    for code, area_name, over, share in zip(rows["area_code"], rows["area_name"], rows["overlaps"], rows["share"], strict=True):
        marked = isinstance(over, str) and over != ""
        text = f"overlaps {over} ({share:.0%} of its area)" if marked else "overlaps no qualifying local authority"
        props.append({"area_code": _E(str(code)), "area_name": _E(str(area_name)), "overlap_text": _E(text)})
        styles[_E(str(code))] = (
            {"fillColor": COUNT_COLOURS["4"], "fillOpacity": 0.45, "color": "#1A1A1A", "weight": 2, "dashArray": "5 3"}
            if marked else {"fillColor": COUNT_COLOURS["other"], "fillOpacity": 0.5, "color": "#8C8C8C", "weight": 0.5}
        )
    data = _features(rows, props, precision)
    group = _styled_group(data, styles, name=name, fields=["area_name", "area_code", "overlap_text"],
                          aliases=["PCT", "Code", "Marked"], highlight=False, sticky=False)
    marked_rows = rows[rows["overlaps"].notna()]
    for geom in marked_rows.geometry:
        _label(geom.representative_point(), "overlaps").add_to(group)
    return set_stable_ids(group, seed=f"overlap:{json.dumps([name, data, styles], sort_keys=True)}")


def _residual_class(verdict: str, residual: float, polarity: str) -> str:
    if verdict != VERDICTS[1]:
        return verdict
    better_side = residual >= 0 if polarity == "higher_is_better" else residual <= 0
    return "as predicted, on the better side" if better_side else "as predicted, on the worse side"


def residual_layer(
    gdf: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    polarity: str,
    name: str,
    unit: str,
    precision: int = 4,
) -> folium.FeatureGroup:
    """Areas coloured by how their value compares with what their deprivation predicts.

    ``table`` is :attr:`geo.gradient.Gradient.table` indexed by area code.
    """
    rows = gdf[["area_code", "area_name", "geometry"]].merge(table, left_on="area_code", right_index=True, how="left")
    rows["verdict"] = rows["verdict"].fillna(VERDICTS[3])
    props, styles = [], {}
    for r in rows.itertuples(index=False):
        d = r._asdict()
        klass = _residual_class(str(d["verdict"]), float(d["residual"]) if pd.notna(d["residual"]) else 0.0, polarity)
        if pd.notna(d["value"]):
            detail = (f"{d['value']:g} {unit}; predicted {d['predicted']:.1f} from IMD score {d['imd']:.1f} "
                      f"(difference {d['residual']:+.1f}; test: {d['rule']})")
        else:
            detail = "no value"
        props.append({"area_code": _E(str(d["area_code"])), "area_name": _E(str(d["area_name"])),
                      "class_text": _E(klass), "detail": _E(detail)})
        styles[_E(str(d["area_code"]))] = (
            dict(MISSING_STYLE) if klass == "no value" else
            {"fillColor": RESIDUAL_COLOURS[klass], "fillOpacity": 0.85, "color": "#595959",
             "weight": 1.6 if klass in (VERDICTS[0], VERDICTS[2]) else 0.5, "opacity": 1.0}
        )
    data = _features(rows, props, precision)
    group = _styled_group(data, styles, name=name, fields=["area_name", "area_code", "class_text", "detail"],
                          aliases=["Area", "Code", "Against deprivation", "Value"])
    return set_stable_ids(group, seed=f"residual:{json.dumps([name, data, styles], sort_keys=True)}")


def residual_legend(table: pd.DataFrame, *, polarity: str, title: str, residual_sd: float) -> Legend:
    """The residual map's classes, with the significance rule in words."""
    classes = [
        _residual_class(str(v), float(r) if pd.notna(r) else 0.0, polarity)
        for v, r in zip(table["verdict"], table["residual"], strict=True)
    ]
    counts = pd.Series(classes).value_counts()
    entries = []
    for klass, colour in RESIDUAL_COLOURS.items():
        css = (f"background:{colour};border:1px solid #595959" if klass != "no value"
               else f"background:{colour};border:1px dashed #737373")
        entries.append(LegendEntry(colour, klass[0].upper() + klass[1:], int(counts.get(klass, 0)), css))
    return Legend(
        title=title,
        method="Each area against the population-weighted line of value on IMD score.",
        entries=tuple(entries),
        england="",
        note=(f"Better or worse than predicted: the prediction lies outside the area's 95% confidence interval, or, "
              f"where none is held, the difference exceeds 1.96 x the line's residual SD ({residual_sd:.2f})."),
    )


# ---------------------------------------------------------------- years behind England
LAG_ZERO: Final = "0: at or better than England now"
_BEYOND: Final = "beyond the series"
#: ColorBrewer YlOrBr (7 classes without the near-white end): light = close to England, dark = far behind.
LAG_COLOURS: Final[dict[str, str]] = {LAG_ZERO: "#FEE391", _BEYOND: "#8C2D04"}
#: Fills of the classes of areas behind England, lightest first (up to :data:`LAG_GROUPS` of them).
BEHIND_COLOURS: Final[tuple[str, ...]] = ("#FEC44F", "#FE9929", "#EC7014", "#CC4C02")
#: Groups the areas behind England (within the series) are split into, by rank.
LAG_GROUPS: Final = 4
_BEYOND_STYLE: Final[dict[str, object]] = {"fillColor": LAG_COLOURS[_BEYOND], "fillOpacity": 0.9, "color": "#1A1A1A",
                                           "weight": 2.0, "opacity": 1.0, "dashArray": "5 3"}


@dataclass(frozen=True, eq=False)
class LagClasses:
    """Classes of years behind England drawn from the data.

    ``of``: each row's class label (aligned with the table), ``labels`` the classes
    in legend order (0, the groups behind England, then "beyond the series"),
    ``colours`` each label's fill and ``method`` the classification in words.
    """

    of: pd.Series
    labels: tuple[str, ...]
    colours: Mapping[str, str]
    method: str


def _years(lo: float, hi: float) -> str:
    return f"{lo:g} year{'s' if lo != 1 else ''}" if lo == hi else f"{lo:g} to {hi:g} years"


def _gaps(gaps: pd.Series) -> str:
    g = pd.to_numeric(gaps, errors="coerce").dropna()
    if g.empty:
        return ""
    lo, hi = f"{g.min():.1f}", f"{g.max():.1f}"
    return f"gap {lo} years" if lo == hi else f"gaps {lo} to {hi} years"


def lag_classes(table: pd.DataFrame, *, groups: int = LAG_GROUPS) -> LagClasses:
    """Classes for a :attr:`geo.lag.LagRun.table`: 0, the areas behind England by rank, beyond the series.

    The areas behind England within the series are split into up to ``groups``
    groups of near-equal size by rank, ties kept together
    (:func:`geo.classify.classify`, quantiles), each labelled with the years its own
    areas hold ("14 to 15 years"), so no class is empty and no label spans years no
    area has. Each label carries the gaps beside the years ("gaps 0.4 to 0.9 years").
    """
    years = pd.to_numeric(table["years_behind"], errors="coerce")
    beyond = table["beyond_series"].astype("boolean").fillna(False).astype(bool)
    gaps = table["gap"] if "gap" in table.columns else pd.Series(np.nan, index=table.index)
    of = pd.Series("no value", index=table.index, dtype="object")
    of[years.notna() & (years == 0) & ~beyond] = LAG_ZERO
    of[years.notna() & beyond] = _BEYOND
    behind = years[(years > 0) & ~beyond]
    labels: list[str] = [LAG_ZERO]
    colours: dict[str, str] = {LAG_ZERO: LAG_COLOURS[LAG_ZERO]}
    n = 0
    if not behind.empty:
        n = min(groups, int(behind.nunique()))
        ids = (classify(behind, method="quantiles", k=n).class_id if n > 1
               else pd.Series(0, index=behind.index, dtype="Int64"))
        n = int(ids.max()) + 1
        picks = np.linspace(0, len(BEHIND_COLOURS) - 1, n).round().astype(int) if n > 1 else [len(BEHIND_COLOURS) - 2]
        for i in range(n):
            members = ids.index[ids == i]
            gap_text = _gaps(gaps[members])
            label = _years(float(behind[members].min()), float(behind[members].max())) + (
                f" ({gap_text})" if gap_text else "")
            of[members] = label
            labels.append(label)
            colours[label] = BEHIND_COLOURS[int(picks[i])]
    labels.append(_BEYOND)
    colours[_BEYOND] = LAG_COLOURS[_BEYOND]
    method = (f"Classes from the data: the areas behind England split into {n} group{'s' if n != 1 else ''} by rank "
              "(quantiles; ties kept together), each labelled with its areas' years and gaps; 0 and beyond the "
              "series are classes of their own. Darker = further behind.")
    return LagClasses(of, tuple(labels), colours, method)


def lag_layer(gdf: gpd.GeoDataFrame, table: pd.DataFrame, *, name: str, unit: str = "years",
              precision: int = 4) -> folium.FeatureGroup:
    """Areas filled by years behind England (:func:`lag_classes`); "beyond the series" darkest with a dashed outline.

    ``table`` is :attr:`geo.lag.LagRun.table` (``area_code``, ``value``, ``gap``,
    ``years_behind``, ``beyond_series``, ``england_period``, ``flat_england_since``).
    The tooltip gives every figure with its gap, says a figure beyond the series is
    a floor and where England's own figure was flat.
    """
    rows = gdf[["area_code", "area_name", "geometry"]].merge(table.drop(columns="area_name", errors="ignore"),
                                                             on="area_code", how="left")
    classes = lag_classes(rows)
    props, styles = [], {}
    for r, klass in zip(rows.itertuples(index=False), classes.of, strict=True):
        d = r._asdict()
        beyond = klass == _BEYOND
        if klass == "no value":
            years, detail = "no value (missing or suppressed)", ""
        else:
            more = "more than " if beyond else ""
            gap = d.get("gap")
            gap_text = f", a gap of {gap:.1f} {unit}" if gap is not None and pd.notna(gap) else ""
            years = f"{more}{d['years_behind']:g} years{gap_text}" + (
                " (a floor: beyond the series held)" if beyond else "")
            matched = f"; England had this in {d['england_period']}" if d["england_period"] else ""
            flat = d.get("flat_england_since")
            flat_text = (f"; England's own figure was flat after {flat}, so a small gap is many years"
                         if isinstance(flat, str) and flat else "")
            detail = f"{d['value']:g} {unit}{matched}{flat_text}"
        props.append({"area_code": _E(str(d["area_code"])), "area_name": _E(str(d["area_name"])),
                      "years_text": _E(years), "detail": _E(detail)})
        styles[_E(str(d["area_code"]))] = (
            dict(MISSING_STYLE) if klass == "no value" else dict(_BEYOND_STYLE) if beyond else
            {"fillColor": classes.colours[klass], "fillOpacity": 0.85, "color": "#595959", "weight": 0.6,
             "opacity": 1.0}
        )
    data = _features(rows, props, precision)
    group = _styled_group(data, styles, name=name, fields=["area_name", "area_code", "years_text", "detail"],
                          aliases=["Area", "Code", "Years behind England", "Value"])
    return set_stable_ids(group, seed=f"lag:{json.dumps([name, data, styles], sort_keys=True)}")


def lag_legend(table: pd.DataFrame, *, title: str, first_period: str, period: str, beyond_years: float,
               flat: str = "") -> Legend:
    """The classes of :func:`lag_layer`, with the classification, what "beyond the series" means and England's flat."""
    classes = lag_classes(table)
    counts = classes.of.value_counts()
    entries = [LegendEntry(classes.colours[label], label[0].upper() + label[1:], int(counts.get(label, 0)),
                           f"background:{classes.colours[label]};border:1px solid #595959")
               for label in classes.labels if label != _BEYOND]
    entries.append(LegendEntry(LAG_COLOURS[_BEYOND], f"Beyond the series: more than {beyond_years:g} years (a floor)",
                               int(counts.get(_BEYOND, 0)), f"background:{LAG_COLOURS[_BEYOND]};border:2px dashed #1A1A1A"))
    entries.append(LegendEntry(STATUS_COLOURS["missing"], "No value (missing or suppressed)", int(counts.get("no value", 0)),
                               f"background:{STATUS_COLOURS['missing']};border:1px dashed #737373"))
    return Legend(
        title=title,
        method=classes.method,
        entries=tuple(entries),
        england="",
        note=(f"Beyond the series: England was better than the area in every period held, back to {first_period}, "
              f"so “more than {beyond_years:g} years” ({period}) is a floor: the area has not yet reached England's "
              f"{first_period} value. Years behind: back to the most recent England period no better than the area's "
              "value, in midpoint years (2023-25 = 2024); the gap is England's value minus the area's."
              + (f" {flat}" if flat else "")),
    )
