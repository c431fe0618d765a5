"""Service sites (children's centres, housing offices): reading a user's CSV, nearest-site distances.

A sites file has a ``name`` column and either ``latitude``/``longitude`` (WGS84) or
``easting``/``northing`` (British National Grid), or a column of postcodes (with or
without a name column; with or without a header): each postcode is placed at its OS
Code-Point Open coordinates (:mod:`geo.postcodes`). Rows that cannot be used are listed
with the reason (postcodes: one line per reason, with the row numbers, and the counts
add up to the rows read); they never stop the good rows.

Distances are straight lines in British National Grid (EPSG:27700), in metres, from
where people live in each small area: the mean position of its live residential
postcodes (:func:`residential_centres`, from ``lookups/postcode_centres.parquet``), or
the centroid of its (generalised) polygon where it has none. Each distance says which
it started from (``measured_from``).

Sites belong to the area they were uploaded for: :func:`sites_near` counts those in or
near an area, and :func:`placement` says in words when none is (a file of Hull's
children's centres measured against Newham would make every small area a gap).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import shared
from geo._paths import DATA_DIR
from geo.errors import UploadError
from geo.postcodes import ATTRIBUTION, find, find_many, normalise, normalise_many
from geo.tallies import extract_postcode

__all__ = [
    "BNG",
    "CENTRE_METHOD",
    "CENTROID",
    "MAX_BYTES",
    "NEAR_KM",
    "POSTCODES",
    "POSTCODE_CENTRE",
    "POSTCODE_REASONS",
    "Sites",
    "centre_shift",
    "coverage_gaps",
    "download_header",
    "method_note",
    "nearest_site",
    "placement",
    "read_sites",
    "residential_centres",
    "sites_near",
]

BNG: Final = 27700
#: The largest sites file accepted (the app's upload limit is the same 5 MB).
MAX_BYTES: Final = 5 * 1024 * 1024
#: A site this close to an area (or inside it) is "in or near" it.
NEAR_KM: Final = 5.0
#: ``measured_from`` of a distance: where in the small area it started.
POSTCODE_CENTRE: Final = "postcode-weighted centre"
CENTROID: Final = "polygon centroid"
#: How each small area's point is placed, in words for tables and notes.
CENTRE_METHOD: Final = (
    "postcode-weighted centre: the mean position of its live residential postcodes (user type 0 in the ONS "
    "postcode lookup, at their OS Code-Point Open coordinates), or the centroid of its polygon where it has none"
)
#: ``Sites.coordinates`` of a file placed by postcode.
POSTCODES: Final = "postcodes, placed at their OS Code-Point Open coordinates"

_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": ("name", "site", "site_name", "centre", "center"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "easting": ("easting", "eastings", "x"),
    "northing": ("northing", "northings", "y"),
    "postcode": ("postcode", "post_code", "postcodes", "postal_code", "pcd", "pcds", "pcd2"),
}
# Generous boxes around England (and its coast), to catch swapped or mistyped coordinates.
_LAT: Final = (49.8, 55.9)
_LON: Final = (-6.5, 2.0)
_EAST: Final = (0.0, 700_000.0)
_NORTH: Final = (0.0, 700_000.0)

#: Why a row of a postcode file was not placed, in the order the report lists them.
POSTCODE_REASONS: Final[dict[str, str]] = {
    "empty": "no postcode",
    "invalid": "not shaped like a postcode",
    "unknown": "not in the ONS postcode lookup (May 2022) or Code-Point Open (April 2025)",
    "elsewhere": "outside England (the atlas covers England only)",
    "non-geographic": "a non-geographic postcode (BFPO or similar) with no place",
    "terminated": "terminated, with no coordinates held for where it was",
    "no_coordinates": "no coordinates held (not in Code-Point Open, April 2025)",
}
#: Rows shown per line of the report; the rest are counted.
_SHOWN: Final = 20


@dataclass(frozen=True, eq=False)
class Sites:
    """Sites read from a file: ``name`` and point geometry in EPSG:27700, and the rows left out.

    ``problems``: one line per row left out (coordinates), or one line per reason with
    the row numbers (postcodes). ``report``: for a postcode file, the line whose counts
    add up to the rows read, and notes. ``left_out``: how many rows were left out.
    """

    points: gpd.GeoDataFrame
    problems: tuple[str, ...]
    coordinates: str  # "latitude/longitude", "easting/northing" or POSTCODES
    left_out: int = 0
    report: tuple[str, ...] = ()

    @property
    def by_postcode(self) -> bool:
        """Whether the sites were placed by postcode (their figures need :data:`geo.postcodes.ATTRIBUTION`)."""
        return self.coordinates == POSTCODES


def read_sites(data: bytes | str, *, max_bytes: int = MAX_BYTES, data_dir: Path = DATA_DIR) -> Sites:
    """Read a CSV of sites; bad rows go to ``problems`` ("row 4: latitude 'abc' is not a number").

    Coordinates are used when the file has them; otherwise a postcode column (by its
    name, or the column whose cells look like postcodes) places each site.

    Raises
    ------
    UploadError
        The file is too big, not text, has no usable columns or no usable row.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UploadError(
            f"The sites file is {len(raw) / 1024 / 1024:.1f} MB; expected at most {max_bytes / 1024 / 1024:.0f} MB. "
            "Keep only the name and coordinate (or postcode) columns."
        )
    text = _decode(raw)
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise UploadError(f"The sites file is not a readable CSV ({exc}); save it as CSV (comma-separated).") from None
    # Blank records are skipped; every other keeps its number in the file (record 1 is the header, if any).
    numbers = [i for i, r in enumerate(records, start=1) if any(cell.strip() for cell in r)]
    rows = [records[i - 1] for i in numbers]
    if not rows:
        raise UploadError("The sites file is empty; expected a header row (name, latitude, longitude; or name, "
                          "postcode) and sites.")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    cols = {key: next((header.index(a) for a in names if a in header), None) for key, names in _ALIASES.items()}
    if cols["latitude"] is not None and cols["longitude"] is not None:
        xy, crs, limits, system = ("longitude", "latitude"), 4326, (_LON, _LAT), "latitude/longitude"
    elif cols["easting"] is not None and cols["northing"] is not None:
        xy, crs, limits, system = ("easting", "northing"), BNG, (_EAST, _NORTH), "easting/northing"
    else:
        return _by_postcode(rows, numbers, cols, data_dir=data_dir)
    if cols["name"] is None:
        raise UploadError(f"The sites file has no 'name' column; its columns are {', '.join(rows[0])}. Add one.")
    names: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    problems: list[str] = []
    for number, row in zip(numbers[1:], rows[1:], strict=True):
        name = _cell(row, cols["name"])
        if not name:
            problems.append(f"row {number}: no name")
            continue
        point, why = [], ""
        for axis, (low, high) in zip(xy, limits, strict=True):
            cell = _cell(row, cols[axis])
            try:
                value = float(cell)
            except ValueError:
                why = f"{axis} {cell!r} is not a number" if cell else f"no {axis}"
                break
            if not (low <= value <= high) or not np.isfinite(value):
                why = f"{axis} {value:g} is outside England (expected {low:g} to {high:g})"
                break
            point.append(value)
        if why:
            problems.append(f"row {number} ({name[:40]}): {why}")
            continue
        names.append(name)
        xs.append(point[0])
        ys.append(point[1])
    if not names:
        shown = "; ".join(problems[:3])
        raise UploadError(f"No row of the sites file could be used ({shown}). Check the coordinates.")
    points = gpd.GeoDataFrame({"name": names}, geometry=gpd.points_from_xy(xs, ys), crs=crs).to_crs(BNG)
    return Sites(points, tuple(problems), system, left_out=len(problems))


