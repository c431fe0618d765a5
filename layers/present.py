"""Presentation mode: large type, high contrast and no clutter, for a projector in a meeting.

A page turns it on with ``?present=1``: it adds :data:`PRESENT_CSS` to the page
(``st.html(present_style())``). The sidebar, Streamlit's header and toolbar,
captions and expanders are hidden; text is black on white and larger; the map
keeps its place. Leaving is removing ``present`` from the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["PARAM", "PRESENT_CSS", "is_on", "present_style"]

#: The URL parameter that turns the mode on (``?present=1``).
PARAM: Final = "present"

PRESENT_CSS: Final = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stCaptionContainer"], [data-testid="stExpander"], [data-testid="stDownloadButton"],
[data-testid="stFileUploader"], footer { display: none !important; }
html, body, .stApp, [data-testid="stAppViewContainer"], .stMainBlockContainer, .block-container {
  background: #ffffff !important; color: #000000 !important;
}
.stMainBlockContainer, .block-container { max-width: 100% !important; padding: 1rem 2rem !important; }
.stApp p, .stApp li, .stApp label, .stApp td, .stApp th, .stApp span { font-size: 1.45rem !important; line-height: 1.45 !important;
  color: #000000 !important; }
.stApp h1, .stApp h1 span { font-size: 2.8rem !important; color: #000000 !important; }
.stApp h2, .stApp h3, .stApp h2 span, .stApp h3 span { font-size: 2rem !important; color: #000000 !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] div { font-size: 2.6rem !important; font-weight: 700 !important; }
[data-testid="stMetricLabel"] p { font-size: 1.3rem !important; }
.stApp a { color: #00308F !important; text-decoration: underline !important; }
.stApp .leaflet-container { border: 2px solid #000000; }
"""


def is_on(params: Mapping[str, str]) -> bool:
    """Whether the URL asks for presentation mode (``present=1``, ``true`` or ``yes``)."""
    return str(params.get(PARAM, "")).strip().lower() in ("1", "true", "yes", "on")


def present_style() -> str:
    """The ``<style>`` element that switches a page to presentation mode."""
    return f"<style>{PRESENT_CSS}</style>"
