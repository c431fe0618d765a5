"""The targeting page: pick small areas by a rule, count the people there, measure the distance to sites.

Only widgets, state and layout live here; the rule language is :mod:`geo.rules`, its
evaluation :mod:`geo.target`, sites and distances :mod:`geo.sites`, the gap and site
layers :mod:`layers.targeting`. The URL holds the view: ``rule`` (the within-area
ranking offered when a rule selects every small area is a rule too), ``within``,
``gap_km`` (coverage-gap distance) and ``present``.

A sites file belongs to the area it was uploaded for: looking at another area, its
sites are not used (and the page says where they lie) unless the user ticks *Use
these sites for every area*. The file stays uploaded either way.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from geo import lsoa_sets, rules, shared, target
from geo import sites as site_io
from geo.areas import Area
from geo.errors import AtlasError
from geo.search import AreaHit, PostcodePlace, find_areas
from layers import assets, present
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM, base_map, choropleth_layer, outline_layer
from layers.national import national_group, value_table
from layers.style import Scheme
from layers.targeting import MATCH_COLOUR, OTHER_COLOUR, gap_layer, map_key, site_layer
from ui import upload
from ui.cache import boundaries_for, catalogue
from ui.finder import PARAM as POSTCODE_PARAM
from ui.finder import area_options, finder, linked_postcode, show_postcode
from ui.pack import leave_presentation_button, presentation_button
from ui.widgets import (
    PARAM_LIMIT,
    as_text,
    attribution_caption,
    compact_layout,
    notice,
    show_notes,
    widget,
    write_params,
)

DEFAULT_WITHIN: Final = "E08000012"
DEFAULT_GAP_KM: Final = 1.0
#: The areas a rule can run within (any year: ui.finder).
WITHIN_LEVELS: Final = ("lad", "utla", "pct", "region")
MAP_HEIGHT: Final = 460
#: Lower for England: the key under it stays on a 1366x768 screen below the totals.
ENGLAND_MAP_HEIGHT: Final = 420
#: Beyond this many coverage gaps the England map lists them without drawing them.
GAP_DRAW_LIMIT: Final = 3000
_SCHEME: Final = Scheme("comparison", "none", categories=(
    ("match", MATCH_COLOUR), ("other", OTHER_COLOUR), ("not_compared", OTHER_COLOUR)))
#: The tooltip row that says whether a small area matches (see geo.target.VERDICT_WORDS).
RULE_ROW: Final = "This rule"


# ---------------------------------------------------------------- page
def target_page() -> None:
    compact_layout()
    params = dict(st.query_params)
    if present.is_on(params):
        st.html(present.present_style())
        leave_presentation_button()
    notes: list[str] = []
    rule_text = params.get("rule") or target.PRESETS["Sure Start"]
    within, place, pc_notes = linked_postcode("within", DEFAULT_WITHIN)  # pc=: a postcode searched for (ui.finder)
    notes += pc_notes
    gap_km = _gap_km(params.get("gap_km"), notes)
    _sidebar(rule_text, within, gap_km)
    st.title("Target small areas")
    if place is not None:
        show_postcode(st, place)
    try:
        result = _run(rule_text, within)
    except AtlasError as exc:
        notice(exc, kind="error")
        st.caption("Fix the rule or the area in the sidebar; the rule language is described in the README.")
        _site_widgets(gap_km)  # drawn, so an uploaded sites file is kept while the rule is fixed
        return
    show_notes(notes + list(result.notes))
    _totals(result)
    _alternative(result)
    _not_compared(result)
    map_col, table_col = st.columns([3, 2], gap="medium")
    with table_col:  # filled first: the map needs the sites read here
        _site_widgets(gap_km)
        sites = _sites(result)
        distances = None
        if sites is not None and not result.matches.empty:
            shapes = _shapes(result.lsoa_vintage)
            matched = shapes[shapes["area_code"].isin(set(result.matches["area_code"]))]
            distances = site_io.nearest_site(matched, sites.points,
                                             centres=site_io.residential_centres(result.lsoa_vintage))
        _table(result, distances, gap_km, sites)
    gaps = None if distances is None else site_io.coverage_gaps(distances, beyond_m=gap_km * 1000)
    with map_col:
        _map(result, sites, gaps, gap_km)


# ---------------------------------------------------------------- sidebar
def _set(name: str, key: str) -> None:
    st.query_params[name] = str(st.session_state[key])


def _use_rule(rule_text: str) -> None:
    """Button callback: put a rule (the within-area ranking offered) in the URL."""
    st.query_params["rule"] = rule_text


def _preset() -> None:
    name = st.session_state["w_preset"]
    if name in target.PRESETS:
        st.query_params["rule"] = target.PRESETS[name]


def _pick_area() -> None:
    write_params({"within": st.session_state["w_area"], POSTCODE_PARAM: None})


def _pick_hit(hit: AreaHit) -> None:
    write_params({"within": hit.area_code, POSTCODE_PARAM: None})


def _pick_postcode(place: PostcodePlace) -> None:
    """A postcode typed in the search box: the district holding it, with the postcode (pc=)."""
    write_params({"within": place.area_code, POSTCODE_PARAM: place.postcode})


def _sidebar(rule_text: str, within: str, gap_km: float) -> None:
    sb = st.sidebar
    sb.header("Rule")
    current = next((k for k, v in target.PRESETS.items() if v == rule_text), "Custom")
    sb.selectbox("Start from", [*target.PRESETS, "Custom"], key=widget("w_preset", current), on_change=_preset,
                 help="Presets are ordinary rules: edit them below.")
    sb.text_area("Rule over small-area indicators", key=widget("w_rule", rule_text), on_change=_set,
                 args=("rule", "w_rule"), height=110, max_chars=PARAM_LIMIT, help=rules.RULE_HELP,
                 placeholder=rules.RULE_PLACEHOLDER)
    options = _area_options()
    options |= {} if within in options else _named(within)
    sb.selectbox("Within", list(options), format_func=lambda c: options[c],
                 key=widget("w_area", within if within in options else "england"), on_change=_pick_area)
    finder(sb, key="w_find_area", label="or find any area: name or code, any year", levels=WITHIN_LEVELS,
           pick=_pick_hit, button_prefix="within_", on_postcode=_pick_postcode, placeholder="or a postcode, e.g. L1 0AA")
    with sb.expander("Indicator ids you can use"):
        mine = _user_columns()
        if mine:
            st.markdown("**Your uploaded columns** (this session only)\n" + "\n".join(
                f"- `{rules.rule_id(i)}`: {as_text(ind.label)}"
                + ("" if "lsoa" in ind.levels else " (on " + ", ".join(ind.levels) + ": not usable, rules are over LSOAs)")
                for i, (ind, _) in mine.items()))
        held = {i: ind for i, ind in catalogue().items() if "lsoa" in ind.levels}
        st.markdown("\n".join(f"- `{i}`: {ind.label} ({ind.unit})" for i, ind in held.items()))
    presentation_button()
    attribution_caption()


def _area_options() -> dict[str, str]:
    """England, then every area of every year (ui.finder), current ones first."""
    return {"england": "All of England", **area_options(WITHIN_LEVELS)}


def _named(code: str) -> dict[str, str]:
    """The area of a code the picker does not list (an earlier code such as 00BN), labelled as the search labels it."""
    hits = [h for h in find_areas(code, levels=WITHIN_LEVELS) if h.area_code == code.strip().upper()]
    return {code: hits[0].label} if hits else {}


def _gap_km(raw: str | None, notes: list[str]) -> float:
    if raw is None:
        return DEFAULT_GAP_KM
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0.1 <= value <= 50:
        notes.append(f"gap_km={raw!r} is not a distance from 0.1 to 50 km; using {DEFAULT_GAP_KM:g} km.")
        return DEFAULT_GAP_KM
    return value


# ---------------------------------------------------------------- data

def _user_columns() -> dict[str, tuple[Any, pd.DataFrame]]:
    """This session's uploaded columns (read-only); never put in a shared cache."""
    return upload.session_values()


