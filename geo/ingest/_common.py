"""Plumbing shared by the build stages: raw paths, writing, geometry tidying."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import RawFileMissingError

__all__ = [
    "conform_boundaries",
    "dissolve_coverage",
    "validate_boundaries",
    "BuildContext",
    "Output",
    "Stage",
    "coverage_simplify",
    "read_raw_csv",
    "round_coordinates",
    "write_geoparquet",
    "write_parquet",
]


@dataclass(frozen=True)
class BuildContext:
    """Where a build reads from and writes to."""

    raw_dir: Path
    out_dir: Path
    log: Callable[[str], None] = print

    def raw(self, relative: str) -> Path:
        """Path of a raw file, refusing clearly when it is missing."""
        path = self.raw_dir / relative
        if not path.exists():
            raise RawFileMissingError(
                f"Raw file {relative!r} is missing from {self.raw_dir}. "
                "Point the build at the shared raw folder with --raw PATH "
                "(or HGA_RAW_DIR); see PROVENANCE.md there for each file."
            )
        return path

    def out(self, relative: str) -> Path:
        path = self.out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class Output:
    """One file a stage wrote."""

    path: Path
    rows: int

    @property
    def megabytes(self) -> float:
        return self.path.stat().st_size / 1e6


@dataclass(frozen=True)
class Stage:
    """A named build step; ``needs`` lists stages whose outputs it reads."""

    name: str
    run: Callable[[BuildContext], list[Output]]
    description: str
    needs: tuple[str, ...] = field(default=())


def read_raw_csv(ctx: BuildContext, relative: str, **kwargs: object) -> pd.DataFrame:
    """Read a raw CSV (optionally gzipped) with every column as a string."""
    opts: dict[str, object] = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    opts.update(kwargs)
    return pd.read_csv(ctx.raw(relative), **opts)  # type: ignore[call-overload, no-any-return]


def round_coordinates(geoms: gpd.GeoSeries, *, decimals: int = 5) -> gpd.GeoSeries:
    """Round coordinates (5 decimals is about 1 m) and repair what rounding broke."""
    grid = 10.0**-decimals
    arr = shapely.set_precision(geoms.values, grid, mode="valid_output")
    out = gpd.GeoSeries(arr, index=geoms.index, crs=geoms.crs)
    bad = ~out.is_valid
    if bad.any():
        out[bad] = out[bad].make_valid()
    return out


def coverage_simplify(
    gdf: gpd.GeoDataFrame, *, tolerance: float, decimals: int = 5
) -> gpd.GeoDataFrame:
    """Simplify a polygon coverage keeping shared borders shared.

    ``tolerance`` is in the units of the CRS (degrees for EPSG:4326).
    """
    geoms = shapely.make_valid(gdf.geometry.values)
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    simplified = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    out = gdf.copy()
    out["geometry"] = round_coordinates(
        gpd.GeoSeries(simplified, index=gdf.index, crs=gdf.crs), decimals=decimals
    )
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a geometry (make_valid can add lines)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def write_parquet(ctx: BuildContext, df: pd.DataFrame, relative: str) -> Output:
    path = ctx.out(relative)
    df.to_parquet(path, index=False, compression="zstd", compression_level=19)
    return Output(path, len(df))


def write_geoparquet(ctx: BuildContext, gdf: gpd.GeoDataFrame, relative: str) -> Output:
    path = ctx.out(relative)
    gdf.to_parquet(
        path, index=False, compression="zstd", geometry_encoding="WKB", write_covering_bbox=False
    )
    return Output(path, len(gdf))


def timed(ctx: BuildContext, stage: Stage) -> tuple[list[Output], float]:
    start = time.perf_counter()
    outputs = stage.run(ctx)
    return outputs, time.perf_counter() - start


def summarise(rows: Iterable[tuple[str, Output]]) -> str:
    lines = [f"{'stage':<14} {'file':<44} {'rows':>10} {'MB':>7}"]
    total = 0.0
    for name, out in rows:
        total += out.megabytes
        lines.append(f"{name:<14} {out.path.name:<44} {out.rows:>10,} {out.megabytes:>7.2f}")
    lines.append(f"{'total':<14} {'':<44} {'':>10} {total:>7.2f}")
    return "\n".join(lines)






def validate_boundaries(gdf: gpd.GeoDataFrame, *, expected: int) -> None:
    """Raise :class:`ValidationError` unless the set has the expected, unique, valid areas."""
    from geo.errors import ValidationError

    name = f"{gdf['level'].iloc[0]} {gdf['vintage'].iloc[0]}" if len(gdf) else "empty set"
    if len(gdf) != expected:
        raise ValidationError(f"{name}: expected {expected} areas, built {len(gdf)}.")
    dupes = gdf["area_code"][gdf["area_code"].duplicated()]
    if len(dupes):
        raise ValidationError(f"{name}: duplicate codes {sorted(dupes)[:5]}.")
    bad = gdf[~gdf.is_valid | gdf.is_empty | ~gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(bad):
        raise ValidationError(f"{name}: {len(bad)} invalid, empty or non-polygon geometries, e.g. {bad['area_code'].iloc[0]}.")


def conform_boundaries(gdf: gpd.GeoDataFrame, level: str, vintage: str, *, sort: bool = False) -> gpd.GeoDataFrame:
    """Give a boundary set the contract's columns, order and types, then validate it."""
    from geo.schema import BOUNDARY_COLUMNS, boundary_set

    gdf = gdf.copy()
    gdf["level"], gdf["vintage"] = level, vintage
    for col in BOUNDARY_COLUMNS:
        if col not in gdf.columns:
            gdf[col] = False if col == "approximate" else None
    gdf = gdf[list(BOUNDARY_COLUMNS)]
    for col in BOUNDARY_COLUMNS[:-1]:
        if col != "approximate":
            gdf[col] = gdf[col].astype("str")
    gdf["approximate"] = gdf["approximate"].astype(bool)
    if sort:
        gdf = gdf.sort_values("area_code").reset_index(drop=True)
    validate_boundaries(gdf, expected=boundary_set(level, vintage).count)
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=4326)


def dissolve_coverage(geoms: gpd.GeoSeries, groups: pd.Series, *, gap_width: float = 0.001) -> gpd.GeoSeries:
    """Union polygons of a (nearly clean) coverage by group, indexed by group.

    The simplified LSOA layer has thin gaps and mis-noded shared edges, so it is
    cleaned first (gaps narrower than ``gap_width`` go to a neighbour); the pieces
    then form a true coverage and ``coverage_union_all`` dissolves them exactly.
    """
    cleaned = shapely.coverage_clean(np.asarray(geoms.values), gap_width=gap_width)
    parts = pd.Series(cleaned, index=groups.to_numpy())
    merged = {code: shapely.make_valid(shapely.coverage_union_all(part.to_numpy())) for code, part in parts.groupby(level=0)}
    return gpd.GeoSeries(pd.Series(merged), crs=geoms.crs)
