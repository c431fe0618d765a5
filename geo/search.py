"""Find an area by name or code, tolerant of typos and common spelling variants.

:func:`search` ranks ``(area_code, area_name)`` pairs. :func:`find_areas` is what every
search box of the atlas calls: it looks through the areas of every code set the atlas
holds (the 354 districts before April 2009 too), one hit per area, each saying which
code set it belongs to and what became of it ("Easington (district until March 2009,
now part of County Durham E06000047)"). :func:`opening` turns a hit into the map view
that opens it on its own code set.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import pandas as pd
from rapidfuzz import fuzz, process

from geo import boundaries, codes, postcodes, shared
from geo._paths import DATA_DIR
from geo.catalogue import Indicator
from geo.errors import DataUnavailableError
from geo.schema import boundary_set, vintages

__all__ = [
    "AREA_LEVELS", "AreaHit", "Match", "PostcodePlace", "area_choices", "find_areas", "find_postcode", "normalise",
    "opening", "postcode_query", "search",
]

_CODE = re.compile(r"^[A-Za-z]\d{8}$|^\d{2}[A-Za-z]{2}$|^\d{2}[A-Za-z]{2}[A-Za-z0-9]{2}$|^[0-9A-Za-z]{3}$")

# Spelling variants people type for the same place.
_VARIANTS: tuple[tuple[str, str], ...] = (
    (r"\bsaint\b", "st"),
    (r"\bst\.", "st"),
    (r"&", " and "),
    (r"\bupon\b", "on"),
    (r"\bu\b", "on"),  # "Newcastle u Tyne"
    (r"-", " "),
    (r",", " "),
    (r"'", ""),
)

#: Levels a search box looks through by default (small areas only where the page asks).
AREA_LEVELS: Final[tuple[str, ...]] = ("lad", "utla", "region", "pct", "sha")
#: One area of each level, as a hit's note names it.
_NOUN: Final[dict[str, str]] = {
    "lad": "district", "utla": "upper-tier authority", "region": "region", "pct": "Primary Care Trust",
    "sha": "Strategic Health Authority", "lsoa": "small area",
}


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, fold "Saint"/"St", "&"/"and".

    >>> normalise("St. Helens & Knowsley")
    'st helens and knowsley'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower()
    for pattern, repl in _VARIANTS:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Match:
    """One search hit: an area and how well it matched (0-100)."""

    area_code: str
    area_name: str
    score: float


#: A hit this many points below the best one is not a plausible alternative.
_PLAUSIBLE_MARGIN = 12.0


def search(
    query: str, areas: Iterable[tuple[str, str]], *, limit: int = 8, cutoff: float = 70.0
) -> list[Match]:
    """Plausible matches for ``query`` among ``(area_code, area_name)`` pairs, best first.

    An exact code (any case) comes first; names are matched after :func:`normalise`,
    so "St Albans", "Saint Albans" and "st albns" all find St Albans. An exact name
    is offered with the names it begins (Birmingham, not Newham); otherwise only
    hits within a few points of the best are kept.
    """
    pairs = list(areas)
    found = _ranked(query, [c for c, _ in pairs], [n for _, n in pairs], limit=limit, cutoff=cutoff)
    return [Match(pairs[i][0], pairs[i][1], score) for i, score in found]


def _ranked(query: str, area_codes: Sequence[str], names: Sequence[str], *, limit: int, cutoff: float,
            folded: Sequence[str] | None = None) -> list[tuple[int, float]]:
    """Positions of the plausible matches, best first, with their scores (see :func:`search`).

    ``folded`` holds the names already passed through :func:`normalise` (a long list is folded once).
    """
    query = query.strip()
    if not query:
        return []
    if _CODE.match(query):
        exact = [(i, 100.0) for i, c in enumerate(area_codes) if c.upper() == query.upper()]
        if exact:
            return exact
    wanted = normalise(query)
    if not wanted:
        return []
    choices = dict(enumerate(folded if folded is not None else [normalise(name) for name in names]))
    hits = process.extract(wanted, choices, scorer=_score, limit=limit, score_cutoff=cutoff)
    if not hits:
        return []
    best = float(hits[0][1])
    floor = 90.0 if best == 100.0 else best - _PLAUSIBLE_MARGIN
    return [(int(i), float(score)) for _, score, i in hits if score >= floor]


def _score(a: str, b: str, **_: object) -> float:
    # Prefix and whole-word hits should beat loose partial matches.
    if b == a:
        return 100.0
    if b.startswith(a):
        return 98.0 - min(len(b) - len(a), 8) * 0.1
    return max(fuzz.WRatio(a, b), fuzz.token_set_ratio(a, b) - 2)


# --- every code set ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaHit:
    """An area a search box offers: where it opens (level, vintage) and what to call it.

    ``note`` says which code set it belongs to and, for an area that no longer exists
    under this code and name, what became of it; ``current`` is true for an area of
    the latest code set of its level.
    """

    area_code: str
    area_name: str
    level: str
    vintage: str
    note: str
    current: bool
    score: float = 100.0

    @property
    def label(self) -> str:
        """E.g. "Easington (district until March 2009, now part of County Durham E06000047)"."""
        return f"{self.area_name} ({self.note})"


@dataclass(frozen=True)
class _Entry:
    area_code: str
    area_name: str
    level: str
    held: tuple[str, ...]  # the code sets holding this code under this name, oldest first
    note: str
    current: bool
    #: The current code of the same area when this is an earlier code of it (``""`` otherwise).
    alias_of: str


def find_areas(
    query: str,
    *,
    levels: Sequence[str] = AREA_LEVELS,
    prefer: tuple[str, str] | None = None,
    small_areas: str | None = None,
    limit: int = 6,
    data_dir: Path = DATA_DIR,
) -> list[AreaHit]:
    """Areas of every code set of ``levels`` matching ``query`` by name or code, best first.

    One hit per area: an area held on several code sets opens on ``prefer`` (the code set
    on screen) when that holds it, else on the latest. An earlier code of an area that
    lives on under a new code (00BN for Manchester) is offered for that code typed, or
    when ``prefer`` is its code set. ``small_areas`` (an LSOA vintage) adds that set's
    LSOAs. Exact names and codes come first; then areas of the code set on screen.
    """
    entries, folded = _searchable(tuple(levels), small_areas, data_dir)
    on_screen = {e.alias_of for e in entries if prefer and e.alias_of and e.level == prefer[0] and prefer[1] in e.held}
    keep = [i for i, e in enumerate(entries)
            if (not e.alias_of or (prefer is not None and e.level == prefer[0] and prefer[1] in e.held))
            and e.area_code not in on_screen]
    aliases = [i for i, e in enumerate(entries) if e.alias_of]
    shown = [entries[i] for i in keep]
    found = _ranked(query, [e.area_code for e in shown], [], limit=max(limit * 3, 12), cutoff=70.0,
                    folded=[folded[i] for i in keep])
    if not found:  # an earlier code typed as such: 00BN
        shown = [entries[i] for i in aliases]
        found = [(j, 100.0) for j, e in enumerate(shown) if e.area_code == query.strip().upper()]
    hits: dict[tuple[str, str], AreaHit] = {}
    for i, score in found:
        e = shown[i]
        vintage = prefer[1] if prefer and e.level == prefer[0] and prefer[1] in e.held else e.held[-1]
        hit = AreaHit(e.area_code, e.area_name, e.level, vintage, e.note, e.current, score)
        key = (e.area_code, e.area_name)
        if key not in hits or _rank(hit, prefer, levels) < _rank(hits[key], prefer, levels):
            hits[key] = hit
    ordered = sorted(hits.values(), key=lambda h: (-round(h.score), _rank(h, prefer, levels), h.area_name))
    return ordered[:limit]


@shared.cached(max_entries=8, scope="bundled")
def _searchable(levels: tuple[str, ...], small_areas: str | None, data_dir: Path) -> tuple[tuple[_Entry, ...], tuple[str, ...]]:
    """The entries a search looks through, with their names folded by :func:`normalise`."""
    entries = list(_index(levels, data_dir))
    if small_areas:
        names = codes.area_names("lsoa", small_areas, data_dir=data_dir)
        entries += [_Entry(c, n, "lsoa", (small_areas,), f"small area, LSOA {small_areas}", True, "")
                    for c, n in names.items()]
    return tuple(entries), tuple(normalise(e.area_name) for e in entries)


def _rank(hit: AreaHit, prefer: tuple[str, str] | None, levels: Sequence[str]) -> tuple[int, int, int]:
    on_screen = prefer is not None and (hit.level, hit.vintage) == prefer
    level = levels.index(hit.level) if hit.level in levels else len(levels)
    return (0 if on_screen else 1, 0 if hit.current else 1, level)


def area_choices(*, levels: Sequence[str] = AREA_LEVELS, data_dir: Path = DATA_DIR) -> dict[str, AreaHit]:
    """Every area of ``levels`` a picker lists, one per code, current ones first: ``{area_code: hit}``.

    Earlier codes of areas that live on under another code are left out (the current
    code stands for them); an area that is both a district and an upper tier is listed once.
    """
    out: dict[str, AreaHit] = {}
    for e in sorted(_index(tuple(levels), data_dir), key=lambda e: (not e.current, e.area_name)):
        if e.alias_of or e.area_code in out:
            continue
        out[e.area_code] = AreaHit(e.area_code, e.area_name, e.level, e.held[-1], e.note, e.current)
    return out


@shared.cached(max_entries=8, scope="bundled")
def _index(levels: tuple[str, ...], data_dir: Path) -> tuple[_Entry, ...]:
    entries: list[_Entry] = []
    for level in levels:
        sets = vintages(level)
        held: dict[tuple[str, str], list[str]] = {}
        for vintage in sets:
            for code, name in codes.area_names(level, vintage, data_dir=data_dir).items():
                held.setdefault((code, name), []).append(vintage)
        latest = sets[-1]
        gone = sorted({(k, v[-1]) for k, v in held.items() if v[-1] != latest}, key=lambda kv: kv[1])
        fates = _fates(level, gone, latest, data_dir)
        for (code, name), where in held.items():
            if where[-1] == latest:
                note = f"{_NOUN[level]} {code}" if len(sets) > 1 else _single_set_note(level, code)
                entries.append(_Entry(code, name, level, tuple(where), note, True, ""))
                continue
            note, alias_of = fates[(code, name)]
            entries.append(_Entry(code, name, level, tuple(where), note, False, alias_of))
    return tuple(entries)


def _single_set_note(level: str, code: str) -> str:
    """The note of an area of a level held on one code set: "Primary Care Trust 2011-13, 5NG"-like."""
    years = re.search(r"\d{4}(?:-\d{2,4})?", boundary_set(level, vintages(level)[-1]).label)
    return f"{_NOUN[level]}{f' {years.group(0)}' if years and level != 'region' else ''} {code}"


def _fates(level: str, gone: list[tuple[tuple[str, str], str]], latest: str,
           data_dir: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """For each (code, name) last held on an earlier code set: its note and, when the area lived on under a new
    code, that code (an earlier code of the same area: 00BN for Manchester, then E08000003)."""
    noun = _NOUN[level]
    tails: dict[tuple[str, str], str] = {}
    recoded: dict[tuple[str, str], tuple[str, str]] = {}  # (code, name) -> (new code, when)
    by_set: dict[str, list[tuple[str, str]]] = {}
    for key, last in gone:
        by_set.setdefault(last, []).append(key)
    for last, keys in by_set.items():
        after = vintages(level)[vintages(level).index(last) + 1]
        names_after = codes.area_names(level, after, data_dir=data_dir)
        step = _mapped(level, [c for c, _ in keys], last, after, data_dir)
        final = _mapped(level, [c for c, _ in keys], last, latest, data_dir)
        names_now = codes.area_names(level, latest, data_dir=data_dir)
        for code, name in keys:
            until = _until(level, code, last, data_dir)
            target, relation = step.get(code, ("", ""))
            if relation == "recode":
                recoded[(code, name)] = (target, until)
            elif relation == "same":
                tails[(code, name)] = f"now named {names_after.get(code, code)} {code}"
            elif relation == "merge":
                end, how = final.get(code, ("", ""))
                into = f"{names_now[end]} {end}" if how and end in names_now else f"{names_after[target]} {target}"
                tails[(code, name)] = f"until March {until}, now part of {into}"
            else:
                parts = [p for p in re.findall(r"[EW]\d{8}", _split_reason(level, code, last, after, data_dir)) if p != code]
                listing = [f"{names_after.get(p, '')} {p}".strip() for p in parts]
                split = " and ".join([", ".join(listing[:-1]), listing[-1]] if len(listing) > 1 else listing)
                tails[(code, name)] = f"until March {until}" + (f", then split between {split}" if split else "")
    out: dict[tuple[str, str], tuple[str, str]] = {key: (f"{noun} {tail}", "") for key, tail in tails.items()}
    by_code = {c: v for (c, _), v in recoded.items()}
    for key, (target, until) in recoded.items():
        end = target
        while end in by_code:  # 00CC -> E08000016 -> E08000038 (Barnsley)
            end = by_code[end][0]
        later = next((tail for (c, _), tail in tails.items() if c == end), "")
        then = f"then {end}{',' if later.startswith('now') else ''} {later}" if later else f"now {end}"
        out[key] = (f"{noun} code until March {until}, {then}", end)
    return out


def _mapped(level: str, area_codes: list[str], source: str, target: str, data_dir: Path) -> dict[str, tuple[str, str]]:
    rec = codes.reconcile(area_codes, source=source, target=target, level=level, data_dir=data_dir)
    return {str(s): (str(t), str(r)) for s, t, r in rec.mapped.itertuples(index=False)}


def _split_reason(level: str, code: str, source: str, target: str, data_dir: Path) -> str:
    rec = codes.reconcile([code], source=source, target=target, level=level, data_dir=data_dir)
    return " ".join(rec.unmatched["reason"].astype(str))


def _until(level: str, code: str, last: str, data_dir: Path) -> str:
    """The year in whose March the area ended under this code: when the next district code set began.

    An upper tier ends with the last district code set that names it (the upper-tier sets skip 2020).
    """
    if level == "utla":
        held = [v for v in vintages("lad") if code in set(_boundary_column("lad", v, "utla_code", data_dir))]
        level, last = "lad", held[-1] if held else last
    chain = vintages(level)
    after = chain[min(chain.index(last) + 1, len(chain) - 1)]
    found = re.search(r"\d{4}", boundary_set(level, after).label)  # "2009-2018 (326 districts ...)" -> 2009
    return found.group(0) if found else after


def _boundary_column(level: str, vintage: str, column: str, data_dir: Path) -> list[str]:
    frame = pd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=[column])
    return [str(v) for v in frame[column].dropna()]


# --- opening a hit on the map --------------------------------------------------------------------


def opening(
    hit: AreaHit,
    query: Mapping[str, str],
    *,
    catalogue: Mapping[str, Indicator],
    combos: Callable[[str, str], pd.DataFrame],
) -> dict[str, str]:
    """The map's query parameters that open ``hit`` on its own code set, keeping what they can of ``query``.

    The indicator on screen is kept when it is held on the hit's code set (its period
    and sex too where held); otherwise the first held of the same topic, then of any.
    """
    current = query.get("indicator", "")
    group = catalogue[current].group if current in catalogue else ""
    order = ([current] if current in catalogue else []) + [i for i, ind in catalogue.items() if ind.group == group] + list(
        catalogue)
    for indicator_id in dict.fromkeys(order):
        if hit.level not in catalogue[indicator_id].levels:
            continue
        table = combos(indicator_id, hit.level)
        table = table[table["vintage"] == hit.vintage]
        if table.empty:
            continue
        periods = sorted(table["period"].unique())
        period = query.get("period", "") if query.get("period") in periods else periods[-1]
        sexes = list(table.loc[table["period"] == period, "sex"].unique())
        sex = query.get("sex", "") if query.get("sex") in sexes else next(
            s for s in ("persons", "female", "male", *sexes) if s in sexes)
        params = {"level": hit.level, "vintage": hit.vintage, "indicator": indicator_id, "period": period, "sex": sex,
                  "area": hit.area_code}
        if query.get("method"):
            params["method"] = query["method"]
        return params
    return {"level": hit.level, "vintage": hit.vintage, "area": hit.area_code}


# --- postcodes ------------------------------------------------------------------------------------

#: Longest text a search box reads as a postcode ("SW1A  1AA" with spaces to spare).
_POSTCODE_LIMIT: Final = 16
_MONTHS: Final = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December")


@dataclass(frozen=True)
class PostcodePlace:
    """Where a postcode typed in a search box opens on one code set, and the line that says so.

    ``area_code`` is the area of ``(level, vintage)`` holding it (the small area itself on a
    small-area map), ``None`` when it has no place there; ``lsoa_code`` its small area on
    the ``lsoa_vintage`` LSOAs (those nesting in the code set where known); ``lonlat`` its
    point where Code-Point Open holds one. ``line`` says it in one line: its small area,
    ward and district, when it was terminated, or (not placed) the lookup's own message.
    """

    postcode: str
    status: str
    line: str
    level: str
    vintage: str
    area_code: str | None = None
    area_name: str = ""
    lsoa_code: str | None = None
    lsoa_name: str = ""
    lsoa_vintage: str = ""
    lonlat: tuple[float, float] | None = None


def postcode_query(text: str) -> bool:
    """Whether a search box reads ``text`` as a postcode (only then is the postcode table loaded).

    Postcode-shaped (:func:`geo.postcodes.looks_like_postcode`) and holding a digit, as
    every postcode does and no area's name ("Sandwell" begins like Santa's SAN TA1).

    >>> postcode_query("l1 0aa"), postcode_query("Sandwell"), postcode_query("E08000012")
    (True, False, False)
    """
    text = str(text).strip()
    return len(text) <= _POSTCODE_LIMIT and any(c.isdigit() for c in text) and postcodes.looks_like_postcode(text)


def find_postcode(text: str, *, level: str = "lad", vintage: str | None = None,
                  data_dir: Path = DATA_DIR) -> PostcodePlace:
    """The area of ``(level, vintage)`` (default: the latest districts) holding the postcode ``text``.

    On a small-area map (``level="lsoa"``) it opens its small area, on the other LSOA set
    when this one does not hold it. A terminated postcode opens where it was.
    """
    vintage = vintage or vintages(level)[-1]
    found = postcodes.find(text, data_dir=data_dir)
    pc = found.postcode
    if pc is None or not found.placed:
        return PostcodePlace(pc.postcode if pc else postcodes.normalise(text) or "", found.status, found.message,
                             level, vintage)
    held = {"2011": pc.lsoa11_code, "2021": pc.lsoa21_code}
    if level == "lsoa":
        vintage = vintage if held.get(vintage) else next(v for v, c in held.items() if c)
        lsoa_vintage, area_code = vintage, held[vintage]
    else:
        lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
        area_code = _parent(held, lsoa_vintage, level, vintage, data_dir)
        if not held.get(lsoa_vintage):
            lsoa_vintage = next(v for v, c in held.items() if c)
    lsoa_code = held[lsoa_vintage]
    lsoa_name = _names("lsoa", lsoa_vintage, data_dir).get(lsoa_code or "", "")
    area_name = _names(level, vintage, data_dir).get(area_code or "", "") if area_code else ""
    place = PostcodePlace(pc.postcode, found.status, "", level, vintage, area_code, area_name, lsoa_code, lsoa_name,
                          lsoa_vintage, pc.lonlat)
    other = next(((v, c) for v, c in held.items() if v != lsoa_vintage and c and c != lsoa_code), None)
    also = (f"; {_names('lsoa', other[0], data_dir).get(other[1], other[1])}, {other[1]}, "
            f"on the {other[0]} LSOAs") if other else ""
    return replace(place, line=_postcode_line(place, pc, also))


def _parent(held: Mapping[str, str | None], lsoa_vintage: str, level: str, vintage: str, data_dir: Path) -> str | None:
    """The area of ``(level, vintage)`` holding the small area; through the other LSOA set's pieces where needed."""
    parents = _parents(lsoa_vintage, level, vintage, data_dir)
    own = held.get(lsoa_vintage)
    if own:
        return parents.get(own)
    other = "2011" if lsoa_vintage == "2021" else "2021"
    pieces = _pieces(other, data_dir).get(held.get(other) or "", ())
    found = {parents.get(p) for p in pieces} - {None}
    return str(found.pop()) if len(found) == 1 else None  # one area holds all its pieces


