"""SET_* and MULTISET_* functions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import JavaSet, Long, java_equals, java_type_name


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


def ordered(value: Any) -> list[Any]:
    assert isinstance(value, JavaSet)
    return list(value)


# -- sets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("SET_INIT()", []),
        ("SET_INIT(null)", []),
        ("SET_INIT([1, 2, 3])", [1, 2, 3]),
        ("SET_INIT(['one', 'two', 'three', 'two'])", ["one", "two", "three"]),
        ("SET_INIT([3, 1, 2, 1])", [3, 1, 2]),
        ("SET_INIT([1, 1L])", [1, Long(1)]),
        ("SET_INIT([null, 1])", [None, 1]),
        ("SET_INIT(SET_INIT([2, 1]))", [2, 1]),
        ("SET_INIT([1], [2])", []),  # only a single argument is used
        ("SET_INIT(null, [2])", []),
    ],
)
def test_set_init(expression: str, expected: list[Any]) -> None:
    result = ordered(ev(expression))
    assert len(result) == len(expected)
    assert all(java_equals(a, b) for a, b in zip(result, expected))


@pytest.mark.parametrize("expression", ["SET_INIT({'foo': 2})", "SET_INIT('abc')", "SET_INIT(5)"])
def test_set_init_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_set_add_changes_the_set() -> None:
    s = JavaSet([1])
    result = ev("SET_ADD(s, 2, null, 1, 3)", {"s": s})
    assert result is s
    assert list(s) == [1, 2, 3]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("SET_ADD(SET_INIT(), 1)", [1]),
        ("SET_ADD(null, 1)", [1]),
        ("SET_ADD(SET_INIT([1, 2, 3]), 4)", [1, 2, 3, 4]),
        ("SET_ADD(SET_INIT(['one', 'two']), 'four')", ["one", "two", "four"]),
        ("SET_ADD(SET_INIT())", []),
        ("SET_ADD(null)", []),
        ("SET_ADD(null, null)", []),
    ],
)
def test_set_add(expression: str, expected: list[Any]) -> None:
    assert ordered(ev(expression)) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("SET_REMOVE(SET_INIT([1]), 1)", []),
        ("SET_REMOVE(null, 1)", []),
        ("SET_REMOVE(SET_INIT([1, 2, 3]), 2)", [1, 3]),
        ("SET_REMOVE(SET_INIT(['one', 'two', 'three']), 'three', 'zzz')", ["one", "two"]),
        ("SET_REMOVE(SET_INIT([1, 2]), 1L, null, [1])", [1, 2]),
        ("SET_REMOVE(SET_INIT([null, 1]), null)", [None, 1]),  # a null is never removed
    ],
)
def test_set_remove(expression: str, expected: list[Any]) -> None:
    assert ordered(ev(expression)) == expected


def test_set_remove_changes_the_set() -> None:
    s = JavaSet(["a", "b"])
    assert ev("SET_REMOVE(s, 'a')", {"s": s}) is s
    assert list(s) == ["b"]


@pytest.mark.parametrize(
    "expression",
    [
        "SET_ADD([1], 2)",
        "SET_ADD({'a': 1}, 2)",
        "SET_REMOVE('abc', 'a')",
    ],
)
def test_set_add_remove_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_set_add_and_remove_without_arguments() -> None:
    assert ev("SET_ADD()") is None
    assert ev("SET_REMOVE()") is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("SET_MERGE([SET_INIT(), SET_INIT(null), null])", []),
        ("SET_MERGE([SET_INIT([1, 2]), SET_INIT([3]), null, SET_INIT()])", [1, 2, 3]),
        (
            "SET_MERGE([SET_INIT(['one', 'two']), SET_INIT(['three', 'one'])])",
            ["one", "two", "three"],
        ),
        ("SET_MERGE([[1, 2], [2, 3]])", [1, 2, 3]),  # lists are iterable too
        ("SET_MERGE([])", []),
        ("SET_MERGE(null)", []),
    ],
)
def test_set_merge(expression: str, expected: list[Any]) -> None:
    assert ordered(ev(expression)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "SET_MERGE({'foo': 'bar'})",
        "SET_MERGE('ab')",
        "SET_MERGE([1, 2])",
        "SET_MERGE([{'a': 1}])",
        "SET_MERGE(['ab'])",
    ],
)
def test_set_merge_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_set_merge_without_arguments() -> None:
    assert ev("SET_MERGE()") is None


def test_set_works_with_in_and_join_order() -> None:
    assert ev("2 in SET_INIT([1, 2])") is True
    assert ev("LENGTH(SET_INIT([1, 2, 'buckle', 'my', 'shoe', 3, 1]))") == 6


# -- multisets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MULTISET_INIT()", {}),
        ("MULTISET_INIT(null)", {}),
        ("MULTISET_INIT([1, 2, 3, 2])", {1: 1, 2: 2, 3: 1}),
        ("MULTISET_INIT(['one', 'two', 'three', 'two'])", {"one": 1, "two": 2, "three": 1}),
        ("MULTISET_INIT([null, null])", {None: 2}),
        ("MULTISET_INIT(SET_INIT(['a', 'b']))", {"a": 1, "b": 1}),
        ("MULTISET_INIT(['a'], ['b'])", {"a": 1}),  # the first argument is used
    ],
)
def test_multiset_init(expression: str, expected: dict[Any, int]) -> None:
    result = ev(expression)
    assert java_equals(result, expected)


@pytest.mark.parametrize(
    "expression", ["MULTISET_INIT({'foo': 'bar'})", "MULTISET_INIT('abc')", "MULTISET_INIT([[1]])"]
)
def test_multiset_init_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_multiset_add_changes_the_multiset() -> None:
    counts: dict[Any, Any] = {"a": 1}
    assert ev("MULTISET_ADD(m, 'a', 'b', null)", {"m": counts}) is counts
    assert counts == {"a": 2, "b": 1}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MULTISET_ADD(MULTISET_INIT(), 1)", {1: 1}),
        ("MULTISET_ADD(null, 1)", {1: 1}),
        ("MULTISET_ADD(MULTISET_INIT([1, 2, 3, 4, 4]), 4)", {1: 1, 2: 1, 3: 1, 4: 3}),
        ("MULTISET_ADD(MULTISET_INIT(['four', 'four']), 'four')", {"four": 3}),
        ("MULTISET_ADD(null)", {}),
        ("MULTISET_ADD({'a': null}, 'a')", {"a": 1}),
    ],
)
def test_multiset_add(expression: str, expected: dict[Any, int]) -> None:
    assert java_equals(ev(expression), expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MULTISET_REMOVE(MULTISET_INIT([1]), 1)", {}),
        ("MULTISET_REMOVE(null, 1)", {}),
        ("MULTISET_REMOVE(MULTISET_INIT([1, 2, 3, 2]), 2)", {1: 1, 2: 1, 3: 1}),
        (
            "MULTISET_REMOVE(MULTISET_INIT(['one', 'two', 'two']), 'two', 'x', null)",
            {"one": 1, "two": 1},
        ),
        ("MULTISET_REMOVE({'a': 0}, 'a')", {"a": -1}),  # only a count of exactly 1 disappears
        ("MULTISET_REMOVE({'a': 3}, 'a', 'a')", {"a": 1}),
    ],
)
def test_multiset_remove(expression: str, expected: dict[Any, int]) -> None:
    assert java_equals(ev(expression), expected)


def test_multiset_remove_changes_the_multiset() -> None:
    counts: dict[Any, Any] = {"a": 2}
    assert ev("MULTISET_REMOVE(m, 'a')", {"m": counts}) is counts
    assert counts == {"a": 1}


@pytest.mark.parametrize(
    "expression",
    [
        "MULTISET_ADD({'a': 1L}, 'a')",  # a count that is not an Integer
        "MULTISET_ADD({'a': 'x'}, 'a')",
        "MULTISET_REMOVE({'a': 2.0}, 'a')",
        "MULTISET_ADD([1], 1)",
        "MULTISET_REMOVE('abc', 'a')",
        "MULTISET_TO_SET([1])",
    ],
)
def test_multiset_type_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_multiset_add_wraps_like_a_java_integer() -> None:
    assert ev("MULTISET_ADD(m, 'a')", {"m": {"a": 2**31 - 1}}) == {"a": -(2**31)}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MULTISET_MERGE([MULTISET_INIT(), MULTISET_INIT(null), null])", {}),
        (
            "MULTISET_MERGE([MULTISET_INIT([1, 2]), MULTISET_INIT([2, 3]), null, MULTISET_INIT()])",
            {1: 1, 2: 2, 3: 1},
        ),
        (
            "MULTISET_MERGE([MULTISET_INIT(['one', 'two']), MULTISET_INIT(['two', 'three'])])",
            {"one": 1, "two": 2, "three": 1},
        ),
        ("MULTISET_MERGE([{'a': 1.5}])", {"a": 1.5}),  # a lone count is copied as it is
        ("MULTISET_MERGE([])", {}),
    ],
)
def test_multiset_merge(expression: str, expected: dict[Any, Any]) -> None:
    assert java_equals(ev(expression), expected)


@pytest.mark.parametrize(
    "expression",
    [
        "MULTISET_MERGE({'bar': 'foo'})",
        "MULTISET_MERGE(null)",
        "MULTISET_MERGE('abc')",
        "MULTISET_MERGE([[1]])",
        "MULTISET_MERGE([{'a': 1.5}, {'a': 1}])",
        "MULTISET_MERGE([{'a': null}])",
    ],
)
def test_multiset_merge_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


def test_multiset_merge_without_arguments() -> None:
    assert ev("MULTISET_MERGE()") is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MULTISET_TO_SET(MULTISET_ADD(MULTISET_INIT(), 1))", [1]),
        ("MULTISET_TO_SET(MULTISET_ADD(null, 1))", [1]),
        ("MULTISET_TO_SET(MULTISET_ADD(MULTISET_INIT([1, 2, 3]), 4))", [1, 2, 3, 4]),
        ("MULTISET_TO_SET(MULTISET_INIT(['b', 'a', 'b']))", ["b", "a"]),
        ("MULTISET_TO_SET(null)", []),
        ("MULTISET_TO_SET(MULTISET_INIT([1]), 'extra')", []),
        ("MULTISET_TO_SET({'x': 5})", ["x"]),
    ],
)
def test_multiset_to_set(expression: str, expected: list[Any]) -> None:
    assert ordered(ev(expression)) == expected


def test_multiset_to_set_without_arguments() -> None:
    assert ev("MULTISET_TO_SET()") is None


_elements = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
)
_args = st.one_of(
    _elements,
    st.lists(_elements, max_size=4),
    st.dictionaries(st.text(max_size=2), _elements, max_size=3),
)


@given(_args, _args)
def test_set_functions_never_raise_anything_but_stellar_errors(a: Any, b: Any) -> None:
    names = [
        "SET_INIT", "SET_ADD", "SET_REMOVE", "SET_MERGE",
        "MULTISET_INIT", "MULTISET_ADD", "MULTISET_REMOVE", "MULTISET_MERGE", "MULTISET_TO_SET",
    ]  # fmt: skip
    for name in names:
        try:
            ev(f"{name}(a, b)", {"a": a, "b": b})
            ev(f"{name}(a)", {"a": a})
        except stellar.StellarError:
            pass


def test_sets_tell_members_apart_as_java_does() -> None:
    members = list(stellar.evaluate("SET_INIT([1, 1L, 1.0, true, [1], [1]])"))
    assert [java_type_name(m) for m in members] == ["Integer", "Long", "Double", "Boolean", "List"]
    assert len(stellar.evaluate("SET_ADD(SET_INIT([[1, 2]]), [1, 2], {'a' : 1}, {'a' : 1})")) == 2
