"""Counts by postcode: a list of people, households or events counted into small areas and districts.

A column of postcodes (one row per person, or with a count column) is placed with
:mod:`geo.postcodes`, counted into LSOAs (2011 and 2021) and districts (2019 and 2023
code sets), and turned into rates per 1,000 residents where the population is held, each with its
95% and 99.8% confidence intervals as OHID computes a crude rate's (:func:`geo.intervals.crude_rate`:
Byar's method from 10, the exact Poisson limits below) and the method named row by row.
Every row is accounted for: placed, or listed by row number with the reason it was
not. Counts below the small-number threshold are suppressed in every output. The
postcodes themselves stay in the session: a :class:`Tally` is session-owned and its
tables hold only area codes and counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo import boundaries, intervals
from geo._paths import DATA_DIR
from geo.errors import UploadError
from geo.indicators import load
from geo.lsoa_sets import lsoa_people
from geo.postcodes import ATTRIBUTION, find_many, normalise, normalise_many
from geo.shared import SessionOwned

__all__ = ["DEFAULT_THRESHOLD", "REASONS", "Tally", "extract_postcode", "postcode_share", "tally"]

#: Counts below this are shown as suppressed (NHS small-number practice).
DEFAULT_THRESHOLD = 5
_ADDRESS_PC = re.compile(r"([A-Za-z]{1,2}[0-9OoIl][A-Za-z0-9]?\s*[0-9Oo][A-Za-z]{2})\s*$")

#: Why a row was not counted, in the order the report lists them.
REASONS: dict[str, str] = {
    "empty": "empty cell",
    "invalid": "not shaped like a postcode",
    "unknown": "not in the ONS postcode lookup or Code-Point Open",
    "elsewhere": "outside England",
    "non-geographic": "non-geographic (BFPO or similar): no place",
    "bad_count": "count is not a whole number of 0 or more",
}

#: (level, vintage, LSOA vintage, column of the placed table) for each set counted into.
_SETS: tuple[tuple[str, str, str], ...] = (
    ("lsoa", "2021", "2021"),
    ("lsoa", "2011", "2011"),
    ("lad", "2023", "2021"),
    ("lad", "2019", "2011"),
)


@dataclass(frozen=True, eq=False)
class Tally(SessionOwned):
    """Counts by area of one uploaded list, with the rows that could not be placed."""

    rows_read: int
    counted: int  # rows placed (terminated postcodes included, where they were)
    terminated: int
    threshold: int
    tables: dict[tuple[str, str], pd.DataFrame] = field(repr=False)
    not_counted: pd.DataFrame = field(repr=False)  # row, reason (no postcode: it stays in the session)
    notes: tuple[str, ...] = ()

    def report(self) -> list[str]:
        """One line per outcome; the numbers add up to the rows read."""
        lines = [f"{self.rows_read:,} rows read: {self.counted:,} placed in England"
                 + (f" ({self.terminated:,} of them terminated postcodes, counted where they were)"
                    if self.terminated else "")
                 + f", {len(self.not_counted):,} not counted."]
        for reason, words in REASONS.items():
            rows = self.not_counted.loc[self.not_counted["reason"] == reason, "row"]
            if len(rows):
                shown = ", ".join(str(r) for r in rows.head(20))
                more = f" and {len(rows) - 20:,} more" if len(rows) > 20 else ""
                lines.append(f"{len(rows):,} {words}: rows {shown}{more}.")
        return [*self.notes, *lines]

    def table(self, level: str, vintage: str) -> pd.DataFrame:
        """One set's counts, suppression applied.

        Columns: ``area_code, count, population, rate_per_1000``, the rate's limits
        ``lower_ci_95, upper_ci_95, lower_ci_99_8, upper_ci_99_8`` and ``ci_method`` (e.g.
        "95% and 99.8% CIs by Byar's method", or "no interval: <reason>"), then
        ``suppressed, population_year, note``.
        """
        return self.tables[(level, vintage)]


def extract_postcode(text: str) -> str | None:
    """The postcode at the end of an address, if there is one.

    >>> extract_postcode("Flat 2, 10 High Street, Liverpool L1 0AA")
    'L1 0AA'
    >>> extract_postcode("10 High Street") is None
    True
    """
    m = _ADDRESS_PC.search(str(text).strip())
    return normalise(m.group(1)) if m else None


def postcode_share(values: pd.Series) -> float:
    """The share of non-empty cells shaped like a postcode (to spot a postcode column)."""
    cells = values.dropna().astype(str).str.strip()
    cells = cells[cells != ""].head(2000)
    if cells.empty:
        return 0.0
    return float(cells.map(lambda v: normalise(v) is not None).mean())


def tally(
    postcodes: pd.Series,
    *,
    counts: pd.Series | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    first_row: int = 2,
    data_dir: Path = DATA_DIR,
) -> Tally:
    """Count ``postcodes`` (one row each, or weighted by ``counts``) into small areas and districts.

    Parameters
    ----------
    postcodes
        As uploaded: any case and spacing; whole addresses ending in a postcode are read.
    counts
        Optional count per row (households, people, events); blank means 1.
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed in every output.
    first_row
        The file's row number of the first data row (2 when a header line is row 1).
    """
    if threshold < 1:
        raise UploadError(f"The small-number threshold must be 1 or more; got {threshold}. Use 5, as NHS practice does.")
    text = postcodes.astype("string").fillna("").str.strip().reset_index(drop=True)
    rows = pd.Series(np.arange(len(text)) + first_row)
    weights, bad_count = _weights(counts, len(text))
    unique = pd.Series(text.unique())
    shaped = normalise_many(unique)
    read = shaped.where(shaped.notna(), unique.map(extract_postcode))
    addresses = int((read.notna() & shaped.isna()).sum())
    answers = find_many(read).set_index(unique)
    reason_of = pd.Series(np.where(unique == "", "empty", np.where(read.isna(), "invalid",
                                   answers["status"].map(_reason).to_numpy())), index=unique)
    at = text.to_numpy()
    reason = pd.Series(reason_of.reindex(at).to_numpy()).where(~bad_count, "bad_count")
    placed = reason == ""
    found = answers.reindex(at[placed.to_numpy()])
    lsoa = {"2011": pd.Series(found["lsoa11_code"].to_numpy(), index=placed[placed].index),
            "2021": pd.Series(found["lsoa21_code"].to_numpy(), index=placed[placed].index)}
    terminated = int(found["terminated"].sum())
    tables = {(lv, vin): _count(lv, vin, lsoa_v, lsoa[lsoa_v], weights[placed], threshold, data_dir)
              for lv, vin, lsoa_v in _SETS}
    notes = []
    if addresses:
        notes.append(f"{addresses:,} different cells held whole addresses: the postcode at the end of each was used.")
    unplaced21 = int(lsoa["2021"].isna().sum())
    if unplaced21:
        notes.append(f"{unplaced21:,} placed rows have no 2021 small area (their 2011 one was split and they have "
                     "no coordinates): they count on the 2011 sets only.")
    not_counted = pd.DataFrame({"row": rows[~placed].to_numpy(), "reason": reason[~placed].to_numpy()})
    return Tally(rows_read=len(text), counted=int(placed.sum()), terminated=terminated, threshold=threshold,
                 tables=tables, not_counted=not_counted, notes=tuple(notes))


def _reason(status: str) -> str:
    return "" if status in ("live", "terminated") else status


def _weights(counts: pd.Series | None, n: int) -> tuple[pd.Series, pd.Series]:
    if counts is None:
        return pd.Series(np.ones(n)), pd.Series(np.zeros(n, dtype=bool))
    raw = counts.reset_index(drop=True).astype("string").str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(raw, errors="coerce")
    values = values.where(raw.fillna("") != "", 1.0)  # a blank count is one
    bad = values.isna() | (values < 0) | (values % 1 != 0) | ~np.isfinite(values.fillna(0))
    return values.fillna(0).astype("float64"), bad.astype(bool)


def _population(level: str, vintage: str, lsoa_vintage: str, data_dir: Path) -> tuple[pd.Series | None, str | None]:
    """Residents per area: LSOA estimates (2021 ones carried, never divided), or the district's own estimate."""
    if level == "lsoa":
        people, year = lsoa_people(lsoa_vintage, data_dir=data_dir)
        return (None, None) if people is None else (people["pop_total"], year)
    rows = load("pop_total", level=level, vintage=vintage, data_dir=data_dir)
    latest = str(rows["period"].max())
    rows = rows[rows["period"] == latest]
    return rows.set_index("area_code")["value"], latest


