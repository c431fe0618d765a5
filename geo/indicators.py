"""Indicator values: load one indicator for one geography, join it to boundaries.

Values live in one long table, partitioned into ``data/indicators/*.parquet``, with
the columns of :data:`geo.schema.INDICATOR_COLUMNS`. Figures refreshed by
``python -m geo refresh`` (see :mod:`geo.refresh`) overlay the bundled ones: a refreshed
row replaces the bundled row with the same indicator, area, level, vintage, period and sex.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import pandas as pd
import pyarrow.dataset as ds

from geo import derived, shared
from geo._paths import DATA_DIR, refreshed_dir
from geo.areas import without_value
from geo.catalogue import get
from geo.errors import DataUnavailableError
from geo.schema import ENGLAND_CODE, INDICATOR_COLUMNS, LEVEL_LABELS

if TYPE_CHECKING:
    from geo.classify import Classification
    from geo.view import View

__all__ = ["load", "england_value", "join", "JoinReport", "periods", "table"]


@shared.cached(max_entries=4)
def _dataset(data_dir: Path) -> ds.Dataset:
    folder = data_dir / "indicators"
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        raise DataUnavailableError(f"No indicator files in {folder}; run `python -m geo build`.")
    return ds.dataset(files, format="parquet")


#: Columns that identify one figure; a refreshed row replaces the bundled row with the same key.
KEY: tuple[str, ...] = ("indicator_id", "area_code", "level", "vintage", "period", "sex")


def _read(expr: ds.Expression, data_dir: Path, refreshed: Path | None) -> pd.DataFrame:
    rows = _dataset(data_dir).to_table(filter=expr).to_pandas()
    if refreshed is None or not any((refreshed / "indicators").glob("*.parquet")):
        return rows
    return overlay(rows, _dataset(refreshed).to_table(filter=expr).to_pandas())


def overlay(bundled: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """``bundled`` with each row that ``fresh`` also holds (same :data:`KEY`) replaced by the fresh one."""
    if fresh.empty:
        return bundled
    both = pd.concat([fresh, bundled], ignore_index=True)
    both = both[~both.duplicated(list(KEY), keep="first")]
    return both.sort_values(["indicator_id", "area_code", "period", "sex"], kind="stable").reset_index(drop=True)


#: Bytes of indicator rows kept in memory (pandas' deep size). All 435 (indicator, level)
#: tables together take 1.2 GB, the small-area ones 5-10 MB each; this keeps the recent
#: few dozen, and a table read again costs about 0.1 s.
ROWS_CACHE_BYTES: Final = 256_000_000


def _read_rows(indicator_id: str, level: str, data_dir: Path, refreshed: Path | None = None) -> pd.DataFrame:
    expr = (ds.field("indicator_id") == indicator_id) & (ds.field("level") == level)
    return _read(expr, data_dir, refreshed)


#: Every row of one indicator at one level, shared by every session (handed out as a copy-on-write copy).
_rows = shared.cached(max_entries=1024, max_bytes=ROWS_CACHE_BYTES)(_read_rows)


def table(indicator_id: str, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Every row held for one indicator, at every level."""
    return _read(ds.field("indicator_id") == indicator_id, data_dir, refreshed_dir(data_dir))


def load(
    indicator_id: str,
    *,
    level: str,
    vintage: str | None = None,
    period: str | None = None,
    sex: str | None = None,
    data_dir: Path = DATA_DIR,
) -> pd.DataFrame:
    """Rows of one indicator at one level, optionally narrowed to a vintage, period and sex.

    Raises
    ------
    UnknownIndicatorError
        ``indicator_id`` is not in the catalogue.
    DataUnavailableError
        The combination is valid but not held; the message lists what is.
    """
    indicator = get(indicator_id, data_dir=data_dir)
    rows = _rows(indicator_id, level, data_dir, refreshed_dir(data_dir))
    if rows.empty:
        held = ", ".join(LEVEL_LABELS.get(lv, lv).lower() for lv in indicator.levels) or "no level"
        raise DataUnavailableError(
            f"{indicator.label} is not held for {LEVEL_LABELS.get(level, level).lower()}; "
            f"it is held for {held}."
        )
    for column, wanted in (("vintage", vintage), ("period", period), ("sex", sex)):
        if wanted is None:
            continue
        narrowed = rows[rows[column] == wanted]
        if narrowed.empty:
            options = ", ".join(sorted(rows[column].dropna().unique()))
            raise DataUnavailableError(
                f"{indicator.label} has no {LEVEL_LABELS.get(level, level).lower()} data for "
                f"{column} {wanted!r}; available: {options}."
            )
        rows = narrowed
    return rows.reset_index(drop=True)


