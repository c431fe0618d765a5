"""Tests for cli.postcode: a postcode's areas and figures, as text and JSON; one-line answers otherwise."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from geo._paths import DATA_DIR

pytestmark = pytest.mark.skipif(not (DATA_DIR / "lookups" / "postcodes.parquet").exists(),
                                reason="postcode table not built")


@pytest.mark.parametrize("typed", ["L1 0AA", "l10aa", "L1  0AA", "L1 OAA"], ids=["standard", "squashed", "doubled", "letter-o"])
def test_any_spelling_finds_the_same_areas(capsys: pytest.CaptureFixture[str], typed: str) -> None:
    assert main(["postcode", typed, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    areas = {(a["level"], a["vintage"]): a["area_code"] for a in got["areas"]}
    assert got["postcode"] == "L1 0AA" and got["status"] == "live"
    assert areas[("lsoa", "2011")] == "E01006515" and areas[("lad", "2023")] == "E08000012"
    assert areas[("ward", "2025")] == "E05015289"
    assert any(f["indicator_id"] == "le_birth" and f["area_code"] == "E08000012" for f in got["figures"])
    assert "Royal Mail" in got["attribution"]


def test_text_names_the_small_area_and_district(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["postcode", "L1 0AA"]) == 0
    out = capsys.readouterr().out
    assert "Liverpool (E08000012)" in out and "City Centre South" in out and "IMD 2019" in out


@pytest.mark.parametrize(("typed", "words"), [
    ("EH1 1YZ", "Scotland"), ("BF1 3AA", "non-geographic"), ("1 High Street", "not shaped like a postcode"),
], ids=["scotland", "bfpo", "address"])
def test_not_found_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], typed: str, words: str) -> None:
    assert main(["postcode", typed]) == 2
    first = capsys.readouterr().out.splitlines()[0]
    assert words in first
