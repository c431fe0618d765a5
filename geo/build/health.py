"""Stage ``health``: life expectancy, healthy life expectancy, inequality and mortality.

Where two releases cover the same period, one release is kept per period range
(and said so in the catalogue caveats). Each row's ``vintage`` is the code set its
area code belongs to: sources back-cast old periods to later codes, so the vintage
is that of the codes, not of the period.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.build._common import (
    BuildContext,
    Output,
    Stage,
    boundary_codes,
    finish_indicators,
    read_raw_csv,
    write_parquet,
)
from geo.catalogue import Indicator, Source
from geo.errors import ValidationError

__all__ = ["CATALOGUE", "STAGES", "period_label"]

_T = "indicators3/trafford_datalab/"
_SUPPRESSED = {"E09000001", "E06000053"}  # City of London, Isles of Scilly: small numbers
_PSEUDO = {
    "E67000001": "Hackney and City of London combined (E09000012 + E09000001); the source publishes one value for both",
    "E67000002": "Cornwall and Isles of Scilly combined (E06000052 + E06000053); the source publishes one value for both",
}


def period_label(raw: str) -> str:
    """Normalise a period label: ``2015 - 17`` and ``2001-01-01/P3Y`` -> ``2015-17`` / ``2001-03``."""
    raw = str(raw).strip()
    m = re.match(r"^(\d{4})-\d{2}-\d{2}/P(\d)Y$", raw)
    if m:
        start, years = int(m[1]), int(m[2])
        return str(start) if years == 1 else f"{start}-{str(start + years - 1)[2:]}"
    m = re.match(r"^(\d{4})\s*-\s*(\d{2})$", raw)
    if m:
        return f"{m[1]}-{m[2]}"
    if re.match(r"^\d{4}$", raw):
        return raw
    raise ValidationError(f"Unrecognised period label {raw!r}; expected e.g. 2015-17, 2019 or 2001-01-01/P3Y.")


class _Coder:
    """Assigns each area code a level and the code-set vintage it belongs to."""

    def __init__(self, ctx: BuildContext) -> None:
        self.sets = boundary_codes(ctx.out_dir)
        if not self.sets:
            raise ValidationError("Build the boundary sets first (stages lad, utla, region).")

    def place(self, code: str, *, prefer: str, tier: str = "lad") -> tuple[str, str] | None:
        if code == "E92000001":
            return "england", prefer
        if code.startswith("E12"):
            return "region", "2019"
        if code in _PSEUDO:
            return "lad", prefer
        levels = ("utla", "lad") if tier == "utla" else ("lad", "utla")
        for level in levels:
            if (level, prefer) in self.sets and code in self.sets[(level, prefer)]:
                return level, prefer
        for level in levels:
            held = sorted(v for (lv, v), codes in self.sets.items() if lv == level and code in codes)
            if held:
                # The latest earlier vintage holding the code, else the earliest later one.
                earlier = [v for v in held if v <= prefer]
                return level, (earlier[-1] if earlier else held[0])
        return None


def _frame(ctx: BuildContext, coder: _Coder, rows: pd.DataFrame, *, indicator_id: str, prefer: str,
           tier: str = "lad", source: str) -> pd.DataFrame:
    """Place every row's code; drop (and report) codes that belong to no English set."""
    placed = [coder.place(c, prefer=prefer, tier=tier) for c in rows["area_code"]]
    rows = rows.copy()
    rows["indicator_id"] = indicator_id
    rows["level"] = [p[0] if p else None for p in placed]
    rows["vintage"] = [p[1] if p else None for p in placed]
    dropped = rows[rows["level"].isna()]
    if len(dropped):
        codes = sorted(dropped["area_code"].unique())
        ctx.log(f"  {indicator_id} ({source}): {len(codes)} code(s) in no English LA/UTLA set left out "
                f"(combined authorities, other nations): {', '.join(codes[:6])}{' ...' if len(codes) > 6 else ''}")
    rows = rows[rows["level"].notna()].copy()
    if tier == "lad" and (rows["level"] == "utla").any():
        # The source also covers counties, so its unitary rows serve the upper-tier map too.
        unitary = rows[(rows["level"] == "lad") & rows["area_code"].str[:3].isin(["E06", "E08", "E09"])]
        placed_u = [coder.place(c, prefer=prefer, tier="utla") for c in unitary["area_code"]]
        unitary = unitary.assign(level=[p[0] if p else None for p in placed_u],
                                 vintage=[p[1] if p else None for p in placed_u])
        rows = pd.concat([rows, unitary[unitary["level"] == "utla"]], ignore_index=True)
    value = pd.to_numeric(rows["value"], errors="coerce")
    rows["status"] = np.where(value.notna(), "ok", np.where(rows["area_code"].isin(_SUPPRESSED), "suppressed", "missing"))
    notes = rows["area_code"].map(_PSEUDO)
    rows["note"] = notes.where(notes.notna(), np.where(rows["status"] == "suppressed", "not published: small numbers", None))
    return rows


