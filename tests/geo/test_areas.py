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


# ---------------------------------------------------------------- one count of areas with no value
@pytest.mark.parametrize(
    ("text", "target", "no_value"),
    [
        # 3 rows, one blank: the join check once said "294 with no row" where the legend said "No data (295)".
        pytest.param("code,v\nE06000001,1.5\nE06000002,\nE06000003,2.5\n", ("lad", "2025"), 296 - 2, id="a-blank-value"),
        pytest.param("code,v\nE06000001,1.5\nE06000002,abc\nE06000003,[c]\n", ("lad", "2025"), 296 - 2,
                     id="unreadable-and-suppressed"),
        # Five of Cumbria's six 2021 districts: Cumberland (three of them) is whole, Westmorland and Furness
        # (Barrow missing) has a row but no value on the 2023 map.
        pytest.param("code,v\nE07000026,1\nE07000028,2\nE07000029,3\nE07000030,4\nE07000031,5\n", ("lad", "2023"),
                     296 - 1, id="carried-with-a-part-missing"),
    ],
)
def test_the_join_check_the_legend_and_the_preview_count_alike(data_dir, text: str, target: tuple[str, str],
                                                              no_value: int) -> None:
    import re

    from geo import boundaries, codes, indicators, upload_layer, uploads
    from geo.classify import classify
    from layers.legend import build_legend, to_html
    from layers.style import scheme_for

    up = uploads.validate(text.encode(), file_name="f.csv")
    mapped = uploads.to_map(up, level=target[0], vintage=target[1], kinds={"v": "count"})
    ind, values = uploads.layer(mapped, "v", indicator_id="upload:t:1:v", file_name="f.csv", period="p")
    joined, report = indicators.join(boundaries.load(*target), values)
    classes = classify(joined["value"], method="quantiles", k=2)
    legend = to_html(build_legend(indicator=ind, period="p", scheme=scheme_for("none", method="quantiles", k=classes.k),
                                  england_value=None, classification=classes, statuses=joined["status"]))
    seen = upload_layer.preview(mapped, "v", names=codes.area_names(*target), value_type="rate", unit="")
    in_legend = re.search(r"No data <span[^>]*>\((\d+) areas\)", legend)
    assert in_legend is not None
    assert len(report.areas_without_value) == int(in_legend.group(1)) == seen.without_value == no_value
    assert f"{no_value} area(s) on the map have no value" in report.describe()


def test_without_value_leaves_suppressed_areas_to_their_own_count() -> None:
    import pandas as pd

    from geo.areas import without_value

    status = pd.Series(["ok", "ok", "missing", "suppressed", None], index=[5, 6, 7, 8, 9])
    found = without_value(status, pd.Series([1.0, None, None, None, None], index=status.index))
    assert found.index.tolist() == [5, 6, 7, 8, 9] and found.tolist() == [False, True, True, False, True]
