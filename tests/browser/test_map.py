"""The map in headless Chromium, with every non-localhost request blocked.

Each test leaves a screenshot of its final state in artifacts/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
POLYGONS = "path.leaflet-interactive"


def _frame(page):
    return page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()


def _count_polygons(page) -> int:
    try:
        return _frame(page).locator(POLYGONS).count()
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
    return pd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=["area_code", "area_name"])


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


def test_click_drills_down_and_breadcrumb_goes_back(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(app_url)
    n_lads = len(_areas(data_dir, "lad", "2023"))
    _wait_for_polygons(pg, lambda n: n == n_lads)
    _frame(pg).locator(POLYGONS).nth(150).click(force=True)
    assert _wait_for_polygons(pg, lambda n: n > n_lads + 1) > n_lads + 1
    pg.wait_for_function("() => window.location.search.includes('area=')", timeout=30_000)
    code = parse_qs(urlparse(pg.url).query)["area"][0]
    name = _areas(data_dir, "lad", "2023").set_index("area_code").loc[code, "area_name"]
    pg.get_by_role("heading", name=name).first.wait_for(timeout=30_000)
    lsoas = pd.read_parquet(data_dir / "lookups" / "lsoa21_parents.parquet")
    n_lsoas = int((lsoas["lad_code_2023"] == code).sum())
    assert _count_polygons(pg) == n_lads + n_lsoas
    pg.get_by_role("button", name="England").click()
    assert _wait_for_polygons(pg, lambda n: n == n_lads) == n_lads
    pg.wait_for_function("() => !window.location.search.includes('area=')", timeout=30_000)
    _frame(pg).wait_for_function("() => window.map && window.map.getZoom() === 6", timeout=30_000)  # back to England
    pg.wait_for_timeout(1000)  # let Leaflet's zoom animation finish before the screenshot
    assert blocked.urls == []


def test_copied_url_restores_the_view(app_url, page, data_dir) -> None:
    pg, blocked = page
    query = "level=lad&vintage=2019&indicator=le_birth&period=2005-07&sex=female&method=deciles&area=E06000009"
    pg.goto(f"{app_url}/?{query}")
    n = len(_areas(data_dir, "lad", "2019"))
    assert _wait_for_polygons(pg, lambda k: k > n) > n
    pg.get_by_role("heading", name="Blackpool").first.wait_for(timeout=30_000)
    assert pg.get_by_text("2005-07").first.is_visible()
    assert pg.get_by_text("Deciles (10 groups of equal size)").first.is_visible()
    assert parse_qs(urlparse(pg.url).query)["period"] == ["2005-07"]
    assert blocked.urls == []


def test_bad_url_shows_a_note_not_a_traceback(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=parish&indicator=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    pg.get_by_text("Unknown geography").first.wait_for(timeout=30_000)
    assert pg.get_by_text("Traceback").count() == 0
    assert re.search(r"level=lad", pg.url)
    assert blocked.urls == []
