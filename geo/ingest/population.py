"""Stage ``population``: ONS population estimates and the IoD2019 denominators.

Age bands (children under 5, under 16, people 65 and over) are sums of ONS's
single-year-of-age counts: arithmetic on official counts, checked against the
published totals. Each age band is also held as a share of all residents
(``pop_0_4_share`` ...), the count divided by the total of the same table, area
and period. The module also holds :func:`check_table`, the validation that the
population and housing stages share.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from geo.catalogue import Indicator, Source
from geo.contract import boundary_codes, check_indicator_contract, finish_indicators
from geo.errors import ValidationError, VintageMismatchError
from geo.ingest._common import BuildContext, Output, Stage, read_raw_csv, write_parquet
from geo.schema import ENGLAND_CODE, boundary_set, vintages

__all__ = [
    "AGE_BANDS", "CATALOGUE", "FILE6", "LEVEL_BOUNDS", "RAW", "SHARES", "STAGES",
    "age_bands", "build_table", "check_table", "shares",
]

_P = "indicators/ons_population/"
#: Raw files read by this stage, relative to the raw folder.
RAW: dict[str, str] = {
    "lsoa2019": _P + "population19_lsoa11.csv.gz",
    "lsoa2020": _P + "population20_lsoa11.csv.gz",
    "lad2019": _P + "population19_ltla19.csv",
    "lad2020": _P + "population20_ltla21.csv",
    "mid2023": _P + "population_england_2023.csv",
    "file6": "indicators/mhclg_iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz",
}

#: indicator id -> (first age, last age); 90 stands for the published "90+" column.
AGE_BANDS: dict[str, tuple[int, int]] = {"pop_0_4": (0, 4), "pop_0_15": (0, 15), "pop_65_plus": (65, 90)}

#: IoD2019 File 6 column -> indicator id.
FILE6: dict[str, str] = {
    "Total population: mid 2015 (excluding prisoners)": "pop_total_iod2019",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)": "pop_0_15_iod2019",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)": "pop_60_plus_iod2019",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)":
        "pop_working_age_iod2019",
}

#: Plausible (min, max) by (indicator id, level), tighter than the catalogue's valid_range.
#: Set from the raw files: LSOA totals 585-17,274 (mid-2019/20), 523-9,551 (File 6);
#: district totals 2,224 (Isles of Scilly) to 1,141,816 (Birmingham).
LEVEL_BOUNDS: dict[tuple[str, str], tuple[float, float]] = {
    ("pop_total", "lsoa"): (500.0, 20_000.0),
    ("pop_total", "lad"): (2_000.0, 1_200_000.0),
    ("pop_total_iod2019", "lsoa"): (500.0, 10_000.0),
    **{(iid, "lsoa"): (0.0, 20_000.0) for iid in (*AGE_BANDS, *FILE6.values()) if iid != "pop_total_iod2019"},
}

#: share indicator id -> (count indicator id, total indicator id); both from the same table.
SHARES: dict[str, tuple[str, str]] = {
    **{f"{iid}_share": (iid, "pop_total") for iid in AGE_BANDS},
    # Not the working-age count: MHCLG's employment-domain denominator (18-59/64) exceeds the total
    # population in some LSOAs (e.g. E01005128), so it is not a subset of that total.
    **{f"{iid}_share": (iid, "pop_total_iod2019") for iid in ("pop_0_15_iod2019", "pop_60_plus_iod2019")},
}

_AGES = [str(a) for a in range(90)] + ["90+"]
_LA_FILES = (("lad2019", "ltla19_code", "2019", "2019"), ("lad2020", "ltla21_code", "2021", "2020"))


def age_bands(wide: pd.DataFrame, *, code_col: str) -> pd.DataFrame:
    """Long rows (indicator_id, area_code, value) of pop_total and each age band.

    Raises :class:`ValidationError` when the single years do not add up to the
    published ``total_population``.
    """
    counts = wide[_AGES].apply(pd.to_numeric).to_numpy()
    total = pd.to_numeric(wide["total_population"]).to_numpy()
    off = counts.sum(axis=1) != total
    if off.any():
        raise ValidationError(
            f"Single years of age do not add up to total_population for {int(off.sum())} areas "
            f"(e.g. {wide.loc[off, code_col].iloc[0]}); check the raw file was not truncated."
        )
    codes = wide[code_col].to_numpy()
    frames = [pd.DataFrame({"indicator_id": "pop_total", "area_code": codes, "value": total})]
    frames += [
        pd.DataFrame({"indicator_id": iid, "area_code": codes, "value": counts[:, lo : hi + 1].sum(axis=1)})
        for iid, (lo, hi) in AGE_BANDS.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _lsoa_estimates(ctx: BuildContext) -> tuple[pd.DataFrame, dict[str, float]]:
    frames, england = [], {}
    for period in ("2019", "2020"):
        wide = read_raw_csv(ctx, RAW[f"lsoa{period}"])
        wide = wide[wide["lsoa11_code"].str.startswith("E01")]
        england[period] = float(pd.to_numeric(wide["total_population"]).sum())
        frames.append(age_bands(wide, code_col="lsoa11_code").assign(level="lsoa", vintage="2011", period=period))
    return pd.concat(frames, ignore_index=True), england


def _la_estimates(ctx: BuildContext, *, england: Mapping[str, float]) -> pd.DataFrame:
    frames = []
    for key, code_col, vintage, period in _LA_FILES:
        wide = read_raw_csv(ctx, RAW[key])
        wide = wide[wide[code_col].str.startswith("E")]
        long = age_bands(wide, code_col=code_col).assign(level="lad", vintage=vintage, period=period)
        total = long.loc[long["indicator_id"] == "pop_total", "value"].sum()
        if total != england[period]:
            raise ValidationError(
                f"Mid-{period} district totals sum to {total:,.0f} but the LSOA estimates to {england[period]:,.0f}; "
                "both are ONS figures for England and should agree. Check the raw files."
            )
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def _mid2023(ctx: BuildContext) -> pd.DataFrame:
    """Mid-2023 totals: districts, counties and unitaries (UTLA), regions and England."""
    raw = read_raw_csv(ctx, RAW["mid2023"])
    value = pd.to_numeric(raw["Estimated Population mid-2023"])
    prefix = raw["Code"].str[:3]
    parts = {
        "lad": prefix.isin(["E06", "E07", "E08", "E09"]),
        "utla": prefix.isin(["E06", "E08", "E09", "E10"]),
        "region": prefix == "E12",
        "england": raw["Code"] == ENGLAND_CODE,
    }
    vintage = {"lad": "2023", "utla": "2023", "region": "2019", "england": "2023"}
    frames = [
        pd.DataFrame({"indicator_id": "pop_total", "area_code": raw.loc[mask, "Code"], "value": value[mask],
                      "level": level, "vintage": vintage[level], "period": "2023"})
        for level, mask in parts.items()
    ]
    skipped = raw.loc[raw["Code"].str.startswith("E") & ~np.logical_or.reduce(list(parts.values())), "Code"]
    ctx.log(f"  mid-2023: left out {len(skipped)} English rows of levels the atlas does not map "
            f"(metropolitan counties): {', '.join(sorted(skipped))}")
    eng = float(value[parts["england"]].sum())
    for level in ("lad", "utla", "region"):
        if float(value[parts[level]].sum()) != eng:
            raise ValidationError(
                f"Mid-2023 {level} rows sum to {value[parts[level]].sum():,.0f}, not England's {eng:,.0f}; "
                "the third-party extract may have lost rows."
            )
    return pd.concat(frames, ignore_index=True)


def _iod_denominators(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, RAW["file6"], encoding="utf-8-sig")
    missing = set(FILE6) - set(raw.columns)
    if missing:
        raise ValidationError(f"IoD2019 File 6 lacks columns {sorted(missing)}; found {list(raw.columns)}.")
    frames = [
        pd.DataFrame({"indicator_id": iid, "area_code": raw["LSOA code (2011)"], "value": pd.to_numeric(raw[col])})
        for col, iid in FILE6.items()
    ]
    return pd.concat(frames, ignore_index=True).assign(level="lsoa", vintage="2011", period="2015")


def shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Each age band of ``counts`` as a percentage of the total of the same area, period and vintage.

    ``counts`` holds long rows (indicator_id, area_code, level, vintage, period, value).
    Bands are paired with totals by :data:`SHARES`; a band with no total (or a zero
    or missing one) gets a missing value and a note, never an estimate.
    """
    keys = ["area_code", "level", "vintage", "period"]
    frames = []
    for share_id, (count_id, total_id) in SHARES.items():
        band = counts.loc[counts["indicator_id"] == count_id, [*keys, "value"]]
        if band.empty:
            continue
        total = counts.loc[counts["indicator_id"] == total_id, [*keys, "value"]]
        rows = band.merge(total, on=keys, how="left", suffixes=("", "_total"), validate="one_to_one")
        denominator = rows["value_total"].where(rows["value_total"] > 0)
        missing = denominator.isna()
        frames.append(rows[keys].assign(
            indicator_id=share_id,
            value=100.0 * rows["value"] / denominator,
            count=rows["value"],
            denominator=denominator,
            status=np.where(missing, "missing", "ok"),
            note=pd.Series(f"no {total_id} for this area and period, so no share", index=rows.index).where(missing),
        ))
    return pd.concat(frames, ignore_index=True)


