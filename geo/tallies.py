"""Counts by postcode: a list of people, households or events counted into small areas and districts.

A column of postcodes (one row per person, or with a count column) is placed with
:mod:`geo.postcodes`, counted into LSOAs (2011 and 2021) and the areas they nest in
(districts of the 2019 and 2023 code sets, and any other set the LSOA lookups reach), and
turned into rates per 1,000 residents where the population is held, each with its 95% and
99.8% confidence intervals as OHID computes a crude rate's (:func:`geo.intervals.crude_rate`:
Byar's method from 10, the exact Poisson limits below) and the method named row by row.
Every row is accounted for: placed, or listed by row number with the reason it was not;
placed rows written in another form (lower case, spacing, the letter O, an address, a
terminated postcode) are listed too. Counts below the small-number threshold are suppressed
in every output. The postcodes themselves stay in the session: a :class:`Tally` is
session-owned and holds only row numbers, LSOA codes and counts.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo import boundaries, crosswalk, intervals
from geo._paths import DATA_DIR
from geo.errors import AtlasError, UploadError
from geo.indicators import load
from geo.lsoa_sets import lsoa_people
from geo.postcodes import ATTRIBUTION, find, find_many, normalise, normalise_many
from geo.shared import SessionOwned

__all__ = ["DEFAULT_THRESHOLD", "REASONS", "REMARKS", "SETS", "Tally", "extract_postcode", "postcode_share", "tally"]

#: Counts below this are shown as suppressed (NHS small-number practice).
DEFAULT_THRESHOLD = 5
_ADDRESS_PC = re.compile(r"([A-Za-z]{1,2}[0-9OoIl][A-Za-z0-9]?\s*[0-9Oo][A-Za-z]{2})\s*$")
#: Rows listed by number in each report line (the rest are counted: "and 1,234 more").
_SHOWN = 20

#: Why a row was not counted, in the order the report lists them.
REASONS: dict[str, str] = {
    "empty": "with an empty postcode cell",
    "invalid": "not shaped like a postcode, with no postcode at the end of an address",
    "unknown": "with a postcode in neither the ONS postcode lookup (May 2022) nor Code-Point Open (April 2025): "
               "check the spelling",
    "Scotland": "with a postcode in Scotland, not England (the atlas covers England only)",
    "Wales": "with a postcode in Wales, not England (the atlas covers England only)",
    "Northern Ireland": "with a postcode in Northern Ireland, not England (the atlas covers England only)",
    "the Channel Islands": "with a postcode in the Channel Islands, not England (the atlas covers England only)",
    "the Isle of Man": "with a postcode in the Isle of Man, not England (the atlas covers England only)",
    "elsewhere": "with a postcode outside England (the atlas covers England only)",
    "non-geographic": "with a non-geographic postcode (BFPO, a PO box or a large user), which has no place on a map",
    "bad_count": "whose count is not a whole number of 0 or more",
}

#: Placed rows the report lists because they were read from another form, in its order.
REMARKS: dict[str, str] = {
    "terminated": "with a terminated postcode, counted in the small area where it was",
    "address": "holding a whole address, read by the postcode at its end",
    "lower case": "written in lower case, read in capitals",
    "spacing": "with missing, doubled or extra spaces, read with one space before the last three characters",
    "letter O": "with the letter O where only a zero can stand, read as 0",
}

#: The sets a list is counted into by name: (level, vintage) -> words.
SETS: dict[tuple[str, str], str] = {
    ("lsoa", "2021"): "small areas (LSOAs, 2021 set)",
    ("lsoa", "2011"): "small areas (LSOAs, 2011 set)",
    ("lad", "2023"): "local authority districts (2023 codes)",
    ("lad", "2019"): "local authority districts (2019 codes)",
}

_COUNTRIES = ("Scotland", "Wales", "Northern Ireland", "the Channel Islands", "the Isle of Man")


@dataclass(frozen=True, eq=False)
class Tally(SessionOwned):
    """Counts by area of one uploaded list, with the rows that could not be placed.

    ``sums`` holds, per LSOA vintage ("2011", "2021"), the rows' count in each LSOA before
    suppression (LSOA codes and numbers only); :meth:`table` adds them up into any set
    those LSOAs nest in and suppresses counts below ``threshold``.
    """

    rows_read: int
    counted: int  # rows placed (terminated postcodes included, where they were)
    terminated: int
    threshold: int
    sums: dict[str, pd.Series] = field(repr=False)
    not_counted: pd.DataFrame = field(repr=False)  # row, reason (no postcode: it stays in the session)
    remarks: pd.DataFrame = field(repr=False)  # row, kind (placed rows read from another form)
    notes: tuple[str, ...] = ()
    data_dir: Path = DATA_DIR
    _tables: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False)

    def report(self) -> list[str]:
        """One line per outcome; the numbers add up to the rows read."""
        lines = [f"{self.rows_read:,} rows read: {self.counted:,} placed in England, "
                 f"{len(self.not_counted):,} not counted."]
        lines += _lines(self.not_counted, "reason", REASONS, lead="Not counted: ")
        lines += _lines(self.remarks, "kind", REMARKS, lead="Counted: ")
        return [*lines, *self.notes]

    def table(self, level: str, vintage: str) -> pd.DataFrame:
        """One set's counts, every area of the set (0 where the list has none), suppression applied.

        Columns: ``area_code, count, population, rate_per_1000``, the rate's limits
        ``lower_ci_95, upper_ci_95, lower_ci_99_8, upper_ci_99_8`` and ``ci_method`` (e.g.
        "95% and 99.8% CIs by Byar's method", or "no interval: <reason>"), then
        ``suppressed, population_year, note``.

        Raises
        ------
        UploadError
            When no LSOA lookup reaches ``(level, vintage)``.
        """
        key = (level, vintage)
        if key not in self._tables:
            self._tables[key] = _count(level, vintage, self.sums, self.threshold, self.data_dir)
        return self._tables[key]

    def with_threshold(self, threshold: int) -> Tally:
        """The same counts suppressed at another threshold (nothing is looked up again)."""
        _check_threshold(threshold)
        return dataclasses.replace(self, threshold=int(threshold), _tables={})


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
    """Count ``postcodes`` (one row each, or weighted by ``counts``) into small areas and the areas they nest in.

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
    _check_threshold(threshold)
    text = postcodes.astype("string").fillna("").str.strip().reset_index(drop=True)
    rows = pd.Series(np.arange(len(text)) + first_row)
    weights, bad_count = _weights(counts, len(text))
    unique = pd.Series(text.unique(), dtype="string")
    shaped = normalise_many(unique)
    from_address = shaped.isna() & (unique != "")
    read = shaped.copy()
    read[from_address] = unique[from_address].map(extract_postcode)
    answers = find_many(read, data_dir=data_dir)
    status = pd.Series(np.where(unique == "", "empty", np.where(read.isna(), "invalid", answers["status"].to_numpy())))
    abroad = status == "elsewhere"
    status[abroad] = read[abroad].map(lambda pc: _country(pc, data_dir))
    reason_of = np.where(status.isin(["live", "terminated"]), "", status).astype(object)
    at = text.to_numpy()
    position = pd.Index(unique.to_numpy()).get_indexer(at)
    reason = pd.Series(reason_of[position]).where(~bad_count, "bad_count")
    placed = (reason == "").to_numpy()
    where = position[placed]
    lsoa = {vin: pd.Series(answers[f"lsoa{vin[2:]}_code"].to_numpy()[where]) for vin in ("2011", "2021")}
    placed_weights = weights[placed].reset_index(drop=True)
    sums = {vin: placed_weights.groupby(codes.to_numpy(), dropna=True).sum() for vin, codes in lsoa.items()}
    kinds = _kinds(unique, shaped, from_address, answers["terminated"].to_numpy(dtype=bool))
    remarks = _remarks(kinds, position, placed, rows)
    notes = []
    why = {"2021": "their 2011 small area was split in 2021 and no coordinates say which part they are in",
           "2011": "they are newer than the ONS lookup of May 2022 and placed by their coordinates only"}
    for vin, codes in lsoa.items():
        if n := int(codes.isna().sum()):
            other = "2011" if vin == "2021" else "2021"
            notes.append(f"{n:,} placed rows have no {vin} small area ({why[vin]}): they count on the {other} sets "
                         "only.")
    not_counted = pd.DataFrame({"row": rows[~placed].to_numpy(), "reason": reason[~placed].to_numpy()})
    return Tally(rows_read=len(text), counted=int(placed.sum()), terminated=int((remarks["kind"] == "terminated").sum()),
                 threshold=int(threshold), sums=sums, not_counted=not_counted, remarks=remarks, notes=tuple(notes),
                 data_dir=data_dir)


