"""Tests for layers.interaction."""

from __future__ import annotations

import folium

from layers.interaction import SteadyFocus


def test_steady_focus_patches_the_maps_container_focus() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    SteadyFocus().add_to(m)
    html = m.get_root().render()
    assert f"{m.get_name()}.getContainer()" in html
    assert "preventScroll: true" in html
