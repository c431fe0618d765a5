"""Shared by every page: cached data access, URL state helpers and the attribution line.

Pages keep their whole view in ``st.query_params``; widgets write to it through
:func:`set_param` and :func:`select_area`, so a link always reproduces the view.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import boundaries, indicators
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, load_catalogue

__all__ = [
    "ATTRIBUTION",
    "attribution_caption",
    "boundaries_for",
    "catalogue",
    "combos",
    "select_area",
    "set_param",
    "values",
    "widget",
]

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


# ---------------------------------------------------------------- URL state
def set_param(name: str, widget_key: str) -> None:
    """Widget callback: copy a widget's value into the URL (a new level or vintage drops the area)."""
    value = st.session_state[widget_key]
    st.query_params[name] = value
    if name in ("level", "vintage"):
        st.query_params.pop("area", None)


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
