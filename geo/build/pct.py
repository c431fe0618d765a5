"""Stages ``pct_assign`` and ``pct``: Primary Care Trusts (2011-13) and Strategic Health Authorities.

No PCT boundary file or LSOA-to-PCT lookup survives in the raw data, so PCTs are
built from 2011 LSOAs:

1. Each LSOA's 2015 CCG (ONS lookup). A CCG whose postcodes all came from one PCT
   (per the PCT-to-CCG postcode-share list) puts its LSOAs in that PCT.
2. CCGs drawn from several PCTs are split by 2015 district, following the written,
   reviewed table ``pct_assignment.csv`` beside this module (one row per CCG and
   district, with the reason). Birmingham's three PCTs followed neither CCG nor
   district lines and are marked ``approximate``.
3. SHAs: a PCT's SHA is its region, except in the South East, split into South
   Central and South East Coast by upper-tier authority (``sha_assignment.csv``).

For PCTs ``area_code`` is the ONS code (E16/E17) and ``area_code_old`` holds the
NHS organisation code (e.g. ``5MX``).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.build._common import (
    BuildContext,
    Output,
    Stage,
    coverage_simplify,
    read_raw_csv,
    write_geoparquet,
    write_parquet,
)
from geo.build.lad import validate_boundaries
from geo.build.lsoa import dissolve
from geo.errors import ValidationError
from geo.schema import BOUNDARY_COLUMNS, boundary_set

__all__ = ["STAGES", "assign_lsoas", "pct_shares"]

_HERE = Path(__file__).parent
_SHARES = "boundaries/dsfood_pct_ccg/pct11_to_ccg_postcode_share.json"
_NAMES = "boundaries/postcodesio_names_codes/pcts.json"
_SHAS = "boundaries/postcodesio_names_codes/nhsHa.json"
_TOLERANCE = 0.0055


def pct_shares(ctx: BuildContext) -> pd.DataFrame:
    """The PCT-to-CCG postcode-share list: pct_code, nhs_code, pct_name, ccg15_code, share."""
    raw = json.loads(ctx.raw(_SHARES).read_text(encoding="utf-8"))
    rows = []
    for pct in raw:
        ccgs = pct["CCG"] if isinstance(pct["CCG"], list) else [pct["CCG"]]
        for ccg in ccgs:
            rows.append(
                {"pct_code": pct["onscode"], "nhs_code": pct["nhscode"], "pct_name": pct["name"],
                 "ccg15_code": ccg["onscode"], "share": float(ccg["pcd_percent"])}
            )
    return pd.DataFrame(rows)


def assign_lsoas(ctx: BuildContext) -> pd.DataFrame:
    """Every LSOA 2011's PCT: area_code, pct_code, approximate, approximate_reason."""
    shares = pct_shares(ctx)
    lsoas = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/212_LSOA11_CCG15_LAD15_EN_LU.csv.gz")
    n_pcts = shares.groupby("ccg15_code")["pct_code"].nunique()
    exclusive = shares[shares["ccg15_code"].isin(n_pcts[n_pcts == 1].index)].set_index("ccg15_code")["pct_code"]
    table = pd.read_csv(_HERE / "pct_assignment.csv", dtype=str)
    shared_ccgs = set(n_pcts[n_pcts > 1].index)
    if set(table["ccg15_code"]) != shared_ccgs:
        raise ValidationError(
            "pct_assignment.csv must cover exactly the CCGs drawn from several PCTs; "
            f"missing {sorted(shared_ccgs - set(table['ccg15_code']))}, extra {sorted(set(table['ccg15_code']) - shared_ccgs)}."
        )
    out = pd.DataFrame({"area_code": lsoas["LSOA11CD"], "ccg": lsoas["CCG15CD"], "lad": lsoas["LAD15CD"]})
    out["pct_code"] = out["ccg"].map(exclusive)
    out["approximate"] = False
    out["approximate_reason"] = None
    split = out["pct_code"].isna()
    keyed = out.loc[split, ["ccg", "lad"]].merge(
        table.rename(columns={"ccg15_code": "ccg", "lad15_code": "lad"}), on=["ccg", "lad"], how="left"
    )
    if keyed["pct_code"].isna().any():
        bad = keyed.loc[keyed["pct_code"].isna(), ["ccg", "lad"]].drop_duplicates()
        raise ValidationError(f"pct_assignment.csv has no row for CCG/district pairs {bad.to_dict('records')[:5]}.")
    out.loc[split, "pct_code"] = keyed["pct_code"].to_numpy()
    approx = keyed["approximate"].str.lower().eq("true").to_numpy()
    out.loc[split, "approximate"] = approx
    out.loc[split, "approximate_reason"] = [r if a else None for r, a in zip(keyed["reason"], approx, strict=True)]
    names = json.loads(ctx.raw(_NAMES).read_text(encoding="utf-8"))
    english = {c for c in names if c.startswith(("E16", "E17"))}
    held = set(out["pct_code"])
    if held != english:
        raise ValidationError(
            f"PCTs built ({len(held)}) differ from the 151 ONS codes: missing {sorted(english - held)}, "
            f"unknown {sorted(held - english)}."
        )
    return out[["area_code", "pct_code", "approximate", "approximate_reason"]]


