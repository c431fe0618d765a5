"""The map as a GeoPackage (EPSG:27700) that opens in QGIS looking like the atlas.

One layer per :class:`~documents.figures.MapFigures` (``areas``, and ``small_areas`` for a
drilled area), with the columns of :meth:`~documents.figures.MapFigures.table` (values,
95% and 99.8% limits, the interval's method, count, denominator, status, note, class and
the comparison with England), written with pyogrio. Each layer's default style is stored
in the file, in the ``layer_styles`` table QGIS reads and writes (columns as QGIS's OGR
provider creates them; QGIS loads the row whose ``f_table_schema`` is '' and whose
``f_table_name`` and ``f_geometry_column`` are the layer's). The table is registered in
``gpkg_contents`` with data type ``attributes`` (OGC GeoPackage 1.2: a non-spatial table).

The style (QML, with the same rules as SLD for other software) is a rule-based renderer
with one rule per legend entry, so every area, including the suppressed and the missing,
is drawn as the atlas draws it: a class's rule is the atlas's half-open range on ``value``
(``"value" >= 79.3 AND "value" < 82.3``, the top class closed), in the class's colour
from :mod:`layers.style`, labelled as the legend labels it; an England comparison's rule
matches the ``class`` column; suppressed areas are white with a dotted outline, and every
other area ("No data") hatched grey with a dashed outline. QGIS's graduated renderer was
not used because it draws nothing for an area without a value and matches a range's
upper end as well as its lower one (``lower <= value <= upper``).
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np

from documents.figures import MapFigures
from layers.style import STATUS_LABELS, Scheme, hatch_svg, style_for

__all__ = ["BNG", "LAYER_STYLES", "STYLE_COLUMNS", "Rule", "geopackage", "qml", "rules", "sld"]

BNG: Final = 27700
#: The style table QGIS reads.
LAYER_STYLES: Final = "layer_styles"
#: Its columns (after ``id``), as QGIS's OGR provider creates them.
STYLE_COLUMNS: Final = ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                        "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time")
_CREATE_STYLES: Final = (
    f'CREATE TABLE "{LAYER_STYLES}" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "f_table_catalog" TEXT(256), '
    '"f_table_schema" TEXT(256), "f_table_name" TEXT(256), "f_geometry_column" TEXT(256), "styleName" TEXT(30), '
    '"styleQML" TEXT, "styleSLD" TEXT, "useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
_STYLE_LIST: Final = ", ".join(f'"{c}"' for c in STYLE_COLUMNS)
_NOW: Final = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
_PX_MM: Final = 25.4 / 96  # a CSS pixel in millimetres
_DASHES: Final = {None: "solid", "4 3": "dash", "1 4": "dot"}
_QGIS_VERSION: Final = "3.28.0-Firenze"


@dataclass(frozen=True)
class Rule:
    """One legend entry as a style rule: which areas it draws, and how.

    ``lower`` and ``upper`` bound ``value`` (``lower <= value < upper``; the first class
    has no lower bound and the top class no upper one); ``category`` matches the ``class``
    column; ``otherwise`` draws every area no other rule draws.
    """

    label: str
    fill: str
    outline: str
    outline_mm: float
    outline_style: str = "solid"
    hatch: str = ""
    status: str = "ok"
    lower: float | None = None
    upper: float | None = None
    category: str | None = None
    otherwise: bool = False

    def filter(self) -> str:
        """The rule's QGIS expression (also valid SQLite); "ELSE" for the rule that draws the rest."""
        if self.otherwise:
            return "ELSE"
        parts = [f"\"status\" = {_quoted(self.status)}"]
        if self.category is not None:
            parts.append(f"\"class\" = {_quoted(self.category)}")
        if self.status == "ok" and self.category is None:
            parts.append('"value" IS NOT NULL')
        if self.lower is not None:
            parts.append(f'"value" >= {_number(self.lower)}')
        if self.upper is not None:
            parts.append(f'"value" < {_number(self.upper)}')
        return " AND ".join(parts)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number(x: float) -> str:
    """The shortest decimal that reads back as ``x`` (no exponent, which every parser takes)."""
    return str(np.format_float_positional(float(x), unique=True, trim="-"))


