"""The Spearhead page's URL state: the view a link encodes, read and written through ``st.query_params``.

The whole view lives in ``st.query_params`` (tab, period, vintage, level,
threshold, fraction, area; gap group, indicator family and baseline; gradient
outcome, period and sex; years-behind indicator, sex and period; own, swap and
opol for a column uploaded on the map page), so a link reproduces it. An uploaded
list or column is the one thing a link cannot carry; the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from geo import criterion
from geo.schema import vintages

__all__ = [
    "FAMILIES",
    "GROUPS",
    "LAG_INDICATORS",
    "LEVELS",
    "MOST",
    "SEXES",
    "TABS",
    "WORSE",
    "SpearheadView",
    "read_view",
    "write_param",
]

TABS = {"areas": "Spearhead areas", "gap": "The gap with England", "gradient": "Deprivation gradient",
        "lag": "Years behind England"}
FAMILIES = {"le": "Life expectancy", "hle": "Healthy life expectancy", "cvd": "Under-75 deaths: heart and stroke",
            "cancer": "Under-75 deaths: cancer"}
LAG_INDICATORS = {"le_birth": "Life expectancy", "hle_birth": "Healthy life expectancy"}
LEVELS = {"lad": "Local authorities", "pct": "Primary Care Trusts (2011)"}
GROUPS = {
    "qualifying": "Areas qualifying on the method above",
    "deprived": "Most deprived fifth (IMD average score)",
    "picked": "Areas I pick",
    "uploaded": "An uploaded list",
}
SEXES = {"female": "Females", "male": "Males", "persons": "Persons"}
WORSE = {"lower_is_better": "Higher values are worse", "higher_is_better": "Lower values are worse"}
#: The largest threshold a link may ask for: the five indicators and an uploaded column added as a sixth.
MOST = 6


@dataclass(frozen=True)
class SpearheadView:
    """Everything the page shows, as the URL holds it."""

    tab: str = "areas"
    period: str = "2015-17"
    level: str = "lad"
    vintage: str = "auto"
    threshold: int = 3
    fraction: float = 0.2
    area: str = ""
    group: str = "qualifying"
    picked: tuple[str, ...] = ()
    baseline: str = ""
    outcome: str = "le_birth"
    operiod: str = "2015-17"
    osex: str = "female"
    family: str = "le"
    lind: str = "le_birth"
    lsex: str = "female"
    lperiod: str = ""
    own: str = ""
    swap: str = criterion.ADD
    opol: str = ""


def read_view(periods: tuple[str, ...]) -> tuple[SpearheadView, list[str]]:
    """The view from the URL; a bad parameter falls back to its default with one short note."""
    q = st.query_params
    view, notes = SpearheadView(), []

    def pick(name: str, allowed: Any, default: Any) -> Any:
        raw = q.get(name)
        if raw is None:
            return default
        if raw in allowed:
            return raw
        notes.append(f"Ignored {name}={raw!r} in the link; showing {default}.")
        return default

    tab = pick("tab", TABS, view.tab)
    period = pick("period", periods, view.period if view.period in periods else periods[-1])
    level = pick("level", LEVELS, view.level)
    vintage = pick("vintage", ("auto", *vintages("lad")), view.vintage)
    threshold, fraction = view.threshold, view.fraction
    try:
        threshold = int(q.get("threshold", view.threshold))
        fraction = float(q.get("fraction", view.fraction))
        if not (1 <= threshold <= MOST and 0 < fraction < 1):
            raise ValueError
    except ValueError:
        notes.append(f"Ignored the threshold or fraction in the link (expected 1-{MOST} and 0-1); showing 3 and a fifth.")
        threshold, fraction = view.threshold, view.fraction
    view = replace(
        view, tab=tab, period=period, level=level, vintage=vintage, threshold=threshold, fraction=fraction,
        area=q.get("area", ""), group=pick("group", GROUPS, view.group),
        picked=tuple(c for c in q.get("picked", "").split(",") if c), baseline=q.get("baseline", ""),
        outcome=q.get("outcome", view.outcome), operiod=q.get("operiod", view.operiod),
        osex=pick("osex", SEXES, view.osex), family=pick("family", FAMILIES, view.family),
        lind=pick("lind", LAG_INDICATORS, view.lind), lsex=pick("lsex", ("female", "male"), view.lsex),
        lperiod=q.get("lperiod", view.lperiod), own=q.get("own", ""), swap=q.get("swap", criterion.ADD),
        opol=pick("opol", WORSE, ""),
    )
    return view, notes


def write_param(name: str, key: str) -> None:
    """Widget callback: copy a widget's value into the URL (a new level, vintage or period drops the area)."""
    value = st.session_state[key]
    if isinstance(value, list | tuple):
        st.query_params[name] = ",".join(value)
    elif value is None or value == "":
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = str(value)
    if name in ("level", "vintage", "period"):
        st.query_params.pop("area", None)


