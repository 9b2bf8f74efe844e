"""Java semantics of Stellar's operators: arithmetic, comparison, equality and ``in``.

Arithmetic promotes like Java (double > float > long > int), wraps 32- and 64-bit integers,
truncates integer division, rounds float results to single precision and treats a ``null``
operand as 0.  Comparisons with ``null`` are false; equality of numbers is numeric, of
everything else Java's ``equals``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    Float,
    JavaSet,
    Long,
    f32,
    java_equals,
    java_type_name,
    to_java_string,
    wrap_int,
    wrap_long,
)

__all__ = ["arith", "compare", "contains", "equals", "number_rank"]

# Ranks of the numeric kinds, in promotion order.
_INT, _LONG, _FLOAT, _DOUBLE = 0, 1, 2, 3


def number_rank(x: Any) -> int:
    """0 int, 1 long, 2 float, 3 double; -1 when ``x`` is not a Java number."""
    t = type(x)
    if t is int:
        return _INT if INT_MIN <= x <= INT_MAX else _LONG
    if t is float:
        return _DOUBLE
    if t is Long:
        return _LONG
    if t is Float:
        return _FLOAT
    return -1


def _describe(x: Any) -> str:
    if x is None:
        return "null"
    return (
        f"{java_type_name(x)} {to_java_string(x)!s}" if not isinstance(x, str) else f"String '{x}'"
    )


def _div_float(a: float, b: float) -> float:
    if b == 0.0:
        if a != a or a == 0.0:
            return math.nan
        negative = (a < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if negative else math.inf
    return a / b


def _div_int(a: int, b: int) -> int:
    if b == 0:
        raise StellarError("/ by zero")
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def arith(op: str, left: Any, right: Any) -> Any:
    """``left op right`` with Java's binary numeric promotion; ``null`` counts as 0."""
    if left is None:
        left = 0
    if right is None:
        right = 0
    rl = number_rank(left)
    rr = number_rank(right)
    if rl < 0 or rr < 0:
        bad = left if rl < 0 else right
        raise StellarError(f"cannot apply '{op}' to {_describe(bad)}: arithmetic needs numbers")
    rank = rl if rl > rr else rr
    if rank == _DOUBLE:
        a = float(left)
        b = float(right)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return _div_float(a, b)
    if rank == _FLOAT:
        a = f32(float(left))
        b = f32(float(right))
        if op == "+":
            r = a + b
        elif op == "-":
            r = a - b
        elif op == "*":
            r = a * b
        else:
            r = _div_float(a, b)
        return Float(r)
    a_int = int(left)
    b_int = int(right)
    if op == "+":
        r_int = a_int + b_int
    elif op == "-":
        r_int = a_int - b_int
    elif op == "*":
        r_int = a_int * b_int
    else:
        r_int = _div_int(a_int, b_int)
    return wrap_long(r_int) if rank == _LONG else wrap_int(r_int)


def _numbers_equal(left: Any, right: Any, rl: int, rr: int) -> bool:
    rank = rl if rl > rr else rr
    if rank == _DOUBLE:
        return float(left) == float(right)
    if rank == _FLOAT:
        return f32(float(left)) == f32(float(right))
    return int(left) == int(right)


def equals(left: Any, right: Any) -> bool:
    """Stellar's ``==``."""
    if left is None or right is None:
        return left is right
    tl = type(left)
    if tl is str and type(right) is str:
        return left == right
    rl = number_rank(left)
    if rl >= 0:
        rr = number_rank(right)
        if rr >= 0:
            return _numbers_equal(left, right, rl, rr)
    return java_equals(left, right)


def compare(op: str, left: Any, right: Any) -> bool:
    """Stellar's ``<``, ``<=``, ``>``, ``>=``: false with null, numeric or same-class order."""
    if left is None or right is None:
        return False
    rl = number_rank(left)
    rr = number_rank(right)
    if rl >= 0 and rr >= 0:
        rank = rl if rl > rr else rr
        if rank == _DOUBLE:
            a: Any = float(left)
            b: Any = float(right)
        elif rank == _FLOAT:
            a = f32(float(left))
            b = f32(float(right))
        else:
            a = int(left)
            b = int(right)
    elif type(left) is type(right) and isinstance(left, (str, bool)):
        a, b = left, right
        if isinstance(left, str):
            a, b = _utf16_key(left), _utf16_key(right)
    else:
        raise StellarError(
            f"cannot compare {_describe(left)} {op} {_describe(right)}:"
            " only numbers, or two values of the same type, can be ordered"
        )
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _utf16_key(s: str) -> Any:
    # Java compares strings by UTF-16 code unit; only astral characters order differently.
    if s.isascii() or all(ord(c) < 0xD800 for c in s):
        return s
    return s.encode("utf-16-be")


def contains(haystack: Any, needle: Any) -> bool:
    """Stellar's ``needle in haystack``."""
    if haystack is None:
        return False
    if type(haystack) is str:
        if type(needle) is str:
            return needle in haystack
        return False
    if isinstance(haystack, list):
        if type(needle) is str:
            return needle in haystack
        return any(java_equals(needle, item) for item in haystack)
    if isinstance(haystack, (JavaSet, set, frozenset)):
        try:
            return needle in haystack
        except TypeError:
            return any(java_equals(needle, item) for item in haystack)
    if isinstance(haystack, Mapping):
        try:
            return needle in haystack
        except TypeError:
            return False
    if isinstance(haystack, tuple):
        return any(java_equals(needle, item) for item in haystack)
    return java_equals(needle, haystack)
