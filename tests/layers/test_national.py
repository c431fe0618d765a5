"""Tests for layers.national: the value table handed to the national LSOA layer."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import folium
import pandas as pd
import pytest

from geo.classify import classify, number_format
from geo.errors import ValidationError
from layers.choropleth import _value_text
from layers.interaction import KEYBOARD_JS
from layers.national import TEXT_JS, national_layer, topology_url
from layers.style import STATUS_LABELS, scheme_for

ORDER = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005"]


@pytest.fixture
def joined(squares) -> pd.DataFrame:
    # The four squares (one suppressed, one missing) as LSOAs; E01000005 has no row at all.
    out = pd.DataFrame(squares.drop(columns="geometry"))
    out["area_code"] = ORDER[:4]
    return out


def _table(group: folium.FeatureGroup) -> dict:
    return next(iter(group._children.values())).table


def _texts(table: dict) -> list[str]:
    """Every area's tooltip value text, written by the browser's own code (TEXT_JS, run in node)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = f"const t = JSON.parse(require('fs').readFileSync(0, 'utf8')), text = {TEXT_JS};\n" \
             "process.stdout.write(JSON.stringify(Array.from({length: t.count}, (_, i) => text(t, i))));"
    out = subprocess.run(["node", "-e", script], input=json.dumps(table), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _layer(joined: pd.DataFrame, indicator, **kwargs) -> folium.FeatureGroup:
    c = classify(joined["value"], method="quantiles", k=2)
    options = {"order": ORDER, "vintage": "2021", "indicator": indicator, "period": "2016-18",
               "scheme": scheme_for(indicator.polarity, method="quantiles", k=c.k), "classification": c}
    return national_layer(joined, **{**options, **kwargs})


def test_one_style_and_one_value_per_lsoa_in_the_topology_order(joined, indicator) -> None:
    t = _table(_layer(joined, indicator))
    assert t["count"] == len(ORDER) and len(t["cls"]) == len(ORDER)
    texts = _texts(t)
    assert texts[2] == STATUS_LABELS["suppressed"]
    assert texts[3] == STATUS_LABELS["missing"] and texts[4] == STATUS_LABELS["missing"]  # no row: missing too
    assert texts[0] == "70.50 years (95% CI 70.00 to 71.00)" and texts[1] == "80.25 years (95% CI 79.00 to 81.50)"
    styles = [t["styles"][ord(ch) - 35] for ch in t["cls"]]
    assert styles[0]["fillColor"] != styles[1]["fillColor"]  # two classes, two colours
    assert [s["status"] for s in styles] == ["ok", "ok", "suppressed", "missing", "missing"]
    assert styles[3].get("hatch") is True and not str(styles[3]["fillColor"]).startswith("url(")
    assert t["probes"][0] == [0, ORDER[0]] and t["probes"][-1] == [4, ORDER[4]]


def test_the_geometry_url_names_the_vintage_and_is_relative(joined, indicator) -> None:
    t = _table(_layer(joined, indicator))
    assert t["url"] == topology_url("2021") == "../../app/static/national/lsoa_2021.topo.json.gz"


def test_text_reaches_the_script_as_escaped_json(joined, indicator) -> None:
    m = folium.Map()
    _layer(joined, indicator, selected=ORDER[1]).add_to(m)
    page = m.get_root().render()
    assert "Life expectancy <test>" not in page  # the indicator's label, escaped by tojson
    assert "Life expectancy \\u003ctest\\u003e" in page
    assert '"selected": "E01000002"' in page
    # The map's keyboard is the one the district map has (layers.interaction), told about the small areas.
    assert "".join(KEYBOARD_JS.split()) in "".join(page.split()) and 'name: "national"' in page


def test_same_view_gives_the_same_script(joined, indicator) -> None:
    names = [_layer(joined, indicator).get_name() for _ in range(2)]
    assert names[0] == names[1]
    assert _layer(joined, indicator, selected=ORDER[0]).get_name() != names[0]


@pytest.mark.parametrize(
    "codes",
    [
        pytest.param(["E01000001", "E01000001", "E01000003", "E01000004"], id="repeated"),
        pytest.param(["E01000001", "E01999999", "E01000003", "E01000004"], id="unknown"),
    ],
)
def test_rows_that_do_not_match_the_topology_are_refused(joined, indicator, codes: list[str]) -> None:
    joined["area_code"] = codes
    with pytest.raises(ValidationError, match="Expected each small area once"):
        _layer(joined, indicator)


def test_a_decile_map_sends_each_text_once(joined, indicator) -> None:
    joined["value"] = [3.0, 3.0, 3.0, None]
    joined["status"] = ["ok", "ok", "ok", "missing"]
    joined = joined.drop(columns=["lower_ci", "upper_ci"])
    t = _table(_layer(joined, replace(indicator, value_type="decile")))
    assert t["ti"] is not None and len(t["texts"]) == 2  # "3..." and "No data" (missing and absent alike)
    assert t["num"] is None
    assert _texts(t) == ["decile 3 of 10 (1 = most deprived)"] * 3 + [STATUS_LABELS["missing"]] * 2


@pytest.mark.parametrize(
    ("values", "lows", "highs", "unit", "value_type"),
    [
        pytest.param([79.34, 81.06, 80.0, 78.95], [78.1, 80.0, None, 77.0], [80.6, 82.2, None, None], "years", "",
                     id="years-with-and-without-ci"),
        pytest.param([-0.04, -3.25, 0.0, 12.5], [None] * 4, [None] * 4, "", "", id="negative-and-minus-zero"),
        pytest.param([1234.5, 98765.43, 1000000.0, 5.0], [1200.0, 98000.0, 999999.99, 4.5],
                     [1300.0, 99000.0, 1000001.0, 5.5], "per 100,000", "", id="thousands"),
        pytest.param([0.0812, 0.5, 0.33333, 1.0], [0.07, 0.45, 0.3, 0.99], [0.09, 0.55, 0.36, 1.0],
                     "proportion of residents (0-1)", "proportion", id="proportion-as-percent"),
        pytest.param([12.5, 3.0, 0.25, 100.0], [None] * 4, [None] * 4, "% of households", "proportion",
                     id="percent-unit"),
        pytest.param([12.3456, 0.001, 45.5, 3.14159], [None] * 4, [None] * 4, "score", "", id="full-precision"),
    ],
)
def test_the_browser_writes_each_number_as_the_other_levels_do(
    joined, indicator, values: list[float], lows: list, highs: list, unit: str, value_type: str
) -> None:
    joined["value"], joined["lower_ci"], joined["upper_ci"] = values, lows, highs
    joined["status"] = "ok"
    ind = replace(indicator, unit=unit, value_type=value_type)
    t = _table(_layer(joined, ind))
    assert t["texts"] is None and t["num"] is not None  # numbers travel, not texts
    c = classify(joined["value"], method="quantiles", k=2)
    # The other levels' tooltips (layers.choropleth) write with the legend's format, as value_table does.
    fmt = number_format(joined["value"], value_type=value_type, unit=unit)
    fmt = replace(c.fmt, unit=fmt.unit if c.fmt.scale == fmt.scale else unit)
    expected = [_value_text(v, lo, hi, status="ok", fmt=fmt) for v, lo, hi in
                zip(joined["value"], pd.to_numeric(joined["lower_ci"]), pd.to_numeric(joined["upper_ci"]), strict=True)]
    assert _texts(t) == [*expected, STATUS_LABELS["missing"]]