def _look(key: int | str, scheme: Scheme) -> tuple[str, str, float, str]:
    """Fill, outline colour, outline width (mm) and outline style of the map's style for ``key``."""
    style = style_for(key, scheme=scheme)
    fill = str(style["fillColor"]).split()[-1]  # the missing style's hatch pattern falls back to its plain colour
    weight = float(style["weight"])  # type: ignore[arg-type]
    dashes = style.get("dashArray")
    return fill, str(style["color"]), round(weight * _PX_MM, 3), _DASHES.get(None if dashes is None else str(dashes), "dash")


def _hatch() -> str:
    found = re.search(r'stroke="(#[0-9A-Fa-f]{6})"', hatch_svg())
    return found.group(1) if found else "#8C8C8C"


def rules(figures: MapFigures) -> tuple[Rule, ...]:
    """The style's rules, in the legend's order: classes (or comparison categories), suppressed, no data."""
    scheme = figures.scheme
    out: list[Rule] = []
    c = figures.classification
    if c is not None:
        labels = [e.label for e in figures.legend.entries[: c.k]]
        edges = [None, *c.breaks, None]
        for i in range(c.k):
            fill, line, width, dash = _look(i, scheme)
            out.append(Rule(labels[i], fill, line, width, dash, lower=edges[i], upper=edges[i + 1]))
    else:
        for category, _colour in scheme.categories:
            fill, line, width, dash = _look(category, scheme)
            out.append(Rule(scheme.label(category), fill, line, width, dash, category=category))
    fill, line, width, dash = _look("suppressed", scheme)
    out.append(Rule(STATUS_LABELS["suppressed"], fill, line, width, dash, status="suppressed"))
    fill, line, width, dash = _look("missing", scheme)
    out.append(Rule(STATUS_LABELS["missing"], fill, line, width, dash, hatch=_hatch(), status="missing",
                    otherwise=True))
    return tuple(out)


# ---------------------------------------------------------------- QML (QGIS) and SLD
def _rgba(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},255"


