"""Carry a table of values keyed by one boundary set onto another, through the atlas's lookups.

:func:`carry` moves values (one row per area and column, as
:attr:`geo.uploads.Upload.values`) from the codes of one ``(level, vintage)`` onto
the boundaries of another: codes of another vintage go through
:func:`geo.codes.reconcile`, small areas are added up into the areas they nest in.
Counts are summed; rates are population-weighted where the atlas holds
populations, or refused with the reason. Splits are listed, never divided.

2011 LSOAs reach the 2023 and 2025 districts (which nest 2021 LSOAs) through
the 2021 districts: each LSOA goes to its 2021 district (ONS's LSOA 2011 lookup),
then on through the 2023/2025 code changes, which are whole-district merges and
recodes. Every area of the result is then one sum (or one population-weighted
mean, with the 2011 LSOA populations) over the LSOAs it holds, which is the same
number as adding up districts first and merging after. 2011 LSOAs reach 2021
LSOAs through the derived 2011-2021 lookup: unchanged and merged LSOAs carry
over, split and redrawn ones are listed, never divided. :attr:`Mapped.route`
says which path was taken.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo import boundaries, codes, indicators, shared
from geo._paths import DATA_DIR
from geo.errors import AtlasError, UploadError
from geo.schema import AREA_LABELS, LEVEL_LABELS, LEVELS, vintages
from geo.shared import SessionOwned

__all__ = ["Mapped", "carry", "compose", "fate", "lsoa01_lookup", "lsoa11_lookup", "route", "set_codes", "set_label"]


@dataclass(frozen=True, eq=False)
class Mapped(SessionOwned):
    """A user's values carried onto one boundary set (session-owned: never shared).

    ``values``: as :attr:`geo.uploads.Upload.values`, keyed on the target codes. ``changes``: one
    row per target area made of several of the file's areas (target_code, parts, how).
    ``unmatched``: the file's codes that could not be carried over, with the reason.
    ``route``: the lookups the values went through, in words.
    """

    level: str
    vintage: str
    values: pd.DataFrame
    changes: pd.DataFrame
    unmatched: pd.DataFrame
    notes: tuple[str, ...]
    route: str = ""


@shared.cached(max_entries=2, scope="bundled")
def lsoa01_lookup(data_dir: Path) -> pd.DataFrame:
    """The 2001 -> 2011 LSOA lookup (code, name, 2011 code, change U/M/S/X); empty when not built."""
    path = data_dir / "lookups" / "lsoa01_lsoa11.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["lsoa01_code", "lsoa01_name", "lsoa11_code", "change"], dtype="str")
    return pd.read_parquet(path, columns=["lsoa01_code", "lsoa01_name", "lsoa11_code", "change"])


@shared.cached(max_entries=2, scope="bundled")
def lsoa11_lookup(data_dir: Path) -> pd.DataFrame:
    """The derived 2011 -> 2021 LSOA lookup (2011 code, 2021 code, change U/S/M/X); empty when not built."""
    path = data_dir / "lookups" / "lsoa11_lsoa21.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["lsoa11_code", "lsoa21_code", "change"], dtype="str")
    return pd.read_parquet(path, columns=["lsoa11_code", "lsoa21_code", "change"])


def set_codes(level: str, vintage: str, data_dir: Path) -> frozenset[str]:
    """Every code of one boundary set, including the 2001 LSOAs and the 2011 districts."""
    if level == "lsoa" and vintage == "2001":
        return frozenset(lsoa01_lookup(data_dir)["lsoa01_code"])
    if level == "lad" and vintage == "2011":
        back = codes.reconcile(sorted(set_codes("lad", "2013", data_dir)), source="2013", target="2011", data_dir=data_dir)
        return frozenset(back.mapped["target_code"])
    return frozenset(codes.area_names(level, vintage, data_dir=data_dir))


def fate(unknown: Sequence[str], *, level: str, vintage: str, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """What the lookups say became of codes that are not in the ``(level, vintage)`` set: ``{code: reason}``."""
    reasons: dict[str, str] = {}
    if unknown and ((level in LEVELS and vintage in vintages(level)) or (level == "lad" and vintage == "2011")):
        try:
            result = codes.reconcile(list(unknown), source=vintage, target=vintage, level=level, data_dir=data_dir)
            reasons = dict(zip(result.unmatched["source_code"], result.unmatched["reason"], strict=True))
        except AtlasError:
            reasons = {}
    return {code: reasons.get(code) or f"{code} is not a {vintage} {AREA_LABELS.get(level, level)} code" for code in unknown}


def carry(
    values: pd.DataFrame,
    *,
    columns: Sequence[str],
    source: tuple[str, str],
    level: str,
    vintage: str,
    kinds: Mapping[str, str] | None = None,
    data_dir: Path = DATA_DIR,
) -> Mapped:
    """Carry ``values`` keyed by the ``source`` (level, vintage) onto the ``(level, vintage)`` boundaries.

    Codes of another vintage go through :func:`geo.codes.reconcile`; small areas are
    added up into the areas they nest in. Where several source areas make one
    map area, a column whose kind is ``"count"`` is summed; a ``"rate"`` is
    population-weighted where the atlas holds populations for the source areas, and
    refused otherwise. An area is missing when any of its parts is absent, suppressed
    when any part is suppressed.

    Raises
    ------
    UploadError
        No lookup joins the two geographies, or a rate would need populations the atlas does not hold.
    """
    kinds = dict(kinds or {})
    target = (level, vintage)
    if source == target:
        return Mapped(level, vintage, values.copy(), _no_changes(), _no_unmatched(), (), "as in your file")
    walk, lost, steps = _walk(*source, level, vintage, sorted(set_codes(*source, data_dir)), data_dir)
    given = set(values["area_code"])
    unmatched = lost[lost["source_code"].isin(given)].reset_index(drop=True)
    parts = walk.groupby("target_code")["source_code"].agg(list)
    several = parts[parts.map(len) > 1]
    notes: list[str] = []
    weights: pd.Series | None = None
    rate_cols = [c for c in columns if kinds.get(c, "rate") != "count"]
    if len(several) and rate_cols:
        found = _populations(*source, data_dir)
        if found is None:
            raise UploadError(
                f"{', '.join(repr(c) for c in rate_cols)} cannot be carried from {set_label(*source)} to {set_label(*target)}: "
                f"{len(several)} map areas are made of several of your areas, and a rate cannot be summed; the atlas holds no "
                f"populations for {set_label(*source)} to weight it by. Mark the column as a count if it is one, "
                f"or switch the map to {set_label(*source)}."
            )
        weights, label = found
        notes.append(f"Rates of areas made of several of yours are population-weighted means ({label} "
                     f"of the {set_label(*source)}).")
    rows = []
    for col in columns:
        mine = values[values["column"] == col].set_index("area_code")
        kind = kinds.get(col, "rate")
        for target_code, sources in parts.items():
            present = [s for s in sources if s in mine.index]
            if not present:
                continue
            rows.append(_combine(str(target_code), col, mine, sources, present, kind, weights))
    out = pd.DataFrame(rows, columns=["area_code", "column", "value", "lower_ci", "upper_ci", "status", "note"])
    out = out.astype({"area_code": "str", "column": "str", "value": "float64", "lower_ci": "float64",
                      "upper_ci": "float64", "status": "str", "note": "str"})
    changes = pd.DataFrame(
        [(t, len(s), ", ".join(s[:6]) + (" ..." if len(s) > 6 else "")) for t, s in several.items()
         if any(x in given for x in s)],
        columns=["target_code", "parts", "source_codes"],
    )
    if len(changes):
        how = "counts are summed" + (", rates population-weighted" if rate_cols else "")
        notes.insert(0, f"{len(changes)} map area(s) are made of several of your areas: {how}.")
    if len(unmatched):
        notes.append(f"{len(unmatched)} of your areas cannot be carried onto {set_label(*target)} (see the list).")
    path = _describe(source, target, steps)
    notes.insert(0, f"Route: {path}.")
    return Mapped(level, vintage, out, changes, unmatched, tuple(notes), path)


def route(source: tuple[str, str], target: tuple[str, str], *, data_dir: Path = DATA_DIR) -> str:
    """The lookups :func:`carry` would take from ``source`` to ``target``, in words.

    Raises
    ------
    UploadError
        No lookup joins the two geographies.
    """
    if source == target:
        return "as in your file"
    return _describe(source, target, _walk(*source, *target, sorted(set_codes(*source, data_dir)), data_dir)[2])


def compose(first: pd.DataFrame, then: pd.DataFrame) -> pd.DataFrame:
    """Two walks of (source_code, target_code) one after the other: each first source to its final target.

    Examples
    --------
    >>> a = pd.DataFrame({"source_code": ["l1", "l2", "l3"], "target_code": ["d1", "d2", "d3"]})
    >>> b = pd.DataFrame({"source_code": ["d1", "d2"], "target_code": ["m", "m"]})
    >>> compose(a, b).values.tolist()
    [['l1', 'm'], ['l2', 'm']]
    """
    step = then.drop_duplicates("source_code").set_index("source_code")["target_code"]
    out = first.assign(target_code=first["target_code"].map(step)).dropna(subset=["target_code"])
    return out[["source_code", "target_code"]].astype("str").reset_index(drop=True)


def _describe(source: tuple[str, str], target: tuple[str, str], steps: Sequence[str]) -> str:
    return f"{set_label(*source)} to {set_label(*target)}: " + "; then ".join(steps)


def _combine(target: str, col: str, mine: pd.DataFrame, sources: list[str], present: list[str], kind: str,
             weights: pd.Series | None) -> dict[str, object]:
    if len(sources) == 1:
        row = mine.loc[sources[0]]
        return {"area_code": target, "column": col, "value": row["value"], "lower_ci": row["lower_ci"],
                "upper_ci": row["upper_ci"], "status": row["status"], "note": row["note"]}
    out: dict[str, object] = {"area_code": target, "column": col, "value": None, "lower_ci": None, "upper_ci": None}
    absent = len(sources) - len(present)
    statuses = [str(mine.loc[s, "status"]) for s in present]
    if absent:
        out.update(status="missing", note=f"{absent} of its {len(sources)} parts are not in your file")
    elif "missing" in statuses:
        out.update(status="missing", note=f"a part of it is blank in your file ({len(sources)} parts)")
    elif "suppressed" in statuses:
        out.update(status="suppressed", note=f"a part of it is suppressed in your file ({len(sources)} parts)")
    elif kind == "count":
        out.update(value=float(sum(_num(mine.loc[s, "value"]) for s in present)), status="ok",
                   note=f"sum of {len(sources)} areas in your file")
    else:
        assert weights is not None
        w = [float(weights.get(s, float("nan"))) for s in present]
        if any(not math.isfinite(x) or x <= 0 for x in w):
            out.update(status="missing", note="no population for a part, so the rate cannot be weighted")
        else:
            value = sum(_num(mine.loc[s, "value"]) * x for s, x in zip(present, w, strict=True)) / sum(w)
            out.update(value=value, status="ok", note=f"population-weighted mean of {len(sources)} areas in your file")
    return out


def _num(value: Any) -> float:
    return float(value)


def _no_changes() -> pd.DataFrame:
    return pd.DataFrame(columns=["target_code", "parts", "source_codes"])


def _no_unmatched() -> pd.DataFrame:
    return pd.DataFrame(columns=["source_code", "reason"], dtype="str")


def set_label(level: str, vintage: str) -> str:
    """"2019 local authorities", "2011 LSOAs": a boundary set in words."""
    if level == "lsoa":
        return f"{vintage} LSOAs"
    return f"{vintage} {LEVEL_LABELS[level].lower()}"


def _walk(level: str, vintage: str, to_level: str, to_vintage: str, source_codes: list[str],
          data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(source_code, target_code) for every source code that can be carried over, the rest with reasons, and the steps."""
    refuse = UploadError(
        f"The atlas has no lookup from {set_label(level, vintage)} to {set_label(to_level, to_vintage)}; "
        f"switch the map to {set_label(level, vintage)}" + (" or a level they nest in." if level == "lsoa" else ".")
    )
    if level == "lsoa":
        walk, lost, steps = _identity(source_codes), _no_unmatched(), []
        lsoa_to = boundaries.lsoa_vintage_for(to_level, to_vintage) if to_level != "lsoa" else to_vintage
        if vintage == "2011" and lsoa_to == "2021":
            if to_level == "lsoa":
                return _lsoa11_to_21(source_codes, data_dir)
            if to_level == "region":
                lsoa_to = "2011"  # regions have not changed: the 2011 LSOAs nest in them directly
            else:
                return _via_2021_districts(source_codes, to_level, to_vintage, data_dir)
        if vintage == "2001":
            if lsoa_to != "2011":
                raise refuse
            walk, lost = _lsoa01_to_11(source_codes, data_dir)
            steps.append("to 2011 LSOAs through the ONS LSOA 2001-2011 lookup (unchanged and merged LSOAs carried, "
                         "split and redrawn ones not)")
        elif vintage != lsoa_to:
            raise refuse
        if to_level == "lsoa":
            return walk, lost, steps
        parents = boundaries.parent_codes(lsoa_to, level=to_level, vintage=to_vintage, data_dir=data_dir)
        walk = walk.assign(target_code=walk["target_code"].map(parents))
        steps.append(f"{lsoa_to} LSOAs added up into the {set_label(to_level, to_vintage)} they lie in "
                     f"(ONS LSOA {lsoa_to} lookup)")
        return walk.dropna().reset_index(drop=True), lost, steps
    if level == to_level and level in ("lad", "utla"):
        result = codes.reconcile(source_codes, source=vintage, target=to_vintage, level=level, data_dir=data_dir)
        return result.mapped[["source_code", "target_code"]], result.unmatched, [_changes_step(result.mapped, level)]
    if level == "lad" and to_level in ("utla", "region"):
        lad_vintage = to_vintage if to_vintage in vintages("lad") else None
        if lad_vintage is None:
            raise refuse
        walk, lost, steps = _walk("lad", vintage, "lad", lad_vintage, source_codes, data_dir)
        table = boundaries.area_lookup("lad", lad_vintage, data_dir=data_dir).set_index("area_code")[f"{to_level}_code"]
        walk = walk.assign(target_code=walk["target_code"].map(table))
        steps.append(f"{set_label('lad', lad_vintage)} added up into the {set_label(to_level, to_vintage)} they lie in")
        return walk.dropna().reset_index(drop=True), lost, steps
    raise refuse


