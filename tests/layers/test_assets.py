"""Maps render with no internet: localised pages name only local assets, standalone files load nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import folium
import pytest
import streamlit
import streamlit_folium
from branca.colormap import LinearColormap
from branca.element import Element, Figure
from folium.plugins import Fullscreen

from geo.errors import ValidationError
from layers import assets

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
#: URLs inside Leaflet's own code that nothing fetches: its attribution link, the SVG namespace, a CSS comment.
NOT_FETCHED = {"https://leafletjs.com", "http://www.w3.org/2000/svg", "https://bugzilla.mozilla.org/show_bug.cgi?id=888319"}
N_POLYGONS = 3


def _squares() -> dict[str, Any]:
    """Three squares in England, one name trying HTML injection."""
    names = ["Ayton &amp; Bee", "Cee", "Dee"]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"area_code": f"E0600000{i}", "tip": f"<b>{name}</b>"},
             "geometry": {"type": "Polygon", "coordinates": [[[x, 52.0], [x + 0.8, 52.0], [x + 0.8, 52.8], [x, 52.8], [x, 52.0]]]}}
            for i, (name, x) in enumerate(zip(names, (-2.5, -1.5, -0.5), strict=True))
        ],
    }


def _atlas_like_map(*, tiles: str | None = None) -> tuple[folium.Map, folium.FeatureGroup]:
    """The elements the atlas uses: GeoJson with tooltip in a FeatureGroup, a LayerControl, an HTML legend."""
    m = folium.Map(location=(52.4, -1.1), zoom_start=7, tiles=tiles, control_scale=True)
    group = folium.FeatureGroup(name="Squares")
    folium.GeoJson(
        _squares(),
        style_function=lambda f: {"fillColor": "#b2182b", "color": "#333333", "weight": 1, "fillOpacity": 0.7},
        highlight_function=lambda f: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    ).add_to(group)
    folium.GeoJson(_squares()["features"][0], tooltip=folium.Tooltip("Outline"), interactive=False).add_to(m)
    group.add_to(m)
    folium.LayerControl().add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.html.add_child(Element('<div class="hga-legend" style="position:fixed;bottom:80px;left:10px;z-index:9999;background:#fff">Legend</div>'))
    return m, group


def _allowed_tile_urls(m: folium.Map) -> set[str]:
    """URLs belonging to the map's tile layers: their templates and attribution links."""
    text = " ".join(f"{e.tiles} {e.options.get('attribution', '')}" for e in m._children.values() if isinstance(e, folium.TileLayer))
    return set(URL.findall(text))


@pytest.mark.parametrize("which", ["js", "css"])
def test_vendored_leaflet_is_the_version_folium_references(which: str) -> None:
    assets_list = dict(folium.Map.default_js if which == "js" else folium.Map.default_css)
    url = assets_list["leaflet" if which == "js" else "leaflet_css"]
    assert f"leaflet@{assets.LEAFLET_VERSION}/" in url
    local = assets.VENDOR_DIR / assets._LOCAL["leaflet" if which == "js" else "leaflet_css"]
    assert local.stat().st_size > 10_000
    if which == "js":
        assert f"Leaflet {assets.LEAFLET_VERSION}," in local.read_text(encoding="utf-8")[:200]


def test_every_folium_default_asset_is_local_or_dropped() -> None:
    names = {name for name, _ in [*folium.Map.default_js, *folium.Map.default_css]}
    assert names <= set(assets._LOCAL) | assets._UNUSED, names - set(assets._LOCAL) - assets._UNUSED


def test_licences_are_recorded() -> None:
    licences = (assets.VENDOR_DIR / "LICENSES.md").read_text(encoding="utf-8")
    for relative in assets._LOCAL.values():
        folder = relative.split("/")[0]
        assert folder in licences
        assert (assets.VENDOR_DIR / folder / "LICENSE").is_file()


@pytest.mark.parametrize(
    ("tiles", "rendered_before", "base_url"),
    [
        pytest.param(None, False, assets.STREAMLIT_VENDOR_URL, id="no_tiles"),
        pytest.param(None, True, "/app/static/vendor/", id="rendered_with_cdn_first"),
        pytest.param("OpenStreetMap", False, assets.STREAMLIT_VENDOR_URL, id="optional_tiles"),
    ],
)
def test_localised_page_names_no_url_but_tiles(tiles: str | None, rendered_before: bool, base_url: str) -> None:
    m, _ = _atlas_like_map(tiles=tiles)
    if rendered_before:
        m.get_root().render()
    page = assets.localise(m, base_url=base_url).get_root().render()
    assert set(URL.findall(page)) <= _allowed_tile_urls(m)
    prefix = base_url.rstrip("/")
    assert f'<script src="{prefix}/leaflet-{assets.LEAFLET_VERSION}/leaflet.js">' in page
    assert f'href="{prefix}/leaflet-{assets.LEAFLET_VERSION}/leaflet.css"' in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_localise_leaves_folium_class_defaults_alone() -> None:
    before = (list(folium.Map.default_js), list(folium.Map.default_css))
    assets.localise(_atlas_like_map()[0])
    assert (folium.Map.default_js, folium.Map.default_css) == before


