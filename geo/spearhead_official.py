"""The official 2004 Spearhead list beside the computed one, and the PCTs overlapping qualifying areas.

:func:`compare_official` sets a user's list of local authorities (names or codes of
any vintage) beside the computed qualifying areas; :func:`compare_official_pct` does
the same for PCTs; :func:`overlapping` finds the PCTs overlapping a set of local
authorities. Re-exported by :mod:`geo.spearhead`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from geo import codes
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError, UploadError
from geo.schema import vintages

__all__ = [
    "PCT_VINTAGE_NOTE",
    "boundaries_vintage",
    "compare_official",
    "compare_official_pct",
    "overlapping",
    "split_official",
]


def overlapping(area_codes: Sequence[str], *, vintage: str, level: str = "pct", min_share: float = 0.01,
                data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Areas of ``level`` that overlap the given LAs by at least ``min_share`` of their own area.

    Returns ``area_code``, ``area_name``, ``overlaps`` (the LA names, "; "-joined) and ``share``.
    """
    from geo import boundaries

    target = boundaries.load(level, boundaries_vintage(level), data_dir=data_dir)[["area_code", "area_name", "geometry"]]
    las = boundaries.load("lad", vintage, data_dir=data_dir)
    las = las[las["area_code"].isin(list(area_codes))][["area_name", "geometry"]].rename(columns={"area_name": "la"})
    empty = pd.DataFrame(columns=["area_code", "area_name", "overlaps", "share"])
    if las.empty:
        return empty
    target = target.to_crs(27700)
    las = las.to_crs(27700)
    target["whole"] = target.geometry.area
    pieces = target.overlay(las, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.geometry.area / pieces["whole"]
    pieces = pieces[pieces["share"] >= min_share]
    if pieces.empty:
        return empty
    grouped = pieces.groupby(["area_code", "area_name"], as_index=False).agg(
        overlaps=("la", lambda s: "; ".join(sorted(set(s)))), share=("share", "sum")
    )
    grouped["share"] = grouped["share"].clip(upper=1.0)
    return pd.DataFrame(grouped).sort_values("area_code").reset_index(drop=True)


def boundaries_vintage(level: str) -> str:
    """The one (latest) vintage held for ``level``."""
    return vintages(level)[-1]


def compare_official(
    entries: Sequence[str], computed: Sequence[str], *, vintage: str, data_dir: Path = DATA_DIR
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Set a user's list (names or codes of any LA vintage) beside the computed qualifying areas.

    Returns a table of every area on either list (``area_code``, ``area_name``,
    ``official``, ``computed``, ``agreement``) on ``vintage`` codes, and a note per
    entry that could not be placed.
    """
    from geo.search import normalise

    clean = [str(e).strip() for e in entries if str(e).strip()]
    if not clean:
        raise UploadError("The list is empty; expected one local authority name or code per line.")
    looks_coded = [e for e in clean if re.fullmatch(r"[EWSN]\d{8}|\d{2}[A-Za-z]{2}", e)]
    names = codes.area_names("lad", vintage, data_dir=data_dir)
    official: set[str] = set()
    notes: list[str] = []
    if looks_coded:
        by_vintage: dict[str, list[str]] = {}
        for code in looks_coded:
            held = [v for v in (*vintages("lad"), "2011") if code.upper() in codes._valid("lad", v, data_dir)]
            if held:
                by_vintage.setdefault(held[-1], []).append(code)
            else:
                notes.append(f"{code}: not a local authority code of any vintage the atlas holds.")
        for source, group in by_vintage.items():
            rec = codes.reconcile(group, source=source, target=vintage, data_dir=data_dir)
            official |= set(rec.mapped["target_code"])
            notes += [f"{r.source_code}: {r.reason}" for r in rec.unmatched.itertuples()]
            merged = rec.mapped[rec.mapped["relation"] == "merge"]
            notes += [f"{s} is now part of {t} {names.get(t, '')}; counted as that area."
                      for s, t in zip(merged["source_code"], merged["target_code"], strict=True)]
    named = [e for e in clean if e not in looks_coded]
    if named:
        lookup: dict[str, tuple[str, str]] = {}
        for source in vintages("lad"):
            for code, name in codes.area_names("lad", source, data_dir=data_dir).items():
                lookup.setdefault(normalise(name), (code, source))
        for code, name in names.items():
            lookup[normalise(name)] = (code, vintage)
        for entry in named:
            hit = lookup.get(normalise(entry))
            if hit is None:
                notes.append(f"{entry!r}: no local authority of that name in any vintage the atlas holds.")
                continue
            rec = codes.reconcile([hit[0]], source=hit[1], target=vintage, data_dir=data_dir)
            if rec.mapped.empty:
                notes.append(f"{entry}: {rec.unmatched['reason'].iloc[0]}")
            else:
                official.add(str(rec.mapped["target_code"].iloc[0]))
    table = _agreement(official, set(computed), names)
    return table, tuple(notes)


PCT_VINTAGE_NOTE = (
    "The 2004 list's PCTs were the 303 Primary Care Trusts of 2002-06; the atlas holds the 151 PCTs of "
    "2006-13, so a 2004 PCT code or name that is not also a 2006-13 PCT is listed as unmatched, not dropped."
)
_PCT_CODE = re.compile(r"E1[67]\d{6}|[0-9A-Z]{3}", re.IGNORECASE)
_PCT_SUFFIX = re.compile(r"\s*\b(?:teaching\s+)?(?:primary\s+care\s+trust|care\s+trust|pct)\s*$", re.IGNORECASE)


def split_official(entries: Sequence[str]) -> tuple[list[str], list[str]]:
    """The entries naming local authorities and those naming PCTs.

    A PCT entry is an ONS PCT code (E16, or E17 for care trusts), a three-character
    NHS code (``5NG``; LA codes have four or nine) or a name ending in "PCT",
    "Primary Care Trust" or "Care Trust". Bare names stay local authorities.
    """
    las: list[str] = []
    pcts: list[str] = []
    for entry in (str(e).strip() for e in entries):
        if not entry:
            continue
        is_pct = bool(_PCT_CODE.fullmatch(entry) or _PCT_SUFFIX.search(entry))
        (pcts if is_pct else las).append(entry)
    return las, pcts


def compare_official_pct(
    entries: Sequence[str], computed: Sequence[str], *, data_dir: Path = DATA_DIR
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set a list of PCTs (ONS or NHS codes, or names) beside the computed PCTs, on the 2006-13 PCTs.

    Returns the agreement table (``area_code``, ``area_name``, ``official``,
    ``computed``, ``agreement``) and the entries that match no PCT held
    (``entry``, ``reason``), each with :data:`PCT_VINTAGE_NOTE`'s reason.
    """
    from geo.search import normalise

    clean = [str(e).strip() for e in entries if str(e).strip()]
    if not clean:
        raise UploadError("The list is empty; expected one PCT name or code per line.")
    path = data_dir / "boundaries" / f"pct_{boundaries_vintage('pct')}.parquet"
    if not path.exists():
        raise DataUnavailableError(f"Expected the PCT boundaries at {path}; rebuild them with `python -m geo build --only pct`.")
    held = pd.read_parquet(path, columns=["area_code", "area_name", "area_code_old"])
    names = dict(zip(held["area_code"], held["area_name"], strict=True))
    by_code = {str(c).upper(): str(c) for c in held["area_code"]}
    by_code |= {str(old).upper(): str(c) for c, old in zip(held["area_code"], held["area_code_old"], strict=True)
                if isinstance(old, str) and old}
    by_name: dict[str, str] = {}
    for code, name in names.items():
        by_name[normalise(name)] = code
        by_name.setdefault(normalise(_PCT_SUFFIX.sub("", re.sub(r"\s+Teaching$", "", name))), code)
    official: set[str] = set()
    unmatched: list[tuple[str, str]] = []
    for entry in clean:
        hit = by_code.get(entry.upper()) if _PCT_CODE.fullmatch(entry) else None
        if hit is None and not _PCT_CODE.fullmatch(entry):
            stem = normalise(_PCT_SUFFIX.sub("", entry))
            hit = by_name.get(stem) or by_name.get(normalise(re.sub(r"\s+teaching$", "", stem)))
        if hit is None:
            unmatched.append((entry, "not one of the 151 PCTs of 2006-13 the atlas holds (the 2004 list's PCTs "
                                     "were the 303 PCTs of 2002-06)"))
        else:
            official.add(hit)
    table = _agreement(official, set(computed), names)
    return table, pd.DataFrame(unmatched, columns=["entry", "reason"])


def _agreement(official: set[str], computed: set[str], names: Mapping[str, str]) -> pd.DataFrame:
    """One row per area on either list: on the official list, computed, and where they agree."""
    rows = []
    for code in sorted(official | computed):
        on_list, ours = code in official, code in computed
        agreement = "both" if on_list and ours else ("official list only" if on_list else "computed only")
        rows.append((code, names.get(code, ""), on_list, ours, agreement))
    return pd.DataFrame(rows, columns=["area_code", "area_name", "official", "computed", "agreement"])
