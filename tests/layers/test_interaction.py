"""Tests for layers.interaction."""

from __future__ import annotations

import folium

from layers import js
from layers.interaction import KEYBOARD_JS, KeyboardDrill, PanButtons, PromptClick, SteadyFocus, WheelAfterFocus


def test_steady_focus_patches_the_maps_container_focus() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    SteadyFocus().add_to(m)
    html = m.get_root().render()
    assert f"{m.get_name()}.getContainer()" in html
    assert "preventScroll: true" in html


def test_prompt_click_sends_the_components_value_once() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    PromptClick().add_to(m)
    html = m.get_root().render()
    assert f'{m.get_name()}.on("click"' in html
    # The same keys the component sends, recorded as sent so its delayed update does not repeat it.
    assert "data.previous_data = value" in html
    assert "lib.setComponentValue(value)" in html
    assert "returned_objects.indexOf(k)" in html


def test_keyboard_drill_gives_the_district_map_a_labelled_keyboard_that_opens_areas() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    KeyboardDrill().add_to(m)
    html = m.get_root().render()
    # The shared keyboard (ring, label, cross, live region, Enter), called with this map ...
    flat = "".join(html.split())
    assert "(" + "".join(KEYBOARD_JS.split()) + ")(map).use({" in flat
    assert f"}})({m.get_name()});" in flat
    assert ".leaflet-container.hga-keys:focus-visible{outline:3px solid" in html
    assert 'K.say.setAttribute("aria-live", "polite")' in html
    # ... and told what lies under the centre: the marked GeoJSON layers' areas, Enter clicking one that opens.
    assert 'name: "areas"' in html and "Map of areas. Arrow keys move the map" in html
    assert 'opens.layer.fire("click", {latlng: c}, true)' in html


def test_wheel_after_focus_leaves_the_wheel_to_the_page_until_the_map_is_focused() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    WheelAfterFocus().add_to(m)
    html = m.get_root().render()
    assert f"}})({m.get_name()});" in html
    assert "wheel.disable();" in html and 'el.addEventListener("focusin", on);' in html
    assert "Click the map or use Ctrl + scroll to zoom" in html


def test_pan_buttons_give_the_map_four_named_buttons_whose_clicks_stay_off_the_map() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    PanButtons().add_to(m)
    html = m.get_root().render()
    assert js.inline("interaction.js", "panButtons", indent=8, MAP=m.get_name()) in html  # the script, for this map
    assert f"}})({m.get_name()});" in html
    for word in ("north", "west", "east", "south"):
        assert f'["{word}", ' in html
    assert 'button.setAttribute("aria-label", "Move map " + m[0]);' in html
    assert "L.DomEvent.disableClickPropagation(box);" in html
    assert "map.panBy([m[2] * Math.round(size.x / 3), m[3] * Math.round(size.y / 3)]" in html
