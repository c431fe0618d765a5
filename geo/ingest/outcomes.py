"""Stage ``outcomes``: health outcomes carried to areas their sources do not publish them for.

No outcome is published for the 2011 PCTs and SHAs in the raw data, and the upper-tier
and regional series stop earlier than the district ones (women's life expectancy at
2016-18, no men's at all). The district (``lad``) and upper-tier (``utla``) rows of
``indicators/health.parquet`` are carried to PCTs, SHAs, upper-tier authorities and
regions by comparing LSOA 2011 memberships (:mod:`geo.derived` holds the words and
weights, which the app reads back):

- an area with exactly the LSOAs of one published area gets that area's row unchanged
  (value, confidence interval, count, status), noted "Same area as <name> (<code>)"; a
  unitary authority on the upper-tier map is such an area; this is not a derived figure;
- an area made of whole published areas (a county, a region, most SHAs) gets the
  population-weighted mean of their published values, noted "Approximate: ...". Where
  every member used publishes a 95% confidence interval, ``lower_ci``/``upper_ci`` are
  the approximate 95% interval of that mean with the members' estimates taken as
  independent (:func:`geo.intervals.weighted_mean`: each member's standard error is
  ``(upper - lower) / (2 x 1.96)``, the mean's ``sqrt(sum (w_i / sum w)^2 SE_i^2)``), and
  the note says so; otherwise they stay empty and the note says "no interval: ..." and
  why (:data:`geo.derived.COMBINED_CI`). No value is given when a member has none, except
  that members the publisher suppressed for small numbers are left out (and named) when
  together they hold under 1% of the population (City of London in London, Isles of
  Scilly in the South West);
- any other area (Birmingham's three ward-based PCTs, PCTs cutting through a district)
  gets a ``missing`` row saying why there is no value.

An official figure always wins: nothing is carried to a level for an indicator, period and
sex it holds an official row for. Upper-tier rows go on the upper-tier code set of the
district figures' own code set (or the next one after it, e.g. 2020 districts -> 2021),
the set a refresh from Fingertips stores official upper-tier figures on, so a refreshed
official row replaces the carried row with the same key. Combinations where no area gets
a value (the slope index for regions) are left out.

Weights are ONS LSOA population estimates summed over each published area, from the held
year nearest the period's middle (:func:`geo.derived.nearest_year`: mid-2015, IoD2019
denominators; mid-2019; mid-2020). The same-area route is preferred over the weighted one,
upper-tier before district, and the latest boundary vintage first.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from geo import intervals
from geo.catalogue import Indicator
from geo.contract import finish_indicators
from geo.derived import APPROXIMATE, COMBINED_CI, POPULATION_YEARS, SAME_AREA, nearest_year
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, write_parquet
from geo.ingest.health import CATALOGUE as HEALTH_CATALOGUE
from geo.schema import vintages

__all__ = ["CATALOGUE", "NOT_WEIGHTED", "STAGES", "area_lsoas", "carry", "describe", "nearest_year", "plan", "relate",
           "target_vintage"]

#: Declares no new indicator: the rows reuse the health indicators' ids (see :func:`describe`).
CATALOGUE: list[Indicator] = []
#: Indicators whose value for a union of areas cannot be had by averaging the areas' values.
NOT_WEIGHTED: dict[str, str] = {
    "sii_le": "the slope index of inequality of a union of areas cannot be derived from the areas' own indices",
}
#: Suppressed members are left out of a weighted mean only while together they hold under this share of its people.
SMALL_SHARE = 0.01
#: A union's note names its members up to this many; beyond, the first few and how many more.
NAMES_SHOWN = 6
_SOURCE_ORDER = ("utla", "lad")
_CARRIED = frozenset(ind.indicator_id for ind in HEALTH_CATALOGUE)
_LEVEL_WORD = {"lad": "local authority", "utla": "upper-tier authority"}
#: Levels filled where their own series has no official row, and the source levels each is carried from.
_FILLED: dict[str, tuple[str, ...]] = {"utla": ("lad",), "region": ("utla", "lad")}
_KEY = ["indicator_id", "period", "sex"]
_METHOD = (
    "Areas a source does not publish for: PCTs and SHAs (2011) throughout, and upper-tier authorities and regions "
    "for the periods and sexes their own series lacks (an official figure always wins). An area that is exactly one "
    "published local or upper-tier authority (a unitary authority, most PCTs) shows that authority's published "
    "figure unchanged ('Same area as ...'). An area made of whole authorities (a county, a region, an SHA, some "
    "PCTs) shows the population-weighted mean of their published values (weights: ONS LSOA population of the held "
    "year nearest the period: mid-2015, mid-2019 or mid-2020), an atlas approximation ('Approximate: ...'). Its "
    "approximate 95% confidence interval, where every member used publishes one, combines the members' published "
    "95% intervals as independent estimates: each member's standard error is (upper - lower) / (2 x 1.96), the "
    "mean's the square root of the sum of (its population share x its standard error) squared, and the limits the "
    "mean plus or minus 1.96 standard errors (3.09 at 99.8%); where a member has none there is no interval, and the "
    "note says so. Members suppressed for small numbers are left out, and named, when they hold under 1% "
    "of its people. Other areas (Birmingham's ward-based PCTs, PCTs splitting a district) have no value."
)


def area_lsoas(parents: pd.DataFrame, changes: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """For each (level, vintage) of local and upper-tier authority, each LSOA 2011's area code: Series by LSOA code.

    ``parents`` is ``lookups/lsoa11_parents.parquet``; the 2023 and 2025 codes follow
    from the 2021 districts through ``lookups/la_code_changes.parquet`` (whole-district
    mergers and recodes only). An upper tier is the district itself unless the district
    is a shire district (E07), which keeps its 2019 county.
    """
    p = parents.set_index("area_code")
    out: dict[tuple[str, str], pd.Series] = {("lad", v): p[f"lad_code_{v}"] for v in ("2013", "2019", "2020", "2021")}
    out[("utla", "2013")] = p["utla_code_2013"]
    out[("utla", "2019")] = p["utla_code_2019"]
    lad = p["lad_code_2021"]
    for old, new in (("2021", "2023"), ("2023", "2025")):
        step = changes[(changes["old_vintage"] == old) & (changes["new_vintage"] == new)]
        lad = lad.replace(dict(zip(step["old_code"], step["new_code"], strict=True)))
        out[("lad", new)] = lad
    for vintage in ("2021", "2023", "2025"):
        district = out[("lad", vintage)]
        out[("utla", vintage)] = district.where(~district.str.startswith("E07"), p["utla_code_2019"])
    return out


def relate(groups: pd.Series, areas: pd.Series) -> pd.DataFrame:
    """How each group (PCT, SHA, county, region) relates to the areas: index group code; columns kind, members.

    ``kind`` is ``same`` (exactly one area), ``union`` (several whole areas) or ``split``
    (cuts through an area); ``members`` are the area codes it touches, sorted. Both
    Series are indexed by LSOA code.
    """
    frame = pd.DataFrame({"group": groups, "area": areas.reindex(groups.index)})
    if frame["area"].isna().any():
        raise ValidationError(f"{int(frame['area'].isna().sum())} LSOAs have no area code; rebuild lsoa2011 and la_changes.")
    size = frame.groupby("area").size()
    pairs = frame.groupby(["group", "area"]).size().rename("n").reset_index()
    pairs["whole"] = pairs["n"] == pairs["area"].map(size)
    out = pairs.groupby("group").agg(members=("area", lambda s: tuple(sorted(s))), whole=("whole", "all"))
    out["kind"] = np.where(~out["whole"], "split", np.where(out["members"].map(len) == 1, "same", "union"))
    return out[["kind", "members"]]


def target_vintage(source: str, *, level: str) -> str:
    """The code set of ``level`` a figure on ``source`` district codes is carried to: the same year or the next held.

    >>> target_vintage("2020", level="utla"), target_vintage("2023", level="utla"), target_vintage("2023", level="region")
    ('2021', '2023', '2019')
    """
    held = vintages(level)
    later = [v for v in held if v >= source]
    return later[0] if later else held[-1]


def plan(health: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """The (indicator, period, sex) to carry to ``level`` (``utla`` or ``region``), each with its target ``vintage``.

    Left out: every combination ``level`` holds an official row for (on any code set), and
    any with no source row. The target set follows the source's main district code set
    (the one with most rows; ties go to the later).
    """
    official = health.loc[health["level"] == level, _KEY].drop_duplicates()
    source = health[health["level"].isin(_FILLED[level])]
    counts = source.groupby([*_KEY, "level", "vintage"], as_index=False).size()
    counts["lad"] = counts["level"] == "lad"
    main = counts.sort_values(["lad", "size", "vintage"]).drop_duplicates(_KEY, keep="last")
    main = main.merge(official.assign(official=True), on=_KEY, how="left")
    main = main[main["official"].isna()]
    out = main[_KEY].assign(vintage=[target_vintage(str(v), level=level) for v in main["vintage"]])
    return out.sort_values(_KEY).reset_index(drop=True)


def _route(relation: pd.DataFrame, group: str) -> tuple[str, tuple[str, ...]]:
    members: tuple[str, ...] = relation.at[group, "members"]  # type: ignore[assignment]
    return str(relation.at[group, "kind"]), members


def _names(members: tuple[str, ...], names: dict[str, str], *, limit: int = 0) -> str:
    listed = [f"{names.get(c, c)} ({c})" for c in members]
    if limit and len(listed) > limit:
        return f"{', '.join(listed[:3])} and {len(listed) - 3} more"
    return ", ".join(listed)


def carry(health: pd.DataFrame, relations: dict[tuple[str, str], pd.DataFrame], *, level: str,
          weights: dict[tuple[tuple[str, str], int], pd.Series], names: dict[tuple[str, str], dict[str, str]],
          why_none: dict[str, str], vintage: str = "2011") -> pd.DataFrame:
    """One row per group, indicator, period and sex of the lad/utla rows of ``health``, on ``(level, vintage)``.

    ``relations`` comes from :func:`relate` per source (level, vintage); ``weights`` maps
    (source, year) to each area's population; ``names`` maps a source to area names;
    ``why_none`` gives, per group, the reason used when no route applies.
    """
    rows: list[dict[str, object]] = []
    groups = sorted(set().union(*(set(r.index) for r in relations.values())))
    source_rank = {lv: i for i, lv in enumerate(_SOURCE_ORDER)}
    for (indicator_id, period, sex), data in health.groupby(_KEY, sort=True):
        sources = sorted({(str(lv), str(v)) for lv, v in zip(data["level"], data["vintage"], strict=True)},
                         key=lambda s: (source_rank[s[0]], -int(s[1])))
        by_source = {s: data[(data["level"] == s[0]) & (data["vintage"] == s[1])].set_index("area_code") for s in sources}
        year = nearest_year(str(period))
        for group in groups:
            base = {"indicator_id": indicator_id, "area_code": group, "level": level, "vintage": vintage,
                    "period": period, "sex": sex}
            rows.append({**base, **_one(group, str(indicator_id), sources, by_source, relations, weights, names, year,
                                        why_none.get(group, ""))})
    return pd.DataFrame(rows)


def _one(group: str, indicator_id: str, sources: list[tuple[str, str]], by_source: dict[tuple[str, str], pd.DataFrame],
         relations: dict[tuple[str, str], pd.DataFrame], weights: dict[tuple[tuple[str, str], int], pd.Series],
         names: dict[tuple[str, str], dict[str, str]], year: int, why_none: str) -> dict[str, object]:
    unpublished = ""
    for source in sources:
        if group not in relations[source].index:
            continue
        kind, members = _route(relations[source], group)
        if kind == "same" and members[0] not in by_source[source].index:
            unpublished = f"No value: this area is the same as {_names(members, names[source])}, which has no row for this period."
        elif kind == "same":
            row = by_source[source].loc[members[0]]
            note = f"{SAME_AREA} {_names(members, names[source])}"
            if isinstance(row["note"], str) and row["note"] and row["note"] != "None":
                note += f"; {row['note']}"
            return {"value": row["value"], "lower_ci": row["lower_ci"], "upper_ci": row["upper_ci"],
                    "count": row["count"], "denominator": row["denominator"], "status": row["status"], "note": note}
    for source in sources:
        if group not in relations[source].index:
            continue
        kind, members = _route(relations[source], group)
        if kind == "union":
            return _weighted(indicator_id, members, by_source[source], weights[(source, year)], names[source],
                             word=_LEVEL_WORD[source[0]], year=year)
    return {"status": "missing", "note": unpublished or f"No value: {why_none}"}


def _weighted(indicator_id: str, members: tuple[str, ...], held: pd.DataFrame, weights: pd.Series,
              names: dict[str, str], *, word: str, year: int) -> dict[str, object]:
    """The population-weighted mean of ``members``' published values, or a ``missing`` row saying why not."""
    whole = f"this area is {len(members)} whole {word} areas"
    if indicator_id in NOT_WEIGHTED:
        return {"status": "missing", "note": f"No value: {whole}, and {NOT_WEIGHTED[indicator_id]}."}
    held = held.reindex(list(members))
    w = weights.reindex(list(members))
    lacking = [c for c, s in zip(held.index, held["status"], strict=True) if s != "ok"]
    suppressed = [c for c in lacking if held.at[c, "status"] == "suppressed"]
    share = float(w.reindex(suppressed).sum() / w.sum()) if suppressed else 0.0
    if lacking and (len(suppressed) < len(lacking) or share >= SMALL_SHARE or len(lacking) == len(members)):
        return {"status": "missing", "note": f"Approximate value not computed: {whole}, of which {len(lacking)} lack "
                                             f"a published value ({_names(tuple(lacking), names)})."}
    used = [c for c in members if c not in lacking]
    parts = held.loc[used]
    combined = intervals.weighted_mean(parts["value"], parts["lower_ci"], parts["upper_ci"], w[used]).iloc[0]
    counts = parts["count"]
    left_out = (f" {_names(tuple(suppressed), names)} left out: suppressed by the publisher (too few events), "
                f"{share:.1%} of the population." if suppressed else "")
    total = float(counts.sum()) if counts.notna().all() else np.nan
    limits = {"lower_ci": np.nan, "upper_ci": np.nan}
    if pd.notna(combined["se"]):
        places = _decimals(pd.concat([parts["lower_ci"], parts["upper_ci"]]))
        limits = {f"{side}_ci": round(float(combined[intervals.column(side, 95.0)]), places) for side in ("lower", "upper")}
        interval = f"{COMBINED_CI}."
    else:
        interval = f"{combined['ci_method']}."
    return {"value": round(float(combined["value"]), _decimals(parts["value"])), **limits, "count": total,
            "status": "ok",
            "note": f"{APPROXIMATE} population-weighted mean of the published values of {len(used)} whole {word} "
                    f"area{'' if len(used) == 1 else 's'} ({_names(tuple(used), names, limit=NAMES_SHOWN)}); weights {POPULATION_YEARS[year][2]}; "
                    f"not an official figure; {interval}{left_out}"}


