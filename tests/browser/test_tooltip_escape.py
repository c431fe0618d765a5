"""Escape closes an area's tooltip on the maps (WCAG 1.4.13 Content on Hover or Focus), in headless Chromium
at 1366x768 with no internet.

A person rests the pointer on an area, its tooltip opens, and they press Escape without moving the
pointer: the keyboard is in the page around the map's frame, as it is after only pointing. The
tooltip closes, stays closed while the pointer moves inside the same area, and the next area's
tooltip opens as usual. The same on the national small-area map (its own tooltip) and for a person
on the map's keyboard (the area under the cross).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, area_point, map_frame, settle

pytestmark = pytest.mark.browser

NORTH_YORKSHIRE = "E06000065"
NORTHUMBERLAND = "E06000057"
#: An open tooltip, whichever map drew it.
TIP = ".leaflet-tooltip"


def _shown(page) -> list[str]:
    """The text of every tooltip a person can see on the map (Leaflet fades a closed one out: opacity 0)."""
    return list(map_frame(page).evaluate(f"""() => [...document.querySelectorAll('{TIP}')]
        .filter(t => t.isConnected && t.getClientRects().length && parseFloat(getComputedStyle(t).opacity) > 0)
        .map(t => t.innerText)"""))


def _wait_shown(page, wanted: Callable[[list[str]], bool], what: str, *, timeout_ms: int = 10_000) -> list[str]:
    seen: list[str] = []
    for _ in range(timeout_ms // 100):
        seen = _shown(page)
        if wanted(seen):
            return seen
        page.wait_for_timeout(100)
    raise AssertionError(f"{what}; tooltips shown: {seen}")


def _district_point(page, area_code: str) -> tuple[float, float, str]:
    """The visible middle of a district (page pixels) and its name, on the district map."""
    map_frame(page).wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 100",
                                   timeout=60_000)
    x, y = area_point(page, area_code)
    name = map_frame(page).evaluate("""(code) => { let name = null;
        window.map.eachLayer((l) => { if (l.feature && l.feature.properties.area_code === code) name = l.feature.properties.area_name; });
        return name; }""", area_code)
    return x, y, str(name)


def _small_area_point(page, rank: int) -> tuple[float, float, str]:
    """A page point inside the rank-th largest small area in view (0: the largest), found by the map's own hit test."""
    frame_el = page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame_el.content_frame().wait_for_function("() => !!window.hgaNationalPainted", timeout=90_000)
    point = frame_el.content_frame().evaluate(
        """(rank) => {
            const H = window.hgaNational, d = H.data, map = window.map, size = map.getSize(), view = map.getBounds();
            const order = [];
            for (let j = 0; j < d.codes.length; j++) order.push(j);
            const area = (j) => (d.box[4*j+2] - d.box[4*j]) * (d.box[4*j+3] - d.box[4*j+1]);
            order.sort((a, b) => area(b) - area(a));
            let seen = -1;
            for (const i of order) {
                const b = d.box.slice(4 * i, 4 * i + 4);
                for (let k = 1; k < 400; k++) {
                    const u = b[0] + (b[2] - b[0]) * ((k * 0.618) % 1), v = b[1] + (b[3] - b[1]) * ((k * 0.382) % 1);
                    const ll = map.options.crs.pointToLatLng(L.point(u * 256, v * 256), 0), p = map.latLngToContainerPoint(ll);
                    if (view.contains(ll) && H.hit(ll) === i && p.x > 40 && p.y > 40 && p.x < size.x - 40 && p.y < size.y - 40) {
                        if (++seen === rank) return {x: p.x, y: p.y, name: d.names[i]};
                        break;
                    }
                }
            }
            return null;
        }""",
        rank,
    )
    assert point is not None, f"no visible point inside the small area ranked {rank}"
    box = frame_el.bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"], str(point["name"])


@dataclass(frozen=True)
class MouseCase:
    """A map and two of its areas: where to point (page pixels) and the name the tooltip shows."""

    path: str
    first: Callable[[object], tuple[float, float, str]]
    second: Callable[[object], tuple[float, float, str]]


