"""Map layers shared by every session: each view is joined, classified and serialised once per server.

Streamlit runs every session's script in one Python process, so server time per view
is what limits how many people one server can take. What does not depend on the
session is kept here, bounded by entry counts:

- :func:`drawn`: per (indicator, level, vintage, period, sex, method), the joined
  table, its join report, the classification (or England comparison), the colour
  scheme and the legend;
- :func:`layer`: per view and drilled area, the map layer as the JavaScript
  ``st_folium`` sends to the browser;
- :func:`small_areas`: per drilled area and small-area indicator, its small-area layer;
- :func:`headlines`, :func:`population`, :func:`lsoa_deciles`, :func:`trend` and
  :func:`years_behind`: per area, the side panel's figures.

:func:`warm_default_view` fills the first two for the map page's default URL, so the
server can build them in the background as soon as it starts (``ui.widgets.warm_caches``).

Uploaded columns (ids starting ``upload:``) belong to the session that uploaded them
and never enter these caches: every call with one builds afresh.

``st_folium`` renames the ids of the layers it is given and adds them to its map, so a
cached folium object is never handed out. :func:`layer` keeps the JavaScript that
``st_folium`` would generate for the layer (with placeholder ids) and returns a fresh
:class:`FrozenLayer` each time, which writes that script under the ids ``st_folium``
gives it; the browser receives byte for byte what an uncached run sends. A deep copy of
a :class:`FrozenLayer` (the HTML download) is the layer rebuilt, a plain folium object.

Objects returned here are shared: never mutate them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from folium.template import Template

from geo import indicators
from geo import profile as area_profile
from geo.catalogue import Indicator
from geo.classify import Classification, classify, compare_with_england
from geo.indicators import JoinReport
from geo.view import View
from layers.legend import Legend, build_legend
from layers.style import Scheme, scheme_for

__all__ = [
    "MAX_AREA_ENTRIES",
    "MAX_VIEW_ENTRIES",
    "UPLOAD_PREFIX",
    "Drawn",
    "FrozenLayer",
    "RenderedLayer",
    "drawn",
    "freeze",
    "headlines",
    "layer",
    "lsoa_deciles",
    "population",
    "small_areas",
    "trend",
    "view_key",
    "warm_default_view",
    "years_behind",
]

UPLOAD_PREFIX: Final = "upload:"
#: National layers (about 0.3-1 MB of script each) and joined tables: one per indicator view.
MAX_VIEW_ENTRIES: Final = 48
#: Drilled-down layers (tens to hundreds of kB each) and area panels.
MAX_AREA_ENTRIES: Final = 160
# Placeholder ids while rendering once; lower-case letters only, as streamlit-folium's id pattern expects.
_SLOT: Final = "hgalayerslot"
_MAP_SLOT: Final = "hgamapslot"

T = TypeVar("T")


# ---------------------------------------------------------------- keys
def view_key(view: View, *, method: str) -> tuple[str, ...] | None:
    """The key of a view's national layer: (indicator, level, vintage, period, sex, method); ``None`` for uploads."""
    if view.indicator_id.startswith(UPLOAD_PREFIX):
        return None
    return (view.indicator_id, view.level, view.vintage, view.period, view.sex, method)


# ---------------------------------------------------------------- joined and classified
@dataclass(frozen=True, eq=False)
class Drawn:
    """One view's table and colours, shared: never mutate ``joined``."""

    joined: gpd.GeoDataFrame
    report: JoinReport
    classification: Classification | None
    categories: pd.Series | None
    scheme: Scheme
    legend: Legend
    #: :func:`view_key` of the view (``None`` for an upload).
    key: tuple[str, ...] | None


def drawn(
    view: View,
    indicator: Indicator,
    *,
    method: str,
    england: float | None,
    gdf: gpd.GeoDataFrame,
    values: Callable[[str, str, str, str, str], pd.DataFrame],
) -> Drawn:
    """``view``'s values joined to ``gdf`` and classified by ``method`` (the method drawn).

    ``values(indicator_id, level, vintage, period, sex)`` is only called on a miss.

    Raises
    ------
    AtlasError
        From the join or the classification (nothing is cached then).
    """
    key = view_key(view, method=method)
    if key is None:
        return _drawn(view, indicator, method=method, england=england, gdf=gdf, values=values, key=None)
    return _shared_drawn(key, _view=view, _indicator=indicator, england=england, _gdf=gdf, _values=values)


