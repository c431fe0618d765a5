"""Stage ``imd``: the English Indices of Deprivation 2004-2025 into the long table.

LSOA level, every edition (2004, 2007, 2010 on 2001 LSOAs; 2015, 2019 on 2011
LSOAs; 2025 on 2021 LSOAs): the IMD, its domains and sub-domains, IDACI and IDAOPI,
as score, rank and decile wherever the raw files hold them. LA summaries: the
official 2019 File 10 and 2025 File 10; earlier editions only as the R package
IMD's aggregations to 2021 districts, marked derived.

Indicator ids: ``imd{edition}_{domain}_{measure}`` (LSOA) and
``imd{edition}_{domain}_la_{measure}`` (district summaries).
"""

from __future__ import annotations

import re
from typing import cast

import numpy as np
import openpyxl
import pandas as pd

from geo.build._common import BuildContext, Output, Stage, read_raw_csv, write_parquet
from geo.catalogue import Indicator, Polarity, Source
from geo.errors import ValidationError
from geo.schema import INDICATOR_COLUMNS

__all__ = ["CATALOGUE", "DOMAINS", "STAGES", "lsoa_table", "la_summary_2019"]

_H = "indicators/humaniverse_imd/"
_M = "indicators/mhclg_iod2019/"

#: domain id -> (title, group, description)
DOMAINS: dict[str, tuple[str, str, str]] = {
    "imd": ("Index of Multiple Deprivation", "Deprivation", "the overall Index of Multiple Deprivation, combining seven domains"),
    "income": ("Income deprivation", "Deprivation domains", "people on low incomes (benefits and tax credits)"),
    "employment": ("Employment deprivation", "Deprivation domains", "working-age people involuntarily out of work"),
    "education": ("Education, skills and training deprivation", "Deprivation domains", "lack of attainment and skills in children and adults"),
    "health": ("Health deprivation and disability", "Deprivation domains", "premature death and impaired quality of life through poor health"),
    "crime": ("Crime", "Deprivation domains", "risk of personal and material victimisation"),
    "barriers": ("Barriers to housing and services", "Deprivation domains", "physical and financial access to housing and local services"),
    "living_env": ("Living environment deprivation", "Deprivation domains", "quality of the local environment, indoors and outdoors"),
    "children_young_people": ("Children and young people sub-domain", "Deprivation domains", "attainment and skills of children and young people"),
    "adult_skills": ("Adult skills sub-domain", "Deprivation domains", "adults with low or no qualifications or English language proficiency"),
    "geographical_barriers": ("Geographical barriers sub-domain", "Deprivation domains", "road distance to key local services"),
    "wider_barriers": ("Wider barriers sub-domain", "Housing", "overcrowding, homelessness and housing affordability"),
    "indoors": ("Indoors living environment sub-domain", "Housing", "housing in poor condition and houses without central heating"),
    "outdoors": ("Outdoors living environment sub-domain", "Deprivation domains", "air quality and road traffic accidents"),
    "idaci": ("Income Deprivation Affecting Children Index (IDACI)", "Deprivation", "children aged 0-15 living in income-deprived families"),
    "idaopi": ("Income Deprivation Affecting Older People Index (IDAOPI)", "Deprivation", "people aged 60 and over who are income deprived"),
}

_ALIASES: dict[str, str] = {
    "imd": "imd", "income": "income", "employment": "employment",
    "education": "education", "education_skills_and_training_domain": "education",
    "health": "health", "crime": "crime",
    "housing_and_access": "barriers", "housing_and_services": "barriers",
    "barriers_to_housing_and_services_domain": "barriers",
    "environment": "living_env", "living_environment_domain": "living_env",
    "skills_sub_domain": "adult_skills", "adult_skills": "adult_skills", "adult_skills_sub_domain": "adult_skills",
    "children_young_people_sub_domain": "children_young_people",
    "children_and_young_people_sub_domain": "children_young_people",
    "children_and_young_people": "children_young_people",
    "wider_barriers_sub_domain": "wider_barriers", "wider_barriers": "wider_barriers",
    "geographical_barriers_sub_domain": "geographical_barriers", "geographical_barriers": "geographical_barriers",
    "indoors_sub_domain": "indoors", "indoors": "indoors",
    "outdoors_sub_domain": "outdoors", "outdoors": "outdoors",
}