# ---------------------------------------------------------------- sites by postcode
def _postcode_column(rows: list[list[str]], cols: dict[str, int | None]) -> tuple[int | None, bool]:
    """The postcode column, and whether the first row is a header (not when it holds a postcode itself)."""
    if cols["postcode"] is not None:
        return cols["postcode"], True
    width = max(len(r) for r in rows)
    best, share = None, 0.0
    for j in range(width):
        cells = [c for c in (_cell(r, j) for r in rows[1:2001]) if c]
        held = sum(normalise(c) is not None for c in cells) / len(cells) if cells else 0.0
        if held > share:
            best, share = j, held
    if best is None or share < 0.5:
        if len(rows) == 1 and any(normalise(c) is not None for c in rows[0]):  # one line: a postcode, no header
            return next(j for j, c in enumerate(rows[0]) if normalise(c) is not None), False
        return None, True
    return best, normalise(_cell(rows[0], best)) is None


def _by_postcode(rows: list[list[str]], numbers: list[int], cols: dict[str, int | None], *, data_dir: Path) -> Sites:
    """Place each row at its postcode's coordinates; list every row that cannot be, by reason."""
    column, has_header = _postcode_column(rows, cols)
    if column is None:
        raise UploadError(
            "The sites file needs latitude and longitude columns, or easting and northing, or a column of postcodes; "
            f"its columns are {', '.join(rows[0])}."
        )
    name_col = cols["name"] if has_header else None
    if not has_header and max(len(r) for r in rows) == 2:
        name_col = 1 - column  # two columns and no header: the other one names the site
    body, numbers = (rows[1:], numbers[1:]) if has_header else (rows, numbers)
    cells = pd.Series([_cell(r, column) for r in body], dtype="object")
    unique = pd.Series(cells.unique())
    shaped = normalise_many(unique)
    read = shaped.where(shaped.notna(), unique.map(extract_postcode))
    addresses = int((read.notna() & shaped.isna() & (unique != "")).sum())
    found = find_many(read, data_dir=data_dir).set_index(unique)
    found.loc[(unique == "").to_numpy(), "status"] = "empty"
    found["postcode"] = read.to_numpy()
    at = found.reindex(cells.to_numpy()).reset_index(drop=True)
    at["row"] = numbers
    at["shown"] = [pc if isinstance(pc, str) else typed[:30] for pc, typed in zip(at["postcode"], cells, strict=True)]
    at["name"] = [_cell(r, name_col) for r in body] if name_col is not None else ""
    held = at["easting"].notna() & at["northing"].notna()
    at["reason"] = np.select(
        [at["status"].isin(["live", "terminated"]) & held, at["status"] == "terminated", at["status"] == "live"],
        ["", "terminated", "no_coordinates"], default=at["status"])
    placed = at[at["reason"] == ""]
    lost = at[at["reason"] != ""]
    problems = [_reason_line(lost[lost["reason"] == reason], words) for reason, words in POSTCODE_REASONS.items()
                if (lost["reason"] == reason).any()]
    moved = placed[placed["status"] == "terminated"].copy()
    moved["shown"] = [f"{pc}, terminated {_month(pc, data_dir)}" for pc in moved["postcode"]]
    report = [f"{_n(len(at), 'row')} read: {len(placed):,} placed by postcode"
              + (f" ({len(moved):,} of them terminated, placed where they were)" if len(moved) else "")
              + f", {len(lost):,} not placed."]
    if len(moved):
        report.append(f"{_n(len(moved), 'terminated postcode')} placed where {'it was' if len(moved) == 1 else 'they were'}"
                      f" (the coordinates held for {'it' if len(moved) == 1 else 'them'}): {_rows(moved)}.")
    if addresses:
        report.append(f"{_n(addresses, 'cell')} held a whole address: the postcode at its end was used.")
    if placed.empty:
        shown = "; ".join(line.rstrip(".") for line in problems[:3])
        raise UploadError(f"No row of the sites file could be placed by its postcode ({shown}). "
                          "Check the postcodes, or give latitude and longitude columns.")
    names = [n or pc for n, pc in zip(placed["name"], placed["postcode"], strict=True)]
    points = gpd.GeoDataFrame({"name": names, "postcode": placed["postcode"].to_numpy()},
                              geometry=gpd.points_from_xy(placed["easting"], placed["northing"]), crs=BNG)
    return Sites(points, tuple(problems), POSTCODES, left_out=len(lost), report=tuple(report))


