"""The rule language of small-area targeting: its grammar, its parser and its tree.

A rule is data, never code. Its text is read by a small hand-written tokenizer and
recursive-descent parser into a frozen tree (:class:`Condition`, :class:`All`,
:class:`Any`); :func:`geo.target.evaluate` runs it with pandas boolean masks over an
area's LSOAs. Nothing a user types reaches ``eval``, ``DataFrame.query`` or SQL.

The grammar (keywords in any case)::

    rule       := either
    either     := both ("or" both)*
    both       := term ("and" term)*
    term       := "(" either ")" | condition | worst
    condition  := INDICATOR_ID OPERATOR NUMBER
    worst      := INDICATOR_ID "in" "worst" NUMBER "%"
    OPERATOR   := "<=" | "<" | ">=" | ">" | "=" | "==" | "!=" | "≤" | "≥" | "≠"

Terms are the catalogue's small-area indicator ids; numbers are in the unit the
catalogue gives (deciles 1-10, ranks, scores, proportions 0-1 or percentages), and
finite (``1e309``, ``inf`` and ``nan`` are refused). Parentheses nest at most
:data:`MAX_DEPTH` deep, so no rule can exhaust the parser's recursion.

``worst`` ranks within the area the rule runs in (:class:`Worst`): ``iod19_overcrowding
in worst 20%`` holds for the fifth of the area's small areas that rank worst on the
indicator (by its polarity), for a threshold that selects every small area of an area.

Extra columns (a user's upload) are data too: each is an :class:`Indicator` and
its values on LSOAs, reached in a rule by an id that the grammar reads
(:func:`rule_id`), checked like every other term (:func:`terms`).

Every message says at which character a rule cannot be read, or which term is not
a small-area indicator, and what to write instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from geo._paths import DATA_DIR
from geo.catalogue import Indicator, load_catalogue
from geo.errors import RuleError

__all__ = [
    "All",
    "Any",
    "Condition",
    "Expr",
    "Extra",
    "MAX_DEPTH",
    "NO_MATCH_HINT",
    "Op",
    "RULE_HELP",
    "RULE_PLACEHOLDER",
    "Rule",
    "Worst",
    "conditions",
    "parse",
    "rule_id",
    "small_area_indicator",
    "terms",
]

Op = Literal["<=", "<", ">=", ">", "=", "!="]

#: A user's columns offered as rule terms: ``{indicator_id: (Indicator, values in INDICATOR_COLUMNS)}``.
Extra = Mapping[str, tuple[Indicator, pd.DataFrame]]


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
class Worst:
    """``indicator_id in worst percent%``: the share of the area's small areas ranked worst on the indicator.

    Ranked within the area the rule runs in, by the indicator's polarity; small areas
    tied with the last one taken are taken too, and those with no value never are
    (:func:`geo.target.mask`).
    """

    indicator_id: str
    percent: float

    def __str__(self) -> str:
        return f"{self.indicator_id} in worst {self.percent:g}%"


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


Expr = Condition | Worst | All | Any


@dataclass(frozen=True)
class Rule:
    """A parsed rule: the text as typed and its tree."""

    text: str
    expr: Expr

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """The indicators named, in order of first appearance."""
        seen: dict[str, None] = {}
        for cond in conditions(self.expr):
            seen.setdefault(cond.indicator_id, None)
        return tuple(seen)

    def __str__(self) -> str:
        return str(self.expr)


def conditions(expr: Expr) -> Iterator[Condition | Worst]:
    """The rule's conditions, left to right."""
    if isinstance(expr, Condition | Worst):
        yield expr
    else:
        for part in expr.parts:
            yield from conditions(part)


