"""Stage ``outcomes``: health outcomes carried to Primary Care Trusts and Strategic Health Authorities.

No outcome is published for the 2011 PCTs and SHAs in the raw data, so the
district (``lad``) and upper-tier (``utla``) rows of ``indicators/health.parquet``
are carried to them by comparing LSOA 2011 memberships:

- a PCT with exactly the LSOAs of one authority gets that authority's published row
  unchanged (value, confidence interval, count, status), noted "Same area as <name>
  (<code>)"; this is not a derived figure;
- a PCT or SHA made of whole authorities gets the population-weighted mean of their
  published values, noted "Approximate: ..."; no confidence interval can be derived,
  so ``lower_ci``/``upper_ci`` stay empty, and no value is given when any member has
  none (status ``missing``, saying why);
- any other area (Birmingham's three ward-based PCTs, PCTs cutting through a
  district) gets a ``missing`` row saying why there is no value.

Weights are ONS LSOA population estimates summed over each authority, from the held
year nearest the period's middle year (mid-2015, IoD2019 denominators; mid-2019;
mid-2020). The same-area route is preferred over the weighted one, upper-tier before
district, and the latest boundary vintage first.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from geo.catalogue import Indicator
from geo.contract import finish_indicators
from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, write_parquet
from geo.ingest.health import CATALOGUE as HEALTH_CATALOGUE

__all__ = ["CATALOGUE", "NOT_WEIGHTED", "STAGES", "area_lsoas", "carry", "describe", "nearest_year", "relate"]

#: Declares no new indicator: the rows reuse the health indicators' ids (see :func:`describe`).
CATALOGUE: list[Indicator] = []
#: Indicators whose value for a union of areas cannot be had by averaging the areas' values.
NOT_WEIGHTED: dict[str, str] = {
    "sii_le": "the slope index of inequality of a union of areas cannot be derived from the areas' own indices",
}
_SOURCE_ORDER = ("utla", "lad")
_CARRIED = frozenset(ind.indicator_id for ind in HEALTH_CATALOGUE)
_LEVEL_WORD = {"lad": "local authority", "utla": "upper-tier authority"}
#: LSOA population series held: year -> (indicator_id, period, wording).
_POPULATION: dict[int, tuple[str, str, str]] = {
    2015: ("pop_total_iod2019", "2015", "ONS mid-2015 LSOA population (IoD2019 denominators)"),
    2019: ("pop_total", "2019", "ONS mid-2019 LSOA population"),
    2020: ("pop_total", "2020", "ONS mid-2020 LSOA population"),
}
_METHOD = (
    "PCTs and SHAs (2011): a PCT that is exactly one local or upper-tier authority shows that authority's "
    "published figure unchanged ('Same area as ...'). A PCT or SHA made of whole authorities shows the "
    "population-weighted mean of their published values (weights: ONS LSOA population of the held year nearest "
    "the period), an atlas approximation without confidence interval ('Approximate: ...'). Other areas "
    "(Birmingham's ward-based PCTs, PCTs splitting a district) have no value."
)


def nearest_year(period: str, years: tuple[int, ...] = tuple(_POPULATION)) -> int:
    """The held population year nearest the middle of ``period`` ("2016-18" -> 2017); ties go to the later year."""
    found = re.findall(r"\d{2,4}", period)
    if not found:
        raise ValidationError(f"Period {period!r} has no year; expected e.g. '2019' or '2016-18'.")
    first = int(found[0])
    last = int(found[-1]) if len(found) > 1 else first
    if last < 100:
        last += first - first % 100
    middle = (first + last) / 2
    return min(years, key=lambda y: (abs(y - middle), -y))


def area_lsoas(parents: pd.DataFrame, changes: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """For each source (level, vintage), each LSOA 2011's authority code: Series indexed by LSOA code.

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
    """How each group (PCT or SHA) relates to the areas: index group code; columns kind, members.

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


def _route(relation: pd.DataFrame, group: str) -> tuple[str, tuple[str, ...]]:
    members: tuple[str, ...] = relation.at[group, "members"]  # type: ignore[assignment]
    return str(relation.at[group, "kind"]), members


def _names(members: tuple[str, ...], names: dict[str, str]) -> str:
    return ", ".join(f"{names.get(c, c)} ({c})" for c in members)


def carry(health: pd.DataFrame, relations: dict[tuple[str, str], pd.DataFrame], *, level: str,
          weights: dict[tuple[tuple[str, str], int], pd.Series], names: dict[tuple[str, str], dict[str, str]],
          why_none: dict[str, str]) -> pd.DataFrame:
    """One row per group, indicator, period and sex of the lad/utla rows of ``health``.

    ``relations`` comes from :func:`relate` per source (level, vintage); ``weights`` maps
    (source, year) to each area's population; ``names`` maps a source to area names;
    ``why_none`` gives, per group, the reason used when no route applies.
    """
    rows: list[dict[str, object]] = []
    groups = sorted(set().union(*(set(r.index) for r in relations.values())))
    source_rank = {lv: i for i, lv in enumerate(_SOURCE_ORDER)}
    for (indicator_id, period, sex), data in health.groupby(["indicator_id", "period", "sex"], sort=True):
        sources = sorted({(str(lv), str(v)) for lv, v in zip(data["level"], data["vintage"], strict=True)},
                         key=lambda s: (source_rank[s[0]], -int(s[1])))
        by_source = {s: data[(data["level"] == s[0]) & (data["vintage"] == s[1])].set_index("area_code") for s in sources}
        year = nearest_year(str(period))
        for group in groups:
            base = {"indicator_id": indicator_id, "area_code": group, "level": level, "vintage": "2011",
                    "period": period, "sex": sex}
            rows.append({**base, **_one(group, str(indicator_id), sources, by_source, relations, weights, names, year,
                                        why_none.get(group, ""))})
    return pd.DataFrame(rows)


def _one(group: str, indicator_id: str, sources: list[tuple[str, str]], by_source: dict[tuple[str, str], pd.DataFrame],
         relations: dict[tuple[str, str], pd.DataFrame], weights: dict[tuple[tuple[str, str], int], pd.Series],
         names: dict[tuple[str, str], dict[str, str]], year: int, why_none: str) -> dict[str, object]:
    unpublished = ""
    for source in sources:
        kind, members = _route(relations[source], group)
        if kind == "same" and members[0] not in by_source[source].index:
            unpublished = f"No value: this area is the same as {_names(members, names[source])}, which has no row for this period."
        elif kind == "same":
            row = by_source[source].loc[members[0]]
            note = f"Same area as {_names(members, names[source])}"
            if isinstance(row["note"], str) and row["note"]:
                note += f"; {row['note']}"
            return {"value": row["value"], "lower_ci": row["lower_ci"], "upper_ci": row["upper_ci"],
                    "count": row["count"], "denominator": row["denominator"], "status": row["status"], "note": note}
    for source in sources:
        kind, members = _route(relations[source], group)
        if kind != "union":
            continue
        word = _LEVEL_WORD[source[0]]
        if indicator_id in NOT_WEIGHTED:
            return {"status": "missing", "note": f"No value: this area is {len(members)} whole {word} areas, and "
                                                  f"{NOT_WEIGHTED[indicator_id]}."}
        held = by_source[source].reindex(list(members))
        lacking = [c for c, s in zip(held.index, held["status"], strict=True) if s != "ok"]
        if lacking:
            return {"status": "missing", "note": f"Approximate value not computed: this area is {len(members)} whole "
                                                  f"{word} areas, of which {len(lacking)} lack a published value "
                                                  f"({_names(tuple(lacking), names[source])})."}
        w = weights[(source, year)].reindex(list(members))
        value = float((held["value"] * w).sum() / w.sum())
        counts = held["count"]
        return {"value": round(value, 2), "count": float(counts.sum()) if counts.notna().all() else np.nan,
                "status": "ok",
                "note": f"Approximate: population-weighted mean of the published values of {len(members)} whole {word} "
                        f"areas ({_names(members, names[source])}); weights {_POPULATION[year][2]}; not an official "
                        "figure, no confidence interval."}
    return {"status": "missing", "note": unpublished or f"No value: {why_none}"}


def describe(ind: Indicator) -> Indicator:
    """Add the PCT/SHA method to a health indicator's record that holds those levels (called by the catalogue stage)."""
    if ind.indicator_id not in _CARRIED or not {"pct", "sha"} & set(ind.levels):
        return ind
    method = f"{ind.method} {_METHOD}".strip()
    return replace(ind, method=method, caveats=(*ind.caveats, _METHOD))


