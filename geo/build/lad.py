"""Stages ``lad``, ``utla``, ``region`` and ``la_changes``: ONS TopoJSON -> boundary sets.

The ONS Visual team's multi-year TopoJSON holds every local authority, upper tier
and region from 2014 to 2025 with ``start``/``end`` years; a feature belongs to
year Y when ``start <= Y <= end``. Its arcs are shared, so the layers already form
a coverage; they are made valid and lightly simplified with a coverage-aware method.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.build._common import BuildContext, Output, Stage, coverage_simplify, read_raw_csv, write_geoparquet
from geo.errors import ValidationError
from geo.schema import BOUNDARY_COLUMNS, BOUNDARY_SETS, boundary_set

__all__ = ["STAGES", "TOPO", "FILTER_YEAR", "read_topo_layer", "code_changes"]

TOPO = "boundaries/ons_uk_topojson/uk-topo_2014-2025.topo.json"
#: The year each atlas vintage is taken at (the TopoJSON starts in 2014; the 2013
#: code set was unchanged until April 2019).
FILTER_YEAR: dict[str, int] = {"2013": 2014, "2019": 2019, "2020": 2020, "2021": 2021, "2023": 2023, "2025": 2025}
_PREFIXES = {"lad": ("E06", "E07", "E08", "E09"), "utla": ("E06", "E08", "E09", "E10"), "region": ("E12",)}
_TOPO_LAYER = {"lad": "ltla", "utla": "utla", "region": "rgn"}
#: Degrees (about 350 m): keeps the national layer under 500 KB as GeoJSON.
_TOLERANCE = 0.0055


def read_topo_layer(ctx: BuildContext, level: str, year: int) -> gpd.GeoDataFrame:
    """English features of one TopoJSON layer that existed in ``year``."""
    gdf = gpd.read_file(ctx.raw(TOPO), layer=_TOPO_LAYER[level]).set_crs(4326)
    start = gdf["start"].fillna(-np.inf) if "start" in gdf else pd.Series(-np.inf, index=gdf.index)
    end = gdf["end"].fillna(np.inf) if "end" in gdf else pd.Series(np.inf, index=gdf.index)
    keep = (start <= year) & (end >= year) & gdf["areacd"].str.startswith(_PREFIXES[level])
    out = gdf.loc[keep, ["areacd", "areanm", "geometry"]].rename(columns={"areacd": "area_code", "areanm": "area_name"})
    return out.sort_values("area_code").reset_index(drop=True)


def _parent(children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame) -> pd.Series:
    """Parent code of each child: the parent polygon holding the child's interior point."""
    points = gpd.GeoDataFrame(
        {"child": children["area_code"]}, geometry=children.geometry.make_valid().representative_point(), crs=4326
    )
    joined = gpd.sjoin(points, parents[["area_code", "geometry"]], predicate="within", how="left")
    joined = joined.drop_duplicates("child")
    return joined.set_index("child")["area_code"].reindex(children["area_code"]).reset_index(drop=True)


def _finish(gdf: gpd.GeoDataFrame, level: str, vintage: str) -> gpd.GeoDataFrame:
    bset = boundary_set(level, vintage)
    gdf = gdf.copy()
    gdf["level"] = level
    gdf["vintage"] = vintage
    for col in BOUNDARY_COLUMNS:
        if col not in gdf.columns:
            gdf[col] = False if col == "approximate" else None
    gdf = gdf[list(BOUNDARY_COLUMNS)]
    for col in BOUNDARY_COLUMNS[:-1]:
        if col != "approximate":
            gdf[col] = gdf[col].astype("str")
    validate_boundaries(gdf, expected=bset.count)
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=4326)


