"""ui.area_table and the map's Table (CSV): the order kept in the URL, and the export files' table written."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest

from documents.figures import build
from geo.view import View
from ui import area_table, widgets
from ui import map as map_page

LE_FEMALE = View("lad", "2023", "le_birth", "2023-25", "female")


@pytest.mark.parametrize(
    ("query", "polarity", "kept", "noted"),
    [
        pytest.param({}, "higher_is_better", {}, False, id="no-sort"),
        pytest.param({"sort": "high"}, "higher_is_better", {"sort": "high"}, False, id="kept"),
        pytest.param({"sort": "name"}, "higher_is_better", {}, False, id="default-left-out"),
        pytest.param({"sort": "worst"}, "none", {}, True, id="worst-without-polarity"),
        pytest.param({"sort": "<img src=x onerror=alert(1)>"}, "lower_is_better", {}, True, id="hostile"),
    ],
)
def test_the_page_keeps_a_sort_it_offers(query: dict[str, str], polarity: str, kept: dict[str, str],
                                          noted: bool) -> None:
    params, notes = area_table.sort_param(query, polarity=polarity)
    assert params == kept
    assert len(notes) == int(noted)


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    fake: dict[str, str] = {"level": "lad", "sort": "low"}
    monkeypatch.setattr(widgets.st, "query_params", _Params(fake))
    monkeypatch.setattr(widgets.st, "session_state", {})
    yield widgets.st.query_params  # type: ignore[misc]


class _Params(dict[str, str]):
    def from_dict(self, other: dict[str, str]) -> None:
        self.clear()
        self.update(other)


@pytest.mark.parametrize(("chosen", "expected"), [pytest.param("high", {"level": "lad", "sort": "high"}, id="written"),
                                                  pytest.param("name", {"level": "lad"}, id="default-removed")])
def test_sort_by_writes_the_url(url: dict[str, str], chosen: str, expected: dict[str, str]) -> None:
    widgets.st.session_state["w_table_sort"] = chosen
    area_table._sorted()
    assert dict(url) == expected


def test_the_map_s_table_csv_has_each_interval_s_method_and_both_levels(data_dir) -> None:
    figures = build(LE_FEMALE, data_dir=data_dir)
    text = map_page._table_csv(figures, None)
    table = pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str})
    assert {"ci_method", "lower_ci_99_8", "upper_ci_99_8", "compared_with_england", "compared_by"} <= set(table.columns)
    assert len(table) == len(figures.joined) and table["ci_method"].notna().all()
    assert text.startswith(f"# {figures.title}\n")
    assert "Confidence intervals" in text.split("\n", 2)[1]  # the tidy table's notes are kept
