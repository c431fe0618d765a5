"""Stage ``imd``: the English Indices of Deprivation 2004-2025 into the long table.

LSOA level, every edition the raw folder holds (2004, 2007, 2010 on 2001 LSOAs;
2015, 2019 on 2011 LSOAs; 2025 on 2021 LSOAs): the IMD, its domains and
sub-domains, IDACI and IDAOPI, as score, rank and decile wherever the raw files
hold them. District summaries: the official IoD2019 and IoD2025 File 10; earlier
editions only as the R package IMD's aggregations to 2021 districts, marked derived.

Indicator ids: ``imd{edition}_{domain}_{measure}`` (LSOA) and
``imd{edition}_{domain}_la_{measure}`` (district summaries). Outputs, one file per
edition so that readers load only what they need:
``indicators/imd{edition}_lsoa.parquet`` and ``indicators/imd_la.parquet``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import openpyxl
import pandas as pd

from geo.catalogue import Indicator, Polarity, Source
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, read_raw_csv, write_parquet
from geo.schema import INDICATOR_COLUMNS

__all__ = ["CATALOGUE", "DOMAINS", "EDITIONS", "STAGES", "la_summaries", "lsoa_table"]

_H = "indicators/humaniverse_imd/"
_M = "indicators/mhclg_iod2019/"
_FILE1 = _M + "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
_FILE3 = _M + "File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv.gz"
_FILE10 = _M + "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
_MYSOCIETY = "indicators/mysociety_composite_uk_imd/UK_IMD_E.csv.gz"
_ONS = "indicators/ons_income_deprivation/localincomedeprivationdata.xlsx"
_LA2025 = _H + "imd2025_england_ltla24.csv"


@dataclass(frozen=True)
class _Domain:
    title: str
    short: str
    group: str
    what: str


DOMAINS: dict[str, _Domain] = {
    "imd": _Domain("Index of Multiple Deprivation", "IMD", "Deprivation",
                   "the overall Index of Multiple Deprivation, combining the seven domains"),
    "income": _Domain("Income deprivation domain", "Income", "Deprivation domains",
                      "people on low incomes (out of work or on low earnings, from benefit and tax-credit records)"),
    "employment": _Domain("Employment deprivation domain", "Employment", "Deprivation domains",
                          "working-age people involuntarily out of work through unemployment, sickness or caring"),
    "education": _Domain("Education, skills and training domain", "Education", "Deprivation domains",
                         "lack of attainment and skills among children, young people and adults"),
    "health": _Domain("Health deprivation and disability domain", "Health", "Deprivation domains",
                      "risk of premature death and impaired quality of life through poor health"),
    "crime": _Domain("Crime domain", "Crime", "Deprivation domains",
                     "risk of personal and material victimisation"),
    "barriers": _Domain("Barriers to housing and services domain", "Barriers", "Deprivation domains",
                        "physical and financial access to housing and local services"),
    "living_env": _Domain("Living environment domain", "Living environment", "Deprivation domains",
                          "quality of the local environment, indoors and outdoors"),
    "children_young_people": _Domain("Children and young people sub-domain", "Children and young people",
                                     "Deprivation domains", "attainment and progression of children and young people"),
    "adult_skills": _Domain("Adult skills sub-domain", "Adult skills", "Deprivation domains",
                            "adults with low or no qualifications or little English"),
    "geographical_barriers": _Domain("Geographical barriers sub-domain", "Geographical barriers",
                                     "Deprivation domains", "road distance to a GP, school, shop and post office"),
    "wider_barriers": _Domain("Wider barriers sub-domain", "Wider barriers", "Deprivation domains",
                              "housing: overcrowding, homelessness, affordability"),
    "indoors": _Domain("Indoors living environment sub-domain", "Indoors", "Deprivation domains",
                       "housing in poor condition / without central heating"),
    "outdoors": _Domain("Outdoors living environment sub-domain", "Outdoors", "Deprivation domains",
                        "air quality and road traffic accidents"),
    "idaci": _Domain("Income Deprivation Affecting Children Index (IDACI)", "IDACI", "Deprivation",
                     "children aged 0-15 living in income-deprived families"),
    "idaopi": _Domain("Income Deprivation Affecting Older People Index (IDAOPI)", "IDAOPI", "Deprivation",
                      "people aged 60 and over who are income deprived"),
}

_SEVEN = ("income", "employment", "education", "health", "crime", "barriers", "living_env")
_SUBS = ("children_young_people", "adult_skills", "geographical_barriers", "wider_barriers", "indoors", "outdoors")
_SRD = ("score", "rank", "decile")
_RD = ("rank", "decile")

_ALIASES: dict[str, str] = {
    "imd": "imd", "income": "income", "employment": "employment", "health": "health", "crime": "crime",
    "education": "education", "education_skills_and_training_domain": "education",
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
_COLUMN = re.compile(r"^(?P<domain>.+?)_(?P<measure>score|rank|decile|rank_decile)$")
_IDENTIFIERS = re.compile(r"^(lsoa|lad)\d\d_(code|name)$")


@dataclass(frozen=True)
class _File:
    """One humaniverse LSOA table: the indicators it holds and which of them the package computed."""

    name: str
    content: Mapping[str, tuple[str, ...]]
    package: frozenset[str] = frozenset()  # measures computed by the R package, not published by MHCLG
    also: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # repeats of another file: checked, dropped


@dataclass(frozen=True)
class _Edition:
    year: str
    vintage: str  # LSOA code set
    files: tuple[_File, ...]

    @property
    def n(self) -> int:
        return {"2001": 32482, "2011": 32844, "2021": 33755}[self.vintage]


_OLD_SUB = {d: _SRD for d in ("education", "children_young_people", "adult_skills", "barriers",
                              "wider_barriers", "geographical_barriers", "living_env", "indoors", "outdoors")}
EDITIONS: dict[str, _Edition] = {
    "2004": _Edition("2004", "2001", (
        _File("imd2004_england_lsoa01.csv.gz", {"imd": _SRD}, frozenset({"decile"})),
        _File("imd2004_england_lsoa01_subdomains.csv.gz", _OLD_SUB, frozenset({"rank", "decile"})))),
    "2007": _Edition("2007", "2001", (
        _File("imd2007_england_lsoa01.csv.gz", {"imd": _SRD}, frozenset({"decile"})),
        _File("imd2007_england_lsoa01_subdomains.csv.gz", _OLD_SUB, frozenset({"rank", "decile"})))),
    "2010": _Edition("2010", "2001", (
        _File("imd2010_england_lsoa01.csv.gz", {d: _SRD for d in ("imd", *_SEVEN)}, frozenset({"decile"})),
        _File("imd2010_england_lsoa01_subdomains.csv.gz", {d: _SRD for d in _SUBS}, frozenset({"decile"})))),
    "2015": _Edition("2015", "2011", (
        _File("imd2015_england_lsoa11.csv.gz", {"imd": _SRD}),
        _File("imd2015_england_lsoa11_subdomains.csv.gz", {d: _SRD for d in _SUBS}))),
    "2019": _Edition("2019", "2011", (
        _File("imd2019_england_lsoa11.csv.gz", {d: _RD for d in ("imd", *_SEVEN)}),
        _File("imd2019_england_lsoa11_subdomains.csv.gz", {d: _RD for d in _SUBS},
              also={d: _RD for d in ("education", "barriers", "living_env")}))),
    "2025": _Edition("2025", "2021", (
        _File("imd2025_england_lsoa21.csv.gz", {d: _SRD for d in ("imd", *_SEVEN)}),
        _File("imd2025_england_lsoa21_subdomains.csv.gz", {d: _SRD for d in _SUBS}))),
}

#: Package columns left out: the R package cut these deciles from the scores in
#: ascending order (dplyr::ntile(score)), so decile 1 holds the LEAST deprived LSOAs.
_EXCLUDED: frozenset[tuple[str, str, str]] = frozenset({("2004", "living_env", "decile"),
                                                        ("2007", "living_env", "decile")})

#: IoD2019 indicators taken from official files other than humaniverse's File 7 copy.
_IOD2019_EXTRA: dict[tuple[str, str], str] = {
    ("imd", "score"): _MYSOCIETY, ("income", "score"): _ONS, ("employment", "score"): _MYSOCIETY,
    ("imd", "rank"): _FILE1, ("imd", "decile"): _FILE1,
    ("idaci", "rank"): _FILE3, ("idaci", "decile"): _FILE3, ("idaopi", "rank"): _FILE3, ("idaopi", "decile"): _FILE3,
}
#: Decile rows whose package decile differs from MHCLG's rule get this note.
_NOTE_DECILE = "package decile; MHCLG's rule ceil(rank / (N/10)) gives {}"
_DECILE_SLACK = 5  # an equal-tenths decile may hold N/10 +- this many LSOAs (ties at the cut)


# ---------------------------------------------------------------------------- LSOA

def _parse(column: str) -> tuple[str, str] | None:
    m = _COLUMN.match(column.lower())
    if not m or m["domain"] not in _ALIASES:
        return None
    return _ALIASES[m["domain"]], "decile" if m["measure"] == "rank_decile" else m["measure"]


def _read_file(ctx: BuildContext, edition: _Edition, spec: _File) -> dict[tuple[str, str], pd.Series]:
    """One humaniverse table as ``{(domain, measure): values indexed by LSOA code}``."""
    wide = read_raw_csv(ctx, _H + spec.name)
    code_col = f"lsoa{edition.vintage[2:]}_code"
    wide = wide.set_index(code_col)
    found: dict[tuple[str, str], pd.Series] = {}
    for column in wide.columns:
        key = _parse(column)
        if key is None:
            if _IDENTIFIERS.match(column):
                continue
            raise ValidationError(f"{spec.name}: column {column!r} is not a known IoD measure; "
                                  "add it to geo.ingest.imd._ALIASES or to the ignored identifiers.")
        found[key] = pd.to_numeric(wide[column], errors="raise").astype("float64")
    expected = {(d, m) for d, ms in {**spec.content, **spec.also}.items() for m in ms}
    if set(found) != expected:
        raise ValidationError(
            f"{spec.name}: expected measures {sorted(expected - set(found))} are missing and "
            f"{sorted(set(found) - expected)} were not expected; update EDITIONS in geo.ingest.imd."
        )
    return found


def lsoa_table(ctx: BuildContext, edition: str) -> pd.DataFrame:
    """Every LSOA indicator of one edition, validated, in long form (before the common columns)."""
    ed = EDITIONS[edition]
    series: dict[tuple[str, str], pd.Series] = {}
    for spec in ed.files:
        found = _read_file(ctx, ed, spec)
        for key in [(d, m) for d, ms in spec.also.items() for m in ms]:
            _same(found.pop(key), series[key], what=f"IoD{edition} {key[0]} {key[1]} in {spec.name}",
                  against="the main table")
        series.update(found)
    codes = series[("imd", "rank")].index
    known = _boundary_codes(ctx, "lsoa", ed.vintage)
    if known is not None and set(codes) != known:
        ctx.log(f"  unmatched: IoD{edition} LSOAs vs lsoa_{ed.vintage} boundaries: "
                f"{sorted(set(codes) - known)[:5]} not in boundaries, {sorted(known - set(codes))[:5]} without data")
    if edition == "2019":
        series.update(_iod2019_official(ctx, codes, humaniverse=series))
    for excluded_edition, domain, measure in _EXCLUDED:
        if excluded_edition == edition:
            ctx.log(f"  IoD{edition}: left out {domain} {measure}: the R package cut it from the scores in "
                    "ascending order, so its decile 1 is the least deprived")
            series.pop((domain, measure))
    notes = _validate_lsoa(ctx, ed, series, codes=codes)
    frames = []
    for (domain, measure), values in series.items():
        frames.append(pd.DataFrame({
            "indicator_id": f"imd{edition}_{domain}_{measure}", "area_code": values.index.to_numpy(),
            "value": values.to_numpy(), "note": notes.get((domain, measure)),
        }))
    out = pd.concat(frames, ignore_index=True)
    out["level"], out["vintage"], out["period"] = "lsoa", ed.vintage, edition
    return out


def _same(a: pd.Series, b: pd.Series, *, what: str, against: str, tol: float = 1e-9) -> None:
    """Raise unless two code-indexed series agree on every code."""
    a, b = a.align(b, join="outer")
    bad = ~((a - b).abs() <= tol)
    if bad.any():
        code = bad[bad].index[0]
        raise ValidationError(f"{what} disagrees with {against} for {int(bad.sum())} codes, e.g. {code}: "
                              f"{a[code]} vs {b[code]}; check the raw files against PROVENANCE.md.")


def _aligned(ctx: BuildContext, values: pd.Series, codes: pd.Index, *, source: str) -> pd.Series:
    """Put a joined column on the edition's LSOA codes, logging codes matched on one side only."""
    extra = values.index.difference(codes)
    absent = codes.difference(values.index)
    if len(extra) or len(absent):
        ctx.log(f"  unmatched: {source}: {len(extra)} codes not in the LSOA set (e.g. {list(extra[:3])}), "
                f"{len(absent)} LSOAs without a value (e.g. {list(absent[:3])})")
    return values.reindex(codes.union(values.index, sort=False))


