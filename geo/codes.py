"""Area codes across vintages: which set a list of codes belongs to, and mapping between sets.

District codes changed in the 2009 reorganisation (old four-character codes such as
00BN to the 2009 districts, GSS codes from 2011), in 2012-13 (six recodes) and in the
2019-2025 mergers. Those changes are in ``data/lookups/la_code_changes.parquet``;
upper-tier changes follow from them through each district's upper tier.

Vintages of local authority districts are those of the boundary sets plus ``"2011"``,
the GSS codes of 2009-2012 (the 2013 areas, six of them under earlier codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError, UnknownLevelError, UnknownVintageError, UploadError
from geo.schema import BOUNDARY_SETS, LEVELS, vintages

__all__ = ["RELATIONS", "Detection", "Reconciliation", "area_names", "detect", "reconcile"]

#: How a mapped code relates to its target, from closest to loosest.
RELATIONS: tuple[str, ...] = ("same", "recode", "merge")

_GSS = re.compile(r"^[EWSNK]\d{8}$")
_OLD_LA = re.compile(r"^\d{2}[A-Z]{2}$")
_GSS_2011 = "2011"  # district codes of 2009-2012: no boundary file of their own
_NOUN = {
    "lad": "local authority",
    "utla": "upper-tier local authority",
    "region": "region",
    "pct": "PCT",
    "sha": "SHA",
    "lsoa": "LSOA",
}
#: Levels whose codes can be mapped between vintages.
_CHAINED = ("lad", "utla")

# A link of one step between consecutive vintages: (code before, code after, relation),
# relation being same, recode, merge or split.
_Link = tuple[str, str, str]
# What became of one code: (code, relation) or the plain-English reason it could not be mapped.
_Result = tuple[str, str] | str


@dataclass(frozen=True)
class Detection:
    """The boundary set holding most of a list of codes."""

    level: str
    vintage: str
    matched: int
    total: int
    unmatched: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Reconciliation:
    """Codes mapped from one vintage to another.

    ``mapped``: source_code (as given), target_code, relation (same, recode or merge).
    ``unmatched``: source_code, reason (plain English).
    """

    mapped: pd.DataFrame
    unmatched: pd.DataFrame


# --- reading the committed files (cached by modification time) --------------------


@shared.cached(max_entries=128, scope="bundled")
def _read_columns(path: Path, mtime: int, columns: tuple[str, ...]) -> pd.DataFrame:
    return pq.read_table(path, columns=list(columns)).to_pandas()


def _read(path: Path, *columns: str) -> pd.DataFrame:
    if not path.exists():
        raise DataUnavailableError(f"{path} is missing; build it with `python -m geo build`.")
    return _read_columns(path, path.stat().st_mtime_ns, columns)


def _boundary(level: str, vintage: str, data_dir: Path, *columns: str) -> pd.DataFrame:
    return _read(data_dir / "boundaries" / f"{level}_{vintage}.parquet", *columns)


def _changes(data_dir: Path) -> pd.DataFrame:
    return _read(
        data_dir / "lookups" / "la_code_changes.parquet",
        "old_code", "old_name", "old_vintage", "new_code", "new_name", "new_vintage", "relation",
    )


def _valid(level: str, vintage: str, data_dir: Path) -> frozenset[str]:
    """Codes of one vintage (lad 2011: the 2013 codes with the 2012-13 recodes undone)."""
    if level == "lad" and vintage == _GSS_2011:
        changes = _changes(data_dir)
        early = changes[changes["old_vintage"] == _GSS_2011]
        return (_valid("lad", "2013", data_dir) - set(early["new_code"])) | set(early["old_code"])
    path = data_dir / "boundaries" / f"{level}_{vintage}.parquet"
    _read(path, "area_code")  # refuses a missing file clearly
    return _code_set(path, path.stat().st_mtime_ns)


@shared.cached(max_entries=64, scope="bundled")
def _code_set(path: Path, mtime: int) -> frozenset[str]:
    return frozenset(_read_columns(path, mtime, ("area_code",))["area_code"])


def _vintages(level: str) -> tuple[str, ...]:
    if level not in LEVELS:
        raise UnknownLevelError(f"Unknown level {level!r}; expected one of {', '.join(LEVELS)}.")
    held = vintages(level)
    return tuple(sorted({*held, _GSS_2011})) if level == "lad" else held


def _names(level: str, data_dir: Path) -> dict[str, str]:
    """Every name the atlas knows for the level's codes, latest vintage winning."""
    names: dict[str, str] = {}
    if level == "lad":
        changes = _changes(data_dir)
        names.update(zip(changes["old_code"], changes["old_name"], strict=True))
        names.update(zip(changes["new_code"], changes["new_name"], strict=True))
    for vintage in vintages(level):
        names.update(area_names(level, vintage, data_dir=data_dir))
    return names


