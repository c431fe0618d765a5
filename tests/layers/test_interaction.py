"""Tests for layers.interaction."""

from __future__ import annotations

import folium

from layers.interaction import PromptClick, SteadyFocus


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