def _why_none(*, ward_based: bool) -> str:
    if ward_based:
        return ("this area does not coincide with local authorities (it was built from wards), so no published "
                "figure applies and none is estimated.")
    return "this area cuts through a local or upper-tier authority, so no published figure applies and none is estimated."


def _build(ctx: BuildContext) -> list[Output]:
    out_dir = ctx.out_dir
    health = pd.read_parquet(out_dir / "indicators" / "health.parquet")
    health = health[health["level"].isin(_SOURCE_ORDER)]
    parents = pd.read_parquet(out_dir / "lookups" / "lsoa11_parents.parquet")
    changes = pd.read_parquet(out_dir / "lookups" / "la_code_changes.parquet")
    sources = area_lsoas(parents, changes)
    held = {(str(lv), str(v)) for lv, v in zip(health["level"], health["vintage"], strict=True)}
    if (missing := sorted(held - set(sources))):
        raise ValidationError(f"health.parquet holds {missing}, which no LSOA lookup covers; extend area_lsoas.")
    names: dict[tuple[str, str], dict[str, str]] = {}
    for source in sorted(held):
        b = pd.read_parquet(out_dir / "boundaries" / f"{source[0]}_{source[1]}.parquet", columns=["area_code", "area_name"])
        derived, known = set(sources[source]), set(b["area_code"])
        if derived != known:
            raise ValidationError(f"{source[0]} {source[1]}: LSOA lookups give {len(derived)} areas, the boundaries "
                                  f"{len(known)} (e.g. {sorted(derived ^ known)[:3]}); check la_code_changes.")
        names[source] = dict(zip(b["area_code"], b["area_name"], strict=True))
    pop = pd.read_parquet(out_dir / "indicators" / "population.parquet",
                          columns=["indicator_id", "area_code", "level", "period", "value"])
    pop = pop[pop["level"] == "lsoa"]
    weights: dict[tuple[tuple[str, str], int], pd.Series] = {}
    for year, (pid, period, _) in _POPULATION.items():
        lsoa_pop = pop[(pop["indicator_id"] == pid) & (pop["period"] == period)].set_index("area_code")["value"]
        if len(lsoa_pop) != len(parents):
            raise ValidationError(f"{pid} {period}: {len(lsoa_pop)} LSOA populations; expected {len(parents)}.")
        for source in held:
            weights[(source, year)] = lsoa_pop.groupby(sources[source].reindex(lsoa_pop.index)).sum()
    assign = pd.read_parquet(out_dir / "lookups" / "lsoa11_pct.parquet").set_index("area_code")
    approx = assign.groupby("pct_code")["approximate"].any()
    frames = []
    for level, column in (("pct", "pct_code"), ("sha", "sha_code")):
        relations = {s: relate(assign[column], sources[s]) for s in held}
        why = {g: _why_none(ward_based=level == "pct" and bool(approx.get(g, False))) for g in assign[column].unique()}
        table = carry(health, relations, level=level, weights=weights, names=names, why_none=why)
        notes = table["note"].fillna("")
        ctx.log(f"  {level}: {table['area_code'].nunique()} areas; rows same-area {int(notes.str.startswith('Same area').sum())}, "
                f"weighted {int(notes.str.startswith('Approximate:').sum())}, "
                f"without value {int((table['status'] != 'ok').sum())}")
        frames.append(table)
    table = finish_indicators(pd.concat(frames, ignore_index=True))
    return [write_parquet(ctx, table, "indicators/outcomes.parquet")]


STAGES = [Stage("outcomes", _build, "health outcomes carried to PCTs and SHAs (same area, or population-weighted)",
                needs=("health", "population", "lsoa2011", "la_changes", "pct", "lad", "utla"))]
