"""Area codes across vintages: which set a list of codes belongs to, and mapping between sets.

Local authority codes changed in the 2009 reorganisation (old four-character codes
to the 2009 districts), in 2012-13 (six recodes) and in the 2019-2025 mergers. The
changes are in ``data/lookups/la_code_changes.parquet``, built from ONS lookups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError, UnknownVintageError
from geo.schema import BOUNDARY_SETS, LEVEL_LABELS, vintages

__all__ = ["Detection", "Reconciliation", "area_names", "detect", "reconcile"]

_GSS = re.compile(r"^[EWSNK]\d{8}$")
_OLD = re.compile(r"^\d{2}[A-Z]{2}$")


@dataclass(frozen=True)
class Detection:
    """The boundary set holding most of a list of codes."""

    level: str
    vintage: str
    matched: int
    total: int
    unmatched: tuple[str, ...]


@dataclass(frozen=True)
class Reconciliation:
    """Codes mapped from one vintage to another.

    ``mapped``: source_code, target_code, relation (same, recode or merge).
    ``unmatched``: source_code, reason (plain English).
    """

    mapped: pd.DataFrame
    unmatched: pd.DataFrame


@lru_cache(maxsize=32)
def _codes(level: str, vintage: str, data_dir: Path) -> frozenset[str]:
    path = data_dir / "boundaries" / f"{level}_{vintage}.parquet"
    if not path.exists():
        raise DataUnavailableError(f"Boundary file {path} is missing; run `python -m geo.build`.")
    return frozenset(pq.read_table(path, columns=["area_code"]).column(0).to_pylist())


def area_names(level: str, vintage: str, *, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """``{area_code: area_name}`` for a boundary set."""
    table = pq.read_table(data_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=["area_code", "area_name"])
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


def detect(codes: Iterable[str], *, data_dir: Path = DATA_DIR) -> Detection:
    """Find the boundary set that holds the most of ``codes`` (ties go to the latest vintage)."""
    wanted = [c.strip().upper() for c in codes if str(c).strip()]
    if not wanted:
        raise DataUnavailableError("No codes were given; expected area codes such as E06000001 or 00BN.")
    unique = set(wanted)
    best: tuple[int, str, str] | None = None
    for bset in BOUNDARY_SETS:
        held = _codes(bset.level, bset.vintage, data_dir)
        score = (len(unique & held), bset.vintage, bset.level)
        if best is None or score[:2] > best[:2]:
            best = score
    assert best is not None
    matched, vintage, level = best
    held = _codes(level, vintage, data_dir)
    return Detection(level, vintage, matched, len(unique), tuple(sorted(unique - held)))


@lru_cache(maxsize=2)
def _changes(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "lookups" / "la_code_changes.parquet"
    if not path.exists():
        raise DataUnavailableError(f"Lookup {path} is missing; run `python -m geo.build`.")
    return pd.read_parquet(path)


def _la_vintages() -> tuple[str, ...]:
    # 2011 is the 2009-2012 GSS code set: no boundary file of its own (same areas as 2013).
    return tuple(sorted({*vintages("lad"), "2011"}))


def reconcile(
    codes: Iterable[str], *, source: str, target: str, level: str = "lad", data_dir: Path = DATA_DIR
) -> Reconciliation:
    """Map local authority codes of vintage ``source`` to vintage ``target``.

    Changes compose (2008 -> 2025 goes through every reorganisation). Going back
    over a merger cannot split the merged area: those codes are reported in
    ``unmatched`` with the reason, never guessed.

    Examples
    --------
    >>> reconcile(["E06000048"], source="2011", target="2013").mapped.target_code.tolist()  # doctest: +SKIP
    ['E06000057']
    """
    if level != "lad":
        raise UnknownVintageError(
            f"Code reconciliation covers local authority districts only; got level {level!r} "
            f"({LEVEL_LABELS.get(level, level)}). Use level='lad'."
        )
    valid = _la_vintages()
    for name, v in (("source", source), ("target", target)):
        if v not in valid:
            raise UnknownVintageError(f"Unknown {name} vintage {v!r} for local authorities; expected one of {', '.join(valid)}.")
    changes = _changes(data_dir)
    target_codes = _codes("lad", target, data_dir) if target != "2011" else None
    mapped, unmatched = [], []
    for raw in codes:
        code = str(raw).strip().upper()
        if not (_GSS.match(code) or _OLD.match(code)):
            unmatched.append((code, f"{code!r} is not an area code (expected e.g. E06000001 or 00BN)"))
            continue
        result = _walk(code, source, target, changes)
        if isinstance(result, str):
            unmatched.append((code, result))
            continue
        new_code, relation = result
        if target_codes is not None and new_code not in target_codes:
            hint = _guess(new_code, data_dir)
            unmatched.append((code, f"{code} is not a {source} local authority code{hint}"))
            continue
        mapped.append((code, new_code, relation))
    return Reconciliation(
        pd.DataFrame(mapped, columns=["source_code", "target_code", "relation"]),
        pd.DataFrame(unmatched, columns=["source_code", "reason"]),
    )


def _walk(code: str, source: str, target: str, changes: pd.DataFrame) -> tuple[str, str] | str:
    """Follow ``code`` through the change table; a string result is the reason it fails."""
    relation = "same"
    if target >= source:
        steps = changes[(changes["old_vintage"] >= source) & (changes["new_vintage"] <= target)]
        lookup = steps.drop_duplicates("old_code").set_index("old_code")
        seen = 0
        while code in lookup.index and seen < 10:
            row = lookup.loc[code]
            relation = "merge" if row["relation"] == "merge" or relation == "merge" else "recode"
            code = str(row["new_code"])
            seen += 1
        return code, relation
    steps = changes[(changes["old_vintage"] >= target) & (changes["new_vintage"] <= source)]
    for _ in range(10):
        back = steps[steps["new_code"] == code]
        if back.empty:
            return code, relation
        if len(back) > 1 or (back["relation"] == "merge").any():
            parts = ", ".join(f"{c} {n}" for c, n in zip(back["old_code"], back["old_name"], strict=True))
            return (f"{code} was formed by merging {parts}; a merged area's values cannot be split back "
                    f"into the {target} districts")
        code = str(back["old_code"].iloc[0])
        relation = "recode"
    return code, relation


def _guess(code: str, data_dir: Path) -> str:
    held = [b.vintage for b in BOUNDARY_SETS if b.level == "lad" and code in _codes("lad", b.vintage, data_dir)]
    if held:
        return f"; it is a local authority code of {', '.join(held)}. Pass source='{held[-1]}'."
    return "; it is not in any local authority set the atlas holds"
