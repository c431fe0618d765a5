"""Every small area in England on one map, in headless Chromium at 1366x768, with no internet.

Opens ``?level=lsoa&vintage=2021``, waits for the national canvas to be painted,
hovers and clicks an LSOA as a person does (mouse over the visible map, no forced
clicks), switches the indicator in the sidebar and checks that only values travel
(the geometry file is fetched once), that nothing left localhost, and an axe audit.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from tests.browser.conftest import MAP_FRAME, axe_violations

pytestmark = pytest.mark.browser

GEOMETRY = "/app/static/national/lsoa_2021.topo.json.gz"


def _frame(page):
    return page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()


def _painted(page, *, title: str = "", selected: str | None = None, timeout_ms: int = 60_000) -> None:
    """Wait until the national layer is painted with a table whose title has ``title`` (and outlines ``selected``)."""
    check = """([title, selected]) => { const H = window.hgaNational;
        return !!(window.hgaNationalPainted && H.table.title.includes(title) && H.table.selected === selected); }"""
    waited = 0
    while waited < timeout_ms:
        try:
            if _frame(page).evaluate(check, [title, selected]):
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


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_every_small_area_painted_hovered_clicked_and_recoloured_offline(app_url, page, data_dir) -> None:
    pg, blocked = page
    geometry_requests: list[str] = []
    pg.on("request", lambda r: geometry_requests.append(r.url) if GEOMETRY in r.url else None)
    pg.goto(f"{app_url}/?level=lsoa&vintage=2021")
    _painted(pg)
    frame = _frame(pg)
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
    assert _query(pg)["area"] == spot["code"]
    pg.get_by_text("Deprivation deciles").first.wait_for(timeout=30_000)
    pg.get_by_text("Parent areas").first.wait_for(timeout=30_000)
    pg.get_by_role("button", name="its small areas").first.wait_for(timeout=30_000)
    _painted(pg, selected=spot["code"])

    # Another indicator: the same geometry, new values.
    pg.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Indicator").get_by_role(
        "combobox").click()
    pg.get_by_role("option", name="IMD 2025: score").click()
    _painted(pg, title="score", selected=spot["code"])
    assert _query(pg)["indicator"] == "imd2025_imd_score"
    assert len(geometry_requests) == 1, geometry_requests
    assert blocked.urls == []
    assert axe_violations(pg) == []
