"""MAP_EXISTS, MAP_GET, MAP_PUT and MAP_MERGE."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import Long, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


# -- MAP_EXISTS ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("MAP_EXISTS('a', {'a': 1})", {}, True),
        ("MAP_EXISTS('a', {'a': null})", {}, True),
        ("MAP_EXISTS('b', {'a': 1})", {}, False),
        ("MAP_EXISTS(k, m)", {"k": "casey", "m": {"casey": "apple"}}, True),
        ("MAP_EXISTS(null, {'a': 1})", {}, False),
        ("MAP_EXISTS('a', null)", {}, False),
        ("MAP_EXISTS('a', ['a'])", {}, False),
        ("MAP_EXISTS('a', 'a')", {}, False),
        ("MAP_EXISTS('a')", {}, False),
        ("MAP_EXISTS()", {}, False),
        ("MAP_EXISTS(1, {1: 'x'})", {}, True),
        ("MAP_EXISTS(1L, {1: 'x'})", {}, False),
        ("MAP_EXISTS(1.0, {1: 'x'})", {}, False),
        ("MAP_EXISTS(true, m)", {"m": {1: "x"}}, False),
        ("MAP_EXISTS(1, m)", {"m": {True: "x"}}, False),
        ("MAP_EXISTS(-0.0, m)", {"m": {0.0: "x"}}, False),
        ("MAP_EXISTS([1], {'a': 1})", {}, False),
        ("MAP_EXISTS('field', _)", {"field": 1}, True),
    ],
)
def test_map_exists(expression: str, variables: dict[str, Any], expected: bool) -> None:
    assert ev(expression, variables) is expected


def test_map_exists_or_short_circuit() -> None:
    assert ev("true or MAP_EXISTS()") is True
    assert ev("MAP_EXISTS() or true") is True


# -- MAP_GET ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("MAP_GET('bar', {'foo': 1, 'bar': 'bar'})", {}, "bar"),
        ("MAP_GET('blah', {'blah': 1 < 2})", {}, True),
        ("MAP_GET('blah', {'blah': null})", {}, None),
        ("MAP_GET('BLAH', {k: 1 < 2})", {"k": "BLAH"}, True),
        ("MAP_GET(dc, tz, 'UTC')", {"dc": "nyc", "tz": {"la": "PST"}}, "UTC"),
        ("MAP_GET(dc, tz, 'UTC')", {"dc": "nyc", "tz": {"nyc": "EST"}}, "EST"),
        ("MAP_GET('a', {'a': null}, 'd')", {}, "d"),
        ("MAP_GET('a', {'a': false}, 'd')", {}, False),
        ("MAP_GET('a', {'a': 1}, null)", {}, 1),
        ("MAP_GET(null, {'a': 1}, 'd')", {}, "d"),
        ("MAP_GET('a', null, 'd')", {}, "d"),
        ("MAP_GET(null, {'a': 1})", {}, None),
        ("MAP_GET(null, 'not a map')", {}, None),  # the map is only looked at with a key
        ("MAP_GET(missing, {false: 'blah'})", {}, None),
        ("MAP_GET(false, {false: 'blah'})", {}, "blah"),
        ("MAP_GET(1, {1: 'one', 2: 'two'})", {}, "one"),
        ("MAP_GET(1L, {1: 'one'})", {}, None),
        ("MAP_GET(1.0, {1: 'one'}, 'none')", {}, "none"),
        ("MAP_GET([1], {'a': 1}, 'none')", {}, "none"),
        ("MAP_GET('field1', _)", {"field1": "val1", "field2": "val2"}, "val1"),
        ("MAP_GET('a', {'a': 1}, 'd', 'extra')", {}, 1),
    ],
)
def test_map_get(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert java_equals(ev(expression, variables), expected)


def test_map_get_keys_match_only_their_own_type() -> None:
    floats = {"m": {1.0: "float", 2: "int", False: "bool"}}
    assert ev("MAP_GET(1, m)", floats) is None
    assert ev("MAP_GET(1.0, m)", floats) == "float"
    assert ev("MAP_GET(2, m)", floats) == "int"
    assert ev("MAP_GET(2.0, m)", floats) is None
    assert ev("MAP_GET(false, m)", floats) == "bool"
    assert ev("MAP_GET(0, m)", floats) is None
    assert ev("MAP_EXISTS(0.0, m)", {"m": {-0.0: 1}}) is False


def test_map_get_finds_long_key_with_long() -> None:
    assert ev("MAP_GET(k, m)", {"k": Long(5), "m": {Long(5): "five", 5: "int"}}) == "five"
    assert ev("MAP_GET(k, m)", {"k": 5, "m": {Long(5): "five", 5: "int"}}) == "int"


@pytest.mark.parametrize(
    "expression",
    ["MAP_GET()", "MAP_GET('a')", "MAP_GET('a', ['a'])", "MAP_GET('a', 'abc')", "MAP_GET('a', 5)"],
)
def test_map_get_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- MAP_PUT ------------------------------------------------------------------------------


def test_map_put_changes_the_map() -> None:
    mapping: dict[str, Any] = {}
    result = ev("MAP_PUT('foo', 'bar', m)", {"m": mapping})
    assert result is mapping
    assert mapping == {"foo": "bar"}
    assert ev("MAP_GET('foo', m)", {"m": mapping}) == "bar"


def test_map_put_null_map_makes_a_new_one() -> None:
    variables: dict[str, Any] = {"m": None}
    assert ev("MAP_PUT('foo', 'bar', m)", variables) == {"foo": "bar"}
    assert variables["m"] is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MAP_PUT('a', 2, {'a': 1})", {"a": 2}),
        ("MAP_PUT('b', null, {'a': 1})", {"a": 1, "b": None}),
        ("MAP_PUT(null, 1, {})", {None: 1}),
        ("MAP_PUT(1, 'x', {'a': 1})", {"a": 1, 1: "x"}),
        ("MAP_PUT('k', [1, 2], null)", {"k": [1, 2]}),
    ],
)
def test_map_put(expression: str, expected: Any) -> None:
    assert java_equals(ev(expression), expected)


@pytest.mark.parametrize(
    "expression",
    [
        "MAP_PUT('foo', 'bar', ['baz'])",
        "MAP_PUT('foo', 'bar', 'baz')",
        "MAP_PUT('foo', 'bar')",
        "MAP_PUT()",
        "MAP_PUT([1], 'bar', {})",
    ],
)
def test_map_put_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


# -- MAP_MERGE ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("MAP_MERGE([{}, null])", {}, {}),
        ("MAP_MERGE([])", {}, {}),
        ("MAP_MERGE(null)", {}, {}),
        ("MAP_MERGE()", {}, None),
        ("MAP_MERGE([null])", {}, None),  # a one-element list returns the element itself
        ("MAP_MERGE([5])", {}, 5),
        (
            "MAP_MERGE([a, b, c])",
            {"a": {"a": 1, "b": 2}, "b": {"c": 3, "d": 4}, "c": {"e": 5, "f": 6}},
            {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6},
        ),
        (
            "MAP_MERGE([{'a': '1', 'b': 2, 'c': '3'}, {'c': '3b', 'd': '4'}, {'d': '4b', 'e': 5}])",
            {},
            {"a": "1", "b": 2, "c": "3b", "d": "4b", "e": 5},
        ),
        ("MAP_MERGE(SET_INIT([null, null]))", {}, None),
    ],
)
def test_map_merge(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert java_equals(ev(expression, variables), expected)


def test_map_merge_single_map_is_returned_as_is() -> None:
    only = {"a": 1}
    assert ev("MAP_MERGE([m])", {"m": only}) is only


def test_map_merge_makes_a_new_map_keeping_first_positions() -> None:
    first = {"x": 1, "y": 2}
    merged = ev("MAP_MERGE([a, b])", {"a": first, "b": {"y": 3, "z": 4}})
    assert merged is not first
    assert list(merged.items()) == [("x", 1), ("y", 3), ("z", 4)]
    assert first == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    "expression",
    ["MAP_MERGE(['foo', 'bar'])", "MAP_MERGE({'a': 1})", "MAP_MERGE('abc')", "MAP_MERGE([{}, 1])"],
)
def test_map_merge_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(_values, _values, _values)
def test_map_functions_never_raise_anything_but_stellar_errors(a: Any, b: Any, c: Any) -> None:
    for name in ("MAP_EXISTS", "MAP_GET", "MAP_PUT", "MAP_MERGE"):
        try:
            ev(f"{name}(a, b, c)", {"a": a, "b": b, "c": c})
            ev(f"{name}(a)", {"a": a})
        except stellar.StellarError:
            pass