def _iod2019_official(ctx: BuildContext, codes: pd.Index, *,
                      humaniverse: dict[tuple[str, str], pd.Series]) -> dict[tuple[str, str], pd.Series]:
    """IoD2019 values from the official carriers: scores, File 1 IMD rank/decile, File 3 IDACI/IDAOPI."""
    my = read_raw_csv(ctx, _MYSOCIETY)
    my = my[my["nation"] == "E"].set_index("lsoa")
    ons = _xlsx_frame(ctx, _ONS, sheet="LSOA").set_index("LSOA code (2011)")
    f1 = _xlsx_frame(ctx, _FILE1, sheet="IMD2019").set_index("LSOA code (2011)")
    f3 = read_raw_csv(ctx, _FILE3, encoding="utf-8-sig").set_index("LSOA code (2011)")

    def num(frame: pd.DataFrame, starts: str) -> pd.Series:
        column = next(c for c in frame.columns if c.startswith(starts))
        return pd.to_numeric(frame[column], errors="raise").astype("float64")

    imd_score = num(my, "overall_local_score")
    _same(imd_score, num(ons, "Overall Index of Multiple Deprivation (IMD) Score"),
          what="IoD2019 IMD score (mySociety copy of File 5)", against="the ONS income-deprivation workbook")
    # mySociety multiplied File 5's three-decimal rates by 100 in floating point; dividing by 100 and
    # rounding to the published three decimals gives the official "Score (rate)" back.
    income = num(ons, "Income Score (rate)")
    _same((num(my, "income_score") / 100).round(3), income, what="IoD2019 income score (ONS workbook)",
          against="mySociety's x100 copy of File 5")
    employment = (num(my, "employment_score") / 100).round(3)
    _same(employment * 100, num(my, "employment_score"), what="IoD2019 employment rate x100 (mySociety)",
          against="the same rate rounded to three decimals", tol=1e-6)
    imd_rank, imd_decile = num(f1, "Index of Multiple Deprivation (IMD) Rank"), num(f1, "Index of Multiple Deprivation (IMD) Decile")
    for source, frame in (("humaniverse File 7", None), ("File 3", f3)):
        rank = humaniverse[("imd", "rank")] if frame is None else num(frame, "Index of Multiple Deprivation (IMD) Rank")
        decile = humaniverse[("imd", "decile")] if frame is None else num(frame, "Index of Multiple Deprivation (IMD) Decile")
        _same(imd_rank, rank, what="IoD2019 IMD rank (File 1)", against=source)
        _same(imd_decile, decile, what="IoD2019 IMD decile (File 1)", against=source)
    raw = {
        ("imd", "score"): (imd_score, _MYSOCIETY), ("income", "score"): (income, _ONS),
        ("employment", "score"): (employment, _MYSOCIETY),
        ("imd", "rank"): (imd_rank, _FILE1), ("imd", "decile"): (imd_decile, _FILE1),
        ("idaci", "rank"): (num(f3, "Income Deprivation Affecting Children Index (IDACI) Rank"), _FILE3),
        ("idaci", "decile"): (num(f3, "Income Deprivation Affecting Children Index (IDACI) Decile"), _FILE3),
        ("idaopi", "rank"): (num(f3, "Income Deprivation Affecting Older People (IDAOPI) Rank"), _FILE3),
        ("idaopi", "decile"): (num(f3, "Income Deprivation Affecting Older People (IDAOPI) Decile"), _FILE3),
    }
    return {key: _aligned(ctx, values, codes, source=source) for key, (values, source) in raw.items()}


