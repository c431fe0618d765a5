"""folium layers: the base map, a choropleth of one indicator, and an area's outline.

Safety and size: every text value is escaped with :func:`html.escape` before it
reaches folium (folium's tooltips are raw HTML), and features carry only what the
map shows (area code and name, the value, class, rank and status as text), with
coordinates rounded, so the national LA layer stays well under 1 MB.

Stable output: folium gives every element a random id, so two builds of the same
map differ. streamlit-folium 0.27 does not mind (its map hash strips the id
suffixes and it renames ids itself), but a downloaded HTML file or a test would
change on every build; :func:`set_stable_ids` replaces the random ids with ones
derived from the content, so the same input always gives the same page.

Tooltips: the base map carries a small script (:class:`_MapBehaviour`) that
keeps every tooltip inside the map's edges and closes open tooltips whenever a
layer is removed, the map zooms, or the pointer leaves the map, so a tooltip from
a replaced layer never stays stuck. It lives in the base map, which is identical
on every rerun, because streamlit-folium swaps only the layers.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from geo.catalogue import Indicator
from geo.classify import Classification, NumberFormat, number_format, rank_label, rank_of
from geo.errors import DataUnavailableError, ValidationError
from geo.row_intervals import in_brief
from layers import js
from layers.interaction import PanButtons, WheelAfterFocus
from layers.style import HATCH_ID, STATUS_LABELS, Scheme, comparison_label, hatch_svg, style_for

__all__ = [
    "ENGLAND_CENTRE",
    "ENGLAND_ZOOM",
    "TOOLTIP_CSS",
    "PatternDefs",
    "area_value_text",
    "base_map",
    "choropleth_layer",
    "interval_text",
    "outline_layer",
    "set_stable_ids",
    "tooltip_format",
]

ENGLAND_CENTRE: Final = (52.8, -1.6)
ENGLAND_ZOOM: Final = 6
_HIGHLIGHT: Final = {"weight": 3, "color": "#000000", "opacity": 1.0}


def base_map(
    *,
    location: tuple[float, float] = ENGLAND_CENTRE,
    zoom_start: int = ENGLAND_ZOOM,
    tiles: str | None = None,
    attribution: str | None = None,
    min_zoom: int = 5,
    max_zoom: int = 15,
    prefer_canvas: bool = False,
    wheel_after_focus: bool = True,
) -> folium.Map:
    """An empty map of England; the same arguments always give the same page.

    Tooltips on it stay inside the map and close when its layers change. Four buttons
    below the zoom buttons move it north, west, east or south, so no one has to drag it
    (:class:`layers.interaction.PanButtons`, WCAG 2.5.7).

    ``wheel_after_focus``: the mouse wheel scrolls the page past the map until the map is
    clicked or focused (Ctrl + wheel zooms at once; :class:`layers.interaction.WheelAfterFocus`),
    as people expect of a map embedded in a page. Off for a page that is only the map.

    No base tiles unless asked for: the polygons need none, and tiles need the
    internet. ``prefer_canvas`` stays off by default: the SVG renderer draws the
    hatch of missing areas and keeps each polygon an element the browser tests can
    find, and at LA and drill-down sizes SVG is fast enough.

    Raises
    ------
    ValueError
        ``tiles`` without ``attribution``.
    """
    if tiles is not None and not attribution:
        raise ValueError(f"Base tiles {tiles!r} need an attribution: pass attribution='© ... contributors'.")
    m = folium.Map(
        location=location,
        zoom_start=zoom_start,
        tiles=tiles,
        attr=attribution,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        prefer_canvas=prefer_canvas,
        control_scale=True,
        zoom_control=True,
    )
    _MapBehaviour().add_to(m)
    PanButtons().add_to(m)
    if wheel_after_focus:
        WheelAfterFocus().add_to(m)
    seed = json.dumps([list(location), zoom_start, tiles, attribution, min_zoom, max_zoom, prefer_canvas, wheel_after_focus])
    return set_stable_ids(m, seed=f"map:{seed}")


def choropleth_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    period: str,
    scheme: Scheme,
    england_value: float | None,
    value_col: str = "value",
    classification: Classification | None = None,
    categories: pd.Series | None = None,
    unit: str | None = None,
    indicator_title: str | None = None,
    indicator: Indicator | None = None,
    value_type: str | None = None,
    tooltip_fields: Mapping[str, str] | None = None,
    highlight: bool = True,
    fill_opacity: float | None = None,
    precision: int = 5,
    within: tuple[float, float, float, float] | None = None,
    opens: bool = True,
) -> folium.FeatureGroup:
    """One indicator on one boundary set, as a feature group holding one GeoJSON layer.

    Parameters
    ----------
    gdf : GeoDataFrame
        Areas joined to values: ``area_code``, ``area_name``, ``value_col``,
        ``status`` and (optionally) ``lower_ci``/``upper_ci``.
    name : str
        The layer's name (escaped here).
    scheme : Scheme
        From :func:`layers.style.scheme_for`; its polarity orders the ranks.
    classification, categories
        Colour by classes (:func:`geo.classify.classify` of ``gdf[value_col]``) or by
        England-comparison categories (:func:`geo.classify.compare_with_england`);
        exactly one, aligned with ``gdf``'s index.
    unit, indicator_title, value_type : str
        Shown in the tooltip; taken from ``indicator`` when not given. Numbers are
        written as the classification's labels write them (0-1 proportions as
        percentages); deciles (``value_type="decile"``) read "decile 3 of 10
        (1 = most deprived)" and get no rank.
    tooltip_fields : mapping of column to label
        Extra columns to show, e.g. ``{"national_decile": "National IMD decile"}``.
    fill_opacity : float
        Overrides every area's fill opacity (e.g. to fade a parent layer).
    precision : int
        Decimal places kept in coordinates (5 is about 1 m).
    within : (min lon, min lat, max lon, max lat), optional
        Draw only the areas that reach into these bounds (e.g. around a drilled-down
        area), so the browser is not sent the whole country again. Ranks, classes
        and the legend still count every area in ``gdf``.
    opens : bool
        Whether pressing Enter on the map opens (clicks) this layer's area under the centre
        (:class:`layers.interaction.KeyboardDrill`): the districts do; the small areas
        drawn inside an opened area do not, and are read out with it.

    The tooltip also shows each row's ``note`` (escaped) when ``gdf`` has one, e.g.
    "Combined figure for Cornwall and Isles of Scilly"; rows without a note show
    no note line.

    When ``gdf`` has a ``ci_method`` column (:func:`geo.row_intervals.with_intervals`, as the
    map page's joined table does), the value is followed by where its 95% interval comes from
    ("95% CI 79.1 to 80.3, as published", "..., computed by Wilson score", "..., approximate,
    combining its parts' published CIs") or "no interval: <reason>"; the limits are then
    ``lower_ci_95``/``upper_ci_95`` when held (the ones ``ci_method`` names, computed ones
    included), else ``lower_ci``/``upper_ci``.

    Raises
    ------
    ValidationError
        Missing columns, duplicate area codes, or colours not aligned with ``gdf``.
    DataUnavailableError
        No areas to draw.
    """
    if value_type is None:
        value_type = indicator.value_type if indicator else ""
    unit = unit if unit is not None else (indicator.unit if indicator else None)
    title = indicator_title if indicator_title is not None else (indicator.label if indicator else None)
    if unit is None or title is None:
        raise ValueError("Pass unit= and indicator_title=, or indicator= to take them from the catalogue.")
    if (classification is None) == (categories is None):
        raise ValueError("Pass exactly one of classification= (classes) or categories= (compared with England).")
    _check_columns(gdf, value_col=value_col, extra=tooltip_fields or {})
    keys = _style_keys(gdf, classification=classification, categories=categories)
    status = gdf["status"].astype("str")
    ok = status == "ok"
    values = pd.to_numeric(gdf[value_col], errors="coerce").where(ok)
    ranks = rank_of(values, polarity=scheme.polarity)
    of = int(ranks.notna().sum())
    best = "highest" if scheme.polarity == "none" else "best"
    labels = _class_labels(keys, status, classification, level=scheme.level)

    e = html.escape
    is_decile = value_type == "decile"
    fmt = tooltip_format(values, value_type=value_type, unit=unit, classification=classification)
    england = None
    if england_value is not None and math.isfinite(england_value) and not is_decile:
        england = fmt.value(england_value)
    notes = gdf["note"].astype("object").where(gdf["note"].notna(), "") if "note" in gdf else None
    has_note = notes is not None and bool((notes.astype("str").str.strip() != "").any())
    props: list[dict[str, Any]] = []
    styles: dict[str, dict[str, object]] = {}
    no_ci = pd.Series(np.nan, index=gdf.index)
    said = "ci_method" in gdf  # the interval's method is said, with the limits it names
    lo_col, hi_col = ("lower_ci_95", "upper_ci_95") if said and "lower_ci_95" in gdf else ("lower_ci", "upper_ci")
    lo = pd.to_numeric(gdf[lo_col], errors="coerce") if lo_col in gdf else no_ci
    hi = pd.to_numeric(gdf[hi_col], errors="coerce") if hi_col in gdf else no_ci
    methods = gdf["ci_method"].tolist() if said else [None] * len(gdf)
    rows = zip(
        gdf["area_code"].astype("str"), gdf["area_name"].astype("str"), status, keys.tolist(), ranks.tolist(),
        values.tolist(), lo.tolist(), hi.tolist(), labels, methods, strict=True,
    )
    for i, (code, area_name, row_status, key, rank, value, low, high, label, method) in enumerate(rows):
        style = style_for(key if row_status == "ok" else row_status, scheme=scheme)
        if fill_opacity is not None:
            style["fillOpacity"] = fill_opacity
        styles[e(code)] = style
        p: dict[str, Any] = {"area_code": e(code), "area_name": e(area_name)}
        if is_decile:
            p["value_text"] = e(area_value_text(value, status=row_status, fmt=fmt, decile=True))
        else:
            rank_text = rank_label(rank, of) if pd.isna(rank) else f"{rank_label(rank, of)} (1 = {best})"
            p["value_text"] = e(_value_text(value, low, high, status=row_status, fmt=fmt, method=method))
            p["class_label"] = e(label)
            p["rank_text"] = e(rank_text)
        p["status"] = e(row_status)
        if england is not None:
            p["england"] = e(england)
        if has_note:
            assert notes is not None
            p["note"] = e(str(notes.iat[i]).strip())
        for column in tooltip_fields or {}:
            p[column] = e(_any_text(gdf[column].iat[i]))
        props.append(p)

    fields = ["area_name", "area_code", "value_text"] + ([] if is_decile else ["class_label", "rank_text"])
    aliases = ["Area", "Code", f"{title}, {period}"] + ([] if is_decile else ["Class", "Rank"])
    if england is not None:
        fields.append("england")
        aliases.append(f"England, {period}")
    if has_note:
        fields.append("note")
        aliases.append("Note")
    fields += list(tooltip_fields or {})
    aliases += list((tooltip_fields or {}).values())

    drawn = np.ones(len(gdf), dtype=bool) if within is None else gdf.geometry.intersects(shapely.box(*within)).to_numpy()
    data = _feature_collection(gdf[drawn], [p for p, keep in zip(props, drawn, strict=True) if keep], precision=precision)
    if not data["features"]:
        raise DataUnavailableError(f"No area of {name!r} reaches into {within}; widen the bounds.")
    layer = folium.GeoJson(
        data,
        style_function=lambda f: styles[f["properties"]["area_code"]],
        highlight_function=(lambda f: _HIGHLIGHT) if highlight else None,
        tooltip=_Tooltip(fields=fields, aliases=[e(a) for a in aliases]),
        zoom_on_click=False,
        control=False,
    )
    _KeyboardTarget(title=f"{title}, {period}", opens=opens).add_to(layer)
    group = folium.FeatureGroup(name=e(name))
    PatternDefs(HATCH_ID, hatch_svg(), name="HatchDefs").add_to(group)
    layer.add_to(group)
    seed = json.dumps([name, fields, aliases, data, styles, highlight, opens], sort_keys=True, default=str)
    return set_stable_ids(group, seed=f"choropleth:{seed}")


def outline_layer(geometry: shapely.Geometry | gpd.GeoSeries, *, name: str, precision: int = 5) -> folium.FeatureGroup:
    """A thick dark outline of one area (the drill-down parent): no fill, not clickable."""
    geom = shapely.union_all(np.asarray(geometry.array)) if isinstance(geometry, gpd.GeoSeries) else geometry
    if geom is None or geom.is_empty:
        raise DataUnavailableError(f"No outline to draw for {name!r}: its geometry is empty.")
    rounded = shapely.transform(geom, lambda c: np.round(c, precision))
    data = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(rounded)}
    group = folium.FeatureGroup(name=html.escape(f"Outline: {name}"), control=False)
    folium.GeoJson(
        data,
        style_function=lambda f: {"fill": False, "color": "#1A1A1A", "weight": 3.5, "opacity": 0.9},
        interactive=False,
        control=False,
    ).add_to(group)
    return set_stable_ids(group, seed=f"outline:{name}:{shapely.to_wkb(rounded).hex()}")


def set_stable_ids(element: Element, *, seed: str) -> Any:
    """Replace folium's random ids in ``element`` and everything under it with ids derived from ``seed``.

    Two elements on one page must have different seeds (include their content).
    Returns ``element``.
    """
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20]
    tree = list(_walk(element))
    for i, el in enumerate(tree):
        el._id = f"{digest}{i:x}"  # lower-case hex: streamlit-folium matches ids with [a-z0-9]+
    for el in tree:
        el._children = OrderedDict((child.get_name(), child) for child in el._children.values())
    parent = element._parent
    if parent is not None:  # re-key the element under its parent (a folium.Map sits in a Figure)
        parent._children = OrderedDict(
            (child.get_name() if child is element else key, child) for key, child in parent._children.items()
        )
    return element


# ---------------------------------------------------------------- helpers
class PatternDefs(MacroElement):
    """Adds one SVG pattern (``svg`` defining ``pattern_id``) to the page, once: the missing-area hatch, the gap stripes."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline(
            "choropleth.js", "hatchDefs", indent=8, HATCH_ID="{{ this.hatch_id|tojson }}", SVG="{{ this.svg|tojson }}"))
    )

    def __init__(self, pattern_id: str, svg: str, *, name: str) -> None:
        super().__init__()
        self._name = name
        self.hatch_id = pattern_id
        self.svg = svg


