"""Fresh official figures from the OHID Fingertips API, overlaying the bundled data.

``python -m geo refresh`` (and the About page's button) downloads the Fingertips
indicators in :data:`SERIES` for the area types in :data:`AREA_TYPES`, normalises them
into the long table (:data:`geo.schema.INDICATOR_COLUMNS`), validates them with the
build's checks (the long-table contract, and every code in the boundary set of its
level and vintage), and swaps them in atomically: a new folder under
:data:`geo._paths.REFRESH_DIR` is written in full, then the one-line ``CURRENT`` file
naming it is replaced with :func:`os.replace`. Readers (:mod:`geo.indicators`,
:mod:`geo.catalogue`) see either the old folder or the new one, never a mixture; a
failed, partial or interrupted refresh leaves ``CURRENT`` as it was. The repository's
``data/`` is never written.

Every refreshed row's ``note`` names its source, the API's release date for the
indicator and the download time, after Fingertips' own value note.

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

``fingertips_py`` itself is not used: it calls ``requests`` with no timeout and retries
with certificate checks off, which this client must not do; ``urllib`` is enough.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo import _paths
from geo.errors import AtlasError, RefreshError, ValidationError, VintageMismatchError
from geo.schema import ENGLAND_CODE, SEXES

if TYPE_CHECKING:
    import argparse

__all__ = [
    "AreaType",
    "AREA_TYPES",
    "DEFAULT_BASE_URL",
    "Http",
    "NewIndicator",
    "Outcome",
    "Series",
    "SERIES",
    "add_command",
    "current",
    "periods_held",
    "refresh",
    "revert",
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


@dataclass(frozen=True)
class Http:
    """How patient the client is: per-read timeout, whole-request deadline, retries with backoff."""

    timeout: float = 30.0
    deadline: float = 180.0
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class Outcome:
    """What a refresh did: rows per indicator, the folder now in use, and how long it took."""

    folder: Path
    rows: dict[str, int]
    seconds: float
    unplaced: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        total = sum(self.rows.values())
        parts = ", ".join(f"{k} {v:,}" for k, v in self.rows.items())
        text = f"refreshed {len(self.rows)} indicator(s), {total:,} rows ({parts}) in {self.seconds:.1f} s into {self.folder}"
        lost = {k: v for k, v in self.unplaced.items() if v}
        if lost:
            text += "; not placed (codes in no boundary set the atlas holds): " + "; ".join(
                f"{k} {len(v)} ({', '.join(v[:5])}{' ...' if len(v) > 5 else ''})" for k, v in lost.items())
        return text


#: Told (fraction done, what is happening) as the refresh goes; what it returns is ignored.
Progress = Callable[[float, str], object]


# --- HTTP -------------------------------------------------------------------------------------------


class _Unreachable(RefreshError):
    """The server did not answer usefully after every retry."""



def _get(url: str, *, http: Http) -> bytes:
    """GET ``url``; retry timeouts, dropped connections and 5xx/429 with exponential backoff."""
    last = ""
    for attempt in range(http.retries + 1):
        if attempt:
            http.sleep(http.backoff * 2 ** (attempt - 1))
        try:
            return _get_once(url, http=http)
        except urllib.error.HTTPError as exc:
            last = f"the server answered HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                raise RefreshError(f"{url}: {last}; expected 200. Check --base-url and the indicator id.") from None
        except TimeoutError:
            last = f"no answer within {http.timeout:g} s"
        except urllib.error.URLError as exc:
            last = f"cannot reach the server ({exc.reason})"
            if isinstance(exc.reason, socket.gaierror):  # no name lookup: offline, retrying will not help
                break
        except (HTTPException, ConnectionError) as exc:
            last = f"the connection broke ({type(exc).__name__})"
    raise _Unreachable(
        f"{url}: {last}, {attempt + 1} tries. Are you offline? "
        "The atlas keeps showing the figures it has; try again later or point --base-url at a mirror."
    )


def _get_once(url: str, *, http: Http) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "health-gap-atlas (python -m geo refresh)"})
    start = time.monotonic()
    with urllib.request.urlopen(request, timeout=http.timeout) as response:
        expected = response.headers.get("Content-Length")
        chunks: list[bytes] = []
        while chunk := response.read(1 << 16):
            chunks.append(chunk)
            if time.monotonic() - start > http.deadline:
                raise TimeoutError
    body = b"".join(chunks)
    if expected is not None and expected.isdigit() and len(body) != int(expected):
        raise ConnectionError(f"truncated: {len(body)} of {expected} bytes")
    return body


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
        meta = json.loads(_get(url, http=http).decode("utf-8-sig"))
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
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


def _number(text: str, *, column: str, url: str) -> float:
    if not text.strip():
        return np.nan
    try:
        return float(text)
    except ValueError:
        raise RefreshError(f"{url}: {column} {text!r} is not a number; expected a number or a blank.") from None


def _period(text: str) -> str:
    """Fingertips writes "2001 - 03"; the atlas "2001-03"."""
    return re.sub(r"\s*-\s*", "-", text.strip())


def _available(base_url: str, series: Series, *, http: Http) -> frozenset[int]:
    """The area types the API holds data for, from ``available_data`` (as fingertipsR's ``indicator_areatypes()``)."""
    # ropensci/fingertipsR R/area_types.R reads available_data?indicator_id=.. as (IndicatorID, AreaTypeID) pairs;
    # public scripts joining it by "AreaTypeId" and grouping by "IndicatorId" give the JSON field names.
    url = _url(base_url, "available_data", indicator_id=series.fingertips_id)
    try:
        listed = json.loads(_get(url, http=http).decode("utf-8-sig"))
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
    code; other strays stay, for :func:`_validate` to refuse. With no known set (PCTs),
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


def _download(series: Series, *, base_url: str, http: Http, downloaded: str, types: dict[int, AreaType],
              data_dir: Path) -> pd.DataFrame:
    """One indicator at each of its area types the API holds data for, as long-table rows."""
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
        rows = [r for r in _parse_csv(_get(url, http=http), url=url) if not r["Category Type"].strip()]
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
                "value": [_number(r["Value"], column="Value", url=url) for r in rows],
                "lower_ci": [_number(r["Lower CI 95.0 limit"], column="Lower CI", url=url) for r in rows],
                "upper_ci": [_number(r["Upper CI 95.0 limit"], column="Upper CI", url=url) for r in rows],
                "count": [_number(r["Count"], column="Count", url=url) for r in rows],
                "denominator": [_number(r["Denominator"], column="Denominator", url=url) for r in rows],
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


# --- validation -------------------------------------------------------------------------------------


def _validate(table: pd.DataFrame, *, declared: Iterable[str], data_dir: Path) -> None:
    """The build's checks: the long-table contract, then every code in its boundary set."""
    from geo.codes import detect
    from geo.ingest._common import boundary_codes, check_indicator_contract

    check_indicator_contract(table, declared=declared, where="Fingertips refresh")
    bad_sex = set(table["sex"]) - set(SEXES)
    if bad_sex:
        raise ValidationError(f"Fingertips refresh: sexes {sorted(bad_sex)}; expected some of {list(SEXES)}.")
    known = boundary_codes(data_dir)
    known.update({("england", v): {ENGLAND_CODE} for v in set(table.loc[table["level"] == "england", "vintage"])})
    for (level, vintage), codes in table.groupby(["level", "vintage"])["area_code"]:
        held = known.get((str(level), str(vintage)))
        if held is None:
            raise ValidationError(f"Fingertips refresh: no {level} {vintage} boundaries in {data_dir}; run `python -m geo build`.")
        stray = sorted(set(codes) - held)
        if not stray:
            continue
        try:
            found = detect(stray, data_dir=data_dir)
            hint = f"they look like {found.level} {found.vintage} codes"
        except AtlasError:
            hint = "they are in no boundary set the atlas holds"
        raise VintageMismatchError(
            f"Fingertips refresh: {len(stray)} {level} codes are not in the {vintage} set (e.g. {stray[0]}); {hint}. "
            "The API changed its geography: update geo.refresh.AREA_TYPES."
        )


def _catalogue_records(table: pd.DataFrame, series: Sequence[Series], meta: dict[str, dict[str, Any]],
                       *, data_dir: Path) -> list[dict[str, Any]]:
    """Catalogue records for the refreshed indicators: levels, periods and provenance as refreshed."""
    from geo.catalogue import Indicator, Source, _load_catalogue

    bundled = _load_catalogue(data_dir, None)
    records = []
    for s in series:
        rows = table[table["indicator_id"] == s.indicator_id]
        m = meta[s.indicator_id]
        caveat = (f"Refreshed from the {SOURCE} (indicator {s.fingertips_id}, released {m['released']}, "
                  f"downloaded {m['downloaded']}); refreshed figures replace the bundled ones for the same "
                  "area, period and sex. `python -m geo refresh --revert` goes back.")
        levels = {str(lv): tuple(sorted(set(g))) for lv, g in rows.groupby("level")["vintage"]}
        if s.indicator_id in bundled:
            base = bundled[s.indicator_id]
            merged = {lv: tuple(sorted(set(base.levels.get(lv, ())) | set(vs))) for lv, vs in levels.items()}
            record = replace(
                base,
                levels={**base.levels, **merged},
                periods=tuple(sorted(set(base.periods) | set(rows["period"]))),
                sexes=tuple(sorted(set(base.sexes) | set(rows["sex"]))),
                has_ci=base.has_ci or bool(rows["lower_ci"].notna().any()),
                caveats=(*[c for c in base.caveats if not c.startswith(f"Refreshed from the {SOURCE}")], caveat),
            )
        else:
            assert s.new is not None
            new = s.new
            record = Indicator(
                s.indicator_id, new.title, new.description, new.unit, new.polarity,  # type: ignore[arg-type]
                new.group,
                Source(PUBLISHER, f"{m['name'] or new.title} (indicator {s.fingertips_id})",
                       f"{SOURCE}: all_data/csv/by_indicator_id?indicator_ids={s.fingertips_id}",
                       url=f"https://fingertips.phe.org.uk/search/{s.fingertips_id}",
                       attribution="Contains public sector information licensed under the Open Government Licence v3.0."),
                value_type=new.value_type, sexes=tuple(sorted(set(rows["sex"]))), levels=levels,
                periods=tuple(sorted(set(rows["period"]))), has_ci=bool(rows["lower_ci"].notna().any()),
                caveats=(caveat,), short_title=new.short_title,
            )
        records.append(record.to_dict())
    return records


# --- the swap ---------------------------------------------------------------------------------------


def current(*, refresh_dir: Path | None = None) -> dict[str, Any] | None:
    """The manifest of the refreshed folder in use (what, released, downloaded), or ``None``."""
    folder = _current_folder(refresh_dir or _paths.REFRESH_DIR)
    if folder is None:
        return None
    try:
        return dict(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def periods_held(*, refresh_dir: Path | None = None) -> dict[str, str]:
    """``{indicator_id: "first to last"}``: the periods the refreshed rows in use cover (empty when none)."""
    folder = _current_folder(refresh_dir or _paths.REFRESH_DIR)
    path = folder / "indicators" / "fingertips.parquet" if folder is not None else None
    if path is None or not path.exists():
        return {}
    rows = pd.read_parquet(path, columns=["indicator_id", "period"]).drop_duplicates()
    out: dict[str, str] = {}
    for indicator_id, periods in rows.groupby("indicator_id")["period"]:
        held = sorted(str(p) for p in periods)  # "2001-03" < "2015-17": the start year leads
        out[str(indicator_id)] = held[0] if len(held) == 1 else f"{held[0]} to {held[-1]}"
    return out


def _current_folder(refresh_dir: Path) -> Path | None:
    try:
        name = (refresh_dir / _paths.CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = refresh_dir / name
    return folder if name and folder.is_dir() else None


def _swap(refresh_dir: Path, folder: Path) -> None:
    """Point ``CURRENT`` at ``folder`` in one atomic rename, then delete the folders no longer named."""
    pointer = refresh_dir / f".{_paths.CURRENT_FILE}.{uuid.uuid4().hex}"
    pointer.write_text(folder.name + "\n", encoding="utf-8")
    os.replace(pointer, refresh_dir / _paths.CURRENT_FILE)
    _tidy(refresh_dir, keep=folder.name)


def _tidy(refresh_dir: Path, *, keep: str | None) -> None:
    for old in refresh_dir.glob("refresh-*"):
        if old.name != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def revert(*, refresh_dir: Path | None = None) -> bool:
    """Go back to the bundled figures; ``True`` when refreshed figures were in use."""
    refresh_dir = refresh_dir or _paths.REFRESH_DIR
    pointer = refresh_dir / _paths.CURRENT_FILE
    was = _current_folder(refresh_dir) is not None
    pointer.unlink(missing_ok=True)
    if refresh_dir.is_dir():
        _tidy(refresh_dir, keep=None)
    _clear_caches()
    return was


def _clear_caches() -> None:
    from geo import catalogue, indicators

    catalogue._load_catalogue.cache_clear()
    indicators._rows.cache_clear()
    indicators._dataset.cache_clear()


# --- the refresh ------------------------------------------------------------------------------------


def _select(wanted: Sequence[str] | None, series: Sequence[Series]) -> list[Series]:
    if not wanted:
        return list(series)
    by_key = {s.indicator_id: s for s in series} | {str(s.fingertips_id): s for s in series}
    unknown = [w for w in wanted if w not in by_key]
    if unknown:
        raise RefreshError(
            f"--indicators {', '.join(unknown)}: not a refreshable indicator; expected atlas ids or Fingertips ids "
            f"among {', '.join(f'{s.indicator_id} ({s.fingertips_id})' for s in series)}."
        )
    return list(dict.fromkeys(by_key[w] for w in wanted))


def refresh(
    indicators: Sequence[str] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    refresh_dir: Path | None = None,
    data_dir: Path | None = None,
    http: Http = Http(),
    series: Sequence[Series] = SERIES,
    area_types: Sequence[AreaType] = AREA_TYPES,
    progress: Progress | None = None,
) -> Outcome:
    """Download, validate and swap in fresh figures; all or nothing.

    ``indicators`` narrows :data:`SERIES` (atlas ids or Fingertips ids). Indicators refreshed
    earlier and not named here are kept as they were.

    Raises
    ------
    RefreshError
        Something could not be downloaded or read; the message says which indicators
        were fine and which failed. Nothing was changed.
    ValidationError, VintageMismatchError
        The downloads break the build's checks. Nothing was changed.
    """
    from geo.catalogue import _load_catalogue

    start = time.perf_counter()
    refresh_dir = refresh_dir or _paths.REFRESH_DIR
    data_dir = data_dir or _paths.DATA_DIR
    chosen = _select(indicators, series)
    types = {t.area_type_id: t for t in area_types}
    downloaded = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = progress or (lambda _f, _m: None)

    tables: dict[str, pd.DataFrame] = {}
    failed: dict[str, str] = {}
    for i, s in enumerate(chosen):
        report(i / (len(chosen) + 1), f"Downloading {s.indicator_id} (Fingertips {s.fingertips_id})")
        try:
            tables[s.indicator_id] = _download(s, base_url=base_url, http=http, downloaded=downloaded, types=types,
                                               data_dir=data_dir)
        except RefreshError as exc:
            failed[s.indicator_id] = str(exc)
            if isinstance(exc, _Unreachable):  # the others would wait as long again, for nothing
                break
    if failed:
        untried = [s.indicator_id for s in chosen if s.indicator_id not in tables and s.indicator_id not in failed]
        first = next(iter(failed.items()))
        raise RefreshError(
            f"nothing refreshed: {len(failed)} of {len(chosen)} indicator(s) failed ({', '.join(failed)}); "
            f"downloaded fine: {', '.join(tables) or 'none'}"
            f"{'; not tried: ' + ', '.join(untried) if untried else ''}. First failure, {first[0]}: {first[1]}"
        )

    report(len(chosen) / (len(chosen) + 1), "Checking codes, vintages and the long-table contract")
    from geo.ingest._common import finish_indicators

    meta = {k: {str(a): v for a, v in t.attrs.items()} for k, t in tables.items()}
    fresh = finish_indicators(pd.concat(tables.values(), ignore_index=True))
    previous = _current_folder(refresh_dir)
    kept = pd.DataFrame()
    old_manifest: dict[str, Any] = {}
    if previous is not None:
        kept_path = previous / "indicators" / "fingertips.parquet"
        if kept_path.exists():
            kept = pd.read_parquet(kept_path)
            kept = kept[~kept["indicator_id"].isin(list(tables))]
        old_manifest = current(refresh_dir=refresh_dir) or {}
    table = finish_indicators(pd.concat([fresh, kept], ignore_index=True)) if not kept.empty else fresh
    declared = set(_load_catalogue(data_dir, None)) | {s.indicator_id for s in series}
    _validate(table, declared=declared, data_dir=data_dir)

    refresh_dir.mkdir(parents=True, exist_ok=True)
    folder = refresh_dir / f"refresh-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    try:
        (folder / "indicators").mkdir(parents=True)
        table.to_parquet(folder / "indicators" / "fingertips.parquet", index=False, compression="zstd")
        records = _catalogue_records(fresh, chosen, meta, data_dir=data_dir)
        if previous is not None and (previous / "catalogue.json").exists():
            earlier = json.loads((previous / "catalogue.json").read_text(encoding="utf-8"))["indicators"]
            records = [r for r in earlier if r["indicator_id"] not in tables] + records
        (folder / "catalogue.json").write_text(json.dumps({"indicators": records}, indent=1), encoding="utf-8")
        entries = dict(old_manifest.get("indicators", {}))
        for s in chosen:
            entries[s.indicator_id] = {**meta[s.indicator_id], "rows": int((fresh["indicator_id"] == s.indicator_id).sum())}
        manifest = {"source": SOURCE, "base_url": base_url, "indicators": entries}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
        _swap(refresh_dir, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _clear_caches()
    report(1.0, "Done")
    rows = {s.indicator_id: int((fresh["indicator_id"] == s.indicator_id).sum()) for s in chosen}
    unplaced = {k: tuple(c for t in m["area_types"].values() for c in t["unplaced"]) for k, m in meta.items()}
    return Outcome(folder, rows, time.perf_counter() - start, unplaced)


# --- the command ------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    refresh_dir = Path(args.dir) if args.dir else None
    if args.revert:
        was = revert(refresh_dir=refresh_dir)
        print("back to the bundled figures" if was else "no refreshed figures were in use; the bundled figures are shown")
        return 0
    wanted = [w for item in args.indicators or () for w in item.split(",") if w]
    outcome = refresh(wanted, base_url=args.base_url, refresh_dir=refresh_dir,
                      progress=lambda f, m: print(f"[{f:4.0%}] {m}", flush=True))
    print(outcome.describe())
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``python -m geo refresh``."""
    p = sub.add_parser(
        "refresh",
        help="download fresh official figures from OHID Fingertips (overlaying the bundled data)",
        description="Download the catalogue's Fingertips indicators into a folder beside the bundled data; "
        "the app shows them in place of the bundled figures. --revert goes back.",
    )
    p.add_argument("--indicators", nargs="+", metavar="ID",
                   help="atlas or Fingertips ids (default: all of " + ", ".join(s.indicator_id for s in SERIES) + ")")
    p.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"the Fingertips API (default {DEFAULT_BASE_URL})")
    p.add_argument("--dir", help=f"the refreshed folder (default $HGA_REFRESH_DIR or {_paths.REFRESH_DIR})")
    p.add_argument("--revert", action="store_true", help="go back to the bundled figures")
    p.set_defaults(run=_run)