def _run(rule_text: str, within: str) -> target.TargetResult:
    """The rule's result: shared cache for the catalogue's indicators; this session only when it names an upload."""
    mine = _user_columns()
    names = {t.lower() for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rule_text)}
    used = {i: v for i, v in mine.items() if _safe_rule_id(i) in names}
    if used:
        return target.evaluate(rule_text, within=within, extra=used)
    return _evaluate(rule_text, within)


def _safe_rule_id(indicator_id: str) -> str:
    try:
        return rules.rule_id(indicator_id)
    except AtlasError:
        return ""


@shared.cached(max_entries=32)
def _evaluate(rule_text: str, within: str) -> target.TargetResult:
    return target.evaluate(rule_text, within=within)


@shared.cached(max_entries=32)
def _shapes(lsoa_vintage: str) -> gpd.GeoDataFrame:
    return boundaries_for("lsoa", lsoa_vintage)[["area_code", "geometry"]]


def _site_widgets(gap_km: float) -> None:
    """The sites upload and the coverage-gap distance, beside the ranked list so a laptop screen shows them."""
    up, gap = st.columns([3, 2])
    up.file_uploader("Service sites (CSV: name, latitude, longitude; easting, northing; or postcode)", type=["csv"],
                     key="w_sites", help=f"At most {site_io.MAX_BYTES // (1024 * 1024)} MB. A column of postcodes "
                     "(with or without a name column) places each site at its OS Code-Point Open coordinates. "
                     "Bad rows are listed and left out. The sites are used for the area you upload them for.")
    st.session_state["w_gap"] = gap_km
    gap.number_input("Coverage gap beyond (km)", min_value=0.1, max_value=50.0, step=0.1, key="w_gap",
                     on_change=_set, args=("gap_km", "w_gap"))


