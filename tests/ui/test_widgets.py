"""Tests for ui.widgets: each user action writes the URL once (one step in the browser's history); no chart takes the wheel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui import widgets


class _Params(dict[str, str]):
    """``st.query_params`` as the script sees it, counting the writes (each is a browser history step)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.writes: list[dict[str, str]] = []

    def _wrote(self) -> None:
        self.writes.append(dict(self))

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        self._wrote()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._wrote()

    def pop(self, key: str, *default: object) -> object:  # type: ignore[override]
        if key not in self:
            return default[0] if default else super().pop(key)
        value = super().pop(key)
        self._wrote()
        return value

    def from_dict(self, other: dict[str, str]) -> None:
        self.clear()
        self.update(other)
        self._wrote()


VIEW = {"level": "lad", "vintage": "2023", "indicator": "le_birth", "area": "E08000013", "lsoa": "imd2019_imd_score"}


@pytest.fixture
def params(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Params]:
    fake = _Params(VIEW)
    monkeypatch.setattr(widgets.st, "query_params", fake)
    monkeypatch.setattr(widgets.st, "session_state", {})
    yield fake


def test_a_click_on_another_area_is_one_step_in_the_history(params: _Params) -> None:
    widgets.st.session_state["atlas_map"] = {"last_active_drawing": {"properties": {"area_code": "E08000025"}}}
    widgets.map_clicked("E08000013", frozenset({"E08000013", "E08000025"}))
    assert params.writes == [{"level": "lad", "vintage": "2023", "indicator": "le_birth", "area": "E08000025"}]


def test_a_new_level_drops_the_area_in_the_same_write(params: _Params) -> None:
    widgets.st.session_state["w_level"] = "utla"
    widgets.set_param("level", "w_level")
    assert params.writes == [{"level": "utla", "vintage": "2023", "indicator": "le_birth", "lsoa": "imd2019_imd_score"}]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"area": None, "lsoa": None, "region": "E12000002"},
                     {"level": "lad", "vintage": "2023", "indicator": "le_birth", "region": "E12000002"}, id="region-crumb"),
        pytest.param({"area": None, "lsoa": None, "region": None},
                     {"level": "lad", "vintage": "2023", "indicator": "le_birth"}, id="england-crumb"),
        pytest.param({"lsoa": "imd2019_health"}, {**VIEW, "lsoa": "imd2019_health"}, id="one-value"),
    ],
)
def test_write_params_writes_once_keeping_the_order(params: _Params, changes: dict, expected: dict) -> None:
    widgets.write_params(changes)
    assert params.writes == [expected]
    assert list(params) == list(expected)


def test_nothing_changed_writes_nothing(params: _Params) -> None:
    widgets.write_params({"area": "E08000013", "region": None})
    widgets.select_area("E08000013")
    assert params.writes == []


def test_no_page_draws_a_chart_that_takes_the_wheel() -> None:
    """Streamlit's own charts (st.bar_chart, ...) and altair's .interactive() bind the scales to the wheel.

    A person scrolling past such a chart zooms it instead (it once showed a bar chart on a -20 to 20 axis).
    """
    root = Path(widgets.__file__).resolve().parent
    wheel = re.compile(r"st\.(?:bar|line|area|scatter)_chart\(|\.interactive\(|bind=[\"']scales")
    offenders = [f"{p.relative_to(root)}:{n}" for p in sorted(root.rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if wheel.search(line)]
    assert offenders == []
