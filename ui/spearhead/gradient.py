"""The gradient view (``tab=gradient``): an outcome against deprivation across local authorities.

The fitted line, the slope and relative indices of inequality (OHID's phe_sii, and the older RII
over the mean, named so), and a map of each
area's residual (better or worse than its deprivation predicts).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import codes, indicators
from geo import gradient as gradient_mod
from geo import spearhead as sh
from geo.periods import period_year
from geo.tables import csv_text
from layers import spearhead as sh_layers
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM
from layers.legend import to_html
from ui.cache import boundaries_for, catalogue
from ui.spearhead import analyses
from ui.spearhead.maps import england_map
from ui.spearhead.state import SEXES, SpearheadView, write_param
from ui.widgets import show_notes, widget

__all__ = ["show"]

def _outcomes() -> dict[str, str]:
    return {
        i.indicator_id: i.label for i in catalogue().values()
        if "lad" in i.levels and i.polarity != "none" and i.group in ("Life expectancy", "Mortality")
    }


def show(view: SpearheadView, result: sh.SpearheadRun) -> None:
    """The outcome against IMD score: the fit, SII and RII, the scatter and the residuals' map."""
    outcomes = _outcomes()
    outcome = view.outcome if view.outcome in outcomes else "le_birth"
    combos = indicators.periods(outcome, level="lad")
    sexes = [s for s in SEXES if s in set(combos["sex"])]
    sex = view.osex if view.osex in sexes else sexes[0]
    periods = sorted(set(combos.loc[combos["sex"] == sex, "period"]), key=period_year)
    period = view.operiod if view.operiod in periods else periods[-1]
    a, b, c = st.columns([3, 2, 1])
    a.selectbox("Outcome", list(outcomes), format_func=outcomes.__getitem__, key=widget("w_sh_outcome", outcome),
                on_change=write_param, args=("outcome", "w_sh_outcome"))
    b.selectbox("Period", periods, key=widget("w_sh_operiod", period), on_change=write_param, args=("operiod", "w_sh_operiod"))
    c.selectbox("Sex", sexes, format_func=SEXES.__getitem__, key=widget("w_sh_osex", sex), on_change=write_param,
                args=("osex", "w_sh_osex"))
    rows = combos[(combos["period"] == period) & (combos["sex"] == sex)].sort_values("areas")
    vintage = str(rows["vintage"].iloc[-1])
    with st.spinner("Fitting the gradient…"):
        g = analyses.gradient(outcome, period, sex, vintage)
    f = g.fit
    st.markdown(f"**{g.label}**, {SEXES[sex].lower()}, {period}, against **IMD {g.imd_edition}** average score; "
                f"local authorities on {vintage} codes; {g.weighting}.")
    _indices(g)
    left, right = st.columns([1, 1], gap="medium")
    table = g.table.copy()
    table["area_name"] = [result.names.get(code, "") for code in table.index] if vintage == result.vintage else [
        codes.area_names("lad", vintage).get(code, "") for code in table.index]
    with left:
        _scatter(table, f, g)
    with right:
        gdf = boundaries_for("lad", vintage)
        layer = sh_layers.residual_layer(gdf, g.table, polarity=catalogue()[outcome].polarity, name="Residuals", unit=g.unit)
        legend = sh_layers.residual_legend(g.table, polarity=catalogue()[outcome].polarity,
                                           title="Against what deprivation predicts", residual_sd=f.residual_sd)
        st_folium(england_map(), key="sh_residual_map", height=420, use_container_width=True,
                  feature_group_to_add=[layer], center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM, returned_objects=[])
        st.markdown(to_html(legend), unsafe_allow_html=True)  # escaped in layers.legend
    st.caption(gradient_mod.METHOD_NOTE)
    show_notes(list(g.notes))
    st.download_button("Download the gradient table (CSV)",
                       csv_text(table.rename_axis("area_code").reset_index(), header=g.header()),
                       file_name=f"gradient_{outcome}_{sex}_{period}.csv", mime="text/csv")


def _indices(g: gradient_mod.Gradient) -> None:
    """The slope, OHID's SII and RII (phe_sii) with their simulated intervals, and the older RII, clearly named."""
    f, q, o = g.fit, g.inequality, g.ohid
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Slope per IMD point", f"{f.slope:.3f}", help=f"95% CI {f.slope_lower:.3f} to {f.slope_upper:.3f}")
    m1.caption(f"95% CI {f.slope_lower:.3f} to {f.slope_upper:.3f}; {f.n} areas")
    m2.metric("SII (OHID's phe_sii)", f"{o.sii:.2f}", help="Slope index of inequality: the line's value at the least "
              "deprived end minus the most deprived end")
    m2.caption(f"{o.limits('sii') if o.intervals else 'no interval (below)'}; {g.unit}, least minus most deprived end")
    m3.metric("RII (OHID's phe_sii)", f"{o.rii:.3f}", help="Relative index of inequality: the line's value at the "
              "least deprived end over the most deprived end")
    m3.caption(f"{o.limits('rii', digits=3) if o.intervals else 'no interval (below)'}; least over most deprived end")
    m4.metric(gradient_mod.MEAN_RII_NAME, f"{q.rii:.1%}", help="The atlas's older definition: the SII over the "
              "population-weighted mean. Not OHID's RII.")
    m4.caption(f"95% CI {q.rii_lower:.1%} to {q.rii_upper:.1%} (the line's t distribution); the atlas's older "
               "definition, not OHID's")
    if not o.intervals:
        st.caption(o.no_interval.capitalize() + ".")


def _scatter(table: pd.DataFrame, fit: gradient_mod.Fit, g: gradient_mod.Gradient) -> None:
    import altair as alt

    data = table.dropna(subset=["value", "imd"]).reset_index(names="area_code")
    line = pd.DataFrame({"imd": [data["imd"].min(), data["imd"].max()]})
    line["predicted"] = fit.predict(line["imd"])
    points = alt.Chart(data).mark_circle(opacity=0.7, aria=False).encode(
        x=alt.X("imd:Q", title=f"IMD {g.imd_edition} average score (higher = more deprived)"),
        y=alt.Y("value:Q", title=f"{g.label} ({g.unit})", scale=alt.Scale(zero=False)),
        color=alt.Color("verdict:N", title="Against the line", legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(gradient_mod.VERDICTS[:3]), range=["#0072B2", "#999999", "#D55E00"])),
        shape=alt.Shape("verdict:N", legend=None),
        tooltip=["area_name", "area_code", alt.Tooltip("value:Q", format=".1f"), alt.Tooltip("imd:Q", format=".1f"),
                 alt.Tooltip("predicted:Q", format=".1f"), "verdict"],
    )
    fitted = alt.Chart(line).mark_line(color="#1A1A1A", aria=False).encode(x="imd:Q", y="predicted:Q")
    st.altair_chart((points + fitted).properties(height=400), use_container_width=True)
