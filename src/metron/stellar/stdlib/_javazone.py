"""Java's ``TimeZone`` as ``SimpleDateFormat`` and ``Calendar`` see it, on top of zoneinfo.

:func:`get_time_zone` follows ``TimeZone.getTimeZone(id)``: tz database ids, the old
three-letter ids (``PST`` is Los Angeles, ``EST``/``MST``/``HST`` are fixed offsets), custom
``GMT+hh:mm`` ids, and GMT for anything it does not understand.  Offsets follow Java's
``ZoneInfo``: before 1900 a zone uses its current standard offset (no local mean time), and a
wall-clock time that falls in a DST gap or overlap resolves to the smaller offset.
Display names are the English names of Java 8 for the zones people meet in logs; other zones
fall back to their tz database abbreviation or to ``GMT+hh:mm``.
"""

from __future__ import annotations

import re
import time
import zoneinfo
from datetime import UTC as _PY_UTC
from datetime import datetime, timedelta
from functools import cache, lru_cache

from metron.stellar.stdlib._javazonenames import FIXED_IDS, NAMES, OLD_IDS, SAME_NAMES

__all__ = ["UTC", "JavaZone", "custom_id", "get_time_zone", "zone_names_in_order"]

_HOUR = 3_600_000
_EPOCH = datetime(1970, 1, 1)
_UTC1900 = -2_208_988_800_000  # 1900-01-01T00:00Z: Java's zone tables start here
_CYCLE = 146_097 * 86_400_000  # 400 Gregorian years: zone rules repeat exactly
_FAR = 16_725_225_600_000  # 2500-01-01T00:00Z


_LONG_BY_SHORT = {n[1]: n[0] for n in NAMES.values()} | {n[3]: n[2] for n in NAMES.values()}


class JavaZone:
    """A Java ``TimeZone``: an id, offsets by UTC or by wall-clock time, display names."""

    __slots__ = ("_key", "_names", "dst_savings", "id", "raw_offset")

    def __init__(
        self,
        zone_id: str,
        raw_offset: int,
        names: tuple[str, str, str, str] | None,
        key: zoneinfo.ZoneInfo | None = None,
    ) -> None:
        self.id = zone_id
        self.raw_offset = raw_offset  # getRawOffset(): today's standard offset
        self._names = names
        self._key = key
        self.dst_savings = 0 if key is None else _dst_savings(key)

    @property
    def fixed(self) -> bool:
        return self._key is None

    @property
    def names(self) -> tuple[str, str, str, str] | None:
        """Java's four display names, when the zone is in Java's name table."""
        return self._names

    def offsets(self, utc: int) -> tuple[int, int]:
        """The (raw, dst) offsets in milliseconds in force at an instant."""
        key = self._key
        if key is None:
            return self.raw_offset, 0
        if utc < _UTC1900:
            return self.raw_offset, 0
        dt = datetime.fromtimestamp(_fold_far(utc) / 1000, key)
        return self._split(dt)

    def offsets_by_wall(self, wall: int) -> tuple[int, int]:
        """The (raw, dst) offsets for a local wall-clock time (milliseconds from the epoch)."""
        key = self._key
        if key is None:
            return self.raw_offset, 0
        if wall < _UTC1900 + _offset_in_1900(key):
            return self.raw_offset, 0
        naive = _EPOCH + timedelta(milliseconds=_fold_far(wall))
        early = naive.replace(tzinfo=key)
        late = naive.replace(tzinfo=key, fold=1)
        # In a gap or an overlap Java takes the smaller of the two candidate offsets.
        first = early.utcoffset()
        second = late.utcoffset()
        chosen = late if second is not None and first is not None and second < first else early
        return self._split(chosen)

    def _split(self, dt: datetime) -> tuple[int, int]:
        total = _ms(dt.utcoffset())
        dst = _ms(dt.dst())
        if dst < 0:  # tzdata's negative DST (Dublin's winter): Java sees standard time
            return total, 0
        if dst == 0 and self.id in ("Europe/Dublin", "Eire") and total == _HOUR:
            return 0, _HOUR  # ...and Irish summer time as daylight time
        return total - dst, dst

    def display_name(self, daylight: bool, long: bool) -> str:
        """``TimeZone.getDisplayName(daylight, style, Locale.US)``."""
        names = self._names
        if names is not None:
            return names[(2 if daylight else 0) + (0 if long else 1)]
        if self.id.startswith(("GMT+", "GMT-")):
            return self.id
        key = self._key
        if key is not None:
            short = _tz_abbreviation(key, daylight)
            if short is not None:
                if not long:
                    return short
                if short in _LONG_BY_SHORT:
                    return _LONG_BY_SHORT[short]
        return custom_id(self.raw_offset + (self.dst_savings if daylight else 0))

    def __repr__(self) -> str:
        return f"JavaZone({self.id!r})"


