"""Areas named by code: which boundary set a code belongs to, and the area's name.

:func:`resolve_area` turns a code of any vintage (a local authority, upper-tier
authority, PCT or region) or ``"england"`` into an :class:`Area`, using the latest
boundary set that holds the code (:func:`geo.codes.detect`). :func:`without_value` says
which areas of a map have no value to draw: the one count behind the join check, the
legend's "No data (N areas)" and an upload's preview.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from geo import boundaries
from geo._paths import DATA_DIR
from geo.codes import detect
from geo.errors import UnknownAreaCodeError, UploadError
from geo.schema import AREA_LABELS, ENGLAND_CODE

__all__ = [
    "ENGLAND", "LIST_BYTES", "LIST_ENTRIES", "Area", "read_area_list", "read_area_list_file", "resolve_area", "without_value",
]


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


# ---------------------------------------------------------------- areas with no value
def without_value(status: pd.Series, value: pd.Series) -> pd.Series:
    """Which areas of a map have no value to draw (drawn as "No data"), aligned with ``status``.

    An area has no value when it has no row (``status`` missing or blank after a join), or
    a row whose value is blank or unreadable (``status`` "missing", or "ok" with no value).
    Suppressed areas are counted apart (they have a status of their own). The join check,
    the legend and an upload's preview all count with this, so they give one number.

    Examples
    --------
    >>> status = pd.Series(["ok", "ok", "missing", "suppressed", None])
    >>> without_value(status, pd.Series([1.0, None, None, None, None])).tolist()
    [False, True, True, False, True]
    """
    given = status.astype("object").where(status.notna(), "missing").astype("str")
    has_value = value.notna().to_numpy()
    return pd.Series((given.to_numpy() != "suppressed") & ((given.to_numpy() != "ok") | ~has_value), index=status.index)


# ---------------------------------------------------------------- a user's list of areas
#: A list of areas is a few kilobytes; anything larger is not one.
LIST_BYTES: Final = 1_000_000
LIST_ENTRIES: Final = 5_000
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_HEADER_WORDS = frozenset({"area_code", "code", "name", "area_name", "la_code", "lad_code", "pct_code"})


def read_area_list(data: bytes, *, source: str = "the file") -> list[str]:
    r"""The entries of a list of areas (one per line, first column), as text.

    UTF-8 (with or without BOM), UTF-16 (with BOM) and Windows-1252 are read; blank lines,
    ``#`` comments and a header word are skipped; invisible characters (zero-width space,
    BOM, soft hyphen) are removed, so ``"E08000012\u200b"`` is ``"E08000012"``.

    Raises
    ------
    UploadError
        The file is too large, binary, or in no encoding the atlas reads.

    Examples
    --------
    >>> read_area_list("area_code\nE08000012\u200b\n# a note\n\nE06000001,Hartlepool\n".encode("utf-16"))
    ['E08000012', 'E06000001']
    """
    if len(data) > LIST_BYTES:
        raise UploadError(f"{source} is {len(data):,} bytes; a list of areas is at most {LIST_BYTES:,}. "
                          "Save just the column of codes or names as CSV.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16", source)
    elif b"\x00" in data:
        raise UploadError(f"{source} is not a text file (it holds binary data); expected a CSV with one area code "
                          "or name per line.")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode(data, "cp1252", source)
    entries = []
    for line in text.splitlines():
        entry = _INVISIBLE.sub("", line.split(",")[0]).strip().strip('"').strip()
        if entry and not entry.startswith("#") and entry.lower() not in _HEADER_WORDS:
            entries.append(entry)
    if len(entries) > LIST_ENTRIES:
        raise UploadError(f"{source} lists {len(entries):,} areas; expected at most {LIST_ENTRIES:,}.")
    return entries


def _decode(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UploadError(f"{source} could not be read as text (UTF-8, UTF-16 or Windows-1252); save it as CSV "
                          "(UTF-8) and try again.") from None


def read_area_list_file(path: Path) -> list[str]:
    """:func:`read_area_list` of a file, which must be a regular file (not a pipe, a device or a folder)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UploadError(f"{path}: {exc.strerror or exc}; expected a CSV list of area codes.") from None
    if not stat.S_ISREG(mode):
        raise UploadError(f"{path} is not a regular file (a pipe, device or folder); expected a CSV list of area codes.")
    with path.open("rb") as f:
        data = f.read(LIST_BYTES + 1)
    return read_area_list(data, source=str(path))

