"""The map legend: a small model, rendered as HTML for the page and inside a folium map.

The legend states the method actually drawn, each class's range and count (and
why the counts differ, when ties make them), England's value in the indicator's
own format, and how many areas are missing or suppressed. Every swatch has a text
label, so colour is never the only cue. Each layer gets its own legend: the
small-area layer of a drill-down is built from its own classification and given a
``scope`` so its title differs from the national one.

Class ranges are half-open: "79.3 to under 82.3" includes 79.3 but not 82.3; the
top class includes both ends. The legend says so in a footnote.
"""

from __future__ import annotations

import hashlib
import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import folium
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from geo.areas import without_value
from geo.catalogue import Indicator
from geo.classify import Classification, number_format
from layers.choropleth import set_stable_ids
from layers.style import STATUS_COLOURS, STATUS_LABELS, Scheme, swatch_css

__all__ = ["CONVENTION", "Legend", "LegendEntry", "add_to_map", "build_legend", "not_compared_note", "to_folium", "to_html",
           "why_not_compared"]

_SEX_WORDS = {"male": "males", "female": "females", "persons": "persons"}
#: How to read the class ranges (shown under every legend of classes).
CONVENTION = '"A to under B" includes A but not B; the top class includes both ends.'


@dataclass(frozen=True)
class LegendEntry:
    """One swatch: ``colour`` is the fill, ``css`` the swatch's full inline style."""

    colour: str
    label: str
    count: int
    css: str


@dataclass(frozen=True)
class Legend:
    """What the colours on one map layer mean, in words.

    ``england`` is empty when England's value means nothing for the layer
    (published deciles); ``convention`` says how to read the ranges.
    """

    title: str
    method: str
    entries: tuple[LegendEntry, ...]
    england: str
    note: str = ""
    convention: str = ""


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
    scope: str = "",
) -> Legend:
    """Describe a map coloured by ``classification`` (classes) or ``categories`` (against England).

    Parameters
    ----------
    classification, categories
        Exactly one: :func:`geo.classify.classify` of the layer's values (made with
        ``value_type=indicator.value_type, unit=indicator.unit``), or
        :func:`geo.classify.compare_with_england`.
    statuses : pd.Series
        Aligned with the classes; counts suppressed and missing areas.
    values : pd.Series
        The layer's values, to write England's value at their precision when
        colouring by ``categories`` (with classes, the classification's format is used).
    scope : str
        Starts the title, e.g. "Small areas in St Helens", so two legends on one
        map have distinct titles.
    """
    if (classification is None) == (categories is None):
        raise ValueError("Pass exactly one of classification= (classes) or categories= (compared with England).")
    keys = classification.class_id if classification is not None else categories
    assert keys is not None
    fmt = number_format(values, value_type=indicator.value_type, unit=indicator.unit)
    if classification is not None and classification.method != "decile_values":
        if classification.fmt.scale != fmt.scale:
            warnings.warn(
                f"Expected classes written as {fmt.unit!r}; the classification was made without the indicator's "
                "format, so the legend keeps its numbers and the raw unit. Classify with classify(values, method=..., "
                "value_type=indicator.value_type, unit=indicator.unit).",
                stacklevel=2,
            )
            fmt = replace(classification.fmt, unit=indicator.unit)
        else:
            fmt = replace(classification.fmt, unit=fmt.unit)  # England's value at the labels' precision
    status = (statuses if statuses is not None else pd.Series("ok", index=keys.index)).astype("str")
    ok = status.to_numpy() == "ok"
    shown = keys.notna().to_numpy() & ok
    entries: list[LegendEntry] = []
    note = convention = ""
    if classification is not None:
        class_id = keys.to_numpy(dtype="float64", na_value=float("nan"))
        for i, label in enumerate(classification.labels):
            colour = scheme.colour(i)
            entries.append(LegendEntry(colour, label, int(((class_id == i) & shown).sum()), swatch_css(i, scheme=scheme)))
        if classification.method == "decile_values":
            method = f"{classification.description}. Darker = more deprived."
        else:
            method = f"{classification.description}. {_darker(indicator.polarity)}"
            convention = CONVENTION if classification.k > 1 else ""
        note = classification.note
    else:
        shown &= (keys != "missing").to_numpy()
        for category, colour in scheme.categories:
            count = int(((keys == category).to_numpy() & shown).sum())
            if count or category != "not compared":
                entries.append(LegendEntry(colour, scheme.label(category), count, swatch_css(category, scheme=scheme)))
        at = f"{scheme.level:g}%"
        method = f"Compared with England at {at} confidence: an area differs when its {at} confidence interval excludes England's value"
    n_suppressed = int((status == "suppressed").sum())
    # "No data" counts as the join check does (geo.areas.without_value): no row, or no value to colour by.
    n_missing = int(without_value(status, keys.mask(keys.astype("object") == "missing")).sum())
    for key, count in (("suppressed", n_suppressed), ("missing", n_missing)):
        if count:
            entries.append(LegendEntry(STATUS_COLOURS[key], STATUS_LABELS[key], count, swatch_css(key, scheme=scheme)))
    if indicator.value_type == "decile":
        england = ""
    elif england_value is None or pd.isna(england_value):
        england = f"England: no value held for {period}"
    else:
        england = f"England: {fmt.value(england_value)} ({period})"
    sex_text = "" if sex == "persons" else f", {_SEX_WORDS.get(sex, sex)}"
    unit_text = "" if indicator.value_type == "decile" or not fmt.unit else f" ({fmt.unit})"
    title = f"{indicator.label}{unit_text}{sex_text}, {period}"
    if scope:
        title = f"{scope}: {title}"
    return Legend(title, method, tuple(entries), england, note, convention)


