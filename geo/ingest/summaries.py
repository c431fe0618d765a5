"""Stage ``summaries``: deprivation summaries for areas the official releases do not cover.

The Indices of Deprivation publish district summaries only for the districts of
their own year. For Primary Care Trusts, Strategic Health Authorities and the
districts before April 2009 the atlas computes two summaries with MHCLG's own
methods, from official LSOA figures:

- the proportion of an area's LSOAs in the most deprived 10% nationally
  (IMD decile 1), a plain count; and
- the population-weighted average IMD score (IoD2019 only, weighted by the
  IoD2019 mid-2015 population denominators, as in File 10).

Both are marked derived in the catalogue.
"""

from __future__ import annotations

import pandas as pd

from geo.catalogue import Indicator, Source
from geo.contract import finish_indicators
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, write_parquet

__all__ = ["CATALOGUE", "STAGES", "area_summary"]


def area_summary(lsoa: pd.DataFrame, *, parent: pd.Series, weights: pd.Series | None = None) -> pd.DataFrame:
    """Summarise LSOA rows (area_code, decile, score) over ``parent`` (indexed by LSOA code).

    Returns area_code, prop10, count, denominator and, with ``weights``, avg_score.
    """
    frame = lsoa.assign(parent=lsoa["area_code"].map(parent))
    if frame["parent"].isna().any():
        raise ValidationError(f"{int(frame['parent'].isna().sum())} LSOAs have no parent area.")
    grouped = frame.groupby("parent")
    out = pd.DataFrame({"count": grouped["decile"].apply(lambda d: int((d == 1).sum())), "denominator": grouped.size()})
    out["prop10"] = out["count"] / out["denominator"]
    if weights is not None:
        frame["w"] = frame["area_code"].map(weights)
        frame["ws"] = frame["w"] * frame["score"]
        sums = frame.groupby("parent")[["ws", "w"]].sum()
        out["avg_score"] = sums["ws"] / sums["w"]
    return out.reset_index(names="area_code")


def _indicator_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop_duplicates().reset_index(drop=True)


def _build(ctx: BuildContext) -> list[Output]:
    ind = ctx.out_dir / "indicators"
    imd19 = pd.read_parquet(ind / "imd2019_lsoa.parquet", columns=["indicator_id", "area_code", "value"])
    imd19 = imd19[imd19["indicator_id"].isin(["imd2019_imd_decile", "imd2019_imd_score"])]
    imd19 = imd19.pivot(index="area_code", columns="indicator_id", values="value").rename(
        columns={"imd2019_imd_decile": "decile", "imd2019_imd_score": "score"}).reset_index()
    pop = pd.read_parquet(ind / "population.parquet", columns=["indicator_id", "area_code", "value"])
    weights = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    if len(weights) != len(imd19):
        raise ValidationError(f"IoD2019 population weights cover {len(weights)} LSOAs; expected {len(imd19)}.")
    parents = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa11_parents.parquet").set_index("area_code")
    frames = []
    for level, column in (("pct", "pct_code"), ("sha", "sha_code")):
        s = area_summary(imd19, parent=parents[column], weights=weights)
        frames.append(pd.DataFrame({"indicator_id": "imd2019_imd_area_avg_score", "area_code": s["area_code"],
                                    "level": level, "vintage": "2011", "period": "2019", "sex": "persons",
                                    "value": s["avg_score"].round(3)}))
        frames.append(pd.DataFrame({"indicator_id": "imd2019_imd_area_prop10", "area_code": s["area_code"],
                                    "level": level, "vintage": "2011", "period": "2019", "sex": "persons",
                                    "value": s["prop10"].round(4), "count": s["count"], "denominator": s["denominator"]}))
    # IMD 2004 on the districts of its own time (the Spearhead criterion's edition), from 2001 LSOAs.
    imd04 = pd.read_parquet(ind / "imd2004_lsoa.parquet", columns=["indicator_id", "area_code", "value"])
    imd04 = imd04[imd04["indicator_id"] == "imd2004_imd_rank"].rename(columns={"value": "rank"})
    n = len(imd04)
    # Decile 1 = the most deprived tenth of LSOAs by official rank (rank 1 = most deprived).
    imd04["decile"] = (imd04["rank"] <= n / 10).map({True: 1, False: 2})
    l01 = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa01_lsoa11.parquet").drop_duplicates("lsoa01_code")
    s04 = area_summary(imd04, parent=l01.set_index("lsoa01_code")["lad_code_2008"])
    frames.append(pd.DataFrame({"indicator_id": "imd2004_imd_area_prop10", "area_code": s04["area_code"],
                                "level": "lad", "vintage": "2008", "period": "2004", "sex": "persons",
                                "value": s04["prop10"].round(4), "count": s04["count"], "denominator": s04["denominator"]}))
    table = finish_indicators(pd.concat(frames, ignore_index=True))
    n_areas = table.groupby(["indicator_id", "level"])["area_code"].nunique().to_dict()
    expected = {("imd2019_imd_area_avg_score", "pct"): 151, ("imd2019_imd_area_avg_score", "sha"): 10,
                ("imd2019_imd_area_prop10", "pct"): 151, ("imd2019_imd_area_prop10", "sha"): 10,
                ("imd2004_imd_area_prop10", "lad"): 354}
    if n_areas != expected:
        raise ValidationError(f"Derived summaries cover {n_areas}; expected {expected}.")
    return [write_parquet(ctx, table, "indicators/summaries.parquet")]


