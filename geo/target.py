"""Targeting small areas: a rule over LSOA indicators, and the LSOAs it picks in an area.

A rule is data, never code. Its text is read by a small hand-written tokenizer and
recursive-descent parser into a frozen tree (:class:`Condition`, :class:`All`,
:class:`Any`) and evaluated with pandas boolean masks; nothing a user types reaches
``eval``, ``DataFrame.query`` or SQL.

The grammar (keywords in any case)::

    rule       := either
    either     := both ("or" both)*
    both       := term ("and" term)*
    term       := "(" either ")" | condition
    condition  := INDICATOR_ID OPERATOR NUMBER
    OPERATOR   := "<=" | "<" | ">=" | ">" | "=" | "==" | "!="

Terms are the catalogue's small-area indicator ids; numbers are in the unit the
catalogue gives (deciles 1-10, ranks, scores, proportions 0-1 or percentages).

Each indicator keeps its own edition and LSOA set. Indicators on 2001 LSOAs (IoD
2004-2010) are carried to 2011 LSOAs through the ONS LSOA 2001-2011 lookup: a
2011 LSOA takes the value of its one 2001 LSOA when that was unchanged or split;
a 2011 LSOA made from several 2001 LSOAs has no value (counted in the notes).

A rule that mixes 2021 LSOAs with older sets runs on 2011 LSOAs (the set the
population estimates are on), through the atlas's derived LSOA 2011-2021 lookup
(:mod:`geo.ingest.lsoa_change`). A value is carried only where no dividing is
needed: an unchanged LSOA (``U``) takes its own value, and a 2011 LSOA inside a
merged 2021 LSOA (``M``) takes the merged area's value. A 2011 LSOA that was
split (``S``) or redrawn (``X``) has no value for the 2021 indicator: the table
marks it in ``lsoa_change`` and :attr:`TargetResult.not_compared` lists it.

A rule wholly on 2021 LSOAs counts people through the same lookup
(:func:`people_2021`): an unchanged 2021 LSOA has its 2011 LSOA's people, a
merged one the sum of its whole 2011 LSOAs (the same ground, so the counts add
exactly), and a split or redrawn one no count (``pop_note`` says why): people are
never divided. The area's people, the denominator of the share, are counted the
same way.

Extra columns (a user's upload) are data too: each is an :class:`Indicator` and
its values on LSOAs, reached in a rule by an id that the grammar reads
(:func:`rule_id`), checked like every other term.
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import boundaries, indicators
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, load_catalogue
from geo.codes import detect
from geo.crosswalk import lsoa11_lookup
from geo.errors import RuleError, UnknownAreaCodeError, UploadError, VintageMismatchError
from geo.schema import AREA_LABELS, ENGLAND_CODE, vintages

__all__ = [
    "All",
    "Any",
    "Area",
    "Condition",
    "Expr",
    "Extra",
    "POPULATION_COLUMNS",
    "PRESETS",
    "Rule",
    "TargetResult",
    "Totals",
    "VERDICT_WORDS",
    "carry_2021",
    "changes_2011",
    "changes_2021",
    "evaluate",
    "geometries",
    "mask",
    "parse",
    "people_2021",
    "resolve_area",
    "rule_id",
    "to_csv",
    "to_geojson",
]

Op = Literal["<=", "<", ">=", ">", "=", "!="]

_OPS: Final[dict[str, Callable[[pd.Series, float], pd.Series]]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "=": operator.eq,
    "!=": operator.ne,
}

#: Editable starting rules for the page (name -> rule text).
PRESETS: Final[dict[str, str]] = {
    "Sure Start": "imd2019_imd_decile <= 2 and imd2019_idaci_decile <= 2",
    "Housing": "imd2019_indoors_decile <= 2 or fuel_poverty >= 20 or iod19_overcrowding >= 0.15",
}

#: A user's columns offered as rule terms: ``{indicator_id: (Indicator, values in INDICATOR_COLUMNS)}``.
Extra = Mapping[str, tuple[Indicator, pd.DataFrame]]

#: Changes (derived LSOA 2011-2021 lookup) through which a 2021 value reaches a 2011 LSOA without dividing.
CARRIED_CHANGES: Final = ("U", "M")
CHANGE_WORDS: Final[dict[str, str]] = {
    "U": "unchanged", "M": "inside a merged 2021 LSOA", "S": "split in 2021", "X": "redrawn in 2021 (complex)",
}

#: What the map says of each LSOA (:attr:`TargetResult.verdicts`), in words.
VERDICT_WORDS: Final[dict[str, str]] = {
    "match": "Matches the rule",
    "other": "Does not match",
    "not_compared": "Not compared (split or redrawn in 2021, so the rule's 2021 terms could not be tested)",
}

#: The people counted for the matching LSOAs, in order (ONS small-area estimates, 2011 LSOAs).
POPULATION_COLUMNS: Final[tuple[str, ...]] = ("pop_total", "pop_0_4", "pop_0_15", "pop_65_plus")
#: How the 2011-LSOA people reach 2021 LSOAs (:func:`people_2021`), in the sentences and editions.
PEOPLE_ROUTE: Final = "carried to 2021 LSOAs through the atlas's derived LSOA 2011-2021 lookup"


# ---------------------------------------------------------------- the tree
@dataclass(frozen=True)
class Condition:
    """``indicator_id op value``, e.g. ``imd2019_imd_decile <= 2``."""

    indicator_id: str
    op: Op
    value: float

    def __str__(self) -> str:
        number = f"{self.value:g}" if math.isfinite(self.value) else str(self.value)
        return f"{self.indicator_id} {self.op} {number}"


@dataclass(frozen=True)
class All:
    """Every part holds (``and``)."""

    parts: tuple[Expr, ...]

    def __str__(self) -> str:
        return " and ".join(f"({p})" if isinstance(p, Any) else str(p) for p in self.parts)


@dataclass(frozen=True)
class Any:
    """At least one part holds (``or``)."""

    parts: tuple[Expr, ...]

    def __str__(self) -> str:
        return " or ".join(str(p) for p in self.parts)


Expr = Condition | All | Any


@dataclass(frozen=True)
class Rule:
    """A parsed rule: the text as typed and its tree."""

    text: str
    expr: Expr

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """The indicators named, in order of first appearance."""
        seen: dict[str, None] = {}
        for cond in _conditions(self.expr):
            seen.setdefault(cond.indicator_id, None)
        return tuple(seen)

    def __str__(self) -> str:
        return str(self.expr)


def _conditions(expr: Expr) -> Iterator[Condition]:
    if isinstance(expr, Condition):
        yield expr
    else:
        for part in expr.parts:
            yield from _conditions(part)


# ---------------------------------------------------------------- tokenizer and parser
_TOKEN = re.compile(
    r"\s*(?:(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![A-Za-z_])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|<|>|=)"
    r"|(?P<paren>[()]))"
)
_KEYWORDS: Final = frozenset({"and", "or"})
_HINT: Final = "Write conditions such as imd2019_imd_decile <= 2, joined with and / or, with ( ) to group."


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, keyword, op, paren, end
    text: str
    at: int  # 0-based character offset


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            at = len(text) - len(text[pos:].lstrip())
            raise RuleError(
                f"Cannot read the rule at character {at + 1} ({_near(text, at)}): "
                f"{text[at]!r} is not part of the rule language. {_HINT}"
            )
        kind = m.lastgroup or ""
        word, start = m.group(kind), m.start(kind)
        if kind == "name" and word.lower() in _KEYWORDS:
            kind, word = "keyword", word.lower()
        out.append(_Token(kind, word, start))
        pos = m.end()
    out.append(_Token("end", "", len(text)))
    return out


def _near(text: str, at: int) -> str:
    if at >= len(text):
        return "at the end"
    return f"near {text[max(0, at - 12):at + 12].strip()!r}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: _Token, expected: str) -> RuleError:
        found = "the end of the rule" if tok.kind == "end" else repr(tok.text)
        return RuleError(
            f"Cannot read the rule at character {tok.at + 1} ({_near(self.text, tok.at)}): "
            f"expected {expected}, found {found}. {_HINT}"
        )

    def rule(self) -> Expr:
        if self.peek().kind == "end":
            raise RuleError(f"The rule is empty. {_HINT}")
        expr = self.either()
        tok = self.peek()
        if tok.kind != "end":
            raise self.fail(tok, "'and', 'or' or the end of the rule")
        return expr

    def either(self) -> Expr:
        parts = [self.both()]
        while self.peek().kind == "keyword" and self.peek().text == "or":
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else Any(tuple(parts))

    def both(self) -> Expr:
        parts = [self.term()]
        while self.peek().kind == "keyword" and self.peek().text == "and":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def term(self) -> Expr:
        tok = self.peek()
        if tok.kind == "paren" and tok.text == "(":
            self.take()
            inner = self.either()
            close = self.take()
            if not (close.kind == "paren" and close.text == ")"):
                raise self.fail(close, "')' to close the '(' at character " + str(tok.at + 1))
            return inner
        return self.condition()

    def condition(self) -> Condition:
        name = self.take()
        if name.kind != "name":
            raise self.fail(name, "an indicator id such as imd2019_imd_decile")
        op = self.take()
        if op.kind != "op":
            raise self.fail(op, f"a comparison (<=, <, >=, >, =, !=) after {name.text!r}")
        number = self.take()
        if number.kind != "number":
            raise self.fail(number, f"a number after {name.text} {op.text}")
        value = float(number.text)
        symbol: Op = "=" if op.text == "==" else op.text  # type: ignore[assignment]
        return Condition(name.text.lower(), symbol, value)


def parse(text: str, *, data_dir: Path | None = DATA_DIR, extra: Extra | None = None) -> Rule:
    """Read a rule; with ``data_dir``, check every term is a small-area indicator of the catalogue or of ``extra``.

    Examples
    --------
    >>> str(parse("A <= 2 AND (b > 1 or c = 3)", data_dir=None))
    'a <= 2 and (b > 1 or c = 3)'

    Raises
    ------
    RuleError
        The text is not a rule (the message says at which character), or a term is
        not an indicator held for LSOAs.
    """
    if len(text) > 2000:
        raise RuleError(f"The rule is {len(text)} characters long; expected at most 2,000. Shorten it.")
    rule = Rule(text=text, expr=_Parser(text).rule())
    if data_dir is not None:
        catalogue = _terms(load_catalogue(data_dir), extra)
        for indicator_id in rule.indicator_ids:
            _small_area_indicator(indicator_id, catalogue)
    return rule


_RULE_ID: Final = re.compile(r"[a-z_][a-z0-9_]*")


def rule_id(indicator_id: str) -> str:
    """The id a rule names an extra column by: lower case, each run of other characters one ``_``.

    Examples
    --------
    >>> rule_id("upload:1:Fuel poor %")
    'upload_1_fuel_poor'

    Raises
    ------
    RuleError
        Nothing of the id is left that the rule language can read.
    """
    out = re.sub(r"[^a-z0-9_]+", "_", indicator_id.lower()).strip("_")
    if not _RULE_ID.fullmatch(out) or out in _KEYWORDS:
        raise RuleError(
            f"The column id {indicator_id!r} gives {out!r}, which a rule cannot name; expected letters, digits "
            "and _ starting with a letter, not 'and' or 'or'. Rename the column."
        )
    return out


def _terms(catalogue: dict[str, Indicator], extra: Extra | None) -> dict[str, Indicator]:
    """The catalogue plus the extra columns under their rule ids (refusing an id the catalogue holds)."""
    if not extra:
        return catalogue
    out = dict(catalogue)
    for indicator_id, (ind, _) in extra.items():
        rid = rule_id(indicator_id)
        if rid in out:
            raise RuleError(
                f"The column {ind.label!r} would be named {rid!r} in rules, which is already taken by "
                f"{out[rid].label!r}; rename the column."
            )
        out[rid] = replace(ind, indicator_id=rid)
    return out


def _extra_rows(extra: Extra | None) -> dict[str, pd.DataFrame]:
    return {rule_id(i): rows for i, (_, rows) in (extra or {}).items()}


def _small_area_indicator(indicator_id: str, catalogue: dict[str, Indicator]) -> Indicator:
    if indicator_id not in catalogue:
        import difflib

        close = difflib.get_close_matches(indicator_id, [i for i, ind in catalogue.items() if "lsoa" in ind.levels], n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " See the README's list of small-area indicators."
        if indicator_id.startswith("upload_"):
            hint = (" It looks like an uploaded column: uploads stay in the browser session that made them, so "
                    "upload the file again in this session (Map page, Your own data), then use its id here.")
        raise RuleError(f"{indicator_id!r} is not an indicator id in the catalogue.{hint}")
    ind = catalogue[indicator_id]
    if "lsoa" not in ind.levels:
        held = ", ".join(ind.levels) or "no level"
        raise RuleError(
            f"{indicator_id!r} ({ind.label}) is not held for small areas (LSOAs), only for {held}; "
            "a rule's terms must be small-area indicators such as imd2019_imd_decile."
        )
    return ind


# ---------------------------------------------------------------- areas
@dataclass(frozen=True)
class Area:
    """The area a rule is run within: a boundary-set area or all of England."""

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


def _nesting(area: Area, lsoa_vintage: str, data_dir: Path) -> Area:
    """The same code at the newest vintage whose areas nest ``lsoa_vintage`` LSOAs, when there is one."""
    if area.level in ("england", "region"):
        return area
    for vintage in reversed(vintages(area.level)):
        if boundaries.lsoa_vintage_for(area.level, vintage) != lsoa_vintage:
            continue
        names = boundaries.area_lookup(area.level, vintage, data_dir=data_dir)
        hit = names.loc[names["area_code"] == area.area_code, "area_name"]
        if not hit.empty:
            return Area(area.area_code, str(hit.iloc[0]), area.level, vintage)
    return area


def _lsoas_in(area: Area, lsoa_vintage: str, data_dir: Path) -> pd.DataFrame:
    """``area_code``, ``area_name`` of the area's LSOAs of one set."""
    names = boundaries.area_lookup("lsoa", lsoa_vintage, data_dir=data_dir)[["area_code", "area_name"]]
    if area.level == "england":
        return names.reset_index(drop=True)
    try:
        inside = boundaries.load("lsoa", lsoa_vintage, within=area.area_code, data_dir=data_dir)["area_code"]
    except UnknownAreaCodeError:
        raise VintageMismatchError(
            f"{area.label} has no {lsoa_vintage} LSOAs in the atlas's lookups: the rule's indicators are on "
            f"{lsoa_vintage} LSOAs, which nest in districts up to 2021, upper tiers up to 2019, PCTs and regions "
            "(2011 LSOAs) or in districts and upper tiers from 2023 and regions (2021 LSOAs). Give the area's code "
            "of a matching vintage, or use indicators on the other LSOA set."
        ) from None
    return names[names["area_code"].isin(set(inside))].reset_index(drop=True)


