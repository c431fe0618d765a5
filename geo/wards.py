"""Best-fit electoral wards built from whole small areas (the ONS best-fit method).

Each LSOA is assigned to the ward holding most of its live postcodes (OS Code-Point Open,
April 2025 wards). A ward is then the union of its LSOAs: an approximation, labelled
as one, whose quality is the share of the ward's postcodes its LSOAs capture. Every
ward figure is postcode-derived, so its table carries :data:`geo.postcodes.ATTRIBUTION`
(:func:`attribution_lines`, :func:`ward_csv`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import boundaries, shared
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError
from geo.lsoa_sets import lsoa_people
from geo.postcodes import ATTRIBUTION
from geo.tables import csv_text
from geo.values import group_value

__all__ = [
    "BASIS",
    "LABEL",
    "LSOA_VINTAGES",
    "attribution_lines",
    "available",
    "best_fit",
    "capture",
    "district_capture",
    "ward_csv",
    "ward_table",
    "ward_view",
]

#: The words that go with every ward figure.
LABEL: Final = "approximate: wards built from whole small areas"
#: The LSOA vintages whose best-fit wards are built (``postcode_centres.parquet``).
LSOA_VINTAGES: Final = ("2011", "2021")
#: How a ward's value is made from its small areas' values, by ``basis``.
BASIS: Final[dict[str, str]] = {
    "weighted": "population-weighted mean of its small areas' values",
    "mean": "mean of its small areas' values (not every small area has a population held)",
    "sum": "sum of its small areas' counts",
    "none": "no small area has a value",
}


@shared.cached(max_entries=2, scope="bundled")
def best_fit(lsoa_vintage: str, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Per LSOA: ``ward_code``, ``ward_name`` and ``ward_share`` (its postcodes in that ward)."""
    path = data_dir / "lookups" / "postcode_centres.parquet"
    if not path.exists():
        raise DataUnavailableError(f"{path} is missing; run `python -m geo build --only postcodes`.")
    centres = pd.read_parquet(path, columns=["area_code", "vintage", "ward_code", "ward_share"])
    centres = centres[centres["vintage"] == lsoa_vintage].set_index("area_code")
    names = pd.read_parquet(data_dir / "lookups" / "wards.parquet").set_index("ward_code")["ward_name"]
    centres["ward_name"] = centres["ward_code"].map(names)
    return centres[["ward_code", "ward_name", "ward_share"]]


@shared.cached(max_entries=2, scope="bundled")
def _pairs(lsoa_vintage: str, data_dir: Path) -> pd.DataFrame:
    """Live postcodes per (LSOA, ward)."""
    column = "lsoa21cd" if lsoa_vintage == "2021" else "lsoa11cd"
    pcs = pd.read_parquet(data_dir / "lookups" / "postcodes.parquet", columns=["terminated", "ward_code", column])
    pcs = pcs[(pcs["terminated"] == 0) & pcs["ward_code"].notna() & pcs[column].notna()]
    pairs = pd.DataFrame({"area_code": pcs[column].astype(str).to_numpy(), "ward_code": pcs["ward_code"].astype(str).to_numpy()})
    return pairs.groupby(["area_code", "ward_code"]).size().rename("postcodes").reset_index()


