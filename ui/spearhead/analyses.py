"""The Spearhead page's analyses, shared by every session through :mod:`geo.shared`.

Each function wraps one :mod:`geo` analysis in a shared cache; a view that works on
session-owned data (an uploaded group) calls the function's ``__wrapped__`` instead,
so it is computed afresh and never shared. :func:`group` is the group of local
authorities the gap and years-behind views follow.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import criterion, shared
from geo import gap as gap_mod
from geo import gradient as gradient_mod
from geo import lag as lag_mod
from geo import series as series_mod
from geo import spearhead as sh
from geo.errors import AtlasError
from ui.spearhead.state import SpearheadView

__all__ = ["gap", "gradient", "group", "group_lag", "held_keys", "lag", "overlaps", "periods", "reasons",
           "reasons_for", "run"]


@shared.cached(max_entries=32)
def run(period: str, level: str, vintage: str, threshold: int, fraction: float) -> sh.SpearheadRun:
    """The method (:func:`geo.spearhead.run`); ``vintage='auto'`` lets it choose, 2001-03 LAs use IMD 2004."""
    return sh.run(period, level=level, vintage=None if vintage == "auto" else vintage, threshold=threshold,
                  fraction=fraction, imd_edition="2004" if period == "2001-03" and level == "lad" else None)


@shared.cached(max_entries=32)
def reasons(period: str, level: str, vintage: str, threshold: int, fraction: float) -> dict[str, dict[str, str]]:
    """Why each area of :func:`run` lacks the values it lacks (:func:`geo.spearhead.undecided_reasons`)."""
    return sh.undecided_reasons(run(period, level, vintage, threshold, fraction), every=True)


def reasons_for(result: sh.SpearheadRun, view: SpearheadView) -> dict[str, dict[str, str]]:
    """The reasons for ``result``: shared for the atlas's own run, computed afresh for one with an uploaded column."""
    if isinstance(result, criterion.OwnRun):
        return sh.undecided_reasons(result, every=True)
    return reasons(view.period, result.level, view.vintage, result.assessment.threshold, view.fraction)


@shared.cached(max_entries=32)
def periods(level: str) -> tuple[str, ...]:
    """The periods the method can run on at ``level``."""
    return sh.periods_held(level)


@shared.cached(max_entries=32)
def held_keys(period: str) -> tuple[str, ...]:
    """The keys of the indicators held for ``period`` (as :func:`run` applies them); none when they cannot be read."""
    try:
        held, _ = sh.criteria_for(period, level="lad", imd_edition="2004" if period == "2001-03" else None)
    except AtlasError:
        return ()
    return tuple(c.key for c in held)


@shared.cached(max_entries=32)
def overlaps(codes: tuple[str, ...], vintage: str) -> pd.DataFrame:
    """The 2011 PCTs overlapping the local authorities ``codes``."""
    return sh.overlapping(codes, vintage=vintage)


@shared.cached(max_entries=32)
def gap(codes: tuple[str, ...], key: str, vintage: str, baseline: str, label: str) -> gap_mod.GapResult:
    """The group ``codes`` against England on the series ``key``, from ``baseline`` (empty: the first period)."""
    return gap_mod.track(codes, indicator=series_mod.INDICATORS[key], vintage=vintage, baseline=baseline or None,
                         group_label=label)


@shared.cached(max_entries=32)
def lag(indicator_id: str, period: str, sex: str) -> lag_mod.LagRun:
    """Every area's years behind England."""
    return lag_mod.run(indicator_id, period=period, sex=sex)


@shared.cached(max_entries=32)
def group_lag(codes: tuple[str, ...], indicator_id: str, period: str, sex: str, vintage: str) -> tuple[lag_mod.Lag, str]:
    """The group's years behind England, and how its figure was made."""
    return lag_mod.group_lag(codes, indicator_id=indicator_id, period=period, sex=sex, vintage=vintage)


@shared.cached(max_entries=32)
def gradient(indicator_id: str, period: str, sex: str, vintage: str) -> gradient_mod.Gradient:
    """The outcome's gradient across local authorities by IMD score."""
    return gradient_mod.gradient(indicator_id, period=period, sex=sex, vintage=vintage)


# ---------------------------------------------------------------- the group the gap and lag views follow
def group(view: SpearheadView, result: sh.SpearheadRun) -> tuple[tuple[str, ...], str]:
    """The members of the view's group (codes on the run's vintage) and a label for them."""
    t = result.assessment.table
    if view.group == "qualifying":
        return tuple(t.index[t["qualifies"]]), f"areas qualifying on {result.period} data ({result.rests_on})"
    if view.group == "deprived":
        if "imd" not in result.values.columns:  # replaced by the user's column: the deprived fifth is still IMD's
            result = run(view.period, "lad", view.vintage, view.threshold, view.fraction)
        imd = next(c for c in result.criteria if c.key == "imd")
        worst = sh.worst_fifth(result.values["imd"], polarity=imd.polarity)
        return tuple(result.values.index[worst.fillna(False).astype(bool)]), f"most deprived fifth by {imd.label}"
    if view.group == "picked":
        return tuple(c for c in view.picked if c in result.names), "areas picked by hand"
    return tuple(st.session_state.get("sh_gap_upload", ())), "an uploaded list"


