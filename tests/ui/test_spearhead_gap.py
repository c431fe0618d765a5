"""The gap view (ui/spearhead/gap.py): the group figure's interval in its table, chart tooltip and caption."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = f"import sys; sys.path.insert(0, {str(REPO)!r})\nfrom ui.spearhead import spearhead_page\nspearhead_page()"


def _gap_view(family: str) -> AppTest:
    """The gap tab for one indicator family, run once."""
    at = AppTest.from_string(SCRIPT, default_timeout=180)
    at.query_params.update({"tab": "gap", "family": family})
    at.run()
    return at


def _chart_rows(at: AppTest) -> tuple[list[dict[str, object]], pd.DataFrame]:
    """The first chart's tooltip fields and its rows, as the browser receives them."""
    proto = at.get("vega_lite_chart")[0].proto
    spec = json.loads(proto.spec)
    rows = pa.ipc.open_stream(proto.datasets[0].data.data).read_all().to_pandas()
    return spec["encoding"]["tooltip"], rows


@pytest.mark.parametrize(
    ("family", "has_interval"),
    [pytest.param("cvd", True, id="cvd-mortality-published-with-intervals"),
     pytest.param("le", False, id="life-expectancy-published-without")],
)
def test_the_group_figure_shows_its_interval_or_why_not(data_dir, family: str, has_interval: bool) -> None:
    at = _gap_view(family)
    assert [str(e.value) for e in at.exception] == []
    table = at.dataframe[0].value.set_index("period")
    tooltip, rows = _chart_rows(at)
    assert {"field": "group_interval", "title": "Group figure's interval", "type": "nominal"} in tooltip
    shown = rows.drop_duplicates("period").set_index("period")
    assert (shown["group_value"].round(3) == table.loc[shown.index, "group_value"]).all()
    captions = " ".join(c.value for c in at.caption)
    if has_interval:
        assert table["group_ci_method"].str.startswith("95% and 99.8% CIs by combining").all()
        assert (table["group_lower_ci"] < table["group_value"]).all()
        assert (table["group_upper_ci_99_8"] > table["group_upper_ci"]).all()
        limits = table[["group_lower_ci", "group_upper_ci", "group_lower_ci_99_8", "group_upper_ci_99_8"]]
        for period, text in shown["group_interval"].items():  # the tooltip reads the table's limits, to 2 places
            words = str(text).replace(";", "").split()  # 95% CI 78.04 to 80.32; 99.8% CI 77.39 to 80.97
            assert words[:2] == ["95%", "CI"] and words[5:7] == ["99.8%", "CI"]
            said = [float(words[i]) for i in (2, 4, 7, 9)]
            assert said == pytest.approx(list(limits.loc[str(period)]), abs=0.0051)
        assert "Group interval: 95% and 99.8% CIs by combining" in captions
    else:
        assert table["group_lower_ci"].isna().all()
        assert shown["group_interval"].str.startswith("no interval: ").all()
        assert (shown["group_interval"] == table.loc[shown.index, "group_ci_method"]).all()
        assert "Group interval: no interval: " in captions


@pytest.mark.parametrize(
    ("family", "empty_limit"),
    [pytest.param("cvd", False, id="cvd-limits-written-as-numbers"),
     pytest.param("le", True, id="life-expectancy-limits-written-no-interval")],
)
def test_the_table_writes_an_empty_limit_in_words(data_dir, family: str, empty_limit: bool) -> None:
    at = _gap_view(family)
    shown = pa.ipc.open_stream(at.dataframe[0].proto.arrow_data.styler.display_values).read_all().to_pandas()
    limits = shown[["group_lower_ci", "group_upper_ci", "group_lower_ci_99_8", "group_upper_ci_99_8"]]
    assert "None" not in set(shown.astype(str).stack())
    assert (limits == "no interval").all().all() if empty_limit else limits.map(lambda t: t[:1].isdigit()).all().all()
    assert shown["group_value"].map(lambda t: t[:1].isdigit() and not t.endswith("0")).all()  # 77.367, not 77.367000
