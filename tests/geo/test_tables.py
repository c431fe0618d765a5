"""Tables written for people: the CSV carries its comment header, booleans as words, and nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from geo.tables import LICENCE, attribution_lines, csv_text, geojson_text, safe_cell, write_csv

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "catalogue.json"


def test_csv_carries_its_header_and_booleans_as_words(tmp_path) -> None:
    table = pd.DataFrame({"area_code": ["E1", "E2", "E3"], "qualifies": [True, False, True],
                          "undecided": pd.array([True, False, pd.NA], dtype="boolean"), "value": [1.5, 2.0, None]})
    path = write_csv(table, ["Spearhead method", "Rule: ties share the best rank"], tmp_path / "t.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("# ")]
    assert lines[:2] == ["# Spearhead method", "# Rule: ties share the best rank"]
    assert lines[len(header):] == ["area_code,qualifies,undecided,value", "E1,true,true,1.5", "E2,false,false,2.0",
                                   "E3,true,,"]
    read = pd.read_csv(path, comment="#")
    assert read["area_code"].tolist() == ["E1", "E2", "E3"]


# ---------------------------------------------------------------- the source and licence on every CSV
def _catalogue_attribution() -> str:
    return str(json.loads(CATALOGUE.read_text(encoding="utf-8"))["attribution"])


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda t, tmp: csv_text(t), id="csv_text-no-header"),
        pytest.param(lambda t, tmp: csv_text(t, header=["Life expectancy at birth, female, 2023-25"]), id="csv_text"),
        pytest.param(lambda t, tmp: write_csv(t, ["Gap tracker"], tmp / "gap.csv").read_text(encoding="utf-8"),
                     id="write_csv"),
    ],
)
def test_every_csv_ends_its_header_with_the_catalogues_source_and_licence(write, tmp_path) -> None:
    text = write(pd.DataFrame({"area_code": ["E06000001"], "value": [79.1]}), tmp_path)
    header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    attribution = _catalogue_attribution()
    # Every sentence of the catalogue's attribution, in order, then the licence line, at the foot of the header.
    sentences = header[-len(attribution_lines()):-1]
    assert " ".join(sentences) == attribution
    assert header[-1] == LICENCE and "open-government-licence/version/3" in LICENCE
    assert "Crown copyright and database right" in " ".join(sentences)
    assert pd.read_csv(io.StringIO(text), comment="#")["area_code"].tolist() == ["E06000001"]


def test_the_attribution_is_not_repeated_when_a_caller_already_gave_it() -> None:
    lines = attribution_lines("Source: ONS. Contains OS data © Crown copyright and database right 2025.")
    text = csv_text(pd.DataFrame({"a": [1]}), header=["Title", lines[0]],
                    attribution="Source: ONS. Contains OS data © Crown copyright and database right 2025.")
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert header == ["# Title", "# Source: ONS.", "# Contains OS data © Crown copyright and database right 2025.",
                      f"# {LICENCE}"]


# ---------------------------------------------------------------- nothing a spreadsheet would run
HOSTILE = '=HYPERLINK("http://evil.example/s","Open site")'


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param(HOSTILE, "'" + HOSTILE, id="equals"),
        pytest.param("+cmd", "'+cmd", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus-formula"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\tx", "'\tx", id="tab"),
        pytest.param(" =1+1", "' =1+1", id="after-a-space"),
        pytest.param("-2.5", "-2.5", id="negative-number-text-kept"),
        pytest.param("Hartlepool", "Hartlepool", id="plain-name"),
    ],
)
def test_a_formula_like_cell_gets_an_apostrophe(cell: str, expected: str) -> None:
    assert safe_cell(cell) == expected


def test_cells_column_names_and_header_lines_are_all_made_safe() -> None:
    table = pd.DataFrame({"name": [HOSTILE, "Hull"], "=cmd|' /C calc'!A0": [1.5, -2.0]})
    text = csv_text(table, header=["Indicators: life expectancy, =HYPERLINK(\"http://evil.example\")"])
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.lstrip(" ").startswith(("=", "+", "@")) or (c.startswith("-") and c != "-2.0")]
    assert rows[0][0] == "# Indicators: life expectancy"  # the header still reads as a comment
    assert pd.read_csv(io.StringIO(text), comment="#")["name"].tolist() == ["'" + HOSTILE, "Hull"]


def test_geojson_properties_are_made_safe_and_geometry_kept() -> None:
    collection = {"type": "FeatureCollection", "rule": "=1+1", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5, 53.0]},
         "properties": {"site": HOSTILE, "km": -1.0, "nested": {"x": "@x"}}}]}
    out = json.loads(geojson_text(collection))
    assert out["rule"] == "'=1+1"
    assert out["features"][0]["properties"] == {"site": "'" + HOSTILE, "km": -1.0, "nested": {"x": "'@x"}}
    assert out["features"][0]["geometry"] == collection["features"][0]["geometry"]


def test_no_table_is_written_for_people_except_through_this_module() -> None:
    """Every CSV and GeoJSON a page or command writes goes through geo.tables (read with ast)."""
    import ast
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    found = []
    for package in ("ui", "cli", "documents", "layers", "geo"):
        for path in sorted((repo / package).rglob("*.py")):
            rel = path.relative_to(repo).as_posix()
            if rel == "geo/tables.py" or rel.startswith("geo/ingest/"):  # the writer; the build's own files
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                        "to_csv", "to_excel") and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "target"):
                    # (geo.target.to_csv writes through csv_text itself)
                    found.append(f"{rel}:{node.lineno} .{node.func.attr}()")
    assert found == []
