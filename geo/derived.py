"""Figures shown at a level their source does not publish them for: how they are made, marked and read back.

No source held publishes health outcomes for Primary Care Trusts or Strategic Health
Authorities, and the upper-tier and regional series stop earlier than the district ones
(life expectancy: women to 2016-18, no men). The build (:mod:`geo.ingest.outcomes`)
carries the published district and upper-tier figures to those areas:

- an area that is exactly one published area shows that area's row unchanged, its note
  starting :data:`SAME_AREA` ("Same area as Hartlepool (E06000001)");
- an area made of whole published areas shows the population-weighted mean of their
  values, its note starting :data:`APPROXIMATE`; the weights are ONS LSOA populations of
  the year held nearest the period's middle (:func:`nearest_year`, :data:`POPULATION_YEARS`).
  Where every part publishes a 95% confidence interval, the mean has an approximate one
  combining them as independent estimates (:func:`geo.intervals.weighted_mean`), its note
  saying :data:`COMBINED_CI`; otherwise its note says "no interval: <reason>"
  (:func:`interval_reason` reads it back).

An official figure always wins: the build carries nothing where the level holds an
official row for the indicator, period and sex, and a refreshed official row replaces
the carried row with the same key. This module owns the words that mark carried rows,
so the legend, the tooltip, the area panel, the Table (CSV) and the About page say the
same thing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import pandas as pd

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import ValidationError

__all__ = [
    "APPROXIMATE",
    "CARRIED_FILE",
    "COMBINED_CI",
    "POPULATION_YEARS",
    "SAME_AREA",
    "carried_rows",
    "interval_reason",
    "is_approximate",
    "kind_of",
    "legend_note",
    "nearest_year",
    "sentence",
    "summary",
    "table_notes",
]

#: How a note of a figure copied from the one published area with the same extent starts.
SAME_AREA: Final = "Same area as"
#: How a note of a population-weighted mean of published figures starts.
APPROXIMATE: Final = "Approximate:"
#: How an approximate row's note says where its confidence interval comes from.
COMBINED_CI: Final = "approximate 95% CI combining the parts' published 95% CIs as independent estimates"
#: The indicator file holding every carried row (written by the ``outcomes`` build stage).
CARRIED_FILE: Final = "indicators/outcomes.parquet"
#: LSOA population series used as weights: year -> (indicator_id, period, wording).
POPULATION_YEARS: Final[dict[int, tuple[str, str, str]]] = {
    2015: ("pop_total_iod2019", "2015", "ONS mid-2015 LSOA population (IoD2019 denominators)"),
    2019: ("pop_total", "2019", "ONS mid-2019 LSOA population"),
    2020: ("pop_total", "2020", "ONS mid-2020 LSOA population"),
}


def nearest_year(period: str, years: tuple[int, ...] = tuple(POPULATION_YEARS)) -> int:
    """The held population year nearest the middle of ``period`` ("2016-18" -> 2017 -> 2019); ties go later.

    >>> nearest_year("2016-18"), nearest_year("2005-07"), nearest_year("2023-25")
    (2019, 2015, 2020)
    """
    found = re.findall(r"\d{2,4}", period)
    if not found:
        raise ValidationError(f"Period {period!r} has no year; expected e.g. '2019' or '2016-18'.")
    first = int(found[0])
    last = int(found[-1]) if len(found) > 1 else first
    if last < 100:
        last += first - first % 100
    middle = (first + last) / 2
    return min(years, key=lambda y: (abs(y - middle), -y))


def kind_of(notes: pd.Series) -> pd.Series:
    """Per row: ``approximate``, ``same area`` or ``published`` (a row with any other note, or none)."""
    text = notes.astype("object").where(notes.notna(), "").astype("str")
    out = pd.Series("published", index=notes.index, dtype="object")
    out[text.str.startswith(SAME_AREA)] = "same area"
    out[text.str.startswith(APPROXIMATE)] = "approximate"
    return out


def is_approximate(notes: pd.Series) -> pd.Series:
    """Whether each row is a population-weighted approximation (its note starts :data:`APPROXIMATE`)."""
    return kind_of(notes) == "approximate"


def interval_reason(note: object) -> str:
    """Why a carried row has no interval, as its note says after "no interval: "; "" when the note says none.

    >>> interval_reason("Approximate: ...; not an official figure; no interval: 2 of its 5 parts have none.")
    '2 of its 5 parts have none'
    """
    if not isinstance(note, str):
        return ""
    found = re.search(r"no interval: ([^.;]+)", note)
    return found.group(1).strip() if found else ""


def sentence(note: object) -> str:
    """What a figure with this note is, in one sentence for prose (a pack, a summary); "" for a published figure.

    >>> sentence("Approximate: population-weighted mean of ...")[:40]
    'An approximation: the population-weighte'
    """
    if not (isinstance(note, str) and note.startswith(APPROXIMATE)):
        return ""
    return ("An approximation: the population-weighted mean of the published figures of the areas it is made of, "
            "not an official figure.")


def legend_note(notes: pd.Series | None, statuses: pd.Series) -> str:
    """One sentence for a map's legend saying how many of its values are carried, and how; "" when none are."""
    if notes is None:
        return ""
    kinds = kind_of(notes)[statuses.astype("str").to_numpy() == "ok"]
    n_approx, n_same = int((kinds == "approximate").sum()), int((kinds == "same area").sum())
    if not n_approx and not n_same:
        return ""
    total = len(kinds)
    parts = []
    if n_approx:
        text = notes.astype("object").where(notes.notna(), "").astype("str")[statuses.astype("str").to_numpy() == "ok"]
        n_ci = int(((kinds == "approximate") & text.str.contains(COMBINED_CI, regex=False)).sum())
        ci = ("no confidence interval" if not n_ci else "each with an approximate confidence interval combining its "
              "parts' published ones" if n_ci == n_approx else f"{n_ci} with an approximate confidence interval "
              "combining their parts' published ones")
        parts.append(f"{n_approx} of {total} values are approximations: population-weighted means of the published "
                     f"figures of the areas each is made of (not official; {ci}).")
    if n_same:
        parts.append(f"{n_same} are the published figure of an area with the same boundary.")
    return " ".join(parts) + " Hover over an area for its note."


