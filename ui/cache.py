"""What the pages share between sessions: data, joined views, map layers and panel figures.

Streamlit runs every session's script in one Python process, so server time per view
is what limits how many people one server can take. What does not depend on the
session is kept here, through the one owner of shared caches (:mod:`geo.shared`):
each key carries the data edition, so a refresh made anywhere is seen on the next
view, and anything session-owned (an upload) is refused by type. Pages call this
module and ``ui.widgets``; this module calls only ``geo`` and ``layers``.

- :func:`catalogue`, :func:`catalogue_json`, :func:`boundaries_for`, :func:`combos`
  and :func:`values`: the bundled (or refreshed) data, read once per edition;

- :func:`drawn`: per (indicator, level, vintage, period, sex, method), the joined
  table (with each row's intervals and ``ci_method``, as the CSV writes them), its join
  report, the classification (or England comparison at 95% or 99.8%), the colour scheme
  and the legend; :func:`held_99_8`: whether any area of a view has a 99.8% interval;
- :func:`layer`: per view and drilled area, the map layer as the JavaScript
  ``st_folium`` sends to the browser;
- :func:`small_areas`: per drilled area and small-area indicator, its small-area layer;
- :func:`headlines`, :func:`population`, :func:`lsoa_deciles`, :func:`trend` and
  :func:`years_behind`: per area, the side panel's figures.

:func:`warm_default_view` fills the first two for the map page's default URL, so the
server can build them in the background as soon as it starts (:func:`warm_caches`).

Uploaded columns (ids starting ``upload:<session token>:``) belong to the session that
uploaded them and never enter these caches: every call with one builds afresh, and
:mod:`geo.shared` raises if one is offered.

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
import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import folium
import geopandas as gpd
import pandas as pd
from folium.template import Template

from geo import boundaries, derived, indicators, shared
from geo import profile as area_profile
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, load_catalogue
from geo.classify import ENGLAND_LEVELS, Classification, classify, compare_with_england, method_drawn
from geo.indicators import JoinReport
from geo.row_intervals import with_intervals
from geo.shared import UPLOAD_PREFIX
from geo.view import View
from layers.choropleth import choropleth_layer, interval_text, tooltip_format
from layers.legend import Legend, build_legend, not_compared_note, why_not_compared
from layers.national import value_table
from layers.style import Scheme, scheme_for

__all__ = [
    "PRECISION",
    "REGION_VINTAGE",
    "areas_layer",
    "boundaries_for",
    "catalogue",
    "catalogue_json",
    "combos",
    "england",
    "national_table",
    "values",
    "warm_caches",
    "MAX_AREA_ENTRIES",
    "MAX_VIEW_ENTRIES",
    "UPLOAD_PREFIX",
    "Drawn",
    "Drill",
    "FrozenLayer",
    "RenderedLayer",
    "drawn",
    "freeze",
    "headlines",
    "held_99_8",
    "layer",
    "lsoa_deciles",
    "population",
    "small_areas",
    "trend",
    "view_key",
    "warm_default_view",
    "years_behind",
]

_LOG = logging.getLogger(__name__)
#: National layers (about 0.3-1 MB of script each) and joined tables: one per indicator view.
MAX_VIEW_ENTRIES: Final = 48
#: Drilled-down layers (tens to hundreds of kB each) and area panels.
MAX_AREA_ENTRIES: Final = 160
# Placeholder ids while rendering once; lower-case letters only, as streamlit-folium's id pattern expects.
_SLOT: Final = "hgalayerslot"
_MAP_SLOT: Final = "hgamapslot"

T = TypeVar("T")
#: Decimal places of coordinates sent to the browser: 4 is about 10 m, finer than a pixel at street zoom
#: for these simplified boundaries, and a fifth fewer bytes than 5.
PRECISION: Final = 4
#: The region boundaries the breadcrumb and region zoom use.
REGION_VINTAGE: Final = "2019"
#: The joined table's column, on a map compared at 99.8%, for the tooltip's "99.8% CI" line: the limits the area
#: was compared by, or why an area with a 95% interval has none ("" leaves the line out).
CI_99_8: Final = "ci_99_8_text"


# ---------------------------------------------------------------- data
@shared.cached(max_entries=2)
def catalogue() -> dict[str, Indicator]:
    """The indicator catalogue (bundled, with refreshed records): never mutate it."""
    return load_catalogue(DATA_DIR)


@shared.cached(max_entries=2)
def catalogue_json() -> dict[str, Any]:
    """The raw catalogue file (attribution, boundary sources): never mutate it."""
    return dict(json.loads((DATA_DIR / "catalogue.json").read_text(encoding="utf-8")))


@shared.cached(max_entries=64, scope="bundled")
def boundaries_for(level: str, vintage: str) -> gpd.GeoDataFrame:
    """One boundary set."""
    return boundaries.load(level, vintage)


@shared.cached(max_entries=512)
def combos(indicator_id: str, level: str) -> pd.DataFrame:
    """The (vintage, period, sex) combinations held for an indicator at a level."""
    return indicators.periods(indicator_id, level=level)


@shared.cached(max_entries=256, max_bytes=128_000_000)
def values(indicator_id: str, level: str, vintage: str, period: str, sex: str) -> pd.DataFrame:
    """One indicator's values for one view."""
    return indicators.load(indicator_id, level=level, vintage=vintage, period=period, sex=sex)


