"""WCAG 2.2 AA on every page state, in headless Chromium at 1366x768 with no internet.

axe-core runs with the five rule sets the public sector accessibility regulations ask
for (``wcag2a``, ``wcag2aa``, ``wcag21a``, ``wcag21aa``, ``wcag22aa``) and every
violation counts, whatever its impact, including those inside the map's frame. Each
state is opened as a person opens it: a link, a click on the map, a file chosen with
the page's own button. The accessibility statement is reached by clicking its link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import EVERY_IMPACT, MAP_FRAME, WCAG22, axe_violations, click_area, settle, upload_file

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
CORNWALL = "E06000052"
LIVERPOOL_LSOA = "E01006512"  # Liverpool 001A, a 2021 small area
UPLOAD = Path(__file__).resolve().parents[1] / "fixtures" / "uploads" / "lad_percent_0_100.csv"
STATEMENT = "Accessibility statement"


def _map_drawn(page: object) -> None:
    """Wait until the map's frame has drawn Leaflet (and, on the national map, painted its canvas)."""
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()  # type: ignore[attr-defined]
    frame.wait_for_function("() => !!window.map && !!document.querySelector('.leaflet-control-zoom-in')",
                            timeout=60_000)
    frame.wait_for_function("() => !window.hgaNational || !!window.hgaNationalPainted", timeout=60_000)


def _drill(page: object) -> None:
    """Click Liverpool on the map, as a person drills down."""
    _map_drawn(page)
    click_area(page, LIVERPOOL)
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => new URLSearchParams(location.search).get('area') === '{LIVERPOOL}'", timeout=60_000)
    settle(page)
    _map_drawn(page)


def _upload(page: object) -> None:
    """Choose a file in "Your own data" and add its column to the map."""
    page.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    upload_file(page, UPLOAD)
    page.get_by_role("button", name="Add to map").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => (new URLSearchParams(location.search).get('indicator') || '').startsWith('upload:')", timeout=60_000)
    settle(page)
    _map_drawn(page)


def _open_table(page: object) -> None:
    """Open "Table of the areas on the map" (the map's table) with a click."""
    page.get_by_text("Table of the areas on the map", exact=True).click()  # type: ignore[attr-defined]
    page.locator(".hga-area-table tbody tr").first.wait_for(timeout=90_000)  # type: ignore[attr-defined]


def _upload_then_drill(page: object) -> None:
    _upload(page)
    _drill(page)


def _checking_upload(page: object) -> None:
    """A file chosen, its check and preview open in the sidebar, not yet added."""
    page.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    upload_file(page, UPLOAD)
    settle(page)


@dataclass(frozen=True)
class State:
    """A page state: the link opened, then what a person does there."""

    path: str
    then: Callable[[object], None] = field(default=lambda page: None)
    has_map: bool = True


STATES = {
    "map": State("/"),
    "map drilled": State("/", then=_drill),
    "map with its table of areas open": State("/?sort=worst", then=_open_table),
    "map presenting": State("/?present=1"),
    "map presenting drilled": State(f"/?present=1&area={LIVERPOOL}"),
    "map with an upload": State("/", then=_upload),
    "map with an upload drilled": State("/", then=_upload_then_drill),
    "map checking an upload": State("/", then=_checking_upload),
    "national small-area map": State("/?level=lsoa&vintage=2021"),
    "national small-area map drilled": State(f"/?level=lsoa&vintage=2021&area={LIVERPOOL_LSOA}"),
    "spearhead areas": State("/spearhead?tab=areas&period=2015-17"),
    "spearhead areas drilled": State("/spearhead?tab=areas&period=2015-17", then=_drill),
    "spearhead gap": State("/spearhead?tab=gap", has_map=False),
    "spearhead gradient": State("/spearhead?tab=gradient"),
    "spearhead years behind": State("/spearhead?tab=lag&lind=le_birth&lsex=female&lperiod=2023-25"),
    "target": State("/target", has_map=False),
    "target drilled": State(f"/target?within={LIVERPOOL}", has_map=False),
    "target presenting": State(f"/target?within={LIVERPOOL}&present=1", has_map=False),
    "pack": State(f"/pack?area={LIVERPOOL}", has_map=False),
    "pack presenting": State(f"/pack?area={LIVERPOOL}&present=1", has_map=False),
    "about": State("/about", has_map=False),
    "statement": State("/accessibility", has_map=False),
}


