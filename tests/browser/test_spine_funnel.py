"""Fingertips' views and OHID's SII in the browser (issue 21): 1366x768, no internet, mouse clicks.

On the fuel-poverty map the user clicks Liverpool, opens the panel's "Spine chart" (an
image named and described, a marker and word per indicator) and "Funnel plot" (Liverpool
named among the districts, the 95% and 99.8% limits); on the life-expectancy map the
funnel is one line saying why there is none. The pack page's HTML download holds both.
The Spearhead page's gradient tab shows OHID's SII and RII with their simulated 95% and
99.8% intervals beside the older RII, named as such.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import click_area, settle

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
SHOTS = Path("/tmp")


def _click(page, locator) -> None:
    """One mouse click in the middle of a visible element (scrolled to first, as a person scrolls)."""
    settle(page)
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, "the element is not visible"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _open_liverpool(page, app_url: str, query: str) -> None:
    page.goto(f"{app_url}/?{query}")
    page.get_by_role("button", name="Table (CSV)").wait_for(timeout=90_000)
    settle(page)
    click_area(page, LIVERPOOL)
    page.get_by_role("heading", name="Liverpool").first.wait_for(timeout=60_000)
    settle(page)


def test_the_panel_shows_the_spine_chart_and_the_funnel_plot(app_url, page) -> None:
    pg, blocked = page
    _open_liverpool(pg, app_url, "level=lad&vintage=2021&indicator=fuel_poverty&period=2020&sex=persons")

    _click(pg, pg.locator("summary").filter(has_text="Spine chart"))
    chart = pg.locator("svg.hga-spine")
    chart.wait_for(state="visible", timeout=60_000)
    assert chart.get_attribute("role") == "img"
    assert chart.locator("title").first.text_content() == "Spine chart: Liverpool against England"
    from geo import spine  # imported here: on the code before the spine chart, the click above is what fails

    expected = spine.spine(LIVERPOOL, area_name="Liverpool", level="lad", vintage="2021")
    rows = chart.locator("g > title")
    assert rows.count() == len(expected.rows)
    assert f"{len(expected.rows)} indicators for Liverpool" in (chart.locator("desc").text_content() or "")
    words = " ".join(chart.locator("text").all_text_contents())
    assert "80.6 worse" in words and "not compared" in words  # female life expectancy, 2023-25
    pg.wait_for_timeout(800)  # the expander has finished opening
    pg.screenshot(path=str(SHOTS / "spine_chart_panel.png"))

    _click(pg, pg.locator("summary").filter(has_text="Funnel plot"))
    funnel = pg.locator("svg.hga-funnel")
    funnel.wait_for(state="visible", timeout=60_000)
    funnel.scroll_into_view_if_needed()
    assert (funnel.locator("title").first.text_content() or "").startswith("Funnel plot: Fuel poverty")
    assert funnel.locator("text[font-weight='bold']").all_text_contents() == ["Liverpool"]
    assert funnel.locator("polyline").count() == 4
    assert "Liverpool: 18.7" in (funnel.locator("desc").text_content() or "")
    pg.wait_for_timeout(800)  # the expander has finished opening
    pg.screenshot(path=str(SHOTS / "funnel_plot_panel.png"))
    assert blocked.urls == []


def test_life_expectancy_has_no_funnel_and_says_why(app_url, page) -> None:
    pg, blocked = page
    _open_liverpool(pg, app_url, "level=lad&vintage=2023&indicator=le_birth&period=2023-25&sex=female")
    _click(pg, pg.locator("summary").filter(has_text="Funnel plot"))
    line = pg.locator("p.hga-no-funnel")
    line.wait_for(state="visible", timeout=60_000)
    assert (line.text_content() or "").startswith("no funnel: Life expectancy is not a count over a denominator")
    assert pg.locator("svg.hga-funnel").count() == 0
    pg.wait_for_timeout(800)  # the expander has finished opening
    pg.screenshot(path=str(SHOTS / "no_funnel_panel.png"))
    assert blocked.urls == []


def test_the_packs_html_holds_both(app_url, page, tmp_path) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/pack?area={LIVERPOOL}")
    button = pg.get_by_role("button", name="Download pack (HTML, opens offline)")
    button.wait_for(timeout=90_000)
    settle(pg)
    with pg.expect_download(timeout=60_000) as download:
        _click(pg, button)
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "class='hga-spine'" in text and "Spine chart: Liverpool against England" in text
    assert "class='hga-funnel'" in text and "Funnel plot: Fuel poverty" in text
    assert "<section class='annex'>" in text
    assert blocked.urls == []


def test_the_gradient_tab_gives_ohids_sii_and_rii(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/spearhead")
    pg.get_by_text("Deprivation gradient", exact=True).wait_for(timeout=90_000)
    _click(pg, pg.get_by_text("Deprivation gradient", exact=True))
    pg.get_by_text("SII (OHID's phe_sii)", exact=True).first.wait_for(timeout=90_000)
    # the outcome with intervals held for every district: preventable heart and stroke deaths
    _click(pg, pg.get_by_role("combobox", name="Outcome", exact=True))
    _click(pg, pg.get_by_role("option", name="Preventable heart & stroke deaths <75"))
    pg.get_by_text("Preventable heart & stroke deaths <75", exact=True).first.wait_for(timeout=90_000)
    _click(pg, pg.locator("[data-testid='stMain']").get_by_role("combobox", name="Period", exact=True))
    _click(pg, pg.get_by_role("option", name="2022-24", exact=True))
    from geo import gradient

    expected = gradient.gradient("u75_cvd_prev", period="2022-24", sex="persons", vintage="2023")
    o = expected.ohid
    pg.get_by_text(o.limits("sii"), exact=False).first.wait_for(timeout=90_000)
    settle(pg)
    assert pg.get_by_text(f"{o.sii:.2f}", exact=True).first.is_visible()
    assert pg.get_by_text(f"{o.rii:.3f}", exact=True).first.is_visible()
    assert "99.8% CI" in o.limits("rii", digits=3)
    assert pg.get_by_text(o.limits("rii", digits=3), exact=False).first.is_visible()
    assert pg.get_by_text("RII (SII over the mean)", exact=True).first.is_visible()
    assert pg.get_by_text("the atlas's older definition, not OHID's", exact=False).first.is_visible()
    assert pg.get_by_text("phe_sii (R package PHEindicatormethods)", exact=False).first.count() == 1
    pg.get_by_text("SII (OHID's phe_sii)", exact=True).first.scroll_into_view_if_needed()
    pg.wait_for_timeout(800)  # the expander has finished opening
    pg.screenshot(path=str(SHOTS / "gradient_ohid_sii.png"))
    assert blocked.urls == []
