"""The national small-area layer: every LSOA in England on one map, coloured from a table of values.

Geometry and values travel apart. The geometry of a vintage's ~33,000 LSOAs is one
quantised TopoJSON file (``static/national/lsoa_{vintage}.topo.json.gz``, built by
:mod:`geo.ingest.tiles`) that the map's iframe fetches once from the app's static
folder, decodes with the vendored topojson-client and draws on one Leaflet canvas;
Leaflet simplifies each outline to the pixel grid of every zoom. What changes per
view (indicator, period, classification, selected area) is :func:`national_layer`:
a small feature group whose script hands a value table to the loaded layer, which
restyles its polygons in place. No geometry is sent again.

The value table is aligned with the topology's order (the boundary file's order)
and carries a few (position, code) probes, checked in the browser before any colour
is applied, so a table never colours the wrong areas.

Text safety: names, codes and values are written into the tooltip with
``textContent`` (never as markup), and the table reaches the script as JSON through
jinja's ``tojson``, which escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from geo.catalogue import Indicator
from geo.classify import Classification, number_format
from geo.errors import ValidationError
from layers.choropleth import _class_labels, _decile_text, _style_keys, _value_text, set_stable_ids
from layers.style import STATUS_COLOURS, Scheme, style_for

__all__ = ["STREAMLIT_STATIC_URL", "TOPOJSON_CLIENT", "national_layer", "topology_url"]

#: The app's ``static/`` folder as seen from the st_folium iframe (see layers.assets.STREAMLIT_VENDOR_URL).
STREAMLIT_STATIC_URL: Final = "../../app/static"
#: The vendored topojson-client, relative to the static folder (scripts/vendor_assets.sh).
TOPOJSON_CLIENT: Final = "vendor/topojson-client-3.1.0/topojson-client.min.js"
_PROBES: Final = 16


def topology_url(vintage: str, *, static_url: str = STREAMLIT_STATIC_URL) -> str:
    """Where the browser fetches the ``vintage`` LSOAs' topology (see geo.ingest.tiles.national_path)."""
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
    selected : str, optional
        An LSOA to outline (the one whose panel is open).

    Raises
    ------
    ValidationError
        Codes in ``joined`` that are not in ``order`` (or repeated), or classes not aligned.
    """
    if (classification is None) == (categories is None):
        raise ValueError("Pass exactly one of classification= (classes) or categories= (compared with England).")
    codes = pd.Index(list(order), dtype="str")
    given = joined["area_code"].astype("str")
    if given.duplicated().any() or not given.isin(codes).all():
        bad = given[given.duplicated() | ~given.isin(codes)]
        raise ValidationError(
            f"Expected each small area once, from the {vintage} LSOAs; {len(bad)} rows are repeated or unknown "
            f"(e.g. {bad.iloc[0]}). Join the values to geo.boundaries.load('lsoa', {vintage!r}) first."
        )
    keys = _style_keys(joined, classification=classification, categories=categories)
    status = joined["status"].astype("str")
    ok = status == "ok"
    values = pd.to_numeric(joined["value"], errors="coerce").where(ok)
    is_decile = indicator.value_type == "decile"
    fmt = number_format(values, value_type=indicator.value_type, unit=indicator.unit)
    if classification is not None and not is_decile:  # tooltips write numbers as the legend does
        fmt = replace(classification.fmt, unit=fmt.unit if classification.fmt.scale == fmt.scale else indicator.unit)
    no_ci = pd.Series(np.nan, index=joined.index)
    lo = pd.to_numeric(joined["lower_ci"], errors="coerce") if "lower_ci" in joined else no_ci
    hi = pd.to_numeric(joined["upper_ci"], errors="coerce") if "upper_ci" in joined else no_ci
    labels = _class_labels(keys, status, classification)

    styles: list[dict[str, Any]] = []
    style_labels: list[str] = []
    style_index: dict[str, int] = {}
    texts: list[str] = []
    text_index: dict[str, int] = {}
    row_style: list[int] = []
    row_text: list[int] = []
    for key, row_status, value, low, high, label in zip(
        keys.tolist(), status, values.tolist(), lo.tolist(), hi.tolist(), labels, strict=True
    ):
        style = _canvas_style(style_for(key if row_status == "ok" else row_status, scheme=scheme), row_status)
        signature = json.dumps([style, label], sort_keys=True)
        if signature not in style_index:
            style_index[signature] = len(styles)
            styles.append(style)
            style_labels.append(label)
        row_style.append(style_index[signature])
        text = _decile_text(value, status=row_status) if is_decile else _value_text(value, low, high,
                                                                                  status=row_status, fmt=fmt)
        if text not in text_index:
            text_index[text] = len(texts)
            texts.append(text)
        row_text.append(text_index[text])
    # One style and one text per LSOA in the topology's order; LSOAs without a row are missing.
    missing_style = _canvas_style(style_for("missing", scheme=scheme), "missing")
    position = pd.Series(np.arange(len(given)), index=pd.Index(given))
    at = position.reindex(codes)
    absent = at.isna().to_numpy()
    if absent.any():
        styles.append(missing_style)
        style_labels.append("No data")
        texts.append("No data")
    filled = at.fillna(-1).astype("int64").to_numpy()
    style_col = np.where(absent, len(styles) - 1, np.asarray(row_style, dtype=np.int64)[filled])
    text_col = np.where(absent, len(texts) - 1, np.asarray(row_text, dtype=np.int64)[filled])
    if len(styles) > 90:
        raise ValidationError(f"Expected at most 90 distinct styles on the national map; got {len(styles)}.")
    probes = sorted({0, len(codes) - 1, *np.linspace(0, len(codes) - 1, _PROBES).astype(int).tolist()})
    table = {
        "url": topology_url(vintage, static_url=static_url),
        "lib": f"{static_url.rstrip('/')}/{TOPOJSON_CLIENT}",
        "count": len(codes),
        "probes": [[i, str(codes[i])] for i in probes],
        "styles": styles,
        "style_labels": style_labels,
        "cls": "".join(chr(35 + int(s)) for s in style_col),  # one printable character per LSOA
        "texts": texts,
        "ti": text_col.tolist(),
        "title": f"{indicator.label}, {period}",
        "show_class": not is_decile,
        "selected": selected,
    }
    group = folium.FeatureGroup(name=f"Small areas: {indicator.label}", control=False)
    _NationalValues(table).add_to(group)
    digest = hashlib.sha256(json.dumps(table, sort_keys=True).encode("utf-8")).hexdigest()
    return set_stable_ids(group, seed=f"national:{digest}")


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
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, group, table) {
        var H = window.hgaNational;
        if (!H) {
            H = window.hgaNational = {layers: {}, loading: {}, owner: null, table: null, current: null};
            H.script = function (url) {
                if (window.topojson) { return Promise.resolve(); }
                if (!H.lib) {
                    H.lib = new Promise(function (resolve, reject) {
                        var s = document.createElement("script");
                        s.src = url; s.async = false; s.onload = resolve; s.onerror = reject;
                        document.head.appendChild(s);
                    });
                }
                return H.lib;
            };
            H.hatch = function () {
                if (!H.pattern) {
                    var c = document.createElement("canvas"); c.width = 6; c.height = 6;
                    var g = c.getContext("2d");
                    g.fillStyle = "{{ this.missing_fill }}"; g.fillRect(0, 0, 6, 6);
                    g.strokeStyle = "#8C8C8C"; g.lineWidth = 1.5;
                    g.beginPath(); g.moveTo(0, 6); g.lineTo(6, 0); g.moveTo(-1, 1); g.lineTo(1, -1);
                    g.moveTo(5, 7); g.lineTo(7, 5); g.stroke();
                    H.pattern = g.createPattern(c, "repeat");
                }
                return H.pattern;
            };
            H.weight = function (zoom, style) {
                // Outlines thin out with the zoom: at the country's zoom 33,000 outlines would hide the colours.
                var base = style.status === "ok" ? 0.5 : style.weight;
                return zoom >= 11 ? base : zoom >= 9 ? base * 0.6 : style.status === "ok" ? 0 : base * 0.5;
            };
            H.style = function (i) {
                var t = H.table, s = t.styles[t.cls.charCodeAt(i) - 35], zoom = H.map ? H.map.getZoom() : 6;
                var out = {fillColor: s.hatch ? H.hatch() : s.fillColor, fillOpacity: s.fillOpacity,
                           color: s.color, opacity: s.opacity, dashArray: s.dashArray || null,
                           weight: H.weight(zoom, s), stroke: true};
                if (t.selected && H.codes[i] === t.selected) { out.color = "#000"; out.weight = 3; out.dashArray = null; }
                out.stroke = out.weight > 0;
                return out;
            };
            H.restyle = function (redraw) {
                var geo = H.current;
                if (!geo || !H.table) { return; }
                var layers = geo._hgaLayers;
                for (var i = 0; i < layers.length; i++) { L.Util.setOptions(layers[i], H.style(i)); }
                var sel = H.table.selected ? H.index[H.table.selected] : undefined;
                if (sel !== undefined && geo._map) { layers[sel].bringToFront(); }
                if (geo._map && redraw) { H.renderer._redraw(); }
            };
            H.tooltip = function (layer) {
                var t = H.table, i = layer._hgaIndex, div = document.createElement("div");
                var rows = [["Area", layer.feature.properties.area_name], ["Code", layer.feature.properties.area_code],
                            [t.title, t.texts[t.ti[i]]]];
                if (t.show_class) { rows.push(["Class", t.style_labels[t.cls.charCodeAt(i) - 35]]); }
                var table = document.createElement("table");
                rows.forEach(function (r) {
                    var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
                    th.textContent = r[0]; td.textContent = r[1]; tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
                });
                div.appendChild(table);
                return div;
            };
            H.check = function () {
                var t = H.table, ok = t.count === H.codes.length && t.probes.every(function (p) { return H.codes[p[0]] === p[1]; });
                if (!ok) { H.status("The small areas' values do not match the boundaries; reload the page."); }
                return ok;
            };
            H.status = function (text) {
                if (!H.notice) {
                    H.notice = L.control({position: "bottomleft"});
                    H.notice.onAdd = function () {
                        var d = L.DomUtil.create("div", "hga-national-status");
                        d.setAttribute("role", "status");
                        d.style.cssText = "background:#fff;color:#1a1a1a;padding:3px 8px;border-radius:3px;font:12px sans-serif";
                        return d;
                    };
                    H.notice.addTo(H.map);
                }
                var el = H.notice.getContainer();
                el.textContent = text || ""; el.style.display = text ? "" : "none";
            };
            H.load = function (table) {
                var url = table.url;
                if (H.layers[url]) { return Promise.resolve(H.layers[url]); }
                if (!H.loading[url]) {
                    H.status("Loading every small area in England ...");
                    H.loading[url] = H.script(table.lib).then(function () { return fetch(url); }).then(function (r) {
                        if (!r.ok) { throw new Error(r.status + " " + url); }
                        return new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).json();
                    }).then(function (topo) {
                        var fc = topojson.feature(topo, topo.objects.lsoa), layers = [], codes = [], index = {};
                        fc.features.forEach(function (f, i) { f.properties.area_code = f.id; codes.push(f.id); index[f.id] = i; });
                        H.codes = codes; H.index = index;
                        var geo = L.geoJSON(fc, {renderer: H.renderer, smoothFactor: 1,
                            onEachFeature: function (f, layer) { layer._hgaIndex = layers.length; layers.push(layer); }});
                        geo._hgaLayers = layers;
                        geo.bindTooltip(H.tooltip, {sticky: true, direction: "auto"});
                        geo.on("mouseover", function (e) {
                            var l = e.layer; l._hgaHover = true;
                            l.setStyle({color: "#000", weight: 2.5, dashArray: null, stroke: true}); l.bringToFront();
                        });
                        geo.on("mouseout", function (e) { var l = e.layer; l._hgaHover = false; l.setStyle(H.style(l._hgaIndex)); });
                        H.layers[url] = geo;
                        H.status("");
                        return geo;
                    });
                }
                return H.loading[url];
            };
            H.show = function (map, group, table) {
                H.map = map; H.owner = group; H.table = table;
                H.renderer = H.renderer || L.canvas({padding: 0.3, tolerance: 1});
                H.load(table).then(function (geo) {
                    if (H.owner !== group) { return; }  // a newer table arrived while loading
                    if (H.current && H.current !== geo) { map.removeLayer(H.current); }
                    if (H.current !== geo) {
                        if (H.current) { H.current.removeEventParent(H.current._hgaGroup); }
                        H.current = geo;
                    }
                    if (!H.check()) { return; }
                    if (geo._hgaGroup) { geo.removeEventParent(geo._hgaGroup); }
                    geo._hgaGroup = group; geo.addEventParent(group);  // clicks reach streamlit-folium through the group
                    if (!geo._map) {
                        var layers = geo._hgaLayers;
                        for (var i = 0; i < layers.length; i++) { L.Util.setOptions(layers[i], H.style(i)); }
                        map.addLayer(geo);
                        var sel = table.selected ? H.index[table.selected] : undefined;
                        if (sel !== undefined) { layers[sel].bringToFront(); }
                    } else {
                        H.restyle(true);
                    }
                    window.hgaNationalPainted = (window.hgaNationalPainted || 0) + 1;
                }).catch(function (err) { H.status("The small areas could not be loaded: " + err.message); });
            };
            // The canvas redraws every path after the zoom (moveend); only the outline widths change here.
            map.on("zoomend", function () { H.restyle(false); });
        }
        group.on("remove", function () {
            setTimeout(function () {
                // Another level's layers replaced this table: take the national layer off the map too.
                if (H.owner === group && H.current && H.current._map) { map.removeLayer(H.current); H.owner = null; }
            }, 0);
        });
        H.show(map, group, table);
        })({{ this.map_name }}, {{ this._parent.get_name() }}, {{ this.table|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__()
        self.table = table
        self.missing_fill = STATUS_COLOURS["missing"]

    def render(self, **kwargs: Any) -> Any:
        # The map is the feature group's parent; st_folium renames it map_div after rendering.
        self.map_name = self._parent._parent.get_name() if self._parent is not None and self._parent._parent else "map"
        return super().render(**kwargs)
