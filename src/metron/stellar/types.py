"""Stellar's value model: Java's boxed types mapped onto Python values.

Metron evaluates Stellar on the JVM, so results depend on Java's numeric types.  We map:

=================  ============================================
Java               Python
=================  ============================================
``null``           ``None``
``Boolean``        ``bool``
``Integer``        ``int`` (within 32 bits; a larger plain ``int`` counts as a long)
``Long``           :class:`Long` (an ``int`` subclass)
``Float``          :class:`Float` (a ``float`` subclass holding a float32 value)
``Double``         ``float``
``String``         ``str``
``Character``      :class:`Char` (a one-character ``str`` subclass)
``List``           ``list``
``Map``            ``dict``
``Set``            :class:`JavaSet` (insertion ordered, like ``LinkedHashSet``)
=================  ============================================

``Long``, ``Float`` and ``Char`` compare equal only to their own kind, as ``equals`` does in
Java (``Long(1) != 1``), and hash differently from their base type, so ``[1] == [1L]`` is
false here as it is in Metron.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator, Mapping, MutableSet
from decimal import Decimal
from typing import Any

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "LONG_MAX",
    "LONG_MIN",
    "Char",
    "Float",
    "JavaSet",
    "Long",
    "double_to_string",
    "f32",
    "float_to_string",
    "is_number",
    "java_equals",
    "java_hash_code",
    "java_hashmap_capacity",
    "java_hashmap_keys",
    "java_hashmap_order",
    "java_type_name",
    "to_java_string",
    "wrap_int",
    "wrap_long",
]

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1

_F32 = struct.Struct("<f")


class Long(int):
    """A Java ``Long``: a 64-bit integer that is not equal to an ``Integer`` of the same value."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is Long and int(self) == int(other)

    def __ne__(self, other: object) -> bool:
        return not (type(other) is Long and int(self) == int(other))

    def __hash__(self) -> int:
        return hash(("L", int(self)))

    def __repr__(self) -> str:
        return f"{int(self)}L"

    def __str__(self) -> str:
        return int.__repr__(self)


class Float(float):
    """A Java ``Float``: a value rounded to IEEE single precision."""

    __slots__ = ()

    def __new__(cls, value: Any = 0.0) -> Float:
        return float.__new__(cls, f32(float(value)))

    def __eq__(self, other: object) -> bool:
        return type(other) is Float and float(self) == float(other)

    def __ne__(self, other: object) -> bool:
        return not (type(other) is Float and float(self) == float(other))

    def __hash__(self) -> int:
        return hash(("F", float(self)))

    def __repr__(self) -> str:
        return float_to_string(self) + "f"

    def __str__(self) -> str:
        return float_to_string(self)


class Char(str):
    """A Java ``Character`` (produced when ``MAP``/``FILTER`` iterate over a string)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is Char and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not (type(other) is Char and str.__eq__(self, other))

    def __hash__(self) -> int:
        return hash(("C", str(self)))


class JavaSet(MutableSet[Any]):
    """An insertion-ordered set, like Java's ``LinkedHashSet`` that Stellar's set functions use.

    Members are told apart as Java tells them apart: ``1``, ``1L``, ``1.0`` and ``true`` are
    four members, and lists and maps may be members (compared by content).
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items: dict[Any, Any] = {}
        for item in items:
            self._items.setdefault(_member_key(item), item)

    def __contains__(self, item: object) -> bool:
        return _member_key(item) in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def add(self, value: Any) -> None:
        self._items.setdefault(_member_key(value), value)

    def discard(self, value: Any) -> None:
        self._items.pop(_member_key(value), None)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (JavaSet, set, frozenset)):
            return len(self) == len(other) and all(x in self for x in other)
        return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "JavaSet(" + repr(list(self._items.values())) + ")"

    def __str__(self) -> str:
        return to_java_string(self)


