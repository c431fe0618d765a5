"""folium layers: the base map, a choropleth of one indicator, and an area outline.

Every text value is escaped before it reaches folium (tooltips are raw HTML), and
features carry only what the map shows: the area code (for clicks) and the
tooltip text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import folium
import geopandas as gpd
import pandas as pd
import shapely

from geo.catalogue import Indicator
from geo.classify import Classification, format_number, rank_of
from layers.style import COMPARISON_LABELS, Scheme, style_for

__all__ = ["base_map", "choropleth_layer", "outline_layer", "tooltip_text"]


def base_map(*, location: tuple[float, float] = (52.8, -1.6), zoom_start: int = 6, tiles: str | None = None,
             attribution: str | None = None) -> folium.Map:
    """An empty map of England. No base tiles unless asked for (the polygons need none)."""
    if tiles is not None and not attribution:
        raise ValueError("Base tiles need an attribution; pass attribution='...'.")
    m = folium.Map(location=location, zoom_start=zoom_start, tiles=tiles, attr=attribution, control_scale=True,
                   min_zoom=5, max_zoom=15, zoom_control=True)
    # streamlit-folium renames element ids itself; its map hash ignores them.
    return m


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def tooltip_text(
    row: Mapping[str, object],
    *,
    indicator: Indicator,
    period: str,
    rank: object,
    of: int,
    england_value: float | None,
    class_label: str | None,
    extra: Mapping[str, str] | None = None,
) -> str:
    """Tooltip HTML for one area; every value from the data is escaped."""
    e = html.escape
    status = str(row.get("status", "ok"))
    value = row.get("value")
    if status == "suppressed":
        value_text = "Suppressed (too few to publish)"
    elif status != "ok" or _missing(value):
        value_text = "No data"
    else:
        value_text = f"{format_number(float(value))} {indicator.unit}"  # type: ignore[arg-type]
        lo, hi = row.get("lower_ci"), row.get("upper_ci")
        if not _missing(lo) and not _missing(hi):
            value_text += f" (95% CI {format_number(float(lo))} to {format_number(float(hi))})"  # type: ignore[arg-type]
    lines = [
        f"<b>{e(str(row.get('area_name', '')))}</b> <span style='color:#555'>{e(str(row.get('area_code', '')))}</span>",
        f"{e(indicator.label)}, {e(period)}: <b>{e(value_text)}</b>",
    ]
    if class_label:
        lines.append(f"Class: {e(class_label)}")
    if not _missing(rank):
        best = "highest" if indicator.polarity == "none" else "best"
        lines.append(f"Rank {int(rank)} of {of} (1 = {best})")  # type: ignore[call-overload]
    if england_value is not None:
        lines.append(f"England: {e(format_number(england_value))} {e(indicator.unit)}")
    for column, label in (extra or {}).items():
        val = row.get(column)
        shown = "no data" if _missing(val) else format_number(float(val))  # type: ignore[arg-type]
        lines.append(f"{e(label)}: {e(shown)}")
    return "<br>".join(lines)


def choropleth_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    indicator: Indicator,
    period: str,
    england_value: float | None,
    scheme: Scheme,
    classification: Classification | None = None,
    categories: pd.Series | None = None,
    extra_tooltip: Mapping[str, str] | None = None,
    fill_opacity: float | None = None,
) -> folium.FeatureGroup:
    """One indicator on one boundary set, classed by ``classification`` or by England ``categories``."""
    if classification is None and categories is None:
        raise ValueError("Pass a classification, or categories from geo.classify.compare_with_england().")
    ranks = rank_of(gdf["value"], polarity=indicator.polarity)
    of = int(gdf["value"].notna().sum())
    props = []
    styles: dict[str, dict[str, object]] = {}
    for idx, row in gdf.iterrows():
        code = str(row["area_code"])
        status = str(row["status"])
        if classification is not None:
            cid = classification.class_id.get(idx)
            cid = None if cid is None or pd.isna(cid) else int(cid)
            label = classification.labels[cid] if cid is not None and status == "ok" else None
            styles[code] = style_for(class_id=cid, status=status, scheme=scheme)
        else:
            assert categories is not None
            category = str(categories.get(idx))
            label = COMPARISON_LABELS.get(category)
            styles[code] = style_for(category=category, status=status, scheme=scheme)
        if fill_opacity is not None and status == "ok":
            styles[code]["fillOpacity"] = fill_opacity
        props.append(
            {
                "area_code": code,
                "tip": tooltip_text(row, indicator=indicator, period=period, rank=ranks.get(idx), of=of,
                                    england_value=england_value, class_label=label, extra=extra_tooltip),
            }
        )
    features = [
        {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(geom)}
        for p, geom in zip(props, gdf.geometry, strict=True)
    ]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: styles[f["properties"]["area_code"]],
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        zoom_on_click=False,
    )
    group = folium.FeatureGroup(name=name)
    layer.add_to(group)
    return group


def outline_layer(geometry: shapely.Geometry, *, name: str) -> folium.FeatureGroup:
    """A thick outline of one area (the drill-down parent), not clickable."""
    group = folium.FeatureGroup(name=f"Outline: {name}")

    outline = folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geometry)},
        style_function=lambda f: {"fill": False, "color": "#000000", "weight": 3.5, "opacity": 0.9},
        interactive=False,
    )

    outline.add_to(group)
    return group
