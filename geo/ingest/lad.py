"""Stages ``lad``, ``utla``, ``region`` and ``la_changes``: boundary sets built from their small areas.

Which areas a set holds (codes) comes from the ONS Visual team's TopoJSON of
2014-2025: a feature belongs to year Y when ``start <= Y <= end`` (missing means
unbounded). Their outlines come from the small areas each set is drilled into
(:mod:`geo.ingest.outlines`). A set drilled into LSOA 2011 (districts 2013-2021,
upper tiers 2013-2021) is assembled from the 354 districts before April 2009, which
the ``lad2008`` stage dissolves from the 2011 LSOAs and simplifies once, as one
coverage; a set drilled into LSOA 2021 (districts and upper tiers 2023 and 2025,
regions) from the 296 districts of 2023, which this stage dissolves from the 2021
LSOAs the same way and writes as ``lad_2023`` (``utla`` and ``region`` read it).
Borders therefore agree exactly between the levels and vintages of one family and
follow the small areas (the TopoJSON itself is "super generalised", 200 m, and
drew the Isle of Dogs outside Tower Hamlets). A drilled area's outline is exactly
the union of its LSOAs (``geo.boundaries.outline``).

Which block lies in which area comes from the lookups, not the geometry: a block's
district (``lookups/lsoa11_parents.parquet`` or ``lsoa21_parents``) followed through
the ONS code changes up to the set's year, and that district's upper tier and region. Each block
must lie wholly in one area, the areas must be the set's codes, and the middle of
each block must lie in the TopoJSON feature of its own area; a set whose small
areas did not nest would keep the TopoJSON's outlines, and the build log says so.
The log also lists, per set, the LSOAs whose parent is not an area of the set and
the areas whose outline differs in area by more than 1% from the TopoJSON's.

Parents (``utla_code``, ``region_code``) come from the ONS lookup tables, joined by
code. ``la_changes`` lists every district code change the raw lookups record, from
the 2009 reorganisation to 2025.

Names come from the official ONS code/name list of each vintage (:data:`NAME_LISTS`),
not from the TopoJSON, which carries later or never-adopted names (E07000083
"North Gloucestershire" for Tewkesbury, E07000112 "Folkestone and Hythe" in the
2013 set, when it was Shepway). Only whitespace is normalised: "&"/"and", commas
and other punctuation stay exactly as the official list spells them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import ValidationError
from geo.ingest._common import (
    BuildContext,
    Output,
    Stage,
    conform_boundaries,
    read_raw_csv,
    validate_boundaries,
    write_geoparquet,
    write_parquet,
)
from geo.ingest.lsoa import blocks_2021
from geo.ingest.outlines import Blocks, assemble, check_areas, read_blocks, simplify_blocks
from geo.schema import BOUNDARY_SETS, boundary_set, vintages

__all__ = [
    "FILTER_YEAR",
    "MAX_GEOJSON_BYTES",
    "NAME_LISTS",
    "STAGES",
    "TOPO",
    "NameList",
    "code_changes",
    "geojson_bytes",
    "official_names",
    "read_topo_layer",
    "validate_boundaries",
]

TOPO: Final = "boundaries/ons_uk_topojson/uk-topo_2014-2025.topo.json"
#: The year each vintage is read at. The TopoJSON starts in 2014; the 2013 code set
#: was unchanged until April 2019.
FILTER_YEAR: Final[dict[str, int]] = {"2013": 2014, "2019": 2019, "2020": 2020, "2021": 2021, "2023": 2023, "2025": 2025}
#: The largest a national layer may be as GeoJSON (every column).
MAX_GEOJSON_BYTES: Final = 500_000

#: The LSOA set each set is drilled into (as geo.boundaries), and the parents column naming its area.
_DRILLED: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("lad", "2013"): ("2011", "lad_code_2013"), ("lad", "2019"): ("2011", "lad_code_2019"),
    ("lad", "2020"): ("2011", "lad_code_2020"), ("lad", "2021"): ("2011", "lad_code_2021"),
    ("lad", "2023"): ("2021", "lad_code_2023"), ("lad", "2025"): ("2021", "lad_code_2025"),
    ("utla", "2013"): ("2011", "utla_code_2013"), ("utla", "2019"): ("2011", "utla_code_2019"),
    ("utla", "2021"): ("2011", "lad_code_2021"),  # through the district's upper tier
    ("utla", "2023"): ("2021", "utla_code_2023"), ("utla", "2025"): ("2021", "utla_code_2025"),
    ("region", "2019"): ("2021", "region_code"),
}
_PREFIXES = {"lad": ("E06", "E07", "E08", "E09"), "utla": ("E06", "E08", "E09", "E10"), "region": ("E12",)}
_TOPO_LAYER = {"lad": "ltla", "utla": "utla", "region": "rgn"}
_ONS = "boundaries/ons_uk_topojson/"
_JT = "boundaries/jtrim_ons_lookups/"
_DK = "boundaries/drkane_geo_lookups/"
_RELATIONS = ("recode", "merge", "split")


@dataclass(frozen=True)
class NameList:
    """An official ONS code/name list in the raw folder: file and its code and name columns."""

    path: str
    code: str
    name: str


_LAD13 = NameList(_JT + "158_LAD13_NUTS315_UK_LU.csv", "LAD13CD", "LAD13NM")
_LA_ALL = NameList(_DK + "la_all_codes.csv", "LADCD", "LADNM")
_UTLA_ALL = NameList(_DK + "utla_all_codes.csv", "UTLACD", "UTLANM")
_CTY20 = NameList(_JT + "030_LAD20_CTY20_EN_LU.csv", "CTY20CD", "CTY20NM")

#: Where each set's names come from, first list holding the code wins. Dated ONS lists
#: where the raw folder has one (Dec 2013, Dec 2015 counties, Apr/Dec 2019, Apr 2020);
#: for 2021 onwards the ONS code history (la/utla_all_codes: each code's latest name),
#: with the April 2020 county list for the counties abolished in 2023.
NAME_LISTS: Final[dict[tuple[str, str], tuple[NameList, ...]]] = {
    ("lad", "2013"): (_LAD13,),
    ("lad", "2019"): (NameList(_JT + "278_LAD19_names_codes_UK.csv", "LAD19CD", "LAD19NM"),),
    ("lad", "2020"): (NameList(_JT + "276_LAD20_names_codes_UK.csv", "LAD20CD", "LAD20NM"),),
    ("lad", "2021"): (_LA_ALL,),
    ("lad", "2023"): (_LA_ALL,),
    ("lad", "2025"): (_LA_ALL,),
    ("utla", "2013"): (_LAD13, NameList(_JT + "020_LAD15_CTY15_EN_LU.csv", "CTY15CD", "CTY15NM")),
    ("utla", "2019"): (NameList(_JT + "177_LTLA19_UTLA19_EW_LU.csv", "UTLA19CD", "UTLA19NM"),),
    ("utla", "2021"): (_UTLA_ALL, _LA_ALL, _CTY20),
    ("utla", "2023"): (_UTLA_ALL, _LA_ALL),
    ("utla", "2025"): (_UTLA_ALL,),
    ("region", "2019"): (NameList(_JT + "252_RGN19_names_codes_EN.csv", "RGN19CD", "RGN19NM"),),
}


# --- names ------------------------------------------------------------------------


def official_names(ctx: BuildContext, level: str, vintage: str) -> pd.Series:
    """``code -> name`` from the official lists of :data:`NAME_LISTS`, whitespace normalised."""
    first, *rest = (_read_name_list(ctx, lst) for lst in NAME_LISTS[(level, vintage)])
    for more in rest:
        first = first.combine_first(more)
    return first.astype("str")


def _read_name_list(ctx: BuildContext, lst: NameList) -> pd.Series:
    raw = read_raw_csv(ctx, lst.path, encoding="utf-8-sig")
    pairs = pd.DataFrame({"code": raw[lst.code], "name": raw[lst.name].str.split().str.join(" ")})
    pairs = pairs.dropna().drop_duplicates()
    twice = pairs.loc[pairs["code"].duplicated(), "code"]
    if len(twice):
        raise ValidationError(f"{lst.path}: codes with two names, e.g. {twice.iloc[0]}; expected one name per code.")
    return pairs.set_index("code")["name"]


def _with_official_names(ctx: BuildContext, gdf: gpd.GeoDataFrame, level: str, vintage: str) -> gpd.GeoDataFrame:
    """Replace the TopoJSON's names with the official ones, logging what changed."""
    names = gdf["area_code"].map(official_names(ctx, level, vintage))
    missing = gdf.loc[names.isna(), "area_code"]
    if len(missing):
        lists = ", ".join(lst.path for lst in NAME_LISTS[(level, vintage)])
        raise ValidationError(f"{level} {vintage}: no official name for {sorted(missing)[:5]} in {lists}; "
                              "add a list of that vintage to NAME_LISTS.")
    changed = gdf["area_name"] != names
    examples = "; ".join(f"{c} {a!r} -> {b!r}" for c, a, b in zip(gdf.loc[changed, "area_code"], gdf.loc[changed, "area_name"],
                                                                     names[changed], strict=True))
    ctx.log(f"  {level} {vintage}: {int(changed.sum())} TopoJSON names replaced by official ones{': ' + examples if examples else ''}")
    return gdf.assign(area_name=names)


