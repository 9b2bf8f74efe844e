"""Java's value model: toString forms, type-strict equality, wrapping."""

from __future__ import annotations

import math

import pytest

from metron.stellar.types import (
    Char,
    Float,
    JavaSet,
    Long,
    double_to_string,
    float_to_string,
    java_equals,
    java_hash_code,
    to_java_string,
    wrap_int,
    wrap_long,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (9999999.0, "9999999.0"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-2.5e-5, "-2.5E-5"),
        (1e21, "1.0E21"),
        (-0.0, "-0.0"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (100.0, "100.0"),
        (123.456, "123.456"),
    ],
)
def test_double_to_string(value: float, text: str) -> None:
    assert double_to_string(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1.1, "1.1"),
        (3.0, "3.0"),
        (1e10, "1.0E10"),
        (0.3, "0.3"),
        (16777217.0, "1.6777216E7"),
    ],
)
def test_float_to_string(value: float, text: str) -> None:
    assert float_to_string(Float(value)) == text


def test_java_string_forms() -> None:
    assert to_java_string(None) == "null"
    assert to_java_string(True) == "true"
    assert to_java_string(Long(5)) == "5"
    assert to_java_string([1, "a", None]) == "[1, a, null]"
    assert to_java_string({"a": 1, "b": [2.0]}) == "{a=1, b=[2.0]}"
    assert to_java_string(JavaSet(["x", 1])) == "[x, 1]"
    assert to_java_string(Float(0.5)) == "0.5"


def test_equality_is_type_strict() -> None:
    assert java_equals(1, 1)
    assert not java_equals(1, Long(1))
    assert not java_equals(Long(1), 1)
    assert not java_equals(1, 1.0)
    assert not java_equals(True, 1)
    assert not java_equals(Float(1.0), 1.0)
    assert not java_equals("a", Char("a"))
    assert java_equals([1, [Long(2)]], [1, [Long(2)]])
    assert not java_equals([1], [Long(1)])
    assert java_equals(math.nan, math.nan)  # Double.equals
    assert not java_equals(0.0, -0.0)
    assert java_equals({"a": [1]}, {"a": [1]})
    assert not java_equals({"a": 1}, {"a": Long(1)})
    assert java_equals(JavaSet([1, 2]), JavaSet([2, 1]))


def test_long_and_float_keep_distinct_hashes() -> None:
    assert {1: "int"}.get(Long(1)) is None
    assert len({1, Long(1)}) == 2
    assert len({Float(1.0), 1.0}) == 2


def test_wrapping() -> None:
    assert wrap_int(2**31) == -(2**31)
    assert wrap_int(-(2**31) - 1) == 2**31 - 1
    assert wrap_long(2**63) == Long(-(2**63))
    assert type(wrap_long(1)) is Long


def test_java_set_keeps_insertion_order() -> None:
    s = JavaSet([3, 1, 2, 1])
    assert list(s) == [3, 1, 2]
    s.add(0)
    s.discard(1)
    assert list(s) == [3, 2, 0]
    assert 2 in s and 5 not in s


def test_hash_codes_match_java() -> None:
    assert java_hash_code("hello") == 99162322
    assert java_hash_code(7) == 7
    assert java_hash_code(True) == 1231
    assert java_hash_code(Long(2**32)) == 1
