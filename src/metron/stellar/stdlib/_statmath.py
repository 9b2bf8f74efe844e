"""Java's floating-point arithmetic where it differs from Python's, for the statistics providers.

Python raises on a zero divisor, on ``log`` of zero and on ``sqrt`` of a negative number; Java
returns an infinity or NaN.  ``Math.min``/``Math.max`` propagate NaN and order -0.0 below 0.0.
``FastMath.pow`` (commons-math 3.6.1) with an integral exponent multiplies in double-double
precision (Veltkamp splitting), which is not always ``x ** n`` rounded once.
"""

from __future__ import annotations

import math
import struct

__all__ = ["fast_pow", "java_div", "java_exp", "java_log", "java_max", "java_min", "java_sqrt"]

NAN = math.nan
_INF = math.inf
_D = struct.Struct("<d")
_Q = struct.Struct("<Q")
_HIGH = 0xFFFFFFFFF8000000  # keeps the sign, exponent and top 25 mantissa bits


def java_div(a: float, b: float) -> float:
    """``a / b`` with Java's IEEE semantics (no exception on a zero divisor)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return NAN
        negative = (a < 0) != (math.copysign(1.0, b) < 0)
        return -_INF if negative else _INF


def java_log(x: float) -> float:
    """``Math.log``: -Infinity at zero, NaN below it."""
    if x > 0:
        return math.log(x)
    return -_INF if x == 0 else NAN


def java_sqrt(x: float) -> float:
    """``Math.sqrt``: NaN for negative numbers, -0.0 for -0.0."""
    return math.sqrt(x) if x >= 0 or x != x else NAN


def java_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _split(x: float) -> tuple[float, float, float]:
    high = _D.unpack(_Q.pack(_Q.unpack(_D.pack(x))[0] & _HIGH))[0]
    return x, high, x - high


def _join(high: float, low: float) -> tuple[float, float, float]:
    if high == 0.0:
        full = -0.0 if low == 0.0 and math.copysign(1.0, high) < 0 else low
    else:
        full = high + low
    return full, high, low


def _multiply(
    a: tuple[float, float, float], b: tuple[float, float, float]
) -> tuple[float, float, float]:
    full, high, low = _split(a[0] * b[0])
    error = a[2] * b[2] - (((full - a[1] * b[1]) - a[2] * b[1]) - a[1] * b[2])
    return _join(high, low + error)


def fast_pow(x: float, e: int) -> float:
    """commons-math ``FastMath.pow(x, e)`` for a positive integral exponent."""
    result = (1.0, 1.0, 0.0)
    square = _split(x)
    p = e
    while p:
        if p & 1:
            result = _multiply(result, square)
        square = _multiply(square, square)
        p >>= 1
    if result[0] != result[0] and x == x:
        # intermediate overflow: FastMath reports the limit instead of NaN
        if abs(x) < 1:
            return math.copysign(0.0, x)
        return -_INF if x < 0 and e & 1 else _INF
    return result[0]


def java_min(a: float, b: float) -> float:
    if a != a or b != b:
        return NAN
    if a == b == 0.0:
        return a if math.copysign(1.0, a) < 0 else b
    return a if a < b else b


def java_max(a: float, b: float) -> float:
    if a != a or b != b:
        return NAN
    if a == b == 0.0:
        return a if math.copysign(1.0, a) > 0 else b
    return a if a > b else b
