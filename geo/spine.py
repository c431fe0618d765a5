"""An area's spine chart: every indicator held for it against England's spread, as Fingertips draws it.

For each indicator held for the area at its level (each sex on its own row, the latest
period held for the area), the spine is the spread of all areas of that level, vintage,
period and sex: the worst, 25th percentile, 75th percentile and best value, with
England's value and the area's. The arithmetic is that of OHID's ``fingertipscharts``
(``spine_rescaler``):

- the quartiles are R's ``quantile`` (its default, type 7: linear between order
  statistics, numpy's ``"linear"``) over the areas' values, England left out;
- "worst" and "best" follow the polarity: the lowest value is the worst where higher is
  better, the highest where lower is better; with no polarity the ends are "lowest" and
  "highest";
- each row is drawn on its own scale centred on England's value, the half-width the
  farther of the two ends from England (:meth:`Vertebra.scale`).

The area's marker is coloured and shaped by :func:`geo.comparison.compare` (the one
comparison every page uses: the 95% interval against England's value, or OHID's published
verdict). Ranks, deciles and counts of people are positions or totals, not values to set
against a spread, and are left out; of an indicator published in several editions (the
Indices of Deprivation) only the latest edition held for the area is kept, as
``spine_preprocess`` keeps the latest period of each indicator.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from geo import derived, indicators, shared
from geo._paths import DATA_DIR, refreshed_dir
from geo.catalogue import Indicator, load_catalogue
from geo.comparison import Versus, compare, published_verdict
from geo.errors import DataUnavailableError
from geo.periods import period_year
from geo.schema import ENGLAND_CODE

__all__ = ["LEFT_OUT", "METHOD", "WORDS", "Spine", "Vertebra", "spine", "word"]

#: Value types not drawn on a spine, and why.
LEFT_OUT: Final[dict[str, str]] = {
    "rank": "ranks are positions, not values to set against England's spread",
    "decile": "deciles are positions, not values to set against England's spread",
    "count": "counts of people are totals that grow with an area's size",
}
#: The comparison's one word per verdict, beside the marker (so the chart reads without colour).
WORDS: Final[dict[str, str]] = {
    "better": "better", "similar": "similar", "worse": "worse", "higher": "higher", "lower": "lower",
}
#: How the spine is made, for a caption or a footnote.
METHOD: Final = ("Each row: all areas of the same type, period and sex; the bar runs from the worst to the best "
                 "value, its darker middle from the 25th to the 75th percentile (R's quantile, type 7, as OHID's "
                 "fingertipscharts computes them), drawn on its own scale centred on England's value. The marker "
                 "is the area's value, by its comparison with England (95% confidence interval, or OHID's "
                 "published verdict).")
_EDITION: Final = re.compile(r"^(imd|iod)\d{4}_")
#: Bytes of level tables kept (districts take about 20 MB).
ROWS_BYTES: Final = 120_000_000


def word(verdict: str) -> str:
    """The comparison's word beside a marker: "better", "similar", ... or "not compared"."""
    return WORDS.get(verdict, "not compared")


@dataclass(frozen=True)
class Vertebra:
    """One indicator (and sex) of the spine: the area's value, England's and the spread of all areas."""

    indicator: Indicator
    sex: str
    period: str
    vintage: str
    value: float | None
    status: str
    england: float | None
    worst: float
    q25: float
    q75: float
    best: float
    #: The number of areas with a value the spread is taken over (England left out).
    areas: int
    versus: Versus

    @property
    def word(self) -> str:
        """The comparison in one word ("better", ... "not compared")."""
        return word(self.versus.verdict)

    @property
    def label(self) -> str:
        """e.g. "Life expectancy, female"."""
        return self.indicator.label + ("" if self.sex == "persons" else f", {self.sex}")

    @property
    def ends(self) -> tuple[str, str]:
        """The words for the left and right ends: ("worst", "best"), or ("lowest", "highest") with no polarity."""
        return ("lowest", "highest") if self.indicator.polarity == "none" else ("worst", "best")

    def scale(self) -> tuple[float, float]:
        """The values at the left and right ends of the row's scale (``fingertipscharts``' rescaling).

        Centred on England's value, the half-width the farther end's distance; without
        England's value, the worst and best themselves. The left end is the worst.
        """
        if self.england is None:
            low, high = self.worst, self.best
        else:
            half = max(abs(self.england - self.worst), abs(self.best - self.england))
            low, high = (self.england - half, self.england + half) if self.best >= self.worst else (
                self.england + half, self.england - half)
        if math.isclose(low, high):
            return low - 1.0, high + 1.0  # every area the same: any width shows them
        return low, high

    def position(self, number: float) -> float:
        """Where ``number`` sits on the row's scale: 0 at the left (worst) end, 1 at the right (best)."""
        low, high = self.scale()
        return (number - low) / (high - low)


@dataclass(frozen=True)
class Spine:
    """The spine chart of one area: its rows in catalogue order, and the indicators left out with why."""

    area_code: str
    area_name: str
    level: str
    vintage: str
    rows: tuple[Vertebra, ...]
    left_out: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"Spine chart: {self.area_name} against England"


def _quartiles(values: np.ndarray) -> tuple[float, float, float, float]:
    """Minimum, 25th percentile, 75th percentile and maximum (R's ``quantile``, type 7)."""
    q = np.percentile(values, [0, 25, 75, 100], method="linear")
    return float(q[0]), float(q[1]), float(q[2]), float(q[3])


def _drawable(catalogue: dict[str, Indicator], level: str) -> list[Indicator]:
    """The indicators held at ``level`` whose values a spine can draw (not ranks, deciles or counts)."""
    return [ind for ind in catalogue.values() if level in ind.levels and ind.value_type not in LEFT_OUT]


