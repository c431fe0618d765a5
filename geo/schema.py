"""The atlas's shared vocabulary: levels, vintages, expected counts and columns.

Every module, data file, download and test uses these names. A boundary set is
identified by ``(level, vintage)``; ``vintage`` is the year of the code set, as a
string, e.g. ``("lad", "2023")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "Level",
    "BoundarySet",
    "BOUNDARY_SETS",
    "LEVELS",
    "LEVEL_LABELS",
    "AREA_LABELS",
    "BOUNDARY_COLUMNS",
    "INDICATOR_COLUMNS",
    "STATUSES",
    "SEXES",
    "ENGLAND_CODE",
    "boundary_set",
    "vintages",
]

Level = Literal["lad", "utla", "region", "pct", "sha", "lsoa", "england"]

ENGLAND_CODE: Final = "E92000001"

LEVELS: Final[tuple[str, ...]] = ("lad", "utla", "region", "pct", "sha", "lsoa")

LEVEL_LABELS: Final[dict[str, str]] = {
    "lad": "Local authority districts",
    "utla": "Upper-tier local authorities",
    "region": "Regions",
    "pct": "Primary Care Trusts",
    "sha": "Strategic Health Authorities",
    "lsoa": "Small areas (LSOAs)",
    "england": "England",
}

#: One area of each level, in words ("a local authority district").
AREA_LABELS: Final[dict[str, str]] = {
    "lad": "local authority district",
    "utla": "upper-tier local authority",
    "region": "region",
    "pct": "primary care trust",
    "sha": "strategic health authority",
    "lsoa": "small area (LSOA)",
    "england": "country",
}

#: Columns of every boundary GeoParquet file, in order (parents may be null).
BOUNDARY_COLUMNS: Final[tuple[str, ...]] = (
    "area_code",
    "area_name",
    "level",
    "vintage",
    "area_code_old",
    "lad_code",
    "utla_code",
    "pct_code",
    "region_code",
    "approximate",
    "approximate_reason",
    "geometry",
)

#: Columns of the long indicator table, in order.
INDICATOR_COLUMNS: Final[tuple[str, ...]] = (
    "indicator_id",
    "area_code",
    "level",
    "vintage",
    "period",
    "sex",
    "value",
    "lower_ci",
    "upper_ci",
    "count",
    "denominator",
    "status",
    "note",
)

STATUSES: Final[tuple[str, ...]] = ("ok", "suppressed", "missing")
SEXES: Final[tuple[str, ...]] = ("male", "female", "persons")


@dataclass(frozen=True)
class BoundarySet:
    """One boundary set: a level at one vintage, with its expected size."""

    level: str
    vintage: str
    count: int
    label: str

    @property
    def file_name(self) -> str:
        return f"{self.level}_{self.vintage}.parquet"


BOUNDARY_SETS: Final[tuple[BoundarySet, ...]] = (
    BoundarySet("lad", "2008", 354, "Before April 2009 (354 districts, old ONS codes)"),
    BoundarySet("lad", "2013", 326, "2009-2018 (326 districts, codes of 2013)"),
    BoundarySet("lad", "2019", 317, "2019 (317 districts)"),
    BoundarySet("lad", "2020", 314, "2020 (314 districts)"),
    BoundarySet("lad", "2021", 309, "2021-22 (309 districts)"),
    BoundarySet("lad", "2023", 296, "2023-24 (296 districts)"),
    BoundarySet("lad", "2025", 296, "2025- (296 districts, new Barnsley and Sheffield codes)"),
    BoundarySet("utla", "2013", 152, "2013-2018 (152 upper-tier authorities)"),
    BoundarySet("utla", "2019", 151, "2019 (151 upper-tier authorities)"),
    BoundarySet("utla", "2021", 152, "2021-22 (152 upper-tier authorities)"),
    BoundarySet("utla", "2023", 153, "2023-24 (153 upper-tier authorities)"),
    BoundarySet("utla", "2025", 153, "2025- (153 upper-tier authorities)"),
    BoundarySet("region", "2019", 9, "Regions (9)"),
    BoundarySet("pct", "2011", 151, "Primary Care Trusts 2011-13 (151)"),
    BoundarySet("sha", "2011", 10, "Strategic Health Authorities 2006-13 (10)"),
    BoundarySet("lsoa", "2011", 32844, "LSOAs 2011 (32,844)"),
    BoundarySet("lsoa", "2021", 33755, "LSOAs 2021 (33,755)"),
)


def boundary_set(level: str, vintage: str) -> BoundarySet:
    """Return the :class:`BoundarySet` for ``(level, vintage)``.

    Raises
    ------
    UnknownLevelError, UnknownVintageError
    """
    from geo.errors import UnknownLevelError, UnknownVintageError

    if level not in LEVELS:
        raise UnknownLevelError(
            f"Unknown level {level!r}; expected one of {', '.join(LEVELS)}."
        )
    for bset in BOUNDARY_SETS:
        if bset.level == level and bset.vintage == vintage:
            return bset
    raise UnknownVintageError(
        f"No {LEVEL_LABELS[level].lower()} boundaries for vintage {vintage!r}; "
        f"available vintages: {', '.join(vintages(level))}."
    )


def vintages(level: str) -> tuple[str, ...]:
    """Vintages held for ``level``, oldest first."""
    return tuple(b.vintage for b in BOUNDARY_SETS if b.level == level)
