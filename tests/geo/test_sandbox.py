"""Tests for geo.sandbox: a file is read in a worker process that a runaway cannot take past its limits.

The worker is real (forked from multiprocessing's fork server), so these tests also show
that what the page and ``python -m geo check`` get back from it (an Upload with its frame,
or the error) is what :func:`geo.uploads.validate` gives in this process. The functions
run in the worker are the standard library's (``time.sleep``, ``bytearray``, ``os.getpid``):
anything run there must be importable by name.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from geo import sandbox, uploads
from geo.errors import UploadError, UploadLimitError
from tests.geo.test_workbook import MEASURED, measured_block, xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
REPO = Path(__file__).resolve().parents[2]


def test_the_work_happens_in_another_process() -> None:
    assert sandbox.run(os.getpid) != os.getpid()


def test_a_runaway_is_stopped_at_the_time_limit_and_the_next_file_is_read(data_dir) -> None:
    started = time.perf_counter()
    with pytest.raises(UploadLimitError, match=r"^The file took more than 1 s to read, the limit for one upload; save only"):
        sandbox.run(time.sleep, 60, seconds=1)
    assert time.perf_counter() - started < 10
    up = sandbox.validate((FIXTURES / "lad2019_rates.csv").read_bytes(), file_name="lad2019_rates.csv")
    assert up.mappable


def test_memory_past_the_limit_is_refused_in_one_line() -> None:
    with pytest.raises(UploadLimitError, match=r"^The file needed more than the 300 MB of memory one upload may use to read; "):
        sandbox.run(bytearray, 600 * 2**20)
    assert len(sandbox.run(bytearray, 50 * 2**20)) == 50 * 2**20  # under the limit: fine


def test_a_file_that_needs_more_memory_than_allowed_is_refused(data_dir) -> None:
    data = (FIXTURES / "lsoa2011_counts.csv").read_bytes()
    with pytest.raises(UploadLimitError, match="memory"):
        sandbox.validate(data, file_name="f.csv", memory=1 * 2**20)


def test_the_workers_answer_is_what_validate_gives_here(data_dir) -> None:
    data = (FIXTURES / "lad2019_rates.csv").read_bytes()
    there = sandbox.validate(data, file_name="lad2019_rates.csv")
    here = uploads.validate(data, file_name="lad2019_rates.csv")
    pd.testing.assert_frame_equal(there.values, here.values)
    assert there.report() == here.report() and there.problems == here.problems


def test_the_files_own_errors_come_back_as_they_are(data_dir) -> None:
    with pytest.raises(UploadError, match="header but no rows"):
        sandbox.validate((FIXTURES / "header_only.csv").read_bytes(), file_name="header_only.csv")


@pytest.mark.parametrize(
    ("sheet", "read"),
    [
        pytest.param(None, "Notes", id="first-sheet-until-one-is-chosen"),
        pytest.param("Data", "Data", id="the-chosen-sheet"),
        pytest.param("Gone", "Notes", id="a-sheet-of-another-file"),
    ],
)
def test_check_gives_the_sheets_and_the_result_from_one_parse(data_dir, sheet: str | None, read: str) -> None:
    checked = sandbox.check((FIXTURES / "two_sheets.xlsx").read_bytes(), file_name="two_sheets.xlsx", sheet=sheet)
    assert checked.sheets == ("Notes", "Data") and checked.sheet == read
    assert (checked.upload is None) == (read == "Notes")  # the notes sheet holds no areas
    assert (checked.error != "") == (checked.upload is None)


def test_check_of_a_csv_and_of_a_refused_file(data_dir, tmp_path: Path) -> None:
    csv = sandbox.check((FIXTURES / "lad2019_rates.csv").read_bytes(), file_name="f.csv")
    assert (csv.sheets, csv.sheet, csv.error) == ((), None, "") and csv.upload is not None and csv.upload.mappable
    refused = sandbox.check(measured_block(tmp_path / "block.xlsx").read_bytes(), file_name="block.xlsx")
    assert refused.upload is None and refused.error.startswith("Over the compression ratio cap")


def test_files_read_side_by_side(data_dir) -> None:
    data = (FIXTURES / "lad2019_rates.csv").read_bytes()
    found: list[int] = []
    threads = [threading.Thread(target=lambda: found.append(sandbox.validate(data, file_name="f.csv").matched)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(found) == 3 and len(set(found)) == 1


# ---------------------------------------------------------------- python -m geo check, end to end
def _check_command(path: Path, *, within: float) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geo", "check", str(path)], cwd=REPO, capture_output=True, text=True,
                          timeout=within)
    return done, time.perf_counter() - started


@pytest.mark.parametrize("build", MEASURED)
def test_the_check_command_refuses_the_measured_workbooks_in_seconds(data_dir, tmp_path: Path, build: object) -> None:
    """Before: 28 to 93 s and up to 2.9 GB each; now a few seconds, most of them starting Python."""
    done, took = _check_command(build(tmp_path / "measured.xlsx"), within=30)  # type: ignore[operator]
    assert done.returncode == 2
    assert done.stderr.startswith("error: Over the compression ratio cap") and done.stderr.count("\n") == 1
    assert took < 15


def test_the_check_command_refuses_a_dimension_bomb(data_dir, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "dimension.xlsx", [b"<row><c><v>1</v></c></row>"], dimension="A1:XFD1048576")
    done, _ = _check_command(path, within=30)
    assert done.returncode == 2 and "Over the sheet dimension cap" in done.stderr