class _KeyboardTarget(MacroElement):
    """Marks its GeoJSON layer for the map's keyboard: what its values are (escaped) and whether Enter opens its areas."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.hgaKeys = {{ this.about|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, *, title: str, opens: bool) -> None:
        super().__init__()
        self._name = "KeyboardTarget"
        self.about = {"title": html.escape(title), "opens": opens}


#: Tooltip text wraps (long notes) and the base map's zoom buttons do not print.
TOOLTIP_CSS: Final = (
    ".leaflet-tooltip{white-space:normal;width:max-content;max-width:min(300px,70vw);font-size:12px;"
    "line-height:1.3;padding:4px 6px}"
    ".leaflet-tooltip th,.leaflet-tooltip td{vertical-align:top;padding:1px 4px}"
    "@media print{.leaflet-control-zoom,.leaflet-control-layers{display:none!important}}"
)


class _Tooltip(folium.GeoJsonTooltip):
    """folium's table tooltip, leaving out rows with nothing to say (no note, say); values arrive escaped."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline(
            "choropleth.js", "tooltip", indent=8, LAYER="{{ this._parent.get_name() }}", FIELDS="{{ this.fields | tojson | safe }}",
            ALIASES="{{ this.aliases | tojson | safe }}", OPTIONS="{{ this.tooltip_options | tojavascript }}"))
    )

    def __init__(self, *, fields: list[str], aliases: list[str]) -> None:
        super().__init__(fields=fields, aliases=aliases, labels=True, sticky=True, direction="auto")


