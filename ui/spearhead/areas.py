"""The Spearhead view (``tab=areas``): the qualifying areas' map and table, the official list, PCTs.

The method's result drawn on local authorities, or on the 2011 Primary Care Trusts
(their own values where held, else those overlapping a qualifying area); the criteria
an area meets; and the official 2004 list, uploaded, compared with the computed one.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import codes, criterion
from geo import spearhead as sh
from geo.areas import read_area_list
from geo.errors import AtlasError
from geo.schema import vintages
from geo.spearhead_rules import FIVE as _FIVE
from geo.tables import csv_text
from layers import spearhead as sh_layers
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM, outline_layer
from layers.legend import to_html
from ui.cache import boundaries_for
from ui.spearhead import analyses
from ui.spearhead.maps import MAP_HEIGHT, click, england_map
from ui.spearhead.state import SpearheadView
from ui.widgets import notice, show_notes

__all__ = ["show"]

_SHORT = {
    "le_male": "Male life expectancy",
    "le_female": "Female life expectancy",
    "cancer_u75": "Cancer deaths under 75",
    "cvd_u75": "Heart and stroke deaths under 75",
}


def _method_text(result: sh.SpearheadRun) -> str:
    lines = [f"**{html.escape(result.period)}**, local authorities on their **{result.vintage}** codes; worst "
             f"{result.assessment.fraction:.0%} of areas on each indicator:"]
    for c in result.criteria:
        proxy = f" (stands in for {c.stands_for}, the 2004 method's indicator)" if c.stands_for else ""
        where = f"; published on {c.published_on} codes" if c.published_on else ""
        lines.append(f"- {c.label}, {c.period}{proxy}{where}")
    lines.append(f"\n**Code set.** {result.code_set} {sh.DEFAULT_RULE}")
    return "\n".join(lines)


def _statement(result: sh.SpearheadRun) -> str:
    """What the result rests on, in words: never silent about a stand-in or a missing indicator."""
    parts = []
    proxies = [c for c in result.criteria if c.stands_for]
    if proxies:
        parts.append("Proxies: " + "; ".join(f"{c.label.lower()} for {c.stands_for}" for c in proxies) + ".")
    parts += [c.official or c.series for c in result.criteria if c.series and not c.stands_for]  # once refreshed
    if result.left_out:
        parts.append("Not held: " + " ".join(result.left_out) +
                     f" The result rests on {len(result.criteria)} of the 5 indicators.")
    imd = next((c for c in result.criteria if c.key == "imd"), None)
    if imd is not None:
        parts.append(f"Deprivation: {imd.label} (the edition nearest {result.period}).")
    if isinstance(result, criterion.OwnRun) and result.own is not None:
        where = f"in place of {result.replaced_label}" if result.replaced_label else "as one more indicator"
        worse = "lower" if result.own.polarity == "higher_is_better" else "higher"
        parts.append(f"Your own data: {result.own.label} (your file, this session only) {where}; worse is {worse}.")
    return " ".join(parts)


def show(view: SpearheadView, result: sh.SpearheadRun) -> None:
    """The qualifying areas: map, the clicked area's criteria, the method, the official list, the table."""
    reasons = analyses.reasons_for(result, view) if view.level == "lad" else {}
    table = sh.table_with_reasons(result, reasons)
    qualifying = table[table["qualifies"]]
    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        if view.level == "pct":
            layer, legend = _pct_layer(view, result)
        else:
            gdf = boundaries_for("lad", result.vintage)
            layer = sh_layers.spearhead_layer(gdf, table, result.criteria, result.assessment.cutoffs,
                                              name="Spearhead method", formats=criterion.formats(result),
                                              missing=reasons)
            legend = sh_layers.spearhead_legend(table, n=len(result.criteria), rests_on=result.rests_on,
                                                title=f"Spearhead method, {result.period}")
        official_codes = st.session_state.get("sh_official_codes", [])
        layers = [layer]
        chosen = boundaries_for("lad", result.vintage)
        chosen = chosen[chosen["area_code"] == view.area]
        if view.level == "lad" and not chosen.empty:
            layers.append(outline_layer(chosen.geometry.iloc[0], name=str(chosen["area_name"].iloc[0])))
        if official_codes and view.level == "lad":
            layers.append(sh_layers.official_layer(boundaries_for("lad", result.vintage), official_codes,
                                                   name="Official list (uploaded)"))
        official_pcts = st.session_state.get("sh_official_pct_codes", [])
        if official_pcts and view.level == "pct":
            layers.append(sh_layers.official_layer(boundaries_for("pct", sh.boundaries_vintage("pct")), official_pcts,
                                                   name="Official list PCTs (uploaded)"))
        out = st_folium(england_map(), key="sh_map", height=MAP_HEIGHT, use_container_width=True,
                        feature_group_to_add=layers, center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM,
                        returned_objects=["last_active_drawing"])
        click(out)
    with panel_col:
        undecided = int(table["undecided"].sum())
        st.markdown(f"**{len(qualifying)} of {len(table)} local authorities qualify** ({result.rests_on}, "
                    f"{result.period}, {result.vintage} codes); {undecided} undecided.")
        st.caption(_statement(result) + " " + result.code_set)
        _criteria_panel(view, result, table, reasons)
        st.markdown(to_html(legend), unsafe_allow_html=True)  # escaped in layers.legend
        if (official_codes and view.level == "lad") or (official_pcts and view.level == "pct"):
            st.caption("Dashed pink outlines: the uploaded official list.")
        with st.expander("The method: indicators, ties, missing values, code sets"):
            st.markdown(_method_text(result))
            for rule in sh.RULES:
                st.markdown(f"- {rule}")
            st.markdown(f"- {sh.CODE_SETS}")
            for note in result.notes:
                st.markdown(f"- {note}")
    _official(view, result, qualifying)
    with st.expander("Every local authority: criteria met and values"):
        st.dataframe(table, hide_index=True, use_container_width=True)
    csv = csv_text(table, header=result.header())
    own = "_own" if isinstance(result, criterion.OwnRun) else ""
    st.download_button("Download the table (CSV)", csv, file_name=f"spearhead_{result.period}_{result.vintage}{own}.csv",
                       mime="text/csv")


