"""JSON the way Metron's older parsers handle it, through the ``json-simple`` 1.1.1 library.

Reading (``JSONParser``): every whole number is a Java ``Long`` (one that does not fit is an
error), every number with a fraction or an exponent a ``Double``; control characters are
allowed inside strings; ``NaN`` and trailing text are not.  Objects are ``HashMap``\\ s, so
the order their keys come back in is the hash order of :func:`hashmap_order`, not the
document's.

Writing (``toJSONString``): no spaces, ``/`` escaped as ``\\/``, control characters and the
ranges U+007F-U+009F and U+2000-U+20FF as ``\\uXXXX``, doubles as Java's ``Double.toString``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import orjson

from metron.stellar.types import (
    LONG_MAX,
    LONG_MIN,
    Long,
    double_to_string,
    java_hashmap_keys,
)

__all__ = [
    "MaybeTooLong",
    "capacity_for_copy",
    "hashmap_order",
    "java_long",
    "java_to_string",
    "load",
    "load_java",
    "load_json_bytes",
    "str_list_text",
    "to_json_string",
    "with_longs",
]

# -- reading -----------------------------------------------------------------------------

# A run of 19 digits may be an integer beyond a Java long, which orjson would turn into a
# float (or an unsigned 64-bit int) where json-simple fails.
_LONG_RUN_TEXT = re.compile(r"[0-9]{19}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _long(text: str) -> Long:
    value = int(text)
    if not LONG_MIN <= value <= LONG_MAX:
        raise ValueError(f'For input string: "{text}"')  # Java's NumberFormatException text
    return Long(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"Unexpected token {name}")


_DECODER = json.JSONDecoder(parse_int=_long, parse_constant=_no_constant, strict=False)


class MaybeTooLong(Exception):
    """A huge double: maybe orjson's reading of an integer json-simple refuses."""


_BIG = 9.2e18


def with_longs(value: Any, strict: bool = True) -> Any:
    """``value`` with every int made a :class:`Long` (json-simple's only integer type).

    An int beyond a long is a ValueError; with ``strict``, a double of 9.2e18 or more
    raises :class:`MaybeTooLong` (re-read the text with :func:`load` to know).
    """
    t = type(value)
    if t is int:
        return _checked_long(value)
    if t is dict:
        for k, v in value.items():
            tv = type(v)
            if tv is int:
                value[k] = _checked_long(v)
            elif tv is dict or tv is list:
                value[k] = with_longs(v, strict)
            elif tv is float and strict and (v >= _BIG or v <= -_BIG):
                raise MaybeTooLong
        return value
    if t is list:
        return [with_longs(v, strict) for v in value]
    if t is float and strict and (value >= _BIG or value <= -_BIG):
        raise MaybeTooLong
    return value


def load_java(data: bytes | str) -> Any:
    """Parse as json-simple does, whole numbers as Longs (bytes are UTF-8)."""
    value = load_json_bytes(data) if isinstance(data, bytes) else load(data)
    try:
        return with_longs(value)
    except MaybeTooLong:
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        return with_longs(load(text), strict=False)


def _checked_long(value: int) -> Long:
    if not LONG_MIN <= value <= LONG_MAX:
        raise ValueError(f"the number {value} does not fit a Java long")
    return Long(value)


