"""The postcode searched for, on a map: a named pin (shape and words, not colour) and its small area outlined."""

from __future__ import annotations

import folium
import pytest
from shapely.geometry import box

from layers.choropleth import base_map
from layers.postcode import PIN_CLASS, SMALL_AREA_LAYER, postcode_layer

EVIL = '<img src=x onerror="alert(1)"> & Co'
SHAPE = box(-2.99, 53.39, -2.97, 53.40)


def _html(group: folium.FeatureGroup) -> str:
    m = base_map()
    group.add_to(m)
    return m.get_root().render()


def _children(group: folium.FeatureGroup, kind: type) -> list:
    return [c for c in group._children.values() if isinstance(c, kind)]


def test_the_pin_is_a_named_image_with_the_postcode_written_beside_it() -> None:
    group = postcode_layer("L1 0AA", (-2.98103, 53.39673), small_area=SHAPE, small_area_code="E01034402",
                           small_area_name="Liverpool 037G")
    (marker,) = _children(group, folium.Marker)
    assert marker.location == [53.39673, -2.98103]
    assert marker.options["interactive"] is False and marker.options["keyboard"] is False  # no fake button
    (icon,) = _children(marker, folium.DivIcon)
    pin = icon.options["html"]
    assert pin.startswith('<div role="img" aria-label="Postcode L1 0AA, in small area Liverpool 037G"')
    assert ">L1 0AA</span>" in pin and "<svg" in pin and icon.options["class_name"] == PIN_CLASS
    assert "hga-postcode-pin" in _html(group)


def test_the_small_area_is_outlined_on_a_halo_and_named_in_its_feature() -> None:
    group = postcode_layer("L1 0AA", None, small_area=SHAPE, small_area_code="E01034402", small_area_name="Liverpool 037G")
    lines = _children(group, folium.GeoJson)
    assert len(lines) == 2 and not _children(group, folium.Marker)  # no point held: no pin
    props = [feature["properties"] for line in lines for feature in line.data["features"]]
    assert props == [{"layer": SMALL_AREA_LAYER, "area_code": "E01034402", "area_name": "Liverpool 037G"}] * 2
    styles = [line.style_function(line.data) for line in lines]
    assert styles[0]["color"] == "#FFFFFF" and styles[1]["dashArray"] and all(s["fill"] is False for s in styles)
    assert all(line.options.get("interactive") is False for line in lines)  # a click reaches the small area beneath


def test_text_is_escaped_and_ids_are_stable() -> None:
    group = postcode_layer(EVIL, (-2.98, 53.39), small_area=SHAPE, small_area_code=EVIL, small_area_name=EVIL)
    page = _html(group)
    assert "<img src=x" not in page and "\\u003cimg src=x" not in page
    (icon,) = _children(_children(group, folium.Marker)[0], folium.DivIcon)
    assert "<img" not in icon.options["html"] and "&gt; &amp; Co</span>" in icon.options["html"]
    assert _html(postcode_layer("L1 0AA", (-2.98, 53.39))) == _html(postcode_layer("L1 0AA", (-2.98, 53.39)))


@pytest.mark.parametrize("lonlat", [None, (-2.98, 53.39)])
def test_nothing_but_the_pin_without_a_small_area(lonlat: tuple[float, float] | None) -> None:
    group = postcode_layer("L1 0AA", lonlat)
    assert not _children(group, folium.GeoJson)
    assert len(_children(group, folium.Marker)) == (lonlat is not None)
