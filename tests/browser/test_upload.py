"""Your own data in headless Chromium: an upload with script in an area name, and two sessions.

The file is chosen through the page's own "Browse files" button (a file chooser), as a
person does. Nothing in it may run; its text shows as text; its column paints as a layer;
and another browser session never sees it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, area_tooltip, axe_violations, click_area, settle, upload_file, url_query

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
SCRIPT_FILE = FIXTURES / "script_names.csv"
POLYGONS = "path.leaflet-interactive"


def _polygons(page, expected: int, *, timeout_ms: int = 60_000) -> int:
    waited, n = 0, -1
    while waited < timeout_ms:
        try:
            n = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame().locator(POLYGONS).count()
        except Exception:  # the iframe is swapped while Streamlit reruns
            n = -1
        if n == expected:
            return n
        page.wait_for_timeout(250)
        waited += 250
    return n


def _watch_for_script(page) -> list[str]:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def test_script_in_an_area_name_shows_as_text_and_the_layer_paints(app_url, page, data_dir) -> None:
    pg, blocked = page
    dialogs = _watch_for_script(pg)
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, SCRIPT_FILE)
    pg.get_by_text("problem(s)", exact=False).first.click()
    shown = pg.get_by_text("<script>window.__xss=1;alert('x')</script>", exact=False).first
    shown.wait_for(timeout=30_000)
    assert shown.is_visible()
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    query = url_query(pg)
    expected = len(pd.read_parquet(data_dir / "boundaries" / f"lad_{query['vintage']}.parquet", columns=["area_code"]))
    assert _polygons(pg, expected) == expected
    pg.get_by_text("Rate (your file)", exact=False).first.wait_for(timeout=30_000)
    assert pg.evaluate("() => window.__xss === undefined")
    frame = pg.wait_for_selector(MAP_FRAME).content_frame()
    assert frame.evaluate("() => window.__xss === undefined")
    assert dialogs == []
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0
    settle(pg)  # axe on a page mid-rerun finds Streamlit's stale copies of elements
    assert axe_violations(pg) == []


def test_an_upload_stays_in_its_own_session(app_url, browser, data_dir) -> None:
    one = browser.new_context(viewport={"width": 1366, "height": 768})
    two = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        first = one.new_page()
        first.goto(app_url)
        first.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
        upload_file(first, SCRIPT_FILE)
        first.get_by_role("button", name="Add to map").click()
        first.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                                timeout=60_000)
        link = first.url
        # The second session opens the first one's link: it holds no upload, so it says so and shows the default.
        second = two.new_page()
        second.goto(link)
        second.get_by_text("uploads stay private", exact=False).first.wait_for(timeout=60_000)
        second.wait_for_function(
            "() => !(new URLSearchParams(location.search).get('indicator') || '').startsWith('upload:')", timeout=60_000
        )
        assert second.get_by_text("Rate (your file)", exact=False).count() == 0
        assert second.get_by_text("more note").count() == 0  # one short note
        # The first session still has its layer (a reload would start a new session, which holds nothing).
        first.get_by_role("button", name="Add to map").click()  # a rerun of the first session
        first.get_by_text("Rate (your file)", exact=False).first.wait_for(timeout=60_000)
        assert url_query(first)["indicator"].startswith("upload:")
    finally:
        for n, ctx in enumerate((one, two), start=1):
            for pg in ctx.pages:
                pg.screenshot(path=str(ARTIFACTS / f"test_upload_session_{n}.png"))
        one.close()
        two.close()


def test_a_rejected_upload_keeps_the_layers(app_url, page, tmp_path) -> None:
    pg, _ = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, SCRIPT_FILE)
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    bad = tmp_path / "header_only.csv"
    bad.write_text("Area code,Rate\n", encoding="utf-8")
    settle(pg)
    pg.get_by_role("button", name=f"Remove {SCRIPT_FILE.name}").click()  # take the first file away
    settle(pg)
    with pg.expect_file_chooser() as chooser:
        pg.get_by_role("button", name="Upload", exact=True).click()
    chooser.value.set_files(str(bad))
    pg.get_by_text("no rows of data", exact=False).first.wait_for(timeout=30_000)
    assert url_query(pg)["indicator"].startswith("upload:")
    assert pg.get_by_text("Rate (your file)", exact=False).first.is_visible()


NAMES_FILE = FIXTURES / "names_only.csv"


def test_a_near_miss_name_is_confirmed_and_the_layer_paints(app_url, page, data_dir) -> None:
    # names_only.csv: Hartlepool (exact), Middlesbrogh (a near miss), St. Helens and Saint Albans (spelling variants).
    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, NAMES_FILE)
    pg.get_by_text("3 of 4 rows matched", exact=False).first.wait_for(timeout=30_000)
    pg.get_by_text("Confirm area names", exact=True).wait_for(timeout=30_000)
    settle(pg)
    pg.get_by_role("combobox", name="“Middlesbrogh” is").click()
    pg.keyboard.type("Middles")
    pg.get_by_role("option").filter(has_text="E06000002 Middlesbrough").click()
    pg.get_by_text("4 of 4 rows matched", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    query = url_query(pg)
    expected = len(pd.read_parquet(data_dir / "boundaries" / f"lad_{query['vintage']}.parquet", columns=["area_code"]))
    assert _polygons(pg, expected) == expected
    pg.get_by_text("Rate (your file)", exact=False).first.wait_for(timeout=30_000)
    settle(pg)
    pg.screenshot(path=str(ARTIFACTS / "test_upload_names_confirmed.png"))
    # Middlesbrough's 11.0 (names_only.csv) is one of the four classes drawn.
    assert pg.locator(".hga-legend li").filter(has_text="11.0").filter(has_text="(1 area)").count() == 1
    frame = pg.wait_for_selector(MAP_FRAME).content_frame()
    assert frame.locator(POLYGONS).count() == expected
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0
    assert axe_violations(pg) == []


def test_an_uploaded_column_in_the_spearhead_method(app_url, page) -> None:
    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, SCRIPT_FILE)
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    settle(pg)
    pg.get_by_role("link", name="Spearhead areas").click()  # the same session: the upload goes with it
    pg.get_by_text("Use an uploaded column", exact=True).wait_for(timeout=60_000)
    settle(pg)
    pg.get_by_role("combobox", name="Use an uploaded column").click()
    pg.keyboard.type("Rate")
    pg.get_by_role("option").filter(has_text="Rate (your file)").click()
    settle(pg)
    pg.get_by_text("Which way is worse for your column", exact=True).wait_for(timeout=30_000)
    pg.get_by_text("Higher values are worse", exact=True).click()
    pg.get_by_text("the 5 held and your column", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    # Added as a sixth indicator, the threshold can ask for all six; the URL and the CSV header say so.
    threshold = pg.get_by_role("spinbutton", name="Indicators needed to qualify")
    threshold.click()
    pg.keyboard.press("Control+A")
    pg.keyboard.type("6")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => new URLSearchParams(location.search).get('threshold') === '6'", timeout=60_000)
    pg.get_by_text("6 or more of the 6: the 5 held and your column", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    with pg.expect_download() as download:
        pg.get_by_role("button", name="Download the table (CSV)").click()
    header = Path(download.value.path()).read_text(encoding="utf-8").splitlines()[1]
    assert header == "# Worst 0.2 of areas on each indicator; qualifies with 6 or more of the 6: the 5 held and your column."
    pg.screenshot(path=str(ARTIFACTS / "test_upload_spearhead_six.png"))
    pg.get_by_role("combobox", name="How").click()
    pg.keyboard.type("IMD")
    pg.get_by_role("option").filter(has_text="In place of IMD").click()
    pg.get_by_text("your column in place of IMD", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    query = url_query(pg)
    assert query["own"].startswith("upload:") and query["swap"] == "imd" and query["opol"] == "lower_is_better"
    # In place of one, five are in use again: the threshold comes back to 5, with one note.
    assert query["threshold"] == "5"
    pg.get_by_text("5 or more of the 5, your column in place of IMD", exact=False).first.wait_for(timeout=30_000)
    pg.get_by_text("Your own data: Rate (your file, this session only) in place of IMD", exact=False).first.wait_for(
        timeout=30_000)
    pg.screenshot(path=str(ARTIFACTS / "test_upload_spearhead_own.png"))
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0
    assert axe_violations(pg) == []
    # The link in another session: the upload is private, said in one note.
    other = pg.context.browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        second = other.new_page()
        second.goto(pg.url)
        second.get_by_text("uploads stay private", exact=False).first.wait_for(timeout=60_000)
        assert second.get_by_text("your column", exact=False).count() == 0
    finally:
        other.close()


CORNWALL = "E06000052"


def test_an_lsoa_file_is_the_drill_downs_small_area_layer(app_url, page, tmp_path) -> None:
    from geo import boundaries

    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    pg.wait_for_function("() => new URLSearchParams(location.search).get('vintage')", timeout=60_000)
    query = url_query(pg)
    lsoa_vintage = boundaries.lsoa_vintage_for(query["level"], query["vintage"])
    parents = boundaries.parent_codes(lsoa_vintage, level=query["level"], vintage=query["vintage"])
    mine = sorted(parents[parents == CORNWALL].index)
    # Made-up counts, one per small area of Cornwall.
    path = tmp_path / "cornwall_lsoas.csv"
    path.write_text("LSOA code,People\n" + "".join(f"{c},{i + 1}\n" for i, c in enumerate(mine)), encoding="utf-8")
    upload_file(pg, path)
    pg.get_by_text("this map", exact=False).first.click()  # draw on the map's districts: the LSOAs add up
    settle(pg)
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    settle(pg)
    click_area(pg, CORNWALL)
    pg.wait_for_function(f"() => new URLSearchParams(location.search).get('area') === '{CORNWALL}'", timeout=60_000)
    settle(pg)
    pg.get_by_role("combobox", name="Small-area indicator").click()
    pg.keyboard.type("People")
    pg.get_by_role("option", name="People", exact=True).click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('lsoa')?.startsWith('upload:')",
                         timeout=60_000)
    pg.get_by_text("Small areas in Cornwall", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    pg.screenshot(path=str(ARTIFACTS / "test_upload_lsoa_small_areas.png"))
    frame = pg.wait_for_selector(MAP_FRAME).content_frame()
    assert frame.locator(POLYGONS).count() >= len(mine)
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0
    assert axe_violations(pg) == []


CUMBRIA_2021 = ("E07000026", "E07000027", "E07000028", "E07000029", "E07000030", "E07000031")


def test_an_lsoa_2011_file_on_2023_districts(app_url, page, tmp_path, data_dir) -> None:
    from geo import boundaries, codes, indicators

    # Cumbria's 2011 LSOAs with their ONS mid-year populations as a count column; on 2023 districts they add up
    # to Cumberland and Westmorland and Furness through the 2021 districts.
    pop = indicators.load("pop_total", level="lsoa", vintage="2011")
    pop = pop[pop["period"] == sorted(pop["period"].unique())[-1]].set_index("area_code")["value"]
    parents = boundaries.parent_codes("2011", level="lad", vintage="2021")
    mine = sorted(c for c in pop.index if parents.get(c) in CUMBRIA_2021)
    path = tmp_path / "cumbria_lsoa2011.csv"
    path.write_text("LSOA11CD,People\n" + "".join(f"{c},{pop[c]:g}\n" for c in mine), encoding="utf-8")
    became = codes.reconcile(list(CUMBRIA_2021), source="2021", target="2023").mapped
    cumberland = str(became.set_index("source_code").loc["E07000028", "target_code"])  # Carlisle's 2023 district
    pg, blocked = page
    pg.goto(f"{app_url}/?level=lad&vintage=2023")
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, path)
    pg.get_by_text("this map", exact=False).first.click()
    pg.get_by_text("Route: 2011 LSOAs to 2023 local authority districts", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    settle(pg)
    query = url_query(pg)
    assert (query["level"], query["vintage"]) == ("lad", "2023")
    expected = len(pd.read_parquet(data_dir / "boundaries" / "lad_2023.parquet", columns=["area_code"]))
    assert _polygons(pg, expected) == expected
    pg.get_by_text("Carried from 2011 LSOAs to 2023 local authority districts: 2011 LSOAs added up into the 2021",
                   exact=False).first.wait_for(timeout=30_000)
    click_area(pg, cumberland)
    pg.wait_for_function(f"() => new URLSearchParams(location.search).get('area') === '{cumberland}'", timeout=60_000)
    settle(pg)
    total = sum(pop[c] for c in mine if became.set_index("source_code").loc[parents[c], "target_code"] == cumberland)
    assert pg.locator(".hga-legend li").filter(has_text=f"{total:,.0f}").count() == 1
    # The drill-down draws 2021 LSOAs: the file's unchanged and merged 2011 LSOAs are carried there (derived lookup).
    pg.get_by_role("combobox", name="Small-area indicator").click()
    pg.keyboard.type("People")
    pg.get_by_role("option", name="People", exact=True).click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('lsoa')?.startsWith('upload:')",
                         timeout=60_000)
    pg.get_by_text("Small areas in Cumberland: People", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    pg.screenshot(path=str(ARTIFACTS / "test_upload_lsoa2011_on_2023.png"))
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0
    assert axe_violations(pg) == []


# ---------------------------------------------------------------- issue 19: what a new user met
PERCENT_FILE = FIXTURES / "lad_percent_0_100.csv"  # Cornwall 18.9, Hartlepool 22.4, ...; Rutland's value blank
GOV_NAMES_CSV = FIXTURES / "gov_title_footer_names.csv"
GOV_XLSX = FIXTURES / "gov_title_footer.xlsx"


def _hover_tooltip(page, area_code: str) -> str:
    """Move the mouse over an area's visible middle, as a person does, and read the tooltip that opens."""
    return area_tooltip(page, area_code)