def _changes_step(mapped: pd.DataFrame, level: str) -> str:
    """"through the ONS code changes (17 districts merged into 4; 2 recoded across England)"."""
    noun = "districts" if level == "lad" else "upper tiers"
    merged = mapped[mapped["relation"] == "merge"]
    parts = []
    if len(merged):
        parts.append(f"{len(merged)} {noun} merged into {merged['target_code'].nunique()}")
    recoded = int((mapped["relation"] == "recode").sum())
    if recoded:
        parts.append(f"{recoded} recoded")
    return "through the ONS code changes (" + ("; ".join(parts) or "no change") + " across England)"


def _via_2021_districts(source_codes: list[str], to_level: str, to_vintage: str,
                        data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """2011 LSOAs onto 2023+ areas: into their 2021 districts, then through the whole-district changes since."""
    parents = boundaries.parent_codes("2011", level="lad", vintage="2021", data_dir=data_dir)
    first = pd.DataFrame({"source_code": source_codes, "target_code": pd.Series(source_codes).map(parents).to_numpy()})
    homeless = first[first["target_code"].isna()]["source_code"].tolist()
    first = first.dropna().astype("str")
    then, lost_districts, steps = _walk("lad", "2021", to_level, to_vintage, sorted(set(first["target_code"])), data_dir)
    why = dict(zip(lost_districts["source_code"], lost_districts["reason"], strict=True))
    stuck = first[first["target_code"].isin(why)]
    lost = pd.DataFrame(
        {"source_code": [*homeless, *stuck["source_code"]],
         "reason": [f"{c} has no 2021 district in the ONS LSOA 2011 lookup" for c in homeless]
         + [f"{c} lies in {d}, which cannot be carried on: {why[d]}" for c, d in
            zip(stuck["source_code"], stuck["target_code"], strict=True)]},
        dtype="str",
    )
    first_step = "2011 LSOAs added up into the 2021 local authority districts they lie in (ONS LSOA 2011 lookup)"
    return compose(first, then), lost, [first_step, *steps]


def _lsoa11_to_21(source_codes: list[str], data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """2011 LSOAs to 2021 through the derived lookup: unchanged and merged ones carry over; split and redrawn cannot."""
    table = lsoa11_lookup(data_dir)
    if table.empty:
        raise UploadError("The LSOA 2011-2021 lookup is not built (data/lookups/lsoa11_lsoa21.parquet); run "
                          "`python -m geo build --only lsoa_change`, or switch the map to 2011 LSOAs.")
    walk, lost = _carry_lsoas(table, source_codes, source="lsoa11_code", target="lsoa21_code", year="2021")
    step = ("through the atlas's derived LSOA 2011-2021 lookup (polygon overlap of the ONS boundaries): unchanged and "
            "merged LSOAs carried, split and redrawn ones not")
    return walk, lost, [step]


def _identity(source_codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"source_code": source_codes, "target_code": source_codes}, dtype="str")


def _lsoa01_to_11(source_codes: list[str], data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2001 LSOAs to 2011: unchanged and merged ones carry over; split and redrawn ones cannot."""
    return _carry_lsoas(lsoa01_lookup(data_dir), source_codes, source="lsoa01_code", target="lsoa11_code", year="2011")


def _carry_lsoas(table: pd.DataFrame, source_codes: list[str], *, source: str, target: str,
                 year: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One LSOA lookup's walk (unchanged and merged LSOAs) and what it cannot carry (split, redrawn), with why."""
    table = table[table[source].isin(set(source_codes))]
    carried = table["change"].isin(["U", "M"])
    ok = table[carried]
    bad = table[~carried].drop_duplicates(source)
    why = {"S": f"was split between several {year} LSOAs; its values cannot be divided",
           "X": f"was redrawn in {year} (boundaries changed irregularly); its values cannot be carried over"}
    lost = pd.DataFrame({"source_code": bad[source],
                         "reason": [f"{c} {why.get(ch, f'has no {year} equivalent')}"
                                    for c, ch in zip(bad[source], bad["change"], strict=True)]}, dtype="str")
    walk = pd.DataFrame({"source_code": ok[source], "target_code": ok[target]}, dtype="str")
    return walk.reset_index(drop=True), lost.reset_index(drop=True)



def _populations(level: str, vintage: str, data_dir: Path) -> tuple[pd.Series, str] | None:
    """Populations of the source areas to weight rates by, and what they are; ``None`` when not held."""
    try:
        rows = indicators.load("pop_total", level=level, vintage=vintage, data_dir=data_dir)
        latest = sorted(rows["period"].unique())[-1]
        rows = rows[(rows["period"] == latest) & (rows["status"] == "ok")]
        return rows.set_index("area_code")["value"].astype("float64"), f"ONS mid-{latest} population estimates"
    except (AtlasError, IndexError):
        pass
    if level == "lsoa" or (level, vintage) == ("lad", "2011"):
        return None
    try:
        lsoa = indicators.load("pop_total", level="lsoa", vintage="2011", data_dir=data_dir)
        parents = boundaries.parent_codes("2011", level=level, vintage=vintage, data_dir=data_dir)
    except AtlasError:
        return None
    latest = sorted(lsoa["period"].unique())[-1]
    lsoa = lsoa[lsoa["period"] == latest]
    summed = lsoa.assign(parent=lsoa["area_code"].map(parents)).groupby("parent")["value"].sum()
    return summed.astype("float64"), f"sums of ONS mid-{latest} LSOA population estimates"

