"""JSON functions: ``TO_JSON_OBJECT``, ``TO_JSON_MAP`` and ``TO_JSON_LIST``.

Metron parses with Jackson's default ``ObjectMapper``, and so do we, in effect:

* an integer that fits in 32 bits is an ``Integer``, else a ``Long`` (beyond 64 bits Java has
  a ``BigInteger``; here it stays a plain ``int``); a number with a fraction or an exponent
  is a ``Double``; objects keep their key order and the last of duplicate keys wins;
* strict JSON otherwise: no comments, no ``NaN``, no single quotes, no trailing commas;
* only the first value is read and what follows it is ignored (``{"a":1} junk`` is a map),
  except that a number at the top level must be followed by whitespace or the end, and
  ``true``/``false``/``null`` must not run into letters or digits.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import orjson

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._stringedit import java_string
from metron.stellar.types import INT_MAX, INT_MIN, LONG_MAX, LONG_MIN, Long

__all__ = ["parse_json"]

# Only a run of 10+ digits can be an integer beyond 32 bits; without one, orjson's ints
# are already Java Integers.
_LONG_DIGITS = re.compile(r"[0-9]{10}")
_JSON_SPACE = " \t\n\r"
_ROOT_SPACE = frozenset(_JSON_SPACE)
_IDENTIFIER_CATEGORIES = frozenset(
    {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Nd", "Mn", "Mc", "Pc", "Sc", "Cf"}
)


class _NotJson(ValueError):
    pass


def _java_integer(text: str) -> int:
    value = int(text)
    if INT_MIN <= value <= INT_MAX:
        return value
    if LONG_MIN <= value <= LONG_MAX:
        return Long(value)
    return value


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_int=_java_integer, parse_constant=_reject_constant, strict=True)


def _java_identifier_part(ch: str) -> bool:
    code = ord(ch)
    if code <= 0x08 or 0x0E <= code <= 0x1B or 0x7F <= code <= 0x9F:
        return True  # Java treats these control characters as ignorable identifier parts
    return unicodedata.category(ch) in _IDENTIFIER_CATEGORIES


def _jackson(text: str) -> Any:
    """Read the first JSON value of ``text`` the way Jackson's ``readValue`` does."""
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    if start == len(text):
        raise _NotJson("no content: the text is blank")
    try:
        value, end = _DECODER.raw_decode(text, start)
    except RecursionError:
        raise _NotJson("the JSON nests too deeply") from None
    if end < len(text):
        first = text[start]
        follower = text[end]
        if first in "-0123456789" and follower not in _ROOT_SPACE:
            raise _NotJson(f"unexpected character {follower!r} after a top-level number")
        if first in "tfn" and _java_identifier_part(follower):
            raise _NotJson(f"unrecognised token starting with {text[start : end + 1]!r}")
    return value


def parse_json(text: str) -> Any:
    """Parse JSON text into Stellar values with Jackson's typing; raises ValueError."""
    try:
        value = orjson.loads(text)
    except ValueError:
        return _jackson(text)  # not a complete document: maybe valid for Jackson anyway
    if _LONG_DIGITS.search(text) is None:
        return value
    return _jackson(text)  # retype the integers beyond 32 bits


def _load(name: str, args: tuple[Any, ...]) -> tuple[Any, str | None]:
    if not args:
        raise StellarError(f"{name}: incorrect arguments; usage: {name}(json_string)")
    text = java_string(args[0], name)
    if not text:
        return text, None
    try:
        return parse_json(text), text
    except ValueError as e:
        if name == "TO_JSON_OBJECT":
            raise StellarError(f"Valid JSON string not supplied: {e}") from None
        raise StellarError(f"{text} is not a valid JSON string: {e}") from None


@stellar(
    "TO_JSON_OBJECT",
    params=["str - the JSON text to parse (may be null)"],
    returns="the parsed value: a map, a list, a string, a number or a boolean",
    description="Parses JSON text into a Stellar value. Whole numbers become Integer or Long, others Double; an empty string is returned as is; invalid JSON is an error.",
    examples=[
        ("""TO_JSON_OBJECT('{"port": 22, "tags": ["ssh"]}')""", {"port": 22, "tags": ["ssh"]}),
        ("TO_JSON_OBJECT('[1, 3000000000]')", [1, Long(3000000000)]),
        Example("TO_JSON_OBJECT('123, 456')", error=True),
    ],
    pure=True,
)
def to_json_object(*args: Any) -> Any:
    value, _ = _load("TO_JSON_OBJECT", args)
    return value


@stellar(
    "TO_JSON_MAP",
    params=["str - the JSON text of an object (may be null)"],
    returns="the parsed map",
    description="Parses the JSON text of an object into a map. Any other kind of JSON value (an array, a number) is an error; an empty string is returned as is.",
    examples=[
        ("""TO_JSON_MAP('{"user": "root", "uid": 0}')""", {"user": "root", "uid": 0}),
        Example("TO_JSON_MAP('[1, 2]')", error=True),
    ],
    pure=True,
)
def to_json_map(*args: Any) -> Any:
    value, text = _load("TO_JSON_MAP", args)
    if text is not None and value is not None and not isinstance(value, dict):
        raise StellarError(f"{text} is not a valid JSON string, expected a map")
    return value


@stellar(
    "TO_JSON_LIST",
    params=["str - the JSON text of an array (may be null)"],
    returns="the parsed list",
    description="Parses the JSON text of an array into a list. Any other kind of JSON value (an object, a string) is an error; an empty string is returned as is.",
    examples=[
        ("""TO_JSON_LIST('["a", 1, 2.5, null]')""", ["a", 1, 2.5, None]),
        Example("""TO_JSON_LIST('{"a": 1}')""", error=True),
    ],
    pure=True,
)
def to_json_list(*args: Any) -> Any:
    value, text = _load("TO_JSON_LIST", args)
    if text is not None and value is not None and not isinstance(value, list):
        raise StellarError(f"{text} is not a valid JSON string, expected a list")
    return value
