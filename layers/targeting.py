"""The target page's own map layers: coverage gaps, service sites, and the key under the map.

A coverage gap is a target small area (one that matches the rule) further than the
chosen distance from every service site (:func:`geo.sites.coverage_gaps`). It is drawn
over its purple match as orange diagonal stripes inside a thick dashed orange outline,
so it stands out by pattern and outline as well as colour (and in print). On the
canvas-drawn map of all England, where SVG patterns do not draw, the dashed outline
alone marks it. Each gap polygon carries ``layer = "coverage_gap"`` in its properties
and the class :data:`GAP_CLASS`, so the page (and its tests) can read what is drawn.

Text safety: every text value (small-area names, site names, which arrive in a
user's file) is escaped with :func:`html.escape` before it reaches folium, whose
tooltips are raw HTML; the key holds fixed text and numbers only.
"""

from __future__ import annotations

import html
import json
from typing import Final

import folium
import geopandas as gpd
import pandas as pd

from layers.choropleth import PatternDefs, set_stable_ids

__all__ = [
    "GAP_CLASS",
    "GAP_COLOUR",
    "GAP_LAYER",
    "GAP_PATTERN_ID",
    "MATCH_COLOUR",
    "OTHER_COLOUR",
    "SITE_COLOUR",
    "gap_layer",
    "map_key",
    "site_layer",
]

#: Orange (ColorBrewer Dark2), far from the purple of the matches and the grey of the others.
GAP_COLOUR: Final = "#D95F02"
#: The SVG class of every gap polygon, and the value of its ``layer`` property.
GAP_CLASS: Final = "hga-gap"
GAP_LAYER: Final = "coverage_gap"
GAP_PATTERN_ID: Final = "hga-hatch-gap"
SITE_COLOUR: Final = "#000000"
#: Matches dark purple; the others light grey and faded, and the tooltip says which.
MATCH_COLOUR: Final = "#4A1486"
OTHER_COLOUR: Final = "#BDBDBD"
_SWATCH: Final = "display:inline-block;width:14px;height:14px;vertical-align:middle;"


def _pattern_svg() -> str:
    """A hidden ``<svg>`` defining the stripes a gap is filled with (transparent between them)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true" '
        'style="position:absolute;width:0;height:0;overflow:hidden"><defs>'
        f'<pattern id="{GAP_PATTERN_ID}" patternUnits="userSpaceOnUse" width="7" height="7" '
        'patternTransform="rotate(-45)">'
        f'<line x1="0" y1="0" x2="0" y2="7" stroke="{GAP_COLOUR}" stroke-width="3"/>'
        "</pattern></defs></svg>"
    )


def _style(*, striped: bool) -> dict[str, object]:
    return {
        "fillColor": f"url(#{GAP_PATTERN_ID}) {GAP_COLOUR}" if striped else GAP_COLOUR,
        "fillOpacity": 1.0 if striped else 0.0,
        "color": GAP_COLOUR,
        "weight": 3,
        "opacity": 1.0,
        "dashArray": "6 4",
    }


def gap_layer(gaps: gpd.GeoDataFrame, *, gap_km: float, striped: bool = True, precision: int = 5) -> folium.FeatureGroup:
    """The coverage gaps as one GeoJSON layer over the matches.

    Parameters
    ----------
    gaps : GeoDataFrame
        One row per gap: ``area_code``, ``area_name``, ``nearest_site``, ``distance_m``,
        optionally ``measured_from`` (where the distance started, said in the tooltip), and
        its polygon (any CRS; drawn in EPSG:4326).
    gap_km : float
        The distance beyond which a target small area is a gap (in the tooltip).
    striped : bool
        Fill with the stripes (SVG maps); ``False`` for a canvas-drawn map, where the dashed
        outline alone marks a gap.
    """
    group = folium.FeatureGroup(name="Coverage gaps", control=False)
    shapes = gaps.to_crs(4326)
    geometry = shapes.geometry.set_precision(10 ** -precision) if len(shapes) else shapes.geometry
    table = gpd.GeoDataFrame({
        "layer": GAP_LAYER,
        "area_code": shapes["area_code"].astype(str).map(html.escape).to_numpy(),
        "area_name": shapes["area_name"].astype(str).map(html.escape).to_numpy(),
        "verdict": "Matches the rule",
        "gap": [html.escape(_gap_words(m, s, gap_km, f)) for m, s, f in zip(
            shapes["distance_m"], shapes["nearest_site"], _measured_from(shapes), strict=True)],
    }, geometry=geometry.to_numpy(), crs=4326)
    style = _style(striped=striped)
    folium.GeoJson(
        json.loads(table.to_json(drop_id=True)),
        name="Coverage gaps",
        style_function=lambda _feature: style,
        tooltip=folium.GeoJsonTooltip(fields=["area_name", "area_code", "verdict", "gap"],
                                      aliases=["Small area", "LSOA code", "This rule", "Coverage gap"], sticky=True),
        className=GAP_CLASS,
    ).add_to(group)
    if striped:
        PatternDefs(GAP_PATTERN_ID, _pattern_svg(), name="GapDefs").add_to(group)
    seed = "|".join(f"{c}:{m}" for c, m in zip(table["area_code"], shapes["distance_m"], strict=True))
    return set_stable_ids(group, seed=f"gaps:{gap_km:g}:{striped}:{seed}")


def _measured_from(shapes: pd.DataFrame) -> list[str]:
    """Where each gap's distance started (``measured_from``: its postcode-weighted centre or polygon centroid)."""
    if "measured_from" not in shapes:
        return [""] * len(shapes)
    return ["" if pd.isna(f) else str(f) for f in shapes["measured_from"]]


