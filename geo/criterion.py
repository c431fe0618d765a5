"""A user's own criterion in the Spearhead method: one uploaded column in place of an indicator, or as a sixth.

:func:`apply` takes a :class:`geo.spearhead.SpearheadRun` and the values of one
uploaded local-authority column (as :func:`geo.uploads.layer` makes them) and
re-applies :func:`geo.spearhead.assess` with that column swapped in or added, on the
run's code set. The user says which way is worse (an upload has no polarity of its
own). Values of another code set are carried only where an area was kept or recoded,
as :func:`geo.values.values_on` does: a merged area's value is not its parts' value.
The result says what was changed in its ``rests_on``, its CSV header and its notes.
Nothing here is cached or written anywhere: the values stay in the caller's session.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import pandas as pd

from geo import codes
from geo import spearhead as sh
from geo._paths import DATA_DIR
from geo.classify import NumberFormat, number_format
from geo.errors import UploadError
from geo.schema import vintages

__all__ = ["ADD", "KEY", "OwnCriterion", "OwnRun", "apply", "formats"]

#: The criterion key of the user's column, in the table, CSV and tooltips.
KEY = "own"
#: ``replaces`` value that adds the column as one more criterion.
ADD = "add"
_KEEP = ("same", "recode")

Worse = Literal["higher_is_better", "lower_is_better"]


@dataclass(frozen=True)
class OwnCriterion:
    """Which uploaded column, which way is worse, and which criterion it replaces (or :data:`ADD`)."""

    indicator_id: str
    label: str
    polarity: Worse
    replaces: str = ADD
    file_name: str = ""
    period: str = ""

    def __post_init__(self) -> None:
        if self.polarity not in ("higher_is_better", "lower_is_better"):
            raise UploadError(
                f"Expected the column's polarity as higher_is_better or lower_is_better; got {self.polarity!r}. "
                "Say which way is worse for your column."
            )


@dataclass(frozen=True)
class OwnRun(sh.SpearheadRun):
    """A Spearhead run with the user's column in it: the same fields, and what was swapped."""

    own: OwnCriterion | None = None
    replaced_label: str = ""

    @property
    def rests_on(self) -> str:
        n = len(self.criteria)
        if self.replaced_label:
            return f"{self.assessment.threshold} or more of the {n}, your column in place of {self.replaced_label}"
        return f"{self.assessment.threshold} or more of the {n}: the {n - 1} held and your column"

    def header(self) -> list[str]:
        lines = super().header()
        if self.own is not None:
            where = f"in place of {self.replaced_label}" if self.replaced_label else "as one more criterion"
            lines.insert(2, f"Your own data: column {self.own.label!r} of your file {self.own.file_name!r} {where}; "
                            f"worse is {'lower' if self.own.polarity == 'higher_is_better' else 'higher'} (your choice). "
                            "Uploaded in this session only: a link to this view cannot carry it.")
        return lines