def _le(ctx: BuildContext, coder: _Coder) -> list[pd.DataFrame]:
    ess = read_raw_csv(ctx, "indicators2/ons_ess_life_expectancy/life_exp_female_2001-03_to_2016-18_la.csv",
                       encoding="utf-8-sig")
    ess = ess[ess["areacd"].str.startswith("E")].melt(id_vars=["areacd", "areanm"], var_name="end", value_name="value")
    ess["period"] = [f"{int(e) - 2}-{str(e)[2:]}" for e in ess["end"]]
    ess = ess[ess["period"] <= "2014-16"]  # later periods come from the Fingertips and CMD releases
    ess = ess.rename(columns={"areacd": "area_code"}).assign(sex="female")
    cmd = read_raw_csv(ctx, "indicators2/ons_cmd_life_expectancy/"
                       "life-expectancy-by-local-authority-time-series-v1-filtered-2016-18.csv")
    cmd = cmd[cmd["administrative-geography"].str.startswith("E") & (cmd["age-groups"] == "0-1")]
    cmd = pd.DataFrame({"area_code": cmd["administrative-geography"], "period": cmd["two-year-intervals"],
                        "sex": cmd["sex"], "value": cmd["v4_2"], "lower_ci": cmd["Lower CI"], "upper_ci": cmd["Upper CI"]})
    ft = read_raw_csv(ctx, _T + "themes_life_expectancy.csv")
    ft = pd.DataFrame({"area_code": ft["area_code"], "period": ft["period"].map(period_label),
                       "sex": ft["inequality"].str.lower(), "value": ft["value"]})
    ft = ft[ft["period"] != "2016-18"]  # 2016-18 comes from the ONS release with confidence intervals
    return [
        _frame(ctx, coder, ess, indicator_id="le_birth", prefer="2019", source="ONS ESS female series"),
        _frame(ctx, coder, cmd, indicator_id="le_birth", prefer="2020", source="ONS CMD 2016-18"),
        _expand_2021(_frame(ctx, coder, ft, indicator_id="le_birth", prefer="2023", source="Fingertips 90366"), coder),
    ]


def _expand_2021(rows: pd.DataFrame, coder: _Coder) -> pd.DataFrame:
    """Periods that also hold the 17 districts abolished in 2023 are drawable on 2021 boundaries too.

    Rows for codes present in both sets are repeated with vintage 2021, so the 2021
    map of those periods is complete; nothing is summed or split.
    """
    old = rows[rows["vintage"] == "2021"]
    if old.empty:
        return rows
    periods = set(old["period"])
    lad21 = coder.sets.get(("lad", "2021"), set())
    both = rows[(rows["vintage"] == "2023") & rows["period"].isin(periods) & rows["area_code"].isin(lad21)]
    extra = both.assign(vintage="2021")
    eng = rows[(rows["level"] == "england") & rows["period"].isin(periods)]
    return pd.concat([rows, extra, eng.assign(vintage="2021")], ignore_index=True)


def _els(ctx: BuildContext, coder: _Coder, path: str, *, indicator_id: str, prefer: str, tier: str,
         sex_from: str | None) -> pd.DataFrame:
    raw = read_raw_csv(ctx, path)
    raw = raw[raw["areacd"].str.startswith("E")]
    obsolete = raw["notes"].fillna("").str.startswith("Obsolete code")
    if obsolete.any():
        ctx.log(f"  {indicator_id}: {int(obsolete.sum())} rows under codes the source marks obsolete left out "
                f"({', '.join(sorted(raw.loc[obsolete, 'areacd'].unique()))}); their current codes are kept")
    raw = raw[~obsolete]
    sex = raw["indicator"].str.split().str[0].str.lower() if sex_from else pd.Series("persons", index=raw.index)
    rows = pd.DataFrame({"area_code": raw["areacd"], "period": raw["period"].map(period_label), "sex": sex,
                         "value": raw["observation"], "lower_ci": raw["lci_95"], "upper_ci": raw["uci_95"]})
    return _frame(ctx, coder, rows, indicator_id=indicator_id, prefer=prefer, tier=tier, source=path)


