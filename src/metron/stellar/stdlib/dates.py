"""Date and time: parse and format with Java ``SimpleDateFormat`` patterns, calendar parts.

Metron ran these on the JVM's default time zone and locale; here the default zone is UTC
and the locale en_US (weeks start on Sunday, week 1 is the week holding the first day).
Time zones are Java ids (``America/New_York``, ``EST``, ``GMT+05:30``...); an id Java does
not understand silently means GMT.  Epoch values are milliseconds.
"""

from __future__ import annotations

import time
from typing import Any

from metron.stellar.convert import to_long
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib import _javacalendar as jc
from metron.stellar.stdlib._javazone import UTC
from metron.stellar.stdlib._simpledateformat import PatternError, SimpleDateFormat, get_format
from metron.stellar.types import INT_MAX, INT_MIN, Char, Long, to_java_string

__all__: list[str] = []

_EPOCH = "dateTime - the time as milliseconds since the Unix epoch (optional: defaults to now)"
_ZONE_NOTE = " Dates are taken in UTC (Metron used the JVM's default time zone)."


def _now() -> int:
    return time.time_ns() // 1_000_000


def _format(pattern: Any, zone: str | None, lenient: bool = True) -> SimpleDateFormat:
    text = to_java_string(pattern)
    try:
        return get_format(text, zone, lenient)
    except PatternError as e:
        raise StellarError(f"invalid date format '{text}': {e}") from None


def _is_long(value: Any) -> bool:
    """Java ``instanceof Long``: a Long, or an integer too large for an Integer."""
    t = type(value)
    return t is Long or (t is int and not INT_MIN <= value <= INT_MAX)


def _is_string(value: Any) -> bool:
    return isinstance(value, str) and not isinstance(value, Char)


@stellar(
    "TO_EPOCH_TIMESTAMP",
    params=[
        "dateTime - the date and time as a string",
        "format - the SimpleDateFormat pattern the string is written in",
        "timezone - (optional) the time zone the string's local time is in; default UTC",
    ],
    returns="the epoch milliseconds (a Long), or null when the string does not parse",
    description=(
        "Parses a date string with a Java SimpleDateFormat pattern into epoch milliseconds. "
        "Parsing is lenient, as in Metron: out-of-range fields roll over (month 13 is "
        "January of the next year) and text after the end of the pattern is ignored. "
        "Without a timezone argument, and unless the string carries its own zone, the "
        "time is read as UTC (Metron used the JVM's default time zone). A null date or "
        "format gives null; an invalid pattern is an error."
    ),
    examples=[
        ("TO_EPOCH_TIMESTAMP('2016-08-25 13:27:10', 'yyyy-MM-dd HH:mm:ss')", Long(1472131630000)),
        (
            "TO_EPOCH_TIMESTAMP('2016-08-25 09:27:10', 'yyyy-MM-dd HH:mm:ss', 'America/New_York')",
            Long(1472131630000),
        ),
        ("TO_EPOCH_TIMESTAMP('2016-13-01 extra', 'yyyy-MM-dd')", Long(1483228800000)),
    ],
    pure=True,
)
def to_epoch_timestamp(*args: Any) -> Long | None:
    if len(args) < 2:
        raise StellarError("TO_EPOCH_TIMESTAMP needs a date string and a format")
    date, pattern = args[0], args[1]
    zone = args[2] if len(args) >= 3 else None
    if date is None or pattern is None:
        return None
    fmt = _format(pattern, None if zone is None else to_java_string(zone))
    millis = fmt.parse(to_java_string(date))
    return None if millis is None else Long(millis)


