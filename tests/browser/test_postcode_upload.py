"""A list of postcodes uploaded, counted by small area and drawn, in headless Chromium (issue 20).

At 1366x768 with no internet, clicked with the mouse: the user drills into Liverpool, uploads a
CSV of postcodes with a count column (and the bad input people's lists hold: an empty cell, lower
case, doubled spaces, the letter O for zero, Scotland, Wales, Northern Ireland, BFPO, an unknown
postcode, words, an address), reads what became of every row, adds the counts on Liverpool's
2021 small areas, sees a small count "suppressed" in the tooltip and the legend, and downloads
the tables and the report: no postcode in any, the postcode attribution in every CSV. Then a
file of 200,000 rows (under the 5 MB upload limit) is read, counted and drawn on the districts.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geo import boundaries
from geo._paths import DATA_DIR
from geo.postcodes import normalise
from tests.browser.conftest import ARTIFACTS, area_point, area_tooltip, download, settle, upload_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (DATA_DIR / "lookups" / "postcodes.parquet").exists(), reason="postcode table not built"),
]

LIVERPOOL = "E08000012"
SHOTS = Path("/tmp")
#: Anything shaped like a postcode (an LSOA code such as E01006739 is not).
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.I)
BAD_ROWS = [("", "3"), ("EH1 1YZ", "2"), ("CF10 1AA", "1"), ("BT1 1AA", "1"), ("BF1 3AA", "1"), ("L1 9ZZ", "1"),
            ("n/a", "1")]


def _liverpool_file(path: Path) -> tuple[dict[str, int | None], list[str], list[str]]:
    """A CSV of Liverpool postcodes and bad rows: (expected count per small area, None if suppressed), report
    snippets, every postcode written in it."""
    lsoas = boundaries.lsoas_within(LIVERPOOL, level="lad", vintage="2023").to_crs(27700)
    big = lsoas.assign(size=lsoas.area).sort_values("size", ascending=False)["area_code"].tolist()
    table = pd.read_parquet(DATA_DIR / "lookups" / "postcodes.parquet", columns=["postcode", "terminated", "lsoa21cd"])
    live = table[(table["terminated"] == 0) & table["lsoa21cd"].isin(big[:20])]
    by_lsoa = {code: sorted(group["postcode"].astype(str)) for code, group in live.groupby("lsoa21cd", observed=True)}
    a, b = big[0], big[1]
    c = next(code for code in big[2:20] if any(p.split()[1].startswith("0") for p in by_lsoa.get(code, [])))
    pa, pb = by_lsoa[a], by_lsoa[b]
    oh = next(p for p in by_lsoa[c] if p.split()[1].startswith("0"))
    other_c = next(p for p in by_lsoa[c] if p != oh)
    rows = [
        (pa[0], "4"),
        (pa[1].lower(), "5"),  # lower case
        (pa[2].replace(" ", "  "), "3"),  # doubled space: A = 12
        (pb[0], "2"),  # B = 2: suppressed below 5
        (oh.replace(" 0", " O"), "7"),  # the letter O for zero
        (f"10 Hope Street, Liverpool {other_c}", "1"),  # an address: C = 8
        *BAD_ROWS,
    ]
    frame = pd.DataFrame(rows, columns=["Postcode", "Households"])
    frame.to_csv(path, index=False)
    written = [p for p, _ in rows if normalise(p) or POSTCODE.search(p)]
    snippets = [
        f"{len(rows)} rows read: 6 placed in England, {len(BAD_ROWS)} not counted.",
        "Not counted: 1 row with an empty postcode cell: row 8.",
        "Not counted: 1 row with a postcode in Scotland, not England",
        "Not counted: 1 row with a postcode in Wales, not England",
        "Not counted: 1 row with a postcode in Northern Ireland, not England",
        "Not counted: 1 row with a non-geographic postcode (BFPO",
        "Not counted: 1 row with a postcode in neither the ONS postcode lookup",
        "Not counted: 1 row not shaped like a postcode",
        "Counted: 1 row written in lower case, read in capitals: row 3.",
        "Counted: 1 row with missing, doubled or extra spaces",
        "Counted: 1 row with the letter O where only a zero can stand, read as 0: row 6.",
        "Counted: 1 row holding a whole address, read by the postcode at its end: row 7.",
    ]
    return {a: 12, b: None, c: 8}, snippets, written


def _click(page, locator) -> None:
    """One mouse click on the visible middle of an element."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, "the element is not visible"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _download(page, name: str, folder: Path) -> str:
    """Press a download button with the mouse (again if a rerun swallowed the click); the file's text."""
    return download(page, name, folder, timeout_ms=45_000).read_text(encoding="utf-8")


