"""Best-fit electoral wards built from whole small areas (the ONS best-fit method).

Each LSOA is assigned to the ward holding most of its live postcodes (OS Code-Point Open,
April 2025 wards). A ward is then the union of its LSOAs: an approximation, labelled
as one, whose quality is the share of the ward's postcodes its LSOAs capture.
"""

from __future__ import annotations

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
from geo.values import group_value

__all__ = ["LABEL", "best_fit", "capture", "district_capture", "ward_view"]

#: The words that go with every ward figure.
LABEL: Final = "approximate: wards built from whole small areas"


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


def ward_view(
    area_code: str, values: pd.Series, *, level: str, vintage: str, data_dir: Path = DATA_DIR
) -> gpd.GeoDataFrame:
    """The best-fit wards of one area with ``values`` (by LSOA code) combined per ward.

    Each ward's value is the population-weighted mean of its LSOAs' values where every
    LSOA has a population, else their plain mean (:func:`geo.values.group_value`), with
    ``weighted`` saying which. ``capture_share`` is the share of the ward's postcodes
    its LSOAs hold; ``note`` carries :data:`LABEL`.
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
        value, used, weighted = group_value(values.reindex(codes), None if weights is None else weights.reindex(codes))
        rows.append({
            "area_code": str(ward_code),
            "area_name": str(fit.loc[codes[0], "ward_name"] or ward_code),
            "level": "ward",
            "lsoas": len(codes),
            "lsoa_codes": ", ".join(sorted(codes)),
            "value": value,
            "areas_used": used,
            "weighted": weighted,
            "capture_share": float(cap["capture_share"].get(ward_code, np.nan)),
            "note": LABEL,
            "geometry": shapely.union_all(np.asarray(geoms.reindex(codes).to_numpy())),
        })
    pairs = _pairs(lsoa_vintage, data_dir)
    present = set(pairs.loc[pairs["area_code"].isin(lsoas["area_code"]), "ward_code"])
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=lsoas.crs)
    out.attrs["unassigned_lsoas"] = int(fit["ward_code"].isna().sum())
    # Wards with postcodes here but no LSOA's majority: they cannot be drawn from whole small areas.
    out.attrs["wards_not_drawn"] = sorted(present - set(out["area_code"]))
    return out.sort_values("area_name").reset_index(drop=True)