# ---------------------------------------------------------------- tokenizer and parser
_TOKEN = re.compile(
    r"\s*(?:(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_])"
    r"|[-+](?i:inf(?:inity)?|nan)(?![A-Za-z0-9_]))"  # signed: read as a number, to be refused as not finite
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|<|>|=|≤|≥|≠)"
    r"|(?P<paren>[()])"
    r"|(?P<percent>%))"
)
_KEYWORDS: Final = frozenset({"and", "or"})
#: Names Python's float() reads as infinity or not-a-number; where a number is expected they are refused.
_NOT_FINITE: Final = frozenset({"inf", "infinity", "nan"})
#: Typed signs read as the grammar's operators.
_SIGNS: Final[dict[str, Op]] = {"==": "=", "≤": "<=", "≥": ">=", "≠": "!="}
#: How deep parentheses may nest; ample for any rule a person writes, far below Python's recursion limit.
MAX_DEPTH: Final = 32
# Rule examples in messages, help and placeholders are written between backticks; tests parse every one.
_GROUPED: Final = "`imd2019_imd_decile <= 2 and (imd2019_idaci_decile <= 2 or imd2019_income_decile <= 2)`"
_WORST: Final = "`imd2019_wider_barriers_rank in worst 20%`"
_HINT: Final = f"Write conditions such as `imd2019_imd_decile <= 2`, joined with and / or, with ( ) to group: {_GROUPED}."
#: The rule box's help on the page (Markdown; every example in it parses).
RULE_HELP: Final = (
    "Conditions such as `imd2019_imd_decile <= 2` (typed as ≤ or <=), joined with and / or, "
    f"grouped with ( ): {_GROUPED}. Terms are the catalogue's indicator ids; numbers are in the indicator's own "
    f"unit. To rank within the area instead of using a threshold: {_WORST} takes the worst fifth of its small areas."
)
#: The rule box's placeholder (plain text, shown when the box is empty).
RULE_PLACEHOLDER: Final = "e.g. imd2019_imd_decile <= 2 and imd2019_idaci_decile <= 2"
#: What to try when no small area meets a rule (Markdown).
NO_MATCH_HINT: Final = ("Loosen a condition (e.g. `imd2019_imd_decile <= 3`), join conditions with or, or rank "
                        f"within the area: {_WORST}.")


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, keyword, op, paren, percent, end
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
        self.depth = 0

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
            if self.depth == MAX_DEPTH:
                raise RuleError(
                    f"Cannot read the rule at character {tok.at + 1} ({_near(self.text, tok.at)}): parentheses "
                    f"nested more than {MAX_DEPTH} levels deep; expected at most {MAX_DEPTH}. Remove the extra "
                    f"( ): one pair groups conditions, as in {_GROUPED}."
                )
            self.take()
            self.depth += 1
            inner = self.either()
            self.depth -= 1
            close = self.take()
            if not (close.kind == "paren" and close.text == ")"):
                raise self.fail(close, "')' to close the '(' at character " + str(tok.at + 1))
            return inner
        return self.condition()

    def condition(self) -> Condition | Worst:
        name = self.take()
        if name.kind != "name":
            raise self.fail(name, "an indicator id, as in `imd2019_imd_decile <= 2`")
        op = self.take()
        if op.kind == "name" and op.text.lower() == "in":
            return self.worst(name)
        if op.kind != "op":
            raise self.fail(op, f"a comparison (<=, <, >=, >, =, !=, ≤, ≥, ≠) or 'in worst' after {name.text!r}")
        number = self.take()
        if number.kind == "name" and number.text.lower() in _NOT_FINITE:
            raise self.not_finite(number)
        if number.kind != "number":
            raise self.fail(number, f"a number after {name.text} {op.text}")
        value = float(number.text)
        if not math.isfinite(value):
            raise self.not_finite(number)
        symbol: Op = _SIGNS.get(op.text, op.text)  # type: ignore[arg-type]  # the op regex admits only these
        return Condition(name.text.lower(), symbol, value)

    def worst(self, name: _Token) -> Worst:
        """The rest of ``NAME in worst NUMBER %`` (``in`` already read)."""
        example = f"(as in {_WORST})"
        word = self.take()
        if not (word.kind == "name" and word.text.lower() == "worst"):
            raise self.fail(word, f"'worst' after '{name.text} in' {example}")
        number = self.take()
        if number.kind == "name" and number.text.lower() in _NOT_FINITE:
            raise self.not_finite(number)
        if number.kind != "number":
            raise self.fail(number, f"a percentage after '{name.text} in worst' {example}")
        value = float(number.text)
        if not math.isfinite(value):
            raise self.not_finite(number)
        sign = self.take()
        if sign.kind != "percent":
            raise self.fail(sign, f"'%' after '{name.text} in worst {number.text}' {example}")
        if not 0 < value <= 100:
            raise RuleError(
                f"Cannot read the rule at character {number.at + 1} ({_near(self.text, number.at)}): the worst "
                f"{number.text}% is not a share of the area's small areas; expected a percentage above 0 and at "
                f"most 100 {example}."
            )
        return Worst(name.text.lower(), value)

    def not_finite(self, tok: _Token) -> RuleError:
        return RuleError(
            f"Cannot read the rule at character {tok.at + 1} ({_near(self.text, tok.at)}): {tok.text!r} is not a "
            "finite number; expected an ordinary number (at most about 1.8e308 either side of 0), "
            "as in `imd2019_imd_decile <= 2`."
        )


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
        catalogue = terms(load_catalogue(data_dir), extra)
        for indicator_id in rule.indicator_ids:
            small_area_indicator(indicator_id, catalogue)
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


def terms(catalogue: dict[str, Indicator], extra: Extra | None) -> dict[str, Indicator]:
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


def small_area_indicator(indicator_id: str, catalogue: dict[str, Indicator]) -> Indicator:
    """The catalogue's record of a rule term, refusing an id not held or not held for small areas (LSOAs)."""
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
            "a rule's terms must be small-area indicators, as in `imd2019_imd_decile <= 2`."
        )
    return ind
