"""The pack's HTML carries the area's spine chart and a funnel plot (or the one line saying why not), after its page."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from documents.pack import pack_html
from geo import pack
from geo.funnel_plot import FunnelPlot, NoFunnel

LIVERPOOL = "E08000012"


@pytest.fixture(scope="module")
def liverpool(data_dir) -> pack.Pack:
    return pack.build(LIVERPOOL, data_dir=data_dir)


def test_the_pack_holds_liverpools_spine_and_fuel_poverty_funnel(liverpool: pack.Pack) -> None:
    assert liverpool.spine is not None and len(liverpool.spine.rows) >= 10
    assert isinstance(liverpool.funnel, FunnelPlot) and liverpool.funnel.indicator.indicator_id == "fuel_poverty"
    assert liverpool.funnel.area_code == LIVERPOOL


def test_the_html_has_both_after_the_one_page_pack(liverpool: pack.Pack) -> None:
    page = pack_html(liverpool)
    annex = page.index("<section class='annex'>")
    assert page.index("How it compares with England") < annex < page.index("<h2>Sources</h2>")
    assert "class='hga-spine'" in page[annex:] and "class='hga-funnel'" in page[annex:]
    assert page.count("role='img'") >= 3  # the map, the spine chart, the funnel plot
    assert "Spine chart: Liverpool against England" in page and "Funnel plot: Fuel poverty" in page
    assert ".annex{break-before:page" in page  # printed after the one-page pack
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)


def test_the_html_says_why_there_is_no_funnel(liverpool: pack.Pack) -> None:
    why = NoFunnel("fuel_poverty", "no count <held>")
    page = pack_html(replace(liverpool, funnel=why))
    assert f"<p class='hga-no-funnel'>{html.escape(why.line)}</p>" in page and "class='hga-funnel'" not in page
    assert "<section class='annex'>" not in pack_html(replace(liverpool, spine=None, funnel=None))