# --- geometry ---------------------------------------------------------------------


def read_topo_layer(ctx: BuildContext, level: str, year: int) -> gpd.GeoDataFrame:
    """English features of one TopoJSON layer that existed in ``year``, made valid.

    Columns: area_code, area_name, geometry (unsimplified, polygonal only).
    """
    gdf = gpd.read_file(ctx.raw(TOPO), layer=_TOPO_LAYER[level]).set_crs(4326)
    start = gdf["start"].fillna(-np.inf) if "start" in gdf else pd.Series(-np.inf, index=gdf.index)
    end = gdf["end"].fillna(np.inf) if "end" in gdf else pd.Series(np.inf, index=gdf.index)
    keep = (start <= year) & (end >= year) & gdf["areacd"].str.startswith(_PREFIXES[level])
    out = gdf.loc[keep, ["areacd", "areanm", "geometry"]].rename(columns={"areacd": "area_code", "areanm": "area_name"})
    # The quantised arcs leave a few self-intersecting rings; "structure" keeps only polygons.
    out["geometry"] = shapely.make_valid(out.geometry.to_numpy(), method="structure", keep_collapsed=False)
    return out.sort_values("area_code").reset_index(drop=True)


def geojson_bytes(gdf: gpd.GeoDataFrame) -> int:
    """Size of the layer as GeoJSON (every column, geopandas' ``to_json``)."""
    return len(gdf.to_json().encode())


