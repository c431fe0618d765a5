"""The map's table of areas (the map's on-page alternative), in headless Chromium at 1366x768 with no internet.

A keyboard user tabs from the map's last download button to "Table of the areas on the
map", opens it with Enter and finds one row per area the map draws, each value as the
map's tooltip writes it; "Sort by" is changed with the keyboard, the order is kept in
the URL (``sort=``) and comes back when the link is opened again; a hostile ``sort=`` is
quoted back as text. The Table (CSV) is the export files' table: each interval's
method and the 99.8% limits.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pandas as pd
import pytest

from tests.browser.conftest import ARTIFACTS, MAP_FRAME, area_tooltip, download, settle, url_query

pytestmark = pytest.mark.browser

VIEW = "/?level=lad&vintage=2023&indicator=le_birth&period=2023-25&sex=female"
LIVERPOOL = "E08000012"
EXPANDER = "Table of the areas on the map"
ROWS = ".hga-area-table tbody tr"
VALUE_HEADING = "Life expectancy, 2023-25"  # the tooltip's name for the value, and the table's column


def _drawn_codes(page) -> set[str]:
    """The area codes of the polygons the map has drawn (its main layer)."""
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 100", timeout=60_000)
    return set(frame.evaluate("""() => { const codes = [];
        window.map.eachLayer((l) => { if (l.feature && l.feature.properties && l.feature.properties.area_code
                                          && l.feature.properties.value_text) codes.push(l.feature.properties.area_code); });
        return codes; }"""))


def _focused(page) -> str:
    return str(page.evaluate("() => (document.activeElement.getAttribute('aria-label') "
                             "|| document.activeElement.innerText || document.activeElement.tagName).trim()"))


def _open_by_keyboard(page, *, after: str = "Fingertips CSV") -> None:
    """Tab from the map's last download button to the expander and press Enter, as a keyboard user does."""
    settle(page)
    page.get_by_role("button", name=after).focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        if _focused(page).endswith(EXPANDER):
            break
    assert _focused(page).endswith(EXPANDER), f"Tab reached {_focused(page)!r}, not the table's expander"
    page.keyboard.press("Enter")
    page.locator(ROWS).first.wait_for(timeout=120_000)
    settle(page)


def _table(page) -> pd.DataFrame:
    """The table as drawn: one row per area, its cells' text under the column headings."""
    heads = page.locator(".hga-area-table thead th").all_inner_texts()
    cells = page.evaluate("""() => [...document.querySelectorAll('.hga-area-table tbody tr')]
        .map(tr => [...tr.children].map(c => c.innerText))""")
    return pd.DataFrame(cells, columns=heads)


def _numbers(texts: pd.Series) -> list[float]:
    return [float(t.split(" ")[0]) for t in texts if t[:1].isdigit()]