def _file_text(path: Path) -> str:
    """Every text a downloaded file holds: a workbook's cells, a GeoPackage's rows (and what it says of its layers),
    else the file's text."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    if path.suffix == ".gpkg":
        with sqlite3.connect(path) as db:
            tables = ["gpkg_contents", *(t for (t,) in db.execute("select table_name from gpkg_contents"))]
            rows = [row for t in tables for row in db.execute(f'select * from "{t}"')]
        return "\n".join(str(c) for row in rows for c in row if not isinstance(c, bytes))  # text, not geometry
    return path.read_text(encoding="utf-8")


def _no_postcode(text: str, written: list[str], what: str) -> None:
    for cell in written:
        pc = normalise(cell) or POSTCODE.search(cell).group(0).upper()  # type: ignore[union-attr]
        for form in {pc, pc.replace(" ", ""), cell, cell.upper(), cell.lower()}:
            assert form not in text, f"{what} carries {form!r}"
    assert not POSTCODE.search(text.replace("Code-Point", "")), f"{what}: {POSTCODE.search(text)}"


def test_postcodes_counted_on_liverpools_small_areas_with_suppression(app_url, page, tmp_path) -> None:
    pg, blocked = page
    path = tmp_path / "households.csv"
    expected, snippets, written = _liverpool_file(path)
    pg.goto(f"{app_url}/?level=lad&vintage=2023")
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=90_000)
    settle(pg)
    x, y = area_point(pg, LIVERPOOL)
    pg.mouse.click(x, y)
    pg.wait_for_function(f"() => new URLSearchParams(location.search).get('area') === '{LIVERPOOL}'", timeout=60_000)
    settle(pg)
    upload_file(pg, path)
    settle(pg)
    for snippet in snippets:
        pg.get_by_text(snippet, exact=False).first.wait_for(timeout=30_000)
    pg.get_by_text("Contains Royal Mail data", exact=False).first.wait_for(timeout=30_000)  # the attribution
    assert pg.get_by_role("spinbutton", name="Small-number threshold").input_value() == "5"
    chosen = pg.locator("[data-testid='stSelectbox']").filter(has_text="Count into").evaluate("e => e.outerHTML")
    assert "Small areas (LSOA 2021)" in chosen, chosen  # drilled: Liverpool's small areas first
    pg.get_by_text("What became of each row", exact=True).scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "postcode_upload_report.png"))
    report = _download(pg, "Report (text)", tmp_path)
    _no_postcode(report, written, "the report")
    _click(pg, pg.get_by_role("button", name="Add to map"))
    pg.wait_for_function("() => (new URLSearchParams(location.search).get('lsoa') || '').startsWith('upload:')",
                         timeout=60_000)
    pg.get_by_text("Small areas in Liverpool", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    legend = " ".join(pg.locator(".hga-legend").all_inner_texts())
    assert "Suppressed (numbers too small to publish) (1 area)" in legend, legend
    pg.screenshot(path=str(SHOTS / "postcode_upload_map.png"))
    suppressed = next(code for code, n in expected.items() if n is None)
    tip = area_tooltip(pg, suppressed)
    pg.screenshot(path=str(SHOTS / "postcode_upload_tooltip.png"))
    assert "Suppressed" in tip and "fewer than 5" in tip, tip
    shown = next(code for code, n in expected.items() if n == 12)
    assert "12" in area_tooltip(pg, shown)
    pg.mouse.move(1300, 20)  # off the map: its tooltip closes
    small = _download(pg, "Small areas (CSV)", tmp_path)
    whole = _download(pg, "Table (CSV)", tmp_path)
    for text, what in ((small, "Small areas (CSV)"), (whole, "Table (CSV)")):
        _no_postcode(text, written, what)
        header = [line for line in text.splitlines() if line.startswith("# ")]
        assert any("Contains Royal Mail data" in h for h in header) and any("Code-Point Open" in h for h in header), what
    rows = pd.read_csv(pd.io.common.StringIO(small), comment="#").set_index("area_code")
    for code, n in expected.items():
        if n is None:
            assert rows.loc[code, "status"] == "suppressed" and pd.isna(rows.loc[code, "value"])
        else:
            assert rows.loc[code, "value"] == n and rows.loc[code, "status"] == "ok"
    for name in ("Fingertips CSV", "Workbook (Excel)", "GeoPackage (QGIS)"):  # every other download of the map
        text = _file_text(download(pg, name, tmp_path, timeout_ms=45_000))
        _no_postcode(text, written, name)
        assert "OS Code-Point Open, April 2025" in text, f"{name} lacks the postcode attribution"
    districts = pd.read_csv(pd.io.common.StringIO(whole), comment="#").set_index("area_code")
    assert districts.loc[LIVERPOOL, "value"] == 12 + 2 + 8  # the district's count, from the unsuppressed rows
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0


def test_a_file_of_200000_postcodes_is_read_counted_and_drawn(app_url, page, tmp_path) -> None:
    pg, blocked = page
    table = pd.read_parquet(DATA_DIR / "lookups" / "postcodes.parquet", columns=["postcode"])
    rng = np.random.default_rng(20)
    path = tmp_path / "people.csv"
    pd.DataFrame({"Postcode": table["postcode"].to_numpy()[rng.integers(0, len(table), 200_000)]}).to_csv(path, index=False)
    assert path.stat().st_size < 5 * 1024 * 1024
    pg.goto(f"{app_url}/?level=lad&vintage=2023")
    pg.get_by_text("Your own data", exact=True).wait_for(timeout=90_000)
    settle(pg)
    upload_file(pg, path)
    pg.get_by_text("200,000 rows read: 200,000 placed in England, 0 not counted.", exact=False).first.wait_for(
        timeout=60_000)
    chosen = pg.locator("[data-testid='stSelectbox']").filter(has_text="Count into").evaluate("e => e.outerHTML")
    assert "Districts (2023 codes)" in chosen, chosen  # the map's own set
    settle(pg)
    _click(pg, pg.get_by_role("button", name="Add to map"))
    pg.wait_for_function("() => (new URLSearchParams(location.search).get('indicator') || '').startsWith('upload:')",
                         timeout=60_000)
    pg.get_by_text("Rows of people (your file)", exact=False).first.wait_for(timeout=60_000)
    settle(pg)
    pg.screenshot(path=str(ARTIFACTS / "test_postcode_upload_200000.png"))
    assert blocked.urls == []
    assert pg.get_by_text("Traceback").count() == 0