def _owners(ctx: BuildContext, blocks: Blocks, level: str, year: int, tables: tuple[pd.Series, pd.Series]) -> pd.Series:
    """The area of ``level`` in ``year`` each block lies in (index: block code).

    Districts follow each block's district through the ONS code changes after the
    blocks' year up to ``year`` (mergers and recodes only: every change since 2009
    joined whole districts); upper tiers and regions are those of the district.
    """
    lad = blocks.district
    changes = _topo_changes(ctx)
    start = changes["start"].astype(int)
    for _start, step in changes[(start > blocks.year) & (start <= year)].groupby("start", sort=True):
        lad = lad.replace(dict(zip(step["oldcd"], step["newcd"], strict=True)))
    if level == "lad":
        return lad
    utla_of, region_of = tables
    return lad.map(utla_of if level == "utla" else region_of)


def _nesting(owner: pd.Series, features: gpd.GeoDataFrame, blocks: Blocks, *,
             name: str) -> str | None:
    """Why the blocks do not nest in the ``features`` of a set (None when they do).

    Checks that every block has one area, that the areas are exactly the set's codes,
    and that the lookups agree with the TopoJSON: each block's middle lies in the
    TopoJSON feature of its own area (or in none, at the coast).
    """
    if owner.isna().any():
        return f"the LSOAs of {sorted(owner[owner.isna()].index)[:5]} lie in several areas"
    codes = set(features["area_code"])
    if set(owner) != codes:
        return (f"the blocks give areas {sorted(set(owner) - codes)[:5]} not in the set and none for "
                f"{sorted(codes - set(owner))[:5]}")
    points = gpd.GeoDataFrame({"block": blocks.simple.index}, geometry=shapely.point_on_surface(blocks.simple.to_numpy()),
                              crs=4326)
    hit = gpd.sjoin(points, features[["area_code", "geometry"]], predicate="within").set_index("block")["area_code"]
    wrong = hit[hit != owner.reindex(hit.index)]
    if len(wrong):
        block = wrong.index[0]
        raise ValidationError(f"{name}: the lookups put district {block} in {owner[block]} but the ONS TopoJSON puts it "
                              f"in {wrong.iloc[0]} ({len(wrong)} blocks disagree); check the raw lookups.")
    return None