class _MapBehaviour(MacroElement):
    """Tooltips stay inside the map (shifted in from its edges) and close when layers change or the map zooms."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline("choropleth.js", "mapBehaviour", indent=8, MAP="{{ this._parent.get_name() }}"))
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapBehaviour"
        self.css = TOOLTIP_CSS


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _check_columns(gdf: gpd.GeoDataFrame, *, value_col: str, extra: Mapping[str, str]) -> None:
    needed = ["area_code", "area_name", value_col, "status", *extra]
    absent = [c for c in needed if c not in gdf.columns]
    if absent:
        raise ValidationError(
            f"Expected columns {', '.join(needed)} for the map; missing {', '.join(absent)}. "
            "Join values to boundaries with geo.indicators.join() first."
        )
    if gdf.empty:
        raise DataUnavailableError("There are no areas to draw for this selection.")
    dupes = gdf["area_code"][gdf["area_code"].duplicated()]
    if not dupes.empty:
        raise ValidationError(
            f"Expected one row per area; {len(dupes)} area codes repeat (e.g. {dupes.iloc[0]}). "
            "Filter to one period and sex before mapping."
        )
    no_shape = gdf["area_code"][gdf.geometry.isna() | gdf.geometry.is_empty]
    if not no_shape.empty:
        raise ValidationError(
            f"Expected a polygon for every area; {len(no_shape)} have none (e.g. {no_shape.iloc[0]}). "
            "Load the areas with geo.boundaries.load()."
        )


def _style_keys(
    gdf: gpd.GeoDataFrame, *, classification: Classification | None, categories: pd.Series | None
) -> pd.Series:
    keys = classification.class_id if classification is not None else categories
    assert keys is not None
    if not keys.index.equals(gdf.index):
        raise ValidationError(
            "Expected classes aligned with the areas (the same index); they are not. "
            "Classify gdf[value_col] itself, after any filtering or sorting."
        )
    return keys.astype("object").where(keys.notna(), None)


def _class_labels(keys: pd.Series, status: pd.Series, classification: Classification | None, *,
                  level: float = 95.0) -> list[str]:
    """Each area's class in words; England-comparison categories at ``level`` (the scheme's)."""
    out = []
    for key, row_status in zip(keys, status, strict=True):
        if row_status != "ok":
            out.append(STATUS_LABELS.get(row_status, row_status))
        elif key is None or key == "missing":
            out.append(STATUS_LABELS["missing"])
        elif classification is not None:
            out.append(classification.labels[int(key)])
        else:
            out.append(comparison_label(str(key), level=level))
    return out


def tooltip_format(values: pd.Series, *, value_type: str, unit: str,
                   classification: Classification | None) -> NumberFormat:
    """How a layer's tooltips write its numbers: at the legend's precision where it is classed."""
    fmt = number_format(values, value_type=value_type, unit=unit)
    if classification is not None and value_type != "decile":  # the legend's labels and the tooltips write alike
        fmt = replace(classification.fmt, unit=fmt.unit if classification.fmt.scale == fmt.scale else unit)
    return fmt


def area_value_text(value: float, *, status: str, fmt: NumberFormat, decile: bool = False) -> str:
    """An area's value as its tooltip writes it ("80.1 years", "decile 3 of 10 ..."), or its status in words."""
    if status == "suppressed":
        return STATUS_LABELS["suppressed"]
    if status != "ok" or pd.isna(value):
        return STATUS_LABELS["missing"]
    return f"decile {int(value)} of 10 (1 = most deprived)" if decile else fmt.value(value)