def _member_key(value: Any) -> Any:
    """A hashable key that is equal for two values exactly when Java's equals says so."""
    t = type(value)
    if t is str or t is int or t is Long or t is Float or t is Char or value is None:
        return value
    if t is bool:
        return ("bool", value)
    if t is float:
        return ("double", value)
    if isinstance(value, list):
        return ("list", tuple(_member_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", frozenset((_member_key(k), _member_key(v)) for k, v in value.items()))
    if isinstance(value, JavaSet):
        return ("set", frozenset(value._items))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return value


def f32(x: float) -> float:
    """Round a double to the nearest float32, overflowing to an infinity as Java does."""
    try:
        return _F32.unpack(_F32.pack(x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def wrap_int(x: int) -> int:
    """Two's-complement wrap to 32 bits (Java ``int`` overflow)."""
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x > INT_MAX else x


def wrap_long(x: int) -> Long:
    """Two's-complement wrap to 64 bits (Java ``long`` overflow)."""
    x &= 0xFFFFFFFFFFFFFFFF
    return Long(x - 0x10000000000000000 if x > LONG_MAX else x)


def is_number(x: object) -> bool:
    """True for Java numbers: int, Long, Float and float, but not bool."""
    t = type(x)
    return t is int or t is float or t is Long or t is Float


def java_type_name(x: object) -> str:
    """The Java class name Metron would report for a value."""
    t = type(x)
    if x is None:
        return "null"
    if t is bool:
        return "Boolean"
    if t is int:
        return "Integer" if INT_MIN <= x <= INT_MAX else "Long"  # type: ignore[operator]
    if t is Long:
        return "Long"
    if t is Float:
        return "Float"
    if t is float:
        return "Double"
    if t is Char:
        return "Character"
    if isinstance(x, str):
        return "String"
    if isinstance(x, list):
        return "List"
    if isinstance(x, Mapping):
        return "Map"
    if isinstance(x, (JavaSet, set, frozenset)):
        return "Set"
    return type(x).__name__


def java_equals(a: object, b: object) -> bool:
    """Java's ``a.equals(b)``: type-strict for numbers, structural for collections."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    ta = type(a)
    tb = type(b)
    if isinstance(a, float) and isinstance(b, float) and ta is float and tb is float:
        # Double.equals compares bit patterns: NaN equals NaN, 0.0 differs from -0.0.
        if a != a:
            return b != b
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(java_equals(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping):
        if not isinstance(b, Mapping) or len(a) != len(b):
            return False
        return all(not (k not in b or not java_equals(v, b[k])) for k, v in a.items())
    if isinstance(a, (JavaSet, set, frozenset)):
        return isinstance(b, (JavaSet, set, frozenset)) and a == b
    if ta is not tb:
        # bool is an int subclass and float compares equal to int in Python; Java does not.
        if ta in _STRICT or tb in _STRICT:
            return False
        if isinstance(a, str) and isinstance(b, str):
            return str.__eq__(a, b)
    return a == b


_STRICT = frozenset({bool, int, float, Long, Float, Char})


def java_hash_code(x: object) -> int:
    """Java's ``hashCode()`` for the value kinds Stellar produces (used by a few functions)."""
    if x is None:
        return 0
    t = type(x)
    if t is bool:
        return 1231 if x else 1237
    if t is int:
        return wrap_int(x)  # type: ignore[arg-type]
    if t is Long:
        v = int(x) & 0xFFFFFFFFFFFFFFFF  # type: ignore[call-overload]
        return wrap_int(v ^ (v >> 32))
    if isinstance(x, str):
        h = 0
        for unit in _utf16_units(x):
            h = (31 * h + unit) & 0xFFFFFFFF
        return wrap_int(h)
    if t is float:
        bits = struct.unpack("<q", struct.pack("<d", x))[0]
        if x != x:
            bits = 0x7FF8000000000000
        bits &= 0xFFFFFFFFFFFFFFFF
        return wrap_int(bits ^ (bits >> 32))
    if t is Float:
        bits = struct.unpack("<i", struct.pack("<f", x))[0]
        return wrap_int(0x7FC00000 if x != x else bits)
    if isinstance(x, list):
        h = 1
        for e in x:
            h = (31 * h + java_hash_code(e)) & 0xFFFFFFFF
        return wrap_int(h)
    return wrap_int(hash(x))


def java_hashmap_capacity(size: int) -> int:
    """The table length of ``new HashMap<>()`` after ``size`` puts."""
    capacity = 16
    while size > capacity * 3 // 4:
        capacity *= 2
    return capacity


def java_hashmap_keys(keys: Iterable[Any], capacity: int | None = None) -> list[Any]:
    """Keys put into a Java ``HashMap`` in the given order, in the order it iterates them.

    A HashMap iterates its table slot by slot (the spread hash code masked by the table
    length); keys sharing a slot keep their insertion order (resizing splits a slot without
    reordering it).  ``capacity`` is the final table length, by default that of
    ``new HashMap<>()`` after the puts.
    """
    ordered = list(keys)
    mask = (capacity or java_hashmap_capacity(len(ordered))) - 1

    def slot(i: int) -> tuple[int, int]:
        h = java_hash_code(ordered[i]) & 0xFFFFFFFF
        return ((h ^ (h >> 16)) & mask, i)

    return [ordered[i] for i in sorted(range(len(ordered)), key=slot)]


def java_hashmap_order(mapping: dict[Any, Any]) -> dict[Any, Any]:
    """``mapping`` re-ordered as a Java ``HashMap`` holding its entries (put in
    ``mapping``'s order) would iterate them."""
    if len(mapping) < 2:
        return mapping
    try:
        keys = java_hashmap_keys(mapping)
    except TypeError:
        return mapping
    return {k: mapping[k] for k in keys}


def _utf16_units(s: str) -> Iterator[int]:
    for ch in s:
        cp = ord(ch)
        if cp < 0x10000:
            yield cp
        else:
            cp -= 0x10000
            yield 0xD800 + (cp >> 10)
            yield 0xDC00 + (cp & 0x3FF)


def _shortest_digits(value: float, single: bool) -> tuple[str, int]:
    """Shortest decimal digits and exponent that read back as ``value``.

    Returns ``(digits, exp)`` meaning ``0.digits * 10**exp``... expressed here as the
    scientific exponent of the first digit: value = d.ddd * 10**exp.
    """
    if single:
        text = ""
        for precision in range(1, 10):
            text = f"{value:.{precision}e}" if precision > 1 else f"{value:.0e}"
            if f32(float(text)) == value:
                break
    else:
        text = repr(value)
    _sign, digit_tuple, exponent = Decimal(text).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # position of the decimal point relative to the first digit
    sci_exp = len(digit_tuple) + int(exponent) - 1
    return digits, sci_exp


def _java_float_text(value: float, single: bool) -> str:
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits, exp = _shortest_digits(abs(value), single)
    if 1e-3 <= abs(value) < 1e7:
        if exp >= 0:
            int_part = digits[: exp + 1].ljust(exp + 1, "0")
            frac = digits[exp + 1 :] or "0"
        else:
            int_part = "0"
            frac = "0" * (-exp - 1) + digits
        return f"{sign}{int_part}.{frac}"
    frac = digits[1:] or "0"
    return f"{sign}{digits[0]}.{frac}E{exp}"


def double_to_string(value: float) -> str:
    """Java's ``Double.toString``: ``3.0``, ``1.0E7``, ``1.0E-4``, ``NaN``, ``Infinity``."""
    return _java_float_text(float(value), single=False)


def float_to_string(value: float) -> str:
    """Java's ``Float.toString`` for a float32 value (``0.1f`` prints ``0.1``)."""
    return _java_float_text(float(value), single=True)


def to_java_string(x: object) -> str:
    """Java's ``String.valueOf(x)``: how ``TO_STRING``, ``JOIN`` and ``FORMAT('%s')`` print."""
    t = type(x)
    if t is str:
        return x  # type: ignore[return-value]
    if x is None:
        return "null"
    if t is bool:
        return "true" if x else "false"
    if t is int or t is Long:
        return int.__repr__(x)
    if t is float:
        return double_to_string(x)  # type: ignore[arg-type]
    if t is Float:
        return float_to_string(x)  # type: ignore[arg-type]
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, (list, tuple, JavaSet, set, frozenset)):
        return "[" + ", ".join(to_java_string(e) for e in x) + "]"
    if isinstance(x, Mapping):
        return (
            "{" + ", ".join(f"{to_java_string(k)}={to_java_string(v)}" for k, v in x.items()) + "}"
        )
    return str(x)
