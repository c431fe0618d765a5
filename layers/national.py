"""The national small-area layer: every LSOA in England on one map, coloured from a table of values.

Geometry and values travel apart. The geometry of a vintage's ~33,000 LSOAs is one
quantised TopoJSON file (``static/national/lsoa_{vintage}.topo.json.gz``, built by
:mod:`geo.ingest.tiles`) that the map's iframe fetches once from the app's static
folder (gzip, about 4 MB) and decodes into typed arrays. What changes per view
(indicator, period, classification, selected area) is :func:`national_layer`: a small
feature group whose script hands a value table to the loaded geometry, which repaints.
No geometry is sent again.

Drawing: one canvas, a subclass of Leaflet's own ``L.Canvas`` renderer (so panning,
zoom animation and panes behave as every Leaflet layer), that fills all areas of one
colour as one path: about a dozen fills for the whole country instead of 33,000
paths. Up to zoom 12 each area's outline is a ``Path2D`` built once per zoom and
each colour's path is assembled from them (many times faster than tracing into the
context, so a recolour takes tens of milliseconds). Each zoom simplifies the shared arcs to its pixel grid (a point closer than
0.6 px to the last one kept is dropped), per arc, so neighbours draw a shared border
alike and no gaps open; an area smaller than 2.5 px is drawn as its box. Hover and
click hit-test a grid index, then the area's rings; the hovered area is outlined on
an SVG pane above. Clicks reach streamlit-folium as a click on the feature group with
the area's code, like any GeoJSON layer's. Nothing beyond the vendored Leaflet is loaded.
The script is ``static/js/national.js``, written into the page by :mod:`layers.js`.

The value table is aligned with the topology's order (the boundary file's order)
and carries a few (position, code) probes, checked in the browser before any colour
is applied, so a table never colours the wrong areas.

Continuous values travel as integers (the value times 10**decimals, read back from
the legend's own number format) and are written in the browser by :data:`TEXT_JS`,
exactly as the other levels' tooltips write them; deciles travel as their few texts.
The offline file (:func:`offline_map`) carries the gzip topology in the page.

Keyboard: the map's keyboard (:data:`layers.interaction.KEYBOARD_JS`, shared with the
district map): the focused map shows a focus ring and a cross at its centre; the arrow
keys move the map, the area under the cross is shown and read out (a live region),
and Enter or Space opens it as a click does. This layer tells it which small area
lies under a point.

Text safety: names, codes and values are written into the tooltip with
``textContent`` (never as markup), and the table reaches the script as JSON through
jinja's ``tojson``, which escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from geo.catalogue import Indicator
from geo.classify import Classification, NumberFormat
from geo.errors import ValidationError
from layers import js
from layers.assets import export_map
from layers.choropleth import _class_labels, _style_keys, _value_text, area_value_text, set_stable_ids, tooltip_format
from layers.interaction import KEYBOARD_JS
from layers.legend import Legend
from layers.style import STATUS_COLOURS, STATUS_LABELS, Scheme, style_for

__all__ = [
    "FORMAT_JS", "STREAMLIT_STATIC_URL", "TEXT_JS", "UNIT_MARK", "national_group", "national_layer", "offline_map",
    "topology_url", "value_table",
]

#: The app's ``static/`` folder as seen from the st_folium iframe (see layers.assets.STREAMLIT_VENDOR_URL).
STREAMLIT_STATIC_URL: Final = "../../app/static"
_PROBES: Final = 16
#: Where a value's unit goes in the table's texts (sent once, not 33,000 times); never in a number.
UNIT_MARK: Final = "~"


#: Writes an integer from :func:`value_table`'s ``num`` as ``NumberFormat.number`` does: ``n`` is the
#: value times 10**``dec``, so 12345 with 1 decimal is "1,234.5" (with ``pct``, "1,234.5%").
#: In ``static/js/format.js``.
FORMAT_JS: Final = js.inline("format.js", "format")

#: The value text of area ``i`` of a table from :func:`value_table`, as layers.choropleth writes it for
#: the other levels (numbers parsed on first use). In ``static/js/format.js``.
TEXT_JS: Final = js.inline("format.js", "valueText", NUMBER=FORMAT_JS.replace("\n", "\n    "), UNIT_MARK=json.dumps(UNIT_MARK))


def topology_url(vintage: str, *, static_url: str = STREAMLIT_STATIC_URL) -> str:
    """Where the browser fetches the ``vintage`` LSOAs' topology (see geo.topology.national_path)."""
    return f"{static_url.rstrip('/')}/national/lsoa_{vintage}.topo.json.gz"


