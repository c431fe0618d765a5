"""Years behind England in headless Chromium: the Spearhead page's layer and the map page's panel sentence."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from geo import lag
from tests.browser.conftest import MAP_FRAME, axe_violations, click_area

pytestmark = pytest.mark.browser

DURHAM = "E06000047"  # a large unitary: easy to click at England's zoom
BLACKPOOL = "E06000009"


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


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
    assert _query(pg)["area"] == DURHAM
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