def load_json_bytes(raw: bytes) -> Any:
    """Parse UTF-8 bytes, fast: integers stay plain ints, and an integer beyond 64 bits may
    come back as a float or an int beyond a long.  The caller wraps integers with
    :func:`with_longs` and checks their range.

    Falls back to :func:`load` on the decoded text where orjson is stricter than json-simple.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return load(raw.decode("utf-8", errors="replace"))


def load(text: str) -> Any:
    """Parse text as json-simple does; raises ValueError for what it refuses."""
    if _LONG_RUN_TEXT.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    try:
        value, end = _DECODER.raw_decode(text, _skip_space(text, 0))
    except RecursionError:
        raise ValueError("the JSON nests too deeply") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: {e}") from None
    if _skip_space(text, end) != len(text):
        raise ValueError(f"Unexpected token at position {end}")
    if _SURROGATE_ESCAPE.search(text):
        value = _replace_surrogates(value)
    return value


def _skip_space(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n\f":
        pos += 1
    return pos


def _replace_surrogates(value: Any) -> Any:
    # A lone surrogate cannot be written as UTF-8; Java's encoder writes '?' for it.
    if isinstance(value, str):
        return value.encode("utf-8", errors="replace").decode("utf-8")
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


# -- writing -----------------------------------------------------------------------------

_NEEDS_ESCAPE = re.compile('["\\\\/\x00-\x1f\x7f-\x9f\u2000-\u20ff]')
_NEEDS_ESCAPE_BUT_SLASH = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2000-\u20ff]')
_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def _escape(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    if _NEEDS_ESCAPE_BUT_SLASH.search(text) is None:
        return text.replace("/", "\\/")
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def to_json_string(value: Any, ordered: bool = False) -> str:
    """json-simple's ``JSONValue.toJSONString``.

    Maps print in ``HashMap`` order (json-simple's own objects) unless ``ordered`` says they
    are insertion-ordered maps (Jackson's ``LinkedHashMap``), which print as they are.
    """
    t = type(value)
    if t is str:
        return f'"{_escape(value)}"'
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is float:
        if 1e-3 <= value < 1e7 or -1e7 < value <= -1e-3:
            return repr(value)  # Python's shortest digits, in the form Java uses here
        return "null" if value != value or value in (_INF, -_INF) else double_to_string(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict):
        keys: Iterable[Any] = value if ordered else hashmap_order(value)
        inner = ",".join(f'"{_escape(str(k))}":{to_json_string(value[k], ordered)}' for k in keys)
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json_string(v, ordered) for v in value) + "]"
    return str(value)


_INF = float("inf")


def str_list_text(value: Any) -> str | None:
    """The JSON text of a list of strings or of ordinary doubles, fast; None for others."""
    if type(value) is not list:
        return None
    if not value:
        return "[]"
    first = type(value[0])
    if first is float:
        return _double_list_text(value)
    if first is not str:
        return None
    try:
        joined = ",".join(value)
    except TypeError:
        return None
    if _NEEDS_ESCAPE.search(joined) is None:
        return '["' + '","'.join(value) + '"]'
    if _NEEDS_ESCAPE_BUT_SLASH.search(joined) is None:
        return '["' + '","'.join(value).replace("/", "\\/") + '"]'
    return '["' + '","'.join(map(_escape, value)) + '"]'


def _double_list_text(value: list[Any]) -> str | None:
    # Zeek's lists of intervals (TTLs): doubles Java prints the way Python does.
    if any(type(v) is not float for v in value):
        return None
    low, high = min(value), max(value)
    if low >= 1e-3 and high < 1e7:
        return "[" + ",".join(map(repr, value)) + "]"
    return None


def java_to_string(value: Any) -> str:
    """``toString()`` of a value json-simple produced (``null`` has none: TypeError)."""
    t = type(value)
    if t is str:
        return value
    if value is None:
        raise TypeError("null value has no string form")  # Java's NullPointerException
    if t is bool:
        return "true" if value else "false"
    if t is float:
        return double_to_string(value)
    if isinstance(value, int):
        return int.__repr__(value)
    return to_json_string(value)


def java_long(value: float) -> int:
    """Java's ``(long)`` cast of a double: truncation, clamped, NaN to 0."""
    if value != value:
        return 0
    if value >= 9.223372036854776e18:
        return LONG_MAX
    if value <= -9.223372036854776e18:
        return LONG_MIN
    return int(value)


# -- java.util.HashMap iteration order ---------------------------------------------------

_ORDER_CACHE: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_ORDER_CACHE_LIMIT = 4096


def capacity_for_copy(size: int) -> int:
    """Table length of ``new HashMap<>(otherMap)`` for a map of ``size`` entries."""
    wanted = int(size / 0.75 + 1.0)
    capacity = 1
    while capacity < wanted:
        capacity *= 2
    return capacity


def hashmap_order(keys: Iterable[Any], capacity: int | None = None) -> list[Any]:
    """Keys (strings) put in the given order into a ``HashMap``, in the order it iterates them.

    Orders are cached by key sequence, so a shape of record seen before costs a lookup.

    A HashMap iterates its table slot by slot (the spread hash masked by the table length);
    keys sharing a slot keep their insertion order.  ``capacity`` is the final table length;
    by default that of ``new HashMap<>()`` after the puts.
    """
    key_tuple = tuple(keys)
    cache_key = key_tuple if capacity is None else (*key_tuple, capacity)
    order = _ORDER_CACHE.get(cache_key)
    if order is None:
        order = tuple(java_hashmap_keys(key_tuple, capacity))
        if len(_ORDER_CACHE) >= _ORDER_CACHE_LIMIT:
            _ORDER_CACHE.clear()
        _ORDER_CACHE[cache_key] = order
    return list(order)
