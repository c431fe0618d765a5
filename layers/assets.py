"""Front-end assets served locally, so maps render with no internet.

folium points a map at Leaflet, jQuery, Bootstrap and Font Awesome on public CDNs.
The atlas's maps use only Leaflet (GeoJSON layers, tooltips, an HTML legend), so
:func:`localise` swaps the CDN list for the vendored Leaflet under ``static/``
(served by Streamlit at ``/app/static/``), and :func:`standalone_html` inlines it
for a downloadable file that opens offline.
"""

from __future__ import annotations

from pathlib import Path

import folium

__all__ = ["LEAFLET_DIR", "STATIC_URL", "localise", "standalone_html"]

LEAFLET_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "leaflet-1.9.3"
#: Where Streamlit serves the repository's ``static/`` folder (server.enableStaticServing).
STATIC_URL = "/app/static/vendor/leaflet-1.9.3"


def localise(m: folium.Map, *, base_url: str = STATIC_URL) -> folium.Map:
    """Point ``m`` at the local Leaflet only (no jQuery, Bootstrap or icon fonts are needed)."""
    m.default_js = [("leaflet", f"{base_url}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{base_url}/leaflet.css")]
    return m


def standalone_html(m: folium.Map) -> str:
    """The whole map as one HTML file with Leaflet inlined: no request leaves the file."""
    m.default_js = []
    m.default_css = []
    html = m.get_root().render()
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    inline = f"<style>{css}</style>\n<script>{js}</script>\n"
    return html.replace("<head>", "<head>\n" + inline, 1)