def _check_threshold(threshold: int) -> None:
    if int(threshold) != threshold or threshold < 1:
        raise UploadError(f"The small-number threshold must be a whole number of 1 or more; got {threshold}. "
                          "Use 5, as NHS practice does.")


def _country(postcode: object, data_dir: Path) -> str:
    """Where outside England a postcode lies ("Scotland", ...), from :func:`geo.postcodes.find`'s line."""
    message = find(str(postcode), data_dir=data_dir).message
    return next((c for c in _COUNTRIES if f" is in {c}," in message), "elsewhere")


def _kinds(unique: pd.Series, shaped: pd.Series, from_address: pd.Series, terminated: np.ndarray) -> pd.DataFrame:
    """Per distinct cell: whether it was read from another form (booleans by :data:`REMARKS` kind)."""
    n = len(unique)
    out = pd.DataFrame({"terminated": terminated, "address": from_address.to_numpy(dtype=bool),
                        "lower case": np.zeros(n, dtype=bool), "spacing": np.zeros(n, dtype=bool),
                        "letter O": np.zeros(n, dtype=bool)})
    odd = (shaped.notna() & (unique != shaped)).to_numpy(dtype=bool)  # postcodes not written as the lookup writes them
    plain = unique[odd].astype(str)
    norm = shaped[odd].astype(str)
    upper = plain.str.upper()
    squeezed = upper.str.replace(r"\s+", "", regex=True)
    out.loc[odd, "lower case"] = (plain != upper).to_numpy(dtype=bool)
    out.loc[odd, "spacing"] = (upper != squeezed.str[:-3] + " " + squeezed.str[-3:]).to_numpy(dtype=bool)
    out.loc[odd, "letter O"] = (squeezed != norm.str.replace(" ", "", regex=False)).to_numpy(dtype=bool)
    return out


