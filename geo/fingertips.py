"""The OHID Fingertips API: what the atlas asks for, and its replies as long-table rows.

:func:`download` fetches one indicator (:class:`Series`) for each area type in
:data:`AREA_TYPES` that the API holds data for, reads Fingertips' CSV, and returns rows
of the long table (:data:`geo.schema.INDICATOR_COLUMNS`), each stored at the vintage its
code belongs to (:func:`_place`). :mod:`geo.refresh` validates them and swaps them in;
every request goes through the bounded client in :mod:`geo.http`.

Every row's ``note`` names its source, the API's release date for the indicator and the
download time, after Fingertips' own value note.

Sources used to write this client
---------------------------------
- Endpoints, from the ``fingertips_py`` 0.4.3 source (``retrieve_data.get_data_by_indicator_ids``
  and ``metadata.get_metadata_for_indicator``): ``all_data/csv/by_indicator_id?indicator_ids=..
  &child_area_type_id=..&parent_area_type_id=15`` (CSV) and
  ``indicator_metadata/by_indicator_id?indicator_ids=..`` (JSON keyed by indicator id);
  base URL ``https://fingertips.phe.org.uk/api/``.
- The release date: ``DataChange.LastUploadedAt`` of that metadata, as fingertipsR's
  ``indicator_update_information()`` reads it (ropensci/fingertipsR, ``R/indicator_metadata.R``).
- The CSV columns (``Indicator ID`` ... ``Value note`` ... ``Time period range``): the real
  export ``indicators/fingertips/indicator-93495-all-areas.csv`` in the raw folder
  (PROVENANCE.md section 11).
- Value note 101, "Value suppressed for disclosure control due to small count"
  (fingertips_py's tests, ``test_get_value_note_id``).
- Which area types hold data for an indicator: ``available_data?indicator_id=..``, a JSON list
  of ``{IndicatorId, AreaTypeId}``, as fingertipsR's ``indicator_areatypes()`` reads it
  (ropensci/fingertipsR, ``R/area_types.R``). Only those of :data:`AREA_TYPES` are downloaded,
  so an area type with no data (older boundaries, PCTs) is never asked for.
- Area type ids (public scripts that list them, and the Fingertips server's own constants in
  ukhsa-collaboration/fingertips-open, ``PholioObjects`` ``AreaTypeIds``): 101/102 districts and
  counties & UAs before April 2019, 201/202 April 2019 - March 2020, 301/302 April 2020 - March
  2021, 401/402 2021/22 - 2022/23, 501/502 from April 2023, 6 regions, 15 England, 2 PCTs.

Older periods are published on older boundaries (an area type per code vintage), so the
client asks for every area type in :data:`AREA_TYPES` that the API lists for the indicator
and stores each row at the vintage its code belongs to (:func:`_place`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import RefreshError
from geo.http import Http, get
from geo.schema import ENGLAND_CODE

__all__ = [
    "AreaType",
    "AREA_TYPES",
    "CSV_COLUMNS",
    "DEFAULT_BASE_URL",
    "NewIndicator",
    "Placement",
    "PUBLISHER",
    "SERIES",
    "SOURCE",
    "Series",
    "download",
]

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api/"
SOURCE = "OHID Fingertips API"
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips API)"
_PARENT_ENGLAND = 15

#: Fingertips' CSV columns the client reads (others, e.g. 99.8% limits and trends, are ignored).
CSV_COLUMNS: tuple[str, ...] = (
    "Indicator ID", "Area Code", "Area Type", "Sex", "Age", "Category Type", "Time period",
    "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator", "Value note",
)
# Value notes that mean "published as withheld", as opposed to "not available".
_SUPPRESSED = re.compile(r"suppress|disclosure|too small|small (?:count|number)", re.IGNORECASE)


@dataclass(frozen=True)
class AreaType:
    """A Fingertips area type and the atlas boundary set its codes belong to.

    ``vintage`` is empty when the atlas does not know which of its sets Fingertips
    publishes on (PCTs): each code is then placed in the set of ``level`` that holds it.
    """

    area_type_id: int
    level: str
    vintage: str
    name: str


#: Area types the atlas maps, in Fingertips' ids, newest first (England's row is kept from the first).
#: 301 and 302 (April 2020 - March 2021) are left out: the atlas holds no upper-tier set of 2020, and
#: the 2020 districts and upper tiers are each the 2019 set with Buckinghamshire merged, which the 2021
#: types (401, 402) publish on their own codes.
AREA_TYPES: tuple[AreaType, ...] = (
    AreaType(501, "lad", "2023", "Districts & UAs (from Apr 2023)"),
    AreaType(502, "utla", "2023", "Counties & UAs (from Apr 2023)"),
    AreaType(6, "region", "2019", "Regions (statistical)"),
    AreaType(401, "lad", "2021", "Districts & UAs (2021/22-2022/23)"),
    AreaType(402, "utla", "2021", "Counties & UAs (2021/22-2022/23)"),
    AreaType(201, "lad", "2019", "Lower tier local authorities (4/19 - 3/20)"),
    AreaType(202, "utla", "2019", "Upper tier local authorities (4/19 - 3/20)"),
    AreaType(101, "lad", "2013", "Districts & UAs (pre Apr 2019)"),
    AreaType(102, "utla", "2013", "Counties & UAs (pre Apr 2019)"),
    AreaType(2, "pct", "", "Primary Care Trusts"),
)
_ALL_TYPES = tuple(t.area_type_id for t in AREA_TYPES)


@dataclass(frozen=True)
class NewIndicator:
    """Catalogue facts for a Fingertips indicator the bundled catalogue does not hold."""

    title: str
    short_title: str
    description: str
    unit: str
    polarity: str
    group: str
    value_type: str = "rate"


@dataclass(frozen=True)
class Series:
    """One atlas indicator and the Fingertips indicator that publishes it."""

    indicator_id: str
    fingertips_id: int
    area_types: tuple[int, ...] = _ALL_TYPES
    new: NewIndicator | None = None


_U75 = "Deaths under 75 per 100,000 people, directly age-standardised, 3 years pooled. Published by OHID (Fingertips)."

#: What a refresh downloads by default: the catalogue's Fingertips indicators, and the
#: official series the Spearhead method and the 2010 targets need.
SERIES: tuple[Series, ...] = (
    Series("le_birth", 90366),
    Series("hle_birth", 90362, area_types=tuple(t.area_type_id for t in AREA_TYPES if t.level != "lad")),
    Series("sii_le", 92901),
    Series("u75_prev", 93721),
    Series("u75_cvd_prev", 93722),
    Series("u75_cancer_prev", 40502),
    Series("u75_cancer", 40501, new=NewIndicator(
        "Under 75 mortality rate from all cancers", "Under-75 deaths from cancer",
        "Deaths from all cancers under 75. " + _U75, "per 100,000", "lower_is_better", "Mortality")),
    Series("u75_cvd", 40401, new=NewIndicator(
        "Under 75 mortality rate from all cardiovascular diseases", "Under-75 deaths from heart and circulation",
        "Deaths from all cardiovascular diseases under 75. " + _U75, "per 100,000", "lower_is_better", "Mortality")),
    Series("infant_mortality_3yr", 92196, new=NewIndicator(
        "Infant mortality rate", "Infant deaths per 1,000 (3 years)",
        "Deaths under 1 year per 1,000 live births, 3 years pooled. Published by OHID (Fingertips).",
        "per 1,000 live births", "lower_is_better", "Mortality")),
)


def _url(base_url: str, path: str, **query: object) -> str:
    return base_url.rstrip("/") + "/" + path + "?" + urllib.parse.urlencode(query, safe=",")


# --- one indicator ----------------------------------------------------------------------------------


def _release_date(base_url: str, series: Series, *, http: Http) -> tuple[str, str]:
    """(name, release date) from the indicator's metadata; the date is ``DataChange.LastUploadedAt``."""
    # Confirmed against fingertipsR's indicator_update_information() (ropensci/fingertipsR, R/indicator_metadata.R):
    # it GETs indicator_metadata/by_indicator_id?indicator_ids=.., keeps each item's IID and DataChange, and
    # reports DataChange.LastUploadedAt as LastDataUploadDate (as.Date), the date the data were last uploaded.
    url = _url(base_url, "indicator_metadata/by_indicator_id", indicator_ids=series.fingertips_id)
    try:
        meta = json.loads(get(url, http=http).decode("utf-8-sig"))
        item = meta[str(series.fingertips_id)]
        uploaded = str(item["DataChange"]["LastUploadedAt"])
        name = str(item.get("Descriptive", {}).get("Name", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RefreshError(
            f"{url}: expected JSON metadata with {series.fingertips_id}.DataChange.LastUploadedAt; "
            "the server answered something else. Check --base-url."
        ) from None
    return name, uploaded[:10]


def _parse_csv(body: bytes, *, url: str) -> list[dict[str, str]]:
    """Rows of a Fingertips CSV; refuses missing columns and rows cut short (a truncated reply)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RefreshError(f"{url}: expected UTF-8 CSV; the reply is not text. Check --base-url.") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise RefreshError(f"{url}: expected a CSV with a header row; the reply was empty.")
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise RefreshError(
            f"{url}: expected Fingertips CSV columns; missing {missing} (got {header[:6]}...). "
            "Check --base-url: it must be a Fingertips API."
        )
    rows = []
    for number, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(header):
            raise RefreshError(
                f"{url}: line {number} has {len(fields)} fields, expected {len(header)}: "
                "the reply was cut short or garbled. Try again."
            )
        rows.append({**dict(zip(header, fields, strict=True)), _LINE: str(number)})
    return rows


#: Where :func:`_parse_csv` notes each row's line in the reply (not a Fingertips column).
_LINE = "(line)"


def _number(row: dict[str, str], column: str, *, url: str) -> float:
    """A figure of ``row``: a blank is NaN; text that is not a finite number is refused, naming the row."""
    text = row[column]
    if not text.strip():
        return np.nan
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        area = f"{row['Area Code'].strip()} ({row['Area Name'].strip()})" if row.get("Area Name") else row["Area Code"].strip()
        what = "a number" if value is None else "a finite number"
        raise RefreshError(
            f"{url}: line {row[_LINE]}, area {area}, {column} {text!r} is not {what}; expected a number or a blank. "
            "The reply is garbled: try again, or report it to OHID."
        )
    return value


def _period(text: str) -> str:
    """Fingertips writes "2001 - 03"; the atlas "2001-03"."""
    return re.sub(r"\s*-\s*", "-", text.strip())


def _available(base_url: str, series: Series, *, http: Http) -> frozenset[int]:
    """The area types the API holds data for, from ``available_data`` (as fingertipsR's ``indicator_areatypes()``)."""
    # ropensci/fingertipsR R/area_types.R reads available_data?indicator_id=.. as (IndicatorID, AreaTypeID) pairs;
    # public scripts joining it by "AreaTypeId" and grouping by "IndicatorId" give the JSON field names.
    url = _url(base_url, "available_data", indicator_id=series.fingertips_id)
    try:
        listed = json.loads(get(url, http=http).decode("utf-8-sig"))
        return frozenset(int(item["AreaTypeId"]) for item in listed if int(item["IndicatorId"]) == series.fingertips_id)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RefreshError(
            f"{url}: expected a JSON list of {{IndicatorId, AreaTypeId}} for indicator {series.fingertips_id}; "
            "the server answered something else. Check --base-url."
        ) from None


@dataclass(frozen=True)
class Placement:
    """Where one area type's codes went: kept, recoded (same area, new code), or not placed."""

    recoded: tuple[tuple[str, str], ...] = ()
    unplaced: tuple[str, ...] = ()


def _place(frame: pd.DataFrame, area_type: AreaType, *, data_dir: Path) -> tuple[pd.DataFrame, Placement]:
    """Store each row at the vintage its code belongs to.

    With a known set (``area_type.vintage``), a code outside it that is only a recode of
    one of its areas (:func:`geo.codes.reconcile`, relation ``recode``) takes the set's
    code; other strays stay, for :func:`geo.refresh._validate` to refuse. With no known set (PCTs),
    each code goes to the latest set of the level holding it, and a code in none is
    left out and listed. A merged or split area is never divided or combined.
    """
    from geo.codes import _valid, _vintages, reconcile

    level = area_type.level
    out = frame.copy()
    if area_type.vintage:
        held = _valid(level, area_type.vintage, data_dir)
        recoded: list[tuple[str, str]] = []
        if level in ("lad", "utla"):
            for code in sorted(set(out["area_code"]) - held):
                for source in (v for v in _vintages(level) if v != area_type.vintage):
                    if code not in _valid(level, source, data_dir):
                        continue
                    mapped = reconcile([code], source=source, target=area_type.vintage, level=level,
                                       data_dir=data_dir).mapped
                    if len(mapped) == 1 and mapped["relation"].iloc[0] == "recode":
                        recoded.append((code, str(mapped["target_code"].iloc[0])))
                        break
        for old, new in recoded:
            at = out["area_code"] == old
            out.loc[at, "area_code"] = new
            out.loc[at, "value_note"] = [f"{n}. Published under {old}, the same area's earlier code".lstrip(". ")
                                         for n in out.loc[at, "value_note"]]
        return out, Placement(recoded=tuple(recoded))
    from geo.schema import vintages

    found: dict[str, str] = {}
    by_nhs_code: dict[str, str] = {}
    for vintage in vintages(level):
        found.update({c: vintage for c in _valid(level, vintage, data_dir)})
        if level == "pct":  # PCTs also went by three-character NHS codes (5A3), as geo.codes reads lists
            table = pd.read_parquet(data_dir / "boundaries" / f"pct_{vintage}.parquet", columns=["area_code", "area_code_old"])
            by_nhs_code.update({str(o).upper(): str(c) for c, o in zip(table["area_code"], table["area_code_old"], strict=True)
                                if isinstance(o, str) and o})
    nhs = tuple(sorted((str(c), by_nhs_code[str(c).upper()]) for c in set(out["area_code"]) - set(found)
                       if str(c).upper() in by_nhs_code))
    for old, new in nhs:
        at = out["area_code"] == old
        out.loc[at, "area_code"] = new
        out.loc[at, "value_note"] = [f"{n}. Published under the NHS code {old}".lstrip(". ") for n in out.loc[at, "value_note"]]
    out["vintage"] = out["area_code"].map(found)
    unplaced = tuple(sorted(set(out.loc[out["vintage"].isna(), "area_code"])))
    return out[out["vintage"].notna()].reset_index(drop=True), Placement(recoded=nhs, unplaced=unplaced)


def download(series: Series, *, base_url: str, http: Http, downloaded: str, types: dict[int, AreaType],
             data_dir: Path) -> pd.DataFrame:
    """One indicator at each of its area types the API holds data for, as long-table rows.

    The rows keep Fingertips' value note before the provenance in ``note``; ``attrs`` hold
    what :mod:`geo.refresh` writes to its manifest (name, release date, where each area
    type's codes were placed, and the area types the API did not list).

    Raises
    ------
    RefreshError
        A reply could not be had or read, or holds no rows for the area types asked for.
    """
    name, released = _release_date(base_url, series, http=http)
    available = _available(base_url, series, http=http)
    wanted = [t for t in series.area_types if t in available]
    if not wanted:
        raise RefreshError(
            f"indicator {series.fingertips_id}: the API lists no data for the area types the atlas maps "
            f"({', '.join(str(t) for t in series.area_types)}); it lists {sorted(available) or 'none'}."
        )
    provenance = (
        f"Source: {SOURCE}, indicator {series.fingertips_id}"
        f"{f' ({name})' if name else ''}; released {released}; downloaded {downloaded}"
    )
    frames: list[pd.DataFrame] = []
    england: list[pd.DataFrame] = []
    placed: dict[str, dict[str, Any]] = {}
    for type_id in wanted:
        area_type = types[type_id]
        url = _url(base_url, "all_data/csv/by_indicator_id", indicator_ids=series.fingertips_id,
                   child_area_type_id=type_id, parent_area_type_id=_PARENT_ENGLAND)
        rows = [r for r in _parse_csv(get(url, http=http), url=url) if not r["Category Type"].strip()]
        wrong = {r["Indicator ID"] for r in rows} - {str(series.fingertips_id)}
        if wrong:
            raise RefreshError(f"{url}: expected indicator {series.fingertips_id} only; the reply also holds {sorted(wrong)}.")
        ages = sorted({r["Age"] for r in rows})
        if len(ages) > 1:
            raise RefreshError(f"{url}: expected one age band; the reply holds {ages}. The atlas maps one per indicator.")
        is_england = [r["Area Code"].strip() == ENGLAND_CODE for r in rows]
        frame = pd.DataFrame(
            {
                "indicator_id": series.indicator_id,
                "area_code": [r["Area Code"].strip() for r in rows],
                "level": ["england" if e else area_type.level for e in is_england],
                "vintage": area_type.vintage,
                "period": [_period(r["Time period"]) for r in rows],
                "sex": [r["Sex"].strip().lower() for r in rows],
                "value": [_number(r, "Value", url=url) for r in rows],
                "lower_ci": [_number(r, "Lower CI 95.0 limit", url=url) for r in rows],
                "upper_ci": [_number(r, "Upper CI 95.0 limit", url=url) for r in rows],
                "count": [_number(r, "Count", url=url) for r in rows],
                "denominator": [_number(r, "Denominator", url=url) for r in rows],
                "value_note": [r["Value note"].strip() for r in rows],
            },
            dtype=object,
        )
        england.append(frame[frame["level"] == "england"])
        frame, placement = _place(frame[frame["level"] != "england"], area_type, data_dir=data_dir)
        frames.append(frame)
        placed[str(type_id)] = {"name": area_type.name, "rows": len(frame),
                                "vintages": sorted(set(frame["vintage"])),
                                "recoded": [f"{a} -> {b}" for a, b in placement.recoded],
                                "unplaced": list(placement.unplaced)}
    # England comes with every area type; keep one row per period and sex, from the newest type that has it.
    first = pd.concat(england, ignore_index=True).drop_duplicates(["period", "sex"], keep="first")
    first = first.assign(vintage=next((types[t].vintage for t in wanted if types[t].vintage), AREA_TYPES[0].vintage))
    out = pd.concat([first, *frames], ignore_index=True)
    if out.empty:
        raise RefreshError(f"indicator {series.fingertips_id}: the API returned no rows for area types {wanted}.")
    value = pd.to_numeric(out["value"]).astype("float64")
    notes = out["value_note"].astype("str")
    out["status"] = np.where(value.notna(), "ok", np.where(notes.str.contains(_SUPPRESSED), "suppressed", "missing"))
    out["note"] = [f"{n}. {provenance}" if n else provenance for n in notes]
    out = out.drop(columns="value_note")
    out.attrs.update(fingertips_id=series.fingertips_id, name=name, released=released, downloaded=downloaded,
                     area_types=placed,
                     not_listed=[t for t in series.area_types if t not in available])
    return out
