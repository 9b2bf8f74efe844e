"""Resolving parsed fields to an instant, as Java 8's ``java.time.format.Parsed`` does (SMART).

A year (or a year of era and an era), month and day (or day of year), and an hour are
needed; an invalid day of month moves back to the last valid one; 24:00 is the next
midnight; fields left over are checked against the date and time they resolved to.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from metron.parsing.parsers._dtf_elements import (
    AMPM,
    CHAP,
    CHOD,
    DOM,
    DOW,
    DOY,
    ERA,
    HAP,
    HOD,
    MOD_MS,
    MOH,
    MONTH,
    NOD,
    NOS,
    SOM,
    YEAR,
    YOE,
    Fields,
    Unparsable,
)  # fmt: skip

__all__ = [
    "civil_from_days",
    "cross_check",
    "days_from_civil",
    "epoch_millis",
    "is_leap",
    "offset_seconds",
    "resolve_date",
    "resolve_time",
]

_RANGES: dict[str, tuple[int, int]] = {
    ERA: (0, 1),
    YOE: (1, 999_999_999),
    YEAR: (-999_999_999, 999_999_999),
    MONTH: (1, 12),
    DOM: (1, 31),
    DOY: (1, 366),
    DOW: (1, 7),
    AMPM: (0, 1),
    HAP: (0, 11),
    CHAP: (1, 12),
    HOD: (0, 23),
    CHOD: (1, 24),
    MOH: (0, 59),
    SOM: (0, 59),
    NOS: (0, 999_999_999),
    NOD: (0, 86_400 * 10**9 - 1),
    MOD_MS: (0, 86_400_000 - 1),
}
_TIME_FIELDS = frozenset({AMPM, HAP, CHAP, HOD, CHOD, MOH, SOM, NOS, NOD, MOD_MS})

# -- resolving (java.time.format.Parsed, SMART) ---------------------------------------------


def _check(field: str, value: int) -> int:
    lo, hi = _RANGES[field]
    if not lo <= value <= hi:
        raise Unparsable(f"Invalid value for {field}: {value}")
    return value


def _add(f: Fields, field: str, value: int) -> None:
    old = f.get(field)
    if old is not None and old != value:
        raise Unparsable(f"Conflict found: {field} {old} differs from {field} {value}")
    f[field] = value


def is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CUMULATIVE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def resolve_date(f: Fields) -> tuple[int, int, int] | None:
    yoe = f.pop(YOE, None)
    if yoe is not None:
        _check(YOE, yoe)
        era = f.pop(ERA, None)
        if era is None:
            year = f.get(YEAR)
            _add(f, YEAR, yoe if year is None or year > 0 else 1 - yoe)
        elif era == 1:
            _add(f, YEAR, yoe)
        elif era == 0:
            _add(f, YEAR, 1 - yoe)
        else:
            raise Unparsable(f"Invalid value for era: {era}")
    elif ERA in f:
        _check(ERA, f[ERA])
    if YEAR not in f:
        return None
    if MONTH in f and DOM in f:
        y = _check(YEAR, f.pop(YEAR))
        m = _check(MONTH, f.pop(MONTH))
        d = _check(DOM, f.pop(DOM))
        last = 29 if m == 2 and is_leap(y) else _MONTH_DAYS[m - 1]
        return y, m, min(d, last)  # SMART: an invalid day becomes the last valid one
    if DOY in f:
        y = _check(YEAR, f.pop(YEAR))
        doy = _check(DOY, f.pop(DOY))
        if doy == 366 and not is_leap(y):
            raise Unparsable(f"Invalid date 'DayOfYear 366' as '{y}' is not a leap year")
        m = 12
        while m > 1 and _CUMULATIVE[m - 1] + (1 if m > 2 and is_leap(y) else 0) >= doy:
            m -= 1
        day = doy - _CUMULATIVE[m - 1] - (1 if m > 2 and is_leap(y) else 0)
        return y, m, day
    return None


def resolve_time(f: Fields) -> tuple[int, int]:
    """(nano of day, excess days); nano of day -1 when no time could be made."""
    if CHOD in f:
        ch = f.pop(CHOD)
        if ch != 0:
            _check(CHOD, ch)
        _add(f, HOD, 0 if ch == 24 else ch)
    if CHAP in f:
        ch = f.pop(CHAP)
        if ch != 0:
            _check(CHAP, ch)
        _add(f, HAP, 0 if ch == 12 else ch)
    if AMPM in f and HAP in f:
        ap = _check(AMPM, f.pop(AMPM))
        _add(f, HOD, ap * 12 + f.pop(HAP))
    if NOD in f:
        nod = _check(NOD, f.pop(NOD))
        _add(f, HOD, nod // 3_600_000_000_000)
        _add(f, MOH, nod // 60_000_000_000 % 60)
        _add(f, SOM, nod // 1_000_000_000 % 60)
        _add(f, NOS, nod % 1_000_000_000)
    if MOD_MS in f:
        lod = _check(MOD_MS, f.pop(MOD_MS))
        sod = lod // 1000
        _add(f, HOD, sod // 3600)
        _add(f, MOH, sod // 60 % 60)
        _add(f, SOM, sod % 60)
        nos = f.get(NOS)
        if nos is not None:
            _check(NOS, nos)
        _add(f, NOS, lod % 1000 * 1_000_000 + (nos or 0) % 1_000_000)
    elif NOS in f:
        _check(NOS, f[NOS])
    hod = f.get(HOD)
    if hod is None:
        _validate_time_fields(f)
        return -1, 0
    moh, som, nos = f.get(MOH), f.get(SOM), f.get(NOS)
    if (moh is None and (som is not None or nos is not None)) or (
        moh is not None and som is None and nos is not None
    ):
        return -1, 0
    for key in (HOD, MOH, SOM, NOS):
        f.pop(key, None)
    moh, som, nos = moh or 0, som or 0, nos or 0
    _check(MOH, moh)
    _check(NOS, nos)
    if hod == 24 and moh == 0 and som == 0 and nos == 0:
        return 0, 1  # 24:00 is midnight of the next day
    _check(HOD, hod)
    _check(SOM, som)
    _validate_time_fields(f)
    return ((hod * 60 + moh) * 60 + som) * 1_000_000_000 + nos, 0


def _validate_time_fields(f: Fields) -> None:
    for key, value in f.items():
        if key in _TIME_FIELDS:
            _check(key, value)


def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def cross_check(f: Fields, date: tuple[int, int, int], nod: int) -> None:
    y, m, d = date
    days = days_from_civil(y, m, d)
    hod = nod // 3_600_000_000_000
    derived = {
        YEAR: y,
        MONTH: m,
        DOM: d,
        DOY: days - days_from_civil(y, 1, 1) + 1,
        DOW: (days + 3) % 7 + 1,
        ERA: 1 if y >= 1 else 0,
        AMPM: hod // 12,
        HAP: hod % 12,
    }
    for key, value in f.items():
        expected = derived.get(key)
        if expected is not None and expected != value:
            raise Unparsable(f"Conflict found: Field {key} {expected} differs from {value}")


def epoch_millis(date: tuple[int, int, int], nod: int, zone: tzinfo) -> int:
    y, m, d = date
    seconds = days_from_civil(y, m, d) * 86400 + nod // 1_000_000_000
    return (seconds - offset_seconds(zone, y, m, d, nod)) * 1000 + nod % 1_000_000_000 // 1_000_000


def offset_seconds(zone: tzinfo, y: int, m: int, d: int, nod: int) -> int:
    delta: timedelta | None
    if isinstance(zone, timezone):
        delta = zone.utcoffset(None)
    else:
        # Python's dates stop at year 9999; far years take the offset of the nearest one.
        year = min(max(y, 1), 9999)
        day = min(d, 28) if m == 2 and year != y else d
        secs = nod // 1_000_000_000
        local = datetime(year, m, day, secs // 3600, secs // 60 % 60, secs % 60, tzinfo=zone)
        delta = local.utcoffset()
    return 0 if delta is None else int(delta.total_seconds())


def civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d
