"""Stages ``lsoa2011``, ``lsoa2021`` and ``lad2008``: small areas and the pre-2009 districts.

- LSOA 2011: 326 TopoJSON files (one per 2013 district) of generalised clipped
  boundaries; LSOA 2021: 296 GeoJSON files (one per 2025 district).
- Pre-April-2009 districts (354) exist as no file: each LSOA 2011 is assigned to
  its 2001 LSOA's 2006 ward, whose code begins with the old district code, and
  the LSOAs are dissolved (the 2009 reorganisation merged whole districts).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.build._common import (
    BuildContext,
    Output,
    Stage,
    conform_boundaries,
    coverage_simplify,
    read_raw_csv,
    write_geoparquet,
    write_parquet,
)
from geo.build.lad import code_changes
from geo.errors import ValidationError

__all__ = ["LSOA_TOLERANCE", "STAGES", "dissolve", "lsoa11_to_old_lad", "read_lsoa11"]

#: Degrees (~40-60 m): small urban LSOAs keep their shape; one LA's LSOAs stay well under 200 KB.
LSOA_TOLERANCE = 0.0006
#: Coarser tolerance for the national pre-2009 district layer (under 500 KB as GeoJSON).
LAD_TOLERANCE = 0.0055
_LSOA11_DIR = "boundaries/martinjc_uk_geojson/lsoa11_by_lad_topo"
_LSOA21_DIR = "boundaries/drkane_geo_lookups/lsoa21_by_lad"
_JT = "boundaries/jtrim_ons_lookups/"


def read_lsoa11(ctx: BuildContext, *, lads: list[str] | None = None) -> gpd.GeoDataFrame:
    """LSOA 2011 polygons (unsimplified) with their 2013 district, from the per-LAD files."""
    folder = ctx.raw(_LSOA11_DIR)
    files = sorted(folder.glob("topo_*.json"))
    if lads is not None:
        files = [f for f in files if f.stem.removeprefix("topo_") in lads]
    parts = []
    for path in files:
        gdf = gpd.read_file(path)
        gdf["lad_code"] = path.stem.removeprefix("topo_")
        parts.append(gdf[["LSOA11CD", "LSOA11NM", "lad_code", "geometry"]])
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=4326)
    return out.rename(columns={"LSOA11CD": "area_code", "LSOA11NM": "area_name"})


def _read_lsoa21(ctx: BuildContext) -> gpd.GeoDataFrame:
    folder = ctx.raw(_LSOA21_DIR)
    parts = [gpd.read_file(f"/vsigzip/{p}") for p in sorted(folder.glob("*.geojson.gz"))]
    gdf = pd.concat(parts, ignore_index=True)
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry").to_crs(4326)
    return gdf.rename(
        columns={"LSOA21CD": "area_code", "LSOA21NM": "area_name", "LADCD_ACTIVE": "lad_code",
                 "UTLACD": "utla_code", "RGNCD": "region_code"}
    )[["area_code", "area_name", "lad_code", "utla_code", "region_code", "geometry"]]


def lsoa11_to_old_lad(ctx: BuildContext, lsoa11: pd.DataFrame) -> pd.DataFrame:
    """Each LSOA 2011's pre-2009 district: columns area_code, lad_code_2008, lad_name_2008."""
    l01 = read_raw_csv(ctx, _JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz")
    l01 = l01[l01["LSOA11CD"].str.startswith("E")]
    wards = read_raw_csv(ctx, _JT + "087_LSOA01_WD06_EW_LU.csv.gz")
    wards["lad_code_2008"] = wards["WD06CD"].str[:4]
    wards["lad_name_2008"] = wards["LSOA01NM"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)
    m = l01.merge(wards[["LSOA01CD", "lad_code_2008", "lad_name_2008"]], on="LSOA01CD", how="left")
    per = m.drop_duplicates(["LSOA11CD", "lad_code_2008"])
    multi = per["LSOA11CD"].duplicated(keep=False)
    if multi.any():
        raise ValidationError(f"LSOA 2011 in two pre-2009 districts: {sorted(per.loc[multi, 'LSOA11CD'])[:5]}.")
    out = per.rename(columns={"LSOA11CD": "area_code"})[["area_code", "lad_code_2008", "lad_name_2008"]]
    # LSOAs created after the 2001-2011 lookup: take the old district of their 2013 district
    # when that district maps to exactly one old one.
    missing = lsoa11[~lsoa11["area_code"].isin(out["area_code"])][["area_code", "lad_code"]]
    if len(missing):
        by_lad = out.merge(lsoa11[["area_code", "lad_code"]], on="area_code")
        single = by_lad.groupby("lad_code").filter(lambda d: d["lad_code_2008"].nunique() == 1)
        one = single.drop_duplicates("lad_code").set_index("lad_code")[["lad_code_2008", "lad_name_2008"]]
        fill = missing.join(one, on="lad_code")
        if fill["lad_code_2008"].isna().any():
            raise ValidationError(f"No pre-2009 district for {list(fill.loc[fill['lad_code_2008'].isna(), 'area_code'])}.")
        ctx.log(f"  {len(fill)} LSOA(s) not in the 2001-2011 lookup assigned via their district: "
                f"{', '.join(fill['area_code'])}")
        out = pd.concat([out, fill.drop(columns="lad_code")], ignore_index=True)
    return out


def dissolve(geoms: object) -> shapely.Geometry:
    """Union of polygons that form a coverage (falls back to a full union if noding is off)."""
    try:
        return shapely.make_valid(shapely.coverage_union_all(geoms))
    except shapely.errors.GEOSException:
        return shapely.make_valid(shapely.union_all(geoms, grid_size=1e-5))


def _parent_map(out_dir: Path, level: str, vintage: str, column: str) -> pd.Series:
    gdf = pd.read_parquet(out_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=["area_code", column])
    return gdf.set_index("area_code")[column]


def _check_one_parent(parents: pd.DataFrame, name: str) -> None:
    for col in parents.columns:
        if col == "area_code" or (col in ("pct_code", "sha_code") and parents[col].isna().all()):
            continue
        n = int(parents[col].isna().sum())
        if n:
            example = parents.loc[parents[col].isna(), "area_code"].iloc[0]
            raise ValidationError(f"{name}: {n} LSOAs have no {col} (e.g. {example}).")


def _build_lsoa11(ctx: BuildContext) -> list[Output]:
    raw = read_lsoa11(ctx)
    # The per-district files are named with the 2011-12 codes of six districts recoded
    # in 2012-13 (Northumberland, Gateshead, four in Hertfordshire).
    changes = code_changes(ctx)
    recode = changes[changes["old_vintage"] == "2011"].set_index("old_code")["new_code"]
    raw["lad_code"] = raw["lad_code"].map(lambda c: recode.get(c, c))
    gdf = coverage_simplify(raw, tolerance=LSOA_TOLERANCE)
    lu19 = read_raw_csv(ctx, _JT + "004_LSOA11_LAD19_IMD19_EN_LU.csv.gz").set_index("LSOA11CD")["LAD19CD"]
    lu20 = read_raw_csv(ctx, _JT + "219_LSOA11_CCG20_LAD20_EN_LU.csv.gz").set_index("LSOA11CD")["LAD20CD"]
    merged_2021 = _merges(ctx, year="2021")
    parents = pd.DataFrame({"area_code": gdf["area_code"], "lad_code_2013": gdf["lad_code"]})
    old = lsoa11_to_old_lad(ctx, gdf)
    parents = parents.merge(old[["area_code", "lad_code_2008"]], on="area_code", how="left")
    parents["lad_code_2019"] = parents["area_code"].map(lu19)
    parents["lad_code_2020"] = parents["area_code"].map(lu20)
    parents["lad_code_2021"] = parents["lad_code_2020"].map(lambda c: merged_2021.get(c, c))
    parents["utla_code_2013"] = parents["lad_code_2013"].map(_parent_map(ctx.out_dir, "lad", "2013", "utla_code"))
    parents["utla_code_2019"] = parents["lad_code_2019"].map(_parent_map(ctx.out_dir, "lad", "2019", "utla_code"))
    parents["region_code"] = parents["lad_code_2013"].map(_parent_map(ctx.out_dir, "lad", "2013", "region_code"))
    pct_path = ctx.out_dir / "lookups" / "lsoa11_pct.parquet"
    if pct_path.exists():
        pct = pd.read_parquet(pct_path).set_index("area_code")
        parents["pct_code"] = parents["area_code"].map(pct["pct_code"])
        parents["sha_code"] = parents["area_code"].map(pct["sha_code"])
    else:
        ctx.log("  warning: lookups/lsoa11_pct.parquet not built yet; LSOAs have no PCT")
        parents["pct_code"] = None
        parents["sha_code"] = None
    _check_one_parent(parents, "LSOA 2011")
    gdf = gdf.merge(parents, on="area_code")
    gdf["utla_code"] = gdf["utla_code_2013"]
    gdf = gdf.sort_values(["lad_code", "area_code"]).reset_index(drop=True)
    out = conform_boundaries(gdf, "lsoa", "2011")
    written = [write_geoparquet(ctx, out, "boundaries/lsoa_2011.parquet")]
    written.append(write_parquet(ctx, parents.sort_values("area_code"), "lookups/lsoa11_parents.parquet"))
    l01 = read_raw_csv(ctx, _JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz")
    l01 = l01[l01["LSOA11CD"].str.startswith("E")]
    wards = read_raw_csv(ctx, _JT + "087_LSOA01_WD06_EW_LU.csv.gz")
    l01 = l01.merge(wards[["LSOA01CD", "WD06CD"]], on="LSOA01CD", how="left")
    lookup = pd.DataFrame(
        {"lsoa01_code": l01["LSOA01CD"], "lsoa01_name": l01["LSOA01NM"], "lsoa11_code": l01["LSOA11CD"],
         "change": l01["CHGIND"], "lad_code_2008": l01["WD06CD"].str[:4]}
    )
    written.append(write_parquet(ctx, lookup, "lookups/lsoa01_lsoa11.parquet"))
    return written


def _merges(ctx: BuildContext, *, year: str) -> dict[str, str]:
    """Old -> new district codes for the changes that took effect in ``year``."""
    changes = read_raw_csv(ctx, "boundaries/ons_uk_topojson/changes.csv")
    changes.columns = [c.lstrip("\ufeff") for c in changes.columns]
    keep = changes["type"].isin(["merger", "new_code"]) & (changes["start"] == year)
    keep &= changes["oldcd"].str.match(r"^E0[6-9]")
    return dict(zip(changes.loc[keep, "oldcd"], changes.loc[keep, "newcd"], strict=True))


def _build_lsoa21(ctx: BuildContext) -> list[Output]:
    gdf = coverage_simplify(_read_lsoa21(ctx), tolerance=LSOA_TOLERANCE)
    back = {new: old for old, new in _merges(ctx, year="2025").items()}
    parents = pd.DataFrame(
        {
            "area_code": gdf["area_code"],
            "lad_code_2023": gdf["lad_code"].map(lambda c: back.get(c, c)),
            "lad_code_2025": gdf["lad_code"],
            "utla_code_2023": gdf["utla_code"].map(lambda c: back.get(c, c)),
            "utla_code_2025": gdf["utla_code"],
            "region_code": gdf["region_code"],
        }
    )
    _check_one_parent(parents, "LSOA 2021")
    gdf = gdf.sort_values(["lad_code", "area_code"]).reset_index(drop=True)
    out = conform_boundaries(gdf, "lsoa", "2021")
    return [
        write_geoparquet(ctx, out, "boundaries/lsoa_2021.parquet"),
        write_parquet(ctx, parents.sort_values("area_code"), "lookups/lsoa21_parents.parquet"),
    ]


def _build_lad2008(ctx: BuildContext) -> list[Output]:
    lsoa = gpd.read_parquet(ctx.out_dir / "boundaries" / "lsoa_2011.parquet")
    old = lsoa11_to_old_lad(ctx, lsoa)
    lsoa = lsoa.merge(old, on="area_code")
    rows = []
    for (code, name), group in lsoa.groupby(["lad_code_2008", "lad_name_2008"]):
        regions = group["region_code"].unique()
        if len(regions) != 1:
            raise ValidationError(f"Pre-2009 district {code} spans regions {list(regions)}.")
        geom = dissolve(group.geometry.to_numpy())
        rows.append({"area_code": code, "area_name": name, "area_code_old": code,
                     "region_code": regions[0], "geometry": geom})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    gdf = coverage_simplify(gdf, tolerance=LAD_TOLERANCE, decimals=4).sort_values("area_code")
    out = conform_boundaries(gdf.reset_index(drop=True), "lad", "2008")
    lsoa_area = lsoa.to_crs(27700).area.sum()
    lad_area = out.to_crs(27700).area.sum()
    if abs(lad_area / lsoa_area - 1) > 0.01:
        raise ValidationError(f"Pre-2009 districts cover {lad_area / lsoa_area:.2%} of the LSOAs' area; expected 99-101%.")
    ctx.log(f"  area check: districts / LSOAs = {lad_area / lsoa_area:.4%}")
    return [write_geoparquet(ctx, out, "boundaries/lad_2008.parquet")]


STAGES = [
    Stage("lsoa2011", _build_lsoa11, "LSOA 2011 polygons, parents and the LSOA 2001 lookup",
          needs=("lad", "pct_assign")),
    Stage("lsoa2021", _build_lsoa21, "LSOA 2021 polygons and parents", needs=("lad",)),
    Stage("lad2008", _build_lad2008, "pre-April-2009 districts dissolved from LSOA 2011", needs=("lsoa2011",)),
]
