"""Area outlines built from the small areas: one coverage, shared edges simplified once.

The small areas (LSOAs) are the finest units the atlas draws. Every district, upper
tier and region they nest in is a union of them, so:

- the small areas themselves are kept a true coverage on the 1e-5 degree grid
  (:func:`renode`), so a drilled area's outline is exactly the union of its small
  areas (``geo.boundaries.outline`` unites them at run time);
- the national layers take *blocks* (:class:`Blocks`): for the sets drilled into
  LSOA 2011, the 354 districts before April 2009 (every later district is a union of
  whole ones); for those drilled into LSOA 2021, the 296 districts of 2023. Blocks
  are dissolved from their LSOAs, simplified once as one coverage
  (:func:`simplify_blocks`), and each area is assembled from its simplified blocks
  (:func:`assemble`), so a border shared by two areas, levels or vintages of one
  family is the same line.

Simplification keeps each area's size: a block whose area the coarse pass changes by
more than :data:`REFINE_AREA_CHANGE` is simplified again with the next finer tolerance
(:data:`FINER_TOLERANCES`) and spliced back into the coverage (:func:`with_finer`);
every assembled area must stay within :data:`MAX_AREA_CHANGE` of its small areas'
area (:func:`check_areas`), measured in EPSG:27700.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import DataUnavailableError, ValidationError
from geo.ingest._common import BuildContext, round_coordinates

__all__ = [
    "Blocks",
    "DECIMALS",
    "FINER_TOLERANCES",
    "GRID",
    "MAX_AREA_CHANGE",
    "MAX_ISLAND_SHARE",
    "MAX_RENODE_ROUNDS",
    "MIN_ISLAND_M2",
    "REFINE_AREA_CHANGE",
    "TOLERANCE",
    "area_changes",
    "assemble",
    "check_areas",
    "read_blocks",
    "renode",
    "simplify_blocks",
    "with_finer",
    "without_islets",
]

#: Decimal places of every boundary file's coordinates (5 is about 1 m) ...
DECIMALS: Final = 5
#: ... so they lie on this grid (degrees).
GRID: Final = 10.0**-DECIMALS
#: coverage_simplify tolerance in degrees for most blocks: the national layers stay
#: about as large as GeoJSON as they were when built from the ONS TopoJSON.
TOLERANCE: Final = 0.011
#: Tolerances tried in turn for the blocks whose area still changes too much: small
#: steps, so each block takes the coarsest tolerance that keeps its area.
FINER_TOLERANCES: Final = tuple(round(TOLERANCE * 0.9**k, 7) for k in range(1, 45))
#: A block whose simplified area is off by more than this gets a finer tolerance.
REFINE_AREA_CHANGE: Final = 0.015
#: No assembled area may be off its small areas' area (EPSG:27700) by more than this.
MAX_AREA_CHANGE: Final = 0.02
#: Islands smaller than this (m2) are left out of the national layers (rocks and saltings,
#: under a pixel wherever the national map is drawn; a drilled outline keeps them) ...
MIN_ISLAND_M2: Final = 50_000
#: ... so long as those left out of a block come to no more than this share of its area
#: (the Isles of Scilly keep most of theirs).
MAX_ISLAND_SHARE: Final = 0.0025
#: Re-noding rounds after rounding to the grid; a coverage still invalid after them is refused.
MAX_RENODE_ROUNDS: Final = 6
#: Snapping distance for re-noding: well under the grid, so only edges that rounding
#: left a hair apart are joined (and the result does not depend on the extent).
_SNAP: Final = 1e-7
_POLYGONAL: Final = (3, 6)  # shapely type ids of Polygon and MultiPolygon


# --- the small areas ---------------------------------------------------------------------------


def renode(geoms: np.ndarray, *, rounds: int = MAX_RENODE_ROUNDS) -> np.ndarray:
    """A rounded polygon coverage made a true coverage again, still on the grid.

    Rounding each polygon to the grid on its own can leave a vertex of one polygon on
    the middle of its neighbour's edge, or two edges crossing by a hair; then shared
    edges are no longer shared and ``coverage_union_all`` refuses them. Each round
    nodes the edges again (``coverage_clean`` with a tiny snapping distance, closing
    no gap wider than the grid) and rounds again, until the invalid edges stop
    changing. Local: a polygon changes only where its own edges were mis-noded.

    Raises
    ------
    ValidationError
        Polygons still overlap after ``rounds`` rounds.
    """
    # Rounded geometries carry the grid as their precision, which coverage_clean would
    # snap-round with (it emptied a Camden LSOA); plain floating precision, as read from a file.
    out = shapely.set_precision(np.asarray(geoms, dtype=object), 0)
    before = _invalid(out)
    for _ in range(rounds):
        if not before.any():
            return out
        cleaned = shapely.coverage_clean(out, gap_width=GRID, snapping_distance=_SNAP)
        out = _on_grid(cleaned)
        after = _invalid(out)
        if np.array_equal(after, before):
            break
        before = after
    if _overlaps(out):
        raise ValidationError(f"Small areas still overlap after {rounds} re-noding rounds (e.g. polygon "
                              f"{int(np.flatnonzero(before)[0])}); expected a coverage. Check the raw boundaries.")
    return out


def _invalid(geoms: np.ndarray) -> np.ndarray:
    return np.asarray(~shapely.is_empty(shapely.coverage_invalid_edges(geoms)))


def _overlaps(geoms: np.ndarray) -> bool:
    """Do any two polygons share interior (by more than rounding noise)?"""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    keep = left < right
    if not keep.any():
        return False
    shared = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
    return bool((shared > GRID * GRID).any())


def _on_grid(geoms: np.ndarray) -> np.ndarray:
    # coverage_clean keeps the grid label without being on it, and set_precision skips
    # geometries already labelled, so the label is dropped before rounding.
    unlabelled = shapely.set_precision(np.asarray(geoms, dtype=object), 0)
    rounded = round_coordinates(gpd.GeoSeries(unlabelled, crs=4326), decimals=DECIMALS).to_numpy()
    return np.asarray([_polygons_only(g) for g in rounded], dtype=object)


# --- blocks ------------------------------------------------------------------------------------


def area_changes(simplified: gpd.GeoSeries, source: gpd.GeoSeries) -> np.ndarray:
    """Relative change of each area, simplified against source, measured in EPSG:27700."""
    return np.asarray(simplified.to_crs(27700).area.to_numpy() / source.to_crs(27700).area.to_numpy() - 1)


def simplify_blocks(source: gpd.GeoSeries, *, tolerance: float = TOLERANCE,
                    finer: tuple[float, ...] = FINER_TOLERANCES) -> gpd.GeoSeries:
    """Simplify a coverage of blocks once, keeping shared edges shared and each block's area.

    Islets are left out first (:func:`without_islets`). One coarse ``coverage_simplify``;
    then each block still off its area by more than :data:`REFINE_AREA_CHANGE` (small
    ones: Isles of Scilly, City of London; estuaries) takes the next finer tolerance,
    until none is. The result is cleaned (slivers under 1e-4 degrees go to a
    neighbour), rounded to the grid and checked to be a coverage.

    Raises
    ------
    ValidationError
        The simplified blocks are not a clean coverage.
    """
    source = without_islets(source)
    geoms = source.to_numpy()
    simple = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    for step in (t for t in finer if t < tolerance):
        off = np.abs(area_changes(gpd.GeoSeries(simple, crs=source.crs), source)) > REFINE_AREA_CHANGE
        if not off.any():
            break
        simple = with_finer(simple, shapely.coverage_simplify(geoms, step, simplify_boundary=True), off)
    # The overlays leave shared edges unmatched where they cross, and slivers; cleaning
    # nodes the edges again and gives slivers (under 1e-4 degrees wide) to a neighbour.
    out = _on_grid(shapely.coverage_clean(simple, gap_width=1e-4))
    if not shapely.coverage_is_valid(out):
        raise ValidationError("The simplified blocks do not form a clean coverage (gaps or overlaps); "
                              "expected shared edges to stay shared. Check the block geometry.")
    return gpd.GeoSeries(out, index=source.index, crs=source.crs)


def without_islets(source: gpd.GeoSeries) -> gpd.GeoSeries:
    """Blocks without their islands under :data:`MIN_ISLAND_M2`, smallest first, up to :data:`MAX_ISLAND_SHARE`.

    Only parts that touch no other block are islands; a block keeps at least one part.
    """
    geoms = source.to_numpy()
    metres = source.to_crs(27700).to_numpy()
    tree = shapely.STRtree(geoms)
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        parts = shapely.get_parts(geom)
        area = shapely.area(shapely.get_parts(metres[i]))  # the same parts, in the same order
        small = np.flatnonzero(area < MIN_ISLAND_M2)
        if len(parts) < 2 or not len(small):
            continue
        others = geoms[[j for j in tree.query(geom) if j != i]]
        alone = [k for k in small[np.argsort(area[small])] if not shapely.intersects(parts[k], others).any()]
        budget = MAX_ISLAND_SHARE * area.sum()
        gone = [k for k, total in zip(alone, np.cumsum(area[alone]), strict=True) if total <= budget]
        if gone and len(gone) < len(parts):
            kept = np.delete(parts, gone)
            out[i] = kept[0] if len(kept) == 1 else shapely.multipolygons(kept)
    return gpd.GeoSeries(out, index=source.index, crs=source.crs)


def with_finer(coarse: np.ndarray, finer: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Coverage ``coarse`` with the ``chosen`` areas taken from coverage ``finer``.

    shapely's coverage_simplify takes one tolerance per coverage, not per polygon, so
    the two coverages are spliced: chosen areas take their finer shape, the others
    give it up, and the land a chosen area gives up goes to whichever area ``finer``
    puts it in. Both are coverages of the same blocks, so the result has no gaps or
    overlaps either.
    """
    taken = shapely.union_all(finer[chosen])
    freed = shapely.difference(shapely.union_all(coarse[chosen]), taken)
    out = coarse.copy()
    near = set(shapely.STRtree(coarse).query(taken, predicate="intersects"))
    near |= set(shapely.STRtree(finer).query(freed, predicate="intersects"))
    for i in sorted(near - set(np.flatnonzero(chosen))):
        out[i] = _polygons_only(shapely.union(shapely.difference(coarse[i], taken), shapely.intersection(freed, finer[i])))
    out[chosen] = finer[chosen]
    return out


