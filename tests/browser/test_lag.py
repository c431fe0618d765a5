"""Years behind England in headless Chromium: the Spearhead page's layer and the map page's panel sentence."""

from __future__ import annotations

import pytest

from geo import lag
from tests.browser.conftest import MAP_FRAME, axe_violations, click_area, hover_area, settle, url_query

pytestmark = pytest.mark.browser

DURHAM = "E06000047"  # a large unitary: easy to click at England's zoom
BLACKPOOL = "E06000009"


def _hover(page, area_code: str) -> None:
    """Move the mouse over the visible middle of an area's polygon, as a person points at it."""
    hover_area(page, area_code)


def test_layer_legend_and_the_clicked_area_sentence(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?tab=lag&lind=le_birth&lsex=female&lperiod=2023-25")
    run = lag.run("le_birth", period="2023-25", sex="female", data_dir=data_dir)
    t = run.table
    frame = pg.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame()
    frame.wait_for_function(
        """(n) => { let k = 0; window.map.eachLayer((l) => { if (l.feature) k++; }); return k === n; }""",
        arg=len(t), timeout=90_000,
    )  # one polygon per area of the code set
    beyond = int(t["beyond_series"].fillna(False).sum())
    # "beyond the series" is its own class in the legend, with its count and the years it means
    legend = pg.locator(".hga-legend")
    legend.get_by_text("Beyond the series: more than 22 years", exact=False).wait_for(timeout=30_000)
    assert legend.get_by_text(f"({beyond} area", exact=False).count() >= 1
    pg.get_by_text("The definition.", exact=False).first.wait_for()
    pg.wait_for_timeout(500)
    click_area(pg, DURHAM)
    row = t[t["area_code"] == DURHAM].iloc[0]
    expected = lag.sentence(str(row["area_name"]), "female",
                            lag.years_behind(row["value"], "2023-25", run.england, polarity="higher_is_better"))
    pg.get_by_text(expected[:60], exact=False).first.wait_for(timeout=30_000)
    assert url_query(pg)["area"] == DURHAM
    assert axe_violations(pg) == []
    assert blocked.urls == []


def test_map_panel_says_years_behind(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=lad&vintage=2023&indicator=le_birth&sex=female&area={BLACKPOOL}")
    pg.get_by_role("heading", name="Blackpool").first.wait_for(timeout=90_000)
    sentences = lag.area_sentences(BLACKPOOL, "Blackpool", level="lad", vintage="2023", data_dir=data_dir)
    assert sentences[0].startswith("Women in Blackpool can expect to live as long as the average woman in England did")
    pg.get_by_text("Years behind England", exact=True).first.wait_for(timeout=30_000)
    for text in sentences:
        assert pg.get_by_text(text, exact=False).first.is_visible()
    pg.wait_for_timeout(1000)
    assert axe_violations(pg) == []
    assert blocked.urls == []
    pg.get_by_text("Years behind England", exact=True).first.scroll_into_view_if_needed()  # for the screenshot


@pytest.mark.parametrize(
    ("query", "wait_for"),
    [pytest.param("tab=gap&family=cvd", "a 40% narrowing of that gap by 2009-11", id="gap-cvd-2004-target"),
     pytest.param("tab=gap&family=hle", "upper-tier authorities only", id="gap-healthy-life-expectancy"),
     pytest.param("tab=lag&lind=hle_birth&lsex=male", "Beyond the series: more than", id="lag-healthy-men")],
)
def test_new_views_say_what_they_rest_on_and_pass_axe(app_url, page, query: str, wait_for: str) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?{query}")
    pg.get_by_text(wait_for, exact=False).first.wait_for(timeout=90_000)
    pg.wait_for_timeout(1500)
    assert axe_violations(pg) == []
    assert blocked.urls == []


def test_every_years_behind_figure_has_its_gap_and_the_flat_england_sentence(app_url, page, data_dir) -> None:
    """Issue 19: "19 years behind" with a 1.9-year gap, because England's figure hardly rose after 2011."""
    from layers import spearhead as sh_layers

    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?tab=lag&lind=le_birth&lsex=female&lperiod=2023-25")
    frame = pg.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame()
    # what the page says, before any figure is recomputed here
    legend = pg.locator(".hga-legend")
    legend.get_by_text("Beyond the series", exact=False).first.wait_for(timeout=90_000)
    settle(pg)
    assert legend.get_by_text("(0 areas)", exact=True).count() == 0  # no empty class
    assert legend.get_by_text("(a floor)", exact=False).count() == 1
    assert pg.get_by_text("England's figure changed little after", exact=False).count() >= 1
    run = lag.run("le_birth", period="2023-25", sex="female", data_dir=data_dir)
    assert run.flat  # England's women's figure changed little after 2011
    frame.wait_for_function(
        """(n) => { let k = 0; window.map.eachLayer((l) => { if (l.feature) k++; }); return k === n; }""",
        arg=len(run.table), timeout=90_000,
    )
    pg.get_by_text(run.flat, exact=False).first.wait_for(timeout=30_000)  # said once for the view
    # the legend's classes come from the data, each with its gaps beside its years
    legend.get_by_text("by rank", exact=False).first.wait_for(timeout=30_000)
    classes = sh_layers.lag_classes(run.table)
    for label in classes.labels[1:-1]:
        assert "gap" in label and legend.get_by_text(label[0].upper() + label[1:], exact=False).count() == 1
    # the group's figure: years behind with the gap beside it, and England's flat
    group = pg.locator("[data-testid='stMarkdownContainer']", has_text="The group").filter(
        has_text="behind England (a gap of").first
    group.wait_for(timeout=30_000)
    assert run.flat in group.inner_text()
    # the clicked area's sentence, as a person clicks
    pg.wait_for_timeout(500)
    click_area(pg, DURHAM)
    row = run.table[run.table["area_code"] == DURHAM].iloc[0]
    expected = lag.sentence(str(row["area_name"]), "female",
                            lag.years_behind(row["value"], "2023-25", run.england, polarity="higher_is_better"))
    assert f"a gap of {row['gap']:.1f} years" in expected and run.flat in expected
    pg.get_by_text(expected, exact=False).first.wait_for(timeout=30_000)
    # the tooltip over the area says it too (the mouse moves on it after the click's rerun)
    _hover(pg, DURHAM)
    tip = frame.locator(".leaflet-tooltip")
    tip.first.wait_for(timeout=10_000)
    assert f"{row['years_behind']:g} years, a gap of {row['gap']:.1f} years" in tip.first.inner_text()
    pg.screenshot(path="artifacts/lag_gap_and_flat_england.png")
    assert blocked.urls == []
