"""The map in headless Chromium at 1366x768, clicked as a person clicks, with no internet.

Every non-localhost request is blocked. Each test leaves a screenshot of its final
state in artifacts/.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.browser.conftest import MAP_FRAME, axe_violations, click_area, map_frame, settle, url_query

pytestmark = pytest.mark.browser

POLYGONS = "path.leaflet-interactive"
BIRMINGHAM = "E08000025"


def _count_polygons(page) -> int:
    try:
        return map_frame(page).locator(POLYGONS).count()
    except Exception:  # the iframe can be swapped while Streamlit reruns
        return -1


def _wait_for_polygons(page, predicate, *, timeout_ms: int = 30_000) -> int:
    waited, n = 0, -1
    while waited < timeout_ms:
        n = _count_polygons(page)
        if predicate(n):
            return n
        page.wait_for_timeout(200)
        waited += 200
    return n


def _areas(data_dir, level: str, vintage: str) -> pd.DataFrame:
    return pd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet",
                           columns=["area_code", "area_name", "region_code"])


def _n_lsoas(data_dir, code: str) -> int:
    lsoas = pd.read_parquet(data_dir / "lookups" / "lsoa21_parents.parquet")
    return int((lsoas["lad_code_2023"] == code).sum())


def test_map_paints_one_polygon_per_area_with_no_internet(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(app_url)
    expected = len(_areas(data_dir, "lad", "2023"))
    assert _wait_for_polygons(pg, lambda n: n == expected) == expected
    assert pg.get_by_text(", female, 2023-25").first.is_visible()
    assert blocked.urls == []


@pytest.mark.parametrize(("level", "vintage"), [("utla", "2025"), ("region", "2019")])
def test_other_geographies_paint(app_url, page, data_dir, level: str, vintage: str) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level={level}&indicator=u75_cvd_prev")
    expected = len(_areas(data_dir, level, vintage))
    assert _wait_for_polygons(pg, lambda n: n == expected) == expected
    assert blocked.urls == []


def test_map_and_legend_fit_a_laptop_screen(app_url, page, data_dir) -> None:
    pg, _ = page
    pg.goto(app_url)
    _wait_for_polygons(pg, lambda n: n > 0)
    box = pg.wait_for_selector(MAP_FRAME).bounding_box()
    assert box["y"] + box["height"] <= 768, f"the map ends at {box['y'] + box['height']:.0f} px, below the fold"
    legend = pg.get_by_text("England:", exact=False).first
    legend.wait_for(timeout=30_000)
    assert legend.bounding_box()["y"] < 768


def test_one_click_drills_down_with_its_own_legend(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(app_url)
    n_lads = len(_areas(data_dir, "lad", "2023"))
    _wait_for_polygons(pg, lambda n: n == n_lads)
    settle(pg)
    click_area(pg, BIRMINGHAM)  # once
    n_lsoas = _n_lsoas(data_dir, BIRMINGHAM)
    assert _wait_for_polygons(pg, lambda n: n > n_lsoas) > n_lsoas
    map_frame(pg).wait_for_function(
        """(n) => { let k = 0; window.map.eachLayer((l) => { if (l.feature && String(l.feature.properties.area_code).startsWith('E01')) k++; });
                   return k === n; }""", arg=n_lsoas, timeout=30_000,
    )  # every small area of Birmingham is drawn; the districts around it stay, faded
    assert url_query(pg)["area"] == BIRMINGHAM
    pg.get_by_role("heading", name="Birmingham").first.wait_for(timeout=30_000)
    # each layer has its own legend: the small areas' decile legend is there beside the districts'
    pg.get_by_text("Small areas in Birmingham", exact=False).first.wait_for(timeout=30_000)
    assert pg.get_by_text("1 = most deprived 10%", exact=False).count() >= 1
    assert pg.get_by_text("10 = least deprived 10%", exact=False).count() >= 1
    # a tooltip from the national map does not stay behind once the layers change
    assert map_frame(pg).locator(".leaflet-tooltip").count() <= 1
    assert blocked.urls == []


def test_breadcrumb_goes_back_to_the_map_the_user_started_on(app_url, page, data_dir) -> None:
    pg, blocked = page
    query = "level=lad&vintage=2019&indicator=le_birth&period=2005-07&sex=female&method=deciles"
    pg.goto(f"{app_url}/?{query}&area=E08000013")  # St. Helens, North West, on an old period
    lads = _areas(data_dir, "lad", "2019")
    pg.get_by_role("heading", name="St. Helens").first.wait_for(timeout=60_000)
    settle(pg)
    pg.get_by_role("button", name="› North West").click()
    pg.wait_for_function("() => window.location.search.includes('region=E12000002')", timeout=30_000)
    q = url_query(pg)
    assert "area" not in q and (q["level"], q["vintage"], q["period"], q["indicator"]) == ("lad", "2019", "2005-07", "le_birth")
    pg.get_by_role("heading", name="North West").first.wait_for(timeout=30_000)
    settle(pg)
    pg.get_by_role("button", name="England", exact=True).click()
    pg.wait_for_function("() => !window.location.search.includes('region=')", timeout=30_000)
    assert _wait_for_polygons(pg, lambda n: n == len(lads)) == len(lads)
    assert url_query(pg)["period"] == "2005-07"
    map_frame(pg).wait_for_function("() => window.map && window.map.getZoom() === 6", timeout=30_000)
    pg.wait_for_timeout(1000)  # let Leaflet's zoom animation finish before the screenshot
    assert blocked.urls == []


def test_copied_url_restores_the_view(app_url, page, data_dir) -> None:
    pg, blocked = page
    query = ("level=lad&vintage=2019&indicator=le_birth&period=2005-07&sex=female&method=deciles&area=E06000009"
             "&lsoa=imd2019_income_decile")
    pg.goto(f"{app_url}/?{query}")
    pg.get_by_role("heading", name="Blackpool").first.wait_for(timeout=60_000)
    assert _wait_for_polygons(pg, lambda k: k > 0) > 0
    assert pg.get_by_text("2005-07").first.is_visible()
    q = url_query(pg)
    assert (q["period"], q["method"], q["lsoa"]) == ("2005-07", "deciles", "imd2019_income_decile")
    assert blocked.urls == []


def test_bad_url_shows_a_note_not_a_traceback(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=parish&indicator=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    pg.get_by_text("Unknown geography").first.wait_for(timeout=30_000)
    assert pg.get_by_text("Traceback").count() == 0
    assert re.search(r"level=lad", pg.url)
    assert blocked.urls == []


@pytest.mark.parametrize("path", ["/", "/?area=E08000025", "/about"])
def test_pages_pass_an_axe_audit(app_url, page, path: str) -> None:
    pg, _ = page
    pg.goto(f"{app_url}{path}")
    pg.wait_for_selector("h1", timeout=60_000)
    pg.wait_for_timeout(3000)
    assert axe_violations(pg) == []


def test_downloaded_map_has_title_legends_and_attribution_and_opens_on_the_area(app_url, page, data_dir, tmp_path) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?area={BIRMINGHAM}")
    _wait_for_polygons(pg, lambda n: n > 300)
    settle(pg)
    pg.get_by_role("button", name="Prepare map (HTML)").click()
    with pg.expect_download(timeout=60_000) as info:
        pg.get_by_role("button", name="Download map (HTML)").click()
    html = (tmp_path / "map.html")
    info.value.save_as(html)
    text = html.read_text(encoding="utf-8")
    assert "<h1" in text and "Life expectancy at birth" in text
    assert "Small areas in Birmingham" in text  # the small-area legend travels with the map
    assert "Open Government Licence" in text and "Crown copyright" in text
    assert "cdn.jsdelivr" not in text and "unpkg" not in text  # works offline
    viewer = pg.context.new_page()
    viewer.set_content(text)  # as if opened from disk, still with no internet
    viewer.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 300", timeout=30_000)
    zoom = viewer.evaluate(
        "() => { for (const k in window) { if (k.startsWith('map_') && window[k] && window[k].getZoom) "
        "return window[k].getZoom(); } return null; }"
    )
    assert zoom is not None and zoom >= 9  # opens on Birmingham, not on England
    viewer.close()
    assert blocked.urls == []


def test_printing_the_page_hides_the_sidebar_and_buttons(app_url, page) -> None:
    pg, _ = page
    pg.goto(app_url)
    _wait_for_polygons(pg, lambda n: n > 0)
    pg.emulate_media(media="print")
    assert not pg.locator("[data-testid='stSidebar']").is_visible()
    assert not pg.get_by_role("button", name="Table (CSV)").is_visible()
    assert pg.locator("h1").first.is_visible()
    pg.emulate_media(media="screen")