def _xlsx_frame(ctx: BuildContext, relative: str, *, sheet: str) -> pd.DataFrame:
    """A worksheet whose first row is the header, as a frame (codes stay strings)."""
    wb = openpyxl.load_workbook(ctx.raw(relative), read_only=True, data_only=True)
    try:
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h).strip() for h in rows[0]]
    return pd.DataFrame([r for r in rows[1:] if r[0] is not None], columns=header)


def _validate_lsoa(ctx: BuildContext, ed: _Edition, series: dict[tuple[str, str], pd.Series], *,
                   codes: pd.Index) -> dict[tuple[str, str], np.ndarray]:
    """Check every LSOA indicator of an edition; return notes for package deciles off MHCLG's rule."""
    declared = _declared_ids()
    notes: dict[tuple[str, str], np.ndarray] = {}
    n = ed.n
    for (domain, measure), values in series.items():
        name = f"imd{ed.year}_{domain}_{measure}"
        if name not in declared:
            raise ValidationError(f"{name} is built but not in geo.ingest.imd.CATALOGUE; declare it there.")
        if len(values) != n or not values.index.is_unique or not values.index.equals(codes):
            raise ValidationError(f"{name}: {len(values)} rows on {values.index.nunique()} codes; expected "
                                  f"the {n:,} LSOA {ed.vintage} codes of the edition's main table.")
        if values.isna().any():
            ctx.log(f"  note: {name}: {int(values.isna().sum())} LSOAs without a value (kept, status missing)")
        v = values.dropna()
        lo, hi = cast(tuple[float, float], declared[name].valid_range)
        if not v.between(lo, hi).all():
            bad = v[~v.between(lo, hi)]
            raise ValidationError(f"{name}: {len(bad)} values outside {lo}..{hi}, e.g. {bad.index[0]} = "
                                  f"{bad.iloc[0]}; widen valid_range only if the source says so.")
        official = not declared[name].derived
        if measure == "rank":
            _check_rank(name, v, score=series.get((domain, "score")), n=n, official=official)
        elif measure == "decile":
            rule = np.ceil(10 * series[(domain, "rank")] / n)
            _check_decile(name, v, n=n)
            off = rule.ne(values) & values.notna()
            if official and off.any():
                raise ValidationError(f"{name}: {int(off.sum())} official deciles differ from ceil(rank / (N/10)), "
                                      f"e.g. {off[off].index[0]}; the rank and decile columns are out of step.")
            if off.any():
                note = np.full(len(values), None, dtype=object)
                note[off.to_numpy()] = [_NOTE_DECILE.format(int(d)) for d in rule[off]]
                notes[(domain, measure)] = note
                ctx.log(f"  {name}: package decile differs from MHCLG's rule at {int(off.sum())} LSOAs (noted)")
            elif not official:
                ctx.log(f"  {name}: package decile equals MHCLG's rule ceil(rank / (N/10)) at every LSOA")
    return notes


