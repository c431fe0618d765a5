"""Health Gap Atlas: ``streamlit run app.py``.

Thin wiring only: pages, layout and widgets. Data and statistics live in ``geo/``;
folium layers in ``layers/``; the pages in ``ui/``.
"""

from __future__ import annotations

import streamlit as st

from geo import shared
from ui.accessibility import TITLE as STATEMENT
from ui.accessibility import accessibility_page, site_style
from ui.cache import warm_caches
from ui.map import map_page
from ui.widgets import guard_link, show_notes


# The other pages are imported when first opened: the PDF, chart and statistics libraries
# they need would otherwise slow the first map after a server start.
def spearhead() -> None:
    from ui.spearhead import spearhead_page

    spearhead_page()


def target() -> None:
    from ui.target import target_page

    target_page()


def pack() -> None:
    from ui.pack import pack_page

    pack_page()


def about() -> None:
    from ui.about import about_page

    about_page()


st.set_page_config(page_title="Health Gap Atlas", page_icon="🗺️", layout="wide")
# One data edition for the whole run: a refresh made anywhere is seen from the next view on (geo.shared).
shared.begin_view()
warm_caches()
# A hostile link's parameters go before any page reads them (ui.widgets.guard_link), said in one note.
show_notes(guard_link())

# Material icons ship with Streamlit; emoji need a font the computer may not have.
statement = st.Page(accessibility_page, title=STATEMENT, icon=":material/accessibility_new:", url_path="accessibility")
navigation = st.navigation(
    [
        st.Page(map_page, title="Map", icon=":material/map:", url_path="map", default=True),
        st.Page(spearhead, title="Spearhead areas", icon=":material/flag:", url_path="spearhead"),
        st.Page(target, title="Target small areas", icon=":material/location_on:", url_path="target"),
        st.Page(pack, title="Meeting pack", icon=":material/description:", url_path="pack"),
        st.Page(about, title="About the data", icon=":material/menu_book:", url_path="about"),
        statement,
    ]
)
site_style()  # on every page: chart text at 12.6:1, not 3.7:1; at 200% zoom the title is not under the header
navigation.run()
# The statement is one click from every page, even in presentation mode (the sidebar's list of pages is hidden).
st.page_link(statement, label=STATEMENT, icon=":material/accessibility_new:")
