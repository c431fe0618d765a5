"""Stages ``lad``, ``utla``, ``region`` and ``la_changes``: ONS TopoJSON -> boundary sets.

The ONS Visual team's TopoJSON holds every English district, upper tier and region
of 2014-2025; a feature belongs to year Y when ``start <= Y <= end`` (missing means
unbounded). Every one of them is a union of the 326 districts of 2014, so those
districts are the building blocks: they are made valid and simplified once,
coverage-aware, and each layer is assembled from them. Borders therefore agree
exactly between levels and vintages. Each assembled area is checked to be made of
whole blocks that fill the TopoJSON's own polygon.

Parents (``utla_code``, ``region_code``) come from the ONS lookup tables, joined by
code and checked against the geometry. ``la_changes`` lists every district code
change the raw lookups record, from the 2009 reorganisation to 2025.

Names come from the official ONS code/name list of each vintage (:data:`NAME_LISTS`),
not from the TopoJSON, which carries later or never-adopted names (E07000083
"North Gloucestershire" for Tewkesbury, E07000112 "Folkestone and Hythe" in the
2013 set, when it was Shepway). Only whitespace is normalised: "&"/"and", commas
and other punctuation stay exactly as the official list spells them.

Simplification keeps each area's size: a district of 2014 whose area the coarse
pass changes by more than :data:`REFINE_AREA_CHANGE` is simplified again with the
next finer tolerance and put back into the coverage (see :func:`_with_finer`);
every assembled area must stay within :data:`MAX_AREA_CHANGE` of its unsimplified
area in EPSG:27700.
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
    coverage_simplify,
    read_raw_csv,
    round_coordinates,
    validate_boundaries,
    write_geoparquet,
    write_parquet,
)
from geo.schema import BOUNDARY_SETS, boundary_set, vintages

__all__ = [
    "FILTER_YEAR",
    "FINER_TOLERANCES",
    "MAX_AREA_CHANGE",
    "MAX_GEOJSON_BYTES",
    "NAME_LISTS",
    "REFINE_AREA_CHANGE",
    "STAGES",
    "TOLERANCE",
    "TOPO",
    "NameList",
    "area_changes",
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
#: coverage_simplify tolerance in degrees for most districts: the largest national
#: layer (326 districts) stays under MAX_GEOJSON_BYTES as GeoJSON.
TOLERANCE: Final = 0.01
#: Tolerances tried in turn for the districts whose area still changes too much.
FINER_TOLERANCES: Final = (0.005, 0.0025, 0.00125, 0.000625, 0.0003125)
#: A district of 2014 whose simplified area is off by more than this gets a finer tolerance.
REFINE_AREA_CHANGE: Final = 0.015
#: No area of any set may be off its unsimplified area (EPSG:27700) by more than this.
MAX_AREA_CHANGE: Final = 0.02
MAX_GEOJSON_BYTES: Final = 500_000

_BLOCK_YEAR = 2014
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


def area_changes(simplified: gpd.GeoSeries, source: gpd.GeoSeries) -> np.ndarray:
    """Relative change of each area, simplified against source, measured in EPSG:27700."""
    return np.asarray(simplified.to_crs(27700).area.to_numpy() / source.to_crs(27700).area.to_numpy() - 1)


def _blocks(ctx: BuildContext) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """The 2014 districts unsimplified, and simplified (indexed by code).

    One coarse coverage simplification, then each district still off its area by more
    than REFINE_AREA_CHANGE (small ones: Isles of Scilly, City of London) takes the
    next finer tolerance, until none is.
    """
    blocks = read_topo_layer(ctx, "lad", _BLOCK_YEAR)
    source = blocks.assign(geometry=_without_overlaps(blocks.geometry.to_numpy()))
    simple = coverage_simplify(source, tolerance=TOLERANCE).geometry.to_numpy()
    for tolerance in FINER_TOLERANCES:
        off = np.abs(area_changes(gpd.GeoSeries(simple, crs=4326), blocks.geometry)) > REFINE_AREA_CHANGE
        if not off.any():
            break
        finer = coverage_simplify(source, tolerance=tolerance).geometry.to_numpy()
        simple = _with_finer(simple, finer, off)
    # The overlays leave shared edges unmatched where they cross, and slivers; cleaning
    # nodes the edges again and gives slivers (under 1e-4 degrees wide) to a neighbour.
    # Its output keeps the 1e-5 grid label without being on it, and set_precision skips
    # geometries already labelled, so the label is dropped before rounding.
    cleaned = shapely.set_precision(shapely.coverage_clean(simple, gap_width=1e-4), 0)
    simple = round_coordinates(gpd.GeoSeries(cleaned, crs=4326)).to_numpy()
    if not shapely.coverage_is_valid(simple):
        raise ValidationError("The simplified districts of 2014 do not form a clean coverage (gaps or overlaps).")
    return blocks, pd.Series(simple, index=blocks["area_code"])


def _with_finer(coarse: np.ndarray, finer: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Coverage ``coarse`` with the ``chosen`` areas taken from coverage ``finer``.

    shapely's coverage_simplify takes one tolerance per coverage, not per polygon, so
    the two coverages are spliced: chosen areas take their finer shape, the others
    give it up, and the land a chosen area gives up goes to whichever area ``finer``
    puts it in. Both are coverages of the same districts, so the result has no gaps or
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
    parts = shapely.get_parts(geom)
    return shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])


def _check_areas(gdf: gpd.GeoDataFrame, features: gpd.GeoDataFrame, *, name: str) -> float:
    """Raise unless every simplified area is within MAX_AREA_CHANGE of its source; return the largest change."""
    source = features.set_index("area_code").geometry.reindex(gdf["area_code"])
    change = area_changes(gdf.geometry, gpd.GeoSeries(source.to_numpy(), crs=features.crs))
    worst = int(np.argmax(np.abs(change)))
    if abs(change[worst]) > MAX_AREA_CHANGE:
        raise ValidationError(
            f"{name}: simplification changes the area of {gdf['area_code'].iloc[worst]} ({gdf['area_name'].iloc[worst]}) "
            f"by {change[worst]:+.1%}; expected within {MAX_AREA_CHANGE:.0%}. Lower REFINE_AREA_CHANGE or add a finer tolerance."
        )
    return float(change[worst])


def _without_overlaps(geoms: np.ndarray) -> np.ndarray:
    """Cut overlaps (quantisation leaves a few square metres between two districts) from the later block."""
    bad = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(geoms)))
    tree = shapely.STRtree(geoms)
    out = geoms.copy()
    for i in bad:
        earlier = [j for j in tree.query(geoms[i], predicate="intersects") if j < i]
        if earlier:
            out[i] = shapely.difference(geoms[i], shapely.union_all(out[earlier]))
    return out


def _membership(blocks: gpd.GeoDataFrame, features: gpd.GeoDataFrame, *, name: str) -> pd.Series:
    """The feature holding each block (index: block code), checking features are whole blocks."""
    points = gpd.GeoDataFrame({"block": blocks["area_code"]}, geometry=blocks.representative_point(), crs=4326)
    hit = gpd.sjoin(points, features[["area_code", "geometry"]], predicate="within", how="left")
    twice = hit.loc[hit["block"].duplicated(), "block"]
    if len(twice):
        raise ValidationError(f"{name}: districts of 2014 inside two features, e.g. {twice.iloc[0]}; expected a partition.")
    owner = hit.set_index("block")["area_code"]
    if owner.isna().any():
        raise ValidationError(f"{name}: districts of 2014 in no feature: {sorted(owner[owner.isna()].index)[:5]}.")
    empty = sorted(set(features["area_code"]) - set(owner))
    if empty:
        raise ValidationError(f"{name}: features holding no district of 2014: {empty[:5]}.")
    block_area = pd.Series(blocks.to_crs(27700).area.to_numpy(), index=blocks["area_code"]).groupby(owner).sum()
    feature_area = pd.Series(features.to_crs(27700).area.to_numpy(), index=features["area_code"])
    off = (block_area.reindex(feature_area.index) / feature_area - 1).abs()
    if off.max() > 1e-5:
        raise ValidationError(f"{name}: {off.idxmax()} is not a union of whole 2014 districts (area off by {off.max():.3%}).")
    return owner


def _assemble(features: gpd.GeoDataFrame, owner: pd.Series, simple: pd.Series) -> gpd.GeoDataFrame:
    """Each feature's geometry as the union of its simplified blocks."""
    groups = owner.groupby(owner).groups
    # coverage_union_all joins the edge-matched, already rounded blocks exactly; rounding
    # the union again would drop thin spikes its blocks keep, so it is not rounded.
    geoms = [shapely.coverage_union_all(shapely.set_precision(simple.loc[groups[code]].to_numpy(), 0))
             for code in features["area_code"]]
    out = features[["area_code", "area_name"]].copy()
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, index=out.index, crs=4326), crs=4326)


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


