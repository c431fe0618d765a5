"""The map page's area panel and the drilled area's small-area layer.

What the panel shows for the selected area (figures against England, years behind, trend,
small areas by decile, the plain-English summary) and the small-area bundle the map draws
inside it. A drilled district may be shown as best-fit wards instead of small areas
(``wards=1`` in the URL, :func:`ward_param`; :func:`with_wards` swaps the layer), each
labelled approximate, with the postcode attribution. Widgets and layout only; the figures
come from ``geo`` and ``layers``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from geo import boundaries, indicators, wards
from geo import profile as area_profile
from geo.catalogue import Indicator
from geo.classify import classify, method_drawn
from geo.errors import AtlasError
from geo.postcodes import ATTRIBUTION as POSTCODE_ATTRIBUTION
from geo.schema import AREA_LABELS
from geo.view import View
from layers.choropleth import choropleth_layer
from layers.legend import build_legend
from layers.style import scheme_for
from layers.thumbnail import decile_svg
from layers.wards import WardLayer, capture_text, ward_layer, ward_values_text
from ui import cache as view_cache
from ui import upload
from ui.cache import PRECISION, REGION_VINTAGE
from ui.cache import boundaries_for as _boundaries
from ui.upload import catalogue as _catalogue
from ui.upload import combos as _combos
from ui.upload import values as _values
from ui.widgets import as_text, focus_heading, notice, widget, write_params

__all__ = [
    "PANEL_HEADING", "SHOW_OPTIONS", "WARDS_PARAM", "SmallAreas", "Wards", "area_panel", "attribution", "latest",
    "outline", "small_areas", "ward_param", "with_wards",
]

#: The anchor of the panel's heading; focus moves there after a drill.
PANEL_HEADING = "area-panel"
AREA_WORD = AREA_LABELS
#: The URL parameter that shows a drilled district's best-fit wards (``wards=1``).
WARDS_PARAM: Final = "wards"
#: The choice of what is drawn inside a drilled district.
SHOW_OPTIONS: Final = ("small areas", "wards (approximate)")


# ---------------------------------------------------------------- small areas
@dataclass(frozen=True)
class SmallAreas:
    """The drilled area's small-area layer, its legend and the joined table behind it."""

    layer: Any
    legend: Any
    joined: gpd.GeoDataFrame
    indicator: Indicator
    period: str
    vintage: str
    #: The catalogue's small-area indicators (never an upload: the bundle may be shared).
    options: tuple[str, ...]
    #: The best-fit wards drawn instead of the small areas (:func:`with_wards`), or ``None``.
    wards: Wards | None = None
    #: Why the wards asked for could not be drawn ("" when they were, or were not asked for).
    ward_problem: str = ""


@dataclass(frozen=True)
class Wards:
    """A drilled district's best-fit wards: :func:`geo.wards.ward_view`'s frame, drawn."""

    frame: gpd.GeoDataFrame
    drawn: WardLayer
    area_name: str


def small_areas(view: view_cache.Drill) -> SmallAreas | None:
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
    period, sex = latest(chosen, lsoa_vintage)
    values = _values(chosen, "lsoa", lsoa_vintage, period, sex)
    joined, _ = indicators.join(lsoas, values[values["area_code"].isin(set(lsoas["area_code"]))])
    deciles = _values(default, "lsoa", lsoa_vintage, *latest(default, lsoa_vintage))
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
    return SmallAreas(layer=layer, legend=legend, joined=joined, indicator=ind, period=period,
                       vintage=lsoa_vintage, options=tuple(options))


def latest(indicator_id: str, lsoa_vintage: str) -> tuple[str, str]:
    combos = _combos(indicator_id, "lsoa")
    combos = combos[combos["vintage"] == lsoa_vintage]
    period = sorted(combos["period"].unique())[-1]
    sexes = set(combos.loc[combos["period"] == period, "sex"])
    return period, "persons" if "persons" in sexes else sorted(sexes)[0]


def _set_lsoa_indicator() -> None:
    write_params({"lsoa": st.session_state["w_lsoa_indicator"]})


