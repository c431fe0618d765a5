"""Stage ``summaries``: deprivation summaries and populations for areas the official releases do not cover.

The Indices of Deprivation publish district summaries only for the districts of
their own year. For Primary Care Trusts, Strategic Health Authorities and the 354
districts before April 2009 the atlas works them out with MHCLG's own method
(IoD2019 technical report, File 10), from the official LSOA figures, wherever the
small areas nest exactly in the area:

- the proportion of an area's LSOAs in the most deprived 10% nationally (a plain
  count of LSOAs ranked in the national top tenth), for every edition;
- the population-weighted average score and the *extent* (the share of people in
  the most deprived 30% of LSOAs, with a weight sliding from 1 in the most deprived
  tenth to 0.05 at the 30th percentile), where the edition's own LSOA population
  denominators are held: IoD2019 only (mid-2015, File 6). The 2004, 2007 and 2010
  editions weighted by 2001-era LSOA populations that no raw file holds, so their
  average score and extent are not derived;
- populations of the pre-2009 districts: sums of the ONS LSOA 2011 estimates, as
  every LSOA 2011 lies in exactly one of them.

2001 LSOAs nest in the pre-2009 districts (each has one district in the ONS
LSOA01-ward lookup, and the IMD 2004 and 2007 files name the same one); LSOA 2011s
do too (:func:`geo.ingest.lsoa.lsoa11_to_old_lad`). The pre-2009 rows carry the
indicator ids of the official district summaries, so the Spearhead method and the
map take them as they take the published ones; each row's note and the
catalogue's method say they are the atlas's calculation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import numpy as np
import pandas as pd

from geo.catalogue import Indicator, Source
from geo.contract import finish_indicators
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, read_raw_csv, write_parquet

__all__ = ["CATALOGUE", "OLD_DISTRICT_IDS", "STAGES", "describe", "extent_weights", "half_up", "in_top_tenth",
           "summarise"]

#: Published precision of File 10's columns: average score 3 decimals, proportion and extent 4.
SCORE_DP: Final = 3
SHARE_DP: Final = 4
OLD: Final = ("lad", "2008")
#: LSOA-level inputs: edition -> (LSOA file, rank id, LSOA set).
_EDITIONS: Final[dict[str, tuple[str, str, str]]] = {
    "2004": ("imd2004_lsoa.parquet", "imd2004_imd_rank", "2001"),
    "2007": ("imd2007_lsoa.parquet", "imd2007_imd_rank", "2001"),
    "2010": ("imd2010_lsoa.parquet", "imd2010_imd_rank", "2001"),
    "2015": ("imd2015_lsoa.parquet", "imd2015_imd_rank", "2011"),
    "2019": ("imd2019_lsoa.parquet", "imd2019_imd_rank", "2011"),
}
#: The raw IMD files that name each 2001 LSOA's district of the time: (file, code column).
_OLD_CODES: Final = {"2004": ("indicators/humaniverse_imd/imd2004_england_lsoa01.csv.gz", "lad04_code"),
                     "2007": ("indicators/humaniverse_imd/imd2007_england_lsoa01.csv.gz", "lad07_code")}
_POPULATIONS: Final = ("pop_total", "pop_0_4", "pop_0_15", "pop_65_plus")
_POP_PERIODS: Final = ("2019", "2020")
#: Indicator ids that hold pre-2009 district rows written here (the catalogue's method says so).
OLD_DISTRICT_IDS: Final[frozenset[str]] = frozenset(
    {f"imd{e}_imd_la_prop_most_deprived_10pc" for e in _EDITIONS}
    | {"imd2019_imd_la_avg_score", "imd2019_imd_la_extent"}
    | set(_POPULATIONS) | {f"{p}_share" for p in _POPULATIONS if p != "pop_total"}
)
_NOTE: Final = ("Pre-2009 district: worked out by the atlas from official LSOA figures (its small areas nest in it); "
                "not a published figure.")


# --- the method ---------------------------------------------------------------------------------


def half_up(values: pd.Series, decimals: int) -> pd.Series:
    """Round halves away from zero, as the published tables do (0.03125 -> 0.0313 at 4 decimals)."""
    scale = 10.0**decimals
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5) / scale


def in_top_tenth(rank: pd.Series) -> pd.Series:
    """Whether each LSOA is in the most deprived 10% nationally: rank 1 .. floor(n / 10) of all n LSOAs."""
    return rank <= len(rank) // 10


def extent_weights(rank: pd.Series) -> pd.Series:
    """The extent's weight for each LSOA from its national rank (1 = most deprived, all n LSOAs given).

    Percentile p = ceil(100 x rank / n); weight 1 for p <= 10, 0.95 - (0.9 / 19)(p - 11) for
    11 <= p <= 30 (0.95 down to 0.05), 0 beyond (IoD technical report, Appendix N).
    """
    n = len(rank)
    p = (rank.astype("int64") * 100 + n - 1) // n
    sliding = 0.95 - (0.9 / 19) * (p - 11)
    return pd.Series(np.where(p <= 10, 1.0, np.where(p <= 30, sliding, 0.0)), index=rank.index)


def summarise(
    rank: pd.Series, *, parent: pd.Series, score: pd.Series | None = None, weights: pd.Series | None = None
) -> pd.DataFrame:
    """District summaries of national LSOA ranks (index: LSOA code; every LSOA of England).

    ``parent`` maps each LSOA to its area. Returns area_code, count (LSOAs in the most
    deprived 10%), denominator (LSOAs), prop10 and, with ``weights`` (LSOA populations),
    extent and, with ``score`` too, avg_score. Unrounded: see :func:`half_up`.

    Raises
    ------
    ValidationError
        An LSOA has no parent, or no weight when weights are given.
    """
    area = parent.reindex(rank.index)
    if area.isna().any():
        raise ValidationError(f"{int(area.isna().sum())} LSOAs have no parent area (e.g. "
                              f"{', '.join(area[area.isna()].index[:3])}); expected one each.")
    frame = pd.DataFrame({"area": area.to_numpy(), "top": in_top_tenth(rank).to_numpy()}, index=rank.index)
    grouped = frame.groupby("area")
    out = pd.DataFrame({"count": grouped["top"].sum().astype("int64"), "denominator": grouped.size()})
    out["prop10"] = out["count"] / out["denominator"]
    if weights is not None:
        w = weights.reindex(rank.index)
        if w.isna().any():
            raise ValidationError(f"{int(w.isna().sum())} LSOAs have no population weight; expected one each.")
        frame["w"] = w
        frame["we"] = w * extent_weights(rank)
        if score is not None:
            frame["ws"] = w * score.reindex(rank.index)
        sums = frame.groupby("area").sum(numeric_only=True)
        out["extent"] = sums["we"] / sums["w"]
        if score is not None:
            out["avg_score"] = sums["ws"] / sums["w"]
    return out.reset_index(names="area_code")


# --- the stage ----------------------------------------------------------------------------------


def _rows(indicator_id: str, values: pd.Series, *, level: str, vintage: str, period: str, note: str | None = None,
          count: pd.Series | None = None, denominator: pd.Series | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"indicator_id": indicator_id, "area_code": values.index, "level": level, "vintage": vintage,
                          "period": period, "sex": "persons", "value": values.to_numpy(), "note": note})
    if count is not None and denominator is not None:
        frame["count"] = count.reindex(values.index).to_numpy()
        frame["denominator"] = denominator.reindex(values.index).to_numpy()
    return frame


def _ranks(ctx: BuildContext, edition: str) -> pd.Series:
    file, rank_id, _ = _EDITIONS[edition]
    df = pd.read_parquet(ctx.out_dir / "indicators" / file, columns=["indicator_id", "area_code", "value"])
    return df[df["indicator_id"] == rank_id].set_index("area_code")["value"]


def _lsoa01_districts(ctx: BuildContext) -> pd.Series:
    """Each 2001 LSOA's pre-2009 district, checked against the districts the IMD 2004 and 2007 files name."""
    links = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa01_lsoa11.parquet", columns=["lsoa01_code", "lad_code_2008"])
    links = links.drop_duplicates()
    if links["lsoa01_code"].duplicated().any():
        raise ValidationError("A 2001 LSOA lies in two pre-2009 districts in lsoa01_lsoa11.parquet; expected one.")
    district = links.set_index("lsoa01_code")["lad_code_2008"]
    for edition, (raw, column) in _OLD_CODES.items():
        named = read_raw_csv(ctx, raw, usecols=["lsoa01_code", column]).set_index("lsoa01_code")[column]
        differ = named[named != district.reindex(named.index)]
        if len(differ):
            raise ValidationError(f"{len(differ)} 2001 LSOAs lie in another district in the IMD {edition} file than in "
                                  f"the ONS lookup (e.g. {differ.index[0]}: {differ.iloc[0]}); expected the same.")
    return district