def _legend(page) -> str:
    return " ".join(page.locator(".hga-legend").all_inner_texts())


def _add_percentages(page) -> None:
    """Upload the district CSV of percentages and say its numbers are "A percentage", as a new user did."""
    upload_file(page, PERCENT_FILE)
    settle(page)
    page.get_by_role("combobox", name="The numbers are").click()
    page.keyboard.type("percent")
    page.get_by_role("option").filter(has_text="A percentage").click()
    page.get_by_text("as the map will draw it", exact=False).first.wait_for(timeout=60_000)
    settle(page)


def test_percentages_on_a_0_100_scale_stay_as_written(app_url, page) -> None:
    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    _add_percentages(pg)
    pg.get_by_text("already percentages (0-100)", exact=False).first.wait_for(timeout=30_000)
    preview = pg.locator("[data-testid='stTable']").filter(has_text="Cornwall")
    preview.wait_for(timeout=30_000)
    preview.scroll_into_view_if_needed()
    pg.screenshot(path="/tmp/upload_preview_percent.png")
    pg.screenshot(path=str(ARTIFACTS / "test_upload_preview_percent.png"))
    rows = preview.inner_text()
    assert "Cornwall" in rows and "18.9%" in rows and "1,890" not in rows
    assert pg.get_by_role("radio", name="already a percentage", exact=False).count() == 0  # the data tell the scale
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    settle(pg)
    pg.get_by_text("Obesity prevalence (your file)", exact=False).first.wait_for(timeout=60_000)
    legend = _legend(pg)
    assert "%" in legend and "1,890" not in legend and "()" not in legend
    tip = _hover_tooltip(pg, CORNWALL)
    pg.screenshot(path=str(ARTIFACTS / "test_upload_percent_tooltip.png"))
    assert "18.9%" in tip and "1,890" not in tip and "()" not in tip
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0


