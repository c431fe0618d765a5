"""The map's tooltip says which method gave an area's confidence interval, or why there is none (issue 21).

At 1366x768 with no internet, pointing with the mouse as a person does, on the upper-tier map of
ONS's 2016-18 life expectancy release (every district publishes a 95% CI; no upper-tier series
is held, so counties are the atlas's population-weighted approximations):

- Kent, a county, shows its approximate interval combined from its districts' published ones;
- Wiltshire, a unitary authority, shows its district's published interval "as published";
- on the 2023-25 map (no district publishes an interval) Kent says "no interval" and why.

u75_cvd_prev, named in the brief, has official upper-tier and regional rows for every period,
so none of its approximations is on those maps (they are on the PCT and SHA maps).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import MAP_FRAME, area_tooltip, settle

pytestmark = pytest.mark.browser

KENT = "E10000016"
WILTSHIRE = "E06000054"
SHOTS = Path("/tmp")


def _open(pg, app_url: str, query: str, area_code: str) -> str:
    """Open a map and read an area's tooltip once the area is drawn."""
    pg.goto(f"{app_url}/?{query}")
    pg.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame().wait_for_function(
        "(code) => { let hit = false; window.map.eachLayer((l) => { if (l.feature && l.feature.properties "
        "&& l.feature.properties.area_code === code) hit = true; }); return hit; }", arg=area_code, timeout=90_000)
    settle(pg)
    return area_tooltip(pg, area_code)


def test_tooltip_names_the_interval_method_or_says_why_there_is_none(app_url, page) -> None:
    pg, blocked = page
    query = "level=utla&vintage=2021&indicator=le_birth_1618&period=2016-18&sex=female"
    kent = _open(pg, app_url, query, KENT)
    assert "Kent" in kent and "Approximate:" in kent, kent
    assert "95% CI" in kent and "approximate, combining its parts' published CIs" in kent, kent
    pg.screenshot(path=str(SHOTS / "intervals_tooltip_combined.png"))
    wiltshire = area_tooltip(pg, WILTSHIRE)
    assert "Same area as Wiltshire" in wiltshire and "as published)" in wiltshire, wiltshire

    kent_le = _open(pg, app_url, "level=utla&vintage=2023&indicator=le_birth&period=2023-25&sex=female", KENT)
    assert "no interval: the published figures of its parts have no confidence interval" in kent_le, kent_le
    pg.screenshot(path=str(SHOTS / "intervals_tooltip_none.png"))
    assert blocked.urls == []
