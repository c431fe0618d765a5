"""Lists of areas uploaded on the Spearhead page: every encoding people save in, and files that are no list."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = f"import sys; sys.path.insert(0, {str(REPO)!r})\nfrom ui.spearhead import spearhead_page\nspearhead_page()"


def _gap_tab() -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.query_params.update({"tab": "gap", "group": "uploaded"})
    return at.run()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("E08000012,Liverpool\r\nE06000001,Hartlepool\r\n".encode("utf-16"), id="utf-16"),
        pytest.param("E08000012\u200b\nE06000001\n".encode(), id="zero-width-space"),
    ],
)
def test_a_list_in_utf16_or_with_invisible_characters_makes_the_group(data_dir, data: bytes) -> None:
    at = _gap_tab()
    at.file_uploader(key="sh_gap_file").set_value(("group.csv", data, "text/csv")).run()
    assert [str(e.value) for e in at.exception] == []
    assert sorted(at.session_state["sh_gap_upload"]) == ["E06000001", "E08000012"]


def test_a_binary_file_is_refused_in_one_line_and_the_page_keeps_working(data_dir) -> None:
    at = _gap_tab()
    at.file_uploader(key="sh_gap_file").set_value(("group.csv", b"PK\x03\x04\x00\x00\xff\xfe\x00binary", "text/csv")).run()
    assert [str(e.value) for e in at.exception] == []
    assert any("not a text file" in str(e.value) for e in at.error)
