"""Reading the pieces of a date the way ``SimpleDateFormat`` (Java 8) reads them.

Numbers are read like ``DecimalFormat.parse`` then ``intValue()``: an optional minus sign,
any Unicode digits, an ``E`` exponent, NaN and infinity signs, with Java's overflow rules.
Names match case-insensitively as ``String.regionMatches`` does.  :func:`fast_parser`
compiles a pattern of plain numeric fields into one regular expression for the common case.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from metron.stellar.stdlib import _javacalendar as jc
from metron.stellar.stdlib._datepattern import NUMERIC, Element
from metron.stellar.types import INT_MAX, INT_MIN, wrap_int

__all__ = ["fast_parser", "match_names", "matches_at", "parse_number", "parse_offset"]

# DecimalFormat's integer parse: NaN, a sign, infinity or digits with an optional exponent.
_NUMBER = re.compile(r"(\uFFFD)|(-?)(?:(\u221E)|(\d+)(?:E(-?)(\d+))?)")


def _upper(c: str) -> str:
    u = c.upper()
    return u if len(u) == 1 else c


def _lower(c: str) -> str:
    u = c.lower()
    return u if len(u) == 1 else c


def matches_at(text: str, start: int, name: str) -> bool:
    """``text.regionMatches(true, start, name, 0, name.length())``."""
    end = start + len(name)
    if end > len(text):
        return False
    segment = text[start:end]
    if segment.isascii():
        return segment.lower() == name.lower()
    for a, b in zip(segment, name):
        if a != b:
            ua, ub = _upper(a), _upper(b)
            if ua != ub and _lower(ua) != _lower(ub):
                return False
    return True


def match_names(text: str, start: int, names: tuple[str, ...], first: int = 0) -> int:
    """Index of the longest name found at ``start`` (case-insensitive), or -1."""
    best, best_len = -1, 0
    for i in range(first, len(names)):
        name = names[i]
        if len(name) > best_len and matches_at(text, start, name):
            best, best_len = i, len(name)
    return best


def _java_int(negative: bool, digits: str, exponent: int) -> int:
    """``Number.intValue()`` of what ``DecimalFormat`` parsed: a Long or a Double."""
    significant = str(int(digits)) if digits else "0"
    if significant == "0":
        return 0
    decimal_at = wrap_int(len(significant) + exponent)
    kept = significant.rstrip("0")
    count = len(kept)
    if count <= decimal_at <= 19:
        value = int(kept) * 10 ** (decimal_at - count)
        if value < 2**63 or (value == 2**63 and negative):
            return wrap_int(-value if negative else value)
    number = float(f"0.{kept}E{decimal_at}")
    number = -number if negative else number
    if number >= INT_MAX:
        return INT_MAX
    if number <= INT_MIN:
        return INT_MIN
    return int(number)


def parse_number(text: str, pos: int, end: int) -> tuple[int, int] | None:
    """``DecimalFormat.parse`` (integer only, no grouping) then ``intValue()``."""
    m = _NUMBER.match(text, pos, end)
    if m is None:
        return None
    nan, sign, infinity, digits, exp_sign, exp_digits = m.groups()
    if nan:
        return 0, m.end()
    negative = sign == "-"
    if infinity:
        return (INT_MIN if negative else INT_MAX), m.end()
    if digits is None:
        return None
    exponent = 0
    stop = m.end()
    if exp_digits is not None:
        value = int(exp_digits)
        if value < 2**63 or (value == 2**63 and exp_sign):
            exponent = wrap_int(-value if exp_sign else value)
        else:
            stop = m.start(5) - 1  # an exponent too large for a long is not read
    if exponent == 0 and len(digits) <= 9 and digits.isascii():
        value = int(digits)
        return (-value if negative else value), stop
    return _java_int(negative, digits, exponent), stop


def parse_offset(text: str, pos: int, sign: int, count: int, colon: bool, f: jc.Fields) -> int:
    """``subParseNumericZone``: ``hh[[:]mm]`` after a sign; the position after it, or -1."""
    n = len(text)
    digits = "0123456789"
    if pos >= n or text[pos] not in digits:
        return -1
    hours = int(text[pos])
    pos += 1
    if pos >= n:
        return -1
    if text[pos] in digits:
        hours = hours * 10 + int(text[pos])
        pos += 1
    elif count > 0 or not colon:
        return -1
    if hours > 23:
        return -1
    minutes = 0
    if count != 1:
        if colon:
            if pos >= n or text[pos] != ":":
                return -1
            pos += 1
        if pos + 1 >= n or text[pos] not in digits or text[pos + 1] not in digits:
            return -1
        minutes = int(text[pos : pos + 2])
        pos += 2
        if minutes > 59:
            return -1
    f.set(jc.ZONE_OFFSET, (minutes + hours * 60) * 60_000 * sign)
    f.set(jc.DST_OFFSET, 0)
    return pos


# -- the one-regex parser for plain numeric patterns ----------------------------------------

_FAST_FIELDS = {"M": jc.MONTH, "y": jc.YEAR, **NUMERIC}


def fast_parser(elements: tuple[Element, ...]) -> Callable[[str], jc.Fields | None] | None:
    """A regex for text made only of ASCII digits where the pattern has numeric fields.

    It matches exactly the inputs the general parser reads without any of its special cases
    (signs, blanks, exponents, non-ASCII digits); anything else falls back to the general
    parser.  Only lenient formats use it, and not for two-digit years or 'u'/'k'/'h'.
    """
    if not elements:
        return None
    parts: list[str] = []
    fields: list[tuple[int, bool]] = []
    for element in elements:
        if isinstance(element, str):
            parts.append(re.escape(element))
            continue
        letter, count = element.letter, element.count
        if letter not in _FAST_FIELDS or (letter == "y" and count <= 2) or letter == "u":
            return None
        if letter == "M" and count >= 3:
            return None
        if element.abutting:
            bounded = (
                f"[0-9]{{{count}}}"
                if count == 1
                else (f"[0-9]{{{count}}}|[0-9]{{1,{count - 1}}}(?![\\dE])")
            )
            parts.append(f"(?=[\\s\\S]{{{count}}})({bounded})")
        else:
            parts.append(r"([0-9]+)(?![\dE])")
        fields.append((_FAST_FIELDS[letter], letter == "M"))
    regex = re.compile("".join(parts))

    def parse(text: str) -> jc.Fields | None:
        m = regex.match(text)
        if m is None:
            return None
        out = jc.Fields()
        for (field, is_month), digits in zip(fields, m.groups()):
            value = int(digits) if len(digits) <= 9 else _java_int(False, digits, 0)
            out.set(field, wrap_int(value - 1) if is_month else value)
        return out

    return parse
