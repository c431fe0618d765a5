"""Stages ``lsoa2011``, ``lsoa2021`` and ``lad2008``: small areas, their parents and the pre-2009 districts.

- LSOA 2011: 326 TopoJSON files, one per 2013 district, each quantised on its own
  grid, so neighbouring files' shared borders differ by a metre or so. The national
  set is cleaned into a true coverage (edges matched, slivers narrower than
  ``GAP_WIDTH`` given to a neighbour) before ``coverage_simplify``.
- LSOA 2021: 296 GeoJSON files, one per 2025 district (already a clean coverage).
- Both sets are simplified once as a coverage and re-noded after rounding
  (:func:`geo.ingest.outlines.renode`), so they stay a true coverage on the grid and
  an area's outline is exactly the union of its LSOAs.
- Pre-April-2009 districts (354) exist as no file: each LSOA 2011 takes the
  district of its 2001 LSOA's 2006 ward (the first four characters of the ward
  code), and the simplified LSOAs are dissolved. The 2009 reorganisation merged
  whole districts, so the result is exact up to the LSOAs' generalisation. These
  districts are the *blocks* every later district, upper tier and region is
  assembled from (:mod:`geo.ingest.lad`): they are simplified once, as one
  coverage (:func:`geo.ingest.outlines.simplify_blocks`).

Parents come from the ONS lookups (jtrim-ons copies) and the LA code history
(changes.csv, la_all_codes.csv); every LSOA must have exactly one code in every
parent column, and each column must hold the expected number of areas.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import DataUnavailableError, ValidationError
from geo.ingest._common import (
    BuildContext,
    Output,
    Stage,
    conform_boundaries,
    coverage_simplify,
    read_raw_csv,
    write_parquet,
)
from geo.ingest.outlines import area_changes, renode, simplify_blocks
from geo.schema import ENGLAND_CODE, boundary_set

__all__ = [
    "GAP_WIDTH",
    "LSOA_TOLERANCE",
    "SNAPPING_DISTANCE",
    "STAGES",
    "blocks_2021",
    "clean_coverage",
    "dissolve",
    "lsoa11_to_old_lad",
    "read_lsoa11",
    "read_lsoa21",
    "simplify_lsoas",
]

#: coverage_simplify tolerance in degrees (about 30 m): one district's LSOAs are a
#: median ~100 KB as GeoJSON and the smallest urban LSOAs keep their shape.
LSOA_TOLERANCE: Final = 0.0004
#: Gaps narrower than this (degrees, 7-11 m) between neighbouring LSOAs are closed.
GAP_WIDTH: Final = 1e-4
#: coverage_clean's snapping distance, fixed so that cleaning part of England gives
#: the same polygons as cleaning all of it (GEOS's default scales with the extent;
#: for England it is about this value).
SNAPPING_DISTANCE: Final = 1e-7
#: Rows per Parquet row group: one district's LSOAs are read without the rest.
ROW_GROUP_SIZE: Final = 2000
#: The largest a pre-2009 national layer may be as GeoJSON.
MAX_LAD_GEOJSON_BYTES: Final = 500_000
#: England's area from the districts may differ from the LSOAs' by at most this.
AREA_TOLERANCE: Final = 0.005

_LSOA11_DIR = "boundaries/martinjc_uk_geojson/lsoa11_by_lad_topo"
_LSOA21_DIR = "boundaries/drkane_geo_lookups/lsoa21_by_lad"
_JT = "boundaries/jtrim_ons_lookups/"
_LSOA01_LSOA11 = _JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz"
_LSOA01_WARD06 = _JT + "087_LSOA01_WD06_EW_LU.csv.gz"
_LA_CODES = "boundaries/drkane_geo_lookups/la_all_codes.csv"
_CHANGES = "boundaries/ons_uk_topojson/changes.csv"
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


# --- readers -------------------------------------------------------------------------------------


def read_lsoa11(ctx: BuildContext, *, lads: Collection[str] | None = None) -> gpd.GeoDataFrame:
    """LSOA 2011 polygons as published, made valid, with their 2013 district.

    Columns area_code, area_name, lad_code (2013 code; six files are named with
    the district's 2011-12 code), geometry. ``lads`` keeps only those 2013 districts.
    """
    recode = _lad13_codes(ctx)
    parts = []
    for path in sorted(ctx.raw(_LSOA11_DIR).glob("topo_*.json")):
        file_code = path.stem.removeprefix("topo_")
        lad = recode.get(file_code, file_code)
        if lads is not None and lad not in lads:
            continue
        gdf = gpd.read_file(path, layer=file_code).set_crs(4326, allow_override=True)
        parts.append(pd.DataFrame({"area_code": gdf["LSOA11CD"], "area_name": gdf["LSOA11NM"],
                                   "lad_code": lad, "geometry": gdf.geometry.values}))
    if not parts:
        raise DataUnavailableError(f"No LSOA 2011 file for districts {sorted(lads or [])}; "
                                   f"expected 2013 district codes (E06-E09) with a file in {_LSOA11_DIR}.")
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=4326)
    gdf["geometry"] = _polygonal(shapely.make_valid(gdf.geometry.values))
    return gdf


def read_lsoa21(ctx: BuildContext, *, lads: Collection[str] | None = None) -> gpd.GeoDataFrame:
    """LSOA 2021 polygons as published, made valid, with their 2025 parents.

    Columns area_code, area_name, lad_code (2025), utla_code (2025), region_code, geometry.
    """
    parts = []
    for path in sorted(ctx.raw(_LSOA21_DIR).glob("*.geojson.gz")):
        file_code = path.name.removesuffix(".geojson.gz")
        if lads is not None and file_code not in lads:
            continue
        gdf = gpd.read_file(f"/vsigzip/{path}").to_crs(4326)
        if not (gdf["LADCD_ACTIVE"] == file_code).all():
            raise ValidationError(f"{path.name}: expected only LSOAs of {file_code}, found districts "
                                  f"{sorted(set(gdf['LADCD_ACTIVE']) - {file_code})}.")
        parts.append(gdf)
    if not parts:
        raise DataUnavailableError(f"No LSOA 2021 file for districts {sorted(lads or [])}; "
                                   f"expected 2025 district codes with a file in {_LSOA21_DIR}.")
    raw = pd.concat(parts, ignore_index=True)
    gdf = gpd.GeoDataFrame(
        {"area_code": raw["LSOA21CD"], "area_name": raw["LSOA21NM"], "lad_code": raw["LADCD_ACTIVE"],
         "utla_code": raw["UTLACD"], "region_code": raw["RGNCD"]},
        geometry=_polygonal(shapely.make_valid(np.asarray(raw.geometry.values))), crs=4326,
    )
    return gdf


def _lad13_codes(ctx: BuildContext) -> dict[str, str]:
    """District codes that are not 2013 codes -> the 2013 code (the 2012-13 recodings)."""
    lad13 = set(read_raw_csv(ctx, _JT + "193_LTLA18_UTLA18_EW_LU.csv")["LTLA18CD"])
    history = read_raw_csv(ctx, _LA_CODES)
    old = history[~history["LADCD"].isin(lad13) & history["LADCD_ACTIVE"].isin(lad13)]
    return dict(zip(old["LADCD"], old["LADCD_ACTIVE"], strict=True))


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only polygonal parts (make_valid can return collections with lines or points)."""
    out = np.asarray(geoms, dtype=object).copy()
    for i in np.flatnonzero(~np.isin(shapely.get_type_id(out), _POLYGONAL)):
        parts = shapely.get_parts(out[i])
        parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
        out[i] = shapely.make_valid(shapely.union_all(parts)) if len(parts) else shapely.Polygon()
    return out


# --- geometry ------------------------------------------------------------------------------------


def clean_coverage(geoms: np.ndarray, *, gap_width: float = GAP_WIDTH) -> np.ndarray:
    """Make polygons a true coverage: shared edges matched, overlaps merged, thin gaps closed."""
    return shapely.coverage_clean(np.asarray(geoms, dtype=object), gap_width=gap_width,
                                  snapping_distance=SNAPPING_DISTANCE)


def simplify_lsoas(gdf: gpd.GeoDataFrame, *, tolerance: float = LSOA_TOLERANCE) -> gpd.GeoDataFrame:
    """Clean the LSOA coverage, simplify it keeping shared borders shared, and re-node it on the grid.

    Cleaning, simplifying and re-noding are local, so any part of England rebuilt
    with its neighbours gives the same polygons as the national build.
    """
    cleaned = gdf.copy()
    cleaned["geometry"] = clean_coverage(gdf.geometry.values)
    out = coverage_simplify(cleaned, tolerance=tolerance)
    out["geometry"] = renode(out.geometry.to_numpy())
    return out


def dissolve(geoms: gpd.GeoSeries, groups: pd.Series) -> gpd.GeoSeries:
    """Union a polygon coverage by group (indexed by group code).

    Rounding to 5 decimals leaves metre-wide mismatches between simplified
    neighbours, so the pieces are cleaned first; ``coverage_union_all`` is then exact.
    """
    parts = pd.Series(clean_coverage(geoms.values), index=groups.to_numpy())
    merged = {code: shapely.make_valid(shapely.coverage_union_all(part.to_numpy()))
              for code, part in parts.groupby(level=0)}
    out = gpd.GeoSeries(pd.Series(merged), crs=geoms.crs)
    out[:] = _polygonal(out.values)
    return out


def _geojson_kb(gdf: gpd.GeoDataFrame, by: str) -> pd.Series:
    return gdf.groupby(by).apply(lambda d: len(d.to_json()) / 1e3)


# --- parents -------------------------------------------------------------------------------------


def _lookup(df: pd.DataFrame, key: str, value: str, *, source: str) -> pd.Series:
    """``key -> value`` from a raw table, refusing keys with two different values."""
    pairs = df[[key, value]].drop_duplicates()
    dupes = pairs[key][pairs[key].duplicated()]
    if len(dupes):
        raise ValidationError(f"{source}: expected one {value} per {key}, found several for {sorted(dupes)[:5]}.")
    return pairs.set_index(key)[value]


def _map(ctx: BuildContext, codes: pd.Series, lookup: pd.Series, *, what: str) -> pd.Series:
    """Map codes through a lookup, logging the codes that do not match."""
    out = codes.map(lookup)
    missing = sorted(set(codes[out.isna()]))
    if missing:
        ctx.log(f"  {what}: {len(missing)} code(s) not in the lookup: {', '.join(missing[:10])}")
    return out


def _old_la_links(ctx: BuildContext) -> pd.DataFrame:
    """England's LSOA 2001 -> 2011 links (220) with each LSOA 2001's pre-2009 district (087).

    Columns LSOA01CD, LSOA01NM, LSOA11CD, CHGIND, lad_code_2008, lad_name_2008.
    """
    links = read_raw_csv(ctx, _LSOA01_LSOA11)
    links = links[links["LSOA11CD"].str.startswith("E")]
    wards = read_raw_csv(ctx, _LSOA01_WARD06)
    wards = wards[wards["LSOA01CD"].str.startswith("E")]
    old = pd.DataFrame({
        "LSOA01CD": wards["LSOA01CD"],
        "lad_code_2008": wards["WD06CD"].str[:4],
        "lad_name_2008": wards["LSOA01NM"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True),
    })
    if old["LSOA01CD"].duplicated().any():
        raise ValidationError(f"{_LSOA01_WARD06}: LSOA 2001 in several wards, e.g. "
                              f"{sorted(old.loc[old['LSOA01CD'].duplicated(), 'LSOA01CD'])[:5]}.")
    names = old.drop_duplicates(["lad_code_2008", "lad_name_2008"])
    if names["lad_code_2008"].duplicated().any():
        raise ValidationError(f"{_LSOA01_WARD06}: pre-2009 districts with two names in LSOA01NM: "
                              f"{sorted(names.loc[names['lad_code_2008'].duplicated(), 'lad_code_2008'])}.")
    merged = links.merge(old, on="LSOA01CD", how="left")
    unmatched = sorted(merged.loc[merged["lad_code_2008"].isna(), "LSOA01CD"])
    if unmatched:
        raise ValidationError(f"{len(unmatched)} LSOA 2001 in {_LSOA01_LSOA11} have no 2006 ward in "
                              f"{_LSOA01_WARD06}, e.g. {unmatched[:5]}.")
    return merged[["LSOA01CD", "LSOA01NM", "LSOA11CD", "CHGIND", "lad_code_2008", "lad_name_2008"]]


def lsoa11_to_old_lad(ctx: BuildContext, lsoa11: pd.DataFrame) -> pd.DataFrame:
    """Each LSOA 2011's pre-2009 district: columns area_code, lad_code_2008, lad_name_2008.

    ``lsoa11`` has columns area_code and lad_code (2013). LSOAs missing from the
    2001-2011 lookup take the old district of their 2013 district, which must
    then map to exactly one old district.
    """
    per = _old_la_links(ctx).drop_duplicates(["LSOA11CD", "lad_code_2008"])
    multi = per["LSOA11CD"].duplicated(keep=False)
    if multi.any():
        raise ValidationError(f"LSOA 2011 in two pre-2009 districts: {sorted(set(per.loc[multi, 'LSOA11CD']))[:5]}; "
                              f"expected exactly one each (check {_LSOA01_LSOA11} and {_LSOA01_WARD06}).")
    out = per.rename(columns={"LSOA11CD": "area_code"})[["area_code", "lad_code_2008", "lad_name_2008"]]
    out = out[out["area_code"].isin(lsoa11["area_code"])]
    missing = lsoa11.loc[~lsoa11["area_code"].isin(out["area_code"]), ["area_code", "lad_code"]]
    if len(missing):
        by_lad = out.merge(lsoa11[["area_code", "lad_code"]], on="area_code")
        olds = by_lad.drop_duplicates(["lad_code", "lad_code_2008"])
        single = olds[~olds["lad_code"].duplicated(keep=False)].set_index("lad_code")
        fill = missing.join(single[["lad_code_2008", "lad_name_2008"]], on="lad_code")
        if fill["lad_code_2008"].isna().any():
            bad = fill[fill["lad_code_2008"].isna()]
            raise ValidationError(f"No pre-2009 district for LSOAs {list(bad['area_code'])}: they are not in "
                                  f"{_LSOA01_LSOA11} and their 2013 districts {sorted(set(bad['lad_code']))} "
                                  "span several old districts.")
        ctx.log(f"  {len(fill)} LSOA(s) not in the 2001-2011 lookup take their unchanged district's old code: "
                + ", ".join(f"{a}->{b}" for a, b in zip(fill["area_code"], fill["lad_code_2008"], strict=True)))
        out = pd.concat([out, fill.drop(columns="lad_code")], ignore_index=True)
    return out.sort_values("area_code").reset_index(drop=True)


def _changes(ctx: BuildContext, *, year: str, types: tuple[str, ...]) -> dict[str, str]:
    """Old -> new district codes for the changes of ``types`` that took effect in ``year``."""
    changes = read_raw_csv(ctx, _CHANGES, encoding="utf-8-sig")
    keep = changes["type"].isin(types) & (changes["start"] == year) & changes["oldcd"].str.match(r"^E0[6-9]")
    return dict(zip(changes.loc[keep, "oldcd"], changes.loc[keep, "newcd"], strict=True))


def _check_parents(parents: pd.DataFrame, name: str, sets: dict[str, tuple[str, str]]) -> None:
    """Every LSOA has one code per column, and each column has the expected number of areas."""
    problems = []
    if parents["area_code"].duplicated().any():
        problems.append(f"duplicate LSOAs {sorted(parents.loc[parents['area_code'].duplicated(), 'area_code'])[:5]}")
    for col, (level, vintage) in sets.items():
        blank = parents.loc[parents[col].isna(), "area_code"]
        if len(blank):
            problems.append(f"{len(blank)} LSOAs without {col} (e.g. {', '.join(blank.iloc[:3])})")
        expected = boundary_set(level, vintage).count
        if (found := parents[col].nunique()) != expected:
            problems.append(f"{col} holds {found} areas, expected {expected} ({level} {vintage})")
    if problems:
        raise ValidationError(f"{name} parents: " + "; ".join(problems) + ". Check the raw lookups named in geo/ingest/lsoa.py.")


def _lsoa11_parents(ctx: BuildContext, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Parents of every LSOA 2011 (``lsoas``: area_code, lad_code of 2013)."""
    codes = lsoas["area_code"]
    lad15 = read_raw_csv(ctx, _JT + "212_LSOA11_CCG15_LAD15_EN_LU.csv.gz")
    # LAD15 codes are those of 2013; a mismatch would mean a file holds another district's LSOAs.
    check = _map(ctx, codes, _lookup(lad15, "LSOA11CD", "LAD15CD", source="212"), what="LSOA11 -> LAD15")
    wrong = lsoas.loc[check.to_numpy() != lsoas["lad_code"].to_numpy(), "area_code"]
    if len(wrong):
        raise ValidationError(f"{len(wrong)} LSOAs sit in a per-district file that 212 (LSOA11 -> LAD15) "
                              f"does not put them in, e.g. {list(wrong[:5])}.")
    old = lsoa11_to_old_lad(ctx, lsoas).set_index("area_code")["lad_code_2008"]
    lad19 = read_raw_csv(ctx, _JT + "004_LSOA11_LAD19_IMD19_EN_LU.csv.gz")
    lad20 = read_raw_csv(ctx, _JT + "219_LSOA11_CCG20_LAD20_EN_LU.csv.gz")
    utla13 = read_raw_csv(ctx, _JT + "193_LTLA18_UTLA18_EW_LU.csv")
    utla19 = read_raw_csv(ctx, _JT + "195_LSOA11_UTLA19_EW_LU.csv.gz")
    region = read_raw_csv(ctx, _JT + "016_LAD18_RGN18_EN_LU.csv")
    parents = pd.DataFrame({"area_code": codes.to_numpy(), "lad_code_2013": lsoas["lad_code"].to_numpy()})
    parents["lad_code_2008"] = _map(ctx, parents["area_code"], old, what="LSOA11 -> pre-2009 district")
    parents["lad_code_2019"] = _map(ctx, parents["area_code"], _lookup(lad19, "LSOA11CD", "LAD19CD", source="004"),
                                    what="LSOA11 -> LAD19")
    parents["lad_code_2020"] = _map(ctx, parents["area_code"], _lookup(lad20, "LSOA11CD", "LAD20CD", source="219"),
                                    what="LSOA11 -> LAD20")
    merged_2021 = _changes(ctx, year="2021", types=("merger",))
    parents["lad_code_2021"] = parents["lad_code_2020"].map(lambda c: merged_2021.get(c, c))
    parents["utla_code_2013"] = _map(ctx, parents["lad_code_2013"], _lookup(utla13, "LTLA18CD", "UTLA18CD", source="193"),
                                     what="LAD13 -> UTLA")
    parents["utla_code_2019"] = _map(ctx, parents["area_code"], _lookup(utla19, "LSOA11CD", "UTLA19CD", source="195"),
                                     what="LSOA11 -> UTLA19")
    parents["region_code"] = _map(ctx, parents["lad_code_2013"], _lookup(region, "LAD18CD", "RGN18CD", source="016"),
                                  what="LAD13 -> region")
    sets = {"lad_code_2008": ("lad", "2008"), "lad_code_2013": ("lad", "2013"), "lad_code_2019": ("lad", "2019"),
            "lad_code_2020": ("lad", "2020"), "lad_code_2021": ("lad", "2021"), "utla_code_2013": ("utla", "2013"),
            "utla_code_2019": ("utla", "2019"), "region_code": ("region", "2019")}
    pct_path = ctx.out_dir / "lookups" / "lsoa11_pct.parquet"
    if pct_path.exists():
        pct = pd.read_parquet(pct_path, columns=["area_code", "pct_code", "sha_code"]).set_index("area_code")
        parents["pct_code"] = _map(ctx, parents["area_code"], pct["pct_code"], what="LSOA11 -> PCT")
        parents["sha_code"] = parents["area_code"].map(pct["sha_code"])
        sets |= {"pct_code": ("pct", "2011"), "sha_code": ("sha", "2011")}
    else:
        ctx.log("  warning: lookups/lsoa11_pct.parquet is not built yet (stage pct_assign); pct_code and "
                "sha_code are left empty")
        parents["pct_code"] = parents["sha_code"] = None
    _check_parents(parents, "LSOA 2011", sets)
    order = ["area_code", "lad_code_2008", "lad_code_2013", "lad_code_2019", "lad_code_2020", "lad_code_2021",
             "utla_code_2013", "utla_code_2019", "region_code", "pct_code", "sha_code"]
    return parents[order].astype("str").sort_values("area_code").reset_index(drop=True)


def _lsoa01_lookup(ctx: BuildContext) -> pd.DataFrame:
    """England's LSOA 2001 -> 2011 lookup with each LSOA 2001's pre-2009 district."""
    links = _old_la_links(ctx)
    if (bad := sorted(set(links["CHGIND"]) - {"U", "S", "M", "X"})):
        raise ValidationError(f"{_LSOA01_LSOA11}: unknown CHGIND values {bad}; expected U, S, M or X.")
    out = pd.DataFrame({"lsoa01_code": links["LSOA01CD"], "lsoa01_name": links["LSOA01NM"],
                        "lsoa11_code": links["LSOA11CD"], "change": links["CHGIND"],
                        "lad_code_2008": links["lad_code_2008"]})
    if out.duplicated(["lsoa01_code", "lsoa11_code"]).any():
        raise ValidationError(f"{_LSOA01_LSOA11}: repeated LSOA 2001 -> 2011 pairs.")
    return out.sort_values(["lsoa01_code", "lsoa11_code"]).reset_index(drop=True)


# --- stages --------------------------------------------------------------------------------------


def _write_boundaries(ctx: BuildContext, gdf: gpd.GeoDataFrame, relative: str) -> Output:
    """GeoParquet with row groups of ``ROW_GROUP_SIZE`` (sorted by district) and strong zstd."""
    path = ctx.out(relative)
    gdf.to_parquet(path, index=False, compression="zstd", compression_level=19, geometry_encoding="WKB",
                   write_covering_bbox=False, row_group_size=ROW_GROUP_SIZE)
    return Output(path, len(gdf))


def _finish_lsoas(ctx: BuildContext, gdf: gpd.GeoDataFrame, vintage: str) -> gpd.GeoDataFrame:
    gdf = gdf.sort_values(["lad_code", "area_code"]).reset_index(drop=True)
    out = conform_boundaries(gdf, "lsoa", vintage)
    sizes = _geojson_kb(out, "lad_code")
    ctx.log(f"  GeoJSON per district (KB): median {sizes.median():.0f}, 90th percentile {sizes.quantile(0.9):.0f}, "
            f"max {sizes.max():.0f} ({sizes.idxmax()})")
    return out


def _build_lsoa11(ctx: BuildContext) -> list[Output]:
    raw = read_lsoa11(ctx)
    parents = _lsoa11_parents(ctx, raw[["area_code", "lad_code"]])
    gdf = simplify_lsoas(raw)
    by_code = parents.set_index("area_code")
    gdf["utla_code"] = gdf["area_code"].map(by_code["utla_code_2013"])
    gdf["region_code"] = gdf["area_code"].map(by_code["region_code"])
    gdf["pct_code"] = gdf["area_code"].map(by_code["pct_code"])
    out = _finish_lsoas(ctx, gdf, "2011")
    return [
        _write_boundaries(ctx, out, "boundaries/lsoa_2011.parquet"),
        write_parquet(ctx, parents, "lookups/lsoa11_parents.parquet"),
        write_parquet(ctx, _lsoa01_lookup(ctx), "lookups/lsoa01_lsoa11.parquet"),
    ]


def _build_lsoa21(ctx: BuildContext) -> list[Output]:
    raw = read_lsoa21(ctx)
    # Barnsley and Sheffield took new codes in 2025; before that their 2023 codes held.
    back = {new: old for old, new in _changes(ctx, year="2025", types=("new_code",)).items()}
    parents = pd.DataFrame({
        "area_code": raw["area_code"],
        "lad_code_2023": raw["lad_code"].map(lambda c: back.get(c, c)),
        "lad_code_2025": raw["lad_code"],
        "utla_code_2023": raw["utla_code"].map(lambda c: back.get(c, c)),
        "utla_code_2025": raw["utla_code"],
        "region_code": raw["region_code"],
    })
    _check_parents(parents, "LSOA 2021", {
        "lad_code_2023": ("lad", "2023"), "lad_code_2025": ("lad", "2025"), "utla_code_2023": ("utla", "2023"),
        "utla_code_2025": ("utla", "2025"), "region_code": ("region", "2019")})
    out = _finish_lsoas(ctx, simplify_lsoas(raw), "2021")
    return [
        _write_boundaries(ctx, out, "boundaries/lsoa_2021.parquet"),
        write_parquet(ctx, parents.astype("str").sort_values("area_code").reset_index(drop=True),
                      "lookups/lsoa21_parents.parquet"),
    ]


def _built(ctx: BuildContext, relative: str) -> Path:
    path = ctx.out_dir / relative
    if not path.exists():
        raise DataUnavailableError(f"{relative} is not in {ctx.out_dir}; run `python -m geo build --only lsoa2011` first.")
    return path


def _build_lad2008(ctx: BuildContext) -> list[Output]:
    lsoa = gpd.read_parquet(_built(ctx, "boundaries/lsoa_2011.parquet"),
                            columns=["area_code", "lad_code", "region_code", "geometry"])
    old = lsoa11_to_old_lad(ctx, lsoa[["area_code", "lad_code"]])
    recorded = pd.read_parquet(_built(ctx, "lookups/lsoa11_parents.parquet"), columns=["area_code", "lad_code_2008"])
    differ = old.merge(recorded, on="area_code", how="outer", suffixes=("", "_recorded"))
    differ = differ[differ["lad_code_2008"].ne(differ["lad_code_2008_recorded"])]
    if len(differ):
        raise ValidationError(f"{len(differ)} LSOAs have another pre-2009 district in lookups/lsoa11_parents.parquet "
                              f"than the raw lookups give, e.g. {list(differ['area_code'][:5])}; rerun lsoa2011.")
    lsoa = lsoa.merge(old, on="area_code")
    districts = lsoa.groupby("lad_code_2008").agg(
        area_name=("lad_name_2008", "first"), regions=("region_code", "unique"))
    spans = districts[districts["regions"].map(len) != 1]
    if len(spans):
        raise ValidationError(f"Pre-2009 districts whose LSOAs lie in several regions: {list(spans.index)}; "
                              "expected one region each.")
    fine = dissolve(lsoa.geometry, lsoa["lad_code_2008"]).reindex(districts.index)
    gdf = gpd.GeoDataFrame(
        {"area_code": districts.index, "area_name": districts["area_name"].to_numpy(),
         "area_code_old": districts.index, "region_code": districts["regions"].map(lambda r: r[0]).to_numpy()},
        geometry=simplify_blocks(fine).to_numpy(), crs=4326,
    )
    out = conform_boundaries(gdf, "lad", "2008", sort=True)
    change = area_changes(out.geometry, fine.reindex(out["area_code"]))
    worst = int(np.argmax(np.abs(change)))
    lsoa_area = float(lsoa.to_crs(27700).area.sum())
    lad_area = float(shapely.union_all(out.to_crs(27700).geometry.values).area)
    ratio = lad_area / lsoa_area
    if abs(ratio - 1) > AREA_TOLERANCE:
        raise ValidationError(f"{ENGLAND_CODE}: the pre-2009 districts cover {ratio:.3%} of the LSOAs' area; "
                              f"expected within {AREA_TOLERANCE:.1%}. Check the dissolve and the outline tolerances.")
    size = len(out.to_json())
    ctx.log(f"  blocks: 354 districts dissolved from LSOA 2011 and simplified as one coverage; districts / LSOAs = "
            f"{ratio:.4%}; largest area change {change[worst]:+.2%} ({out['area_name'].iloc[worst]}); GeoJSON {size / 1e3:.0f} KB")
    if size > MAX_LAD_GEOJSON_BYTES:
        raise ValidationError(f"lad 2008 is {size / 1e3:.0f} KB as GeoJSON; expected under "
                              f"{MAX_LAD_GEOJSON_BYTES / 1e3:.0f} KB. Raise geo.ingest.outlines.TOLERANCE.")
    return [_write_boundaries(ctx, out, "boundaries/lad_2008.parquet")]


def blocks_2021(ctx: BuildContext) -> pd.Series:
    """The districts of 2023 dissolved from the LSOAs 2021 and simplified as one coverage (by code).

    The blocks of the sets drilled into LSOA 2021, as lad 2008 is of those drilled into
    LSOA 2011; the ``lad`` stage calls this after ``lsoa2021`` has run.
    """
    lsoas = gpd.read_parquet(ctx.out_dir / "boundaries/lsoa_2021.parquet", columns=["area_code", "geometry"])
    parents = pd.read_parquet(ctx.out_dir / "lookups/lsoa21_parents.parquet").set_index("area_code")["lad_code_2023"]
    return pd.Series(simplify_blocks(dissolve(lsoas.geometry, lsoas["area_code"].map(parents))))


STAGES = [
    Stage("lsoa2011", _build_lsoa11, "LSOA 2011 polygons, parents and the LSOA 2001 lookup", needs=("pct_assign",)),
    Stage("lsoa2021", _build_lsoa21, "LSOA 2021 polygons and parents"),
    Stage("lad2008", _build_lad2008, "pre-April-2009 districts dissolved from LSOA 2011", needs=("lsoa2011",)),
]