MOUSE_CASES = {
    "districts": MouseCase("/", lambda pg: _district_point(pg, NORTH_YORKSHIRE),
                           lambda pg: _district_point(pg, NORTHUMBERLAND)),
    "small areas": MouseCase("/?level=lsoa&vintage=2021", lambda pg: _small_area_point(pg, 0),
                             lambda pg: _small_area_point(pg, 1)),
}


@pytest.mark.parametrize("map_name", list(MOUSE_CASES))
def test_escape_closes_the_tooltip_under_a_resting_pointer(app_url, page, map_name: str) -> None:
    pg, blocked = page
    case = MOUSE_CASES[map_name]
    pg.goto(app_url + case.path)
    settle(pg)
    x, y, name = case.first(pg)
    pg.mouse.move(x - 3, y - 3)
    pg.mouse.move(x, y)
    _wait_shown(pg, lambda tips: len(tips) == 1 and name in tips[0], f"{name}'s tooltip did not open")
    assert pg.evaluate("() => document.activeElement === document.body")  # the keyboard is in the page, not the map

    pg.keyboard.press("Escape")
    _wait_shown(pg, lambda tips: tips == [], "Escape left the tooltip open")
    pg.wait_for_timeout(500)
    assert _shown(pg) == []  # and it stays closed while the pointer rests
    pg.mouse.move(x + 2, y + 1)  # a small move inside the same area
    pg.wait_for_timeout(300)
    assert _shown(pg) == [], f"the tooltip of {name} came back without the pointer leaving it"

    x2, y2, name2 = case.second(pg)
    assert name2 != name
    pg.mouse.move(x2 - 3, y2 - 3)
    pg.mouse.move(x2, y2)
    _wait_shown(pg, lambda tips: len(tips) == 1 and name2 in tips[0], f"{name2}'s tooltip did not open after Escape")
    pg.screenshot(path=str(ARTIFACTS / f"tooltip_escape_{map_name.replace(' ', '_')}.png"))
    pg.keyboard.press("Escape")  # a second area closes the same way
    _wait_shown(pg, lambda tips: tips == [], "Escape left the second tooltip open")
    assert blocked.urls == []


def _focused_map(page) -> bool:
    return bool(page.evaluate("""() => { const a = document.activeElement;
        const inner = a && a.tagName === 'IFRAME' && a.contentDocument && a.contentDocument.activeElement;
        return !!inner && inner.classList.contains('leaflet-container'); }"""))


def test_escape_closes_the_tooltip_of_the_area_under_the_keyboard_cross(app_url, page) -> None:
    pg, blocked = page
    pg.goto(app_url)
    _district_point(pg, NORTH_YORKSHIRE)  # the districts are drawn
    settle(pg)
    for _ in range(80):
        pg.keyboard.press("Tab")
        pg.wait_for_timeout(60)
        if _focused_map(pg):
            break
    assert _focused_map(pg), "Tab never reached the map"
    frame = map_frame(pg)
    said = re.compile(r"(.+), (E0[6-9]\d{6})\. ")
    name = ""
    for key in ("ArrowDown", "ArrowDown", "ArrowLeft", "ArrowLeft", "ArrowUp", "ArrowRight"):  # until an area is under it
        found = said.match(frame.locator(".hga-say").inner_text())
        if found:
            name = found.group(1)
            break
        pg.keyboard.press(key)
        pg.wait_for_timeout(400)
    assert name, "no area came under the cross"
    _wait_shown(pg, lambda tips: len(tips) == 1 and name in tips[0], f"{name}'s tooltip did not open under the cross")

    pg.keyboard.press("Escape")
    _wait_shown(pg, lambda tips: tips == [], "Escape left the keyboard's tooltip open")
    assert _focused_map(pg)  # the map keeps the keyboard
    moved_to = ""
    for key in ("ArrowRight",) * 8:  # move on until another area is under the cross
        pg.keyboard.press(key)
        pg.wait_for_timeout(400)
        found = said.match(frame.locator(".hga-say").inner_text())
        if found and found.group(1) != name:
            moved_to = found.group(1)
            break
        assert _shown(pg) == [], f"the tooltip of {name} came back while the cross stayed on it"
    assert moved_to, f"the cross never left {name}"
    _wait_shown(pg, lambda tips: len(tips) == 1 and moved_to in tips[0], f"{moved_to}'s tooltip did not open")
    assert blocked.urls == []
