"""The Spearhead page in headless Chromium: the overlay, the criteria panel, the gap and the gradient."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from geo import spearhead
from tests.browser.conftest import MAP_FRAME, axe_violations, click_area

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"


def _frame(page):
    return page.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame()


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_overlay_labels_qualifying_areas_and_the_panel_lists_criteria(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?period=2015-17")
    result = spearhead.run("2015-17")
    n = int(result.assessment.table["qualifies"].sum())
    frame = _frame(pg)
    frame.locator(".hga-label").first.wait_for(state="attached", timeout=90_000)
    assert frame.locator(".hga-label").count() == n  # one 3/5, 4/5 or 5/5 label per qualifying area
    frame.get_by_role("button", name="Zoom in").click()  # labels show from zoom 7, as the legend says
    frame.get_by_text("5/5").first.wait_for(timeout=10_000)
    pg.get_by_text(f"{n} of {len(result.assessment.table)} local authorities qualify", exact=False).first.wait_for()
    pg.wait_for_timeout(500)
    click_area(pg, LIVERPOOL)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=30_000)
    assert _query(pg)["area"] == LIVERPOOL
    assert pg.get_by_text("Cut-off", exact=False).first.is_visible()
    assert blocked.urls == []


def test_reconstruction_says_what_is_not_held(app_url, page) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/spearhead?period=2001-03")
    pg.get_by_text("Male life expectancy at birth for 2001-03 is not held", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("rests on 4 of the 5", exact=False).first.is_visible()


@pytest.mark.parametrize("tab", ["areas", "gap", "gradient"])
def test_each_view_passes_an_axe_audit(app_url, page, tab: str) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/spearhead?tab={tab}")
    pg.wait_for_selector(MAP_FRAME if tab != "gap" else "[data-testid='stVegaLiteChart']", timeout=90_000)
    pg.wait_for_timeout(1500)
    assert axe_violations(pg) == []


def test_bad_url_falls_back_with_a_note(app_url, page) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/spearhead?period=1066&threshold=nine")
    pg.get_by_text("Ignored", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("Traceback").count() == 0


def test_official_list_with_pcts_on_the_pct_map(app_url, page, tmp_path) -> None:
    pg, _ = page
    upload = tmp_path / "official.csv"
    upload.write_text("code\nLiverpool\nE16000001\nCentral Liverpool PCT\n", encoding="utf-8")
    pg.goto(f"{app_url}/spearhead?period=2015-17&level=pct")
    _frame(pg)
    with pg.expect_file_chooser() as chooser:
        pg.get_by_role("button", name="Upload", exact=True).first.click()
    chooser.value.set_files(str(upload))
    pg.get_by_text("PCT entries not matched", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("Local authorities (1 entries)", exact=False).first.is_visible()
    assert pg.get_by_text("PCTs (2 entries", exact=False).first.is_visible()
    assert pg.get_by_text("303 Primary Care Trusts of 2002-06", exact=False).first.is_visible()
    pg.screenshot(path="artifacts/spearhead_official_pcts.png", full_page=True)


def test_gap_view_charts_relative_and_absolute_gaps(app_url, page) -> None:
    from geo import gap

    pg, _ = page
    pg.goto(f"{app_url}/spearhead?tab=gap&family=cvd")
    charts = pg.locator("[data-testid='stVegaLiteChart']")
    charts.first.wait_for(timeout=90_000)
    pg.get_by_text("relative (%) and absolute (per 100,000)", exact=False).first.wait_for(timeout=30_000)
    pg.wait_for_timeout(1500)
    assert charts.count() == 2 * len(gap.FAMILIES["cvd"])  # one relative and one absolute chart per indicator
    pg.screenshot(path="artifacts/spearhead_gap_two_charts.png")