# ---------------------------------------------------------------- values
@dataclass(frozen=True)
class _Column:
    indicator: Indicator
    values: pd.Series  # indexed by LSOA code of the rule's set
    period: str
    lsoa_vintage: str  # the set the indicator is published on
    note: str = ""


@lru_cache(maxsize=64)
def _published(indicator_id: str, data_dir: Path) -> tuple[pd.Series, str, str]:
    """The indicator's latest LSOA values (persons), its period and LSOA set."""
    return _latest(indicators.load(indicator_id, level="lsoa", data_dir=data_dir))


def _latest(rows: pd.DataFrame) -> tuple[pd.Series, str, str]:
    """Latest period's persons values of long rows (one LSOA set), keyed by area code; only ``ok`` values."""
    rows = rows[rows["level"] == "lsoa"]
    if rows.empty:
        raise RuleError("A column named in the rule holds no values for small areas (LSOAs); expected LSOA rows.")
    rows = rows[rows["sex"] == "persons"] if (rows["sex"] == "persons").any() else rows
    period = sorted(rows["period"].unique())[-1]
    rows = rows[rows["period"] == period]
    vintage = sorted(rows["vintage"].unique())[-1]
    rows = rows[rows["vintage"] == vintage]
    values = rows.set_index("area_code")["value"].where(rows.set_index("area_code")["status"] == "ok")
    return values.astype("float64"), str(period), str(vintage)


