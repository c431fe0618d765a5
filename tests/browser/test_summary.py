"""The one-page summary prints on one page, A4 and Letter, with its map (headless Chromium)."""

from __future__ import annotations

import re

import pytest

from geo import boundaries, profile
from geo.indicators import load
from layers.thumbnail import decile_svg

pytestmark = pytest.mark.browser


def _summary(code: str) -> str:
    lsoas = boundaries.lsoas_within(code, level="lad", vintage="2023")
    deciles = load("imd2025_imd_decile", level="lsoa", vintage="2021")
    lsoas = lsoas.merge(deciles[["area_code", "value"]].rename(columns={"value": "d"}), on="area_code", how="left")
    area = boundaries.load("lad", "2023")
    name = str(area.loc[area["area_code"] == code, "area_name"].iloc[0])
    svg = decile_svg(lsoas, decile_column="d", outline=area.loc[area["area_code"] == code].geometry.iloc[0],
                     title=f"Map of {name}")
    return profile.summary_html(
        name, code, level_label="Local authority district", items=profile.headlines(code, level="lad"),
        population=profile.population(code, level="lad", vintage="2023"),
        deciles=profile.lsoa_deciles(code, level="lad", vintage="2023"), attribution="Contains OS data © Crown copyright",
        map_svg=svg,
    )


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("code", [pytest.param("E08000025", id="birmingham-most-lsoas"), pytest.param("E06000053", id="scilly")])
def test_summary_prints_on_one_page(browser, data_dir, tmp_path, paper: str, code: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.set_content(_summary(code))
    pdf = page.pdf(format=paper, margin={"top": "0.4in", "bottom": "0.4in", "left": "0.4in", "right": "0.4in"})
    page.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{code} prints on {pages} {paper} pages"
    assert b"%PDF" in pdf[:8]