#: edition -> (LSOA vintage, raw files)
_EDITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "2004": ("2001", ("imd2004_england_lsoa01.csv.gz", "imd2004_england_lsoa01_subdomains.csv.gz")),
    "2007": ("2001", ("imd2007_england_lsoa01.csv.gz", "imd2007_england_lsoa01_subdomains.csv.gz")),
    "2010": ("2001", ("imd2010_england_lsoa01.csv.gz", "imd2010_england_lsoa01_subdomains.csv.gz")),
    "2015": ("2011", ("imd2015_england_lsoa11.csv.gz", "imd2015_england_lsoa11_subdomains.csv.gz")),
    "2019": ("2011", ("imd2019_england_lsoa11.csv.gz", "imd2019_england_lsoa11_subdomains.csv.gz")),
    "2025": ("2021", ("imd2025_england_lsoa21.csv.gz", "imd2025_england_lsoa21_subdomains.csv.gz")),
}
_N_LSOA = {"2001": 32482, "2011": 32844, "2021": 33755}
_COLUMN = re.compile(r"^(?P<domain>.+?)_(?P<measure>score|rank|decile|rank_decile)$")


def _parse(column: str) -> tuple[str, str] | None:
    m = _COLUMN.match(column.lower())
    if not m:
        return None
    domain = _ALIASES.get(m["domain"])
    if domain is None:
        return None
    measure = "decile" if m["measure"] == "rank_decile" else m["measure"]
    return domain, measure


def _long(wide: pd.DataFrame, *, code_col: str, edition: str, vintage: str) -> pd.DataFrame:
    frames = []
    for column in wide.columns:
        parsed = _parse(column)
        if parsed is None:
            continue
        domain, measure = parsed
        values = pd.to_numeric(wide[column], errors="raise").astype("float64")
        frames.append(pd.DataFrame({"indicator_id": f"imd{edition}_{domain}_{measure}",
                                    "area_code": wide[code_col].to_numpy(), "value": values.to_numpy()}))
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["indicator_id", "area_code"])
    out["level"], out["vintage"], out["period"] = "lsoa", vintage, edition
    return out


def lsoa_table(ctx: BuildContext, edition: str) -> pd.DataFrame:
    """Every LSOA indicator of one edition, in long form (before the common columns)."""
    vintage, files = _EDITIONS[edition]
    frames = []
    for name in files:
        wide = read_raw_csv(ctx, _H + name)
        code_col = next(c for c in wide.columns if c.startswith("lsoa") and c.endswith("_code"))
        frames.append(_long(wide, code_col=code_col, edition=edition, vintage=vintage))
    if edition == "2019":
        frames.extend(_iod2019_extras(ctx))
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["indicator_id", "area_code"])
    _validate_lsoa(out, n=_N_LSOA[vintage])
    return out


def _iod2019_extras(ctx: BuildContext) -> list[pd.DataFrame]:
    """2019 scores (mySociety copy of File 5) and the official IDACI/IDAOPI ranks and deciles (File 3)."""
    my = read_raw_csv(ctx, "indicators/mysociety_composite_uk_imd/UK_IMD_E.csv.gz")
    my = my[my["nation"] == "E"]
    scores = pd.DataFrame({"lsoa11_code": my["lsoa"], "IMD_score": my["overall_local_score"],
                           # mySociety stores the income and employment rates x100; File 5 publishes proportions.
                           "Income_score": (pd.to_numeric(my["income_score"]) / 100).round(6),
                           "Employment_score": (pd.to_numeric(my["employment_score"]) / 100).round(6)})
    f3 = read_raw_csv(ctx, _M + "File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv.gz", encoding="utf-8-sig")
    f3 = pd.DataFrame({
        "lsoa11_code": f3["LSOA code (2011)"],
        "IDACI_rank": f3[next(c for c in f3.columns if c.startswith("Income Deprivation Affecting Children") and "Rank" in c)],
        "IDACI_decile": f3[next(c for c in f3.columns if c.startswith("Income Deprivation Affecting Children") and "Decile" in c)],
        "IDAOPI_rank": f3[next(c for c in f3.columns if c.startswith("Income Deprivation Affecting Older") and "Rank" in c)],
        "IDAOPI_decile": f3[next(c for c in f3.columns if c.startswith("Income Deprivation Affecting Older") and "Decile" in c)],
    })
    _ALIASES.update({"idaci": "idaci", "idaopi": "idaopi"})
    return [_long(scores, code_col="lsoa11_code", edition="2019", vintage="2011"),
            _long(f3, code_col="lsoa11_code", edition="2019", vintage="2011")]


