"""Build stage: the compact postcode table for England, its ward names and LSOA centres.

Two official open files (``raw/postcodes/PROVENANCE.md``): the ONS postcode lookup of
May 2022 (every English postcode, live and terminated, to Output Area and LSOA 2011) and
OS Code-Point Open of April 2025 (coordinates and ward of every live postcode). The
stage writes:

- ``lookups/postcodes.parquet``: one row per English postcode (normalised, sorted), its
  termination month, user type, OA and LSOA 2011, LSOA 2021 with the route that gave it,
  ward (2025) and easting/northing where Code-Point holds them;
- ``lookups/wards.parquet``: ward names from the Code-Point code list;
- ``lookups/postcode_centres.parquet``: per LSOA (2011 and 2021), the mean position of
  its live residential postcodes (user type 0), the polygon's centroid, and the best-fit
  ward (the ward holding most of the LSOA's live postcodes) with its share.

LSOA 2021 comes from the atlas's LSOA 2011-2021 lookup where the 2011 LSOA is unchanged
(U) or merged (M); otherwise (split S, or complex X) from placing the postcode's
coordinates in the 2021 polygons. Postcodes Code-Point holds but the ONS file does not
(introduced after May 2022) are placed in both the 2011 and 2021 polygons.
"""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, write_parquet

__all__ = ["ROUTES", "STAGES", "WHERE", "normalise_key"]

_ONS = "postcodes/PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.csv.xz"
_CPO = "postcodes/codepo_gb.zip"
_ENGLAND = "E92000001"
_WARD_SHEETS = ("DIW", "LBW", "MTW", "UTE", "UTW")

#: How each postcode's LSOA 2021 was found (the ``lsoa21_route`` column's codes).
ROUTES: dict[int, str] = {
    0: "LSOA 2011 unchanged in 2021 (ONS lookup)",
    1: "LSOA 2011 merged into one 2021 LSOA (ONS lookup)",
    2: "coordinates placed in the 2021 polygons (2011 LSOA split or changed)",
    3: "coordinates placed in the 2011 and 2021 polygons (postcode newer than May 2022)",
    9: "not placed: 2011 LSOA split or changed and no coordinates held (terminated)",
}


def normalise_key(postcodes: pd.Series) -> pd.Series:
    """Upper-case postcodes with every space removed (the lookup key)."""
    return postcodes.astype("string").str.upper().str.replace(r"\s+", "", regex=True)


def _display(keys: pd.Series) -> pd.Series:
    return keys.str[:-3] + " " + keys.str[-3:]


#: Where a postcode outside England lies, by the first letter of its LSOA (or LAD) code.
WHERE: dict[str, str] = {
    "S": "Scotland", "W": "Wales", "N": "Northern Ireland", "L": "the Channel Islands",
    "M": "the Isle of Man", "-": "no place: the ONS lookup gives it no geography (non-geographic)",
}


def _read_ons(ctx: BuildContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = ["pcds", "doterm", "usertype", "oa11cd", "lsoa11cd", "ladcd"]
    df = pd.read_csv(ctx.raw(_ONS), usecols=cols, dtype=str, keep_default_na=False)
    english = df["lsoa11cd"].str.startswith("E01")
    other = df.loc[~english, ["pcds", "ladcd"]]
    other = pd.DataFrame({"key": normalise_key(other["pcds"]), "where": other["ladcd"].str[:1].replace("", "-")})
    df = df[english].copy()
    df["key"] = normalise_key(df["pcds"])
    if df["key"].duplicated().any():
        raise ValidationError(f"ONS postcode lookup: {int(df['key'].duplicated().sum())} duplicate postcodes.")
    df["terminated"] = pd.to_numeric(df["doterm"].replace("", "0")).astype("int32")
    df["usertype"] = pd.to_numeric(df["usertype"]).astype("int8")
    return df[["key", "terminated", "usertype", "oa11cd", "lsoa11cd"]], other


def _read_codepoint(ctx: BuildContext) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    names = ["pc", "pq", "easting", "northing", "country", "rh", "lh", "cc", "dc", "ward_code"]
    frames: list[pd.DataFrame] = []
    with zipfile.ZipFile(ctx.raw(_CPO)) as zf:
        for member in sorted(n for n in zf.namelist() if n.startswith("Data/CSV/") and n.endswith(".csv")):
            with zf.open(member) as fh:
                frames.append(pd.read_csv(fh, header=None, names=names, dtype=str, keep_default_na=False))
        wards = _ward_names(zf.read("Doc/Codelist.xlsx"))
    cpo = pd.concat(frames, ignore_index=True)
    other = cpo.loc[cpo["country"] != _ENGLAND]
    other = pd.DataFrame({"key": normalise_key(other["pc"]), "where": other["country"].str[:1].replace("", "-")})
    cpo = cpo[cpo["country"] == _ENGLAND].copy()
    cpo["key"] = normalise_key(cpo["pc"])
    held = cpo["pq"] != "90"
    cpo["easting"] = pd.to_numeric(cpo["easting"]).where(held).astype("Int32")
    cpo["northing"] = pd.to_numeric(cpo["northing"]).where(held).astype("Int32")
    cpo["ward_code"] = cpo["ward_code"].replace("", pd.NA)
    return cpo[["key", "easting", "northing", "ward_code"]], wards, other


def _ward_names(xlsx: bytes) -> pd.DataFrame:
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=list(_WARD_SHEETS), header=None, dtype=str)
    wards = pd.concat(
        [s.iloc[:, :2].set_axis(["ward_name", "ward_code"], axis=1) for s in sheets.values()], ignore_index=True
    )
    wards = wards[wards["ward_code"].str.startswith("E05", na=False)].drop_duplicates("ward_code")
    # The code list spells the kind of area out ("Abbey Ward", "Abbey ED"); people say "Abbey".
    wards["ward_name"] = wards["ward_name"].str.replace(r"\s+(Ward|ED)$", "", regex=True).str.strip()
    return wards.sort_values("ward_code").reset_index(drop=True)


