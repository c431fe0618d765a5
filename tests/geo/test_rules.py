"""The rule language: the tokenizer and parser on tiny rules, terms checked against the catalogue, rule ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import RuleError
from geo.rules import All, Any, Condition, Expr, Worst, parse, rule_id


# ---------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a <= 2", Condition("a", "<=", 2.0), id="one-condition"),
        pytest.param("A==3", Condition("a", "=", 3.0), id="double-equals-and-case"),
        pytest.param("a >= -0.5", Condition("a", ">=", -0.5), id="negative-decimal"),
        pytest.param("a < 1 AND b > 2", All((Condition("a", "<", 1.0), Condition("b", ">", 2.0))), id="and"),
        pytest.param(
            "a < 1 or b > 2 and c != 3",
            Any((Condition("a", "<", 1.0), All((Condition("b", ">", 2.0), Condition("c", "!=", 3.0))))),
            id="and-binds-tighter-than-or",
        ),
        pytest.param(
            "(a < 1 or b > 2) and c = 3",
            All((Any((Condition("a", "<", 1.0), Condition("b", ">", 2.0))), Condition("c", "=", 3.0))),
            id="parentheses-group",
        ),
        pytest.param("a in worst 20%", Worst("a", 20.0), id="worst-share"),
        pytest.param("A IN Worst 12.5 %", Worst("a", 12.5), id="worst-any-case-and-spacing"),
        pytest.param("b <= 3 and a in worst 100%", All((Condition("b", "<=", 3.0), Worst("a", 100.0))),
                     id="worst-joined"),
    ],
)
def test_parse_builds_the_tree(text: str, expected: Expr) -> None:
    assert parse(text, data_dir=None).expr == expected


def test_printed_rule_parses_back_to_the_same_tree() -> None:
    rule = parse("(a < 1 or b > 2) and c = 3 or d <= 1e3 or e in worst 20%", data_dir=None)
    assert parse(str(rule), data_dir=None).expr == rule.expr


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("a <= ", "character 6 .*expected a number", id="number-missing"),
        pytest.param("a 2", "character 3 .*expected a comparison", id="operator-missing"),
        pytest.param("<= 2", "character 1 .*expected an indicator id", id="indicator-missing"),
        pytest.param("a < 1 b > 2", "character 7 .*expected 'and', 'or'", id="join-missing"),
        pytest.param("(a < 1", "character 7 .*expected '\\)'", id="unclosed-parenthesis"),
        pytest.param("a < 1; drop", "character 6 .*';' is not part of the rule language", id="stray-character"),
        pytest.param("__import__('os') < 1", "character 12 ", id="python-is-not-a-rule"),
        pytest.param("a < 1 and", "the end of the rule", id="dangling-and"),
        pytest.param("a in best 20%", "character 6 .*expected 'worst'", id="worst-misspelt"),
        pytest.param("a in worst 20", "character 14 .*expected '%'", id="worst-without-percent"),
        pytest.param("a in worst %", "character 12 .*expected a percentage", id="worst-without-number"),
        pytest.param("a in worst 0%", "character 12 .*above 0 and at most 100", id="worst-nothing"),
        pytest.param("a in worst 120%", "character 12 .*above 0 and at most 100", id="worst-more-than-all"),
    ],
)
def test_malformed_rules_say_where(text: str, where: str) -> None:
    with pytest.raises(RuleError, match=where):
        parse(text, data_dir=None)


def test_long_rules_are_refused() -> None:
    with pytest.raises(RuleError, match="at most 2,000"):
        parse("a < 1 or " * 300 + "a < 1", data_dir=None)


# ---------------------------------------------------------------- terms on the committed catalogue
def test_unknown_and_non_small_area_terms_are_refused(data_dir) -> None:
    with pytest.raises(RuleError, match="Did you mean imd2019_imd_decile"):
        parse("imd2019_imd_decil <= 2", data_dir=data_dir)
    with pytest.raises(RuleError, match="not held for small areas"):
        parse("le_birth < 75", data_dir=data_dir)


# ---------------------------------------------------------------- a user's column ids
@pytest.mark.parametrize(
    ("indicator_id", "expected"),
    [
        pytest.param("upload:1:Fuel poor %", "upload_1_fuel_poor", id="upload-id"),
        pytest.param("ALREADY_fine", "already_fine", id="lower-cased"),
    ],
)
def test_rule_ids_are_names_the_grammar_reads(indicator_id: str, expected: str) -> None:
    assert rule_id(indicator_id) == expected
    assert parse(f"{expected} > 1", data_dir=None).indicator_ids == (expected,)


@pytest.mark.parametrize("indicator_id", [pytest.param("%%%", id="nothing-left"), pytest.param("and", id="keyword"),
                                          pytest.param("9lives", id="starts-with-a-digit")])
def test_unreadable_column_ids_are_refused(indicator_id: str) -> None:
    with pytest.raises(RuleError, match="Rename the column"):
        rule_id(indicator_id)


# ---------------------------------------------------------------- hostile and unusual rules
def _nested(depth: int) -> str:
    return "(" * depth + "a <= 2" + ")" * depth


def test_nesting_up_to_the_limit_parses() -> None:
    assert parse(_nested(32), data_dir=None).expr == Condition("a", "<=", 2.0)


@pytest.mark.parametrize("depth", [pytest.param(33, id="one-too-deep"), pytest.param(331, id="331-levels-under-the-length-cap")])
def test_deep_nesting_is_one_rule_error_naming_where_and_the_limit(depth: int) -> None:
    text = _nested(depth)
    assert len(text) <= 2000
    with pytest.raises(RuleError, match=r"at character 33 .*nested more than 32 levels deep") as caught:
        parse(text, data_dir=None)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "token", "at"),
    [
        pytest.param("a <= 1e309", "1e309", 6, id="overflows-to-infinity"),
        pytest.param("a > -1e400", "-1e400", 5, id="overflows-to-minus-infinity"),
        pytest.param("a < 1 and b <= inf", "inf", 16, id="inf"),
        pytest.param("a = NaN", "NaN", 5, id="nan"),
        pytest.param("a >= -Infinity", "-Infinity", 6, id="minus-infinity"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(text: str, token: str, at: int) -> None:
    with pytest.raises(RuleError, match=rf"^Cannot read the rule at character {at} .*: {token!r} is not a finite number"):
        parse(text, data_dir=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a ≤ 2", Condition("a", "<=", 2.0), id="less-or-equal-sign"),
        pytest.param("a≥0.5", Condition("a", ">=", 0.5), id="greater-or-equal-sign"),
        pytest.param("a ≠ 3", Condition("a", "!=", 3.0), id="not-equal-sign"),
    ],
)
def test_typographic_comparison_signs_are_read(text: str, expected: Condition) -> None:
    rule = parse(text, data_dir=None)
    assert rule.expr == expected and parse(str(rule), data_dir=None).expr == expected


def _messages(data_dir: Path) -> list[str]:
    """The message of every RuleError the rule language raises, one trigger each."""
    from geo.catalogue import load_catalogue
    from geo.rules import terms

    out: list[str] = []
    for text in ("", "a <= ", "a 2", "<= 2", "a < 1 b > 2", "(a < 1", "a < 1; drop", "a < 1 and", "a <= 1e309",
                 "a <= inf", _nested(40), "a < 1 or " * 300 + "a < 1", "a in best 20%", "a in worst 20",
                 "a in worst %", "a in worst 0%", "a in worst inf%"):
        with pytest.raises(RuleError) as caught:
            parse(text, data_dir=None)
        out.append(str(caught.value))
    for text in ("imd2019_imd_decil <= 2", "le_birth < 75", "upload_1_x > 1"):
        with pytest.raises(RuleError) as caught:
            parse(text, data_dir=data_dir)
        out.append(str(caught.value))
    with pytest.raises(RuleError) as caught:
        rule_id("%%%")
    out.append(str(caught.value))
    catalogue = load_catalogue(data_dir)
    with pytest.raises(RuleError) as caught:
        terms(catalogue, {"IMD2019 IMD decile": (catalogue["imd2019_imd_decile"], None)})  # type: ignore[dict-item]
    out.append(str(caught.value))
    return out


# A condition as a person writes one (an id, a comparison or "in worst", a number), and a run of them
# joined with and / or and grouped with ( ): what the texts below must only ever show as a whole rule.
_COND = (r"[A-Za-z_][A-Za-z0-9_]*\s*(?:<=|>=|==|!=|≤|≥|≠|<|>|=)\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
         r"|[A-Za-z_][A-Za-z0-9_]*\s+in\s+worst\s+\d+(?:\.\d+)?\s*%")
_RULE = rf"(?:\(\s*)*(?:{_COND})(?:\s*\))*(?:\s+(?:and|or)\s+(?:\(\s*)*(?:{_COND})(?:\s*\))*)*"
#: Texts the rule's help, messages and examples are written in: every string in these modules, and the README's
#: section on the target page.
_SOURCES = ("geo/rules.py", "geo/target.py", "geo/selection.py", "ui/target.py", "cli/analysis.py", "README.md")


def _examples(text: str) -> list[str]:
    """Every rule written in ``text``: each maximal run of conditions, with unmatched parentheses trimmed."""
    import re

    out = []
    for found in re.finditer(_RULE, text, flags=re.IGNORECASE):
        example = found.group(0).strip()
        while example.count("(") > example.count(")") and example.startswith("("):
            example = example[1:].strip()
        while example.count(")") > example.count("(") and example.endswith(")"):
            example = example[:-1].strip()
        out.append(example)
    return out


def _texts(path: Path) -> list[str]:
    """The user-facing strings of a module (not its docstrings), or the README's target section."""
    import ast
    import re

    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        section = re.search(r"^### Target small areas$(.*?)(?=^#{1,3} )", source, flags=re.MULTILINE | re.DOTALL)
        assert section is not None, f"{path} has no '### Target small areas' section"
        return [section.group(1)]
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _parses(example: str, data_dir: Path) -> Expr:
    # Uploaded columns (upload_*) are named per session: their examples are checked for the grammar only.
    return parse(example, data_dir=None if "upload_" in example else data_dir).expr


