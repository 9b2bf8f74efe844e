"""Metron's ConversionUtils (commons-beanutils) rules."""

from __future__ import annotations

import math
from typing import Any

import pytest

from metron.stellar.convert import to_boolean, to_double, to_float, to_integer, to_long, to_string
from metron.stellar.types import Float, JavaSet, Long, java_equals


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.9, 12),
        (-5.9, -5),
        ("  42 ", 42),
        ("+7", 7),
        ("5.9", None),
        ("1_000", None),
        ("abc", None),
        (True, 1),
        (Long(2**40), None),
        (1e10, None),
        (math.nan, 0),
        (math.inf, None),
        ([7, 8], 7),
        ([], None),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_to_integer(value: Any, expected: Any) -> None:
    assert java_equals(to_integer(value), expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00232321", Long(232321)),
        (1e30, Long(2**63 - 1)),
        (-math.inf, Long(-(2**63))),
        (3, Long(3)),
        (" -9 ", Long(-9)),
    ],
)
def test_to_long(value: Any, expected: Any) -> None:
    assert java_equals(to_long(value), expected)


def test_to_double_and_float() -> None:
    assert to_double("1e3") == 1000.0
    assert to_double("2.5d") == 2.5
    assert to_double("NaN") != to_double("NaN")
    assert to_double("nan") is None  # Java spells it NaN
    assert to_double("Infinity") == math.inf
    assert to_double("0x1p3") == 8.0
    assert java_equals(to_float(0.1), Float(0.1))
    assert to_float(1e39) is None
    assert java_equals(to_float(-1e39), Float(-math.inf))
    assert to_float(math.inf) is None
    assert java_equals(to_float("1e39"), Float(math.inf))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("on", True),
        (1, True),
        ("off", False),
        (0, False),
        ("0", False),
        (1.0, None),
        ("maybe", None),
        ([True], True),
        ([], None),
        (JavaSet(["no"]), False),
        ({"a": 1}, None),
    ],
)
def test_to_boolean(value: Any, expected: Any) -> None:
    assert to_boolean(value) is expected


def test_to_string() -> None:
    assert to_string(3.0) == "3.0"
    assert to_string([1, 2]) == "1"
    assert to_string(None) is None
