"""Keyboard and scrolling on the district map, in headless Chromium at 1366x768 with no internet.

A keyboard-only user tabs to the map (a focus ring they can see), moves it with the
arrow keys, hears the area under the centre and opens it with Enter; the keyboard then
lands on the area panel's heading. The mouse wheel over the map or a chart scrolls the
page and leaves the map's zoom and the chart's axes alone. The breadcrumb is one step in
the browser's history, so Back returns to the view the user saw before.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, axe_violations, map_frame, settle, url_query

pytestmark = pytest.mark.browser

POLYGONS = "path.leaflet-interactive"
BIRMINGHAM = "E08000025"
#: Where the page scrolls: Streamlit's main pane (the window itself does not scroll).
SCROLLED = "() => [window.scrollY, document.querySelector('[data-testid=stMain]').scrollTop]"


def _painted(page) -> None:
    """Wait until the district layer is drawn (its polygons are in the map's frame)."""
    map_frame(page).wait_for_function(f"() => document.querySelectorAll('{POLYGONS}').length > 100", timeout=60_000)


def _focused(page) -> str:
    """What has the keyboard focus: the map inside its frame, or the top page's element (its name)."""
    return page.evaluate("""() => { const a = document.activeElement;
        if (a && a.tagName === 'IFRAME') {
            const inner = a.contentDocument && a.contentDocument.activeElement;
            return inner && inner.classList.contains('leaflet-container') ? 'map' : 'frame:' + (inner ? inner.tagName : '');
        }
        return a ? (a.getAttribute('aria-label') || a.innerText || a.tagName).trim() : ''; }""")


def _tab_to(page, wanted, *, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        page.wait_for_timeout(60)
        if wanted(_focused(page)):
            return
    raise AssertionError(f"Tab never reached it; last focus {_focused(page)!r}")


def _ring(page) -> tuple[str, float]:
    """The focused element's outline (style, width in px), in the top page or inside the map's frame."""
    return tuple(page.evaluate("""() => { let a = document.activeElement;
        if (a && a.tagName === 'IFRAME') a = a.contentDocument.activeElement;
        const s = getComputedStyle(a); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"""))


def _dark_edge(png: bytes) -> float:
    """The share of the left and right edge pixels (2 px in from the edge) that are near black."""
    img = Image.open(io.BytesIO(png)).convert("L")
    w, h = img.size
    edge = [img.getpixel((x, y)) for y in range(10, h - 10) for x in (1, w - 2)]
    return sum(v < 60 for v in edge) / len(edge)


def test_keyboard_only_drills_into_an_area_and_lands_on_its_heading(app_url, page) -> None:
    pg, blocked = page
    pg.goto(app_url)
    _painted(pg)
    settle(pg)
    frame_el = pg.wait_for_selector(MAP_FRAME)
    before = _dark_edge(frame_el.screenshot())

    _tab_to(pg, lambda f: f == "map")
    frame = map_frame(pg)
    assert _ring(pg) == ("solid", 3.0)
    label = frame.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert label.startswith("Map of areas.") and "Enter opens the area" in label, label
    assert frame.evaluate("() => document.activeElement.getAttribute('role')") == "application"
    shot = frame_el.screenshot()
    (ARTIFACTS / "keyboard_map_focused.png").write_bytes(shot)
    assert _dark_edge(shot) > 0.9 > before + 0.5, (before, _dark_edge(shot))  # a ring a person can see
    assert frame.locator(".hga-cross").is_visible()
    stops = []
    while not stops or stops[-1].startswith(("map", "frame:")):  # the map is one stop, then its zoom and pan buttons ...
        pg.keyboard.press("Tab")
        stops.append(_focused(pg))
        assert len(stops) < 10 and "frame:path" not in stops, stops  # ... not one stop per area
    for _ in stops:
        pg.keyboard.press("Shift+Tab")
    assert _focused(pg) == "map"

    for key in ("ArrowDown", "ArrowDown", "ArrowLeft"):
        pg.keyboard.press(key)
        pg.wait_for_timeout(400)
    said = frame.locator(".hga-say").inner_text()
    found = re.match(r"(.+), (E0[6-9]\d{6})\. .+: .+\. Press Enter to open it\.$", said)
    assert found, said  # the area under the cross, read out
    name, code = found.groups()
    assert name in frame.locator(".leaflet-tooltip").inner_text()  # and shown

    pg.keyboard.press("Enter")
    pg.wait_for_function(f"() => window.location.search.includes('area={code}')", timeout=30_000)
    pg.get_by_role("heading", name=name).first.wait_for(timeout=30_000)
    settle(pg)
    pg.wait_for_function("""(name) => { const a = document.activeElement;
        return a && a.tagName === 'H3' && a.textContent.trim() === name; }""", arg=name, timeout=15_000)
    assert pg.evaluate("() => document.activeElement.id") == "area-panel"
    assert pg.evaluate(SCROLLED)[1] < 200  # the heading is in view, not the foot of the page
    pg.screenshot(path=str(ARTIFACTS / "keyboard_drilled.png"))
    assert url_query(pg)["area"] == code
    assert axe_violations(pg) == []
    assert blocked.urls == []


@pytest.mark.parametrize("link", ["Spearhead areas", "› West Midlands"])
def test_navigation_links_show_a_focus_ring(app_url, page, link: str) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/?area={BIRMINGHAM}")
    pg.get_by_role("heading", name="Birmingham").first.wait_for(timeout=60_000)
    settle(pg)
    _tab_to(pg, lambda f: f.split("\n")[-1].strip() == link)  # a nav link's text starts with its icon's name
    style, width = _ring(pg)
    assert style == "solid" and width >= 2, (style, width)


def _drilled(page, app_url: str):
    """Birmingham drilled into, the page settled: the map's frame element and frame."""
    page.goto(f"{app_url}/?area={BIRMINGHAM}")
    page.get_by_role("heading", name="Birmingham").first.wait_for(timeout=60_000)
    _painted(page)
    settle(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map && !window.map._animatingZoom", timeout=30_000)
    return page.wait_for_selector(MAP_FRAME), frame


def test_the_wheel_over_the_map_scrolls_the_page_and_ctrl_wheel_zooms(app_url, page) -> None:
    pg, _ = page
    frame_el, frame = _drilled(pg, app_url)
    zoom = frame.evaluate("() => window.map.getZoom()")
    box = frame_el.bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.mouse.wheel(0, 300)
    pg.wait_for_timeout(300)
    assert frame.locator(".hga-wheel-hint").is_visible()  # "Click the map or use Ctrl + scroll to zoom"
    pg.screenshot(path=str(ARTIFACTS / "keyboard_wheel_hint.png"))
    pg.wait_for_timeout(500)
    assert frame.evaluate("() => window.map.getZoom()") == zoom  # the map did not zoom ...
    assert pg.evaluate(SCROLLED)[1] > 100  # ... the page scrolled

    # Ctrl + wheel zooms the map at once, as a map in a page does.
    frame_el.scroll_into_view_if_needed()
    box = frame_el.bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.mouse.move(*middle)
    pg.keyboard.down("Control")
    pg.mouse.wheel(0, -100)
    pg.keyboard.up("Control")
    frame.wait_for_function(f"() => window.map.getZoom() === {zoom + 1} && !window.map._animatingZoom", timeout=5_000)

    # A click on the map (a small area of Birmingham: nothing opens) lets the wheel zoom it ...
    pg.mouse.click(*middle)
    settle(pg)
    pg.mouse.move(*middle)
    pg.mouse.wheel(0, 200)
    frame.wait_for_function(f"() => window.map.getZoom() < {zoom + 1}", timeout=5_000)
    assert url_query(pg)["area"] == BIRMINGHAM
    # ... until the person clicks elsewhere on the page: the wheel scrolls the page again.
    zoomed, top = frame.evaluate("() => window.map.getZoom()"), pg.evaluate(SCROLLED)[1]
    pg.get_by_role("heading", name="Health Gap Atlas").click()
    pg.mouse.move(*middle)
    pg.mouse.wheel(0, 200)
    pg.wait_for_timeout(800)
    assert frame.evaluate("() => window.map.getZoom()") == zoomed
    assert pg.evaluate(SCROLLED)[1] > top


def test_the_wheel_over_a_chart_scrolls_the_page_and_keeps_its_axes(app_url, page) -> None:
    pg, _ = page
    _drilled(pg, app_url)
    charts = pg.locator("[data-testid=stVegaLiteChart]")
    charts.nth(1).wait_for(state="attached", timeout=60_000)  # the trend and the small areas by decile
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.locator(".role-axis-label text").first.wait_for(timeout=30_000)
        chart.scroll_into_view_if_needed()
        pg.wait_for_timeout(300)
        labels = chart.locator(".role-axis-label text").all_inner_texts()
        top = pg.evaluate(SCROLLED)[1]
        box = chart.bounding_box()
        pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        pg.mouse.wheel(0, -150)
        pg.wait_for_timeout(800)
        assert pg.evaluate(SCROLLED)[1] < top, f"chart {i}: the page did not scroll"
        assert chart.locator(".role-axis-label text").all_inner_texts() == labels, f"chart {i}: its axes changed"


def test_back_after_the_region_breadcrumb_returns_to_the_area(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=lad&vintage=2023&area=E08000013")  # St. Helens, North West
    pg.get_by_role("heading", name="St. Helens").first.wait_for(timeout=60_000)
    settle(pg)
    steps = pg.evaluate("() => history.length")
    pg.get_by_role("button", name="› North West").click()
    pg.wait_for_function("() => window.location.search.includes('region=E12000002')", timeout=30_000)
    pg.get_by_role("heading", name="North West").first.wait_for(timeout=30_000)
    settle(pg)
    assert pg.evaluate("() => history.length") == steps + 1  # one step for one click

    pg.go_back()
    pg.get_by_role("heading", name="St. Helens").first.wait_for(timeout=30_000)
    settle(pg)
    q = url_query(pg)
    assert q.get("area") == "E08000013" and "region" not in q, q
    pg.go_forward()
    pg.get_by_role("heading", name="North West").first.wait_for(timeout=30_000)
    settle(pg)
    q = url_query(pg)
    assert q.get("region") == "E12000002" and "area" not in q, q
    assert blocked.urls == []
