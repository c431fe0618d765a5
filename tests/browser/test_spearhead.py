"""The Spearhead page in headless Chromium: the overlay, the criteria panel, the gap and the gradient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo import spearhead
from geo.periods import period_year
from tests.browser.conftest import ARTIFACTS, MAP_FRAME, axe_violations, click_area, map_frame, serve_app, settle, url_query
from tests.geo.test_refresh import refreshed_folder

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"


def test_overlay_labels_qualifying_areas_and_the_panel_lists_criteria(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?period=2015-17")
    result = spearhead.run("2015-17")
    n = int(result.assessment.table["qualifies"].sum())
    frame = map_frame(pg, timeout_ms=90_000)
    frame.locator(".hga-label").first.wait_for(state="attached", timeout=90_000)
    assert frame.locator(".hga-label").count() == n  # one 3/5, 4/5 or 5/5 label per qualifying area
    frame.get_by_role("button", name="Zoom in").click()  # labels show from zoom 7, as the legend says
    frame.get_by_text("5/5").first.wait_for(timeout=10_000)
    pg.get_by_text(f"{n} of {len(result.assessment.table)} local authorities qualify", exact=False).first.wait_for()
    pg.wait_for_timeout(500)
    click_area(pg, LIVERPOOL)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=30_000)
    assert url_query(pg)["area"] == LIVERPOOL
    settle(pg)  # the heading comes before the criteria in the same rerun
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
    map_frame(pg, timeout_ms=90_000)
    with pg.expect_file_chooser() as chooser:
        pg.get_by_role("button", name="Upload", exact=True).first.click()
    chooser.value.set_files(str(upload))
    pg.get_by_text("PCT entries not matched", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("Local authorities (1 entries)", exact=False).first.is_visible()
    assert pg.get_by_text("PCTs (2 entries", exact=False).first.is_visible()
    assert pg.get_by_text("303 Primary Care Trusts of 2002-06", exact=False).first.is_visible()
    pg.screenshot(path="artifacts/spearhead_official_pcts.png", full_page=True)


def test_gap_view_charts_relative_and_absolute_gaps(app_url, page) -> None:
    from geo import series

    pg, _ = page
    pg.goto(f"{app_url}/spearhead?tab=gap&family=cvd")
    charts = pg.locator("[data-testid='stVegaLiteChart']")
    charts.first.wait_for(timeout=90_000)
    pg.get_by_text("relative (%) and absolute (per 100,000)", exact=False).first.wait_for(timeout=30_000)
    pg.wait_for_timeout(1500)
    assert charts.count() == 2 * len(series.FAMILIES["cvd"])  # one relative and one absolute chart per indicator
    pg.screenshot(path="artifacts/spearhead_gap_two_charts.png")


# --- after a Fingertips refresh -------------------------------------------------------------------

@pytest.fixture(scope="module")
def refreshed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own port, reading a refresh made from the fake server (``HGA_REFRESH_DIR``)."""
    folder = refreshed_folder(tmp_path_factory.mktemp("refresh"))
    with serve_app(ARTIFACTS / "streamlit_refreshed.log", env={"HGA_REFRESH_DIR": str(folder)}) as url:
        yield url


def test_after_a_refresh_the_page_says_the_official_series_and_their_periods(refreshed_url, page) -> None:
    from geo import indicators

    def span(proxy: str) -> str:  # the periods the fake server's reply holds (see _official_reply)
        held = sorted(set(indicators.table(proxy)["period"]), key=period_year)
        return f"{held[0]} to {held[-1]}"

    pg, blocked = page
    pg.goto(f"{refreshed_url}/spearhead?period=2015-17")
    pg.get_by_text("local authorities qualify", exact=False).first.wait_for(timeout=90_000)
    for what, fid, proxy in (("All cancer deaths under 75", "40501", "u75_cancer_prev"),
                             ("All cardiovascular deaths under 75", "40401", "u75_cvd_prev")):
        words = (f"{what}: the official series (OHID Fingertips indicator {fid}, released 2025-12-02, downloaded "
                 f"{{}}), held for {span(proxy)}, used here for 2015-17 in place of the proxy")
        sentence = pg.get_by_text(words.split("{}")[0], exact=False).first
        assert sentence.is_visible()
        assert words.split("{}")[1] in sentence.inner_text()
    assert pg.get_by_text("(proxy)", exact=False).count() == 0
    assert axe_violations(pg) == []
    pg.screenshot(path=str(ARTIFACTS / "spearhead_refreshed_2015-17.png"))

    # A period the official cancer series does not reach: left out, and the page says up to when it is held.
    pg.goto(f"{refreshed_url}/spearhead?period=2022-24")
    pg.get_by_text("the official series u75_cancer is held, but not for 2022-24 "
                   f"(only for {span('u75_cancer_prev')})", exact=False).first.wait_for(timeout=90_000)
    assert pg.get_by_text("The result rests on 4 of the 5 indicators", exact=False).first.is_visible()
    assert blocked.urls == []


