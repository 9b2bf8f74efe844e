"""Math functions of one number, with Java's ``Math`` semantics.

The argument is read as a double.  A missing or null argument gives NaN rather than an
error; a value that is not a number (a string, a boolean) is an error.  Every function
returns a Double except ``ROUND``, which returns a Long (NaN stays NaN).  Where Python's
``math`` module raises (``log(0)``, ``sqrt(-1)``, ``sin(inf)``, ``exp(1000)``) the Java
result is returned instead: ``-Infinity``, ``NaN``, ``NaN``, ``Infinity``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.types import LONG_MAX, LONG_MIN, Long, is_number, java_type_name

__all__ = ["java_round"]

_NAN = math.nan
_LN2 = math.log(2)


def _number(args: tuple[Any, ...]) -> float | None:
    """The argument as a double, or None when it is missing or null (the result is NaN)."""
    if not args or args[0] is None:
        return None
    value = args[0]
    if not is_number(value):
        raise StellarError(f"expects a number, got {java_type_name(value)}")
    return float(value)


def _ln(x: float) -> float:
    if x > 0.0:
        return math.log(x)  # log(inf) is inf
    if x == 0.0:
        return -math.inf
    return _NAN  # negative or NaN


def _log10(x: float) -> float:
    if x > 0.0:
        return math.log10(x)
    if x == 0.0:
        return -math.inf
    return _NAN


def _log2(x: float) -> float:
    # Metron divides natural logarithms rather than calling a base-2 logarithm.
    return _ln(x) / _LN2


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else _NAN  # sqrt(-0.0) is -0.0


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _trig(fn: Callable[[float], float]) -> Callable[[float], float]:
    def apply(x: float) -> float:
        return fn(x) if math.isfinite(x) else _NAN

    return apply


def _integral(fn: Callable[[float], int]) -> Callable[[float], float]:
    def apply(x: float) -> float:
        if not math.isfinite(x):
            return x
        result = float(fn(x))
        # Java keeps the sign of zero: ceil(-0.5) is -0.0, floor(-0.0) is -0.0.
        return math.copysign(0.0, x) if result == 0.0 else result

    return apply


def java_round(x: float) -> Long:
    """Java's ``Math.round(double)``: half up (toward positive infinity), saturating to a long."""
    if x != x:
        return Long(0)
    if x >= 9.223372036854775807e18:
        return Long(LONG_MAX)
    if x <= -9.223372036854775808e18:
        return Long(LONG_MIN)
    floor = math.floor(x)
    # x - floor is exact except just above -1, where rounding cannot cross one half.
    return Long(floor + 1 if x - floor >= 0.5 else floor)


def _register(
    name: str, fn: Callable[[float], float], what: str, description: str, examples: list[Any]
) -> None:
    def impl(*args: Any) -> float:
        x = _number(args)
        return _NAN if x is None else fn(x)

    impl.__name__ = impl.__qualname__ = name.lower()
    stellar(
        name,
        params=[f"number - {what}"],
        returns="a Double",
        description=description,
        examples=examples,
        pure=True,
    )(impl)


_register(
    "ABS",
    abs,
    "the number to take the absolute value of",
    "The absolute value of a number, as a Double.",
    [("ABS(-3)", 3.0), ("ABS(null)", math.nan)],
)
_register(
    "CEILING",
    _integral(math.ceil),
    "the number to round up",
    "The smallest whole number not below the argument, as a Double.",
    [("CEILING(10.2)", 11.0), ("CEILING(-0.5)", -0.0)],
)
_register(
    "FLOOR",
    _integral(math.floor),
    "the number to round down",
    "The largest whole number not above the argument, as a Double.",
    [("FLOOR(10.8)", 10.0), ("FLOOR(-10.2)", -11.0)],
)
_register(
    "SQRT",
    _sqrt,
    "the number to take the square root of",
    "The square root of a number; NaN for a negative number.",
    [("SQRT(16)", 4.0), ("SQRT(-1)", math.nan)],
)
_register(
    "EXP",
    _exp,
    "the power to raise e to",
    "Euler's number e raised to the power of the argument.",
    [("EXP(0)", 1.0), ("EXP(1000)", math.inf)],
)
_register(
    "LN",
    _ln,
    "the number to take the natural logarithm of",
    "The natural logarithm of a number: -Infinity for 0, NaN for a negative number.",
    [("LN(1)", 0.0), ("LN(0)", -math.inf)],
)
_register(
    "LOG2",
    _log2,
    "the number to take the base-2 logarithm of",
    "The base-2 logarithm of a number, computed as ln(x) / ln(2).",
    [("LOG2(1024)", 10.0), ("LOG2(-4)", math.nan)],
)
_register(
    "LOG10",
    _log10,
    "the number to take the base-10 logarithm of",
    "The base-10 logarithm of a number: -Infinity for 0, NaN for a negative number.",
    [("LOG10(1000)", 3.0), ("LOG10(0.0)", -math.inf)],
)
_register(
    "SIN",
    _trig(math.sin),
    "an angle in radians",
    "The sine of an angle given in radians; NaN for an infinite angle.",
    [("SIN(0)", 0.0), ("SIN(1.5707963267948966)", 1.0)],
)
_register(
    "COS",
    _trig(math.cos),
    "an angle in radians",
    "The cosine of an angle given in radians; NaN for an infinite angle.",
    [("COS(0)", 1.0), ("COS()", math.nan)],
)
_register(
    "TAN",
    _trig(math.tan),
    "an angle in radians",
    "The tangent of an angle given in radians; NaN for an infinite angle.",
    [("TAN(0)", 0.0), Example("TAN('1')", error=True)],
)


@stellar(
    "ROUND",
    params=["number - the number to round"],
    returns="a Long (NaN when the argument is NaN, null or missing)",
    description=(
        "Rounds a number to the nearest whole number, halves rounding up toward positive "
        "infinity (2.5 gives 3, -2.5 gives -2). The result is a Long."
    ),
    examples=[("ROUND(2.5)", Long(3)), ("ROUND(-2.5)", Long(-2)), ("ROUND(null)", math.nan)],
    pure=True,
)
def round_(*args: Any) -> Long | float:
    x = _number(args)
    if x is None or x != x:
        return _NAN
    return java_round(x)


@stellar(
    "IS_NAN",
    params=["number - the number to test"],
    returns="true when the number is NaN",
    description=(
        "Tells whether a number is NaN (not a number). Exactly one argument, which must be a "
        "number: null, a string or no argument at all is an error."
    ),
    examples=[
        ("IS_NAN(0.0/0.0)", True),
        ("IS_NAN(1)", False),
        Example("IS_NAN(null)", error=True),
    ],
    pure=True,
)
def is_nan(*args: Any) -> bool:
    if len(args) != 1:
        raise StellarError("expects exactly one argument, a number")
    value = args[0]
    if not is_number(value):
        raise StellarError(f"expects a number, got {java_type_name(value)}")
    return math.isnan(value)