_SRC = Source(publisher="Atlas calculation from MHCLG English Indices of Deprivation LSOA data",
              dataset="IoD2019 LSOA IMD scores, deciles and mid-2015 population denominators; IMD 2004 LSOA ranks",
              raw_file="indicators/humaniverse_imd/; indicators/mysociety_composite_uk_imd/; indicators/mhclg_iod2019/")
_BIRMINGHAM = "PCTs marked approximate (Birmingham) are built from 2004 wards through 2001 LSOAs; see the boundary's approximate_reason."
_CAVEAT = "Editions of the Indices are not designed to measure change over time."
CATALOGUE = [
    Indicator("imd2019_imd_area_avg_score", "IMD 2019 average score (derived for PCTs and SHAs)",
              "Population-weighted average of the Index of Multiple Deprivation 2019 scores of the area's LSOAs: "
              "higher is more deprived.", "score", "lower_is_better", "Deprivation", _SRC, value_type="score",
              derived=True, short_title="IoD2019 IMD average score (derived)", edition="IoD2019",
              method="MHCLG's File 10 method (LSOA scores weighted by the IoD2019 mid-2015 population, excluding "
              "prisoners) applied to the atlas's PCT and SHA areas.",
              caveats=(_CAVEAT, _BIRMINGHAM), valid_range=(0.0, 100.0)),
    Indicator("imd2019_imd_area_prop10", "Share of small areas in England's most deprived 10% (IMD 2019, derived)",
              "Proportion of the area's LSOAs in the most deprived 10% nationally on the IMD 2019.", "proportion",
              "lower_is_better", "Deprivation", _SRC, value_type="proportion", derived=True, edition="IoD2019",
              short_title="IoD2019 share of LSOAs in most deprived 10% (derived)",
              method="Count of the area's LSOAs in national IMD decile 1 divided by its LSOAs (MHCLG's method).",
              caveats=(_CAVEAT,), valid_range=(0.0, 1.0)),
    Indicator("imd2004_imd_area_prop10", "Share of small areas in England's most deprived 10% (IMD 2004, derived)",
              "Proportion of the district's 2001 LSOAs in the most deprived 10% nationally on the IMD 2004, for the "
              "354 districts before April 2009 (the Spearhead edition).", "proportion", "lower_is_better",
              "Deprivation", _SRC, value_type="proportion", derived=True, edition="IoD2004",
              short_title="IMD 2004 share of LSOAs in most deprived 10% (derived)",
              method="Count of the district's LSOAs ranked in the most deprived tenth (official IMD 2004 rank) "
              "divided by its LSOAs. The official 2004 district summaries were not obtainable; the Spearhead "
              "criterion used the average score, which needs 2001 LSOA populations that are not held.",
              caveats=(_CAVEAT,), valid_range=(0.0, 1.0)),
]
STAGES = [Stage("summaries", _build, "derived deprivation summaries for PCTs, SHAs and pre-2009 districts",
                needs=("imd", "population", "lsoa2011", "pct"))]
