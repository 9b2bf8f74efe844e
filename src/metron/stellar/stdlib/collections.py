"""Collection basics: sizes, emptiness, appending to a list, and the largest/smallest element.

``MAX`` and ``MIN`` follow Metron's ordering rules rather than Python's: each element is
compared with the best-so-far after converting the best-so-far to the element's Java class
(the beanutils way), so ``MAX([10, 15L, 15.3])`` is ``15.3`` and ``MAX(['23', 25])`` is
``25``, while an element that cannot take the best-so-far's value is an error.  A statistics
object (anything with a callable ``stellar_max``/``stellar_min``) answers for itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from metron.stellar.convert import to_boolean, to_double, to_float, to_integer, to_long
from metron.stellar.errors import StellarError
from metron.stellar.functions import stellar
from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    Char,
    Float,
    JavaSet,
    Long,
    java_type_name,
    to_java_string,
)

__all__: list[str] = []

_COLLECTIONS = (list, tuple, JavaSet, set, frozenset)
_SIZED = (*_COLLECTIONS, Mapping)


def _utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


@stellar(
    "LENGTH",
    params=["input - a string, list, set or map"],
    returns="the number of characters (UTF-16 units) or elements, as an Integer",
    description=(
        "Counts the characters of a string or the elements of a list, set or map. Anything "
        "else, null included, has length 0."
    ),
    examples=[
        ("LENGTH('metron')", 6),
        ("LENGTH({'a': 1, 'b': 2})", 2),
        ("LENGTH(42)", 0),
    ],
    pure=True,
)
def length(*args: Any) -> int:
    if not args:
        return 0
    value = args[0]
    if type(value) is str:
        return _utf16_length(value)
    if isinstance(value, _SIZED):
        return len(value)
    return 0


@stellar(
    "IS_EMPTY",
    params=["input - a string, list, set or map"],
    returns="true when the input is null, an empty string or an empty collection",
    description=(
        "Tells whether a value is null, an empty string, or a list, set or map without "
        "elements. Any other value (a number, a boolean) is not empty."
    ),
    examples=[("IS_EMPTY('')", True), ("IS_EMPTY([null])", False), ("IS_EMPTY(0)", False)],
    pure=True,
)
def is_empty(*args: Any) -> bool:
    if not args:
        return True
    value = args[0]
    if type(value) is str or isinstance(value, _SIZED):
        return len(value) == 0
    return value is None


@stellar(
    "LIST_ADD",
    params=["list - the list to append to", "element - the value to append"],
    returns="the same list, with the element at its end",
    description=(
        "Appends an element to a list, changing that list, and returns it. A first argument "
        "that is not a list is returned unchanged."
    ),
    examples=[
        ("LIST_ADD([1, 2], 3)", [1, 2, 3]),
        ("LIST_ADD(['a'], null)", ["a", None]),
        ("LIST_ADD('not a list', 3)", "not a list"),
    ],
    pure=True,
)
def list_add(*args: Any) -> Any:
    if not args:
        return None
    target = args[0]
    if len(args) == 1:
        return target
    if isinstance(target, list):
        target.append(args[1])
        return target
    if isinstance(target, tuple):
        raise StellarError("the list cannot be changed")
    return target


# -- MAX / MIN ------------------------------------------------------------------------------


def _java_class(value: Any) -> str | None:
    """The name of the Comparable Java class of ``value``, or None when it is not Comparable."""
    t = type(value)
    if t is int:
        return "Integer" if INT_MIN <= value <= INT_MAX else "Long"
    if t is Long:
        return "Long"
    if t is float:
        return "Double"
    if t is Float:
        return "Float"
    if t is str:
        return "String"
    if t is bool:
        return "Boolean"
    if t is Char:
        return "Character"
    return None


def _to_character(value: Any) -> Char | None:
    if type(value) is Char:
        return value
    text = to_java_string(value)
    return Char(text[0]) if text else None


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "Integer": to_integer,
    "Long": to_long,
    "Float": to_float,
    "Double": to_double,
    "String": to_java_string,
    "Boolean": to_boolean,
    "Character": _to_character,
}


def _compare_floats(a: float, b: float) -> int:
    # Double.compareTo: NaN is above everything (and equal to itself), -0.0 is below 0.0.
    if a < b:
        return -1
    if a > b:
        return 1
    a_nan = a != a
    b_nan = b != b
    if a_nan or b_nan:
        return int(a_nan) - int(b_nan)
    sa = math.copysign(1.0, a)
    sb = math.copysign(1.0, b)
    return (sa > sb) - (sa < sb)


def _compare_strings(a: str, b: str) -> int:
    if not (a.isascii() and b.isascii()):
        ka = a.encode("utf-16-be", "surrogatepass")
        kb = b.encode("utf-16-be", "surrogatepass")
        return (ka > kb) - (ka < kb)
    return (a > b) - (a < b)


def _compare(a: Any, b: Any, kind: str) -> int:
    """``a.compareTo(b)`` for two values of the Java class ``kind``."""
    if kind == "Double" or kind == "Float":
        return _compare_floats(float(a), float(b))
    if kind == "String":
        return _compare_strings(a, b)
    return (a > b) - (a < b)


def _extreme(args: tuple[Any, ...], sign: int) -> Any:
    """Metron's ordering loop: ``sign`` 1 keeps the largest element, -1 the smallest."""
    if not args or args[0] is None:
        raise StellarError("needs a list of values or a statistics object")
    values = args[0]
    method = getattr(values, "stellar_max" if sign > 0 else "stellar_min", None)
    if callable(method):
        return float(method())
    if not isinstance(values, _COLLECTIONS):
        raise StellarError(
            f"needs a list of values or a statistics object, got {java_type_name(values)}"
        )
    best: Any = None
    for value in values:
        if value is None:
            continue
        kind = _java_class(value)
        if kind is None:
            raise StellarError(f"cannot order {java_type_name(value)} values")
        if best is None:
            best = value
            continue
        converted = _CONVERTERS[kind](best)
        if converted is None:
            raise StellarError(
                f"cannot compare {java_type_name(best)} {to_java_string(best)}"
                f" with {kind} {to_java_string(value)}"
            )
        if _compare(converted, value, kind) * sign < 0:
            best = value
    return best