@shared.cached(max_entries=2, scope="bundled")
def capture(lsoa_vintage: str, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Per ward: its live postcodes and the share of them lying in the LSOAs assigned to it."""
    pairs = _pairs(lsoa_vintage, data_dir)
    assigned = pairs["area_code"].map(best_fit(lsoa_vintage, data_dir=data_dir)["ward_code"])
    pairs = pairs.assign(captured=np.where(assigned == pairs["ward_code"], pairs["postcodes"], 0))
    out = pairs.groupby("ward_code")[["postcodes", "captured"]].sum()
    out["capture_share"] = out["captured"] / out["postcodes"]
    return out


def district_capture(*, level: str = "lad", vintage: str = "2023", data_dir: Path = DATA_DIR) -> pd.Series:
    """Per district: the share of its live postcodes that its best-fit wards capture."""
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    parents = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir)
    fit = best_fit(lsoa_vintage, data_dir=data_dir)
    ward_district = fit["ward_code"].groupby(parents.reindex(fit.index).to_numpy()).unique().explode()
    cap = capture(lsoa_vintage, data_dir=data_dir)
    pairs = pd.DataFrame({"district": ward_district.index, "ward_code": ward_district.to_numpy()}).dropna()
    pairs = pairs.drop_duplicates("ward_code").join(cap, on="ward_code")
    sums = pairs.groupby("district")[["postcodes", "captured"]].sum()
    return (sums["captured"] / sums["postcodes"]).rename("capture_share")


def available(lsoa_vintage: str, *, data_dir: Path = DATA_DIR) -> bool:
    """Whether best-fit wards are held for ``lsoa_vintage`` (the postcode build stage has run)."""
    return lsoa_vintage in LSOA_VINTAGES and all(
        (data_dir / "lookups" / name).exists() for name in ("postcode_centres.parquet", "postcodes.parquet", "wards.parquet"))


def ward_view(
    area_code: str, values: pd.Series, *, level: str, vintage: str, value_type: str = "", data_dir: Path = DATA_DIR
) -> gpd.GeoDataFrame:
    """The best-fit wards of one area with ``values`` (by LSOA code) combined per ward.

    Each ward's value is the population-weighted mean of its LSOAs' values where every
    LSOA has a population, else their plain mean (:func:`geo.values.group_value`); a
    count (``value_type="count"``) is summed instead, and missing unless every LSOA has
    one. ``basis`` says which (a key of :data:`BASIS`), ``weighted`` whether weights were
    used. ``capture_share`` is the share of the ward's postcodes its LSOAs hold; ``note``
    carries :data:`LABEL`. ``attrs``: ``unassigned_lsoas``, and ``wards_not_drawn`` with
    ``wards_not_drawn_names``: the area's wards (most of their postcodes in its LSOAs) that
    hold no LSOA's majority, so are not drawn.
    """
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    lsoas = boundaries.lsoas_within(area_code, level=level, vintage=vintage, data_dir=data_dir)
    fit = best_fit(lsoa_vintage, data_dir=data_dir).reindex(lsoas["area_code"])
    people, _ = lsoa_people(lsoa_vintage, data_dir=data_dir)
    weights = None if people is None else people["pop_total"]
    cap = capture(lsoa_vintage, data_dir=data_dir)
    rows = []
    geoms = lsoas.set_index("area_code").geometry
    for ward_code, members in fit.groupby("ward_code").groups.items():
        codes = list(members)
        value, used, weighted, basis = _combine(values.reindex(codes), None if weights is None else weights.reindex(codes),
                                                count=value_type == "count")
        rows.append({
            "area_code": str(ward_code),
            "area_name": str(fit.loc[codes[0], "ward_name"] or ward_code),
            "level": "ward",
            "lsoas": len(codes),
            "lsoa_codes": ", ".join(sorted(codes)),
            "value": value,
            "areas_used": used,
            "weighted": weighted,
            "basis": basis,
            "capture_share": float(cap["capture_share"].get(ward_code, np.nan)),
            "note": LABEL,
            "geometry": shapely.union_all(np.asarray(geoms.reindex(codes).to_numpy())),
        })
    pairs = _pairs(lsoa_vintage, data_dir)
    here = pairs[pairs["area_code"].isin(lsoas["area_code"])].groupby("ward_code")["postcodes"].sum()
    # This area's wards: most of their postcodes lie in its LSOAs (a neighbour's ward reaching in is not one).
    own = set(here.index[here > cap["postcodes"].reindex(here.index).fillna(0) / 2])
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=lsoas.crs)
    out.attrs["unassigned_lsoas"] = int(fit["ward_code"].isna().sum())
    # Its wards holding no LSOA's majority here: they cannot be drawn from whole small areas.
    out.attrs["wards_not_drawn"] = sorted(own - set(out["area_code"]))
    names = _ward_names(data_dir)
    out.attrs["wards_not_drawn_names"] = sorted(str(names.get(c, c)) for c in out.attrs["wards_not_drawn"])
    return out.sort_values("area_name").reset_index(drop=True)


def _combine(values: pd.Series, weights: pd.Series | None, *, count: bool) -> tuple[float, int, bool, str]:
    """One ward's (value, small areas used, weighted?, basis): a count summed (missing if any is), else a mean."""
    if count:
        counts = pd.to_numeric(values, errors="coerce")
        used = int(counts.notna().sum())
        return (float(counts.sum()) if used == len(counts) else math.nan), used, False, "sum" if used else "none"
    value, used, weighted = group_value(values, weights)
    return value, used, weighted, ("weighted" if weighted else "mean") if used else "none"


@shared.cached(max_entries=1, scope="bundled")
def _ward_names(data_dir: Path) -> pd.Series:
    """Ward names (OS Code-Point Open code list) by ward code."""
    return pd.read_parquet(data_dir / "lookups" / "wards.parquet").set_index("ward_code")["ward_name"]


def attribution_lines() -> list[str]:
    """:data:`geo.postcodes.ATTRIBUTION` as its sentences: the OS, Royal Mail and ONS lines."""
    return [line.strip() for line in re.split(r"(?<=\.)\s+(?=[A-Z])", ATTRIBUTION) if line.strip()]


def ward_table(wards: pd.DataFrame) -> pd.DataFrame:
    """The ward view as a table for people: no geometry, no postcode, shares as fractions (0-1)."""
    return pd.DataFrame({
        "ward_code": wards["area_code"].astype(str),
        "ward_name": wards["area_name"].astype(str),
        "value": pd.to_numeric(wards["value"], errors="coerce").round(4),
        "value_is": wards["basis"].map(BASIS) if "basis" in wards else "",
        "lsoas": wards["lsoas"].astype(int),
        "lsoas_with_value": wards["areas_used"].astype(int),
        "postcode_capture_share": pd.to_numeric(wards["capture_share"], errors="coerce").round(4),
        "lsoa_codes": wards["lsoa_codes"].astype(str),
        "note": wards["note"].astype(str),
    })


def ward_csv(wards: gpd.GeoDataFrame, *, title: str) -> str:
    """CSV text of :func:`ward_table`, its header saying what it is, what is not drawn, and the attribution."""
    not_drawn = list(wards.attrs.get("wards_not_drawn_names", []))
    header = [
        title,
        f"Best-fit wards, {LABEL}: each small area (LSOA) is put in the April 2025 ward holding most of its live "
        "postcodes; postcode_capture_share is the share of the ward's live postcodes that lie in those small areas.",
        "Not drawn (no small area has most of its postcodes in them): " + ("; ".join(not_drawn) if not_drawn else "none"),
        *attribution_lines(),
    ]
    return csv_text(ward_table(wards), header=header)