def _series(indicator_id: str) -> str:
    """The series an edition belongs to: ``imd2019_income_la_avg_score`` -> ``income_la_avg_score``."""
    return _EDITION.sub("", indicator_id)


def _level_rows(level: str, data_dir: Path, refreshed: Path | None) -> pd.DataFrame:
    """Every indicator's rows at ``level`` and England's, in one read (a refresh overlaid, as geo.indicators does)."""
    wanted = ds.field("level").isin([level, "england"])
    files = sorted(str(p) for p in (data_dir / "indicators").glob("*.parquet"))
    if not files:
        raise DataUnavailableError(f"No indicator files in {data_dir / 'indicators'}; run `python -m geo build`.")
    rows = ds.dataset(files, format="parquet").to_table(filter=wanted).to_pandas()
    fresh = sorted(str(p) for p in (refreshed / "indicators").glob("*.parquet")) if refreshed is not None else []
    if fresh:
        rows = indicators.overlay(rows, ds.dataset(fresh, format="parquet").to_table(filter=wanted).to_pandas())
    return rows


#: One level's rows of every indicator (about 0.5 s to read, 20 MB for districts), shared by every session.
_rows = shared.cached(max_entries=4, max_bytes=ROWS_BYTES)(_level_rows)


def _latest(rows: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """The rows of the latest period held for the area, on its code set (as :func:`geo.profile.headline` picks them).

    An official figure wins over one carried from other areas (:mod:`geo.derived`), then the latest code set.
    """
    mine = rows[rows["area_code"] == area_code]
    if mine.empty:
        return mine
    period = sorted(mine["period"].unique())[-1]
    mine = mine[mine["period"] == period]
    ranked = mine.assign(_carried=derived.kind_of(mine["note"]) != "published")
    vintage = ranked.sort_values(["_carried", "vintage"], ascending=[True, False])["vintage"].iloc[0]
    return rows[(rows["period"] == period) & (rows["vintage"] == vintage)]


def _number(value: object) -> float | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def vertebra(ind: Indicator, sex: str, area_code: str, rows: pd.DataFrame, *,
             england: pd.DataFrame) -> Vertebra | None:
    """One row of the spine from one indicator's ``rows`` at the area's level (and ``england``'s rows).

    ``None`` when the area has no row for the sex, or fewer than two areas have a value.
    """
    same = _latest(rows[rows["sex"] == sex], area_code)
    if same.empty:
        return None
    ok = same["status"].astype(str) == "ok"
    values = pd.to_numeric(same.loc[ok, "value"], errors="coerce").dropna().to_numpy(dtype="float64")
    if len(values) < 2:
        return None
    row = same[same["area_code"] == area_code].iloc[0]
    period, status = str(row["period"]), str(row["status"])
    eng = england[(england["area_code"] == ENGLAND_CODE) & (england["period"] == period) & (england["sex"] == sex)]
    eng_value = _number(eng["value"].iloc[0]) if len(eng) else None
    value = _number(row["value"]) if status == "ok" else None
    note = row.get("note")
    versus = compare(value, lower_ci=_number(row["lower_ci"]), upper_ci=_number(row["upper_ci"]), england=eng_value,
                     polarity=ind.polarity, published=published_verdict(note if isinstance(note, str) else None))
    low, q25, q75, high = _quartiles(values)
    higher_worse = ind.polarity == "lower_is_better"
    worst, best = (high, low) if higher_worse else (low, high)
    q_worst, q_best = (q75, q25) if higher_worse else (q25, q75)
    return Vertebra(indicator=ind, sex=sex, period=period, vintage=str(row["vintage"]), value=value, status=status,
                    england=eng_value, worst=worst, q25=q_worst, q75=q_best, best=best, areas=len(values),
                    versus=versus)


def spine(area_code: str, *, area_name: str, level: str, vintage: str, data_dir: Path = DATA_DIR) -> Spine:
    """The spine chart of an area: every indicator held for it (each sex), latest period, against England.

    ``q25`` and ``q75`` of each row are the quartiles on the worst and best side (for an
    indicator where lower is better, ``q25`` is the higher quartile), so a row always reads
    worst, 25th percentile, 75th percentile, best from left to right.
    """
    catalogue = load_catalogue(data_dir)
    every = _rows(level, data_dir, refreshed_dir(data_dir))
    by_indicator = {str(key): frame for key, frame in every.groupby("indicator_id", sort=False)}
    rows: list[Vertebra] = []
    for ind in _drawable(catalogue, level):
        held = by_indicator.get(ind.indicator_id)
        if held is None:
            continue
        at_level = held[held["level"] == level]
        for sex in ind.sexes:
            row = vertebra(ind, sex, area_code, at_level, england=held[held["level"] == "england"])
            if row is not None:
                rows.append(row)
    kept: dict[tuple[str, str], Vertebra] = {}
    for row in rows:  # the latest edition of each series (ties: the catalogue's later entry, a newer edition)
        key = (_series(row.indicator.indicator_id), row.sex)
        if key not in kept or period_year(row.period) >= period_year(kept[key].period):
            kept[key] = row
    order = {id(row): i for i, row in enumerate(rows)}
    chosen = sorted(kept.values(), key=lambda r: order[id(r)])
    kinds = Counter(ind.value_type for ind in catalogue.values() if level in ind.levels and ind.value_type in LEFT_OUT)
    left_out = tuple(f"{n} indicator{'s' if n > 1 else ''} left out ({kind}): {LEFT_OUT[kind]}"
                     for kind, n in sorted(kinds.items()))
    return Spine(area_code=area_code, area_name=area_name, level=level, vintage=vintage, rows=tuple(chosen),
                 left_out=left_out)