def _decimals(values: pd.Series) -> int:
    """The most decimal places among ``values`` (at most 3): an approximation is given no more precision than its parts.

    >>> _decimals(pd.Series([81.3, 79.0])), _decimals(pd.Series([30.73648, 4.5]))
    (1, 3)
    """
    places = [len(f"{v:.3f}".rstrip("0").split(".")[1]) for v in values.dropna()]
    return max(places, default=1)


def describe(ind: Indicator) -> Indicator:
    """Add the carrying method to a health indicator's record held at a carried level (called by the catalogue stage)."""
    if ind.indicator_id not in _CARRIED or not {"pct", "sha", *_FILLED} & set(ind.levels):
        return ind
    method = f"{ind.method} {_METHOD}".strip()
    return replace(ind, method=method, caveats=(*ind.caveats, _METHOD))


def _why_none(*, ward_based: bool) -> str:
    if ward_based:
        return ("this area does not coincide with local authorities (it was built from wards), so no published "
                "figure applies and none is estimated.")
    return "this area cuts through a local or upper-tier authority, so no published figure applies and none is estimated."


def _log(ctx: BuildContext, table: pd.DataFrame, what: str) -> None:
    notes = table["note"].fillna("")
    ctx.log(f"  {what}: {table['area_code'].nunique()} areas; rows same-area {int(notes.str.startswith(SAME_AREA).sum())}, "
            f"weighted {int(notes.str.startswith(APPROXIMATE).sum())} (with an interval "
            f"{int((notes.str.startswith(APPROXIMATE) & table['lower_ci'].notna()).sum())}), "
            f"without value {int((table['status'] != 'ok').sum())}")