def _lsoa_report(ctx: BuildContext, level: str, vintage: str, codes: set[str], utla_of: pd.Series) -> None:
    """Log the LSOAs whose parent (by the parents lookup of the set drilled into) is not an area of the set."""
    lsoa_vintage, column = _DRILLED[(level, vintage)]
    parents = pd.read_parquet(ctx.out_dir / "lookups" / f"lsoa{lsoa_vintage[2:]}_parents.parquet")
    parent = parents[column].map(utla_of) if (level, vintage) == ("utla", "2021") else parents[column]
    stray = parents.loc[~parent.isin(codes), "area_code"]
    ctx.log(f"  {level} {vintage}: drilled into LSOAs {lsoa_vintage}; "
            + (f"{len(stray)} LSOAs whose parent is not an area of the set: {', '.join(stray.iloc[:10])}" if len(stray)
               else f"all {len(parents):,} LSOAs' parents ({column}) are areas of the set"))


def _from_topojson(features: gpd.GeoDataFrame) -> list[shapely.Geometry]:
    """The TopoJSON's own features, simplified as one coverage: for a set its small areas do not nest in."""
    geoms = features.geometry.to_numpy()
    bad = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(geoms)))
    tree = shapely.STRtree(geoms)
    out = geoms.copy()
    for i in bad:  # quantisation leaves a few square metres between two districts: cut them from the later one
        earlier = [j for j in tree.query(geoms[i], predicate="intersects") if j < i]
        if earlier:
            out[i] = shapely.difference(geoms[i], shapely.union_all(out[earlier]))
    return list(simplify_blocks(gpd.GeoSeries(out, crs=4326)).to_numpy())


# --- parents ----------------------------------------------------------------------


def _one_parent(pairs: pd.DataFrame, what: str) -> pd.Series:
    """``code -> parent`` from (code, parent, source) rows, refusing lookups that disagree."""
    pairs = pairs.dropna(subset=["code", "parent"]).drop_duplicates(["code", "parent"])
    clash = pairs[pairs["code"].duplicated(keep=False)]
    if len(clash):
        rows = "; ".join(f"{r.code}->{r.parent} ({r.source})" for r in clash.head(6).itertuples())
        raise ValidationError(f"Lookups disagree on the {what} of {clash['code'].nunique()} codes: {rows}.")
    return pairs.set_index("code")["parent"]


