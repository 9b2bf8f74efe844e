"""Conversion functions: ``TO_INTEGER``, ``TO_LONG``, ``TO_FLOAT`` and ``TO_DOUBLE``.

They apply Metron's lenient conversion (commons-beanutils): numbers are narrowed by
truncation, strings are trimmed and parsed, booleans become 1 or 0, a list converts its
first item, and anything that does not convert gives ``null`` rather than an error.
"""

from __future__ import annotations

from typing import Any

from metron.stellar.convert import to_double, to_float, to_integer, to_long
from metron.stellar.functions import stellar
from metron.stellar.types import Float, Long

__all__: list[str] = []


@stellar(
    "TO_INTEGER",
    params=["input - a number, a numeric string or a boolean"],
    returns="the value as an Integer, or null when it cannot be converted",
    description="Converts a value to a 32-bit integer. Decimals are truncated toward zero; a string must hold a whole number; a value outside the Integer range gives null.",
    examples=[("TO_INTEGER('  42 ')", 42), ("TO_INTEGER(-5.9)", -5), ("TO_INTEGER('5.9')", None)],
    pure=True,
)
def to_integer_fn(value: Any, *_: Any) -> int | None:
    if type(value) is int and -2147483648 <= value <= 2147483647:
        return value
    return to_integer(value)


@stellar(
    "TO_LONG",
    params=["input - a number, a numeric string or a boolean"],
    returns="the value as a Long, or null when it cannot be converted",
    description="Converts a value to a 64-bit integer. Decimals are truncated toward zero; leading zeros in a string are fine.",
    examples=[
        ("TO_LONG('00232321')", Long(232321)),
        ("TO_LONG(1.9)", Long(1)),
        ("TO_LONG('x')", None),
    ],
    pure=True,
)
def to_long_fn(value: Any, *_: Any) -> Long | None:
    return to_long(value)


@stellar(
    "TO_FLOAT",
    params=["input - a number, a numeric string or a boolean"],
    returns="the value as a Float (single precision), or null when it cannot be converted",
    description="Converts a value to a single-precision floating-point number.",
    examples=[
        ("TO_FLOAT('2.5')", Float(2.5)),
        ("TO_FLOAT(3)", Float(3.0)),
        ("TO_FLOAT('abc')", None),
    ],
    pure=True,
)
def to_float_fn(value: Any, *_: Any) -> Float | None:
    return to_float(value)


@stellar(
    "TO_DOUBLE",
    params=["input - a number, a numeric string or a boolean"],
    returns="the value as a Double, or null when it cannot be converted",
    description="Converts a value to a double-precision floating-point number; strings may use exponents such as 1e3.",
    examples=[("TO_DOUBLE('1e3')", 1000.0), ("TO_DOUBLE(7)", 7.0), ("TO_DOUBLE(true)", 1.0)],
    pure=True,
)
def to_double_fn(value: Any, *_: Any) -> float | None:
    if type(value) is float:
        return value
    return to_double(value)