def test_percentages_between_0_and_1_ask_their_scale(app_url, page, tmp_path) -> None:
    pg, blocked = page
    path = tmp_path / "proportions.csv"
    path.write_text("Area code,Obesity\nE06000052,0.189\nE06000001,0.224\nE06000002,0.251\n", encoding="utf-8")
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, path)
    settle(pg)
    pg.get_by_role("combobox", name="The numbers are").click()
    pg.keyboard.type("percent")
    pg.get_by_role("option").filter(has_text="A percentage").click()
    settle(pg)
    pg.get_by_text("so the file cannot tell its scale", exact=False).first.wait_for(timeout=60_000)
    assert pg.get_by_role("button", name="Add to map").is_disabled()  # nothing is drawn until the person answers
    choice = pg.get_by_text("18.9% (your file holds proportions, 0 to 1)", exact=True)
    choice.scroll_into_view_if_needed()
    pg.screenshot(path=str(ARTIFACTS / "test_upload_scale_question.png"))
    choice.click()
    settle(pg)
    preview = pg.locator("[data-testid='stTable']").filter(has_text="Cornwall")
    preview.wait_for(timeout=30_000)
    assert "18.9%" in preview.inner_text()
    assert pg.get_by_role("button", name="Add to map").is_enabled()
    assert blocked.urls == []