def _parent_tables(ctx: BuildContext) -> tuple[pd.Series, pd.Series]:
    """District -> upper tier, and district or upper tier -> region, from every lookup that has them.

    A district's upper tier and region never change while its code lives (a boundary
    change brings a new code), so one table serves every vintage.
    """
    l14 = read_raw_csv(ctx, _ONS + "ltla14-lookup.csv", encoding="utf-8-sig")
    j193 = read_raw_csv(ctx, _JT + "193_LTLA18_UTLA18_EW_LU.csv")
    j177 = read_raw_csv(ctx, _JT + "177_LTLA19_UTLA19_EW_LU.csv")
    j016 = read_raw_csv(ctx, _JT + "016_LAD18_RGN18_EN_LU.csv")
    la = read_raw_csv(ctx, _DK + "la_all_codes.csv")
    ut = read_raw_csv(ctx, _DK + "utla_all_codes.csv")
    current = la[la["Current"].str.upper() == "TRUE"]  # older rows carry their successor's upper tier
    utla = _one_parent(
        pd.concat(
            [
                pd.DataFrame({"code": l14["ltlacd"], "parent": l14["ctycd"], "source": "ltla14-lookup.csv"}),
                pd.DataFrame({"code": j193["LTLA18CD"], "parent": j193["UTLA18CD"], "source": "193_LTLA18_UTLA18"}),
                pd.DataFrame({"code": j177["LTLA19CD"], "parent": j177["UTLA19CD"], "source": "177_LTLA19_UTLA19"}),
                pd.DataFrame({"code": current["LADCD"], "parent": current["UTLACD"], "source": "la_all_codes.csv"}),
            ]
        ),
        "upper tier",
    )
    lad_region = pd.concat(
        [
            pd.DataFrame({"code": l14["ltlacd"], "parent": l14["rgncd"], "source": "ltla14-lookup.csv"}),
            pd.DataFrame({"code": j016["LAD18CD"], "parent": j016["RGN18CD"], "source": "016_LAD18_RGN18"}),
            pd.DataFrame({"code": la["LADCD"], "parent": la["RGNCD"], "source": "la_all_codes.csv"}),
        ]
    )
    lad_region = lad_region[lad_region["code"].str.startswith("E")]
    by_lad = _one_parent(lad_region, "region")
    # Counties ended before the lookups were made get their region from their districts.
    counties = pd.DataFrame({"code": utla.to_numpy(), "parent": utla.index.map(by_lad.to_dict()), "source": "districts' regions"})
    region = _one_parent(
        pd.concat(
            [lad_region, counties, pd.DataFrame({"code": ut["UTLACD"], "parent": ut["RGNCD"], "source": "utla_all_codes.csv"})]
        ),
        "region",
    )
    return utla, region


def _with_parent(gdf: gpd.GeoDataFrame, column: str, table: pd.Series, *, name: str) -> gpd.GeoDataFrame:
    gdf[column] = gdf["area_code"].map(table)
    missing = gdf.loc[gdf[column].isna(), "area_code"]
    if len(missing):
        raise ValidationError(f"{name}: no lookup gives the {column} of {sorted(missing)}; expected one in the raw lookups.")
    return gdf


# --- layers -----------------------------------------------------------------------


def _old_codes(ctx: BuildContext) -> pd.Series:
    """Dec-2013 district code -> its old four-character ONS code."""
    lu = read_raw_csv(ctx, _JT + "158_LAD13_NUTS315_UK_LU.csv")
    lu = lu[lu["LAD13CD"].str.startswith("E")]
    return lu.drop_duplicates("LAD13CD").set_index("LAD13CD")["LAD13CDO"]


def _log_changes(ctx: BuildContext, out: gpd.GeoDataFrame, features: gpd.GeoDataFrame, *, name: str) -> None:
    """Log the areas whose outline differs in area by more than 1% from the ONS TopoJSON's (the earlier source)."""
    topo = pd.Series(features.to_crs(27700).area.to_numpy(), index=features["area_code"])
    change = pd.Series(out.to_crs(27700).area.to_numpy(), index=out["area_code"]) / topo.reindex(out["area_code"]) - 1
    names = out.set_index("area_code")["area_name"]
    big = change[change.abs() > 0.01].sort_values()
    ctx.log(f"  {name}: {len(big)} areas differ in area by more than 1% from the ONS TopoJSON's outline"
            + (": " + "; ".join(f"{c} {names[c]} {v:+.1%}" for c, v in big.items()) if len(big) else ""))


