"""Tests for geo.upload_layer: an uploaded column's percentage scale, unit and preview, as the map draws them.

The files are in tests/fixtures/uploads/ (made-up values on real area codes): Cornwall's
18.9 in a column of percentages must read "18.9%" in the preview, the legend and the
tooltip, never "1,890.0%", and no text may carry an empty "()".
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from geo import boundaries, codes, indicators, upload_layer, uploads
from geo.classify import classify, display_unit
from layers.choropleth import choropleth_layer
from layers.legend import build_legend, to_html
from layers.style import scheme_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
CORNWALL = "E06000052"


@pytest.mark.parametrize(
    ("values", "signed", "scale", "words"),
    [
        pytest.param([18.9, 22.4, 0.5], False, "0-100", "up to 22.4, so they are already percentages", id="0-100"),
        pytest.param([18.9, 1234.0], False, "0-100", "above 100: check they are percentages", id="above-100"),
        pytest.param([-3.5, 0.2], False, "0-100", "up to -3.5", id="negative-change"),
        pytest.param([0.189, 0.224, 0.0], False, None, "every value is between 0 and 1 (e.g. 0.189)", id="cannot-tell"),
        pytest.param([1.0, 0.5], False, None, "between 0 and 1", id="one-is-still-unclear"),
        pytest.param([0.189, 0.224], True, "0-100", "% signs", id="written-with-percent-signs"),
        pytest.param([], False, "0-100", "no values", id="empty"),
    ],
)
def test_percent_scale(values: list[float], signed: bool, scale: str | None, words: str) -> None:
    reading = upload_layer.percent_scale(pd.Series(values, dtype="float64"), signed=signed)
    assert reading.scale == scale
    assert words in reading.reason


@pytest.mark.parametrize(
    ("value_type", "scale", "unit", "shown"),
    [
        pytest.param("proportion", "0-100", "%", ("%", 1.0), id="percent-as-written"),
        pytest.param("proportion", "0-1", "proportion (0-1)", ("%", 100.0), id="proportion-times-100"),
        pytest.param("rate", None, "", ("", 1.0), id="rate-no-unit"),
        pytest.param("proportion", None, "%", ("%", 1.0), id="unanswered-reads-as-written"),
    ],
)
def test_unit_for(value_type: str, scale: upload_layer.Scale | None, unit: str, shown: tuple[str, float]) -> None:
    assert upload_layer.unit_for(value_type, scale) == unit
    assert display_unit(unit, value_type=value_type) == shown


def _drawn(text: str, *, value_type: str, unit: str) -> tuple[dict[str, str], str, upload_layer.Preview]:
    """Tooltip texts by area code, the legend's text and the preview of one uploaded column, as the map draws them."""
    up = uploads.validate(text.encode(), file_name="f.csv")
    mapped = uploads.to_map(up, level=up.level, vintage=up.vintage)
    column = up.columns[0]
    ind, values = uploads.layer(mapped, column, indicator_id="upload:t:1:c", file_name="f.csv", period="2019/20",
                                unit=unit, value_type=value_type)
    joined, _ = indicators.join(boundaries.load(up.level, up.vintage), values)
    classes = classify(joined["value"], method="quantiles", value_type=value_type, unit=unit)
    scheme = scheme_for(ind.polarity, method="quantiles", k=classes.k)
    legend = build_legend(indicator=ind, period="2019/20", scheme=scheme, england_value=None, classification=classes,
                          statuses=joined["status"])
    group = choropleth_layer(joined, name="x", period="2019/20", scheme=scheme, england_value=None,
                             classification=classes, indicator=ind)
    geojson = next(c for c in group._children.values() if hasattr(c, "data"))
    tips = {f["properties"]["area_code"]: html.unescape(f["properties"]["value_text"]) for f in geojson.data["features"]}
    seen = upload_layer.preview(mapped, column, names=codes.area_names(up.level, up.vintage), value_type=value_type,
                                unit=unit)
    return tips, re.sub(r"<[^>]+>", " ", html.unescape(to_html(legend))), seen


@pytest.mark.parametrize(
    ("rows", "scale"),
    [
        pytest.param("E06000052,18.9\nE06000001,22.4\nE06000002,25.1\n", "0-100", id="written-0-100"),
        pytest.param("E06000052,0.189\nE06000001,0.224\nE06000002,0.251\n", "0-1", id="written-0-1-chosen"),
    ],
)
def test_a_percentage_column_reads_as_written_in_preview_legend_and_tooltip(data_dir, rows: str, scale: str) -> None:
    tips, legend, seen = _drawn("code,Obesity\n" + rows, value_type="proportion",
                                unit=upload_layer.unit_for("proportion", scale))  # type: ignore[arg-type]
    assert tips[CORNWALL] == "18.9%"
    assert seen.rows[0] == ("Cornwall", "18.9%") and [v for _, v in seen.rows] == ["18.9%", "22.4%", "25.1%"]
    assert "18.9%" in legend and "1,890" not in legend and "1,890" not in " ".join(tips.values())


def test_no_empty_parentheses_for_a_proportion_without_a_unit(data_dir) -> None:
    # A column of 0-1 proportions given no unit (as the upload gave "A percentage" before it asked the scale).
    tips, legend, seen = _drawn("code,Share\nE06000052,0.189\nE06000001,0.224\n", value_type="proportion", unit="")
    assert tips[CORNWALL] == "18.9%" and seen.rows[0][1] == "18.9%"
    assert "()" not in legend and not any("()" in t for t in tips.values())


def test_the_preview_counts_areas_as_the_legend_does(data_dir) -> None:
    text = (FIXTURES / "lad_percent_0_100.csv").read_text(encoding="utf-8")
    tips, legend, seen = _drawn(text, value_type="proportion", unit="%")
    shown = re.search(r"No data\s+\((\d+) areas\)", legend)
    assert shown is not None and int(shown.group(1)) == seen.without_value
    assert seen.areas - seen.without_value == 20  # 21 rows, Rutland's value blank
    assert tips["E06000017"] == "No data"
