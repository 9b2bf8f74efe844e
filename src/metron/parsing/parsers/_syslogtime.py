"""Timestamps as Metron's CEF, LEEF and syslog parsers read them.

Two Metron utilities are reproduced:

- ``SyslogUtils.parseTimestampToEpochMillis``: ``MMM ppd HH:mm:ss`` (no year: the device
  clock's year, or the year before when that would put the date more than four days ahead),
  ``MMM dd yyyy HH:mm:ss``, or an ISO-8601 offset date-time (``2018-01-05T08:52:35.12Z``),
  all read with java.time (exact field widths, range checks, a day past the month's end
  moved back to its last day where a year is given).  Another shape is Metron's own
  "Unsupported date format" error (:class:`UnsupportedDateFormat`); a malformed value of a
  known shape is java.time's error (:class:`DateTimeError`).  The ISO form is read STRICTly
  (``Feb 30`` or ``24:00`` are errors), the others SMARTly.  Metron handles the two
  differently, so they are separate classes.
- ``DateUtils.parseMultiformat``: all digits is epoch milliseconds; otherwise the first of a
  list of ``SimpleDateFormat`` patterns (lenient, UTC, reading a prefix of the text) that
  parses; a date in 1970 gets the current year, and a date more than four days ahead loses
  a year.

``device_zone`` is Java's ``ZoneId.of`` for the ``deviceTimeZone`` setting.
"""

from __future__ import annotations

import re
import time
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers._dtf_resolve import civil_from_days, days_from_civil
from metron.parsing.parsers._javatext import is_numeric, java_long
from metron.stellar.stdlib._simpledateformat import get_format

__all__ = [
    "CEF_DATE_FORMATS",
    "LEEF_DATE_FORMATS",
    "DateTimeError",
    "UnsupportedDateFormat",
    "device_zone",
    "now_ms",
    "parse_multiformat",
    "syslog_millis",
]

#: DateUtils.DATE_FORMATS_CEF, tried in this order.
CEF_DATE_FORMATS = (
    "MMM dd HH:mm:ss.SSS zzz",
    "MMM dd HH:mm:ss.SSS",
    "MMM dd HH:mm:ss zzz",
    "MMM dd HH:mm:ss",
    "MMM dd yyyy HH:mm:ss.SSS zzz",
    "MMM dd yyyy HH:mm:ss.SSS",
    "MMM dd yyyy HH:mm:ss zzz",
    "MMM dd yyyy HH:mm:ss",
    "dd MMMM yyyy HH:mm:ss",
)
#: DateUtils.DATE_FORMATS_LEEF, tried in this order.
LEEF_DATE_FORMATS = (
    "MMM dd yyyy HH:mm:ss.SSS zzz",
    "MMM dd yyyy HH:mm:ss.SSS",
    "MMM dd yyyy HH:mm:ss",
)


class UnsupportedDateFormat(ParserError):
    """A timestamp of no shape Metron knows (Metron's checked ``ParseException``)."""


class DateTimeError(ParserError):
    """A timestamp of a known shape that java.time refuses (an unchecked exception)."""


def now_ms() -> int:
    """The current time in epoch milliseconds (tests replace it)."""
    return time.time_ns() // 1_000_000


# -- calendar arithmetic (proleptic Gregorian, no range limit) ------------------------------

_DAY_MS = 86_400_000
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_length(year: int, month: int) -> int:
    return 29 if month == 2 and _leap(year) else _MONTH_DAYS[month - 1]


# -- SyslogUtils ------------------------------------------------------------------------------

