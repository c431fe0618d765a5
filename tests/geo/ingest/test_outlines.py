"""Tests for geo.ingest.outlines: small areas kept a coverage, blocks simplified once, areas assembled from them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from geo.errors import ValidationError
from geo.ingest.outlines import GRID, assemble, check_areas, renode, simplify_blocks, with_finer

# Four squares of about 1 km (degrees), two districts of two squares each: A = a1 + a2 (left),
# B = b1 + b2 (right). The inner borders zigzag, so simplifying changes them; the squares
# are cut from one set of lines, so each border is shared exactly.
S = 0.01


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """The four squares (``block``) and their districts."""
    t = np.linspace(0, 2 * S, 41)
    zig = np.where(np.arange(41) % 2, 0.0004, -0.0004) * (np.abs(np.arange(41) - 20) > 2)  # straight where they cross
    lines = [box(0, 0, 2 * S, 2 * S).boundary, LineString(np.column_stack([S + zig, t])),
             LineString(np.column_stack([t, S + zig]))]
    cells = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
    cells = shapely.set_precision(cells, GRID)
    middle = shapely.centroid(cells)
    names = [("a" if p.x < S else "b") + ("1" if p.y < S else "2") for p in middle]
    assert sorted(names) == ["a1", "a2", "b1", "b2"]
    gdf = gpd.GeoDataFrame({"block": names, "district": [n[0].upper() for n in names]}, geometry=cells, crs=4326)
    return gdf.sort_values("block").reset_index(drop=True)


def _shared(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    return shapely.line_merge(shapely.intersection(a.boundary, b.boundary))


def test_fixture_is_a_coverage_of_four_squares(squares: gpd.GeoDataFrame) -> None:
    assert shapely.coverage_is_valid(squares.geometry.to_numpy())
    assert shapely.union_all(squares.geometry.to_numpy()).area == pytest.approx((2 * S) ** 2, rel=1e-6)


def test_simplification_keeps_shared_edges_shared(squares: gpd.GeoDataFrame) -> None:
    simple = simplify_blocks(squares.set_index("block").geometry, tolerance=0.002, finer=())
    before = shapely.get_num_coordinates(squares.geometry.to_numpy()).sum()
    assert shapely.get_num_coordinates(simple.to_numpy()).sum() < before / 2  # it did simplify the zigzags
    assert shapely.coverage_is_valid(simple.to_numpy())  # no gaps, no overlaps: each edge simplified once
    for left, right in [("a1", "b1"), ("a2", "b2"), ("a1", "a2"), ("b1", "b2")]:
        edge = _shared(simple[left], simple[right])
        assert edge.length > S * 0.9, (left, right)  # still a whole border, the same line on both sides
        assert shapely.intersection(simple[left], simple[right]).area == 0
    xy = shapely.get_coordinates(simple.to_numpy())
    assert np.allclose(xy / GRID, np.round(xy / GRID), atol=1e-6)  # on the grid


def test_a_district_is_exactly_the_union_of_its_blocks(squares: gpd.GeoDataFrame) -> None:
    simple = simplify_blocks(squares.set_index("block").geometry, tolerance=0.002, finer=())
    owner = squares.set_index("block")["district"]
    a, b = assemble(simple, owner, ["A", "B"])
    assert a.symmetric_difference(shapely.union_all(simple[["a1", "a2"]].to_numpy())).area < 1e-15
    assert b.symmetric_difference(shapely.union_all(simple[["b1", "b2"]].to_numpy())).area < 1e-15
    assert shapely.intersection(a, b).area == 0 and _shared(a, b).length > 2 * S * 0.9  # the districts meet exactly
    with pytest.raises(ValidationError, match="no block"):
        assemble(simple, owner, ["A", "C"])


def test_renode_makes_a_misnoded_coverage_a_coverage() -> None:
    # Rounding moved the left square's corner onto the middle of its neighbour's edge:
    # the two squares no longer share one edge, and coverage_union_all refuses them.
    left = Polygon([(0, 0), (0.001, 0), (0.001, 0.0005), (0.001, 0.001), (0, 0.001)])
    right = Polygon([(0.001, 0), (0.002, 0), (0.002, 0.001), (0.001, 0.001)])
    nudged = Polygon([(0, 0), (0.001, 0), (0.00101, 0.0005), (0.001, 0.001), (0, 0.001)])
    for broken in ([left, right], [nudged, right]):
        assert not shapely.coverage_is_valid(np.array(broken, dtype=object))
        fixed = renode(np.array(broken, dtype=object))
        assert shapely.coverage_is_valid(fixed)
        union = shapely.coverage_union_all(fixed)
        assert union.area == pytest.approx(shapely.area(fixed).sum(), rel=1e-12)
        assert union.area == pytest.approx(0.002 * 0.001, rel=0.01)
        xy = shapely.get_coordinates(fixed)
        assert np.allclose(xy / GRID, np.round(xy / GRID), atol=1e-6)


def test_renode_leaves_a_coverage_alone() -> None:
    geoms = np.array([box(0, 0, 0.001, 0.001), box(0.001, 0, 0.002, 0.001)], dtype=object)
    fixed = renode(geoms)
    assert all(a.equals_exact(b, 0) for a, b in zip(fixed, geoms, strict=True))


def test_finer_areas_are_spliced_into_the_coverage_without_gaps_or_overlaps() -> None:
    # Two districts side by side; the coarse pass moved their border from x=1 to x=1.5.
    finer = np.array([box(0, 0, 1, 1), box(1, 0, 3, 1)], dtype=object)
    coarse = np.array([box(0, 0, 1.5, 1), box(1.5, 0, 3, 1)], dtype=object)
    out = with_finer(coarse, finer, np.array([True, False]))
    assert out[0].equals(finer[0]) and out[1].normalize().equals(finer[1].normalize())
    assert shapely.coverage_is_valid(shapely.coverage_clean(out))


def test_area_check_names_the_worst_area() -> None:
    built = gpd.GeoDataFrame({"area_code": ["E1", "E2"], "area_name": ["Big", "Tiny Isles"]},
                             geometry=[box(0, 50, 0.1, 50.1), box(1, 50, 1.1, 50.075)], crs=4326)
    truth = gpd.GeoSeries([box(0, 50, 0.1, 50.1), box(1, 50, 1.1, 50.1)], crs=4326).to_crs(27700).area
    source = pd.Series(truth.to_numpy(), index=["E1", "E2"])
    with pytest.raises(ValidationError, match=r"E2 \(Tiny Isles\) by -25"):
        check_areas(built, source, name="lad test")
    assert check_areas(built.iloc[:1], source, name="lad test") == pytest.approx(0, abs=1e-12)
