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
import shapely
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries, derived, indicators
from geo import profile as area_profile
from geo.catalogue import GROUPS, Indicator
from geo.classify import classify, method_drawn
from geo.errors import AtlasError
from geo.schema import AREA_LABELS, LEVEL_LABELS, boundary_set
from geo.search import AREA_LEVELS, AreaHit, opening
from geo.tables import csv_text
from geo.view import MAP_LEVELS, METHOD_LABELS, METHODS, View, carry, held_at, resolve, with_area
from layers import assets, present
from layers.choropleth import base_map, choropleth_layer, outline_layer
from layers.interaction import KeyboardDrill, PromptClick, SteadyFocus
from layers.legend import build_legend, to_html
from layers.style import scheme_for
from layers.thumbnail import decile_svg
from ui import cache as view_cache
from ui import upload
from ui.cache import PRECISION, REGION_VINTAGE, areas_layer
from ui.cache import boundaries_for as _boundaries
from ui.finder import finder
from ui.national import national_map
from ui.upload import catalogue as _catalogue
from ui.upload import combos as _combos
from ui.upload import values as _values
from ui.widgets import (
    attribution_caption,
    compact_layout,
    focus_heading,
    map_clicked,
    notice,
    select_area,
    set_param,
    show_notes,
    widget,
    write_params,
)

