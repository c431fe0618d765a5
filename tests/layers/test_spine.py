"""layers.spine: the spine chart's SVG (markers by shape and word, bars, England's line) and its table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from geo.catalogue import Indicator, Source
from geo.comparison import compare
from geo.spine import Spine, Vertebra
from layers import spine as layer

SVG = "{http://www.w3.org/2000/svg}"


def _row(verdict_ci: tuple[float, float] | None, *, value: float | None = 80.0, england: float | None = 78.0,
         polarity: str = "higher_is_better", sex: str = "female", label: str = "Life expectancy") -> Vertebra:
    ind = Indicator("le_test", label, "d", "years", polarity, "Life expectancy",  # type: ignore[arg-type]
                    Source("ONS", "test", "x.csv"))
    lo, hi = verdict_ci or (None, None)
    versus = compare(value, lower_ci=lo, upper_ci=hi, england=england, polarity=polarity)
    worst, best = (70.0, 86.0) if polarity != "lower_is_better" else (86.0, 70.0)
    q25, q75 = (74.0, 82.0) if polarity != "lower_is_better" else (82.0, 74.0)
    return Vertebra(indicator=ind, sex=sex, period="2023-25", vintage="2023", value=value,
                    status="ok" if value is not None else "suppressed", england=england, worst=worst, q25=q25, q75=q75,
                    best=best, areas=9, versus=versus)


ROWS = {
    "better": _row((79.0, 81.0)),
    "similar": _row((77.0, 81.0), label="Healthy life expectancy"),
    "worse": _row((79.0, 81.0), value=80.0, label="Deaths <i>under</i> 75", polarity="lower_is_better"),
    "not compared": _row(None, sex="male"),
    "higher": _row((79.0, 81.0), polarity="none", label="Share aged 65+"),
}


def _spine(*rows: Vertebra) -> Spine:
    return Spine("E08000012", "<script>alert(1)</script> & Co", "lad", "2023", rows or tuple(ROWS.values()))


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_svg_is_a_named_described_image() -> None:
    root = _parse(layer.spine_svg(_spine()))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get("id")
    assert title.text == "Spine chart: <script>alert(1)</script> & Co against England"  # escaped, read back
    assert "5 indicators" in (desc.text or "") and "1 worse" in (desc.text or "")
    assert "<script>" not in layer.spine_svg(_spine())


@pytest.mark.parametrize(("word", "tag"), [
    pytest.param("better", "circle", id="better-circle"),
    pytest.param("similar", "polygon", id="similar-diamond"),
    pytest.param("worse", "rect", id="worse-square"),
    pytest.param("not compared", "circle", id="not-compared-ring"),
    pytest.param("higher", "polygon", id="higher-triangle"),
])
def test_each_comparison_has_its_shape_and_word(word: str, tag: str) -> None:
    row = ROWS[word]
    assert row.word == word
    root = _parse(layer.spine_svg(_spine(row)))
    group = next(g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None)
    shapes = [el for el in group if el.tag == f"{SVG}{tag}" and el.get("stroke") == "#1A1A1A"]
    assert len(shapes) == 1, [el.tag for el in group]
    marker = shapes[0]
    if word == "not compared":
        assert marker.get("fill") == "#FFFFFF"  # a hollow ring: no colour needed to tell it
    else:
        assert marker.get("fill") != "#FFFFFF"
    texts = " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))
    assert f"{layer.value_text(row.value)} {word}" in texts
    assert layer.SHAPES[word] in ("circle", "diamond", "square", "triangle-up", "triangle-down", "ring")


def test_shapes_differ_between_every_comparison() -> None:
    assert len(set(layer.SHAPES.values())) == len(layer.SHAPES)


def test_england_line_sits_in_the_middle_and_the_worst_end_on_the_left() -> None:
    row = ROWS["worse"]  # lower is better: the worst (highest) value is drawn on the left
    root = _parse(layer.spine_svg(_spine(row), width=480))
    bar_w = 480 - 8 - 140
    group = next(g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None)
    (line,) = [el for el in group if el.tag == f"{SVG}line"]
    assert float(line.get("x1", "0")) == pytest.approx(8 + bar_w / 2, abs=0.1)
    bars = [el for el in group if el.tag == f"{SVG}rect" and el.get("stroke") is None]
    assert [b.get("fill") for b in bars] == ["#D4D4D4", "#8C8C8C", "#D4D4D4"]  # worst..25th, 25th..75th, 75th..best
    (marker,) = [el for el in group if el.tag == f"{SVG}rect" and el.get("stroke")]
    x = float(marker.get("x", "0")) + float(marker.get("width", "0")) / 2
    assert x == pytest.approx(8 + row.position(80.0) * bar_w, abs=0.2) and x < 8 + bar_w / 2  # 80: worse than 78
    title = group.find(f"{SVG}title")
    assert title is not None and "worst 86.0" in (title.text or "") and "best 70.0" in (title.text or "")


def test_a_row_without_a_value_draws_no_marker_and_says_so() -> None:
    root = _parse(layer.spine_svg(_spine(_row(None, value=None))))
    group = next(g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None)
    assert not [el for el in group if el.get("stroke") == "#1A1A1A" and el.tag != f"{SVG}line"]
    assert "no value suppressed" in " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))


def test_the_table_gives_every_figure_escaped() -> None:
    table = layer.spine_table(_spine())
    root = ET.fromstring(table)
    rows = root.findall(".//tbody/tr")
    assert len(rows) == len(ROWS)
    first = [c.text for c in rows[0]]
    assert first[:8] == ["Life expectancy, female (years)", "2023-25", "80.0", "78.0", "70.0", "74.0", "82.0", "86.0"]
    assert first[8].startswith("better: better than England")
    assert "Deaths &lt;i&gt;under&lt;/i&gt; 75" in table and "<i>" not in table
    assert root.get("role") == "region" and root.get("tabindex") == "0"  # a scrolling region reachable by keyboard


def test_the_html_folds_the_table_and_names_the_method() -> None:
    text = layer.spine_html(_spine())
    assert re.search(r"<details><summary>The figures as a table</summary>.*</details>$", text)
    assert "25th to the 75th percentile" in text and "fingertipscharts" in text
    assert "No spine chart" in layer.spine_html(Spine("E1", "Nowhere", "lad", "2023", ()))
    with pytest.raises(ValueError, match="no indicator"):
        layer.spine_svg(Spine("E1", "Nowhere", "lad", "2023", ()))
