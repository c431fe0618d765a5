"""Service sites (children's centres, housing offices): reading a user's CSV, nearest-site distances.

A sites file has a ``name`` column and either ``latitude``/``longitude`` (WGS84)
or ``easting``/``northing`` (British National Grid). Rows that cannot be used are
listed with the reason; they never stop the good rows. Distances are measured in
British National Grid (EPSG:27700), in metres, from each small area's geometric
centre: the atlas holds no population-weighted centroids, so the centre is the
centroid of the (generalised) LSOA polygon, computed in EPSG:27700.

Sites belong to the area they were uploaded for: :func:`sites_near` counts those in or
near an area, and :func:`placement` says in words when none is (a file of Hull's
children's centres measured against Newham would make every small area a gap).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import UploadError

__all__ = [
    "BNG",
    "CENTRE_METHOD",
    "MAX_BYTES",
    "NEAR_KM",
    "Sites",
    "coverage_gaps",
    "nearest_site",
    "placement",
    "read_sites",
    "sites_near",
]

BNG: Final = 27700
#: The largest sites file accepted (the app's upload limit is the same 5 MB).
MAX_BYTES: Final = 5 * 1024 * 1024
#: A site this close to an area (or inside it) is "in or near" it.
NEAR_KM: Final = 5.0
#: How each small area's point is placed, in words for tables and notes.
CENTRE_METHOD: Final = "geometric centre of the LSOA polygon (no population-weighted centroids are held)"

_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": ("name", "site", "site_name", "centre", "center"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "easting": ("easting", "eastings", "x"),
    "northing": ("northing", "northings", "y"),
}
# Generous boxes around England (and its coast), to catch swapped or mistyped coordinates.
_LAT: Final = (49.8, 55.9)
_LON: Final = (-6.5, 2.0)
_EAST: Final = (0.0, 700_000.0)
_NORTH: Final = (0.0, 700_000.0)


@dataclass(frozen=True, eq=False)
class Sites:
    """Sites read from a file: ``name`` and point geometry in EPSG:27700, and the rows left out."""

    points: gpd.GeoDataFrame
    problems: tuple[str, ...]
    coordinates: str  # "latitude/longitude" or "easting/northing"


def read_sites(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> Sites:
    """Read a CSV of sites; bad rows go to ``problems`` ("row 4: latitude 'abc' is not a number").

    Raises
    ------
    UploadError
        The file is too big, not text, has no usable columns or no usable row.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UploadError(
            f"The sites file is {len(raw) / 1024 / 1024:.1f} MB; expected at most {max_bytes / 1024 / 1024:.0f} MB. "
            "Keep only the name and coordinate columns."
        )
    text = _decode(raw)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise UploadError(f"The sites file is not a readable CSV ({exc}); save it as CSV (comma-separated).") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise UploadError("The sites file is empty; expected a header row (name, latitude, longitude) and sites.")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    cols = {key: next((header.index(a) for a in names if a in header), None) for key, names in _ALIASES.items()}
    if cols["name"] is None:
        raise UploadError(f"The sites file has no 'name' column; its columns are {', '.join(rows[0])}. Add one.")
    if cols["latitude"] is not None and cols["longitude"] is not None:
        xy, crs, limits, system = ("longitude", "latitude"), 4326, (_LON, _LAT), "latitude/longitude"
    elif cols["easting"] is not None and cols["northing"] is not None:
        xy, crs, limits, system = ("easting", "northing"), BNG, (_EAST, _NORTH), "easting/northing"
    else:
        raise UploadError(
            f"The sites file needs latitude and longitude columns, or easting and northing; its columns are "
            f"{', '.join(rows[0])}."
        )
    names: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    problems: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
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
    return Sites(points, tuple(problems), system)


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


def nearest_site(areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each area, the nearest site and the straight-line distance to it in metres (BNG).

    Returns ``area_code``, ``nearest_site`` and ``distance_m`` (rounded to the metre),
    measured from each area's geometric centre.

    Examples
    --------
    >>> from shapely.geometry import box, Point
    >>> a = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[box(0, 0, 2, 2)], crs=27700)
    >>> s = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(4, 5)], crs=27700)
    >>> nearest_site(a, s)["distance_m"].tolist()
    [5.0]
    """
    if sites.empty:
        raise UploadError("No sites to measure to; upload a file with at least one usable row.")
    centres = areas.to_crs(BNG).geometry.centroid
    points = sites.to_crs(BNG)
    tree = shapely.STRtree(np.asarray(points.geometry.array))
    index, distance = tree.query_nearest(np.asarray(centres.array), return_distance=True, all_matches=False)
    nearest = np.full(len(areas), -1)
    nearest[index[0]] = index[1]
    metres = np.full(len(areas), np.nan)
    metres[index[0]] = distance
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "nearest_site": [str(points["name"].iloc[i]) if i >= 0 else None for i in nearest],
            "distance_m": np.round(metres),
        }
    )


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