def test_the_table_lists_the_map_and_sorts_by_keyboard_in_the_url(app_url, page, tmp_path) -> None:
    pg, blocked = page
    pg.goto(app_url + VIEW)
    drawn = _drawn_codes(pg)
    settle(pg)
    tip = area_tooltip(pg, LIVERPOOL)
    pg.mouse.move(1300, 20)  # off the map: its tooltip closes
    tip_value = next(line.split("\t", 1)[1] for line in tip.splitlines() if line.startswith(VALUE_HEADING))

    _open_by_keyboard(pg)
    table = _table(pg)
    assert set(table["Code"]) == drawn and len(table) == len(drawn) == 296
    caption = pg.locator(".hga-area-table caption").inner_text()
    for part in ("Life expectancy at birth", "female", "2023-25", "Local authority districts", "2023 boundaries"):
        assert part in caption, caption
    liverpool = table.loc[table["Code"] == LIVERPOOL].iloc[0]
    interval = liverpool["95% confidence interval"]
    interval = interval if interval.startswith("no interval") else f"95% CI {interval}"
    assert tip_value == f"{liverpool[VALUE_HEADING]} ({interval})", (tip, liverpool.to_dict())
    assert liverpool["Area"] == "Liverpool" and liverpool["Compared with England (95%)"].startswith("Worse than England")
    assert list(table["Area"].str.casefold()) == sorted(table["Area"].str.casefold())  # A to Z by default
    assert "sort" not in url_query(pg)
    blanks = table[(table == "").any(axis=1)]
    assert blanks.empty, blanks  # missing and suppressed are written in words
    assert (table["Status and note"].str.startswith("Value suppressed")).sum() == 2

    # "Sort by", with the keyboard: the next stop after the expander.
    pg.keyboard.press("Tab")
    assert _focused(pg) == "Sort by", _focused(pg)
    pg.keyboard.type("highest")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => new URLSearchParams(location.search).get('sort') === 'high'", timeout=60_000)
    settle(pg)
    pg.wait_for_function("() => document.querySelector('.hga-area-table caption').innerText.includes('highest first')",
                         timeout=60_000)
    high = _table(pg)
    values = _numbers(high[VALUE_HEADING])
    assert len(values) == 294 and values == sorted(values, reverse=True)
    assert list(high[VALUE_HEADING].iloc[-2:].str.startswith("Suppressed")) == [True, True]  # missing sorts last
    assert pg.locator(".hga-area-table th[aria-sort='descending']").inner_text() == VALUE_HEADING
    pg.locator(".hga-area-table-wrap").scroll_into_view_if_needed()
    pg.screenshot(path=str(ARTIFACTS / "map_table_open.png"))

    # The link keeps the order, and the table open.
    assert url_query(pg)["open"] == "table"
    pg.goto(pg.url)
    _drawn_codes(pg)
    pg.locator(ROWS).first.wait_for(timeout=120_000)
    settle(pg)
    assert url_query(pg)["sort"] == "high"
    assert _numbers(_table(pg)[VALUE_HEADING]) == values
    assert pg.get_by_role("combobox", name="Sort by").input_value() == "Value, highest first"

    # The Table (CSV) is the export files' table.
    text = download(pg, "Table (CSV)", tmp_path).read_text(encoding="utf-8")
    csv = pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str})
    assert {"ci_method", "lower_ci_99_8", "upper_ci_99_8", "compared_with_england"} <= set(csv.columns)
    assert len(csv) == 296 and csv["ci_method"].notna().all()
    assert text.startswith("# Life expectancy at birth, female, 2023-25; Local authority districts (2023 boundaries)")
    assert blocked.urls == []


def test_a_hostile_sort_is_quoted_back_as_text(app_url, page) -> None:
    pg, blocked = page
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = "<script>alert(1)</script>"
    pg.goto(app_url + VIEW + "&sort=" + quote(hostile))
    note = pg.get_by_text("is not an order the table of areas offers", exact=False)
    note.wait_for(timeout=90_000)
    assert hostile in note.inner_text()
    assert pg.get_by_text("Traceback").count() == 0
    pg.wait_for_function("() => !new URLSearchParams(location.search).get('sort')", timeout=60_000)
    _open_by_keyboard(pg)
    assert "sorted by area name" in pg.locator(".hga-area-table caption").inner_text()
    assert dialogs == [] and pg.locator("script:text('alert(1)')").count() == 0
    assert blocked.urls == []


def test_drilled_in_the_table_lists_the_map_s_areas_and_says_so(app_url, page) -> None:
    pg, _ = page
    pg.goto(app_url + VIEW + f"&area={LIVERPOOL}&sort=worst")
    pg.get_by_role("heading", name="Liverpool").wait_for(timeout=90_000)
    _open_by_keyboard(pg)
    caption = pg.locator(".hga-area-table caption").inner_text()
    assert "Zoomed into Liverpool" in caption and "Small areas (CSV)" in caption, caption
    table = _table(pg)
    assert len(table) == 296 and table["Area"].iloc[0] == "Blackpool"  # the lowest life expectancy: worst first


