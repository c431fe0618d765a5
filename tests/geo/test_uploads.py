"""Tests for geo.uploads: reading, validating and reshaping a user's file.

Fixture files are in tests/fixtures/uploads/; their values are made up (only the
area codes and names are real). Property-based tests (hypothesis) feed generated
malformed files to the loader: it returns an Upload or raises UploadError, never
anything else.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from geo import boundaries, indicators, uploads
from geo.catalogue import load_catalogue
from geo.errors import UploadError
from geo.schema import INDICATOR_COLUMNS, STATUSES
from geo.tables import safe_table
from geo.view import resolve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
# Enough examples in CI (>= 1,000 over the properties below) while staying well under a minute.
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _check(data: bytes, name: str = "file.csv", **kwargs: object) -> uploads.Upload:
    return uploads.validate(data, file_name=name, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- validate
def test_codes_names_markers_and_england_row(data_dir) -> None:
    up = _check(_fixture("lad2019_rates.csv"))
    assert (up.level, up.vintage, up.code_column) == ("lad", "2019", "Area code")
    assert up.columns == ("Smoking rate", "Smokers") and up.percent == ("Smoking rate",)
    assert up.england == {"Smoking rate": 12.9, "Smokers": 5912000.0}
    rate = up.values[up.values["column"] == "Smoking rate"].set_index("area_code")
    assert rate.loc["E06000001", "value"] == 15.2
    assert rate.loc["E06000002", "status"] == "suppressed"
    assert rate.loc["E06000004", "status"] == "missing"  # blank
    assert rate.loc["E06000005", "status"] == "missing"  # 'abc'
    smokers = up.values[up.values["column"] == "Smokers"].set_index("area_code")
    assert smokers.loc["E06000001", "value"] == 1234.0
    assert smokers.loc["E06000003", "status"] == "suppressed"
    messages = [(p.row, p.message) for p in up.problems]
    assert any(row == 7 and "'abc' is not a number" in m for row, m in messages)
    assert any(row == 12 and "E99999999" in m for row, m in messages)
    assert any(row == 3 and "<script>" in m and "'Hartlepool'" in m for row, m in messages)
    assert up.mappable and "Result: can be mapped" in up.report()


@pytest.mark.parametrize(
    ("name", "level", "vintage", "detected"),
    [
        pytest.param("lad2008_old_codes.csv", "lad", "2008", "area codes", id="old-four-character-codes"),
        pytest.param("pct_nhs_codes.csv", "pct", "2011", "NHS PCT codes", id="pct-by-nhs-code"),
        pytest.param("names_only.csv", "lad", "2025", "area names", id="names-semicolons"),
        pytest.param("merged_header.xlsx", "lad", "2025", "area codes", id="excel-merged-header"),
    ],
)
def test_detects_geography(data_dir, name: str, level: str, vintage: str, detected: str) -> None:
    up = _check(_fixture(name), name)
    assert (up.level, up.vintage) == (level, vintage)
    assert up.detected_from.startswith(detected)
    assert up.mappable


def test_pct_nhs_codes_become_ons_codes(data_dir) -> None:
    up = _check(_fixture("pct_nhs_codes.csv"))
    pct = boundaries.area_lookup("pct", "2011").set_index("area_code_old")["area_code"]
    assert sorted(up.values["area_code"]) == sorted(pct[["5A3", "5A4", "5A5"]])


@pytest.mark.parametrize(
    ("codes", "level", "vintage"),
    [
        pytest.param(["E06000048", "E07000097", "E06000001"], "lad", "2011", id="lad-2009-12-gss-codes"),
        pytest.param(["E10000002", "E10000029"], "utla", "2019", id="upper-tier-2019"),
        pytest.param(["E12000001", "E12000002"], "region", "2019", id="regions"),
        pytest.param(["E18000001", "E18000002"], "sha", "2011", id="shas"),
    ],
)
def test_detects_other_code_sets(data_dir, codes: list[str], level: str, vintage: str) -> None:
    text = "code,value\n" + "".join(f"{c},{i}\n" for i, c in enumerate(codes))
    up = _check(text.encode())
    assert (up.level, up.vintage) == (level, vintage)


def test_detects_lsoa_2001_from_split_codes(data_dir) -> None:
    table = pd.read_parquet(data_dir / "lookups" / "lsoa01_lsoa11.parquet")
    only_2001 = sorted(set(table["lsoa01_code"]) - set(table["lsoa11_code"]))[:5]
    up = _check(("code,value\n" + "".join(f"{c},1\n" for c in only_2001)).encode())
    assert (up.level, up.vintage) == ("lsoa", "2001")


def test_names_suggest_and_confirm(data_dir) -> None:
    up = _check(_fixture("names_only.csv"))
    assert "Middlesbrogh" in up.suggestions
    assert up.suggestions["Middlesbrogh"][0] == ("E06000002", "Middlesbrough")
    assert "E06000002" not in set(up.values["area_code"])
    confirmed = _check(_fixture("names_only.csv"), accept={"Middlesbrogh": "E06000002"})
    assert "E06000002" in set(confirmed.values["area_code"]) and not confirmed.suggestions


def test_excel_merged_header_names_columns(data_dir) -> None:
    up = _check(_fixture("merged_header.xlsx"), "merged_header.xlsx")
    assert up.columns == ("Male Rate", "Male Count", "Female Rate")


def test_excel_several_sheets_asks_for_one(data_dir) -> None:
    data = _fixture("two_sheets.xlsx")
    assert uploads.sheet_names(data, file_name="two_sheets.xlsx") == ("Notes", "Data")
    with pytest.raises(UploadError, match=r"2 sheets with data.*choose one"):
        _check(data, "two_sheets.xlsx")
    up = _check(data, "two_sheets.xlsx", sheet="Data")
    assert up.sheet == "Data" and up.columns == ("Rate",)
    with pytest.raises(UploadError, match="No sheet 'Nope'"):
        _check(data, "two_sheets.xlsx", sheet="Nope")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        pytest.param("utf-8", b"", id="utf-8"),
        pytest.param("utf-8", b"\xef\xbb\xbf", id="utf-8-bom"),
        pytest.param("cp1252", b"", id="windows-1252"),
        pytest.param("utf-16", b"", id="utf-16"),
    ],
)
def test_encodings(data_dir, encoding: str, prefix: bytes) -> None:
    text = "Área code,Rate (£)\nE06000001,1.5\nE06000002,2.5\n"
    up = _check(prefix + text.encode(encoding))
    assert up.code_column == "Área code" and up.columns == ("Rate (£)",)


@pytest.mark.parametrize(
    ("data", "name", "match"),
    [
        pytest.param(b"", "a.csv", "empty", id="empty"),
        pytest.param(b"   \n\n", "a.csv", "empty", id="blank-lines"),
        pytest.param(_fixture("header_only.csv"), "a.csv", "header but no rows", id="header-only"),
        pytest.param(b"x" * (uploads.MAX_BYTES + 1), "a.csv", "limit is", id="too-big"),
        pytest.param(b"\x00\x01\x02binary", "a.csv", "binary", id="binary"),
        pytest.param(b"code,value\n", "a.xls", "Save it as .xlsx", id="old-excel"),
        pytest.param(b"PK\x03\x04broken", "a.xlsx", "not a readable .xlsx", id="broken-zip"),
        pytest.param(b"name,value\nfoo,1\nbar,2\n", "a.csv", "none of the 2 names", id="no-known-names"),
        pytest.param(b"code,value\nE99999999,1\n", "a.csv", "None of the 1 codes", id="no-known-codes"),
        pytest.param(b"value\n1\n2\n", "a.csv", "No column of area codes", id="no-area-column"),
    ],
)
def test_refuses_with_a_message(data_dir, data: bytes, name: str, match: str) -> None:
    with pytest.raises(UploadError, match=match):
        _check(data, name)


def test_duplicates(data_dir) -> None:
    same = _check(b"code,v\nE06000001,1\nE06000001,1\nE06000002,2\n")
    assert same.mappable and any("kept once" in p.message for p in same.problems)
    clash = _check(b"code,v\nE06000001,1\nE06000001,5\nE06000002,2\n")
    assert not clash.mappable
    assert [p.row for p in clash.problems if p.severity == "error"] == [3]


def test_unknown_code_of_another_vintage_gets_a_suggestion(data_dir) -> None:
    # Aylesbury Vale (2019) in a file of 2023 districts: the lookup says what became of it.
    up = _check(b"code,v\nE06000001,1\nE06000002,2\nE06000060,3\nE07000004,4\n")
    assert up.vintage in ("2020", "2021", "2023", "2025")
    message = next(p.message for p in up.problems if "E07000004" in p.message)
    assert "merged into E06000060" in message


def test_text_column_and_no_numbers(data_dir) -> None:
    up = _check(b"code,comment\nE06000001,fine\nE06000002,good\n")
    assert not up.mappable
    assert any(p.column == "comment" and "text" in p.message for p in up.problems)


# ---------------------------------------------------------------- files as government sites publish them
_TITLE_LINE = "'Table 3: Child obesity by local authority"
_FOOTER_LINES = ("Source: NHS Digital", "1. Figures are rounded", "Contains public sector information")


@pytest.mark.parametrize(
    ("name", "found_by", "titles"),
    [
        pytest.param("gov_title_footer.csv", "Area code", "Skipped 1 title line above the header (row 1)", id="csv-codes"),
        pytest.param("gov_title_footer_names.csv", "Local authority", "Skipped 1 title line above the header (row 1)",
                     id="csv-names"),
        pytest.param("gov_title_footer.xlsx", "Area code", "Skipped 2 title lines above the header (rows 1-2)",
                     id="xlsx-codes"),
    ],
)
def test_a_government_file_skips_its_title_and_notes(data_dir, name: str, found_by: str, titles: str) -> None:
    up = _check(_fixture(name), name)
    assert up.columns == ("Prevalence of obesity (%)",)
    assert found_by in up.detected_from
    assert (up.rows, up.matched) == (21, 21)
    assert up.problems == () and not up.suggestions  # no title or note offered as an area, none counted unmatched
    title, footer = up.skipped
    assert title.startswith(titles) and _TITLE_LINE in title
    assert footer.startswith("Skipped 3 footer lines below the data") and all(f in footer for f in _FOOTER_LINES)
    report = up.report()
    assert title in report and footer in report and "did you mean" not in report


@pytest.mark.parametrize("name", ["gov_title_footer.csv", "gov_title_footer.xlsx"])
def test_check_command_reports_the_skipped_lines(data_dir, capsys, name: str) -> None:
    assert main(["check", str(FIXTURES / name)]) == 0
    out = capsys.readouterr().out
    assert "Skipped 3 footer lines below the data" in out and "title line" in out
    assert "'Prevalence of obesity (%)': 20 values, 0 suppressed, 1 blank or unreadable" in out
    assert "unknown code" not in out and "SOURCE" not in out


def test_a_subtitle_naming_england_is_not_the_first_area(data_dir) -> None:
    text = "Obesity by local authority\nEngland\n\nArea code,Rate\nE06000001,22.4\nE06000002,25.1\n"
    up = _check(text.encode())
    assert up.code_column == "Area code" and up.columns == ("Rate",) and up.matched == 2
    assert "Skipped 2 title lines" in up.skipped[0]


# ---------------------------------------------------------------- onto a map
def test_same_boundaries_keep_values(data_dir) -> None:
    up = _check(_fixture("lad2019_rates.csv"))
    mapped = uploads.to_map(up, level="lad", vintage="2019")
    pd.testing.assert_frame_equal(mapped.values, up.values)


def test_layer_draws_like_a_catalogue_indicator(data_dir) -> None:
    up = _check(_fixture("lad2019_rates.csv"))
    mapped = uploads.to_map(up, level="lad", vintage="2019")
    ind, values = uploads.layer(mapped, "Smokers", indicator_id="upload:1:Smokers", file_name="f.csv", period="2024")
    assert list(values.columns) == list(INDICATOR_COLUMNS)
    assert set(values["status"]) <= set(STATUSES)
    assert (ind.group, ind.polarity, ind.derived, ind.levels) == (uploads.GROUP, "none", False, {"lad": ("2019",)})
    assert ind.source.publisher == "Your file f.csv"
    catalogue = {**load_catalogue(), ind.indicator_id: ind}

    def combos(indicator_id: str, level: str) -> pd.DataFrame:
        if indicator_id == ind.indicator_id:
            return values.groupby(["vintage", "period", "sex"], as_index=False).size()
        return indicators.periods(indicator_id, level=level)

    view, notes = resolve({"indicator": ind.indicator_id, "level": "lad"}, catalogue=catalogue, combos=combos)
    assert (view.indicator_id, view.vintage, view.period, notes) == (ind.indicator_id, "2019", "2024", [])
    joined, report = indicators.join(boundaries.load("lad", "2019"), values)
    assert report.values_without_area == ()
    assert int((joined["status"] == "ok").sum()) == int((values["status"] == "ok").sum())


# ---------------------------------------------------------------- command line
@pytest.mark.parametrize(
    ("name", "argv", "status", "expected"),
    [
        pytest.param("lad2019_rates.csv", [], 0, "Result: can be mapped (3 warnings)", id="mappable-with-warnings"),
        pytest.param("two_sheets.xlsx", ["--sheet", "Data"], 0, "sheet 'Data'", id="excel-sheet"),
        pytest.param("two_sheets.xlsx", [], 2, "choose one", id="excel-needs-sheet"),
        pytest.param("header_only.csv", [], 2, "no rows of data", id="header-only"),
        pytest.param("missing.csv", [], 2, "No file", id="no-such-file"),
        pytest.param("lsoa2011_counts.csv", [], 0, "2011 LSOAs to 2023 local authority districts: 2011 LSOAs added up "
                     "into the 2021 local authority districts they lie in (ONS LSOA 2011 lookup); then through the ONS "
                     "code changes", id="lsoa2011-route-to-2023-districts"),
        pytest.param("lsoa2011_counts.csv", [], 0, "2011 LSOAs to 2021 LSOAs: through the atlas's derived LSOA "
                     "2011-2021 lookup", id="lsoa2011-route-to-2021-lsoas"),
        pytest.param("pct_nhs_codes.csv", [], 0, "2023 local authority districts: cannot be drawn (The atlas has no "
                     "lookup from 2011 primary care trusts", id="no-route-said-so"),
    ],
)
def test_check_command(data_dir, capsys, name: str, argv: list[str], status: int, expected: str) -> None:
    assert main(["check", str(FIXTURES / name), *argv]) == status
    out = capsys.readouterr()
    assert expected in out.out + out.err
    assert "Traceback" not in out.out + out.err


def test_check_command_unmappable_file(data_dir, tmp_path, capsys) -> None:
    path = tmp_path / "clash.csv"
    path.write_bytes(b"code,v\nE06000001,1\nE06000001,2\n")
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert "error: row 3" in out and "cannot be mapped" in out


# ---------------------------------------------------------------- properties
_CELLS = st.one_of(
    st.sampled_from(["E06000001", "E06000002", "E07000004", "00BN", "5A3", "E01000001", "E92000001", "E99999999",
                     "Hartlepool", "Middlesbrogh", "England", "<script>alert(1)</script>", "=1+1", "@x", "-", "[c]",
                     "*", "..", "1,234", "12%", "nan", "inf", "1e999", "", " ", '"', "''", "\u00a0", "£", "é"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)


@st.composite
def _csv_files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = draw(st.lists(st.lists(_CELLS, min_size=0, max_size=5), min_size=0, max_size=8))
    text = "\n".join(delimiter.join(row) for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # damage it
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data


@PROPERTY
@given(data=_csv_files())
def test_property_generated_csv_loads_or_says_why(data_dir, data: bytes) -> None:
    _loads_or_says_why(data, "file.csv")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200), name=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f"]))
def test_property_random_bytes_load_or_say_why(data_dir, data: bytes, name: str) -> None:
    _loads_or_says_why(data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.one_of(_CELLS, st.floats(), st.integers(), st.booleans(), st.none()), max_size=4), max_size=6),
       merge=st.booleans())
def test_property_generated_excel_loads_or_says_why(data_dir, rows: list[list[object]], merge: bool) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append([c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable()) for c in row])
    if merge and rows:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    buffer = io.BytesIO()
    book.save(buffer)
    _loads_or_says_why(buffer.getvalue(), "f.xlsx")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=2, max_size=2),
       style=st.sampled_from(["plain", "thousands", "percent", "decimal-comma"]))
def test_property_written_numbers_read_back(data_dir, values: list[float], style: str) -> None:
    fmt = {"plain": "{:.4f}", "thousands": '"{:,.4f}"', "percent": "{:.4f}%", "decimal-comma": "{:.4f}"}[style]
    sep = ";" if style == "decimal-comma" else ","
    written = [fmt.format(v) for v in values]
    if style == "decimal-comma":
        written = [w.replace(".", ",") for w in written]
    text = f"code{sep}v\n" + "".join(f"{c}{sep}{w}\n" for c, w in zip(["E06000001", "E06000002"], written, strict=True))
    up = _check(text.encode())
    got = up.values.set_index("area_code")["value"]
    assert [got["E06000001"], got["E06000002"]] == [float(f"{v:.4f}") for v in values]


def _loads_or_says_why(data: bytes, name: str) -> None:
    try:
        up = _check(data, name)
    except UploadError as exc:
        assert str(exc)
        return
    assert isinstance(up, uploads.Upload)
    assert set(up.values["status"]) <= set(STATUSES)
    up.report()


def test_confidence_intervals_pair_with_their_column(data_dir) -> None:
    up = _check(b"code,Rate,Lower CI,Upper CI\nE92000001,10,9.5,10.5\nE06000001,12,11,13\nE06000002,8,7,9\n")
    assert up.columns == ("Rate",) and up.has_ci == ("Rate",)
    row = up.values.set_index("area_code").loc["E06000001"]
    assert (row["lower_ci"], row["value"], row["upper_ci"]) == (11.0, 12.0, 13.0)
    assert up.england == {"Rate": 10.0}


def test_download_of_an_uploaded_layer_is_safe_in_a_spreadsheet(data_dir) -> None:
    from geo.view import View

    up = _check(_fixture("lad2019_rates.csv"))
    mapped = uploads.to_map(up, level="lad", vintage="2019")
    _, values = uploads.layer(mapped, "Smokers", indicator_id="upload:1:Smokers", file_name="f.csv", period="=1+1")
    joined, _ = indicators.join(boundaries.load("lad", "2019"), values)
    view = View("lad", "2019", "upload:1:Smokers", "=1+1", "persons")
    table = safe_table(indicators.tidy_table(joined, view=view, classification=None))
    csv = table.to_csv(index=False)
    assert "\n=" not in csv and ",=" not in csv
    assert set(table["period"]) == {"'=1+1"}


# ---------------------------------------------------------------- numbers written the European way
def test_decimal_commas_are_read_and_reported(data_dir) -> None:
    up = _check(_fixture("european_semicolon.csv"))
    got = up.values.set_index(["column", "area_code"])
    assert got.loc[("Rate", "E06000001"), "value"] == 12.5
    assert got.loc[("Rate", "E06000003"), "value"] == 9.75
    assert got.loc[("Rate", "E06000002"), "status"] == "suppressed"
    # 1.234 could be 1.234 or 1234; the file's convention (decimal commas) says 1234.
    assert got.loc[("Deaths", "E06000001"), "value"] == 1234.0
    assert up.england == {"Rate": 10.5, "Deaths": 1234567.0}
    assert "Numbers: decimal commas (12,5 is read as 12.5)" in up.report()
    assert "'1.234' that read either way are read as 1234 (a thousands separator)" in up.report()
    assert not [p for p in up.problems if "not a number" in p.message]


def test_ambiguous_thousands_without_evidence_are_reported(data_dir) -> None:
    up = _check(b"code,people\nE06000001,\"1,234\"\nE06000002,\"2,500\"\n")
    assert list(up.values["value"]) == [1234.0, 2500.0]
    assert any("read as 1234 (a thousands separator, as the file shows no decimal commas)" in p.message
               for p in up.problems)


def test_excel_formula_without_saved_result_gets_a_row_note(data_dir) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["code", "rate"])
    ws.append(["E06000001", 4.5])
    ws.append(["E06000002", "=B2*2"])  # saved by openpyxl: a formula with no cached result
    buffer = io.BytesIO()
    book.save(buffer)
    up = _check(buffer.getvalue(), "f.xlsx")
    row = up.values.set_index("area_code").loc["E06000002"]
    assert row["status"] == "missing" and row["note"] == "a formula with no saved result in your file"
    problem = next(p for p in up.problems if "no saved result" in p.message)
    assert (problem.row, problem.column) == (3, "rate")


def test_excel_column_of_formulas_without_results_says_so(data_dir) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["code", "rate", "double"])
    ws.append(["E06000001", 4.5, "=B2*2"])
    ws.append(["E06000002", 3.0, "=B3*2"])
    buffer = io.BytesIO()
    book.save(buffer)
    up = _check(buffer.getvalue(), "f.xlsx")
    assert up.columns == ("rate",)
    assert any(p.column == "double" and "formulas with no saved results" in p.message for p in up.problems)


@pytest.mark.parametrize("header", [pytest.param("", id="no-header"), pytest.param("LSOA11CD,rate\n", id="header")])
def test_an_invisible_character_after_a_code_is_removed_and_said(header: str, data_dir) -> None:
    data = (header + "E01006512\u200b,11.5\nE01006513,12.0\nE01006514\ufeff,13.0\n").encode()
    upload = uploads.validate(data, file_name="codes.csv", data_dir=data_dir)
    assert (upload.rows, upload.matched) == (3, 3)  # the first row is data, not a header
    assert any("no one can see" in p.message for p in upload.problems)