def _check_rank(name: str, rank: pd.Series, *, score: pd.Series | None, n: int, official: bool) -> None:
    """Official ranks: 1..N, ties sharing the lowest rank (a permutation but for ties); rank 1 = top score."""
    if official and not ((rank % 1 == 0).all() and rank.eq(rank.rank(method="min")).all()):
        raise ValidationError(f"{name}: official ranks are not 1..{n} with tied LSOAs sharing the lower rank; "
                              "the column is not a complete ranking.")
    if score is not None:
        ordered = score.reindex(rank.sort_values(kind="stable").index)
        if (ordered.diff() > 1e-9).any():
            raise ValidationError(f"{name}: a higher rank number has a higher score somewhere; "
                                  "rank 1 must be the most deprived (highest score).")


def _check_decile(name: str, decile: pd.Series, *, n: int) -> None:
    counts = decile.value_counts()
    if set(counts.index) != set(range(1, 11)) or ((counts - n / 10).abs() > _DECILE_SLACK).any():
        raise ValidationError(f"{name}: decile counts {counts.sort_index().to_dict()}; expected 1..10 with "
                              f"about {n / 10:,.0f} LSOAs each.")


# ---------------------------------------------------------------------------- districts

_LA_MEASURES: dict[str, str] = {
    "average rank": "avg_rank", "rank of average rank": "rank_avg_rank",
    "average score": "avg_score", "rank of average score": "rank_avg_score",
    "proportion of lsoas in most deprived 10% nationally": "prop_most_deprived_10pc",
    "rank of proportion of lsoas in most deprived 10% nationally": "rank_prop_most_deprived_10pc",
    "extent": "extent", "rank of extent": "rank_extent",
    "local concentration": "local_concentration", "rank of local concentration": "rank_local_concentration",
    "scale": "scale", "rank of scale": "rank_scale",
}
_SHEETS = {"IMD": "imd", "Income": "income", "Employment": "employment", "Education": "education",
           "Health": "health", "Crime": "crime", "Barriers": "barriers", "Living": "living_env",
           "IDACI": "idaci", "IDAOPI": "idaopi"}
_LA_BASIC = ("avg_rank", "rank_avg_rank", "avg_score", "rank_avg_score",
             "prop_most_deprived_10pc", "rank_prop_most_deprived_10pc")
_LA_IMD = (*_LA_BASIC, "extent", "rank_extent", "local_concentration", "rank_local_concentration")
_LA_SCALE = (*_LA_BASIC, "scale", "rank_scale")
_LA_DERIVED = ("avg_score", "prop_most_deprived_10pc", "extent")


@dataclass(frozen=True)
class _LaRelease:
    edition: str
    vintage: str
    n: int
    raw_file: str
    content: Mapping[str, tuple[str, ...]]
    derived: bool = False


