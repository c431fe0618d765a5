"""The maps' pan buttons (WCAG 2.5.7 Dragging Movements), in headless Chromium at 1366x768 with no internet.

A person who cannot drag moves the map with one click on "Move map east" (a button they
can see, below the zoom buttons): the map moves a third of its width east, and the area
under the button is not opened. A keyboard user reaches the four buttons with Tab (a
focus ring they can see) and presses one with Enter. Each map is opened drilled into an
area, so other areas lie under the buttons and a click that reached the map would open one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, area_tooltip, map_frame, settle

pytestmark = pytest.mark.browser

BUTTONS = ("Move map north", "Move map west", "Move map east", "Move map south")  # page order is reading order


@dataclass(frozen=True)
class View:
    """A map page, drilled into an area inland (areas all round it)."""

    path: str


CASES = {
    "district map": View("/?area=E08000025"),  # Birmingham
    "national small-area map": View("/?level=lsoa&vintage=2021&area=E01008881"),  # Birmingham 067A
}


def _drawn(page) -> None:
    """Wait until the map's frame has drawn Leaflet, its pan buttons and (national map) its canvas."""
    frame = map_frame(page)
    frame.wait_for_function("() => !!window.map && !!document.querySelector('.hga-pan button')", timeout=60_000)
    frame.wait_for_function("() => !window.hgaNational || !!window.hgaNationalPainted", timeout=60_000)


def _view(frame) -> dict:
    """The map's centre and size, and where its attribution and zoom buttons are (frame pixels)."""
    return frame.evaluate("""() => { const c = window.map.getCenter(), s = window.map.getSize();
        const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
            return [r.left, r.top, r.right, r.bottom]; };
        return {lat: c.lat, lng: c.lng, w: s.x, h: s.y, zoom: box('.leaflet-control-zoom'),
                attribution: box('.leaflet-control-attribution')}; }""")


def _still(frame) -> dict:
    """The view once the map has stopped moving (the pan is animated)."""
    last = _view(frame)
    for _ in range(40):
        frame.page.wait_for_timeout(150)
        now = _view(frame)
        if (now["lat"], now["lng"]) == (last["lat"], last["lng"]):
            return now
        last = now
    raise AssertionError("the map never stopped moving")


def _button(frame, name: str) -> dict:
    """The button named ``name``: its box (frame pixels), arrow size, and whether a point at its middle hits it."""
    return frame.evaluate("""(name) => {
        const b = [...document.querySelectorAll('.hga-pan button')].find(e => e.getAttribute('aria-label') === name);
        const r = b.getBoundingClientRect(), g = b.querySelector('svg').getBoundingClientRect();
        const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
        const hit = document.elementFromPoint(x, y);
        const under = window.map.containerPointToLatLng(window.map.mouseEventToContainerPoint({clientX: x, clientY: y}));
        const found = window.map.getContainer().hgaKeys.active().find(under);
        return {tag: b.tagName, type: b.type, box: [r.left, r.top, r.right, r.bottom], arrow: [g.width, g.height],
                x: x, y: y, hit: !!hit && b.contains(hit), opens: !!(found && found.open)}; }""", name)


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _focused(page) -> str:
    """The name of what has the keyboard focus: inside the map's frame ('frame:' + its name), or in the page."""
    return str(page.evaluate("""() => { const a = document.activeElement;
        if (a && a.tagName === 'IFRAME') {
            const inner = a.contentDocument && a.contentDocument.activeElement;
            return 'frame:' + (inner ? (inner.getAttribute('aria-label') || inner.tagName) : '');
        }
        return a ? (a.getAttribute('aria-label') || a.innerText || a.tagName).trim() : ''; }"""))


