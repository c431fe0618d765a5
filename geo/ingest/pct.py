"""Stages ``pct_assign`` and ``pct``: Primary Care Trusts (2011-13, 151) and Strategic Health Authorities (10).

No PCT boundary file or LSOA-to-PCT lookup survives in the raw data, so PCTs are
built from 2011 LSOAs following the written, reviewed table ``pct_assignment.csv``
beside this module: one row per PCT saying how its LSOAs are chosen, with the reason.

Rules (``lad_codes``, ``ccg_codes`` and ``ward_codes`` are space-separated lists):

- ``lad``: LSOAs whose 2013 district is listed;
- ``lad2008``: LSOAs whose pre-April-2009 district (old four-character code) is listed;
- ``ccg``: LSOAs whose 2015 CCG is listed;
- ``lad_and_ccg``: LSOAs in a listed district *and* a listed CCG;
- ``lad_not_ccg``: LSOAs in a listed district but *not* in a listed CCG;
- ``ward``: LSOAs in a listed district whose ward (2010 codes; Birmingham's 40 wards
  of 2004-2018) is listed. An LSOA 2011 takes the ward of its LSOA 2001 (ONS best-fit
  lookup 138); one built from several LSOAs 2001 takes the ward most of them lie in.

Birmingham's three PCTs were sets of Birmingham wards, so they use the ``ward`` rule;
they stay ``approximate`` because 2001 LSOAs were fitted to wards by best fit and the
PCT lines were not redrawn exactly on the 2004 wards (the reason ships as
``approximate_reason``). Ward lists: Birmingham East and North's 17 wards as listed at
https://en.wikipedia.org/wiki/Birmingham_East_and_North_Primary_Care_Trust ("Areas
served"); Heart of Birmingham Teaching took the inner wards (ONSPD postcodes in
Ladywood, Nechells and Perry Barr wards carry that PCT, e.g.
https://api.postcodes.io/postcodes/B94RL and https://api.postcodes.io/postcodes/B67AP),
South Birmingham the remaining 14 (no published ward list was found for these two; their sizes
match the shares of Birmingham published for all three, see tests/geo/ingest/test_pct.py). The third-party PCT-to-CCG
postcode-share list is used only to check the table: the build logs, per PCT, the share
of its postcodes that fall in CCGs the assignment also touches.

SHAs: a PCT's SHA is its region's, except that the South East is split into South
Central and South East Coast by upper-tier authority (majority of the PCT's LSOAs).

For PCTs ``area_code`` is the ONS code (E16/E17) and ``area_code_old`` holds the NHS
organisation code (e.g. ``5MX``); ``lad_code``/``utla_code`` are set only where the PCT
is exactly one 2013 district / upper-tier authority.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import ValidationError
from geo.ingest._common import (
    BuildContext,
    Output,
    Stage,
    conform_boundaries,
    coverage_simplify,
    dissolve_coverage,
    read_raw_csv,
    write_geoparquet,
    write_parquet,
)
from geo.ingest.lsoa import lsoa11_to_old_lad

__all__ = [
    "ASSIGNMENT",
    "RULES",
    "STAGES",
    "assign_lsoas",
    "ccg_agreement",
    "dissolve_coverage",
    "lsoa_keys",
    "postcode_shares",
    "read_assignment",
    "sha_codes",
]

#: The reviewed PCT assignment table (data as code).
ASSIGNMENT = Path(__file__).parent / "pct_assignment.csv"
RULES: tuple[str, ...] = ("lad", "lad2008", "ccg", "lad_and_ccg", "lad_not_ccg", "ward")
_COLUMNS = ("pct_code", "nhs_code", "pct_name", "rule", "lad_codes", "ccg_codes", "ward_codes", "approximate", "reason")
_JT = "boundaries/jtrim_ons_lookups/"
_LSOA01_LSOA11 = _JT + "220_LSOA01_LSOA11_LAD11_EW_LU.csv.gz"
_LSOA01_WARD10 = _JT + "138_LSOA01_WD10_EW_LU.csv.gz"
_SHARES = "boundaries/dsfood_pct_ccg/pct11_to_ccg_postcode_share.json"
_NAMES = "boundaries/postcodesio_names_codes/pcts.json"
_SHAS = "boundaries/postcodesio_names_codes/nhsHa.json"
_SOUTH_EAST = "E12000008"
_SOUTH_CENTRAL = "E18000009"
_SOUTH_EAST_COAST = "E18000008"
#: Upper-tier authorities (2018 codes) of the two South East SHAs; names are checked against the raw lookup.
_SE_SPLIT: dict[str, tuple[str, str]] = {
    "E06000036": ("Bracknell Forest", _SOUTH_CENTRAL),
    "E06000037": ("West Berkshire", _SOUTH_CENTRAL),
    "E06000038": ("Reading", _SOUTH_CENTRAL),
    "E06000039": ("Slough", _SOUTH_CENTRAL),
    "E06000040": ("Windsor and Maidenhead", _SOUTH_CENTRAL),
    "E06000041": ("Wokingham", _SOUTH_CENTRAL),
    "E06000042": ("Milton Keynes", _SOUTH_CENTRAL),
    "E10000002": ("Buckinghamshire", _SOUTH_CENTRAL),
    "E10000025": ("Oxfordshire", _SOUTH_CENTRAL),
    "E10000014": ("Hampshire", _SOUTH_CENTRAL),
    "E06000045": ("Southampton", _SOUTH_CENTRAL),
    "E06000044": ("Portsmouth", _SOUTH_CENTRAL),
    "E06000046": ("Isle of Wight", _SOUTH_CENTRAL),
    "E10000016": ("Kent", _SOUTH_EAST_COAST),
    "E06000035": ("Medway", _SOUTH_EAST_COAST),
    "E10000030": ("Surrey", _SOUTH_EAST_COAST),
    "E10000011": ("East Sussex", _SOUTH_EAST_COAST),
    "E10000032": ("West Sussex", _SOUTH_EAST_COAST),
    "E06000043": ("Brighton and Hove", _SOUTH_EAST_COAST),
}
#: Degrees; the simplified LSOA layer has slivers between neighbours up to about this wide.
_GAP_WIDTH = 0.001
#: Degrees (~350-550 m): keeps the whole PCT layer under 500 KB as GeoJSON.
_TOLERANCE = 0.005
_AREA_TOLERANCE = 0.001


def read_assignment(path: Path = ASSIGNMENT) -> pd.DataFrame:
    """The PCT assignment table, checked for shape; ``approximate`` as bool."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if tuple(table.columns) != _COLUMNS:
        raise ValidationError(f"{path.name}: expected columns {', '.join(_COLUMNS)}; found {', '.join(table.columns)}.")
    problems = []
    if table["pct_code"].duplicated().any():
        problems.append(f"duplicate PCTs {sorted(table.loc[table['pct_code'].duplicated(), 'pct_code'])}")
    if (bad := sorted(set(table["rule"]) - set(RULES))):
        problems.append(f"unknown rules {bad} (expected {', '.join(RULES)})")
    if (bad := sorted(set(table["approximate"]) - {"true", "false"})):
        problems.append(f"approximate must be true/false, found {bad}")
    if (table["reason"].str.strip() == "").any():
        problems.append(f"rows without a reason: {sorted(table.loc[table['reason'].str.strip() == '', 'pct_code'])}")
    needs_ccg = table["rule"].isin(["ccg", "lad_and_ccg", "lad_not_ccg"])
    needs_ward = table["rule"].eq("ward")
    if ((needs_ccg & (table["ccg_codes"] == "")).any() or (~table["rule"].eq("ccg") & (table["lad_codes"] == "")).any()
            or (needs_ward & (table["ward_codes"] == "")).any() or (~needs_ward & (table["ward_codes"] != "")).any()):
        problems.append("a rule is missing the district, CCG or ward codes it needs (or has ward codes it does not use)")
    if problems:
        raise ValidationError(f"{path.name}: " + "; ".join(problems) + ". Fix the table by hand; it is the reviewed source.")
    return table.assign(approximate=table["approximate"].eq("true"))


