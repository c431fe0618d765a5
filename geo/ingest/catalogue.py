"""Stage ``catalogue``: check every indicator file and write ``data/catalogue.json``.

Each indicator build module declares ``CATALOGUE: list[Indicator]``. This stage
gives each a plain label and description (:mod:`geo.ingest.labels`), fills in
the levels, vintages and periods actually held, orders each group headline first,
checks every value against its plausible range and every area code against its
boundary set, writes
the codes that match no boundary to ``data/reports/unmatched_codes.csv``, adds the
stated rules of the methods (``methods``: :mod:`geo.spearhead_rules`), and
writes ``data/SOURCES.md`` from the same records.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import replace

import pandas as pd

from geo.catalogue import CATALOGUE_FILE, GROUPS, LABEL_MAX, Indicator
from geo.contract import boundary_codes as boundary_codes_of
from geo.contract import check_indicator_contract
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage
from geo.ingest.labels import order_key, relabel
from geo.ingest.outcomes import describe as describe_pct_sha
from geo.ingest.summaries import describe as describe_old_districts
from geo.postcodes import ATTRIBUTION as POSTCODE_ATTRIBUTION
from geo.schema import ENGLAND_CODE
from geo.spearhead_rules import describe as describe_spearhead

__all__ = ["STAGES", "BOUNDARY_SOURCES"]

_INDICATOR_MODULES = (
    "geo.ingest.imd", "geo.ingest.health", "geo.ingest.population", "geo.ingest.housing", "geo.ingest.summaries",
    "geo.ingest.outcomes",
)

#: Where each boundary and lookup came from, for SOURCES.md and the app's About page.
BOUNDARY_SOURCES: tuple[dict[str, str], ...] = (
    {
        "what": ("Local authority, upper-tier authority and region codes 2014-2025 (which areas each year holds; "
                 "their outlines are dissolved from the LSOA boundaries below)"),
        "publisher": "Office for National Statistics (ONS Visual team, uk-topojson)",
        "raw_file": "boundaries/ons_uk_topojson/uk-topo_2014-2025.topo.json",
        "licence": "Open Government Licence v3.0",
    },
    {
        "what": "LSOA 2011 boundaries (generalised, clipped) and LAD 2013 old codes",
        "publisher": "ONS Open Geography Portal, converted by Martin Chorley (martinjc/UK-GeoJSON, CC BY 4.0)",
        "raw_file": "boundaries/martinjc_uk_geojson/",
        "licence": "Open Government Licence v3.0; conversion CC BY 4.0",
    },
    {
        "what": "LSOA 2021 boundaries (generalised, clipped) and LA code history",
        "publisher": "ONS Open Geography Portal, via drkane/geo-lookups",
        "raw_file": "boundaries/drkane_geo_lookups/",
        "licence": "Open Government Licence v3.0",
    },
    {
        "what": "ONS lookups: LSOA 2001-2011, LSOA to ward/LAD/UTLA/CCG, LAD to county/region",
        "publisher": "Office for National Statistics, via jtrim-ons/ons-lookups",
        "raw_file": "boundaries/jtrim_ons_lookups/",
        "licence": "Open Government Licence v3.0",
    },
    {
        "what": "PCT and SHA codes and names (ONS Postcode Directory names and codes)",
        "publisher": "Office for National Statistics, via ideal-postcodes/postcodes.io",
        "raw_file": "boundaries/postcodesio_names_codes/",
        "licence": "Open Government Licence v3.0",
    },
    {
        "what": "PCT NHS codes and PCT-to-CCG postcode shares (third-party compilation, checked)",
        "publisher": "elahmo/dsfood (University of Southampton student project)",
        "raw_file": "boundaries/dsfood_pct_ccg/pct11_to_ccg_postcode_share.json",
        "licence": "not stated; structure matches the ONS/NHS PCT-to-CCG lookups",
    },
    {
        "what": "LSOA 2011-2021 lookup (derived: polygon overlap in EPSG:27700 of the two LSOA sets; "
        "U same code, S split, M merged, X complex; data/lookups/lsoa11_lsoa21.parquet)",
        "publisher": "Derived by the atlas (geo/ingest/lsoa_change.py) from the ONS LSOA 2011 and 2021 "
        "boundaries above; not an ONS product",
        "raw_file": "boundaries/martinjc_uk_geojson/ + boundaries/drkane_geo_lookups/lsoa21_by_lad/",
        "licence": "Open Government Licence v3.0 (derived from ONS boundaries)",
    },
    {
        "what": "Postcode to Output Area, LSOA 2011 and LAD lookup, May 2022 (every English postcode, live and "
        "terminated; data/lookups/postcodes.parquet)",
        "publisher": "Office for National Statistics (Open Geography Portal). Contains OS data © Crown copyright "
        "and database right 2022. Contains Royal Mail data © Royal Mail copyright and database right 2022",
        "raw_file": "postcodes/PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.csv.xz",
        "licence": "Open Government Licence v3.0",
    },
    {
        "what": "OS Code-Point Open, April 2025: coordinates and 2025 ward of every live postcode (postcode "
        "positions, LSOA residential centres and best-fit wards are derived from it)",
        "publisher": "Ordnance Survey. Contains OS data © Crown copyright and database right 2025. Contains Royal "
        "Mail data © Royal Mail copyright and database right 2025. Contains National Statistics data © Crown "
        "copyright and database right 2025",
        "raw_file": "postcodes/codepo_gb.zip",
        "licence": "OS OpenData licence (compatible with the Open Government Licence v3.0)",
    },
)

#: What the atlas derives from the two postcode files above (each needs :data:`geo.postcodes.ATTRIBUTION` shown).
POSTCODE_DERIVED: tuple[str, ...] = (
    "The postcode table (data/lookups/postcodes.parquet): each English postcode's small areas (LSOA 2011 and 2021), "
    "Output Area, district, ward, position and whether it is live; it finds postcodes, counts uploads by postcode "
    "(only the counts leave a session) and places service sites",
    "Small areas' residential centres (data/lookups/postcode_centres.parquet): the mean position of each LSOA's live "
    "residential postcodes, where distances to the nearest site start",
    "Best-fit wards (approximate: wards built from whole small areas): each LSOA in the April 2025 ward holding most "
    "of its live postcodes (ward names from the Code-Point Open code list, data/lookups/wards.parquet), with the "
    "share of each ward's postcodes its small areas capture",
)

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2025. Contains Royal Mail data © Royal "
    "Mail copyright and database right 2025. Contains public sector "
    "information licensed under the Open Government Licence v3.0 (MHCLG, OHID, DESNZ/BEIS). "
    "LSOA 2011 boundaries converted by Martin Chorley (CC BY 4.0)."
)


def _declared() -> dict[str, Indicator]:
    declared: dict[str, Indicator] = {}
    for name in _INDICATOR_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for ind in module.CATALOGUE:
            if ind.indicator_id in declared:
                raise ValidationError(f"Indicator {ind.indicator_id!r} is declared twice (in {name}).")
            declared[ind.indicator_id] = relabel(ind)
    return declared


def _build(ctx: BuildContext) -> list[Output]:
    declared = _declared()
    folder = ctx.out_dir / "indicators"
    boundary_codes = boundary_codes_of(ctx.out_dir)
    held: dict[str, dict[str, object]] = {}
    unmatched: list[pd.DataFrame] = []
    for path in sorted(folder.glob("*.parquet")):
        df = pd.read_parquet(path)
        check_indicator_contract(df, declared=declared, where=path.name)
        for key, rows in df.groupby("indicator_id", sort=False):
            indicator_id = str(key)
            if indicator_id not in declared:
                raise ValidationError(
                    f"{path.name} holds {indicator_id!r}, which no CATALOGUE declares; add it to the "
                    "build module that writes it."
                )
            ind = declared[indicator_id]
            if ind.valid_range is not None:
                lo, hi = ind.valid_range
                out = rows["value"].notna() & ~rows["value"].between(lo, hi)
                if out.any():
                    bad = rows.loc[out].iloc[0]
                    raise ValidationError(
                        f"{indicator_id}: {int(out.sum())} values outside {lo}..{hi}, e.g. "
                        f"{bad['area_code']} {bad['period']} = {bad['value']}."
                    )
            entry = held.setdefault(str(indicator_id), {"levels": {}, "periods": set()})
            levels: dict[str, set[str]] = entry["levels"]  # type: ignore[assignment]
            for (level, vintage), group in rows.groupby(["level", "vintage"]):
                levels.setdefault(str(level), set()).add(str(vintage))
                if level == "england":
                    wrong = set(group["area_code"]) - {ENGLAND_CODE}
                else:
                    known = boundary_codes.get((str(level), str(vintage)))
                    wrong = set() if known is None else set(group["area_code"]) - known
                if wrong:
                    unmatched.append(
                        pd.DataFrame(
                            {
                                "indicator_id": indicator_id,
                                "level": level,
                                "vintage": vintage,
                                "area_code": sorted(wrong),
                                "file": path.name,
                            }
                        )
                    )
            periods: set[str] = entry["periods"]  # type: ignore[assignment]
            periods.update(rows["period"].unique())
    missing = sorted(set(declared) - set(held))
    if missing:
        ctx.log(f"  note: {len(missing)} declared indicator ids hold no rows and are left out of the catalogue "
                f"(e.g. {', '.join(missing[:3])})")
    kept: list[Indicator] = []
    for indicator_id, entry in held.items():
        ind = declared[indicator_id]
        if ind.group not in GROUPS:
            raise ValidationError(f"{indicator_id}: group {ind.group!r} is not one of {GROUPS}.")
        levels_map = {lv: tuple(sorted(v)) for lv, v in entry["levels"].items()}  # type: ignore[attr-defined]
        kept.append(describe_old_districts(describe_pct_sha(replace(ind, levels=levels_map, periods=tuple(sorted(entry["periods"]))))))  # type: ignore[call-overload]
    _log_label_problems(ctx, kept)
    records = [ind.to_dict() for ind in sorted(kept, key=order_key)]
    catalogue = {"attribution": ATTRIBUTION, "boundary_sources": list(BOUNDARY_SOURCES),
                 "postcodes": {"attribution": POSTCODE_ATTRIBUTION, "derived": list(POSTCODE_DERIVED)},
                 "methods": {"spearhead": describe_spearhead()}, "indicators": records}
    path = ctx.out(CATALOGUE_FILE)
    path.write_text(json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    outputs = [Output(path, len(records))]
    report = (
        pd.concat(unmatched, ignore_index=True)
        if unmatched
        else pd.DataFrame(columns=["indicator_id", "level", "vintage", "area_code", "file"])
    )
    report_path = ctx.out("reports/unmatched_codes.csv")
    report.to_csv(report_path, index=False)
    outputs.append(Output(report_path, len(report)))
    if len(report):
        summary = report.groupby(["indicator_id", "level", "vintage"]).size()
        for idx, n in summary.items():
            indicator_id, level, vintage = idx  # type: ignore[misc]
            codes = report.loc[
                (report["indicator_id"] == indicator_id) & (report["level"] == level)
                & (report["vintage"] == vintage), "area_code"
            ]
            ctx.log(f"  unmatched: {indicator_id} {level} {vintage}: {n} code(s), e.g. {', '.join(codes[:4])}")
    sources_path = ctx.out("SOURCES.md")
    sources_path.write_text(_sources_markdown(records), encoding="utf-8")
    outputs.append(Output(sources_path, len(records)))
    return outputs


def _log_label_problems(ctx: BuildContext, indicators: list[Indicator]) -> None:
    """Note labels too long for the sidebar or shared within a group (tests/geo/test_catalogue.py fails on them)."""
    seen: dict[tuple[str, str], str] = {}
    for ind in indicators:
        if len(ind.label) > LABEL_MAX:
            ctx.log(f"  label too long ({len(ind.label)} > {LABEL_MAX}): {ind.indicator_id} {ind.label!r}; "
                    "add a shorter one to geo.ingest.labels.OVERRIDES")
        other = seen.setdefault((ind.group, ind.label), ind.indicator_id)
        if other != ind.indicator_id:
            ctx.log(f"  label {ind.label!r} is used by both {other} and {ind.indicator_id}; "
                    "add one to geo.ingest.labels.OVERRIDES")


def _sources_markdown(records: list[dict[str, object]]) -> str:
    lines = [
        "# Sources and licences",
        "",
        "Generated by `python -m geo build` from the indicator catalogue; do not edit by hand.",
        "Raw files are those under `shared/data/raw/` described by each folder's PROVENANCE.md.",
        "",
        f"**Attribution.** {ATTRIBUTION}",
        "",
        "## Boundaries and lookups",
        "",
        "| what | publisher | raw file | licence |",
        "|---|---|---|---|",
    ]
    for b in BOUNDARY_SOURCES:
        lines.append(f"| {b['what']} | {b['publisher']} | `{b['raw_file']}` | {b['licence']} |")
    lines += ["", "## Postcode-derived figures", "",
              "Derived by the atlas from the ONS postcode lookup (May 2022) and OS Code-Point Open (April 2025) above:", ""]
    lines += [f"- {what}." for what in POSTCODE_DERIVED]
    lines += ["", f"**Attribution, wherever postcode-derived figures appear.** {POSTCODE_ATTRIBUTION}"]
    lines += ["", "## Indicators", "", "| indicator | publisher and data set | raw file | licence | periods |",
              "|---|---|---|---|---|"]
    for rec in records:
        src = rec["source"]
        assert isinstance(src, dict)
        periods = rec["periods"]
        assert isinstance(periods, tuple | list)
        span = f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else (periods[0] if periods else "")
        lines.append(
            f"| {rec['title']} (`{rec['indicator_id']}`) | {src['publisher']}: {src['dataset']} | "
            f"`{src['raw_file']}` | {src['licence']} | {span} |"
        )
    return "\n".join(lines) + "\n"


STAGES = [
    Stage(
        "catalogue",
        _build,
        "check indicator files, write catalogue.json, SOURCES.md and the unmatched-codes report",
        needs=("imd", "health", "population", "housing", "summaries", "outcomes", "lad", "lad2008", "lsoa2011", "lsoa2021", "pct"),
    )
]