def _ms(delta: timedelta | None) -> int:
    if delta is None:
        return 0
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _fold_far(millis: int) -> int:
    """Move an instant after 2500 back by whole 400-year cycles (zone rules repeat)."""
    if millis >= _FAR:
        millis -= ((millis - _FAR) // _CYCLE + 1) * _CYCLE
    return millis


@cache
def _offset_in_1900(key: zoneinfo.ZoneInfo) -> int:
    return _ms(datetime(1900, 1, 1, tzinfo=_PY_UTC).astimezone(key).utcoffset())


def _dst_savings(key: zoneinfo.ZoneInfo) -> int:
    year = time.gmtime().tm_year + 1
    return max(max(_ms(datetime(year, m, 15, tzinfo=key).dst()) for m in (1, 7)), 0)


def _tz_abbreviation(key: zoneinfo.ZoneInfo, daylight: bool) -> str | None:
    year = time.gmtime().tm_year
    for month in (1, 7):
        dt = datetime(year, month, 15, tzinfo=key)
        name = dt.tzname()
        if bool(_ms(dt.dst())) == daylight and name and name.isalpha():
            return name
    return None


def custom_id(offset: int) -> str:
    """``GMT+hh:mm`` for an offset in milliseconds, as Java names an unnamed offset."""
    minutes = abs(offset) // 60_000  # Java divides toward zero, then takes the sign
    sign = "+" if offset >= 0 or minutes == 0 else "-"
    return f"GMT{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _is_fixed(key: zoneinfo.ZoneInfo) -> bool:
    """True for a zone whose offset never changed (UTC, Etc/GMT+5...): Java keeps no table."""
    samples = (
        datetime(year, month, 1, tzinfo=key)
        for year in (1800, 1950, 2000, 2030)
        for month in (1, 7)
    )
    return len({(d.utcoffset(), d.tzname()) for d in samples}) == 1


@lru_cache(maxsize=1)
def _region_ids() -> frozenset[str]:
    # Java's tz database leaves out "GMT+0"/"GMT-0": such ids are read as custom offsets.
    ids = zoneinfo.available_timezones() - {"Factory", "localtime", "posixrules"}
    return frozenset(i for i in ids if not i.startswith(("GMT+", "GMT-")))


_CUSTOM = re.compile(r"GMT([+-])([0-9]*)(?::([0-9]*))?\Z")


def _parse_custom(zone_id: str) -> JavaZone | None:
    # Java 8's TimeZone.parseCustomTimeZone: GMT+h, GMT+hh, GMT+hmm, GMT+hhmm, GMT+h:mm...
    if len(zone_id) < 5:
        return None
    m = _CUSTOM.match(zone_id)
    if m is None:
        return None
    sign, first, second = m.groups()
    if second is None:
        if len(first) <= 2:
            hours, minutes = int(first or 0), 0
        else:
            hours, minutes = int(first) // 100, int(first) % 100
    else:
        if len(first) > 2 or len(second) != 2:
            return None
        hours, minutes = int(first or 0), int(second)
    if hours > 23 or minutes > 59:
        return None
    offset = (hours * 60 + minutes) * 60_000
    if offset == 0:
        return JavaZone(f"GMT{sign}00:00", 0, None)
    offset = -offset if sign == "-" else offset
    return JavaZone(custom_id(offset), offset, None)


@lru_cache(maxsize=1024)
def get_time_zone(zone_id: str) -> JavaZone:
    """``TimeZone.getTimeZone(id)``: never fails, an id it cannot read means GMT."""
    if zone_id in FIXED_IDS:
        offset, fixed_names = FIXED_IDS[zone_id]
        return JavaZone(zone_id, offset, fixed_names)
    region = OLD_IDS.get(zone_id, zone_id)
    if region in _region_ids():
        key = zoneinfo.ZoneInfo(region)
        names = NAMES.get(SAME_NAMES.get(region, region))
        if _is_fixed(key):
            offset = _ms(datetime(2000, 1, 1, tzinfo=key).utcoffset())
            return JavaZone(zone_id, offset, names)
        zone = JavaZone(zone_id, 0, names, key)
        now = int(time.time() * 1000)
        zone.raw_offset = zone.offsets(now)[0]
        return zone
    custom = _parse_custom(zone_id) if zone_id.startswith("GMT") else None
    return custom if custom is not None else JavaZone("GMT", 0, NAMES["GMT"])


UTC = get_time_zone("UTC")


def zone_names_in_order() -> list[tuple[str, tuple[str, str, str, str]]]:
    """Java's zone name table, in the order ``SimpleDateFormat`` searches it."""
    return list(NAMES.items())
