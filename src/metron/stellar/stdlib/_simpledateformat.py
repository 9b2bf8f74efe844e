"""``java.text.SimpleDateFormat`` for the en_US locale: pattern compilation, formatting, parsing.

Behaviour follows the Java 8 runtime Metron runs on: the pattern letters
``G y Y M L w W D d F E u a H k K h m s S z Z X`` and quoted text, numbers parsed the way
``DecimalFormat`` parses them (a sign, any Unicode digits, even an ``E`` exponent), a field
that directly abuts another reads only as many digits as it has letters, text fields
matched case-insensitively, and two-digit years placed within 80 years before and 20 years
after the moment the format was created.  A lenient format rolls out-of-range values over
(month 13 is January of the next year); a strict one refuses them.  Parsing stops at the
end of the pattern: trailing text is ignored.  (``L``, the stand-alone month, is Java 9's:
Java 8 rejects it.)  Unlike a Java format, a format here keeps no state between calls; Java's
switches its time zone to any zone name it parses, which later calls then see.

:func:`get_format` caches compiled formats; a pattern of plain numeric fields also gets a
single regular expression that parses the common case in one step.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache

from metron.stellar.stdlib import _javacalendar as jc
from metron.stellar.stdlib._dateparse import (
    fast_parser,
    match_names,
    matches_at,
    parse_number,
    parse_offset,
)
from metron.stellar.stdlib._datepattern import (
    AMPM,
    ERAS,
    MONTHS,
    NUMERIC,
    SHORT_MONTHS,
    SHORT_WEEKDAYS,
    WEEKDAYS,
    Field,
    Formatter,
    PatternError,
    compile_pattern,
    field_formatter,
)
from metron.stellar.stdlib._javacalendar_time import compute_time, set_week_date
from metron.stellar.stdlib._javazone import UTC as DEFAULT_ZONE
from metron.stellar.stdlib._javazone import JavaZone, get_time_zone, zone_names_in_order
from metron.stellar.types import wrap_int

__all__ = ["PatternError", "SimpleDateFormat", "compile_pattern", "get_format"]


def _zone_names(zone: JavaZone) -> list[tuple[str, tuple[str, str, str, str]]]:
    """Where ``SimpleDateFormat`` looks up a zone name: this zone, the default, then all."""
    candidates = []
    if zone.names is not None:
        candidates.append((zone.id, zone.names))
    if DEFAULT_ZONE.names is not None:
        candidates.append((DEFAULT_ZONE.id, DEFAULT_ZONE.names))
    return candidates + zone_names_in_order()


def _century_start(now_ms: int) -> tuple[int, int]:
    """Java's two-digit-year window starts 80 years before now (in the default zone)."""
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    year = now.year - 80
    day = min(now.day, 28) if now.month == 2 and now.day == 29 else now.day
    start = now.replace(year=year, day=day)
    return int(start.timestamp() * 1000), year


# -- the format ----------------------------------------------------------------------------


class _ParseState:
    __slots__ = ("ambiguous", "fields", "zone")

    def __init__(self, zone: JavaZone) -> None:
        self.fields = jc.Fields()
        self.zone = zone
        self.ambiguous = False