LA_RELEASES: tuple[_LaRelease, ...] = (
    *(_LaRelease(e, "2021", 309, _H + f"imd{e}_england_ltla21.csv", {"imd": _LA_DERIVED}, derived=True)
      for e in ("2004", "2007", "2010", "2015")),
    _LaRelease("2019", "2019", 317, _FILE10, {"imd": _LA_IMD, "income": _LA_SCALE, "employment": _LA_SCALE,
                                              **{d: _LA_BASIC for d in ("education", "health", "crime", "barriers",
                                                                        "living_env", "idaci", "idaopi")}}),
    # The IoD2025 district file carries Barnsley and Sheffield under their pre-2025 codes: the 2023 set.
    _LaRelease("2025", "2023", 296, _LA2025, {"imd": _LA_IMD, "income": _LA_SCALE, "employment": _LA_SCALE,
                                              **{d: _LA_BASIC for d in ("education", "health", "crime", "barriers",
                                                                        "living_env")}}),
)
#: Codes that tell the 2023 district set from the 2025 one (Barnsley, Sheffield).
_LAD_2023_ONLY, _LAD_2025_ONLY = {"E08000016", "E08000019"}, {"E08000038", "E08000039"}


def _la_measure(header: str) -> str | None:
    text = re.sub(r"\s+", " ", header).strip().lower()
    text = re.sub(r"^.*? - ", "", text)  # drop the domain prefix ("IMD 2019 - ", "Crime - ")
    text = re.sub(r"^(income|employment) scale$", "scale", text)
    text = re.sub(r"^rank of (income|employment) scale$", "rank of scale", text)
    return _LA_MEASURES.get(text)


def _file10_2019(ctx: BuildContext) -> dict[tuple[str, str], pd.Series]:
    wb = openpyxl.load_workbook(ctx.raw(_FILE10), read_only=True, data_only=True)
    out: dict[tuple[str, str], pd.Series] = {}
    try:
        for sheet, domain in _SHEETS.items():
            rows = list(wb[sheet].iter_rows(values_only=True))
            header, body = rows[0], [r for r in rows[1:] if r[0]]
            codes = pd.Index([str(r[0]) for r in body])
            for j, h in enumerate(header[2:], start=2):
                measure = _la_measure(str(h))
                if measure is None:
                    raise ValidationError(f"File 10 sheet {sheet}: unknown column {h!r}; add it to _LA_MEASURES.")
                out[(domain, measure)] = pd.Series([float(r[j]) for r in body], index=codes)
    finally:
        wb.close()
    _cross_check_ltla19(ctx, out)
    return out


def _cross_check_ltla19(ctx: BuildContext, file10: dict[tuple[str, str], pd.Series]) -> None:
    """humaniverse's tidy copy of File 10 must agree with the workbook."""
    tidy = read_raw_csv(ctx, _H + "imd2019_england_ltla19.csv").set_index("ltla19_code")
    names = {"Income": "income", "Employment": "employment", "Education": "education", "Health": "health",
             "Crime": "crime", "Housing_and_Access": "barriers", "Environment": "living_env"}
    pairs = {"Score": ("imd", "avg_score"), "Proportion": ("imd", "prop_most_deprived_10pc"),
             "Extent": ("imd", "extent")}
    for raw, domain in names.items():
        pairs[f"{raw}_Score"] = (domain, "avg_score")
        pairs[f"{raw}_Proportion"] = (domain, "prop_most_deprived_10pc")
    for column, key in pairs.items():
        _same(pd.to_numeric(tidy[column]).astype("float64"), file10[key],
              what=f"File 10 {key[0]} {key[1]}", against=f"humaniverse imd2019_england_ltla19 {column}")


def _file10_2025(ctx: BuildContext) -> dict[tuple[str, str], pd.Series]:
    raw = read_raw_csv(ctx, _LA2025).set_index("ltla24_code")
    prefixes = {"imd": "imd", "imd25": "imd", "income": "income", "employment": "employment",
                "education_skills_and_training": "education", "health_deprivation_and_disability": "health",
                "crime": "crime", "barriers_to_housing_and_services": "barriers", "living_environment": "living_env"}
    by_length = sorted(prefixes, key=len, reverse=True)
    out: dict[tuple[str, str], pd.Series] = {}
    for column in raw.columns.drop("ltla24_name"):
        m = re.match(r"^rank_of_(income|employment)_scale$", column)
        prefix = next((p for p in by_length if column.startswith(p + "_")), None)
        if m:
            domain, measure = m[1], "rank_scale"
        elif prefix is not None:
            domain = prefixes[prefix]
            # "lso_as" is how janitor::clean_names spelt "LSOAs".
            text = column[len(prefix) + 1:].replace("_", " ").replace("lso as", "lsoas").replace(" percent", "%")
            measure = _LA_MEASURES.get(text, "")
        if not m and (prefix is None or not measure):
            raise ValidationError(f"IoD2025 district column {column!r} not recognised; add it to _LA_MEASURES.")
        out[(domain, measure)] = pd.to_numeric(raw[column], errors="raise").astype("float64")
    codes = set(raw.index)
    if not (codes >= _LAD_2023_ONLY and not codes & _LAD_2025_ONLY):
        raise ValidationError("IoD2025 district file: expected Barnsley and Sheffield as E08000016/E08000019 "
                              "(2023 code set); the file has changed, set the vintage in LA_RELEASES again.")
    return out