def england(indicator_id: str, *, period: str, sex: str) -> float | None:
    """England's value for a catalogue indicator (``None`` when not held)."""
    row = indicators.england_value(indicator_id, period=period, sex=sex)
    return None if row is None or pd.isna(row["value"]) else float(row["value"])


# ---------------------------------------------------------------- keys
def view_key(view: View, *, method: str) -> tuple[str, ...] | None:
    """The key of a view's national layer: (indicator, level, vintage, period, sex, method); ``None`` for uploads."""
    if shared.is_session_owned(view.indicator_id):
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


@shared.cached(max_entries=MAX_VIEW_ENTRIES)
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
    _add_intervals(joined, value_type=indicator.value_type)
    categories = None
    classification = None
    compared = ""
    if (level := ENGLAND_LEVELS.get(method)) is not None:  # at 95%, the source's own limits; at 99.8%, with_intervals'
        lo, hi = ("lower_ci", "upper_ci") if level == 95.0 else ("lower_ci_99_8", "upper_ci_99_8")
        categories = compare_with_england(
            joined["value"], joined[lo], joined[hi], england_value=float(england or 0.0), polarity=indicator.polarity,
        )
        joined["comparison"] = categories
        why = why_not_compared(categories, joined, level=level)
        compared = not_compared_note(why, level=level)
        if level != 95.0:
            joined[CI_99_8] = _limits_text(joined, why, indicator=indicator)
    else:
        classification = classify(joined["value"], method=method, value_type=indicator.value_type, unit=indicator.unit)
    scheme = scheme_for(indicator.polarity, method=method, k=classification.k if classification else 3)
    legend = build_legend(
        indicator=indicator, period=view.period, sex=view.sex, classification=classification,
        scheme=scheme, england_value=england, statuses=joined["status"], categories=categories,
    )
    carried = derived.legend_note(joined.get("note"), joined["status"])  # figures carried from other areas
    if added := " ".join(t for t in (compared, carried) if t):
        legend = dataclasses.replace(legend, note=f"{legend.note} {added}".strip())
    return Drawn(joined=joined, report=report, classification=classification, categories=categories,
                 scheme=scheme, legend=legend, key=key)


def _limits_text(joined: gpd.GeoDataFrame, why: pd.Series, *, indicator: Indicator) -> list[str]:
    """Each area's 99.8% limits as its tooltip writes numbers ("49.0 to 61.9"), else ``why`` ("" when none)."""
    ok = joined["status"] == "ok"
    fmt = tooltip_format(joined["value"].where(ok), value_type=indicator.value_type, unit=indicator.unit,
                         classification=None)
    return [(interval_text(lo, hi, None, fmt=fmt) if fine else "") or reason for lo, hi, fine, reason in
            zip(joined["lower_ci_99_8"], joined["upper_ci_99_8"], ok, why, strict=True)]