@pytest.mark.parametrize("path", [pytest.param(GOV_NAMES_CSV, id="csv-of-names"), pytest.param(GOV_XLSX, id="xlsx")])
def test_a_government_file_skips_its_title_and_notes(app_url, page, path: Path) -> None:
    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, path)
    settle(pg)
    pg.get_by_text("21 of 21 rows matched", exact=False).first.wait_for(timeout=30_000)
    pg.get_by_text("“Prevalence of obesity (%)”", exact=False).first.wait_for(timeout=30_000)
    title = pg.get_by_text("title line", exact=False).first
    assert title.inner_text().startswith("Skipped ") and "Table 3: Child obesity by local authority" in title.inner_text()
    footer = pg.get_by_text("Skipped 3 footer lines below the data", exact=False).first
    assert "Source: NHS Digital" in footer.inner_text()
    footer.scroll_into_view_if_needed()
    pg.screenshot(path=str(ARTIFACTS / f"test_upload_government_{path.suffix[1:]}.png"))
    # No title or note is offered as an area or counted unmatched: no problem list, no names to confirm.
    for words in ("problem(s)", "did you mean", "Confirm area names", "2019/20 (your file)"):
        assert pg.get_by_text(words, exact=False).count() == 0, words
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    pg.get_by_text("Prevalence of obesity (%) (your file)", exact=False).first.wait_for(timeout=60_000)
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0


def test_the_join_check_and_the_legend_give_one_count(app_url, page) -> None:
    import re

    pg, blocked = page
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=60_000)
    upload_file(pg, PERCENT_FILE)  # 21 districts, Rutland's value blank
    settle(pg)
    previews = pg.get_by_text("will show No data", exact=False)
    preview = previews.first.inner_text() if previews.count() else ""
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    settle(pg)
    join = pg.get_by_text("Join check:", exact=False).first
    join.wait_for(timeout=60_000)
    counted = re.search(r"(\d+) area\(s\) on the map have no", join.inner_text())
    shown = re.search(r"No data\s*\((\d+) areas\)", _legend(pg))
    pg.screenshot(path=str(ARTIFACTS / "test_upload_one_count.png"))
    assert counted is not None and shown is not None
    assert counted.group(1) == shown.group(1), f"join check {counted.group(1)}, legend {shown.group(1)}"
    assert f"{shown.group(1)} will show No data" in preview  # the preview before Add to map said the same
    assert blocked.urls == []
