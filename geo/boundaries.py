"""Boundary sets: load one level at one vintage, the small areas inside an area, and its outline.

Files are GeoParquet in ``data/boundaries/{level}_{vintage}.parquet`` (EPSG:4326),
written by ``python -m geo build``. A set's own file is simplified for the national
map; an area drilled into is drawn by :func:`outline`, exactly the union of its small
areas (the LSOAs are one coverage, so the union follows their shared edges), and
:func:`with_outlines` draws the areas around it the same way, near it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError, UnknownAreaCodeError
from geo.schema import AREA_LABELS, LEVEL_LABELS, boundary_set

__all__ = [
    "BAND",
    "GRID",
    "area_lookup",
    "load",
    "lsoa_vintage_for",
    "lsoas_within",
    "outline",
    "outlines",
    "parent_codes",
    "preload",
    "with_outlines",
]

#: The grid the boundary files' coordinates lie on (degrees): a union that has to be
#: computed by overlay is snapped to it, so it adds no new coordinates.
GRID = 1e-5
#: How far around a drilled area (degrees, about 1 km) the areas beside it are drawn by
#: their small areas: more than the simplified polygons stray from them.
BAND = 0.015

#: Which LSOA set nests inside each (level, vintage): LSOA 2011 up to 2021 codes,
#: LSOA 2021 from the 2023 code set on.
_LSOA_FOR: dict[tuple[str, str], str] = {
    ("lad", "2008"): "2011",
    ("lad", "2013"): "2011",
    ("lad", "2019"): "2011",
    ("lad", "2020"): "2011",
    ("lad", "2021"): "2011",
    ("lad", "2023"): "2021",
    ("lad", "2025"): "2021",
    ("utla", "2013"): "2011",
    ("utla", "2019"): "2011",
    ("utla", "2021"): "2011",
    ("utla", "2023"): "2021",
    ("utla", "2025"): "2021",
    ("region", "2019"): "2021",
    ("pct", "2011"): "2011",
    ("sha", "2011"): "2011",
}


@shared.cached(max_entries=32, scope="bundled")
def _read(level: str, vintage: str, data_dir: Path) -> gpd.GeoDataFrame:
    bset = boundary_set(level, vintage)
    path = data_dir / "boundaries" / bset.file_name
    if not path.exists():
        raise DataUnavailableError(
            f"Boundary file {path} is missing; run `python -m geo build` to create data/."
        )
    return gpd.read_parquet(path)


def load(
    level: str, vintage: str, *, within: str | None = None, data_dir: Path = DATA_DIR
) -> gpd.GeoDataFrame:
    """Load a boundary set.

    Parameters
    ----------
    level, vintage
        A boundary set from :data:`geo.schema.BOUNDARY_SETS`, e.g. ``("lad", "2023")``.
    within
        For ``level="lsoa"``: the code of a local authority, upper-tier authority,
        PCT, SHA or region whose LSOAs to return (of any vintage that nests them).

    Examples
    --------
    >>> load("lad", "2023").shape[0]  # doctest: +SKIP
    296
    """
    gdf = _read(level, vintage, data_dir)
    if within is None:
        return gdf.copy()
    if level != "lsoa":
        raise DataUnavailableError(
            f"`within` filters small areas only; got level {level!r}. Use level='lsoa'."
        )
    parents = _parents(vintage, data_dir)
    hits = [c for c in parents.columns if c != "area_code" and (parents[c] == within).any()]
    if not hits:
        raise UnknownAreaCodeError(
            f"{within!r} is not a parent of any {vintage} LSOA. Expected a local authority, "
            "upper-tier authority, PCT, SHA or region code of a vintage that nests "
            f"{vintage} LSOAs; see geo.boundaries.lsoa_vintage_for()."
        )
    codes = set(parents.loc[parents[hits[0]] == within, "area_code"])
    return gdf[gdf["area_code"].isin(codes)].copy()


def lsoa_vintage_for(level: str, vintage: str) -> str:
    """The LSOA vintage that nests inside areas of ``(level, vintage)``."""
    boundary_set(level, vintage)  # validates
    return _LSOA_FOR[(level, vintage)]


def lsoas_within(
    area_code: str, *, level: str, vintage: str, data_dir: Path = DATA_DIR
) -> gpd.GeoDataFrame:
    """The LSOAs inside one area, with a ``parent_code`` column."""
    lsoa_vintage = lsoa_vintage_for(level, vintage)
    parents, rows = _nesting(lsoa_vintage, level, vintage, data_dir)
    if area_code not in parents:
        raise UnknownAreaCodeError(
            f"{area_code!r} is not a {vintage} {AREA_LABELS[level]} code with "
            f"LSOAs; pick an area from the {vintage} map or reconcile the code with "
            "geo.codes.reconcile()."
        )
    lsoas = _read("lsoa", lsoa_vintage, data_dir)
    out = lsoas.iloc[rows.get(area_code, _NO_ROWS)].copy()
    out["parent_code"] = area_code
    return out


_NO_ROWS: np.ndarray = np.array([], dtype=np.intp)


@shared.cached(max_entries=32, scope="bundled")
def _nesting(
    lsoa_vintage: str, level: str, vintage: str, data_dir: Path
) -> tuple[frozenset[str], dict[str, np.ndarray]]:
    """The parents the lookup names, and each parent's row positions in the LSOA boundary file.

    A drill-down then takes its LSOAs by position instead of comparing 33,000 codes twice.
    """
    codes = parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir)
    codes = codes[~codes.index.duplicated(keep="first")] if not codes.index.is_unique else codes
    lsoas = _read("lsoa", lsoa_vintage, data_dir)
    parent = lsoas["area_code"].map(codes).to_numpy(dtype=object)
    rows = pd.Series(np.arange(len(lsoas), dtype=np.intp)).groupby(parent, dropna=True).indices
    return frozenset(codes.dropna()), {str(k): np.asarray(v, dtype=np.intp) for k, v in rows.items()}


def outline(area_code: str, *, level: str, vintage: str, data_dir: Path = DATA_DIR) -> shapely.Geometry:
    """The area's outline as a drill-down draws it: exactly the union of its small areas.

    An area of a set no LSOA set nests in keeps its boundary file's polygon.

    Raises
    ------
    UnknownAreaCodeError
        ``area_code`` is not an area of the set.
    """
    return outlines(level, vintage, codes=[area_code], data_dir=data_dir).iloc[0]


def outlines(level: str, vintage: str, *, codes: Iterable[str], data_dir: Path = DATA_DIR) -> gpd.GeoSeries:
    """:func:`outline` of several areas of one set, indexed by area code."""
    codes = list(codes)
    own = _read(level, vintage, data_dir).set_index("area_code").geometry
    unknown = [c for c in codes if c not in own.index]
    if unknown:
        raise UnknownAreaCodeError(
            f"{unknown[0]!r} is not a {vintage} {AREA_LABELS[level]} code; pick an area from the "
            f"{vintage} map or reconcile the code with geo.codes.reconcile()."
        )
    lsoa_vintage = _LSOA_FOR.get((level, vintage))
    geoms = [_union(lsoa_vintage, level, vintage, c, data_dir) if lsoa_vintage else None for c in codes]
    return gpd.GeoSeries([own[c] if g is None else g for c, g in zip(codes, geoms, strict=True)],
                         index=pd.Index(codes, name="area_code"), crs=own.crs)


def with_outlines(
    gdf: gpd.GeoDataFrame,
    *,
    level: str,
    vintage: str,
    focus: str,
    band: float = BAND,
    data_dir: Path = DATA_DIR,
) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` (rows of one set, by ``area_code``) drawn for a drill-down into ``focus``.

    ``focus`` becomes its :func:`outline`; every other area is its own outline within
    ``band`` degrees of the focus and its simplified polygon beyond, so near the
    drilled area every border meets its small areas exactly, and the page carries only
    a little more than the simplified layer. A set no LSOA set nests in is copied as it is.
    """
    out = gdf.copy()
    if (level, vintage) not in _LSOA_FOR or focus not in set(out["area_code"]):
        return out
    centre = outline(focus, level=level, vintage=vintage, data_dir=data_dir)
    near = shapely.buffer(centre, band, quad_segs=2)
    # Simplified polygons stray from their outlines by less than the band: any area reaching it is a candidate.
    candidates = out.geometry.intersects(shapely.box(*shapely.bounds(near)).buffer(band)).to_numpy()
    codes = out.loc[candidates, "area_code"]
    exact = outlines(level, vintage, codes=codes, data_dir=data_dir)
    mixed = [
        exact[code] if code == focus
        else _polygonal(shapely.union(shapely.difference(own, near), shapely.intersection(exact[code], near), grid_size=GRID))
        for code, own in zip(codes, out.geometry[candidates], strict=True)
    ]
    out.loc[candidates, out.geometry.name] = gpd.GeoSeries(mixed, index=out.index[candidates], crs=out.crs).to_numpy()
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of an overlay's result (it can add lines where areas touch)."""
    parts = shapely.get_parts(geom)
    return shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])