def held_99_8(view: View, indicator: Indicator, *, values: Callable[[str, str, str, str, str], pd.DataFrame]) -> bool:
    """Whether any area of ``view`` has a 99.8% confidence interval, so the map can compare with England at 99.8%.

    :func:`geo.row_intervals.with_intervals` of the view's values (published symmetric 95% limits
    rescaled, or computed from counts); shared per view, built afresh for an upload.
    """
    key = (view.indicator_id, view.level, view.vintage, view.period, view.sex)
    if shared.is_session_owned(view.indicator_id):
        return _held_99_8(*key, value_type=indicator.value_type, _values=values)
    return _shared_held_99_8(*key, value_type=indicator.value_type, _values=values)


def _held_99_8(indicator_id: str, level: str, vintage: str, period: str, sex: str, *, value_type: str,
               _values: Callable[[str, str, str, str, str], pd.DataFrame]) -> bool:
    rows = _values(indicator_id, level, vintage, period, sex)
    return bool(len(rows)) and bool(with_intervals(rows, value_type=value_type)["lower_ci_99_8"].notna().any())


_shared_held_99_8 = shared.cached(max_entries=512)(_held_99_8)


def _add_intervals(joined: gpd.GeoDataFrame, *, value_type: str) -> None:
    """Each row's 95% and 99.8% limits and ``ci_method``, as every export writes them, for the tooltip to say.

    :func:`geo.row_intervals.with_intervals` of the joined rows, once per view: ``lower_ci_95``,
    ``upper_ci_95`` (published, computed or combined), ``lower_ci_99_8``, ``upper_ci_99_8``
    and ``ci_method``. ``lower_ci``/``upper_ci`` stay the source's own, which the England
    comparison and the exports read.
    """
    limits = with_intervals(joined, value_type=value_type)
    joined["lower_ci_95"], joined["upper_ci_95"] = limits["lower_ci"], limits["upper_ci"]
    joined["lower_ci_99_8"], joined["upper_ci_99_8"] = limits["lower_ci_99_8"], limits["upper_ci_99_8"]
    joined["ci_method"] = limits["ci_method"]


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
    if key is None or shared.is_session_owned(key):
        return build()
    return FrozenLayer(_shared_layer(key, _build=build))


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def _shared_layer(key: tuple[Hashable, ...], *, _build: Callable[[], folium.FeatureGroup]) -> RenderedLayer:
    return freeze(_build)


# ---------------------------------------------------------------- a drilled area
@dataclass(frozen=True)
class Drill:
    """What a drilled area's small-area layer depends on (not the map's own indicator, which may be an upload)."""

    level: str
    vintage: str
    area_code: str
    lsoa_indicator: str | None = None


