"""Metron's ``ConversionUtils.convert``: commons-beanutils conversion, failures become null.

Used by the ``TO_*`` functions, by ``and``/``or``/``not`` and by many functions that accept
"anything convertible".  The rules:

* ``None`` converts to ``None``.
* A list or set converts its first element (an empty one converts to ``None``).
* To a number: a number is narrowed by truncation toward zero (an integral target out of
  range gives ``None``); a string is trimmed and parsed the way ``Integer.valueOf`` and
  ``Double.valueOf`` parse; ``true``/``false`` give 1/0.
* To a boolean: the lower-cased string form must be one of ``true yes y on 1`` or
  ``false no n off 0``.
* To a string: Java's ``toString``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    Float,
    JavaSet,
    Long,
    f32,
    to_java_string,
)

__all__ = [
    "parse_java_double",
    "parse_java_int",
    "to_boolean",
    "to_double",
    "to_float",
    "to_integer",
    "to_long",
    "to_string",
]

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_JAVA_INT = re.compile(r"[+-]?[0-9]+\Z")
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)\Z"
)
_JAVA_HEX_DOUBLE = re.compile(r"[+-]?0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?[0-9]+[fFdD]?\Z")
_JAVA_WS = "".join(chr(c) for c in range(0x21))


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple, JavaSet, set, frozenset)):
        for item in value:
            return item
        return None
    return value


def parse_java_int(text: str, lo: int = INT_MIN, hi: int = INT_MAX) -> int | None:
    """``Integer.valueOf``/``Long.valueOf`` of an already trimmed string, or None."""
    if not _JAVA_INT.match(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_java_double(text: str) -> float | None:
    """``Double.valueOf`` (which trims Java whitespace itself), or None."""
    text = text.strip(_JAVA_WS)
    if _JAVA_DOUBLE.match(text):
        body = text[:-1] if text[-1] in "fFdD" and "Infinity" not in text else text
        return float(body.replace("Infinity", "inf"))
    if _JAVA_HEX_DOUBLE.match(text):
        body = text[:-1] if text[-1] in "fFdD" else text
        return float.fromhex(body)
    return None


def _integral(value: Any, lo: int, hi: int) -> int | None:
    value = _first(value)
    if value is None:
        return None
    t = type(value)
    if t is bool:
        return 1 if value else 0
    if t is int or t is Long:
        v = int(value)
        return v if lo <= v <= hi else None
    if t is float or t is Float:
        # Java's longValue(): NaN is 0, beyond the long range saturates, else truncates.
        if math.isnan(value):
            v = 0
        elif value >= 9.223372036854775807e18:
            v = LONG_MAX
        elif value <= -9.223372036854775808e18:
            v = LONG_MIN
        else:
            v = int(value)
        return v if lo <= v <= hi else None
    if isinstance(value, str):
        return parse_java_int(value.strip(_JAVA_WS), lo, hi)
    return None


def to_integer(value: Any) -> int | None:
    """Convert to a Java ``Integer`` (None when not convertible)."""
    return _integral(value, INT_MIN, INT_MAX)


def to_long(value: Any) -> Long | None:
    """Convert to a Java ``Long`` (None when not convertible)."""
    v = _integral(value, LONG_MIN, LONG_MAX)
    return None if v is None else Long(v)


def to_double(value: Any) -> float | None:
    """Convert to a Java ``Double`` (None when not convertible)."""
    value = _first(value)
    if value is None:
        return None
    t = type(value)
    if t is bool:
        return 1.0 if value else 0.0
    if t is int or t is Long or t is float or t is Float:
        return float(value)
    if isinstance(value, str):
        return parse_java_double(value)
    return None


def to_float(value: Any) -> Float | None:
    """Convert to a Java ``Float`` (None when not convertible)."""
    d = to_double(value)
    if d is None:
        return None
    if type(_first(value)) is not str and d > 3.4028234663852886e38:
        return None  # beanutils refuses a number above Float.MAX_VALUE (only that side)
    return Float(f32(d))


def to_boolean(value: Any) -> bool | None:
    """Convert to a Java ``Boolean`` the beanutils way (None when not convertible)."""
    if value is True or value is False:
        return value
    value = _first(value)
    if value is None:
        return None
    if value is True or value is False:
        return value
    if isinstance(value, Mapping):
        return None
    text = to_java_string(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def to_string(value: Any) -> str | None:
    """Convert to a Java ``String`` (a collection converts its first element)."""
    value = _first(value)
    if value is None:
        return None
    return to_java_string(value)
