"""layers.funnel: the funnel plot's SVG (limits by line style, points by shape, the area named) and its tables."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from geo import funnels
from geo.catalogue import Indicator, Source
from geo.funnel_plot import FunnelPlot, NoFunnel
from layers import funnel as layer

SVG = "{http://www.w3.org/2000/svg}"
#: Ten areas of 1,000 to 10,000 households; the last two far from the average.
COUNTS = [100, 210, 290, 420, 500, 590, 700, 810, 1500, 300]
DENOMINATORS = [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]


def _plot(*, area_code: str | None = "E0000009", polarity: str = "lower_is_better") -> FunnelPlot:
    ind = Indicator("fp_test", "Fuel <poverty>", "d", "% of households", polarity, "Housing",  # type: ignore[arg-type]
                    Source("DESNZ", "test", "x.csv"), value_type="proportion")
    x, n = pd.Series(COUNTS, dtype="float64"), pd.Series(DENOMINATORS, dtype="float64")
    codes = [f"E000000{i}" for i in range(len(COUNTS))]
    points = pd.DataFrame({"area_code": codes, "area_name": [f"Area {i}" for i in range(len(COUNTS))],
                           "value": 100 * x / n, "count": x, "denominator": n,
                           "side": funnels.significance(x, n, statistic="proportion", multiplier=100)})
    points.loc[9, "area_name"] = "<b>Bold</b> & Co"
    return FunnelPlot(indicator=ind, level="lad", vintage="2023", period="2021", sex="persons",
                      statistic="proportion", rate_type=None, multiplier=100.0,
                      funnel=funnels.funnel(x, n, statistic="proportion", multiplier=100), points=points,
                      area_code=area_code)


def _root(plot: FunnelPlot) -> ET.Element:
    return ET.fromstring(layer.funnel_svg(plot))


def test_the_fixture_has_areas_on_every_side() -> None:
    sides = _plot().counts()
    assert sides[funnels.HIGH_998] >= 1 and sides[funnels.LOW_998] >= 1 and sides[funnels.WITHIN] >= 1


def test_the_svg_is_a_named_described_image() -> None:
    plot = _plot()
    root = _root(plot)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("role") == "img" and title is not None and desc is not None
    assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get("id")
    assert title.text == "Funnel plot: Fuel <poverty>, 2021; Local authority districts (2023 boundaries)"
    assert f"{plot.counts()[funnels.HIGH_998]} {funnels.HIGH_998}" in (desc.text or "")
    assert "<b>Bold</b> & Co: 3.0 (300 of 10,000 households) lies below the 99.8% limit" in (desc.text or "")
    assert "<poverty>" not in layer.funnel_svg(plot)


def test_the_limits_are_dashed_at_95_and_solid_at_99_8() -> None:
    root = _root(_plot())
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 4
    assert sorted(line.get("stroke-dasharray") or "solid" for line in lines) == ["6 4", "6 4", "solid", "solid"]
    clipped = root.find(f".//{SVG}g[@clip-path]")
    assert clipped is not None and len(clipped.findall(f"{SVG}polyline")) == 4  # kept inside the plot area
    legend = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "95% limits" in legend and "99.8% limits" in legend and "average" in legend


@pytest.mark.parametrize(("side", "tag", "filled"), [
    pytest.param(funnels.WITHIN, "circle", False, id="within-hollow-circle"),
    pytest.param(funnels.HIGH_998, "polygon", True, id="above-99.8-filled-triangle"),
    pytest.param(funnels.LOW_998, "polygon", True, id="below-99.8-filled-triangle"),
])
def test_each_side_of_the_limits_has_its_shape(side: str, tag: str, filled: bool) -> None:
    plot = _plot(area_code=None)
    wanted = plot.points.index[plot.points["side"] == side]
    shapes = [el for el in _root(plot).iter() if el.tag in (f"{SVG}circle", f"{SVG}polygon")
              and el.get("stroke-width") == "1"]
    drawn = [el for el in shapes if el.tag == f"{SVG}{tag}" and (el.get("fill") != "#FFFFFF") == filled]
    assert len(drawn) >= len(wanted)
    assert layer.SHAPES[side].startswith("triangle") == (tag == "polygon")
    assert layer.SHAPES[side].endswith("-filled") == filled


def test_triangles_point_up_above_and_down_below() -> None:
    up = ET.fromstring(layer.point("triangle-up", 10, 10, colour="#000"))
    down = ET.fromstring(layer.point("triangle-down-filled", 10, 10, colour="#000"))
    tip_up = float(up.get("points", "").split()[0].split(",")[1])
    tip_down = float(down.get("points", "").split()[0].split(",")[1])
    assert tip_up < 10 < tip_down and up.get("fill") == "#FFFFFF" and down.get("fill") == "#000"


def test_shapes_differ_between_every_side() -> None:
    assert len(set(layer.SHAPES.values())) == len(layer.SHAPES)


def test_the_selected_area_is_larger_and_labelled() -> None:
    plot = _plot(area_code="E0000009")
    root = _root(plot)
    big = [el for el in root.iter() if el.get("stroke-width") == "2.5"]
    assert len(big) == 1
    labels = [t for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert [t.text for t in labels] == ["<b>Bold</b> & Co"]  # escaped in the file, read back as text
    assert "&lt;b&gt;Bold" in layer.funnel_svg(plot)
    assert not [el for el in _root(_plot(area_code=None)).iter() if el.get("stroke-width") == "2.5"]


def test_the_tables_and_the_no_funnel_line() -> None:
    plot = _plot()
    table = layer.funnel_table(plot)
    assert table.count("<tr><th scope='row'>Area ") == 9 and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in table
    assert "Where the area lies" in table and "tabindex='0'" in table
    text = layer.funnel_html(plot)
    assert "<details><summary>The figures as a table</summary>" in text and "PHEindicatormethods" in text
    line = layer.funnel_html(NoFunnel("le_birth", "Life expectancy <i>has</i> no count"))
    assert line == "<p class='hga-no-funnel'>no funnel: Life expectancy &lt;i&gt;has&lt;/i&gt; no count</p>"


@pytest.mark.parametrize(("low", "high", "ticks"), [
    pytest.param(0, 10_000, [0, 2500, 5000, 7500, 10000], id="thousands"),
    pytest.param(3.2, 21.7, [5, 10, 15, 20], id="percentages"),
])
def test_nice_ticks(low: float, high: float, ticks: list[float]) -> None:
    assert layer.nice_ticks(low, high) == ticks