def _build_level(ctx: BuildContext, level: str) -> list[Output]:
    tables = _parent_tables(ctx)
    utla_of, region_of = tables
    families: dict[str, Blocks] = {}
    outputs = []
    # lad 2008 (pre-2009 districts) is not in the TopoJSON: geo.ingest.lsoa dissolves it from LSOAs (the 2011 blocks).
    for bset in (b for b in BOUNDARY_SETS if b.level == level and b.vintage in FILTER_YEAR):
        year = FILTER_YEAR[bset.vintage]
        name = f"{level} {bset.vintage}"
        features = read_topo_layer(ctx, level, year)
        lsoa_vintage = _DRILLED[(level, bset.vintage)][0]
        if lsoa_vintage not in families:  # the lad stage makes the 2021 blocks, lad 2023, that utla and region read
            made = blocks_2021(ctx) if (level, lsoa_vintage) == ("lad", "2021") else None
            families[lsoa_vintage] = read_blocks(ctx, lsoa_vintage, simple=made)
        blocks = families[lsoa_vintage]
        owner = _owners(ctx, blocks, level, year, tables)
        why = _nesting(owner, features, blocks, name=name)
        if why is None:
            geoms = assemble(blocks.simple, owner, list(features["area_code"]))
            source_m2 = blocks.area_m2.groupby(owner).sum()
            how = (f"assembled from the {len(blocks.simple)} districts of {'2008' if lsoa_vintage == '2011' else '2023'}, "
                   f"each dissolved from its LSOAs {lsoa_vintage}")
        else:
            geoms = _from_topojson(features)
            source_m2 = pd.Series(features.to_crs(27700).area.to_numpy(), index=features["area_code"])
            how = f"small areas do not nest ({why}), so outlines from the ONS TopoJSON as before"
        gdf = gpd.GeoDataFrame(features[["area_code", "area_name"]].copy(), geometry=geoms, crs=4326)
        if level != "region":
            gdf = _with_parent(gdf, "region_code", region_of, name=name)
        if level == "lad":
            gdf = _with_parent(gdf, "utla_code", utla_of, name=name)
            if bset.vintage == "2013":
                gdf = _with_parent(gdf, "area_code_old", _old_codes(ctx), name=name)
        gdf = _with_official_names(ctx, gdf, level, bset.vintage)
        out = conform_boundaries(gdf, level, bset.vintage)
        worst = check_areas(out, source_m2, name=name)
        size = geojson_bytes(out)
        if size >= MAX_GEOJSON_BYTES:
            raise ValidationError(f"{name}: {size:,} bytes as GeoJSON; expected under {MAX_GEOJSON_BYTES:,}. "
                                  "Raise geo.ingest.outlines.TOLERANCE.")
        ctx.log(f"  {bset.file_name}: {len(out)} areas (codes of TopoJSON year {year}), {how}; GeoJSON {size:,} bytes, "
                f"largest area change against its small areas {worst:+.2%}")
        _lsoa_report(ctx, level, bset.vintage, set(out["area_code"]), utla_of)
        _log_changes(ctx, out, features, name=name)
        outputs.append(write_geoparquet(ctx, out, f"boundaries/{bset.file_name}"))
    return outputs


# --- code changes -----------------------------------------------------------------


def code_changes(ctx: BuildContext) -> pd.DataFrame:
    """Every district code change the raw lookups record, oldest first.

    Columns: old_code, old_name, old_vintage, new_code, new_name, new_vintage,
    relation (``recode``: the same area under a new code; ``merge``: a district
    absorbed into a larger one) and source (the raw files).
    """
    out = pd.concat([_changes_2009(ctx), _changes_2013(ctx), _changes_topo(ctx)], ignore_index=True)
    # Names as in the boundary sets: the official list of each side's vintage, where one is held.
    for side in ("old", "new"):
        for vintage in out[f"{side}_vintage"].unique():
            if ("lad", vintage) in NAME_LISTS:
                rows = out[f"{side}_vintage"] == vintage
                out.loc[rows, f"{side}_name"] = out.loc[rows, f"{side}_code"].map(official_names(ctx, "lad", vintage))
    twice = out.loc[out["old_code"].duplicated(), "old_code"]
    if len(twice):
        raise ValidationError(f"Code changes: {sorted(twice)[:5]} change more than once; expected each code to end once.")
    if not out["relation"].isin(_RELATIONS).all() or out.isna().any().any():
        raise ValidationError("Code changes: missing values or an unknown relation.")
    out = out.astype("str")
    return out.sort_values(["old_vintage", "old_code"]).reset_index(drop=True)