def apply(
    run: sh.SpearheadRun,
    own: OwnCriterion,
    values: pd.DataFrame,
    *,
    threshold: int | None = None,
    data_dir: Path = DATA_DIR,
) -> OwnRun:
    """The method re-applied with the user's column in place of ``own.replaces`` (or added).

    Parameters
    ----------
    values : DataFrame
        The column's rows in :data:`geo.schema.INDICATOR_COLUMNS` (``level`` must be ``lad``).
    threshold : int, optional
        Indicators needed to qualify, from 1 to the number in use (one more than the run's when the
        column is added); by default the run's.

    Raises
    ------
    UploadError
        The column is not at local-authority level, replaces a criterion the run does not have, or the
        threshold is more than the indicators in use.
    """
    if own.replaces != ADD and own.replaces not in {c.key for c in run.criteria}:
        held = ", ".join(c.key for c in run.criteria)
        raise UploadError(f"Your column can replace one of {held}, or be added ({ADD!r}); got {own.replaces!r}.")
    series, notes = _on_codes(values, vintage=run.vintage, index=run.values.index, label=own.label, data_dir=data_dir)
    criterion = sh.Criterion(key=KEY, label=f"{own.label} (your file)", indicator_id=own.indicator_id, sex="persons",
                             period=own.period or "your file", polarity=own.polarity)
    replaced = next((c for c in run.criteria if c.key == own.replaces), None)
    criteria = tuple(criterion if c.key == own.replaces else c for c in run.criteria)
    if replaced is None:
        criteria += (criterion,)
    frame = run.values.drop(columns=[replaced.key] if replaced else []).assign(**{KEY: series})
    frame = frame[[c.key for c in criteria]]
    a = run.assessment
    needed = a.threshold if threshold is None else threshold
    if not 1 <= needed <= len(criteria):
        raise UploadError(
            f"Expected a threshold from 1 to {len(criteria)} (the indicators in use with your column); got {needed}. "
            f"Lower it to {len(criteria)} or fewer."
        )
    assessment = sh.assess(frame, {c.key: c.polarity for c in criteria}, fraction=a.fraction, threshold=needed)
    gaps = int(series.isna().sum())
    if gaps:
        notes.append(f"{own.label} (your file): {gaps} of {len(series)} areas have no value on {run.vintage} codes.")
    # Notes about the criterion taken out no longer describe the result.
    kept_notes = [n for n in run.notes if not (replaced and n.startswith(f"{replaced.label}:"))]
    return OwnRun(period=run.period, level=run.level, vintage=run.vintage, criteria=criteria, assessment=assessment,
                  values=frame, names=run.names, notes=(*kept_notes, *notes), left_out=run.left_out, own=own,
                  replaced_label=replaced.label if replaced else "", default_code_set=run.default_code_set)


def formats(run: sh.SpearheadRun, *, data_dir: Path = DATA_DIR) -> dict[str, NumberFormat]:
    """As :func:`geo.spearhead.formats`, with the user's column at its own precision."""
    held = replace(run, criteria=tuple(c for c in run.criteria if c.key != KEY))
    out = sh.formats(held, data_dir=data_dir)
    if KEY in run.values.columns:
        out[KEY] = number_format(run.values[KEY])
    return out


def _on_codes(values: pd.DataFrame, *, vintage: str, index: pd.Index, label: str,
              data_dir: Path) -> tuple[pd.Series, list[str]]:
    """One value per area of the run's code set; suppressed and missing stay NaN."""
    rows = values[values["level"] == "lad"]
    if rows.empty:
        levels = ", ".join(sorted(set(values["level"].astype(str)))) or "none"
        raise UploadError(
            f"The Spearhead method compares local authorities; your column {label!r} is drawn on {levels}. "
            "On the map page add your file to a local-authority map (Draw on: local authorities), then pick it here."
        )
    ok = pd.to_numeric(rows["value"], errors="coerce").where(rows["status"] == "ok")
    by_code: Mapping[str, float] = dict(zip(rows["area_code"].astype(str), ok.astype("float64"), strict=True))
    source = str(rows["vintage"].iloc[0])
    notes: list[str] = []
    if source != vintage and source in vintages("lad"):
        rec = codes.reconcile(sorted(by_code), source=source, target=vintage, level="lad", data_dir=data_dir)
        kept = rec.mapped[rec.mapped["relation"].isin(_KEEP)]
        carried = {t: by_code[s] for s, t in zip(kept["source_code"], kept["target_code"], strict=True)}
        lost = len(rec.mapped) - len(kept) + len(rec.unmatched)
        notes.append(f"{label} (your file) is on {source} codes: {len(kept)} areas carried to {vintage} codes"
                     + (f"; {lost} merged or split on the way, and a merged or split area's value cannot be "
                        "combined or divided." if lost else "."))
        by_code = carried
    elif source != vintage:
        notes.append(f"{label} (your file) is on {source} codes, which the lookups cannot carry to {vintage} codes; "
                     f"pick the {source} code set if the method offers it.")
        by_code = {}
    series = pd.Series([by_code.get(str(c), math.nan) for c in index], index=index, name=KEY, dtype="float64")
    return series, notes
