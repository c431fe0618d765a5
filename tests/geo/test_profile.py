"""Tests for geo.profile: the side panel's figures and the one-page summary."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import comparison, indicators, profile
from geo.catalogue import Indicator, Source


def _headline(value: float | None, ci: tuple[float, float] | None = None, note: str = "") -> profile.Headline:
    ind = Indicator("le_birth", "Life expectancy at birth", "d", "years", "higher_is_better", "Life expectancy",
                    Source("ONS <b>", "LE", "x"), short_title="Life expectancy")
    lower, upper = ci or (None, None)
    return profile.Headline(ind, "female", "2021-23", "2023", value, lower, upper, "ok" if value else "suppressed",
                            83.1, 250 if value else None, 294, note)


@pytest.mark.parametrize(
    ("value", "ci", "expected"),
    [
        pytest.param(80.2, (79.8, 80.6), "was 80.2 years (rank 250 of 294), 2.9 years fewer than England's 83.1: worse "
                     "than England (95% confidence interval 79.8 to 80.6, wholly below England's value).", id="worse"),
        pytest.param(84.0, (83.5, 84.5), "0.9 years more than England's 83.1: better than England (95% confidence interval",
                     id="better"),
        pytest.param(83.6, (82.9, 84.3), "0.5 years more than England's 83.1, but similar to England: not a significant "
                     "difference (95% confidence interval 82.9 to 84.3 includes England's value)", id="more-but-similar"),
        pytest.param(80.2, None, "2.9 years fewer than England's 83.1; no confidence interval is held, so we cannot "
                     "say whether the difference is significant.", id="no-ci-held"),
        pytest.param(None, None, "is not available", id="suppressed"),
    ],
)
def test_summary_sentences(value, ci, expected) -> None:
    [sentence] = profile.summary_sentences("Blackpool", [_headline(value, ci)])
    assert expected in sentence


@pytest.mark.parametrize(
    ("value", "ci", "note", "expected"),
    [
        pytest.param(80.2, (79.8, 80.6), "", "**80.2 (79.8-80.6)** years; England 83.1 — **worse than England "
                     "(significant at 95% confidence)**; rank 250 of 294", id="worse"),
        pytest.param(83.6, (82.9, 84.3), "", "— **similar to England (not significantly different at 95% confidence)**",
                     id="similar"),
        pytest.param(80.2, None, "", "**80.2** years; England 83.1 — **not tested: no confidence interval is held**",
                     id="no-ci-held"),
        pytest.param(83.0, None, f"{comparison.PUBLISHED_NOTE}similar; code recoded in 2023",
                     "— **similar to England (not significantly different at 95% confidence, as published by OHID)**; "
                     "rank 250 of 294 *(code recoded in 2023)*", id="publisher-says-similar"),
    ],
)
def test_panel_lines_word_the_comparison_as_the_sentences_do(value, ci, note, expected) -> None:
    h = _headline(value, ci, note)
    [line] = profile.panel_lines([h])
    assert expected in line
    assert h.versus.phrase in line and h.versus.phrase in profile.summary_sentences("Blackpool", [h])[0]


@pytest.mark.parametrize(
    ("note", "said"),
    [("Approximate: population-weighted mean of the published values of 3 whole areas", True),
     ("Same area as Blackpool (E06000009)", False), ("", False)],
    ids=["approximation", "same area", "published"],
)
def test_summary_sentences_say_when_a_figure_is_an_approximation(note: str, said: bool) -> None:
    from geo import derived

    [sentence] = profile.summary_sentences("Lancashire", [_headline(80.2, None, note)])
    assert (derived.sentence(note) in sentence and "not an official figure" in sentence) is said
    assert ("approximation" in sentence) is said


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
