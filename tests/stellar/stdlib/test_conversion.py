"""TO_INTEGER, TO_LONG, TO_FLOAT and TO_DOUBLE."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.types import Float, JavaSet, Long, f32, java_equals


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("TO_INTEGER(1.0)", 1),
        ("TO_INTEGER(12.9)", 12),
        ("TO_INTEGER(-5.9)", -5),
        ("TO_INTEGER(7L)", 7),
        ("TO_INTEGER(2.5f)", 2),
        ("TO_INTEGER(' 42 ')", 42),
        ("TO_INTEGER('-0042')", -42),
        ("TO_INTEGER('5.9')", None),
        ("TO_INTEGER('0x1F')", None),
        ("TO_INTEGER('')", None),
        ("TO_INTEGER('abc')", None),
        ("TO_INTEGER('2147483648')", None),
        ("TO_INTEGER(3000000000L)", None),
        ("TO_INTEGER(true)", 1),
        ("TO_INTEGER(false)", 0),
        ("TO_INTEGER([8, 9])", 8),
        ("TO_INTEGER([])", None),
        ("TO_INTEGER({'a': 1})", None),
        ("TO_INTEGER(null)", None),
        ("TO_INTEGER(3, 'ignored')", 3),
        ("TO_LONG(1.5f)", Long(1)),
        ("TO_LONG('00232321')", Long(232321)),
        ("TO_LONG('9223372036854775807')", Long(2**63 - 1)),
        ("TO_LONG('9223372036854775808')", None),
        ("TO_LONG(5)", Long(5)),
        ("TO_LONG(1e19)", Long(2**63 - 1)),  # longValue() saturates
        ("TO_INTEGER(1e10)", None),
        ("TO_LONG(null)", None),
        ("TO_FLOAT(1.0)", Float(1.0)),
        ("TO_FLOAT(3)", Float(3.0)),
        ("TO_FLOAT('0.1')", Float(0.1)),
        ("TO_FLOAT('1e3')", Float(1000.0)),
        ("TO_FLOAT('x')", None),
        ("TO_FLOAT(null)", None),
        ("TO_DOUBLE(1)", 1.0),
        ("TO_DOUBLE(12L)", 12.0),
        ("TO_DOUBLE(0.1f)", f32(0.1)),
        ("TO_DOUBLE('1e3')", 1000.0),
        ("TO_DOUBLE(' 2.5 ')", 2.5),
        ("TO_DOUBLE('2.5d')", 2.5),
        ("TO_DOUBLE('Infinity')", math.inf),
        ("TO_DOUBLE('one')", None),
        ("TO_DOUBLE(true)", 1.0),
        ("TO_DOUBLE(null)", None),
    ],
)
def test_conversions(expression: str, expected: Any) -> None:
    result = ev(expression)
    assert java_equals(result, expected), f"{expression} gave {result!r}"


def test_to_double_of_nan_string() -> None:
    assert math.isnan(ev("TO_DOUBLE('NaN')"))


def test_a_set_converts_its_first_item() -> None:
    assert ev("TO_INTEGER(s)", {"s": JavaSet(["17", "x"])}) == 17


@pytest.mark.parametrize("name", ["TO_INTEGER", "TO_LONG", "TO_FLOAT", "TO_DOUBLE"])
def test_an_argument_is_required(name: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(f"{name}()")


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_integers_round_trip_through_strings(n: int) -> None:
    assert ev("TO_INTEGER(TO_STRING(n))", {"n": n}) == n
    assert java_equals(ev("TO_LONG(TO_STRING(n))", {"n": n}), Long(n))
    assert ev("TO_DOUBLE(n)", {"n": n}) == float(n)


@given(st.one_of(st.text(max_size=10), st.floats(), st.booleans(), st.none()))
def test_conversions_never_raise(value: Any) -> None:
    for name in ("TO_INTEGER", "TO_LONG", "TO_FLOAT", "TO_DOUBLE"):
        ev(f"{name}(v)", {"v": value})