ENGLAND_CENTRE = (52.8, -1.6)
ENGLAND_ZOOM = 6
MAP_HEIGHT = 500
#: The anchor (element id) of the area panel's heading, where the keyboard lands after a drill-down.
PANEL_HEADING = "area-panel"
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
    # Write the resolved view back so the URL always reproduces what is shown.
    wanted = view.to_query() | ({present.PARAM: "1"} if present.is_on(st.query_params) else {})
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)

    st.title("Health Gap Atlas")
    with st.container():  # always there, so the map keeps its place (and its frame) when a note comes or goes
        show_notes(notes)
    later = _main(view, catalogue[view.indicator_id], gdf)
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
    sb.selectbox(
        "Classification",
        list(METHODS),
        format_func=lambda m: METHOD_LABELS[m],
        key=widget("w_method", method if method in METHODS else view.method),
        on_change=_change,
        args=("method", "w_method"),
        disabled=method not in METHODS,  # published deciles are drawn as they are
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
    return method_drawn(view.method, value_type=indicator.value_type, has_ci=indicator.has_ci,
                        england_value=_england(view), period=view.period)


# ---------------------------------------------------------------- main
def _main(view: View, indicator: Indicator, gdf: gpd.GeoDataFrame) -> _Later | None:
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
        national_map(view, indicator=indicator, joined=joined, report=report, classification=classification,
                     categories=categories, scheme=scheme, england=england, base=_base_map())
        return None
    focus = view.area_code or view.region_code
    layer = view_cache.layer(None if drawn.key is None else (*drawn.key, view.area_code),
                             lambda: areas_layer(view, indicator, drawn, gdf, england=england))
    legend = drawn.legend
    layers = [layer]
    legends = [legend]
    centre, zoom = ENGLAND_CENTRE, ENGLAND_ZOOM
    small: _SmallAreas | None = None
    focus_bounds = None
    if view.area_code:
        area = gdf[gdf["area_code"] == view.area_code]
        focus_bounds = area.total_bounds
        small = view_cache.small_areas(view, _small_areas)
        if small is not None:
            layers.append(small.layer)
            legends.append(small.legend)
        layers.append(outline_layer(_outline(area, small.joined if small else None), name=str(area["area_name"].iloc[0]),
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
            _downloads(view, indicator, joined, classification, legends, download_layers, small, focus_bounds)
        with panel_col:
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
                _panel(view, gdf if view.area_code else _boundaries("region", REGION_VINTAGE), small, moved=moved)

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


def _outline(area: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame | None) -> Any:
    """The area's outline drawn from its LSOAs, so it follows their finer edges at drill-down zoom."""
    if lsoas is None or lsoas.empty:
        return area.geometry.iloc[0]
    try:
        return shapely.coverage_union_all(lsoas.geometry.to_numpy())
    except shapely.errors.GEOSException:
        return shapely.union_all(lsoas.geometry.to_numpy(), grid_size=1e-5)


def _fit(area: gpd.GeoDataFrame) -> tuple[tuple[float, float], int]:
    minx, miny, maxx, maxy = area.total_bounds
    # Zoom so the area spans about 420 px (256 px per 360 degrees at zoom 0).
    span = max(maxx - minx, (maxy - miny) * 1.6, 1e-3)
    zoom = int(max(6, min(14, math.floor(math.log2(360 * 420 / (256 * span))))))
    return ((miny + maxy) / 2, (minx + maxx) / 2), zoom


def _breadcrumb(view: View, gdf: gpd.GeoDataFrame) -> None:
    """England > region > area, on the map the user is on: no level, indicator or period changes."""
    cols = st.columns([2, 3, 3], gap="small", vertical_alignment="center")
    # The buttons write the URL once (one step in the browser's history) and rerun the whole app,
    # which resolves the view from the URL again.
    if cols[0].button("England", key="crumb_england", disabled=not (view.area_code or view.region_code),
                      help="Back to the whole map", icon=":material/home:"):
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
            if cols[1].button(f"› {name}", key="crumb_region", help=f"Zoom out to {name} on this map"):
                select_area(None, region=region, lsoa=None)
                st.rerun()
        else:
            cols[1].markdown(f"› **{name}**")
    if view.area_code:
        cols[2].markdown(f"› **{gdf.loc[gdf['area_code'] == view.area_code, 'area_name'].iloc[0]}**")


def _search(view: View, gdf: gpd.GeoDataFrame) -> None:
    """Any area of any year, by name or code (ui.finder); one on another code set opens that code set's map."""
    levels = tuple(sorted(AREA_LEVELS, key=lambda lv: lv != view.level))  # this map's level first
    finder(st.container(), key="search_query", label="Find an area", pick=partial(_choose_hit, view), levels=levels,
           prefer=(view.level, view.vintage), small_areas=view.vintage if view.level == "lsoa" else None,
           placeholder="Find an area: name or code, any year, e.g. St Helens", label_visibility="collapsed")


def _choose_hit(view: View, hit: AreaHit) -> None:
    """Open the chosen area: here when it is on this map's code set, else on its own (one write to the URL)."""
    params = {k: st.query_params[k] for k in st.query_params if k != "lsoa"}
    if (hit.level, hit.vintage) == (view.level, view.vintage):
        params["area"] = hit.area_code
    else:
        params = opening(hit, params, catalogue=_catalogue(), combos=_combos) | (
            {present.PARAM: "1"} if present.is_on(st.query_params) else {})
        st.session_state["_quiet"] = frozenset({"indicator", "period", "sex", "vintage"})
    st.query_params.from_dict(params)


# ---------------------------------------------------------------- small areas
@dataclass(frozen=True)
class _SmallAreas:
    """The drilled area's small-area layer, its legend and the joined table behind it."""

    layer: Any
    legend: Any
    joined: gpd.GeoDataFrame
    indicator: Indicator
    period: str
    vintage: str
    #: The catalogue's small-area indicators (never an upload: the bundle may be shared).
    options: tuple[str, ...]


def _small_areas(view: view_cache.Drill) -> _SmallAreas | None:
    """The drilled area's small-area layer; shared between sessions unless it draws an upload.

    ``options`` lists the catalogue's small-area indicators only: the panel adds this
    session's uploads (``ui.upload.small_area_options``), so a shared bundle never names
    another session's.
    """
    shared_catalogue = view_cache.catalogue()
    catalogue = _catalogue() if (view.lsoa_indicator or "").startswith(upload.PREFIX) else shared_catalogue
    lsoa_vintage = boundaries.lsoa_vintage_for(view.level, view.vintage)
    options = [i for i, ind in shared_catalogue.items() if lsoa_vintage in ind.levels.get("lsoa", ())]
    default = area_profile.DECILE_FOR_LSOA[lsoa_vintage]
    if not options:
        return None
    drawable = [*options, *upload.small_area_layers(lsoa_vintage)] if catalogue is not shared_catalogue else options
    chosen = view.lsoa_indicator if view.lsoa_indicator in drawable else default
    if chosen not in drawable:
        chosen = options[0]
    ind = catalogue[chosen]
    lsoas = boundaries.lsoas_within(view.area_code or "", level=view.level, vintage=view.vintage)
    period, sex = _latest(chosen, lsoa_vintage)
    values = _values(chosen, "lsoa", lsoa_vintage, period, sex)
    joined, _ = indicators.join(lsoas, values[values["area_code"].isin(set(lsoas["area_code"]))])
    deciles = _values(default, "lsoa", lsoa_vintage, *_latest(default, lsoa_vintage))
    joined = joined.merge(
        deciles[["area_code", "value"]].rename(columns={"value": "national_decile"}), on="area_code", how="left"
    )
    method, _why = method_drawn("quantiles", value_type=ind.value_type)
    classification = classify(joined["value"], method=method, value_type=ind.value_type, unit=ind.unit)
    scheme = scheme_for(ind.polarity, method=method, k=classification.k)
    layer = choropleth_layer(
        joined, name=f"Small areas: {ind.label}", indicator=ind, period=period, england_value=None,
        scheme=scheme, classification=classification, tooltip_fields={"national_decile": "National IMD decile"},
        precision=PRECISION, opens=False,  # Enter on the map opens districts; a small area is read out
    )
    area = _boundaries(view.level, view.vintage)
    name = str(area.loc[area["area_code"] == view.area_code, "area_name"].iloc[0])
    legend = build_legend(
        indicator=ind, period=period, sex=sex, classification=classification, scheme=scheme,
        england_value=None, statuses=joined["status"], categories=None, scope=f"Small areas in {name}",
    )
    return _SmallAreas(layer=layer, legend=legend, joined=joined, indicator=ind, period=period,
                       vintage=lsoa_vintage, options=tuple(options))


def _latest(indicator_id: str, lsoa_vintage: str) -> tuple[str, str]:
    combos = _combos(indicator_id, "lsoa")
    combos = combos[combos["vintage"] == lsoa_vintage]
    period = sorted(combos["period"].unique())[-1]
    sexes = set(combos.loc[combos["period"] == period, "sex"])
    return period, "persons" if "persons" in sexes else sorted(sexes)[0]


def _set_lsoa_indicator() -> None:
    write_params({"lsoa": st.session_state["w_lsoa_indicator"]})


# ---------------------------------------------------------------- panel
def _panel(view: View, gdf: gpd.GeoDataFrame, small: _SmallAreas | None, *, moved: bool = False) -> None:
    level = view.level if view.area_code else "region"
    vintage = view.vintage if view.area_code else REGION_VINTAGE
    code = view.area_code or view.region_code or ""
    row = gdf[gdf["area_code"] == code].iloc[0]
    st.subheader(str(row["area_name"]), anchor=PANEL_HEADING)
    if moved:  # a drill (or the breadcrumb, or Back) opened this panel: the keyboard lands on its heading
        focus_heading(PANEL_HEADING, str(row["area_name"]))
    st.caption(f"{code} · {AREA_WORD[level].capitalize()} ({vintage} boundaries)")
    if bool(row.get("approximate")):
        st.warning(f"Approximate boundary: {row.get('approximate_reason')}")
    if small is not None:
        catalogue = _catalogue()
        st.selectbox(
            "Small-area indicator", upload.small_area_options(small.options, small.vintage),
            format_func=lambda i: catalogue[i].label,
            key=widget("w_lsoa_indicator", small.indicator.indicator_id), on_change=_set_lsoa_indicator,
            help=f"Drawn on the {small.vintage} LSOAs inside {row['area_name']} ({small.period}).",
        )
    pop = area_profile.population(code, level=level, vintage=vintage)
    if pop:
        st.metric("Population", f"{pop[0]:,.0f}", help=pop[1])
    items = view_cache.headlines(code, level=level, pinned=(view.indicator_id, view.sex, view.period))
    if items:
        st.markdown(f"**Against England** ({view.period} for the map's indicator, the latest period held for the "
                    "others; 95% confidence intervals; rank 1 = best)")
        st.markdown("\n".join(area_profile.panel_lines(items)))  # worded by geo.comparison, as the pack is
    from geo.lag import area_sentences  # years behind England (issue 14)

    if lags := area_sentences(code, str(row["area_name"]), level=level, vintage=vintage):
        st.markdown("**Years behind England**\n\n" + "\n".join(f"- {s}" for s in lags))
    _trend(view, code, level, str(row["area_name"]))
    deciles = area_profile.lsoa_deciles(code, level=level, vintage=vintage)
    edition = {"2011": "IMD 2019", "2021": "IMD 2025"}.get(boundaries.lsoa_vintage_for(level, vintage), "IMD")
    if deciles["lsoas"].sum():
        st.markdown(f"**Small areas by national {edition} decile** (1 = most deprived 10% of England)")
        _decile_chart(deciles, edition)
    with st.expander("Plain-English summary", expanded=False):
        for sentence in area_profile.summary_sentences(str(row["area_name"]), items):
            st.markdown(f"- {sentence}")
        st.download_button(
            "Download one-page summary (HTML)",
            lambda: area_profile.summary_html(
                str(row["area_name"]), code, level_label=AREA_WORD[level].capitalize(),
                items=items, population=pop, deciles=deciles, attribution=_attribution(),
                map_svg=_summary_map(str(row["area_name"]), gdf[gdf["area_code"] == code], small, edition),
            ),
            file_name=f"summary_{code}.html", mime="text/html",
            help="A page for a meeting: the area's figures in plain English and a map; prints on one page.",
        )


def _summary_map(name: str, area: gpd.GeoDataFrame, small: _SmallAreas | None, edition: str) -> str:
    """The printed summary's map: the area's small areas by national deprivation decile."""
    if small is None or small.joined.empty:
        return ""
    return decile_svg(small.joined, decile_column="national_decile", outline=_outline(area, small.joined),
                      title=f"Map of {name}: small areas by {edition} decile")


def _decile_chart(deciles: pd.DataFrame, edition: str) -> None:
    """The area's small areas per national decile, as bars (fixed axes: the wheel scrolls the page past it)."""
    import altair as alt

    chart = alt.Chart(deciles).mark_bar(color="#0072B2").encode(
        x=alt.X("decile:O", title=f"{edition} decile", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("lsoas:Q", title="Small areas", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("decile:O", title="Decile"), alt.Tooltip("lsoas:Q", title="Small areas")],
    ).properties(height=200)
    st.altair_chart(chart, width="stretch")  # its scales are not bound to the wheel: the page scrolls past it


def _trend(view: View, code: str, level: str, name: str) -> None:
    indicator = _catalogue()[view.indicator_id]
    try:
        trend = area_profile.trend(view.indicator_id, code, level=level, sex=view.sex)
    except AtlasError:
        return
    if len(trend) <= 1:
        return
    sex = "" if view.sex == "persons" else f", {view.sex}"
    import altair as alt  # only drilled-down views draw a chart; keeps the first map quick to start

    st.markdown(f"**Trend: {indicator.label}{sex}** (axis does not start at zero)")
    long = trend.melt(id_vars="period", var_name="series", value_name="value").dropna()
    long["series"] = long["series"].replace({"area": name, "england": "England"})
    order = [name, "England"]
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:N", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("value:Q", scale=alt.Scale(zero=False), title=indicator.unit),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=order, range=["#0072B2", "#444444"]),
                            legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=order, range=[[1, 0], [5, 4]])),
        )
        .properties(height=220)
    )
    st.altair_chart(chart, width="stretch")


