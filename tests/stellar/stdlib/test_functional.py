"""MAP, FILTER, REDUCE, ZIP and ZIP_LONGEST."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import Char, JavaSet, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


# -- MAP ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("MAP([1, 2, null], x -> if x == null then 0 else 2*x)", {}, [2, 4, 0]),
        ("MAP([1, 2, null], x -> x == null ? 0 : 2*x)", {}, [2, 4, 0]),
        ("MAP([1, foo, baz], x -> x == null ? 0 : 2*x)", {"foo": 2, "baz": None}, [2, 4, 0]),
        ("MAP(['foo', 'bar'], (item) -> item == 'foo')", {}, [True, False]),
        ("MAP([foo, bar], item -> item == foo)", {"foo": "foo", "bar": "bar"}, [True, False]),
        ("MAP([foo, bar], x -> true ? x : MAP(5, y -> y))", {"foo": "a", "bar": "b"}, ["a", "b"]),
        ("MAP([], x -> x)", {}, []),
        ("MAP(SET_INIT([3, 1]), x -> x + 1)", {}, [4, 2]),
        (
            "MAP(l, inner -> REDUCE(inner, (x, y) -> x + y, 0))",
            {"l": [[1, 2, 3], [4, 5, 6]]},
            [6, 15],
        ),
        ("MAP([1, 2], () -> 'k')", {}, ["k", "k"]),
        ("MAP([1, 2], (a, b) -> b)", {}, [None, None]),  # missing parameters are null
        ("MAP([1, 2], (x) -> y)", {"y": 9}, [9, 9]),  # outer variables are visible
        ("MAP([1, 2], (y) -> y)", {"y": 9}, [1, 2]),  # parameters shadow them
        ("MAP(null, x -> x)", {}, None),
        ("MAP([1, 2], null)", {}, [1, 2]),  # a null lambda returns the input
    ],
)
def test_map(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert java_equals(ev(expression, variables), expected)


def test_map_over_a_string_yields_characters() -> None:
    result = ev("MAP('ab', c -> c)")
    assert result == [Char("a"), Char("b")]
    assert all(type(c) is Char for c in result)
    # A Character is not equal to a one-letter String.
    assert ev("MAP('ab', c -> c == 'a')") == [False, False]
    assert ev("MAP('', c -> c)") == []


def test_map_with_null_lambda_over_a_string_gives_characters() -> None:
    assert ev("MAP('ab', null)") == [Char("a"), Char("b")]


def test_map_builds_a_new_list() -> None:
    items = [1, 2]
    result = ev("MAP(items, x -> x)", {"items": items})
    assert result == items
    assert result is not items


@pytest.mark.parametrize(
    "expression",
    [
        "MAP(5, x -> x)",
        "MAP({'a': 1}, x -> x)",
        "MAP([1], 5)",
        "MAP([1], 'x')",
        "MAP(null)",
        "MAP()",
    ],
)
def test_map_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_map_lambda_errors_propagate() -> None:
    with pytest.raises(stellar.StellarError):
        ev("MAP(['a'], x -> x + 1)")


# -- FILTER -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("FILTER(['foo', 'bar'], (item) -> item == 'foo')", {}, ["foo"]),
        (
            "FILTER([foo, bar], item -> item == 'foo' && true)",
            {"foo": "foo", "bar": "bar"},
            ["foo"],
        ),
        (
            "FILTER([foo, bar], item -> if item == 'foo' then true else false)",
            {"foo": "foo", "bar": "b"},
            ["foo"],
        ),
        ("FILTER(['foo'], item -> item == 'foo' or MAP(5, y -> y))", {}, ["foo"]),
        ("FILTER(['foo', null], item -> item == null)", {}, [None]),
        ("FILTER(['foo', baz], item -> item != null)", {"baz": None}, ["foo"]),
        ("FILTER(['foo', 'bar'], () -> false)", {}, []),
        ("FILTER(['foo', 'bar'], () -> true)", {}, ["foo", "bar"]),
        ("FILTER([1, 2, 3], x -> null)", {}, []),
        ("FILTER([1, 2, 3], x -> 'true')", {}, []),  # only a real true keeps an element
        ("FILTER([1, 2, 3], x -> 1)", {}, []),
        ("FILTER([1, 2, 3], x -> [x])", {}, []),
        ("FILTER(SET_INIT([1, 2, 3]), x -> x > 1)", {}, [2, 3]),
        ("FILTER(null, x -> true)", {}, None),
        ("FILTER([1], null)", {}, [1]),
    ],
)
def test_filter(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert java_equals(ev(expression, variables), expected)


def test_filter_over_a_string() -> None:
    assert ev("FILTER('a1b2', c -> c in ['1', '2'])") == []  # Characters are not Strings
    assert ev("FILTER('abc', c -> true)") == [Char("a"), Char("b"), Char("c")]


@pytest.mark.parametrize("expression", ["FILTER(1, x -> true)", "FILTER([1], 'x')", "FILTER([1])"])
def test_filter_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- REDUCE -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("REDUCE([1, 2, 3], (x, y) -> x + y, 0)", {}, 6),
        ("REDUCE([foo, bar, 3], (x, y) -> x + y, 0)", {"foo": 1, "bar": 2}, 6),
        ("REDUCE([1, 2, 3, null], (x, y) -> if y != null then x + y else x, 0)", {}, 6),
        ("REDUCE([1, 2, 3, 4], (x, y) -> x + y, 0)", {}, 10),
        ("REDUCE([1], (x, y) -> x + y, 0)", {}, 1),
        ("REDUCE([], (x, y) -> x + y, 7)", {}, 7),
        ("REDUCE([1, 2], (x, y) -> x + y, 0L)", {}, stellar.evaluate("3L")),
        (
            "REDUCE(['foo', 'bar', 'grok'], (x, y) -> LIST_ADD(x, y), [])",
            {},
            ["foo", "bar", "grok"],
        ),
        ("REDUCE('abc', (acc, c) -> LIST_ADD(acc, c), [])", {}, [Char("a"), Char("b"), Char("c")]),
        ("REDUCE([1, 2, 3], (x, y) -> LIST_ADD(x, y))", {}, None),
        ("REDUCE([1, 2, 3])", {}, None),
        ("REDUCE(null, (x, y) -> x, 0)", {}, None),
        ("REDUCE([1], null, 0)", {}, None),
        ("REDUCE([1], (x, y) -> x, null)", {}, None),
        ("REDUCE([1, 2], (x, y) -> null, 0)", {}, None),
        ("REDUCE(SET_INIT([1, 2]), (x, y) -> x * 10 + y, 0)", {}, 12),
        ("REDUCE([1, 2], (x) -> x, 5)", {}, 5),
        ("REDUCE(null)", {}, None),
    ],
)
def test_reduce(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert java_equals(ev(expression, variables), expected)


@pytest.mark.parametrize(
    "expression",
    [
        "REDUCE()",
        "REDUCE(5, (x, y) -> x, 0)",
        "REDUCE({'a': 1}, (x, y) -> x, 0)",
        "REDUCE([1], 'f', 0)",
    ],
)
def test_reduce_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_reduce_with_a_non_lambda_but_too_few_arguments_is_null() -> None:
    assert ev("REDUCE([1], 'f')") is None


# -- ZIP / ZIP_LONGEST --------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "ZIP()", "ZIP(null, null)", "ZIP([], null)", "ZIP([], [])", "ZIP(null, [])",
        "ZIP_LONGEST()", "ZIP_LONGEST(null, null)", "ZIP_LONGEST([], null)",
        "ZIP_LONGEST([], [])", "ZIP_LONGEST(null, [])",
    ],
)  # fmt: skip
def test_zip_boundaries(expression: str) -> None:
    assert ev(expression) == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("ZIP(l1)", [[1], [2], [3]]),
        ("ZIP(l1, l2)", [[1, 4], [2, 5], [3, 6]]),
        ("ZIP([1, 2, 3], [4, 5, 6, 7])", [[1, 4], [2, 5], [3, 6]]),
        ("ZIP([1, 2], 'ab', 5, SET_INIT([1]), {'a': 1}, [3, 4])", [[1, 3], [2, 4]]),
        ("ZIP([1], [])", []),
        ("ZIP_LONGEST(l1)", [[1], [2], [3]]),
        ("ZIP_LONGEST(l1, l3)", [[1, 4], [2, 5], [3, 6], [None, 7]]),
        ("ZIP_LONGEST([], [1])", [[None, 1]]),
        ("ZIP_LONGEST([null], [1, 2])", [[None, 1], [None, 2]]),
    ],
)
def test_zip(expression: str, expected: Any) -> None:
    variables = {"l1": [1, 2, 3], "l2": [4, 5, 6], "l3": [4, 5, 6, 7]}
    assert java_equals(ev(expression, variables), expected)


@pytest.mark.parametrize("zipper", ["ZIP(l1, l2)", "ZIP_LONGEST(l1, l3)"])
def test_zip_then_reduce(zipper: str) -> None:
    products = f"MAP({zipper}, pair -> REDUCE(pair, (a, b) -> a * b, 1))"
    variables = {"l1": [1, 2, 3], "l2": [4, 5, 6], "l3": [4, 5, 6, 7]}
    # [null, 7] multiplies to 0: Stellar arithmetic counts null as 0.
    assert ev(f"REDUCE({products}, (s, x) -> s + x, 0)", variables) == 1 * 4 + 2 * 5 + 3 * 6


def test_zip_keeps_the_elements_themselves() -> None:
    inner = [1]
    result = ev("ZIP(a)", {"a": [inner]})
    assert result[0][0] is inner


_values = st.one_of(
    st.none(), st.integers(), st.text(max_size=4), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.booleans(),
)  # fmt: skip


@given(_values, _values)
def test_functional_never_raise_anything_but_stellar_errors(a: Any, b: Any) -> None:
    expressions = [
        "MAP(a, x -> x)", "FILTER(a, x -> x)", "REDUCE(a, (s, x) -> s, b)", "MAP(a, b)",
        "ZIP(a, b)", "ZIP_LONGEST(a, b, a)", "FILTER(a, b)",
    ]  # fmt: skip
    for expression in expressions:
        with contextlib.suppress(stellar.StellarError):
            ev(expression, {"a": a, "b": b})


def test_set_order_is_kept() -> None:
    assert ev("MAP(s, x -> x)", {"s": JavaSet(["z", "a", "m"])}) == ["z", "a", "m"]
