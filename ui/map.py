"""The map page: choose a view in the sidebar, click an area to drill down.

Only widgets, state and layout live here; everything else is in ``geo`` and ``layers``.
The URL's query parameters are the single source of truth for the view.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries, indicators
from geo import profile as area_profile
from geo._paths import DATA_DIR
from geo.catalogue import GROUPS, Indicator
from geo.classify import classify, compare_with_england
from geo.errors import AtlasError
from geo.schema import LEVEL_LABELS, boundary_set
from geo.search import search
from geo.view import MAP_LEVELS, METHOD_LABELS, METHODS, View, resolve, with_area
from layers import assets
from layers.choropleth import base_map, choropleth_layer, outline_layer
from layers.legend import add_to_map, build_legend, to_html
from layers.style import scheme_for
from ui.widgets import (
    attribution_caption,
)
from ui.widgets import (
    boundaries_for as _boundaries,
)
from ui.widgets import (
    catalogue as _catalogue,
)
from ui.widgets import (
    combos as _combos,
)
from ui.widgets import (
    select_area as _select_area,
)
from ui.widgets import (
    set_param as _set_param,
)
from ui.widgets import (
    values as _values,
)
from ui.widgets import (
    widget as _widget,
)

ENGLAND_CENTRE = (52.8, -1.6)
ENGLAND_ZOOM = 6
SEX_LABELS = {"male": "Male", "female": "Female", "persons": "Persons"}


# ---------------------------------------------------------------- page
def map_page() -> None:
    try:
        catalogue = _catalogue()
    except (OSError, ValueError):
        st.error("The atlas data is missing. Rebuild it with `python -m geo build`, then reload.")
        return
    view, notes = resolve(dict(st.query_params), catalogue=catalogue, combos=_combos)
    gdf = _boundaries(view.level, view.vintage)
    if view.area_code and view.area_code not in set(gdf["area_code"]):
        notes.append(
            f"Area {view.area_code!r} is not a {view.vintage} {LEVEL_LABELS[view.level].lower()[:-1]}; "
            "showing the whole map. Search for the area below or pick it on the map."
        )
        view = with_area(view, None)
    # Write the resolved view back so the URL always reproduces what is shown.
    if dict(st.query_params) != view.to_query():
        st.query_params.from_dict(view.to_query())

    _sidebar(view, catalogue)
    st.title("Health Gap Atlas")
    for note in notes:
        st.info(note, icon="ℹ️")
    _main(view, catalogue[view.indicator_id], gdf)


def _sidebar(view: View, catalogue: dict[str, Indicator]) -> None:
    sb = st.sidebar
    sb.header("Map")
    sb.selectbox(
        "Geography",
        MAP_LEVELS,
        format_func=lambda lv: LEVEL_LABELS[lv],
        key=_widget("w_level", view.level),
        on_change=_set_param,
        args=("level", "w_level"),
    )
    held = {i: ind for i, ind in catalogue.items() if view.level in ind.levels}
    groups = [g for g in GROUPS if any(ind.group == g for ind in held.values())]
    group = catalogue[view.indicator_id].group
    sb.selectbox("Topic", groups, key=_widget("w_group", group), on_change=_pick_group, args=(held,))
    in_group = [i for i, ind in held.items() if ind.group == group]
    sb.selectbox(
        "Indicator",
        in_group,
        format_func=lambda i: catalogue[i].label,
        key=_widget("w_indicator", view.indicator_id),
        on_change=_set_param,
        args=("indicator", "w_indicator"),
    )
    combos = _combos(view.indicator_id, view.level)
    periods = sorted(combos["period"].unique())
    sb.selectbox(
        "Period", periods, key=_widget("w_period", view.period), on_change=_set_param, args=("period", "w_period")
    )
    sexes = [s for s in ("female", "male", "persons") if s in set(combos.loc[combos["period"] == view.period, "sex"])]
    if len(sexes) > 1:
        sb.radio(
            "Sex",
            sexes,
            format_func=lambda s: SEX_LABELS[s],
            horizontal=True,
            key=_widget("w_sex", view.sex),
            on_change=_set_param,
            args=("sex", "w_sex"),
        )
    vintages = sorted(combos.loc[(combos["period"] == view.period) & (combos["sex"] == view.sex), "vintage"].unique())
    sb.selectbox(
        "Boundaries (code set)",
        vintages,
        format_func=lambda v: boundary_set(view.level, v).label,
        key=_widget("w_vintage", view.vintage),
        on_change=_set_param,
        args=("vintage", "w_vintage"),
        help="Each period is held on the boundaries its source used; only those are offered.",
    )
    sb.selectbox(
        "Classification",
        list(METHODS),
        format_func=lambda m: METHOD_LABELS[m],
        key=_widget("w_method", view.method),
        on_change=_set_param,
        args=("method", "w_method"),
    )
    attribution_caption()


def _pick_group(held: dict[str, Indicator]) -> None:
    group = st.session_state["w_group"]
    first = next(i for i, ind in held.items() if ind.group == group)
    st.query_params["indicator"] = first
    for name in ("period", "sex", "vintage"):
        st.query_params.pop(name, None)


@st.fragment
def _main(view: View, indicator: Indicator, gdf: gpd.GeoDataFrame) -> None:
    _breadcrumb(view, gdf)
    _search(view, gdf)
    values = _values(view.indicator_id, view.level, view.vintage, view.period, view.sex)
    joined, report = indicators.join(gdf, values)
    england_row = indicators.england_value(view.indicator_id, period=view.period, sex=view.sex)
    england = None if england_row is None or pd.isna(england_row["value"]) else float(england_row["value"])
    method = view.method
    if method == "england" and (not indicator.has_ci or england is None):
        st.info(
            f"{indicator.label} has no confidence intervals or England value for {view.period}, so it "
            "cannot be compared with England; showing quintiles instead.",
            icon="ℹ️",
        )
        method = "quantiles"
    categories = None
    classification = None
    try:
        if method == "england":
            categories = compare_with_england(
                joined["value"], joined["lower_ci"], joined["upper_ci"],
                england_value=float(england or 0.0), polarity=indicator.polarity,
            )
            joined["comparison"] = categories
        else:
            classification = classify(joined["value"], method=method)
    except AtlasError as exc:
        st.warning(str(exc))
        return
    scheme = scheme_for(indicator.polarity, method=method, k=classification.k if classification else 3)
    layer = choropleth_layer(
        joined,
        name=indicator.label,
        indicator=indicator,
        period=view.period,
        england_value=england,
        scheme=scheme,
        classification=classification,
        categories=categories,
        fill_opacity=0.3 if view.area_code else 0.85,
    )
    legend = build_legend(
        indicator=indicator, period=view.period, sex=view.sex, classification=classification,
        scheme=scheme, england_value=england, statuses=joined["status"], categories=categories,
    )
    layers = [layer]
    centre, zoom = ENGLAND_CENTRE, ENGLAND_ZOOM
    map_col, panel_col = st.columns([3, 2], gap="medium")
    lsoa_joined = None
    if view.area_code:
        area = gdf[gdf["area_code"] == view.area_code]
        lsoa_layer, lsoa_joined = _lsoa_layer(view)
        if lsoa_layer is not None:
            layers.append(lsoa_layer)
        layers.append(outline_layer(_outline(area, lsoa_joined), name=str(area["area_name"].iloc[0])))
        centre, zoom = _fit(area)
    with map_col:
        st.caption(
            f"**{indicator.title}**, {SEX_LABELS[view.sex].lower()}, {view.period} · "
            f"{LEVEL_LABELS[view.level]} ({view.vintage} boundaries) · {METHOD_LABELS[method]}"
        )
        # st_folium renames the layers' ids, so a download being prepared gets its own copies.
        download_layers = copy.deepcopy(layers) if st.session_state.get("prepare_html") else []
        result = st_folium(
            _base_map(),
            key="atlas_map",
            height=620,
            use_container_width=True,
            feature_group_to_add=layers,
            center=centre,
            zoom=zoom,
            returned_objects=["last_active_drawing", "last_object_clicked"],
        )
        st.markdown(to_html(legend), unsafe_allow_html=True)  # legend HTML is escaped by layers.legend
        if not report.ok:
            st.caption(f"Join check: {report.describe()}.")
        _downloads(view, indicator, joined, classification, legend, download_layers)
    _handle_click(result, view, gdf)
    with panel_col:
        _panel(view, gdf, lsoa_joined)


def _base_map() -> Any:
    # Identical on every rerun, so the map iframe is never rebuilt; layers arrive separately.
    return assets.localise(base_map(location=ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM))


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
    # Zoom so the area spans about 500 px (256 px per 360 degrees at zoom 0).
    span = max(maxx - minx, (maxy - miny) * 1.6, 1e-3)
    zoom = int(max(6, min(14, math.floor(math.log2(360 * 500 / (256 * span))))))
    return ((miny + maxy) / 2, (minx + maxx) / 2), zoom


def _handle_click(result: dict[str, Any] | None, view: View, gdf: gpd.GeoDataFrame) -> None:
    drawing = (result or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") or {}
    code = props.get("area_code")
    # The component keeps returning the last click; its position tells a new click from an old one.
    marker = f"{code}|{(result or {}).get('last_object_clicked')}"
    if not code or st.session_state.get("_last_click") == marker:
        return
    st.session_state["_last_click"] = marker
    if code in set(gdf["area_code"]) and code != view.area_code:
        _select_area(code)
        st.rerun()


def _breadcrumb(view: View, gdf: gpd.GeoDataFrame) -> None:
    """England > region > area; England and the region are buttons that go back up."""
    cols = st.columns([1, 2, 3, 2])
    # Buttons inside the fragment rerun the whole app: the view is resolved outside it.
    if cols[0].button("England", key="crumb_england", disabled=view.area_code is None, help="Back to the whole map"):
        _select_area(None)
        st.rerun()
    if not view.area_code:
        return
    row = gdf[gdf["area_code"] == view.area_code].iloc[0]
    region = row.get("region_code")
    if isinstance(region, str) and region.startswith("E12") and view.level != "region":
        name = str(_boundaries("region", "2019").set_index("area_code")["area_name"].get(region, region))
        if cols[1].button(f"› {name}", key="crumb_region", help=f"Show {name} on the regional map"):
            st.query_params.from_dict({**view.to_query(), "level": "region", "vintage": "2019", "area": region})
            st.rerun()
    cols[2].markdown(f"› **{row['area_name']}**")


def _search(view: View, gdf: gpd.GeoDataFrame) -> None:
    query = st.text_input(
        "Find an area", key="search_query", placeholder="Name or code, e.g. St Helens or E08000013",
    )
    if not query:
        return
    matches = search(query, zip(gdf["area_code"], gdf["area_name"], strict=True), limit=5)
    if not matches:
        st.caption(
            f"No {LEVEL_LABELS[view.level].lower()} ({view.vintage}) matches {query!r}. "
            "Check the spelling, or switch geography or boundaries."
        )
        return
    cols = st.columns(len(matches))
    for col, m in zip(cols, matches, strict=True):
        if col.button(m.area_name, key=f"hit_{m.area_code}", help=m.area_code):
            _select_area(m.area_code)
            st.rerun()


def _lsoa_layer(view: View) -> tuple[Any, gpd.GeoDataFrame | None]:
    catalogue = _catalogue()
    lsoa_vintage = boundaries.lsoa_vintage_for(view.level, view.vintage)
    options = [i for i, ind in catalogue.items() if lsoa_vintage in ind.levels.get("lsoa", ())]
    default = area_profile.DECILE_FOR_LSOA[lsoa_vintage]
    if not options:
        return None, None
    chosen = st.session_state.get("w_lsoa_indicator", default)
    if chosen not in options:
        chosen = default if default in options else options[0]
    ind = catalogue[chosen]
    lsoas = boundaries.lsoas_within(view.area_code or "", level=view.level, vintage=view.vintage)
    combos = _combos(chosen, "lsoa")
    combos = combos[combos["vintage"] == lsoa_vintage]
    period = sorted(combos["period"].unique())[-1]
    sex = "persons" if "persons" in set(combos["sex"]) else str(combos["sex"].iloc[0])
    values = _values(chosen, "lsoa", lsoa_vintage, period, sex)
    joined, _ = indicators.join(lsoas, values[values["area_code"].isin(set(lsoas["area_code"]))])
    deciles = _values(default, "lsoa", lsoa_vintage, *_latest(default, lsoa_vintage))
    joined = joined.merge(
        deciles[["area_code", "value"]].rename(columns={"value": "national_decile"}), on="area_code", how="left"
    )
    method = "decile_values" if ind.value_type == "decile" else "quantiles"
    classification = classify(joined["value"], method=method)
    scheme = scheme_for(ind.polarity, method=method, k=classification.k)
    layer = choropleth_layer(
        joined, name=f"Small areas: {ind.label}", indicator=ind, period=period, england_value=None,
        scheme=scheme, classification=classification, tooltip_fields={"national_decile": "National IMD decile"},
    )
    st.session_state["_lsoa_view"] = (chosen, period, lsoa_vintage, options)
    return layer, joined


def _latest(indicator_id: str, lsoa_vintage: str) -> tuple[str, str]:
    combos = _combos(indicator_id, "lsoa")
    combos = combos[combos["vintage"] == lsoa_vintage]
    return sorted(combos["period"].unique())[-1], "persons"


def _panel(view: View, gdf: gpd.GeoDataFrame, lsoa_joined: gpd.GeoDataFrame | None) -> None:
    if not view.area_code:
        st.subheader("England")
        st.write(
            "Click an area on the map, or search for it, to see its small areas and how it compares "
            "with England."
        )
        return
    row = gdf[gdf["area_code"] == view.area_code].iloc[0]
    st.subheader(str(row["area_name"]))
    st.caption(f"{view.area_code} · {LEVEL_LABELS[view.level][:-1]} ({view.vintage} boundaries)")
    if bool(row.get("approximate")):
        st.warning(f"Approximate boundary: {row.get('approximate_reason')}")
    lsoa_state = st.session_state.get("_lsoa_view")
    if lsoa_state:
        chosen, _period, lsoa_vintage, options = lsoa_state
        catalogue = _catalogue()
        st.selectbox(
            "Small-area indicator", options, index=options.index(chosen),
            format_func=lambda i: catalogue[i].label, key="w_lsoa_indicator",
            help=f"Drawn on the {lsoa_vintage} LSOAs inside {row['area_name']}.",
        )
    pop = area_profile.population(view.area_code, level=view.level, vintage=view.vintage)
    if pop:
        st.metric("Population", f"{pop[0]:,.0f}", help=pop[1])
    items = area_profile.headlines(view.area_code, level=view.level)
    if items:
        st.markdown("**Against England** (latest period held; rank 1 = best)")
        words = {"better": "better than England", "worse": "worse than England", "similar": "similar to England",
                 "higher": "higher than England", "lower": "lower than England"}
        lines = []
        for h in items:
            sex = f" ({h.sex_label})" if h.sex_label else ""
            england = "" if h.england is None else f"; England {h.england:,.1f}"
            verdict = f" — **{words[h.comparison]}**" if h.comparison in words else ""
            rank = f"; rank {h.rank} of {h.of}" if h.rank else ""
            lines.append(f"- {h.indicator.label}{sex}, {h.period}: **{_value_text(h)}** {h.indicator.unit}"
                         f"{england}{verdict}{rank}")
        st.markdown("\n".join(lines))
    trend = area_profile.trend(view.indicator_id, view.area_code, level=view.level, sex=view.sex)
    if len(trend) > 1:
        st.markdown(f"**Trend: {_catalogue()[view.indicator_id].label}**")
        long = trend.melt(id_vars="period", var_name="series", value_name="value").dropna()
        long["series"] = long["series"].replace({"area": str(row["area_name"])})
        chart = (
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:N", title=None),
                y=alt.Y("value:Q", scale=alt.Scale(zero=False), title=_catalogue()[view.indicator_id].unit),
                color=alt.Color("series:N", title=None),
                strokeDash=alt.StrokeDash("series:N", title=None),  # not colour alone
            )
        )
        st.altair_chart(chart, width="stretch")
    deciles = area_profile.lsoa_deciles(view.area_code, level=view.level, vintage=view.vintage)
    if deciles["lsoas"].sum():
        st.markdown("**Small areas by national IMD decile** (1 = most deprived 10% of England)")
        st.bar_chart(deciles.set_index("decile")["lsoas"])
    with st.expander("Plain-English summary", expanded=True):
        for sentence in area_profile.summary_sentences(str(row["area_name"]), items):
            st.markdown(f"- {sentence}")
        page = area_profile.summary_html(
            str(row["area_name"]), view.area_code, level_label=LEVEL_LABELS[view.level][:-1],
            items=items, population=pop, deciles=deciles, attribution=_attribution(),
        )
        st.download_button("Download one-page summary (HTML, prints on one page)", page,
                           file_name=f"summary_{view.area_code}.html", mime="text/html")


@st.cache_data(show_spinner=False)
def _attribution() -> str:
    import json

    return str(json.loads((DATA_DIR / "catalogue.json").read_text(encoding="utf-8"))["attribution"])


def _value_text(h: area_profile.Headline) -> str:
    if h.status == "suppressed":
        return "suppressed"
    if h.value is None:
        return "no data"
    text = f"{h.value:,.1f}"
    if h.lower_ci is not None and h.upper_ci is not None:
        text += f" ({h.lower_ci:,.1f}-{h.upper_ci:,.1f})"
    return text


def _downloads(view: View, indicator: Indicator, joined: gpd.GeoDataFrame, classification: Any,
               legend: Any, layers: list[Any]) -> None:
    table = indicators.tidy_table(joined, view=view, classification=classification)
    stem = f"{view.indicator_id}_{view.level}{view.vintage}_{view.period}_{view.sex}"
    c1, c2 = st.columns(2)
    c1.download_button("Download table (CSV)", table.to_csv(index=False), file_name=f"{stem}.csv", mime="text/csv")
    if c2.button("Prepare map for download (HTML)", key="prepare_html") and layers:
        m = base_map(location=ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM)
        for layer in layers:
            layer.add_to(m)
        add_to_map(m, legend)
        st.session_state["_html_map"] = (stem, assets.standalone_html(m))
    prepared = st.session_state.get("_html_map")
    if prepared and prepared[0] == stem:
        c2.download_button("Download map (HTML, works offline)", prepared[1], file_name=f"{stem}.html", mime="text/html")
