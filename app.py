"""Health Gap Atlas: ``streamlit run app.py``.

Thin wiring only: pages, layout and widgets. Data and statistics live in ``geo/``;
folium layers in ``layers/``; the pages in ``ui/``.
"""

from __future__ import annotations

import streamlit as st

from ui.about import about_page
from ui.map import map_page
from ui.pack import pack_page
from ui.spearhead import spearhead_page
from ui.target import target_page
from ui.widgets import warm_caches

st.set_page_config(page_title="Health Gap Atlas", page_icon="🗺️", layout="wide")
warm_caches()

navigation = st.navigation(
    [
        st.Page(map_page, title="Map", icon="🗺️", url_path="map", default=True),
        st.Page(spearhead_page, title="Spearhead areas", icon="🎯", url_path="spearhead"),
        st.Page(target_page, title="Target small areas", icon="📍", url_path="target"),
        st.Page(pack_page, title="Meeting pack", icon="📄", url_path="pack"),
        st.Page(about_page, title="About the data", icon="📚", url_path="about"),
    ]
)
navigation.run()