def interval_text(lo: float, hi: float, method: object, *, fmt: NumberFormat) -> str:
    """ "79.1 to 80.3, as published"; without limits the method in brief ("no interval: why"), or ""."""
    how = in_brief(method) if method is not None else ""
    if pd.isna(lo) or pd.isna(hi):
        return how
    return f"{fmt.number(lo)} to {fmt.number(hi)}" + (f", {how}" if how else "")


def _value_text(value: float, lo: float, hi: float, *, status: str, fmt: NumberFormat, method: object = None) -> str:
    """ "80.1 years (95% CI 79.1 to 80.3, as published)"; ``method`` is the row's ``ci_method`` (``None``: not said)."""
    text = area_value_text(value, status=status, fmt=fmt)
    if status != "ok" or pd.isna(value):
        return text
    limits = interval_text(lo, hi, method, fmt=fmt)
    if not pd.isna(lo) and not pd.isna(hi):
        return f"{text} (95% CI {limits})"
    return f"{text} ({limits})" if limits else text


def _any_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return NumberFormat(decimals=0 if float(value).is_integer() else 1).number(value)
    return str(value)


_WGS84: Final = pyproj.CRS.from_epsg(4326)


def _feature_collection(gdf: gpd.GeoDataFrame, props: list[dict[str, Any]], *, precision: int) -> dict[str, Any]:
    """A FeatureCollection of ``props`` and rounded geometry in EPSG:4326, nothing else."""
    geoms = gdf.geometry
    # CRS.equals, not to_epsg(): to_epsg searches the EPSG database, ~30 ms in each new script thread.
    if geoms.crs is not None and not geoms.crs.equals(_WGS84, ignore_axis_order=True):
        geoms = geoms.to_crs(4326)
    rounded = shapely.transform(np.asarray(geoms.array), lambda c: np.round(c, precision))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)}
            for p, g in zip(props, rounded, strict=True)
        ],
    }
