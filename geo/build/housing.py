"""Stage ``housing``: fuel poverty, overcrowding and the IoD2019 housing indicators.

Percentages computed here (overcrowding) are shares of official counts, with the
counts kept in ``count`` and ``denominator``.
"""

from __future__ import annotations

from typing import cast

import openpyxl
import pandas as pd

from geo.build._common import BuildContext, Output, Stage, finish_indicators, read_raw_csv, write_parquet
from geo.catalogue import Indicator, Polarity, Source
from geo.errors import ValidationError

__all__ = ["CATALOGUE", "FILE8", "STAGES", "fuel_poverty_table"]

_FP = "indicators/beis_fuel_poverty/sub-regional-fuel-poverty-2022-tables.xlsx"
_OC = "indicators/ons_census2021_housing/household_overcrowding21_lsoa21.csv.gz"
_F8 = "indicators/humaniverse_imd/imd2019_england_lsoa11_indicators.csv.gz"

#: IoD2019 File 8 columns kept: id -> (column, title, unit, polarity, plausible range)
FILE8: dict[str, tuple[str, str, str, str, tuple[float, float]]] = {
    "iod19_overcrowding": ("household_overcrowding_indicator", "Household overcrowding (IoD2019 indicator)",
                           "proportion of households", "lower_is_better", (0.0, 1.0)),
    "iod19_homelessness": ("homelessness_indicator_rate_per_1000_households", "Homelessness (IoD2019 indicator)",
                           "per 1,000 households", "lower_is_better", (0.0, 200.0)),
    "iod19_poor_condition": ("housing_in_poor_condition_indicator", "Housing in poor condition (IoD2019 indicator)",
                             "modelled proportion of dwellings", "lower_is_better", (0.0, 1.0)),
    "iod19_no_central_heating": ("houses_without_central_heating_indicator",
                                 "Houses without central heating (IoD2019 indicator)", "proportion of houses",
                                 "lower_is_better", (0.0, 1.0)),
    "iod19_yppl": ("years_of_potential_life_lost_indicator", "Years of potential life lost (IoD2019 indicator)",
                   "indirectly standardised ratio", "lower_is_better", (0.0, 1000.0)),
    "iod19_cidr": ("comparative_illness_and_disability_ratio_indicator",
                   "Comparative illness and disability ratio (IoD2019 indicator)", "standardised ratio",
                   "lower_is_better", (0.0, 1000.0)),
}


def _sheet(ctx: BuildContext, name: str, header_row: int) -> pd.DataFrame:
    wb = openpyxl.load_workbook(ctx.raw(_FP), read_only=True, data_only=True)
    rows = list(wb[name].iter_rows(values_only=True))
    header = [str(h).strip() if h is not None else f"col{i}" for i, h in enumerate(rows[header_row])]
    return pd.DataFrame(rows[header_row + 1:], columns=header)


def fuel_poverty_table(ctx: BuildContext) -> pd.DataFrame:
    """Fuel poverty 2020 for LSOAs (Table 3) and districts, regions, England (Table 2)."""
    t3 = _sheet(ctx, "Table 3", 2)
    t3 = t3[t3["LSOA Code"].astype(str).str.match(r"^E01\d{6}$")]
    if len(t3) != 32844:
        raise ValidationError(f"Fuel poverty Table 3 holds {len(t3)} LSOAs; expected 32,844.")
    lsoa = pd.DataFrame({"area_code": t3["LSOA Code"], "value": t3["Proportion of households fuel poor (%)"],
                         "count": t3["Number of households in fuel poverty"],
                         "denominator": t3["Number of households"], "level": "lsoa", "vintage": "2011"})
    t2 = _sheet(ctx, "Table 2", 2)
    t2 = t2[t2["Area Codes"].astype(str).str.match(r"^E(0[6-9]|10|12|92)")]
    prefix = t2["Area Codes"].str[:3]
    level = prefix.map({"E92": "england", "E12": "region", "E10": "utla"}).fillna("lad")
    la = pd.DataFrame({"area_code": t2["Area Codes"], "value": t2["Proportion of households fuel poor (%)"],
                       "count": t2["Number of households in fuel poverty"],
                       "denominator": t2["Number of households"], "level": level,
                       "vintage": level.map({"region": "2019"}).fillna("2021")})
    out = pd.concat([lsoa, la], ignore_index=True)
    out["indicator_id"], out["period"], out["sex"] = "fuel_poverty", "2020", "persons"
    return out


def _fuel_poverty_series(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, "indicators/beis_fuel_poverty/fuelpoverty_la_2010_2019.csv", encoding="utf-8-sig")
    long = raw.melt(id_vars=["LAName", "LACode", "English region"], var_name="period", value_name="value")
    return pd.DataFrame({"indicator_id": "fuel_poverty_2010_2019", "area_code": long["LACode"], "level": "lad",
                         "vintage": "2019", "period": long["period"], "sex": "persons", "value": long["value"]})


