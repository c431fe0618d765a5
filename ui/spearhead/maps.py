"""The Spearhead page's maps: the empty map of England each view draws on, and what a click does."""

from __future__ import annotations

from typing import Any

import streamlit as st

from layers import assets
from layers import spearhead as sh_layers
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM, base_map

__all__ = ["MAP_HEIGHT", "click", "england_map"]

MAP_HEIGHT = 520


def england_map() -> Any:
    """An empty map of England: area labels hidden below :data:`layers.spearhead.LABEL_ZOOM`, assets vendored."""
    m = base_map(location=ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM)
    sh_layers.LabelsFromZoom().add_to(m)
    return assets.localise(m)


def click(out: dict[str, Any] | None) -> None:
    """Put a clicked area in the URL (``area``) and rerun; a click already handled is ignored."""
    props = ((out or {}).get("last_active_drawing") or {}).get("properties") or {}
    code = props.get("area_code")
    if code and code != st.query_params.get("area") and st.session_state.get("_sh_last") != code:
        st.session_state["_sh_last"] = code
        st.query_params["area"] = code
        st.rerun()