def periods(indicator_id: str, *, level: str, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The (vintage, period, sex) combinations held at ``level``, with the number of areas.

    ``carried`` counts the rows the atlas carried from other areas (:mod:`geo.derived`:
    "Same area as" or "Approximate:"), so a view can prefer the official figures.
    Vintages holding under half the areas of the fullest vintage for the same
    period and sex (e.g. a few abolished districts a source also lists) are left out.
    """
    rows = _rows(indicator_id, level, data_dir, refreshed_dir(data_dir))
    rows = rows.assign(carried=derived.kind_of(rows["note"]) != "published")
    combos = rows.groupby(["vintage", "period", "sex"], as_index=False).agg(areas=("area_code", "size"),
                                                                           carried=("carried", "sum"))
    # A code set that holds only a few predecessor areas for a period is not a map worth offering.
    most = combos.groupby(["period", "sex"])["areas"].transform("max")
    combos = combos[combos["areas"] >= 0.5 * most]
    return combos.sort_values(["period", "sex", "vintage"]).reset_index(drop=True)


def england_value(
    indicator_id: str, *, period: str, sex: str, data_dir: Path = DATA_DIR
) -> pd.Series | None:
    """England's row for a period and sex, or ``None`` when the source gives none."""
    rows = _rows(indicator_id, "england", data_dir, refreshed_dir(data_dir))
    rows = rows[(rows["area_code"] == ENGLAND_CODE) & (rows["period"] == period) & (rows["sex"] == sex)]
    if rows.empty:
        return None
    return rows.iloc[0]


@dataclass(frozen=True)
class JoinReport:
    """What a join of values to boundaries could not match."""

    values_without_area: tuple[str, ...]
    #: Areas drawn as "No data" (:func:`geo.areas.without_value`: no row, or a blank value): the legend's count.
    areas_without_value: tuple[str, ...]
    #: Of those, the areas with no row at all.
    areas_without_row: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.values_without_area and not self.areas_without_value

    def describe(self) -> str:
        parts = []
        if self.values_without_area:
            shown = ", ".join(self.values_without_area[:5])
            more = "" if len(self.values_without_area) <= 5 else f" and {len(self.values_without_area) - 5} more"
            parts.append(
                f"{len(self.values_without_area)} code(s) in the data have no boundary on this map "
                f"({shown}{more})"
            )
        if self.areas_without_value:
            blank = len(self.areas_without_value) - len(self.areas_without_row)
            why = f" ({blank} of them have a row with no value in it)" if blank else ""
            parts.append(f"{len(self.areas_without_value)} area(s) on the map have no value{why}")
        return "; ".join(parts) if parts else "every code matched"


def join(boundaries: gpd.GeoDataFrame, values: pd.DataFrame) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Left-join ``values`` onto ``boundaries`` by ``area_code`` and report mismatches.

    Areas with no row get ``status="missing"``; no code is dropped silently.
    """
    keep = [c for c in INDICATOR_COLUMNS if c in values.columns and c not in ("level", "vintage")]
    dupes = values["area_code"].duplicated()
    if dupes.any():
        raise DataUnavailableError(
            f"{int(dupes.sum())} area codes appear more than once; narrow by period and sex first."
        )
    merged = boundaries.merge(values[keep], on="area_code", how="left")
    merged["status"] = merged["status"].fillna("missing")
    report = JoinReport(
        values_without_area=tuple(sorted(set(values["area_code"]) - set(boundaries["area_code"]))),
        areas_without_value=tuple(sorted(merged.loc[without_value(merged["status"], merged["value"]), "area_code"])),
        areas_without_row=tuple(sorted(set(boundaries["area_code"]) - set(values["area_code"]))),
    )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=boundaries.crs), report


def tidy_table(joined: pd.DataFrame, *, view: View, classification: Classification | None) -> pd.DataFrame:
    """The table behind a map, in the atlas's tidy download columns.

    ``view`` is a :class:`geo.view.View`; ``classification`` a
    :class:`geo.classify.Classification` (or ``None`` for England comparison,
    when ``joined`` carries a ``comparison`` column).
    """
    out = pd.DataFrame(
        {
            "area_code": joined["area_code"],
            "area_name": joined["area_name"],
            "level": view.level,
            "vintage": view.vintage,
            "indicator_id": view.indicator_id,
            "period": view.period,
            "sex": view.sex,
            "value": joined["value"],
            "lower_ci": joined.get("lower_ci"),
            "upper_ci": joined.get("upper_ci"),
            "status": joined["status"],
            "approximate": derived.is_approximate(joined["note"]) if "note" in joined else False,
            "note": joined.get("note"),
        }
    )
    if classification is not None:
        labels = list(classification.labels)
        class_id = classification.class_id
        out["class"] = [labels[int(c)] if pd.notna(c) else None for c in class_id.reindex(joined.index)]
    elif "comparison" in joined.columns:
        out["class"] = joined["comparison"]
    else:
        out["class"] = None
    out.loc[out["status"] != "ok", "class"] = out["status"]
    return out.sort_values("area_code").reset_index(drop=True)