def lsoa_keys(ctx: BuildContext) -> pd.DataFrame:
    """Every LSOA 2011 with the keys the rules use.

    Columns: area_code, lad_code (2013 codes), lad_code_2008, ccg_code (2015),
    ward_code (2010; missing for the few LSOAs absent from the 2001-2011 lookup),
    utla_code (2018), region_code.
    """
    raw = read_raw_csv(ctx, _JT + "212_LSOA11_CCG15_LAD15_EN_LU.csv.gz")
    # LAD15 codes are those of 2013: no English district code changed between.
    keys = pd.DataFrame({"area_code": raw["LSOA11CD"], "lad_code": raw["LAD15CD"], "ccg_code": raw["CCG15CD"]})
    old = lsoa11_to_old_lad(ctx, keys[["area_code", "lad_code"]]).set_index("area_code")["lad_code_2008"]
    keys["lad_code_2008"] = keys["area_code"].map(old)
    keys["ward_code"] = keys["area_code"].map(lsoa11_wards(ctx))
    utla = read_raw_csv(ctx, _JT + "193_LTLA18_UTLA18_EW_LU.csv").set_index("LTLA18CD")["UTLA18CD"]
    region = read_raw_csv(ctx, _JT + "016_LAD18_RGN18_EN_LU.csv").set_index("LAD18CD")["RGN18CD"]
    keys["utla_code"] = keys["lad_code"].map(utla)
    keys["region_code"] = keys["lad_code"].map(region)
    for col in ("lad_code_2008", "utla_code", "region_code"):
        if keys[col].isna().any():
            missing = sorted(keys.loc[keys[col].isna(), "lad_code"].unique())
            raise ValidationError(f"No {col} for the LSOAs of districts {missing[:5]}; check the raw lookups 193/016/087.")
    return keys[["area_code", "lad_code", "lad_code_2008", "ccg_code", "ward_code", "utla_code", "region_code"]]


