"""Postcode normalising and lookup: named cases on a tiny table, property tests, and the real table."""

from __future__ import annotations

import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import postcodes
from geo._paths import DATA_DIR


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("L1 0AA", "L1 0AA", id="standard"),
        pytest.param("l10aa", "L1 0AA", id="lowercase-no-space"),
        pytest.param("L1  0AA", "L1 0AA", id="doubled-space"),
        pytest.param(" sw1a 1aa ", "SW1A 1AA", id="padded"),
        pytest.param("L1 OAA", "L1 0AA", id="letter-o-inward"),
        pytest.param("LO 1AA", "L0 1AA", id="letter-o-district"),
        pytest.param("CO1 1AA", "CO1 1AA", id="co-is-colchester-not-c0"),
        pytest.param("12 High Street, Leeds", None, id="address"),
        pytest.param("", None, id="empty"),
        pytest.param("E01006515", None, id="lsoa-code"),
    ],
)
def test_normalise(typed: str, expected: str | None) -> None:
    assert postcodes.normalise(typed) == expected


_AREA = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=2)
_DISTRICT = st.tuples(st.sampled_from(string.digits), st.sampled_from(["", *string.digits, *string.ascii_uppercase]))
_INWARD = st.tuples(st.sampled_from(string.digits), st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2))


@settings(max_examples=300, deadline=None)
@given(area=_AREA, district=_DISTRICT, inward=_INWARD, spaces=st.integers(0, 3), lower=st.booleans())
def test_normalise_any_spacing_and_case(area: str, district: tuple[str, str], inward: tuple[str, str],
                                        spaces: int, lower: bool) -> None:
    pc = f"{area}{district[0]}{district[1]} {inward[0]}{inward[1]}"
    typed = pc.replace(" ", " " * spaces)
    typed = typed.lower() if lower else typed
    assert postcodes.normalise(typed) == pc


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_find_never_raises_on_any_text(tiny_table: Path, text: str) -> None:
    result = postcodes.find(text, data_dir=tiny_table)
    assert result.message and "\n" not in result.message
    assert (result.postcode is not None) == (result.status in {"live", "terminated"})


@pytest.fixture(scope="module")
def tiny_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pc")
    (root / "lookups").mkdir()
    table = pd.DataFrame({
        "postcode": ["AA1 1AA", "AA1 1AB", "L1 0AA"],
        "terminated": [0, 201906, 0],
        "usertype": pd.array([0, 1, 0], dtype="Int8"),
        "oa11cd": pd.Categorical(["E00000001", "E00000002", "E00033024"]),
        "lsoa11cd": pd.Categorical(["E01000001", "E01000002", "E01006515"]),
        "lsoa21cd": pd.Categorical(["E01000001", None, "E01034402"]),
        "lsoa21_route": [0, 9, 2],
        "ward_code": pd.Categorical(["E05000001", None, "E05015289"]),
        "easting": pd.array([530000, None, 334864], dtype="Int32"),
        "northing": pd.array([180000, None, 389326], dtype="Int32"),
    })
    table.to_parquet(root / "lookups" / "postcodes.parquet")
    pd.DataFrame({"postcode": ["CF10 1AA", "EH1 1YZ", "ZY1 1ZZ"], "where": ["W", "S", "-"]}).to_parquet(
        root / "lookups" / "postcodes_elsewhere.parquet")
    pd.DataFrame({"ward_code": ["E05000001", "E05015289"], "ward_name": ["Abbey", "City Centre South"]}).to_parquet(
        root / "lookups" / "wards.parquet")
    return root


@pytest.mark.parametrize(
    ("typed", "status", "words"),
    [
        pytest.param("aa11aa", "live", "E01000001", id="live"),
        pytest.param("AA1 1AB", "terminated", "terminated in 2019-06", id="terminated-says-when"),
        pytest.param("CF10 1AA", "elsewhere", "Wales", id="wales"),
        pytest.param("EH1 1YZ", "elsewhere", "Scotland", id="scotland"),
        pytest.param("ZY1 1ZZ", "non-geographic", "non-geographic", id="no-geography-in-lookup"),
        pytest.param("BF1 3AA", "non-geographic", "BFPO", id="bfpo"),
        pytest.param("AA9 9ZZ", "unknown", "not in the ONS postcode lookup", id="unknown"),
        pytest.param("1 High St", "invalid", "not shaped like a postcode", id="address"),
    ],
)
def test_find(tiny_table: Path, typed: str, status: str, words: str) -> None:
    result = postcodes.find(typed, data_dir=tiny_table)
    assert result.status == status
    assert words in result.message


def test_find_terminated_keeps_where_it_was(tiny_table: Path) -> None:
    result = postcodes.find("AA1 1AB", data_dir=tiny_table)
    assert result.postcode is not None and result.postcode.lsoa11_code == "E01000002"
    assert "E01000002" in result.message
    assert result.postcode.lsoa21_code is None and "not placed" in result.postcode.lsoa21_route


def test_find_names_the_ward_and_places_the_point(tiny_table: Path) -> None:
    pc = postcodes.find("L1 0AA", data_dir=tiny_table).postcode
    assert pc is not None and pc.ward_name == "City Centre South"
    lonlat = pc.lonlat
    assert lonlat is not None and -3.0 < lonlat[0] < -2.9 and 53.3 < lonlat[1] < 53.5


@pytest.mark.skipif(not (DATA_DIR / "lookups" / "postcodes.parquet").exists(), reason="postcode table not built")
@pytest.mark.parametrize(
    ("typed", "lsoa11", "ward"),
    [
        pytest.param("L1 0AA", "E01006515", "E05015289", id="liverpool-code-point-ward"),
        pytest.param("SW1A 1AA", "E01004736", None, id="buckingham-palace"),
    ],
)
def test_real_table(typed: str, lsoa11: str, ward: str | None) -> None:
    result = postcodes.find(typed)
    assert result.postcode is not None and result.postcode.lsoa11_code == lsoa11
    if ward:
        assert result.postcode.ward_code == ward


@pytest.mark.parametrize(("text", "expected"), [
    ("Sandwell", False), ("Girton", False), ("XXL", False), ("GIR 0AA", True), ("BF1 3AA", True), ("L1 0AA", True),
], ids=["sandwell", "girton", "xxl", "girobank", "bfpo", "liverpool"])
def test_place_names_are_not_taken_for_non_geographic_postcodes(text: str, expected: bool) -> None:
    assert postcodes.looks_like_postcode(text) is expected
