"""Periods and editions: a period's middle year, and the IMD edition nearest it."""

from __future__ import annotations

import pytest

from geo.errors import UploadError
from geo.periods import imd_editions, nearest_edition, period_span, period_year


@pytest.mark.parametrize(
    ("period", "year", "edition"),
    [
        pytest.param("2001-03", 2002.0, "2004", id="reconstruction-2004"),
        pytest.param("2015-17", 2016.0, "2015", id="2015-17-imd2015"),
        pytest.param("2017-19", 2018.0, "2019", id="2017-19-imd2019"),
        pytest.param("2022-24", 2023.0, "2025", id="2022-24-imd2025"),
        pytest.param("1999-01", 2000.0, "2004", id="century-wrap"),
    ],
)
def test_nearest_edition(period: str, year: float, edition: str) -> None:
    assert period_year(period) == year
    assert nearest_edition(period, ["2004", "2007", "2010", "2015", "2019", "2025"]) == edition


def test_edition_tie_goes_to_the_earlier() -> None:
    assert nearest_edition("2017", ["2015", "2019"]) == "2015"


@pytest.mark.parametrize("period", [pytest.param("2015/17", id="slash"), pytest.param("15-17", id="short-start")])
def test_a_period_that_is_not_one_says_what_is_expected(period: str) -> None:
    with pytest.raises(UploadError, match="Expected a period such as 2015-17 or 2019"):
        period_year(period)


def test_imd_editions_held_for_local_authorities(data_dir) -> None:
    editions = imd_editions("lad", data_dir=data_dir)
    assert list(editions) == sorted(editions)
    assert editions["2004"] == "imd2004_imd_la_avg_score"


@pytest.mark.parametrize(
    ("period", "span"),
    [pytest.param("2001-03", (2001, 2003), id="three-years"), pytest.param("2019", (2019, 2019), id="one-year"),
     pytest.param("1999-01", (1999, 2001), id="century-wrap")],
)
def test_period_span(period: str, span: tuple[int, int]) -> None:
    assert period_span(period) == span
    assert period_year(period) == sum(span) / 2
