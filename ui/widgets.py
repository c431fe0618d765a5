"""Shared by every page: cached data access, URL state helpers and the attribution line.

Pages keep their whole view in ``st.query_params``; widgets write to it through
:func:`set_param` and :func:`select_area`, so a link always reproduces the view.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import boundaries, indicators
from geo import profile as area_profile
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, load_catalogue
from layers import assets

__all__ = [
    "ATTRIBUTION",
    "attribution_caption",
    "boundaries_for",
    "catalogue",
    "catalogue_json",
    "combos",
    "compact_layout",
    "map_clicked",
    "select_area",
    "set_param",
    "show_notes",
    "values",
    "warm_caches",
    "widget",
]

_LOG = logging.getLogger(__name__)

ATTRIBUTION = (
    "Data: ONS, MHCLG, OHID and DESNZ, Open Government Licence v3.0. Contains OS data © Crown "
    "copyright and database right. See *About the data*."
)


# ---------------------------------------------------------------- cached data
@st.cache_resource(show_spinner=False)
def catalogue() -> dict[str, Indicator]:
    """The indicator catalogue, shared by every session."""
    return load_catalogue(DATA_DIR)


@st.cache_resource(show_spinner=False)
def catalogue_json() -> dict[str, Any]:
    """The raw catalogue file (attribution, boundary sources), shared by every session."""
    return dict(json.loads((DATA_DIR / "catalogue.json").read_text(encoding="utf-8")))


@st.cache_resource(show_spinner=False)
def boundaries_for(level: str, vintage: str) -> gpd.GeoDataFrame:
    """One boundary set, shared by every session; never mutate it."""
    return boundaries.load(level, vintage)


@st.cache_data(show_spinner=False)
def combos(indicator_id: str, level: str) -> pd.DataFrame:
    """The (vintage, period, sex) combinations held for an indicator at a level."""
    return indicators.periods(indicator_id, level=level)


@st.cache_data(show_spinner=False)
def values(indicator_id: str, level: str, vintage: str, period: str, sex: str) -> pd.DataFrame:
    """One indicator's values for one view."""
    return indicators.load(indicator_id, level=level, vintage=vintage, period=period, sex=sex)


@st.cache_resource(show_spinner=False)
def warm_caches() -> threading.Thread:
    """Once per server, in the background: the default map view, then the small areas it drills into.

    Started by the server's first script run. The default view's layer is built under the
    keys ``ui.map`` reads (``ui.cache.warm_default_view``), so a first visitor on that view
    waits for this one build instead of making a second. The small-area set is read a few
    seconds later, off the cores while the first visitor's map is sent and drawn.
    """
    worker = threading.Thread(target=_warm, name="hga-warm", daemon=True)
    worker.start()
    return worker


_PRELOAD_AFTER_S = 4.0


def _warm(*, preload_after: float = _PRELOAD_AFTER_S) -> None:
    from ui import cache as view_cache  # ui.cache imports this module

    started = time.monotonic()
    try:
        view = view_cache.warm_default_view()
        time.sleep(max(0.0, preload_after - (time.monotonic() - started)))
        boundaries.preload(within=(view.level, view.vintage))
        # The deciles every drill-down of this map draws and counts (ui.map._small_areas, the panel).
        lsoa_vintage = boundaries.lsoa_vintage_for(view.level, view.vintage)
        indicators.periods(area_profile.DECILE_FOR_LSOA[lsoa_vintage], level="lsoa")
    except Exception:  # a failed warm-up only means a slower first view; that view reports the error
        _LOG.warning("warming the default view failed", exc_info=True)


# ---------------------------------------------------------------- URL state
def set_param(name: str, widget_key: str) -> None:
    """Widget callback: copy a widget's value into the URL (a new level or vintage drops the area)."""
    value = st.session_state[widget_key]
    st.query_params[name] = value
    if name in ("level", "vintage"):
        st.query_params.pop("area", None)


def map_clicked(area_code: str | None, codes: frozenset[str]) -> None:
    """A map's click callback (``st_folium(key="atlas_map", on_change=...)``): drill into the clicked area.

    It runs before the page reruns, so the click costs one run, not two.
    """
    drawing = (st.session_state.get("atlas_map") or {}).get("last_active_drawing") or {}
    code = (drawing.get("properties") or {}).get("area_code")
    if code and code in codes and code != area_code:
        select_area(code)
        st.query_params.pop("lsoa", None)


def select_area(code: str | None) -> None:
    """Select (or, with ``None``, clear) the drilled-down area in the URL."""
    if code:
        st.query_params["area"] = code
    else:
        st.query_params.pop("area", None)


def widget(key: str, value: str) -> str:
    """Set a widget's state from the view before drawing it; returns the key."""
    st.session_state[key] = value
    return key


def attribution_caption() -> None:
    """The short source and licence line at the foot of the sidebar."""
    st.sidebar.divider()
    st.sidebar.caption(ATTRIBUTION)


# ---------------------------------------------------------------- layout
_LAYOUT_CSS = """
<style>
/* A 1366x768 laptop sees the title, the breadcrumb and the whole map without scrolling. */
.stMainBlockContainer, .block-container { padding-top: 2.2rem; padding-bottom: 1rem; }
h1 { font-size: 1.6rem !important; padding: 0 0 0.2rem 0 !important; }
/* Streamlit's grey captions are 3.9:1 on white; WCAG AA asks 4.5:1. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #555 !important; }
[data-testid="stCaptionContainer"] p { color: #555 !important; }
/* A disabled widget's label (Classification, for published deciles) is grey at 2.3:1. */
[data-testid="stSidebar"] [data-testid="stWidgetLabel"] p { color: #555 !important; }
</style>
"""


def compact_layout() -> None:
    """Tighten Streamlit's default spacing so the map fits a laptop screen; print a clean page."""
    st.html(_LAYOUT_CSS + f"<style>{assets.PRINT_CSS}</style>")


def show_notes(notes: list[str]) -> None:
    """One short line for what the app substituted; the details on demand."""
    if not notes:
        return
    if len(notes) == 1:
        st.info(notes[0], icon=":material/info:")
        return
    st.info(f"{notes[0]} (and {len(notes) - 1} more: see below)", icon=":material/info:")
    with st.expander(f"{len(notes) - 1} more note{'s' if len(notes) > 2 else ''}"):
        for note in notes[1:]:
            st.markdown(f"- {note}")