def _uploaded_for(file_id: str, area: Area) -> Area:
    """The area a sites file was uploaded for: the one on screen when this session first read it."""
    homes: dict[str, Area] = st.session_state.setdefault("target_sites_for", {})
    return homes.setdefault(file_id, area)


def _sites(result: target.TargetResult) -> site_io.Sites | None:
    """The uploaded sites, when they are used for this area (uploaded for it, or kept for every area)."""
    upload = st.session_state.get("w_sites")
    if upload is None:
        return None
    try:
        found = site_io.read_sites(upload.getvalue())
    except AtlasError as exc:
        notice(f"Sites file: {exc}", kind="error")
        return None
    if found.by_postcode:  # a few lines, one per reason: shown, so no row goes unnoticed
        st.caption("\n".join(f"- {as_text(line)}" for line in (*found.report, *found.problems)))
    elif found.problems:
        with st.expander(f"{found.left_out} row(s) of the sites file were left out"):
            st.markdown("\n".join(f"- {as_text(p)}" for p in found.problems))
    home = _uploaded_for(str(upload.file_id), result.area)
    everywhere = st.checkbox("Use these sites for every area", key="w_sites_everywhere",
                             help=f"Unticked, the sites are used only for {home.area_name}, the area they were "
                                  "uploaded for; the file stays uploaded either way.")
    applied = everywhere or home.area_code == result.area.area_code
    if result.area.level == "england":
        near = len(found.points)  # every site read lies in England (the coordinates are checked)
    else:
        shapes = _shapes(result.lsoa_vintage)
        inside = shapes[shapes["area_code"].isin(set(result.table["area_code"]))]
        near = site_io.sites_near(found.points, inside, within_m=site_io.NEAR_KM * 1000)
    where = site_io.placement(sites=len(found.points), near=near, area_name=result.area.area_name,
                              uploaded_for=home.area_name, applied=applied)
    if where:
        notice(where + ("" if applied else " Tick “Use these sites for every area” to measure from them here."),
               kind="warning")
    if not applied:
        return None
    st.caption(f"{len(found.points)} sites read ({found.coordinates}). Distances start from each small area's "
               f"{site_io.POSTCODE_CENTRE} (where people live), not the middle of its polygon: see under the list.")
    return found


# ---------------------------------------------------------------- results
def _totals(result: target.TargetResult) -> None:
    t = result.totals
    # Markdown, not HTML: the (normalised) rule holds only ids, numbers, comparisons and and/or.
    st.markdown(f"**{result.area.label}** · `{result.rule}` · {result.lsoa_vintage} LSOAs")
    cols = st.columns(5)
    cols[0].metric("Small areas (LSOAs)", f"{t.lsoas:,}", help=f"of {t.area_lsoas:,} in the area")

    def people(value: float | None) -> str:
        return "not held" if value is None else f"{value:,.0f}"

    counted = None
    if t.counted_lsoas is not None and t.counted_lsoas < t.lsoas:
        counted = (f"In {t.counted_lsoas:,} of the {t.lsoas:,} matching LSOAs: "
                   f"{t.lsoas - t.counted_lsoas:,} split or redrawn in 2021 are not counted (people are never divided).")
    cols[1].metric("People", people(t.pop_total), help=counted)
    cols[2].metric("Children 0-4", people(t.pop_0_4), help=counted)
    cols[3].metric("Children 0-15", people(t.pop_0_15), help=counted)
    cols[4].metric("People 65+", people(t.pop_65_plus), help=counted)
    st.markdown(" ".join(t.sentences()))


