"""The files analysts use, downloaded from the map page as a person does (issue 21).

At 1366x768 with no internet, clicked with the mouse: on the default life-expectancy map
the user downloads the Table (CSV) (which now ends its header with the source and
licence), the Excel workbook (cover, contents, notes and one table, nothing merged) and
the Fingertips-shaped CSV (Fingertips' exact columns); then clicks Liverpool on the map
and downloads the GeoPackage, which holds the districts and Liverpool's small areas in
British National Grid with each layer's QGIS style in its layer_styles table.
"""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from tests.browser.conftest import click_area, download, settle

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
SHOTS = Path("/tmp")
FINGERTIPS = [
    "IndicatorID", "IndicatorName", "AreaCode", "AreaName", "AreaType", "Sex", "Age", "Timeperiod", "Value",
    "LowerCI95.0limit", "UpperCI95.0limit", "LowerCI99.8limit", "UpperCI99.8limit", "Count", "Denominator",
    "Value note", "Compared to England value or percentiles",
]


def _download(page, name: str, folder: Path) -> Path:
    """Press a download button with the mouse (again if a rerun swallowed the click); the file saved."""
    return download(page, name, folder)


def test_the_map_downloads_a_workbook_a_fingertips_csv_and_a_styled_geopackage(app_url, page, tmp_path) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=lad&vintage=2023&indicator=le_birth&period=2023-25&sex=female")
    pg.get_by_role("button", name="Table (CSV)").wait_for(timeout=90_000)
    settle(pg)
    pg.get_by_role("button", name="GeoPackage (QGIS)").scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "exports_download_area.png"))

    # The map's Table (CSV) carries the source and licence.
    table_csv = _download(pg, "Table (CSV)", tmp_path).read_text(encoding="utf-8")
    header = [line for line in table_csv.splitlines() if line.startswith("# ")]
    assert any("Crown copyright and database right 2025" in h for h in header), header
    assert header[-1].startswith("# Licence: Open Government Licence v3.0"), header

    # The workbook: cover, contents, notes, one table per sheet, nothing merged.
    book = openpyxl.load_workbook(_download(pg, "Workbook (Excel)", tmp_path))
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table_1"]
    assert not [ws.title for ws in book.worksheets if ws.merged_cells.ranges]
    cover = " ".join(str(c) for row in book["Cover"].iter_rows(values_only=True) for c in row if c)
    assert all(s in cover for s in ("[c]", "[x]", "[z]", "Licence", "Contact"))
    (areas,) = book["Table_1"].tables.values()
    assert areas.ref.startswith("A") and book["Table_1"]["A1"].value.startswith("Table 1: Life expectancy at birth")
    rows = list(book["Table_1"].iter_rows(min_row=book["Table_1"][areas.ref.split(":")[0]].row, values_only=True))
    assert rows[0][:3] == ("Area code", "Area name", "Value (years) [note 1]") and len(rows) == 1 + 296
    assert {r[2] for r in rows[1:] if isinstance(r[2], str)} == {"[c]"}  # the two suppressed districts

    # The Fingertips-shaped CSV: exactly Fingertips' columns, England first, the Fingertips indicator id.
    text = _download(pg, "Fingertips CSV", tmp_path).read_text(encoding="utf-8")
    fingertips = pd.read_csv(io.StringIO(text), comment="#", dtype={"AreaCode": str})
    assert list(fingertips.columns) == FINGERTIPS
    assert fingertips["AreaCode"].iloc[0] == "E92000001" and (fingertips["IndicatorID"] == 90366).all()
    assert set(fingertips["Timeperiod"]) == {"2023 - 25"} and len(fingertips) == 297

    # Drilled into Liverpool: the GeoPackage holds the districts and Liverpool's small areas, each styled.
    settle(pg)
    click_area(pg, LIVERPOOL)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=60_000)
    pg.get_by_role("button", name="Small areas (CSV)").wait_for(timeout=60_000)
    settle(pg)
    pg.get_by_role("button", name="GeoPackage (QGIS)").scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "exports_download_area_drilled.png"))
    path = _download(pg, "GeoPackage (QGIS)", tmp_path)
    assert path.suffix == ".gpkg" and re.search(LIVERPOOL, path.name)
    districts = gpd.read_file(path, layer="areas")
    small = gpd.read_file(path, layer="small_areas")
    assert districts.crs.to_epsg() == small.crs.to_epsg() == 27700
    assert len(districts) == 296 and len(small) == 302 and small["area_code"].str.startswith("E01").all()
    assert {"value", "lower_ci", "upper_ci", "lower_ci_99_8", "upper_ci_99_8", "status", "note"} <= set(districts)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone() == (
            "attributes",)
        styles = db.execute("SELECT f_table_name, useAsDefault, styleQML FROM layer_styles ORDER BY id").fetchall()
    assert [(s[0], s[1]) for s in styles] == [("areas", 1), ("small_areas", 1)]
    assert all("<qgis" in s[2] and 'type="RuleRenderer"' in s[2] for s in styles)
    assert blocked.urls == []