def _attribution() -> str:
    return str(view_cache.catalogue_json()["attribution"])


# ---------------------------------------------------------------- downloads
def _table_csv(joined: gpd.GeoDataFrame, view: View, indicator: Indicator, classification: Any) -> str:
    """The map's Table (CSV): every area's row, after lines saying what it is, its CIs and its approximations."""
    table = indicators.tidy_table(joined, view=view, classification=classification)
    title = (f"{indicator.title}, {SEX_LABELS[view.sex].lower()}, {view.period}; {LEVEL_LABELS[view.level]} "
             f"({view.vintage} boundaries)")
    return csv_text(table, header=[title, *derived.table_notes(table)])


def _downloads(view: View, indicator: Indicator, joined: gpd.GeoDataFrame, classification: Any,
               legends: list[Any], layers: list[Any], small: _SmallAreas | None,
               bounds: Any = None) -> None:
    stem = f"{view.indicator_id}_{view.level}{view.vintage}_{view.period}_{view.sex}"
    cols = st.columns(3 if small is not None else 2)
    # Tables are written only when a button is pressed (a callable), not on every rerun.
    cols[0].download_button(
        "Table (CSV)", partial(_table_csv, joined, view, indicator, classification),
        file_name=f"{stem}.csv", mime="text/csv",
        help="Every area on the map, with value, confidence interval, status, whether it is approximate, class "
             "and note.",
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
            attribution=_attribution(), bounds=tuple(bounds) if bounds is not None else None,
        )
        st.session_state["_html_map"] = (f"{stem}_{view.area_code or view.region_code or 'england'}", page)
    prepared = st.session_state.get("_html_map")
    if prepared and prepared[0] == f"{stem}_{view.area_code or view.region_code or 'england'}":
        c2.download_button("Download map (HTML)", prepared[1], file_name=f"{stem}.html", mime="text/html")
