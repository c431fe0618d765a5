"""Small areas across their sets: 2021 values on 2011 LSOAs, and the people per LSOA of each set.

The atlas's derived LSOA 2011-2021 lookup (:mod:`geo.ingest.lsoa_change`, read by
:func:`geo.crosswalk.lsoa11_lookup`) says how each LSOA changed in 2021: unchanged
(``U``), merged (``M``), split (``S``) or redrawn (``X``). A value or a count is
carried only where no dividing is needed.

- **2021 values on 2011 LSOAs** (:func:`changes_2011`, :func:`carry_2021`): an
  unchanged LSOA takes its own value and a 2011 LSOA inside a merged 2021 LSOA the
  merged area's value; a split or redrawn one has none.
- **People on 2021 LSOAs** (:func:`people_2021`, :func:`lsoa_people`): the ONS
  small-area estimates are on 2011 LSOAs. An unchanged 2021 LSOA has its 2011 LSOA's
  people, a merged one the sum of its whole 2011 LSOAs (the same ground, so the counts
  add exactly), and a split or redrawn one no count (``pop_note`` says why): people
  are never divided.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from geo import indicators, shared
from geo._paths import DATA_DIR
from geo.crosswalk import lsoa11_lookup

__all__ = [
    "CARRIED_CHANGES",
    "CHANGE_WORDS",
    "PEOPLE_ROUTE",
    "POPULATION_COLUMNS",
    "carry_2021",
    "changes_2011",
    "changes_2021",
    "lsoa_people",
    "people_2021",
]

#: Changes (derived LSOA 2011-2021 lookup) through which a 2021 value reaches a 2011 LSOA without dividing.
CARRIED_CHANGES: Final = ("U", "M")
CHANGE_WORDS: Final[dict[str, str]] = {
    "U": "unchanged", "M": "inside a merged 2021 LSOA", "S": "split in 2021", "X": "redrawn in 2021 (complex)",
}

#: The people counted for the matching LSOAs, in order (ONS small-area estimates, 2011 LSOAs).
POPULATION_COLUMNS: Final[tuple[str, ...]] = ("pop_total", "pop_0_4", "pop_0_15", "pop_65_plus")
#: How the 2011-LSOA people reach 2021 LSOAs (:func:`people_2021`), in the sentences and editions.
PEOPLE_ROUTE: Final = "carried to 2021 LSOAs through the atlas's derived LSOA 2011-2021 lookup"


def changes_2011(lookup: pd.DataFrame) -> pd.DataFrame:
    """Per 2011 LSOA of a 2011-2021 lookup: ``change`` and the one 2021 LSOA it takes a value from (U, M), else none.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["a", "b", "b", "c", "d"], "lsoa21_code": ["a", "b1", "b2", "cd", "cd"],
    ...                        "change": ["U", "S", "S", "M", "M"]})
    >>> carry_2021(pd.Series({"a": 1.0, "b1": 2.0, "b2": 3.0, "cd": 4.0}), changes_2011(lookup)).to_dict()
    {'a': 1.0, 'b': nan, 'c': 4.0, 'd': 4.0}
    """
    per = lookup.groupby("lsoa11_code").agg(change=("change", "first"), lsoa21_code=("lsoa21_code", "first"))
    per["lsoa21_code"] = per["lsoa21_code"].where(per["change"].isin(CARRIED_CHANGES))
    return per


def carry_2021(values: pd.Series, changes: pd.DataFrame) -> pd.Series:
    """2021-LSOA ``values`` on 2011 LSOAs (:func:`changes_2011`): own (U) or merged area's (M) value, else missing."""
    return changes["lsoa21_code"].map(values).astype("float64")


@shared.cached(max_entries=2)
def _population_table(data_dir: Path) -> tuple[pd.DataFrame, str]:
    period = None
    frames = {}
    for column in POPULATION_COLUMNS:
        rows = indicators.load(column, level="lsoa", vintage="2011", data_dir=data_dir)
        latest = sorted(rows["period"].unique())[-1]
        period = latest if period is None else min(period, latest)
        frames[column] = rows
    assert period is not None
    out = pd.DataFrame(
        {c: f[f["period"] == period].set_index("area_code")["value"] for c, f in frames.items()}
    )
    return out, str(period)