@shared.cached(max_entries=32, scope="bundled")
def _names(level: str, vintage: str, data_dir: Path) -> dict[str, str]:
    """:func:`geo.codes.area_names`, held (a postcode is placed in microseconds, not by building 33,000 names)."""
    return codes.area_names(level, vintage, data_dir=data_dir)


@shared.cached(max_entries=32, scope="bundled")
def _parents(lsoa_vintage: str, level: str, vintage: str, data_dir: Path) -> dict[str, str]:
    """``{LSOA code: its area of (level, vintage)}`` (empty where no lookup is held)."""
    try:
        parents = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir)
    except DataUnavailableError:
        return {}
    return {str(k): v for k, v in parents.items() if isinstance(v, str) and v}


@shared.cached(max_entries=2, scope="bundled")
def _pieces(vintage: str, data_dir: Path) -> dict[str, tuple[str, ...]]:
    """``{LSOA code of vintage: codes of the other set's LSOAs it overlaps}`` (the atlas's 2011-2021 lookup)."""
    table = pd.read_parquet(data_dir / "lookups" / "lsoa11_lsoa21.parquet", columns=["lsoa11_code", "lsoa21_code"])
    key, value = ("lsoa11_code", "lsoa21_code") if vintage == "2011" else ("lsoa21_code", "lsoa11_code")
    return {str(k): tuple(map(str, g)) for k, g in table.groupby(key)[value]}


def _postcode_line(place: PostcodePlace, pc: postcodes.Postcode, also: str = "") -> str:
    """E.g. "L1 0AA is in small area Liverpool 037G (E01034402, LSOA 2021; Liverpool 037B, E01006515, on the 2011
    LSOAs), ward City Centre South (E05015289), in Liverpool (E08000012)." (``also``: its other small area)."""
    small = (f"small area {place.lsoa_name} ({place.lsoa_code}, LSOA {place.lsoa_vintage}{also})" if place.lsoa_name
             else f"small area {place.lsoa_code} (LSOA {place.lsoa_vintage}{also})")
    ward = f", ward {pc.ward_name} ({pc.ward_code})" if pc.ward_name and pc.ward_code else ""
    inside = (f", in {place.area_name} ({place.area_code})" if place.level != "lsoa" and place.area_code
              else "" if place.area_code else f"; it has no place on the {place.vintage} {_NOUN[place.level]} code set")
    if pc.terminated:
        year, month = pc.terminated.split("-")
        return (f"{pc.postcode} was terminated in {_MONTHS[int(month) - 1]} {year}; it was in {small}{ward}{inside}. "
                "Shown where it was.")
    return f"{pc.postcode} is in {small}{ward}{inside}."