def validate_boundaries(gdf: gpd.GeoDataFrame, *, expected: int) -> None:
    """Raise :class:`ValidationError` unless the set has the expected, unique, valid areas."""
    name = f"{gdf['level'].iloc[0]} {gdf['vintage'].iloc[0]}" if len(gdf) else "empty set"
    if len(gdf) != expected:
        raise ValidationError(f"{name}: expected {expected} areas, built {len(gdf)}.")
    dupes = gdf["area_code"][gdf["area_code"].duplicated()]
    if len(dupes):
        raise ValidationError(f"{name}: duplicate codes {sorted(dupes)[:5]}.")
    bad = gdf[~gdf.is_valid | gdf.is_empty]
    if len(bad):
        raise ValidationError(f"{name}: {len(bad)} invalid or empty geometries, e.g. {bad['area_code'].iloc[0]}.")


def _old_codes(ctx: BuildContext) -> pd.Series:
    lu = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/158_LAD13_NUTS315_UK_LU.csv")
    return lu.drop_duplicates("LAD13CD").set_index("LAD13CD")["LAD13CDO"]


def _build_level(ctx: BuildContext, level: str) -> list[Output]:
    outputs = []
    for bset in (b for b in BOUNDARY_SETS if (b.level == level and b.vintage in FILTER_YEAR) or
                 (b.level == level == "region")):
        year = FILTER_YEAR.get(bset.vintage, 2019)
        gdf = coverage_simplify(read_topo_layer(ctx, level, year), tolerance=_TOLERANCE, decimals=4)
        if level in ("lad", "utla"):
            regions = read_topo_layer(ctx, "region", year)
            gdf["region_code"] = _parent(gdf, regions)
        if level == "lad":
            utlas = read_topo_layer(ctx, "utla", year)
            gdf["utla_code"] = _parent(gdf, utlas)
            # Unitaries, metropolitan and London boroughs are their own upper tier.
            own = gdf["area_code"].str[:3].isin(["E06", "E08", "E09"])
            gdf.loc[own, "utla_code"] = gdf.loc[own, "area_code"]
            if bset.vintage == "2013":
                gdf["area_code_old"] = gdf["area_code"].map(_old_codes(ctx))
        missing_parent = gdf["region_code"].isna().sum() if "region_code" in gdf and level != "region" else 0
        if missing_parent:
            raise ValidationError(f"{level} {bset.vintage}: {missing_parent} areas fall in no region.")
        out = _finish(gdf, level, bset.vintage)
        outputs.append(write_geoparquet(ctx, out, f"boundaries/{bset.file_name}"))
    return outputs


def code_changes(ctx: BuildContext) -> pd.DataFrame:
    """Every LA code change the raw files record, oldest first.

    Columns: old_code, old_name, old_vintage, new_code, new_name, new_vintage,
    relation (``recode`` for the same area under a new code, ``merge`` for a
    district absorbed into a larger one) and source.
    """
    frames = [_changes_2009(ctx), _changes_gss(ctx)]
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates(["old_code", "new_code"]).reset_index(drop=True)


