"""The gap view (``tab=gap``): a group of local authorities against England, by period.

The group (qualifying, most deprived fifth, picked by hand or an uploaded list) is
tracked on each indicator of a family, relative and absolute, from a baseline period.
"""

from __future__ import annotations

from collections.abc import Hashable

import pandas as pd
import streamlit as st

from geo import gap as gap_mod
from geo import series as series_mod
from geo import spearhead as sh
from geo.areas import read_area_list
from geo.errors import AtlasError
from geo.periods import period_year
from geo.tables import csv_text
from ui.spearhead import analyses
from ui.spearhead.state import FAMILIES, GROUPS, SpearheadView, write_param
from ui.widgets import notice, show_notes, widget

__all__ = ["show"]


def _group_picker(view: SpearheadView, result: sh.SpearheadRun) -> None:
    st.radio("Group", list(GROUPS), format_func=GROUPS.__getitem__, horizontal=True,
             key=widget("w_sh_group", view.group), on_change=write_param, args=("group", "w_sh_group"))
    if view.group == "picked":
        names = dict(sorted(result.names.items(), key=lambda kv: kv[1]))
        st.multiselect("Local authorities", list(names), format_func=names.__getitem__,
                       default=[c for c in view.picked if c in names], key="w_sh_picked",
                       on_change=write_param, args=("picked", "w_sh_picked"))
    if view.group == "uploaded":
        upload = st.file_uploader("List of local authority codes or names (CSV, first column)", type=["csv", "txt"],
                                  key="sh_gap_file")
        if upload is not None:
            try:
                entries = read_area_list(upload.getvalue(), source=f"The list {upload.name!r}")
                agreement, notes = sh.compare_official(entries, [], vintage=result.vintage)
            except AtlasError as exc:
                notice(exc, kind="error")  # the group stays as it was
            else:
                st.session_state["sh_gap_upload"] = tuple(agreement["area_code"])
                show_notes(list(notes))
        st.caption("An upload is not kept in the link.")


def show(view: SpearheadView, result: sh.SpearheadRun) -> None:
    """The group's gap with England on each indicator of the family, from the baseline period."""
    _group_picker(view, result)
    st.radio("Indicator", list(FAMILIES), format_func=FAMILIES.__getitem__, horizontal=True,
             key=widget("w_sh_family", view.family), on_change=write_param, args=("family", "w_sh_family"))
    members, label = analyses.group(view, result)
    if not members:
        st.info("The group is empty: pick or upload some local authorities.")
        return
    st.markdown(f"**{len(members)} local authorities** ({label}), on {result.vintage} codes, against England.")
    all_periods: set[str] = set()
    for key in series_mod.FAMILIES[view.family]:
        ind, _ = series_mod.resolve(series_mod.INDICATORS[key])
        periods = gap_mod.periods_for(ind)
        all_periods |= set(periods)
        baseline = view.baseline if view.baseline in periods else periods[0]
        # An uploaded list is this session's: its group is tracked afresh, never kept for others.
        track = analyses.gap.__wrapped__ if view.group == "uploaded" else analyses.gap
        with st.spinner("Tracking the gap…"):
            g = track(members, key, result.vintage, baseline, label)
        st.markdown(f"##### {ind.label}: gap with England, relative (%) and absolute ({ind.unit}), baseline {baseline}")
        if ind.target_text:
            st.caption(ind.target_text[0].upper() + ind.target_text[1:] + ".")
        _gap_charts(g, ind.label)
        shown = g.table.round(3)
        numbers: list[Hashable] = [c for c in shown.columns if pd.api.types.is_float_dtype(shown[c])]
        limits: list[Hashable] = [c for c in numbers if str(c).startswith("group_") and "_ci" in str(c)]
        # Empty cells in words, never Streamlit's "None": a limit's reason is in group_ci_method.
        others: list[Hashable] = [c for c in numbers if c not in limits]
        styled = (shown.style.format(_number, subset=others, na_rep="no value")
                  .format(_number, subset=limits, na_rep="no interval"))
        st.dataframe(styled, hide_index=True, width="stretch")
        st.caption(f"Group figure: {g.method}. {g.interval}. " + " ".join(g.notes))
        st.download_button(f"Download ({ind.label}, CSV)", csv_text(shown, header=g.header()),
                           file_name=f"gap_{key}.csv", mime="text/csv", key=f"dl_gap_{key}")
    options = sorted(all_periods, key=period_year)
    st.selectbox("Baseline period", options, key=widget("w_sh_baseline", view.baseline if view.baseline in options else options[0]),
                 on_change=write_param, args=("baseline", "w_sh_baseline"),
                 help="Where an indicator or sex has no value for this period, its first period held is the baseline.")


def _gap_charts(g: gap_mod.GapResult, label: str) -> None:
    """The indicator's own measure first, the other beside it: relative (%) and absolute (its unit)."""
    first = g.indicator.chart if g.indicator.chart in ("relative", "absolute") else "relative"
    order = (first, "absolute" if first == "relative" else "relative")
    for column, measure in zip(st.columns(2, gap="medium"), order, strict=True):
        with column:
            _gap_chart(g, label, measure=measure)


def _gap_chart(g: gap_mod.GapResult, label: str, *, measure: str) -> None:
    import altair as alt

    long, name, title = gap_mod.chart_series(g, measure=measure)
    names = [name, g.target_label]
    chart = alt.Chart(long).mark_line(point=alt.OverlayMarkDef(aria=False), aria=False).encode(
        x=alt.X("period:O", title="Period", sort=list(g.table["period"]), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
        # the gap solid vermillion, the target path dashed black: named, so colour is not the only cue
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top", labelLimit=400, direction="vertical"),
                        scale=alt.Scale(domain=names, range=["#D55E00", "#1A1A1A"])),
        strokeDash=alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=names, range=[[1, 0], [6, 4]])),
        tooltip=["period", "series", alt.Tooltip("value:Q", format=".2f"),
                 alt.Tooltip("group_value:Q", title=f"Group figure ({g.indicator.unit})", format=".2f"),
                 alt.Tooltip("group_interval:N", title="Group figure's interval")],
    ).properties(height=300, description=f"{label}: {name.lower()} with England by period, and the target path; "
                                         "the table below gives every value.")
    # the table below carries the figures; ARIA off stops unlabelled SVG groups (axe svg-img-alt)
    st.altair_chart(chart.configure(aria=False), use_container_width=True)


def _number(value: object) -> str:
    """A table's number as the CSV has it (rounded to 3 places), without trailing zeros."""
    return f"{float(value):.3f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]
