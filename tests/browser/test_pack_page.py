"""The meeting-pack page in headless Chromium, with no internet; presentation mode hides the clutter."""

from __future__ import annotations

import re

import pytest

from geo import pack
from tests.browser.conftest import ARTIFACTS, MAP_FRAME, axe_violations, click_area, settle

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"


def test_pack_page_shows_the_area_and_its_figures(app_url, page, data_dir) -> None:
    pg, blocked = page
    content = pack.build(LIVERPOOL)
    pg.goto(f"{app_url}/pack?area={LIVERPOOL}")
    pg.get_by_role("heading", name=content.title).wait_for(timeout=60_000)
    pg.get_by_text(content.figures[0].sentence).first.wait_for(timeout=30_000)
    # The download buttons are drawn after the figures: wait for the button, do not sample it once.
    pg.get_by_role("button", name="Download pack (PDF, one A4 page)").wait_for(state="visible", timeout=30_000)
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


# ---------------------------------------------------------------- the pack says what the map panel says (issue 19)
#: What a reader reads as the comparison with England (Fingertips' words, and the words for "not tested").
#: "7% higher than England's 30.2" is a number, not a verdict: the phrase is not followed by "'s".
_COMPARISON_WORDS = {
    "better": "better than England", "similar": "similar to England", "worse": "worse than England",
    "higher": "higher than England", "lower": "lower than England", "not tested": "no confidence interval is held",
}
CVD = "Preventable heart & stroke deaths <75"  # the catalogue's label for u75_cvd_prev, as the page shows it
PREMATURE = "Preventable deaths under 75"  # u75_prev: no interval held, compared by OHID (issue 19's "11% higher")


def _comparison_word(text: str) -> str:
    found = [word for word, phrase in _COMPARISON_WORDS.items()
             if re.search(re.escape(phrase) + r"(?!['’]s)", " ".join(text.split()))]
    assert len(found) == 1, f"expected one comparison with England, found {found} in: {text!r}"
    return found[0]


def _visible_item(pg, text: str) -> str:
    item = pg.locator("li", has_text=text).filter(visible=True).first
    item.wait_for(timeout=60_000)
    item.scroll_into_view_if_needed()  # as a person scrolls down to read it
    return item.inner_text()


@pytest.mark.parametrize(("code", "name"), [pytest.param("E07000062", "Hastings", id="hastings"),
                                            pytest.param("E09000030", "Tower Hamlets", id="tower-hamlets")])
def test_the_pack_says_what_the_map_panel_says(app_url, page, data_dir, code: str, name: str) -> None:
    pg, blocked = page
    pg.goto(app_url)
    pg.wait_for_selector(MAP_FRAME, timeout=60_000)
    settle(pg)
    click_area(pg, code)
    pg.get_by_role("heading", name=name, exact=True).first.wait_for(timeout=60_000)
    settle(pg)
    panel = {label: _visible_item(pg, label) for label in (CVD, PREMATURE)}
    pg.screenshot(path=str(ARTIFACTS / f"panel_{code}.png"))
    pg.get_by_role("link", name="Meeting pack").click()
    pg.get_by_role("heading", name="Meeting pack").first.wait_for(timeout=60_000)
    settle(pg)
    pg.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    pg.keyboard.type(name)
    pg.get_by_role("option", name=f"{name} (district {code}", exact=False).first.click()
    pg.get_by_role("heading", name=f"{name}: health and deprivation").wait_for(timeout=60_000)
    settle(pg)
    in_pack = {label: _visible_item(pg, label) for label in (CVD, PREMATURE)}
    pg.screenshot(path=str(ARTIFACTS / f"pack_{code}.png"))
    for label in (CVD, PREMATURE):
        assert _comparison_word(in_pack[label]) == _comparison_word(panel[label]), (
            f"panel: {panel[label]!r}\npack: {in_pack[label]!r}")
    assert blocked.urls == []