def _validate_lsoa(df: pd.DataFrame, *, n: int) -> None:
    for indicator_id, rows in df.groupby("indicator_id"):
        if len(rows) != n:
            raise ValidationError(f"{indicator_id}: {len(rows)} LSOAs; expected {n}.")
        values = rows["value"].dropna()
        if str(indicator_id).endswith("_decile") and not values.between(1, 10).all():
            raise ValidationError(f"{indicator_id}: deciles outside 1..10.")
        if str(indicator_id).endswith("_rank") and not values.between(1, n).all():
            raise ValidationError(f"{indicator_id}: ranks outside 1..{n}.")


_LA_MEASURES = {
    "Average rank": "avg_rank", "Rank of average rank": "rank_avg_rank", "Average score": "avg_score",
    "Rank of average score": "rank_avg_score", "Proportion of LSOAs in most deprived 10% nationally": "prop_most_deprived_10pc",
    "Rank of proportion of LSOAs in most deprived 10% nationally": "rank_prop_most_deprived_10pc",
    "Extent": "extent", "Rank of extent": "rank_extent", "Local concentration": "local_concentration",
    "Rank of local concentration": "rank_local_concentration", "scale": "scale", "Rank of Scale": "rank_scale",
}
_SHEETS = {"IMD": "imd", "Income": "income", "Employment": "employment", "Education": "education",
           "Health": "health", "Crime": "crime", "Barriers": "barriers", "Living": "living_env",
           "IDACI": "idaci", "IDAOPI": "idaopi"}


def _la_measure(header: str) -> str | None:
    text = re.sub(r"\s+", " ", header).strip()
    text = re.sub(r"^.*? - ", "", text)  # drop the domain prefix
    text = re.sub(r"^(Income|Employment) scale$", "scale", text)
    text = re.sub(r"^Rank of (Income|Employment) Scale$", "Rank of Scale", text)
    return _LA_MEASURES.get(text)


def la_summary_2019(ctx: BuildContext) -> pd.DataFrame:
    """The official IoD2019 File 10 district summaries, every sheet, in long form."""
    wb = openpyxl.load_workbook(ctx.raw(_M + "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"),
                                read_only=True, data_only=True)
    frames = []
    for sheet, domain in _SHEETS.items():
        rows = list(wb[sheet].iter_rows(values_only=True))
        header, body = rows[0], [r for r in rows[1:] if r[0]]
        for j, h in enumerate(header[2:], start=2):
            measure = _la_measure(str(h))
            if measure is None:
                raise ValidationError(f"File 10 sheet {sheet}: unknown column {h!r}.")
            frames.append(pd.DataFrame({"indicator_id": f"imd2019_{domain}_la_{measure}",
                                        "area_code": [r[0] for r in body],
                                        "value": [float(r[j]) for r in body]}))
    out = pd.concat(frames, ignore_index=True)
    out["level"], out["vintage"], out["period"] = "lad", "2019", "2019"
    return out