def _month(postcode: str, data_dir: Path) -> str:
    """The month a postcode was terminated ("1996-12")."""
    held = find(postcode, data_dir=data_dir).postcode
    return held.terminated or "" if held else ""


def _rows(frame: pd.DataFrame) -> str:
    """"rows 4 (EH1 1YZ), 7 (L99 9ZZ) and 3 more": row numbers with what they held."""
    parts = [f"{int(r)} ({shown})" if shown else str(int(r))
             for r, shown in zip(frame["row"].head(_SHOWN), frame["shown"].head(_SHOWN), strict=True)]
    more = f" and {len(frame) - _SHOWN:,} more" if len(frame) > _SHOWN else ""
    return ("row " if len(frame) == 1 else "rows ") + ", ".join(parts) + more


def _reason_line(frame: pd.DataFrame, words: str) -> str:
    return f"{len(frame):,} not placed, {words}: {_rows(frame)}."


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise UploadError("The sites file is not text (it looks like a spreadsheet or image); save it as CSV.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("The sites file is not UTF-8 or Windows text; save it as CSV (UTF-8).")


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


@shared.cached(max_entries=2, scope="bundled")
def residential_centres(lsoa_vintage: str, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Per LSOA of a set (index ``area_code``): ``easting``, ``northing`` (BNG) and ``postcodes``.

    The mean position of the LSOA's live residential postcodes (user type 0), and how many
    there are; ``poly_easting``/``poly_northing``, its polygon's centroid. Empty when the
    postcode build has not been run (every distance then starts at the centroid, and says so).
    """
    path = data_dir / "lookups" / "postcode_centres.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["easting", "northing", "postcodes", "poly_easting", "poly_northing"],
                            index=pd.Index([], name="area_code"), dtype="float64")
    held = pd.read_parquet(path, columns=["area_code", "vintage", "easting", "northing", "postcodes", "poly_easting",
                                          "poly_northing"])
    held = held[held["vintage"] == lsoa_vintage].drop(columns="vintage").set_index("area_code")
    return held.astype({c: "float64" for c in ("easting", "northing", "poly_easting", "poly_northing")})


def centre_shift(centres: pd.DataFrame, area_codes: pd.Series | None = None) -> tuple[float, float, int] | None:
    """How far the postcode-weighted centres lie from the polygon centroids: (median, 95th percentile, areas), metres.

    Over ``area_codes`` (all of ``centres`` when ``None``); ``None`` when no area has both.

    Examples
    --------
    >>> c = pd.DataFrame({"easting": [3.0, 0.0], "northing": [4.0, 0.0], "poly_easting": [0.0, 0.0],
    ...                   "poly_northing": [0.0, 0.0]}, index=["A", "B"])
    >>> centre_shift(c)
    (2.5, 4.75, 2)
    """
    rows = centres if area_codes is None else centres.reindex(pd.Index(area_codes.unique()))
    shift = pd.Series(np.hypot(rows["easting"] - rows["poly_easting"], rows["northing"] - rows["poly_northing"]),
                      index=rows.index, dtype="float64").dropna()
    if shift.empty:
        return None
    return float(shift.median()), float(shift.quantile(0.95)), len(shift)


def nearest_site(areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *,
                 centres: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each area, the nearest site and the straight-line distance to it in metres (BNG).

    Returns ``area_code``, ``nearest_site``, ``distance_m`` (rounded to the metre) and
    ``measured_from``: :data:`POSTCODE_CENTRE` where ``centres`` (:func:`residential_centres`)
    holds the area's ``easting``/``northing``, else :data:`CENTROID`, its polygon's centroid.

    Examples
    --------
    >>> from shapely.geometry import box, Point
    >>> a = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[box(0, 0, 2, 2)], crs=27700)
    >>> s = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(4, 5)], crs=27700)
    >>> nearest_site(a, s)[["distance_m", "measured_from"]].values.tolist()
    [[5.0, 'polygon centroid']]
    >>> c = pd.DataFrame({"easting": [4.0], "northing": [1.0]}, index=["A"])
    >>> nearest_site(a, s, centres=c)[["distance_m", "measured_from"]].values.tolist()
    [[4.0, 'postcode-weighted centre']]
    """
    if sites.empty:
        raise UploadError("No sites to measure to; upload a file with at least one usable row.")
    centroids = areas.to_crs(BNG).geometry.centroid
    xs, ys = centroids.x.to_numpy(dtype="float64"), centroids.y.to_numpy(dtype="float64")
    weighted = np.zeros(len(areas), dtype=bool)
    if centres is not None and len(centres):
        held = centres.reindex(areas["area_code"].to_numpy())
        east = held["easting"].to_numpy(dtype="float64", na_value=np.nan)
        north = held["northing"].to_numpy(dtype="float64", na_value=np.nan)
        weighted = np.isfinite(east) & np.isfinite(north)
        xs, ys = np.where(weighted, east, xs), np.where(weighted, north, ys)
    points = sites.to_crs(BNG)
    tree = shapely.STRtree(np.asarray(points.geometry.array))
    index, distance = tree.query_nearest(shapely.points(xs, ys), return_distance=True, all_matches=False)
    nearest = np.full(len(areas), -1)
    nearest[index[0]] = index[1]
    metres = np.full(len(areas), np.nan)
    metres[index[0]] = distance
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "nearest_site": [str(points["name"].iloc[i]) if i >= 0 else None for i in nearest],
            "distance_m": np.round(metres),
            "measured_from": np.where(weighted, POSTCODE_CENTRE, CENTROID),
        }
    )