def _derived_la(ctx: BuildContext, release: _LaRelease) -> dict[tuple[str, str], pd.Series]:
    raw = read_raw_csv(ctx, release.raw_file).set_index("ltla21_code")
    columns = {"Score": "avg_score", "Proportion": "prop_most_deprived_10pc", "Extent": "extent"}
    if set(raw.columns) != set(columns):
        raise ValidationError(f"{release.raw_file}: columns {list(raw.columns)}; expected {list(columns)}.")
    return {("imd", m): pd.to_numeric(raw[c], errors="raise").astype("float64") for c, m in columns.items()}


def la_summaries(ctx: BuildContext) -> pd.DataFrame:
    """District summaries of every edition, validated, in long form (before the common columns)."""
    frames = []
    for release in LA_RELEASES:
        series = (_derived_la(ctx, release) if release.derived
                  else _file10_2019(ctx) if release.edition == "2019" else _file10_2025(ctx))
        expected = {(d, m) for d, ms in release.content.items() for m in ms}
        if set(series) != expected:
            raise ValidationError(f"IoD{release.edition} districts: missing {sorted(expected - set(series))}, "
                                  f"unexpected {sorted(set(series) - expected)}; update LA_RELEASES.")
        _validate_la(ctx, release, series)
        for (domain, measure), values in series.items():
            frames.append(pd.DataFrame({"indicator_id": f"imd{release.edition}_{domain}_la_{measure}",
                                        "area_code": values.index.to_numpy(), "value": values.to_numpy(),
                                        "vintage": release.vintage, "period": release.edition}))
    out = pd.concat(frames, ignore_index=True)
    out["level"], out["note"] = "lad", None
    return out


def _validate_la(ctx: BuildContext, release: _LaRelease, series: dict[tuple[str, str], pd.Series]) -> None:
    declared = _declared_ids()
    codes = next(iter(series.values())).index
    known = _boundary_codes(ctx, "lad", release.vintage)
    if known is not None and set(codes) != known:
        ctx.log(f"  unmatched: IoD{release.edition} districts vs lad_{release.vintage} boundaries: "
                f"{sorted(set(codes) - known)[:5]} not in boundaries, {sorted(known - set(codes))[:5]} without data")
    for (domain, measure), values in series.items():
        name = f"imd{release.edition}_{domain}_la_{measure}"
        if name not in declared:
            raise ValidationError(f"{name} is built but not in geo.ingest.imd.CATALOGUE; declare it there.")
        if len(values) != release.n or not values.index.equals(codes) or not codes.is_unique or values.isna().any():
            raise ValidationError(f"{name}: {len(values)} rows, {int(values.isna().sum())} blank; "
                                  f"expected one value for each of {release.n} districts.")
        lo, hi = cast(tuple[float, float], declared[name].valid_range)
        if not values.between(lo, hi).all():
            bad = values[~values.between(lo, hi)]
            raise ValidationError(f"{name}: {len(bad)} values outside {lo}..{hi}, e.g. {bad.index[0]} = {bad.iloc[0]}.")
        if measure.startswith("rank_"):
            if not ((values % 1 == 0).all() and values.eq(values.rank(method="min")).all()):
                raise ValidationError(f"{name}: not a ranking 1..{release.n} with ties sharing the lower rank.")
            # Every summary is ranked so that rank 1 has the highest value (File 10 reverses LSOA ranks
            # before averaging, so a high average rank means more deprived).
            base = series[(domain, measure.removeprefix("rank_"))]
            ordered = base.reindex(values.sort_values(kind="stable").index)
            if (ordered.diff() > 1e-9).any():
                raise ValidationError(f"{name}: rank 1 is not the highest {measure.removeprefix('rank_')}.")


def _boundary_codes(ctx: BuildContext, level: str, vintage: str) -> set[str] | None:
    path = ctx.out_dir / "boundaries" / f"{level}_{vintage}.parquet"
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return set(pq.read_table(path, columns=["area_code"]).column(0).to_pylist())


# ---------------------------------------------------------------------------- writing