def _checked(ctx: BuildContext, source: tuple[str, str], lsoas: pd.Series) -> dict[str, str]:
    """Area names of ``source``'s boundaries, after checking the LSOA lookups give exactly its codes."""
    b = pd.read_parquet(ctx.out_dir / "boundaries" / f"{source[0]}_{source[1]}.parquet", columns=["area_code", "area_name"])
    derived, known = set(lsoas), set(b["area_code"])
    if derived != known:
        raise ValidationError(f"{source[0]} {source[1]}: LSOA lookups give {len(derived)} areas, the boundaries "
                              f"{len(known)} (e.g. {sorted(derived ^ known)[:3]}); check la_code_changes.")
    return dict(zip(b["area_code"], b["area_name"], strict=True))


def _weights(ctx: BuildContext, parents: pd.DataFrame, sources: dict[tuple[str, str], pd.Series],
             held: set[tuple[str, str]]) -> dict[tuple[tuple[str, str], int], pd.Series]:
    pop = pd.read_parquet(ctx.out_dir / "indicators" / "population.parquet",
                          columns=["indicator_id", "area_code", "level", "period", "value"])
    pop = pop[pop["level"] == "lsoa"]
    weights: dict[tuple[tuple[str, str], int], pd.Series] = {}
    for year, (pid, period, _) in POPULATION_YEARS.items():
        lsoa_pop = pop[(pop["indicator_id"] == pid) & (pop["period"] == period)].set_index("area_code")["value"]
        if len(lsoa_pop) != len(parents):
            raise ValidationError(f"{pid} {period}: {len(lsoa_pop)} LSOA populations; expected {len(parents)}.")
        for source in held:
            weights[(source, year)] = lsoa_pop.groupby(sources[source].reindex(lsoa_pop.index)).sum()
    return weights