def method_note(distances: pd.DataFrame, centres: pd.DataFrame) -> list[str]:
    """How the distances were measured, in sentences (for the page, and the downloads' header).

    Says how many started from each centre, and how far the two centres lie apart here
    and across England (measured from ``centres``, never typed in).
    """
    n = len(distances)
    weighted = int((distances["measured_from"] == POSTCODE_CENTRE).sum())
    start = ("Distances are straight lines in British National Grid from where people live in each small area: the "
             f"mean position of its live residential postcodes (its {POSTCODE_CENTRE}")
    if weighted == n:
        out = [f"{start}, held for all {n:,}), not the middle of its polygon."]
    else:
        out = [f"{start}; {weighted:,} of the {n:,} small areas), or its {CENTROID} where it has none "
               f"({n - weighted:,}; see measured_from)."]
    here = centre_shift(centres, distances["area_code"]) if len(centres) else None
    england = centre_shift(centres) if len(centres) else None
    if here is not None and england is not None:
        out.append(
            f"The two centres lie a median {here[0]:,.0f} m apart in these {here[2]:,} small areas (95th percentile "
            f"{here[1]:,.0f} m), and {england[0]:,.0f} m across England's {england[2]:,} (95th percentile "
            f"{england[1]:,.0f} m)."
        )
    return out