@stellar(
    "MAX",
    params=[
        "stats - a statistics object, or",
        "list - a list or set of mutually comparable values (nulls are skipped)",
    ],
    returns="the largest element (null for an empty list), or the statistics object's maximum",
    description=(
        "The largest value of a list or set, or the maximum a statistics object has seen. "
        "Numbers of different types compare by value and the element itself is returned; "
        "each element is compared after converting the best-so-far to its type, so a "
        "numeric string before a number is read as a number."
    ),
    examples=[
        ("MAX([10, 15L, 15.3])", 15.3),
        ("MAX(['23', 25])", 25),
        ("MAX(['b', 'a', null])", "b"),
    ],
    pure=True,
)
def max_(*args: Any) -> Any:
    return _extreme(args, 1)


@stellar(
    "MIN",
    params=[
        "stats - a statistics object, or",
        "list - a list or set of mutually comparable values (nulls are skipped)",
    ],
    returns="the smallest element (null for an empty list), or the statistics object's minimum",
    description=(
        "The smallest value of a list or set, or the minimum a statistics object has seen. "
        "Comparison works as for MAX: the best-so-far is converted to each element's type "
        "before comparing, which can keep a value that only ties after truncation."
    ),
    examples=[
        ("MIN([10, 15L, 15.3])", 10),
        ("MIN([15.7, 15])", 15.7),
        ("MIN([])", None),
    ],
    pure=True,
)
def min_(*args: Any) -> Any:
    return _extreme(args, -1)
