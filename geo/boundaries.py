"""Boundary sets: load one level at one vintage, or the small areas inside an area.

Files are GeoParquet in ``data/boundaries/{level}_{vintage}.parquet`` (EPSG:4326),
written by ``python -m geo build``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError, UnknownAreaCodeError
from geo.schema import AREA_LABELS, LEVEL_LABELS, boundary_set

__all__ = ["load", "lsoa_vintage_for", "lsoas_within", "area_lookup", "parent_codes", "preload"]

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