def _remarks(kinds: pd.DataFrame, position: np.ndarray, placed: np.ndarray, rows: pd.Series) -> pd.DataFrame:
    """(row, kind) for each placed row read from another form, kinds in :data:`REMARKS` order."""
    parts = []
    for kind in REMARKS:
        hit = kinds[kind].to_numpy(dtype=bool)[position] & placed
        parts.append(pd.DataFrame({"row": rows[hit].to_numpy(), "kind": kind}))
    return pd.concat(parts, ignore_index=True)


def _lines(frame: pd.DataFrame, column: str, words: dict[str, str], *, lead: str) -> list[str]:
    """One line per kind present: "<lead>3 <words>: rows 4, 9, 12." (the first rows, then how many more)."""
    out = []
    for kind, text in words.items():
        rows = frame.loc[frame[column] == kind, "row"]
        if len(rows):
            shown = ", ".join(str(r) for r in rows.head(_SHOWN))
            more = f" and {len(rows) - _SHOWN:,} more" if len(rows) > _SHOWN else ""
            rows_word = "rows" if len(rows) > 1 else "row"
            out.append(f"{lead}{len(rows):,} {rows_word} {text}: {rows_word} {shown}{more}.")
    return out


def _weights(counts: pd.Series | None, n: int) -> tuple[pd.Series, pd.Series]:
    if counts is None:
        return pd.Series(np.ones(n)), pd.Series(np.zeros(n, dtype=bool))
    raw = counts.reset_index(drop=True).astype("string").str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(raw, errors="coerce")
    values = values.where(raw.fillna("") != "", 1.0)  # a blank count is one
    bad = values.isna() | (values < 0) | (values % 1 != 0) | ~np.isfinite(values.fillna(0))
    return values.fillna(0).astype("float64"), bad.astype(bool)


