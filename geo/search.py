"""Find an area by name or code, tolerant of typos and common spelling variants."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

__all__ = ["Match", "normalise", "search"]

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
    query = query.strip()
    if not query:
        return []
    if _CODE.match(query):
        exact = [Match(c, n, 100.0) for c, n in pairs if c.upper() == query.upper()]
        if exact:
            return exact
    wanted = normalise(query)
    if not wanted:
        return []
    choices = {i: normalise(name) for i, (_, name) in enumerate(pairs)}
    hits = process.extract(wanted, choices, scorer=_score, limit=limit, score_cutoff=cutoff)
    if not hits:
        return []
    best = float(hits[0][1])
    floor = 90.0 if best == 100.0 else best - _PLAUSIBLE_MARGIN
    return [Match(pairs[i][0], pairs[i][1], float(score)) for _, score, i in hits if score >= floor]


def _score(a: str, b: str, **_: object) -> float:
    # Prefix and whole-word hits should beat loose partial matches.
    if b == a:
        return 100.0
    if b.startswith(a):
        return 98.0 - min(len(b) - len(a), 8) * 0.1
    return max(fuzz.WRatio(a, b), fuzz.token_set_ratio(a, b) - 2)