@lru_cache(maxsize=2)
def _lsoa11_changes(data_dir: Path) -> pd.DataFrame:
    """Per 2011 LSOA: ``change`` (U/S/M/X) and, for U and M, its one 2021 LSOA ``lsoa21_code``."""
    lookup = lsoa11_lookup(data_dir)
    if lookup.empty:
        raise RuleError(
            "The rule mixes indicators on 2021 and older LSOAs, but the LSOA 2011-2021 lookup is not built "
            f"({data_dir / 'lookups' / 'lsoa11_lsoa21.parquet'}); run `python -m geo build --only lsoa_change`, "
            "or use indicators of one LSOA set."
        )
    return changes_2011(lookup)


def changes_2011(lookup: pd.DataFrame) -> pd.DataFrame:
    """Per 2011 LSOA of a 2011-2021 lookup: ``change`` and the one 2021 LSOA it takes a value from (U, M), else none.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["a", "b", "b", "c", "d"], "lsoa21_code": ["a", "b1", "b2", "cd", "cd"],
    ...                        "change": ["U", "S", "S", "M", "M"]})
    >>> carry_2021(pd.Series({"a": 1.0, "b1": 2.0, "b2": 3.0, "cd": 4.0}), changes_2011(lookup)).to_dict()
    {'a': 1.0, 'b': nan, 'c': 4.0, 'd': 4.0}
    """
    per = lookup.groupby("lsoa11_code").agg(change=("change", "first"), lsoa21_code=("lsoa21_code", "first"))
    per["lsoa21_code"] = per["lsoa21_code"].where(per["change"].isin(CARRIED_CHANGES))
    return per


