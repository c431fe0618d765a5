"""Find an English postcode's small areas, district and ward, offline.

The table (``data/lookups/postcodes.parquet``, built by :mod:`geo.ingest.postcodes`) is
read only when a postcode is first asked for, then held by the shared owner as sorted
arrays, so a lookup is a binary search (microseconds, warm).

>>> normalise("l10aa")
'L1 0AA'
>>> normalise("L1  0AA")
'L1 0AA'
>>> normalise("Sw1a 1aa")
'SW1A 1AA'
>>> normalise("L1 OAA")   # the letter O typed for a zero, where only a digit can be
'L1 0AA'
>>> normalise("10 Downing Street") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyproj

from geo import boundaries, shared
from geo._paths import DATA_DIR
from geo.errors import DataUnavailableError

__all__ = [
    "ATTRIBUTION",
    "LOOKUP_ROUTES",
    "Place",
    "Postcode",
    "PostcodeResult",
    "find",
    "find_many",
    "looks_like_postcode",
    "normalise",
    "normalise_many",
    "places",
]

#: The attribution the OS, Royal Mail and ONS licences ask for wherever postcode-derived figures appear.
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025. Contains Royal Mail data © Royal Mail "
    "copyright and database right 2025. Source: Office for National Statistics licensed under the Open "
    "Government Licence v.3.0 (ONS postcode lookup, May 2022; OS Code-Point Open, April 2025)."
)

#: The ``lsoa21_route`` codes of the table, in words.
LOOKUP_ROUTES: dict[int, str] = {
    0: "2011 small area unchanged in 2021",
    1: "2011 small area merged into one 2021 small area",
    2: "placed by its coordinates (its 2011 small area was split in 2021)",
    3: "placed by its coordinates (postcode newer than the May 2022 ONS lookup)",
    9: "not placed in a 2021 small area: its 2011 small area was split and it has no coordinates",
}

_FULL = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)([0-9])([A-Z]{2})$")
_SPACES = re.compile(r"\s+")
# Postcodes with no place: British Forces (BFPO), Girobank, overseas territories, Santa.
_NON_GEOGRAPHIC = re.compile(r"^(BF1|BX\d|GIR0AA|XX\d|ZZ\d|(ASCN|BBND|BIQQ|FIQQ|PCRN|SIQQ|STHL|TDCU|TKCA)1ZZ|SANTA1)")
_ELSEWHERE = {
    "S": "Scotland", "W": "Wales", "N": "Northern Ireland", "L": "the Channel Islands",
    "M": "the Isle of Man",
}

Status = Literal["live", "terminated", "elsewhere", "non-geographic", "unknown", "invalid"]


@dataclass(frozen=True)
class Postcode:
    """An English postcode and the areas it lies in."""

    postcode: str
    terminated: str | None  # "2019-06" when terminated, else None
    residential: bool | None  # user type 0 (small user); None where not held
    oa11_code: str | None
    lsoa11_code: str | None
    lsoa21_code: str | None
    lsoa21_route: str
    ward_code: str | None
    ward_name: str | None
    easting: int | None
    northing: int | None

    @property
    def lonlat(self) -> tuple[float, float] | None:
        """Longitude and latitude (WGS84) where coordinates are held."""
        if self.easting is None or self.northing is None:
            return None
        lon, lat = _TO_WGS84.transform(self.easting, self.northing)
        return float(lon), float(lat)


@dataclass(frozen=True)
class PostcodeResult:
    """The answer to one postcode query: what was typed, what it was read as, and what was found."""

    typed: str
    status: Status
    message: str
    postcode: Postcode | None = None

    @property
    def placed(self) -> bool:
        return self.postcode is not None and self.postcode.lsoa11_code is not None


_TO_WGS84 = pyproj.Transformer.from_crs(27700, 4326, always_xy=True)


def looks_like_postcode(text: str) -> bool:
    """Whether ``text`` is shaped like a UK postcode (after spaces and O/0 are tidied).

    >>> looks_like_postcode("L1 0AA"), looks_like_postcode("Liverpool")
    (True, False)
    """
    return normalise(text) is not None or bool(_NON_GEOGRAPHIC.match(_key(text)))


def normalise(text: str) -> str | None:
    """The postcode in its single-space form, or ``None`` when it is not shaped like one.

    The letter O typed where only a digit can stand (the district's first character, the
    inward code's digit) is read as a zero.
    """
    key = _key(text)
    if not 5 <= len(key) <= 7:
        return None
    inward, outward = key[-3:], key[:-3]
    if inward[0] == "O":
        inward = "0" + inward[1:]
    m = re.match(r"^([A-Z]{1,2})(O)([A-Z0-9]?)$", outward)
    if m and not _FULL.match(outward + inward):
        outward = m.group(1) + "0" + m.group(3)
    if not _FULL.match(outward + inward):
        return None
    return f"{outward} {inward}"


def normalise_many(texts: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise`: the common well-formed case by regex, the rest one by one."""
    keys = texts.astype("string").str.replace(r"\s+", "", regex=True).str.upper()
    good = keys.str.fullmatch(_FULL.pattern.strip("^$")).fillna(False).astype(bool)
    out = (keys.str[:-3] + " " + keys.str[-3:]).where(good)
    rest = ~good & texts.notna()
    out[rest] = texts[rest].map(normalise)
    return out.astype("object").where(out.notna(), None)


def _key(text: str) -> str:
    return _SPACES.sub("", str(text)).upper()


@dataclass(frozen=True)
class _Table:
    keys: np.ndarray  # sorted, bytes
    columns: dict[str, np.ndarray]
    categories: dict[str, np.ndarray]
    elsewhere_keys: np.ndarray
    elsewhere_where: np.ndarray
    ward_names: dict[str, str]


@shared.cached(max_entries=1, scope="bundled")
def _table(data_dir: Path) -> _Table:
    path = data_dir / "lookups" / "postcodes.parquet"
    if not path.exists():
        raise DataUnavailableError(
            f"The postcode table {path} is missing; run `python -m geo build --only postcodes` to create it."
        )
    df = pd.read_parquet(path)
    keys = df["postcode"].str.replace(" ", "", regex=False).to_numpy(dtype="S7")
    columns: dict[str, np.ndarray] = {}
    categories: dict[str, np.ndarray] = {}
    for col in df.columns.drop("postcode"):
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            columns[col] = s.cat.codes.to_numpy()
            categories[col] = s.cat.categories.to_numpy(dtype=object)
        else:
            columns[col] = s.to_numpy(dtype="float64", na_value=np.nan)
    other = pd.read_parquet(data_dir / "lookups" / "postcodes_elsewhere.parquet")
    wards = pd.read_parquet(data_dir / "lookups" / "wards.parquet")
    return _Table(
        keys=keys,
        columns=columns,
        categories=categories,
        elsewhere_keys=other["postcode"].str.replace(" ", "", regex=False).to_numpy(dtype="S7"),
        elsewhere_where=other["where"].to_numpy(dtype=object),
        ward_names=dict(zip(wards["ward_code"], wards["ward_name"], strict=True)),
    )


def _index(keys: np.ndarray, key: bytes) -> int | None:
    i = int(np.searchsorted(keys, key))
    return i if i < len(keys) and keys[i] == key else None


def find(text: str, *, data_dir: Path = DATA_DIR) -> PostcodeResult:
    """Look a postcode up; the result says in one line what was found or why not.

    Parameters
    ----------
    text
        As typed: any case, any spacing, the letter O for zero.
    """
    typed = str(text).strip()[:40]
    if _NON_GEOGRAPHIC.match(_key(typed)):
        return PostcodeResult(typed, "non-geographic",
                              f"{typed} is a non-geographic postcode (such as BFPO): it has no place on the map.")
    pc = normalise(typed)
    if pc is None:
        return PostcodeResult(typed, "invalid", f"{typed!r} is not shaped like a postcode (e.g. L1 0AA).")
    table = _table(data_dir)
    key = pc.replace(" ", "").encode()
    i = _index(table.keys, key)
    if i is None:
        j = _index(table.elsewhere_keys, key)
        if j is not None:
            where = _ELSEWHERE.get(str(table.elsewhere_where[j]))
            if where is None:
                return PostcodeResult(typed, "non-geographic",
                                      f"{pc} has no place in the ONS postcode lookup (a non-geographic postcode).")
            return PostcodeResult(typed, "elsewhere", f"{pc} is in {where}, not England: the atlas covers England only.")
        return PostcodeResult(typed, "unknown",
                              f"{pc} is not in the ONS postcode lookup (May 2022) or Code-Point Open (April 2025); "
                              "check it on a letter or at royalmail.com.")
    postcode = _row(table, i, pc)
    if postcode.terminated:
        where = f"it was in small area {postcode.lsoa11_code}" if postcode.lsoa11_code else "its place is not held"
        return PostcodeResult(typed, "terminated", f"{pc} was terminated in {postcode.terminated}; {where}.", postcode)
    return PostcodeResult(typed, "live", f"{pc}: small area {postcode.lsoa21_code or postcode.lsoa11_code}.", postcode)


def find_many(postcodes: pd.Series, *, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Vectorised :func:`find` for normalised postcodes (``None`` where not shaped like one).

    Returns, aligned with ``postcodes``: ``status`` (as :func:`find`), ``lsoa11_code``,
    ``lsoa21_code``, ``terminated`` (bool) and ``easting``/``northing`` (NaN where not held).
    """
    table = _table(data_dir)
    text = postcodes.astype("string").fillna("")
    keys = text.str.replace(" ", "", regex=False).to_numpy(dtype="S7")
    i = np.minimum(np.searchsorted(table.keys, keys), len(table.keys) - 1)
    hit = (table.keys[i] == keys) & (text != "").to_numpy()
    j = np.minimum(np.searchsorted(table.elsewhere_keys, keys), len(table.elsewhere_keys) - 1)
    other = ~hit & (table.elsewhere_keys[j] == keys) & (text != "").to_numpy()
    no_place = other & (table.elsewhere_where[j] == "-")
    term = np.where(hit, table.columns["terminated"][i], 0)
    status = np.select(
        [text.to_numpy() == "", hit & (term > 0), hit, no_place, other,
         text.str.replace(" ", "", regex=False).str.match(_NON_GEOGRAPHIC.pattern).fillna(False).to_numpy(dtype=bool)],
        ["invalid", "terminated", "live", "non-geographic", "elsewhere", "non-geographic"],
        default="unknown",
    )
    out = pd.DataFrame({"status": status, "terminated": hit & (term > 0)}, index=postcodes.index)
    for name, col in (("lsoa11_code", "lsoa11cd"), ("lsoa21_code", "lsoa21cd")):
        codes = np.where(hit, table.columns[col][i], -1)
        cats = np.concatenate([table.categories[col], np.array([None], dtype=object)])
        out[name] = cats[np.where(codes < 0, len(cats) - 1, codes)]
    for name in ("easting", "northing"):
        out[name] = np.where(hit, table.columns[name][i], np.nan)
    return out


def _row(table: _Table, i: int, pc: str) -> Postcode:
    def cat(col: str) -> str | None:
        code = int(table.columns[col][i])
        return None if code < 0 else str(table.categories[col][code])

    def num(col: str) -> int | None:
        v = table.columns[col][i]
        return None if np.isnan(v) else int(v)

    term = num("terminated") or 0
    usertype = num("usertype")
    ward = cat("ward_code")
    return Postcode(
        postcode=pc,
        terminated=f"{term // 100}-{term % 100:02d}" if term else None,
        residential=None if usertype is None else usertype == 0,
        oa11_code=cat("oa11cd"),
        lsoa11_code=cat("lsoa11cd"),
        lsoa21_code=cat("lsoa21cd"),
        lsoa21_route=LOOKUP_ROUTES.get(num("lsoa21_route") or 0, ""),
        ward_code=ward,
        ward_name=table.ward_names.get(ward) if ward else None,
        easting=num("easting"),
        northing=num("northing"),
    )


@dataclass(frozen=True)
class Place:
    """One area a postcode lies in."""

    label: str
    level: str
    vintage: str
    area_code: str
    area_name: str


#: The areas :func:`places` names for a postcode: (label, level, vintage, parent column, LSOA vintage).
_PARENTS: tuple[tuple[str, str, str, str], ...] = (
    ("District (2023 code set)", "lad", "2023", "2021"),
    ("District (2019 code set)", "lad", "2019", "2011"),
    ("District before April 2009", "lad", "2008", "2011"),
    ("Upper-tier authority (2023)", "utla", "2023", "2021"),
    ("Region", "region", "2019", "2011"),
)


def places(postcode: Postcode, *, data_dir: Path = DATA_DIR) -> list[Place]:
    """The small areas, ward, districts and region a postcode lies in, named."""
    out: list[Place] = []
    for label, vintage, code in (("Small area (LSOA 2021)", "2021", postcode.lsoa21_code),
                                 ("Small area (LSOA 2011)", "2011", postcode.lsoa11_code)):
        if code:
            out.append(Place(label, "lsoa", vintage, code, _name("lsoa", vintage, code, data_dir)))
    if postcode.ward_code:
        out.append(Place("Ward (2025)", "ward", "2025", postcode.ward_code, postcode.ward_name or ""))
    for label, level, vintage, lsoa_vintage in _PARENTS:
        lsoa = postcode.lsoa21_code if lsoa_vintage == "2021" else postcode.lsoa11_code
        if not lsoa:
            continue
        try:
            parent = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir).get(lsoa)
        except DataUnavailableError:
            continue
        if isinstance(parent, str) and parent:
            out.append(Place(label, level, vintage, parent, _name(level, vintage, parent, data_dir)))
    return out


def _name(level: str, vintage: str, code: str, data_dir: Path) -> str:
    names = boundaries.area_lookup(level, vintage, data_dir=data_dir).set_index("area_code")["area_name"]
    name = names.get(code)
    return str(name) if isinstance(name, str) else ""