def _changes_2009(ctx: BuildContext) -> pd.DataFrame:
    """Pre-April-2009 districts -> the 2013 code set, via LSOA 2001 and wards."""
    w06 = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/087_LSOA01_WD06_EW_LU.csv.gz")
    w09 = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/105_LSOA01_WD09_EW_LU.csv.gz")
    w06 = w06[w06["LSOA01CD"].str.startswith("E")]
    pairs = pd.DataFrame({"lsoa": w06["LSOA01CD"], "old": w06["WD06CD"].str[:4],
                          "old_name": w06["LSOA01NM"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)})
    pairs = pairs.merge(
        pd.DataFrame({"lsoa": w09["LSOA01CD"], "mid": w09["WD09CD"].str[:4]}), on="lsoa", how="left"
    )
    old13 = _old_codes(ctx)
    to_gss = pd.Series(old13.index, index=old13.to_numpy())
    pairs["new"] = pairs["mid"].map(to_gss)
    links = pairs.groupby(["old", "old_name", "new"], as_index=False).size()
    # Ward lookups record a few single-LSOA boundary adjustments (e.g. one 30UQ LSOA
    # in Blackpool's 2009 wards); a district maps to where most of its LSOAs went.
    links = links.sort_values("size", ascending=False)
    minor = links[links.duplicated("old")]
    for rec in minor.itertuples(index=False):
        ctx.log(f"  note: {rec.size} LSOA(s) of {rec.old} lie in {rec.new} by 2009 wards; {rec.old} maps by majority")
    links = links.drop_duplicates("old").sort_values("old")
    names13 = read_raw_csv(ctx, "boundaries/jtrim_ons_lookups/158_LAD13_NUTS315_UK_LU.csv").drop_duplicates(
        "LAD13CD").set_index("LAD13CD")["LAD13NM"]
    n_new = links.groupby("new")["old"].transform("nunique")
    return pd.DataFrame(
        {
            "old_code": links["old"],
            "old_name": links["old_name"],
            "old_vintage": "2008",
            "new_code": links["new"],
            "new_name": links["new"].map(names13),
            "new_vintage": "2013",
            "relation": np.where(n_new > 1, "merge", "recode"),
            "source": "jtrim_ons_lookups 087 (wards 2006) + 105 (wards 2009) + 158 (LAD13 old codes)",
        }
    )


def _changes_gss(ctx: BuildContext) -> pd.DataFrame:
    """GSS-era changes: the 2012-13 recodes and the 2019-2025 mergers and recodes."""
    la = read_raw_csv(ctx, "boundaries/drkane_geo_lookups/la_all_codes.csv")
    la = la[la["LADCD"].str.match(r"^E0[6-9]") & (la["LADCD"] != la["LADCD_ACTIVE"])]
    changes = read_raw_csv(ctx, "boundaries/ons_uk_topojson/changes.csv")
    changes.columns = [c.lstrip("\ufeff") for c in changes.columns]
    changes = changes[changes["type"].isin(["merger", "new_code"]) & changes["oldcd"].str.match(r"^E0[6-9]")]
    start = changes.set_index("oldcd")["start"]
    vintage_after = {"2019": "2019", "2020": "2020", "2021": "2021", "2023": "2023", "2024": "2023", "2025": "2025"}
    prev = {"2019": "2013", "2020": "2019", "2021": "2020", "2023": "2021", "2025": "2023"}
    rows = []
    for rec in la.itertuples(index=False):
        year = start.get(rec.LADCD)
        if year is None:  # the 2012-13 recodes predate the TopoJSON's change list
            old_v, new_v, relation = "2011", "2013", "recode"
        else:
            new_v = vintage_after[str(year)]
            old_v = prev[new_v]
            n_merged = (la["LADCD_ACTIVE"] == rec.LADCD_ACTIVE).sum()
            relation = "recode" if n_merged == 1 and str(year) == "2025" else "merge"
        rows.append(
            {
                "old_code": rec.LADCD, "old_name": rec.LADNM, "old_vintage": old_v,
                "new_code": rec.LADCD_ACTIVE, "new_name": rec.LADNM_ACTIVE, "new_vintage": new_v,
                "relation": relation, "source": "drkane_geo_lookups/la_all_codes.csv; ons_uk_topojson/changes.csv",
            }
        )
    return pd.DataFrame(rows)


def _build_changes(ctx: BuildContext) -> list[Output]:
    from geo.build._common import write_parquet

    return [write_parquet(ctx, code_changes(ctx), "lookups/la_code_changes.parquet")]


STAGES = [
    Stage("lad", lambda ctx: _build_level(ctx, "lad"), "local authority districts 2013-2025 from ONS TopoJSON"),
    Stage("utla", lambda ctx: _build_level(ctx, "utla"), "upper-tier authorities 2013-2025 from ONS TopoJSON"),
    Stage("region", lambda ctx: _build_level(ctx, "region"), "the 9 regions from ONS TopoJSON"),
    Stage("la_changes", _build_changes, "LA code changes 2009-2025"),
]