def _lonlat(easting: pd.Series, northing: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    to_wgs = pyproj.Transformer.from_crs(27700, 4326, always_xy=True)
    lon, lat = to_wgs.transform(easting.to_numpy(dtype=float), northing.to_numpy(dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _place(ctx: BuildContext, vintage: str, easting: pd.Series, northing: pd.Series) -> pd.Series:
    """The LSOA of ``vintage`` each point falls in (missing where none)."""
    polys = gpd.read_parquet(ctx.out(f"boundaries/lsoa_{vintage}.parquet"), columns=["area_code", "geometry"])
    lon, lat = _lonlat(easting, northing)
    points = gpd.GeoDataFrame(index=easting.index, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    hit = gpd.sjoin(points, polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    missing = hit["area_code"].isna()
    if missing.any():  # simplified outlines leave slivers at the coast: take the nearest polygon
        near = gpd.sjoin_nearest(points[missing].to_crs(27700), polys.to_crs(27700), how="left", max_distance=500)
        near = near[~near.index.duplicated(keep="first")]
        hit.loc[near.index, "area_code"] = near["area_code"]
    return hit["area_code"].reindex(easting.index)


def _lsoa21(ctx: BuildContext, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    change = pd.read_parquet(ctx.out("lookups/lsoa11_lsoa21.parquet"))
    single = change[change["change"].isin(["U", "M"])].drop_duplicates("lsoa11_code")
    by_lookup = table["lsoa11cd"].map(single.set_index("lsoa11_code")["lsoa21_code"])
    kind = table["lsoa11cd"].map(single.set_index("lsoa11_code")["change"])
    route = pd.Series(np.where(kind == "U", 0, 1), index=table.index, dtype="int8")
    lsoa21 = by_lookup.astype("string")
    new = table["terminated"].isna()  # Code-Point only: no ONS row
    need = (by_lookup.isna() | new) & table["easting"].notna()
    placed = _place(ctx, "2021", table.loc[need, "easting"], table.loc[need, "northing"])
    lsoa21.loc[need] = placed
    route.loc[need] = 2
    route.loc[new & need] = 3
    route.loc[lsoa21.isna()] = 9
    return lsoa21, route


def _centres(ctx: BuildContext, table: pd.DataFrame) -> pd.DataFrame:
    """Mean position of live residential postcodes, polygon centre and best-fit ward per LSOA."""
    live = table[(table["terminated"] == 0) & table["easting"].notna()]
    frames: list[pd.DataFrame] = []
    for vintage, col in (("2011", "lsoa11cd"), ("2021", "lsoa21cd")):
        res = live[live["usertype"] == 0]
        mean = res.groupby(col).agg(
            easting=("easting", "mean"), northing=("northing", "mean"), postcodes=("key", "size")
        )
        polys = gpd.read_parquet(ctx.out(f"boundaries/lsoa_{vintage}.parquet"), columns=["area_code", "geometry"])
        inner = polys.to_crs(27700).centroid  # the geometric centre distances started from
        centre = pd.DataFrame(
            {"area_code": polys["area_code"], "poly_easting": inner.x.round(), "poly_northing": inner.y.round()}
        ).set_index("area_code")
        counts = live.dropna(subset=["ward_code"]).groupby([col, "ward_code"]).size().rename("n").reset_index()
        totals = counts.groupby(col)["n"].transform("sum")
        counts["share"] = counts["n"] / totals
        best = counts.sort_values([col, "n", "ward_code"], ascending=[True, False, True]).drop_duplicates(col)
        best = best.set_index(col)[["ward_code", "share"]].rename(columns={"share": "ward_share"})
        out = centre.join(mean.round({"easting": 0, "northing": 0})).join(best)
        out["vintage"] = vintage
        frames.append(out.rename_axis("area_code").reset_index())
    df = pd.concat(frames, ignore_index=True)
    df["postcodes"] = df["postcodes"].fillna(0).astype("int32")
    for c in ("easting", "northing", "poly_easting", "poly_northing"):
        df[c] = df[c].astype("Int32")
    return df[["area_code", "vintage", "easting", "northing", "postcodes", "poly_easting", "poly_northing",
               "ward_code", "ward_share"]]


_DELTA = {"postcode": "DELTA_BYTE_ARRAY", "easting": "DELTA_BINARY_PACKED", "northing": "DELTA_BINARY_PACKED"}


def _write_sorted(ctx: BuildContext, df: pd.DataFrame, relative: str) -> Output:
    """Write the postcode table small: sorted keys and nearby coordinates delta-encode well."""
    path = ctx.out(relative)
    delta = {c: e for c, e in _DELTA.items() if c in df.columns}
    df.to_parquet(
        path, index=False, compression="zstd", compression_level=19,
        use_dictionary=[c for c in df.columns if c not in delta], column_encoding=delta,
    )
    return Output(path, len(df))


def _build(ctx: BuildContext) -> list[Output]:
    ons, ons_other = _read_ons(ctx)
    cpo, wards, cpo_other = _read_codepoint(ctx)
    other = pd.concat([ons_other, cpo_other]).drop_duplicates("key")
    other = other[~other["key"].isin(ons["key"]) & ~other["key"].isin(cpo["key"])].sort_values("key")
    other = pd.DataFrame({"postcode": _display(other["key"]).to_numpy(), "where": other["where"].to_numpy()})
    table = ons.merge(cpo, on="key", how="outer", indicator=True)
    only_cpo = table["_merge"] == "right_only"
    ctx.log(f"postcodes: {len(ons):,} English in the ONS lookup, {len(cpo):,} live English in Code-Point, "
            f"{int(only_cpo.sum()):,} only in Code-Point (newer than May 2022)")
    table = table.drop(columns="_merge")
    table["terminated"] = table["terminated"].astype("Int32")
    if only_cpo.any():
        pts = table.loc[only_cpo & table["easting"].notna()]
        table.loc[pts.index, "lsoa11cd"] = _place(ctx, "2011", pts["easting"], pts["northing"])
        table.loc[only_cpo, "usertype"] = pd.NA  # Code-Point does not say
    table["lsoa21cd"], table["lsoa21_route"] = _lsoa21(ctx, table)
    table["terminated"] = table["terminated"].fillna(0).astype("int32")  # Code-Point only = live
    routes = table["lsoa21_route"].value_counts().sort_index()
    for code, n in routes.items():
        ctx.log(f"postcodes: {n:>9,}  {ROUTES[int(str(code))]}")
    unplaced11 = int(table["lsoa11cd"].isna().sum())
    ctx.log(f"postcodes: {unplaced11:,} newer postcodes not placed in a 2011 LSOA (no coordinates); "
            f"{int((table['lsoa21_route'] == 9).sum()):,} not placed in a 2021 LSOA")
    table["postcode"] = _display(table["key"])
    table = table.sort_values("key").reset_index(drop=True)
    out = table[["postcode", "terminated", "usertype", "oa11cd", "lsoa11cd", "lsoa21cd", "lsoa21_route",
                 "ward_code", "easting", "northing"]].copy()
    for col in ("oa11cd", "lsoa11cd", "lsoa21cd", "ward_code"):
        out[col] = out[col].astype("category")
    out["usertype"] = out["usertype"].astype("Int8")
    centres = _centres(ctx, table)
    return [
        _write_sorted(ctx, out, "lookups/postcodes.parquet"),
        _write_sorted(ctx, other, "lookups/postcodes_elsewhere.parquet"),
        write_parquet(ctx, wards, "lookups/wards.parquet"),
        write_parquet(ctx, centres, "lookups/postcode_centres.parquet"),
    ]


STAGES = [
    Stage("postcodes", _build, "English postcodes to OA/LSOA 2011/LSOA 2021/ward, LSOA centres (ONS, OS Code-Point)",
          needs=("lsoa2011", "lsoa2021", "lsoa_change")),
]