def _sha_for_pcts(ctx: BuildContext, lsoa_pct: pd.DataFrame) -> pd.Series:
    """Each PCT's SHA code, from its LSOAs' region (and upper tier in the South East)."""
    parents = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/212_LSOA11_CCG15_LAD15_EN_LU.csv.gz")
    lad_rgn = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/016_LAD18_RGN18_EN_LU.csv").set_index("LAD18CD")
    lad_utla = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/193_LTLA18_UTLA18_EW_LU.csv").set_index("LTLA18CD")
    frame = lsoa_pct.merge(parents[["LSOA11CD", "LAD15CD"]], left_on="area_code", right_on="LSOA11CD")
    frame["region"] = frame["LAD15CD"].map(lad_rgn["RGN18NM"])
    frame["utla"] = frame["LAD15CD"].map(lad_utla["UTLA18NM"])
    shas = json.loads(ctx.raw(_SHAS).read_text(encoding="utf-8"))
    by_name = {name.lower(): code for code, name in shas.items() if code.startswith("E18")}
    split = pd.read_csv(_HERE / "sha_assignment.csv", dtype=str).set_index("utla_name")["sha_code"]
    frame["sha"] = frame["region"].str.lower().map(by_name)
    south_east = frame["region"] == "South East"
    frame.loc[south_east, "sha"] = frame.loc[south_east, "utla"].map(split)
    if frame["sha"].isna().any():
        raise ValidationError(f"No SHA for LSOAs in {sorted(frame.loc[frame['sha'].isna(), 'utla'].unique())}.")
    counts = frame.groupby(["pct_code", "sha"]).size().reset_index(name="n")
    counts = counts.sort_values("n", ascending=False).drop_duplicates("pct_code")
    return counts.set_index("pct_code")["sha"]


def _build_assign(ctx: BuildContext) -> list[Output]:
    lsoa_pct = assign_lsoas(ctx)
    sha = _sha_for_pcts(ctx, lsoa_pct)
    lsoa_pct["sha_code"] = lsoa_pct["pct_code"].map(sha)
    n_approx = int(lsoa_pct["approximate"].sum())
    ctx.log(f"  {lsoa_pct['pct_code'].nunique()} PCTs; {n_approx} LSOAs in approximate PCTs")
    return [write_parquet(ctx, lsoa_pct, "lookups/lsoa11_pct.parquet")]


def _conform(gdf: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    gdf["level"], gdf["vintage"] = level, "2011"
    for col in BOUNDARY_COLUMNS:
        if col not in gdf.columns:
            gdf[col] = False if col == "approximate" else None
    gdf = gdf[list(BOUNDARY_COLUMNS)]
    for col in BOUNDARY_COLUMNS[:-1]:
        if col != "approximate":
            gdf[col] = gdf[col].astype("str")
    validate_boundaries(gdf, expected=boundary_set(level, "2011").count)
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=4326)


def _build_pct(ctx: BuildContext) -> list[Output]:
    lsoa = gpd.read_parquet(ctx.out_dir / "boundaries" / "lsoa_2011.parquet")
    assign = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa11_pct.parquet")
    parents = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa11_parents.parquet")
    lsoa = lsoa[["area_code", "geometry"]].merge(assign, on="area_code").merge(
        parents[["area_code", "lad_code_2013", "utla_code_2013", "region_code"]], on="area_code"
    )
    shares = pct_shares(ctx).drop_duplicates("pct_code").set_index("pct_code")
    names = json.loads(ctx.raw(_NAMES).read_text(encoding="utf-8"))
    rows = []
    for code, group in lsoa.groupby("pct_code"):
        lads = group["lad_code_2013"].unique()
        utlas = group["utla_code_2013"].unique()
        regions = group["region_code"].value_counts()
        approx = bool(group["approximate"].any())
        lad_all = lsoa[lsoa["lad_code_2013"].isin(lads)]
        rows.append(
            {
                "area_code": code,
                "area_name": names[code],
                "area_code_old": shares.loc[code, "nhs_code"],
                "lad_code": lads[0] if len(lads) == 1 and len(lad_all) == len(group) else None,
                "utla_code": utlas[0] if len(utlas) == 1 and (lsoa["utla_code_2013"] == utlas[0]).sum() == len(group)
                else None,
                "region_code": regions.index[0],
                "sha_code": group["sha_code"].iloc[0],
                "approximate": approx,
                "approximate_reason": group["approximate_reason"].dropna().iloc[0] if approx else None,
                "geometry": dissolve(group.geometry.to_numpy()),
            }
        )
    pcts = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    pcts = coverage_simplify(pcts, tolerance=_TOLERANCE, decimals=4)
    pcts["pct_code"] = None
    out = _conform(pcts.drop(columns="sha_code"), "pct")
    shas = json.loads(ctx.raw(_SHAS).read_text(encoding="utf-8"))
    sha_rows = []
    for code, group in lsoa.groupby("sha_code"):
        sha_rows.append({"area_code": code, "area_name": shas[code], "geometry": dissolve(group.geometry.to_numpy())})
    sha = coverage_simplify(gpd.GeoDataFrame(sha_rows, geometry="geometry", crs=4326), tolerance=_TOLERANCE, decimals=4)
    sha_out = _conform(sha, "sha")
    lsoa_area = lsoa.to_crs(27700).area.sum()
    for name, gdf in (("PCTs", out), ("SHAs", sha_out)):
        ratio = gdf.to_crs(27700).area.sum() / lsoa_area
        if abs(ratio - 1) > 0.01:
            raise ValidationError(f"{name} cover {ratio:.2%} of the LSOAs' area; expected 99-101%.")
        ctx.log(f"  area check: {name} / LSOAs = {ratio:.4%}")
    return [
        write_geoparquet(ctx, out, "boundaries/pct_2011.parquet"),
        write_geoparquet(ctx, sha_out, "boundaries/sha_2011.parquet"),
    ]


STAGES = [
    Stage("pct_assign", _build_assign, "assign LSOA 2011 to PCTs and SHAs (CCG shares + written table)"),
    Stage("pct", _build_pct, "PCT and SHA boundaries dissolved from LSOA 2011", needs=("lsoa2011", "pct_assign")),
]