def national_layer(
    joined: pd.DataFrame,
    *,
    order: Sequence[str],
    vintage: str,
    indicator: Indicator,
    period: str,
    scheme: Scheme,
    classification: Classification | None = None,
    categories: pd.Series | None = None,
    selected: str | None = None,
    static_url: str = STREAMLIT_STATIC_URL,
) -> folium.FeatureGroup:
    """The value table of one view, as a feature group that colours the national LSOA layer.

    :func:`value_table` then :func:`national_group`; see them for the parameters.
    """
    table = value_table(joined, order=order, vintage=vintage, indicator=indicator, period=period, scheme=scheme,
                        classification=classification, categories=categories, static_url=static_url)
    return national_group(table, selected=selected)


def value_table(
    joined: pd.DataFrame,
    *,
    order: Sequence[str],
    vintage: str,
    indicator: Indicator,
    period: str,
    scheme: Scheme,
    classification: Classification | None = None,
    categories: pd.Series | None = None,
    static_url: str = STREAMLIT_STATIC_URL,
) -> dict[str, Any]:
    """The colours and value texts of every LSOA for one view (plain data: cache it per view).

    Parameters
    ----------
    joined : DataFrame
        LSOAs joined to values (``area_code``, ``value``, ``status``, optional
        ``lower_ci``/``upper_ci``), e.g. from :func:`geo.indicators.join`.
    order : sequence of str
        Every LSOA code in the topology's order (the boundary file's ``area_code``).
    classification, categories
        Exactly one, aligned with ``joined``'s index, as for
        :func:`layers.choropleth.choropleth_layer`.

    Raises
    ------
    ValidationError
        Codes in ``joined`` that are not in ``order`` (or repeated), or classes not aligned.
    """
    if (classification is None) == (categories is None):
        raise ValueError("Pass exactly one of classification= (classes) or categories= (compared with England).")
    codes = [str(c) for c in order]
    known = set(codes)
    given = [str(c) for c in joined["area_code"].to_numpy(dtype=object)]
    seen: set[str] = set()
    bad = [c for c in given if c not in known or c in seen or seen.add(c)]  # type: ignore[func-returns-value]
    if bad:
        raise ValidationError(
            f"Expected each small area once, from the {vintage} LSOAs; {len(bad)} rows are repeated or unknown "
            f"(e.g. {bad[0]}). Join the values to geo.boundaries.load('lsoa', {vintage!r}) first."
        )
    keys = _style_keys(joined, classification=classification, categories=categories)
    status = joined["status"].astype("str")
    ok = status == "ok"
    values = pd.to_numeric(joined["value"], errors="coerce").where(ok)
    is_decile = indicator.value_type == "decile"
    fmt = tooltip_format(values, value_type=indicator.value_type, unit=indicator.unit, classification=classification)
    no_ci = pd.Series(np.nan, index=joined.index)
    lo = pd.to_numeric(joined["lower_ci"], errors="coerce") if "lower_ci" in joined else no_ci
    hi = pd.to_numeric(joined["upper_ci"], errors="coerce") if "upper_ci" in joined else no_ci
    labels = _class_labels(keys, status, classification, level=scheme.level)

    # The unit is sent once ("\x01" marks where it goes): long units ("score (higher = more deprived)")
    # repeated 33,000 times would be most of the table.
    unit_text = fmt.value(1.0)[len(replace(fmt, unit="").value(1.0)):] if not is_decile else ""
    numbers = None if is_decile else _numbers(values, lo, hi, status=status, fmt=fmt)
    styles: list[dict[str, Any]] = []
    style_labels: list[str] = []
    style_index: dict[tuple[object, str, str], int] = {}
    texts: list[str] = []
    text_index: dict[tuple[object, ...], int] = {}
    row_style: list[int] = []
    row_text: list[int] = []
    for key, row_status, value, low, high, label in zip(
        keys.tolist(), status.tolist(), values.tolist(), lo.tolist(), hi.tolist(), labels, strict=True
    ):
        signature = (key, row_status, label)
        if signature not in style_index:
            style_index[signature] = len(styles)
            styles.append(_canvas_style(style_for(key if row_status == "ok" else row_status, scheme=scheme), row_status))
            style_labels.append(label)
        row_style.append(style_index[signature])
        # NaN is not equal to itself: key missing numbers as None, or every row would be a new text.
        if numbers is not None:  # continuous values travel as numbers, written in the browser
            continue
        text_key = tuple(None if isinstance(x, float) and x != x else x for x in (row_status, value, low, high))
        if text_key not in text_index:
            text = area_value_text(value, status=row_status, fmt=fmt, decile=True) if is_decile else _value_text(
                value, low, high, status=row_status, fmt=fmt)
            text_index[text_key] = len(texts)
            texts.append(text.replace(unit_text, UNIT_MARK, 1) if unit_text and row_status == "ok" else text)
        row_text.append(text_index[text_key])
    # One style and one text per LSOA in the topology's order; LSOAs without a row are missing.
    missing_style = _canvas_style(style_for("missing", scheme=scheme), "missing")
    position = pd.Series(np.arange(len(given)), index=pd.Index(given, dtype=object))
    at = position.reindex(pd.Index(codes, dtype=object))
    absent = at.isna().to_numpy()
    if absent.any():
        styles.append(missing_style)
        style_labels.append(STATUS_LABELS["missing"])
        if STATUS_LABELS["missing"] not in texts:
            texts.append(STATUS_LABELS["missing"])
    filled = at.fillna(-1).astype("int64").to_numpy()
    style_col = np.where(absent, len(styles) - 1, np.asarray(row_style, dtype=np.int64)[filled])
    if numbers is None:
        text_col = np.where(absent, texts.index(STATUS_LABELS["missing"]) if absent.any() else 0,
                            np.asarray(row_text, dtype=np.int64)[filled])
    else:
        numbers = {**numbers, **{k: _aligned(numbers[k], filled, absent) for k in ("v", "lo", "hi") if numbers[k]}}
        text_col = np.zeros(0, dtype=np.int64)
    if len(styles) > 90:
        raise ValidationError(f"Expected at most 90 distinct styles on the national map; got {len(styles)}.")
    probes = sorted({0, len(codes) - 1, *np.linspace(0, len(codes) - 1, _PROBES).astype(int).tolist()})
    table = {
        "url": topology_url(vintage, static_url=static_url),
        "count": len(codes),
        "probes": [[i, str(codes[i])] for i in probes],
        "styles": styles,
        "style_labels": style_labels,
        "cls": "".join(chr(35 + int(s)) for s in style_col),  # one printable character per LSOA
        # Continuous values go as numbers (``num``, written by FORMAT_JS); decile texts go once, with indexes.
        "texts": None if numbers is not None else texts,
        "unit": unit_text,
        "ti": None if numbers is not None else text_col.tolist(),
        "num": numbers,
        "title": f"{indicator.label}, {period}",
        "show_class": not is_decile,
    }
    return table