def _la_summary_2025(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, _H + "imd2025_england_ltla24.csv")
    prefixes = {"imd": "imd", "income": "income", "employment": "employment",
                "education_skills_and_training": "education", "health_deprivation_and_disability": "health",
                "crime": "crime", "barriers_to_housing_and_services": "barriers", "living_environment": "living_env",
                "income_deprivation_affecting_children_index_idaci": "idaci",
                "income_deprivation_affecting_older_people_index_idaopi": "idaopi", "idaci": "idaci", "idaopi": "idaopi"}
    suffixes = {"average_rank": "avg_rank", "rank_of_average_rank": "rank_avg_rank", "average_score": "avg_score",
                "rank_of_average_score": "rank_avg_score",
                "proportion_of_lso_as_in_most_deprived_10_percent_nationally": "prop_most_deprived_10pc",
                "rank_of_proportion_of_lso_as_in_most_deprived_10_percent_nationally": "rank_prop_most_deprived_10pc",
                "extent": "extent", "rank_of_extent": "rank_extent", "local_concentration": "local_concentration",
                "rank_of_local_concentration": "rank_local_concentration", "scale": "scale"}
    frames = []
    for column in raw.columns[2:]:
        col = column.replace("imd25_", "imd_")
        m = re.match(r"^rank_of_(income|employment)_scale$", col)
        domain: str | None
        measure: str | None
        if m:
            domain, measure = m[1], "rank_scale"
        else:
            domain = next((d for p, d in sorted(prefixes.items(), key=lambda kv: -len(kv[0])) if col.startswith(p + "_")), None)
            prefix = next((p for p in sorted(prefixes, key=len, reverse=True) if col.startswith(p + "_")), "")
            measure = suffixes.get(col[len(prefix) + 1:]) if domain else None
        if domain is None or measure is None:
            ctx.log(f"  note: IoD2025 district column {column!r} not recognised; left out")
            continue
        frames.append(pd.DataFrame({"indicator_id": f"imd2025_{domain}_la_{measure}", "area_code": raw["ltla24_code"],
                                    "value": pd.to_numeric(raw[column]).astype("float64")}))
    out = pd.concat(frames, ignore_index=True)
    out["level"], out["vintage"], out["period"] = "lad", "2023", "2025"
    return out


def _la_derived(ctx: BuildContext) -> pd.DataFrame:
    frames = []
    for edition in ("2004", "2007", "2010", "2015"):
        raw = read_raw_csv(ctx, _H + f"imd{edition}_england_ltla21.csv")
        for column, measure in (("Score", "avg_score"), ("Proportion", "prop_most_deprived_10pc"), ("Extent", "extent")):
            frames.append(pd.DataFrame({"indicator_id": f"imd{edition}_imd_la_{measure}", "area_code": raw["ltla21_code"],
                                        "value": pd.to_numeric(raw[column]).astype("float64"), "period": edition}))
    out = pd.concat(frames, ignore_index=True)
    out["level"], out["vintage"] = "lad", "2021"
    return out


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["sex"] = "persons"
    for col in ("lower_ci", "upper_ci", "count", "denominator"):
        df[col] = np.nan
    df["status"] = np.where(df["value"].isna(), "missing", "ok")
    df["note"] = None
    df["note"] = df["note"].astype("str")
    df = df[list(INDICATOR_COLUMNS)]
    # Small-area tables compress about 40% better sorted by area (the codes run-length encode).
    order = ["area_code", "indicator_id"] if (df["level"] == "lsoa").all() else ["indicator_id", "area_code"]
    return df.sort_values(order).reset_index(drop=True)


def _build(ctx: BuildContext) -> list[Output]:
    outputs = []
    for edition in _EDITIONS:
        table = _finish(lsoa_table(ctx, edition))
        ctx.log(f"  IoD{edition}: {table['indicator_id'].nunique()} LSOA indicators")
        outputs.append(write_parquet(ctx, table, f"indicators/imd{edition}_lsoa.parquet"))
    la = _finish(pd.concat([la_summary_2019(ctx), _la_summary_2025(ctx), _la_derived(ctx)], ignore_index=True))
    outputs.append(write_parquet(ctx, la, "indicators/imd_la.parquet"))
    return outputs


