"""Metron's ``ParserUtils.convertToEpoch``, which the fireeye parser reads its time with.

``ParserUtils.convertToEpoch(month, day, time, true)`` builds ``<this year>-0<month>-
<day> <time>`` and reads it with a lenient ``SimpleDateFormat("yyyy-MM-dd HH:mm:ss")`` in
GMT: every number is taken whole and out-of-range values roll over (day 32 is the 1st of
the next month, hour 25 the next day).  Numbers beyond a Java int wrap as ``intValue()``
does; a date that falls before the Gregorian switch of 1582 (absurd numbers only) is a
Julian calendar date, as in Java's ``GregorianCalendar``.
"""

from __future__ import annotations

__all__ = ["convert_to_epoch"]

_MONTHS = {
    name: n
    for n, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_LONG_MAX = 2**63 - 1
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _int_value(digits: str) -> int:
    """What ``DecimalFormat.parse(digits).intValue()`` gives for a run of ASCII digits."""
    value = int(digits)
    if value > _LONG_MAX:  # parsed as a double: intValue() saturates
        return _INT_MAX
    value &= 0xFFFFFFFF  # a Long: intValue() keeps the low 32 bits
    return value - 2**32 if value > _INT_MAX else value


def _julian_day(year: int, month: int, day: int, julian: bool) -> int:
    """The Julian Day Number of a date in the Julian or the Gregorian calendar."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    jdn = day + (153 * m + 2) // 5 + 365 * y + y // 4
    return jdn - 32083 if julian else jdn - y // 100 + y // 400 - 32045


_EPOCH_JDN = _julian_day(1970, 1, 1, julian=False)
_CUTOVER_JDN = _julian_day(1582, 10, 15, julian=False)  # GregorianCalendar's default switch
_DAY_MS = 86_400_000


def convert_to_epoch(month: str, day: str, clock: str, year: int) -> int:
    """Epoch ms of ``month day clock`` in ``year`` (GMT), as Metron's lenient parse gives.

    Raises ValueError for a month name Java's ``SimpleDateFormat("MMM")`` does not know.
    """
    month_index = _MONTHS.get(month.lower())
    if month_index is None:
        raise ValueError(f'Unparseable date: "{month}"')
    # "0" + (month + 1) reads back as the month; the day keeps its digits
    hours, minutes, seconds = (_int_value(part) for part in clock.split(":"))
    time_of_day = ((hours * 60 + minutes) * 60 + seconds) * 1000
    days, time_of_day = divmod(time_of_day, _DAY_MS)
    days += _int_value(day) - 1
    # GregorianCalendar counts a date before its 1582 switch in the Julian calendar
    fixed = _julian_day(year, month_index + 1, 1, julian=False) + days
    if fixed < _CUTOVER_JDN:
        julian = _julian_day(year, month_index + 1, 1, julian=True) + days
        if julian < _CUTOVER_JDN:
            fixed = julian
    return (fixed - _EPOCH_JDN) * _DAY_MS + time_of_day


# -- the key=value pairs ----------------------------------------------------------------------

_JAVA_SPACE = frozenset(" \t\n\x0b\f\r")  # Java's \s
_FINAL_NON_SPACE = frozenset("\x85\u2028\u2029")  # terminators `$` may stand before
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")

#: Metron's pair regex, in Python with Java's classes and `$`; `pairs` gives what its
#: successive finds give, without its quadratic backtracking (kept for the tests).
PAIR_REGEX = (
    r"([A-Za-z0-9_]+)=([^=]*)(?=[ \t\n\x0b\f\r]*[A-Za-z0-9_]+=|[ \t\n\x0b\f\r]*"
    r"(?:\Z|(?=\r\n\Z)|(?=[\r\x85\u2028\u2029]\Z)|(?<!\r)(?=\n\Z))) "
)


def pairs(text: str) -> list[tuple[str, str]]:
    """The (key, value) of every match of Metron's ``([\\w\\d]+)=([^=]*)(?=\\s*\\w+=|\\s*$) ``.

    The value is the longest run without ``=`` that ends on a blank (returned with it, as
    Metron's ``group().split("=")`` has it) after which come blanks and the next key and
    its ``=``, or blanks to the end of the text.  So only the blanks just before the next
    key, or those at the end, can end a value: each match is found in one pass.
    """
    n = len(text)
    tail = n - 1 if n and text[-1] in _FINAL_NON_SPACE else n
    blank_tail = tail  # from here to `tail`, only blanks
    while blank_tail > 0 and text[blank_tail - 1] in _JAVA_SPACE:
        blank_tail -= 1
    found: list[tuple[str, str]] = []
    pos = 0
    q = text.find("=")
    while q >= 0:
        start = q
        while start > pos and text[start - 1] in _WORD_CHARS:
            start -= 1
        following = text.find("=", q + 1)
        end = -1
        value = q + 1
        if start < q and following < 0:
            end = text.rfind(" ", max(value, blank_tail), n)
        elif start < q:
            key = following  # the next key: the word just before the next "="
            while key > value and text[key - 1] in _WORD_CHARS:
                key -= 1
            blanks = key
            while blanks > value and text[blanks - 1] in _JAVA_SPACE:
                blanks -= 1
            if key < following and blanks < key:
                end = text.rfind(" ", blanks, key)
        if end >= value:
            found.append((text[start:q], text[value : end + 1]))
            pos = end + 1
        q = following
    return found