def _relation(new_codes: pd.Series) -> np.ndarray:
    """``merge`` where several old codes go to one new code, otherwise ``recode``."""
    return np.where(new_codes.map(new_codes.value_counts()) > 1, "merge", "recode")


def _changes_2009(ctx: BuildContext) -> pd.DataFrame:
    """Pre-April-2009 districts (354) -> the Dec-2013 codes (326), via LSOA 2001 and wards.

    A 2006 ward code starts with its pre-2009 district's code, a 2009 ward code with the
    post-2009 district's old-style code, which 158 turns into the Dec-2013 GSS code.
    """
    w06 = read_raw_csv(ctx, _JT + "087_LSOA01_WD06_EW_LU.csv.gz")
    w09 = read_raw_csv(ctx, _JT + "105_LSOA01_WD09_EW_LU.csv.gz")
    w06 = w06[w06["LSOA01CD"].str.startswith("E")]
    pairs = pd.DataFrame(
        {
            "lsoa": w06["LSOA01CD"],
            "old": w06["WD06CD"].str[:4],
            "old_name": w06["LSOA01NM"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True),
        }
    ).merge(pd.DataFrame({"lsoa": w09["LSOA01CD"], "mid": w09["WD09CD"].str[:4]}), on="lsoa", how="left")
    lad13 = read_raw_csv(ctx, _JT + "158_LAD13_NUTS315_UK_LU.csv")
    lad13 = lad13[lad13["LAD13CD"].str.startswith("E")].drop_duplicates("LAD13CD")
    pairs["new"] = pairs["mid"].map(lad13.set_index("LAD13CDO")["LAD13CD"])
    lost = pairs.loc[pairs["new"].isna(), "mid"].unique()
    if len(lost):
        raise ValidationError(f"2009 districts {sorted(lost)[:5]} (from 105 ward codes) have no LAD13CDO in 158.")
    names = pairs.drop_duplicates(["old", "old_name"])
    if names["old"].duplicated().any():
        raise ValidationError(f"Pre-2009 districts with two names in 087: {sorted(names.loc[names['old'].duplicated(), 'old'])}.")
    links = pairs.groupby(["old", "old_name", "new"], as_index=False).size().sort_values("size", ascending=False)
    # The ward lookups place a handful of LSOAs across a district line (one of Wyre's 69
    # is in a Blackpool 2009 ward); a district goes where most of its LSOAs went.
    for rec in links[links["old"].duplicated()].itertuples(index=False):
        ctx.log(f"  note: {rec.size} LSOA(s) of {rec.old} lie in {rec.new} by 2009 wards; {rec.old} maps by majority")
    links = links.drop_duplicates("old").sort_values("old")
    missing = sorted(set(lad13["LAD13CD"]) - set(links["new"]))
    if links["old"].nunique() != boundary_set("lad", "2008").count or missing:
        raise ValidationError(f"2009 changes: {links['old'].nunique()} old districts, Dec-2013 districts unreached: {missing[:5]}.")
    return pd.DataFrame(
        {
            "old_code": links["old"],
            "old_name": links["old_name"],
            "old_vintage": "2008",
            "new_code": links["new"],
            "new_name": links["new"].map(lad13.set_index("LAD13CD")["LAD13NM"]),
            "new_vintage": "2013",
            "relation": _relation(links["new"]),
            "source": "jtrim_ons_lookups/087_LSOA01_WD06_EW_LU.csv.gz + 105_LSOA01_WD09_EW_LU.csv.gz + 158_LAD13_NUTS315_UK_LU.csv",
        }
    )


def _la_all_codes(ctx: BuildContext) -> pd.DataFrame:
    la = read_raw_csv(ctx, _DK + "la_all_codes.csv")
    return la[la["LADCD"].str.startswith(_PREFIXES["lad"])]


def _topo_changes(ctx: BuildContext) -> pd.DataFrame:
    changes = read_raw_csv(ctx, _ONS + "changes.csv", encoding="utf-8-sig")
    keep = changes["type"].isin(["merger", "new_code"]) & changes["oldcd"].str.startswith(_PREFIXES["lad"])
    return changes[keep]


