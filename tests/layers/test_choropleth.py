"""Tests for layers.choropleth: escaping, payload, styles and stable output."""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo.catalogue import Indicator, Source
from geo.classify import classify, compare_with_england
from geo.errors import DataUnavailableError, ValidationError
from geo.row_intervals import with_intervals
from layers.choropleth import TOOLTIP_CSS, _feature_collection, base_map, choropleth_layer, outline_layer, set_stable_ids
from layers.style import MISSING_STYLE, SUPPRESSED_STYLE, scheme_for

SHOWN = {"area_code", "area_name", "value_text", "class_label", "rank_text", "status", "england"}
EVIL = "<script>alert(1)</script> & Co"


def _geojson(group: folium.FeatureGroup) -> folium.GeoJson:
    return next(c for c in group._children.values() if isinstance(c, folium.GeoJson))


def _layer(gdf: gpd.GeoDataFrame, ind: Indicator, **kwargs) -> folium.FeatureGroup:
    c = kwargs.get("classification") or classify(gdf["value"], method="quantiles")
    options = {
        "name": ind.label,
        "period": "2016-18",
        "scheme": scheme_for(ind.polarity, method="quantiles", k=c.k),
        "england_value": 79.4,
        "classification": c,
        "unit": ind.unit,
        "indicator_title": ind.label,
    }
    return choropleth_layer(gdf, **{**options, **kwargs})


def _page(gdf: gpd.GeoDataFrame, ind: Indicator, **kwargs) -> str:
    m = base_map()
    _layer(gdf, ind, **kwargs).add_to(m)
    return m.get_root().render()


def _features(group: folium.FeatureGroup) -> dict[str, dict]:
    return {f["properties"]["area_code"]: f for f in _geojson(group).data["features"]}


