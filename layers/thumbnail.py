"""A small static map of one area as inline SVG, for printed summaries.

No tiles, no JavaScript and no internet: the area's small areas filled by class,
its outline on top, measured in British National Grid so the shape is true.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd
import shapely

from layers.style import decile_colours

__all__ = ["area_svg", "decile_svg"]

_BNG = 27700


def area_svg(
    areas: gpd.GeoDataFrame,
    *,
    fill: Mapping[str, str],
    outline: shapely.Geometry | None = None,
    title: str,
    legend: Sequence[tuple[str, str]] = (),
    width: int = 320,
    height: int = 260,
) -> str:
    """Inline SVG of ``areas`` (indexed by ``area_code`` column) filled from ``fill``.

    Parameters
    ----------
    fill
        Colour per ``area_code``; areas without one are drawn light grey.
    outline
        The parent area's outline (EPSG:4326), drawn bold on top.
    title
        Read out by screen readers (``<title>``) and used as the image's label.
    legend
        ``(colour, label)`` pairs drawn as a key under the map.
    """
    if areas.empty:
        raise ValueError("Expected at least one area to draw; got an empty frame.")
    projected = areas.to_crs(_BNG)
    shapes = list(projected.geometry)
    edge = gpd.GeoSeries([outline], crs=areas.crs).to_crs(_BNG).iloc[0] if outline is not None else None
    minx, miny, maxx, maxy = projected.total_bounds
    map_height = height - (22 * ((len(legend) + 4) // 5) if legend else 0)
    scale = min((width - 8) / max(maxx - minx, 1.0), (map_height - 8) / max(maxy - miny, 1.0))

    def path(geom: shapely.Geometry) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            for ring in (poly.exterior, *poly.interiors):
                pts = " ".join(f"{4 + (x - minx) * scale:.1f},{4 + (maxy - y) * scale:.1f}" for x, y in ring.coords)
                parts.append(f"M{pts}Z")
        return " ".join(parts)

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' aria-label='{html.escape(title, quote=True)}'>",
        f"<title>{html.escape(title)}</title>",
    ]
    for code, geom in zip(projected["area_code"], shapes, strict=True):
        colour = fill.get(str(code), "#e0e0e0")
        out.append(f"<path d='{path(geom)}' fill='{html.escape(colour, quote=True)}' stroke='#fff' stroke-width='0.4'/>")
    if edge is not None:
        out.append(f"<path d='{path(edge)}' fill='none' stroke='#000' stroke-width='1.6'/>")
    for i, (colour, label) in enumerate(legend):
        x, y = 4 + (i % 5) * ((width - 8) / 5), map_height + 6 + (i // 5) * 22
        out.append(f"<rect x='{x:.0f}' y='{y:.0f}' width='12' height='12' fill='{html.escape(colour, quote=True)}' "
                   "stroke='#555' stroke-width='0.5'/>")
        out.append(f"<text x='{x + 16:.0f}' y='{y + 10:.0f}' font-size='10'>{html.escape(label)}</text>")
    out.append("</svg>")
    return "".join(out)


def decile_svg(
    areas: gpd.GeoDataFrame, *, decile_column: str, outline: shapely.Geometry | None, title: str, **options: int
) -> str:
    """Small areas filled by national deprivation decile (1 = most deprived, darkest), with a key."""
    colours = decile_colours()
    fill = {
        str(code): colours[int(d) - 1]
        for code, d in zip(areas["area_code"], areas[decile_column], strict=True)
        if pd.notna(d) and 1 <= int(d) <= 10
    }
    legend = [(colours[d - 1], f"{d}{' (most)' if d == 1 else ' (least)' if d == 10 else ''}") for d in range(1, 11)]
    return area_svg(areas, fill=fill, outline=outline, title=title, legend=legend, **options)