def _pct_layer(view: SpearheadView, result: sh.SpearheadRun) -> tuple[Any, Any]:
    pcts = boundaries_for("pct", "2011")
    pct_run = _pct_run(view)
    if pct_run is not None:
        st.caption(f"PCT values held for {view.period}: the method applied to the 151 PCTs of 2011 "
                   f"({pct_run.rests_on}; {', '.join(c.label for c in pct_run.criteria)}).")
        t = pct_run.table()
        layer = sh_layers.spearhead_layer(pcts, t, pct_run.criteria, pct_run.assessment.cutoffs, name="Spearhead PCTs")
        legend = sh_layers.spearhead_legend(t, n=len(pct_run.criteria), rests_on=pct_run.rests_on,
                                            title=f"PCTs by the method, {view.period}")
        return layer, legend
    codes = tuple(result.assessment.table.index[result.assessment.table["qualifies"]])
    over = analyses.overlaps(codes, result.vintage)
    why = ("the threshold counts your column, which PCTs do not have" if view.threshold > len(_FIVE)
           else "PCT values are not held for this period")
    st.caption(f"{why.capitalize()}: PCTs overlapping a qualifying local authority are "
               "marked (labelled “overlaps”), not assessed.")
    layer = sh_layers.overlap_layer(pcts, over, name="PCTs overlapping qualifying LAs")
    legend = sh_layers.spearhead_legend(result.table(), n=len(result.criteria), rests_on=result.rests_on,
                                        title="Local authorities behind the marked PCTs")
    return layer, legend


def _pct_run(view: SpearheadView) -> sh.SpearheadRun | None:
    """The method on the 2011 PCTs' own values; ``None`` when not held, or the threshold counts an uploaded column."""
    if view.threshold > len(_FIVE):
        return None
    try:
        return analyses.run(view.period, "pct", "2011", view.threshold, view.fraction)
    except AtlasError:
        return None


def _successor(code: str, result: sh.SpearheadRun) -> tuple[str, str]:
    """A code of another code set and what it became on the run's (code, words), or ("", "") when none."""
    for vintage in reversed(vintages("lad")):  # the latest code set the area was on
        if vintage == result.vintage:
            continue
        try:
            rec = codes.reconcile([code], source=vintage, target=result.vintage)
        except AtlasError:
            continue
        if not rec.mapped.empty:
            target = str(rec.mapped["target_code"].iloc[0])
            old = codes.area_names("lad", vintage).get(code, code)
            became = "is part of" if rec.mapped["relation"].iloc[0] == "merge" else "is"
            return target, (f"{old} ({code}, {vintage} codes) {became} {result.names.get(target, target)} on the "
                            f"{result.vintage} code set shown.")
    return "", ""


def _criteria_panel(view: SpearheadView, result: sh.SpearheadRun, table: pd.DataFrame,
                    reasons: dict[str, dict[str, str]]) -> None:
    if view.level == "pct":
        return
    row = table[table["area_code"] == view.area]
    if row.empty and view.area:
        successor, words = _successor(view.area, result)
        if successor:
            st.caption(words)
            row = table[table["area_code"] == successor]
    if row.empty:
        if view.area:
            notice(f"{view.area} is not a {result.vintage} local authority code; click an area on the map.")
        else:
            st.caption("Click an area to see which criteria it meets, with its values and the cut-offs.")
        return
    r = row.iloc[0]
    verdict = "qualifies" if r["qualifies"] else ("is undecided (values missing)" if r["undecided"] else "does not qualify")
    st.markdown(f"#### {html.escape(str(r['area_name']))}")
    st.markdown(f"{r['area_name']} {verdict}: worst fifth on **{int(r['criteria_met'])} of {len(result.criteria)}** "
                f"(judged on {int(r['criteria_held'])}).")
    why = reasons.get(str(r["area_code"]), {})
    lines = []
    formats = criterion.formats(result)
    for c in result.criteria:
        value = r[f"{c.key}_value"]
        worse = "or lower" if c.polarity == "higher_is_better" else "or higher"
        cutoff = float(result.assessment.cutoffs[c.key])
        shown, cut_text = sh.shown_pair(formats[c.key], float(value) if pd.notna(value) else cutoff, cutoff)
        cut = f"cut-off {cut_text} {worse}"
        name = (_SHORT.get(c.key, c.label) if c.key != "imd" else c.label) + (" (proxy)" if c.stands_for else "")
        if pd.isna(value):
            reason = f": {why[c.key]}" if c.key in why else ""
            lines.append(f"- ○ {name}: no value on {result.vintage} codes{reason} ({cut})")
        elif r[c.key] == 1:
            lines.append(f"- **● {name}: {shown}** — worst fifth ({cut})")
        else:
            lines.append(f"- ○ {name}: {shown} — not ({cut})")
    st.markdown("\n".join(lines))
    if r["undecided"]:
        st.caption(f"Undecided: {r['area_name']} falls short only because of the values it lacks on the "
                   f"{result.vintage} code set; each line above says why. Another code set (sidebar) may hold them.")


