"""Areas named by code, on the committed boundaries."""

from __future__ import annotations

import pytest

from geo.areas import ENGLAND, read_area_list, read_area_list_file, resolve_area
from geo.errors import UnknownAreaCodeError, UploadError

LIVERPOOL = "E08000012"


@pytest.mark.parametrize("code", [pytest.param("england", id="word"), pytest.param(" England ", id="spaced-word"),
                                  pytest.param("E92000001", id="england-code")])
def test_england(code: str, data_dir) -> None:
    assert resolve_area(code, data_dir=data_dir) == ENGLAND
    assert ENGLAND.label == "England"


def test_a_local_authority_has_its_name_and_boundary_set(data_dir) -> None:
    area = resolve_area(LIVERPOOL.lower(), data_dir=data_dir)
    assert (area.area_code, area.area_name, area.level) == (LIVERPOOL, "Liverpool", "lad")
    assert area.vintage and LIVERPOOL in area.label


@pytest.mark.parametrize(
    ("code", "message"),
    [pytest.param("E99999999", "not an area code the atlas holds", id="unknown"),
     pytest.param("E01006512", "expected a local authority", id="lsoa")],
)
def test_codes_that_name_no_area_say_what_is_expected(code: str, message: str, data_dir) -> None:
    with pytest.raises(UnknownAreaCodeError, match=message):
        resolve_area(code, data_dir=data_dir)


# ---------------------------------------------------------------- a user's list of areas
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"E08000012\nE06000001\n", ["E08000012", "E06000001"], id="utf-8"),
        pytest.param("area_code\nE08000012\nE06000001\n".encode("utf-8-sig"), ["E08000012", "E06000001"], id="bom-header"),
        pytest.param("E08000012,Liverpool\r\nE06000001,Hartlepool\r\n".encode("utf-16"), ["E08000012", "E06000001"],
                     id="utf-16-excel"),
        pytest.param("E08000012\u200b\nE06000001\ufeff\n".encode(), ["E08000012", "E06000001"], id="zero-width"),
        pytest.param("Bury St Edmunds\u00e9\n".encode("cp1252"), ["Bury St Edmunds\u00e9"], id="windows-1252"),
        pytest.param(b"# my list\n\n\"E08000012\"\n", ["E08000012"], id="comment-blank-quoted"),
    ],
)
def test_a_list_of_areas_is_read_in_the_encodings_people_save(data: bytes, expected: list[str]) -> None:
    assert read_area_list(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"PK\x03\x04\x00\x00binary\x00", "not a text file", id="binary"),
        pytest.param(b"E08000012\n" * 120_000, "at most 1,000,000", id="too-large"),
        pytest.param(b"E08000012\n" * 6_000, "at most 5,000", id="too-many"),
    ],
)
def test_what_is_not_a_list_of_areas_is_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        read_area_list(data)


def test_a_pipe_or_a_folder_is_refused_without_reading(tmp_path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it to read would wait for a writer for ever
    with pytest.raises(UploadError, match="not a regular file"):
        read_area_list_file(fifo)
    with pytest.raises(UploadError, match="not a regular file"):
        read_area_list_file(tmp_path)
