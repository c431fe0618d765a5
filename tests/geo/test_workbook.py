"""Tests for geo.workbook: hostile workbooks are refused within seconds, with the cap named; real ones read as before.

The hostile files are written by hand with :mod:`zipfile` in a temp folder: sheet XML
compresses well, so a sheet that declares millions of cells is a small zip. Three are the
workbooks measured on the server (7.8 million cells, 4.4 million one-cell rows, a 45,000 by
40 block), the rest pass every check before the cap they are aimed at (their values are
random, so they do not compress past the ratio cap). Each is read by
:func:`geo.spreadsheet.read` under a deadline this module enforces itself (SIGALRM), and
must be refused with a message naming its cap. Ordinary workbooks must read exactly as
openpyxl reads them (``data_only``, merged header text repeated, formulas with no result
marked), which is how they were read before.
"""

from __future__ import annotations

import datetime
import io
import random
import re
import signal
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from geo import spreadsheet
from geo.errors import UploadError

#: Every hostile file must be refused within this many seconds of this process's CPU time (CPU, not wall-clock
#: time, so that other work on a shared machine cannot fail the test; the reader's wall-clock limit is geo.sandbox's).
DEADLINE = 5.0

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def xlsx(
    path: Path,
    rows: Iterable[bytes],
    *,
    dimension: str | None = None,
    strings: Iterable[bytes] | None = None,
    head: bytes = b"",
    tail: bytes = b"",
    prefix: str = "",
    date1904: bool = False,
    unique: int | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A one-sheet workbook ("Data") whose ``<sheetData>`` is ``rows`` (written as given); the path.

    ``strings`` is the body of ``xl/sharedStrings.xml``; ``head`` goes before the sheet's root
    element (a DOCTYPE), ``tail`` after ``</sheetData>`` (merged cells); ``prefix`` writes the
    sheet's elements with a namespace prefix (``x:c``), as some exporters do; ``unique`` is the number of
    shared strings the workbook declares.
    """
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="{_MAIN}"'
    dates = '<workbookPr date1904="1"/>' if date1904 else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '</Types>'))
        z.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PACKAGE}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'{dates}'
            '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PACKAGE}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(_HEAD + head + f"<{p}worksheet {xmlns}>".encode())
            if dimension:
                f.write(f'<{p}dimension ref="{dimension}"/>'.encode())
            f.write(f"<{p}sheetData>".encode())
            for chunk in rows:
                f.write(chunk)
            f.write(f"</{p}sheetData>".encode() + tail + f"</{p}worksheet>".encode())
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            count = f' uniqueCount="{unique}"' if unique is not None else ""
            f.write(_HEAD + f'<sst xmlns="{_MAIN}"{count}>'.encode())
            for chunk in strings or [b"<si><t>code</t></si>"]:
                f.write(chunk)
            f.write(b"</sst>")
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return path


def repeat(block: bytes, times: int) -> Iterator[bytes]:
    """``block * times`` in pieces of about 1 MB."""
    per = max(1, (1 << 20) // max(len(block), 1))
    for start in range(0, times, per):
        yield block * min(per, times - start)


def noisy(make: object, times: int, *, kinds: int = 64) -> Iterator[bytes]:
    """``times`` pieces from ``make(rng)``, cycling through ``kinds`` random ones: they compress like random data."""
    rng = random.Random(7)
    pieces = [make(rng) for _ in range(kinds)]  # type: ignore[operator]
    for i in range(times):
        yield pieces[i % kinds]


def _digits_row(width: int) -> object:
    return lambda rng: b"<row>" + b"".join(b"<c><v>%d</v></c>" % rng.randrange(10) for _ in range(width)) + b"</row>"


# ---------------------------------------------------------------- the measured workbooks
def measured_cells(path: Path) -> Path:
    """7.8 million cells (30,000 rows of 260) under a declared A1:XFD1048576: 150 s and 3 GB on the server."""
    return xlsx(path, repeat(b"<row>" + b"<c><v>1</v></c>" * 260 + b"</row>", 30_000), dimension="A1:XFD1048576")


def measured_rows(path: Path) -> Path:
    """4.4 million one-cell rows: 59 s and 2.2 GB in ``python -m geo check``."""
    return xlsx(path, repeat(b"<row><c><v>1</v></c></row>", 4_400_000))


def measured_block(path: Path) -> Path:
    """45,000 rows of 40 numbers, under every old cap: 27 s and 0.9 GB, on every rerun of the page."""
    return xlsx(path, repeat(b"<row>" + b"<c><v>1</v></c>" * 40 + b"</row>", 45_000))


MEASURED = [
    pytest.param(measured_cells, id="7.8-million-cells"),
    pytest.param(measured_rows, id="4.4-million-rows"),
    pytest.param(measured_block, id="45000-by-40-block"),
]


# ---------------------------------------------------------------- a file aimed at each cap
def _strings_of(length: int, alphabet: bytes) -> object:
    return lambda rng: b"<si><t>" + bytes(rng.choice(alphabet) for _ in range(length)) + b"</t></si>"


HOSTILE = [
    pytest.param(lambda p: xlsx(p, [b"<row><c><v>1</v></c></row>"], dimension="A1:XFD1048576"),
                 r"sheet dimension cap: sheet 'Data' declares the range A1:XFD1048576 \(1,048,576 rows by 16,384 columns\)",
                 id="declared-dimension"),
    pytest.param(lambda p: xlsx(p, noisy(_digits_row(1), 70_000, kinds=4096)), r"row cap: sheet 'Data' reaches row 60,016",
                 id="many-one-cell-rows"),
    pytest.param(lambda p: xlsx(p, [b'<row r="1048576"><c><v>1</v></c></row>']), r"row cap: sheet 'Data' reaches row 1,048,576",
                 id="a-row-far-down"),
    pytest.param(lambda p: xlsx(p, [b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>"]), r"column cap: sheet 'Data' reaches column GS \(201\)",
                 id="a-wide-row"),
    pytest.param(lambda p: xlsx(p, [b'<row><c r="XFD1"><v>1</v></c></row>']), r"column cap: sheet 'Data' reaches column XFD \(16,384\)",
                 id="a-cell-far-right"),
    pytest.param(lambda p: xlsx(p, noisy(_digits_row(180), 6_000)),
                 r"cell cap: sheet 'Data' spans 5,556 rows by 180 columns \(1,000,080 cells\)", id="cells-spanned"),
    pytest.param(lambda p: xlsx(p, [b"<row>", *noisy(lambda rng: b"".join(
        b'<c r="%s%d"/>' % (rng.choice([b"A", b"B", b"C", b"D"]), rng.randrange(1, 9)) for _ in range(500)), 2_100), b"</row>"]),
                 r"cell cap: sheet 'Data' declares more than 1,000,000 cells \(empty ones count\)", id="cells-declared-empty"),
    pytest.param(lambda p: xlsx(p, [b'<row><c t="s"><v>0</v></c></row>'], strings=noisy(_strings_of(3, b"abcdefghijklmnop"), 500_001,
                                                                                        kinds=4096)),
                 r"shared-string cap: the workbook holds more than 500,000 shared strings", id="shared-strings-many"),
    pytest.param(lambda p: xlsx(p, [b'<row><c t="s"><v>0</v></c></row>'], strings=noisy(_strings_of(80_000, b"ab"), 260, kinds=8)),
                 r"shared-text cap: the workbook's shared strings hold more than 20,000,000 characters", id="shared-strings-long"),
    pytest.param(lambda p: xlsx(p, [b'<row><c t="inlineStr"><is><t>', *noisy(lambda rng: bytes(rng.choice(b"ab") for _ in range(50_000)), 3),
                                    b"</t></is></c></row>"]),
                 r"cell text cap: sheet 'Data' has a cell of more than 100,000 characters", id="a-long-cell"),
    pytest.param(lambda p: xlsx(p, [b"<row><c><v>1</v></c></row>"], extra={f"junk/{i}.xml": b"<x/>" for i in range(1_001)}),
                 r"zip entry cap: the workbook holds 1,007 files", id="many-zip-entries"),
    pytest.param(lambda p: xlsx(p, [b"<row><c><v>1</v></c></row>"], extra={"junk/big.bin": bytes(121 * 2**20)}),
                 r"unpacked size cap: the workbook unpacks to 127 MB", id="unpacked-size"),
]


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail the test (TimeoutError) when the block takes more than ``seconds`` of this process's CPU time."""
    def expired(*_: object) -> None:
        raise TimeoutError(f"not refused within {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _refused(path: Path) -> tuple[str, float]:
    data = path.read_bytes()
    assert len(data) <= 5 * 2**20, "every hostile file fits the upload limit"
    started = time.process_time()
    with deadline(DEADLINE), pytest.raises(UploadError) as refused:
        spreadsheet.read(data, file_name="hostile.xlsx")
    return str(refused.value), time.process_time() - started


@pytest.mark.parametrize("build", MEASURED)
def test_the_measured_workbooks_are_refused_at_once(tmp_path: Path, build: object) -> None:
    path = build(tmp_path / "measured.xlsx")  # type: ignore[operator]
    assert path.stat().st_size < 300_000
    message, took = _refused(path)
    assert re.search(r"Over the compression ratio cap: 'xl/worksheets/sheet1.xml' unpacks to \d+ times its packed size", message)
    assert "save only the table you want to map as CSV" in message and "\n" not in message
    assert took < 1.0


@pytest.mark.parametrize(("build", "cap"), HOSTILE)
def test_each_cap_refuses_within_the_deadline_and_names_itself(tmp_path: Path, build: object, cap: str) -> None:
    message, _ = _refused(build(tmp_path / "hostile.xlsx"))  # type: ignore[operator]
    assert re.search(f"Over the {cap}", message), message
    assert message.endswith("save only the table you want to map as CSV and upload that.") and "\n" not in message


def test_the_measured_workbooks_stop_at_the_streaming_caps_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the zip's ratio check, reading stops at the dimension, row and cell caps, still within the deadline."""
    from geo import workbook

    monkeypatch.setattr(workbook, "MAX_RATIO", 10**6)
    for build, cap in ((measured_cells, "sheet dimension cap"), (measured_rows, "row cap: sheet 'Data' reaches row 60,016"),
                       (measured_block, r"cell cap: sheet 'Data' spans 25,001 rows by 40 columns \(1,000,040 cells\)")):
        message, _ = _refused(build(tmp_path / f"{build.__name__}.xlsx"))
        assert re.search(cap, message), message


def test_xml_element_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo import workbook

    monkeypatch.setattr(workbook, "MAX_ELEMENTS", 10_000)
    message, _ = _refused(xlsx(tmp_path / "junk.xlsx", repeat(b"<junk/>", 20_000)))
    assert "Over the XML element cap: 'xl/worksheets/sheet1.xml' holds more than 10,000 elements" in message


def test_declared_shared_strings_are_refused_before_reading_them(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "sst.xlsx", [b'<row><c t="s"><v>0</v></c></row>'], strings=[b"<si><t>x</t></si>"], unique=50_000_000)
    with deadline(DEADLINE), pytest.raises(UploadError, match="shared-string cap: the workbook declares 50,000,000 shared strings"):
        spreadsheet.read(path.read_bytes(), file_name="f.xlsx")


def test_entities_are_refused(tmp_path: Path) -> None:
    laughs = (b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    path = xlsx(tmp_path / "laughs.xlsx", [b'<row><c t="inlineStr"><is><t>&c;</t></is></c></row>'], head=laughs)
    with deadline(DEADLINE), pytest.raises(UploadError, match="declares XML entities, which Excel never writes"):
        spreadsheet.read(path.read_bytes(), file_name="f.xlsx")


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        pytest.param("code,v\n" + "E06000001,1\n" * 70_000, "row cap: the file has more than 60,015 rows", id="rows"),
        pytest.param("code" + ",v" * 200 + "\n", r"column cap: row 1 has 201 columns", id="columns"),
        pytest.param(("1," * 189 + "1\n") * 6_000, r"cell cap: the file spans 5,264 rows by 190 columns \(1,000,160 cells\)",
                     id="cells"),
    ],
)
def test_csv_stops_at_the_caps(text: str, cap: str) -> None:
    data = text.encode()
    assert len(data) <= 5 * 2**20
    with deadline(DEADLINE), pytest.raises(UploadError, match=f"Over the {cap}"):
        spreadsheet.read(data, file_name="f.csv")


# ---------------------------------------------------------------- ordinary workbooks read as before
def _as_openpyxl_reads(data: bytes, sheet: str) -> list[list[object]]:
    """The cells as the atlas read them before: openpyxl's data_only load, merges repeated, formulas marked."""
    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[sheet]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
            for c in range(merged.min_col, min(merged.max_col, len(grid[r - 1])) + 1):
                grid[r - 1][c - 1] = top
    formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[sheet]
    for r, row in enumerate(formulas.iter_rows(values_only=True)):
        for c, cell in enumerate(row):
            if isinstance(cell, str) and cell.startswith("=") and r < len(grid) and c < len(grid[r]) and grid[r][c] is None:
                grid[r][c] = spreadsheet.Uncalculated(cell)
    return grid


def _openpyxl_book() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Mixed"
    ws.append(["Rates", None, None, "Other"])
    ws.merge_cells("A1:C1")
    ws.append(["code", "rate", "when", "flag", "double", "note"])
    ws.append(["E06000001", 12.5, datetime.datetime(2024, 3, 1, 9, 30), True, "=B3*2", "£ é <b>"])
    ws.append(["E06000002", 7, datetime.date(2023, 1, 2), False, "=B4*2", None])
    ws.append(["E06000003", -1e-5, datetime.time(12, 30), None, None, "=NA()"])
    ws.cell(row=8, column=2, value=3)
    book.create_sheet("Second")["C3"] = "far"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_HAND = [
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>',
    b'<row r="2"><c r="A2" t="str"><v>E06000001</v></c><c r="B2"><f t="shared" ref="B2:B4" si="0">C2*2</f></c>'
    b'<c r="C2" s="1"><v>45000</v></c><c r="D2" t="e"><v>#N/A</v></c></row>',
    b'<row r="3"><c r="A3" t="inlineStr"><is><r><t>E0600</t></r><r><t>0002</t></r></is></c><c r="B3"><f t="shared" si="0"/></c>'
    b'<c r="C3"><v>1.5E2</v></c><c r="D3" t="b"><v>1</v></c></row>',
    b'<row r="5"><c r="B5"><f>SUM(B2:B3)</f><v>12</v></c><c r="E5"/></row>',
]
_STYLES = (b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="' + _MAIN.encode() + b'"><numFmts count="1">'
           b'<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/>'
           b'</cellXfs></styleSheet>')
_RICH = (b'<si><t>rate</t><rPh sb="0" eb="1"><t>reading</t></rPh></si>'
         b'<si><r><t>when</t></r><r><rPr><b/></rPr><t xml:space="preserve"> seen</t></r></si>')


def _hand_book(tmp_path: Path, *, prefix: str = "", **options: object) -> bytes:
    def named(xml: bytes) -> bytes:
        return re.sub(rb"<(/?)([A-Za-z])", rb"<\1" + prefix.encode() + rb":\2", xml) if prefix else xml

    path = xlsx(tmp_path / "hand.xlsx", [named(row) for row in _HAND], strings=[_RICH], prefix=prefix,
                tail=named(b'<mergeCells count="1"><mergeCell ref="D2:D3"/></mergeCells>'), extra={"xl/styles.xml": _STYLES},
                **options)  # type: ignore[arg-type]
    data = path.read_bytes()
    # The styles part needs a relationship for openpyxl as for the atlas.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "sheet"),
    [
        pytest.param(lambda tmp: _openpyxl_book(), "Mixed", id="openpyxl-types-merge-formulas"),
        pytest.param(lambda tmp: _openpyxl_book(), "Second", id="openpyxl-second-sheet"),
        pytest.param(lambda tmp: _hand_book(tmp), "Data", id="inline-rich-shared-formulas-dates-errors"),
        pytest.param(lambda tmp: _hand_book(tmp, date1904=True), "Data", id="1904-dates"),
        pytest.param(lambda tmp: _hand_book(tmp, prefix="x"), "Data", id="prefixed-elements"),
        pytest.param(lambda tmp: (Path(__file__).parents[1] / "fixtures" / "uploads" / "merged_header.xlsx").read_bytes(), "Table 1",
                     id="fixture-merged-header"),
        pytest.param(lambda tmp: (Path(__file__).parents[1] / "fixtures" / "uploads" / "two_sheets.xlsx").read_bytes(), "Data",
                     id="fixture-two-sheets"),
    ],
)
@pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # openpyxl, of the hand-written styles
def test_ordinary_workbooks_read_as_openpyxl_reads_them(tmp_path: Path, make: object, sheet: str) -> None:
    data = make(tmp_path)  # type: ignore[operator]
    grid = spreadsheet.read(data, file_name="f.xlsx", sheet=sheet)
    assert grid.rows == _as_openpyxl_reads(data, sheet)
    assert grid.sheet == sheet and grid.sheets == tuple(openpyxl.load_workbook(io.BytesIO(data)).sheetnames)


def test_hand_written_cells_read_as_expected(tmp_path: Path) -> None:
    rows = spreadsheet.read(_hand_book(tmp_path), file_name="f.xlsx").rows
    assert rows[0] == ["code", "rate", "when seen", None, None]
    assert rows[1] == ["E06000001", spreadsheet.Uncalculated("=C2*2"), datetime.datetime(2023, 3, 15), "#N/A", None]
    assert rows[2] == ["E06000002", spreadsheet.Uncalculated("=C3*2"), 150.0, "#N/A", None]  # D3: the merge repeats D2
    assert rows[3] == [None] * 5 and rows[4] == [None, 12, None, None, None]