# --- issue 19: cut-offs at published precision, the code set the figures were published on ----------------------

CHILTERN = "E07000005"  # an affluent district abolished in 2020 (now part of Buckinghamshire)


def _click_at(page, lat: float, lng: float) -> None:
    """One mouse click on the map at a place (not an area code): what a person clicks where Chiltern lies."""
    frame_el = page.wait_for_selector(MAP_FRAME, timeout=60_000)
    point = frame_el.content_frame().evaluate(
        "([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]); return {x: p.x, y: p.y}; }",
        [lat, lng],
    )
    box = frame_el.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_csv_header_states_cut_offs_at_the_published_precision(app_url, page, tmp_path) -> None:
    import re

    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?period=2015-17")
    result = spearhead.run("2015-17")
    fmts = spearhead.formats(result)
    button = pg.get_by_role("button", name="Download the table (CSV)")
    button.wait_for(timeout=90_000)
    settle(pg)
    with pg.expect_download(timeout=60_000) as download:
        button.click()
    path = tmp_path / "spearhead.csv"
    download.value.save_as(path)
    header = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    for c in result.criteria:
        line = next(h for h in header if h.startswith(f"# {c.key}: "))
        cut = re.search(r"cut-off ([\d,.]+) over", line)
        assert cut is not None, line
        assert cut.group(1) == fmts[c.key].number(result.assessment.cutoffs[c.key]), line  # 35.4, not 35.4155
    assert blocked.urls == []


def test_chiltern_on_2015_17_is_not_undecided_by_default(app_url, page) -> None:
    from geo import boundaries

    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?period=2015-17")
    old = boundaries.load("lad", "2019")
    spot = old.loc[old["area_code"] == CHILTERN, "geometry"].iloc[0].representative_point()
    map_frame(pg, timeout_ms=90_000).locator("path.leaflet-interactive").first.wait_for(timeout=90_000)
    pg.get_by_text("local authorities qualify", exact=False).first.wait_for(timeout=90_000)
    settle(pg)
    _click_at(pg, spot.y, spot.x)  # where Chiltern lies
    pg.wait_for_function("() => new URLSearchParams(location.search).has('area')", timeout=30_000)
    pg.locator("h4").first.wait_for(timeout=30_000)
    settle(pg)
    assert pg.get_by_text("is undecided", exact=False).count() == 0
    # the area drawn there on the default code set, and its verdict as the method gives it
    result = spearhead.run("2015-17")
    drawn = boundaries.load("lad", result.vintage)
    under = drawn[drawn.geometry.contains(spot)].iloc[0]
    t = result.assessment.table
    assert not t.loc[under["area_code"], "undecided"]
    verdict = "qualifies" if t.loc[under["area_code"], "qualifies"] else "does not qualify"
    assert pg.get_by_role("heading", name=str(under["area_name"])).first.is_visible()
    assert pg.get_by_text(f"{under['area_name']} {verdict}", exact=False).first.is_visible()
    pg.screenshot(path="artifacts/spearhead_chiltern_2015-17.png")
    assert blocked.urls == []


def test_an_undecided_area_says_which_values_are_missing_and_why(app_url, page) -> None:
    from geo import boundaries

    pg, blocked = page
    pg.goto(f"{app_url}/spearhead?period=2015-17")
    result = spearhead.run("2015-17")
    reasons = spearhead.undecided_reasons(result)
    drawn = boundaries.load("lad", result.vintage).to_crs(27700)
    drawn = drawn[drawn["area_code"].isin(list(reasons))]
    code = str(drawn.loc[drawn.geometry.area.idxmax(), "area_code"])  # the largest undecided area: easy to click
    legend = pg.locator(".hga-legend")
    legend.get_by_text("Undecided", exact=False).first.wait_for(timeout=90_000)
    assert legend.get_by_text(f"({len(reasons)} areas)", exact=False).count() >= 1
    settle(pg)
    click_area(pg, code)
    name = result.names[code]
    pg.get_by_role("heading", name=name).first.wait_for(timeout=30_000)
    settle(pg)
    assert pg.get_by_text(f"{name} is undecided", exact=False).first.is_visible()
    for why in reasons[code].values():
        assert pg.get_by_text(why, exact=False).first.is_visible()
    pg.screenshot(path="artifacts/spearhead_undecided_says_why.png")
    assert blocked.urls == []
