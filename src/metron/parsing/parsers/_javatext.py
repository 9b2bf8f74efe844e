"""Java's string primitives as Metron's hand-written parsers use them.

``String.trim``, ``Integer.valueOf``/``Long.valueOf``, ``String.split`` on one character,
``BufferedReader.readLine`` line splitting, commons-lang's ``StringUtils.isNumeric`` and
the line terminators of Java's regex ``.`` differ from their Python look-alikes in small
ways that change parser output; these helpers reproduce the Java behaviour.
"""

from __future__ import annotations

import re

from metron.parsing.parsers._jsonsimple import capacity_for_copy, hashmap_order

__all__ = [
    "NOT_LINE_TERMINATOR",
    "is_numeric",
    "java_int",
    "java_lines",
    "java_long",
    "java_split",
    "java_split_char",
    "java_trim",
    "result_error_order",
]

#: A regex class for Java's ``.`` without DOTALL: anything but a line terminator.
NOT_LINE_TERMINATOR = "[^\n\r\u0085\u2028\u2029]"

_TRIMMED = "".join(chr(c) for c in range(33))
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def java_trim(text: str) -> str:
    """``String.trim()``: drops characters up to U+0020 at both ends (not Unicode spaces)."""
    return text.strip(_TRIMMED)


def java_split(text: str, separator: str | re.Pattern[str]) -> list[str]:
    """``String.split``: at a literal or a regex; trailing empty strings are dropped.

    As in Java, text without the separator is returned whole, even when it is empty.
    """
    parts = text.split(separator) if isinstance(separator, str) else separator.split(text)
    if len(parts) == 1:
        return parts
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _parse_integer(text: str, low: int, high: int) -> int:
    digits = text[1:] if text[:1] in ("+", "-") else text
    # Java reads any Unicode decimal digit; Python's int() would also take spaces and '_'.
    if not digits or not all(c.isdecimal() for c in digits):
        raise ValueError(f'For input string: "{text}"')
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f'For input string: "{text}"')
    return value


def java_int(text: str) -> int:
    """``Integer.valueOf(String)``: a sign and decimal digits within 32 bits, else ValueError."""
    return _parse_integer(text, _INT_MIN, _INT_MAX)


def java_long(text: str) -> int:
    """``Long.valueOf(String)``: a sign and decimal digits within 64 bits, else ValueError."""
    return _parse_integer(text, _LONG_MIN, _LONG_MAX)


def is_numeric(text: str) -> bool:
    """commons-lang 2 ``StringUtils.isNumeric``: every character a digit (true for "")."""
    return all(c.isdecimal() for c in text)


def java_split_char(text: str, sep: str) -> list[str]:
    """``text.split(sep)`` for a one-character, non-regex ``sep``: trailing empties dropped."""
    parts = text.split(sep)
    if len(parts) == 1:
        return parts
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def java_lines(text: str) -> list[str]:
    """The lines ``BufferedReader.readLine`` returns: split at CR, LF or CRLF, no final empty
    line after a trailing terminator."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def result_error_order(keys: list[str]) -> list[str]:
    """The order of a parser's per-line errors once Metron has them: the parser's HashMap
    order, then the order of the ``DefaultMessageParserResult`` map they are copied into
    (``putAll`` into an empty HashMap sizes its table for the entries)."""
    if len(keys) < 2:
        return keys
    return hashmap_order(hashmap_order(keys), capacity_for_copy(len(keys)))