def _old_districts(ctx: BuildContext) -> list[pd.DataFrame]:
    ind = ctx.out_dir / "indicators"
    parents = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa11_parents.parquet").set_index("area_code")
    parent = {"2001": _lsoa01_districts(ctx), "2011": parents["lad_code_2008"]}
    frames = []
    for edition, (_, _, lsoa_set) in _EDITIONS.items():
        s = summarise(_ranks(ctx, edition), parent=parent[lsoa_set]).set_index("area_code")
        frames.append(_rows(f"imd{edition}_imd_la_prop_most_deprived_10pc", half_up(s["prop10"], SHARE_DP),
                            level=OLD[0], vintage=OLD[1], period=edition, note=_NOTE,
                            count=s["count"], denominator=s["denominator"]))
    imd19 = pd.read_parquet(ind / "imd2019_lsoa.parquet", columns=["indicator_id", "area_code", "value"])
    score = imd19[imd19["indicator_id"] == "imd2019_imd_score"].set_index("area_code")["value"]
    pop = pd.read_parquet(ind / "population.parquet", columns=["indicator_id", "area_code", "level", "period", "value"])
    pop = pop[pop["level"] == "lsoa"]
    weights = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    s = summarise(_ranks(ctx, "2019"), parent=parents["lad_code_2008"], score=score, weights=weights)
    s = s.set_index("area_code")
    frames.append(_rows("imd2019_imd_la_avg_score", half_up(s["avg_score"], SCORE_DP), level=OLD[0], vintage=OLD[1],
                        period="2019", note=_NOTE))
    frames.append(_rows("imd2019_imd_la_extent", half_up(s["extent"], SHARE_DP), level=OLD[0], vintage=OLD[1],
                        period="2019", note=_NOTE))
    for period in _POP_PERIODS:
        here = pop[pop["period"] == period]
        sums = {pid: here[here["indicator_id"] == pid].groupby(
            parents["lad_code_2008"].reindex(here.loc[here["indicator_id"] == pid, "area_code"]).to_numpy())["value"].sum()
            for pid in _POPULATIONS}
        total = sums["pop_total"]
        if int(total.notna().sum()) != len(set(parents["lad_code_2008"])):
            raise ValidationError(f"Mid-{period} LSOA populations cover {int(total.notna().sum())} pre-2009 districts; "
                                  f"expected {len(set(parents['lad_code_2008']))}.")
        for pid, values in sums.items():
            frames.append(_rows(pid, values, level=OLD[0], vintage=OLD[1], period=period, note=_NOTE))
            if pid != "pop_total":
                frames.append(_rows(f"{pid}_share", 100 * values / total, level=OLD[0], vintage=OLD[1], period=period,
                                    note=_NOTE, count=values, denominator=total))
    return frames


