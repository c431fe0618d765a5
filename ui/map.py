"""The map page: choose a view in the sidebar, click an area to drill down.

Only widgets, state and layout live here; everything else is in ``geo`` and ``layers``.
The URL's query parameters are the single source of truth for the view.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from documents.figures import MapFigures
from geo import indicators
from geo.catalogue import GROUPS, Indicator
from geo.classify import method_drawn
from geo.errors import AtlasError
from geo.schema import AREA_LABELS, LEVEL_LABELS, boundary_set
from geo.search import AREA_LEVELS, AreaHit, PostcodePlace, opening
from geo.tables import csv_text
from geo.view import MAP_LEVELS, METHOD_LABELS, METHODS, View, carry, held_at, resolve, with_area
from layers import assets, present
from layers.choropleth import base_map, outline_layer
from layers.interaction import KeyboardDrill, PromptClick, SteadyFocus
from layers.legend import to_html
from layers.postcode import postcode_layer
from ui import area_table, benchmarks, upload
from ui import cache as view_cache
from ui.cache import PRECISION, REGION_VINTAGE, areas_layer
from ui.cache import boundaries_for as _boundaries
from ui.exports import export_buttons, map_figures
from ui.finder import PARAM as POSTCODE_PARAM
from ui.finder import finder as search_box  # (the layout column beside the breadcrumb is also called finder)
from ui.finder import postcode_link, show_postcode
from ui.national import national_map
from ui.panel import SmallAreas, area_panel, attribution, outline, small_areas, ward_param, with_wards
from ui.upload import catalogue as _catalogue
from ui.upload import combos as _combos
from ui.upload import values as _values
from ui.widgets import (
    attribution_caption,
    compact_layout,
    map_clicked,
    notice,
    open_param,
    select_area,
    set_param,
    show_notes,
    widget,
)

ENGLAND_CENTRE = (52.8, -1.6)
ENGLAND_ZOOM = 6
MAP_HEIGHT = 500
#: The anchor (element id) of the area panel's heading, where the keyboard lands after a drill-down.
SEX_LABELS = {"male": "Male", "female": "Female", "persons": "Persons"}
AREA_WORD = AREA_LABELS
#: How long a session's first page waits after sending the map, before the controls and sidebar (see
#: map_page): about what the browser needs to make the map's frame, load Leaflet and draw; measured
#: with scripts/benchmark.py, 0.25 s left the map waiting behind the controls' rendering.
FIRST_MAP_HEAD_START_S = 0.4


# ---------------------------------------------------------------- page
def map_page() -> None:
    try:
        catalogue = _catalogue()
    except (OSError, ValueError):
        st.error("The atlas data is missing. Rebuild it with `python -m geo build`, then reload.")
        return
    compact_layout()
    if present.is_on(st.query_params):
        st.html(present.present_style())
    quiet = st.session_state.pop("_quiet", frozenset())
    view, notes = resolve(dict(st.query_params), catalogue=catalogue, combos=_combos, quiet=quiet)
    notes = upload.explain(dict(st.query_params), notes)
    view, place = _postcode(view, notes)  # pc=: the postcode searched for, where this view shows it
    gdf = _boundaries(view.level, view.vintage)
    if view.area_code and view.area_code not in set(gdf["area_code"]):
        notes.append(
            f"Area {view.area_code!r} is not in the {view.vintage} {AREA_WORD[view.level]} boundaries; "
            "showing the whole map. Search for the area or pick it on the map."
        )
        view = with_area(view, None)
    regions = _boundaries("region", REGION_VINTAGE)
    if view.region_code and view.region_code not in set(regions["area_code"]):
        notes.append(f"{view.region_code!r} is not an English region; showing the whole map.")
        view = View(**{**view.__dict__, "region_code": None})
    wards, ward_notes = ward_param(dict(st.query_params), view)  # a drilled district's best-fit wards (ui.panel)
    notes += ward_notes
    order, order_notes = area_table.sort_param(dict(st.query_params), polarity=catalogue[view.indicator_id].polarity)
    notes += order_notes  # the table of areas' sort=
    opened, open_notes = open_param(dict(st.query_params), (area_table.OPENED, *benchmarks.OPENED))
    notes += open_notes  # open=: the table of areas, the panel's spine chart and funnel plot
    # Write the resolved view back so the URL always reproduces what is shown.
    wanted = view.to_query() | wards | order | opened | ({present.PARAM: "1"} if present.is_on(st.query_params) else {})
    if place is not None:
        wanted[POSTCODE_PARAM] = place.postcode
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)

    st.title("Health Gap Atlas")
    with st.container():  # always there, so the map keeps its place (and its frame) when a note comes or goes
        show_notes(notes)
    later = _main(view, catalogue[view.indicator_id], gdf, place)
    if later is not None:
        later.draw_map()
        if not st.session_state.get("_map_shown"):
            # A session's first page: let the browser start the map's frame before the other elements
            # arrive; arriving together, they are rendered first and the map waits for them.
            st.session_state["_map_shown"] = True
            time.sleep(FIRST_MAP_HEAD_START_S)
        later.draw_controls()
    _sidebar(view, catalogue)
    if later is not None:
        later.draw_panel()


@dataclass(frozen=True)
class _Later:
    """What fills the main area's containers: the map, then the controls around it, then the area's panel."""

    draw_map: Callable[[], None]
    draw_controls: Callable[[], None]
    draw_panel: Callable[[], None]


# ---------------------------------------------------------------- sidebar
def _change(name: str, widget_key: str) -> None:
    """A sidebar choice: write it to the URL; what it carries over is replaced quietly if not held."""
    st.session_state["_quiet"] = carry(dict(st.query_params), changed=name)
    set_param(name, widget_key)


def _sidebar(view: View, catalogue: dict[str, Indicator]) -> None:
    sb = st.sidebar
    sb.header("Map")
    sb.selectbox(
        "Geography",
        list(MAP_LEVELS),
        format_func=lambda lv: LEVEL_LABELS[lv],
        key=widget("w_level", view.level),
        on_change=_change,
        args=("level", "w_level"),
    )
    held = {i: ind for i, ind in catalogue.items() if held_at(ind, view.level)}
    groups = [g for g in (*GROUPS, upload.GROUP) if any(ind.group == g for ind in held.values())]
    group = catalogue[view.indicator_id].group
    sb.selectbox("Topic", groups, key=widget("w_group", group), on_change=_pick_group, args=(held,))
    in_group = [i for i, ind in held.items() if ind.group == group]
    sb.selectbox(
        "Indicator",
        in_group,
        format_func=lambda i: catalogue[i].label,
        key=widget("w_indicator", view.indicator_id),
        on_change=_change,
        args=("indicator", "w_indicator"),
        help=catalogue[view.indicator_id].description,
    )
    combos = _combos(view.indicator_id, view.level)
    periods = sorted(combos["period"].unique())
    sb.selectbox(
        "Period", periods, key=widget("w_period", view.period), on_change=_change, args=("period", "w_period")
    )
    all_sexes = [s for s in ("female", "male", "persons") if s in set(combos["sex"])]
    sexes = [s for s in all_sexes if s in set(combos.loc[combos["period"] == view.period, "sex"])]
    if len(sexes) > 1:
        sb.radio(
            "Sex",
            sexes,
            format_func=lambda s: SEX_LABELS[s],
            horizontal=True,
            key=widget("w_sex", view.sex),
            on_change=_change,
            args=("sex", "w_sex"),
        )
    elif len(all_sexes) > 1:
        missing = [s for s in all_sexes if s not in sexes]
        held_for = sorted(combos.loc[combos["sex"].isin(missing), "period"].unique())
        sb.markdown(f"**Sex:** {SEX_LABELS[view.sex]} only")
        sb.caption(
            f"No {' or '.join(SEX_LABELS[s].lower() for s in missing)} figures for {view.period}; "
            f"they are held for {held_for[0]} to {held_for[-1]}." if held_for else ""
        )
    vintages = sorted(combos.loc[(combos["period"] == view.period) & (combos["sex"] == view.sex), "vintage"].unique())
    sb.selectbox(
        "Boundaries (code set)",
        vintages,
        format_func=lambda v: boundary_set(view.level, v).label,
        key=widget("w_vintage", view.vintage),
        on_change=_change,
        args=("vintage", "w_vintage"),
        help="Each period is held on the boundaries its source used; only those are offered.",
    )
    indicator = catalogue[view.indicator_id]
    method, why = _drawn_method(view, indicator)
    # The 99.8% comparison is offered only where it can be drawn; the help says why when it is not.
    england, held_998 = _england(view), view_cache.held_99_8(view, indicator, values=_values)
    can_998 = method_drawn("england_998", value_type=indicator.value_type, has_ci=indicator.has_ci,
                           england_value=england, has_ci_99_8=held_998)[0] == "england_998"
    offered = [m for m in METHODS if m != "england_998" or can_998]
    not_998 = ("England's value is not held for this period." if england is None else
               "no area here has one: the source publishes 95% intervals at most, with no count and denominator "
               "to compute 99.8% ones from.")
    sb.selectbox(
        "Classification",
        offered,
        format_func=lambda m: METHOD_LABELS[m],
        key=widget("w_method", method if method in offered else view.method if view.method in offered else offered[0]),
        on_change=_change,
        args=("method", "w_method"),
        disabled=method not in METHODS,  # published deciles are drawn as they are
        help=None if can_998 or indicator.value_type == "decile" else (
            f"{METHOD_LABELS['england_998']} is offered where England's value is held and some area has a 99.8% "
            f"confidence interval; {not_998}"),
    )
    if why:
        sb.caption(why)
    upload.panel(view)
    attribution_caption()


def _pick_group(held: dict[str, Indicator]) -> None:
    group = st.session_state["w_group"]
    first = next(i for i, ind in held.items() if ind.group == group)
    st.session_state["_quiet"] = carry(dict(st.query_params), changed="indicator")
    st.query_params["indicator"] = first


def _england(view: View) -> float | None:
    row = upload.england_row(view.indicator_id, period=view.period, sex=view.sex)
    return None if row is None or pd.isna(row["value"]) else float(row["value"])


def _drawn_method(view: View, indicator: Indicator) -> tuple[str, str]:
    """The classification actually drawn, and why it differs from the one asked for ("" if not)."""
    held = view.method != "england_998" or view_cache.held_99_8(view, indicator, values=_values)
    return method_drawn(view.method, value_type=indicator.value_type, has_ci=indicator.has_ci,
                        england_value=_england(view), period=view.period, has_ci_99_8=held)


# ---------------------------------------------------------------- main
def _main(view: View, indicator: Indicator, gdf: gpd.GeoDataFrame,
          place: PostcodePlace | None = None) -> _Later | None:
    """Lay out the main area; return what fills it, in the order it should reach the browser.

    The browser renders elements in the order they arrive, and the map's frame waits behind
    every element before it: so only the layout's empty containers precede the map, and the
    breadcrumb, search, downloads, legend, sidebar and panel follow it (the panel last: its
    figures may take the server a while).
    """
    crumbs, finder = st.columns([3, 2], vertical_alignment="center")
    moved = _panel_moved(view)
    england = _england(view)
    method, _why = _drawn_method(view, indicator)
    try:  # joined and classified once per server for each view (never for an upload): ui.cache
        drawn = view_cache.drawn(view, indicator, method=method, england=england, gdf=gdf, values=_values)
    except AtlasError as exc:
        _crumbs_and_search(view, gdf, crumbs, finder)
        notice(exc, kind="warning")
        return None
    joined, report, scheme = drawn.joined, drawn.report, drawn.scheme
    classification, categories = drawn.classification, drawn.categories
    if view.level == "lsoa":  # every small area: geometry stays in the browser, only values are sent
        _crumbs_and_search(view, gdf, crumbs, finder)
        figures = map_figures(view, indicator, drawn)  # nothing is computed until the file or the table is asked for
        national_map(view, indicator=indicator, joined=joined, report=report, classification=classification,
                     categories=categories, scheme=scheme, england=england, base=_base_map(), postcode=place,
                     table_csv=partial(_table_csv, figures, drawn.key))
        area_table.show(figures, key=drawn.key)  # the map's areas as a table
        return None
    focus = view.area_code or view.region_code
    layer = view_cache.layer(None if drawn.key is None else (*drawn.key, view.area_code),
                             lambda: areas_layer(view, indicator, drawn, gdf, england=england))
    legend = drawn.legend
    layers = [layer]
    legends = [legend]
    centre, zoom = ENGLAND_CENTRE, ENGLAND_ZOOM
    small: SmallAreas | None = None
    focus_bounds = None
    if view.area_code:
        area = gdf[gdf["area_code"] == view.area_code]
        focus_bounds = area.total_bounds
        small = with_wards(view_cache.small_areas(view, small_areas), view)  # the wards drawn instead, if asked
        if small is not None:
            layers.append(small.layer)
            legends.append(small.legend)
        layers.append(outline_layer(outline(area, small.joined if small else None), name=str(area["area_name"].iloc[0]),
                                    precision=PRECISION))
        centre, zoom = _fit(area)
    elif view.region_code:
        region = _boundaries("region", REGION_VINTAGE)
        region = region[region["area_code"] == view.region_code]
        focus_bounds = region.total_bounds
        layers.append(outline_layer(region.geometry.iloc[0], name=str(region["area_name"].iloc[0]), precision=PRECISION))
        centre, zoom = _fit(region)
    # st_folium renames the layers' ids and attaches them to its map, so a download being prepared
    # gets its own copies, made before the map is drawn.
    download_layers = copy.deepcopy(layers) if st.session_state.get("prepare_html") else []
    if place is not None and view.area_code:  # the postcode searched for (kept out of the downloaded map)
        layers.append(_postcode_layer(place))
        centre, zoom = _postcode_zoom(place, (centre, zoom))
    map_col, panel_col = st.columns([3, 2], gap="medium")
    map_slot = map_col.container()

    def draw_map() -> None:
        with map_slot:
            st_folium(
                _base_map(),
                key="atlas_map",
                height=MAP_HEIGHT,
                use_container_width=True,
                feature_group_to_add=layers,
                center=centre,
                zoom=zoom,
                returned_objects=["last_active_drawing", "last_object_clicked"],
                on_change=partial(map_clicked, view.area_code, frozenset(gdf["area_code"])),
            )

    def draw_controls() -> None:
        _crumbs_and_search(view, gdf, crumbs, finder)
        with map_col:
            if not report.ok:
                st.caption(f"Join check: {report.describe()}.")
            figures = map_figures(view, indicator, drawn)  # nothing is computed until a file or the table is asked for
            _downloads(view, indicator, figures, drawn.key, legends, download_layers, small, focus_bounds)
            export_buttons(view, indicator, drawn, small=small, figures=figures)  # GeoPackage, workbook, Fingertips CSV
            area_table.show(figures, key=drawn.key, scope=_table_scope(view, small))  # the map's areas as a table
        with panel_col:
            if place is not None:
                show_postcode(st, place)
            st.markdown(
                f"**{indicator.title}**, {SEX_LABELS[view.sex].lower()}, {view.period}  \n"
                f"{LEVEL_LABELS[view.level]} ({view.vintage} boundaries)"
            )
            for item in legends:
                st.markdown(to_html(item), unsafe_allow_html=True)  # legend HTML is escaped by layers.legend
            if not focus:
                st.caption("Click an area on the map, or search for it, to see its small areas and how it "
                           "compares with England.")

    def draw_panel() -> None:
        if focus:
            with panel_col:
                area_panel(view, gdf if view.area_code else _boundaries("region", REGION_VINTAGE), small, moved=moved)

    return _Later(draw_map, draw_controls, draw_panel)


def _crumbs_and_search(view: View, gdf: gpd.GeoDataFrame, crumbs: Any, finder: Any) -> None:
    with crumbs:
        _breadcrumb(view, gdf)
    with finder:
        _search(view, gdf)


def _panel_moved(view: View) -> bool:
    """Whether the panel shows another area than on the last run (never on the session's first map page)."""
    code = view.area_code or view.region_code
    last = st.session_state.get("_panel_for", "")  # "": no map page drawn yet in this session
    st.session_state["_panel_for"] = code
    return bool(code) and last != "" and code != last


def _focus_name(view: View) -> str:
    """The name of the area (or region) the map is zoomed to."""
    level, vintage = (view.level, view.vintage) if view.area_code else ("region", REGION_VINTAGE)
    areas = _boundaries(level, vintage)
    hit = areas.loc[areas["area_code"] == (view.area_code or view.region_code), "area_name"]
    return str(hit.iloc[0]) if len(hit) else ""


def _base_map() -> Any:
    # Identical on every rerun, so the map iframe is never rebuilt; layers arrive separately.
    m = base_map(location=ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM)
    SteadyFocus().add_to(m)
    PromptClick().add_to(m)
    KeyboardDrill().add_to(m)  # Tab to the map, arrows, Enter drills down (the national layer adds its own areas)
    return assets.localise(m)


def _fit(area: gpd.GeoDataFrame) -> tuple[tuple[float, float], int]:
    minx, miny, maxx, maxy = area.total_bounds
    # Zoom so the area spans about 420 px (256 px per 360 degrees at zoom 0).
    span = max(maxx - minx, (maxy - miny) * 1.6, 1e-3)
    zoom = int(max(6, min(14, math.floor(math.log2(360 * 420 / (256 * span))))))
    return ((miny + maxy) / 2, (minx + maxx) / 2), zoom


def _breadcrumb(view: View, gdf: gpd.GeoDataFrame) -> None:
    """England > region > area, on the map the user is on: no level, indicator or period changes.

    One row of crumbs, each as wide as its label, that wraps whole crumbs onto a new line where the
    page is narrow (WCAG 1.4.10: columns squeezed "England" to "Engla / nd" at 200% zoom).
    """
    crumbs = st.container(horizontal=True, gap="small", vertical_alignment="center", key="crumbs")
    # The buttons write the URL once (one step in the browser's history) and rerun the whole app,
    # which resolves the view from the URL again.
    if crumbs.button("England", key="crumb_england", disabled=not (view.area_code or view.region_code),
                     help="Back to the whole map", icon=":material/home:", wrap=True):
        select_area(None, region=None, lsoa=None)
        st.rerun()
    region = view.region_code
    if view.area_code:
        row = gdf[gdf["area_code"] == view.area_code].iloc[0]
        parent = row.get("region_code")
        region = parent if isinstance(parent, str) and parent.startswith("E12") else region
    if region and view.level != "region":
        names = _boundaries("region", REGION_VINTAGE).set_index("area_code")["area_name"]
        name = str(names.get(region, region))
        if view.area_code:
            if crumbs.button(f"› {name}", key="crumb_region", help=f"Zoom out to {name} on this map", wrap=True):
                select_area(None, region=region, lsoa=None)
                st.rerun()
        else:
            crumbs.markdown(f"› **{name}**")
    if view.area_code:
        crumbs.markdown(f"› **{gdf.loc[gdf['area_code'] == view.area_code, 'area_name'].iloc[0]}**")


def _search(view: View, gdf: gpd.GeoDataFrame) -> None:
    """Any area of any year, by name or code (ui.finder); one on another code set opens that code set's map."""
    levels = tuple(sorted(AREA_LEVELS, key=lambda lv: lv != view.level))  # this map's level first
    search_box(st.container(), key="search_query", label="Find an area", pick=partial(_choose_hit, view), levels=levels,
               prefer=(view.level, view.vintage), small_areas=view.vintage if view.level == "lsoa" else None,
               placeholder="Find an area or postcode, any year: e.g. St Helens or L1 0AA",
               label_visibility="collapsed", on_postcode=partial(_open_postcode, view))


def _choose_hit(view: View, hit: AreaHit) -> None:
    """Open the chosen area: here when it is on this map's code set, else on its own (one write to the URL)."""
    params = {k: st.query_params[k] for k in st.query_params if k not in ("lsoa", POSTCODE_PARAM)}
    if (hit.level, hit.vintage) == (view.level, view.vintage):
        params["area"] = hit.area_code
    else:
        params = opening(hit, params, catalogue=_catalogue(), combos=_combos) | (
            {present.PARAM: "1"} if present.is_on(st.query_params) else {})
        st.session_state["_quiet"] = frozenset({"indicator", "period", "sex", "vintage"})
    st.query_params.from_dict(params)


def _postcode(view: View, notes: list[str]) -> tuple[View, PostcodePlace | None]:
    """The postcode the link holds (``pc=``) and the view opened on it: ``pc=`` alone opens the area holding it.

    A postcode outside the area on screen (the person has clicked or searched elsewhere) is dropped quietly.
    """
    place, said = postcode_link(dict(st.query_params), level=view.level, vintage=view.vintage)
    notes += said
    if place is None or place.vintage != view.vintage or (view.area_code or place.area_code) != place.area_code:
        return view, None
    return with_area(view, place.area_code), place


def _open_postcode(view: View, place: PostcodePlace) -> None:
    """Open the area holding a postcode typed in the search box, with ``pc=`` (one write to the URL)."""
    drop = {POSTCODE_PARAM} | ({"lsoa", "region"} if place.area_code != view.area_code else set())
    params = {k: st.query_params[k] for k in st.query_params if k not in drop}
    if place.vintage != view.vintage:  # a small area on the other LSOA set (split, or newer than the lookup)
        hit = AreaHit(place.area_code or "", place.area_name, place.level, place.vintage, "", True)
        params = opening(hit, params, catalogue=_catalogue(), combos=_combos) | (
            {present.PARAM: "1"} if present.is_on(st.query_params) else {})
        st.session_state["_quiet"] = frozenset({"indicator", "period", "sex", "vintage"})
    st.query_params.from_dict(params | {"area": place.area_code or "", POSTCODE_PARAM: place.postcode})


def _postcode_small_area(place: PostcodePlace) -> gpd.GeoDataFrame:
    lsoas = _boundaries("lsoa", place.lsoa_vintage)
    return lsoas[lsoas["area_code"] == place.lsoa_code]


def _postcode_layer(place: PostcodePlace) -> Any:
    """The pin at the postcode and, when it is one of the drilled area's small areas, that small area outlined."""
    shape = _postcode_small_area(place)
    return postcode_layer(place.postcode, place.lonlat, small_area=shape.geometry.iloc[0] if len(shape) else None,
                          small_area_code=place.lsoa_code or "", small_area_name=place.lsoa_name, precision=PRECISION)


def _postcode_zoom(place: PostcodePlace, fallback: tuple[tuple[float, float], int]) -> tuple[tuple[float, float], int]:
    """Centre and zoom on the postcode's small area (the drilled area's when its small area is not held)."""
    shape = _postcode_small_area(place)
    return _fit(shape) if len(shape) else fallback


# ---------------------------------------------------------------- downloads
def _table_scope(view: View, small: SmallAreas | None) -> str:
    """What the table of areas lists when the map is drilled into an area that shows its small areas."""
    if small is None or not view.area_code:
        return ""
    name = _focus_name(view)
    return (f"Zoomed into {name}: the table lists the map's {LEVEL_LABELS[view.level].lower()} (the main layer, every "
            f"area its legend counts); the small areas drawn inside {name} are in the Small areas (CSV).")


def _table_csv(figures: MapFigures, key: tuple[str, ...] | None) -> str:
    """The map's Table (CSV): the export files' table, with both levels' limits and each interval's method.

    :func:`documents.area_table.table_csv`: after lines saying what it is, where its intervals come from and
    its approximations; written when the button is pressed, from the table shared per view.
    """
    return area_table.map_table_csv(figures, key)


def _downloads(view: View, indicator: Indicator, figures: MapFigures, key: tuple[str, ...] | None,
               legends: list[Any], layers: list[Any], small: SmallAreas | None,
               bounds: Any = None) -> None:
    stem = f"{view.indicator_id}_{view.level}{view.vintage}_{view.period}_{view.sex}"
    cols = st.columns(3 if small is not None else 2)
    # Tables are written only when a button is pressed (a callable), not on every rerun.
    cols[0].download_button(
        # A few hundred areas are written with the page (a click during the map's late rerun would otherwise
        # wait on a dropped callable, seen in CI); the 33,755 small areas only when pressed.
        "Table (CSV)", _table_csv(figures, key) if len(figures.joined) <= 1_000 else partial(_table_csv, figures, key),
        file_name=f"{stem}.csv", mime="text/csv",
        help="Every area on the map, with value, 95% and 99.8% confidence limits and each interval's method, status, "
             "whether it is approximate, class, comparison with England and note.",
    )
    if small is not None:
        small_view = View("lsoa", small.vintage, small.indicator.indicator_id, small.period, "persons")
        cols[1].download_button(
            "Small areas (CSV)",
            # Written with the page (a few hundred rows), not when pressed: a click that lands while the map's
            # drill-down reruns the page would otherwise ask for a callable the rerun has dropped, and spin.
            csv_text(indicators.tidy_table(small.joined, view=small_view, classification=None)),
            file_name=f"{small.indicator.indicator_id}_lsoa_in_{view.area_code}.csv", mime="text/csv",
            help="The small areas drawn inside the selected area.",
        )
    c2 = cols[-1]
    if c2.button("Prepare map (HTML)", key="prepare_html") and layers:
        subtitle = (f"{SEX_LABELS[view.sex]}, {view.period} · {LEVEL_LABELS[view.level]} ({view.vintage} boundaries)"
                    + (" · " + _focus_name(view) if view.area_code or view.region_code else ""))
        page = assets.export_map(
            layers, title=f"{indicator.title}, {view.period}", subtitle=subtitle, legends=legends,
            attribution=attribution(), bounds=tuple(bounds) if bounds is not None else None,
        )
        st.session_state["_html_map"] = (f"{stem}_{view.area_code or view.region_code or 'england'}", page)
    prepared = st.session_state.get("_html_map")
    if prepared and prepared[0] == f"{stem}_{view.area_code or view.region_code or 'england'}":
        c2.download_button("Download map (HTML)", prepared[1], file_name=f"{stem}.html", mime="text/html")