def test_every_example_in_a_message_parses(data_dir: Path) -> None:
    import re

    messages = _messages(data_dir)
    examples = [e for m in messages for e in re.findall(r"`([^`]+)`", m) if not e.startswith("python -m")]
    assert len(examples) >= len(messages) // 2, messages  # examples are written between backticks
    for example in examples:
        assert parse(example, data_dir=data_dir).expr, example


@pytest.mark.parametrize("source", [pytest.param(s, id=s) for s in _SOURCES])
def test_every_rule_written_in_help_messages_and_placeholders_parses(source: str, data_dir: Path) -> None:
    from geo._paths import DATA_DIR

    root = DATA_DIR.parent
    texts = _texts(root / source)
    for example in (e for t in texts for e in _examples(t)):
        expr = _parses(example, data_dir)
        # Streamlit draws <= and >= in messages as ≤ and ≥: typed back, they mean the same.
        assert _parses(example.replace("<=", "≤").replace(">=", "≥"), data_dir) == expr, example


def test_the_page_help_placeholder_and_hints_hold_rules_that_parse(data_dir: Path) -> None:
    from geo import rules

    for text in (rules.RULE_HELP, rules.RULE_PLACEHOLDER, rules.NO_MATCH_HINT):
        examples = _examples(text)
        assert examples, text
        for example in examples:
            assert parse(example, data_dir=data_dir).expr, example
