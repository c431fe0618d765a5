"""The meeting-pack page in headless Chromium, with no internet; presentation mode hides the clutter."""

from __future__ import annotations

import pytest

from geo import pack
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"


def test_pack_page_shows_the_area_and_its_figures(app_url, page, data_dir) -> None:
    pg, blocked = page
    content = pack.build(LIVERPOOL)
    pg.goto(f"{app_url}/pack?area={LIVERPOOL}")
    pg.get_by_role("heading", name=content.title).wait_for(timeout=60_000)
    pg.get_by_text(content.figures[0].sentence).first.wait_for(timeout=30_000)
    assert pg.get_by_role("button", name="Download pack (PDF, one A4 page)").is_visible()
    assert blocked.urls == []
    assert axe_violations(pg) == []


def test_presentation_mode_hides_the_sidebar(app_url, page, data_dir) -> None:
    pg, _ = page
    content = pack.build(LIVERPOOL)
    pg.goto(f"{app_url}/pack?area={LIVERPOOL}&present=1")
    heading = pg.get_by_role("heading", name=content.title)
    heading.wait_for(timeout=60_000)
    pg.locator("[data-testid='stSidebar']").wait_for(state="hidden", timeout=30_000)
    pg.get_by_alt_text("Map of Liverpool's small areas by deprivation decile").wait_for(timeout=30_000)
    size = pg.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.stApp p')).fontSize)")
    assert size >= 22  # large type for a projector


def test_presentation_mode_is_entered_and_left_in_the_same_tab(app_url, page, data_dir) -> None:
    pg, blocked = page
    content = pack.build(LIVERPOOL)
    pg.goto(f"{app_url}/pack?area={LIVERPOOL}")
    heading = pg.get_by_role("heading", name=content.title)
    heading.wait_for(timeout=60_000)
    pages_before = len(pg.context.pages)
    pg.get_by_role("button", name="Presentation mode").click()
    pg.locator("[data-testid='stSidebar']").wait_for(state="hidden", timeout=30_000)
    assert len(pg.context.pages) == pages_before  # the same tab, not a new one
    assert "present=1" in pg.url and f"area={LIVERPOOL}" in pg.url
    pg.get_by_role("button", name="Download pack (PDF, one A4 page)").wait_for(state="hidden", timeout=30_000)
    sizes = pg.evaluate("""() => [document.querySelector('.stApp h1'), document.querySelector('.stApp p')]
        .map((el) => parseFloat(getComputedStyle(el.querySelector('span') || el).fontSize))""")
    assert sizes[0] > sizes[1] >= 22, sizes  # the title is larger than the large body type
    assert axe_violations(pg) == []
    pg.screenshot(path="artifacts/pack_presentation_mode.png")
    pg.get_by_role("button", name="Leave presentation mode").click()
    pg.locator("[data-testid='stSidebar']").wait_for(state="visible", timeout=30_000)
    assert "present" not in pg.url and f"area={LIVERPOOL}" in pg.url
    assert blocked.urls == []
