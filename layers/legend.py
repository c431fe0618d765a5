"""The map legend: a small model, rendered as HTML for the page and inside the map.

The legend states the classification method, each class's range and count,
England's value, and the missing and suppressed areas, each with a text label so
colour is never the only cue.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import pandas as pd
from branca.element import Element, Figure

from geo.catalogue import Indicator
from geo.classify import Classification, format_number
from layers.style import COMPARISON_COLOURS, COMPARISON_LABELS, MISSING, SUPPRESSED, Scheme

__all__ = ["Legend", "LegendEntry", "add_to_map", "build_legend", "to_html"]


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    count: int
    pattern: str = "solid"  # solid, dashed (missing) or dotted (suppressed)


@dataclass(frozen=True)
class Legend:
    title: str
    method: str
    entries: tuple[LegendEntry, ...]
    england: str
    note: str = ""


def build_legend(
    *,
    indicator: Indicator,
    period: str,
    sex: str,
    classification: Classification | None,
    scheme: Scheme,
    england_value: float | None,
    statuses: pd.Series,
    categories: pd.Series | None = None,
) -> Legend:
    """Describe what the colours on the map mean."""
    sex_text = "" if sex == "persons" else f", {sex}"
    title = f"{indicator.label} ({indicator.unit}){sex_text}, {period}"
    entries: list[LegendEntry] = []
    if classification is not None:
        for i, (label, count) in enumerate(zip(classification.labels, classification.counts, strict=True)):
            entries.append(LegendEntry(scheme.colour(i), label, count))
        method = classification.description
        if indicator.polarity != "none" and classification.method != "decile_values":
            worse = "higher" if indicator.polarity == "lower_is_better" else "lower"
            method += f"; darker = worse ({worse} values)"
        note = classification.note
    else:
        assert categories is not None
        counts = categories.value_counts()
        for category, colour in COMPARISON_COLOURS.items():
            if counts.get(category, 0):
                entries.append(LegendEntry(colour, COMPARISON_LABELS[category], int(counts[category])))
        method = "Compared with England: the area's 95% confidence interval against England's value"
        note = ""
    n_missing = int((statuses == "missing").sum())
    n_suppressed = int((statuses == "suppressed").sum())
    if n_suppressed:
        entries.append(LegendEntry(str(SUPPRESSED["fillColor"]), "Suppressed (too few to publish)", n_suppressed,
                                   "dotted"))
    if n_missing:
        entries.append(LegendEntry(str(MISSING["fillColor"]), "No data", n_missing, "dashed"))
    england = (f"England: {format_number(england_value)} {indicator.unit}" if england_value is not None
               else "England: no value in the source")
    return Legend(title, method, tuple(entries), england, note)


def to_html(legend: Legend) -> str:
    """Accessible HTML (every text escaped): a list of swatches with labels and counts."""
    items = []
    for e in legend.entries:
        border = {"solid": "1px solid #4d4d4d", "dashed": "1px dashed #737373", "dotted": "2px dotted #252525"}[e.pattern]
        items.append(
            f'<li style="list-style:none;margin:2px 0;display:flex;align-items:center;gap:6px">'
            f'<span aria-hidden="true" style="display:inline-block;width:18px;height:14px;background:{html.escape(e.colour)};'
            f'border:{border}"></span><span>{html.escape(e.label)} '
            f'<span style="color:#555">({e.count:,} area{"s" if e.count != 1 else ""})</span></span></li>'
        )
    note = f'<div style="font-size:0.8em;color:#555">{html.escape(legend.note)}</div>' if legend.note else ""
    return (
        '<div class="hga-legend" role="group" aria-label="Map legend" '
        'style="font-size:0.85rem;line-height:1.25;background:#fff;padding:6px 8px;border-radius:4px">'
        f"<strong>{html.escape(legend.title)}</strong>"
        f'<div style="color:#333">{html.escape(legend.method)}</div>'
        f'<ul style="padding:0;margin:4px 0">{"".join(items)}</ul>'
        f"<div>{html.escape(legend.england)}</div>{note}</div>"
    )


def add_to_map(m: folium.Map, legend: Legend) -> folium.Map:
    """Fix the legend inside a folium map (for the downloadable HTML file)."""
    box = (
        '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;max-width:340px;'
        f'box-shadow:0 1px 4px rgba(0,0,0,.4);border-radius:4px">{to_html(legend)}</div>'
    )
    root = m.get_root()
    assert isinstance(root, Figure)
    root.html.add_child(Element(box))
    return m
