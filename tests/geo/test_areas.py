"""Areas named by code, on the committed boundaries."""

from __future__ import annotations

import pytest

from geo.areas import ENGLAND, resolve_area
from geo.errors import UnknownAreaCodeError

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