def small_areas(view: View, build: Callable[[Drill], T | None]) -> T | None:
    """``build(drill)``: the drilled area's small-area bundle (a dataclass with a folium ``layer``), shared.

    Keyed by level, vintage, area and small-area indicator; the bundle returned is a
    copy whose ``layer`` is a new :class:`FrozenLayer`. Built afresh, never shared, when
    the small-area indicator is an upload.
    """
    drill = Drill(view.level, view.vintage, view.area_code or "", view.lsoa_indicator)
    if not view.area_code or shared.is_session_owned(view.lsoa_indicator):
        return build(drill)
    kept = _shared_small_areas(drill, _build=build)
    if kept is None:
        return None
    bundle, rendered = kept
    out: T = dataclasses.replace(bundle, layer=FrozenLayer(rendered))  # type: ignore[type-var]
    return out


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def _shared_small_areas(drill: Drill, *, _build: Callable[[Drill], Any]) -> tuple[Any, RenderedLayer] | None:
    bundle = _build(drill)
    if bundle is None:
        return None
    first = bundle.layer
    script = freeze(lambda: first).script
    # Keep no folium object: a rebuild (the HTML download) makes the layer again from the same inputs.
    return dataclasses.replace(bundle, layer=None), RenderedLayer(script, lambda: _build(drill).layer)


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def headlines(area_code: str, *, level: str, pinned: tuple[str, str, str] | None = None) -> list[area_profile.Headline]:
    """:func:`geo.profile.headlines`, shared (frozen items; do not change the list).

    ``pinned`` = (indicator_id, sex, period) of the map: that headline is given for the
    map's period (left out when the area has no row for it), never another period's.
    """
    items = area_profile.headlines(area_code, level=level)
    if pinned is None:
        return items
    indicator_id, sex, period = pinned
    out = [h if (h.indicator.indicator_id, h.sex) != (indicator_id, sex) or h.period == period
           else area_profile.headline(indicator_id, sex, area_code, level=level, period=period) for h in items]
    return [h for h in out if h is not None]


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def population(area_code: str, *, level: str, vintage: str) -> tuple[float, str] | None:
    """:func:`geo.profile.population`, shared."""
    return area_profile.population(area_code, level=level, vintage=vintage)


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def lsoa_deciles(area_code: str, *, level: str, vintage: str) -> pd.DataFrame:
    """:func:`geo.profile.lsoa_deciles`, shared: never mutate it."""
    return area_profile.lsoa_deciles(area_code, level=level, vintage=vintage)


def trend(indicator_id: str, area_code: str, *, level: str, sex: str) -> pd.DataFrame:
    """:func:`geo.profile.trend`, shared (not for an upload): never mutate it; an ``AtlasError`` is not kept."""
    if shared.is_session_owned(indicator_id):
        return area_profile.trend(indicator_id, area_code, level=level, sex=sex)
    return _shared_trend(indicator_id, area_code, level=level, sex=sex)


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def _shared_trend(indicator_id: str, area_code: str, *, level: str, sex: str) -> pd.DataFrame:
    return area_profile.trend(indicator_id, area_code, level=level, sex=sex)


@shared.cached(max_entries=MAX_AREA_ENTRIES)
def years_behind(area_code: str, area_name: str, *, level: str, vintage: str) -> tuple[str, ...]:
    """:func:`geo.lag.area_sentences`, shared."""
    from geo.lag import area_sentences

    return area_sentences(area_code, area_name, level=level, vintage=vintage)


# ---------------------------------------------------------------- national small-area table
def national_table(view: View, *, method: str, joined: gpd.GeoDataFrame, indicator: Indicator, scheme: Scheme,
                   classification: Classification | None, categories: pd.Series | None) -> dict[str, Any]:
    """The national small-area map's value table; shared unless the view is an upload (built afresh then)."""
    if shared.is_session_owned(view.indicator_id):
        return _national_table(view.indicator_id, view.vintage, view.period, view.sex, method, _joined=joined,
                               _indicator=indicator, _scheme=scheme, _classification=classification,
                               _categories=categories)
    return _shared_national_table(view.indicator_id, view.vintage, view.period, view.sex, method, _joined=joined,
                                  _indicator=indicator, _scheme=scheme, _classification=classification,
                                  _categories=categories)


def _national_table(indicator_id: str, vintage: str, period: str, sex: str, method: str, *, _joined: gpd.GeoDataFrame,
                    _indicator: Indicator, _scheme: Scheme, _classification: Classification | None,
                    _categories: pd.Series | None) -> dict[str, Any]:
    order = boundaries_for("lsoa", vintage)["area_code"].tolist()
    return value_table(_joined, order=order, vintage=vintage, indicator=_indicator, period=period, scheme=_scheme,
                       classification=_classification, categories=_categories)


# The view's key (indicator, vintage, period, sex, method) fixes everything behind the unhashed arguments.
_shared_national_table = shared.cached(max_entries=16)(_national_table)