def carry_2021(values: pd.Series, changes: pd.DataFrame) -> pd.Series:
    """2021-LSOA ``values`` on 2011 LSOAs (:func:`changes_2011`): own (U) or merged area's (M) value, else missing."""
    return changes["lsoa21_code"].map(values).astype("float64")


@lru_cache(maxsize=2)
def _lsoa01_to_11(data_dir: Path) -> pd.Series:
    """2011 LSOA -> its one 2001 LSOA, for unchanged and split areas only."""
    lookup = pd.read_parquet(data_dir / "lookups" / "lsoa01_lsoa11.parquet")
    single = lookup.groupby("lsoa11_code")["lsoa01_code"].transform("size") == 1
    usable = lookup[single & lookup["change"].isin(["U", "S"])]
    return usable.set_index("lsoa11_code")["lsoa01_code"]


def _column(ind: Indicator, lsoa_vintage: str, data_dir: Path, published: tuple[pd.Series, str, str]) -> _Column:
    values, period, published_on = published
    if published_on == lsoa_vintage:
        return _Column(ind, values, period, published_on)
    if published_on == "2021":  # the rule runs on 2011 LSOAs (the set is chosen so)
        changes = _lsoa11_changes(data_dir)
        carried = carry_2021(values, changes)
        counts = changes["change"].value_counts()
        note = (
            f"{ind.indicator_id} is published on 2021 LSOAs and was carried to 2011 LSOAs through the atlas's "
            f"derived LSOA 2011-2021 lookup: {counts.get('U', 0):,} unchanged LSOAs take their own value, "
            f"{counts.get('M', 0):,} inside a merged 2021 LSOA take the merged area's value, and "
            f"{counts.get('S', 0) + counts.get('X', 0):,} split or redrawn ones cannot be compared (no value)."
        )
        return _Column(ind, carried, period, published_on, note)
    # Otherwise 2001 -> 2011.
    parent = _lsoa01_to_11(data_dir)
    carried = parent.map(values)
    lsoas = boundaries.area_lookup("lsoa", lsoa_vintage, data_dir=data_dir)["area_code"]
    carried = carried.reindex(lsoas)
    lost = int(carried.isna().sum() - values.isna().sum())
    note = (
        f"{ind.indicator_id} is published on 2001 LSOAs and was carried to 2011 LSOAs through the ONS LSOA "
        "2001-2011 lookup (each unchanged or split area takes its 2001 value)"
        + (f"; {lost} 2011 LSOAs made by merging or redrawing 2001 areas have no value." if lost > 0 else ".")
    )
    return _Column(ind, carried, period, published_on, note)


def _rule_set(sets: set[str]) -> str:
    """The LSOA set a rule runs on: 2021 when every indicator is on 2021 LSOAs, else 2011 (people are counted there)."""
    return "2021" if sets == {"2021"} else "2011"


