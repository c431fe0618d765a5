"""Which small areas a rule selects: masks over a frame, the within-area worst share, and its offer.

:func:`mask` runs a parsed rule (:mod:`geo.rules`) over a frame with one column per
indicator, one row per LSOA of the area. ``in worst N%`` (:func:`worst`) ranks those
rows, so it always means "of this area's small areas".

A rule that selects every small area of its area does not discriminate there (in
Newham every LSOA is in England's worst fifth on housing barriers). :func:`alternative`
then offers the within-area ranking: the worst fifth of the area's small areas on the
indicator that held everywhere (its national rank where the rule named its decile, as
deciles tie), written as a rule (``... in worst 20%``) so a link keeps it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from geo.catalogue import Indicator
from geo.errors import RuleError
from geo.rules import All, Condition, Expr, Rule, Worst, conditions

__all__ = ["WITHIN_AREA_PERCENT", "Alternative", "alternative", "mask", "worst", "worst_note"]

#: The share of an area's small areas the within-area ranking offers (a fifth) when a rule selects them all.
WITHIN_AREA_PERCENT: Final = 20.0

_OPS: Final[dict[str, Callable[[pd.Series, float], pd.Series]]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "=": operator.eq,
    "!=": operator.ne,
}


def mask(expr: Expr | Rule, frame: pd.DataFrame, *, polarity: Mapping[str, str] | None = None) -> pd.Series:
    """Which rows of ``frame`` (one column per indicator id) meet the rule; a missing value meets no condition.

    ``polarity``: each indicator's (``higher_is_better`` or ``lower_is_better``), needed for
    ``in worst N%``, which ranks the rows of ``frame`` (the area's small areas).

    Examples
    --------
    >>> from geo.rules import parse
    >>> frame = pd.DataFrame({"a": [1.0, 3.0, None], "b": [5.0, 1.0, 9.0]})
    >>> mask(parse("a <= 2 or b >= 9", data_dir=None), frame).tolist()
    [True, False, True]
    >>> mask(parse("b in worst 33%", data_dir=None), frame, polarity={"b": "lower_is_better"}).tolist()
    [False, False, True]

    Raises
    ------
    RuleError
        ``in worst`` on an indicator with no better or worse direction.
    """
    if isinstance(expr, Rule):
        expr = expr.expr
    if isinstance(expr, Condition):
        column = frame[expr.indicator_id]
        return (_OPS[expr.op](column, expr.value) & column.notna()).astype(bool)
    if isinstance(expr, Worst):
        return worst(frame[expr.indicator_id], expr.percent, polarity=(polarity or {}).get(expr.indicator_id, "none"),
                     indicator_id=expr.indicator_id)
    masks = [mask(p, frame, polarity=polarity) for p in expr.parts]
    out = masks[0]
    for m in masks[1:]:
        out = (out & m) if isinstance(expr, All) else (out | m)
    return out


def worst(values: pd.Series, percent: float, *, polarity: str, indicator_id: str = "the indicator") -> pd.Series:
    """The ``percent``% of ``values`` worst by ``polarity`` (rounded up); ties with the last one taken are taken.

    Values that are missing are never taken and do not count in the share.

    Examples
    --------
    >>> worst(pd.Series([5.0, 1.0, 3.0, 3.0, None]), 25, polarity="higher_is_better").tolist()
    [False, True, False, False, False]
    >>> worst(pd.Series([5.0, 1.0, 3.0, 3.0]), 50, polarity="lower_is_better").tolist()
    [True, False, True, True]

    Raises
    ------
    RuleError
        ``polarity`` is neither ``higher_is_better`` nor ``lower_is_better``.
    """
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise RuleError(
            f"{indicator_id!r} has no better or worse direction (it counts people), so its worst "
            f"{percent:g}% is not defined; expected an indicator where lower or higher is worse, as in "
            "`imd2019_wider_barriers_rank in worst 20%`, or a threshold on this one."
        )
    held = values.dropna().astype("float64")
    if held.empty:
        return pd.Series(False, index=values.index, dtype=bool)
    take = max(1, math.ceil(round(percent * len(held) / 100, 6)))
    # Worst first: the lowest values where higher is better (decile 1, rank 1), the highest otherwise.
    ordered = held.sort_values(ascending=polarity == "higher_is_better", kind="stable")
    cut = float(ordered.iloc[take - 1])
    picked = values <= cut if polarity == "higher_is_better" else values >= cut
    return (picked & values.notna()).astype(bool)


def worst_note(w: Worst, values: pd.Series, picked: pd.Series, polarity: str, area_name: str) -> str:
    """What ``w`` took in the area, in words (its count, the cut-off value and any ties)."""
    held = int(values.notna().sum())
    take = max(1, math.ceil(round(w.percent * held / 100, 6))) if held else 0
    n = int(picked.sum())
    if not n:
        return f"{w}: none of {area_name}'s small areas has a value for {w.indicator_id}."
    low_is_worse = polarity == "higher_is_better"
    cut = values[picked].max() if low_is_worse else values[picked].min()
    return (f"{w} ranks within {area_name}: {n:,} of its {held:,} small areas with a value for "
            f"{w.indicator_id}, those at {cut:g} or {'below' if low_is_worse else 'above'} "
            f"({'lower' if low_is_worse else 'higher'} is worse)"
            + (f"; {n - take:,} of them tie with the last of the {take:,} a {w.percent:g}% share takes"
               if n > take else "") + ".")


@dataclass(frozen=True)
class Alternative:
    """The within-area ranking offered when a rule selects every small area of its area.

    ``rule`` is the alternative as a rule (``iod19_overcrowding in worst 20%``), which selects
    ``lsoas`` of the area's ``area_lsoas``; ``reason`` says why the rule does not
    discriminate, ``offer`` what the alternative takes.
    """

    rule: str
    indicator_id: str
    label: str
    lsoas: int
    area_lsoas: int
    reason: str
    offer: str


def alternative(parsed: Rule, table: pd.DataFrame, *, area_name: str, catalogue: Mapping[str, Indicator],
                values_of: Callable[[Indicator], pd.Series]) -> Alternative | None:
    """The within-area ranking to offer when ``parsed`` matched every row of ``table`` (the area's LSOAs).

    Ranked on the first condition that holds in every row (else the rule's first), on its
    national rank where the condition names a decile; ``values_of`` gives an indicator's
    values on ``table``'s rows when the table does not hold them. ``None`` when that ranking
    would not discriminate either, or the indicator has no better or worse direction.
    """
    tests = list(conditions(parsed.expr))
    polarity = {c.indicator_id: catalogue[c.indicator_id].polarity for c in tests}
    everywhere = [c for c in tests if bool(mask(c, table, polarity=polarity).all())]
    base = catalogue[(everywhere or tests)[0].indicator_id]
    ranked = base
    sibling = base.indicator_id.removesuffix("_decile") + "_rank"
    if base.indicator_id.endswith("_decile") and sibling in catalogue and "lsoa" in catalogue[sibling].levels:
        ranked = catalogue[sibling]  # deciles tie: the national rank orders the small areas inside one
    if ranked.polarity not in ("higher_is_better", "lower_is_better"):
        return None
    values = table[ranked.indicator_id] if ranked.indicator_id in table else values_of(ranked)
    picked = worst(values, WITHIN_AREA_PERCENT, polarity=ranked.polarity, indicator_id=ranked.indicator_id)
    if not picked.any() or bool(picked.all()):
        return None
    n, where = len(table), area_name
    reason = (f"The rule matches all {n:,} small areas of {where}, so it does not discriminate here"
              + (f": {everywhere[0]} holds in every one." if everywhere else "."))
    rule = str(Worst(ranked.indicator_id, WITHIN_AREA_PERCENT))
    why_rank = (f" ({ranked.indicator_id}, the national rank behind {base.indicator_id}, which orders the small "
                "areas inside a decile)" if ranked is not base else f" ({ranked.indicator_id})")
    offer = (f"Rank within {where} instead: the worst fifth of its small areas on {ranked.label}{why_rank} "
             f"takes {int(picked.sum()):,} of the {n:,}, as the rule `{rule}`.")
    return Alternative(rule, ranked.indicator_id, ranked.label, int(picked.sum()), n, reason, offer)
