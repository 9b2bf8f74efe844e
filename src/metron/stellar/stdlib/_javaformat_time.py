"""The date/time conversions of ``java.util.Formatter`` (``%tY``, ``%tF``, ``%tc``...).

Stellar has no date values, so the only argument these accept is a ``Long``: milliseconds
since the epoch, shown in the host's local time zone as Java shows it in the JVM's default
zone.  Names of months, days and am/pm are the en_US ones.  Dates use the proleptic
Gregorian calendar (Java switches to the Julian calendar before 1582).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from metron.stellar.errors import StellarError

__all__ = ["DATE_TIME_CONVERSIONS", "format_date_time"]

DATE_TIME_CONVERSIONS = frozenset("HIklMSLNpzZsQBbhAaCYyjmdeRTrDFc")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _local(millis: int) -> datetime:
    try:
        return (_EPOCH + timedelta(milliseconds=millis)).astimezone()
    except (OverflowError, ValueError, OSError):
        raise StellarError(f"the time {millis} ms since the epoch is out of range") from None


def _offset(t: datetime) -> str:
    delta = t.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def _field(t: datetime, millis: int, c: str) -> str:
    hour12 = t.hour % 12 or 12
    if c == "H":
        return f"{t.hour:02d}"
    if c == "I":
        return f"{hour12:02d}"
    if c == "k":
        return str(t.hour)
    if c == "l":
        return str(hour12)
    if c == "M":
        return f"{t.minute:02d}"
    if c == "S":
        return f"{t.second:02d}"
    if c == "L":
        return f"{t.microsecond // 1000:03d}"
    if c == "N":
        return f"{t.microsecond * 1000:09d}"
    if c == "p":
        return "pm" if t.hour >= 12 else "am"
    if c == "z":
        return _offset(t)
    if c == "Z":
        return t.tzname() or _offset(t)
    if c == "s":
        seconds = abs(millis) // 1000  # Java divides toward zero
        return str(-seconds if millis < 0 else seconds)
    if c == "Q":
        return str(millis)
    if c == "B":
        return _MONTHS[t.month - 1]
    if c in "bh":
        return _MONTHS[t.month - 1][:3]
    if c == "A":
        return _DAYS[t.weekday()]
    if c == "a":
        return _DAYS[t.weekday()][:3]
    if c == "C":
        return f"{t.year // 100:02d}"
    if c == "Y":
        return f"{t.year:04d}"
    if c == "y":
        return f"{t.year % 100:02d}"
    if c == "j":
        return f"{t.timetuple().tm_yday:03d}"
    if c == "m":
        return f"{t.month:02d}"
    if c == "d":
        return f"{t.day:02d}"
    if c == "e":
        return str(t.day)
    return _composite(t, millis, c)


def _composite(t: datetime, millis: int, c: str) -> str:
    def f(*codes: str) -> list[str]:
        return [_field(t, millis, code) for code in codes]

    if c == "R":
        return ":".join(f("H", "M"))
    if c == "T":
        return ":".join(f("H", "M", "S"))
    if c == "r":
        return ":".join(f("I", "M", "S")) + " " + _field(t, millis, "p").upper()
    if c == "D":
        return "/".join(f("m", "d", "y"))
    if c == "F":
        return "-".join(f("Y", "m", "d"))
    # "c": Sun Jul 16 02:40:00 UTC 2017
    return " ".join(f("a", "b", "d", "T", "Z", "Y"))


def format_date_time(millis: int, conversion: str) -> str:
    """One ``%t`` conversion of ``millis`` (epoch milliseconds) in the local time zone."""
    return _field(_local(millis), millis, conversion)
