"""Stellar values to and from JSON.

JSON integers become Java ints when they fit in 32 bits and longs otherwise (what Jackson
does).  On output, sets and lists become arrays, maps objects (keys as Java strings), Java
floats keep their short form (``0.1f`` prints ``0.1``), NaN and infinities print as
``NaN``/``Infinity`` (as Python's json module reads them), and opaque values (sketches,
bloom filters, lambdas) print their string form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import orjson

from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    Float,
    JavaSet,
    Long,
    float_to_string,
    to_java_string,
)

__all__ = ["from_json", "java_value", "to_json"]


def java_value(value: Any) -> Any:
    """Give decoded JSON Java's types: large integers become :class:`Long`."""
    t = type(value)
    if t is int:
        return value if INT_MIN <= value <= INT_MAX else Long(value)
    if t is list:
        return [java_value(v) for v in value]
    if t is dict:
        return {k: java_value(v) for k, v in value.items()}
    return value


def from_json(text: str | bytes) -> Any:
    """Decode JSON text into Stellar values."""
    try:
        return java_value(orjson.loads(text))
    except orjson.JSONDecodeError:
        # orjson rejects integers beyond 64 bits and NaN; the standard library accepts both.
        return java_value(json.loads(text))


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def to_json(value: Any) -> str:
    """Encode a Stellar value as one line of JSON."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def _encode(value: Any, out: list[str]) -> None:
    t = type(value)
    if value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int or t is Long:
        out.append(int.__repr__(value))
    elif t is Float:
        out.append(float_to_string(value) if math.isfinite(value) else _float(value))
    elif t is float:
        out.append(_float(value))
    elif isinstance(value, str):
        out.append(orjson.dumps(str(value)).decode())
    elif isinstance(value, (list, tuple, JavaSet, set, frozenset)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(orjson.dumps(to_java_string(k)).decode())
            out.append(":")
            _encode(v, out)
        out.append("}")
    elif isinstance(value, (bytes, bytearray)):
        out.append(orjson.dumps(bytes(value).decode("latin-1")).decode())
    else:
        out.append(orjson.dumps(str(value)).decode())
