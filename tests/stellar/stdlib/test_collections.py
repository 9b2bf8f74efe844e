"""LENGTH, IS_EMPTY, LIST_ADD, MAX and MIN."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import Char, Float, JavaSet, Long, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def same(a: Any, b: Any) -> bool:
    return java_equals(a, b)


# -- LENGTH -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("LENGTH('abcde')", {}, 5),
        ("LENGTH('')", {}, 0),
        ("LENGTH(x)", {"x": "😀a"}, 3),  # UTF-16 units, like String.length()
        ("LENGTH([1, 2, null])", {}, 3),
        ("LENGTH([])", {}, 0),
        ("LENGTH({'a': 1})", {}, 1),
        ("LENGTH(SET_INIT([1, 1, 2]))", {}, 2),
        ("LENGTH(null)", {}, 0),
        ("LENGTH(missing)", {}, 0),
        ("LENGTH()", {}, 0),
        ("LENGTH(12345)", {}, 0),
        ("LENGTH(true)", {}, 0),
        ("LENGTH(x)", {"x": Char("a")}, 0),  # a Character is not a String
        ("LENGTH(_)", {"a": 1, "b": 2}, 2),
    ],
)
def test_length(expression: str, variables: dict[str, Any], expected: int) -> None:
    result = ev(expression, variables)
    assert type(result) is int
    assert result == expected


# -- IS_EMPTY -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("IS_EMPTY()", {}, True),
        ("IS_EMPTY(null)", {}, True),
        ("IS_EMPTY('')", {}, True),
        ("IS_EMPTY([])", {}, True),
        ("IS_EMPTY({})", {}, True),
        ("IS_EMPTY(SET_INIT())", {}, True),
        ("IS_EMPTY(' ')", {}, False),
        ("IS_EMPTY('hello')", {}, False),
        ("IS_EMPTY(['hello', 'world'])", {}, False),
        ("IS_EMPTY([null])", {}, False),
        ("IS_EMPTY({'k': 'v'})", {}, False),
        ("IS_EMPTY(0)", {}, False),
        ("IS_EMPTY(false)", {}, False),
        ("IS_EMPTY(x)", {"x": Char("a")}, False),
    ],
)
def test_is_empty(expression: str, variables: dict[str, Any], expected: bool) -> None:
    assert ev(expression, variables) is expected


# -- LIST_ADD -----------------------------------------------------------------------------


def test_list_add_appends_in_place() -> None:
    items: list[Any] = ["x"]
    result = ev("LIST_ADD(items, 7)", {"items": items})
    assert result is items
    assert items == ["x", 7]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("LIST_ADD([], 1)", [1]),
        ("LIST_ADD([1], 2L)", [1, Long(2)]),
        ("LIST_ADD([1], null)", [1, None]),
        ("LIST_ADD([1], [2])", [1, [2]]),
        ("LIST_ADD([1], 2, 3)", [1, 2]),  # extra arguments are ignored
        ("LIST_ADD([1])", [1]),
        ("LIST_ADD('text', 1)", "text"),
        ("LIST_ADD({'a': 1}, 1)", {"a": 1}),
        ("LIST_ADD(SET_INIT([1]), 2)", JavaSet([1])),  # a set is not a list
        ("LIST_ADD(null, 1)", None),
        ("LIST_ADD()", None),
        ("LIST_ADD(5)", 5),
    ],
)
def test_list_add(expression: str, expected: Any) -> None:
    assert same(ev(expression), expected)


def test_list_add_constant_list_is_fresh_each_time() -> None:
    expression = stellar.compile("LIST_ADD([1], 2)")
    assert expression.evaluate({}) == [1, 2]
    assert expression.evaluate({}) == [1, 2]


def test_list_add_in_reduce() -> None:
    assert ev("REDUCE(['a', 'b', 'c'], (acc, x) -> LIST_ADD(acc, x), [])") == ["a", "b", "c"]


def test_list_add_empty_list_is_falsey() -> None:
    assert ev("LIST_ADD([]) || true") is True
    assert ev("if LIST_ADD([]) then 1 else 2") == 2


# -- MAX / MIN ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("MAX(x)", {"x": [Long(12), 56.0, 56.3]}, 56.3),
        ("MIN(x)", {"x": [Long(12), 56.0, Long(457)]}, Long(12)),
        ("MAX(x)", {"x": ["value3", "value1", "23", "value2"]}, "value3"),
        ("MAX([12, 56])", {}, 56),
        ("MAX([a, b])", {"a": "abc", "b": "def"}, "def"),
        ("MIN([145, null])", {}, 145),
        ("MAX([null, null])", {}, None),
        ("MIN([56, 12, 23, null])", {}, 12),
        ("MAX([12L, 56L, 457L])", {}, Long(457)),
        ("MAX(x)", {"x": JavaSet([Long(14), 15.3, 15])}, 15.3),
        ("MAX([])", {}, None),
        ("MIN(SET_INIT())", {}, None),
        # The element itself is returned, whatever type the comparison used.
        ("MAX([10, 15L, 15.3])", {}, 15.3),
        ("MIN([10, 15L, 15.3])", {}, 10),
        ("MAX([1.5, 2])", {}, 2),
        ("MAX([2, 1.5])", {}, 2),
        # The best-so-far is converted to the element's class: 15.7 becomes Integer 15, a tie.
        ("MAX([15.7, 15])", {}, 15.7),
        ("MIN([15.7, 15])", {}, 15.7),
        ("MIN([15, 15.7])", {}, 15),
        ("MAX([15, 15.7])", {}, 15.7),
        # Strings and numbers: a numeric string is read as a number, a number as a string.
        ("MAX(['23', 25])", {}, 25),
        ("MAX([25, '23'])", {}, 25),
        ("MAX([25, 'abc'])", {}, "abc"),
        ("MIN([25, '3'])", {}, 25),  # '25' < '3' as strings
        ("MAX(['9', 10])", {}, 10),
        ("MAX([true, false])", {}, True),
        ("MIN([true, false])", {}, False),
        ("MAX([1, true])", {}, 1),  # Integer 1 as a Boolean is true: a tie keeps 1
        ("MAX([0, true])", {}, True),
        ("MAX(['b', 'a', 'c'])", {}, "c"),
        ("MIN(['b', 'a', 'c'])", {}, "a"),
        ("MAX(x)", {"x": ["\uffff", "😀"]}, "\uffff"),  # UTF-16 order
        ("MAX(x)", {"x": [1.0, math.nan, 2.0]}, math.nan),
        ("MIN(x)", {"x": [0.0, -0.0]}, -0.0),
        ("MAX(x)", {"x": [-0.0, 0.0]}, 0.0),
        ("MAX(x)", {"x": [Float(1.5), 2]}, 2),
        ("MAX(x)", {"x": [2, Float(1.5)]}, 2),
        ("MAX(x)", {"x": [5, 3_000_000_000]}, 3_000_000_000),
        ("MAX([3000, 'x'])", {}, "x"),
    ],
)
def test_max_min(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert same(ev(expression, variables), expected)


@pytest.mark.parametrize(
    "expression",
    [
        "MAX()",
        "MIN(null)",
        "MAX(missing)",
        "MAX('abc')",
        "MAX(5)",
        "MIN({'a': 1})",
        "MAX([[1], [2]])",
        "MIN([{'a': 1}])",
        "MAX([12, 'string', 457L])",  # '12' < 'string', then 'string' is no Long
        "MAX(['abc', 25])",
        "MAX(['', 'a', 5])",
        "MAX([1, 'abc', 2])",
    ],
)
def test_max_min_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_max_error_names_the_types() -> None:
    with pytest.raises(stellar.StellarError, match="String string with Long 457"):
        ev("MAX([12, 'string', 457L])")


@pytest.mark.parametrize("big", [3_000_000_000, Long(3_000_000_000), 1e10])
def test_max_best_so_far_too_big_for_an_integer(big: Any) -> None:
    # The best-so-far is converted to the next element's class; 3e9 is no Integer.
    with pytest.raises(stellar.StellarError, match="cannot compare"):
        ev("MAX(x)", {"x": [big, 5]})


class _Stats:
    def stellar_max(self) -> float:
        return 100

    def stellar_min(self) -> float:
        return 10


def test_max_min_of_a_statistics_object() -> None:
    assert same(ev("MAX(s)", {"s": _Stats()}), 100.0)
    assert same(ev("MIN(s)", {"s": _Stats()}), 10.0)


def test_max_of_an_object_that_is_not_comparable() -> None:
    with pytest.raises(stellar.StellarError, match="cannot order"):
        ev("MIN(x)", {"x": [object(), object()]})


@given(st.lists(st.one_of(st.integers(-(2**31), 2**31 - 1), st.floats(-1e9, 1e9)), max_size=8))
def test_max_of_numbers_is_an_element(values: list[Any]) -> None:
    result = ev("MAX(x)", {"x": values})
    if not values:
        assert result is None
    else:
        assert any(v is result for v in values)


@given(
    st.lists(st.one_of(st.none(), st.text(max_size=3), st.integers(), st.floats(), st.booleans()))
)
def test_max_min_never_raise_anything_but_stellar_errors(values: list[Any]) -> None:
    for name in ("MAX", "MIN"):
        with contextlib.suppress(stellar.StellarError):
            ev(f"{name}(x)", {"x": values})