def _polygons_only(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of an overlay result (it can add slivers of lines or points)."""
    if shapely.get_type_id(geom) in _POLYGONAL:
        return geom
    parts = shapely.get_parts(geom)
    return shapely.union_all(parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)])


def assemble(blocks: pd.Series, owner: pd.Series, codes: list[str]) -> list[shapely.Geometry]:
    """Each area's geometry (in the order of ``codes``) as the union of its simplified blocks.

    ``blocks``: simplified block geometry by block code; ``owner``: the area code of
    each block (same index). ``coverage_union_all`` joins the edge-matched, already
    rounded blocks exactly; rounding the union again would drop thin spikes its blocks
    keep, so it is not rounded.

    Raises
    ------
    ValidationError
        An area has no block.
    """
    groups = owner.groupby(owner).groups
    empty = [code for code in codes if code not in groups]
    if empty:
        raise ValidationError(f"Areas with no block: {empty[:5]}; expected every area to be a union of blocks.")
    return [shapely.coverage_union_all(shapely.set_precision(blocks.loc[groups[code]].to_numpy(), 0)) for code in codes]


def check_areas(gdf: gpd.GeoDataFrame, source_m2: pd.Series, *, name: str) -> float:
    """Raise unless every area is within MAX_AREA_CHANGE of ``source_m2`` (its small areas' m2); the largest change."""
    built = gdf.to_crs(27700).area.to_numpy()
    change = built / source_m2.reindex(gdf["area_code"]).to_numpy() - 1
    worst = int(np.nanargmax(np.abs(change)))
    if not abs(change[worst]) <= MAX_AREA_CHANGE:
        raise ValidationError(
            f"{name}: simplification changes the area of {gdf['area_code'].iloc[worst]} ({gdf['area_name'].iloc[worst]}) "
            f"by {change[worst]:+.1%}; expected within {MAX_AREA_CHANGE:.0%}. Lower REFINE_AREA_CHANGE or add a finer tolerance."
        )
    return float(change[worst])


# --- the blocks as built ------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocks:
    """The units every area of a set drilled into ``lsoa_vintage`` LSOAs is made of.

    For LSOA 2011 the 354 districts before April 2009 (``boundaries/lad_2008.parquet``,
    by old code), for LSOA 2021 the 296 districts of 2023. ``simple``: their simplified
    geometry; ``area_m2``: their LSOAs' area in EPSG:27700; ``district``: each block's
    district in ``year`` (2013 or 2023), from the LSOAs' parents.
    """

    lsoa_vintage: str
    simple: pd.Series
    area_m2: pd.Series
    district: pd.Series
    year: int


#: Per LSOA vintage: the blocks' file, the parents column naming a block, the one
#: naming its district, that district's year, and the stages that build them.
_FAMILIES: Final[dict[str, tuple[str, str, str, int, str]]] = {
    "2011": ("boundaries/lad_2008.parquet", "lad_code_2008", "lad_code_2013", 2013, "lsoa2011 lad2008"),
    "2021": ("boundaries/lad_2023.parquet", "lad_code_2023", "lad_code_2023", 2023, "lsoa2021 lad"),
}


def read_blocks(ctx: BuildContext, lsoa_vintage: str, *, simple: pd.Series | None = None) -> Blocks:
    """The blocks of ``lsoa_vintage`` as built (or their simplified geometry ``simple``, just made)."""
    path, block, district, year, stages = _FAMILIES[lsoa_vintage]
    names = [f"boundaries/lsoa_{lsoa_vintage}.parquet", f"lookups/lsoa{lsoa_vintage[2:]}_parents.parquet"]
    names += [path] if simple is None else []
    missing = [name for name in names if not (ctx.out_dir / name).exists()]
    if missing:
        raise DataUnavailableError(f"{', '.join(missing)} not in {ctx.out_dir}; expected the blocks of LSOA {lsoa_vintage}. "
                                   f"Run `python -m geo build --only {stages}` first.")
    if simple is None:
        built = gpd.read_parquet(ctx.out_dir / path, columns=["area_code", "geometry"])
        simple = pd.Series(built.geometry.to_numpy(), index=built["area_code"])
    parents = pd.read_parquet(ctx.out_dir / names[1]).set_index("area_code")
    shapes = gpd.read_parquet(ctx.out_dir / names[0], columns=["area_code", "geometry"])
    area = pd.Series(shapes.to_crs(27700).area.to_numpy(), index=shapes["area_code"])
    area_m2 = area.groupby(parents[block].reindex(area.index)).sum()
    return Blocks(lsoa_vintage, simple, area_m2, parents.groupby(block)[district].agg(_the_one), year)


def _the_one(codes: pd.Series) -> str | None:
    """The single code a block's LSOAs give, or None where they give several (the block does not nest)."""
    unique = codes.unique()
    return str(unique[0]) if len(unique) == 1 else None
