"""``java.time.format.DateTimeFormatter.ofPattern`` parsing, as Java 8 does it (en_US).

Snort's parser reads its ``dateFormat`` with ``DateTimeFormatter.ofPattern(...).withZone(z)``
and ``ZonedDateTime.parse``, not with ``SimpleDateFormat``, and the two differ: widths are
exact (``MM`` is two digits, ``SSSSSS`` six), text is case-sensitive, ``yy`` means 2000-2099,
the whole text must be consumed, values are range-checked and an invalid day of month is
moved back to the last valid one (the SMART resolver), and a date and a time of day are both
required.  Java 8 quirks kept: with an override zone, a parsed offset (``X``, ``x``, ``Z``)
is read but ignored (a zone id parsed with ``VV`` wins over the override); a fraction accepts
one digit fewer than its width when a non-digit follows; a variable-width field followed by a fraction (``ssSSS``) is
not split (Java 8 has no adjacent parsing for fractions).

Supported letters: ``G u y M L d D E a h K k H m s S n N A X x Z VV``, quoted text and
optional sections ``[...]``.  Letters Java 8 accepts but this emulation does not (localized
week fields ``e c w W Y``, quarters ``Q q``, ``F``, zone names ``z``, localized offsets ``O``,
padding ``p``) are a :class:`PatternError` naming the letter.
"""

from __future__ import annotations

import re
from datetime import timezone, tzinfo

from metron.parsing.parsers._dtf_elements import (
    DOM,
    HOD,
    MOH,
    MONTH,
    NOS,
    SOM,
    YEAR,
    YOE,
    Context,
    Fields,
    PatternError,
    Unparsable,
    available_zone_ids,
    zone_of,
)
from metron.parsing.parsers._dtf_pattern import compile_pattern, fast_regex
from metron.parsing.parsers._dtf_resolve import (
    civil_from_days,
    cross_check,
    days_from_civil,
    epoch_millis,
    offset_seconds,
    resolve_date,
    resolve_time,
)

__all__ = ["DateTimePattern", "PatternError", "available_zone_ids", "zone_of"]

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class DateTimePattern:
    """A compiled ``DateTimeFormatter.ofPattern(pattern)``; :meth:`epoch_millis` parses."""

    __slots__ = ("_days", "_fast", "_simple", "elements", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.elements = compile_pattern(pattern)
        self._fast = fast_regex(self.elements)
        self._simple = _simple_layout(self._fast)
        self._days: dict[tuple[int, int, int], int] = {}

    def epoch_millis(self, text: str, zone: tzinfo) -> int:
        """``ZonedDateTime.parse(text, formatter.withZone(zone))`` as epoch milliseconds.

        ``ValueError`` says why the text does not parse.
        """
        if self._simple is not None:
            millis = self._simple_millis(text, zone)
            if millis is not None:
                return millis
        try:
            parsed_zone = None
            fields = self._fast_fields(text)
            if fields is None:
                ctx = Context()
                pos = 0
                for element in self.elements:
                    pos = element.parse(ctx, text, pos)
                    if pos < 0:
                        raise Unparsable(f"could not be parsed at index {~pos}")
                if pos != len(text):
                    raise Unparsable(f"could not be parsed, unparsed text found at index {pos}")
                fields = ctx.fields
                parsed_zone = ctx.zone
            fields = dict(fields)
            date = resolve_date(fields)
            nod, excess = resolve_time(fields)
            if date is None or nod < 0:
                raise Unparsable("Unable to obtain ZonedDateTime: a date and a time are needed")
            cross_check(fields, date, nod)
            if excess:
                date = civil_from_days(days_from_civil(*date) + excess)
            millis = epoch_millis(date, nod, parsed_zone or zone)
            if not _LONG_MIN <= millis <= _LONG_MAX:
                raise Unparsable("is out of the range of epoch milliseconds (long overflow)")
            return millis
        except Unparsable as e:
            raise ValueError(f"Text '{text}' {e} (pattern '{self.pattern}')") from None

    def _simple_millis(self, text: str, zone: tzinfo) -> int | None:
        """The common case in one step: plain in-range numbers; None sends it the long way."""
        assert self._fast is not None and self._simple is not None
        m = self._fast[0].fullmatch(text)
        if m is None:
            return None
        g = m.groups()
        iy, year_base, im, iday, ih, imin, isec, inos = self._simple
        y = int(g[iy]) + year_base
        mo = int(g[im])
        d = int(g[iday])
        h = int(g[ih])
        mi = int(g[imin]) if imin >= 0 else 0
        s = int(g[isec]) if isec >= 0 else 0
        if not (
            1 <= y <= 9999 and 1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60
        ):
            return None
        if d > 28:
            last = _MONTH_DAYS[mo - 1]
            if mo == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
                last = 29
            d = min(d, last)
        key = (y, mo, d)
        days = self._days.get(key)
        if days is None:
            if len(self._days) > 4096:
                self._days.clear()
            days = self._days[key] = days_from_civil(y, mo, d)
        seconds = days * 86400 + h * 3600 + mi * 60 + s
        if inos >= 0:
            fraction = g[inos]
            millis = int(fraction[:3].ljust(3, "0"))
        else:
            millis = 0
        if isinstance(zone, timezone):
            offset = _fixed_offset(zone)
        else:
            offset = offset_seconds(zone, y, mo, d, (h * 3600 + mi * 60 + s) * 1_000_000_000)
        return (seconds - offset) * 1000 + millis

    def _fast_fields(self, text: str) -> Fields | None:
        if self._fast is None:
            return None
        regex, fields = self._fast
        m = regex.fullmatch(text)
        if m is None:
            return None
        out: Fields = {}
        for (field, kind), value in zip(fields, m.groups()):
            if kind == "reduced":
                number = 2000 + int(value)
            elif kind == "fraction":
                number = int(value) * 10 ** (9 - len(value)) if value else 0
            else:
                number = int(value)
            if field in out and out[field] != number:
                return None
            out[field] = number
        return out


def _fixed_offset(zone: timezone) -> int:
    delta = zone.utcoffset(None)
    return int(delta.total_seconds())


def _simple_layout(
    fast: tuple[re.Pattern[str], list[tuple[str, str]]] | None,
) -> tuple[int, int, int, int, int, int, int, int] | None:
    """Group positions when the pattern is just year, month, day, hour[, minute[, second
    [, fraction]]] once each, or None."""
    if fast is None:
        return None
    where: dict[str, int] = {}
    year_base = 0
    for index, (field, kind) in enumerate(fast[1]):
        if field in where or (field == YEAR and YOE in where) or (field == YOE and YEAR in where):
            return None
        where[field] = index
        if field == NOS and kind != "fraction":
            return None  # 'n' holds nanoseconds, not a fraction
        if field in (YEAR, YOE) and kind == "reduced":
            year_base = 2000
    if not set(where) <= {YEAR, YOE, MONTH, DOM, HOD, MOH, SOM, NOS}:
        return None
    year = where.get(YOE, where.get(YEAR))
    if year is None or MONTH not in where or DOM not in where or HOD not in where:
        return None
    minute, second, nanos = where.get(MOH, -1), where.get(SOM, -1), where.get(NOS, -1)
    if (second >= 0 and minute < 0) or (nanos >= 0 and second < 0):
        return None  # Java makes no time of these
    return year, year_base, where[MONTH], where[DOM], where[HOD], minute, second, nanos
