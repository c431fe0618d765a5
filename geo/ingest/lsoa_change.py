"""Stage ``lsoa_change``: a derived LSOA 2011 <-> 2021 lookup (``data/lookups/lsoa11_lsoa21.parquet``).

The raw data hold both LSOA boundary sets but not the ONS lookup between them, so
the relationships are derived, as ONS describes its own change indicator:

- ``U`` unchanged: the same code in both sets (ONS keeps the code of an unchanged
  LSOA). Checked: the two polygons overlap by at least :data:`MIN_UNCHANGED_SHARE`
  of the smaller one (coastlines differ between the two generalised sets, so the
  smaller polygon is the fair denominator). A pair under :data:`EXPECTED_UNCHANGED_SHARE`
  on the simplified committed polygons is measured again on the published (raw)
  polygons of its district and logged by code. Three are under 95% there too
  (92-93%): two Southwark LSOAs that swapped a 2,500 m2 block while keeping
  their codes, and a Poole LSOA on the harbour shore.
- For the other codes, every 2011 and 2021 polygon pair is intersected in British
  National Grid (EPSG:27700); a pair is linked when the overlap is at least
  :data:`MIN_LINK_SHARE` of either polygon (the links found are the same for any
  threshold from 5% to 50%, so slivers from generalisation never count).
- ``S`` split: a 2011 LSOA linked to several 2021 LSOAs, each linked to it alone.
- ``M`` merged: several 2011 LSOAs linked to one 2021 LSOA, each linked to it alone.
- ``X`` complex: anything else, including a one-to-one link under a new code
  (redrawn for a district boundary change).

Each row is one linked pair: ``lsoa11_code``, ``lsoa21_code``, ``change`` and the
overlap as shares of each polygon, ``share_2011`` and ``share_2021`` (4 decimals).
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import ValidationError
from geo.ingest._common import BuildContext, Output, Stage, write_parquet
from geo.ingest.lsoa import _built, read_lsoa11, read_lsoa21

__all__ = ["EXPECTED_UNCHANGED_SHARE", "LOOKUP_FILE", "MIN_LINK_SHARE", "MIN_UNCHANGED_SHARE", "STAGES", "derive", "link"]

LOOKUP_FILE: Final = "lookups/lsoa11_lsoa21.parquet"
#: An unchanged LSOA's two polygons must share at least this much of the smaller one (else the build fails) ...
MIN_UNCHANGED_SHARE: Final = 0.90
#: ... and are expected to share this much (those under it are measured again and logged by code).
EXPECTED_UNCHANGED_SHARE: Final = 0.95
#: A changed pair is linked when the overlap is at least this share of either polygon.
MIN_LINK_SHARE: Final = 0.10
_BNG: Final = 27700
_COLUMNS: Final = ("lsoa11_code", "lsoa21_code", "change", "share_2011", "share_2021")


def _shares(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap of each pair as a share of the first and of the second polygon."""
    inter = shapely.area(shapely.intersection(a, b))
    return inter / shapely.area(a), inter / shapely.area(b)


def link(lsoa11: gpd.GeoDataFrame, lsoa21: gpd.GeoDataFrame) -> pd.DataFrame:
    """The linked pairs of two LSOA sets (``area_code``, ``geometry``; any CRS in metres), classified U/S/M/X.

    Examples
    --------
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame({"area_code": ["A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)
    >>> b = gpd.GeoDataFrame({"area_code": ["A", "C", "D"]},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 1.5, 1), box(1.5, 0, 2, 1)], crs=27700)
    >>> link(a, b)[["lsoa11_code", "lsoa21_code", "change"]].values.tolist()
    [['A', 'A', 'U'], ['B', 'C', 'S'], ['B', 'D', 'S']]
    """
    same = sorted(set(lsoa11["area_code"]) & set(lsoa21["area_code"]))
    a = lsoa11.set_index("area_code").geometry
    b = lsoa21.set_index("area_code").geometry
    s11, s21 = _shares(a.loc[same].to_numpy(), b.loc[same].to_numpy())
    unchanged = pd.DataFrame({"lsoa11_code": same, "lsoa21_code": same, "change": "U",
                              "share_2011": s11, "share_2021": s21})
    old = lsoa11[~lsoa11["area_code"].isin(same)].reset_index(drop=True)
    new = lsoa21[~lsoa21["area_code"].isin(same)].reset_index(drop=True)
    i, j = shapely.STRtree(new.geometry.to_numpy()).query(old.geometry.to_numpy(), predicate="intersects")
    s11, s21 = _shares(old.geometry.to_numpy()[i], new.geometry.to_numpy()[j])
    pairs = pd.DataFrame({"lsoa11_code": old["area_code"].to_numpy()[i], "lsoa21_code": new["area_code"].to_numpy()[j],
                          "share_2011": s11, "share_2021": s21})
    pairs = pairs[(pairs["share_2011"] >= MIN_LINK_SHARE) | (pairs["share_2021"] >= MIN_LINK_SHARE)].copy()
    to_new = pairs.groupby("lsoa11_code")["lsoa21_code"].transform("size")
    to_old = pairs.groupby("lsoa21_code")["lsoa11_code"].transform("size")
    pairs["change"] = np.select([(to_new > 1) & (to_old == 1), (to_old > 1) & (to_new == 1)], ["S", "M"], "X")
    # A 2011 LSOA or 2021 LSOA with any complex link is complex in all its links.
    for key in ("lsoa11_code", "lsoa21_code"):
        complex_ = pairs.groupby(key)["change"].transform(lambda c: (c == "X").any())
        pairs.loc[complex_, "change"] = "X"
    out = pd.concat([unchanged, pairs], ignore_index=True)[list(_COLUMNS)]
    out["change"] = out["change"].astype("str")
    for column in ("share_2011", "share_2021"):
        out[column] = out[column].astype("float64").round(4)
    return out.sort_values(["lsoa11_code", "lsoa21_code"]).reset_index(drop=True)


