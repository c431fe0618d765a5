"""Stage ``housing``: fuel poverty, overcrowding, energy efficiency and IoD2019 indicators.

Fuel poverty comes from two releases with different definitions, kept as separate
indicators. Percentages computed here (Census 2021 overcrowding) are shares of
official counts, with the counts kept in ``count`` and ``denominator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import openpyxl
import pandas as pd

from geo.catalogue import Indicator, Source
from geo.contract import finish_indicators
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, read_raw_csv, write_parquet
from geo.ingest.population import check_table
from geo.schema import ENGLAND_CODE

__all__ = ["CATALOGUE", "FILE8", "RAW", "SERIES_DEFINITIONS", "STAGES", "build_table", "fuel_poverty", "read_sheet"]

#: Raw files read by this stage, relative to the raw folder.
RAW: dict[str, str] = {
    "fuel_poverty": "indicators/beis_fuel_poverty/sub-regional-fuel-poverty-2022-tables.xlsx",
    "fuel_series": "indicators/beis_fuel_poverty/fuelpoverty_la_2010_2019.csv",
    "overcrowding": "indicators/ons_census2021_housing/household_overcrowding21_lsoa21.csv.gz",
    "epc": "indicators/ons_housing/energyefficiencyofhousingenglandandwaleslocalauthoritydistrictsuptomarch2021.xlsx",
    "file8": "indicators/humaniverse_imd/imd2019_england_lsoa11_indicators.csv.gz",
    "file8_meta": "indicators/humaniverse_imd/metadata.csv",
}

#: Indicator id for each year of the compiled 2010-2019 district series, by definition.
SERIES_DEFINITIONS: dict[str, str] = {
    **{str(y): "fuel_poverty_10pc" for y in (2010, 2011)},
    **{str(y): "fuel_poverty_lihc" for y in range(2012, 2019)},
    "2019": "fuel_poverty_lilee_2019",
}

#: Table 2 code prefix -> (level, vintage); the workbook uses April 2021 codes.
_T2_LEVELS: dict[str, tuple[tuple[str, str], ...]] = {
    "E92": (("england", "2021"),),
    "E12": (("region", "2019"),),
    "E10": (("utla", "2021"),),
    "E06": (("lad", "2021"), ("utla", "2021")),
    "E08": (("lad", "2021"), ("utla", "2021")),
    "E09": (("lad", "2021"), ("utla", "2021")),
    "E07": (("lad", "2021"),),
}
_FP_COLS = {"Number of households in fuel poverty": "count", "Number of households": "denominator",
            "Proportion of households fuel poor (%)": "value"}
_OVERCROWDED = ("-1 (overcrowded)", "-2 or less (overcrowded)")
#: EPC workbook sheet -> indicator id; both read the "All dwellings" column.
_EPC_SHEETS = {"1a": "epc_median_score", "1e": "epc_band_c_plus"}


@dataclass(frozen=True)
class _F8:
    """One IoD2019 File 8 underlying indicator and how the catalogue describes it."""

    column: str
    metadata_name: str  # the "Indicator" in metadata.csv
    year: str  # its data year as metadata.csv states it (checked by the build)
    title: str
    description: str
    unit: str
    group: str
    valid_range: tuple[float, float]
    value_type: str = "proportion"
    caveat: str = ""


#: IoD2019 File 8 indicators kept, by indicator id. Every one is lower_is_better.
FILE8: dict[str, _F8] = {
    "iod19_overcrowding": _F8(
        "household_overcrowding_indicator", "Household overcrowding", "2011", "Household overcrowding",
        "Share of households with too little space for their needs (Census 2011 occupancy rating).",
        "proportion of households (0-1)", "Housing", (0.0, 1.0)),
    "iod19_homelessness": _F8(
        "homelessness_indicator_rate_per_1000_households", "Homelessness", "2015/16 - 2017/18", "Homelessness",
        "Households accepted as homeless by the council, per 1,000 households.",
        "per 1,000 households", "Housing", (0.0, 50.0), "rate",
        "Measured for whole districts (pre-2019 boundaries) and given to every small area in them."),
    "iod19_affordability": _F8(
        "housing_affordability_indicator", "Housing affordability", "2016", "Housing affordability",
        "Difficulty of buying or renting a home on local incomes (modelled score; higher is less affordable).",
        "score", "Housing", (-10.0, 10.0), "score",
        "A modelled score combining owner-occupation and private-rental affordability; no natural unit."),
    "iod19_poor_condition": _F8(
        "housing_in_poor_condition_indicator", "Housing in poor condition", "2015", "Housing in poor condition",
        "Modelled share of homes failing the Decent Homes standard.",
        "proportion of dwellings (0-1)", "Housing", (0.0, 1.0), "proportion",
        "Modelled from the English Housing Survey, not surveyed in each small area."),
    "iod19_no_central_heating": _F8(
        "houses_without_central_heating_indicator", "Houses without central heating", "2011",
        "Houses without central heating", "Share of houses without central heating (Census 2011).",
        "proportion of houses (0-1)", "Housing", (0.0, 1.0)),
    "iod19_yppl": _F8(
        "years_of_potential_life_lost_indicator", "Years of potential life lost", "2013-2017",
        "Years of potential life lost", "Premature death: years of life lost before 75, age and sex standardised.",
        "standardised measure", "Deprivation domains", (0.0, 500.0), "index"),
    "iod19_cidr": _F8(
        "comparative_illness_and_disability_ratio_indicator", "Comparative illness and disability ratio", "2016",
        "Comparative illness and disability ratio",
        "Work-limiting illness and disability from benefit claims, age and sex standardised (England about 100).",
        "standardised ratio", "Deprivation domains", (0.0, 1000.0), "index"),
    "iod19_air_quality": _F8(
        "air_quality_indicator", "Air quality", "2016", "Air quality",
        "Modelled concentrations of nitrogen dioxide, benzene, sulphur dioxide and particulates, combined.",
        "index", "Deprivation domains", (0.0, 5.0), "index"),
    "iod19_dist_gp": _F8(
        "road_distance_to_a_gp_surgery_indicator_km", "Road distance to a GP surgery", "2019",
        "Road distance to a GP surgery", "Average road distance to the nearest GP surgery.", "km",
        "Deprivation domains", (0.0, 50.0), "distance"),
    "iod19_dist_school": _F8(
        "road_distance_to_a_primary_school_indicator_km", "Road distance to a primary school", "2019",
        "Road distance to a primary school", "Average road distance to the nearest primary school.", "km",
        "Deprivation domains", (0.0, 50.0), "distance"),
}


def read_sheet(ctx: BuildContext, relative: str, sheet: str, *, header_row: int) -> pd.DataFrame:
    """One worksheet as strings-or-numbers, with row ``header_row`` (0-based) as the header."""
    wb = openpyxl.load_workbook(ctx.raw(relative), read_only=True, data_only=True)
    try:
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h).strip() if h is not None else f"col{i}" for i, h in enumerate(rows[header_row])]
    return pd.DataFrame(rows[header_row + 1 :], columns=header)


def fuel_poverty(ctx: BuildContext) -> pd.DataFrame:
    """Fuel poverty 2020: LSOAs from Table 3; districts, UTLAs, regions and England from Table 2."""
    t3 = read_sheet(ctx, RAW["fuel_poverty"], "Table 3", header_row=2)
    t3 = t3[t3["LSOA Code"].astype(str).str.fullmatch(r"E01\d{6}")]  # drops the footnote rows
    lsoa = t3.rename(columns=_FP_COLS).assign(area_code=t3["LSOA Code"], level="lsoa", vintage="2011")
    t2 = read_sheet(ctx, RAW["fuel_poverty"], "Table 2", header_row=2).rename(columns=_FP_COLS)
    t2 = t2[t2["Area Codes"].astype(str).str.fullmatch(r"E\d{8}")]
    prefix = t2["Area Codes"].str[:3]
    skipped = t2.loc[~prefix.isin(list(_T2_LEVELS)), "Area Codes"]
    ctx.log(f"  fuel poverty Table 2: left out {len(skipped)} rows of levels the atlas does not map "
            f"(metropolitan counties, Inner/Outer London): {', '.join(sorted(skipped))}")
    areas = [
        t2[prefix == p].assign(area_code=t2["Area Codes"], level=level, vintage=vintage)
        for p, targets in _T2_LEVELS.items()
        for level, vintage in targets
    ]
    cols = ["area_code", "level", "vintage", "value", "count", "denominator"]
    out = pd.concat([lsoa[cols], *(a[cols] for a in areas)], ignore_index=True)
    for col in ("value", "count", "denominator"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    off = (out["value"] - 100 * out["count"] / out["denominator"]).abs() > 1e-6
    if off.any():
        raise ValidationError(f"Fuel poverty: {int(off.sum())} rows whose % does not equal 100 x fuel poor / households "
                              f"(e.g. {out.loc[off, 'area_code'].iloc[0]}); the columns may have shifted.")
    return out.assign(indicator_id="fuel_poverty", period="2020")


def _fuel_poverty_series(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, RAW["fuel_series"], encoding="utf-8-sig")
    years = [c for c in raw.columns if c.isdigit()]
    if sorted(years) != sorted(SERIES_DEFINITIONS):
        raise ValidationError(f"The compiled fuel poverty series has years {years}; expected {sorted(SERIES_DEFINITIONS)}.")
    long = raw.melt(id_vars=["LACode"], value_vars=years, var_name="period", value_name="value")
    return pd.DataFrame({"indicator_id": long["period"].map(SERIES_DEFINITIONS), "area_code": long["LACode"],
                         "level": "lad", "vintage": "2019", "period": long["period"], "value": long["value"]})


def _overcrowding(ctx: BuildContext) -> pd.DataFrame:
    """Census 2021 overcrowding for LSOAs, plus sums of the LSOA counts for larger areas."""
    raw = read_raw_csv(ctx, RAW["overcrowding"])
    raw = raw[raw["lsoa21_code"].str.startswith("E01")]
    n = pd.to_numeric(raw["n"])
    households = pd.to_numeric(raw["total_households"]).groupby(raw["lsoa21_code"]).first()
    off = n.groupby(raw["lsoa21_code"]).sum() != households
    if off.any():
        raise ValidationError(f"Census 2021 occupancy categories do not add up to total households for "
                              f"{int(off.sum())} LSOAs (e.g. {off[off].index[0]}).")
    over = n[raw["occupancy_rating"].isin(_OVERCROWDED)].groupby(raw["lsoa21_code"]).sum()
    counts = pd.DataFrame({"count": over.reindex(households.index, fill_value=0), "denominator": households})
    frames = [counts.rename_axis("area_code").reset_index().assign(level="lsoa", vintage="2021")]
    frames += _sum_lsoa21(ctx, counts)
    out = pd.concat(frames, ignore_index=True)
    out["value"] = (100 * out["count"] / out["denominator"]).round(2)
    return out.assign(indicator_id="overcrowding_census21", period="2021")


def _sum_lsoa21(ctx: BuildContext, counts: pd.DataFrame) -> list[pd.DataFrame]:
    path = ctx.out_dir / "lookups" / "lsoa21_parents.parquet"
    if not path.exists():
        ctx.log("  overcrowding: data/lookups/lsoa21_parents.parquet not built; no district, region or England rows")
        return []
    parents = pd.read_parquet(path).set_index("area_code")
    unmatched = sorted(set(counts.index) - set(parents.index))
    if unmatched:
        raise ValidationError(f"{len(unmatched)} Census LSOAs are not in the LSOA 2021 lookup (e.g. {unmatched[0]}); "
                              "rebuild the lsoa2021 stage.")
    parents = parents.reindex(counts.index).assign(england=ENGLAND_CODE)
    targets = {"lad_code_2023": ("lad", "2023"), "utla_code_2023": ("utla", "2023"),
               "region_code": ("region", "2019"), "england": ("england", "2021")}
    return [counts.groupby(parents[col]).sum().rename_axis("area_code").reset_index().assign(level=lv, vintage=v)
            for col, (lv, v) in targets.items()]


def _epc(ctx: BuildContext) -> pd.DataFrame:
    frames = []
    for sheet, iid in _EPC_SHEETS.items():
        raw = read_sheet(ctx, RAW["epc"], sheet, header_row=3)
        code = raw["Local authority district code"].astype(str)
        eng = raw[code.str.match(r"E0[6-9]")]
        value = eng["All dwellings"]
        # ":" marks fewer than five EPCs (workbook note 6)
        frames.append(pd.DataFrame({
            "indicator_id": iid, "area_code": eng["Local authority district code"],
            "value": pd.to_numeric(value.where(value != ":")),
            "status": np.where(value == ":", "suppressed", np.where(value.isna(), "missing", "ok")),
        }))
    return pd.concat(frames, ignore_index=True).assign(level="lad", vintage="2021", period="2021")


def _file8(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, RAW["file8"])
    meta = read_raw_csv(ctx, RAW["file8_meta"], encoding="utf-8-sig")
    years = dict(zip(meta["Indicator"], meta["Year"], strict=True))
    for iid, spec in FILE8.items():
        if years.get(spec.metadata_name) != spec.year:
            raise ValidationError(f"{iid}: metadata.csv gives year {years.get(spec.metadata_name)!r} for "
                                  f"{spec.metadata_name!r}; the catalogue says {spec.year!r}. Update FILE8.")
    frames = [pd.DataFrame({"indicator_id": iid, "area_code": raw["lsoa11_code"], "value": pd.to_numeric(raw[s.column])})
              for iid, s in FILE8.items()]
    return pd.concat(frames, ignore_index=True).assign(level="lsoa", vintage="2011", period="2019")


def build_table(ctx: BuildContext) -> pd.DataFrame:
    """Every housing row, checked, in the long indicator layout."""
    parts = [fuel_poverty(ctx), _fuel_poverty_series(ctx), _overcrowding(ctx), _epc(ctx), _file8(ctx)]
    rows = pd.concat(parts, ignore_index=True).assign(sex="persons")
    rows["status"] = rows["status"].fillna(pd.Series(np.where(rows["value"].isna(), "missing", "ok"), index=rows.index))
    table = finish_indicators(rows)
    series = {(iid, "lad", "2019"): 306 for iid in set(SERIES_DEFINITIONS.values())}
    check_table(ctx, table, catalogue=CATALOGUE, expected=series)
    return table


def _build(ctx: BuildContext) -> list[Output]:
    table = build_table(ctx)
    for iid, rows in table.groupby("indicator_id"):
        ctx.log(f"  {iid}: {len(rows):,} rows, periods {sorted(rows['period'].unique())}, "
                f"{rows['status'].value_counts().to_dict()}")
    return [write_parquet(ctx, table, "indicators/housing.parquet")]


# --- catalogue --------------------------------------------------------------------------------------

_OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
_BEIS = Source(
    publisher="Department for Business, Energy and Industrial Strategy (now DESNZ)",
    dataset="Sub-regional fuel poverty, England, 2022 (2020 data), Tables 2 and 3", raw_file=RAW["fuel_poverty"],
    url="https://www.gov.uk/government/statistics/sub-regional-fuel-poverty-2022", attribution=_OGL)
_SERIES = Source(
    publisher="BEIS/DECC sub-regional fuel poverty statistics, compiled by Caitlin Robinson (CaitHRobinson)",
    dataset="Fuel poverty % by local authority 2010-2019 (decade-of-fuel-poverty)", raw_file=RAW["fuel_series"],
    url="https://www.gov.uk/government/collections/fuel-poverty-sub-regional-statistics",
    licence="Source statistics Open Government Licence v3.0; compilation licence not stated", attribution=_OGL)
_CENSUS = Source(
    publisher="Office for National Statistics", dataset="Census 2021 TS052 occupancy rating for bedrooms, LSOA "
    "(via the R package demographr)", raw_file=RAW["overcrowding"],
    url="https://www.nomisweb.co.uk/sources/census_2021_bulk",
    attribution="Source: Office for National Statistics licensed under the Open Government Licence v3.0.")
_EPC = Source(
    publisher="Office for National Statistics (EPC data from DLUHC Open Data Communities; VOA)",
    dataset="Energy efficiency of housing, England and Wales, local authority districts, up to financial year "
    "ending March 2021, Tables 1a and 1e", raw_file=RAW["epc"],
    url="https://www.ons.gov.uk/peoplepopulationandcommunity/housing/datasets/"
    "energyefficiencyofhousingenglandandwaleslocalauthoritydistricts",
    attribution="Source: Office for National Statistics licensed under the Open Government Licence v3.0.")
_IOD = Source(
    publisher="Ministry of Housing, Communities and Local Government",
    dataset="English Indices of Deprivation 2019, File 8: underlying indicators (via the R package IMD; data years "
    "from its metadata.csv)", raw_file=f"{RAW['file8']}; {RAW['file8_meta']}",
    url="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019", attribution=_OGL)

_COMPILED = ("Compiled by CaitHRobinson from the yearly BEIS tables; values not re-verified against the originals.",
             "Holds 306 districts on 2019 codes; 11 of the 317 districts of 2019 are absent: those created or "
             "abolished by the 2019-2020 mergers (Bournemouth, Christchurch and Poole; Dorset; East and West Suffolk; "
             "Somerset West and Taunton; the four Buckinghamshire districts) and, for no stated reason, North Somerset "
             "and Folkestone and Hythe.")
_DEFINITIONS = ("The compiled file does not name the definition of each year. BEIS used the '10% of income' "
                "definition for its earliest sub-regional tables, Low Income High Costs (LIHC) from the 2012 data, and "
                "Low Income Low Energy Efficiency (LILEE) from the 2019 data; a step between definitions is not change.")

CATALOGUE: list[Indicator] = [
    Indicator(
        "fuel_poverty", "Households in fuel poverty", "Share of households that are fuel poor: on a low income and "
        "living in a home with energy efficiency band D or below (LILEE definition).", "% of households",
        "lower_is_better", "Housing", _BEIS, value_type="proportion", short_title="Fuel poverty (2020)",
        caveats=("Modelled estimates; BEIS advises using small-area figures for general patterns only.",
                 "Low Income Low Energy Efficiency (LILEE) definition, used since the 2019 data; not comparable with "
                 "the earlier LIHC or 10% figures (fuel_poverty_lihc, fuel_poverty_10pc).",
                 "Districts, counties and unitaries are on April 2021 codes; LSOAs are those of 2011.",
                 "Upper-tier rows of unitary authorities repeat their district row: the workbook lists them once."),
        valid_range=(0.0, 100.0)),
    Indicator(
        "fuel_poverty_10pc", "Households in fuel poverty, 2010-2011 (10% definition)", "Share of households that "
        "are fuel poor, as published in the early sub-regional tables.", "% of households", "lower_is_better",
        "Housing", _SERIES, value_type="proportion", short_title="Fuel poverty 2010-11 (10% definition)",
        caveats=(*_COMPILED, _DEFINITIONS, "Assigned to the 10% definition because the 2010 and 2011 levels (district "
                 "mean about 16% and 15%) sit well above the LIHC years (about 10%); the compilation does not say."),
        valid_range=(0.0, 60.0)),
    Indicator(
        "fuel_poverty_lihc", "Households in fuel poverty, 2012-2018 (LIHC)", "Share of households that are fuel "
        "poor: low income and high required fuel costs (LIHC definition).", "% of households", "lower_is_better",
        "Housing", _SERIES, value_type="proportion", short_title="Fuel poverty 2012-18 (LIHC)",
        caveats=(*_COMPILED, _DEFINITIONS), valid_range=(0.0, 60.0)),
    Indicator(
        "fuel_poverty_lilee_2019", "Households in fuel poverty, 2019 (LILEE, compiled)", "Share of households that "
        "are fuel poor: low income and energy efficiency band D or below (LILEE definition).", "% of households",
        "lower_is_better", "Housing", _SERIES, value_type="proportion", short_title="Fuel poverty 2019 (LILEE)",
        caveats=(*_COMPILED, _DEFINITIONS, "Same definition as the 2020 release (fuel_poverty), but kept separate "
                 "because it comes from a third-party compilation on 2019 district codes."),
        valid_range=(0.0, 60.0)),
    Indicator(
        "overcrowding_census21", "Overcrowded households (Census 2021)", "Share of households with fewer bedrooms "
        "than they need (occupancy rating for bedrooms of -1 or less).", "% of households", "lower_is_better",
        "Housing", _CENSUS, value_type="proportion", short_title="Overcrowding (Census 2021)", derived=True,
        method="Households with occupancy rating -1 or '-2 or less', divided by all households; both are official "
        "Census counts, kept as count and denominator; the % is rounded to 2 decimals. District (2023 codes), "
        "upper-tier, region and England rows sum the LSOA counts through the ONS LSOA 2021 lookup.",
        caveats=("ONS perturbs Census counts separately for each geography, so sums of LSOAs can differ by a few "
                 "households from the figures ONS publishes for districts, regions and England.",),
        valid_range=(0.0, 100.0)),
    Indicator(
        "epc_median_score", "Median energy efficiency score of homes", "Median Energy Performance Certificate "
        "score of all dwellings with a certificate (1-100; band C starts at 69).", "EPC score", "higher_is_better",
        "Housing", _EPC, value_type="score", short_title="Home energy efficiency (EPC median)",
        caveats=("Covers only dwellings with an EPC lodged up to March 2021 (needed when built, sold or let), "
                 "scored when assessed: later improvements without a new EPC are missed.",
                 "Period 2021 means all lodgements up to the financial year ending March 2021.",
                 "District codes of April 2021; rounded to whole numbers by ONS."),
        valid_range=(1.0, 100.0)),
    Indicator(
        "epc_band_c_plus", "Homes with EPC band C or above", "Share of dwellings with an Energy Performance "
        "Certificate whose energy efficiency score is 69 or more (band C or above).", "% of dwellings with an EPC",
        "higher_is_better", "Housing", _EPC, value_type="proportion", short_title="Homes with EPC band C+",
        caveats=("Covers only dwellings with an EPC lodged up to March 2021, scored when assessed.",
                 "Period 2021 means all lodgements up to the financial year ending March 2021.",
                 "District codes of April 2021."),
        valid_range=(0.0, 100.0)),
    *[
        Indicator(
            iid, f"{s.title} (IoD2019 indicator)", s.description, s.unit, "lower_is_better", s.group, _IOD,
            value_type=s.value_type, short_title=s.title, edition="IoD2019",
            caveats=(f"Data year {s.year} (IoD2019 metadata); period 2019 is the edition.",
                     "An input to the Indices of Deprivation 2019, published for LSOAs of 2011.",
                     *((s.caveat,) if s.caveat else ())),
            valid_range=s.valid_range)
        for iid, s in FILE8.items()
    ],
]

STAGES = [Stage("housing", _build, "fuel poverty, overcrowding, EPC energy efficiency, IoD2019 underlying indicators",
                needs=("lad", "utla", "region", "lsoa2011", "lsoa2021"))]