def test_area_names_are_escaped_before_folium_and_never_raw(squares, indicator) -> None:
    assert squares["area_name"].iloc[0] == EVIL
    page = _page(squares, indicator)
    assert "<script>alert(1)" not in page
    assert "\\u003cscript\\u003ealert" not in page  # JSON-escaped but raw once the browser parses it
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt; \\u0026amp; Co" in page  # &lt;script&gt;...
    props = _features(_layer(squares, indicator))["E00000001"]["properties"]
    assert props["area_name"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"


def test_indicator_title_and_layer_name_are_escaped(squares, indicator) -> None:
    assert "<test>" in indicator.label
    page = _page(squares, indicator)
    assert "<test>" not in page and "\\u003ctest\\u003e" not in page
    assert "\\u0026lt;test\\u0026gt;" in page  # &lt;test&gt; inside JSON


def test_only_the_shown_properties_are_embedded(squares, indicator) -> None:
    gdf = squares.assign(secret_column="DO-NOT-SHIP", level="lad")
    group = _layer(gdf, indicator)
    for feature in _geojson(group).data["features"]:
        assert set(feature["properties"]) == SHOWN
        assert set(feature) == {"type", "properties", "geometry"}
    m = base_map()
    group.add_to(m)
    assert "DO-NOT-SHIP" not in m.get_root().render()


def test_extra_tooltip_fields_are_added_and_escaped(squares, indicator) -> None:
    gdf = squares.assign(national_decile=[1.0, 10.0, None, 3.0], label=["<b>x</b>", "y", "z", "w"])
    group = _layer(gdf, indicator, tooltip_fields={"national_decile": "National IMD decile", "label": "Label"})
    props = _features(group)["E00000001"]["properties"]
    assert props["national_decile"] == "1" and props["label"] == "&lt;b&gt;x&lt;/b&gt;"
    assert _features(group)["E00000003"]["properties"]["national_decile"] == "no data"
    tooltip = next(c for c in _geojson(group)._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.aliases[-2:] == ["National IMD decile", "Label"]


def test_tooltip_text_says_value_period_rank_and_england(squares, indicator) -> None:
    group = _layer(squares, indicator)
    feats = _features(group)
    best = feats["E00000002"]["properties"]  # 80.25 is the higher, so the better, value
    # the values are held to 2 decimals (80.25), so every number in the tooltip has 2
    assert best["value_text"] == "80.25 years (95% CI 79.00 to 81.50)"
    assert best["rank_text"] == "rank 1 of 2 (1 = best)"
    assert best["england"] == "79.40 years"
    assert feats["E00000001"]["properties"]["rank_text"] == "rank 2 of 2 (1 = best)"
    tooltip = next(c for c in _geojson(group)._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert "Life expectancy &lt;test&gt;, 2016-18" in tooltip.aliases and "England, 2016-18" in tooltip.aliases


@pytest.mark.parametrize(
    ("code", "status", "words", "style"),
    [
        pytest.param("E00000003", "suppressed", "Suppressed", SUPPRESSED_STYLE, id="suppressed"),
        pytest.param("E00000004", "missing", "No data", MISSING_STYLE, id="missing"),
    ],
)
def test_missing_and_suppressed_are_styled_and_worded(squares, indicator, code, status, words, style) -> None:
    group = _layer(squares, indicator)
    feature = _features(group)[code]
    props = feature["properties"]
    assert props["status"] == status and props["value_text"].startswith(words) and props["class_label"].startswith(words)
    assert props["rank_text"] == "not ranked"
    assert _geojson(group).style_function(feature) == style


def test_a_suppressed_row_with_a_value_is_still_suppressed(squares, indicator) -> None:
    gdf = squares.assign(status=["suppressed", "ok", "suppressed", "missing"])
    group = _layer(gdf, indicator)
    feature = _features(group)["E00000001"]
    assert feature["properties"]["value_text"].startswith("Suppressed")
    assert _geojson(group).style_function(feature) == SUPPRESSED_STYLE
    assert _features(group)["E00000002"]["properties"]["rank_text"] == "rank 1 of 1 (1 = best)"


def test_england_comparison_categories_colour_and_label(squares, indicator) -> None:
    categories = compare_with_england(
        squares["value"], squares["lower_ci"], squares["upper_ci"], england_value=79.4, polarity=indicator.polarity
    )
    scheme = scheme_for(indicator.polarity, method="england")
    group = _layer(squares, indicator, classification=None, categories=categories, scheme=scheme)
    feats = _features(group)
    assert feats["E00000001"]["properties"]["class_label"] == "Worse than England (95% confidence)"
    assert feats["E00000002"]["properties"]["class_label"] == "Similar to England"
    assert _geojson(group).style_function(feats["E00000001"])["fillColor"] == scheme.colour("worse")


def test_indicator_record_supplies_unit_and_title(squares, indicator) -> None:
    group = _layer(squares, indicator, unit=None, indicator_title=None, indicator=indicator)
    assert _features(group)["E00000002"]["properties"]["value_text"].endswith("years (95% CI 79.00 to 81.50)")


def test_coordinates_are_rounded(squares, indicator) -> None:
    gdf = squares.copy()
    gdf.geometry = [box(0.123456789, 0, 1, 1), *gdf.geometry.iloc[1:]]
    coords = _features(_layer(gdf, indicator))["E00000001"]["geometry"]["coordinates"][0]
    assert [0.12346, 0.0] in [list(c) for c in coords]


def test_fill_opacity_override_fades_every_area(squares, indicator) -> None:
    group = _layer(squares, indicator, fill_opacity=0.3)
    assert {_geojson(group).style_function(f)["fillOpacity"] for f in _features(group).values()} == {0.3}


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        pytest.param(lambda g: g.drop(columns="status"), ValidationError, "missing status", id="no-status"),
        pytest.param(lambda g: g.assign(area_code="E00000001"), ValidationError, "area codes repeat", id="dupes"),
        pytest.param(lambda g: g.iloc[:0], DataUnavailableError, "no areas", id="empty"),
    ],
)
def test_bad_input_is_refused(squares, indicator, change, error, match) -> None:
    c = classify(squares["value"], method="quantiles")
    with pytest.raises(error, match=match):
        _layer(change(squares), indicator, classification=c)


def test_classes_must_align_with_areas(squares, indicator) -> None:
    c = classify(squares["value"].reset_index(drop=True), method="quantiles")
    with pytest.raises(ValidationError, match="aligned"):
        _layer(squares.set_axis([10, 11, 12, 13]), indicator, classification=c)


def test_same_input_gives_identical_html_and_other_input_other_ids(squares, indicator) -> None:
    first, second = _page(squares, indicator), _page(squares, indicator)
    assert first == second
    other = _page(squares.assign(value=[71.0, 80.25, None, None]), indicator)
    ids = set(re.findall(r"geo_json_[0-9a-f]+", first))
    assert ids and ids.isdisjoint(re.findall(r"geo_json_[0-9a-f]+", other))


def test_two_layers_on_one_map_get_distinct_ids(squares, indicator) -> None:
    m = base_map()
    _layer(squares, indicator).add_to(m)
    _layer(squares.iloc[:2], indicator).add_to(m)
    outline_layer(squares.geometry.iloc[0], name="Bee").add_to(m)
    assert sum(isinstance(c, folium.FeatureGroup) for c in m._children.values()) == 3
    page = m.get_root().render()
    assert len(set(re.findall(r"var (feature_group_[0-9a-f]+)", page))) == 3


def test_base_map_has_no_tiles_unless_asked_and_needs_attribution() -> None:
    m = base_map()
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert base_map().get_root().render() == m.get_root().render()
    with pytest.raises(ValueError, match="attribution"):
        base_map(tiles="https://tile.example/{z}/{x}/{y}.png")
    tiled = base_map(tiles="https://tile.example/{z}/{x}/{y}.png", attribution="© Example")
    assert any(isinstance(c, folium.TileLayer) for c in tiled._children.values())
    assert '"preferCanvas": false' in m.get_root().render()


def test_outline_is_thick_unfilled_and_not_interactive(squares) -> None:
    group = outline_layer(gpd.GeoSeries(squares.geometry.iloc[:2]), name="Two <squares>")
    layer = _geojson(group)
    style = layer.style_function(layer.data)
    assert style["fill"] is False and style["weight"] >= 3
    assert layer.options.get("interactive") is False
    assert shapely.geometry.shape(layer.data["features"][0]["geometry"]).area == pytest.approx(2.0)
    assert "<squares>" not in group.layer_name


def test_set_stable_ids_gives_lower_case_alphanumeric_ids() -> None:
    group = set_stable_ids(folium.FeatureGroup(name="x"), seed="seed")
    assert re.fullmatch(r"[a-z0-9]+", group._id)


def test_national_la_layer_is_under_one_megabyte(data_dir, indicator) -> None:
    path = data_dir / "boundaries" / "lad_2023.parquet"
    if not path.exists():
        pytest.skip("LA boundaries not built")
    lad = gpd.read_parquet(path)
    # every area gets a value, CI and the longest texts, so this is the largest payload the layer makes
    gdf = lad.assign(value=80.123, lower_ci=79.0, upper_ci=81.0, status="ok")
    gdf["value"] = gdf["value"] + pd.Series(range(len(gdf)), index=gdf.index) / 100
    m = base_map()
    _layer(gdf, indicator).add_to(m)
    page = m.get_root().render()
    assert len(page.encode("utf-8")) < 1_000_000
    data = json.dumps(_geojson(_layer(gdf, indicator)).data, separators=(",", ":"))
    assert len(data.encode("utf-8")) < 800_000


def test_note_is_shown_escaped_and_only_where_present(squares, indicator) -> None:
    notes = ["Combined figure for Cornwall and Isles of Scilly", None, "", "<b>Approximate</b>: from 3 districts"]
    group = _layer(squares.assign(note=notes), indicator)
    feats = _features(group)
    assert feats["E00000001"]["properties"]["note"] == "Combined figure for Cornwall and Isles of Scilly"
    assert feats["E00000004"]["properties"]["note"] == "&lt;b&gt;Approximate&lt;/b&gt;: from 3 districts"
    assert feats["E00000002"]["properties"]["note"] == feats["E00000003"]["properties"]["note"] == ""
    tooltip = next(c for c in _geojson(group)._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.aliases[tooltip.fields.index("note")] == "Note"
    m = base_map()
    group.add_to(m)
    page = m.get_root().render()
    assert 'if (value === undefined || value === null || value === "") { return ""; }' in page  # no empty "Note" row
    assert "<b>Approximate" not in page


def test_no_note_column_means_no_note_line(squares, indicator) -> None:
    group = _layer(squares.assign(note=[None, "", None, " "]), indicator)
    assert all("note" not in f["properties"] for f in _features(group).values())


def test_decile_tooltips_say_decile_not_rank(squares) -> None:
    ind = Indicator("d", "IMD 2019 decile", "d", "decile (1 = most deprived 10% of LSOAs in England)", "higher_is_better",
                    "Deprivation", Source("MHCLG", "IoD2019", "x.csv"), value_type="decile")
    gdf = squares.assign(value=[3.0, 10.0, None, None])
    c = classify(gdf["value"], method="decile_values")
    group = _layer(gdf, ind, classification=c, scheme=scheme_for(ind.polarity, method="decile_values", k=10),
                   england_value=None, unit=None, indicator_title=None, indicator=ind)
    props = _features(group)["E00000001"]["properties"]
    assert props["value_text"] == "decile 3 of 10 (1 = most deprived)"
    assert "rank_text" not in props and "england" not in props
    tooltip = next(c for c in _geojson(group)._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert "Rank" not in tooltip.aliases and "rank_text" not in tooltip.fields


def test_proportions_read_as_percentages_like_the_legend(squares) -> None:
    ind = Indicator("p", "LSOAs in the most deprived 10%", "d", "proportion of LSOAs (0-1)", "lower_is_better",
                    "Deprivation", Source("MHCLG", "IoD2019", "x.csv"), value_type="proportion")
    gdf = squares.assign(value=[0.025, 0.1, None, None], lower_ci=None, upper_ci=None)
    c = classify(gdf["value"], method="quantiles", value_type=ind.value_type, unit=ind.unit)
    group = _layer(gdf, ind, classification=c, england_value=0.1, unit=None, indicator_title=None, indicator=ind)
    props = _features(group)["E00000001"]["properties"]
    assert props["value_text"] == "2.5% of LSOAs" and props["class_label"] == c.labels[0] == "2.5%"
    assert props["england"] == "10.0% of LSOAs"


def test_base_map_keeps_tooltips_inside_and_closes_them_when_layers_change(squares, indicator) -> None:
    page = base_map().get_root().render()
    assert page == base_map().get_root().render()  # identical on every rerun
    assert "proto._setPosition = function (pos)" in page and "L.DomUtil.setPosition(el, at.add" in page
    assert 'map.on("layerremove zoomstart", closeTooltips)' in page and '"mouseleave"' in page
    assert TOOLTIP_CSS in page and "@media print" in TOOLTIP_CSS
    tooltip = next(c for c in _geojson(_layer(squares, indicator))._children.values()
                   if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.tooltip_options["sticky"] is True and tooltip.tooltip_options["direction"] == "auto"


def test_within_draws_only_nearby_areas_but_ranks_count_them_all(squares, indicator) -> None:
    near = _features(_layer(squares, indicator, within=(0.1, 0.1, 0.9, 0.9)))  # inside square 1 only
    assert set(near) == {"E00000001"}
    assert "of 2" in near["E00000001"]["properties"]["rank_text"]  # ranked among every area, drawn or not
    with pytest.raises(DataUnavailableError, match="widen the bounds"):
        _layer(squares, indicator, within=(10.0, 10.0, 11.0, 11.0))


@pytest.mark.parametrize(
    ("crs", "point"),
    [pytest.param("EPSG:4326", (-1.5, 52.5), id="wgs84-kept"),
     pytest.param("EPSG:27700", (430000.0, 290000.0), id="british-national-grid-reprojected")],
)
def test_feature_collection_is_in_longitude_latitude(crs: str, point: tuple[float, float]) -> None:
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(point).buffer(1e-3 if crs == "EPSG:4326" else 100)], crs=crs)
    x, y = _feature_collection(gdf, [{}], precision=4)["features"][0]["geometry"]["coordinates"][0][0]
    assert -2.0 < x < -1.0 and 52.0 < y < 53.0


@pytest.mark.parametrize(("opens", "word"), [pytest.param(True, "true", id="districts"), pytest.param(False, "false", id="small-areas")])
def test_the_layer_tells_the_maps_keyboard_its_title_and_whether_enter_opens_it(squares, indicator, opens, word) -> None:
    layer = _layer(squares, indicator, opens=opens)
    geojson = _geojson(layer)
    page = _page(squares, indicator, opens=opens)
    # The title is escaped like every property (the keyboard reads them as text); tojson escapes it again.
    assert re.search(rf'{geojson.get_name()}\.hgaKeys = \{{"opens": {word}, "title": '
                     r'"Life expectancy \\u0026lt;test\\u0026gt;[^"]*, 2016-18"\};', page)
    assert _layer(squares, indicator, opens=not opens).get_name() != layer.get_name()


def test_base_map_leaves_the_wheel_to_the_page_until_the_map_is_clicked_or_focused() -> None:
    page = base_map().get_root().render()
    assert "wheel.disable();" in page and "Click the map or use Ctrl + scroll to zoom" in page
    whole_page = base_map(wheel_after_focus=False).get_root().render()  # a page that is only the map zooms at once
    assert "wheel.disable();" not in whole_page and "Ctrl + scroll" not in whole_page


def test_every_base_map_can_be_moved_without_dragging() -> None:
    for page in (base_map().get_root().render(), base_map(wheel_after_focus=False).get_root().render()):
        assert page.count('var control = L.control({position: "topleft"});') == 1  # the pan buttons (WCAG 2.5.7)
        assert '"Move map " + m[0]' in page


def _with_methods(squares: gpd.GeoDataFrame, *, value_type: str = "years", **extra: list) -> gpd.GeoDataFrame:
    """The squares with the interval columns the map page's joined table carries (``ui.cache``)."""
    gdf = squares.assign(**extra)
    limits = with_intervals(gdf, value_type=value_type)
    return gdf.assign(ci_method=limits["ci_method"], lower_ci_95=limits["lower_ci"], upper_ci_95=limits["upper_ci"])


COMBINED_NOTE = ("Approximate: mean of ...; not an official figure; approximate 95% CI combining the parts' published "
                 "95% CIs as independent estimates.")
PARTS_WITHOUT_NOTE = ("Approximate: mean of ...; not an official figure; no interval: the published figures of its "
                      "parts have no confidence interval.")
NO_LIMITS = {"lower_ci": [70.0, None, None, None], "upper_ci": [71.0, None, None, None]}


@pytest.mark.parametrize(
    ("extra", "code", "expected"),
    [
        pytest.param({}, "E00000002", "80.25 years (95% CI 79.00 to 81.50, as published)", id="published"),
        pytest.param(NO_LIMITS, "E00000002", "80.25 years (no interval: value published without an interval)",
                     id="no-interval"),
        pytest.param({"note": [None, COMBINED_NOTE, None, None]}, "E00000002",
                     "80.25 years (95% CI 79.00 to 81.50, approximate, combining its parts' published CIs)",
                     id="combined"),
        pytest.param({"note": [None, PARTS_WITHOUT_NOTE, None, None], **NO_LIMITS}, "E00000002",
                     "80.25 years (no interval: the published figures of its parts have no confidence interval)",
                     id="approximate-without"),
        pytest.param({}, "E00000003", "Suppressed (numbers too small to publish)", id="suppressed-says-only-that"),
    ],
)
def test_tooltip_says_which_method_gave_the_interval(squares, indicator, extra: dict, code: str,
                                                     expected: str) -> None:
    props = _features(_layer(_with_methods(squares, **extra), indicator))[code]["properties"]
    assert props["value_text"] == html.escape(expected)


def test_tooltip_shows_the_computed_limits_its_method_names(squares, indicator) -> None:
    # 5 of 20 as a percentage, no published interval: Wilson score 95% limits 11.19% to 46.87% (OHID's method)
    gdf = _with_methods(squares, value_type="proportion", value=[25.0, 80.25, None, None], lower_ci=None,
                        upper_ci=None, count=[5.0, None, None, None], denominator=[20.0, None, None, None])
    props = _features(_layer(gdf, indicator, unit="%"))["E00000001"]["properties"]
    assert html.unescape(props["value_text"]) == "25.00% (95% CI 11.19% to 46.87%, computed by Wilson score)"


def test_without_a_method_column_the_tooltip_is_as_before(squares, indicator) -> None:
    props = _features(_layer(squares, indicator))["E00000002"]["properties"]
    assert props["value_text"] == "80.25 years (95% CI 79.00 to 81.50)"


def test_a_method_reaching_the_tooltip_is_escaped(squares, indicator) -> None:
    gdf = squares.assign(ci_method=["no interval: <b>x</b> & y", "", "", ""], lower_ci=None, upper_ci=None)
    page = _page(gdf, indicator)
    assert "<b>x</b>" not in page
    props = _features(_layer(gdf, indicator))["E00000001"]["properties"]
    assert props["value_text"] == "70.50 years (no interval: &lt;b&gt;x&lt;/b&gt; &amp; y)"


@pytest.mark.parametrize(
    ("method", "lo", "hi", "ayton", "eee"),
    [
        pytest.param("england", "lower_ci", "upper_ci", "Worse than England (95% confidence)",
                     "Worse than England (95% confidence)", id="95"),
        pytest.param("england_998", "lower_ci_99_8", "upper_ci_99_8", "Similar to England (99.8% confidence)",
                     "Not compared (no 99.8% confidence interval)", id="99-8"),
    ],
)
def test_tooltip_class_line_says_the_comparison_at_the_schemes_level(compared_998, indicator, method: str, lo: str,
                                                                     hi: str, ayton: str, eee: str) -> None:
    from tests.conftest import ENGLAND_998

    t = compared_998.join(with_intervals(compared_998, value_type="")[["lower_ci_99_8", "upper_ci_99_8"]])
    categories = compare_with_england(t["value"], t[lo], t[hi], england_value=ENGLAND_998, polarity=indicator.polarity)
    group = _layer(t, indicator, classification=None, categories=categories, england_value=ENGLAND_998,
                   scheme=scheme_for(indicator.polarity, method=method))
    feats = _features(group)
    assert feats["E09000001"]["properties"]["class_label"] == ayton  # worse at 95%, similar at 99.8%, by hand
    assert feats["E09000005"]["properties"]["class_label"] == eee  # a 95% interval only