def table_notes(table: pd.DataFrame) -> list[str]:
    """Header lines for a map's Table (CSV): where its confidence intervals come from, and what is carried.

    ``table`` is :func:`geo.indicators.tidy_table`'s (``value``, ``lower_ci``, ``status``, ``note``).
    """
    ok = table["status"].astype("str") == "ok"
    with_ci = int((ok & table["lower_ci"].notna()).sum())
    if with_ci:
        lines = [f"Confidence intervals (95%): lower_ci and upper_ci, for {with_ci} of {int(ok.sum())} areas with a "
                 "value; empty where the source publishes none, or where the value is an approximation whose parts "
                 "do not all publish one (an approximation's interval combines its parts' published intervals as "
                 "independent estimates; ci_method says so)"]
    else:
        lines = ["Confidence intervals: none held for this indicator, period and sex (the source held publishes "
                 "none); lower_ci and upper_ci are empty"]
    kinds = kind_of(table["note"])[ok]
    if n := int((kinds == "approximate").sum()):
        lines.append(f"Approximate: {n} values are population-weighted means of published figures (approximate = "
                     "true; the note says of which areas and with which population), not official figures")
    if n := int((kinds == "same area").sum()):
        lines.append(f"Same area: {n} values are the published figure of an area with the same boundary (note "
                     f"'{SAME_AREA} ...')")
    return lines


def carried_rows(*, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Every carried row's indicator, level, period, sex, status and kind (``same area`` or ``approximate``)."""
    return _carried(data_dir / CARRIED_FILE)


@shared.cached(max_entries=2)
def _carried(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=["indicator_id", "level", "period", "sex", "status", "kind"])
    rows = pd.read_parquet(path, columns=["indicator_id", "level", "period", "sex", "status", "note"])
    rows["kind"] = kind_of(rows["note"])
    return rows.drop(columns="note")


def summary(*, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """What is carried, per level and indicator: periods by sex, rows by kind and the weights' years.

    Columns ``level``, ``indicator_id``, ``periods`` (per sex, first to last and how
    many), ``same_area``, ``approximate`` (rows with a value), ``without_value`` and
    ``weights`` (the population years used for the approximate rows). Levels in the
    order upper tier, region, PCT, SHA.
    """
    rows = carried_rows(data_dir=data_dir)
    out: list[dict[str, object]] = []
    for (level, indicator_id), group in rows.groupby(["level", "indicator_id"], sort=False):
        ok = group["status"] == "ok"
        approx = group[ok & (group["kind"] == "approximate")]
        years = sorted({nearest_year(str(p)) for p in approx["period"].unique()})
        out.append({
            "level": str(level), "indicator_id": str(indicator_id), "periods": _periods_by_sex(group),
            "same_area": int((ok & (group["kind"] == "same area")).sum()), "approximate": len(approx),
            "without_value": int((~ok).sum()), "weights": ", ".join(f"mid-{y}" for y in years),
        })
    table = pd.DataFrame(out, columns=["level", "indicator_id", "periods", "same_area", "approximate",
                                       "without_value", "weights"])
    order = {lv: i for i, lv in enumerate(("utla", "region", "pct", "sha"))}
    return table.sort_values(["level", "indicator_id"], key=lambda c: c.map(order) if c.name == "level" else c,
                             kind="stable").reset_index(drop=True)


def _periods_by_sex(rows: pd.DataFrame) -> str:
    """ "female, male: 2015 to 2021 (7)", or one clause per sex when their periods differ."""
    spans: dict[str, list[str]] = {}
    for sex in ("female", "male", "persons"):
        periods = sorted(rows.loc[rows["sex"] == sex, "period"].unique())
        if periods:
            span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]} ({len(periods)})"
            spans.setdefault(span, []).append(sex)
    return "; ".join(f"{', '.join(sexes)}: {span}" for span, sexes in spans.items())