def lsoa11_wards(ctx: BuildContext) -> pd.Series:
    """Each English LSOA 2011's 2010 ward (E05), through its LSOA(s) 2001: a Series by LSOA 2011 code.

    An LSOA 2011 merged from LSOAs 2001 in different wards takes the ward most of
    them lie in (the first code on a tie); the build logs how many did.
    """
    links = read_raw_csv(ctx, _LSOA01_LSOA11)[["LSOA01CD", "LSOA11CD"]]
    wards = read_raw_csv(ctx, _LSOA01_WARD10)[["LSOA01CD", "WD10CD"]].drop_duplicates("LSOA01CD")
    both = links[links["LSOA11CD"].str.startswith("E")].merge(wards, on="LSOA01CD", how="left")
    if both["WD10CD"].isna().any():
        raise ValidationError(f"LSOAs 2001 {sorted(both.loc[both['WD10CD'].isna(), 'LSOA01CD'])[:5]} have no 2010 ward "
                              f"in {_LSOA01_WARD10}; expected every English LSOA 2001 there.")
    counts = both.groupby(["LSOA11CD", "WD10CD"]).size().rename("n").reset_index()
    spans = counts["LSOA11CD"].duplicated(keep=False)
    if spans.any():
        ctx.log(f"  {counts.loc[spans, 'LSOA11CD'].nunique()} LSOA(s) 2011 span 2010 wards; each takes the ward of most of its LSOAs 2001")
    best = counts.sort_values(["LSOA11CD", "n", "WD10CD"], ascending=[True, False, True]).drop_duplicates("LSOA11CD")
    return best.set_index("LSOA11CD")["WD10CD"]


