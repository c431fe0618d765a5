"""Periods and editions: a period's middle year, the IMD editions held and the one nearest a period.

A period is a year (``"2019"``) or a span written with the last two digits of its
end (``"2015-17"``); the analyses order and compare periods by their middle year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from geo._paths import DATA_DIR
from geo.catalogue import load_catalogue
from geo.errors import DataUnavailableError, UploadError

__all__ = ["imd_editions", "nearest_edition", "period_span", "period_year"]

_IMD_ID = re.compile(r"^imd(\d{4})_imd_(?:la|area)_avg_score$")


def period_span(period: str) -> tuple[int, int]:
    """The first and last year of a period: ``"2015-17"`` is (2015, 2017), ``"1999-01"`` (1999, 2001)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", period.strip())
    if not match:
        raise UploadError(f"Expected a period such as 2015-17 or 2019; got {period!r}.")
    start = int(match.group(1))
    if match.group(2) is None:
        return start, start
    end = start // 100 * 100 + int(match.group(2))
    if end < start:  # "1999-01" runs into the next century
        end += 100
    return start, end


def period_year(period: str) -> float:
    """The middle year of a period: ``"2015-17"`` is 2016, ``"2019"`` 2019."""
    start, end = period_span(period)
    return (start + end) / 2


def imd_editions(level: str = "lad", *, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """``{edition year: indicator id}`` of the IMD average-score summaries held at ``level``."""
    found: dict[str, str] = {}
    for indicator_id, indicator in load_catalogue(data_dir).items():
        match = _IMD_ID.match(indicator_id)
        if match and level in indicator.levels:
            found.setdefault(match.group(1), indicator_id)
    return dict(sorted(found.items()))


def nearest_edition(period: str, editions: Sequence[str]) -> str:
    """The IMD edition nearest the period's middle year; a tie goes to the earlier edition."""
    if not editions:
        raise DataUnavailableError("No IMD average-score summary is held; rebuild the data with `python -m geo build`.")
    middle = period_year(period)
    return min(editions, key=lambda e: (abs(int(e) - middle), int(e)))
