"""Every small area in England on one map, in headless Chromium at 1366x768, with no internet.

Opens ``?level=lsoa&vintage=2021``, waits for the national canvas to be painted,
hovers and clicks an LSOA as a person does (mouse over the visible map, no forced
clicks), switches the indicator in the sidebar and checks that only values travel
(the geometry file is fetched once), that nothing left localhost, and an axe audit.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.browser.conftest import MAP_FRAME, axe_violations, map_frame, settle, url_query

pytestmark = pytest.mark.browser

GEOMETRY = "/app/static/national/lsoa_2021.topo.json.gz"


def _painted(page, *, title: str = "", selected: str | None = None, timeout_ms: int = 60_000) -> None:
    """Wait until the national layer is painted with a table whose title has ``title`` (and outlines ``selected``)."""
    check = """([title, selected]) => { const H = window.hgaNational;
        return !!(window.hgaNationalPainted && H.table.title.includes(title) && H.table.selected === selected); }"""
    waited = 0
    while waited < timeout_ms:
        try:
            if map_frame(page).evaluate(check, [title, selected]):
                return
        except Exception:  # the iframe can be swapped while Streamlit reruns
            pass
        page.wait_for_timeout(100)
        waited += 100
    raise AssertionError(f"the national layer was not painted with {title!r} and {selected!r} in {timeout_ms} ms")


def _inside_point(page, code: str | None = None) -> dict:
    """A page point inside a drawn LSOA (``code``, or the largest in view), found by the map's own hit test."""
    frame_el = page.wait_for_selector(MAP_FRAME, timeout=60_000)
    point = frame_el.content_frame().evaluate(
        """(code) => {
            const H = window.hgaNational, d = H.data, map = window.map;
            let i = code ? d.index[code] : -1;
            if (i < 0) {  // the largest area in view
                let best = -1;
                for (let j = 0; j < d.codes.length; j++) {
                    const a = (d.box[4*j+2] - d.box[4*j]) * (d.box[4*j+3] - d.box[4*j+1]);
                    if (a > best) { best = a; i = j; }
                }
            }
            const b = d.box.slice(4 * i, 4 * i + 4), size = map.getSize();
            for (let k = 1; k < 400; k++) {  // a lattice over its box until the hit test agrees
                const u = b[0] + (b[2] - b[0]) * ((k * 0.618) % 1), v = b[1] + (b[3] - b[1]) * ((k * 0.382) % 1);
                const ll = map.options.crs.pointToLatLng(L.point(u * 256, v * 256), 0);
                const p = map.latLngToContainerPoint(ll);
                if (H.hit(ll) === i && p.x > 5 && p.y > 5 && p.x < size.x - 5 && p.y < size.y - 5) {
                    return {x: p.x, y: p.y, code: d.codes[i], name: d.names[i]};
                }
            }
            return null;
        }""",
        code,
    )
    assert point is not None, f"no visible point inside {code or 'the largest small area'}"
    box = frame_el.bounding_box()
    return {**point, "x": box["x"] + point["x"], "y": box["y"] + point["y"]}


