"""Every LSOA of a vintage as one quantised TopoJSON topology, and where the app keeps it.

The national small-area map (:mod:`layers.national`) draws all ~33,000 LSOAs at once.
As GeoJSON they are ~30 MB; as a topology each border shared by two neighbours is
stored once (an *arc*), coordinates are integers on the 1e-5 degree grid the boundary
files are already rounded to (so quantisation loses nothing), written as deltas, and
the file is gzipped: a few MB, fetched once by the browser from the app's static
folder and cached. Values travel separately, per indicator.

The encoder (:func:`topology`) follows TopoJSON's own method (topojson-server): a point
is a *junction* where the rings through it do not all share the same two neighbours;
rings are cut at junctions, and identical arcs (either direction) are kept once.
:func:`write_topology` writes sorted, fixed JSON and a gzip header without a time
stamp, so the same input gives the same bytes. The build's ``national`` stage
(:mod:`geo.ingest.tiles`) writes the files; the app finds them with :func:`national_path`.
"""

from __future__ import annotations

import gzip
import json
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import ValidationError

__all__ = [
    "DECIMALS",
    "NATIONAL_VINTAGES",
    "OBJECT_NAME",
    "features",
    "national_path",
    "read_topology",
    "topology",
    "write_topology",
]

#: Decimal places of the boundary files' coordinates (5 is about 1 m); the topology's grid.
DECIMALS: Final = 5
#: The object inside each topology holding the small areas.
OBJECT_NAME: Final = "lsoa"
#: LSOA vintages drawn on the national map.
NATIONAL_VINTAGES: Final[tuple[str, ...]] = ("2011", "2021")
_SHIFT: Final = np.int64(1 << 32)


def national_path(static_dir: Path, vintage: str) -> Path:
    """Where the topology of the ``vintage`` LSOAs lives under an app's static folder."""
    return static_dir / "national" / f"lsoa_{vintage}.topo.json.gz"


