"""``java.util.GregorianCalendar`` for the en_US locale, as date parsing and formatting use it.

Days are counted as Java counts them (fixed day 1 is January 1 of year 1, Gregorian), dates
before 1582-10-15 are Julian, weeks start on Sunday and week 1 of a year or month is the one
holding its first day.  :func:`compute_fields` turns an instant into calendar fields (the
other direction is in ``_javacalendar_time``).
"""

from __future__ import annotations

__all__ = [
    "AM_PM",
    "BCE",
    "CE",
    "CUTOVER",
    "CUTOVER_YEAR",
    "DAY_OF_MONTH",
    "DAY_OF_WEEK",
    "DAY_OF_WEEK_IN_MONTH",
    "DAY_OF_YEAR",
    "DST_OFFSET",
    "EPOCH_OFFSET",
    "ERA",
    "FIELD_COUNT",
    "HOUR",
    "HOUR_OF_DAY",
    "MAX_VALUES",
    "MILLISECOND",
    "MINUTE",
    "MIN_DAYS",
    "MIN_VALUES",
    "MONTH",
    "MONTH_LENGTH",
    "ONE_DAY",
    "SECOND",
    "SUNDAY",
    "USER_STAMP",
    "WEEK_OF_MONTH",
    "WEEK_OF_YEAR",
    "WEEK_YEAR",
    "YEAR",
    "ZONE_OFFSET",
    "Fields",
    "compute_fields",
    "day_on_or_before",
    "gregorian_fixed",
    "gregorian_leap",
    "julian_fixed",
    "week_year",
]

(ERA, YEAR, MONTH, WEEK_OF_YEAR, WEEK_OF_MONTH, DAY_OF_MONTH, DAY_OF_YEAR, DAY_OF_WEEK) = range(8)
(DAY_OF_WEEK_IN_MONTH, AM_PM, HOUR, HOUR_OF_DAY, MINUTE, SECOND, MILLISECOND) = range(8, 15)
ZONE_OFFSET, DST_OFFSET, WEEK_YEAR = 15, 16, 17
FIELD_COUNT = 17

