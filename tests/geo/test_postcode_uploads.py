"""A list of postcodes as an upload: found in the file, read in the worker, counted, drawn; no postcode leaves it.

The whole upload path is the worker's parse (:func:`geo.sandbox.check`), the count in the
app's process (:meth:`PostcodeList.tally`) and the layer (:func:`geo.postcode_uploads.layer`);
a property test over generated files checks that the rows placed and not counted add up to
the rows read through all of it.
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geo import sandbox, shared
from geo._paths import DATA_DIR
from geo.postcode_uploads import PostcodeList, companion, layer, read
from geo.postcodes import ATTRIBUTION
from geo.tables import COUNTED_BY_POSTCODE, csv_text
from geo.tallies import SETS, postcode_share

pytestmark = pytest.mark.skipif(not (DATA_DIR / "lookups" / "postcodes.parquet").exists(),
                                reason="postcode table not built")

POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.I)


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- finding the column
@pytest.mark.parametrize(
    ("data", "name", "column", "first_row", "rows", "addresses", "count_column"),
    [
        pytest.param(_csv("Postcode\nL1 0AA\nl10aa\n\nSW1A 1AA\n\n\n"), "a.csv", "Postcode", 2, 4, False, None,
                     id="one-column-blank-line-kept-trailing-dropped"),
        pytest.param(_csv("L1 0AA,3\nSW1A 1AA,2\n"), "a.csv", "column 1", 1, 2, False, None, id="no-header"),
        pytest.param(_csv("Households in temporary accommodation, March 2025\nName,Post code,Households\n"
                          "A,L1 0AA,3\nB,SW1A 1AA,\nC,,2\n"), "a.csv", "Post code", 3, 3, False, "Households",
                     id="title-line"),
        pytest.param(_csv("Address,Visits\n\"2 Hope St, Liverpool L1 0AA\",4\n\"10 Downing St, SW1A 2AA\",1\n"),
                     "a.csv", "Address", 2, 2, True, "Visits", id="addresses"),
        pytest.param(_xlsx([["Postcode", "Count"], ["L1 0AA", 3], ["SW1A 1AA", 2]]), "a.xlsx", "Postcode", 2, 2,
                     False, "Count", id="xlsx"),
    ],
)
def test_the_postcode_column_and_every_data_row_are_found(data: bytes, name: str, column: str, first_row: int,
                                                          rows: int, addresses: bool, count_column: str | None) -> None:
    listed = read(data, file_name=name)
    assert listed is not None
    assert (listed.column, listed.first_row, listed.rows, listed.addresses, listed.count_column) == (
        column, first_row, rows, addresses, count_column)
    assert shared.is_session_owned(listed)


def test_a_title_line_is_said_by_row_number_only() -> None:
    listed = read(_csv("Clients, private\nPostcode,Count\nL1 0AA,1\n"), file_name="a.csv")
    assert listed is not None and listed.skipped == ("Skipped 1 title line above the header (row 1).",)


def test_a_count_column_is_offered_only_when_its_header_says_so() -> None:
    listed = read(_csv("Postcode,Age\nL1 0AA,34\nSW1A 1AA,71\n"), file_name="a.csv")
    assert listed is not None and listed.count_column is None and list(listed.numbers) == ["Age"]


@pytest.mark.parametrize(
    "data",
    [pytest.param(_csv("Area code,Rate\nE06000001,1.5\nE06000002,2\n"), id="area-codes"),
     pytest.param(_csv("Name,Notes\nAnne,likes tea\nBob,\n"), id="words")],
)
def test_a_file_without_postcodes_is_not_a_list(data: bytes) -> None:
    assert read(data, file_name="a.csv") is None


# ---------------------------------------------------------------- the worker
def test_the_worker_hands_back_a_list_of_postcodes_and_still_reads_area_files() -> None:
    checked = sandbox.check(_csv("Postcode,Households\nL1 0AA,3\nEH1 1YZ,2\n"), file_name="a.csv")
    assert checked.upload is None and checked.error == "" and checked.postcodes is not None
    assert checked.postcodes.count_column == "Households"
    areas = sandbox.check(_csv("Area code,Rate\nE06000001,1.5\nE06000002,2\n"), file_name="b.csv")
    assert areas.upload is not None and areas.postcodes is None


def test_a_list_of_people_one_named_like_a_place_is_read_by_its_postcodes() -> None:
    # "Durham" is also a district's name: read as names it would be a table of one area.
    data = _csv("Name,Postcode,Count\nDurham,L1 0AA,3\nSmith,SW1A 1AA,2\nJones,M1 1AE,1\n")
    checked = sandbox.check(data, file_name="people.csv")
    assert checked.postcodes is not None and checked.postcodes.column == "Postcode"


def test_a_file_past_the_lists_row_cap_is_one_line() -> None:
    data = _csv("Postcode\n" + "L1 0AA\n" * 300_100)
    checked = sandbox.check(data, file_name="long.csv")
    assert checked.postcodes is None and checked.upload is None
    assert "300,015 rows" in checked.error and "\n" not in checked.error


def test_200000_rows_are_read_within_the_workers_limits_and_counted() -> None:
    table = pd.read_parquet(DATA_DIR / "lookups" / "postcodes.parquet", columns=["postcode"])
    rng = np.random.default_rng(200)
    cells = table["postcode"].to_numpy()[rng.integers(0, len(table), 200_000)].astype(str)
    cells[::1000] = np.char.lower(cells[::1000])
    counts = rng.integers(0, 4, 200_000)
    data = pd.DataFrame({"Postcode": cells, "People": counts}).to_csv(index=False).encode()
    assert len(data) < 5 * 1024 * 1024  # under the upload limit
    started = time.perf_counter()
    checked = sandbox.check(data, file_name="people.csv")  # the worker's limits: 5 s, 300 MB
    read_s = time.perf_counter() - started
    assert checked.error == "" and checked.postcodes is not None and checked.postcodes.rows == 200_000
    started = time.perf_counter()
    counted = checked.postcodes.tally(count_column="People")
    count_s = time.perf_counter() - started
    print(f"200,000 rows: read in the worker {read_s:.2f} s, counted {count_s:.2f} s")
    assert counted.rows_read == 200_000 and counted.counted + len(counted.not_counted) == 200_000
    assert "200 rows written in lower case" in " ".join(counted.report())
    assert counted.table("lad", "2023")["count"].sum() <= counts.sum()


# ---------------------------------------------------------------- the whole path, generated files
_GOOD = ["L1 0AA", "l1 0aa", "L10AA", "L1  0AA", "L1 OAA", "SW1A 1AA", "M1 1AE", "2 Hope St, Liverpool L1 0AA"]
_BAD = ["", "EH1 1YZ", "CF10 1AA", "BT1 1AA", "BF1 3AA", "ZZ9 9ZZ", "L1 9ZZ", "n/a", "Liverpool", "12"]
_CELL = st.one_of(st.sampled_from(_GOOD), st.sampled_from(_BAD))
_COUNT = st.one_of(st.integers(0, 30).map(str), st.sampled_from(["", "1.5", "-1", "x"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rows=st.lists(st.tuples(_CELL, _COUNT), min_size=1, max_size=30), with_counts=st.booleans(),
       xlsx=st.booleans())
def test_placed_and_not_counted_add_up_to_the_rows_read_through_the_whole_upload(
        rows: list[tuple[str, str]], with_counts: bool, xlsx: bool) -> None:
    assume(postcode_share(pd.Series([cell for cell, _ in rows])) >= 0.5)  # a list of postcodes, with some bad ones
    header = ["Postcode", "Households"] if with_counts else ["Postcode"]
    grid = [list(row) if with_counts else [row[0]] for row in rows]
    if xlsx:
        data, name = _xlsx([header, *([c or None for c in row] for row in grid)]), "list.xlsx"
    else:
        data, name = pd.DataFrame(grid, columns=header).to_csv(index=False).encode(), "list.csv"
    checked = sandbox.check(data, file_name=name)
    assert checked.postcodes is not None, checked.error
    listed = checked.postcodes
    counted = listed.tally(count_column=listed.count_column, threshold=1)
    expected = len(grid)  # trailing rows with nothing in them are not rows of the file; every other row is read
    while expected and not any(grid[expected - 1]):
        expected -= 1
    assert counted.rows_read == listed.rows == expected and listed.first_row == 2
    assert counted.counted + len(counted.not_counted) == counted.rows_read
    placed = sorted(set(range(2, 2 + expected)) - set(counted.not_counted["row"]))
    assert len(placed) == counted.counted
    _, values = layer(counted, level="lsoa", vintage="2011", measure="count", indicator_id="upload:t:1:p",
                      label="Households", file_name=name, period="your file")
    weights = [float(grid[r - 2][1] or 1) if listed.count_column else 1.0 for r in placed]
    assert values.loc[values["level"] == "lsoa", "count"].sum() == pytest.approx(sum(weights))  # every placed row
    assert not POSTCODE.search(values.to_csv(index=False))


# ---------------------------------------------------------------- the layer
@pytest.fixture(scope="module")
def counted() -> object:
    data = _csv("Postcode,Households\n" + "L1 0AA,4\n" * 3 + "SW1A 1AA,2\nM1 1AE,1\nEH1 1YZ,5\n")
    listed = read(data, file_name="households.csv")
    assert isinstance(listed, PostcodeList)
    return listed.tally(count_column="Households")


@pytest.mark.parametrize(("level", "vintage"), list(SETS))
@pytest.mark.parametrize("measure", ["count", "rate"])
def test_the_layer_holds_the_set_chosen_and_its_companion(counted, level: str, vintage: str, measure: str) -> None:
    indicator, values = layer(counted, level=level, vintage=vintage, measure=measure,  # type: ignore[arg-type]
                              indicator_id="upload:ab12:1:postcodes", label="Households", file_name="households.csv",
                              period="your file")
    other = companion(level, vintage)
    assert indicator.levels == {level: (vintage,), other[0]: (other[1],)}
    assert shared.is_session_owned(indicator) and indicator.source.attribution == ATTRIBUTION
    assert indicator.value_type == measure and indicator.has_ci == (measure == "rate")
    assert set(values.groupby(["level", "vintage"]).size().index) == {(level, vintage), other}
    for key in ((level, vintage), other):
        part = values[(values["level"] == key[0]) & (values["vintage"] == key[1])].set_index("area_code")
        table = counted.table(*key).set_index("area_code")
        assert len(part) == len(table)
        hidden = table.index[table["suppressed"]]
        assert (part.loc[hidden, "status"] == "suppressed").all() and part.loc[hidden, "value"].isna().all()
        assert part.loc[hidden, "count"].isna().all()
        shown = table.index[~table["suppressed"] & table["population"].notna()]
        column = "rate_per_1000" if measure == "rate" else "count"
        assert (part.loc[shown, "value"] == table.loc[shown, column]).all()
    assert values["note"].str.startswith(COUNTED_BY_POSTCODE).all()
    assert not POSTCODE.search(values.to_csv(index=False))


def test_every_csv_of_the_layer_carries_the_postcode_attribution_and_no_postcode(counted) -> None:
    _, values = layer(counted, level="lsoa", vintage="2021", measure="count", indicator_id="upload:ab12:1:postcodes",
                      label="Households", file_name="households.csv", period="your file")
    text = csv_text(values.drop(columns=["indicator_id"]), header=["Households (your file)"])
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert "# Contains Royal Mail data © Royal Mail copyright and database right 2025." in header
    assert any("OS Code-Point Open, April 2025" in line for line in header)
    assert not POSTCODE.search(text.replace("Code-Point", ""))
    plain = csv_text(values.assign(note="").drop(columns=["indicator_id"]))
    assert "Royal Mail" not in plain.split("Contains OS data")[0]  # a table not counted by postcode: the usual lines


def test_the_counts_add_up_to_the_district_and_a_small_count_is_suppressed(counted) -> None:
    _, values = layer(counted, level="lsoa", vintage="2021", measure="count", indicator_id="upload:ab12:1:postcodes",
                      label="Households", file_name="households.csv", period="your file")
    lad = values[values["level"] == "lad"].set_index("area_code")
    assert lad.loc["E08000012", "value"] == 12  # Liverpool: three rows of 4
    assert lad.loc["E08000003", "status"] == "suppressed"  # Manchester: 1, below 5
    assert "EH1" not in " ".join(counted.report())