@pytest.mark.parametrize("name", list(STATES))
def test_no_wcag22_violation_of_any_impact(app_url: str, page: tuple[object, object], name: str) -> None:
    pg, blocked = page
    state = STATES[name]
    pg.goto(app_url + state.path)  # type: ignore[attr-defined]
    settle(pg)
    if state.has_map:
        _map_drawn(pg)
    state.then(pg)
    settle(pg)
    pg.wait_for_timeout(500)  # type: ignore[attr-defined]  # the frames finish drawing
    assert pg.get_by_text("Traceback").count() == 0  # type: ignore[attr-defined]
    assert axe_violations(pg, impacts=EVERY_IMPACT, tags=WCAG22, frames=True) == []
    assert blocked.urls == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("start", ["/?area=" + CORNWALL, f"/pack?area={LIVERPOOL}&present=1"])
def test_the_statement_is_one_click_away(app_url: str, page: tuple[object, object], start: str) -> None:
    pg, _ = page
    pg.goto(app_url + start)  # type: ignore[attr-defined]
    settle(pg)
    link = pg.get_by_role("link", name=STATEMENT).last  # type: ignore[attr-defined]
    link.wait_for(timeout=60_000)
    settle(pg)  # a click while the page is still drawing can be swallowed by the rerun
    link.click()
    pg.get_by_role("heading", name=STATEMENT, exact=True).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    assert pg.url.split("?")[0].endswith("/accessibility")  # type: ignore[attr-defined]
    for heading in ("How accessible this website is", "Reporting accessibility problems with this website",
                    "Enforcement procedure", "Compliance status", "Non-accessible content",
                    "Preparation of this accessibility statement"):
        pg.get_by_role("heading", name=heading, exact=True).wait_for(timeout=30_000)  # type: ignore[attr-defined]


def _contrast(rgb: str) -> float:
    """WCAG contrast ratio of a computed ``rgb(r, g, b)`` colour against white."""
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


@pytest.mark.parametrize("path", ["/spearhead?tab=gap", "/spearhead?tab=gradient", f"/?area={LIVERPOOL}"])
def test_chart_text_is_readable(app_url: str, page: tuple[object, object], path: str) -> None:
    """Every visible word in a chart (axes, legends) is 4.5:1 on the white page: axe cannot measure inside SVG."""
    pg, _ = page
    pg.goto(app_url + path)  # type: ignore[attr-defined]
    settle(pg)
    pg.wait_for_selector("[data-testid='stVegaLiteChart'] svg text", timeout=60_000)  # type: ignore[attr-defined]
    fills = pg.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart'] svg text")]
            .filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')
            .map(t => [t.textContent, getComputedStyle(t).fill])"""
    )
    assert fills
    faint = sorted({(text, fill) for text, fill in fills if _contrast(fill) < 4.5})
    assert faint == [], faint[:5]


@pytest.mark.parametrize(("width", "height", "scale"), [(320, 640, 1), (683, 384, 2)], ids=["320px", "200% zoom"])
@pytest.mark.parametrize("path", [f"/?area={LIVERPOOL}", f"/pack?area={LIVERPOOL}", "/about", "/accessibility"])
def test_nothing_hides_the_title_when_narrow(app_url: str, browser: object, path: str, width: int, height: int,
                                             scale: int) -> None:
    """At 320 CSS px and at 1366x768 zoomed to 200% (683x384 CSS px at device scale 2, as the browser's zoom lays out),
    the page's title is on screen, not under Streamlit's header, no button's label is cut short, and nothing is
    wider than the screen."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)  # type: ignore[attr-defined]
    try:
        pg = context.new_page()
        pg.goto(app_url + path)
        settle(pg)
        pg.locator("h1").first.wait_for(timeout=60_000)
        seen: dict[str, Any] = {}
        for _ in range(15):  # under load a late rerun can redraw the buttons before the page's style is back
            seen = pg.evaluate(
                """() => { const h = document.querySelector('h1'), r = h.getBoundingClientRect();
                    const hit = document.elementFromPoint(r.left + Math.min(20, r.width / 2), (r.top + r.bottom) / 2);
                    const d = document.documentElement, m = document.querySelector("[data-testid='stMain']");
                    const cut = [...m.querySelectorAll("button [data-testid='stMarkdownContainer']")]
                        .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent);
                    return {inside: !!hit && h.contains(hit), top: r.top, cut,
                        wide: Math.max(d.scrollWidth - d.clientWidth, m.scrollWidth - m.clientWidth)}; }"""
            )
            if seen["inside"] and seen["wide"] <= 0 and seen["cut"] == []:
                break
            pg.wait_for_timeout(1_000)
        assert seen["inside"], f"the title of {path} is covered at {width}px: {seen}"
        assert seen["wide"] <= 0, f"{path} scrolls sideways at {width}px: {seen}"
        assert seen["cut"] == [], f"button labels cut short on {path} at {width}px: {seen['cut']}"
    finally:
        context.close()
