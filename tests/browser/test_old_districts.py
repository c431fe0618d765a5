"""Easington (20UF, a district until March 2009) found by name on every page, in Chromium at 1366x768, offline.

Issue 19: the map offered Kensington and Chelsea for "Easington", the pack's picker said
"No results", and Easington's pack had one figure and "Spearhead status: not assessed".
A person types the name into the search box, clicks the match that says what became of
the district, and lands on it on its own code set (the 354 districts before April 2009).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, settle

pytestmark = pytest.mark.browser

CODE = "20UF"
LABEL = "Easington (district until March 2009, now part of County Durham E06000047)"


def _query(pg) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(pg.url).query).items()}


def _type_and_choose(pg, box) -> None:
    """Click the box, type the name key by key, Enter; click the match that names Easington."""
    box.wait_for(timeout=60_000)
    box.click()
    pg.keyboard.type("Easington", delay=40)
    pg.keyboard.press("Enter")
    match = pg.get_by_role("button", name=LABEL)
    match.wait_for(timeout=30_000)
    assert pg.get_by_role("button", name=re.compile("Kensington")).count() == 0
    pg.screenshot(path=str(ARTIFACTS / f"old_districts_search_{urlparse(pg.url).path.strip('/') or 'map'}.png"))
    match.click()
    settle(pg)


def _drawn_on_the_map(pg, code: str) -> bool:
    frame = pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    return bool(frame.wait_for_function(
        """(code) => { let found = false;
            if (!window.map) return false;
            window.map.eachLayer((l) => { if (l.feature && l.feature.properties && l.feature.properties.area_code === code) found = true; });
            return found; }""", arg=code, timeout=60_000))


@pytest.mark.parametrize("start", [pytest.param("", id="district-map"),
                                   pytest.param("?level=lsoa&vintage=2011", id="national-small-area-map")])
def test_the_map_finds_easington_by_name_and_opens_it_on_the_pre_2009_districts(app_url, page, start: str) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/{start}")
    settle(pg)
    _type_and_choose(pg, pg.get_by_placeholder(re.compile("Find an area")))
    pg.get_by_role("heading", name="Easington").first.wait_for(timeout=60_000)
    query = _query(pg)
    assert (query["level"], query["vintage"], query["area"]) == ("lad", "2008", CODE)
    assert _drawn_on_the_map(pg, CODE)
    pg.get_by_text("Local authority districts (2008 boundaries)").first.wait_for(timeout=30_000)
    pg.screenshot(path=str(ARTIFACTS / f"old_districts_map{'_national' if start else ''}.png"))
    assert blocked.urls == []


def test_the_target_page_finds_easington_by_name(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/target?within=E08000012")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    settle(pg)
    _type_and_choose(pg, pg.get_by_label("or find any area: name or code, any year"))
    assert _query(pg)["within"] == CODE
    pg.get_by_text("Easington (2008 local authority district, 20UF)").first.wait_for(timeout=60_000)
    pg.get_by_text(re.compile(r"of the area's \d+ small areas \(LSOAs\) match the rule")).first.wait_for(timeout=60_000)
    pg.screenshot(path=str(ARTIFACTS / "old_districts_target.png"))
    assert blocked.urls == []


def _shares(data_dir) -> dict[str, float]:
    table = pd.read_parquet(data_dir / "indicators" / "summaries.parquet")
    rows = table[(table["area_code"] == CODE) & table["indicator_id"].str.endswith("_imd_la_prop_most_deprived_10pc")]
    return {str(p): float(v) for p, v in zip(rows["period"], rows["value"], strict=True)}


def test_the_pack_picker_finds_easington_and_its_pack_is_filled(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/pack?area=E08000012")
    pg.get_by_role("heading", name=re.compile("Liverpool")).first.wait_for(timeout=60_000)
    settle(pg)
    picker = pg.get_by_role("combobox", name="Area")
    picker.click()
    pg.keyboard.type("Easington", delay=40)  # the picker said "No results"
    pg.get_by_role("option", name=LABEL).click()
    settle(pg)
    pg.get_by_role("heading", name="Easington: health and deprivation").wait_for(timeout=60_000)
    assert _query(pg)["area"] == CODE
    items = pg.locator("li").filter(visible=True)
    shares = _shares(data_dir)
    assert set(shares) == {"2004", "2007", "2010", "2015", "2019"}
    line = items.filter(has_text="most deprived 10%").first
    line.wait_for(timeout=30_000)
    text = line.inner_text()
    assert f"{100 * shares['2004']:.1f}% on the IMD 2004" in text and f"{100 * shares['2010']:.1f}% (2010)" in text
    assert items.filter(has_text="IoD2019 average score").count() == 1
    assert items.count() >= 3  # not one figure
    spearhead = pg.get_by_text(re.compile("Spearhead status")).first.inner_text()
    assert "2001-03 data (2008 codes)" in spearhead and "not assessed" not in spearhead
    pg.screenshot(path=str(ARTIFACTS / "old_districts_pack.png"), full_page=True)
    # The pack's own search box finds it too, by name.
    pg.goto(f"{app_url}/pack?area=E08000012")
    pg.get_by_role("heading", name=re.compile("Liverpool")).first.wait_for(timeout=60_000)
    settle(pg)
    _type_and_choose(pg, pg.get_by_label("or find any area: name or code, any year"))
    pg.get_by_role("heading", name="Easington: health and deprivation").wait_for(timeout=60_000)
    assert blocked.urls == []