# --- public API ---------------------------------------------------------------------


def area_names(level: str, vintage: str, *, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """``{area_code: area_name}`` of one boundary set."""
    _vintages(level)
    if vintage not in vintages(level):
        raise UnknownVintageError(
            f"No {level} boundary set for vintage {vintage!r}; expected one of {', '.join(vintages(level))}."
        )
    table = _boundary(level, vintage, data_dir, "area_code", "area_name")
    return dict(zip(table["area_code"], table["area_name"], strict=True))


def detect(codes: Iterable[str], *, data_dir: Path = DATA_DIR) -> Detection:
    """Find the boundary set that holds the most of ``codes``.

    Ties go to the latest vintage, then to the lower level (a list of unitary codes
    alone is read as districts). Codes are compared stripped and upper-cased.

    Raises
    ------
    UploadError
        When no code is given or none is in any boundary set.
    """
    unique = {_normalise(c) for c in codes} - {""}
    if not unique:
        raise UploadError("No area codes were given; expected codes such as E06000001 (GSS) or 00BN (pre-2009).")
    best: tuple[int, str, int] | None = None
    for bset in BOUNDARY_SETS:
        held = len(unique & _valid(bset.level, bset.vintage, data_dir))
        score = (held, bset.vintage, -LEVELS.index(bset.level))
        if best is None or score > best:
            best = score
    assert best is not None
    matched, vintage, minus_level = best
    if matched == 0:
        example = sorted(unique)[0]
        raise UploadError(
            f"None of the {len(unique)} codes is in any boundary set the atlas holds (e.g. {example!r}); "
            "expected GSS codes such as E06000001 or pre-2009 district codes such as 00BN."
        )
    level = LEVELS[-minus_level]
    unmatched = tuple(sorted(unique - _valid(level, vintage, data_dir)))
    return Detection(level, vintage, matched, len(unique), unmatched)


def reconcile(
    codes: Iterable[str], *, source: str, target: str, level: str = "lad", data_dir: Path = DATA_DIR
) -> Reconciliation:
    """Map area codes of vintage ``source`` to vintage ``target``.

    Changes compose (2008 -> 2025 passes every reorganisation). Merged areas cannot be
    split back, nor split ones divided: such codes are reported in ``unmatched`` with
    the reason, never guessed. Local authority districts (``lad``, with the extra
    vintage ``"2011"``) and upper tiers (``utla``) map across vintages; other levels
    only check codes against their own vintage.

    Raises
    ------
    UnknownLevelError, UnknownVintageError

    Examples
    --------
    >>> reconcile(["E06000048"], source="2011", target="2013").mapped["target_code"].tolist()  # doctest: +SKIP
    ['E06000057']
    """
    valid = _vintages(level)
    for role, vintage in (("source", source), ("target", target)):
        if vintage not in valid:
            raise UnknownVintageError(
                f"Unknown {role} vintage {vintage!r} for {_NOUN[level]} codes; expected one of {', '.join(valid)}."
            )
    if source != target and level not in _CHAINED:
        raise DataUnavailableError(
            f"{_NOUN[level]} codes have one vintage per set and no change lookup; "
            f"pass source=target, or reconcile one of: {', '.join(_CHAINED)}."
        )
    given: dict[str, str] = {}
    for raw in codes:
        given.setdefault(str(raw), _normalise(raw))
    known = _valid(level, source, data_dir)
    wanted = sorted({c for c in given.values() if c in known})
    results = _translate(level, wanted, source, target, data_dir)
    mapped, unmatched = [], []
    for raw, code in given.items():
        if not (_GSS.match(code) or _OLD_LA.match(code)):
            unmatched.append((raw, f"{raw!r} is not a valid area code (expected e.g. E06000001, or 00BN before 2009)"))
        elif code not in known:
            unmatched.append((raw, _wrong_vintage(code, level, source, data_dir)))
        elif isinstance(result := results[code], str):
            unmatched.append((raw, result))
        else:
            mapped.append((raw, *result))
    return Reconciliation(
        pd.DataFrame(mapped, columns=["source_code", "target_code", "relation"], dtype="str"),
        pd.DataFrame(unmatched, columns=["source_code", "reason"], dtype="str"),
    )


# --- mapping -------------------------------------------------------------------------


def _normalise(raw: object) -> str:
    return "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw).strip().upper()


def _path(level: str, source: str, target: str) -> list[tuple[str, str]]:
    """Consecutive vintage steps from ``source`` to ``target`` (lad 2011 hangs off 2013)."""
    if source == target:
        return []
    chain = list(vintages(level))
    steps: list[tuple[str, str]] = []
    if source == _GSS_2011:
        steps.append((_GSS_2011, "2013"))
        source = "2013"
    end = "2013" if target == _GSS_2011 else target
    i, j = chain.index(source), chain.index(end)
    way = 1 if j >= i else -1
    steps += [(chain[k], chain[k + way]) for k in range(i, j, way)]
    if target == _GSS_2011:
        steps.append(("2013", _GSS_2011))
    return steps


def _translate(level: str, codes: list[str], source: str, target: str, data_dir: Path) -> dict[str, _Result]:
    """What each code of ``source`` becomes in ``target``, or why it cannot be mapped."""
    results: dict[str, _Result] = {c: (c, "same") for c in codes}
    names = _names(level, data_dir) if codes and source != target else {}
    for a, b in _path(level, source, target):
        forward = a < b
        links = _links(level, a, b, data_dir) if forward else _links(level, b, a, data_dir)
        step: dict[str, list[_Link]] = {}
        for link in links:
            step.setdefault(link[0] if forward else link[1], []).append(link)
        for original, result in results.items():
            if isinstance(result, str):
                continue
            code, relation = result
            found = step.get(code, [])
            if forward:
                results[original] = _step_forward(code, relation, found, level, a, b, names)
            else:
                results[original] = _step_back(code, relation, found, level, b, a, target, names)
    return results


def _step_forward(code: str, relation: str, links: list[_Link], level: str, a: str, b: str, names: dict[str, str]) -> _Result:
    label = _label(code, names)
    if not links:
        return f"no record of what became of {label} between the {a} and {b} {_NOUN[level]} sets"
    if len(links) > 1:
        parts = _listing([new for _, new, _ in links], names)
        return f"{label} was split between {parts} in the {b} set; its values cannot be divided between them"
    new, rel = links[0][1], links[0][2]
    return new, max(relation, rel, key=RELATIONS.index)


def _step_back(
    code: str, relation: str, links: list[_Link], level: str, a: str, b: str, target: str, names: dict[str, str]
) -> _Result:
    """Step from vintage ``b`` back to the earlier ``a`` by inverting the forward links."""
    label = _label(code, names)
    olds = [old for old, _, _ in links]
    if len(links) == 1 and links[0][2] in ("same", "recode"):
        return olds[0], max(relation, links[0][2], key=RELATIONS.index)
    if any(rel == "split" for _, _, rel in links):
        return (f"{label} was formed in the {b} set from parts of {_listing(olds, names)}; "
                f"its values cannot be split back into {target} {_NOUN[level]} areas")
    if links:
        return (f"{label} was formed in the {b} set by merging {_listing(olds, names)}; "
                f"a merged area's values cannot be split back into the {target} {_NOUN[level]} areas")
    return f"{label} has no equivalent in the {a} {_NOUN[level]} set"


def _links(level: str, a: str, b: str, data_dir: Path) -> list[_Link]:
    """Forward links from vintage ``a`` to the next vintage ``b``."""
    if level == "lad":
        changes = _changes(data_dir)
        rows = changes[(changes["old_vintage"] == a) & (changes["new_vintage"] == b)]
        links = list(zip(rows["old_code"], rows["new_code"], rows["relation"], strict=True))
        after = _valid("lad", b, data_dir)
        links += [(c, c, "same") for c in sorted(_valid("lad", a, data_dir) - set(rows["old_code"])) if c in after]
        return links
    return _utla_links(a, b, data_dir)


def _utla_links(a: str, b: str, data_dir: Path) -> list[_Link]:
    """Upper-tier links derived from the districts: where each upper tier's districts went."""
    before = _boundary("lad", a, data_dir, "area_code", "utla_code").set_index("area_code")["utla_code"]
    after = _boundary("lad", b, data_dir, "area_code", "utla_code").set_index("area_code")["utla_code"]
    moved = _translate("lad", list(before.index), a, b, data_dir)
    image: dict[str, set[str]] = {}
    for lad, utla in zip(before.index, before, strict=True):
        result = moved[str(lad)]
        if isinstance(result, str):
            raise DataUnavailableError(f"District {lad} ({a}) has no {b} successor: {result}.")
        image.setdefault(str(utla), set()).add(str(after[result[0]]))
    sources: dict[str, set[str]] = {}
    for old, news in image.items():
        for new in news:
            sources.setdefault(new, set()).add(old)
    links: list[_Link] = []
    for old, news in sorted(image.items()):
        if len(news) > 1:
            links += [(old, new, "split") for new in sorted(news)]
            continue
        new = next(iter(news))
        alone = sources[new] == {old}
        links.append((old, new, ("same" if new == old else "recode") if alone else "merge"))
    return links


def _wrong_vintage(code: str, level: str, source: str, data_dir: Path) -> str:
    held = [v for v in _vintages(level) if code in _valid(level, v, data_dir)]
    noun = _NOUN[level]
    if not held:
        other = [f"{b.level} {b.vintage}" for b in BOUNDARY_SETS if code in _valid(b.level, b.vintage, data_dir)]
        where = f"it is a code of {', '.join(other)}" if other else f"it is in no {noun} set the atlas holds"
        return f"{code} is not a {source} {noun} code; {where}"
    names = _names(level, data_dir)
    named = f" ({names[code]})" if code in names else ""
    fate = ""
    if level == "lad":
        changes = _changes(data_dir)
        later = changes[changes["old_code"] == code]
        if len(later):
            row = later.iloc[0]
            verb = "merged into" if row["relation"] == "merge" else "recoded as"
            fate = f" It was {verb} {_label(row['new_code'], names)} in the {row['new_vintage']} set."
    return (f"{code}{named} is not a {source} {noun} code; it looks like a {' / '.join(held)} code.{fate} "
            f"Pass source='{held[-1]}'.")


def _label(code: str, names: dict[str, str]) -> str:
    return f"{code} {names[code]}" if code in names else code


def _listing(codes: list[str], names: dict[str, str]) -> str:
    labels = [_label(c, names) for c in sorted(set(codes))]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