def _trafford(ctx: BuildContext, coder: _Coder, name: str, *, indicator_id: str, prefer: str, tier: str = "lad",
              keep=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    raw = read_raw_csv(ctx, _T + name)
    if "inequality" in raw.columns:
        sex = raw["inequality"].replace("NA", np.nan).fillna(raw["unit"]).str.lower()
    elif "group" in raw.columns:
        sex = raw["group"].str.lower()
    else:
        sex = raw["unit"].str.lower()
    sex = sex.where(sex.isin(["male", "female", "persons"]), "persons")
    rows = pd.DataFrame({"area_code": raw["area_code"], "period": raw["period"].map(period_label), "sex": sex,
                         "value": raw["value"].replace("NA", np.nan)})
    if keep is not None:
        rows = rows[rows["period"].map(keep)]
    return _frame(ctx, coder, rows, indicator_id=indicator_id, prefer=prefer, tier=tier, source=name)


def _health_index(ctx: BuildContext, coder: _Coder) -> list[pd.DataFrame]:
    raw = read_raw_csv(ctx, "indicators/ons_health_index/england_health_index_indicators.csv.gz")
    out = []
    for name, indicator_id in (("Life expectancy", "le_birth_hi"), ("Infant mortality", "infant_mortality"),
                               ("Mortality from all causes", "mortality_all_cause_hi"),
                               ("Avoidable mortality", "mortality_avoidable_hi")):
        sub = raw[raw["indicator"] == name]
        rows = pd.DataFrame({"area_code": sub["ltla21_code"], "period": sub["year"], "sex": "persons",
                             "value": sub["value"]})
        out.append(_frame(ctx, coder, rows, indicator_id=indicator_id, prefer="2021", source="ONS Health Index"))
    return out


def _le_1yr(ctx: BuildContext, coder: _Coder) -> pd.DataFrame:
    raw = read_raw_csv(ctx, "indicators/ons_life_expectancy/life_expectancy_at_birth_2023.csv")
    rows = pd.DataFrame({"area_code": raw["Area code"], "period": "2023", "sex": raw["Sex"].str.lower(),
                         "value": raw["Life expectancy"]})
    return _frame(ctx, coder, rows, indicator_id="le_birth_1yr", prefer="2023", source="ONS LE 2023")


def _build(ctx: BuildContext) -> list[Output]:
    coder = _Coder(ctx)
    frames = [
        *_le(ctx, coder),
        _le_1yr(ctx, coder),
        *_health_index(ctx, coder),
        _els(ctx, coder, "indicators2/ons_els_data/healthy-life-expectancy.csv", indicator_id="hle_birth",
             prefer="2025", tier="utla", sex_from="indicator"),
        _trafford(ctx, coder, "dashboard_healthy_life_expectancy_at_birth.csv", indicator_id="hle_birth",
                  prefer="2013", tier="utla", keep=lambda p: p in ("2009-11", "2010-12")),
        _els(ctx, coder, "indicators2/ons_els_data/preventable-cardiovascular-mortality-england.csv.gz",
             indicator_id="u75_cvd_prev", prefer="2025", tier="lad", sex_from=None),
        _trafford(ctx, coder, "dashboard_preventable_mortality_from_cancer.csv", indicator_id="u75_cancer_prev",
                  prefer="2013"),
        _trafford(ctx, coder, "themes_mortality_rate.csv.gz", indicator_id="u75_prev", prefer="2023"),
        _trafford(ctx, coder, "themes_mortality_rate_v2025-04-22_8b4b478.csv.gz", indicator_id="u75_prev",
                  prefer="2023", keep=lambda p: p < "2014"),
        _trafford(ctx, coder, "themes_inequality_life_expectancy.csv", indicator_id="sii_le", prefer="2023"),
        _trafford(ctx, coder, "themes_inequality_life_expectancy_v2024-07-08_55c6d8c.csv", indicator_id="sii_le",
                  prefer="2021", keep=lambda p: p < "2015-17"),
        _trafford(ctx, coder, "dashboard_slope_index_of_inequality.csv", indicator_id="sii_le", prefer="2013",
                  tier="utla"),
    ]
    table = pd.concat(frames, ignore_index=True)
    # The ELS county-level rows can repeat a unitary authority's row (it is both tiers).
    table = table.drop_duplicates(["indicator_id", "area_code", "level", "vintage", "period", "sex"])
    table = finish_indicators(table)
    return [write_parquet(ctx, table, "indicators/health.parquet")]


def _src(publisher: str, dataset: str, raw_file: str) -> Source:
    return Source(publisher=publisher, dataset=dataset, raw_file=raw_file,
                  attribution="Contains public sector information licensed under the Open Government Licence v3.0.")


_OHID = "Office for Health Improvement and Disparities (Fingertips), via Trafford Data Lab"
CATALOGUE = [
    Indicator(
        "le_birth", "Life expectancy at birth", "How many years a baby born in the area would live on average if "
        "death rates stayed as they were in the period (3-year average).", "years", "higher_is_better",
        "Life expectancy", _src("Office for National Statistics; OHID Fingertips (indicator 90366)",
                                "Life expectancy at birth, 3-year periods",
                                "indicators2/ons_ess_life_expectancy/; indicators2/ons_cmd_life_expectancy/; "
                                + _T + "themes_life_expectancy.csv"),
        value_type="years", sexes=("female", "male"), has_ci=True, short_title="Life expectancy at birth",
        caveats=(
            "Releases kept: ONS female series for 2001-03 to 2014-16 (no male series before 2015-17 was obtainable); "
            "ONS 'Life expectancy by local authority' for 2016-18, the only period with confidence intervals; "
            "OHID Fingertips for 2015-17 and 2017-19 to 2023-25.",
            "Fingertips periods are back-cast to April 2023 districts; up to 2019-21 they also hold the 17 districts "
            "abolished in 2023, so those periods can be drawn on 2021 boundaries as well.",
            "The 2023-25 figures were downloaded in May 2026 and may be provisional.",
            "City of London and Isles of Scilly are not published (small numbers).",
        ),
        valid_range=(70.0, 92.0),
    ),
    Indicator("le_birth_1yr", "Life expectancy at birth, single year", "Life expectancy at birth from one year of "
              "deaths (not a 3-year average).", "years", "higher_is_better", "Life expectancy",
              _src("Office for National Statistics", "Life expectancy for local areas, single-year periods",
                   "indicators/ons_life_expectancy/life_expectancy_at_birth_2023.csv"),
              value_type="years", sexes=("female", "male"), short_title="Life expectancy (single year)",
              caveats=("A single year of deaths: more volatile than the 3-year figures.",), valid_range=(70.0, 92.0)),
    Indicator("le_birth_hi", "Life expectancy at birth (Health Index)", "Life expectancy at birth for everyone, as "
              "used in the ONS Health Index.", "years", "higher_is_better", "Life expectancy",
              _src("Office for National Statistics", "Health Index underlying data, England",
                   "indicators/ons_health_index/england_health_index_indicators.csv.gz"),
              value_type="years", short_title="Life expectancy, persons (Health Index)",
              caveats=("The Health Index labels each value by a single year; ONS carries some 2020 and 2021 values "
                       "forward from earlier years.",), valid_range=(70.0, 92.0)),
    Indicator("hle_birth", "Healthy life expectancy at birth", "Years a baby could expect to live in good health.",
              "years", "higher_is_better", "Life expectancy",
              _src("Office for National Statistics (Explore Local Statistics); OHID Fingertips (90362)",
                   "Health state life expectancies, UK", "indicators2/ons_els_data/healthy-life-expectancy.csv; "
                   + _T + "dashboard_healthy_life_expectancy_at_birth.csv"),
              value_type="years", sexes=("female", "male"), has_ci=True, short_title="Healthy life expectancy",
              caveats=("2011-13 to 2022-24 from the current ONS series (interim method, official statistics in "
                       "development); 2009-11 and 2010-12 from the earlier Fingertips release, whose method differs: "
                       "do not read the step between them as change.",
                       "Published for upper-tier authorities only."), valid_range=(45.0, 80.0)),
    Indicator("sii_le", "Inequality in life expectancy at birth (slope index)", "The gap in years between the most "
              "and least deprived ends of the area, across its small-area deprivation deciles: a bigger gap is worse.",
              "years", "lower_is_better", "Life expectancy",
              _src(_OHID, "Inequality in life expectancy at birth (92901)", _T + "themes_inequality_life_expectancy*.csv"),
              value_type="years", sexes=("female", "male"), short_title="Life expectancy gap within the area (SII)",
              caveats=("2015-17 to 2022-24 from the May 2026 release (2023 districts); 2010-12 to 2014-16 from the "
                       "July 2024 release (2021 districts); OHID recalculated the SII between releases.",
                       "Upper-tier values 2010-12 to 2015-17 from the 2019 dashboard release.",
                       "Rutland, Isles of Scilly and City of London are not published."), valid_range=(-5.0, 25.0)),
    Indicator("u75_cvd_prev", "Under-75 mortality from cardiovascular disease considered preventable",
              "Deaths under 75 from heart disease and stroke that are considered preventable, per 100,000 people, "
              "age-standardised (3-year periods).", "per 100,000", "lower_is_better", "Mortality",
              _src("OHID (Fingertips 93722), via ONS Explore Local Statistics", "Preventable cardiovascular mortality",
                   "indicators2/ons_els_data/preventable-cardiovascular-mortality-england.csv.gz"),
              has_ci=True, short_title="Under-75 preventable CVD mortality",
              caveats=("Uses the 2019 definition of preventable mortality, not the 2004 'CVD mortality under 75' "
                       "used to pick the Spearhead areas.",
                       "All periods back-cast to 2025 districts. Hackney with City of London (E67000001) and Cornwall "
                       "with Isles of Scilly (E67000002) are published combined."), valid_range=(0.0, 400.0)),
    Indicator("u75_cancer_prev", "Under-75 mortality from cancer considered preventable",
              "Deaths under 75 from cancers considered preventable, per 100,000 people, age-standardised.",
              "per 100,000", "lower_is_better", "Mortality",
              _src(_OHID, "Under 75 mortality rate from cancer considered preventable (40502)",
                   _T + "dashboard_preventable_mortality_from_cancer.csv"),
              short_title="Under-75 preventable cancer mortality",
              caveats=("The pre-2019 definition, as downloaded in May 2019; not the all-cancer measure used for the "
                       "Spearhead criteria.", "Values rounded to 1 decimal place by the carrier."),
              valid_range=(0.0, 300.0)),
    Indicator("u75_prev", "Under-75 mortality from causes considered preventable",
              "Deaths under 75 from causes considered preventable, per 100,000 people, age-standardised (single years).",
              "per 100,000", "lower_is_better", "Mortality",
              _src(_OHID, "Under 75 mortality rate from causes considered preventable (93721)",
                   _T + "themes_mortality_rate*.csv.gz"),
              sexes=("female", "male", "persons"), short_title="Under-75 preventable mortality",
              caveats=("2014-2024 from the April 2026 release; 2010-2013 from the April 2025 release, which OHID "
                       "later revised slightly (new population estimates).",
                       "2020 and 2021 are affected by COVID-19."), valid_range=(0.0, 800.0)),
    Indicator("infant_mortality", "Infant mortality", "Deaths under one year old per 1,000 live births.",
              "per 1,000 live births", "lower_is_better", "Mortality",
              _src("Office for National Statistics", "Health Index underlying data, England",
                   "indicators/ons_health_index/england_health_index_indicators.csv.gz"),
              short_title="Infant mortality",
              caveats=("From the ONS Health Index: each value is labelled by one year though ONS pools years for "
                       "small areas; the Fingertips series by period was not obtainable.",), valid_range=(0.0, 20.0)),
    Indicator("mortality_all_cause_hi", "Mortality from all causes", "Deaths from all causes per 100,000 people, "
              "age-standardised, as used in the ONS Health Index.", "per 100,000", "lower_is_better", "Mortality",
              _src("Office for National Statistics", "Health Index underlying data, England",
                   "indicators/ons_health_index/england_health_index_indicators.csv.gz"),
              short_title="All-cause mortality (Health Index)", valid_range=(300.0, 2500.0)),
    Indicator("mortality_avoidable_hi", "Avoidable mortality", "Deaths under 75 that are avoidable through "
              "prevention or treatment, per 100,000, age-standardised (Health Index).", "per 100,000",
              "lower_is_better", "Mortality",
              _src("Office for National Statistics", "Health Index underlying data, England",
                   "indicators/ons_health_index/england_health_index_indicators.csv.gz"),
              short_title="Avoidable mortality (Health Index)", valid_range=(50.0, 800.0)),
]

STAGES = [Stage("health", _build, "life expectancy, healthy life expectancy, SII and mortality",
                needs=("lad", "utla", "region"))]