# ---------------------------------------------------------------- best-fit wards
def ward_param(params: Mapping[str, str], view: View) -> tuple[dict[str, str], list[str]]:
    """The ward view's part of the URL for ``view`` (``{"wards": "1"}`` or ``{}``), and a note if the link's is not used.

    ``wards=1`` is kept only on a drilled district whose small areas have best-fit wards;
    without a drilled area it is dropped quietly (the user went back to the whole map).
    """
    asked = str(params.get(WARDS_PARAM, "")).strip()
    if asked in ("", "0"):
        return {}, []
    if asked != "1":
        return {}, [f"The link's wards value {asked[:40]!r} is not one the atlas writes (wards=1 draws a district's "
                    "best-fit wards); showing small areas."]
    if not view.area_code:
        return {}, []
    if view.level != "lad":
        return {}, ["Best-fit wards are drawn inside a local authority district only (Geography: local authority "
                    "districts); showing small areas."]
    lsoa_vintage = boundaries.lsoa_vintage_for(view.level, view.vintage)
    if not wards.available(lsoa_vintage):
        return {}, [f"No best-fit wards are held for {lsoa_vintage} small areas (the postcode tables are built by "
                    "`python -m geo build --only postcodes`); showing small areas."]
    return {WARDS_PARAM: "1"}, []


def _wards_on() -> bool:
    """Whether the URL (already checked by :func:`ward_param`) asks for the drilled district's wards."""
    return st.query_params.get(WARDS_PARAM) == "1" and bool(st.query_params.get("area"))


def with_wards(small: SmallAreas | None, view: View) -> SmallAreas | None:
    """``small`` with its layer and legend swapped for the district's best-fit wards when the URL asks for them.

    The wards carry the small-area indicator's values (:func:`geo.wards.ward_view`); the
    small areas stay in ``joined`` (the outline and the Small areas (CSV) use them).
    """
    if small is None or not _wards_on():
        return small
    area = _boundaries(view.level, view.vintage)
    name = str(area.loc[area["area_code"] == view.area_code, "area_name"].iloc[0])
    ok = small.joined["status"].astype(str) == "ok"
    values = pd.to_numeric(small.joined["value"], errors="coerce").where(ok)
    values.index = small.joined["area_code"].astype(str)
    try:
        frame = wards.ward_view(view.area_code or "", values, level=view.level, vintage=view.vintage,
                                value_type=small.indicator.value_type)
        drawn = ward_layer(frame, indicator=small.indicator, period=small.period, sex="persons", area_name=name,
                           precision=PRECISION)
    except AtlasError as exc:
        return dataclasses.replace(small, ward_problem=f"The wards cannot be drawn: {exc}")
    return dataclasses.replace(small, layer=drawn.layer, legend=drawn.legend,
                               wards=Wards(frame=frame, drawn=drawn, area_name=name))


def _set_wards() -> None:
    write_params({WARDS_PARAM: "1" if st.session_state["w_wards"] == SHOW_OPTIONS[1] else None})


def _clicked_ward(codes: set[str]) -> str | None:
    """The ward last clicked on the map, the first time its click is seen (``None`` otherwise)."""
    state = st.session_state.get("atlas_map") or {}
    code = ((state.get("last_active_drawing") or {}).get("properties") or {}).get("area_code")
    click = state.get("last_object_clicked") or {}
    seen = (code, click.get("lat"), click.get("lng"))
    if code not in codes or st.session_state.get("_ward_click_seen") == seen:
        return None
    st.session_state["_ward_click_seen"] = seen
    return str(code)


def _ward_rows(shown: Wards, label: str, *, markdown: bool) -> pd.DataFrame:
    """The panel's ward table; ``markdown``: for ``st.table``, which reads Markdown in its cells (texts escaped)."""
    frame = shown.frame
    text = as_text if markdown else str
    return pd.DataFrame({
        "Ward": [text(name) for name in frame["area_name"]],
        text(label): [text(v) for v in ward_values_text(frame, shown.drawn.indicator, unit=False)],
        "Small areas": frame["lsoas"].astype(int).to_numpy(),
        "Share of its postcodes captured": frame["capture_share"].map(capture_text).to_numpy(),
    }, index=frame["area_code"].astype(str).to_numpy())