# ---------------------------------------------------------------- evaluation
def mask(expr: Expr | Rule, frame: pd.DataFrame) -> pd.Series:
    """Which rows of ``frame`` (one column per indicator id) meet the rule; a missing value meets no condition.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 3.0, None], "b": [5.0, 1.0, 9.0]})
    >>> mask(parse("a <= 2 or b >= 9", data_dir=None), frame).tolist()
    [True, False, True]
    """
    if isinstance(expr, Rule):
        expr = expr.expr
    if isinstance(expr, Condition):
        column = frame[expr.indicator_id]
        return (_OPS[expr.op](column, expr.value) & column.notna()).astype(bool)
    masks = [mask(p, frame) for p in expr.parts]
    out = masks[0]
    for m in masks[1:]:
        out = (out & m) if isinstance(expr, All) else (out | m)
    return out


@dataclass(frozen=True)
class Totals:
    """What the matching LSOAs hold; people are ``None`` where no estimate is held."""

    lsoas: int
    area_lsoas: int
    pop_total: float | None
    pop_0_4: float | None
    pop_0_15: float | None
    pop_65_plus: float | None
    area_pop_total: float | None
    population_period: str | None
    #: Matching LSOAs with a people count, and the area's (fewer than all on 2021 LSOAs: split or redrawn ones).
    counted_lsoas: int | None = None
    area_counted_lsoas: int | None = None
    #: How the people reach the rule's LSOAs, e.g. :data:`PEOPLE_ROUTE`; empty when they are on their own set.
    population_route: str = ""

    @property
    def share_of_people(self) -> float | None:
        if self.pop_total is None or not self.area_pop_total:
            return None
        return self.pop_total / self.area_pop_total

    def sentences(self) -> list[str]:
        """The totals in plain English."""
        out = [f"{self.lsoas:,} of the area's {self.area_lsoas:,} small areas (LSOAs) match the rule."]
        if self.pop_total is None:
            out.append("People are not counted: the ONS small-area population estimates are held on 2011 LSOAs only, "
                       "and the LSOA 2011-2021 lookup is not built.")
            return out
        share = self.share_of_people
        counted = self.lsoas if self.counted_lsoas is None else self.counted_lsoas
        area_counted = self.area_lsoas if self.area_counted_lsoas is None else self.area_counted_lsoas
        source = f"ONS mid-{self.population_period} estimates"
        if self.population_route:
            source += f" on 2011 LSOAs, {self.population_route}"
        if counted < self.lsoas:
            source += f"; {self.lsoas - counted:,} split or redrawn LSOAs not counted"
            out.append(f"People: {self.pop_total:,.0f} in {counted:,} of the {self.lsoas:,} matching LSOAs ({source})"
                       + (f", {share:.1%} of the {self.area_pop_total:,.0f} people in the {area_counted:,} of the "
                          f"area's {self.area_lsoas:,} LSOAs counted the same way." if share is not None else "."))
        else:
            out.append(
                f"{self.pop_total:,.0f} people live in them ({source})"
                + (f", {share:.1%} of the area's {self.area_pop_total:,.0f}"
                   + (f" (in the {area_counted:,} of its {self.area_lsoas:,} LSOAs counted the same way)" if area_counted < self.area_lsoas
                      else "") + "." if share is not None else ".")
            )
        out.append(
            f"Children under 5: {self.pop_0_4:,.0f}; children under 16: {self.pop_0_15:,.0f}; "
            f"people aged 65 and over: {self.pop_65_plus:,.0f}"
            + (f" (in the same {counted:,} LSOAs)." if counted < self.lsoas else ".")
        )
        return out


@dataclass(frozen=True, eq=False)
class TargetResult:
    """A rule run within an area.

    ``table`` has one row per LSOA of the area: ``area_code``, ``area_name``, each
    indicator of the rule, the population columns (on 2011 LSOAs), ``matched`` and
    ``rank`` (1 = first in the ranked list of matches; empty for the others).
    """

    rule: Rule
    area: Area
    lsoa_vintage: str
    table: pd.DataFrame
    totals: Totals
    editions: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def matches(self) -> pd.DataFrame:
        """The matching LSOAs, ranked."""
        return self.table[self.table["matched"]].sort_values("rank").reset_index(drop=True)

    @property
    def not_compared(self) -> pd.DataFrame:
        """The area's 2011 LSOAs split or redrawn in 2021 (no value for the rule's 2021 indicators; empty otherwise)."""
        if "lsoa_change" not in self.table:
            return self.table.iloc[0:0][["area_code", "area_name"]].assign(lsoa_change=pd.Series(dtype="str"))
        lost = self.table[~self.table["lsoa_change"].isin(CARRIED_CHANGES)]
        return lost[["area_code", "area_name", "lsoa_change"]].reset_index(drop=True)

    @property
    def verdicts(self) -> pd.Series:
        """Per row of ``table``: ``match``, ``other`` or ``not_compared`` (keys of :data:`VERDICT_WORDS`).

        ``not_compared``: no match, and split or redrawn in 2021, so a 2021 term could not be
        tested (an LSOA matched through another term of an ``or`` is a ``match``).
        """
        verdict = self.table["matched"].map({True: "match", False: "other"}).astype("str")
        if "lsoa_change" in self.table:
            lost = ~self.table["lsoa_change"].isin(CARRIED_CHANGES) & ~self.table["matched"].astype(bool)
            verdict = verdict.where(~lost, "not_compared")
        return verdict