def build_table(ctx: BuildContext) -> pd.DataFrame:
    """Every population row, checked, in the long indicator layout."""
    lsoa, england = _lsoa_estimates(ctx)
    counts = pd.concat([lsoa, _la_estimates(ctx, england=england), _mid2023(ctx), _iod_denominators(ctx)],
                       ignore_index=True).assign(status="ok", note=None)
    table = finish_indicators(pd.concat([counts, shares(counts)], ignore_index=True).assign(sex="persons"))
    check_table(ctx, table, catalogue=CATALOGUE, bounds=LEVEL_BOUNDS)
    return table


def _build(ctx: BuildContext) -> list[Output]:
    return [write_parquet(ctx, build_table(ctx), "indicators/population.parquet")]


# --- validation shared with geo.ingest.housing -----------------------------------------------------


def check_table(
    ctx: BuildContext,
    table: pd.DataFrame,
    *,
    catalogue: Collection[Indicator],
    expected: Mapping[tuple[str, str, str], int] | None = None,
    bounds: Mapping[tuple[str, str], tuple[float, float]] | None = None,
) -> None:
    """Raise :class:`ValidationError` unless ``table`` keeps the indicator contract.

    Checks columns, keys, statuses, vintages, one row per area of the set for every
    (indicator, level, vintage, period, sex) - ``expected`` overrides that count per
    (indicator, level, vintage) - each value against the catalogue's ``valid_range``
    and ``bounds`` per (indicator, level), and logs area codes absent from their set.
    """
    declared = {i.indicator_id: i for i in catalogue}
    check_indicator_contract(table, declared=declared, where="population/housing")
    _check_counts(table, expected or {})
    _check_values(table, declared, bounds or {})
    _report_unmatched(ctx, table)


