"""A quick reader for the numeric date formats grok configs use (``yyyy-MM-dd HH:mm:ss.S``).

Metron's GrokParser reads ``timeFields`` with Java's SimpleDateFormat; the emulation in
:mod:`metron.stellar.stdlib._simpledateformat` reproduces it exactly but computes through
a Java calendar.  For patterns made only of numeric year, month, day, hour, minute, second
and millisecond fields between literals, in a zone with a fixed offset, a date whose
fields are all in their normal ranges has the obvious value; this reads those directly and
hands every other text (and every other pattern) to the emulation.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from metron.stellar.stdlib._datepattern import Field
from metron.stellar.stdlib._simpledateformat import SimpleDateFormat

__all__ = ["date_reader"]

_DEFAULTS = {"y": 1970, "M": 1, "d": 1, "H": 0, "m": 0, "s": 0, "S": 0}
_LIMITS = {
    "y": (1700, 9999),
    "M": (1, 12),
    "d": (1, 31),
    "H": (0, 23),
    "m": (0, 59),
    "s": (0, 59),
    "S": (0, 999),
}
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def date_reader(fmt: SimpleDateFormat) -> Callable[[str], int | None]:
    """``fmt.parse``, with the quick path when the pattern and zone allow it."""
    plan = _plan(fmt)
    if plan is None:
        return fmt.parse
    regex, letters = plan
    offset = fmt.zone.raw_offset
    slow = fmt.parse

    def parse(text: str) -> int | None:
        m = regex.match(text)
        if m is None:
            return slow(text)
        values = dict(_DEFAULTS)
        for letter, digits in zip(letters, m.groups()):
            values[letter] = int(digits)
        for letter, (low, high) in _LIMITS.items():
            if not low <= values[letter] <= high:
                return slow(text)
        year, month, day = values["y"], values["M"], values["d"]
        leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if day > _MONTH_DAYS[month - 1] + leap:
            return slow(text)
        days = datetime.date(year, month, day).toordinal() - _EPOCH_ORDINAL
        seconds = ((days * 24 + values["H"]) * 60 + values["m"]) * 60 + values["s"]
        return seconds * 1000 + values["S"] - offset

    return parse


def _plan(fmt: SimpleDateFormat) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    if not fmt.lenient or not fmt.zone.fixed:
        return None
    parts: list[str] = []
    letters: list[str] = []
    for element in fmt.elements:
        if isinstance(element, str):
            parts.append(re.escape(element))
            continue
        if not isinstance(element, Field) or element.letter not in _DEFAULTS or element.abutting:
            return None
        if (element.letter == "y" and element.count <= 2) or (
            element.letter == "M" and element.count > 2
        ):
            return None  # two-digit years and month names need the emulation
        # Java skips blanks before a number and reads every digit that follows.
        parts.append(r"[ \t]*([0-9]+)")
        letters.append(element.letter)
    if not letters:
        return None
    return re.compile("".join(parts)), tuple(letters)