def evaluate(
    rule: Rule | str, *, within: Area | str, data_dir: Path = DATA_DIR, extra: Extra | None = None
) -> TargetResult:
    """Run ``rule`` over the LSOAs of ``within`` (an :class:`Area`, a code, or ``"england"``).

    Matches are ranked worst first on the rule's indicators in the order they are
    named (each by its polarity: decile 1 before 2, the highest fuel poverty first).
    An LSOA with no value for an indicator does not meet that indicator's condition
    (counted in the notes). ``extra``: a user's LSOA columns, named in the rule by
    :func:`rule_id`.

    Raises
    ------
    RuleError
        The rule cannot be read, or names a column not held for LSOAs.
    UnknownAreaCodeError, VintageMismatchError
        The area is unknown, or has no LSOAs of the rule's set in the lookups.
    """
    parsed = parse(rule, data_dir=data_dir, extra=extra) if isinstance(rule, str) else rule
    catalogue = _terms(load_catalogue(data_dir), extra)
    user_rows = _extra_rows(extra)
    area = resolve_area(within, data_dir=data_dir) if isinstance(within, str) else within
    inds = {i: _small_area_indicator(i, catalogue) for i in parsed.indicator_ids}
    published = {i: _latest(user_rows[i]) if i in user_rows else _published(i, data_dir) for i in inds}
    lsoa_vintage = _rule_set({p[2] for p in published.values()})
    area = _nesting(area, lsoa_vintage, data_dir)
    cols = {i: _column(ind, lsoa_vintage, data_dir, published[i]) for i, ind in inds.items()}

    table = _lsoas_in(area, lsoa_vintage, data_dir)
    notes: list[str] = [c.note for c in cols.values() if c.note]
    through_lookup = [i for i, c in cols.items() if c.lsoa_vintage == "2021" and lsoa_vintage == "2011"]
    lost = table.iloc[0:0]
    if through_lookup:
        table["lsoa_change"] = table["area_code"].map(_lsoa11_changes(data_dir)["change"]).astype("str")
        lost = table[~table["lsoa_change"].isin(CARRIED_CHANGES)]
        merged = int((table["lsoa_change"] == "M").sum())
        notes.insert(0, (
            f"The rule mixes 2021 and 2011 LSOAs, so it runs on the area's {len(table):,} 2011 LSOAs (where people "
            f"are counted), with {', '.join(through_lookup)} carried through the derived LSOA 2011-2021 lookup: "
            f"{int((table['lsoa_change'] == 'U').sum()):,} unchanged, {merged:,} inside a merged 2021 LSOA (its "
            f"value), {len(lost):,} split or redrawn in 2021 not compared (no value)."
        ))
    for i, col in cols.items():
        table[i] = table["area_code"].map(col.values).astype("float64")
        missing = int(table[i].isna().sum()) - (len(lost) if i in through_lookup else 0)
        if missing > 0:
            notes.append(f"{missing} of the area's LSOAs have no value for {i}; they do not meet its condition.")
    population, pop_period = _population(lsoa_vintage, data_dir)
    for column in POPULATION_COLUMNS:
        table[column] = table["area_code"].map(population[column]) if population is not None else np.nan
    carried_people = population is not None and "pop_note" in population
    if carried_people:
        assert population is not None
        table["pop_note"] = table["area_code"].map(population["pop_note"]).astype("str")
        absent = table["pop_total"].isna() & table["pop_note"].isna()
        table.loc[absent, "pop_note"] = "not counted: not in the derived LSOA 2011-2021 lookup"
        uncounted = int(table["pop_total"].isna().sum())
        notes.append(
            f"People on 2021 LSOAs come from the ONS mid-{pop_period} estimates on 2011 LSOAs through the derived "
            "LSOA 2011-2021 lookup (unchanged: its 2011 LSOA's people; merged: the sum of its whole 2011 LSOAs); "
            f"{uncounted:,} of the area's {len(table):,} LSOAs, split or redrawn in 2021, are not counted "
            "(never divided; see pop_note)."
        )
    elif population is None:
        notes.append(
            "People are not counted for 2021 LSOAs: the ONS small-area population estimates the atlas holds "
            "are on 2011 LSOAs, and the LSOA 2011-2021 lookup is not built "
            "(`python -m geo build --only lsoa_change`)."
        )
    table["matched"] = mask(parsed.expr, table).to_numpy() if not table.empty else pd.Series(dtype=bool)
    table["rank"] = _ranks(table, [cols[i].indicator for i in parsed.indicator_ids])

    matched = table[table["matched"]]
    counted = population is not None
    totals = Totals(
        lsoas=len(matched),
        area_lsoas=len(table),
        pop_total=float(matched["pop_total"].sum()) if counted else None,
        pop_0_4=float(matched["pop_0_4"].sum()) if counted else None,
        pop_0_15=float(matched["pop_0_15"].sum()) if counted else None,
        pop_65_plus=float(matched["pop_65_plus"].sum()) if counted else None,
        area_pop_total=float(table["pop_total"].sum()) if counted else None,
        population_period=pop_period,
        counted_lsoas=int(matched["pop_total"].notna().sum()) if counted else None,
        area_counted_lsoas=int(table["pop_total"].notna().sum()) if counted else None,
        population_route=PEOPLE_ROUTE if carried_people else "",
    )
    people_edition = f"population: ONS LSOA mid-year estimates, mid-{pop_period}, 2011 LSOAs" + (
        f", {PEOPLE_ROUTE} (unchanged: its 2011 LSOA's people; merged: the sum of its whole 2011 LSOAs; split or "
        "redrawn: not counted)" if carried_people else "")
    editions = tuple(
        f"{i}: {c.indicator.edition or c.indicator.source.dataset}, period {c.period}, "
        f"{c.lsoa_vintage} LSOAs ({c.indicator.source.publisher})"
        for i, c in cols.items()
    ) + ((people_edition,) if counted else ())
    editions = tuple(
        e + (" through the atlas's derived LSOA 2011-2021 lookup onto 2011 LSOAs (unchanged: own value; merged: the "
             "merged area's value; split or redrawn: not compared)" if e.split(":", 1)[0] in through_lookup else "")
        for e in editions
    )
    return TargetResult(parsed, area, lsoa_vintage, table, totals, editions, tuple(notes))


