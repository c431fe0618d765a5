"""Fingertips' two views in the map's area panel: the area's spine chart and the map's funnel plot.

Each sits in its own expander ("Spine chart", "Funnel plot"). The figures come from
:mod:`geo.spine` and :mod:`geo.funnel_plot`, the SVG and tables from :mod:`layers.spine`
and :mod:`layers.funnel` (every text escaped there); both are shared between sessions
(:func:`geo.shared.cached`). A map of the user's own data has no count or denominator,
so its funnel is one line saying so.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from geo import shared
from geo.errors import AtlasError
from geo.funnel_plot import NO_FUNNEL, FunnelPlot, NoFunnel, funnel_plot
from geo.spine import Spine, spine
from geo.view import View
from layers.funnel import funnel_html
from layers.spine import spine_html
from ui import upload
from ui.widgets import notice, remembered_expander

__all__ = ["OPENED", "STYLE", "show"]

#: The spine chart's and the funnel plot's names in the URL's ``open=`` list while open.
OPENED: Final = ("spine", "funnel")

#: The tables' look inside the panel (small type, ruled rows, the caption left-aligned).
STYLE: Final = (
    "<style>.hga-spine-table,.hga-funnel-sides,.hga-funnel-areas{border-collapse:collapse;font-size:.8rem;"
    "margin:.4rem 0}.hga-spine-table caption,.hga-funnel-sides caption,.hga-funnel-areas caption{text-align:left;"
    "font-weight:600;padding:.2rem 0}.hga-spine-table th,.hga-spine-table td,.hga-funnel-sides th,"
    ".hga-funnel-sides td,.hga-funnel-areas th,.hga-funnel-areas td{border-bottom:1px solid #ccc;padding:.15rem .4rem;"
    "text-align:left;vertical-align:top}.hga-spine-figure,.hga-funnel-figure{margin:0}"
    ".hga-spine-figure figcaption,.hga-funnel-figure figcaption,.hga-notes,.hga-notes li{font-size:.8rem;color:#333}"
    ".hga-scroll:focus{outline:2px solid #1A1A1A}details summary{cursor:pointer;margin:.3rem 0}</style>"
)


@shared.cached(max_entries=64)
def _spine(area_code: str, level: str, vintage: str, area_name: str) -> Spine:
    return spine(area_code, area_name=area_name, level=level, vintage=vintage)


@shared.cached(max_entries=64)
def _funnel(indicator_id: str, level: str, vintage: str, period: str, sex: str,
            area_code: str) -> FunnelPlot | NoFunnel:
    return funnel_plot(indicator_id, level=level, vintage=vintage, period=period, sex=sex, area_code=area_code)


def show(view: View, area_code: str, *, level: str, vintage: str, area_name: str) -> None:
    """The spine chart of the panel's area and the funnel plot of the map's indicator, each in an expander."""
    # Each view is worked out only once its expander is opened (the URL's open= keeps it): a drill-down,
    # which draws the panel, does not pay for a spine (0.4-0.7 s for a new area) nobody asked to see.
    spine_box = remembered_expander("Spine chart", OPENED[0])
    funnel_box = remembered_expander("Funnel plot", OPENED[1])
    if spine_box.open:
        with spine_box:
            _show_spine(area_code, level=level, vintage=vintage, area_name=area_name)
    if funnel_box.open:
        with funnel_box:
            _show_funnel(view, area_code)


def _show_spine(area_code: str, *, level: str, vintage: str, area_name: str) -> None:
    try:
        drawn = _spine(area_code, level, vintage, area_name)
    except AtlasError as exc:
        notice(exc, kind="warning")
    else:
        st.markdown(STYLE + spine_html(drawn), unsafe_allow_html=True)  # escaped in layers.spine


def _show_funnel(view: View, area_code: str) -> None:
    if view.indicator_id.startswith(upload.PREFIX):
        st.html(f"<p class='hga-no-funnel'>{NO_FUNNEL}your own data holds no count and denominator for each "
                "area.</p>")
        return
    try:
        plot = _funnel(view.indicator_id, view.level, view.vintage, view.period, view.sex, area_code)
    except AtlasError as exc:
        notice(exc, kind="warning")
    else:
        st.markdown(STYLE + funnel_html(plot), unsafe_allow_html=True)  # escaped in layers.funnel
