"""Presentation mode: the URL switch and what its stylesheet hides."""

from __future__ import annotations

import pytest

from layers.present import PRESENT_CSS, is_on, present_style


@pytest.mark.parametrize(
    ("params", "on"),
    [
        pytest.param({"present": "1"}, True, id="one"),
        pytest.param({"present": "true"}, True, id="true"),
        pytest.param({"present": "0"}, False, id="zero"),
        pytest.param({"present": "<script>"}, False, id="junk"),
        pytest.param({}, False, id="absent"),
    ],
)
def test_is_on(params: dict[str, str], on: bool) -> None:
    assert is_on(params) is on


def test_stylesheet_hides_the_sidebar_and_enlarges_type() -> None:
    assert '[data-testid="stSidebar"]' in PRESENT_CSS.split("{")[0]
    assert "display: none" in PRESENT_CSS
    assert present_style().startswith("<style>") and "</style>" not in PRESENT_CSS
