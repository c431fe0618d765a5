"""The map legend: a small model, rendered as HTML for the page and inside a folium map.

The legend states the classification method, each class's range and count,
England's value, and how many areas are missing or suppressed. Every swatch has a
text label, so colour is never the only cue.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo.catalogue import Indicator
from geo.classify import Classification, decimals_for, format_value
from layers.choropleth import set_stable_ids
from layers.style import COMPARISON_LABELS, STATUS_COLOURS, STATUS_LABELS, Scheme, swatch_css

__all__ = ["Legend", "LegendEntry", "add_to_map", "build_legend", "to_folium", "to_html"]

_SEX_WORDS = {"male": "males", "female": "females", "persons": "persons"}


@dataclass(frozen=True)
class LegendEntry:
    """One swatch: ``colour`` is the fill, ``css`` the swatch's full inline style."""

    colour: str
    label: str
    count: int
    css: str


@dataclass(frozen=True)
class Legend:
    """What the colours on a map mean, in words."""

    title: str
    method: str
    entries: tuple[LegendEntry, ...]
    england: str
    note: str = ""


def build_legend(
    *,
    indicator: Indicator,
    period: str,
    scheme: Scheme,
    england_value: float | None,
    classification: Classification | None = None,
    categories: pd.Series | None = None,
    statuses: pd.Series | None = None,
    sex: str = "persons",
    values: pd.Series | None = None,
) -> Legend:
    """Describe a map coloured by ``classification`` (classes) or ``categories`` (against England).

    ``statuses`` (aligned with the classes) counts suppressed and missing areas;
    ``values`` sets the decimals of England's value to match the areas'.
    """
    if (classification is None) == (categories is None):
        raise ValueError("Pass exactly one of classification= (classes) or categories= (compared with England).")
    keys = classification.class_id if classification is not None else categories
    assert keys is not None
    status = (statuses if statuses is not None else pd.Series("ok", index=keys.index)).astype("str")
    ok = (status == "ok").to_numpy()
    shown = keys.notna().to_numpy() & ok
    entries: list[LegendEntry] = []
    if classification is not None:
        class_id = keys.to_numpy(dtype="float64", na_value=float("nan"))
        for i, label in enumerate(classification.labels):
            colour = scheme.colour(i)
            entries.append(LegendEntry(colour, label, int(((class_id == i) & shown).sum()), swatch_css(i, scheme=scheme)))
        method = f"{classification.description}. {_darker(indicator.polarity)}"
        note = classification.note
    else:
        shown &= (keys != "missing").to_numpy()
        for category, colour in scheme.categories:
            count = int(((keys == category).to_numpy() & shown).sum())
            if count or category != "not compared":
                entries.append(LegendEntry(colour, COMPARISON_LABELS[category], count, swatch_css(category, scheme=scheme)))
        method = "Compared with England: an area differs when its 95% confidence interval excludes England's value"
        note = ""
    n_suppressed = int((status == "suppressed").sum())
    n_missing = len(status) - n_suppressed - int(shown.sum())
    for key, count in (("suppressed", n_suppressed), ("missing", n_missing)):
        if count:
            entries.append(LegendEntry(STATUS_COLOURS[key], STATUS_LABELS[key], count, swatch_css(key, scheme=scheme)))
    decimals = decimals_for(values) if values is not None else None
    if england_value is None or pd.isna(england_value):
        england = f"England: no value held for {period}"
    else:
        england = f"England: {format_value(england_value, unit=indicator.unit, decimals=decimals)} ({period})"
    sex_text = "" if sex == "persons" else f", {_SEX_WORDS.get(sex, sex)}"
    title = f"{indicator.label} ({indicator.unit}){sex_text}, {period}"
    return Legend(title, method, tuple(entries), england, note)


def to_html(legend: Legend) -> str:
    """Accessible HTML on one line (safe inside Markdown): every text escaped, every swatch labelled."""
    e = html.escape
    items = "".join(
        '<li style="display:flex;align-items:center;gap:6px;margin:2px 0">'
        f'<span aria-hidden="true" style="flex:none;display:inline-block;width:18px;height:13px;{e(entry.css)}"></span>'
        f'<span>{e(entry.label)} <span style="color:#555">({entry.count:,} area{"" if entry.count == 1 else "s"})</span>'
        "</span></li>"
        for entry in legend.entries
    )
    note = f'<div style="font-size:0.8em;color:#555">{e(legend.note)}</div>' if legend.note else ""
    return (
        f'<div class="hga-legend" role="group" aria-label="{e("Map legend: " + legend.title)}" '
        'style="font-size:0.85rem;line-height:1.3;background:#fff;color:#1a1a1a;padding:6px 8px;border-radius:4px">'
        f'<div style="font-weight:bold">{e(legend.title)}</div>'
        f'<div style="color:#333">{e(legend.method)}</div>'
        f'<ul style="list-style:none;padding:0;margin:4px 0">{items}</ul>'
        f"<div>{e(legend.england)}</div>{note}</div>"
    )


class _FixedLegend(MacroElement):
    """The legend's HTML, fixed to the top-right of the page the map fills (clear of zoom and scale)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div style="position:fixed;top:12px;right:12px;z-index:1000;max-width:340px;
                    font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;
                    box-shadow:0 1px 4px rgba(0,0,0,.4);border-radius:4px">{{ this.body }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.body = body


def to_folium(legend: Legend) -> MacroElement:
    """The legend as a folium element, for a downloadable HTML map (``element.add_to(m)``)."""
    body = to_html(legend)
    return set_stable_ids(_FixedLegend(body), seed="legend:" + hashlib.sha256(body.encode()).hexdigest())


def add_to_map(m: folium.Map, legend: Legend) -> folium.Map:
    """Add :func:`to_folium` of ``legend`` to ``m``; returns ``m``."""
    to_folium(legend).add_to(m)
    return m


def _darker(polarity: str) -> str:
    if polarity == "higher_is_better":
        return "Darker = worse (lower values)."
    if polarity == "lower_is_better":
        return "Darker = worse (higher values)."
    return "Darker = higher values."
