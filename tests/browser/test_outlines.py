"""A drilled area's outline follows its small areas, on the page and in the downloaded map (1366x768, no network).

Tower Hamlets was drawn from a super-generalised outline that left the Isle of Dogs
outside the borough while its small areas were drawn inside it. The test drills in
with mouse clicks, reads every polygon the map holds (Leaflet's own layers), and
checks that each small area lies inside both outlines a person sees: the bold
drill-down outline and the borough's own polygon in the districts layer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from tests.browser.conftest import MAP_FRAME, click_area, settle

pytestmark = pytest.mark.browser

TOWER_HAMLETS = "E09000030"
LONDON = "E12000007"
#: Share of a small area's surface allowed outside an outline: coordinates reach the
#: browser rounded to 4 decimals (about 10 m), the same way for the area and the outline.
SLACK = 0.001

#: Every polygon a Leaflet map holds: its area code (none for the drill-down outline), style and GeoJSON geometry.
LAYERS_JS = """(map) => { const out = [];
  map.eachLayer((l) => { if (l.feature && l.toGeoJSON && l.getLatLngs) {
    out.push({code: (l.feature.properties || {}).area_code || null, fill: l.options.fill !== false,
              geometry: l.toGeoJSON().geometry}); } });
  return out; }"""


def _n_lsoas(data_dir, code: str) -> int:
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa21_parents.parquet")
    return int((parents["lad_code_2023"] == code).sum())


def _polygons(rows: list[dict[str, Any]]) -> tuple[list[shapely.Geometry], shapely.Geometry, shapely.Geometry]:
    """The small areas drawn, the bold outline and the borough's polygon in the districts layer."""
    lsoas = [shapely.make_valid(shape(r["geometry"])) for r in rows if str(r["code"] or "").startswith("E01")]
    outline = [shape(r["geometry"]) for r in rows if r["code"] is None and not r["fill"]]
    borough = [shape(r["geometry"]) for r in rows if r["code"] == TOWER_HAMLETS]
    assert len(outline) == 1 and len(borough) == 1, (len(outline), len(borough))
    return lsoas, shapely.make_valid(outline[0]), shapely.make_valid(borough[0])


def _outside(lsoas: list[shapely.Geometry], container: shapely.Geometry) -> list[float]:
    """Each small area's share lying outside ``container``."""
    return [shapely.difference(a, container).area / a.area for a in lsoas]


def _check(rows: list[dict[str, Any]], expected: int, where: str) -> None:
    lsoas, outline, borough = _polygons(rows)
    assert len(lsoas) == expected, where
    for name, container in (("bold outline", outline), ("borough polygon", borough)):
        shares = _outside(lsoas, container)
        poking = sum(s > SLACK for s in shares)
        assert poking == 0, f"{where}: {poking} of {len(lsoas)} small areas lie partly outside the {name} (worst {max(shares):.0%})"


def test_drilled_tower_hamlets_draws_every_small_area_inside_its_outline(app_url, page, data_dir, tmp_path) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?region={LONDON}")  # London, where a borough is large enough to click
    frame = pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 296", timeout=60_000)
    settle(pg)
    click_area(pg, TOWER_HAMLETS)
    expected = _n_lsoas(data_dir, TOWER_HAMLETS)
    frame = pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function(
        """(n) => { let k = 0;
                   window.map.eachLayer((l) => { if (l.feature && String((l.feature.properties || {}).area_code).startsWith('E01')) k++; });
                   return k === n; }""", arg=expected, timeout=60_000)
    settle(pg)
    frame = pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    _check(frame.evaluate(f"() => ({LAYERS_JS})(window.map)"), expected, "on the page")
    pg.screenshot(path="/tmp/test_outlines_tower_hamlets.png")

    # the downloaded map draws the same outlines
    pg.get_by_role("button", name="Prepare map (HTML)").click()
    with pg.expect_download(timeout=60_000) as info:
        pg.get_by_role("button", name="Download map (HTML)").click()
    html = tmp_path / "map.html"
    info.value.save_as(html)
    viewer = pg.context.new_page()
    viewer.set_content(html.read_text(encoding="utf-8"))  # as if opened from disk, still with no internet
    viewer.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 100", timeout=30_000)
    rows = viewer.evaluate(
        f"() => {{ for (const k in window) {{ if (k.startsWith('map_') && window[k] && window[k].eachLayer) "
        f"return ({LAYERS_JS})(window[k]); }} return []; }}")
    _check(rows, expected, "in the downloaded map")
    viewer.close()
    assert blocked.urls == []