def _build(ctx: BuildContext) -> list[Output]:
    out_dir = ctx.out_dir
    every = pd.read_parquet(out_dir / "indicators" / "health.parquet")
    health = every[every["level"].isin(_SOURCE_ORDER)]
    parents = pd.read_parquet(out_dir / "lookups" / "lsoa11_parents.parquet")
    changes = pd.read_parquet(out_dir / "lookups" / "la_code_changes.parquet")
    sources = area_lsoas(parents, changes)
    held = {(str(lv), str(v)) for lv, v in zip(health["level"], health["vintage"], strict=True)}
    if (missing := sorted(held - set(sources))):
        raise ValidationError(f"health.parquet holds {missing}, which no LSOA lookup covers; extend area_lsoas.")
    names = {source: _checked(ctx, source, sources[source]) for source in sorted(held)}
    weights = _weights(ctx, parents, sources, held)
    assign = pd.read_parquet(out_dir / "lookups" / "lsoa11_pct.parquet").set_index("area_code")
    approx = assign.groupby("pct_code")["approximate"].any()
    frames = []
    for level, column in (("pct", "pct_code"), ("sha", "sha_code")):
        relations = {s: relate(assign[column], sources[s]) for s in held}
        why = {g: _why_none(ward_based=level == "pct" and bool(approx.get(g, False))) for g in assign[column].unique()}
        table = carry(health, relations, level=level, weights=weights, names=names, why_none=why)
        _log(ctx, table, level)
        frames.append(table)
    groups_of = {**{("utla", v): sources[("utla", v)] for v in vintages("utla")},
                 ("region", "2019"): parents.set_index("area_code")["region_code"]}
    for level in _FILLED:
        wanted = plan(every, level=level)
        for vintage, combos in wanted.groupby("vintage"):
            groups = groups_of[(level, str(vintage))]
            _checked(ctx, (level, str(vintage)), groups)
            rows = health[health["level"].isin(_FILLED[level])].merge(combos[_KEY], on=_KEY)
            used = {(str(lv), str(v)) for lv, v in zip(rows["level"], rows["vintage"], strict=True)}
            relations = {s: relate(groups, sources[s]) for s in used}
            why = dict.fromkeys(groups.unique(), "no published area or union of whole areas matches it.")
            table = carry(rows, relations, level=level, vintage=str(vintage), weights=weights, names=names, why_none=why)
            valued = table.groupby(_KEY)["status"].transform(lambda s: bool((s == "ok").any()))
            table = table[valued.astype(bool)]
            _log(ctx, table, f"{level} {vintage} ({table[_KEY].drop_duplicates().shape[0]} indicator-period-sex)")
            frames.append(table)
    table = finish_indicators(pd.concat(frames, ignore_index=True))
    return [write_parquet(ctx, table, "indicators/outcomes.parquet")]


STAGES = [Stage("outcomes", _build, "health outcomes carried to PCTs, SHAs, and upper tiers and regions where their "
                "series lack a period or sex (same area, or population-weighted)",
                needs=("health", "population", "lsoa2011", "la_changes", "pct", "lad", "utla", "region"))]
