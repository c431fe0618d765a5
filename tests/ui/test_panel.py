"""The area panel's ward view switch: which links keep ``wards=1`` and what a link that cannot is told."""

from __future__ import annotations

import pytest

from geo.view import View
from ui.panel import WARDS_PARAM, ward_param

LIVERPOOL = "E08000012"


def _view(level: str = "lad", vintage: str = "2023", area: str | None = LIVERPOOL) -> View:
    return View(level, vintage, "le_birth", "2023-25", "female", area_code=area)


@pytest.mark.parametrize(
    ("asked", "view", "kept", "note"),
    [
        pytest.param("1", _view(), True, "", id="2023-district"),
        pytest.param("1", _view(vintage="2019"), True, "", id="2019-district-2011-lsoas"),
        pytest.param("", _view(), False, "", id="not-asked"),
        pytest.param("0", _view(), False, "", id="off"),
        pytest.param("1", _view(area=None), False, "", id="no-district-drilled"),
        pytest.param("yes<script>", _view(), False, "is not one the atlas writes", id="bad-value"),
        pytest.param("1", _view(level="utla", vintage="2023", area="E10000017"), False,
                     "inside a local authority district only", id="upper-tier"),
    ],
)
def test_the_ward_view_is_kept_only_on_a_drilled_district(asked: str, view: View, kept: bool, note: str,
                                                           data_dir: object) -> None:
    query, notes = ward_param({WARDS_PARAM: asked} if asked else {}, view)
    assert query == ({WARDS_PARAM: "1"} if kept else {})
    assert (notes[0] if notes else "").find(note) >= 0 and len(notes) == (1 if note else 0)
