"""Helpers of the asa parser: Java's ``ZoneId.of``, syslog timestamps, grok's number capture.

Metron reads the ASA timestamp with ``SyslogUtils.parseTimestampToEpochMillis``: either
``MMM ppd HH:mm:ss`` (no year: the device clock's current year, or the year before when
that puts the date more than four days ahead of the clock) or ``MMM dd yyyy HH:mm:ss``
(java.time's SMART resolution: a day past the month's end becomes its last day).  Any other
shape is an error, as is an impossible date in the year-less form (``Feb 30``).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Final

from metron.errors import ConfigError
from metron.parsing.base import ParserError

__all__ = [
    "FACILITIES",
    "SEVERITIES",
    "device_zone",
    "grok_value",
    "syslog_millis",
]

SEVERITIES: Final = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")
FACILITIES: Final = {
    **dict.fromkeys(range(24), "unknown"),
    0: "kern",
    1: "user",
    2: "mail",
    3: "daemon",
    4: "auth",
    5: "syslog",
    6: "lpr",
    7: "news",
    8: "uucp",
    10: "authpriv",
    11: "ftp",
    15: "cron",
    **{16 + n: f"local{n}" for n in range(8)},
}

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def grok_value(text: str) -> int | str:
    """A captured value as Metron's grok library (0.1.0) returns it.

    Text that ``Integer.parseInt`` accepts becomes an int; any other text stays a string.
    """
    body = text[1:] if text[:1] in ("+", "-") else text
    if body.isdigit() and body.isascii():
        value = int(text)
        if _INT_MIN <= value <= _INT_MAX:
            return value
    return text


# -- ZoneId.of -------------------------------------------------------------------------------

# ZoneOffset.of: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss
_OFFSET = re.compile(r"[+-](?:([0-9]{1,2})|([0-9]{2}):?([0-9]{2})(?::?([0-9]{2}))?)")
_REGION = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+")


def _offset(text: str, zone_id: str) -> tzinfo:
    m = _OFFSET.fullmatch(text)
    colons = text.count(":")
    if m is None or (colons and colons != (1 if m.group(4) is None else 2)):
        raise ConfigError(f"deviceTimeZone '{zone_id}' is not a valid zone offset")
    hours = int(m.group(1) or m.group(2))
    minutes, seconds = int(m.group(3) or 0), int(m.group(4) or 0)
    if hours > 18 or minutes > 59 or seconds > 59 or (hours == 18 and (minutes or seconds)):
        raise ConfigError(f"deviceTimeZone '{zone_id}': the offset is out of range (±18:00)")
    total = hours * 3600 + minutes * 60 + seconds
    if total == 0:
        return UTC
    return timezone(timedelta(seconds=-total if text[0] == "-" else total))


def device_zone(zone_id: object) -> tzinfo:
    """``ZoneId.of(zone_id)``: a tz database region, ``Z``, ``±hh:mm``, ``UTC+hh:mm`` ..."""
    if not isinstance(zone_id, str):
        raise ConfigError(f"deviceTimeZone must be a string, not {zone_id!r}")
    if zone_id == "Z":
        return UTC
    if zone_id[:1] in ("+", "-"):
        return _offset(zone_id, zone_id)
    for prefix in ("UTC", "GMT", "UT"):
        if zone_id == prefix:
            return UTC
        if zone_id.startswith(prefix) and zone_id[len(prefix) : len(prefix) + 1] in ("+", "-"):
            return _offset(zone_id[len(prefix) :], zone_id)
    if _REGION.fullmatch(zone_id) is None:
        raise ConfigError(f"deviceTimeZone '{zone_id}' is not a valid zone id")
    try:
        return zoneinfo.ZoneInfo(zone_id)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"deviceTimeZone '{zone_id}' is not a known time zone (e.g. 'UTC',"
            " 'America/New_York', '+05:30')"
        ) from None


# -- SyslogUtils.parseTimestampToEpochMillis -----------------------------------------------

_MONTHS: Final = {
    name: n
    for n, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_NO_YEAR = re.compile(r"([A-Z][a-z]{2}) (?: ([0-9])|([0-9]{2})) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_WITH_YEAR = re.compile(r"([A-Z][a-z]{2}) ([0-9]{2}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS_IN_MONTH: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MS = timedelta(milliseconds=1)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _millis(local: datetime, zone: tzinfo, fold: int = 0) -> int:
    """Epoch ms of a wall-clock time in ``zone`` (java.time: earlier offset in an overlap,
    shifted forward in a gap; ``fold=1`` picks the later offset of an overlap)."""
    return (local.replace(tzinfo=zone, fold=fold) - _EPOCH) // _MS


def _bad(text: str, why: str) -> ParserError:
    return ParserError(f"[Metron] could not parse the timestamp '{text}': {why}")


def syslog_millis(text: str, zone: tzinfo, now_ms: int) -> int:
    """Epoch milliseconds of an ASA header timestamp, with Metron's year rules."""
    m = _NO_YEAR.fullmatch(text)
    if m is not None:
        month_name, day1, day2, hh, mm, ss = m.groups()
        month = _MONTHS.get(month_name)
        if month is None:
            raise _bad(text, "unknown month")
        now = (_EPOCH + timedelta(milliseconds=now_ms)).astimezone(zone)
        try:
            local = datetime(now.year, month, int(day1 or day2), int(hh), int(mm), int(ss))
        except ValueError as e:
            raise _bad(text, str(e)) from None
        millis = _millis(local, zone)
        # plusDays(4) keeps the clock's offset when the wall-clock time allows it
        ahead_local = now.replace(tzinfo=None) + timedelta(days=4)
        ahead = _millis(ahead_local, zone)
        later = _millis(ahead_local, zone, fold=1)
        if (
            later != ahead
            and ahead_local.replace(tzinfo=zone, fold=1).utcoffset() == now.utcoffset()
        ):
            ahead = later
        if millis > ahead:
            try:
                local = local.replace(year=now.year - 1)
            except ValueError as e:  # Feb 29 of a leap year, moved to the year before
                raise _bad(text, str(e)) from None
            millis = _millis(local, zone)
        return millis
    m = _WITH_YEAR.fullmatch(text)
    if m is not None:
        month_name, dd, yyyy, hh, mm, ss = m.groups()
        month = _MONTHS.get(month_name)
        year, day = int(yyyy), int(dd)
        if month is None or year == 0:
            raise _bad(text, "unknown month" if month is None else "year 0")
        # java.time SMART resolution: a day past the month's end is its last day
        last = _DAYS_IN_MONTH[month - 1] if month != 2 or _is_leap(year) else 28
        try:
            local = datetime(year, month, min(day, last), int(hh), int(mm), int(ss))
        except ValueError as e:
            raise _bad(text, str(e)) from None
        return _millis(local, zone)
    raise ParserError(f"Unsupported date format: '{text}'")
