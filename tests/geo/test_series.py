"""The series followed against England: the records are data, and the official series wins when held."""

from __future__ import annotations

import pytest

from geo import series
from geo.errors import UploadError


def test_indicators_are_data() -> None:
    assert {g.key for g in series.LIFE_EXPECTANCY} <= set(series.INDICATORS)
    assert all(g.polarity in ("higher_is_better", "lower_is_better") for g in series.INDICATORS.values())


def test_official_series_wins_when_held(monkeypatch) -> None:
    monkeypatch.setattr(series, "_held", lambda indicator_id, **_: indicator_id == "u75_cvd")
    record, note = series.resolve(series.INDICATORS["cvd_u75"])
    assert record.indicator_id == "u75_cvd" and record.stands_for == "" and "official" in note
    monkeypatch.setattr(series, "_held", lambda indicator_id, **_: False)
    record, note = series.resolve(series.INDICATORS["cvd_u75"])
    assert record.indicator_id == "u75_cvd_prev" and "stands in" in note


@pytest.mark.parametrize(
    ("names", "expected"),
    [pytest.param(["le_birth"], [("le_male", "le_birth"), ("le_female", "le_birth")], id="indicator-id"),
     pytest.param(["cvd"], [("cvd_u75", "u75_cvd_prev")], id="family"),
     pytest.param(["u75_cancer"], [("cancer_u75", "u75_cancer")], id="official-id-pinned"),
     pytest.param(["hle_male"], [("hle_male", "hle_birth")], id="key")],
)
def test_select(names: list[str], expected: list[tuple[str, str]]) -> None:
    assert [(g.key, g.indicator_id) for g in series.select(names)] == expected


def test_select_unknown_lists_what_is_offered() -> None:
    with pytest.raises(UploadError, match=r"expected one of .*hle_birth"):
        series.select(["u75_lung"])
