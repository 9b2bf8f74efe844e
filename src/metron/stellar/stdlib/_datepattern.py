"""``SimpleDateFormat`` patterns (en_US): compiling them, and writing one field of a date.

A pattern is literal text and runs of pattern letters (``yyyy``, ``MMM``...); quoted text
``'...'`` and ``''`` (a quote) are literal.  :func:`compile_pattern` rejects what Java
rejects (a letter that is not a pattern letter, an unterminated quote, ``XXXX``).  The
letter ``L`` (stand-alone month) is accepted as on Java 9 and later.
"""

from __future__ import annotations

from collections.abc import Callable

from metron.stellar.stdlib import _javacalendar as jc
from metron.stellar.stdlib._javazone import JavaZone

__all__ = [
    "AMPM",
    "ERAS",
    "MONTHS",
    "NUMERIC",
    "SHORT_MONTHS",
    "SHORT_WEEKDAYS",
    "WEEKDAYS",
    "Element",
    "Field",
    "Formatter",
    "PatternError",
    "compile_pattern",
    "field_formatter",
]

PATTERN_LETTERS = "GyMdkHmsSEDFwWahKzZYuXL"
MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July")
MONTHS += ("August", "September", "October", "November", "December")
SHORT_MONTHS = tuple(m[:3] for m in MONTHS)
WEEKDAYS: tuple[str, ...] = (
    "",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
)
SHORT_WEEKDAYS = tuple(d[:3] for d in WEEKDAYS)
ERAS: tuple[str, ...] = ("BC", "AD")
AMPM: tuple[str, ...] = ("AM", "PM")
# Numeric fields: pattern letter -> calendar field they set when parsed.
NUMERIC = {
    "d": jc.DAY_OF_MONTH,
    "H": jc.HOUR_OF_DAY,
    "m": jc.MINUTE,
    "s": jc.SECOND,
    "S": jc.MILLISECOND,
    "D": jc.DAY_OF_YEAR,
    "F": jc.DAY_OF_WEEK_IN_MONTH,
    "w": jc.WEEK_OF_YEAR,
    "W": jc.WEEK_OF_MONTH,
    "K": jc.HOUR,
    "u": jc.DAY_OF_WEEK,
}


class PatternError(ValueError):
    """The pattern is not a valid ``SimpleDateFormat`` pattern."""


class Field:
    """A run of one pattern letter; ``abutting`` when the next element is a field too."""

    __slots__ = ("abutting", "count", "letter")

    def __init__(self, letter: str, count: int) -> None:
        self.letter = letter
        self.count = count
        self.abutting = False

    def __repr__(self) -> str:
        return self.letter * self.count


Element = str | Field


def compile_pattern(pattern: str) -> tuple[Element, ...]:
    """Split a pattern into literal text and fields, rejecting what Java rejects."""
    out: list[Element] = []
    literal: list[str] = []
    i, n = 0, len(pattern)

    def flush() -> None:
        if literal:
            out.append("".join(literal))
            literal.clear()

    while i < n:
        c = pattern[i]
        if c == "'":
            if i + 1 < n and pattern[i + 1] == "'":
                literal.append("'")
                i += 2
                continue
            end = i + 1
            quoted: list[str] = []
            while True:
                if end >= n:
                    raise PatternError("Unterminated quote")
                if pattern[end] == "'":
                    if end + 1 < n and pattern[end + 1] == "'":
                        quoted.append("'")
                        end += 2
                        continue
                    break
                quoted.append(pattern[end])
                end += 1
            literal.extend(quoted)
            i = end + 1
        elif not ("a" <= c <= "z" or "A" <= c <= "Z"):
            literal.append(c)
            i += 1
        else:
            if c not in PATTERN_LETTERS:
                raise PatternError(f"Illegal pattern character '{c}'")
            j = i
            while j < n and pattern[j] == c:
                j += 1
            if c == "X" and j - i >= 4:
                raise PatternError(f"invalid ISO 8601 format: length={j - i}")
            flush()
            out.append(Field(c, j - i))
            i = j
    flush()
    for k in range(len(out) - 1):
        element = out[k]
        if isinstance(element, Field):
            element.abutting = isinstance(out[k + 1], Field)  # Java 8: any field abuts
    return tuple(out)


# -- formatting ----------------------------------------------------------------------------


def _pad(value: int, digits: int) -> str:
    digits = min(digits, 309)  # DecimalFormat's limit on minimum integer digits
    if value < 0:
        return "-" + str(-value).zfill(digits)
    return str(value).zfill(digits)


def _two(value: int) -> str:
    text = _pad(value, 2)
    return text if len(text) <= 2 else text[:-2].rstrip("0123456789") + text[-2:]


def _calendar_year(f: list[int]) -> int:
    return f[jc.YEAR]


def _tdiv(a: int, b: int) -> int:
    """Java's integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _offset_text(f: list[int]) -> str:
    minutes = _tdiv(f[jc.ZONE_OFFSET] + f[jc.DST_OFFSET], 60_000)
    number = _tdiv(minutes, 60) * 100 + (minutes - _tdiv(minutes, 60) * 60)
    return ("+" + str(number).zfill(4)) if minutes >= 0 else "-" + str(-number).zfill(4)


def _iso_offset(f: list[int], count: int) -> str:
    total = f[jc.ZONE_OFFSET] + f[jc.DST_OFFSET]
    if total == 0:
        return "Z"
    minutes = _tdiv(total, 60_000)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    text = f"{sign}{minutes // 60:02d}"
    if count == 1:
        return text
    return text + (":" if count == 3 else "") + f"{minutes % 60:02d}"


Formatter = Callable[[list[int], JavaZone], str]


def field_formatter(letter: str, count: int) -> Formatter:
    if letter == "G":
        return lambda f, z: ERAS[f[jc.ERA]]
    if letter in "yY":
        year: Callable[[list[int]], int] = _calendar_year if letter == "y" else jc.week_year
        if count == 2:
            return lambda f, z: _two(year(f))
        return lambda f, z: _pad(year(f), count)
    if letter in "ML":
        if count >= 4:
            return lambda f, z: MONTHS[f[jc.MONTH]]
        if count == 3:
            return lambda f, z: SHORT_MONTHS[f[jc.MONTH]]
        return lambda f, z: _pad(f[jc.MONTH] + 1, count)
    if letter == "E":
        names = WEEKDAYS if count >= 4 else SHORT_WEEKDAYS
        return lambda f, z: names[f[jc.DAY_OF_WEEK]]
    if letter == "a":
        return lambda f, z: AMPM[f[jc.AM_PM]]
    if letter == "k":
        return lambda f, z: _pad(f[jc.HOUR_OF_DAY] or 24, count)
    if letter == "h":
        return lambda f, z: _pad(f[jc.HOUR] or 12, count)
    if letter == "z":
        long = count >= 4
        return lambda f, z: z.display_name(f[jc.DST_OFFSET] != 0, long)
    if letter == "Z":
        return lambda f, z: _offset_text(f)
    if letter == "X":
        return lambda f, z: _iso_offset(f, count)
    if letter == "u":
        return lambda f, z: _pad(7 if f[jc.DAY_OF_WEEK] == 1 else f[jc.DAY_OF_WEEK] - 1, count)
    field = NUMERIC[letter]
    return lambda f, z: _pad(f[field], count)
