"""The data contract every table keeps where it is written: the build and the refresh.

The long indicator table has the columns of :data:`geo.schema.INDICATOR_COLUMNS`, in
order and with fixed types (:func:`finish_indicators`), one row per key, known statuses
and sexes (:func:`check_indicator_contract`), and every area code in the boundary set of
its level and vintage (:func:`boundary_codes` says which codes each set holds). The
build (:mod:`geo.ingest`) and the Fingertips refresh (:mod:`geo.refresh`) both check
their tables here before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from geo.errors import ValidationError
from geo.schema import BOUNDARY_SETS, INDICATOR_COLUMNS, SEXES, STATUSES

__all__ = ["boundary_codes", "check_indicator_contract", "finish_indicators"]


def boundary_codes(out_dir: Path) -> dict[tuple[str, str], set[str]]:
    """The area codes of every boundary set already built under ``out_dir``."""
    codes: dict[tuple[str, str], set[str]] = {}
    for bset in BOUNDARY_SETS:
        path = out_dir / "boundaries" / bset.file_name
        if path.exists():
            codes[(bset.level, bset.vintage)] = set(pq.read_table(path, columns=["area_code"]).column(0).to_pylist())
    return codes


def finish_indicators(df: pd.DataFrame) -> pd.DataFrame:
    """Give a long indicator frame the standard columns, types and order."""
    df = df.copy()
    for col in ("lower_ci", "upper_ci", "count", "denominator"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64") if col in df else np.nan
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    if "status" not in df:
        df["status"] = np.where(df["value"].isna(), "missing", "ok")
    if "note" not in df:
        df["note"] = None
    df["note"] = df["note"].astype("str")
    for col in ("indicator_id", "area_code", "level", "vintage", "period", "sex", "status"):
        df[col] = df[col].astype("str")
    df = df[list(INDICATOR_COLUMNS)]
    order = ["area_code", "indicator_id"] if (df["level"] == "lsoa").all() else ["indicator_id", "area_code"]
    return df.sort_values([*order, "period", "sex"]).reset_index(drop=True)


def check_indicator_contract(table: pd.DataFrame, *, declared: Iterable[str], where: str) -> None:
    """Raise :class:`~geo.errors.ValidationError` unless ``table`` keeps the long-table contract.

    Columns and order, declared indicator ids, one row per key, known statuses and
    sexes, and ``status == "ok"`` exactly where a value is present. ``where`` names
    the table in messages.
    """
    if tuple(table.columns) != INDICATOR_COLUMNS:
        raise ValidationError(f"{where}: columns {list(table.columns)}; expected {list(INDICATOR_COLUMNS)}.")
    unknown = set(table["indicator_id"]) - set(declared)
    if unknown:
        raise ValidationError(f"{where}: indicator ids {sorted(unknown)} are not declared in a CATALOGUE; add them.")
    key = ["indicator_id", "area_code", "level", "vintage", "period", "sex"]
    dupes = table.duplicated(key)
    if dupes.any():
        raise ValidationError(f"{where}: {int(dupes.sum())} duplicate keys, e.g. {table.loc[dupes, key].iloc[0].to_dict()}; "
                              "keep one release per period.")
    for column, allowed in (("status", STATUSES), ("sex", SEXES)):
        bad = set(table[column]) - set(allowed)
        if bad:
            raise ValidationError(f"{where}: {column} values {sorted(bad)}; expected some of {list(allowed)}.")
    if ((table["status"] == "ok") != table["value"].notna()).any():
        raise ValidationError(f"{where}: Status must be 'ok' exactly where a value is present.")