def _numbers(values: pd.Series, lo: pd.Series, hi: pd.Series, *, status: pd.Series, fmt: NumberFormat) -> dict[str, Any]:
    """Values and CIs as the integers their texts write (79.3 -> 793 at 1 decimal), with the format sent once.

    Each integer is read back from ``fmt.number``'s own text, so the browser (FORMAT_JS)
    writes the same rounding, thousands separators and "%" as the legend and the
    other levels' tooltips; ``None`` where no number is written.
    """
    ok = (status == "ok").to_numpy() & values.notna().to_numpy()
    cache: dict[float, int] = {}

    def scaled(x: float) -> int:
        if x not in cache:
            cache[x] = int(fmt.number(x).rstrip("%").replace(",", "").replace(".", ""))
        return cache[x]

    v = [scaled(x) if keep else None for x, keep in zip(values.tolist(), ok, strict=True)]
    both = ok & lo.notna().to_numpy() & hi.notna().to_numpy()
    low = [scaled(x) if keep else None for x, keep in zip(lo.tolist(), both, strict=True)] if both.any() else None
    high = [scaled(x) if keep else None for x, keep in zip(hi.tolist(), both, strict=True)] if both.any() else None
    return {"v": v, "lo": low, "hi": high, "dec": fmt.decimals, "pct": fmt.percent,
            "suppressed": STATUS_LABELS["suppressed"], "missing": STATUS_LABELS["missing"]}


