"""cli.export: ``python -m geo export`` writes each format, and every bad argument is one line and exit status 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from cli.main import main
from documents.fingertips import COLUMNS

ARGS = ["export", "--level", "lad", "--vintage", "2023", "--indicator", "le_birth", "--period", "2023-25", "--sex",
        "female"]


def _gpkg(path: Path) -> None:
    layer = gpd.read_file(path, layer="areas")
    assert layer.crs.to_epsg() == 27700 and len(layer) == 296
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM layer_styles WHERE styleQML LIKE '%RuleRenderer%'").fetchone() == (1,)


def _xlsx(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table_1"]
    assert not any(ws.merged_cells.ranges for ws in book.worksheets)


def _csv(path: Path) -> None:
    table = pd.read_csv(path, comment="#")
    assert list(table.columns) == list(COLUMNS) and len(table) == 297 and table["IndicatorID"].eq(90366).all()


@pytest.mark.parametrize(
    ("fmt", "name", "check"),
    [pytest.param("gpkg", "map.gpkg", _gpkg, id="gpkg"), pytest.param("xlsx", "map.xlsx", _xlsx, id="xlsx"),
     pytest.param("fingertips-csv", "map.csv", _csv, id="fingertips-csv")],
)
def test_each_format_is_written_and_opens(fmt: str, name: str, check, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / name
    assert main([*ARGS, "--format", fmt, "--out", str(out)]) == 0
    check(out)
    said = capsys.readouterr().out
    assert "Life expectancy at birth, female, 2023-25" in said and str(out) in said


def test_area_adds_its_small_areas_to_the_geopackage(tmp_path: Path) -> None:
    out = tmp_path / "map.gpkg"
    assert main([*ARGS, "--format", "gpkg", "--area", "E08000012", "--out", str(out)]) == 0
    assert len(gpd.read_file(out, layer="small_areas")) == 302


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        pytest.param(["--format", "pdf", "--out", "m.pdf"], "--format should be one of gpkg, xlsx, fingertips-csv",
                     id="unknown-format"),
        pytest.param(["--format", "gpkg", "--out", "m.csv"], "should end in .gpkg", id="wrong-suffix"),
        pytest.param(["--format", "xlsx"], "export needs --out", id="no-out"),
        pytest.param(["--out", "m.gpkg"], "export needs --format", id="no-format"),
        pytest.param(["--format", "xlsx", "--out", "m.xlsx", "--method", "rainbow"], "--method should be one of",
                     id="unknown-method"),
        pytest.param(["--format", "xlsx", "--out", "m.xlsx", "--area", "E08000012"], "GeoPackage only",
                     id="area-not-gpkg"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_status_2(argv: list[str], says: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*ARGS, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and says in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("change", "says"),
    [
        pytest.param(("--period", "2023-26"), "available: ", id="period-not-held"),
        pytest.param(("--vintage", "2099"), "2099", id="unknown-vintage"),
        pytest.param(("--indicator", "le_brth"), "Did you mean le_birth", id="unknown-indicator"),
        pytest.param(("--level", "ward"), "--level should be one of", id="unknown-level"),
        pytest.param(("--sex", "both"), "--sex should be female, male or persons", id="unknown-sex"),
    ],
)
def test_a_view_that_is_not_held_is_one_line_and_exit_status_2(change: tuple[str, str], says: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    argv = list(ARGS)
    argv[argv.index(change[0]) + 1] = change[1]
    out = tmp_path / "m.xlsx"
    assert main([*argv, "--format", "xlsx", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and says in err
    assert not out.exists()


HLE = ["export", "--level", "utla", "--vintage", "2025", "--indicator", "hle_birth", "--period", "2022-24", "--sex",
       "female"]
U75 = ["export", "--level", "utla", "--vintage", "2023", "--indicator", "u75_cvd_prev", "--period", "2022-24", "--sex",
       "persons"]


@pytest.mark.parametrize(
    ("argv", "column", "note"),
    [
        pytest.param(HLE, "compared_with_england", "", id="95"),
        pytest.param([*HLE, "--method", "england_998"], "compared_with_england_99_8", "", id="99-8"),
        pytest.param([*U75, "--method", "england_998"], None, "cannot be compared with England at 99.8%; showing quintiles",
                     id="99-8-without-99-8-intervals"),
    ],
)
def test_method_england_998_compares_at_99_8(argv: list[str], column: str | None, note: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "map.gpkg"
    method = [] if "--method" in argv else ["--method", "england"]
    assert main([*argv, *method, "--format", "gpkg", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert (note in err) if note else "note:" not in err
    areas = gpd.read_file(out, layer="areas")
    ok = areas[areas["status"] == "ok"]
    assert {"compared_with_england", "compared_with_england_99_8"} <= set(areas.columns)  # both levels, always
    if column is None:  # classed by quintiles instead: the class is a range of values
        assert not set(ok["class"]) & {"better", "similar", "worse"}
        return
    assert ok["class"].tolist() == ok[column].tolist()  # the class is the comparison at the level asked for
    assert (ok["compared_with_england"] != ok["compared_with_england_99_8"]).any()  # and the two levels differ
