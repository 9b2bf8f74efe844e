"""JSON the way Metron's configuration code reads and writes it (Jackson's ``ObjectMapper``).

Reading: Metron's mapper accepts ``//`` and ``/* */`` comments; otherwise strict JSON with
Jackson's typing (see :func:`metron.stellar.stdlib.jsonfn.parse_json`).

Writing: Jackson's default pretty printer, which Metron uses to print configurations::

    {
      "key" : "value",
      "list" : [ 1, 2 ],
      "empty" : { },
      "objects" : [ {
        "a" : 1
      } ]
    }

Objects indent by two spaces per level (arrays do not add a level), ``" : "`` separates
names from values, empty containers print as ``{ }`` and ``[ ]``.  Doubles print as Java's
``Double.toString`` (``1.0E7``), NaN and infinities as quoted strings.  A :class:`Bean` is a
Java object's properties: its null properties are left out (Metron's mapper is configured
``NON_NULL``), while a plain map keeps its null values.  A :class:`HashMap` is a map Metron
creates itself: its keys print in ``java.util.HashMap`` order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from metron.stellar.stdlib.jsonfn import parse_json
from metron.stellar.types import (
    Float,
    JavaSet,
    Long,
    double_to_string,
    float_to_string,
    java_hashmap_order,
    to_java_string,
)

__all__ = ["Bean", "HashMap", "NullKeyError", "loads", "plain", "pretty"]


class Bean(dict[str, Any]):
    """A Java bean's properties, in declaration order; ``None`` properties are not written."""


class HashMap(dict[Any, Any]):
    """A ``java.util.HashMap`` created by Metron's code: written in Java's iteration order."""


class NullKeyError(ValueError):
    """Jackson refuses to write a map with a null key."""


# Strings and comments; a comment is dropped, anything else kept as is.
_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n\r]*|/\*.*?\*/', re.DOTALL)


def _strip_comments(text: str) -> str:
    return _COMMENT_OR_STRING.sub(lambda m: m.group() if m.group()[0] == '"' else " ", text)


def loads(text: str) -> Any:
    """Parse JSON text as Metron's mapper does (comments allowed); raises ValueError."""
    try:
        return parse_json(text)
    except ValueError:
        if "/" not in text:
            raise
    return parse_json(_strip_comments(text))


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def _quote(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def _number(value: Any) -> str:
    t = type(value)
    if t is int or t is Long:
        return int.__repr__(value)
    if not math.isfinite(value):
        return _quote("NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity")
    return float_to_string(value) if t is Float else double_to_string(value)


def _write(value: Any, level: int, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(_quote(str.__str__(value)))
    elif isinstance(value, (int, float)):
        out.append(_number(value))
    elif isinstance(value, Mapping):
        items: list[tuple[Any, Any]] = list(value.items())
        if isinstance(value, Bean):
            items = [(k, v) for k, v in items if v is not None]
        elif isinstance(value, HashMap):
            items = list(java_hashmap_order(dict(value)).items())
        if not items:
            out.append("{ }")
            return
        inner = "\n" + "  " * (level + 1)
        out.append("{")
        for i, (k, v) in enumerate(items):
            if k is None:
                raise NullKeyError("Null key for a Map not allowed in JSON")
            out.append("," + inner if i else inner)
            out.append(_quote(to_java_string(k)))
            out.append(" : ")
            _write(v, level + 1, out)
        out.append("\n" + "  " * level + "}")
    elif isinstance(value, (list, tuple, JavaSet, set, frozenset)):
        if not value:
            out.append("[ ]")
            return
        out.append("[ ")
        for i, item in enumerate(value):
            if i:
                out.append(", ")
            _write(item, level, out)
        out.append(" ]")
    else:
        out.append(_quote(to_java_string(value)))


def pretty(value: Any) -> str:
    """``value`` as Jackson's default pretty printer writes it; raises NullKeyError."""
    out: list[str] = []
    _write(value, 0, out)
    return "".join(out)


def plain(value: Any) -> Any:
    """A deep copy with plain dicts and lists, leaving out the null properties of beans."""
    if isinstance(value, Mapping):
        items = value.items()
        if isinstance(value, HashMap):
            items = java_hashmap_order(dict(value)).items()
        skip = isinstance(value, Bean)
        return {k: plain(v) for k, v in items if not (skip and v is None)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
