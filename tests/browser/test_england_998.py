"""Compared with England at 99.8% confidence, in headless Chromium at 1366x768 with no internet.

A person picks "Compared with England (99.8% confidence)" in the sidebar with the mouse: the
legend says the level, the URL keeps ``method=england_998``, and an area that is worse than
England at 95% but not at 99.8% (its wider interval holds England's value) says so in its
tooltip. Where no area has a 99.8% interval (a source that publishes asymmetric 95% limits
and no counts), the option is not offered and a link asking for it says why in the sidebar.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import area_tooltip, settle, url_query

pytestmark = pytest.mark.browser

#: Healthy life expectancy: symmetric published 95% limits, from which the 99.8% ones are derived.
HLE = "/?level=utla&vintage=2025&indicator=hle_birth&period=2022-24&sex=female"
#: Under-75 CVD mortality: Dobson's asymmetric published 95% limits and no counts, so no 99.8% interval.
U75 = "/?level=utla&vintage=2023&indicator=u75_cvd_prev&period=2022-24&sex=persons"
OPTION = "Compared with England (99.8% confidence)"


def _classification(page):
    return page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Classification")


def _choose(page, option: str, *, keep_open: bool = False) -> None:
    """Open the sidebar's Classification list with the mouse and click ``option``, as a person does.

    Pointing at the map may start a rerun that closes an open list; a person opens it again.
    ``keep_open``: open the list until ``option`` shows, and leave it open to be read.
    """
    page.mouse.move(5, 5)
    for _ in range(3):
        settle(page)
        page.wait_for_timeout(1_000)
        settle(page)
        _classification(page).get_by_role("combobox").click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(timeout=5_000)
            if keep_open:
                return
            choice.click()
            break
        except Exception:
            page.keyboard.press("Escape")
    settle(page)


def _worse_at_95_similar_at_998(data_dir) -> tuple[str, str]:
    """The largest area the two levels disagree on (code, name), from the export table the map's CSV is."""
    from documents.figures import build
    from geo.view import View

    figures = build(View("utla", "2025", "hle_birth", "2022-24", "female", method="england_998"), data_dir=data_dir)
    table = figures.table().set_index("area_code")
    size = figures.joined.set_index("area_code").to_crs(27700).area
    differ = table[(table["compared_with_england"] == "worse") & (table["compared_with_england_99_8"] == "similar")]
    assert not differ.empty, "expected an area worse at 95% but similar at 99.8%"
    code = str(size.reindex(differ.index).idxmax())
    return code, str(differ.at[code, "area_name"])


def test_choosing_998_in_the_sidebar_recolours_the_map_at_998(app_url, page, data_dir) -> None:
    pg, blocked = page
    code, name = _worse_at_95_similar_at_998(data_dir)
    pg.goto(app_url + HLE)
    settle(pg)
    before = area_tooltip(pg, code)
    assert name in before and "Compared with England" not in before  # quintiles: no comparison yet

    _choose(pg, OPTION)
    legend = pg.locator(".hga-legend").first
    legend.get_by_text("Compared with England at 99.8% confidence", exact=False).wait_for(timeout=60_000)
    text = legend.inner_text()
    assert "Similar to England (99.8% confidence)" in text and "Worse than England (99.8% confidence)" in text
    assert "95% confidence" not in text
    assert url_query(pg)["method"] == "england_998"

    settle(pg)
    tip = area_tooltip(pg, code)
    assert name in tip and "Similar to England (99.8% confidence)" in tip, tip  # worse at 95%: not at 99.8%
    assert "99.8% CI" in tip, tip  # the limits it was compared by, beside the 95% ones
    pg.screenshot(path="/tmp/england_998_map.png", full_page=False)

    pg.goto(app_url + HLE + "&method=england_998")  # the link brings the same map back
    settle(pg)
    pg.locator(".hga-legend").first.get_by_text("Compared with England at 99.8% confidence", exact=False).wait_for(
        timeout=60_000)
    assert url_query(pg)["method"] == "england_998"
    assert blocked.urls == []


def test_998_is_offered_only_where_it_can_be_drawn(app_url, page) -> None:
    pg, blocked = page
    pg.goto(app_url + U75 + "&method=england_998")
    settle(pg)
    sidebar = pg.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("cannot be compared with England at 99.8%; showing quintiles instead", exact=False).wait_for(
        timeout=60_000)
    assert "Quintiles" in pg.locator(".hga-legend").first.inner_text()
    _choose(pg, "Compared with England (95% confidence)", keep_open=True)
    options = pg.get_by_role("option").all_inner_texts()
    assert "Compared with England (95% confidence)" in options and OPTION not in options
    pg.keyboard.press("Escape")
    assert blocked.urls == []