@shared.cached(max_entries=4096, scope="bundled")
def _union(lsoa_vintage: str, level: str, vintage: str, area_code: str, data_dir: Path) -> shapely.Geometry | None:
    """The union of an area's LSOAs (``None`` when it has none)."""
    _codes, rows = _nesting(lsoa_vintage, level, vintage, data_dir)
    if area_code not in rows:
        return None
    geoms = _read("lsoa", lsoa_vintage, data_dir).geometry.to_numpy()[rows[area_code]]
    try:  # the LSOAs are one coverage on the grid: their union is exact and quick
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:  # a set built before the LSOAs were re-noded
        return shapely.union_all(geoms, grid_size=GRID)


def parent_codes(
    lsoa_vintage: str, *, level: str, vintage: str, data_dir: Path = DATA_DIR
) -> pd.Series:
    """Series indexed by LSOA code giving each LSOA's parent of ``(level, vintage)``."""
    parents = _parents(lsoa_vintage, data_dir)
    column = f"{level}_code_{vintage}"
    if column in parents.columns:
        return parents.set_index("area_code")[column]
    if level in ("region", "pct", "sha") and f"{level}_code" in parents.columns:
        return parents.set_index("area_code")[f"{level}_code"]
    if level == "utla":
        # Upper tiers are whole districts: go through the district of the same vintage.
        lad_column = f"lad_code_{vintage}"
        if lad_column in parents.columns:
            lads = _read("lad", vintage, data_dir).set_index("area_code")["utla_code"]
            return parents.set_index("area_code")[lad_column].map(lads)
    raise DataUnavailableError(
        f"No lookup from {lsoa_vintage} LSOAs to {vintage} {LEVEL_LABELS[level].lower()}."
    )


@shared.cached(max_entries=4, scope="bundled")
def _parents(lsoa_vintage: str, data_dir: Path) -> pd.DataFrame:
    path = data_dir / "lookups" / f"lsoa{lsoa_vintage[-2:]}_parents.parquet"
    if not path.exists():
        raise DataUnavailableError(f"Lookup {path} is missing; run `python -m geo build`.")
    return pd.read_parquet(path)


def area_lookup(level: str, vintage: str, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Codes and names of a boundary set, without geometry."""
    gdf = _read(level, vintage, data_dir)
    return pd.DataFrame(gdf.drop(columns="geometry"))


def preload(*, within: tuple[str, str] | None = None, data_dir: Path = DATA_DIR) -> None:
    """Read small-area sets and their lookups into memory, so the first drill-down is quick.

    ``within``: only the set nesting in this ``(level, vintage)`` and its index (each
    set takes 90-160 MB); by default every set.
    """
    if within is None:
        for lsoa_vintage in sorted(set(_LSOA_FOR.values())):
            _read("lsoa", lsoa_vintage, data_dir)
            _parents(lsoa_vintage, data_dir)
        return
    _nesting(lsoa_vintage_for(*within), *within, data_dir)