def _alternative(result: target.TargetResult) -> None:
    """When the rule selects every small area: say so, and offer the within-area ranking one click away."""
    alt = result.alternative
    if alt is None:
        return
    words, button = st.columns([5, 2], vertical_alignment="center")
    with words:
        notice(f"{alt.reason} {alt.offer}", kind="warning")
    button.button(f"Use the worst fifth ({alt.lsoas:,} of {alt.area_lsoas:,})", key="w_within_area",
                  on_click=_use_rule, args=(alt.rule,), type="primary", use_container_width=True,
                  help=f"Sets the rule to {alt.rule}; the address keeps it.")


def _map(result: target.TargetResult, sites: site_io.Sites | None, gaps: pd.DataFrame | None, gap_km: float) -> None:
    if result.area.level == "england":
        _england_map(result, sites, gaps, gap_km)
        return
    shapes = _shapes(result.lsoa_vintage)
    gdf = gpd.GeoDataFrame(shapes.merge(result.table, on="area_code", how="inner"), geometry="geometry", crs=4326)
    first = _indicator(result, result.rule.indicator_ids[0])
    gdf["value"] = gdf[result.rule.indicator_ids[0]]
    gdf["status"] = "ok"
    gdf["match_text"] = gdf["area_code"].map(_verdict_words(result))
    extra = {i: i for i in result.rule.indicator_ids[1:]}
    layers: list[Any] = []
    for matched, opacity, name in ((False, 0.25, "Other small areas"), (True, 0.85, "Matching small areas")):
        part = gdf[gdf["matched"] == matched]
        if part.empty:
            continue
        layers.append(choropleth_layer(
            part, name=name, period=first.periods[-1] if first.periods else "", scheme=_SCHEME,
            england_value=None, categories=pd.Series("match" if matched else "other", index=part.index),
            indicator=first, fill_opacity=opacity, tooltip_fields={"match_text": RULE_ROW, **extra},
        ))
    layers.append(outline_layer(shapely.union_all(gdf.geometry.to_numpy()), name=result.area.area_name))
    if gaps is not None and not gaps.empty:
        layers.append(gap_layer(_gap_shapes(gdf, gaps), gap_km=gap_km))
    if sites is not None:
        layers.append(site_layer(sites.points))
    minx, miny, maxx, maxy = gdf.total_bounds
    span = max(maxx - minx, (maxy - miny) * 1.6, 1e-3)
    zoom = int(max(6, min(14, math.floor(math.log2(360 * 420 / (256 * span))))))
    m = assets.localise(base_map())
    st_folium(m, key="target_map", height=MAP_HEIGHT, use_container_width=True, feature_group_to_add=layers,
              center=((miny + maxy) / 2, (minx + maxx) / 2), zoom=zoom, returned_objects=[])
    st.markdown(map_key(sites=sites is not None, gaps=None if gaps is None else len(gaps), gap_km=gap_km, faded=True),
                unsafe_allow_html=True)  # fixed text and numbers only


def _gap_shapes(shapes: gpd.GeoDataFrame, gaps: pd.DataFrame) -> gpd.GeoDataFrame:
    """The gaps' polygons with their names, nearest site and distance."""
    drawn = shapes[["area_code", "area_name", "geometry"]].merge(gaps, on="area_code", how="inner")
    return gpd.GeoDataFrame(drawn, geometry="geometry", crs=shapes.crs)


