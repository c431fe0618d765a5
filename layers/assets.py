"""Front-end assets served locally, so maps render with no internet.

folium 0.20 points every map at Leaflet, jQuery, Bootstrap, Font Awesome and
Leaflet.awesome-markers on public CDNs. The atlas's maps (GeoJSON layers,
tooltips, an HTML legend) need only Leaflet, so :func:`localise` points folium at
the vendored Leaflet under ``static/vendor/`` and drops the rest, and
:func:`standalone_html` inlines Leaflet into one file that opens offline.

streamlit-folium does not bundle Leaflet: its iframe loads each URL in the map's
``default_js`` in turn and gives up on the first that fails, so one unreachable
CDN script leaves the map blank. ``scripts/vendor_assets.sh`` re-creates the
vendored files.

:func:`export_map` builds the downloadable map: a page with a heading, the
indicator and period, the legend of every layer, the data's attribution, opening
on the area the user was looking at. :data:`PRINT_CSS` makes the app itself print
as a clean page.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

import folium
from branca.colormap import ColorMap
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from geo.errors import ValidationError
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM, base_map, set_stable_ids
from layers.legend import Legend, add_to_map

__all__ = [
    "LEAFLET_VERSION",
    "PRINT_CSS",
    "STATIC_DIR",
    "STREAMLIT_VENDOR_URL",
    "VENDOR_DIR",
    "export_map",
    "localise",
    "standalone_html",
]

#: Streamlit serves ``<folder of app.py>/static/`` at ``<baseUrlPath>/app/static/``.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: The Leaflet version folium 0.20 references (tests check the two agree).
LEAFLET_VERSION = "1.9.3"
#: ``VENDOR_DIR`` as seen from the st_folium iframe (``<baseUrlPath>/component/streamlit_folium.st_folium/index.html``).
#: Relative, so it also works when the app runs under ``server.baseUrlPath``.
STREAMLIT_VENDOR_URL = "../../app/static/vendor"

#: folium asset name -> vendored file, relative to ``VENDOR_DIR``.
_LOCAL = {
    "leaflet": f"leaflet-{LEAFLET_VERSION}/leaflet.js",
    "leaflet_css": f"leaflet-{LEAFLET_VERSION}/leaflet.css",
}
#: folium's map defaults for markers, icon fonts and Bootstrap widgets, which the atlas never uses.
_UNUSED = frozenset(
    {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css",
     "awesome_markers_css", "awesome_rotate_css"}
)
_EXTERNAL_LOAD = re.compile(
    r"""<(?:script|img|iframe)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//"""
    r"""|@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def localise(m: folium.Map, *, base_url: str = STREAMLIT_VENDOR_URL) -> folium.Map:
    """Point ``m`` and every element on its page at the vendored assets under ``base_url``.

    Parameters
    ----------
    m : folium.Map
        The map; changed in place and returned.
    base_url : str
        Where ``static/vendor/`` is served. The default suits ``st_folium``; use
        ``"/app/static/vendor"`` for a page on the app's root.

    Raises
    ------
    ValidationError
        If the page needs an asset that is not vendored (a plugin or a branca colormap).
    """
    base = base_url.rstrip("/")
    for element in list(_elements(m)):  # checks every element before changing any
        element.default_js = [(name, f"{base}/{_LOCAL[name]}") for name, _ in element.default_js if name in _LOCAL]
        element.default_css = [(name, f"{base}/{_LOCAL[name]}") for name, _ in element.default_css if name in _LOCAL]
    _forget_rendered_links(m, _UNUSED)
    return m


def standalone_html(m: folium.Map, *, allow_tiles: bool = False) -> str:
    """The whole page of ``m`` as one HTML file with Leaflet inlined: it loads nothing from elsewhere.

    Parameters
    ----------
    m : folium.Map
        The map to render; its asset lists are left as they were.
    allow_tiles : bool
        Allow base-map tile layers, which fetch tiles from their server when the file is opened.

    Raises
    ------
    ValidationError
        If the page needs an asset that is not vendored, has tile layers without
        ``allow_tiles``, or would still load anything from another server.
    """
    elements = list(_elements(m))
    tiles = [e for e in _walk(m) if isinstance(e, folium.TileLayer)]
    if tiles and not allow_tiles:
        raise ValidationError(
            f"Expected a map without base tiles for the offline file; it has {len(tiles)} tile layer(s) "
            f"from {tiles[0].tiles!r}. Build the map with tiles=None, or pass allow_tiles=True."
        )
    saved = [(e, e.default_js, e.default_css) for e in elements]
    try:
        for element in elements:
            element.default_js, element.default_css = [], []
        _forget_rendered_links(m, _UNUSED | set(_LOCAL))
        page = m.get_root().render()
    finally:
        for element, js, css in saved:
            element.default_js, element.default_css = js, css
    inline = f"<style>\n{_leaflet_css()}\n</style>\n<script>\n{_read(_LOCAL['leaflet'])}\n</script>\n"
    head = page.find("<head>")
    if head < 0:
        raise ValidationError("Expected folium's page to have a <head>; none was rendered. Check the folium version (0.20).")
    page = page[: head + 6] + "\n" + inline + page[head + 6 :]
    external = _EXTERNAL_LOAD.search(page)
    if external:
        raise ValidationError(
            f"Expected the offline file to load nothing from other servers; it still does near "
            f"{page[external.start(): external.start() + 120]!r}. Remove that element or vendor its asset."
        )
    return page


#: Print rules for the app's page (inject once, e.g. ``st.html(f"<style>{PRINT_CSS}</style>")``): no
#: sidebar, header, toolbars, buttons or zoom controls, and the main column at full width.
#: The map's own iframe hides its zoom buttons in print too (layers.choropleth.TOOLTIP_CSS).
PRINT_CSS: Final = """@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stMainMenu"], [data-testid="stStatusWidget"], [data-testid="stAppDeployButton"],
  [data-testid="stExpandSidebarButton"], [data-testid="stElementToolbar"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stTextInput"],
  .leaflet-control-zoom, .leaflet-control-layers, button {
    display: none !important;
  }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] { margin: 0 !important; padding: 0 !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 !important; }
  iframe, .hga-legend, img, svg { break-inside: avoid; }
  @page { margin: 12mm; }
}
"""


def export_map(
    layers: Sequence[folium.FeatureGroup],
    *,
    title: str,
    subtitle: str,
    legends: Sequence[Legend],
    attribution: str,
    bounds: tuple[float, float, float, float] | None = None,
    centre: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> str:
    """The map as one offline HTML page with a heading, its legends and the data's attribution.

    Parameters
    ----------
    layers : sequence of folium.FeatureGroup
        From :func:`layers.choropleth.choropleth_layer` / ``outline_layer``, drawn
        in order; copies are drawn, so the originals can stay on another map.
    title : str
        The page's ``<title>`` and ``<h1>``, e.g. "Life expectancy at birth, 2021-23".
    subtitle : str
        Under the heading: the indicator, sex, period, geography and method.
    legends : sequence of Legend
        One per coloured layer (national, and small areas after a drill-down).
    attribution : str
        Sources and licences, e.g. the catalogue's "... © Crown copyright ... Open
        Government Licence v3.0"; printed at the foot of the map.
    bounds : (min lon, min lat, max lon, max lat), optional
        Where the page opens (``GeoDataFrame.total_bounds`` order), e.g. the area
        drilled into; else ``centre`` and ``zoom``, else England.

    Raises
    ------
    ValueError
        No legend, or an empty title or attribution.
    ValidationError
        See :func:`standalone_html`.
    """
    if not title.strip() or not attribution.strip():
        raise ValueError("Expected a title and an attribution for the downloadable map; got an empty one.")
    if not legends:
        raise ValueError("Expected at least one legend for the downloadable map; pass legends=[legend, ...].")
    # The page is the map: nothing to scroll, so the wheel zooms it at once.
    m = base_map(location=centre or ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM if zoom is None else zoom,
                 wheel_after_focus=False)
    for layer in layers:
        _detached_copy(layer).add_to(m)
    if bounds is not None:
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    add_to_map(m, *legends)
    frame = _PageFrame(title=title, subtitle=subtitle, attribution=attribution)
    set_stable_ids(frame, seed="frame:" + hashlib.sha256(f"{title}\n{subtitle}\n{attribution}".encode()).hexdigest())
    frame.add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.title = html.escape(title)
    return standalone_html(m)


class _PageFrame(MacroElement):
    """The heading (h1 and subtitle) at the top left and the attribution at the foot of the page."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <header class="hga-heading" style="position:fixed;top:12px;left:56px;z-index:640;max-width:calc(100vw - 440px);
                background:#fff;color:#1a1a1a;padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.4);
                font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif">
          <h1 style="font-size:1.15rem;margin:0 0 2px 0">{{ this.title }}</h1>
          <p style="margin:0;font-size:0.85rem">{{ this.subtitle }}</p>
        </header>
        <footer class="hga-attribution" style="position:fixed;bottom:6px;left:130px;z-index:640;max-width:min(640px,calc(100vw - 230px));
                background:rgba(255,255,255,.9);color:#1a1a1a;padding:4px 8px;border-radius:4px;font-size:0.75rem;
                font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif">{{ this.attribution }}</footer>
        {% endmacro %}
        """
    )

    def __init__(self, *, title: str, subtitle: str, attribution: str) -> None:
        super().__init__()
        self._name = "PageFrame"
        self.title = html.escape(title)
        self.subtitle = html.escape(subtitle)
        self.attribution = html.escape(attribution)


def _detached_copy(layer: folium.FeatureGroup) -> folium.FeatureGroup:
    """A deep copy of ``layer`` without its parent map (which a plain deep copy would copy too)."""
    parent = layer._parent
    layer._parent = None
    try:
        return copy.deepcopy(layer)
    finally:
        layer._parent = parent


def _walk(m: folium.Map) -> Iterator[Element]:
    """Every element on ``m``'s page."""
    stack: list[Element] = [m.get_root()]
    while stack:
        element = stack.pop()
        stack.extend(element._children.values())
        yield element