def _finish(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["sex"] = "persons"
    for col in ("lower_ci", "upper_ci", "count", "denominator"):
        df[col] = np.nan
    df["status"] = np.where(df["value"].isna(), "missing", "ok")
    df["note"] = df["note"].astype("str")
    for col in ("indicator_id", "area_code", "level", "vintage", "period", "sex", "status"):
        df[col] = df[col].astype("str")
    df = df[list(INDICATOR_COLUMNS)]
    # One indicator's codes then values in a row: ranks and deciles become long runs of small
    # integers in the same order for every indicator, which zstd compresses well.
    return df.sort_values(["indicator_id", "area_code"], kind="stable").reset_index(drop=True)


def _write_lsoa(ctx: BuildContext, df: pd.DataFrame, relative: str, *, n: int) -> Output:
    """Write an edition's LSOA rows losslessly but compactly, one row group per indicator.

    Sorted codes stored as prefix deltas cost a tenth of a dictionary here; one row group per
    indicator lets a filtered read skip every other indicator.
    """
    path = ctx.out(relative)
    df.to_parquet(
        path, index=False, compression="zstd", compression_level=19, row_group_size=n,
        use_dictionary=[c for c in df.columns if c not in ("area_code", "value")],
        column_encoding={"area_code": "DELTA_BYTE_ARRAY", "value": "PLAIN"},
    )
    return Output(path, len(df))


def _build(ctx: BuildContext) -> list[Output]:
    outputs = []
    for edition, ed in EDITIONS.items():
        table = _finish(lsoa_table(ctx, edition))
        ctx.log(f"  IoD{edition}: {table['indicator_id'].nunique()} LSOA indicators, {len(table):,} rows")
        outputs.append(_write_lsoa(ctx, table, f"indicators/imd{edition}_lsoa.parquet", n=ed.n))
    outputs.append(write_parquet(ctx, _finish(la_summaries(ctx)), "indicators/imd_la.parquet"))
    return outputs


# ---------------------------------------------------------------------------- catalogue

_CAVEAT = ("Editions of the Indices of Deprivation are not designed to measure change over time: "
           "show them side by side, not as a trend.")
_ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
_MHCLG = "Ministry of Housing, Communities and Local Government (MHCLG; earlier DLUHC, DCLG, ODPM)"

_METHOD = {
    "rank": ("Ranked by the R package IMD (humaniverse) from the official scores: 1 = highest score, tied "
             "scores share their average rank (so some ranks end in .5); MHCLG's own ranks were not in the package."),
    "decile": ("Cut into ten equal groups by the R package IMD (humaniverse; Hmisc::cut2 or dplyr::ntile) from "
               "the rank, not published by MHCLG. Checked against MHCLG's rule decile = ceil(rank / (N/10)): it "
               "agrees except at a few LSOAs on the cut points, whose note gives the rule's decile."),
}
#: Plausible score ranges by the scale the source publishes: rates 0-1, 0-100 indices, standardised scores.
_RATE, _INDEX, _STD = (0.0, 1.0), (0.0, 100.0), (-12.0, 12.0)
_SCORE_RANGE: dict[str, tuple[float, float]] = {
    "imd": _INDEX, "income": _RATE, "employment": _RATE, "idaci": _RATE, "idaopi": _RATE,
    "education": _INDEX, "barriers": _INDEX, "living_env": _INDEX, "health": _STD, "crime": _STD,
}
_SUB_RANGE: dict[str, tuple[float, float]] = {
    "2004": _STD, "2007": _INDEX, "2010": _INDEX, "2015": _STD, "2019": _STD, "2025": _STD,
}
_SUB_RANGE_EXCEPTIONS: dict[tuple[str, str], tuple[float, float]] = {
    # 2004 publishes the children sub-domain on a much wider standardised scale (-287 to 314).
    ("2004", "children_young_people"): (-500.0, 500.0),
    # 2007 publishes the two barriers sub-domains as standardised scores, the others 0-100.
    ("2007", "wider_barriers"): _STD, ("2007", "geographical_barriers"): _STD,
    ("2025", "geographical_barriers"): _INDEX,
}


def _score_range(edition: str, domain: str) -> tuple[float, float]:
    if domain in _SCORE_RANGE:
        return _SCORE_RANGE[domain]
    return _SUB_RANGE_EXCEPTIONS.get((edition, domain), _SUB_RANGE[edition])


def _score_unit(domain: str) -> str:
    if _SCORE_RANGE.get(domain) == _RATE:
        return "proportion of the relevant population (0-1; higher = more deprived)"
    return "score (higher = more deprived)"


def _lsoa_catalogue() -> list[Indicator]:
    out: list[Indicator] = []
    for edition, ed in EDITIONS.items():
        held: list[tuple[_File | None, str, str]] = [
            (spec, d, m) for spec in ed.files for d, ms in spec.content.items() for m in ms]
        if edition == "2019":
            held += [(None, d, m) for d, m in _IOD2019_EXTRA if (d, m) not in {(x[1], x[2]) for x in held}]
        for spec, domain, measure in held:
            if (edition, domain, measure) in _EXCLUDED:
                continue
            raw_file = _IOD2019_EXTRA.get((domain, measure), "") if edition == "2019" else ""
            raw_file = raw_file or _H + cast(_File, spec).name
            derived = spec is not None and measure in spec.package and not raw_file.startswith(_M)
            out.append(_lsoa_indicator(edition, ed, domain, measure, raw_file=raw_file, derived=derived))
    return out


def _lsoa_indicator(edition: str, ed: _Edition, domain: str, measure: str, *,
                    raw_file: str, derived: bool) -> Indicator:
    dom = DOMAINS[domain]
    n = ed.n
    units = {"score": _score_unit(domain), "rank": f"rank (1 = most deprived of {n:,} LSOAs)",
             "decile": "decile (1 = most deprived 10% of LSOAs in England)"}
    explain = {"score": "Higher scores are more deprived.",
               "rank": f"Rank 1 is the most deprived of England's {n:,} small areas.",
               "decile": "Decile 1 is the most deprived 10% of small areas in England."}
    caveats = [_CAVEAT, f"Small areas are LSOAs of {ed.vintage}; other LSOA sets need a lookup, not a direct join."]
    if measure == "score" and domain in _SUBS:
        caveats.append("Sub-domain scores are published on different scales in different editions "
                       "(standardised scores in some, 0-100 in others); compare ranks or deciles across editions.")
    if edition == "2019" and measure == "score":
        caveats.append("IoD2019 LSOA scores are held only for the IMD, Income and Employment: the official "
                       "File 5 with the other domain scores could not be obtained, so those have ranks and "
                       "deciles only.")
    if raw_file == _ONS:
        caveats.append("Official 'Score (rate)' from the ONS copy of the IoD2019 income domain; mySociety's "
                       "copy of File 5 (x100) agrees for every LSOA.")
    if raw_file == _MYSOCIETY and domain == "employment":
        caveats.append("mySociety stores the official File 5 rate x100; divided by 100 and rounded to the "
                       "three decimals MHCLG publishes.")
    if raw_file == _MYSOCIETY and domain == "imd":
        caveats.append("Official File 5 score as carried by mySociety's composite UK IMD (England rows); "
                       "identical to the ONS income-deprivation workbook for every LSOA.")
    publisher = _MHCLG if raw_file.startswith((_M, _H)) else (
        "Office for National Statistics, from MHCLG's IoD2019" if raw_file == _ONS
        else "mySociety (composite UK IMD), from MHCLG's IoD2019 File 5")
    return Indicator(
        indicator_id=f"imd{edition}_{domain}_{measure}",
        title=f"{dom.title}, IoD{edition}: {measure}",
        short_title=f"{dom.short} {edition} {measure}",
        description=f"{dom.title} for small areas: {dom.what}. {explain[measure]}",
        unit=units[measure],
        polarity=cast(Polarity, "lower_is_better" if measure == "score" else "higher_is_better"),
        group=dom.group,
        source=Source(publisher=publisher, dataset=f"English Indices of Deprivation {edition}"
                      + (" (via the R package IMD, humaniverse)" if raw_file.startswith(_H) else ""),
                      raw_file=raw_file, licence="Open Government Licence v3.0"
                      + ("; mySociety package CC BY 4.0" if raw_file == _MYSOCIETY else ""),
                      attribution=_ATTRIBUTION),
        value_type=measure, derived=derived, method=_METHOD[measure] if derived else "",
        caveats=tuple(caveats),
        valid_range={"score": _score_range(edition, domain), "rank": (1.0, float(n)), "decile": (1.0, 10.0)}[measure],
        edition=f"IoD{edition}",
    )


#: district measure -> (title, unit, value_type, polarity, plausible range; None = by domain or rank)
_LA_TITLES: dict[str, tuple[str, str, str, str, tuple[float, float] | None]] = {
    "avg_rank": ("average LSOA rank (ranks reversed, so higher = more deprived)", "average rank",
                 "rank", "lower_is_better", (1.0, 34000.0)),
    "rank_avg_rank": ("rank of average rank (1 = most deprived)", "rank", "rank", "higher_is_better", None),
    "avg_score": ("population-weighted average LSOA score", "", "score", "lower_is_better", None),
    "rank_avg_score": ("rank of average score (1 = most deprived)", "rank", "rank", "higher_is_better", None),
    "prop_most_deprived_10pc": ("proportion of LSOAs in the most deprived 10% nationally",
                                "proportion of LSOAs (0-1)", "proportion", "lower_is_better", (0.0, 1.0)),
    "rank_prop_most_deprived_10pc": ("rank of proportion in the most deprived 10% (1 = highest)", "rank",
                                     "rank", "higher_is_better", None),
    "extent": ("extent: share of people in the most deprived 30% of LSOAs (weighted)",
               "proportion of the population (0-1)", "proportion", "lower_is_better", (0.0, 1.0)),
    "rank_extent": ("rank of extent (1 = most deprived)", "rank", "rank", "higher_is_better", None),
    "local_concentration": ("local concentration: average reversed rank of the most deprived LSOAs holding "
                            "10% of the people (higher = more deprived)", "average rank", "rank",
                            "lower_is_better", (1.0, 34000.0)),
    "rank_local_concentration": ("rank of local concentration (1 = most deprived)", "rank", "rank",
                                 "higher_is_better", None),
    "scale": ("scale: number of people deprived (grows with population)", "people", "count",
              "lower_is_better", (0.0, 2_000_000.0)),
    "rank_scale": ("rank of scale (1 = most people deprived)", "rank", "rank", "higher_is_better", None),
}


def _la_catalogue() -> list[Indicator]:
    out = []
    for rel in LA_RELEASES:
        for domain, measures in rel.content.items():
            dom = DOMAINS[domain]
            for measure in measures:
                mtitle, unit, vtype, polarity, rng = _LA_TITLES[measure]
                if rng is None:
                    rng = (1.0, float(rel.n)) if vtype == "rank" else _SCORE_RANGE[domain]
                caveats = [_CAVEAT]
                if rel.derived:
                    caveats.append("Not the official district summary of the time (that covered 354 districts "
                                   "with old codes and is not held); an approximation on 2021 districts.")
                if rel.edition == "2025":
                    caveats.append("Districts as in the file: the 2023 code set (Barnsley E08000016, "
                                   "Sheffield E08000019).")
                source = Source(
                    publisher=_MHCLG if not rel.derived else "humaniverse / British Red Cross (R package IMD), "
                    "from MHCLG data",
                    dataset=f"English Indices of Deprivation {rel.edition}: local authority district summaries"
                    + {"2019": " (File 10)", "2025": " (File 10, via the R package IMD, humaniverse)"}.get(
                        rel.edition, ", aggregated to 2021 districts"),
                    raw_file=rel.raw_file, licence="Open Government Licence v3.0", attribution=_ATTRIBUTION)
                out.append(Indicator(
                    indicator_id=f"imd{rel.edition}_{domain}_la_{measure}",
                    title=f"{dom.title}, IoD{rel.edition}: district {mtitle}",
                    short_title=f"{dom.short} {rel.edition} district {measure.replace('_', ' ')}",
                    description=f"Local authority district summary, {dom.title} ({dom.what}): {mtitle}.",
                    unit=unit or "average " + _score_unit(domain), polarity=cast(Polarity, polarity),
                    group=dom.group, source=source, value_type=vtype, derived=rel.derived,
                    method="Population-weighted aggregation of LSOA scores to 2021 districts by the R package IMD "
                    "(best-fit LSOA01->LSOA11->LTLA21), not the official summary." if rel.derived else "",
                    caveats=tuple(caveats), valid_range=rng, edition=f"IoD{rel.edition}",
                ))
    return out


CATALOGUE: list[Indicator] = _lsoa_catalogue() + _la_catalogue()


def _declared_ids() -> dict[str, Indicator]:
    return {ind.indicator_id: ind for ind in CATALOGUE}


STAGES = [Stage("imd", _build, "English Indices of Deprivation 2004-2025, LSOA and district summaries")]