def _england_map(result: target.TargetResult, sites: site_io.Sites | None, gaps: pd.DataFrame | None,
                 gap_km: float) -> None:
    """Every LSOA in England, matches in dark purple (the national small-area layer: geometry stays in the browser)."""
    first = _indicator(result, result.rule.indicator_ids[0])
    table = _national_table(result, first)
    values = value_table(
        table, order=_order(result.lsoa_vintage), vintage=result.lsoa_vintage, indicator=first,
        period=first.periods[-1] if first.periods else "", scheme=_SCHEME, categories=table["category"],
    )
    # The tooltip's last row says, in words, whether the LSOA matches (written with textContent, never markup).
    values = {**values, "show_class": True, "class_title": RULE_ROW,
              "style_labels": [target.VERDICT_WORDS.get(k, k) for k in values["style_labels"]]}
    layers: list[Any] = [national_group(values)]
    drawn = gaps is not None and 0 < len(gaps) <= GAP_DRAW_LIMIT
    if gaps is not None and drawn:
        shapes = gpd.GeoDataFrame(_shapes(result.lsoa_vintage).merge(result.table[["area_code", "area_name"]],
                                                                     on="area_code"), geometry="geometry")
        layers.append(gap_layer(_gap_shapes(shapes, gaps), gap_km=gap_km, striped=False))  # a canvas map
    if sites is not None:
        layers.append(site_layer(sites.points))
    m = assets.localise(base_map(location=ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM, prefer_canvas=True))
    st_folium(m, key="target_england_map", height=ENGLAND_MAP_HEIGHT, use_container_width=True, feature_group_to_add=layers,
              center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM, returned_objects=[])
    st.markdown(map_key(sites=sites is not None, gaps=None if gaps is None else len(gaps), gap_km=gap_km,
                        faded=False, striped=False), unsafe_allow_html=True)  # fixed text and numbers only
    if gaps is not None and len(gaps) > GAP_DRAW_LIMIT:
        st.caption(f"The {len(gaps):,} coverage gaps are more than the map draws ({GAP_DRAW_LIMIT:,}); "
                   "the table lists them all. Choose an area to see them drawn.")
    t = result.totals
    st.caption(f"{t.lsoas:,} of England's {t.area_lsoas:,} small areas ({result.lsoa_vintage} LSOAs) match the rule "
               "and are drawn in dark purple; the other "
               f"{t.area_lsoas - t.lsoas:,} in light grey. Hover over a small area for its name, code, "
               f"{first.label} and whether it matches the rule.")


def _indicator(result: target.TargetResult, indicator_id: str) -> Any:
    held = catalogue()
    if indicator_id in held:
        return held[indicator_id]
    return next(replace(ind, indicator_id=indicator_id) for i, (ind, _) in _user_columns().items()
                if _safe_rule_id(i) == indicator_id)


def _verdict_words(result: target.TargetResult) -> dict[str, str]:
    """Each LSOA's code -> whether it matches the rule, in words."""
    return dict(zip(result.table["area_code"], result.verdicts.map(target.VERDICT_WORDS), strict=True))


def _national_table(result: target.TargetResult, first: Any) -> pd.DataFrame:
    table = result.table
    return pd.DataFrame({
        "area_code": table["area_code"].to_numpy(),
        "value": table[result.rule.indicator_ids[0]].to_numpy(dtype="float64"),
        "status": "ok",  # a missing value reads "no data" in the tooltip; the colour is the match
        "category": result.verdicts.to_numpy(),
    })


@shared.cached(max_entries=32)
def _order(lsoa_vintage: str) -> list[str]:
    """Every LSOA code in the national topology's order (the boundary file's)."""
    return [str(c) for c in boundaries_for("lsoa", lsoa_vintage)["area_code"]]


def _not_compared(result: target.TargetResult) -> None:
    lost = result.not_compared
    if lost.empty:
        return
    with st.expander(f"{len(lost):,} small areas could not be compared through the LSOA 2011-2021 lookup"):
        st.caption("These 2011 LSOAs were split or redrawn in 2021, so a 2021 value would have to be divided or "
                   "guessed; they have no value for the rule's 2021 indicators and meet none of its conditions on them.")
        shown = lost.assign(lsoa_change=lost["lsoa_change"].map(lsoa_sets.CHANGE_WORDS))
        st.dataframe(shown.rename(columns={"lsoa_change": "change 2011 to 2021"}), hide_index=True,
                     height=min(36 * (len(shown) + 1), 220), use_container_width=True)