def assign_lsoas(table: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Apply the rules: area_code, pct_code, approximate, approximate_reason (one row per LSOA).

    Raises :class:`ValidationError` for unknown codes, an LSOA in no PCT or in two,
    or a PCT with no LSOA.
    """
    ward_of = keys["ward_code"] if "ward_code" in keys else pd.Series(pd.NA, index=keys.index, dtype="object")
    known = {"lad": set(keys["lad_code"]), "lad2008": set(keys["lad_code_2008"]), "ccg": set(keys["ccg_code"]),
             "ward": set(ward_of.dropna())}
    owner = pd.Series(pd.NA, index=keys.index, dtype="object")
    clashes: list[str] = []
    empty: list[str] = []
    columns = ["pct_code", "pct_name", "rule", "lad_codes", "ccg_codes", "ward_codes"]
    records: list[dict[str, str]] = table.reindex(columns=columns, fill_value="")[columns].to_dict("records")  # type: ignore[assignment]
    for row in records:
        code, rule = row["pct_code"], row["rule"]
        lads, ccgs, wards = row["lad_codes"].split(), row["ccg_codes"].split(), row["ward_codes"].split()
        lad_col = "lad_code_2008" if rule == "lad2008" else "lad_code"
        unknown = (sorted(set(lads) - known["lad2008" if rule == "lad2008" else "lad"]) + sorted(set(ccgs) - known["ccg"])
                   + sorted(set(wards) - known["ward"]))
        if unknown:
            raise ValidationError(f"{code} ({row['pct_name']}): codes {unknown} are not in the LSOA 2011 lookups; fix the table.")
        in_lad, in_ccg, in_ward = keys[lad_col].isin(lads), keys["ccg_code"].isin(ccgs), ward_of.isin(wards)
        mask = {"lad": in_lad, "lad2008": in_lad, "ccg": in_ccg, "lad_and_ccg": in_lad & in_ccg,
                "lad_not_ccg": in_lad & ~in_ccg, "ward": in_lad & in_ward}[rule]
        if not mask.any():
            empty.append(code)
        taken = mask & owner.notna()
        if taken.any():
            example = keys.loc[taken, "area_code"].iloc[0]
            clashes.append(f"{code} and {owner[taken].iloc[0]} both claim {int(taken.sum())} LSOAs (e.g. {example})")
        owner[mask] = code
    problems = clashes[:5]
    if empty:
        problems.append(f"PCTs with no LSOA: {empty}")
    if owner.isna().any():
        lost = keys[owner.isna()]
        problems.append(f"{len(lost)} LSOAs in no PCT (e.g. {lost['area_code'].iloc[0]} in district {lost['lad_code'].iloc[0]})")
    if problems:
        raise ValidationError("PCT assignment: " + "; ".join(problems) + ". Every LSOA must fall in exactly one PCT; fix pct_assignment.csv.")
    info = table.set_index("pct_code")
    out = pd.DataFrame({"area_code": keys["area_code"], "pct_code": owner.astype("str")})
    out["approximate"] = out["pct_code"].map(info["approximate"]).astype(bool)
    out["approximate_reason"] = out["pct_code"].map(info["reason"].where(info["approximate"]))
    return out.reset_index(drop=True)


def postcode_shares(ctx: BuildContext) -> pd.DataFrame:
    """The third-party PCT-to-CCG postcode-share list: pct_code, nhs_code, pct_name, ccg_code, share (%)."""
    rows = []
    for pct in json.loads(ctx.raw(_SHARES).read_text(encoding="utf-8")):
        ccgs = pct["CCG"] if isinstance(pct["CCG"], list) else [pct["CCG"]]
        for ccg in ccgs:
            rows.append({"pct_code": pct["onscode"], "nhs_code": pct["nhscode"], "pct_name": pct["name"],
                         "ccg_code": ccg["onscode"], "share": float(ccg["pcd_percent"])})
    return pd.DataFrame(rows)


def ccg_agreement(assigned: pd.DataFrame, keys: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per PCT, how far the assignment agrees with the postcode-share list.

    ``agreed`` is the % of the PCT's postcodes (per the list) lying in CCGs that the
    PCT's assigned LSOAs also touch; ``missing`` lists CCGs of the list the
    assignment does not touch, ``extra`` CCGs it touches that the list does not name
    (with the number of LSOAs).
    """
    touched = assigned.merge(keys[["area_code", "ccg_code"]], on="area_code").groupby(["pct_code", "ccg_code"]).size()
    rows = []
    for code, listed in shares.groupby("pct_code"):
        mine = touched.xs(code) if code in touched.index.get_level_values(0) else pd.Series(dtype=int)
        hit = listed["ccg_code"].isin(mine.index)
        rows.append({
            "pct_code": code,
            "agreed": float(listed.loc[hit, "share"].sum()),
            "missing": " ".join(f"{c} ({s:g}%)" for c, s in zip(listed.loc[~hit, "ccg_code"], listed.loc[~hit, "share"], strict=True)),
            "extra": " ".join(f"{c} ({n} LSOAs)" for c, n in mine.items() if c not in set(listed["ccg_code"])),
        })
    return pd.DataFrame(rows)


def sha_codes(ctx: BuildContext, assigned: pd.DataFrame, keys: pd.DataFrame) -> pd.Series:
    """Each PCT's SHA (E18), from the region and, in the South East, the upper tier of most of its LSOAs."""
    shas = {name.lower(): code for code, name in json.loads(ctx.raw(_SHAS).read_text(encoding="utf-8")).items()
            if code.startswith("E18")}
    regions = read_raw_csv(ctx, _JT + "016_LAD18_RGN18_EN_LU.csv").drop_duplicates("RGN18CD")
    region_sha = {r: shas.get(n.lower()) for r, n in zip(regions["RGN18CD"], regions["RGN18NM"], strict=True)}
    utla_names = read_raw_csv(ctx, _JT + "193_LTLA18_UTLA18_EW_LU.csv").drop_duplicates("UTLA18CD").set_index("UTLA18CD")["UTLA18NM"]
    wrong = {c: (n, utla_names.get(c)) for c, (n, _) in _SE_SPLIT.items() if utla_names.get(c) != n}
    if wrong:
        raise ValidationError(f"South East upper-tier codes do not match the raw lookup 193: {wrong}; correct _SE_SPLIT.")
    frame = assigned[["area_code", "pct_code"]].merge(keys[["area_code", "utla_code", "region_code"]], on="area_code")
    frame["sha"] = frame["region_code"].map(region_sha)
    south_east = frame["region_code"] == _SOUTH_EAST
    frame.loc[south_east, "sha"] = frame.loc[south_east, "utla_code"].map({c: s for c, (_, s) in _SE_SPLIT.items()})
    if frame["sha"].isna().any():
        bad = frame[frame["sha"].isna()]
        raise ValidationError(f"No SHA for regions/upper tiers {sorted(set(bad['region_code']) | set(bad['utla_code']))[:5]}; "
                              "check nhsHa.json names against the region names and _SE_SPLIT.")
    counts = frame.groupby(["pct_code", "sha"]).size().sort_values(ascending=False)
    split = counts.groupby(level=0).size()
    for code in split[split > 1].index:
        ctx.log(f"  note: PCT {code} spans SHAs {({k: int(v) for k, v in counts[code].items()})} (LSOAs); it goes to the larger")
    return counts.reset_index().drop_duplicates("pct_code").set_index("pct_code")["sha"]


def _check_names(ctx: BuildContext, table: pd.DataFrame, shares: pd.DataFrame) -> None:
    names = {c: n for c, n in json.loads(ctx.raw(_NAMES).read_text(encoding="utf-8")).items() if c.startswith(("E16", "E17"))}
    held = set(table["pct_code"])
    if held != set(names):
        raise ValidationError(f"pct_assignment.csv must list the {len(names)} English PCOs of pcts.json exactly once; "
                              f"missing {sorted(set(names) - held)}, unknown {sorted(held - set(names))}.")
    wrong_name = table[table["pct_name"] != table["pct_code"].map(names)]
    nhs = shares.drop_duplicates("pct_code").set_index("pct_code")["nhs_code"]
    wrong_nhs = table[table["nhs_code"] != table["pct_code"].map(nhs)]
    if len(wrong_name) or len(wrong_nhs):
        raise ValidationError(f"pct_assignment.csv names/NHS codes differ from pcts.json / the share list for "
                              f"{sorted(set(wrong_name['pct_code']) | set(wrong_nhs['pct_code']))[:5]}; copy them exactly.")


def _build_assign(ctx: BuildContext) -> list[Output]:
    table = read_assignment()
    shares = postcode_shares(ctx)
    _check_names(ctx, table, shares)
    keys = lsoa_keys(ctx)
    assigned = assign_lsoas(table, keys)
    agreement = ccg_agreement(assigned, keys, shares)
    differ = agreement[(agreement["agreed"] < 99.995) | (agreement["extra"] != "")]
    ctx.log(f"  postcode-share check: {len(agreement) - len(differ)} of {len(agreement)} PCTs agree fully; "
            f"median agreed share {agreement['agreed'].median():.1f}%")
    for code, agreed, missing, extra in zip(differ["pct_code"], differ["agreed"], differ["missing"], differ["extra"], strict=True):
        ctx.log(f"    {code} {agreed:5.1f}% agreed; not touched: {missing or '-'}; extra: {extra or '-'}")
    assigned["sha_code"] = assigned["pct_code"].map(sha_codes(ctx, assigned, keys))
    ctx.log(f"  {assigned['pct_code'].nunique()} PCTs, {assigned['sha_code'].nunique()} SHAs; "
            f"{int(assigned['approximate'].sum())} LSOAs in approximate PCTs")
    out = assigned[["area_code", "pct_code", "sha_code", "approximate", "approximate_reason"]].sort_values("area_code")
    return [write_parquet(ctx, out.reset_index(drop=True), "lookups/lsoa11_pct.parquet")]


def _only(members: pd.Series, full: pd.Series) -> object:
    """The single parent code when the group is exactly that parent's LSOAs, else None."""
    codes = members.unique()
    return codes[0] if len(codes) == 1 and (full == codes[0]).sum() == len(members) else None




def _check_area(ctx: BuildContext, gdf: gpd.GeoDataFrame, lsoa_area: float, name: str) -> None:
    projected = gdf.to_crs(27700).geometry
    union = shapely.union_all(projected.values).area
    for what, area in (("union", union), ("sum", float(projected.area.sum()))):
        ratio = area / lsoa_area
        if abs(ratio - 1) > _AREA_TOLERANCE:
            raise ValidationError(f"{name}: {what} of areas is {ratio:.4%} of the LSOAs' area; expected within "
                                  f"{_AREA_TOLERANCE:.1%} (gaps or overlaps from the dissolve or simplification).")
    ctx.log(f"  area check: {name} / LSOAs = {union / lsoa_area:.5%}")


def _build_pct(ctx: BuildContext) -> list[Output]:
    lsoa = gpd.read_parquet(ctx.out_dir / "boundaries" / "lsoa_2011.parquet",
                            columns=["area_code", "lad_code", "utla_code", "region_code", "geometry"])
    assign = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa11_pct.parquet")
    lsoa = lsoa.merge(assign, on="area_code", how="left")
    if lsoa["pct_code"].isna().any() or len(lsoa) != len(assign):
        raise ValidationError(f"LSOA polygons ({len(lsoa)}) and the PCT lookup ({len(assign)}) do not match; rerun lsoa2011 and pct_assign.")
    table = read_assignment().set_index("pct_code")
    names = json.loads(ctx.raw(_NAMES).read_text(encoding="utf-8"))
    geoms = dissolve_coverage(lsoa.geometry, lsoa["pct_code"])
    rows = []
    for code, group in lsoa.groupby("pct_code"):
        regions = group["region_code"].value_counts()
        if len(regions) > 1:
            ctx.log(f"  note: PCT {code} spans regions {({k: int(v) for k, v in regions.items()})} (LSOAs); region_code is the larger")
        rows.append({
            "area_code": code, "area_name": names[code], "area_code_old": table.loc[code, "nhs_code"],
            "lad_code": _only(group["lad_code"], lsoa["lad_code"]), "utla_code": _only(group["utla_code"], lsoa["utla_code"]),
            "region_code": regions.index[0], "sha_code": group["sha_code"].iloc[0],
            "approximate": bool(table.loc[code, "approximate"]),
            "approximate_reason": table.loc[code, "reason"] if table.loc[code, "approximate"] else None,
            "geometry": geoms[code],
        })
    pcts = coverage_simplify(gpd.GeoDataFrame(rows, geometry="geometry", crs=4326), tolerance=_TOLERANCE)
    shas = json.loads(ctx.raw(_SHAS).read_text(encoding="utf-8"))
    sha_rows = []
    for code, group in pcts.groupby("sha_code"):
        in_sha = lsoa[lsoa["sha_code"] == code]
        # From the simplified PCTs, so SHA borders are exactly PCT borders.
        sha_rows.append({"area_code": code, "area_name": shas[code], "region_code": in_sha["region_code"].value_counts().index[0],
                         "geometry": shapely.make_valid(shapely.union_all(group.geometry.values, grid_size=1e-5))})
    pct_out = conform_boundaries(pcts.drop(columns="sha_code"), "pct", "2011", sort=True)
    sha_out = conform_boundaries(gpd.GeoDataFrame(sha_rows, geometry="geometry", crs=4326), "sha", "2011", sort=True)
    lsoa_area = float(lsoa.to_crs(27700).area.sum())
    _check_area(ctx, pct_out, lsoa_area, "PCTs")
    _check_area(ctx, sha_out, lsoa_area, "SHAs")
    ctx.log(f"  GeoJSON size: PCTs {len(pct_out.to_json()) / 1e3:.0f} KB, SHAs {len(sha_out.to_json()) / 1e3:.0f} KB")
    return [
        write_geoparquet(ctx, pct_out, "boundaries/pct_2011.parquet"),
        write_geoparquet(ctx, sha_out, "boundaries/sha_2011.parquet"),
    ]


STAGES = [
    Stage("pct_assign", _build_assign, "assign LSOA 2011 to PCTs and SHAs (reviewed pct_assignment.csv)"),
    Stage("pct", _build_pct, "PCT and SHA boundaries dissolved from LSOA 2011", needs=("lsoa2011", "pct_assign")),
]
