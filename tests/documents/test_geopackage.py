"""documents.geopackage: the map in EPSG:27700 with its QGIS style stored inside, drawing every area as the atlas does."""

from __future__ import annotations

import dataclasses
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from documents.figures import MapFigures, build, small_areas
from documents.geopackage import BNG, LAYER_STYLES, STYLE_COLUMNS, geopackage, qml, rules, sld
from geo.view import View
from layers.legend import LegendEntry
from layers.style import COMPARISON_LABELS, STATUS_LABELS

CASES = {
    "quintiles": View("lad", "2023", "le_birth", "2023-25", "female"),
    "england": View("utla", "2023", "u75_cvd_prev", "2021-23", "persons", method="england"),
    "natural-breaks": View("lad", "2021", "fuel_poverty", "2020", "persons", method="natural_breaks"),
}


@pytest.fixture(scope="module")
def figures(data_dir) -> dict[str, MapFigures]:
    made = {name: build(view, data_dir=data_dir) for name, view in CASES.items()}
    made["small-area-deciles"] = small_areas("E08000012", level="lad", vintage="2023", data_dir=data_dir)
    return made


@pytest.fixture(scope="module")
def files(figures: dict[str, MapFigures], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gpkg")
    out = {}
    for name, made in figures.items():
        path = folder / f"{name}.gpkg"
        path.write_bytes(geopackage([("areas", made)]))
        out[name] = path
    return out


@pytest.mark.parametrize("case", [*CASES, "small-area-deciles"])
def test_the_layer_is_the_maps_table_in_british_national_grid(case: str, figures, files) -> None:
    layer = gpd.read_file(files[case], layer="areas")
    table = figures[case].table()
    assert layer.crs.to_epsg() == BNG
    assert list(layer.columns) == [*table.columns, "geometry"]
    assert layer["area_code"].tolist() == table["area_code"].tolist()
    assert layer["value"].equals(table["value"].astype("float64"))
    assert layer["status"].tolist() == table["status"].tolist()
    assert layer.geometry.notna().all() and layer.total_bounds[0] > 0  # metres east, not degrees


@pytest.mark.parametrize("case", [*CASES, "small-area-deciles"])
def test_the_style_table_is_registered_and_holds_the_layers_default_qml(case: str, files) -> None:
    with sqlite3.connect(files[case]) as db:
        kind = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = ?", (LAYER_STYLES,)).fetchone()
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({LAYER_STYLES})")]
        (geometry,) = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'areas'").fetchone()
        styles = db.execute(f"SELECT f_table_schema, f_table_name, f_geometry_column, useAsDefault, styleQML, styleSLD "
                            f"FROM {LAYER_STYLES}").fetchall()
    assert kind == ("attributes",)
    assert columns == ["id", *STYLE_COLUMNS]
    assert [s[:4] for s in styles] == [("", "areas", geometry, 1)]  # what QGIS looks up: schema '', name, geometry
    root = ET.fromstring(styles[0][4].split("\n", 1)[1])
    assert root.tag == "qgis" and root.find("renderer-v2").get("type") == "RuleRenderer"
    ET.fromstring(styles[0][5].split("\n", 1)[1])  # the SLD parses too
    assert "layer_styles" in [name for name, _ in pyogrio.list_layers(files[case])]


@pytest.mark.parametrize("case", [*CASES, "small-area-deciles"])
def test_each_rule_draws_exactly_the_areas_of_its_legend_entry(case: str, figures, files) -> None:
    """Run every rule's filter on the file itself: the rules share the areas out, each to its class on the map."""
    made = figures[case]
    table = made.table().set_index("area_code")
    root = ET.fromstring(qml(made).split("\n", 1)[1])
    drawn: dict[str, str] = {}
    with sqlite3.connect(files[case]) as db:
        for rule in root.iter("rule"):
            where = rule.get("filter")
            codes = [r[0] for r in db.execute(f"SELECT area_code FROM areas WHERE {where}")] if where != "ELSE" else \
                [c for c in table.index if c not in drawn]
            for code in codes:
                assert code not in drawn, f"{code} drawn by two rules"
                drawn[code] = rule.get("label")
    assert set(drawn) == set(table.index)
    labels = {e.label for e in made.legend.entries} | set(COMPARISON_LABELS.values()) | set(STATUS_LABELS.values())
    for code, label in drawn.items():
        row = table.loc[code]
        if row["status"] == "suppressed":
            assert label == STATUS_LABELS["suppressed"]
        elif row["status"] != "ok" or row["value"] != row["value"]:
            assert label == STATUS_LABELS["missing"]
        elif made.classification is not None:
            assert label == row["class"], code  # the legend's label of the area's class on the map
        else:
            assert label == COMPARISON_LABELS[row["class"]]
        assert label in labels


@pytest.mark.parametrize("case", [*CASES, "small-area-deciles"])
def test_the_symbols_are_the_maps_colours(case: str, figures) -> None:
    made = figures[case]
    root = ET.fromstring(qml(made).split("\n", 1)[1])
    fills = [s.find("layer/Option/Option[@name='color']").get("value") for s in root.iter("symbol")]
    colours = made.scheme.colours if made.classification is not None else tuple(c for _k, c in made.scheme.categories)
    expected = [f"{int(c[1:3], 16)},{int(c[3:5], 16)},{int(c[5:7], 16)},255" for c in colours]
    assert fills[: len(expected)] == expected
    assert fills[len(expected):] == ["255,255,255,255", "240,240,240,255"]  # suppressed white, missing light grey
    styles = [[layer.find("Option/Option[@name='outline_style']").get("value") for layer in s.findall("layer")]
              for s in root.iter("symbol")]
    assert styles[-2] == ["dot"] and styles[-1][-1] == "dash"  # as the map's suppressed and missing outlines


def test_labels_from_an_upload_are_escaped_in_the_xml(figures) -> None:
    made = figures["quintiles"]
    hostile = dataclasses.replace(made.legend, entries=(
        LegendEntry("#000000", "<b>A & 'B' \"C\"</b>", 1, ""), *made.legend.entries[1:]))
    text = qml(dataclasses.replace(made, legend=hostile))
    rule = ET.fromstring(text.split("\n", 1)[1]).find("renderer-v2/rules/rule")
    assert rule.get("label") == "<b>A & 'B' \"C\"</b>"
    assert "<b>" not in text
    assert rules(dataclasses.replace(made, legend=hostile))[0].label.startswith("<b>")
    assert ET.fromstring(sld(dataclasses.replace(made, legend=hostile), layer="areas").split("\n", 1)[1]) is not None


def test_the_map_and_its_small_areas_in_one_file(figures, tmp_path) -> None:
    path = tmp_path / "both.gpkg"
    path.write_bytes(geopackage([("areas", figures["quintiles"]), ("small_areas", figures["small-area-deciles"])]))
    assert [n for n, _ in pyogrio.list_layers(path)] == ["areas", "small_areas", "layer_styles"]
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute(f"SELECT f_table_name FROM {LAYER_STYLES} ORDER BY id")] == ["areas",
                                                                                                    "small_areas"]
    assert len(gpd.read_file(path, layer="small_areas")) == 302


def test_two_layers_with_one_name_are_refused(figures) -> None:
    with pytest.raises(ValueError, match="different names"):
        geopackage([("areas", figures["quintiles"]), ("areas", figures["england"])])


@pytest.mark.parametrize(
    ("method", "worse"),
    [pytest.param("england", "Worse than England (95% confidence)", id="95"),
     pytest.param("england_998", "Worse than England (99.8% confidence)", id="99-8")],
)
def test_the_styles_words_are_the_maps_comparison_level(data_dir, method: str, worse: str) -> None:
    # Healthy life expectancy (symmetric published CIs, so 99.8% limits are held): QGIS says the level the map drew.
    made = build(View("utla", "2025", "hle_birth", "2022-24", "female", method=method), data_dir=data_dir)
    labels = [r.label for r in rules(made)]
    assert worse in labels and {e.label for e in made.legend.entries} <= set(labels)  # the legend's words
