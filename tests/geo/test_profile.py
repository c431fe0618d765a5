"""Tests for geo.profile: the side panel's figures and the one-page summary."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import indicators, profile
from geo.catalogue import Indicator, Source


def _headline(value: float | None, comparison: str = "worse") -> profile.Headline:
    ind = Indicator("le_birth", "Life expectancy at birth", "d", "years", "higher_is_better", "Life expectancy",
                    Source("ONS <b>", "LE", "x"), short_title="Life expectancy")
    return profile.Headline(ind, "female", "2021-23", "2023", value, None, None, "ok" if value else "suppressed",
                            83.1, comparison, 250 if value else None, 294)


@pytest.mark.parametrize(
    ("value", "comparison", "expected"),
    [
        pytest.param(80.2, "worse", "was 80.2 years, against 83.1 for England (worse than England); it ranks 250 of 294",
                     id="worse"),
        pytest.param(84.0, "better", "(better than England)", id="better"),
        pytest.param(None, "missing", "is not available", id="suppressed"),
    ],
)
def test_summary_sentences(value, comparison, expected) -> None:
    [sentence] = profile.summary_sentences("Blackpool", [_headline(value, comparison)])
    assert expected in sentence


def test_summary_html_escapes_everything() -> None:
    page = profile.summary_html("<script>x</script>", "E06000009", level_label="Local authority district",
                                items=[_headline(80.2)], population=(141_000.0, "mid-2023"),
                                deciles=pd.DataFrame({"decile": range(1, 11), "lsoas": [40, 10] + [5] * 8}),
                                attribution="Source: ONS & OGL")
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "ONS &lt;b&gt;" in page and "50 of its 90 small areas" in page and "141,000" in page


def test_headlines_for_a_real_area_match_the_table(data_dir) -> None:
    items = {(h.indicator.indicator_id, h.sex): h for h in profile.headlines("E06000009", level="lad")}
    le = items[("le_birth", "female")]
    rows = indicators.load("le_birth", level="lad", vintage=le.vintage, period=le.period, sex="female")
    assert le.value == rows.set_index("area_code").loc["E06000009", "value"]
    assert le.rank == int(rows["value"].rank(ascending=False, method="min")[rows["area_code"] == "E06000009"].iloc[0])


def test_lsoa_deciles_count_every_lsoa(data_dir) -> None:
    d = profile.lsoa_deciles("E06000009", level="lad", vintage="2023")
    parents = pd.read_parquet(data_dir / "lookups" / "lsoa21_parents.parquet")
    assert d["lsoas"].sum() == (parents["lad_code_2023"] == "E06000009").sum()