def _computed_pcts(view: SpearheadView, result: sh.SpearheadRun) -> tuple[list[str], str]:
    """The PCTs the method picks for the period, or (no PCT values held) those overlapping qualifying LAs."""
    pct_run = _pct_run(view)
    if pct_run is None:
        t = result.assessment.table
        over = analyses.overlaps(tuple(t.index[t["qualifies"]]), result.vintage)
        why = "the threshold counts your column" if view.threshold > len(_FIVE) else "no PCT values for this period"
        return list(over["area_code"]), f"PCTs overlapping a qualifying local authority ({why})"
    t = pct_run.assessment.table
    return list(t.index[t["qualifies"]]), f"PCTs qualifying on {view.period} PCT data ({pct_run.rests_on})"


def _official(view: SpearheadView, result: sh.SpearheadRun, qualifying: pd.DataFrame) -> None:
    st.subheader("The official 2004 list")
    st.markdown(
        "The Department of Health's list (70 local authorities, 88 PCTs; Written Ministerial Statement, "
        "25 November 2004) is **not in the raw data the atlas holds**. Upload it as a CSV of names or codes "
        "(one a line, first column): local authorities of any vintage, and PCTs by ONS code (E16/E17), NHS "
        "code (e.g. 5NG) or a name ending in “PCT”. Local authorities are reconciled to the codes on the map "
        "and PCTs to the 2011 PCTs (pick *Primary Care Trusts* under Map to see them), each drawn as a historical "
        "layer beside the computed one and compared in a table. An upload is not kept in the link."
    )
    st.caption(sh.PCT_VINTAGE_NOTE)
    upload = st.file_uploader("Official list (CSV of local authority or PCT names or codes)", type=["csv", "txt"])
    if upload is None:
        st.session_state.pop("sh_official_codes", None)
        st.session_state.pop("sh_official_pct_codes", None)
        return
    try:
        entries = read_area_list(upload.getvalue(), source=f"The list {upload.name!r}")
        la_entries, pct_entries = sh.split_official(entries)
        agreement, notes = (sh.compare_official(la_entries, list(qualifying["area_code"]), vintage=result.vintage)
                            if la_entries else (None, ()))
        pct_agreement, pct_unmatched, pct_label = None, None, ""
        if pct_entries:
            computed, pct_label = _computed_pcts(view, result)
            pct_agreement, pct_unmatched = sh.compare_official_pct(pct_entries, computed)
    except AtlasError as exc:
        notice(f"The list could not be read: {exc}", kind="error")
        return
    codes = [] if agreement is None else list(agreement.loc[agreement["official"], "area_code"])
    pct_codes = [] if pct_agreement is None else list(pct_agreement.loc[pct_agreement["official"], "area_code"])
    if st.session_state.get("sh_official_codes") != codes or st.session_state.get("sh_official_pct_codes") != pct_codes:
        st.session_state["sh_official_codes"] = codes
        st.session_state["sh_official_pct_codes"] = pct_codes
        st.rerun()
    if agreement is not None:
        st.markdown(f"**Local authorities** ({len(la_entries)} entries). " + _counts(agreement))
        st.dataframe(agreement, hide_index=True, use_container_width=True)
        show_notes(list(notes))
    if pct_agreement is not None and pct_unmatched is not None:
        st.markdown(f"**PCTs** ({len(pct_entries)} entries; computed: {pct_label}). " + _counts(pct_agreement))
        st.dataframe(pct_agreement, hide_index=True, use_container_width=True)
        if len(pct_unmatched):
            st.markdown(f"**{len(pct_unmatched)} PCT entries not matched** to a 2006-13 PCT:")
            st.dataframe(pct_unmatched, hide_index=True, use_container_width=True)


def _counts(agreement: pd.DataFrame) -> str:
    counts = agreement["agreement"].value_counts()
    return (f"On both lists: **{counts.get('both', 0)}**; official list only: **{counts.get('official list only', 0)}**; "
            f"computed only: **{counts.get('computed only', 0)}**.")
