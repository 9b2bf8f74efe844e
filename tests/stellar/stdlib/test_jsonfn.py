"""TO_JSON_OBJECT, TO_JSON_MAP and TO_JSON_LIST: Jackson's reading of JSON text."""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.jsonfn import _jackson, parse_json
from metron.stellar.types import Long, java_equals


def parse(text: str, function: str = "TO_JSON_OBJECT") -> Any:
    return stellar.evaluate(f"{function}(t)", {"t": text})


def fails(text: str, function: str = "TO_JSON_OBJECT", match: str | None = None) -> None:
    with pytest.raises(stellar.StellarError, match=match):
        parse(text, function)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"host": "web-1", "port": 443}', {"host": "web-1", "port": 443}),
        ('[ "dns", 53, true, null ]', ["dns", 53, True, None]),
        ('[{"a": "x"}, {"b": [1, {"c": 2.5}]}]', [{"a": "x"}, {"b": [1, {"c": 2.5}]}]),
        ('"just a string"', "just a string"),
        ("42", 42),
        ("-7.25", -7.25),
        ("true", True),
        ("null", None),
        ("{}", {}),
        ("[]", []),
        ('  \n\t{"a": 1}\r\n', {"a": 1}),
        ('"caf\\u00e9 \\ud83d\\ude00"', "café \U0001f600"),
        ('"\\ud800"', "\ud800"),  # a lone surrogate escape, as Java keeps it
    ],
)
def test_to_json_object(text: str, expected: Any) -> None:
    assert java_equals(parse(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("2147483647", 2147483647),
        ("-2147483648", -2147483648),
        ("2147483648", Long(2147483648)),
        ("-2147483649", Long(-2147483649)),
        ("9223372036854775807", Long(9223372036854775807)),
        ("-0", 0),
        ("1.0", 1.0),
        ("1e2", 100.0),
        ("1E-2", 0.01),
        ("-0.0", -0.0),
        ("[5, 5000000000, 5.0]", [5, Long(5000000000), 5.0]),
        ('{"n": 12345678901}', {"n": Long(12345678901)}),
    ],
)
def test_numbers_are_typed_like_jackson(text: str, expected: Any) -> None:
    result = parse(text)
    assert java_equals(result, expected), f"{result!r} != {expected!r}"


def test_numbers_beyond_long_and_double() -> None:
    big = parse("[9223372036854775808]")[0]
    assert big == 2**63 and type(big) is int  # Java's BigInteger
    assert parse("1e400") == math.inf


def test_duplicate_keys_keep_the_last_value_in_the_first_place() -> None:
    result = parse('{"a": 1, "b": 2, "a": 3}')
    assert list(result.items()) == [("a", 3), ("b", 2)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1} trailing junk', {"a": 1}),
        ("[1] [2]", [1]),
        ('"s" x', "s"),
        ("123 456", 123),
        ("123\n,", 123),
        ("true,", True),
        ("false-", False),
        ("null]", None),
    ],
)
def test_text_after_the_first_value_is_ignored(text: str, expected: Any) -> None:
    assert java_equals(parse(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "123, 456",  # a top-level number must be followed by whitespace
        "123abc",
        "1.",
        "01",
        "-",
        "+1",
        ".5",
        "truex",
        "true1",
        "nullified",
        "true$",
        '{"a": 1',
        "{'a': 1}",
        '{"a": 1,}',
        "[1,]",
        "[1 2]",
        "{a: 1}",
        "NaN",
        "[NaN]",
        "Infinity",
        "-Infinity",
        "/* comment */ 1",
        "# comment\n1",
        "   ",
        '"tab\tinside"',
        '"bad \\x escape"',
        "[" * 100_000,
    ],
)
def test_invalid_json(text: str) -> None:
    fails(text, match="Valid JSON string not supplied")


@pytest.mark.parametrize("function", ["TO_JSON_OBJECT", "TO_JSON_MAP", "TO_JSON_LIST"])
def test_null_empty_and_non_strings(function: str) -> None:
    assert stellar.evaluate(f"{function}(null)") is None
    assert stellar.evaluate(f"{function}('')") == ""
    assert parse("null", function) is None
    for argument in ("1", "['{}']", "{'a': 1}", "true"):
        with pytest.raises(stellar.StellarError, match="cannot be cast"):
            stellar.evaluate(f"{function}({argument})")
    with pytest.raises(stellar.StellarError):
        stellar.evaluate(f"{function}()")


def test_to_json_map() -> None:
    assert parse('{"user": "root", "groups": ["wheel"]}', "TO_JSON_MAP") == {
        "user": "root",
        "groups": ["wheel"],
    }
    assert parse('{"a": 1} rest', "TO_JSON_MAP") == {"a": 1}
    for text in ("[1, 2]", '"text"', "7", "true", '[{"a": 1}]'):
        fails(text, "TO_JSON_MAP", match="expected a map")
    fails('{"a": ', "TO_JSON_MAP", match="is not a valid JSON string")


def test_to_json_list() -> None:
    assert parse('["a", {"b": 2}]', "TO_JSON_LIST") == ["a", {"b": 2}]
    for text in ('{"a": 1}', '"text"', "7", "false"):
        fails(text, "TO_JSON_LIST", match="expected a list")
    fails("[1, 2", "TO_JSON_LIST", match="is not a valid JSON string")


def test_results_are_fresh_values() -> None:
    expression = stellar.compile("""TO_JSON_MAP('{"a": [1]}')""")
    expression.evaluate({})["a"].append(2)
    assert expression.evaluate({}) == {"a": [1]}


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


def _expected(value: Any) -> Any:
    if type(value) is int:
        return (
            value
            if -(2**31) <= value < 2**31
            else Long(value)
            if -(2**63) <= value < 2**63
            else value
        )
    if isinstance(value, list):
        return [_expected(v) for v in value]
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    return value


@given(_JSON)
def test_json_round_trips_with_java_number_types(value: Any) -> None:
    text = json.dumps(value)
    assert java_equals(parse_json(text), _expected(value))
    assert java_equals(_jackson(text), _expected(value))


@given(st.text(max_size=40))
def test_any_text_raises_only_stellar_errors(text: str) -> None:
    for function in ("TO_JSON_OBJECT", "TO_JSON_MAP", "TO_JSON_LIST"):
        with contextlib.suppress(stellar.StellarError):
            parse(text, function)