def test_every_small_area_is_counted_and_the_first_500_drawn(app_url, page, tmp_path) -> None:
    pg, _ = page
    pg.goto(app_url + "/?level=lsoa&vintage=2021&sort=low")
    pg.get_by_role("button", name="Map (HTML)").wait_for(timeout=90_000)
    settle(pg)
    _open_by_keyboard(pg, after="Map (HTML)")
    caption = pg.locator(".hga-area-table caption").inner_text()
    total = re.search(r"([\d,]+) small areas \(LSOAs\)", caption)
    assert total and int(total.group(1).replace(",", "")) > 33_000, caption
    assert f"Showing the first 500 of {total.group(1)} in this order; the Table (CSV) has every row." in caption
    assert pg.locator(ROWS).count() == 500
    # The small-area map's Table (CSV) is the same table: every row, each interval's method.
    text = download(pg, "Table (CSV)", tmp_path, timeout_ms=90_000).read_text(encoding="utf-8")
    csv = pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str})
    assert len(csv) == int(total.group(1).replace(",", "")) and {"ci_method", "lower_ci_99_8"} <= set(csv.columns)


UTLA_1618 = "/?level=utla&vintage=2021&indicator=le_birth_1618&period=2016-18&sex=female"


@pytest.mark.parametrize("code", [pytest.param(LIVERPOOL, id="published-interval"),
                                  pytest.param("E10000016", id="kent-combined-interval")])
def test_an_area_s_interval_reads_as_in_its_tooltip(app_url, page, code: str) -> None:
    pg, _ = page
    pg.goto(app_url + UTLA_1618)
    _drawn_codes(pg)
    settle(pg)
    tip = area_tooltip(pg, code)
    pg.mouse.move(1300, 20)
    _open_by_keyboard(pg)
    table = _table(pg)
    value_heading = next(h for h in table.columns if h.endswith(", 2016-18"))
    row = table.loc[table["Code"] == code].iloc[0]
    tip_value = next(line.split("\t", 1)[1] for line in tip.splitlines() if line.startswith(value_heading))
    assert tip_value == f"{row[value_heading]} (95% CI {row['95% confidence interval']})", (tip, row.to_dict())


def test_what_is_opened_stays_open_in_the_link(app_url, page) -> None:
    """Opening the table and the panel's spine chart writes ``open=``; the link opens both again; a bad name is a note."""
    pg, _ = page
    pg.goto(app_url + VIEW + f"&area={LIVERPOOL}")
    settle(pg)
    pg.locator("summary").filter(has_text=EXPANDER).click()
    pg.locator(ROWS).first.wait_for(timeout=120_000)
    settle(pg)
    assert url_query(pg).get("open") == "table"
    pg.locator("summary").filter(has_text="Spine chart").click()
    pg.locator("[data-testid='stExpander'] .hga-spine").first.wait_for(timeout=120_000)
    settle(pg)
    assert url_query(pg).get("open") == "table,spine"
    link = pg.url
    pg.goto(app_url + "/about")
    settle(pg)
    pg.goto(link)
    pg.locator(ROWS).first.wait_for(timeout=120_000)
    pg.locator("[data-testid='stExpander'] .hga-spine").first.wait_for(timeout=120_000)
    pg.locator("summary").filter(has_text=EXPANDER).click()  # closing it takes it out of the link
    settle(pg)
    assert url_query(pg).get("open") == "spine"
    assert pg.locator(ROWS).count() == 0
    pg.goto(app_url + VIEW + "&open=" + quote("table,<img src=x onerror=alert(1)>"))
    pg.get_by_text("which is not a part of this page that opens", exact=False).wait_for(timeout=60_000)
    assert pg.locator("img[src='x']").count() == 0
    pg.locator(ROWS).first.wait_for(timeout=120_000)
    assert url_query(pg).get("open") == "table"
    pg.screenshot(path=str(ARTIFACTS / "map_table_open_link.png"))