def _ring(frame) -> tuple[str, float, str]:
    return tuple(frame.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"""))


@pytest.mark.parametrize("case", list(CASES))
def test_a_click_on_a_pan_button_moves_the_map_and_opens_nothing(app_url, page, case: str) -> None:
    pg, blocked = page
    pg.goto(app_url + CASES[case].path)
    _drawn(pg)
    settle(pg)
    frame = map_frame(pg)
    before, url = _still(frame), pg.url
    frame_box = pg.wait_for_selector(MAP_FRAME).bounding_box()

    for name in BUTTONS:
        button = _button(frame, name)
        left, top, right, bottom = button["box"]
        assert button["tag"] == "BUTTON" and button["type"] == "button", button
        assert right - left >= 24 and bottom - top >= 24, button  # WCAG 2.5.8: at least 24 x 24 CSS px
        assert min(button["arrow"]) >= 12, button  # an arrow a person can see
        assert button["hit"], f"{name} is covered"
        assert not _overlap(button["box"], before["zoom"]) and not _overlap(button["box"], before["attribution"]), button
    east = _button(frame, "Move map east")
    assert east["opens"], "no area that opens lies under the button: the test would not see a click reach the map"

    frame.evaluate("() => { window.panHeard = []; window.map.on('mousedown preclick click dblclick', "
                   "(e) => window.panHeard.push(e.type)); }")
    pg.mouse.click(frame_box["x"] + east["x"], frame_box["y"] + east["y"])
    after = _still(frame)
    assert frame.evaluate("() => window.panHeard") == []  # the map heard nothing of the click
    # The old centre is now a third of the map's width left of the middle, at the same height: the map moved east.
    moved = frame.evaluate("(c) => { const p = window.map.latLngToContainerPoint(c); return [p.x, p.y]; }",
                           {"lat": before["lat"], "lng": before["lng"]})
    assert after["lng"] > before["lng"], (before, after)
    assert moved[0] == pytest.approx(before["w"] / 2 - round(before["w"] / 3), abs=1.5), (moved, before)
    assert moved[1] == pytest.approx(before["h"] / 2, abs=1.5), (moved, before)
    settle(pg)
    pg.wait_for_timeout(2_000)  # a click that reached the map would have started a rerun by now
    settle(pg)
    assert pg.url == url  # no area opened
    pg.screenshot(path=str(ARTIFACTS / f"pan_buttons_{case.replace(' ', '_')}.png"))

    # By keyboard: Tab reaches the four buttons in reading order, each with a focus ring; Enter moves the map.
    for _ in range(120):
        pg.keyboard.press("Tab")
        if _focused(pg) == f"frame:{BUTTONS[0]}":
            break
    assert _focused(pg) == f"frame:{BUTTONS[0]}", f"Tab never reached the pan buttons; last focus {_focused(pg)!r}"
    for name in BUTTONS:
        assert _focused(pg) == f"frame:{name}"
        style, width, _ = _ring(frame)
        assert style == "solid" and width >= 2, (name, _ring(frame))
        if name != BUTTONS[-1]:
            pg.keyboard.press("Tab")
    frame_el = pg.wait_for_selector(MAP_FRAME)
    (ARTIFACTS / f"pan_buttons_focused_{case.replace(' ', '_')}.png").write_bytes(frame_el.screenshot())
    start = _still(frame)
    pg.keyboard.press("Enter")  # "Move map south"
    end = _still(frame)
    assert frame.evaluate("() => window.panHeard") == []
    assert end["lat"] < start["lat"] and end["lng"] == pytest.approx(start["lng"], abs=1e-9), (start, end)
    settle(pg)
    assert pg.url == url
    assert blocked.urls == []


def test_a_tooltip_pushed_in_from_the_left_edge_stays_beside_the_buttons(app_url, page) -> None:
    """Doncaster's tooltip, pushed in from the map's left edge, is not drawn under the zoom and pan buttons."""
    pg, _ = page
    pg.goto(app_url + "/?level=utla&vintage=2025&indicator=hle_birth&period=2022-24&sex=female&method=england_998")
    settle(pg)
    area_tooltip(pg, "E08000017")
    frame = pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    overlap = frame.evaluate("""() => {
        const t = [...document.querySelectorAll('.leaflet-tooltip')].pop().getBoundingClientRect();
        const c = document.querySelector('.leaflet-top.leaflet-left').getBoundingClientRect();
        return Math.max(0, Math.min(t.right, c.right) - Math.max(t.left, c.left))
             * Math.max(0, Math.min(t.bottom, c.bottom) - Math.max(t.top, c.top)); }""")
    pg.screenshot(path=str(ARTIFACTS / "pan_buttons_beside_tooltip.png"))
    assert overlap == 0
