"""The Spearhead page's frame: title, tabs, the method's sidebar and the user's own column.

The view comes from the URL (:mod:`ui.spearhead.state`); the method runs once
(:mod:`ui.spearhead.analyses`), with an uploaded column in it when the view asks for
one this session holds, and the view's tab draws the result.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from geo import criterion
from geo import spearhead as sh
from geo.errors import AtlasError
from geo.schema import vintages
from ui import upload
from ui.spearhead import analyses, areas, gap, gradient, lag
from ui.spearhead.state import LEVELS, TABS, WORSE, SpearheadView, read_view, write_param
from ui.widgets import attribution_caption, compact_layout, notice, show_notes, widget

__all__ = ["spearhead_page"]


def spearhead_page() -> None:
    """The page: the view from the URL, the sidebar, then the tab it asks for."""
    compact_layout()
    st.title("Spearhead areas and the health gap")
    view, notes = read_view(analyses.periods("lad"))
    held, in_use = _in_use(view)
    if held and view.threshold > in_use:
        notes.append(f"A threshold of {view.threshold} is more than the {in_use} indicators in use for "
                     f"{view.period}; showing {in_use} or more of the {in_use}.")
        view = replace(view, threshold=in_use)
        st.query_params["threshold"] = str(in_use)
    st.radio("Show", list(TABS), format_func=TABS.__getitem__, horizontal=True, label_visibility="collapsed",
             key=widget("w_sh_tab", view.tab), on_change=write_param, args=("tab", "w_sh_tab"))
    _sidebar(view, in_use or 5)
    show_notes(notes)
    try:
        # An added column counts towards the threshold: the held indicators alone are run at most at their number.
        with st.spinner("Applying the method…"):
            result = analyses.run(view.period, "lad", view.vintage, min(view.threshold, held or view.threshold), view.fraction)
        _own_picker(view, result)
        result = _with_own(view, result)
        if view.tab == "areas":
            areas.show(view, result)
        elif view.tab == "gap":
            gap.show(view, result)
        elif view.tab == "lag":
            lag.show(view, result)
        else:
            gradient.show(view, result)
    except AtlasError as exc:
        notice(exc, kind="error")
    attribution_caption()


def _sidebar(view: SpearheadView, in_use: int) -> None:
    with st.sidebar:
        st.subheader("The method")
        st.selectbox("Period of the health data", analyses.periods("lad"), key=widget("w_sh_period", view.period),
                     on_change=write_param, args=("period", "w_sh_period"),
                     help="2001-03 is the 2004 reconstruction (IMD 2004); 2015-17 is the last period with all five.")
        st.selectbox("Map", list(LEVELS), format_func=LEVELS.__getitem__, key=widget("w_sh_level", view.level),
                     on_change=write_param, args=("level", "w_sh_level"))
        st.selectbox("Local authority code set", ["auto", *vintages("lad")],
                     format_func=lambda v: "As published (default)" if v == "auto" else v,
                     help=sh.DEFAULT_RULE,
                     key=widget("w_sh_vintage", view.vintage), on_change=write_param, args=("vintage", "w_sh_vintage"))
        st.session_state["w_sh_threshold"] = view.threshold
        st.number_input("Indicators needed to qualify", min_value=1, max_value=in_use, step=1,
                        key="w_sh_threshold", on_change=write_param, args=("threshold", "w_sh_threshold"),
                        help=f"From 1 to the {in_use} indicators in use (an uploaded column added as one more counts).")
        st.session_state["w_sh_fraction"] = view.fraction
        st.number_input("Worst fraction on each indicator", min_value=0.05, max_value=0.5, step=0.05,
                        key="w_sh_fraction", on_change=write_param, args=("fraction", "w_sh_fraction"))


# ---------------------------------------------------------------- the user's own column
def _own_picker(view: SpearheadView, result: sh.SpearheadRun) -> None:
    """Sidebar: one uploaded local-authority column in place of an indicator, or as one more."""
    held = {i: ind for i, (ind, v) in upload.session_values().items() if (v["level"] == "lad").any()}
    with st.sidebar:
        st.subheader("Your own data")
        if not held:
            st.caption("Add your own local-authority figures on the map page (Your own data); a column of them can "
                       "then stand in for one of the indicators here, or be added as one more.")
            return
        labels = {"": "None", **{i: ind.title for i, ind in held.items()}}
        st.selectbox("Use an uploaded column", list(labels), format_func=labels.__getitem__,
                     key=widget("w_sh_own", view.own if view.own in held else ""), on_change=write_param, args=("own", "w_sh_own"))
        if view.own not in held:
            return
        swaps = {**{c.key: f"In place of {c.label}" for c in result.criteria}, criterion.ADD: "As one more indicator"}
        st.selectbox("How", list(swaps), format_func=swaps.__getitem__,
                     key=widget("w_sh_swap", view.swap if view.swap in swaps else criterion.ADD),
                     on_change=write_param, args=("swap", "w_sh_swap"))
        st.session_state.pop("w_sh_opol", None)  # drawn from the view (index), as the link says
        # No default: an upload has no polarity of its own, so the user says which way is worse.
        st.radio("Which way is worse for your column", list(WORSE), format_func=WORSE.__getitem__,
                 index=list(WORSE).index(view.opol) if view.opol else None, key="w_sh_opol",
                 on_change=write_param, args=("opol", "w_sh_opol"))
        st.caption("Your column stays in this browser session: a link to this view says it used an upload, "
                   "but cannot carry the data.")


def _with_own(view: SpearheadView, result: sh.SpearheadRun) -> sh.SpearheadRun:
    """The run with the user's column in it, when the view asks for one this session holds."""
    if not view.own:
        return result
    held = upload.session_values()
    if view.own not in held:
        st.info("This link's view used a column uploaded in another session; uploads stay private to the session "
                "that made them, so the method runs on the indicators the atlas holds. Upload the file on the map "
                "page (Your own data) to use it here.", icon=":material/info:")
        return result
    if not view.opol:
        st.info("Say which way is worse for your column (sidebar, Your own data) to use it in the method.",
                icon=":material/info:")
        return result
    swap = view.swap
    if swap != criterion.ADD and swap not in {c.key for c in result.criteria}:
        notice(f"Ignored swap={swap!r} in the link (no such indicator for {result.period}); your column is added "
               "as one more.")
        swap = criterion.ADD
    indicator, values = held[view.own]
    own = criterion.OwnCriterion(view.own, indicator.label, view.opol,  # type: ignore[arg-type]  # checked by read_view
                                 replaces=swap, file_name=indicator.source.dataset,
                                 period=indicator.periods[0] if indicator.periods else "")
    try:
        return criterion.apply(result, own, values, threshold=view.threshold)
    except AtlasError as exc:
        notice(exc, kind="error")
        return result


def _in_use(view: SpearheadView) -> tuple[int, int]:
    """(indicators held for the view's period, indicators in use): one more when an uploaded column is added."""
    keys = analyses.held_keys(view.period)
    held = {i for i, (_, v) in upload.session_values().items() if (v["level"] == "lad").any()}
    adds = view.own in held and bool(view.opol) and view.swap not in keys
    return len(keys), len(keys) + int(adds)