def test_st_folium_receives_only_local_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    """What streamlit-folium sends its iframe (which loads each js link and stops at the first failure)."""
    sent: dict[str, Any] = {}

    def _component(**kwargs: Any) -> Any:
        sent.update(kwargs)
        return kwargs["default"]

    monkeypatch.setattr(streamlit_folium, "_component_func", _component)
    base = folium.Map(location=(52.4, -1.1), zoom_start=7, tiles=None)
    _, group = _atlas_like_map()
    streamlit_folium.st_folium(assets.localise(base), feature_group_to_add=[group], returned_objects=["last_active_drawing"])
    prefix = f"{assets.STREAMLIT_VENDOR_URL}/leaflet-{assets.LEAFLET_VERSION}"
    assert sent["js_links"] == [f"{prefix}/leaflet.js"]
    assert sent["css_links"] == [f"{prefix}/leaflet.css"]
    for part in ("script", "header", "html", "feature_group"):
        assert URL.findall(sent[part] or "") == [], part


def test_standalone_html_loads_nothing_from_elsewhere() -> None:
    m, _ = _atlas_like_map()
    before = [list(m.default_js), list(m.default_css)]
    page = assets.standalone_html(m)
    assert set(URL.findall(page)) <= NOT_FETCHED
    assert assets._EXTERNAL_LOAD.search(page) is None
    assert "<script src=" not in page and "<link rel=" not in page
    leaflet_js = (assets.VENDOR_DIR / assets._LOCAL["leaflet"]).read_text(encoding="utf-8")
    assert leaflet_js in page
    assert "url(images/" not in page and "url(data:image/png;base64," in page
    assert page.index(leaflet_js) < page.index("L.map(")
    assert [m.default_js, m.default_css] == before


def _with_tiles() -> folium.Map:
    return _atlas_like_map(tiles="OpenStreetMap")[0]


def _with_plugin() -> folium.Map:
    m = _atlas_like_map()[0]
    Fullscreen().add_to(m)
    return m


def _with_colormap() -> folium.Map:
    m = _atlas_like_map()[0]
    LinearColormap(["#ffffff", "#b2182b"], vmin=0, vmax=1).add_to(m)
    return m


@pytest.mark.parametrize(
    ("make", "call", "message"),
    [
        pytest.param(_with_tiles, assets.standalone_html, "tile layer", id="tiles_in_offline_file"),
        pytest.param(_with_plugin, assets.standalone_html, "Fullscreen", id="plugin_in_offline_file"),
        pytest.param(_with_plugin, assets.localise, "Fullscreen", id="plugin_in_app"),
        pytest.param(_with_colormap, assets.localise, "colormap", id="colormap_in_app"),
    ],
)
def test_refuses_what_would_need_the_internet(make: Callable[[], folium.Map], call: Callable[[folium.Map], Any],
                                              message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        call(make())


def test_standalone_html_keeps_tiles_when_asked() -> None:
    m = _with_tiles()
    page = assets.standalone_html(m, allow_tiles=True)
    assert set(URL.findall(page)) <= NOT_FETCHED | _allowed_tile_urls(m)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _standalone(tmp: Path) -> str:
    path = tmp / "standalone.html"
    path.write_text(assets.standalone_html(_atlas_like_map()[0]), encoding="utf-8")
    return path.as_uri()


def _localised_to_files(tmp: Path) -> str:
    path = tmp / "localised.html"
    path.write_text(assets.localise(_atlas_like_map()[0], base_url=assets.VENDOR_DIR.as_uri()).get_root().render(), encoding="utf-8")
    return path.as_uri()


@pytest.mark.browser
@pytest.mark.parametrize("make_page", [pytest.param(_standalone, id="standalone"), pytest.param(_localised_to_files, id="localised")])
def test_map_paints_offline_in_chromium(chromium: Any, make_page: Callable[[Path], str], tmp_path: Path,
                                        request: pytest.FixtureRequest) -> None:
    context = chromium.new_context(viewport={"width": 900, "height": 700})
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(make_page(tmp_path))
        paths = page.locator(".leaflet-overlay-pane svg path")
        page.wait_for_function(f"document.querySelectorAll('.leaflet-overlay-pane svg path').length >= {N_POLYGONS + 1}",
                               timeout=10_000)
        assert paths.count() == N_POLYGONS + 1  # the squares and the outline
        box = paths.nth(N_POLYGONS).bounding_box() or paths.nth(0).bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".leaflet-tooltip", timeout=5_000)
        assert page.locator(".hga-legend").is_visible()
        assert errors == []
        assert [u for u in requested if not u.startswith(("file:", "data:"))] == []
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
        context.close()


