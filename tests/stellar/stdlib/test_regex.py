"""REGEXP_MATCH, REGEXP_GROUP_VAL and REGEXP_REPLACE."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import Char, JavaSet

VARS: dict[str, Any] = {
    "digits": "8675309",
    "digit_pattern": "\\d(\\d)(\\d)\\d*",
    "no_groups": "\\d{3}.*",
    "word": "metron",
    "word_pattern": "[a-z]+",
    "empty": "",
    "nothing": None,
    "number": 42,
    "char": Char("x"),
    "patterns": JavaSet(["\\d+", "[a-z]+"]),
}


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, VARS if variables is None else variables)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("REGEXP_MATCH(digits, digit_pattern)", True),
        ("REGEXP_MATCH(word, digit_pattern)", False),
        ("REGEXP_MATCH(word, [digit_pattern, word_pattern])", True),
        ("REGEXP_MATCH(word, [digit_pattern])", False),
        ("REGEXP_MATCH(word, [digit_pattern, digit_pattern])", False),
        ("REGEXP_MATCH(word, patterns)", True),
        ("REGEXP_MATCH(nothing, [digit_pattern])", False),
        ("REGEXP_MATCH(word, nothing)", False),
        ("REGEXP_MATCH(word, [null])", False),
        ("REGEXP_MATCH(word, [null, word_pattern])", True),
        ("REGEXP_MATCH(word, [word_pattern, '('])", True),  # stops at the first match
        ("REGEXP_MATCH(word, [])", False),
        ("REGEXP_MATCH('abc', 'b')", False),  # the whole string must match
        ("REGEXP_MATCH('abc', '.*b.*')", True),
        ("REGEXP_MATCH('', '')", True),
        ("REGEXP_MATCH('42', [42])", True),  # list entries are toString()ed
        ("REGEXP_MATCH(word, 42)", False),  # neither a string nor a list
        ("REGEXP_MATCH(word, {'a': 1})", False),
        ("REGEXP_MATCH(word, char)", False),  # a Character is not a String
        ("REGEXP_MATCH('ABC', '(?i)abc')", True),
        ("REGEXP_MATCH('caf\u00e9', '\\\\w+')", False),  # Java's \w is ASCII
        ("REGEXP_MATCH('caf\u00e9', '\\\\p{L}+')", True),
        ("REGEXP_MATCH('a\\nb', 'a.b')", False),
        ("REGEXP_MATCH('a\\nb', '(?s)a.b')", True),
        ("REGEXP_MATCH('x', 'x', 'ignored')", True),
    ],
)
def test_regexp_match(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("REGEXP_GROUP_VAL(digits, digit_pattern, 2)", "7"),
        ("REGEXP_GROUP_VAL(digits, digit_pattern, 1)", "6"),
        ("REGEXP_GROUP_VAL(digits, digit_pattern, '2')", "7"),  # converted to an Integer
        ("REGEXP_GROUP_VAL(digits, digit_pattern, 2.9)", "7"),
        ("REGEXP_GROUP_VAL(digits, digit_pattern, 3)", None),
        ("REGEXP_GROUP_VAL(word, digit_pattern, 2)", None),
        ("REGEXP_GROUP_VAL(empty, digit_pattern, 2)", None),
        ("REGEXP_GROUP_VAL(digits, no_groups, 2)", None),
        ("REGEXP_GROUP_VAL(digits, no_groups, -1)", None),
        ("REGEXP_GROUP_VAL(digits, digit_pattern, 0)", "8675309"),
        ("REGEXP_GROUP_VAL(word, digit_pattern, 0)", "metron"),  # even without a match
        ("REGEXP_GROUP_VAL(nothing, digit_pattern, 0)", None),
        ("REGEXP_GROUP_VAL(digits, nothing, 0)", "8675309"),
        ("REGEXP_GROUP_VAL(digits, nothing, 1)", None),
        ("REGEXP_GROUP_VAL(nothing, digit_pattern, 1)", None),
        ("REGEXP_GROUP_VAL(digits, digit_pattern, 'two')", None),
        ("REGEXP_GROUP_VAL(digits, digit_pattern, null)", None),
        ("REGEXP_GROUP_VAL('ab', '(a)(x)?b', 2)", None),  # the group did not take part
        ("REGEXP_GROUP_VAL('k=v', '(?<key>\\\\w)=(?<value>\\\\w)', 2)", "v"),
    ],
)
def test_regexp_group_val(expression: str, expected: str | None) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("REGEXP_REPLACE(empty, digit_pattern, word)", None),
        ("REGEXP_REPLACE(nothing, digit_pattern, word)", None),
        ("REGEXP_REPLACE(digits, empty, empty)", "8675309"),
        ("REGEXP_REPLACE(digits, empty, word)", "8675309"),
        ("REGEXP_REPLACE(digits, digit_pattern, empty)", "8675309"),  # no replacing with ''
        ("REGEXP_REPLACE(digits, nothing, word)", "8675309"),
        ("REGEXP_REPLACE(digits, digit_pattern, nothing)", "8675309"),
        ("REGEXP_REPLACE(digits, digit_pattern, word)", "metron"),
        ("REGEXP_REPLACE(word, digit_pattern, digits)", "metron"),
        ("REGEXP_REPLACE('a1b22', '\\\\d+', '#')", "a#b#"),  # every match, not just the first
        ("REGEXP_REPLACE('2020-05-22', '(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')", "22/05/2020"),
        ("REGEXP_REPLACE('k=v', '(?<k>\\\\w)=(?<v>\\\\w)', '${v}=${k}')", "v=k"),
        ("REGEXP_REPLACE('cost', 'cost', '\\\\$5')", "$5"),
        ("REGEXP_REPLACE('abc', 'x', '$7')", "abc"),  # without a match the value is unread
        ("REGEXP_REPLACE('x', 'x*?', '-')", "-x-"),
        ("REGEXP_REPLACE('a b', ' ', '\\\\\\\\')", "a\\b"),
    ],
)
def test_regexp_replace(expression: str, expected: str | None) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "REGEXP_MATCH(word)",
        "REGEXP_MATCH()",
        "REGEXP_MATCH(number, word_pattern)",  # (String) cast of a non-string
        "REGEXP_MATCH(char, word_pattern)",
        "REGEXP_MATCH(word, '[a-')",  # a pattern Java rejects
        "REGEXP_MATCH(word, [digit_pattern, '('])",
        "REGEXP_GROUP_VAL(2) == null",
        "REGEXP_GROUP_VAL(digits, digit_pattern)",
        "REGEXP_GROUP_VAL(digits, digit_pattern, 1, 2)",
        "REGEXP_GROUP_VAL(digits, 5, 1)",
        "REGEXP_GROUP_VAL(number, digit_pattern, 1)",
        "REGEXP_GROUP_VAL(digits, digit_pattern, -1)",
        "REGEXP_GROUP_VAL(digits, '(', 1)",
        "REGEXP_REPLACE(digits, digit_pattern)",
        "REGEXP_REPLACE(digits, digit_pattern, word, word)",
        "REGEXP_REPLACE(number, digit_pattern, word)",
        "REGEXP_REPLACE(digits, digit_pattern, number)",
        "REGEXP_REPLACE(digits, digit_pattern, '$9')",  # no group 9
        "REGEXP_REPLACE(digits, digit_pattern, '${name}')",
        "REGEXP_REPLACE(digits, '\\\\d', '\\\\')",
        "REGEXP_REPLACE(digits, '\\\\p{IsLatin}', 'x')",  # unsupported here
    ],
)
def test_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_empty_pattern_skips_type_checks_in_order() -> None:
    # Java casts all three arguments first, then tests for emptiness.
    with pytest.raises(stellar.StellarError):
        ev("REGEXP_REPLACE('', 5, 'x')")
    assert ev("REGEXP_REPLACE('', 'x', null)") is None


_TEXT = st.text(alphabet="ab01 ()[]\\$.*+?{}|^-\n\u00e9", max_size=10)


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT, _TEXT)
def test_random_arguments_raise_only_stellar_errors(text: str, pattern: str, value: str) -> None:
    variables = {"t": text, "p": pattern, "v": value}
    for expression in (
        "REGEXP_MATCH(t, p)",
        "REGEXP_MATCH(t, [p, v])",
        "REGEXP_GROUP_VAL(t, p, 1)",
        "REGEXP_REPLACE(t, p, v)",
    ):
        with contextlib.suppress(stellar.StellarError):
            stellar.evaluate(expression, variables)