def _check_counts(table: pd.DataFrame, expected: Mapping[tuple[str, str, str], int]) -> None:
    groups = table.groupby(["indicator_id", "level", "vintage", "period", "sex"]).size().reset_index(name="n")
    for iid, level, vintage, period, sex, n in groups.itertuples(index=False, name=None):
        if level != "england" and vintage not in vintages(level):
            raise ValidationError(f"{iid}: vintage {vintage!r} for level {level!r}; expected one of {vintages(level)}.")
        want = expected.get((iid, level, vintage))
        if want is None:
            want = 1 if level == "england" else boundary_set(level, vintage).count
        if n != want:
            raise ValidationError(
                f"{iid} {level} {vintage} {period} {sex}: {n:,} rows; expected {want:,}. "
                "A filter lost or kept rows; check the raw file's codes."
            )


def _check_values(
    table: pd.DataFrame,
    declared: Mapping[str, Indicator],
    bounds: Mapping[tuple[str, str], tuple[float, float]],
) -> None:
    for (iid, level), rows in table.groupby(["indicator_id", "level"]):
        ranges = [r for r in (declared[str(iid)].valid_range, bounds.get((str(iid), str(level)))) if r is not None]
        for lo, hi in ranges:
            out = rows["value"].notna() & ~rows["value"].between(lo, hi)
            if out.any():
                row = rows[out].iloc[0]
                raise ValidationError(
                    f"{iid} ({level}): {int(out.sum())} values outside the plausible range {lo:g}..{hi:g}, "
                    f"e.g. {row['area_code']} {row['period']} = {row['value']}; check the raw file and the unit."
                )
    for col in ("count", "denominator"):
        if (table[col] < 0).any():
            raise ValidationError(f"Negative {col} values; counts of people or households cannot be negative.")
    if (table["count"] > table["denominator"]).any():
        row = table[table["count"] > table["denominator"]].iloc[0]
        raise ValidationError(f"{row['indicator_id']} {row['area_code']}: count {row['count']} exceeds "
                              f"denominator {row['denominator']}.")


