"""Areas named by code: which boundary set a code belongs to, and the area's name.

:func:`resolve_area` turns a code of any vintage (a local authority, upper-tier
authority, PCT or region) or ``"england"`` into an :class:`Area`, using the latest
boundary set that holds the code (:func:`geo.codes.detect`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from geo import boundaries
from geo._paths import DATA_DIR
from geo.codes import detect
from geo.errors import UnknownAreaCodeError, UploadError
from geo.schema import AREA_LABELS, ENGLAND_CODE

__all__ = ["ENGLAND", "Area", "resolve_area"]


@dataclass(frozen=True)
class Area:
    """An area named by its code: a boundary-set area or all of England (a rule is run within one, a pack made for one)."""

    area_code: str
    area_name: str
    level: str
    vintage: str

    @property
    def label(self) -> str:
        if self.level == "england":
            return "England"
        return f"{self.area_name} ({self.vintage} {AREA_LABELS[self.level]}, {self.area_code})"


ENGLAND: Final = Area(ENGLAND_CODE, "England", "england", "")


def resolve_area(code: str, *, data_dir: Path = DATA_DIR) -> Area:
    """The area for a code (any vintage: latest boundary set holding it), or ``england``.

    Raises
    ------
    UnknownAreaCodeError
        The code is in no boundary set the atlas holds.
    """
    cleaned = code.strip()
    if cleaned.lower() in ("england", ENGLAND_CODE.lower()):
        return ENGLAND
    try:
        found = detect([cleaned], data_dir=data_dir)
    except UploadError as exc:
        raise UnknownAreaCodeError(
            f"{cleaned!r} is not an area code the atlas holds; expected a local authority, upper-tier "
            "authority, PCT or region code such as E08000012, or 'england'."
        ) from exc
    if found.matched == 0 or found.level in ("lsoa", "sha"):
        raise UnknownAreaCodeError(
            f"{cleaned!r} is a {AREA_LABELS.get(found.level, found.level)} code; expected a local authority, "
            "upper-tier authority, PCT or region code, or 'england'."
        )
    names = boundaries.area_lookup(found.level, found.vintage, data_dir=data_dir)
    name = str(names.loc[names["area_code"] == cleaned.upper(), "area_name"].iloc[0])
    return Area(cleaned.upper(), name, found.level, found.vintage)