def _overcrowding(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, _OC)
    raw = raw[raw["lsoa21_code"].str.startswith("E")]
    raw["n"] = pd.to_numeric(raw["n"])
    over = raw[raw["occupancy_rating"].str.contains("overcrowded")].groupby("lsoa21_code")["n"].sum()
    households = raw.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_households"].astype(float)
    count = over.reindex(households.index, fill_value=0)
    if len(households) != 33755:
        raise ValidationError(f"Census 2021 overcrowding holds {len(households)} LSOAs; expected 33,755.")
    return pd.DataFrame({"indicator_id": "overcrowding_census21", "area_code": households.index, "level": "lsoa",
                         "vintage": "2021", "period": "2021", "sex": "persons",
                         "value": (100 * count / households).round(4).to_numpy(),
                         "count": count.to_numpy(), "denominator": households.to_numpy()})


def _file8(ctx: BuildContext) -> pd.DataFrame:
    raw = read_raw_csv(ctx, _F8)
    frames = [pd.DataFrame({"indicator_id": iid, "area_code": raw["lsoa11_code"], "value": raw[col]})
              for iid, (col, *_rest) in FILE8.items()]
    out = pd.concat(frames, ignore_index=True)
    out["level"], out["vintage"], out["period"], out["sex"] = "lsoa", "2011", "2019", "persons"
    return out


def _build(ctx: BuildContext) -> list[Output]:
    fp = fuel_poverty_table(ctx)
    table = pd.concat([fp, _fuel_poverty_series(ctx), _overcrowding(ctx), _file8(ctx)], ignore_index=True)
    lsoa = finish_indicators(table[table["level"] == "lsoa"])
    other = finish_indicators(table[table["level"] != "lsoa"])
    return [write_parquet(ctx, lsoa, "indicators/housing_lsoa.parquet"),
            write_parquet(ctx, other, "indicators/housing_la.parquet")]


_BEIS = Source(publisher="Department for Business, Energy and Industrial Strategy (now DESNZ)",
               dataset="Sub-regional fuel poverty, England, 2022 (2020 data)", raw_file=_FP)
_IOD = Source(publisher="Ministry of Housing, Communities and Local Government",
              dataset="English Indices of Deprivation 2019, File 8: underlying indicators (via the R package IMD)",
              raw_file=_F8)
CATALOGUE = [
    Indicator("fuel_poverty", "Households in fuel poverty", "Share of households that are fuel poor (Low Income "
              "Low Energy Efficiency definition).", "% of households", "lower_is_better", "Housing", _BEIS,
              value_type="proportion", short_title="Fuel poverty (2020)",
              caveats=("Modelled estimates; small-area figures are less certain than district totals.",
                       "District codes are those of 2020-21."), valid_range=(0.0, 100.0)),
    Indicator("fuel_poverty_2010_2019", "Households in fuel poverty, 2010-2019",
              "Share of households that are fuel poor, by district and year.", "% of households", "lower_is_better",
              "Housing", Source(publisher="BEIS/DECC sub-regional fuel poverty statistics, compiled by Cait Robinson "
                                "(decade-of-fuel-poverty)", dataset="Fuel poverty % by local authority 2010-2019",
                                raw_file="indicators/beis_fuel_poverty/fuelpoverty_la_2010_2019.csv"),
              value_type="proportion", short_title="Fuel poverty 2010-2019 (compiled series)",
              caveats=("Compiled by a third party from the yearly BEIS tables; values not re-verified.",
                       "The definition changed from Low Income High Costs (2010-2018 data) to Low Income Low Energy "
                       "Efficiency (2019 data): do not read the step as change.",
                       "Kept separate from the 2020 release."), valid_range=(0.0, 60.0)),
    Indicator("overcrowding_census21", "Overcrowded households (Census 2021)", "Share of households with fewer "
              "bedrooms than they need (occupancy rating -1 or less).", "% of households", "lower_is_better",
              "Housing", Source(publisher="Office for National Statistics", dataset="Census 2021 TS052 occupancy "
                                "rating for bedrooms (via the R package demographr)", raw_file=_OC),
              value_type="proportion", short_title="Overcrowding (Census 2021)", derived=True,
              method="Households with occupancy rating -1 or -2 or less, divided by all households (both official "
              "Census counts, kept as count and denominator).", valid_range=(0.0, 100.0)),
    *[
        Indicator(iid, title, f"{title.split(' (')[0]}: an underlying indicator of the Indices of Deprivation "
                  "2019 for small areas.", unit, cast(Polarity, polarity), "Housing" if "iod19_yppl" != iid != "iod19_cidr"
                  else "Deprivation domains", _IOD, value_type="rate", short_title=title, edition="IoD2019",
                  caveats=("Each underlying indicator has its own data year (see the IoD2019 technical report).",),
                  valid_range=rng)
        for iid, (_col, title, unit, polarity, rng) in FILE8.items()
    ],
]
STAGES = [Stage("housing", _build, "fuel poverty, overcrowding, IoD2019 housing indicators")]
