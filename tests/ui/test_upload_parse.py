"""The map page parses an upload once: reruns of the page with the same file parse nothing.

Each test counts calls to :func:`geo.sandbox.check` (the one parse: the sheets and the check,
in a worker process) while one session uploads a file and the page reruns, as it does on
every click. Before, every rerun read the file again, twice (its sheet names, then the check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo import sandbox, shared

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every call to the one parse, with its arguments; the parse still runs (in its worker)."""
    calls: list[dict[str, Any]] = []
    real = sandbox.check

    def counted(data: bytes, **kwargs: Any) -> sandbox.Checked:
        calls.append(kwargs)
        return real(data, **kwargs)

    monkeypatch.setattr(sandbox, "check", counted)
    shared.clear()
    return calls


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"level": "lad", "vintage": "2019"})
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception]


def test_a_workbook_is_parsed_once_across_reruns(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "two_sheets.xlsx").read_bytes()
    at.file_uploader(key="upload_file").set_value(("f.xlsx", data, XLSX)).run()
    assert _errors(at) == [] and len(parses) == 1
    assert at.selectbox(key="upload_sheet").options == ["Notes", "Data"]
    for _ in range(3):
        at.run()  # what every click on the page does
    assert len(parses) == 1, "a rerun with the same file parsed it again"

    at.selectbox(key="upload_sheet").set_value("Data").run()  # another sheet: one more parse
    assert len(parses) == 2 and parses[-1]["sheet"] == "Data"
    assert at.button(key="upload_add") is not None and _errors(at) == []
    for _ in range(3):
        at.run()
    assert len(parses) == 2


def test_a_csv_is_parsed_once_and_again_only_when_a_name_is_confirmed(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "names_only.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("names.csv", data, "text/csv")).run()
    at.run()
    at.run()
    assert len(parses) == 1
    confirm = [s for s in at.selectbox if str(s.key).startswith("upload_name_")]
    assert confirm, "'Middlesbrogh' is offered for confirming"
    confirm[0].set_value(confirm[0].options[0]).run()  # the check changes with a confirmed name: one more parse
    assert len(parses) == 2 and parses[-1]["accept"]
    at.run()
    assert len(parses) == 2


def test_the_same_file_uploaded_again_is_not_parsed_again(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "lad2019_rates.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("rates.csv", data, "text/csv")).run()
    at.file_uploader(key="upload_file").set_value(("rates.csv", data, "text/csv")).run()  # a new upload id, the same bytes
    at.run()
    assert len(parses) == 1


def test_a_hostile_workbook_is_refused_in_one_line_and_the_page_carries_on(data_dir, parses: list[dict[str, Any]],
                                                                            tmp_path: Path) -> None:
    from tests.geo.test_workbook import measured_cells

    at = _page()
    at.file_uploader(key="upload_file").set_value(("big.xlsx", measured_cells(tmp_path / "big.xlsx").read_bytes(), XLSX)).run()
    assert _errors(at) == [] and len(parses) == 1
    assert any("Over the compression ratio cap" in e.value for e in at.error)
    at.run()
    assert len(parses) == 1