def _ranks(table: pd.DataFrame, inds: list[Indicator]) -> pd.Series:
    matched = table[table["matched"]]
    if matched.empty:
        return pd.Series(pd.NA, index=table.index, dtype="Int64")
    keys = []
    for ind in reversed(inds):  # np.lexsort's last key is the primary one
        values = matched[ind.indicator_id].to_numpy(dtype="float64")
        # Worst first: high values when lower is better; low values (decile 1, rank 1) otherwise.
        worst_first = -values if ind.polarity == "lower_is_better" else values
        keys.append(np.where(np.isnan(worst_first), np.inf, worst_first))
    keys.insert(0, matched["area_code"].to_numpy())  # ties broken by code, for a stable order
    order = np.lexsort(keys)
    ranks = pd.Series(pd.NA, index=table.index, dtype="Int64")
    ranks.loc[matched.index[order]] = np.arange(1, len(order) + 1)
    return ranks


@lru_cache(maxsize=2)
def _population_table(data_dir: Path) -> tuple[pd.DataFrame, str]:
    period = None
    frames = {}
    for column in POPULATION_COLUMNS:
        rows = indicators.load(column, level="lsoa", vintage="2011", data_dir=data_dir)
        latest = sorted(rows["period"].unique())[-1]
        period = latest if period is None else min(period, latest)
        frames[column] = rows
    assert period is not None
    out = pd.DataFrame(
        {c: f[f["period"] == period].set_index("area_code")["value"] for c, f in frames.items()}
    )
    return out, str(period)


@lru_cache(maxsize=2)
def _population_2021(data_dir: Path) -> tuple[pd.DataFrame, str] | None:
    lookup = lsoa11_lookup(data_dir)
    if lookup.empty:
        return None
    population, period = _population_table(data_dir)
    return people_2021(population, lookup), period


def lsoa_people(lsoa_vintage: str, *, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame | None, str | None]:
    """People per LSOA of ``lsoa_vintage`` (:data:`POPULATION_COLUMNS`; on 2021 LSOAs with ``pop_note``,
    carried through the derived lookup as :func:`people_2021` says) and their mid-year; ``(None, None)`` if not held.
    """
    return _population(lsoa_vintage, data_dir)


def _population(lsoa_vintage: str, data_dir: Path) -> tuple[pd.DataFrame | None, str | None]:
    """The people per LSOA of the rule's set and their mid-year; on 2021 LSOAs with ``pop_note``."""
    if lsoa_vintage == "2011":
        return _population_table(data_dir)
    carried = _population_2021(data_dir)
    return (None, None) if carried is None else carried


def changes_2021(lookup: pd.DataFrame) -> pd.DataFrame:
    """Per 2021 LSOA of a 2011-2021 lookup: ``change`` (U/M/S/X; X if its rows disagree) and its ``lsoa11_codes``."""
    per = lookup.groupby("lsoa21_code").agg(
        change=("change", "first"), kinds=("change", "nunique"), lsoa11_codes=("lsoa11_code", lambda s: tuple(sorted(s)))
    )
    per["change"] = per["change"].where(per["kinds"] == 1, "X")
    return per.drop(columns="kinds")