def _count(level: str, vintage: str, lsoa_vintage: str, lsoa: pd.Series, weights: pd.Series,
           threshold: int, data_dir: Path) -> pd.DataFrame:
    keys = lsoa if level == "lsoa" else lsoa.map(
        boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir))
    counted = weights.groupby(keys.to_numpy(), dropna=True).sum()
    pop, year = _population(level, vintage, lsoa_vintage, data_dir)
    population = pop.reindex(counted.index) if pop is not None else pd.Series(np.nan, index=counted.index)
    out = pd.DataFrame({"area_code": counted.index.astype(str), "count": counted.to_numpy(),
                        "population": population.to_numpy()})
    out["rate_per_1000"] = (1000 * out["count"] / out["population"]).round(1)
    ci = intervals.with_levels("rate", out["count"], out["population"], multiplier=1000)
    limits = [intervals.column(side, level) for level in intervals.LEVELS for side in ("lower", "upper")]
    for name in limits:
        out[name] = ci[name].round(1)
    out["ci_method"] = ci["ci_method"]
    out["suppressed"] = (out["count"] > 0) & (out["count"] < threshold)
    out.loc[out["suppressed"], ["count", "rate_per_1000", *limits]] = np.nan
    out.loc[out["suppressed"], "ci_method"] = intervals.no_interval("suppressed")
    out["population_year"] = year or ""
    out["note"] = np.where(out["suppressed"], f"suppressed: fewer than {threshold}", "")
    out.attrs["attribution"] = ATTRIBUTION
    return out.sort_values("area_code").reset_index(drop=True)
