"""``GregorianCalendar.computeTime``: the instant that calendar fields set by a parser name.

Fields are resolved the way ``Calendar`` resolves them (the most recently set combination
wins: month and day, day of year, week and weekday...).  A lenient calendar normalises
out-of-range values (month 13 is January of the next year); a strict one raises
:class:`ValueError` where Java throws ``IllegalArgumentException``.
"""

from __future__ import annotations

from metron.stellar.stdlib._javacalendar import (
    AM_PM,
    BCE,
    CE,
    CUTOVER,
    CUTOVER_YEAR,
    DAY_OF_MONTH,
    DAY_OF_WEEK,
    DAY_OF_WEEK_IN_MONTH,
    DAY_OF_YEAR,
    DST_OFFSET,
    EPOCH_OFFSET,
    ERA,
    FIELD_COUNT,
    HOUR,
    HOUR_OF_DAY,
    MAX_VALUES,
    MILLISECOND,
    MIN_DAYS,
    MIN_VALUES,
    MINUTE,
    MONTH,
    MONTH_LENGTH,
    ONE_DAY,
    SECOND,
    SUNDAY,
    USER_STAMP,
    WEEK_OF_MONTH,
    WEEK_OF_YEAR,
    YEAR,
    ZONE_OFFSET,
    Fields,
    compute_fields,
    day_on_or_before,
    gregorian_fixed,
    gregorian_leap,
    julian_fixed,
    week_year,
)
from metron.stellar.stdlib._javazone import JavaZone, get_time_zone
from metron.stellar.types import wrap_int, wrap_long

__all__ = ["compute_time", "set_week_date"]

_ERA, _YEAR, _MONTH = 1 << ERA, 1 << YEAR, 1 << MONTH
_WOY, _WOM, _DOM, _DOY = 1 << WEEK_OF_YEAR, 1 << WEEK_OF_MONTH, 1 << DAY_OF_MONTH, 1 << DAY_OF_YEAR
_DOW, _DOWIM, _AMPM, _HOUR_M = 1 << DAY_OF_WEEK, 1 << DAY_OF_WEEK_IN_MONTH, 1 << AM_PM, 1 << HOUR
_HOD, _ZONE, _DST = 1 << HOUR_OF_DAY, 1 << ZONE_OFFSET, 1 << DST_OFFSET


