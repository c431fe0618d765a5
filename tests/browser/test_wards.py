"""Best-fit wards of a drilled district in headless Chromium at 1366x768, clicked as a person clicks, offline.

Liverpool is drilled into on the district map, shown as wards, a ward is pointed at and
clicked, the Wards (CSV) downloaded, and the About page opened: every place a ward figure
appears says it is approximate and carries the OS, Royal Mail and ONS attribution.
"""

from __future__ import annotations

import re
from io import StringIO

import pandas as pd
import pytest

from geo import boundaries, wards
from layers.wards import capture_text
from tests.browser.conftest import MAP_FRAME, axe_violations, click_area, hover_area, map_frame, settle, url_query

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
#: A postcode as the atlas would write one (outward code, space, inward code).
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")


def _expected(vintage: str) -> pd.DataFrame:
    """Liverpool's best-fit wards as geo.wards builds them (codes, names, capture shares; values do not matter)."""
    inside = boundaries.lsoas_within(LIVERPOOL, level="lad", vintage=vintage)["area_code"]
    return wards.ward_view(LIVERPOOL, pd.Series(1.0, index=inside.to_numpy()), level="lad", vintage=vintage)


def _wait_for_wards(page, n: int) -> None:
    """Until exactly ``n`` wards (E05 codes) are drawn on the map."""
    map_frame(page).wait_for_function(
        """(n) => { let k = 0; window.map.eachLayer((l) => { if (l.feature && String(l.feature.properties.area_code).startsWith('E05')) k++; });
                   return k === n; }""", arg=n, timeout=90_000,
    )


def _point_at(page, code: str) -> None:
    """Move the mouse to the visible middle of area ``code`` on the map (as click_area finds it), without clicking."""
    hover_area(page, code)


def test_liverpool_as_best_fit_wards_with_capture_shares_csv_and_attribution(app_url, page, data_dir, tmp_path) -> None:
    pg, blocked = page
    expected = _expected("2023")
    pg.goto(app_url)
    n_lads = len(pd.read_parquet(data_dir / "boundaries" / "lad_2023.parquet", columns=["area_code"]))
    map_frame(pg).wait_for_function(
        "(n) => document.querySelectorAll('path.leaflet-interactive').length === n", arg=n_lads, timeout=60_000)
    settle(pg)
    click_area(pg, LIVERPOOL)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=120_000)
    settle(pg)
    assert pg.get_by_text("Best-fit wards in Liverpool", exact=False).count() == 0  # small areas first

    pg.get_by_text(SHOW_WARDS, exact=True).click()  # the panel's "Show" radio
    pg.wait_for_function("() => window.location.search.includes('wards=1')", timeout=30_000)
    _wait_for_wards(pg, len(expected))
    legend = pg.get_by_text("Best-fit wards in Liverpool:", exact=False).first
    legend.wait_for(timeout=30_000)
    assert pg.get_by_text("Approximate: wards built from whole small areas", exact=False).first.is_visible()
    assert pg.get_by_text("Quintiles (5 groups by rank)", exact=False).count() >= 1
    settle(pg)

    # Point at a ward: its tooltip names it, with its small areas, capture share and the label; then click it.
    ward = expected[expected["area_name"] == "Anfield"].iloc[0]
    pg.locator(MAP_FRAME).scroll_into_view_if_needed()
    _point_at(pg, str(ward["area_code"]))
    tooltip = map_frame(pg).locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=10_000)
    words = tooltip.inner_text()
    for shown in ("Anfield", wards.LABEL, capture_text(ward["capture_share"]), f"{ward['lsoas']} (LSOAs)"):
        assert shown in words, (shown, words)
    click_area(pg, str(ward["area_code"]))
    settle(pg)
    assert url_query(pg)["area"] == LIVERPOOL  # a ward click chooses the ward; it never drills away
    row = pg.locator("[data-testid='stTable'] tr", has_text="Anfield").first
    row.wait_for(timeout=30_000)
    row.scroll_into_view_if_needed()
    assert row.is_visible() and capture_text(ward["capture_share"]) in row.inner_text()
    assert str(int(ward["lsoas"])) in row.inner_text()
    heads = pg.locator("[data-testid='stTable'] th").all_inner_texts()
    assert "Share of its postcodes captured" in heads and "Small areas" in heads
    assert pg.get_by_text("Contains Royal Mail data", exact=False).first.is_visible()  # the caption under the table

    with pg.expect_download(timeout=60_000) as info:
        pg.get_by_role("button", name="Wards (CSV)").click()
    path = tmp_path / "wards.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert all(line in header for line in wards.attribution_lines())  # the OS, Royal Mail and ONS lines
    table = pd.read_csv(StringIO(text), comment="#")
    assert sorted(table["ward_code"]) == sorted(expected["area_code"]) and (table["note"] == wards.LABEL).all()
    assert not POSTCODE.search(text.upper())  # aggregated figures only: no postcode leaves the session
    assert axe_violations(pg) == []
    pg.screenshot(path="/tmp/wards_panel.png")

    pg.get_by_role("link", name="About the data").click()
    pg.get_by_role("heading", name="Postcodes and what is derived from them").wait_for(timeout=60_000)
    for line in wards.attribution_lines():
        assert pg.get_by_text(line, exact=False).count() >= 1, line
    assert pg.get_by_text("Best-fit wards", exact=False).count() >= 1
    assert blocked.urls == []


SHOW_WARDS = "wards (approximate)"


def test_a_2019_district_on_2011_small_areas_opens_as_wards_from_its_link(app_url, page) -> None:
    pg, blocked = page
    expected = _expected("2019")
    pg.goto(f"{app_url}/?level=lad&vintage=2019&indicator=le_birth&period=2005-07&sex=female&area={LIVERPOOL}&wards=1")
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=120_000)
    _wait_for_wards(pg, len(expected))
    pg.get_by_text("Best-fit wards in Liverpool: IMD 2019", exact=False).first.wait_for(timeout=30_000)
    assert url_query(pg)["wards"] == "1" and url_query(pg)["vintage"] == "2019"
    assert pg.get_by_role("radio", name=SHOW_WARDS).is_checked()
    settle(pg)
    pg.get_by_role("radio", name=SHOW_WARDS).focus()  # the switch works from the keyboard too
    pg.keyboard.press("ArrowLeft")
    pg.wait_for_function("() => !window.location.search.includes('wards=')", timeout=30_000)
    pg.get_by_text("Small areas in Liverpool", exact=False).first.wait_for(timeout=60_000)
    assert blocked.urls == []


def test_a_bad_wards_value_is_said_and_dropped(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?area={LIVERPOOL}&wards=%3Cb%3Eall%3C%2Fb%3E")
    pg.get_by_text("is not one the atlas writes", exact=False).first.wait_for(timeout=120_000)
    assert "wards" not in url_query(pg) and pg.locator("b", has_text="all").count() == 0
    pg.get_by_text("Small areas in Liverpool", exact=False).first.wait_for(timeout=60_000)  # drawn as small areas
    assert blocked.urls == []