def _pct_sha(ctx: BuildContext) -> list[pd.DataFrame]:
    ind = ctx.out_dir / "indicators"
    imd19 = pd.read_parquet(ind / "imd2019_lsoa.parquet", columns=["indicator_id", "area_code", "value"])
    score = imd19[imd19["indicator_id"] == "imd2019_imd_score"].set_index("area_code")["value"]
    pop = pd.read_parquet(ind / "population.parquet", columns=["indicator_id", "area_code", "value"])
    weights = pop[pop["indicator_id"] == "pop_total_iod2019"].set_index("area_code")["value"]
    rank = _ranks(ctx, "2019")
    if len(weights) != len(rank):
        raise ValidationError(f"IoD2019 population weights cover {len(weights)} LSOAs; expected {len(rank)}.")
    parents = pd.read_parquet(ctx.out_dir / "lookups" / "lsoa11_parents.parquet").set_index("area_code")
    frames = []
    for level, column in (("pct", "pct_code"), ("sha", "sha_code")):
        s = summarise(rank, parent=parents[column], score=score, weights=weights).set_index("area_code")
        frames.append(_rows("imd2019_imd_area_avg_score", half_up(s["avg_score"], SCORE_DP), level=level, vintage="2011",
                            period="2019"))
        frames.append(_rows("imd2019_imd_area_prop10", half_up(s["prop10"], SHARE_DP), level=level, vintage="2011", period="2019",
                            count=s["count"], denominator=s["denominator"]))
    return frames


def _build(ctx: BuildContext) -> list[Output]:
    table = finish_indicators(pd.concat([*_pct_sha(ctx), *_old_districts(ctx)], ignore_index=True))
    n_areas = table.groupby(["indicator_id", "level"])["area_code"].nunique().reset_index()
    expected = {"pct": 151, "sha": 10, "lad": 354}
    wrong = {f"{i} {lv}": int(n) for i, lv, n in n_areas.itertuples(index=False) if n != expected[lv]}
    if wrong:
        raise ValidationError(f"Derived summaries cover {wrong} areas; expected {expected} per level.")
    return [write_parquet(ctx, table, "indicators/summaries.parquet")]


def describe(ind: Indicator) -> Indicator:
    """Say in an indicator's record how its pre-2009 district values were made (called by the catalogue stage)."""
    if ind.indicator_id not in OLD_DISTRICT_IDS or OLD[1] not in ind.levels.get(OLD[0], ()):
        return ind
    what = ("sums of the ONS LSOA 2011 population estimates of each district's small areas (every LSOA 2011 lies in "
            "exactly one)" if ind.indicator_id.startswith("pop_") else
            "MHCLG's File 10 method applied by the atlas to the official LSOA figures of the edition (2001 LSOAs for "
            "2004-2010, 2011 LSOAs for 2015 and 2019; both nest exactly in the pre-2009 districts)")
    check = ("they equal the published totals of the districts that kept their boundaries" if ind.indicator_id.startswith(
        "pop_") else "the same method reproduces MHCLG's published 2019 district summaries (File 10)")
    method = f"Pre-2009 districts (354, old codes such as 20UF): {what}; {check}."
    return replace(ind, method=f"{ind.method} {method}".strip(), caveats=(*ind.caveats, method))


_SRC = Source(publisher="Atlas calculation from MHCLG English Indices of Deprivation LSOA data",
              dataset="IoD2019 LSOA IMD scores, deciles and mid-2015 population denominators",
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
]
STAGES = [Stage("summaries", _build, "derived deprivation summaries for PCTs, SHAs and pre-2009 districts; "
                "pre-2009 district populations", needs=("imd", "population", "lsoa2011", "lad2008", "pct"))]