def _report_unmatched(ctx: BuildContext, table: pd.DataFrame) -> None:
    """Log codes missing from the boundary set of their level and vintage (rows are kept)."""
    built = boundary_codes(ctx.out_dir)
    areas = table[table["level"] != "england"]
    for (level, vintage), rows in areas.groupby(["level", "vintage"]):
        codes = set(rows["area_code"])
        known = built.get((str(level), str(vintage)))
        where = f"{level} {vintage} boundaries"
        if known is None:
            known, where = _raw_codes(ctx, str(level)), f"raw {level} code lists (any vintage)"
            if not known:
                ctx.log(f"  {level} {vintage}: boundary set not built; {len(codes):,} codes not checked")
                continue
        wrong = sorted(codes - known)
        if len(wrong) > len(codes) / 2:
            raise VintageMismatchError(
                f"{len(wrong)} of {len(codes)} codes labelled {level} {vintage} are not in the {where} "
                f"(e.g. {wrong[0]}); the vintage label is wrong."
            )
        ctx.log(f"  {level} {vintage}: {len(codes):,} codes, {len(wrong)} not in the {where}"
                + (f" (kept): {', '.join(wrong)}" if wrong else ""))


def _raw_codes(ctx: BuildContext, level: str) -> set[str]:
    """Every code the raw drkane lookups list for ``level``, when no boundary set is built."""
    files = {"lad": ("la_all_codes.csv", "LADCD"), "utla": ("utla_all_codes.csv", "UTLACD"),
             "region": ("rgn_all_codes.csv", "RGNCD")}
    if level not in files:
        return set()
    name, col = files[level]
    relative = f"boundaries/drkane_geo_lookups/{name}"
    if not (ctx.raw_dir / relative).exists():
        return set()
    return set(read_raw_csv(ctx, relative, encoding="utf-8-sig")[col])


# --- catalogue --------------------------------------------------------------------------------------

_ONS = Source(
    publisher="Office for National Statistics",
    dataset="Mid-year population estimates: LSOA 2011 single year of age mid-2019 and mid-2020 (SAPE22DT2, SAPE23DT2), "
            "districts mid-2019 and mid-2020 (MYE2), via the R package demographr; mid-2023 districts, counties, "
            "regions and England from an extract of the ONS workbook (PsychedPhalanx/Healthcare-Postcode-Lottery)",
    raw_file="; ".join(RAW[k] for k in ("lsoa2019", "lsoa2020", "lad2019", "lad2020", "mid2023")),
    url="https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates",
    attribution="Source: Office for National Statistics licensed under the Open Government Licence v3.0.",
)
_IOD = Source(
    publisher="Ministry of Housing, Communities and Local Government",
    dataset="English Indices of Deprivation 2019, File 6: population denominators (ONS mid-2015, excluding prisoners)",
    raw_file=RAW["file6"],
    url="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019",
    attribution="Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG).",
)
_ESTIMATES = "ONS estimates; small-area figures are less certain than district totals."
_BANDS: dict[str, tuple[str, str, str]] = {
    "pop_total": ("Population", "Population (all ages)", "of all ages"),
    "pop_0_4": ("Children under 5", "Children under 5", "aged 0 to 4"),
    "pop_0_15": ("Children under 16", "Children under 16", "aged 0 to 15"),
    "pop_65_plus": ("People aged 65 and over", "People aged 65+", "aged 65 and over"),
}
_FILE6_TEXT: dict[str, tuple[str, str, str]] = {
    "pop_total_iod2019": ("Population, IoD2019 denominator", "IoD2019 population (mid-2015)", "all residents"),
    "pop_0_15_iod2019": ("Children aged 0-15, IoD2019 denominator", "IoD2019 under 16s (mid-2015)",
                         "dependent children aged 0 to 15"),
    "pop_60_plus_iod2019": ("People aged 60 and over, IoD2019 denominator", "IoD2019 aged 60+ (mid-2015)",
                            "people aged 60 and over"),
    "pop_working_age_iod2019": ("Working-age population, IoD2019 denominator", "IoD2019 working age (mid-2015)",
                                "people of working age (18-59 women, 18-64 men)"),
}
#: count indicator id -> (title, short title, who, source in words), for the share indicators.
_TEXT: dict[str, tuple[str, str, str, str]] = {
    **{iid: (title, short, ages, "from the mid-year population estimates of the Office for National Statistics")
       for iid, (title, short, ages) in _BANDS.items()},
    **{iid: (title.removesuffix(", IoD2019 denominator"), short, who.removeprefix("people "),
             "at mid-2015 excluding prisoners, from the population weights the Ministry of Housing, Communities "
             "and Local Government used for the English Indices of Deprivation 2019")
       for iid, (title, short, who) in _FILE6_TEXT.items()},
}