def people_2021(population: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """2011-LSOA ``population`` (:data:`POPULATION_COLUMNS`, by 2011 code) on the 2021 LSOAs of ``lookup``.

    Unchanged (U): its 2011 LSOA's people; merged (M): the sum of its whole 2011 LSOAs,
    missing if any of them is; split (S) or redrawn (X): missing, never divided.
    ``pop_note`` says how each 2021 LSOA was counted (empty for an unchanged one).

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["a", "b", "b", "c", "d"], "lsoa21_code": ["a", "b1", "b2", "cd", "cd"],
    ...                        "change": ["U", "S", "S", "M", "M"]})
    >>> people = pd.DataFrame({c: [10.0, 20.0, 30.0, 40.0] for c in POPULATION_COLUMNS}, index=list("abcd"))
    >>> people_2021(people, lookup)["pop_total"].to_dict()
    {'a': 10.0, 'b1': nan, 'b2': nan, 'cd': 70.0}
    """
    per = changes_2021(lookup)
    columns = list(POPULATION_COLUMNS)
    parts = per[per["change"].isin(CARRIED_CHANGES)]["lsoa11_codes"].explode()
    values = population.reindex(parts.to_numpy())[columns].set_axis(parts.index)
    grouped = values.groupby(level=0)
    whole = grouped.count().eq(grouped.size(), axis=0)  # a merged LSOA with a part missing is missing
    out = grouped.sum(min_count=1).where(whole).reindex(per.index)
    words = {
        "M": lambda codes: f"sum of the {len(codes)} whole 2011 LSOAs merged into it ({', '.join(codes)})",
        "S": lambda codes: f"not counted: split from 2011 LSOA {codes[0]} in 2021 (people are not divided)",
        "X": lambda codes: f"not counted: redrawn in 2021 from 2011 LSOA(s) {', '.join(codes)} (people are not divided)",
    }
    note = [words[k](c) if k in words else None for k, c in zip(per["change"], per["lsoa11_codes"], strict=True)]
    out["pop_note"] = pd.Series(note, index=per.index, dtype="str")
    missing = out["pop_total"].isna() & per["change"].isin(CARRIED_CHANGES)
    out.loc[missing, "pop_note"] = "not counted: no estimate held for its 2011 LSOA(s)"
    return out.astype({c: "float64" for c in columns})


# ---------------------------------------------------------------- exports
def geometries(result: TargetResult, *, data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """``result.table`` with each LSOA's boundary (EPSG:4326)."""
    shapes = boundaries.load("lsoa", result.lsoa_vintage, data_dir=data_dir)[["area_code", "geometry"]]
    merged = shapes.merge(result.table, on="area_code", how="right")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=shapes.crs)


def export_table(result: TargetResult, *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The matching LSOAs, ranked, with every column, the rule and the data editions."""
    out = result.matches.drop(columns="matched")
    if extra is not None and not extra.empty:
        out = out.merge(extra, on="area_code", how="left")
    out.insert(2, "within_code", result.area.area_code)
    out.insert(3, "within_name", result.area.area_name)
    out["lsoa_vintage"] = result.lsoa_vintage
    out["rule"] = str(result.rule)
    out["editions"] = "; ".join(result.editions)
    return _whole_numbers(out)


def _whole_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (deciles, ranks, people, metres) as integers: "1924", not "1924.0"."""
    out = table.copy()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_float_dtype(col) and col.notna().any():
            held = col.dropna()
            if bool(((held % 1) == 0).all()) and bool((held.abs() < 2**53).all()):
                out[name] = col.astype("Int64")
    return out


def to_csv(result: TargetResult, *, extra: pd.DataFrame | None = None) -> str:
    """CSV text of :func:`export_table`."""
    return str(export_table(result, extra=extra).to_csv(index=False, lineterminator="\n"))


def to_geojson(result: TargetResult, *, extra: pd.DataFrame | None = None, data_dir: Path = DATA_DIR) -> str:
    """GeoJSON text of :func:`export_table` with boundaries; the rule and editions also at the top."""
    table = export_table(result, extra=extra)
    shapes = boundaries.load("lsoa", result.lsoa_vintage, data_dir=data_dir)[["area_code", "geometry"]]
    gdf = gpd.GeoDataFrame(table.merge(shapes, on="area_code", how="left"), geometry="geometry", crs=shapes.crs)
    data = json.loads(gdf.to_json(na="null", drop_id=True))
    data = {"type": "FeatureCollection", "rule": str(result.rule), "within": result.area.label,
            "lsoa_vintage": result.lsoa_vintage, "editions": list(result.editions), "features": data["features"]}
    return json.dumps(data, ensure_ascii=False)


# ---------------------------------------------------------------- command line
def _run(args: argparse.Namespace) -> int:
    import time

    started = time.perf_counter()
    result = evaluate(args.where, within=args.within)
    seconds = time.perf_counter() - started
    print(f"Rule: {result.rule}")
    print(f"Within: {result.area.label}; {result.lsoa_vintage} LSOAs")
    for sentence in result.totals.sentences():
        print(sentence)
    for note in result.notes:
        print(f"Note: {note}")
    lost = result.not_compared
    if not lost.empty:
        print(f"Not compared ({len(lost):,} 2011 LSOAs split or redrawn in 2021, no value for the 2021 indicators): "
              + ", ".join(f"{c} ({CHANGE_WORDS[k]})" for c, k in zip(lost["area_code"], lost["lsoa_change"], strict=True)))
    if args.out is not None:
        out = Path(args.out)
        if out.suffix.lower() == ".csv":
            out.write_text(to_csv(result), encoding="utf-8")
        elif out.suffix.lower() in (".geojson", ".json"):
            out.write_text(to_geojson(result), encoding="utf-8")
        else:
            raise UploadError(f"--out {out} should end in .csv or .geojson; got {out.suffix or 'no extension'}.")
        print(f"Wrote {result.totals.lsoas} LSOAs to {out}")
    print(f"Evaluated in {seconds:.2f} s", file=sys.stderr)
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``python -m geo target --within CODE --where RULE [--out FILE]``."""
    p = sub.add_parser(
        "target",
        help="pick the small areas (LSOAs) that meet a rule",
        description="Pick the LSOAs of an area that meet a rule over small-area indicators, e.g. "
        '--where "imd2019_imd_decile <= 2 and imd2019_idaci_decile <= 2". Presets: '
        + "; ".join(f"{k}: {v}" for k, v in PRESETS.items()),
    )
    p.add_argument("--within", required=True, help="an area code of any vintage (LA, upper tier, PCT, region) or 'england'")
    p.add_argument("--where", required=True, help="the rule, in quotes")
    p.add_argument("--out", default=None, help="write the matching LSOAs to a .csv or .geojson file")
    p.set_defaults(run=_run)