class SimpleDateFormat:
    """A compiled pattern bound to a time zone and a leniency, like a configured Java one."""

    __slots__ = ("_century", "_fast", "_formatters", "elements", "lenient", "zone")

    def __init__(self, pattern: str, zone: JavaZone, lenient: bool = True) -> None:
        self.elements = compile_pattern(pattern)
        self.zone = zone
        self.lenient = lenient
        self._century = _century_start(int(time.time() * 1000))
        self._formatters: list[str | Formatter] = [
            e if isinstance(e, str) else field_formatter(e.letter, e.count) for e in self.elements
        ]
        self._fast = fast_parser(self.elements) if lenient else None

    def format(self, millis: int) -> str:
        zone = self.zone
        f = jc.compute_fields(millis, *zone.offsets(millis))
        return "".join(p if isinstance(p, str) else p(f, zone) for p in self._formatters)

    def parse(self, text: str) -> int | None:
        """``DateFormat.parse(String)``: epoch milliseconds, or None where Java throws."""
        if self._fast is not None:
            fields = self._fast(text)
            if fields is not None:
                try:
                    return compute_time(fields, True, self.zone)
                except ValueError:
                    return None
        state = _ParseState(self.zone)
        pos = 0
        n = len(text)
        for element in self.elements:
            if isinstance(element, str):
                # Literal text must match exactly (Java 8 has no loose matching of spaces).
                end = pos + len(element)
                if end > n or not text.startswith(element, pos):
                    return None
                pos = end
            else:
                pos = self._sub_parse(text, pos, element, state)
                if pos < 0:
                    return None
        if pos == 0:
            return None  # nothing consumed (an empty pattern): Java reports a failure
        try:
            millis = self._establish(state)
            if state.ambiguous and millis < self._century[0]:
                state.fields.values[jc.YEAR] = wrap_int(state.fields.values[jc.YEAR] + 100)
                state.fields.values[jc.WEEK_YEAR] = wrap_int(
                    state.fields.values[jc.WEEK_YEAR] + 100
                )
                millis = self._establish(state)
        except ValueError:
            return None
        return millis

    def _establish(self, state: _ParseState) -> int:
        fields = state.fields.copy()
        stamps = fields.stamps
        if stamps[jc.WEEK_YEAR] and stamps[jc.WEEK_YEAR] > stamps[jc.YEAR]:
            set_week_date(fields, self.lenient, state.zone, fields.values[jc.WEEK_YEAR])
        return compute_time(fields, self.lenient, state.zone)

    def _sub_parse(self, text: str, start: int, element: Field, state: _ParseState) -> int:
        """One field, Java's ``subParse``: the position after it, or -1."""
        n = len(text)
        pos = start
        while True:
            if pos >= n:
                return -1
            if text[pos] != " " and text[pos] != "\t":
                break
            pos += 1
        letter, count = element.letter, element.count
        fields = state.fields
        end = start + count if element.abutting else n
        if end > n:
            end = -1
        if letter in "GEa" or (letter in "ML" and count >= 3):
            # Text fields are matched where the field starts, before any skipped blanks.
            if letter == "G":
                found, names, field = match_names(text, start, ERAS), ERAS, jc.ERA
            elif letter == "a":
                found, names, field = match_names(text, start, AMPM), AMPM, jc.AM_PM
            elif letter == "E":
                field = jc.DAY_OF_WEEK
                names = WEEKDAYS
                found = match_names(text, start, WEEKDAYS, 1)
                if found < 0:
                    names = SHORT_WEEKDAYS
                    found = match_names(text, start, SHORT_WEEKDAYS, 1)
            else:
                field = jc.MONTH
                names = MONTHS
                found = match_names(text, start, MONTHS)
                if found < 0:
                    names = SHORT_MONTHS
                    found = match_names(text, start, SHORT_MONTHS)
            if found < 0:
                return -1
            fields.set(field, found)
            return start + len(names[found])
        if letter in "zZ":
            return self._parse_zone(text, start, pos, state)
        if letter == "X":
            c = text[pos]
            if c == "Z":
                fields.set(jc.ZONE_OFFSET, 0)
                fields.set(jc.DST_OFFSET, 0)
                return pos + 1
            if c not in "+-":
                return -1
            return parse_offset(text, pos + 1, 1 if c == "+" else -1, count, count == 3, fields)
        if end < 0:
            return -1
        parsed = parse_number(text, pos, end)
        if parsed is None:
            return -1
        value, stop = parsed
        if letter in "yY":
            if (
                count <= 2
                and stop - pos == 2
                and text[pos].isdecimal()
                and text[pos + 1].isdecimal()
            ):
                century_year = self._century[1]
                ambiguous = century_year % 100
                state.ambiguous = value == ambiguous
                value += century_year // 100 * 100 + (100 if value < ambiguous else 0)
            fields.set(jc.YEAR if letter == "y" else jc.WEEK_YEAR, value)
        elif letter in "ML":
            fields.set(jc.MONTH, wrap_int(value - 1))
        elif letter == "k":
            if not self.lenient and not 1 <= value <= 24:
                return -1
            fields.set(jc.HOUR_OF_DAY, 0 if value == 24 else value)
        elif letter == "h":
            if not self.lenient and not 1 <= value <= 12:
                return -1
            fields.set(jc.HOUR, 0 if value == 12 else value)
        elif letter == "u":
            fields.set(jc.DAY_OF_WEEK, value if not 0 < value <= 7 else value % 7 + 1)
        else:
            fields.set(NUMERIC[letter], value)
        return stop

    def _parse_zone(self, text: str, start: int, pos: int, state: _ParseState) -> int:
        fields = state.fields
        c = text[pos]
        if c in "+-":
            return parse_offset(text, pos + 1, 1 if c == "+" else -1, 0, False, fields)
        if c in "Gg" and matches_at(text, start, "GMT"):
            pos = start + 3
            if pos < len(text) and text[pos] in "+-":
                sign = 1 if text[pos] == "+" else -1
                return parse_offset(text, pos + 1, sign, 0, True, fields)
            fields.set(jc.ZONE_OFFSET, 0)
            fields.set(jc.DST_OFFSET, 0)
            return pos
        for zone_id, names in _zone_names(state.zone):
            for index, name in enumerate(names, 1):
                if not matches_at(text, pos, name):
                    continue
                zone = get_time_zone(zone_id)
                same_name = index <= 2 and name.lower() == names[index + 1].lower()
                savings = zone.dst_savings if index >= 3 else 0
                state.zone = zone
                if not (same_name or (index >= 3 and savings == 0)):
                    fields.clear(jc.ZONE_OFFSET)
                    fields.set(jc.DST_OFFSET, savings)
                return pos + len(name)
        return -1


@lru_cache(maxsize=4096)
def get_format(pattern: str, zone_id: str | None, lenient: bool = True) -> SimpleDateFormat:
    """A cached format; ``zone_id`` None means the default zone (UTC)."""
    zone = DEFAULT_ZONE if zone_id is None else get_time_zone(zone_id)
    return SimpleDateFormat(pattern, zone, lenient)
