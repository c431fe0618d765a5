"""Where the Spearhead method's figures come from: the code set each was published on, the default code set of a
period, and why an area lacks a value.

**The default code set** (:data:`DEFAULT_RULE`): a period opens on the code set its
figures were published on, the one holding the most of its indicators as published
(not carried through a code-change lookup). A tie goes, for a period that ended
before the April 2009 reorganisation, to the 354 districts of its time (``lad``
2008) when one of its indicators is published on them, as the Department of Health
drew its 2004 list; otherwise to the code set on which most areas hold every
indicator, then the one holding most values, then the latest.

**Why a value is missing** (:func:`missing_reasons`), in words: suppressed or missing
in the published figures (with the publisher's note), or published on another code
set where the area was merged into a larger one (a value cannot be divided) or was
formed by merging areas (their values cannot be combined), or split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

import pandas as pd

from geo import codes, indicators
from geo._paths import DATA_DIR
from geo.errors import AtlasError
from geo.periods import period_span
from geo.spearhead_rules import Criterion

__all__ = [
    "DEFAULT_RULE",
    "PRE_2009",
    "choose_vintage",
    "code_set_reason",
    "default_vintage",
    "missing_reasons",
    "published_on",
]

#: The code set of the 354 districts before the April 2009 reorganisation.
PRE_2009: Final = "2008"
DEFAULT_RULE: Final = (
    "By default a period opens on the code set its figures were published on: the one holding the most of its "
    "indicators as published (not carried through a code-change lookup). A tie goes, for a period that ended before "
    "the April 2009 reorganisation, to the 354 districts of its time (2008 codes) when one of its indicators is "
    "published on them, as the Department of Health drew its 2004 list; otherwise to the code set on which most "
    "areas hold every indicator. Pick another code set in the sidebar to see the same period on it."
)
_KEEP = ("same", "recode")


def published_on(indicator_id: str, *, level: str, period: str, sex: str, data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """The code sets (vintages) on which ``indicator_id`` is published for ``period`` and ``sex``, oldest first."""
    try:
        combos = indicators.periods(indicator_id, level=level, data_dir=data_dir)
    except AtlasError:  # an uploaded column, or an indicator not held at this level
        return ()
    rows = combos[(combos["period"] == period) & (combos["sex"] == sex)]
    return tuple(sorted({str(v) for v in rows["vintage"]}, key=int))


def choose_vintage(
    period: str,
    natives: Mapping[str, int],
    *,
    full: Mapping[str, int] | None = None,
    held: Mapping[str, int] | None = None,
) -> str:
    """The default code set of :data:`DEFAULT_RULE` from counts per vintage.

    ``natives``: indicators published on each vintage (every candidate vintage a
    key); ``full``: areas holding every indicator on it; ``held``: values held on it.

    Examples
    --------
    >>> choose_vintage("2015-17", {"2013": 1, "2019": 1, "2023": 2})
    '2023'
    >>> choose_vintage("2001-03", {"2008": 1, "2019": 1, "2023": 1}, full={"2008": 275, "2019": 283, "2023": 283})
    '2008'
    >>> choose_vintage("2001-03", {"2008": 0, "2019": 1, "2023": 1}, full={"2008": 275, "2019": 283, "2023": 280})
    '2019'
    """
    if not natives:
        raise ValueError("Expected at least one candidate code set; got none.")
    pre_2009 = period_span(period)[1] < 2009

    def score(vintage: str) -> tuple[int, bool, int, int, int]:
        own_time = pre_2009 and vintage == PRE_2009 and natives[vintage] > 0
        return (natives[vintage], own_time, (full or {}).get(vintage, 0), (held or {}).get(vintage, 0), int(vintage))

    return max(natives, key=score)


def default_vintage(
    criteria: Sequence[Criterion],
    *,
    level: str,
    period: str,
    candidates: Sequence[str],
    coverage: Callable[[str], tuple[int, int]],
    data_dir: Path = DATA_DIR,
) -> str:
    """The default code set for ``criteria`` among ``candidates`` (:func:`choose_vintage`).

    ``coverage(vintage)`` returns (areas holding every criterion, values held) on
    that code set; it is asked only for the code sets tied on the indicators
    published on them.
    """
    natives = {v: sum(v in c.published_on.split(", ") for c in criteria) for v in candidates}
    if len(candidates) == 1:
        return candidates[0]
    top = max(natives.values())
    tied = [v for v in candidates if natives[v] == top]
    full: dict[str, int] = {}
    held: dict[str, int] = {}
    own_time = period_span(period)[1] < 2009 and PRE_2009 in tied and top > 0
    if len(tied) > 1 and not own_time:
        for v in tied:
            full[v], held[v] = coverage(v)
    return choose_vintage(period, {v: natives[v] for v in tied}, full=full, held=held)


def code_set_reason(criteria: Sequence[Criterion], *, vintage: str, period: str, chosen: bool) -> str:
    """Why the run is on ``vintage`` (``chosen``: by default) and where each indicator came from, in words."""
    here = [c for c in criteria if vintage in c.published_on.split(", ")]
    elsewhere = [c for c in criteria if c.published_on and vintage not in c.published_on.split(", ")]
    if chosen and vintage == PRE_2009 and period_span(period)[1] < 2009 and here:
        why = (f"the 354 districts of {period} (2008 codes, before the April 2009 reorganisation), as the Department "
               "of Health drew its 2004 list")
    elif chosen:
        why = f"the code set {len(here)} of the {len(criteria)} indicators were published on"
    else:
        why = "the code set picked"
    parts = [f"{vintage} codes: {why}."]
    if here:
        parts.append("Published on these codes: " + "; ".join(c.label for c in here) + ".")
    if elsewhere:
        parts.append("Carried to them through the ONS code-change lookups (merged or split areas get no value): "
                     + "; ".join(f"{c.label} (published on {c.published_on} codes)" for c in elsewhere) + ".")
    return " ".join(parts)


# ---------------------------------------------------------------- why an area has no value
def missing_reasons(
    criteria: Sequence[Criterion],
    values: pd.DataFrame,
    *,
    level: str,
    vintage: str,
    areas: Iterable[str] | None = None,
    data_dir: Path = DATA_DIR,
) -> dict[str, dict[str, str]]:
    """For each area (of ``areas``; default all) lacking a value: criterion key -> why, in words.

    E.g. ``{"E07000005": {"le_male": "published for 2023 codes, where Chiltern is
    part of Buckinghamshire; a merged area's value cannot be divided"}}``.
    """
    wanted = None if areas is None else set(areas)
    out: dict[str, dict[str, str]] = {}
    names = codes.area_names(level, vintage, data_dir=data_dir)
    for c in criteria:
        if c.key not in values.columns:
            continue
        lacking = [str(a) for a in values.index[values[c.key].isna()] if wanted is None or a in wanted]
        if not lacking:
            continue
        for area, why in _why(c, lacking, level=level, vintage=vintage, names=names, data_dir=data_dir).items():
            out.setdefault(area, {})[c.key] = why
    return out


def _status(rows: pd.DataFrame, code: str, source: str) -> str:
    """E.g. "suppressed in the figures published for 2019 codes (Not published by ONS: too few deaths)"."""
    status = str(rows.at[code, "status"])
    note = rows.at[code, "note"] if "note" in rows.columns else ""
    note = str(note) if isinstance(note, str) and note else ""
    return f"{status} in the figures published for {source} codes" + (f" ({note})" if note else "")


def _why(c: Criterion, lacking: list[str], *, level: str, vintage: str, names: Mapping[str, str],
         data_dir: Path) -> dict[str, str]:
    try:
        rows = indicators.load(c.indicator_id, level=level, period=c.period, sex=c.sex, data_dir=data_dir)
    except AtlasError:
        return dict.fromkeys(lacking, f"not held for {c.period}")
    if rows.empty:
        return dict.fromkeys(lacking, f"not held for {c.period}")
    out: dict[str, str] = {}
    own = rows[rows["vintage"] == vintage].drop_duplicates("area_code").set_index("area_code")
    for area in lacking:
        if area in own.index:
            out[area] = _status(own, area, vintage)
    published = set(c.published_on.split(", ")) if c.published_on else set(rows["vintage"].astype(str))
    sources = sorted(published - {vintage}, key=lambda v: abs(int(v) - int(vintage)))
    for source in sources:
        todo = [a for a in lacking if a not in out]
        if not todo or level not in ("lad", "utla"):
            break
        part = rows[rows["vintage"] == source].drop_duplicates("area_code").set_index("area_code")
        there = codes.area_names(level, source, data_dir=data_dir)
        fwd = codes.reconcile(part.index, source=source, target=vintage, level=level, data_dir=data_dir).mapped
        parts: dict[str, list[str]] = {}
        kept: dict[str, str] = {}
        for src, tgt, rel in zip(fwd["source_code"], fwd["target_code"], fwd["relation"], strict=True):
            if rel in _KEEP:
                kept[tgt] = src
            else:
                parts.setdefault(tgt, []).append(src)
        back = codes.reconcile(todo, source=vintage, target=source, level=level, data_dir=data_dir)
        into = {s: (t, r) for s, t, r in zip(back.mapped["source_code"], back.mapped["target_code"],
                                              back.mapped["relation"], strict=True)}
        unmatched = dict(zip(back.unmatched["source_code"], back.unmatched["reason"], strict=True))
        name = names.get
        for area in todo:
            where = f"published for {source} codes"
            if area in parts:
                listed = _listing([there.get(p, p) for p in sorted(parts[area])])
                out[area] = (f"{where}, for {listed}, which were merged to form {name(area, area)}; their values "
                             "cannot be combined")
            elif area in kept:
                out[area] = _status(part, kept[area], source)
            elif area in into and into[area][1] not in _KEEP:
                target = into[area][0]
                out[area] = (f"{where}, where {name(area, area)} is part of {there.get(target, target)}; a merged "
                             "area's value cannot be divided")
            elif area in unmatched:
                out[area] = f"{where}: {unmatched[area]}"
    for area in lacking:
        out.setdefault(area, f"no figure published for {names.get(area, area)}")
    return out


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