def _population(level: str, vintage: str, lsoa_vintage: str, data_dir: Path) -> tuple[pd.Series | None, str | None]:
    """Residents per area: LSOA estimates (2021 ones carried, never divided), or the area's own estimate."""
    if level == "lsoa":
        people, year = lsoa_people(lsoa_vintage, data_dir=data_dir)
        return (None, None) if people is None else (people["pop_total"], year)
    try:
        rows = load("pop_total", level=level, vintage=vintage, data_dir=data_dir)
    except AtlasError:
        return None, None
    latest = str(rows["period"].max())
    rows = rows[rows["period"] == latest]
    return rows.set_index("area_code")["value"], latest


def _count(level: str, vintage: str, sums: dict[str, pd.Series], threshold: int, data_dir: Path) -> pd.DataFrame:
    """Every area of ``(level, vintage)`` with its count (0 where none), rate and limits; small counts suppressed."""
    try:
        lsoa_vintage = vintage if level == "lsoa" else boundaries.lsoa_vintage_for(level, vintage)
        per_lsoa = sums[lsoa_vintage]
        if level == "lsoa":
            areas = pd.Index(sorted(crosswalk.set_codes("lsoa", vintage, data_dir)))
            counted = per_lsoa
        else:
            parents = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir)
            areas = pd.Index(sorted(parents.dropna().unique()))
            counted = per_lsoa.groupby(parents.reindex(per_lsoa.index).to_numpy()).sum()
    except (AtlasError, KeyError) as exc:
        raise UploadError(f"Postcodes cannot be counted into {level} {vintage}: {exc}. Count them into small areas "
                          "(LSOAs 2011 or 2021) or districts (2019 or 2023 codes).") from None
    counted = counted.reindex(areas.union(counted.index), fill_value=0.0)
    pop, year = _population(level, vintage, lsoa_vintage, data_dir)
    population = pop.reindex(counted.index) if pop is not None else pd.Series(np.nan, index=counted.index)
    out = pd.DataFrame({"area_code": counted.index.astype(str), "count": counted.to_numpy(dtype="float64"),
                        "population": population.to_numpy(dtype="float64")})
    # Not rounded: a district's rate of a few people per 1,000 would read 0.0 (the map writes what it needs).
    out["rate_per_1000"] = 1000 * out["count"] / out["population"]
    ci = intervals.with_levels("rate", out["count"], out["population"], multiplier=1000)
    limits = [intervals.column(side, level) for level in intervals.LEVELS for side in ("lower", "upper")]
    for name in limits:
        out[name] = ci[name]
    out["ci_method"] = ci["ci_method"]
    no_people = out["population"].isna() | (out["population"] <= 0)
    out.loc[no_people, "ci_method"] = intervals.no_interval("no resident population held for this area")
    out["suppressed"] = (out["count"] > 0) & (out["count"] < threshold)
    out.loc[out["suppressed"], ["count", "rate_per_1000", *limits]] = np.nan
    out.loc[out["suppressed"], "ci_method"] = intervals.no_interval("suppressed")
    out["population_year"] = year or ""
    out["note"] = np.where(out["suppressed"], f"suppressed: fewer than {threshold}", "")
    out.attrs["attribution"] = ATTRIBUTION
    return out.reset_index(drop=True)