@st.cache_resource(show_spinner=False, max_entries=MAX_VIEW_ENTRIES)
def _shared_drawn(
    key: tuple[str, ...],
    *,
    _view: View,
    _indicator: Indicator,
    england: float | None,
    _gdf: gpd.GeoDataFrame,
    _values: Callable[[str, str, str, str, str], pd.DataFrame],
) -> Drawn:
    return _drawn(_view, _indicator, method=key[-1], england=england, gdf=_gdf, values=_values, key=key)


def _drawn(
    view: View,
    indicator: Indicator,
    *,
    method: str,
    england: float | None,
    gdf: gpd.GeoDataFrame,
    values: Callable[[str, str, str, str, str], pd.DataFrame],
    key: tuple[str, ...] | None,
) -> Drawn:
    joined, report = indicators.join(gdf, values(view.indicator_id, view.level, view.vintage, view.period, view.sex))
    categories = None
    classification = None
    if method == "england":
        categories = compare_with_england(
            joined["value"], joined["lower_ci"], joined["upper_ci"],
            england_value=float(england or 0.0), polarity=indicator.polarity,
        )
        joined["comparison"] = categories
    else:
        classification = classify(joined["value"], method=method, value_type=indicator.value_type, unit=indicator.unit)
    scheme = scheme_for(indicator.polarity, method=method, k=classification.k if classification else 3)
    legend = build_legend(
        indicator=indicator, period=view.period, sex=view.sex, classification=classification,
        scheme=scheme, england_value=england, statuses=joined["status"], categories=categories,
    )
    return Drawn(joined=joined, report=report, classification=classification, categories=categories,
                 scheme=scheme, legend=legend, key=key)


# ---------------------------------------------------------------- layers as script
@dataclass(frozen=True, eq=False)
class RenderedLayer:
    """A layer's script as streamlit-folium generates it, with placeholder ids, and how to build it again."""

    script: str
    rebuild: Callable[[], folium.FeatureGroup]