def _elements(m: folium.Map) -> Iterator[folium.elements.JSCSSMixin]:
    """Every element on ``m``'s page that lists assets, after checking each asset is known."""
    for element in _walk(m):
        if isinstance(element, ColorMap):
            raise ValidationError(
                "Expected an HTML legend (layers.legend); the map has a branca colormap, which makes st_folium "
                "load d3 from a CDN. Remove the colormap and use layers.legend.add_to_map()."
            )
        if not isinstance(element, folium.elements.JSCSSMixin):
            continue
        for name, url in [*element.default_js, *element.default_css]:
            if name not in _LOCAL and name not in _UNUSED:
                raise ValidationError(
                    f"Expected only Leaflet's assets on the map; {type(element).__name__} needs {name!r} from {url}. "
                    "Vendor it in scripts/vendor_assets.sh and list it in layers.assets._LOCAL, or drop the element."
                )
        yield element


def _forget_rendered_links(m: folium.Map, names: set[str] | frozenset[str]) -> None:
    # A map rendered before keeps its CDN <script>/<link> tags in the page header under these names.
    header = m.get_root().header  # type: ignore[attr-defined]
    for name in names & set(header._children):
        del header._children[name]


def _read(relative: str) -> str:
    return (VENDOR_DIR / relative).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    """Leaflet's CSS with its images (layer-control and marker icons) as data URIs."""
    folder = VENDOR_DIR / Path(_LOCAL["leaflet_css"]).parent

    def _data_uri(match: re.Match[str]) -> str:
        data = base64.b64encode((folder / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", _data_uri, _read(_LOCAL["leaflet_css"]))
