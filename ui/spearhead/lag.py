"""The years-behind view (``tab=lag``): how many years each area is behind England.

Each local authority's value placed on England's own series, a sentence for the
clicked area, and one for the group chosen on the gap view.
"""

from __future__ import annotations

import html

import streamlit as st
from streamlit_folium import st_folium

from geo import indicators
from geo import lag as lag_mod
from geo import spearhead as sh
from geo.errors import AtlasError
from geo.periods import period_year
from geo.tables import csv_text
from layers import spearhead as sh_layers
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM, outline_layer
from layers.legend import to_html
from ui.cache import boundaries_for, catalogue
from ui.spearhead import analyses
from ui.spearhead.maps import MAP_HEIGHT, click, england_map
from ui.spearhead.state import LAG_INDICATORS, SEXES, SpearheadView, write_param
from ui.widgets import show_notes, widget

__all__ = ["show"]

def show(view: SpearheadView, result: sh.SpearheadRun) -> None:
    """Years behind England: the map, the clicked area and the group in a sentence, the table."""
    indicator_id = view.lind
    combos = indicators.periods(indicator_id, level="lad" if "lad" in catalogue()[indicator_id].levels else "utla")
    periods = sorted(set(combos.loc[combos["sex"] == view.lsex, "period"]), key=period_year)
    england = lag_mod.england_series(indicator_id, sex=view.lsex)
    periods = [p for p in periods if p in england.index]
    period = view.lperiod if view.lperiod in periods else periods[-1]
    a, b, c = st.columns([3, 1, 1])
    a.selectbox("Indicator", list(LAG_INDICATORS), format_func=LAG_INDICATORS.__getitem__,
                key=widget("w_sh_lind", indicator_id), on_change=write_param, args=("lind", "w_sh_lind"))
    b.selectbox("Sex", ["female", "male"], format_func=SEXES.__getitem__, key=widget("w_sh_lsex", view.lsex),
                on_change=write_param, args=("lsex", "w_sh_lsex"))
    c.selectbox("Period", periods, key=widget("w_sh_lperiod", period), on_change=write_param, args=("lperiod", "w_sh_lperiod"))
    with st.spinner("Measuring years behind England…"):
        run = analyses.lag(indicator_id, period, view.lsex)
    label = LAG_INDICATORS[indicator_id]
    beyond_years = period_year(period) - period_year(run.first_period)
    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        gdf = boundaries_for(run.level, run.vintage)
        layer = sh_layers.lag_layer(gdf, run.table, name="Years behind England")
        layers = [layer]
        chosen = gdf[gdf["area_code"] == view.area]
        if not chosen.empty:
            layers.append(outline_layer(chosen.geometry.iloc[0], name=str(chosen["area_name"].iloc[0])))
        out = st_folium(england_map(), key="sh_lag_map", height=MAP_HEIGHT, use_container_width=True,
                        feature_group_to_add=layers, center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM,
                        returned_objects=["last_active_drawing"])
        click(out)
    with panel_col:
        t = run.table
        n_beyond = int(t["beyond_series"].fillna(False).sum())
        st.markdown(f"**{label}, {SEXES[view.lsex].lower()}, {period}**: {int((t['years_behind'] == 0).sum())} of "
                    f"{int(t['value'].notna().sum())} areas at or better than England "
                    f"({float(run.england[period]):.1f} years); **{n_beyond} beyond the series** (more than "
                    f"{beyond_years:g} years behind, a floor). Each figure comes with its gap in years. "
                    f"{run.level.upper()} {run.vintage} codes.")
        if run.flat:
            st.markdown(f"**{run.flat}**")
        row = t[t["area_code"] == view.area]
        if row.empty:
            st.caption("Click an area to see its years behind England in a sentence.")
        else:
            r = row.iloc[0]
            lag = lag_mod.years_behind(r["value"], period, run.england, polarity=catalogue()[indicator_id].polarity)
            st.markdown(f"#### {html.escape(str(r['area_name']))}")
            st.markdown(lag_mod.sentence(str(r["area_name"]), view.lsex, lag, indicator_id=indicator_id)
                        or f"{r['area_name']} has no value for {period}.")
        st.markdown(to_html(sh_layers.lag_legend(t, title=f"Years behind England: {label.lower()}, "
                                                 f"{SEXES[view.lsex].lower()}, {period}",
                                                 first_period=run.first_period, period=period,
                                                 beyond_years=beyond_years, flat=run.flat)), unsafe_allow_html=True)
        _group_lag_line(view, result, indicator_id, period)
    st.markdown(f"**The definition.** {lag_mod.DEFINITION}")
    st.markdown(f"**When England's figure is flat.** {lag_mod.FLAT_RULE}")
    show_notes(list(run.notes))
    with st.expander("Every area: value and years behind"):
        st.dataframe(run.csv_table(), hide_index=True, use_container_width=True)
    st.download_button("Download years behind (CSV)",
                       csv_text(run.csv_table(), header=run.header()),
                       file_name=f"lag_{indicator_id}_{view.lsex}_{period}.csv", mime="text/csv")




def _group_lag_line(view: SpearheadView, result: sh.SpearheadRun, indicator_id: str, period: str) -> None:
    """The group chosen on the gap view, in one sentence."""
    members, label = analyses.group(view, result)
    if not members:
        return
    try:
        group_lag = analyses.group_lag.__wrapped__ if view.group == "uploaded" else analyses.group_lag
        lag, how = group_lag(members, indicator_id, period, view.lsex, result.vintage)
    except AtlasError as exc:
        st.caption(f"The group: {exc}")
        return
    if lag.years_behind != lag.years_behind:  # NaN: no member holds a value
        st.caption(f"The group ({label}) has no value for {period}.")
        return
    extra = " ".join(t for t in (lag.floor_text, lag.flat_text) if t)
    st.markdown(f"**The group** ({label}; {how}): {lag.value:.1f} years against England's {lag.england_value:.1f}, "
                f"**{lag.figure}**. {extra} Change the group on the gap view.")