def _ward_section(view: View, small: SmallAreas, shown: Wards) -> None:
    """The chosen ward's row (a click on the map or the picker), or every ward's; what is not drawn; the CSV."""
    frame = shown.frame
    names = dict(zip(frame["area_code"].astype(str), frame["area_name"].astype(str), strict=True))
    if (clicked := _clicked_ward(set(names))) is not None:
        st.session_state["w_ward"] = clicked
    if st.session_state.get("w_ward") not in names:
        st.session_state["w_ward"] = ""
    st.markdown(f"**Best-fit wards in {as_text(shown.area_name)}** ({wards.LABEL})")
    chosen = st.selectbox("Ward", ["", *names], format_func=lambda c: names[c] if c else f"All {len(names)} wards",
                          key="w_ward", help="Click a ward on the map, or choose it here.")
    label = small.indicator.label  # its unit is said under the table (a long header squeezes the columns)
    if chosen:
        st.table(_ward_rows(shown, label, markdown=True).loc[[chosen]].reset_index(drop=True))
        row = frame[frame["area_code"] == chosen].iloc[0]
        st.caption(as_text(f"{row['area_name']} ({chosen}): its value is the {wards.BASIS[str(row['basis'])]}; "
                           f"small areas: {row['lsoa_codes']}.", limit=2_000))
    else:
        st.dataframe(_ward_rows(shown, label, markdown=False).reset_index(drop=True), hide_index=True,
                     height=min(36 + 35 * len(frame), 250))
    not_drawn = list(frame.attrs.get("wards_not_drawn_names", []))
    if not_drawn:
        st.caption(as_text(f"Not drawn: {len(not_drawn)} of its wards, in which no small area has most of its "
                           f"postcodes: {', '.join(not_drawn)}.", limit=2_000))
    st.caption(as_text(f"{label}: {shown.drawn.indicator.unit}. Share of its postcodes captured: of the ward's live "
                       "postcodes, the share lying in the small areas drawn as the ward. " + POSTCODE_ATTRIBUTION,
                       limit=2_000))
    st.download_button(
        "Wards (CSV)",
        wards.ward_csv(frame, title=f"{small.indicator.title}, {small.period}: best-fit wards in {shown.area_name} "
                                    f"({view.vintage} district, {small.vintage} small areas)"),
        file_name=f"{small.indicator.indicator_id}_wards_in_{view.area_code}.csv", mime="text/csv",
        help="Each best-fit ward: value, small areas, the share of its postcodes captured, and the attribution.",
    )


# ---------------------------------------------------------------- panel
def area_panel(view: View, gdf: gpd.GeoDataFrame, small: SmallAreas | None, *, moved: bool = False) -> None:
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
        if view.level == "lad" and wards.available(small.vintage):
            st.radio("Show", SHOW_OPTIONS, horizontal=True, on_change=_set_wards,
                     key=widget("w_wards", SHOW_OPTIONS[1] if small.wards is not None else SHOW_OPTIONS[0]),
                     help="Wards are built from whole small areas, each in the ward holding most of its postcodes: "
                          "an approximation.")
        if small.ward_problem:
            notice(small.ward_problem, kind="warning")
        if small.wards is not None:
            _ward_section(view, small, small.wards)
    pop = area_profile.population(code, level=level, vintage=vintage)
    if pop:
        st.metric("Population", f"{pop[0]:,.0f}", help=pop[1])
    # The map's indicator is pinned to the map's period; an upload is this session's own (never a shared key).
    own = view.indicator_id.startswith(upload.PREFIX)
    items = view_cache.headlines(code, level=level, pinned=None if own else (view.indicator_id, view.sex, view.period))
    if items:
        st.markdown(f"**Against England** ({view.period} for the map's indicator, the latest period held for the "
                    "others; 95% confidence intervals; rank 1 = best)")
        st.markdown("\n".join(area_profile.panel_lines(items)))  # worded by geo.comparison, as the pack is
    _fingertips_views(view, code, level, vintage, str(row["area_name"]))
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
                items=items, population=pop, deciles=deciles, attribution=attribution(),
                map_svg=_summary_map(str(row["area_name"]), gdf[gdf["area_code"] == code], small, edition),
            ),
            file_name=f"summary_{code}.html", mime="text/html",
            help="A page for a meeting: the area's figures in plain English and a map; prints on one page.",
        )


def _fingertips_views(view: View, code: str, level: str, vintage: str, name: str) -> None:
    """The area's spine chart and the map's funnel plot, each in an expander (issue 21: :mod:`ui.benchmarks`)."""
    from ui import benchmarks

    benchmarks.show(view, code, level=level, vintage=vintage, area_name=name)


def _summary_map(name: str, area: gpd.GeoDataFrame, small: SmallAreas | None, edition: str) -> str:
    """The printed summary's map: the area's small areas by national deprivation decile."""
    if small is None or small.joined.empty:
        return ""
    return decile_svg(small.joined, decile_column="national_decile", outline=outline(area, small.joined),
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


def attribution() -> str:
    """The data's attribution; with the OS, Royal Mail and ONS postcode lines when best-fit wards are drawn."""
    base = str(view_cache.catalogue_json()["attribution"])
    return f"{base} {POSTCODE_ATTRIBUTION}" if _wards_on() else base



def outline(area: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame | None) -> Any:
    """The area's outline drawn from its LSOAs, so it follows their finer edges at drill-down zoom."""
    if lsoas is None or lsoas.empty:
        return area.geometry.iloc[0]
    try:
        return shapely.coverage_union_all(lsoas.geometry.to_numpy())
    except shapely.errors.GEOSException:
        return shapely.union_all(lsoas.geometry.to_numpy(), grid_size=1e-5)