def _aggregate(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else max(a, b)


def _select_fields(st: list[int]) -> int:
    """``Calendar.selectFields``: which of the set fields determine the date and time."""
    mask = _YEAR | (_ERA if st[ERA] else 0)
    dow_s, dom_s = st[DAY_OF_WEEK], st[DAY_OF_MONTH]
    wom_s = _aggregate(st[WEEK_OF_MONTH], dow_s)
    dowim_s = _aggregate(st[DAY_OF_WEEK_IN_MONTH], dow_s)
    doy_s = st[DAY_OF_YEAR]
    woy_s = _aggregate(st[WEEK_OF_YEAR], dow_s)
    best = max(dom_s, wom_s, dowim_s, doy_s, woy_s)
    if best == 0:
        wom_s = st[WEEK_OF_MONTH]
        dowim_s = max(st[DAY_OF_WEEK_IN_MONTH], dow_s)
        woy_s = st[WEEK_OF_YEAR]
        best = max(wom_s, dowim_s, woy_s)
        if best == 0:
            best = dom_s = st[MONTH]
    if (
        best == dom_s
        or (best == wom_s and st[WEEK_OF_MONTH] >= st[WEEK_OF_YEAR])
        or (best == dowim_s and st[DAY_OF_WEEK_IN_MONTH] >= st[WEEK_OF_YEAR])
    ):
        mask |= _MONTH
        if best == dom_s:
            mask |= _DOM
        else:
            if dow_s:
                mask |= _DOW
            if wom_s == dowim_s:
                mask |= _WOM if st[WEEK_OF_MONTH] >= st[DAY_OF_WEEK_IN_MONTH] else _DOWIM
            elif best == wom_s:
                mask |= _WOM
            elif st[DAY_OF_WEEK_IN_MONTH]:
                mask |= _DOWIM
    elif best == doy_s:
        mask |= _DOY
    else:
        if dow_s:
            mask |= _DOW
        mask |= _WOY
    hod_s = st[HOUR_OF_DAY]
    hour_s = _aggregate(st[HOUR], st[AM_PM])
    best = max(hour_s, hod_s) or max(st[HOUR], st[AM_PM])
    if best:
        if best == hod_s:
            mask |= _HOD
        else:
            mask |= _HOUR_M | (_AMPM if st[AM_PM] else 0)
    if st[ZONE_OFFSET] >= USER_STAMP:
        mask |= _ZONE
    if st[DST_OFFSET] >= USER_STAMP:
        mask |= _DST
    return mask


def _month_length(month: int, year: int) -> int:
    leap = gregorian_leap(year) if year > CUTOVER_YEAR else (year % 4 == 0 and year != CUTOVER_YEAR)
    return MONTH_LENGTH[month] + (1 if month == 1 and leap else 0)


def _fixed_date(julian: bool, year: int, mask: int, v: list[int], st: list[int]) -> int:
    """``GregorianCalendar.getFixedDate``: the day the date fields name, in one calendar."""
    month = 0
    if mask & _MONTH:
        month = v[MONTH]
        if not 0 <= month <= 11:
            carry, month = divmod(month, 12)
            year = wrap_int(year + carry)
    fixed = (julian_fixed if julian else gregorian_fixed)(year, month + 1, 1)
    if mask & _MONTH:
        if mask & _DOM:
            if st[DAY_OF_MONTH]:
                fixed += v[DAY_OF_MONTH] - 1
        elif mask & _WOM:
            first = day_on_or_before(fixed + 6, SUNDAY)
            if first - fixed >= MIN_DAYS:
                first -= 7
            if mask & _DOW:
                first = day_on_or_before(first + 6, v[DAY_OF_WEEK])
            fixed = first + wrap_int(7 * (v[WEEK_OF_MONTH] - 1))
        else:
            dow = v[DAY_OF_WEEK] if mask & _DOW else SUNDAY
            dowim = v[DAY_OF_WEEK_IN_MONTH] if mask & _DOWIM else 1
            if dowim >= 0:
                fixed = day_on_or_before(fixed + wrap_int(7 * dowim) - 1, dow)
            else:
                last = wrap_int(_month_length(month, year) + 7 * (dowim + 1))
                fixed = day_on_or_before(fixed + last - 1, dow)
    elif mask & _DOY:
        fixed += v[DAY_OF_YEAR] - 1
    else:
        first = day_on_or_before(fixed + 6, SUNDAY)
        if first - fixed >= MIN_DAYS:
            first -= 7
        if mask & _DOW and v[DAY_OF_WEEK] != SUNDAY:
            first = day_on_or_before(first + 6, v[DAY_OF_WEEK])
        fixed = first + 7 * (v[WEEK_OF_YEAR] - 1)
    return fixed


def compute_time(cal: Fields, lenient: bool, zone: JavaZone) -> int:
    """``GregorianCalendar.computeTime``: the instant the set fields name.

    Raises :class:`ValueError` where Java throws ``IllegalArgumentException``: a strict
    calendar given an out-of-range or inconsistent field, or an era other than BC/AD.
    """
    v, st = cal.values, cal.stamps
    if not lenient:
        for field in range(FIELD_COUNT):
            if st[field] >= USER_STAMP and not MIN_VALUES[field] <= v[field] <= MAX_VALUES[field]:
                raise ValueError(f"field {field} out of range")
    mask = _select_fields(st)
    year = v[YEAR] if st[YEAR] else 1970
    era = v[ERA] if st[ERA] else CE
    if era == BCE:
        year = wrap_int(1 - year)
    elif era != CE:
        raise ValueError("Invalid era")
    if mask & _HOD:
        tod = v[HOUR_OF_DAY]
    else:
        tod = v[HOUR] + (12 * v[AM_PM] if mask & _AMPM else 0)
    tod = ((tod * 60 + v[MINUTE]) * 60 + v[SECOND]) * 1000 + v[MILLISECOND]
    days, tod = divmod(tod, ONE_DAY)

    fixed = None
    gfd = jfd = 0
    if year > CUTOVER_YEAR:
        gfd = days + _fixed_date(False, year, mask, v, st)
        if gfd >= CUTOVER:
            fixed = gfd
        else:
            jfd = days + _fixed_date(True, year, mask, v, st)
    elif year < CUTOVER_YEAR:
        jfd = days + _fixed_date(True, year, mask, v, st)
        if jfd < CUTOVER:
            fixed = jfd
        gfd = jfd
    else:
        jfd = days + _fixed_date(True, year, mask, v, st)
        gfd = days + _fixed_date(False, year, mask, v, st)
    if fixed is None:
        if mask & (_DOY | _WOY) or gfd < CUTOVER <= jfd:
            if not mask & (_DOY | _WOY) and not lenient:
                raise ValueError("the specified date doesn't exist")
            fixed = jfd
        else:
            fixed = gfd if gfd >= CUTOVER else jfd

    millis = wrap_long((fixed - EPOCH_OFFSET) * ONE_DAY + tod)
    tz_mask = mask & (_ZONE | _DST)
    raw, dst = (0, 0) if tz_mask == _ZONE | _DST else zone.offsets_by_wall(millis)
    if tz_mask & _ZONE:
        raw = v[ZONE_OFFSET]
    if tz_mask & _DST:
        dst = v[DST_OFFSET]
    time = wrap_long(millis - (raw + dst))

    if not lenient:
        raw, dst = (0, 0) if tz_mask == _ZONE | _DST else zone.offsets(time)
        if tz_mask & _ZONE:
            raw = v[ZONE_OFFSET]
        if tz_mask & _DST:
            dst = v[DST_OFFSET]
        computed = compute_fields(time, raw, dst)
        for field in range(FIELD_COUNT):
            if st[field] >= USER_STAMP and computed[field] != v[field]:
                raise ValueError(f"field {field}: {v[field]} -> {computed[field]}")
    return int(time)


def set_week_date(cal: Fields, lenient: bool, zone: JavaZone, week_year_value: int) -> None:
    """``GregorianCalendar.setWeekDate`` as ``SimpleDateFormat`` uses it for a 'Y' year."""
    v, st = cal.values, cal.stamps
    week = v[WEEK_OF_YEAR] if st[WEEK_OF_YEAR] else 1
    dow = v[DAY_OF_WEEK] if st[DAY_OF_WEEK] else SUNDAY
    if not 0 < dow <= 7 and lenient:
        if dow >= 8:
            dow -= 1
            week += dow // 7
            dow = dow % 7 + 1
        else:
            while dow <= 0:
                dow += 7
                week -= 1
        dow = SUNDAY if dow == 7 else dow + 1  # the parser's ISO-to-Calendar conversion
    if not 0 < dow <= 7:
        raise ValueError(f"invalid dayOfWeek: {dow}")
    now = compute_time(cal, True, zone)
    era = compute_fields(now, *zone.offsets(now))[ERA]
    gmt = get_time_zone("GMT")
    probe = Fields()
    probe.set(ERA, era)
    probe.set(YEAR, week_year_value)
    probe.set(WEEK_OF_YEAR, 1)
    probe.set(DAY_OF_WEEK, SUNDAY)
    days = wrap_int((dow - SUNDAY) % 7 + 7 * (week - 1))
    found = compute_fields(compute_time(probe, True, gmt) + days * ONE_DAY, 0, 0)
    if not lenient and (
        week_year(found) != week_year_value
        or found[WEEK_OF_YEAR] != week
        or found[DAY_OF_WEEK] != dow
    ):
        raise ValueError("invalid week date")
    for field in (ERA, YEAR, MONTH, DAY_OF_MONTH):
        cal.set(field, found[field])
    v[WEEK_OF_YEAR] = week