ONE_DAY = 86_400_000
_HOUR = 3_600_000
EPOCH_OFFSET = 719_163  # fixed date of 1970-01-01
CUTOVER = 577_736  # fixed date of 1582-10-15, the first Gregorian day
CUTOVER_YEAR = 1582
BCE, CE = 0, 1
SUNDAY = 1  # en_US: weeks start on Sunday...
MIN_DAYS = 1  # ...and the first week of a year needs one day
MIN_VALUES = (0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, -13 * _HOUR, 0)
MAX_VALUES = (
    1,
    292_278_994,
    11,
    53,
    6,
    31,
    366,
    7,
    6,
    1,
    11,
    23,
    59,
    59,
    999,
    14 * _HOUR,
    2 * _HOUR,
)
_ACCUMULATED = (-30, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
MONTH_LENGTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
USER_STAMP = 2  # stamps from this value up mark fields set by the parser ("externally set")


class Fields:
    """Calendar fields with the order they were set in (Java's stamps); 0 means unset."""

    __slots__ = ("next_stamp", "stamps", "values")

    def __init__(self) -> None:
        self.values = [0] * (FIELD_COUNT + 1)
        self.stamps = [0] * (FIELD_COUNT + 1)
        self.next_stamp = USER_STAMP

    def set(self, field: int, value: int) -> None:
        self.values[field] = value
        self.stamps[field] = self.next_stamp
        self.next_stamp += 1

    def clear(self, field: int) -> None:
        self.values[field] = 0
        self.stamps[field] = 0

    def copy(self) -> Fields:
        other = Fields()
        other.values = self.values.copy()
        other.stamps = self.stamps.copy()
        other.next_stamp = self.next_stamp
        return other


# -- day arithmetic ------------------------------------------------------------------------


def gregorian_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _jleap(year: int) -> bool:
    return year % 4 == 0


def gregorian_fixed(year: int, month: int, day: int) -> int:
    prev = year - 1
    days = day + 365 * prev + prev // 4 - prev // 100 + prev // 400 + (367 * month - 362) // 12
    if month > 2:
        days -= 1 if gregorian_leap(year) else 2
    return days


def julian_fixed(year: int, month: int, day: int) -> int:
    days = -2 + 365 * (year - 1) + day + (year - 1) // 4 + (367 * month - 362) // 12
    if month > 2:
        days -= 1 if _jleap(year) else 2
    return days


def _month_day(fixed: int, jan1: int, leap: bool) -> tuple[int, int]:
    prior = fixed - jan1
    if fixed >= jan1 + 59 + leap:
        prior += 1 if leap else 2
    month = (12 * prior + 373) // 367
    month1 = jan1 + _ACCUMULATED[month] + (1 if leap and month > 2 else 0)
    return month, fixed - month1 + 1


def _gdate(fixed: int) -> tuple[int, int, int, bool]:
    n400, d1 = divmod(fixed - 1, 146_097)
    n100, d2 = divmod(d1, 36_524)
    n4, d3 = divmod(d2, 1461)
    n1 = d3 // 365
    year = 400 * n400 + 100 * n100 + 4 * n4 + n1
    if not (n100 == 4 or n1 == 4):
        year += 1
    leap = gregorian_leap(year)
    month, day = _month_day(fixed, gregorian_fixed(year, 1, 1), leap)
    return year, month, day, leap


def _jdate(fixed: int) -> tuple[int, int, int, bool]:
    year = (4 * (fixed + 1) + 1464) // 1461
    leap = _jleap(year)
    month, day = _month_day(fixed, julian_fixed(year, 1, 1), leap)
    return year, month, day, leap


def _dow(fixed: int) -> int:
    return fixed % 7 + 1


def day_on_or_before(fixed: int, dow: int) -> int:
    return fixed - (fixed - (dow - 1)) % 7


def _week_number(day1: int, fixed: int) -> int:
    first = day_on_or_before(day1 + 6, SUNDAY)
    if first - day1 >= MIN_DAYS:
        first -= 7
    return (fixed - first) // 7 + 1


def _year_start(year: int) -> int:
    """Fixed date of the first day of a (normalised) year in the hybrid calendar."""
    return gregorian_fixed(year, 1, 1) if year > CUTOVER_YEAR else julian_fixed(year, 1, 1)


def _week_one_starts(jan1: int, fixed: int) -> bool:
    first = day_on_or_before(jan1 + 6, SUNDAY)
    return first - jan1 >= MIN_DAYS and fixed >= first - 7


# -- instant -> fields ---------------------------------------------------------------------


def compute_fields(time: int, raw: int, dst: int) -> list[int]:
    """All calendar fields of an instant, given the zone's raw and DST offsets."""
    fixed, tod = divmod(time + raw + dst, ONE_DAY)
    fixed += EPOCH_OFFSET
    gregorian = fixed >= CUTOVER
    year, month, day, leap = _gdate(fixed) if gregorian else _jdate(fixed)
    f = [0] * FIELD_COUNT
    f[ERA], f[YEAR] = (CE, year) if year > 0 else (BCE, 1 - year)
    f[MONTH] = month - 1
    f[DAY_OF_MONTH] = day
    f[DAY_OF_WEEK] = _dow(fixed)
    hours, rest = divmod(tod, _HOUR)
    f[HOUR_OF_DAY] = hours
    f[AM_PM] = hours // 12
    f[HOUR] = hours % 12
    f[MINUTE], rest = divmod(rest, 60_000)
    f[SECOND], f[MILLISECOND] = divmod(rest, 1000)
    f[ZONE_OFFSET] = raw
    f[DST_OFFSET] = dst

    jan1 = (gregorian_fixed if gregorian else julian_fixed)(year, 1, 1)
    month1 = fixed - day + 1
    if year == CUTOVER_YEAR:  # October 1582 lost ten days; weeks count from Julian dates
        jan1 = julian_fixed(year, 1, 1)
        if gregorian and month == 10:
            month1 = julian_fixed(year, 10, 1)
    f[DAY_OF_YEAR] = fixed - jan1 + 1
    f[DAY_OF_WEEK_IN_MONTH] = (fixed - month1) // 7 + 1
    week = _week_number(jan1, fixed)
    if week == 0:
        dec31 = jan1 - 1
        if year == CUTOVER_YEAR + 1:
            prev_jan1 = julian_fixed(year - 1, 1, 1)
        else:
            leap_before = gregorian_leap(year - 1) if year > CUTOVER_YEAR else _jleap(year - 1)
            prev_jan1 = jan1 - 365 - leap_before
        week = _week_number(prev_jan1, dec31)
    elif year > CUTOVER_YEAR or year < CUTOVER_YEAR - 1:
        if week >= 52 and _week_one_starts(jan1 + 365 + leap, fixed):
            week = 1
    else:
        nxt = year + 1
        next_jan1 = (
            julian_fixed(nxt, 1, 1)
            if nxt == CUTOVER_YEAR or not gregorian
            else gregorian_fixed(nxt, 1, 1)
        )
        if _week_one_starts(next_jan1, fixed):
            week = 1
    f[WEEK_OF_YEAR] = week
    f[WEEK_OF_MONTH] = _week_number(month1, fixed)
    return f


def _year_length(year: int) -> int:
    if year == CUTOVER_YEAR:
        return gregorian_fixed(year + 1, 1, 1) - julian_fixed(year, 1, 1)
    if year > CUTOVER_YEAR:
        return 366 if gregorian_leap(year) else 365
    return 366 if _jleap(year) else 365


def week_year(f: list[int]) -> int:
    """``GregorianCalendar.getWeekYear()``: the year the date's week belongs to."""
    year = f[YEAR] if f[ERA] == CE else 1 - f[YEAR]
    if year > CUTOVER_YEAR + 1:
        if f[MONTH] == 0:
            return year - 1 if f[WEEK_OF_YEAR] >= 52 else year
        return year + 1 if f[WEEK_OF_YEAR] == 1 else year
    day = f[DAY_OF_YEAR]
    length = _year_length(year)
    if MIN_DAYS < day < length - 6:
        return year
    delta = (SUNDAY - _dow(_year_start(year))) % 7
    if day < 1 + delta:
        return year - 1 if 1 + delta <= MIN_DAYS else year
    # Java sets YEAR to year + 1 but keeps the era, so a BC year looks the wrong way.
    first = (SUNDAY - _dow(_year_start(year + 1 if f[ERA] == CE else -year))) % 7 or 7
    if first >= MIN_DAYS and length - day + 1 <= 7 - first:
        return year + 1
    return year