def _gap_words(metres: float, site: object, gap_km: float, measured_from: str = "") -> str:
    if pd.isna(metres):
        return f"more than {gap_km:g} km from every site"
    start = f" from its {measured_from}" if measured_from else ""
    return f"{metres / 1000:,.1f} km{start} to the nearest site ({site}); more than {gap_km:g} km"


def site_layer(points: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Each site as a black dot with a white ring; its name (escaped) on hover."""
    group = folium.FeatureGroup(name="Service sites", control=False)
    shown = points.to_crs(4326)
    for name, point in zip(shown["name"], shown.geometry, strict=True):
        folium.CircleMarker(
            location=(round(point.y, 5), round(point.x, 5)), radius=6, color="#FFFFFF", weight=2, fill=True,
            fill_color=SITE_COLOUR, fill_opacity=1.0, tooltip=html.escape(str(name)),
        ).add_to(group)
    seed = "|".join(f"{n}:{p.x:.5f},{p.y:.5f}" for n, p in zip(shown["name"], shown.geometry, strict=True))
    return set_stable_ids(group, seed=f"sites:{seed}")


def map_key(*, sites: bool, gaps: int | None, gap_km: float, faded: bool, striped: bool = True) -> str:
    """The key under the target map (fixed text and numbers only).

    ``gaps``: how many coverage gaps are drawn (``None`` when no sites are in use).
    """
    item = "<span role='listitem'>{}</span>"
    parts = [
        item.format(f"<span style='{_SWATCH}background:{MATCH_COLOUR};border:1px solid #333'></span> matches the rule"),
        item.format(f"<span style='{_SWATCH}background:{OTHER_COLOUR};{'opacity:.5;' if faded else ''}"
                    f"border:1px solid #333'></span> other small areas{' of the area (faded)' if faded else ''}"),
    ]
    if sites:
        parts.append(item.format("● service site"))
    if gaps is not None:
        fill = (f"repeating-linear-gradient(-45deg,{GAP_COLOUR} 0 2px,{MATCH_COLOUR} 2px 6px)" if striped
                else MATCH_COLOUR)
        parts.append(item.format(
            f"<span style='{_SWATCH}background:{fill};border:2px dashed {GAP_COLOUR}'></span> coverage gap "
            f"({gaps:,}): a match more than {gap_km:g} km from every site"))
    return ("<div role='list' aria-label='Map key' style='font-size:0.9rem'>" + " &nbsp; ".join(parts) + "</div>")