class FrozenLayer(folium.FeatureGroup):
    """A layer whose script was generated once; ``st_folium`` may rename and attach it freely.

    Make a new one for every map (:func:`layer` does): ``st_folium`` sets its id and parent.
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.script() | safe }}{% endmacro %}")

    def __init__(self, rendered: RenderedLayer) -> None:
        super().__init__(control=False)
        self._name = "FeatureGroup"
        self.rendered = rendered

    def script(self) -> str:
        """The layer's script under this element's id, on its parent map."""
        parent = self._parent.get_name() if self._parent is not None else f"map_{_MAP_SLOT}"
        return self.rendered.script.replace(f"map_{_MAP_SLOT}", parent).replace(_SLOT, self._id)

    def render(self, **kwargs: Any) -> str:
        # Nothing to add: st_folium reads the script from the template itself, and the script already
        # adds the layer to its map. (MacroElement.render would wrap the ~0.5 MB script in a new
        # jinja Template, compiling it on every rerun: 80 ms of each view's server time.)
        return ""

    def __deepcopy__(self, memo: dict[int, Any]) -> folium.FeatureGroup:
        # A copy is drawn on another page (the HTML download): the layer itself, built again.
        return self.rendered.rebuild()


def freeze(build: Callable[[], folium.FeatureGroup]) -> RenderedLayer:
    """Build a layer once and keep only the script streamlit-folium would send for it."""
    from streamlit_folium import generate_leaflet_string

    group = build()
    m = folium.Map(tiles=None)
    m._id = _MAP_SLOT
    # As st_folium does for each feature group: rename, attach to the map, render, generate.
    group._id = _SLOT
    group.add_to(m)
    group.render()
    return RenderedLayer(script=generate_leaflet_string(group, base_id=_SLOT), rebuild=build)


def layer(key: tuple[Hashable, ...] | None, build: Callable[[], folium.FeatureGroup]) -> folium.FeatureGroup:
    """The layer ``build`` makes, shared across sessions under ``key`` (``None``: not shared, built now).

    ``key`` must hold everything the layer depends on, e.g. ``drawn(...).key`` and the
    drilled area's code. Returns a new :class:`FrozenLayer` for a shared layer.
    """
    if key is None or any(isinstance(k, str) and k.startswith(UPLOAD_PREFIX) for k in key):
        return build()
    return FrozenLayer(_shared_layer(key, _build=build))


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def _shared_layer(key: tuple[Hashable, ...], *, _build: Callable[[], folium.FeatureGroup]) -> RenderedLayer:
    return freeze(_build)


# ---------------------------------------------------------------- a drilled area
def small_areas(view: View, build: Callable[[View], T | None]) -> T | None:
    """``build(view)``: the drilled area's small-area bundle (a dataclass with a folium ``layer``), shared.

    Keyed by level, vintage, area and small-area indicator; the bundle returned is a
    copy whose ``layer`` is a new :class:`FrozenLayer`.
    """
    if not view.area_code or (view.lsoa_indicator or "").startswith(UPLOAD_PREFIX):
        return build(view)
    key = (view.level, view.vintage, view.area_code, view.lsoa_indicator or "")
    shared = _shared_small_areas(key, _view=view, _build=build)
    if shared is None:
        return None
    bundle, rendered = shared
    out: T = dataclasses.replace(bundle, layer=FrozenLayer(rendered))  # type: ignore[type-var]
    return out


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def _shared_small_areas(
    key: tuple[str, ...], *, _view: View, _build: Callable[[View], Any]
) -> tuple[Any, RenderedLayer] | None:
    bundle = _build(_view)
    if bundle is None:
        return None
    first = bundle.layer
    script = freeze(lambda: first).script
    # Keep no folium object: a rebuild (the HTML download) makes the layer again from the same inputs.
    return dataclasses.replace(bundle, layer=None), RenderedLayer(script, lambda: _build(_view).layer)


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def headlines(area_code: str, *, level: str) -> list[area_profile.Headline]:
    """:func:`geo.profile.headlines`, shared (frozen items; do not change the list)."""
    return area_profile.headlines(area_code, level=level)


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def population(area_code: str, *, level: str, vintage: str) -> tuple[float, str] | None:
    """:func:`geo.profile.population`, shared."""
    return area_profile.population(area_code, level=level, vintage=vintage)


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def lsoa_deciles(area_code: str, *, level: str, vintage: str) -> pd.DataFrame:
    """:func:`geo.profile.lsoa_deciles`, shared: never mutate it."""
    return area_profile.lsoa_deciles(area_code, level=level, vintage=vintage)


def trend(indicator_id: str, area_code: str, *, level: str, sex: str) -> pd.DataFrame:
    """:func:`geo.profile.trend`, shared (not for an upload): never mutate it; an ``AtlasError`` is not kept."""
    if indicator_id.startswith(UPLOAD_PREFIX):
        return area_profile.trend(indicator_id, area_code, level=level, sex=sex)
    return _shared_trend(indicator_id, area_code, level=level, sex=sex)


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def _shared_trend(indicator_id: str, area_code: str, *, level: str, sex: str) -> pd.DataFrame:
    return area_profile.trend(indicator_id, area_code, level=level, sex=sex)


@st.cache_resource(show_spinner=False, max_entries=MAX_AREA_ENTRIES)
def years_behind(area_code: str, area_name: str, *, level: str, vintage: str) -> tuple[str, ...]:
    """:func:`geo.lag.area_sentences`, shared."""
    from geo.lag import area_sentences

    return area_sentences(area_code, area_name, level=level, vintage=vintage)


# ---------------------------------------------------------------- warming
def warm_default_view() -> View:
    """Build the map page's default view (its URL without parameters) into the shared caches.

    The same calls, keys and layer as ``ui.map`` makes for that view, so its first visitor
    is served from the cache, or waits for this build rather than making a second. Returns
    the view. Safe outside a script run: it touches no session.
    """
    from geo.view import resolve
    from ui import map as map_page
    from ui import widgets

    catalogue = widgets.catalogue()
    view, _notes = resolve({}, catalogue=catalogue, combos=widgets.combos)
    indicator = catalogue[view.indicator_id]
    england = map_page._england(view)
    method, _why = map_page._drawn_method(view, indicator)
    gdf = widgets.boundaries_for(view.level, view.vintage)
    shared = drawn(view, indicator, method=method, england=england, gdf=gdf, values=widgets.values)
    if shared.key is not None:
        layer((*shared.key, view.area_code), lambda: map_page.areas_layer(view, indicator, shared, gdf, england=england))
    widgets.boundaries_for("region", map_page.REGION_VINTAGE)
    return view