CATALOGUE: list[Indicator] = [
    *[
        Indicator(
            iid, title, f"Estimated number of people {ages} living in the area at 30 June, from the mid-year "
            "population estimates of the Office for National Statistics.", "people", "none", "Population", _ONS,
            value_type="count", short_title=short,
            derived=iid != "pop_total",
            method="" if iid == "pop_total" else
            f"Sum of the ONS single-year-of-age estimates for people {ages}; the single years were checked to add "
            "up to the published totals.",
            caveats=(_ESTIMATES,
                     "Small areas are LSOAs of 2011 (mid-2019 and mid-2020 only); districts are on 2019 codes for "
                     "mid-2019, 2021 codes for mid-2020 and 2023 codes for mid-2023.",
                     *(("Mid-2023 figures are totals only (no ages), copied from a third-party extract of the ONS "
                        "workbook; its districts, counties and regions each add up to England's total.",)
                       if iid == "pop_total" else ())),
            valid_range=(0.0, 60_000_000.0),
        )
        for iid, (title, short, ages) in _BANDS.items()
    ],
    *[
        Indicator(
            iid, title, f"Number of {who} at mid-2015, excluding prisoners: the population weights the Ministry "
            "of Housing, Communities and Local Government used for the English Indices of Deprivation 2019.", "people",
            "none", "Population", _IOD, value_type="count", short_title=short, edition="IoD2019",
            caveats=("Excludes prisoners, so it is lower than the ONS estimate where an LSOA holds a prison.",
                     "Mid-2015 figures: use them to weight IoD2019 scores, not as current population."),
            valid_range=(0.0, 10_000.0),
        )
        for iid, (title, short, who) in _FILE6_TEXT.items()
    ],
    *[
        Indicator(
            share_id, f"{_TEXT[count_id][0]} as a share of all residents",
            f"Share of the area's residents who are {_TEXT[count_id][2]}, {_TEXT[count_id][3]}.",
            "% of residents", "none", "Population", _IOD if total_id.endswith("iod2019") else _ONS,
            value_type="proportion", short_title=f"{_TEXT[count_id][1].removesuffix(' (mid-2015)')}, % of residents", derived=True,
            edition="IoD2019" if total_id.endswith("iod2019") else "",
            method=f"{count_id} divided by {total_id} for the same area, period and code set, times 100; both "
            "counts come from the same official table. Missing where the total is missing.",
            caveats=(_ESTIMATES,) if total_id == "pop_total" else
            ("Mid-2015 figures excluding prisoners: the IoD2019 weights, not current population.",),
            valid_range=(0.0, 100.0),
        )
        for share_id, (count_id, total_id) in SHARES.items()
    ],
]

STAGES = [Stage("population", _build, "ONS population estimates (LSOA by age, districts) and IoD2019 denominators",
                needs=("lad", "utla", "region", "lsoa2011"))]
