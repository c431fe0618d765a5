"""Tests for layers.wards: the best-fit ward layer's tooltips, legend and how a ward's value reads."""

from __future__ import annotations

import dataclasses
import html

import folium
import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.catalogue import Indicator, Source
from geo.wards import BASIS, LABEL
from layers.legend import to_html
from layers.wards import CAPTURE_LABEL, basis_sentence, capture_text, ward_indicator, ward_layer, ward_values_text

EVIL = "<b>Ward</b> & Co"


def _wards(values: list[float | None], *, basis: list[str] | None = None) -> gpd.GeoDataFrame:
    """Four square wards as geo.wards.ward_view gives them (one named to try HTML injection)."""
    n = len(values)
    return gpd.GeoDataFrame(
        {
            "area_code": [f"E0500000{i}" for i in range(n)],
            "area_name": [EVIL, "Bee", "Sea", "Dee"][:n],
            "level": "ward",
            "lsoas": [1, 2, 3, 4][:n],
            "lsoa_codes": ["E01000001", "E01000002, E01000003", "E01000004, E01000005, E01000006",
                           "E01000007, E01000008, E01000009, E01000010"][:n],
            "value": values,
            "areas_used": [1, 2, 3, 4][:n],
            "weighted": [b == "weighted" for b in (basis or ["weighted"] * n)],
            "basis": basis or ["weighted"] * n,
            "capture_share": [1.0, 0.875, 0.5, None][:n],
            "note": LABEL,
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(n)], crs=4326,
    )


def _indicator(value_type: str, unit: str) -> Indicator:
    return Indicator("x", "X <title>", "d", unit, "lower_is_better", "Deprivation", Source("ONS", "t", "x.csv"),
                     value_type=value_type)


def _tooltips(layer: folium.FeatureGroup) -> tuple[dict[str, dict[str, str]], list[str]]:
    geojson = next(c for c in layer._children.values() if isinstance(c, folium.GeoJson))
    props = {f["properties"]["area_code"]: f["properties"] for f in geojson.data["features"]}
    tooltip = next(c for c in geojson._children.values() if isinstance(c, folium.GeoJsonTooltip))
    return props, list(tooltip.aliases)


def test_each_ward_tooltip_names_it_and_gives_value_small_areas_capture_and_the_label() -> None:
    wards = _wards([10.0, 20.0, 30.0, None])
    drawn = ward_layer(wards, indicator=_indicator("score", "score"), period="2025", sex="persons", area_name="Town")
    props, aliases = _tooltips(drawn.layer)
    assert props["E05000000"]["area_name"] == html.escape(EVIL)
    assert [props[f"E0500000{i}"]["capture"] for i in range(4)] == ["100%", "87.5%", "50.0%", "not known"]
    assert props["E05000001"]["small_areas"] == "2 (LSOAs)" and props["E05000002"]["note"] == LABEL
    assert props["E05000003"]["status"] == "missing"  # a ward with no value is shown missing, never filled
    assert {"Small areas", html.escape(CAPTURE_LABEL), "Note"} <= set(aliases)
    assert props["E05000001"]["value_is"] == html.escape(BASIS["weighted"])


def test_the_legend_states_the_classification_the_label_and_the_basis() -> None:
    wards = _wards([10.0, 20.0, 30.0, 40.0], basis=["weighted", "weighted", "mean", "weighted"])
    drawn = ward_layer(wards, indicator=_indicator("score", "score"), period="2025", sex="persons", area_name="Town")
    legend = drawn.legend
    assert legend.title.startswith("Best-fit wards in Town: ") and legend.method.startswith("Quartiles (4 groups")
    assert legend.note.startswith("Approximate: wards built from whole small areas") and legend.england == ""
    assert "for 1 ward with a small area whose population is not held" in legend.note
    assert "Best-fit wards in Town" in to_html(legend)


@pytest.mark.parametrize(
    ("value_type", "unit", "shown_type", "words"),
    [
        pytest.param("decile", "decile (1 = most deprived 10% of LSOAs in England)", "score", "mean decile", id="decile"),
        pytest.param("rank", "rank (1 = most deprived of 33,755 LSOAs)", "score", "mean rank", id="rank"),
        pytest.param("proportion", "proportion of the relevant population (0-1)", "proportion", "proportion",
                     id="proportion-as-is"),
    ],
)
def test_a_mean_of_deciles_or_ranks_reads_as_a_mean_not_a_decile(value_type: str, unit: str, shown_type: str,
                                                                  words: str) -> None:
    shown = ward_indicator(_indicator(value_type, unit))
    assert shown.value_type == shown_type and shown.unit.startswith(words)
    text = ward_values_text(_wards([1.25, 2.5, None]), _indicator(value_type, unit))
    assert text.iloc[2] == "no data" and "decile 1 of 10" not in " ".join(text)
    bare = ward_values_text(_wards([1.25, 2.5, None]), _indicator(value_type, unit), unit=False)
    assert text.iloc[1].startswith(bare.iloc[1]) and len(text.iloc[1]) > len(bare.iloc[1])
    drawn = ward_layer(_wards([1.25, 2.5, 3.0]), indicator=_indicator(value_type, unit), period="2025",
                       sex="persons", area_name="Town")
    assert "of 10 (1 = most deprived)" not in str(_tooltips(drawn.layer)[0])


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        pytest.param(["sum", "sum"], "sum of its small areas' counts, missing when one of them is", id="count"),
        pytest.param(["weighted", "weighted"], "population-weighted mean of its small areas' values.", id="weighted"),
        pytest.param(["weighted", "mean"], "for 1 ward with a small area whose population is not held", id="mixed"),
        pytest.param(["mean", "mean"], "mean of its small areas' values (not every", id="plain"),
    ],
)
def test_basis_sentence(basis: list[str], words: str) -> None:
    assert words in basis_sentence(_wards([1.0, 2.0], basis=basis))


@pytest.mark.parametrize(("share", "text"), [(1.0, "100%"), (0.99543, "99.5%"), (0.5, "50.0%"), (None, "not known"), (float("nan"), "not known")])
def test_capture_text(share: object, text: str) -> None:
    assert capture_text(share) == text


def test_the_layer_never_opens_a_ward_on_enter_and_is_stable() -> None:
    wards = _wards([10.0, 20.0, 30.0, 40.0])
    one = ward_layer(wards, indicator=_indicator("score", "score"), period="2025", sex="persons", area_name="Town")
    two = ward_layer(wards.copy(), indicator=_indicator("score", "score"), period="2025", sex="persons", area_name="Town")
    assert one.layer.get_name() == two.layer.get_name()
    assert dataclasses.replace(one.legend) == two.legend
