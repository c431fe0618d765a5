"""Upper-tier authorities and regions on the latest period, as a new user met them (issue 19).

At 1366x768 with no internet, clicked as a person clicks: the user switches Geography to
upper-tier authorities on the default 2023-25 map, sees men's figures and a county's
approximation in its tooltip and the legend, opens the North West and finds the panel on
the map's period, and downloads the Table (CSV) of an indicator with confidence intervals.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from geo.catalogue import load_catalogue
from tests.browser.conftest import MAP_FRAME, area_tooltip, click_area, download, settle, url_query

pytestmark = pytest.mark.browser

LANCASHIRE = "E10000017"  # a county: its figure is a population-weighted approximation from its districts
BLACKPOOL = "E06000009"  # a unitary authority: the same area as the district, so its published figure
SHOTS = Path("/tmp")


def _pick(page, box: str, option: str) -> None:
    """Open a sidebar select box and click one of its options."""
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text=box).get_by_role(
        "combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def _hover(page, area_code: str) -> str:
    """Move the mouse onto the middle of an area's polygon and read its tooltip."""
    page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame().wait_for_function(
        "(code) => { let hit = false; window.map.eachLayer((l) => { if (l.feature && l.feature.properties "
        "&& l.feature.properties.area_code === code) hit = true; }); return hit; }", arg=area_code, timeout=60_000)
    return area_tooltip(page, area_code)


def _legend(page) -> str:
    return " ".join(page.locator(".hga-legend").all_inner_texts())


def _download(page, name: str) -> str:
    """Press a download button (again if a rerun swallowed the click) and return the file's text."""
    return download(page, name, timeout_ms=20_000).read_text(encoding="utf-8")


def test_upper_tiers_on_2023_25_with_men_approximations_panel_period_and_table(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_role("button", name="Table (CSV)").wait_for(timeout=90_000)
    settle(pg)
    assert url_query(pg)["period"] == "2023-25"

    # Geography -> upper-tier authorities: the period stays 2023-25 and men's figures are offered.
    _pick(pg, "Geography", "Upper-tier local authorities")
    pg.wait_for_function("() => new URLSearchParams(location.search).get('level') === 'utla'", timeout=60_000)
    settle(pg)
    assert url_query(pg)["period"] == "2023-25", pg.url
    pg.locator("[data-testid=stSidebar]").get_by_text("Male", exact=True).click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('sex') === 'male'", timeout=60_000)
    settle(pg)
    pg.get_by_text("Life expectancy at birth, male, 2023-25").first.wait_for(timeout=60_000)
    legend = _legend(pg)
    assert "males, 2023-25" in legend and "population-weighted" in legend, legend
    tip = _hover(pg, LANCASHIRE)
    assert "Lancashire" in tip and "Approximate:" in tip and "population-weighted" in tip, tip
    same = _hover(pg, BLACKPOOL)
    assert "Same area as Blackpool (E06000009)" in same, same
    pg.screenshot(path=str(SHOTS / "upper_tier_tooltip.png"))

    # The North West: the panel's period is the map's.
    settle(pg)
    click_area(pg, LANCASHIRE)
    pg.get_by_role("heading", name="Lancashire").first.wait_for(timeout=60_000)
    settle(pg)
    pg.get_by_role("button", name="› North West").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('region') === 'E12000002'", timeout=60_000)
    pg.get_by_role("heading", name="North West").first.wait_for(timeout=60_000)
    settle(pg)
    main = pg.locator("[data-testid=stMain]").inner_text()
    mapped = re.search(r"Life expectancy at birth, male, (\d{4}-\d{2})", main)
    panel = re.search(r"Life expectancy \(male\), (\d{4}-\d{2}):", main)
    assert mapped and panel, main
    assert panel.group(1) == mapped.group(1) == "2023-25"
    assert "Approximate:" in main  # the region's figure says what it is
    pg.screenshot(path=str(SHOTS / "upper_tier_north_west.png"))

    # The Table (CSV) of an indicator with confidence intervals: filled where held.
    pg.get_by_role("button", name="England", exact=True).click()
    pg.wait_for_function("() => !new URLSearchParams(location.search).get('region')", timeout=60_000)
    settle(pg)
    _pick(pg, "Indicator", load_catalogue(data_dir)["le_birth_1618"].label)  # ONS's release with 95% intervals
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator') === 'le_birth_1618'",
                         timeout=60_000)
    text = _download(pg, "Table (CSV)")
    header = [line for line in text.splitlines() if line.startswith("#")]
    table = pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str})
    assert (table["level"] == "utla").all() and (table["period"] == "2016-18").all()
    published = table[(table["status"] == "ok") & ~table["approximate"]]
    assert len(published) > 100 and published[["lower_ci", "upper_ci"]].notna().all().all()
    assert ((published["lower_ci"] <= published["value"]) & (published["value"] <= published["upper_ci"])).all()
    approximate = table[table["approximate"]]
    # every district publishes a 95% CI, so each county's is combined from theirs (issue 21)
    assert len(approximate) > 0 and approximate[["lower_ci", "upper_ci"]].notna().all().all()
    assert any("Confidence intervals (95%)" in line for line in header), header
    assert any("Approximate:" in line for line in header), header
    pg.screenshot(path=str(SHOTS / "upper_tier_table.png"))
    assert blocked.urls == []