def test_every_small_area_painted_hovered_clicked_and_recoloured_offline(app_url, page, data_dir) -> None:
    pg, blocked = page
    geometry_requests: list[str] = []
    pg.on("request", lambda r: geometry_requests.append(r.url) if GEOMETRY in r.url else None)
    pg.goto(f"{app_url}/?level=lsoa&vintage=2021")
    _painted(pg)
    frame = map_frame(pg)
    expected = pd.read_parquet(data_dir / "boundaries" / "lsoa_2021.parquet", columns=["area_code"])["area_code"]
    assert frame.evaluate("window.hgaNational.data.codes") == expected.tolist()
    # The canvas is painted: England at the opening zoom covers about a quarter of the map's box.
    coloured = frame.evaluate(
        """() => { const c = window.hgaNational.renderer._container, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   const size = window.map.getSize(), ratio = c.width / c.getBoundingClientRect().width;
                   let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
                   return n / (ratio * ratio * size.x * size.y); }"""
    )
    assert coloured > 0.15, f"only {coloured:.0%} of the map is painted"

    spot = _inside_point(pg)
    pg.mouse.move(spot["x"], spot["y"])
    tip = frame.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5_000)
    text = tip.inner_text()
    assert spot["name"] in text and spot["code"] in text and "decile" in text.lower(), text

    pg.mouse.click(spot["x"], spot["y"])
    pg.get_by_role("heading", name=spot["name"]).first.wait_for(timeout=30_000)
    assert url_query(pg)["area"] == spot["code"]
    pg.get_by_text("Deprivation deciles").first.wait_for(timeout=30_000)
    pg.get_by_text("Parent areas").first.wait_for(timeout=30_000)
    pg.get_by_role("button", name="its small areas").first.wait_for(timeout=30_000)
    _painted(pg, selected=spot["code"])

    # Another indicator: the same geometry, new values.
    pg.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Indicator").get_by_role(
        "combobox").click()
    pg.get_by_role("option", name="IMD 2025: score").click()
    _painted(pg, title="score", selected=spot["code"])
    assert url_query(pg)["indicator"] == "imd2025_imd_score"
    assert len(geometry_requests) == 1, geometry_requests
    assert blocked.urls == []
    assert axe_violations(pg) == []


def _focused(page) -> str:
    """What has the keyboard focus: the top page's element, or the map inside its frame."""
    return page.evaluate("""() => { const a = document.activeElement;
        if (a && a.tagName === 'IFRAME') {
            const inner = a.contentDocument && a.contentDocument.activeElement;
            return inner && inner.classList.contains('leaflet-container') ? 'map' : 'frame:' + (inner ? inner.tagName : '');
        }
        return a ? (a.getAttribute('aria-label') || a.getAttribute('placeholder') || a.innerText || a.tagName) : ''; }""")


def _tab_to(page, wanted, *, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        page.wait_for_timeout(60)
        if wanted(_focused(page)):
            return
    raise AssertionError(f"Tab never reached it; last focus {_focused(page)!r}")


def _population_text(data_dir, code: str) -> str:
    """The panel's population line as the ONS mid-2020 estimates on 2011 LSOAs give it."""
    pop = pd.read_parquet(data_dir / "indicators" / "population.parquet",
                          filters=[("area_code", "==", code), ("period", "==", "2020")])
    people = {r.indicator_id: int(r.value) for r in pop.itertuples()}
    return (f"{people['pop_total']:,} people (under 5: {people['pop_0_4']:,} · under 16: {people['pop_0_15']:,} · "
            f"65 and over: {people['pop_65_plus']:,})")


def test_a_keyboard_user_finds_a_small_area_and_opens_one_from_the_map(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=lsoa&vintage=2011")
    _painted(pg)
    settle(pg)
    # Search: Tab to the box, type a name, Enter; Tab to the match, Enter.
    _tab_to(pg, lambda f: "Find an area" in f)
    pg.keyboard.type("Hartlepool 009A")
    pg.keyboard.press("Enter")
    pg.get_by_role("button", name="Hartlepool 009A").wait_for(timeout=30_000)
    _tab_to(pg, lambda f: f.strip().startswith("Hartlepool 009A"), limit=5)  # "... (small area, LSOA 2011)"
    pg.keyboard.press("Enter")
    pg.get_by_role("heading", name="Hartlepool 009A").wait_for(timeout=30_000)
    assert url_query(pg)["area"] == "E01011949"
    _painted(pg, selected="E01011949")
    pg.get_by_text(_population_text(data_dir, "E01011949")).wait_for(timeout=30_000)
    assert pg.get_by_text("ONS mid-2020 estimate").count() == 1

    # The map: Tab to it (a visible focus ring and a centre cross), move it with the arrows, Enter opens.
    settle(pg)
    _tab_to(pg, lambda f: f == "map")
    frame = map_frame(pg)
    ring = frame.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }")
    assert ring == ["solid", "3px"], ring
    assert frame.locator(".hga-cross").is_visible()
    for _ in range(3):
        pg.keyboard.press("ArrowDown")
        pg.wait_for_timeout(400)
    under = frame.evaluate("""() => { const H = window.hgaNational, i = H.hit(window.map.getCenter());
        return i < 0 ? null : [H.data.codes[i], H.data.names[i]]; }""")
    assert under is not None and under[0] != "E01011949", under
    assert under[1] in frame.locator(".leaflet-tooltip").inner_text()  # the area under the cross is shown
    assert under[0] in frame.locator(".hga-say").inner_text()  # and read out
    pg.keyboard.press("Enter")
    pg.get_by_role("heading", name=under[1]).wait_for(timeout=30_000)
    assert url_query(pg)["area"] == under[0]
    pg.get_by_text(_population_text(data_dir, under[0])).wait_for(timeout=30_000)
    settle(pg)
    assert blocked.urls == []
    assert axe_violations(pg) == []


def test_a_note_coming_and_going_keeps_the_map_frame(app_url, page) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/?level=lsoa&vintage=2021&area=E01999999")
    pg.get_by_text("'E01999999' is not in the 2021").wait_for(timeout=60_000)
    _painted(pg)
    map_frame(pg).evaluate("() => { window.hgaSameFrame = true; }")
    pg.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Indicator").get_by_role(
        "combobox").click()
    pg.get_by_role("option", name="IMD 2025: score").click()
    _painted(pg, title="score")
    settle(pg)
    assert pg.get_by_text("'E01999999' is not in the 2021").count() == 0  # the note has gone ...
    assert map_frame(pg).evaluate("() => window.hgaSameFrame === true")  # ... and the map's frame stayed


