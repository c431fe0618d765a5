"""Tests for layers.national: the value table handed to the national LSOA layer."""

from __future__ import annotations

import folium
import pandas as pd
import pytest

from geo.classify import classify
from geo.errors import ValidationError
from layers.national import national_layer, topology_url
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


def _layer(joined: pd.DataFrame, indicator, **kwargs) -> folium.FeatureGroup:
    c = classify(joined["value"], method="quantiles", k=2)
    options = {"order": ORDER, "vintage": "2021", "indicator": indicator, "period": "2016-18",
               "scheme": scheme_for(indicator.polarity, method="quantiles", k=c.k), "classification": c}
    return national_layer(joined, **{**options, **kwargs})


def test_one_style_and_one_value_per_lsoa_in_the_topology_order(joined, indicator) -> None:
    t = _table(_layer(joined, indicator))
    assert t["count"] == len(ORDER) and len(t["cls"]) == len(ORDER)
    texts = t["texts"] if t["ti"] is None else [t["texts"][i] for i in t["ti"]]
    assert len(texts) == len(ORDER)
    assert texts[2] == STATUS_LABELS["suppressed"]
    assert texts[3] == STATUS_LABELS["missing"] and texts[4] == STATUS_LABELS["missing"]  # no row: missing too
    assert texts[0].startswith("70.5") and texts[1].startswith("80.2")
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
    t = _table(_layer(joined, indicator))
    assert t["ti"] is not None and len(t["texts"]) == 2  # "3..." and "No data" (missing and absent alike)