def _symbol_layer(parent: ET.Element, props: dict[str, str]) -> None:
    layer = ET.SubElement(parent, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
    option = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(option, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in props.items():  # the older form, which QGIS before 3.26 reads
        ET.SubElement(layer, "prop", {"k": key, "v": value})


def _fill(fill: str, rule: Rule, *, outline: bool) -> dict[str, str]:
    return {"color": _rgba(fill), "style": "solid", "outline_color": _rgba(rule.outline),
            "outline_style": rule.outline_style if outline else "no", "outline_width": f"{rule.outline_mm:g}",
            "outline_width_unit": "MM", "joinstyle": "bevel"}


def qml(figures: MapFigures) -> str:
    """The layer's QGIS style: a rule-based renderer with one rule (and one fill symbol) per legend entry."""
    root = ET.Element("qgis", {"version": _QGIS_VERSION, "styleCategories": "Symbology"})
    renderer = ET.SubElement(root, "renderer-v2", {"type": "RuleRenderer", "symbollevels": "0", "enableorderby": "0",
                                                   "forceraster": "0", "referencescale": "-1"})
    top = ET.SubElement(renderer, "rules", {"key": "{hga-rules}"})
    symbols = ET.SubElement(renderer, "symbols")
    for i, rule in enumerate(rules(figures)):
        ET.SubElement(top, "rule", {"key": f"{{hga-rule-{i}}}", "symbol": str(i), "label": rule.label,
                                    "filter": rule.filter()})
        symbol = ET.SubElement(symbols, "symbol", {"type": "fill", "name": str(i), "alpha": "1",
                                                   "clip_to_extent": "1", "force_rhr": "0"})
        _symbol_layer(symbol, _fill(rule.fill, rule, outline=not rule.hatch))
        if rule.hatch:  # the hatch over the plain fill, with the outline on top
            _symbol_layer(symbol, {**_fill(rule.hatch, rule, outline=True), "style": "f_diagonal"})
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = "2"
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


_SLD: Final = {"": "http://www.opengis.net/sld", "se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}


def _sld_filter(parent: ET.Element, rule: Rule) -> None:
    se, ogc = "{" + _SLD["se"] + "}", "{" + _SLD["ogc"] + "}"
    if rule.otherwise:
        ET.SubElement(parent, se + "ElseFilter")
        return
    tests: list[tuple[str, str, str]] = [("PropertyIsEqualTo", "status", rule.status)]
    if rule.category is not None:
        tests.append(("PropertyIsEqualTo", "class", rule.category))
    if rule.lower is not None:
        tests.append(("PropertyIsGreaterThanOrEqualTo", "value", _number(rule.lower)))
    if rule.upper is not None:
        tests.append(("PropertyIsLessThan", "value", _number(rule.upper)))
    where = ET.SubElement(ET.SubElement(parent, ogc + "Filter"), ogc + "And") if len(tests) > 1 else \
        ET.SubElement(parent, ogc + "Filter")
    for test, name, literal in tests:
        element = ET.SubElement(where, ogc + test)
        ET.SubElement(element, ogc + "PropertyName").text = name
        ET.SubElement(element, ogc + "Literal").text = literal


def sld(figures: MapFigures, *, layer: str) -> str:
    """The same rules as SLD 1.1 (for software other than QGIS)."""
    for prefix, uri in _SLD.items():
        ET.register_namespace(prefix, uri)
    sld_ns, se = "{" + _SLD[""] + "}", "{" + _SLD["se"] + "}"
    root = ET.Element(sld_ns + "StyledLayerDescriptor", {"version": "1.1.0"})
    named = ET.SubElement(root, sld_ns + "NamedLayer")
    ET.SubElement(named, se + "Name").text = layer
    style = ET.SubElement(named, sld_ns + "UserStyle")
    ET.SubElement(style, se + "Name").text = layer
    types = ET.SubElement(style, se + "FeatureTypeStyle")
    for rule in rules(figures):
        element = ET.SubElement(types, se + "Rule")
        ET.SubElement(element, se + "Name").text = rule.label
        ET.SubElement(ET.SubElement(element, se + "Description"), se + "Title").text = rule.label
        _sld_filter(element, rule)
        polygon = ET.SubElement(element, se + "PolygonSymbolizer")
        ET.SubElement(ET.SubElement(polygon, se + "Fill"), se + "SvgParameter", {"name": "fill"}).text = rule.fill
        stroke = ET.SubElement(polygon, se + "Stroke")
        ET.SubElement(stroke, se + "SvgParameter", {"name": "stroke"}).text = rule.outline
        ET.SubElement(stroke, se + "SvgParameter", {"name": "stroke-width"}).text = f"{rule.outline_mm / _PX_MM:g}"
        if rule.outline_style != "solid":
            dashes = "4 3" if rule.outline_style == "dash" else "1 4"
            ET.SubElement(stroke, se + "SvgParameter", {"name": "stroke-dasharray"}).text = dashes
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------- the file
def _layer(figures: MapFigures) -> gpd.GeoDataFrame:
    table = figures.table()
    shapes = figures.joined.drop_duplicates("area_code").set_index("area_code").geometry
    frame = gpd.GeoDataFrame(table, geometry=shapes.reindex(table["area_code"]).to_numpy(), crs=figures.joined.crs)
    return frame.to_crs(BNG)


def geopackage(layers: Sequence[tuple[str, MapFigures]]) -> bytes:
    """A GeoPackage of ``(layer name, figures)`` pairs, each with its QGIS style stored as its default.

    Raises
    ------
    ValueError
        No layer, or two with one name.
    """
    names = [name for name, _ in layers]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"Expected one or more layers with different names; got {names!r}.")
    with tempfile.TemporaryDirectory(prefix="hga-gpkg-") as folder:
        path = Path(folder) / "atlas.gpkg"
        for name, figures in layers:
            _layer(figures).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        with sqlite3.connect(path) as db:
            _add_styles(db, layers)
        db.close()
        return path.read_bytes()


def _add_styles(db: sqlite3.Connection, layers: Sequence[tuple[str, MapFigures]]) -> None:
    db.execute(_CREATE_STYLES)
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
               f"VALUES (?, 'attributes', ?, ?, {_NOW})",
               (LAYER_STYLES, LAYER_STYLES, "QGIS layer styles: each layer's default style, as the atlas draws it"))
    for name, figures in layers:
        (geometry,) = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,)).fetchone()
        legend = figures.legend
        about = " ".join(p for p in (legend.method, legend.england, legend.note, legend.convention) if p)
        db.execute("UPDATE gpkg_contents SET identifier = ?, description = ? WHERE table_name = ?",
                   (figures.title, f"{about} Source: {figures.source}. {figures.attribution}", name))
        db.execute(f'INSERT INTO "{LAYER_STYLES}" ({_STYLE_LIST}) '
                   f"VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, 'Health Gap Atlas', '', {_NOW})",
                   (name, geometry, name, qml(figures), sld(figures, layer=name), f"As the atlas draws it: {about}"))
    has_counts = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'").fetchone()
    if has_counts:
        db.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, ?)", (LAYER_STYLES, len(layers)))