def test_the_tooltip_numbers_are_the_official_values(app_url, page, data_dir) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/?level=lsoa&vintage=2021&indicator=imd2025_imd_score")
    _painted(pg, title="score")
    frame = map_frame(pg)
    got = frame.evaluate("() => { const H = window.hgaNational; return [H.data.codes, H.data.codes.map((_, i) => H.text(i))]; }")
    texts = pd.Series(got[1], index=got[0])
    values = pd.read_parquet(data_dir / "indicators" / "imd2025_lsoa.parquet",
                             filters=[("indicator_id", "==", "imd2025_imd_score")]).set_index("area_code")["value"]
    shown = pd.to_numeric(texts.str.split(" ").str[0].str.replace(",", ""), errors="coerce")
    assert shown.notna().all(), texts[shown.isna()].head()
    # IMD 2025 scores are published to 3 decimals; the map writes them exactly.
    assert (shown - values.reindex(shown.index)).abs().max() < 5e-4


def test_the_map_downloads_as_one_file_that_opens_offline(app_url, page, browser, tmp_path) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/?level=lsoa&vintage=2021&indicator=imd2025_imd_score")
    _painted(pg, title="score")
    settle(pg)
    with pg.expect_download(timeout=120_000) as download:
        pg.get_by_role("button", name="Map (HTML)").click()
    path = tmp_path / "national.html"
    download.value.save_as(path)
    size = path.stat().st_size
    assert 4e6 < size < 8e6, f"{size / 1e6:.1f} MB"

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    left: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:", "about:"))
                  else (left.append(r.request.url), r.abort()))
    offline = context.new_page()
    offline.goto(path.as_uri())
    offline.wait_for_function("() => window.hgaNationalPainted >= 1", timeout=60_000)
    painted = offline.evaluate(
        """() => { const c = window.hgaNational.renderer._container, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   const map = Object.values(window).find(v => v instanceof L.Map), size = map.getSize();
                   const ratio = c.width / c.getBoundingClientRect().width;
                   let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n / (ratio * ratio * size.x * size.y); }""")
    assert painted > 0.05, f"only {painted:.0%} of the page's map is painted"  # England at zoom 6 on a 1366x768 page
    assert offline.evaluate("() => window.hgaNational.data.codes.length") == 33755
    text = offline.inner_text("body")
    assert "IMD 2025" in text and "Small areas (LSOAs, 2021 boundaries)" in text
    assert "Open Government Licence" in text and "Crown copyright" in text
    offline.screenshot(path="artifacts/test_national_offline_html.png")
    context.close()
    assert left == []