_SHORT_MONTHS = {
    name: n
    for n, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_JS = "[ \t\n\x0b\f\r]"  # Java's \s
_NO_YEAR = re.compile(
    rf"[A-Z][a-z]{{2}}(?:{_JS}{{2}}[0-9]|{_JS}[0-9]{{2}}){_JS}[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}"
)
_WITH_YEAR = re.compile(
    rf"[A-Z][a-z]{{2}}{_JS}[0-9]{{2}}{_JS}[0-9]{{4}}{_JS}[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}"
)
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _wall_millis(local: datetime, zone: tzinfo, fold: int = 0) -> int:
    """Epoch ms of a wall-clock time (java.time: the earlier offset in an overlap, moved
    forward in a gap, which is what ``fold=0`` gives)."""
    return (local.replace(tzinfo=zone, fold=fold) - _EPOCH) // _MS


def _time_of_day(text: str, start: int) -> tuple[int, int, int, int]:
    """``HH:mm:ss`` at ``start`` as the SMART resolver reads it: hour, minute, second and the
    days to add (``24:00:00`` is midnight of the next day)."""
    hour, minute, second = (int(text[start + i : start + i + 2]) for i in (0, 3, 6))
    if hour == 24 and minute == 0 and second == 0:
        return 0, 0, 0, 1
    if hour > 23 or minute > 59 or second > 59:
        raise DateTimeError(f"Text '{text}' could not be parsed: invalid time of day")
    return hour, minute, second, 0


def _month(text: str) -> int:
    month = _SHORT_MONTHS.get(text[:3])
    if month is None or text[3] != " ":
        raise DateTimeError(f"Text '{text}' could not be parsed at index 0")
    return month


def _no_year(text: str, zone: tzinfo, now: int) -> int:
    month = _month(text)
    window = text[4:6]  # "ppd": two characters, leading spaces are padding
    if window[0] == " ":
        window = window[1:]
    if not window.isdigit() or text[6] != " ":
        raise DateTimeError(f"Text '{text}' could not be parsed at index 4")
    day = int(window)
    hour, minute, second, _ = _time_of_day(text, 7)  # no date: an extra day is dropped
    if not 1 <= day <= 31:
        raise DateTimeError(f"Invalid value for DayOfMonth (valid values 1 - 28/31): {day}")
    clock = (_EPOCH + timedelta(milliseconds=now)).astimezone(zone)
    try:
        local = datetime(clock.year, month, day, hour, minute, second)
    except ValueError as e:
        raise DateTimeError(f"Invalid date '{text}' in {clock.year}: {e}") from None
    millis = _wall_millis(local, zone)
    # ZonedDateTime.plusDays(4) keeps the clock's offset where the wall-clock time allows.
    ahead_local = clock.replace(tzinfo=None) + timedelta(days=4)
    ahead = _wall_millis(ahead_local, zone)
    if ahead_local.replace(tzinfo=zone, fold=1).utcoffset() == clock.utcoffset():
        ahead = _wall_millis(ahead_local, zone, fold=1)
    if millis > ahead:
        try:
            local = local.replace(year=clock.year - 1)
        except ValueError as e:
            raise DateTimeError(f"Invalid date '{text}' in {clock.year - 1}: {e}") from None
        millis = _wall_millis(local, zone)
    return millis


def _with_year(text: str, zone: tzinfo) -> int:
    month = _month(text)
    if not text[4:6].isdigit() or text[6] != " " or text[11] != " ":
        raise DateTimeError(f"Text '{text}' could not be parsed at index 4")
    day, year = int(text[4:6]), int(text[7:11])
    hour, minute, second, extra = _time_of_day(text, 12)
    if not 1 <= day <= 31 or year == 0:
        raise DateTimeError(f"Text '{text}' could not be parsed: invalid date")
    day = min(day, _month_length(year, month))  # the SMART resolver's "previous valid day"
    local = datetime(year, month, day, hour, minute, second) + timedelta(days=extra)
    return _wall_millis(local, zone)


def _iso(m: re.Match[str], text: str) -> int:
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = int(m[4]), int(m[5]), int(m[6])
    fraction = m[7] or ""
    offset = 0
    if m[8] is not None:
        offset = (int(m[9]) * 3600 + int(m[10]) * 60) * (1 if m[8] == "+" else -1)
    if (
        not 1 <= month <= 12
        or not 1 <= day <= _month_length(year, month)
        or hour > 23
        or minute > 59
        or second > 59
        or len(fraction) > 9
        or int(m[10] or 0) > 59
        or abs(offset) > 18 * 3600
    ):
        raise DateTimeError(f"Text '{text}' could not be parsed")  # ISO formats are STRICT
    seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return (seconds - offset) * 1000 + int(fraction[:3].ljust(3, "0"))


def syslog_millis(text: str, zone: tzinfo, now: int | None = None) -> int:
    """``SyslogUtils.parseTimestampToEpochMillis(text, clock in zone)``."""
    if _NO_YEAR.fullmatch(text):
        return _no_year(text, zone, now_ms() if now is None else now)
    if _WITH_YEAR.fullmatch(text):
        return _with_year(text, zone)
    m = _ISO.fullmatch(text)
    if m is not None:
        return _iso(m, text)
    raise UnsupportedDateFormat(f"Unsupported date format: '{text}'")


# -- DateUtils.parseMultiformat ---------------------------------------------------------------

_YEAR_1970_END = 365 * _DAY_MS


_CEF_WITH_YEAR = re.compile(r"[A-Za-z]+ [0-9]+ +[0-9]{3,} ")
_FORMAT_CACHE: dict[tuple[str, Sequence[str]], int | None] = {}


def _first_format_millis(candidate: str, patterns: Sequence[str]) -> int | None:
    """What the first pattern that parses ``candidate`` reads (cached: the same timestamp
    text recurs within a stream, and the result does not depend on the clock)."""
    key = (candidate, patterns)
    if key in _FORMAT_CACHE:
        return _FORMAT_CACHE[key]
    millis = None
    # "Mon dd yyyy ...": the four CEF formats without a year read the year as the hour and
    # then fail on its ':', so they are skipped.
    skip = 4 if patterns is CEF_DATE_FORMATS and _CEF_WITH_YEAR.match(candidate) else 0
    for pattern in patterns[skip:]:
        millis = get_format(pattern, None).parse(candidate)
        if millis is not None:
            break
    if len(_FORMAT_CACHE) >= 4096:
        _FORMAT_CACHE.clear()
    _FORMAT_CACHE[key] = millis
    return millis


def parse_multiformat(candidate: str, patterns: Sequence[str], now: int | None = None) -> int:
    """``DateUtils.parseMultiformat``: epoch ms, or :class:`UnsupportedDateFormat`.

    All digits (or empty) is read as a Long; a bad one raises ValueError, as Java's
    ``NumberFormatException`` escapes Metron's handling.  An invalid pattern raises
    :class:`~metron.stellar.stdlib._datepattern.PatternError`.
    """
    if is_numeric(candidate):
        return java_long(candidate)
    millis = _first_format_millis(candidate, patterns)
    if millis is None:
        raise UnsupportedDateFormat("Failed to parse any of the given date formats")
    current = now_ms() if now is None else now
    if 0 <= millis < _YEAR_1970_END:  # Calendar YEAR 1970 (UTC): use this year
        days, rest = divmod(millis, _DAY_MS)
        _, month, day = civil_from_days(days)
        year = civil_from_days(current // _DAY_MS)[0]
        millis = days_from_civil(year, month, day) * _DAY_MS + rest
    if millis > current + 4 * _DAY_MS:  # Calendar.add(YEAR, -1) keeps the day if it can
        days, rest = divmod(millis, _DAY_MS)
        year, month, day = civil_from_days(days)
        day = min(day, _month_length(year - 1, month))
        millis = days_from_civil(year - 1, month, day) * _DAY_MS + rest
    return millis


# -- ZoneId.of --------------------------------------------------------------------------------

_OFFSET_SHAPES = {2: "h", 3: "hh", 5: "hhmm", 6: "hh:mm", 7: "hhmmss", 9: "hh:mm:ss"}
_REGION = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+")


def _fixed_offset(text: str) -> tzinfo | None:
    """``ZoneOffset.of``: ``+h``, ``+hh``, ``+hhmm``, ``+hh:mm``, ``+hhmmss``, ``+hh:mm:ss``."""
    shape = _OFFSET_SHAPES.get(len(text))
    if shape is None or text[0] not in "+-":
        return None
    body = text[1:]
    if any(
        (s == ":") != (c == ":") or (s != ":" and not "0" <= c <= "9") for s, c in zip(shape, body)
    ):
        return None
    digits = body.replace(":", "")
    hours = int(digits[:2] if len(digits) > 1 else digits)
    minutes = int(digits[2:4] or 0)
    seconds = int(digits[4:6] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if hours > 18 or minutes > 59 or seconds > 59 or total > 18 * 3600:
        return None
    return timezone(timedelta(seconds=total if text[0] == "+" else -total))


def device_zone(zone_id: str) -> tzinfo:
    """Java's ``ZoneId.of``: ``Z``, ``+hh:mm`` offsets, ``UTC``/``GMT``/``UT`` with or
    without an offset, or a tz database region; anything else is a ConfigError."""
    zone: tzinfo | None = None
    if zone_id in ("Z", "UTC", "GMT", "UT"):
        zone = UTC
    elif zone_id[:1] in ("+", "-"):
        zone = _fixed_offset(zone_id)
    elif zone_id.startswith(("UTC+", "UTC-", "GMT+", "GMT-")):
        zone = _fixed_offset(zone_id[3:])
    elif zone_id.startswith(("UT+", "UT-")):
        zone = _fixed_offset(zone_id[2:])
    elif _REGION.fullmatch(zone_id):
        try:
            zone = zoneinfo.ZoneInfo(zone_id)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            zone = None
    if zone is None:
        raise ConfigError(
            f"deviceTimeZone '{zone_id}' is not a Java zone id (e.g. 'UTC',"
            " 'America/New_York', '+05:30', 'UTC-05:00')"
        )
    return zone