def _changes_2013(ctx: BuildContext) -> pd.DataFrame:
    """The 2012-13 recodes: 2011 codes whose successor is already in the Dec-2013 set."""
    la = _la_all_codes(ctx)
    lad13 = set(_old_codes(ctx).index)
    early = la[~la["LADCD"].isin(lad13) & la["LADCD_ACTIVE"].isin(lad13) & ~la["LADCD"].isin(_topo_changes(ctx)["oldcd"])]
    return pd.DataFrame(
        {
            "old_code": early["LADCD"],
            "old_name": early["LADNM"],
            "old_vintage": "2011",
            "new_code": early["LADCD_ACTIVE"],
            "new_name": early["LADNM_ACTIVE"],
            "new_vintage": "2013",
            "relation": _relation(early["LADCD_ACTIVE"]),
            "source": "drkane_geo_lookups/la_all_codes.csv",
        }
    )


def _changes_topo(ctx: BuildContext) -> pd.DataFrame:
    """The 2019-2025 mergers and recodes, each to its immediate successor."""
    changes = _topo_changes(ctx)
    gss = [v for v in vintages("lad") if v >= "2013"]
    after = {str(y): next((v for v in gss if int(v) >= int(y)), None) for y in changes["start"].unique()}
    late = [y for y, v in after.items() if v is None]
    if late:
        raise ValidationError(f"changes.csv has district changes in {late}, after the latest vintage {gss[-1]}; add a vintage.")
    new_vintage = changes["start"].map(after)
    relation = np.where(changes["type"] == "new_code", "recode", "merge")
    one_to_one = changes.groupby("newcd")["oldcd"].transform("size") == 1
    if not one_to_one[relation == "recode"].all():
        raise ValidationError("changes.csv: a 'new_code' change with several old codes; expected one-to-one recodes.")
    _check_against_la_all_codes(ctx, changes)
    return pd.DataFrame(
        {
            "old_code": changes["oldcd"],
            "old_name": changes["oldnm"],
            "old_vintage": new_vintage.map(lambda v: gss[gss.index(v) - 1]),
            "new_code": changes["newcd"],
            "new_name": changes["newnm"],
            "new_vintage": new_vintage,
            "relation": relation,
            "source": "ons_uk_topojson/changes.csv (checked against drkane_geo_lookups/la_all_codes.csv)",
        }
    )


def _check_against_la_all_codes(ctx: BuildContext, changes: pd.DataFrame) -> None:
    """Following the changes from each old code must end at la_all_codes' current code."""
    step = dict(zip(changes["oldcd"], changes["newcd"], strict=True))
    active = _la_all_codes(ctx).set_index("LADCD")["LADCD_ACTIVE"]
    wrong = []
    for code in step:
        end = code
        while end in step:
            end = step[end]
        if active.get(code) != end:
            wrong.append(f"{code}: changes.csv -> {end}, la_all_codes.csv -> {active.get(code)}")
    if wrong:
        raise ValidationError(f"changes.csv and la_all_codes.csv disagree: {'; '.join(wrong[:5])}.")


def _build_changes(ctx: BuildContext) -> list[Output]:
    changes = code_changes(ctx)
    counts = changes.groupby(["old_vintage", "new_vintage", "relation"]).size()
    ctx.log("  " + ", ".join(f"{'->'.join(key[:2])} {key[2]}: {n}" for key, n in zip(counts.index, counts, strict=True)))
    return [write_parquet(ctx, changes, "lookups/la_code_changes.parquet")]


STAGES = [
    Stage("lad", lambda ctx: _build_level(ctx, "lad"), "local authority districts 2013-2025 from their small areas",
          needs=("lad2008", "lsoa2021")),
    Stage("utla", lambda ctx: _build_level(ctx, "utla"), "upper-tier authorities 2013-2025 from their small areas",
          needs=("lad2008", "lad")),
    Stage("region", lambda ctx: _build_level(ctx, "region"), "the 9 regions from their small areas", needs=("lad",)),
    Stage("la_changes", _build_changes, "LA code changes 2009-2025"),
]