# ---------------------------------------------------------------- the view's layer of areas
def areas_layer(view: View, indicator: Indicator, drawn: Drawn, gdf: gpd.GeoDataFrame, *,
                england: float | None) -> folium.FeatureGroup:
    """The view's layer of areas (faded around a drilled area): what :func:`layer` keeps, and warms.

    Drilled in, the drilled area and, near it, the areas around it are drawn by their small
    areas' union (:func:`geo.boundaries.with_outlines`), so borders meet the small areas on top.
    """
    within = _around(gdf, view.area_code) if view.area_code else None
    joined = drawn.joined if not view.area_code else boundaries.with_outlines(drawn.joined, level=view.level,
                                                                              vintage=view.vintage, focus=view.area_code)
    return choropleth_layer(
        joined,
        name=indicator.label,
        indicator=indicator,
        period=view.period,
        england_value=england,
        scheme=drawn.scheme,
        classification=drawn.classification,
        categories=drawn.categories,
        fill_opacity=0.3 if view.area_code else 0.85,
        within=within,
        precision=PRECISION,
        tooltip_fields={CI_99_8: "99.8% CI"} if CI_99_8 in joined else None,
    )


def _around(gdf: gpd.GeoDataFrame, code: str) -> tuple[float, float, float, float]:
    """Bounds a drilled-down area's neighbours fall in: its own box, widened by its size each way."""
    minx, miny, maxx, maxy = gdf.loc[gdf["area_code"] == code].total_bounds
    dx, dy = max(maxx - minx, 0.3), max(maxy - miny, 0.2)
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


# ---------------------------------------------------------------- warming
def warm_default_view() -> View:
    """Build the map page's default view (its URL without parameters) into the shared caches.

    The same calls, keys and layer as ``ui.map`` makes for that view, so its first visitor
    is served from the cache, or waits for this build rather than making a second. Returns
    the view. Safe outside a script run: it touches no session.
    """
    from geo.view import resolve

    cat = catalogue()
    view, _notes = resolve({}, catalogue=cat, combos=combos)
    indicator = cat[view.indicator_id]
    value = england(view.indicator_id, period=view.period, sex=view.sex)
    method, _why = method_drawn(view.method, value_type=indicator.value_type, has_ci=indicator.has_ci,
                                england_value=value, period=view.period)
    gdf = boundaries_for(view.level, view.vintage)
    made = drawn(view, indicator, method=method, england=value, gdf=gdf, values=values)
    if made.key is not None:
        layer((*made.key, view.area_code), lambda: areas_layer(view, indicator, made, gdf, england=value))
    boundaries_for("region", REGION_VINTAGE)
    return view


@shared.cached(max_entries=1, scope="bundled")
def warm_caches() -> threading.Thread:
    """Once per server (and bundled data), in the background: the default view, then the small areas it drills into.

    Started by the server's first script run. The default view's layer is built under the
    keys ``ui.map`` reads (:func:`warm_default_view`), so a first visitor on that view
    waits for this one build instead of making a second. The small-area set is read a few
    seconds later, off the cores while the first visitor's map is sent and drawn.
    """
    worker = threading.Thread(target=_warm, name="hga-warm", daemon=True)
    worker.start()
    return worker


_PRELOAD_AFTER_S = 4.0


def _warm(*, preload_after: float = _PRELOAD_AFTER_S) -> None:
    started = time.monotonic()
    try:
        with shared.pinned():
            view = warm_default_view()
            time.sleep(max(0.0, preload_after - (time.monotonic() - started)))
            boundaries.preload(within=(view.level, view.vintage))
            # The deciles every drill-down of this map draws and counts (ui.panel.small_areas, the panel).
            lsoa_vintage = boundaries.lsoa_vintage_for(view.level, view.vintage)
            indicators.periods(area_profile.DECILE_FOR_LSOA[lsoa_vintage], level="lsoa")
    except Exception:  # a failed warm-up only means a slower first view; that view reports the error
        _LOG.warning("warming the default view failed", exc_info=True)