@shared.cached(max_entries=2)
def _population_2021(data_dir: Path) -> tuple[pd.DataFrame, str] | None:
    lookup = lsoa11_lookup(data_dir)
    if lookup.empty:
        return None
    population, period = _population_table(data_dir)
    return people_2021(population, lookup), period


def lsoa_people(lsoa_vintage: str, *, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame | None, str | None]:
    """People per LSOA of ``lsoa_vintage`` (:data:`POPULATION_COLUMNS`; on 2021 LSOAs with ``pop_note``,
    carried through the derived lookup as :func:`people_2021` says) and their mid-year; ``(None, None)`` if not held.
    """
    return _population(lsoa_vintage, data_dir)


def _population(lsoa_vintage: str, data_dir: Path) -> tuple[pd.DataFrame | None, str | None]:
    """The people per LSOA of the rule's set and their mid-year; on 2021 LSOAs with ``pop_note``."""
    if lsoa_vintage == "2011":
        return _population_table(data_dir)
    carried = _population_2021(data_dir)
    return (None, None) if carried is None else carried


def changes_2021(lookup: pd.DataFrame) -> pd.DataFrame:
    """Per 2021 LSOA of a 2011-2021 lookup: ``change`` (U/M/S/X; X if its rows disagree) and its ``lsoa11_codes``."""
    per = lookup.groupby("lsoa21_code").agg(
        change=("change", "first"), kinds=("change", "nunique"), lsoa11_codes=("lsoa11_code", lambda s: tuple(sorted(s)))
    )
    per["change"] = per["change"].where(per["kinds"] == 1, "X")
    return per.drop(columns="kinds")


def people_2021(population: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """2011-LSOA ``population`` (:data:`POPULATION_COLUMNS`, by 2011 code) on the 2021 LSOAs of ``lookup``.

    Unchanged (U): its 2011 LSOA's people; merged (M): the sum of its whole 2011 LSOAs,
    missing if any of them is; split (S) or redrawn (X): missing, never divided.
    ``pop_note`` says how each 2021 LSOA was counted (empty for an unchanged one).

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["a", "b", "b", "c", "d"], "lsoa21_code": ["a", "b1", "b2", "cd", "cd"],
    ...                        "change": ["U", "S", "S", "M", "M"]})
    >>> people = pd.DataFrame({c: [10.0, 20.0, 30.0, 40.0] for c in POPULATION_COLUMNS}, index=list("abcd"))
    >>> people_2021(people, lookup)["pop_total"].to_dict()
    {'a': 10.0, 'b1': nan, 'b2': nan, 'cd': 70.0}
    """
    per = changes_2021(lookup)
    columns = list(POPULATION_COLUMNS)
    parts = per[per["change"].isin(CARRIED_CHANGES)]["lsoa11_codes"].explode()
    values = population.reindex(parts.to_numpy())[columns].set_axis(parts.index)
    grouped = values.groupby(level=0)
    whole = grouped.count().eq(grouped.size(), axis=0)  # a merged LSOA with a part missing is missing
    out = grouped.sum(min_count=1).where(whole).reindex(per.index)
    words = {
        "M": lambda codes: f"sum of the {len(codes)} whole 2011 LSOAs merged into it ({', '.join(codes)})",
        "S": lambda codes: f"not counted: split from 2011 LSOA {codes[0]} in 2021 (people are not divided)",
        "X": lambda codes: f"not counted: redrawn in 2021 from 2011 LSOA(s) {', '.join(codes)} (people are not divided)",
    }
    note = [words[k](c) if k in words else None for k, c in zip(per["change"], per["lsoa11_codes"], strict=True)]
    out["pop_note"] = pd.Series(note, index=per.index, dtype="str")
    missing = out["pop_total"].isna() & per["change"].isin(CARRIED_CHANGES)
    out.loc[missing, "pop_note"] = "not counted: no estimate held for its 2011 LSOA(s)"
    return out.astype({c: "float64" for c in columns})