def _aligned(numbers: list[int | None], filled: np.ndarray, absent: np.ndarray) -> str:
    """Row-ordered numbers in the topology's order as one comma-separated string (empty: no number)."""
    return ",".join("" if gone or numbers[i] is None else str(numbers[i])
                    for i, gone in zip(filled.tolist(), absent.tolist(), strict=True))


def national_group(table: dict[str, Any], *, selected: str | None = None) -> folium.FeatureGroup:
    """A feature group that hands ``table`` (from :func:`value_table`) to the national layer.

    ``selected``: an LSOA to outline (the one whose panel is open).
    """
    title = str(table["title"])
    table = {**table, "selected": selected}
    group = folium.FeatureGroup(name=f"Small areas: {title}", control=False)
    _NationalValues(table).add_to(group)
    digest = hashlib.sha256(json.dumps(table, sort_keys=True).encode("utf-8")).hexdigest()
    return set_stable_ids(group, seed=f"national:{digest}")


def offline_map(
    table: dict[str, Any],
    *,
    topology_gz: bytes,
    title: str,
    subtitle: str,
    legend: Legend,
    attribution: str,
    selected: str | None = None,
    centre: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> str:
    """The national map of one view as a single HTML file that opens offline (see layers.assets.export_map).

    The gzip topology (``topology_gz``, the file :func:`topology_url` names) and the value
    table are written into the page, with Leaflet inlined; nothing is fetched.
    """
    group = national_group({**table, "url": f"inline:{_TOPOLOGY_ID}"}, selected=selected)
    _InlineTopology(topology_gz).add_to(group)
    return export_map([group], title=title, subtitle=subtitle, legends=[legend], attribution=attribution,
                      centre=centre, zoom=zoom)


_TOPOLOGY_ID: Final = "hga-national-topology"


class _InlineTopology(MacroElement):
    """The gzip topology as base64 in the page's body (a data block, never run), for the offline file."""

    _name = "InlineTopology"
    _template = Template("")

    def __init__(self, topology_gz: bytes) -> None:
        super().__init__()
        self.encoded = base64.b64encode(topology_gz).decode("ascii")

    def render(self, **kwargs: Any) -> Any:
        root = self.get_root()
        if isinstance(root, Figure):
            root.html.add_child(Element(
                f'<script type="application/octet-stream" id="{_TOPOLOGY_ID}">{self.encoded}</script>'), name=_TOPOLOGY_ID)
        return super().render(**kwargs)


def _canvas_style(style: dict[str, Any], status: str) -> dict[str, Any]:
    """A Leaflet style the canvas renderer can draw: SVG pattern fills become a flag for the canvas hatch."""
    out = {k: v for k, v in style.items() if v is not None}
    if str(out.get("fillColor", "")).startswith("url("):
        out["fillColor"] = STATUS_COLOURS["missing"]
        out["hatch"] = True
    out["status"] = status
    return out


class _NationalValues(MacroElement):
    """Hands one value table to the national LSOA layer, loading the layer first if the page has none."""

    _name = "NationalValues"
    # The script is static/js/national.js (see layers.js); the page gets it as the string it was.
    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline(
            "national.js", "national", indent=8, MISSING_FILL='"{{ this.missing_fill }}"', TEXT_OF="{{ this.text_js }}",
            KEYS="{{ this.keys_js }}", MAP="{{ this.map_name }}", GROUP="{{ this._parent.get_name() }}", TABLE="{{ this.table|tojson }}"))
    )

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__()
        self.table = table
        self.missing_fill = STATUS_COLOURS["missing"]
        self.unit_mark = UNIT_MARK
        self.text_js = TEXT_JS
        self.keys_js = KEYBOARD_JS

    def render(self, **kwargs: Any) -> Any:
        # The map is the feature group's parent; st_folium renames it map_div after rendering.
        self.map_name = self._parent._parent.get_name() if self._parent is not None and self._parent._parent else "map"
        return super().render(**kwargs)
