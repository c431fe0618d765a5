"""Tests for geo.topology: the national LSOA topology (shared arcs, lossless, reproducible)."""

from __future__ import annotations

import gzip

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.errors import ValidationError
from geo.topology import features, read_topology, topology, write_topology


@pytest.fixture
def coverage() -> gpd.GeoDataFrame:
    """Two squares sharing an edge, a square with a hole, and the island filling that hole."""
    holed = Polygon(box(0.002, 0, 0.005, 0.003).exterior.coords, [box(0.003, 0.001, 0.004, 0.002).exterior.coords])
    return gpd.GeoDataFrame(
        {"area_code": ["E01000001", "E01000002", "E01000003", "E01000004"],
         "area_name": ["Aye & <Bee>", "Bee", "Holed", "Island"]},
        geometry=[box(0, 0, 0.001, 0.001), box(0.001, 0, 0.002, 0.001), holed, box(0.003, 0.001, 0.004, 0.002)],
        crs=4326,
    )


def _arc_ids(geometry: dict) -> list[int]:
    rings = geometry["arcs"] if geometry["type"] == "Polygon" else [r for p in geometry["arcs"] for r in p]
    return [a for ring in rings for a in ring]


def test_decoding_gives_back_every_polygon_exactly(coverage) -> None:
    back = features(topology(coverage))
    assert back["area_code"].tolist() == coverage["area_code"].tolist()
    assert back["area_name"].tolist() == coverage["area_name"].tolist()
    assert shapely.equals(back.geometry.to_numpy(), coverage.geometry.to_numpy()).all()


def test_shared_borders_are_stored_once(coverage) -> None:
    topo = topology(coverage)
    geoms = topo["objects"]["lsoa"]["geometries"]
    ids = [{a if a >= 0 else ~a for a in _arc_ids(g)} for g in geoms]
    assert ids[0] & ids[1], "the two squares' common edge is one arc"
    assert ids[3] <= ids[2], "the island's ring is the hole's ring, drawn the other way"
    reversed_use = [a for g in geoms for a in _arc_ids(g) if a < 0]
    assert reversed_use, "a shared arc is used backwards by one of its two areas"
    stored = sum(len(a) for a in topo["arcs"])
    given = int(shapely.get_num_coordinates(coverage.geometry.to_numpy()).sum())
    assert stored < given


def test_coordinates_off_the_grid_are_refused(coverage) -> None:
    coverage.loc[0, "geometry"] = box(0, 0, 0.0010004, 0.001)
    with pytest.raises(ValidationError, match="rounded to 5 decimals"):
        topology(coverage)


def test_the_same_input_writes_the_same_bytes(coverage, tmp_path) -> None:
    write_topology(topology(coverage), tmp_path / "a.gz")
    write_topology(topology(coverage), tmp_path / "b.gz")
    data = (tmp_path / "a.gz").read_bytes()
    assert data == (tmp_path / "b.gz").read_bytes()
    assert data[4:8] == b"\0\0\0\0"  # no time stamp in the gzip header
    assert read_topology(tmp_path / "a.gz") == topology(coverage)
    assert gzip.decompress(data).startswith(b'{"type":"Topology"')