def why_not_compared(categories: pd.Series, table: pd.DataFrame, *, level: float) -> pd.Series:
    """Per area, why it is not compared at ``level`` although it has a 95% interval ("" for every other area).

    ``table`` is the map's joined table with the published ``lower_ci``/``upper_ci`` and each row's
    ``ci_method`` (:func:`geo.row_intervals.with_intervals`), aligned with ``categories``. At 99.8%
    an area whose source publishes only its 95% interval is "not compared", never similar:
    "no 99.8% interval: only the 95% one is published (no count or denominator held)".
    """
    out = pd.Series("", index=categories.index, dtype="str")
    if level == 95.0:
        return out
    held_95 = table["lower_ci"].notna() & table["upper_ci"].notna()
    lacking = (categories == "not compared") & held_95.reindex(categories.index, fill_value=False)
    methods = table["ci_method"].reindex(categories.index) if "ci_method" in table else pd.Series("", index=out.index)
    for i in lacking[lacking].index:
        said = str(methods.at[i]).partition(f"no {level:g}% CI: ")[2]
        out.at[i] = f"no {level:g}% interval: only the 95% one is published" + (f" ({said})" if said else "")
    return out


def not_compared_note(why: pd.Series, *, level: float) -> str:
    """The legend's line on areas with a 95% interval only, from :func:`why_not_compared` ("" when there are none)."""
    n = int((why != "").sum())
    if not n:
        return ""
    reasons = sorted({text.partition("(")[2].rstrip(")") for text in why[why != ""]} - {""})
    because = "".join(f"; {r}" for r in reasons)
    one = n == 1
    return (f"Not compared at {level:g}%: {n:,} area{'' if one else 's'} {'has' if one else 'have'} a 95% confidence "
            f"interval but no {level:g}% one (only the 95% one is published{because}), so {'it is' if one else 'they are'} "
            "not counted as similar.")


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
    small = '<div style="font-size:0.8em;color:#555">{}</div>'
    note = "".join(small.format(e(text)) for text in (legend.note, legend.convention) if text)
    england = f"<div>{e(legend.england)}</div>" if legend.england else ""
    return (
        f'<div class="hga-legend" role="group" aria-label="{e("Map legend: " + legend.title)}" '
        'style="font-size:0.85rem;line-height:1.3;background:#fff;color:#1a1a1a;padding:6px 8px;border-radius:4px">'
        f'<div style="font-weight:bold">{e(legend.title)}</div>'
        f'<div style="color:#333">{e(legend.method)}</div>'
        f'<ul style="list-style:none;padding:0;margin:4px 0">{items}</ul>'
        f"{england}{note}</div>"
    )


class _FixedLegend(MacroElement):
    """Legends' HTML, stacked and fixed to the top-right of the page the map fills (clear of zoom and scale)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="hga-legends" style="position:fixed;top:12px;right:12px;z-index:640;max-width:340px;
                    max-height:calc(100vh - 60px);overflow-y:auto;display:flex;flex-direction:column;gap:8px;
                    font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif">
        {% for body in this.bodies %}<div style="box-shadow:0 1px 4px rgba(0,0,0,.4);border-radius:4px">{{ body }}</div>
        {% endfor %}</div>
        {% endmacro %}
        """
    )

    def __init__(self, bodies: Sequence[str]) -> None:
        super().__init__()
        self._name = "Legend"
        self.bodies = list(bodies)


def to_folium(*legends: Legend) -> MacroElement:
    """The legends as one folium element, for a downloadable HTML map (``element.add_to(m)``).

    Several legends (the national layer's and the small areas') stack in one box.
    """
    if not legends:
        raise ValueError("Pass at least one Legend to to_folium().")
    bodies = [to_html(legend) for legend in legends]
    seed = hashlib.sha256("\n".join(bodies).encode()).hexdigest()
    return set_stable_ids(_FixedLegend(bodies), seed="legend:" + seed)


def add_to_map(m: folium.Map, *legends: Legend) -> folium.Map:
    """Add :func:`to_folium` of ``legends`` to ``m``; returns ``m``."""
    to_folium(*legends).add_to(m)
    return m


def _darker(polarity: str) -> str:
    if polarity == "higher_is_better":
        return "Darker = worse (lower values)."
    if polarity == "lower_is_better":
        return "Darker = worse (higher values)."
    return "Darker = higher values."
