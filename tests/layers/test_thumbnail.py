"""Tests for layers.thumbnail."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from layers.thumbnail import area_svg, decile_svg


@pytest.fixture
def two() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": ["E01000001", "E01000002"]}, geometry=[box(-1.0, 52.0, -0.99, 52.01), box(-0.99, 52.0, -0.98, 52.01)],
        crs=4326,
    )


def test_each_area_is_filled_from_its_class_and_text_is_escaped(two) -> None:
    svg = area_svg(two, fill={"E01000001": "#ff0000"}, title="<b>Town</b>", legend=[("#ff0000", "Decile 1 <x>")])
    assert svg.count("<path") == 2
    assert "fill='#ff0000'" in svg and "fill='#e0e0e0'" in svg  # the second has no class: grey
    assert "<b>" not in svg and "&lt;b&gt;Town&lt;/b&gt;" in svg
    assert "Decile 1 &lt;x&gt;" in svg


def test_shape_keeps_its_true_aspect(two) -> None:
    svg = area_svg(two, fill={}, title="t", width=400, height=400)
    xs = [float(p.split(",")[0]) for p in svg.split("d='M")[1].split("Z")[0].split()]
    assert max(xs) - min(xs) > 100  # a 0.01 degree square is drawn large, not squashed


def test_empty_frame_is_refused(two) -> None:
    with pytest.raises(ValueError, match="at least one area"):
        area_svg(two.iloc[:0], fill={}, title="t")


@pytest.mark.parametrize(("decile", "dark"), [pytest.param(1, True, id="most-deprived-dark"), pytest.param(10, False, id="least-light")])
def test_decile_map_darkest_for_most_deprived(two, decile: int, dark: bool) -> None:
    from layers.style import luminance, scheme_for

    colours = scheme_for("higher_is_better", method="decile_values", k=10).colours
    svg = decile_svg(two.assign(d=[decile, None]), decile_column="d", outline=None, title="t")
    colour = svg.split("fill='")[1].split("'")[0]
    assert (luminance(colour) == min(luminance(c) for c in colours)) is dark
    assert "(most)" in svg