def _table(result: target.TargetResult, distances: pd.DataFrame | None, gap_km: float,
           sites: site_io.Sites | None) -> None:
    matches = result.matches
    st.subheader(f"Ranked list ({len(matches):,})")
    if matches.empty:
        st.info(f"No small area of this area meets the rule. {rules.NO_MATCH_HINT}")
        return
    header: list[str] = []
    if distances is not None and sites is not None:
        header = site_io.download_header(distances, site_io.residential_centres(result.lsoa_vintage), sites)
    _downloads(result, distances, header)  # here, not under the map: a laptop screen shows them beside the list
    # The values first and the code last: the panel is narrow, and a clipped number column looks empty.
    notes = ["pop_note"] if "pop_note" in matches and matches["pop_note"].notna().any() else []
    shown = matches[["rank", "area_name", *result.rule.indicator_ids, *lsoa_sets.POPULATION_COLUMNS, *notes, "area_code"]]
    if distances is not None:
        shown = shown.merge(distances, on="area_code", how="left")
    st.dataframe(shown, hide_index=True, height=300, use_container_width=True, column_config=_columns(result))
    if distances is not None:
        # The method and the postcode sources (the centres, and sites placed by postcode, derive from them).
        st.caption(" ".join(header[1:]))
        gaps = site_io.coverage_gaps(distances, beyond_m=gap_km * 1000)
        st.markdown(f"**Coverage gaps:** {len(gaps)} of the {len(matches)} target small areas are more than "
                    f"{gap_km:g} km from the nearest site" + (" (dashed orange on the map)." if len(gaps) else "."))
        if not gaps.empty:
            st.dataframe(gaps.merge(matches[["area_code", "area_name"]], on="area_code")[
                ["area_name", "nearest_site", "distance_m", "measured_from", "area_code"]], hide_index=True, height=180,
                use_container_width=True, column_config=_columns(result))


def _columns(result: target.TargetResult) -> dict[str, Any]:
    """Short headers for the narrow tables; each header's help gives the full name."""
    number = st.column_config.NumberColumn
    config: dict[str, Any] = {
        "rank": number("Rank", width="small", help="1 = first in the ranked list (worst on the rule's indicators)"),
        "area_name": st.column_config.TextColumn("Small area", width="medium"),
        "area_code": st.column_config.TextColumn("LSOA code", width="small"),
        "pop_total": number("People", width="small", format="%d"),
        "pop_0_4": number("Age 0-4", width="small", format="%d"),
        "pop_0_15": number("Age 0-15", width="small", format="%d"),
        "pop_65_plus": number("Age 65+", width="small", format="%d"),
        "pop_note": st.column_config.TextColumn(
            "People counted", width="medium",
            help="2021 LSOAs: unchanged ones have their 2011 LSOA's people (blank here), merged ones the sum of "
                 "their whole 2011 LSOAs; split or redrawn ones are not counted"),
        "nearest_site": st.column_config.TextColumn("Nearest site", width="small"),
        "distance_m": number("Metres to it", width="small", format="%d",
                             help=f"Straight line in British National Grid from the small area's "
                                  f"{site_io.CENTRE_METHOD}"),
        "measured_from": st.column_config.TextColumn(
            "Measured from", width="small",
            help=f"Where the distance starts: the {site_io.POSTCODE_CENTRE} (mean position of the small area's live "
                 f"residential postcodes) or, where it has none, its {site_io.CENTROID}"),
    }
    for i in result.rule.indicator_ids:
        ind = _indicator(result, i)
        config[i] = number(i, width="small", help=f"{ind.label} ({ind.unit})" if ind.unit else ind.label)
    return config


def _downloads(result: target.TargetResult, distances: pd.DataFrame | None, header: list[str]) -> None:
    if result.matches.empty:
        return
    stem = f"target_{result.area.area_code}"
    c1, c2 = st.columns(2)
    what = "The target small areas with every column, the rule and the data editions"
    # The CSV is written with the page (the matches: a few hundred rows, milliseconds), not when pressed: a
    # click that lands while the map's late value reruns the page would ask for a callable the rerun has
    # dropped, and spin (seen in CI under load, every retry). The GeoJSON, with boundaries, stays on demand.
    c1.download_button("Download CSV", target.to_csv(result, extra=distances, header=header),
                       file_name=f"{stem}.csv", mime="text/csv", help=f"{what}.", width="stretch")
    c2.download_button("Download GeoJSON", lambda: target.to_geojson(result, extra=distances, header=header),
                       file_name=f"{stem}.geojson", mime="application/geo+json", help=f"{what}, with boundaries.",
                       width="stretch")
