"""The postcode a person searched for, on a map: a pin with the postcode written beside it, and its small area outlined.

The pin is a black map pin with a white ring and a white-backed label holding the
postcode, so it is read by its shape and its words, not by colour. It is an image to
assistive technology (``role="img"`` with a label naming the postcode and its small
area), not a fake button: it does nothing when clicked, and a click on it reaches the
small area beneath. The small area is drawn as a thick black dashed line on a white
halo, which shows on every fill of the choropleth under it; its GeoJSON feature
carries ``layer = "postcode_small_area"`` and ``area_code`` so the page and its tests
can read what is drawn. It is not clickable either.

Text safety: the postcode and the small area's name are escaped with
:func:`html.escape` before they reach folium, whose icons are raw HTML.
"""

from __future__ import annotations

import html
from typing import Final

import folium
import numpy as np
import shapely

from layers.choropleth import set_stable_ids

__all__ = ["PIN_CLASS", "SMALL_AREA_LAYER", "postcode_layer"]

#: The class of the pin's element (the test and the page's CSS find it by this).
PIN_CLASS: Final = "hga-postcode-pin"
#: The ``layer`` property of the outlined small area's feature.
SMALL_AREA_LAYER: Final = "postcode_small_area"
_INK: Final = "#1A1A1A"
#: A map pin 22 x 30 px, its point at the bottom middle.
_PIN_SVG: Final = (
    '<svg width="22" height="30" viewBox="0 0 22 30" aria-hidden="true" focusable="false" style="flex:none">'
    '<path d="M11 1C5.5 1 1 5.4 1 10.8c0 7.6 10 18.2 10 18.2s10-10.6 10-18.2C21 5.4 16.5 1 11 1z" '
    f'fill="{_INK}" stroke="#FFFFFF" stroke-width="2"/><circle cx="11" cy="11" r="4" fill="#FFFFFF"/></svg>'
)


def _pin_html(postcode: str, where: str) -> str:
    """The pin and its label: an image to assistive technology, named by the postcode and where it is."""
    label = html.escape(f"Postcode {postcode}" + (f", in small area {where}" if where else ""), quote=True)
    return (
        f'<div role="img" aria-label="{label}" title="{label}" '
        'style="display:flex;align-items:flex-end;gap:3px;width:max-content">'
        f"{_PIN_SVG}"
        f'<span aria-hidden="true" style="background:#FFFFFF;color:{_INK};border:2px solid {_INK};border-radius:3px;'
        'padding:0 4px;margin-bottom:14px;font:bold 13px/18px sans-serif;white-space:nowrap">'
        f"{html.escape(postcode)}</span></div>"
    )


def postcode_layer(
    postcode: str,
    lonlat: tuple[float, float] | None,
    *,
    small_area: shapely.Geometry | None = None,
    small_area_code: str = "",
    small_area_name: str = "",
    precision: int = 5,
) -> folium.FeatureGroup:
    """The postcode's pin at ``lonlat`` (none where no point is held) and its small area outlined.

    Parameters
    ----------
    postcode
        The normalised postcode, written on the label.
    lonlat
        Its point (WGS84 longitude, latitude), or ``None``: then only the small area is drawn.
    small_area
        The small area's polygon in WGS84, or ``None`` (the map draws it already, e.g. as selected).
    """
    group = folium.FeatureGroup(name=html.escape(f"Postcode {postcode}"), control=False)
    seed = f"postcode:{postcode}:{lonlat}"
    if small_area is not None and not small_area.is_empty:
        rounded = shapely.transform(small_area, lambda c: np.round(c, precision))
        feature = {"type": "Feature", "geometry": shapely.geometry.mapping(rounded),
                   "properties": {"layer": SMALL_AREA_LAYER, "area_code": html.escape(small_area_code),
                                  "area_name": html.escape(small_area_name)}}
        for style in ({"color": "#FFFFFF", "weight": 7, "opacity": 0.9},
                      {"color": _INK, "weight": 3.5, "opacity": 1.0, "dashArray": "8 5"}):
            folium.GeoJson(feature, style_function=lambda _f, s=style: {"fill": False, **s}, interactive=False,
                           control=False).add_to(group)
        seed += f":{small_area_code}:{shapely.to_wkb(rounded).hex()[:64]}"
    if lonlat is not None:
        lon, lat = lonlat
        folium.Marker(
            location=(round(lat, precision), round(lon, precision)),
            icon=folium.DivIcon(html=_pin_html(postcode, small_area_name), icon_size=(110, 30), icon_anchor=(11, 30),
                                class_name=PIN_CLASS),
            interactive=False, keyboard=False, z_index_offset=1000,
        ).add_to(group)
    return set_stable_ids(group, seed=seed)
