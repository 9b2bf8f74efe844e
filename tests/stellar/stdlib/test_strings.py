"""TO_LOWER, TO_UPPER, TO_STRING, TRIM, STARTS_WITH, ENDS_WITH, JOIN, SPLIT, GET_FIRST,
GET_LAST, GET, FILL_LEFT and FILL_RIGHT."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import Char, Float, JavaSet, Long, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def check(expression: str, expected: Any, variables: dict[str, Any] | None = None) -> None:
    result = ev(expression, variables)
    assert java_equals(result, expected), f"{expression} gave {result!r}, expected {expected!r}"


def fails(
    expression: str, variables: dict[str, Any] | None = None, match: str | None = None
) -> None:
    with pytest.raises(stellar.StellarError, match=match):
        ev(expression, variables)


# -- case and TO_STRING -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("TO_UPPER('Sensor-7')", "SENSOR-7"),
        ("TO_LOWER('Sensor-7')", "sensor-7"),
        ("TO_UPPER('straße')", "STRASSE"),  # full case mapping, as Java's toUpperCase
        ("TO_UPPER(null)", None),
        ("TO_LOWER(missing)", None),
        ("TO_UPPER(12)", "12"),
        ("TO_UPPER(2.5E10)", "2.5E10"),
        ("TO_LOWER(2.5E10)", "2.5e10"),
        ("TO_UPPER(false)", "FALSE"),
        ("TO_UPPER(['a', 1.0])", "[A, 1.0]"),
        ("TO_LOWER({'K': 'V'})", "{k=v}"),
        ("TO_UPPER('abc', 'ignored')", "ABC"),  # Metron reads only the first argument
        ("TO_STRING(7)", "7"),
        ("TO_STRING(7L)", "7"),
        ("TO_STRING(0.1f)", "0.1"),
        ("TO_STRING(1e-5)", "1.0E-5"),
        ("TO_STRING(true)", "true"),
        ("TO_STRING(null)", None),
        ("TO_STRING('null')", "null"),
        ("TO_STRING([])", "[]"),
    ],
)
def test_case_and_to_string(expression: str, expected: Any) -> None:
    check(expression, expected)


def test_case_of_a_char_is_a_string() -> None:
    result = ev("TO_UPPER(c)", {"c": Char("q")})
    assert result == "Q" and type(result) is str
    assert type(ev("TRIM(c)", {"c": Char("q")})) is str


@pytest.mark.parametrize("name", ["TO_UPPER", "TO_LOWER", "TO_STRING", "TRIM"])
def test_one_argument_is_required(name: str) -> None:
    fails(f"{name}()")


# -- TRIM ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  host  ", "host"),
        ("\t\r\nhost\n", "host"),
        ("\x00\x07host\x1b\x1f ", "host"),  # Java trims every control character
        ("\u00a0host\u00a0", "\u00a0host\u00a0"),  # but not a no-break space
        ("\u2003host", "\u2003host"),
        ("", ""),
        ("   ", ""),
        ("a b", "a b"),
    ],
)
def test_trim_is_java_trim(value: str, expected: str) -> None:
    assert ev("TRIM(v)", {"v": value}) == expected


def test_trim_of_other_values() -> None:
    assert ev("TRIM(null)") is None
    assert ev("TRIM(5)") == "5"
    assert ev("TO_UPPER(TRIM(name))", {"name": " casey "}) == "CASEY"


# -- STARTS_WITH / ENDS_WITH --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("STARTS_WITH('10.0.0.1', '10.')", True),
        ("STARTS_WITH('10.0.0.1', '10.1')", False),
        ("STARTS_WITH('abc', '')", True),
        ("STARTS_WITH('abc', 'ABC')", False),
        ("STARTS_WITH(null, 'a')", False),
        ("STARTS_WITH('a', null)", False),
        ("STARTS_WITH(null, null)", False),
        ("ENDS_WITH('mail.example.org', '.org')", True),
        ("ENDS_WITH('mail.example.org', 'example')", False),
        ("ENDS_WITH('', '')", True),
        ("ENDS_WITH(missing, '.org')", False),
    ],
)
def test_prefix_and_suffix(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "STARTS_WITH('abc')",
        "STARTS_WITH()",
        "ENDS_WITH('abc')",
        "STARTS_WITH(12, '1')",
        "STARTS_WITH('12', 1)",
        "ENDS_WITH(['a'], 'a')",
        "STARTS_WITH(1, null)",  # the cast fails before the null check
    ],
)
def test_prefix_and_suffix_errors(expression: str) -> None:
    fails(expression)


def test_starts_with_a_char_is_an_error() -> None:
    fails("STARTS_WITH(c, 'a')", {"c": Char("a")}, match="cannot be cast")


# -- JOIN ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("JOIN(['a', 'b', 'c'], ',')", {}, "a,b,c"),
        ("JOIN(['a', null, 'c'], ',')", {}, "a,c"),
        ("JOIN([1, 2.0, true, 3L, 0.5f], '|')", {}, "1|2.0|true|3|0.5"),
        ("JOIN([], ',')", {}, ""),
        ("JOIN([null], ',')", {}, ""),
        ("JOIN(['x'], '')", {}, "x"),
        ("JOIN(s, '-')", {"s": JavaSet([3, "b", 1])}, "3-b-1"),
        ("JOIN(l, ', ')", {"l": [[1, 2], {"k": "v"}]}, "[1, 2], {k=v}"),
        ("JOIN(SPLIT('a:b:c', ':'), '/')", {}, "a/b/c"),
    ],
)
def test_join(expression: str, variables: dict[str, Any], expected: str) -> None:
    assert ev(expression, variables) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "JOIN('abc', ',')",
        "JOIN({'a': 1}, ',')",
        "JOIN(null, ',')",
        "JOIN(['a'], null)",
        "JOIN(['a'], 1)",
        "JOIN(['a'])",
        "JOIN(5, ',')",
    ],
)
def test_join_errors(expression: str) -> None:
    fails(expression)


# -- SPLIT --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("SPLIT('a.b.c', '.')", ["a", "b", "c"]),
        ("SPLIT('a..b', '.')", ["a", "", "b"]),
        ("SPLIT('.a.', '.')", ["", "a", ""]),
        ("SPLIT('', ',')", [""]),
        ("SPLIT('no-separator', ',')", ["no-separator"]),
        ("SPLIT('a--b----c', '--')", ["a", "b", "", "c"]),
        ("SPLIT('a|b', '|')", ["a", "b"]),  # literal, not a regex
        ("SPLIT('a\\\\b', '\\\\')", ["a", "b"]),
        ("SPLIT(12.5, '.')", ["12", "5"]),
        ("SPLIT(null, ',')", []),
        ("SPLIT(null)", []),  # the separator is not looked at when there is nothing to split
        ("SPLIT(null, 5)", []),
    ],
)
def test_split(expression: str, expected: list[str]) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    "expression", ["SPLIT('a')", "SPLIT('a', '')", "SPLIT('a', null)", "SPLIT('a', 1)"]
)
def test_split_errors(expression: str) -> None:
    fails(expression)


def test_split_returns_a_new_list_each_time() -> None:
    expression = stellar.compile("SPLIT('a,b', ',')")
    first = expression.evaluate({})
    first.append("mutated")
    assert expression.evaluate({}) == ["a", "b"]


# -- GET_FIRST / GET_LAST / GET -----------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("GET_FIRST(['x', 'y', 'z'])", "x"),
        ("GET_LAST(['x', 'y', 'z'])", "z"),
        ("GET_FIRST([])", None),
        ("GET_LAST([])", None),
        ("GET_FIRST([null, 1])", None),
        ("GET(['x', 'y', 'z'], 0)", "x"),
        ("GET(['x', 'y', 'z'], 2)", "z"),
        ("GET(['x', 'y', 'z'], 3)", None),
        ("GET([], 0)", None),
        ("GET_LAST(SPLIT('a.b.example.com', '.'))", "com"),
    ],
)
def test_list_access(expression: str, expected: Any) -> None:
    check(expression, expected)


@pytest.mark.parametrize(
    "expression",
    [
        "GET_FIRST(null)",
        "GET_LAST(null)",
        "GET_FIRST('abc')",
        "GET_LAST({'a': 1})",
        "GET_FIRST()",
        "GET(['a'], -1)",
        "GET(['a'], null)",
        "GET(['a'], 0L)",  # the position must be an Integer
        "GET(['a'], 0.0)",
        "GET(['a'], '0')",
        "GET(null, 0)",
        "GET(['a'])",
    ],
)
def test_list_access_errors(expression: str) -> None:
    fails(expression)


def test_get_first_of_a_set_is_an_error() -> None:
    fails("GET_FIRST(s)", {"s": JavaSet([1])})


# -- FILL_LEFT / FILL_RIGHT ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("FILL_LEFT('7', '0', 3)", "007"),
        ("FILL_RIGHT('7', '0', 3)", "700"),
        ("FILL_LEFT('abc', '-', 3)", "abc"),
        ("FILL_LEFT('abcdef', '-', 3)", "abcdef"),
        ("FILL_LEFT('a', 'xyz', 4)", "xxxa"),
        ("FILL_LEFT(7, 0, 3)", "007"),
        ("FILL_LEFT('a', '*', '4')", "***a"),
        ("FILL_LEFT('a', '*', 3.9)", "**a"),
        ("FILL_LEFT('a', '*', -2)", "a"),
        ("FILL_RIGHT('a', '*', 0)", "a"),
        ("FILL_LEFT(null, '*', 4)", None),
        ("FILL_LEFT(null, null, null)", None),
        ("FILL_RIGHT(1.5, ' ', 5)", "1.5  "),
    ],
)
def test_fill(expression: str, expected: Any) -> None:
    check(expression, expected)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("FILL_LEFT('a', '*')", "three arguments"),
        ("FILL_RIGHT()", "three arguments"),
        ("FILL_RIGHT('a', null, 3)", "both required"),
        ("FILL_RIGHT('a', '*', null)", "both required"),
        ("FILL_RIGHT('a', '', 3)", "empty"),
        ("FILL_LEFT('a', '*', 'many')", "not a valid Integer"),
        ("FILL_LEFT('a', '*', 3000000000L)", "not a valid Integer"),
    ],
)
def test_fill_errors(expression: str, message: str) -> None:
    fails(expression, match=message)


def test_fill_counts_utf16_units() -> None:
    assert ev("FILL_LEFT(v, '.', 4)", {"v": "😀"}) == "..😀"


# -- properties ---------------------------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(Long),
    st.floats(allow_nan=True).map(float),
    st.floats(width=32).map(Float),
    st.booleans(),
    st.lists(st.one_of(st.none(), st.text(max_size=5), st.integers(-5, 5)), max_size=4),
)


# Padding lengths stay small: FILL_LEFT('', 'x', 10**8) is as slow here as in Java.
_LENGTHS = st.one_of(st.none(), st.integers(-5, 50), st.text(max_size=3), st.floats(-5, 50))


@given(value=_VALUES, other=_VALUES, third=_LENGTHS)
def test_string_functions_raise_only_stellar_errors(value: Any, other: Any, third: Any) -> None:
    variables = {"a": value, "b": other, "c": third}
    for name in ("TO_UPPER", "TO_LOWER", "TO_STRING", "TRIM", "GET_FIRST", "GET_LAST"):
        with contextlib.suppress(stellar.StellarError):
            ev(f"{name}(a)", variables)
    for name in ("STARTS_WITH", "ENDS_WITH", "JOIN", "SPLIT", "GET"):
        with contextlib.suppress(stellar.StellarError):
            ev(f"{name}(a, b)", variables)
    for name in ("FILL_LEFT", "FILL_RIGHT"):
        try:
            result = ev(f"{name}(a, b, c)", variables)
        except stellar.StellarError:
            continue
        assert result is None or isinstance(result, str)


@given(text=st.text(max_size=30), sep=st.text(min_size=1, max_size=3))
def test_split_then_join_round_trips(text: str, sep: str) -> None:
    variables = {"t": text, "s": sep}
    parts = ev("SPLIT(t, s)", variables)
    assert len(parts) == text.count(sep) + 1
    assert ev("JOIN(SPLIT(t, s), s)", variables) == text


@given(text=st.text(max_size=30))
def test_trim_matches_java_definition(text: str) -> None:
    result = ev("TRIM(t)", {"t": text})
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    assert result == text[start:end]