def topology(gdf: gpd.GeoDataFrame, *, decimals: int = DECIMALS) -> dict[str, Any]:
    """Encode polygons as a quantised TopoJSON topology with shared arcs.

    Parameters
    ----------
    gdf : GeoDataFrame
        ``area_code``, ``area_name`` and polygonal geometry in EPSG:4326, coordinates
        rounded to ``decimals`` places (as the boundary files are).
    decimals : int
        The grid: coordinates become integers in units of ``10**-decimals`` degrees.

    Returns
    -------
    dict
        A TopoJSON ``Topology`` with one ``GeometryCollection`` named :data:`OBJECT_NAME`;
        each geometry has ``id`` = area code and ``properties.area_name``.

    Raises
    ------
    ValidationError
        Non-polygonal or empty geometry, or coordinates not on the grid.
    """
    scale = 10.0**-decimals
    minx, miny, _, _ = gdf.total_bounds
    origin = np.array([np.floor(minx / scale), np.floor(miny / scale)], dtype=np.int64)
    # Per feature: polygons; per polygon: rings as (n, 2) integer arrays, open (no closing point).
    shapes: list[list[list[np.ndarray]]] = []
    for code, geom in zip(gdf["area_code"], gdf.geometry.to_numpy(), strict=True):
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            kind = "empty" if geom is None or geom.is_empty else geom.geom_type
            raise ValidationError(
                f"Expected a polygon for every small area; {code} is {kind}. Rebuild the boundaries "
                "(python -m geo build --only lsoa2011 lsoa2021) before the national layer."
            )
        polygons = []
        for part in getattr(geom, "geoms", [geom]):
            rings = []
            for ring in (part.exterior, *part.interiors):
                xy = np.asarray(ring.coords)[:, :2] / scale
                grid = np.rint(xy)
                if np.abs(xy - grid).max() > 1e-3:
                    raise ValidationError(
                        f"Expected coordinates rounded to {decimals} decimals; {code} has "
                        f"{(xy * scale)[np.abs(xy - grid).max(axis=1).argmax()].tolist()}. "
                        "Round them with geo.ingest._common.round_coordinates first."
                    )
                q = grid.astype(np.int64) - origin
                keep = np.ones(len(q), dtype=bool)
                keep[1:] = np.any(q[1:] != q[:-1], axis=1)
                q = q[keep]
                if len(q) > 1 and (q[0] == q[-1]).all():
                    q = q[:-1]
                if len(q) >= 3:
                    rings.append(q)
            if rings:
                polygons.append(rings)
        shapes.append(polygons)

    rings_flat = [ring for polygons in shapes for rings in polygons for ring in rings]
    junction = _junctions(rings_flat)
    arcs: list[np.ndarray] = []
    index: dict[bytes, int] = {}

    def arc_id(points: np.ndarray) -> int:
        forward = points.tobytes()
        if forward in index:
            return index[forward]
        backward = points[::-1].tobytes()
        if backward in index:
            return ~index[backward]
        index[forward] = len(arcs)
        arcs.append(points)
        return len(arcs) - 1

    geometries = []
    cursor = 0
    for code, name, polygons in zip(gdf["area_code"], gdf["area_name"], shapes, strict=True):
        encoded = []
        for rings in polygons:
            ring_arcs = []
            for ring in rings:
                ring_arcs.append([arc_id(a) for a in _cut(ring, junction[cursor])])
                cursor += 1
            encoded.append(ring_arcs)
        kind, coords = ("Polygon", encoded[0]) if len(encoded) == 1 else ("MultiPolygon", encoded)
        geometries.append({"type": kind, "arcs": coords, "id": str(code), "properties": {"area_name": str(name)}})

    deltas = []
    for points in arcs:
        d = points.copy()
        d[1:] -= points[:-1]
        deltas.append(d.tolist())
    translate = (origin * scale).round(decimals).tolist()
    return {
        "type": "Topology",
        "transform": {"scale": [scale, scale], "translate": translate},
        "objects": {OBJECT_NAME: {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": deltas,
    }


def _junctions(rings: list[np.ndarray]) -> list[np.ndarray]:
    """For each ring, a boolean per point: is it a junction (its rings disagree on its neighbours)?"""
    keys = [r[:, 0] * _SHIFT + r[:, 1] for r in rings]
    every = np.concatenate(keys)
    prev = np.concatenate([np.roll(k, 1) for k in keys])
    nxt = np.concatenate([np.roll(k, -1) for k in keys])
    pairs = np.stack([every, np.minimum(prev, nxt), np.maximum(prev, nxt)], axis=1)
    distinct = np.unique(pairs, axis=0)
    points, counts = np.unique(distinct[:, 0], return_counts=True)
    is_junction = np.isin(every, points[counts > 1])
    out = []
    start = 0
    for k in keys:
        out.append(is_junction[start : start + len(k)])
        start += len(k)
    return out


def _cut(ring: np.ndarray, junction: np.ndarray) -> list[np.ndarray]:
    """A ring's arcs: cut at its junctions, or the whole ring from its lowest point when it has none."""
    at = np.flatnonzero(junction)
    if len(at) == 0:
        # Start at the lowest point: the same ring seen from a neighbour (its hole) then reads
        # exactly backwards, and arc_id finds it.
        first = int(np.lexsort((ring[:, 1], ring[:, 0]))[0])
        rotated = np.roll(ring, -first, axis=0)
        return [np.vstack([rotated, rotated[:1]])]
    rotated = np.roll(ring, -int(at[0]), axis=0)
    closed = np.vstack([rotated, rotated[:1]])
    cuts = [*(at - at[0]).tolist(), len(ring)]
    return [closed[a : b + 1] for a, b in pairwise(cuts)]


def features(topo: dict[str, Any]) -> gpd.GeoDataFrame:
    """Decode a topology from :func:`topology` back to polygons (area_code, area_name, geometry)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
        arcs.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]).round(DECIMALS + 2))

    def ring(ids: list[int]) -> np.ndarray:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in ids]
        return np.vstack([parts[0], *(p[1:] for p in parts[1:])])

    def polygon(rings: list[list[int]]) -> shapely.Polygon:
        return shapely.Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    rows = topo["objects"][OBJECT_NAME]["geometries"]
    geoms = [
        polygon(g["arcs"]) if g["type"] == "Polygon" else shapely.MultiPolygon([polygon(p) for p in g["arcs"]])
        for g in rows
    ]
    return gpd.GeoDataFrame(
        {"area_code": [g["id"] for g in rows], "area_name": [g["properties"]["area_name"] for g in rows]},
        geometry=geoms,
        crs=4326,
    )


def write_topology(topo: dict[str, Any], path: Path) -> None:
    """Write ``topo`` as compact JSON, gzipped with no time stamp (the same input gives the same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(topo, separators=(",", ":"), ensure_ascii=False)
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def read_topology(path: Path) -> dict[str, Any]:
    """Read a topology written by :func:`write_topology`."""
    return dict(json.loads(gzip.decompress(path.read_bytes())))