def _check(lookup: pd.DataFrame, lsoa11: set[str], lsoa21: set[str]) -> None:
    for name, held, column in (("2011", lsoa11, "lsoa11_code"), ("2021", lsoa21, "lsoa21_code")):
        absent = sorted(held - set(lookup[column]))
        if absent:
            raise ValidationError(
                f"LSOA 2011-2021 lookup: {len(absent)} {name} LSOAs have no link (e.g. {absent[0]}); expected every "
                f"{name} LSOA at least once. Lower MIN_LINK_SHARE or check the {name} boundaries."
            )


def _recheck_unchanged(ctx: BuildContext, lookup: pd.DataFrame, lsoa11: gpd.GeoDataFrame,
                       lsoa21: gpd.GeoDataFrame) -> pd.DataFrame:
    """Unchanged pairs under the share on the simplified polygons, measured on the published ones."""
    u = lookup["change"] == "U"
    low = lookup[u & (lookup[["share_2011", "share_2021"]].max(axis=1) < EXPECTED_UNCHANGED_SHARE)]
    if low.empty:
        return low
    codes = set(low["lsoa11_code"])
    raw11 = read_lsoa11(ctx, lads=set(lsoa11.loc[lsoa11["area_code"].isin(codes), "lad_code"]))
    raw21 = read_lsoa21(ctx, lads=set(lsoa21.loc[lsoa21["area_code"].isin(codes), "lad_code"]))
    a = raw11.set_index("area_code").geometry.to_crs(_BNG).loc[sorted(codes)].to_numpy()
    b = raw21.set_index("area_code").geometry.to_crs(_BNG).loc[sorted(codes)].to_numpy()
    s11, s21 = _shares(a, b)
    out = pd.DataFrame({"lsoa11_code": sorted(codes), "raw_share": np.maximum(s11, s21)})
    failed = out[out["raw_share"] < MIN_UNCHANGED_SHARE]
    if len(failed):
        raise ValidationError(
            f"LSOA 2011-2021 lookup: {len(failed)} LSOAs keep their code but their published polygons overlap by "
            f"less than {MIN_UNCHANGED_SHARE:.0%} (e.g. {failed['lsoa11_code'].iloc[0]}: "
            f"{failed['raw_share'].iloc[0]:.1%}); expected unchanged areas. Check the two boundary sets."
        )
    return out


def derive(ctx: BuildContext) -> pd.DataFrame:
    """The lookup from the built LSOA boundaries, checked (see the module docstring)."""
    columns = ["area_code", "lad_code", "geometry"]
    lsoa11 = gpd.read_parquet(_built(ctx, "boundaries/lsoa_2011.parquet"), columns=columns)
    lsoa21 = gpd.read_parquet(_built(ctx, "boundaries/lsoa_2021.parquet"), columns=columns)
    lookup = link(lsoa11.to_crs(_BNG), lsoa21.to_crs(_BNG))
    _check(lookup, set(lsoa11["area_code"]), set(lsoa21["area_code"]))
    rechecked = _recheck_unchanged(ctx, lookup, lsoa11, lsoa21)
    per_2011 = lookup.groupby("lsoa11_code")["change"].first().value_counts()
    still = rechecked[rechecked["raw_share"] < EXPECTED_UNCHANGED_SHARE]
    ctx.log("  LSOA 2011 by change: " + ", ".join(f"{k} {per_2011.get(k, 0):,}" for k in "USMX")
            + f"; {len(rechecked)} unchanged pairs under {EXPECTED_UNCHANGED_SHARE:.0%} on the simplified polygons, "
            f"{len(still)} on the published ones: "
            + (", ".join(f"{c} {v:.1%}" for c, v in zip(still["lsoa11_code"], still["raw_share"], strict=True))
               or "none"))
    return lookup


def _build(ctx: BuildContext) -> list[Output]:
    return [write_parquet(ctx, derive(ctx), LOOKUP_FILE)]


STAGES = [
    Stage("lsoa_change", _build, "derived LSOA 2011-2021 lookup (polygon overlap, U/S/M/X)",
          needs=("lsoa2011", "lsoa2021")),
]