@stellar(
    "DATE_FORMAT",
    params=[
        "format - the SimpleDateFormat pattern to write the date with",
        "timestampField - (optional) epoch milliseconds as a Long; defaults to now",
        "timezone - (optional) the time zone to write the date in; default UTC",
    ],
    returns="the formatted date",
    description=(
        "Formats an epoch timestamp with a Java SimpleDateFormat pattern. The timestamp must "
        "be a Long (write 0L, or a number too large for an integer): with three arguments "
        "an Integer timestamp is an error, and with two arguments the second one is the "
        "timestamp if it is a Long, the time zone if it is a string, and anything else "
        "means now. A null second argument of two gives null; a null format gives null. "
        "The default time zone is UTC (Metron used the JVM's default)."
    ),
    examples=[
        ("DATE_FORMAT('yyyy-MM-dd HH:mm:ss', 1472131630748L)", "2016-08-25 13:27:10"),
        (
            "DATE_FORMAT('EEE MMM dd yyyy hh:mm:ss a zzz', 1472131630748L, 'EST')",
            "Thu Aug 25 2016 08:27:10 AM EST",
        ),
        Example("DATE_FORMAT('yyyy-MM-dd', 'Asia/Tokyo')", check=False),
        Example("DATE_FORMAT('yyyy', 1000, 'UTC')", error=True),
    ],
)
def date_format(*args: Any) -> str | None:
    if not args:
        raise StellarError("DATE_FORMAT needs a format")
    pattern = args[0]
    epoch: Any = None
    zone: Any = None
    if len(args) == 2:
        second = args[1]
        if second is None:
            return None
        epoch = second if _is_long(second) else None
        zone = second if _is_string(second) else None
    elif len(args) > 2:
        epoch, zone = args[1], args[2]
        if epoch is not None and not _is_long(epoch):
            raise StellarError(f"the timestamp must be a Long, not {to_java_string(epoch)}")
        if zone is not None and not _is_string(zone):
            raise StellarError(f"the time zone must be a string, not {to_java_string(zone)}")
    if pattern is None:
        return None
    millis = _now() if epoch is None else int(epoch)
    return _format(pattern, zone).format(millis)


def _calendar_part(field: int, args: tuple[Any, ...]) -> int | None:
    millis: int | None = to_long(args[0]) if args else _now()
    if millis is None:
        return None
    millis = int(millis)
    return jc.compute_fields(millis, *UTC.offsets(millis))[field]


def _part(name: str, field: int, what: str, example: int, extra: str = "") -> None:
    def part(*args: Any) -> int | None:
        return _calendar_part(field, args)

    part.__name__ = name.lower()
    stellar(
        name,
        params=[_EPOCH],
        returns=f"the {what} (an Integer), or null when the argument is not a number",
        description=(
            f"The {what} of an epoch timestamp, or of now without an argument.{extra}"
            f"{_ZONE_NOTE} An argument that does not convert to a Long gives null."
        ),
        examples=[
            (f"{name}(1472131630748L)", example),
            (f"{name}('not a time')", None),
            Example(f"{name}()", check=False),
        ],
    )(part)


_part("DAY_OF_WEEK", jc.DAY_OF_WEEK, "day of the week", 5, " Sunday is 1, Saturday 7.")
_part("DAY_OF_MONTH", jc.DAY_OF_MONTH, "day of the month", 25, " The first day is 1.")
_part("DAY_OF_YEAR", jc.DAY_OF_YEAR, "day of the year", 238, " January 1 is 1.")
_part(
    "WEEK_OF_MONTH",
    jc.WEEK_OF_MONTH,
    "week of the month",
    4,
    " Weeks start on Sunday; the week holding the 1st is week 1.",
)
_part(
    "WEEK_OF_YEAR",
    jc.WEEK_OF_YEAR,
    "week of the year",
    35,
    " Weeks start on Sunday; the week holding January 1 is week 1, so the last days of "
    "December can be in week 1 of the next year.",
)
_part("MONTH", jc.MONTH, "month", 7, " Months count from 0: January is 0, December 11.")
_part("YEAR", jc.YEAR, "year", 2016)


@stellar(
    "IS_DATE",
    params=[
        "date - the date string to check",
        "format - the SimpleDateFormat pattern it should follow",
    ],
    returns="true if the date parses with the format, false otherwise",
    description=(
        "Checks that a string is a date in a Java SimpleDateFormat pattern. Parsing is "
        "strict: fields must be in range (no month 13, no February 30) and a day-of-week "
        "name must match the date. Like Java's parse, it only reads as far as the pattern "
        "goes, so text after a valid date is allowed. A null date or format, or fewer than "
        "two arguments, gives false; an invalid pattern is an error."
    ),
    examples=[
        ("IS_DATE('2014-05-01', 'yyyy-MM-dd')", True),
        ("IS_DATE('2014-02-30', 'yyyy-MM-dd')", False),
        ("IS_DATE('2014-05-01T10:00', 'yyyy-MM-dd')", True),
    ],
    pure=True,
)
def is_date(*args: Any) -> bool:
    if len(args) < 2 or args[0] is None or args[1] is None:
        return False
    fmt = _format(args[1], None, lenient=False)
    return fmt.parse(to_java_string(args[0])) is not None