# ---------------------------------------------------------------- the downloadable map and printing
ATTRIBUTION = ("Contains OS data © Crown copyright and database right 2025. "
               "Contains public sector information licensed under the Open Government Licence v3.0.")


def _export(squares: Any, indicator: Any, **kwargs: Any) -> str:
    from geo.classify import classify
    from layers.choropleth import choropleth_layer, outline_layer
    from layers.legend import build_legend
    from layers.style import scheme_for

    c = classify(squares["value"], method="quantiles", value_type=indicator.value_type, unit=indicator.unit)
    scheme = scheme_for(indicator.polarity, method="quantiles", k=c.k)
    layer = choropleth_layer(squares, name=indicator.label, indicator=indicator, period="2016-18", scheme=scheme,
                             england_value=79.4, classification=c)
    national = build_legend(indicator=indicator, period="2016-18", scheme=scheme, england_value=79.4,
                            classification=c, statuses=squares["status"])
    small = build_legend(indicator=indicator, period="2016-18", scheme=scheme, england_value=79.4,
                         classification=c, statuses=squares["status"], scope="Small areas in Bee")
    options: dict[str, Any] = {
        "title": "Life expectancy <at birth>, 2016-18",
        "subtitle": "Females · Local authorities (2023 boundaries) · Quintiles (5 groups by rank)",
        "legends": [national, small],
        "attribution": ATTRIBUTION,
    }
    layers = [layer, outline_layer(squares.geometry.iloc[1], name="Bee")]
    return assets.export_map(layers, **{**options, **kwargs})


def test_exported_map_has_heading_legends_attribution_and_loads_nothing(squares, indicator) -> None:
    page = _export(squares, indicator)
    assert set(URL.findall(page)) <= NOT_FETCHED and assets._EXTERNAL_LOAD.search(page) is None
    assert "<title>Life expectancy &lt;at birth&gt;, 2016-18</title>" in page
    assert re.search(r"<h1[^>]*>Life expectancy &lt;at birth&gt;, 2016-18</h1>", page)
    assert "Quintiles (5 groups by rank)" in page and "<at birth>" not in page
    assert "Small areas in Bee: Life expectancy &lt;test&gt; (years), 2016-18" in page  # the drill-down legend
    assert page.count('class="hga-legend"') == 2
    assert "Crown copyright" in page and "Open Government Licence v3.0" in page
    assert _export(squares, indicator) == page  # same input, same file
    assert "Ctrl + scroll" not in page  # the page is the map: the wheel zooms it at once


def test_exported_map_opens_where_the_user_was_looking(squares, indicator) -> None:
    page = _export(squares, indicator, bounds=(1.0, 0.0, 2.0, 1.0))
    assert re.search(r"map_\w+\.fitBounds\(\s*\[\[0\.0, 1\.0\], \[1\.0, 2\.0\]\]", page)
    centred = _export(squares, indicator, centre=(53.4, -2.7), zoom=10)
    assert '"zoom": 10' in centred and "53.4" in centred and not re.search(r"map_\w+\.fitBounds\(", centred)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        pytest.param({"attribution": " "}, "attribution", id="no-attribution"),
        pytest.param({"title": ""}, "title", id="no-title"),
        pytest.param({"legends": []}, "legend", id="no-legend"),
    ],
)
def test_exported_map_refuses_to_leave_out_what_a_reader_needs(squares, indicator, change, match) -> None:
    with pytest.raises(ValueError, match=match):
        _export(squares, indicator, **change)


def test_print_css_hides_the_apps_controls_by_names_streamlit_uses() -> None:
    css = assets.PRINT_CSS
    assert css.lstrip().startswith("@media print") and ".leaflet-control-zoom" in css
    test_ids = re.findall(r'data-testid="(\w+)"', css)
    wanted = {"stSidebar", "stHeader", "stToolbar", "stButton", "stDownloadButton"}
    assert wanted <= set(test_ids)
    bundle = " ".join(p.read_text(encoding="utf-8", errors="ignore")
                      for p in (Path(streamlit.__file__).parent / "static").rglob("*.js"))
    unknown = [t for t in test_ids if not re.search(rf"\b{t}\b", bundle)]
    assert unknown == [], f"Streamlit {streamlit.__version__} has no data-testid {unknown}"