def _catalogue() -> list[Indicator]:
    out: list[Indicator] = []
    official = Source(
        publisher="Ministry of Housing, Communities and Local Government (MHCLG/DLUHC/DCLG/ODPM)",
        dataset="English Indices of Deprivation (via the R package IMD, humaniverse)",
        raw_file=_H, attribution="Contains public sector information licensed under the Open Government Licence v3.0.",
    )
    caveat = "Editions of the Indices are not designed to measure change over time: compare them side by side, not as a trend."
    measures = {
        "score": ("score", "lower_is_better", "score", "Higher scores are more deprived."),
        "rank": ("rank (1 = most deprived)", "higher_is_better", "rank", "Rank 1 is the most deprived small area in England."),
        "decile": ("decile (1 = most deprived 10%)", "higher_is_better", "decile", "Decile 1 is the most deprived 10% of small areas in England."),
    }
    # Sub-domain scores are standardised and can be far below zero (2004 children: -287 to 314).
    ranges = {"score": (-400.0, 400.0), "rank": (1.0, 34000.0), "decile": (1.0, 10.0)}
    for edition, (vintage, _files) in _EDITIONS.items():
        for domain, (title, group, what) in DOMAINS.items():
            for measure, (unit, polarity, vtype, note) in measures.items():
                derived = edition in ("2004", "2007") and domain not in ("imd",) and measure != "score"
                derived = derived or (edition in ("2004", "2007") and domain == "imd" and measure == "decile")
                out.append(Indicator(
                    indicator_id=f"imd{edition}_{domain}_{measure}",
                    title=f"{title}, IoD{edition}: {measure}",
                    short_title=f"IoD{edition} {title.split(' (')[0]} {measure}",
                    description=f"{title} for small areas (LSOA {vintage}): {what}. {note}",
                    unit=unit, polarity=cast(Polarity, polarity), group=group, source=official, value_type=vtype,
                    derived=derived,
                    method="Ranks and deciles computed by the R package IMD (humaniverse) from the official scores."
                    if derived else "",
                    caveats=(caveat,) + (("2019 scores for domains other than Income and Employment, and for sub-domains, "
                                          "were not obtainable; ranks and deciles are official.",) if edition == "2019" else ()),
                    valid_range=ranges[measure], edition=f"IoD{edition}",
                ))
    la_titles = {
        "avg_score": ("average score", "score", "lower_is_better", (-5.0, 100.0)),
        "rank_avg_score": ("rank of average score (1 = most deprived)", "rank", "higher_is_better", (1.0, 400.0)),
        "avg_rank": ("average rank", "rank", "higher_is_better", (1.0, 34000.0)),
        "rank_avg_rank": ("rank of average rank (1 = most deprived)", "rank", "higher_is_better", (1.0, 400.0)),
        "prop_most_deprived_10pc": ("proportion of LSOAs in the most deprived 10% nationally", "proportion", "lower_is_better", (0.0, 1.0)),
        "rank_prop_most_deprived_10pc": ("rank of proportion in most deprived 10%", "rank", "higher_is_better", (1.0, 400.0)),
        "extent": ("extent (share of population in the most deprived 30%, weighted)", "proportion", "lower_is_better", (0.0, 1.0)),
        "rank_extent": ("rank of extent", "rank", "higher_is_better", (1.0, 400.0)),
        "local_concentration": ("local concentration", "rank", "higher_is_better", (1.0, 34000.0)),
        "rank_local_concentration": ("rank of local concentration", "rank", "higher_is_better", (1.0, 400.0)),
        "scale": ("scale (number of people deprived)", "count", "none", (0.0, 2_000_000.0)),
        "rank_scale": ("rank of scale", "rank", "higher_is_better", (1.0, 400.0)),
    }
    for edition in ("2004", "2007", "2010", "2015", "2019", "2025"):
        for domain, (title, _group, what) in DOMAINS.items():
            for measure, (mtitle, vtype, polarity, rng) in la_titles.items():
                derived = edition not in ("2019", "2025")
                out.append(Indicator(
                    indicator_id=f"imd{edition}_{domain}_la_{measure}",
                    title=f"{title}, IoD{edition}: district {mtitle}",
                    short_title=f"IoD{edition} {title.split(' (')[0]}: {mtitle}",
                    description=f"Local authority district summary of {title.lower()} ({what}): {mtitle}.",
                    unit=vtype, polarity=cast(Polarity, polarity), group="Deprivation" if domain == "imd" else "Deprivation domains",
                    source=official if not derived else Source(
                        publisher="humaniverse / British Red Cross (R package IMD), from MHCLG data",
                        dataset=f"IMD {edition} aggregated to 2021 districts", raw_file=_H + f"imd{edition}_england_ltla21.csv"),
                    value_type=vtype, derived=derived,
                    method="Population-weighted aggregation of LSOA scores to 2021 districts by the R package IMD "
                    "(best-fit LSOA 2001 -> LSOA 2011 -> LTLA 2021); not the official summary for the districts of the time."
                    if derived else "",
                    caveats=(caveat,), valid_range=rng, edition=f"IoD{edition}",
                ))
    return out


CATALOGUE = _catalogue()
STAGES = [Stage("imd", _build, "English Indices of Deprivation 2004-2025, LSOA and district summaries")]
