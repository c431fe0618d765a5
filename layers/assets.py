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
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import folium
from branca.colormap import ColorMap
from branca.element import Element

from geo.errors import ValidationError

__all__ = ["LEAFLET_VERSION", "STATIC_DIR", "STREAMLIT_VENDOR_URL", "VENDOR_DIR", "localise", "standalone_html"]

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
