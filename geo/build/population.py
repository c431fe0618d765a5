"""Stage ``population``: ONS population estimates for small areas and districts.

Age bands (children under 5, under 16, people 65 and over) are sums of ONS's
single-year-of-age counts: arithmetic on official counts, checked against the
published totals.
"""

from __future__ import annotations

import pandas as pd

from geo.build._common import BuildContext, Output, Stage, finish_indicators, read_raw_csv, write_parquet
from geo.catalogue import Indicator, Source
from geo.errors import ValidationError

__all__ = ["AGE_BANDS", "CATALOGUE", "STAGES", "age_bands"]

_P = "indicators/ons_population/"
#: indicator id -> (first age, last age); 90 stands for the published "90+" column.
AGE_BANDS: dict[str, tuple[int, int]] = {"pop_0_4": (0, 4), "pop_0_15": (0, 15), "pop_65_plus": (65, 90)}


def age_bands(wide: pd.DataFrame, *, code_col: str, period: str) -> pd.DataFrame:
    """Long rows of pop_total and each age band from a single-year-of-age table."""
    ages = {a: ("90+" if a == 90 else str(a)) for a in range(91)}
    counts = wide[[ages[a] for a in range(91)]].apply(pd.to_numeric).to_numpy()
    total = pd.to_numeric(wide["total_population"]).to_numpy()
    if (counts.sum(axis=1) != total).any():
        bad = wide.loc[counts.sum(axis=1) != total, code_col].iloc[0]
        raise ValidationError(f"Single years of age do not add up to the published total for {bad} ({period}).")
    frames = [pd.DataFrame({"indicator_id": "pop_total", "area_code": wide[code_col], "value": total})]
    for indicator_id, (lo, hi) in AGE_BANDS.items():
        frames.append(pd.DataFrame({"indicator_id": indicator_id, "area_code": wide[code_col],
                                    "value": counts[:, lo:hi + 1].sum(axis=1)}))
    out = pd.concat(frames, ignore_index=True)
    out["period"], out["sex"] = period, "persons"
    return out


def _build(ctx: BuildContext) -> list[Output]:
    frames = []
    for period in ("2019", "2020"):
        wide = read_raw_csv(ctx, _P + f"population{period[2:]}_lsoa11.csv.gz")
        wide = wide[wide["lsoa11_code"].str.startswith("E")]
        if len(wide) != 32844:
            raise ValidationError(f"Mid-{period} LSOA estimates: {len(wide)} English LSOAs; expected 32,844.")
        frames.append(age_bands(wide, code_col="lsoa11_code", period=period).assign(level="lsoa", vintage="2011"))
    lsoa = finish_indicators(pd.concat(frames, ignore_index=True))
    la_frames = []
    for name, code_col, vintage, period in (("population19_ltla19.csv", "ltla19_code", "2019", "2019"),
                                            ("population20_ltla21.csv", "ltla21_code", "2021", "2020")):
        wide = read_raw_csv(ctx, _P + name)
        wide = wide[wide[code_col].str.startswith("E")]
        la_frames.append(age_bands(wide, code_col=code_col, period=period).assign(level="lad", vintage=vintage))
    mid23 = read_raw_csv(ctx, _P + "population_england_2023.csv")
    mid23 = mid23[mid23["Code"].str.match(r"^E(0[6-9]|12|92)")]
    level = mid23["Code"].str[:3].map(lambda p: {"E12": "region", "E92": "england"}.get(p, "lad"))
    la_frames.append(pd.DataFrame({"indicator_id": "pop_total", "area_code": mid23["Code"],
                                   "value": pd.to_numeric(mid23["Estimated Population mid-2023"]),
                                   "period": "2023", "sex": "persons", "level": level,
                                   "vintage": level.map({"region": "2019"}).fillna("2023")}))
    la = finish_indicators(pd.concat(la_frames, ignore_index=True))
    n23 = int(((la["period"] == "2023") & (la["level"] == "lad")).sum())
    if n23 != 296:
        raise ValidationError(f"Mid-2023 estimates hold {n23} districts; expected 296.")
    return [write_parquet(ctx, lsoa, "indicators/population_lsoa.parquet"),
            write_parquet(ctx, la, "indicators/population_la.parquet")]


_ONS = Source(publisher="Office for National Statistics", dataset="Mid-year population estimates "
              "(LSOA: SAPE22DT2/SAPE23DT2; districts: MYE2), via the R package demographr and an extract of the "
              "mid-2023 release", raw_file=_P)
_BANDS = {"pop_total": ("Population", "all ages"), "pop_0_4": ("Children under 5", "aged 0 to 4"),
          "pop_0_15": ("Children under 16", "aged 0 to 15"), "pop_65_plus": ("People aged 65 and over", "aged 65+")}
CATALOGUE = [
    Indicator(iid, title, f"Estimated number of residents {ages} at mid-year.", "people", "none", "Population",
              _ONS, value_type="count", short_title=title,
              derived=iid != "pop_total",
              method="Sum of ONS single-year-of-age estimates." if iid != "pop_total" else "",
              caveats=("Estimates, rounded by ONS; small-area figures are less certain than district totals.",),
              valid_range=(0.0, 60_000_000.0))
    for iid, (title, ages) in _BANDS.items()
]
STAGES = [Stage("population", _build, "ONS population estimates: LSOA by age, district totals")]