def _check_nesting(child: pd.Series, parent: pd.Series, table: pd.Series, *, name: str) -> None:
    """The lookup's parent of each block's child area must be the block's own parent area."""
    expected = child.map(table)
    wrong = expected[expected != parent.reindex(expected.index)]
    if len(wrong):
        block = wrong.index[0]
        raise ValidationError(
            f"{name}: lookup puts {child[block]} in {wrong.iloc[0]} but the TopoJSON puts it in {parent[block]} "
            f"({len(wrong)} districts of 2014 disagree)."
        )


# --- layers -----------------------------------------------------------------------


def _old_codes(ctx: BuildContext) -> pd.Series:
    """Dec-2013 district code -> its old four-character ONS code."""
    lu = read_raw_csv(ctx, _JT + "158_LAD13_NUTS315_UK_LU.csv")
    lu = lu[lu["LAD13CD"].str.startswith("E")]
    return lu.drop_duplicates("LAD13CD").set_index("LAD13CD")["LAD13CDO"]


def _build_level(ctx: BuildContext, level: str) -> list[Output]:
    blocks, simple = _blocks(ctx)
    utla_of, region_of = _parent_tables(ctx)
    outputs = []
    # lad 2008 (pre-2009 districts) is not in the TopoJSON: geo.ingest.lsoa dissolves it from LSOAs.
    for bset in (b for b in BOUNDARY_SETS if b.level == level and b.vintage in FILTER_YEAR):
        year = FILTER_YEAR[bset.vintage]
        name = f"{level} {bset.vintage}"
        features = read_topo_layer(ctx, level, year)
        owner = _membership(blocks, features, name=name)
        gdf = _assemble(features, owner, simple)
        if level != "region":
            regions = _membership(blocks, read_topo_layer(ctx, "region", year), name=f"region {year}")
            gdf = _with_parent(gdf, "region_code", region_of, name=name)
            _check_nesting(owner, regions, region_of, name=name)
        if level == "lad":
            utlas = _membership(blocks, read_topo_layer(ctx, "utla", year), name=f"utla {year}")
            gdf = _with_parent(gdf, "utla_code", utla_of, name=name)
            _check_nesting(owner, utlas, utla_of, name=name)
            if bset.vintage == "2013":
                gdf = _with_parent(gdf, "area_code_old", _old_codes(ctx), name=name)
        gdf = _with_official_names(ctx, gdf, level, bset.vintage)
        out = conform_boundaries(gdf, level, bset.vintage)
        worst = _check_areas(out, features, name=name)
        size = geojson_bytes(out)
        if size >= MAX_GEOJSON_BYTES:
            raise ValidationError(f"{name}: {size:,} bytes as GeoJSON; expected under {MAX_GEOJSON_BYTES:,}. Raise TOLERANCE.")
        ctx.log(f"  {bset.file_name}: {len(out)} areas (TopoJSON year {year}), GeoJSON {size:,} bytes, "
                f"largest area change {worst:+.2%}")
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
    Stage("lad", lambda ctx: _build_level(ctx, "lad"), "local authority districts 2013-2025 from ONS TopoJSON"),
    Stage("utla", lambda ctx: _build_level(ctx, "utla"), "upper-tier authorities 2013-2025 from ONS TopoJSON"),
    Stage("region", lambda ctx: _build_level(ctx, "region"), "the 9 regions from ONS TopoJSON"),
    Stage("la_changes", _build_changes, "LA code changes 2009-2025"),
]