def download_header(distances: pd.DataFrame, centres: pd.DataFrame, sites: Sites) -> list[str]:
    """The ``# `` header lines of a download that carries distances: the method and the postcode attribution."""
    placed = f"Sites: {len(sites.points):,} read ({sites.coordinates})" + (
        f"; {sites.left_out:,} rows left out." if sites.left_out else ".")
    return [placed, *method_note(distances, centres), ATTRIBUTION]


def coverage_gaps(distances: pd.DataFrame, *, beyond_m: float) -> pd.DataFrame:
    """The areas whose nearest site is further than ``beyond_m`` metres, furthest first."""
    if beyond_m < 0:
        raise UploadError(f"The distance must be positive; got {beyond_m:g} m.")
    return distances[distances["distance_m"] > beyond_m].sort_values("distance_m", ascending=False).reset_index(drop=True)


def sites_near(sites: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, within_m: float) -> int:
    """How many sites lie inside one of ``areas`` or within ``within_m`` metres of one (measured in BNG).

    Examples
    --------
    >>> from shapely.geometry import box, Point
    >>> a = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=27700)
    >>> s = gpd.GeoDataFrame({"name": ["in", "near", "far"]}, geometry=[Point(5, 5), Point(1500, 0), Point(9000, 0)],
    ...                      crs=27700)
    >>> sites_near(s, a, within_m=1000)
    2
    """
    if sites.empty or areas.empty:
        return 0
    tree = shapely.STRtree(np.asarray(areas.to_crs(BNG).geometry.array))
    pairs = tree.query(np.asarray(sites.to_crs(BNG).geometry.array), predicate="dwithin", distance=within_m)
    return len(np.unique(pairs[0]))


def placement(*, sites: int, near: int, area_name: str, uploaded_for: str, applied: bool,
              within_km: float = NEAR_KM) -> str:
    """Where a user's sites lie against the area being targeted, in words; empty when some are in or near it.

    ``uploaded_for``: the area the file was uploaded for; ``applied``: whether the distances use them here.

    Examples
    --------
    >>> placement(sites=12, near=0, area_name="Newham", uploaded_for="Kingston upon Hull", applied=False)
    'None of your 12 sites lies within 5 km of Newham; they were uploaded for Kingston upon Hull, so they are not used here.'
    """
    your = "your site" if sites == 1 else f"your {sites:,} sites"
    elsewhere = uploaded_for and uploaded_for != area_name
    they = "it was" if sites == 1 else "they were"
    if near == 0:
        head = (f"{'Your site does not lie' if sites == 1 else f'None of {your} lies'} within {within_km:g} km of "
                f"{area_name}")
        if not applied:
            return head + (f"; {they} uploaded for {uploaded_for}" if elsewhere else "") + ", so they are not used here."
        return (head + (f"; {they} uploaded for {uploaded_for}" if elsewhere else "")
                + ", so every distance below is to a site outside the area.")
    if not applied and elsewhere:
        return (f"{your[0].upper()}{your[1:]} {'was' if sites == 1 else 'were'} uploaded for {uploaded_for}, so "
                f"{'it is' if sites == 1 else 'they are'} not used for {area_name}; {near:,} of them "
                f"{'lies' if near == 1 else 'lie'} in {area_name} or within {within_km:g} km of it.")
    return ""
