"""Carry a table of values keyed by one boundary set onto another, through the atlas's lookups.

:func:`carry` moves values (one row per area and column, as
:attr:`geo.uploads.Upload.values`) from the codes of one ``(level, vintage)`` onto
the boundaries of another: codes of another vintage go through
:func:`geo.codes.reconcile`, small areas are added up into the areas they nest in.
Counts are summed; rates are population-weighted where the atlas holds
populations, or refused with the reason. Splits are listed, never divided.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from geo import boundaries, codes, indicators
from geo._paths import DATA_DIR
from geo.errors import AtlasError, UploadError
from geo.schema import AREA_LABELS, LEVEL_LABELS, LEVELS, vintages

__all__ = ["Mapped", "carry", "fate", "lsoa01_lookup", "set_codes", "set_label"]


@dataclass(frozen=True, eq=False)
class Mapped:
    """Values carried onto one boundary set.

    ``values``: as :attr:`geo.uploads.Upload.values`, keyed on the target codes. ``changes``: one
    row per target area made of several of the file's areas (target_code, parts, how).
    ``unmatched``: the file's codes that could not be carried over, with the reason.
    """

    level: str
    vintage: str
    values: pd.DataFrame
    changes: pd.DataFrame
    unmatched: pd.DataFrame
    notes: tuple[str, ...]


@lru_cache(maxsize=2)
def lsoa01_lookup(data_dir: Path) -> pd.DataFrame:
    """The 2001 -> 2011 LSOA lookup (code, name, 2011 code, change U/M/S/X); empty when not built."""
    path = data_dir / "lookups" / "lsoa01_lsoa11.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["lsoa01_code", "lsoa01_name", "lsoa11_code", "change"], dtype="str")
    return pd.read_parquet(path, columns=["lsoa01_code", "lsoa01_name", "lsoa11_code", "change"])


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
        return Mapped(level, vintage, values.copy(), _no_changes(), _no_unmatched(), ())
    full = _walk(*source, level, vintage, sorted(set_codes(*source, data_dir)), data_dir)
    walk = full[0]
    given = set(values["area_code"])
    unmatched = full[1][full[1]["source_code"].isin(given)].reset_index(drop=True)
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
        notes.append(f"Rates of areas made of several of yours are population-weighted means ({label}).")
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
    return Mapped(level, vintage, out, changes, unmatched, tuple(notes))


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
               data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(source_code, target_code) for every source code that can be carried over, and the rest with reasons."""
    refuse = UploadError(
        f"The atlas has no lookup from {set_label(level, vintage)} to {set_label(to_level, to_vintage)}; "
        f"switch the map to {set_label(level, vintage)}" + (" or a level they nest in." if level == "lsoa" else ".")
    )
    if level == "lsoa":
        walk, lost = _identity(source_codes), _no_unmatched()
        lsoa_to = boundaries.lsoa_vintage_for(to_level, to_vintage) if to_level != "lsoa" else to_vintage
        if vintage == "2001":
            if lsoa_to != "2011":
                raise refuse
            walk, lost = _lsoa01_to_11(source_codes, data_dir)
        elif vintage != lsoa_to:
            raise refuse
        if to_level == "lsoa":
            return walk, lost
        parents = boundaries.parent_codes(lsoa_to, level=to_level, vintage=to_vintage, data_dir=data_dir)
        walk = walk.assign(target_code=walk["target_code"].map(parents))
        return walk.dropna().reset_index(drop=True), lost
    if level == to_level and level in ("lad", "utla"):
        result = codes.reconcile(source_codes, source=vintage, target=to_vintage, level=level, data_dir=data_dir)
        return result.mapped[["source_code", "target_code"]], result.unmatched
    if level == "lad" and to_level in ("utla", "region"):
        lad_vintage = to_vintage if to_vintage in vintages("lad") else None
        if lad_vintage is None:
            raise refuse
        walk, lost = _walk("lad", vintage, "lad", lad_vintage, source_codes, data_dir)
        table = boundaries.area_lookup("lad", lad_vintage, data_dir=data_dir).set_index("area_code")[f"{to_level}_code"]
        walk = walk.assign(target_code=walk["target_code"].map(table))
        return walk.dropna().reset_index(drop=True), lost
    raise refuse


def _identity(source_codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"source_code": source_codes, "target_code": source_codes}, dtype="str")


def _lsoa01_to_11(source_codes: list[str], data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2001 LSOAs to 2011: unchanged and merged ones carry over; split and redrawn ones cannot."""
    table = lsoa01_lookup(data_dir)
    table = table[table["lsoa01_code"].isin(set(source_codes))]
    ok = table[table["change"].isin(["U", "M"])]
    bad = table[~table["change"].isin(["U", "M"])].drop_duplicates("lsoa01_code")
    why = {"S": "was split between several 2011 LSOAs; its values cannot be divided",
           "X": "was redrawn in 2011 (boundaries changed irregularly); its values cannot be carried over"}
    lost = pd.DataFrame({"source_code": bad["lsoa01_code"],
                         "reason": [f"{c} {why.get(ch, 'has no 2011 equivalent')}" for c, ch in zip(bad["lsoa01_code"], bad["change"], strict=True)]},
                        dtype="str")
    walk = pd.DataFrame({"source_code": ok["lsoa01_code"], "target_code": ok["lsoa11_code"]}, dtype="str")
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

