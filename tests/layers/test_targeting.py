"""The target map's own layers: coverage gaps marked by pattern and outline, sites, and the key."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from layers.choropleth import base_map
from layers.targeting import GAP_CLASS, GAP_COLOUR, GAP_LAYER, GAP_PATTERN_ID, gap_layer, map_key, site_layer

EVIL = '<img src=x onerror="alert(1)"> & Co'


@pytest.fixture
def gaps() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": ["E01000001", "E01000002"], "area_name": ["Newham 001A", "Newham 002B"],
         "nearest_site": [EVIL, "Stratford"], "distance_m": [2345.0, 1800.0]},
        geometry=[box(0.0, 51.5, 0.01, 51.51), box(0.01, 51.5, 0.02, 51.51)], crs=4326,
    )


def _html(group: folium.FeatureGroup) -> str:
    m = base_map()  # stable ids: the same input gives the same page
    group.add_to(m)
    return m.get_root().render()


def _geojson(group: folium.FeatureGroup) -> folium.GeoJson:
    return next(c for c in group._children.values() if isinstance(c, folium.GeoJson))


@pytest.mark.parametrize("striped", [pytest.param(True, id="svg-map-striped"), pytest.param(False, id="canvas-map")])
def test_each_gap_is_a_feature_marked_by_outline_and_pattern(gaps: gpd.GeoDataFrame, striped: bool) -> None:
    layer = _geojson(gap_layer(gaps, gap_km=1.5, striped=striped))
    features = layer.data["features"]
    assert [f["properties"]["area_code"] for f in features] == ["E01000001", "E01000002"]
    assert {f["properties"]["layer"] for f in features} == {GAP_LAYER}
    assert layer.options["className"] == GAP_CLASS
    style = layer.style_function(features[0])
    assert style["dashArray"] and style["weight"] >= 3 and style["color"] == GAP_COLOUR  # an outline, not colour alone
    assert (f"url(#{GAP_PATTERN_ID})" in style["fillColor"]) is striped
    page = _html(gap_layer(gaps, gap_km=1.5, striped=striped))
    assert (f'id=\\"{GAP_PATTERN_ID}\\"' in page or f'id="{GAP_PATTERN_ID}"' in page) is striped


def test_gap_tooltips_escape_a_site_name_from_the_users_file(gaps: gpd.GeoDataFrame) -> None:
    features = _geojson(gap_layer(gaps, gap_km=1.5)).data["features"]
    first = features[0]["properties"]["gap"]
    assert first == "2.3 km to the nearest site (&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co); more than 1.5 km"
    assert "<img" not in _html(gap_layer(gaps, gap_km=1.5))
    assert "<img" not in _html(site_layer(gpd.GeoDataFrame({"name": [EVIL]}, geometry=[Point(0.0, 51.5)], crs=4326)))


def test_the_same_gaps_give_the_same_page(gaps: gpd.GeoDataFrame) -> None:
    assert _html(gap_layer(gaps, gap_km=1.5)) == _html(gap_layer(gaps, gap_km=1.5))


@pytest.mark.parametrize(
    ("sites", "gaps", "shown", "hidden"),
    [
        pytest.param(False, None, ["matches the rule", "other small areas"], ["service site", "coverage gap"],
                     id="no-sites"),
        pytest.param(True, 9, ["service site", "coverage gap (9): a match more than 1.5 km from every site"], [],
                     id="sites-and-gaps"),
        pytest.param(True, 0, ["coverage gap (0)"], [], id="no-gap-still-keyed"),
    ],
)
def test_the_key_has_a_gap_entry_with_a_dashed_swatch(sites: bool, gaps: int | None, shown: list[str],
                                                       hidden: list[str]) -> None:
    key = map_key(sites=sites, gaps=gaps, gap_km=1.5, faded=True)
    assert all(s in key for s in shown) and not any(h in key for h in hidden)
    assert ("dashed" in key) is (gaps is not None)


@pytest.mark.parametrize(
    ("measured_from", "words"),
    [
        pytest.param(["postcode-weighted centre", "polygon centroid"],
                     ["2.3 km from its postcode-weighted centre to the nearest site",
                      "1.8 km from its polygon centroid to the nearest site (Stratford)"], id="said"),
        pytest.param(None, ["2.3 km to the nearest site", "1.8 km to the nearest site (Stratford)"], id="not-given"),
    ],
)
def test_a_gap_says_where_its_distance_started(gaps: gpd.GeoDataFrame, measured_from: list[str] | None,
                                               words: list[str]) -> None:
    if measured_from is not None:
        gaps = gaps.assign(measured_from=measured_from)
    tips = [f["properties"]["gap"] for f in _geojson(gap_layer(gaps, gap_km=1.5)).data["features"]]
    assert all(tip.startswith(w) for tip, w in zip(tips, words, strict=True)), tips
