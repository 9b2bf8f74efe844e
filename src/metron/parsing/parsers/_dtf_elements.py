"""The parts of a ``DateTimeFormatter`` pattern and how each reads text (Java 8, strict).

Each element's ``parse(ctx, text, pos)`` returns the position after what it read, or the
complement (``~pos``) of where it failed, as Java's ``DateTimePrinterParser`` does; values go
into the :class:`Context` by field name, a field read twice must agree.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache

__all__ = [
    "ALWAYS",
    "AMPM",
    "CHAP",
    "CHOD",
    "DOM",
    "DOW",
    "DOY",
    "ERA",
    "EXCEEDS_PAD",
    "HAP",
    "HOD",
    "MOD_MS",
    "MOH",
    "MONTH",
    "NEVER",
    "NOD",
    "NORMAL",
    "NOS",
    "NOT_NEGATIVE",
    "OFFSET",
    "OFFSET_PATTERNS",
    "SOM",
    "TEXTS",
    "YEAR",
    "YOE",
    "Context",
    "Element",
    "Fields",
    "Fraction",
    "Literal",
    "Number",
    "Offset",
    "OptionalSection",
    "PatternError",
    "Text",
    "Unparsable",
    "ZoneIdParser",
    "available_zone_ids",
    "zone_of",
]


class PatternError(ValueError):
    """The pattern is not one ``DateTimeFormatter.ofPattern`` accepts (or one not emulated)."""


class Unparsable(Exception):
    """The text does not match the pattern (Java's ``DateTimeParseException``)."""


# ChronoFields (short names keep the tables readable).
ERA, YOE, YEAR, MONTH, DOM, DOY, DOW = "ERA", "YOE", "YEAR", "MONTH", "DOM", "DOY", "DOW"
AMPM, HAP, CHAP, HOD, CHOD, MOH, SOM = "AMPM", "HAP", "CHAP", "HOD", "CHOD", "MOH", "SOM"
NOS, NOD, MOD_MS, OFFSET = "NOS", "NOD", "MILLI_OF_DAY", "OFFSET"

_SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_FULL_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_FULL_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _names(texts: list[str], first: int) -> list[tuple[str, int]]:
    # Java tries the longest text first.
    return sorted(((t, first + i) for i, t in enumerate(texts)), key=lambda e: -len(e[0]))


# Narrow names repeat ("J" is January, June and July): Java keeps the last month or day
# a letter names.
_NARROW_MONTHS = [("J", 7), ("F", 2), ("M", 5), ("A", 8), ("S", 9), ("O", 10), ("N", 11), ("D", 12)]
_NARROW_DAYS = [("M", 1), ("T", 4), ("W", 3), ("F", 5), ("S", 7)]

TEXTS: dict[tuple[str, int], list[tuple[str, int]]] = {
    (MONTH, 3): _names(_SHORT_MONTHS, 1),
    (MONTH, 4): _names(_FULL_MONTHS, 1),
    (MONTH, 5): _NARROW_MONTHS,
    (DOW, 3): _names(_SHORT_DAYS, 1),
    (DOW, 4): _names(_FULL_DAYS, 1),
    (DOW, 5): _NARROW_DAYS,
    (AMPM, 3): _names(["AM", "PM"], 0),
    (ERA, 3): _names(["BC", "AD"], 0),
    (ERA, 4): _names(["BC", "AD"], 0),
    (ERA, 5): _names(["B", "A"], 0),
}

# Sign styles.
NORMAL, ALWAYS, NEVER, NOT_NEGATIVE, EXCEEDS_PAD = range(5)

Fields = dict[str, int]


class Context:
    __slots__ = ("fields", "zone")

    def __init__(self) -> None:
        self.fields: Fields = {}
        self.zone: tzinfo | None = None

    def set(self, field: str, value: int, error_pos: int, success_pos: int) -> int:
        old = self.fields.get(field)
        self.fields[field] = value
        return ~error_pos if old is not None and old != value else success_pos


# -- printer-parsers ------------------------------------------------------------------------


class Literal:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def parse(self, ctx: Context, text: str, pos: int) -> int:
        if text.startswith(self.text, pos):
            return pos + len(self.text)
        return ~pos


class Number:
    __slots__ = ("field", "max", "min", "reduced", "sign", "subsequent")

    def __init__(self, field: str, lo: int, hi: int, sign: int, reduced: bool = False) -> None:
        self.field = field
        self.min = lo
        self.max = hi
        self.sign = sign
        self.subsequent = 0
        self.reduced = reduced  # two-digit year with base 2000

    @property
    def fixed(self) -> bool:
        return self.min == self.max and self.sign == NOT_NEGATIVE

    def parse(self, ctx: Context, text: str, position: int) -> int:
        length = len(text)
        if position == length:
            return ~position
        c = text[position]
        negative = positive = False
        fixed_width = self.min == self.max
        if c == "+":
            if not _sign_ok(self.sign, True, fixed_width):
                return ~position
            positive = True
            position += 1
        elif c == "-":
            if not _sign_ok(self.sign, False, fixed_width):
                return ~position
            negative = True
            position += 1
        elif self.sign == ALWAYS:
            return ~position
        min_end = position + self.min
        if min_end > length:
            return ~position
        eff_max = self.max + max(self.subsequent, 0)
        total = 0
        pos = position
        for attempt in (0, 1):
            max_end = min(pos + eff_max, length)
            while pos < max_end:
                digit = ord(text[pos]) - 48
                if not 0 <= digit <= 9:
                    if pos < min_end:
                        return ~position
                    break
                total = total * 10 + digit
                pos += 1
            if self.subsequent > 0 and attempt == 0:
                eff_max = max(self.min, pos - position - self.subsequent)
                pos = position
                total = 0
            else:
                break
        if negative:
            if total == 0:
                return ~(position - 1)  # "-0" is refused when strict
            total = -total
        elif self.sign == EXCEEDS_PAD:
            width = pos - position
            if positive and width <= self.min:
                return ~(position - 1)
            if not positive and width > self.min:
                return ~position
        if not -(2**63) <= total < 2**63:
            total = int(total / 10)  # Java drops the last digit of an overlong number
            pos -= 1
        if self.reduced and pos - position == self.min and total >= 0:
            total += 2000
        return ctx.set(self.field, total, position, pos)


def _sign_ok(style: int, positive: bool, fixed_width: bool) -> bool:
    if style == NORMAL:
        return not positive
    return style in (ALWAYS, EXCEEDS_PAD)


class Fraction:
    __slots__ = ("max", "min")

    def __init__(self, lo: int, hi: int) -> None:
        self.min = lo
        self.max = hi

    def parse(self, ctx: Context, text: str, position: int) -> int:
        length = len(text)
        if position == length:
            return ~position if self.min > 0 else position
        min_end = position + self.min
        if min_end > length:
            return ~position
        max_end = min(position + self.max, length)
        total = 0
        pos = position
        while pos < max_end:
            digit = ord(text[pos]) - 48
            pos += 1
            if not 0 <= digit <= 9:
                # Java 8 compares after stepping past the non-digit: one digit short passes.
                if pos < min_end:
                    return ~position
                pos -= 1
                break
            total = total * 10 + digit
        nanos = total * 10 ** (9 - (pos - position))
        return ctx.set(NOS, nanos, position, pos)


class Text:
    __slots__ = ("field", "names")

    def __init__(self, field: str, names: list[tuple[str, int]]) -> None:
        self.field = field
        self.names = names

    def parse(self, ctx: Context, text: str, position: int) -> int:
        for name, value in self.names:
            if text.startswith(name, position):
                return ctx.set(self.field, value, position, position + len(name))
        return ~position


# Offset patterns, Java's OffsetIdPrinterParser.PATTERNS.
OFFSET_PATTERNS = [
    "+HH", "+HHmm", "+HH:mm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss", "+HHMMSS", "+HH:MM:SS",
]  # fmt: skip


class Offset:
    __slots__ = ("no_offset", "type")

    def __init__(self, pattern: str, no_offset: str) -> None:
        self.type = OFFSET_PATTERNS.index(pattern)
        self.no_offset = no_offset

    def parse(self, ctx: Context, text: str, position: int) -> int:
        return self.parse_seconds(
            text, position, lambda secs, end: ctx.set(OFFSET, secs, position, end)
        )

    def parse_seconds(self, text: str, position: int, store: Callable[[int, int], int]) -> int:
        length = len(text)
        if not self.no_offset:
            if position == length:
                return store(0, position)
        else:
            if position == length:
                return ~position
            if text.startswith(self.no_offset, position):
                return store(0, position + len(self.no_offset))
        sign = text[position]
        if sign in "+-":
            parts = [position + 1, 0, 0, 0]
            if not (
                self._number(parts, 1, text, True)
                or self._number(parts, 2, text, self.type >= 3)
                or self._number(parts, 3, text, False)
            ):
                secs = (-1 if sign == "-" else 1) * (parts[1] * 3600 + parts[2] * 60 + parts[3])
                return store(secs, parts[0])
        if not self.no_offset:
            return store(0, position)
        return ~position

    def _number(self, parts: list[int], index: int, text: str, required: bool) -> bool:
        """Java's ``parseNumber``: True means failure."""
        if (self.type + 3) // 2 < index:
            return False
        pos = parts[0]
        if self.type % 2 == 0 and index > 1:
            if pos + 1 > len(text) or text[pos] != ":":
                return required
            pos += 1
        if pos + 2 > len(text):
            return required
        c1, c2 = text[pos], text[pos + 1]
        if not ("0" <= c1 <= "9" and "0" <= c2 <= "9"):
            return required
        value = (ord(c1) - 48) * 10 + ord(c2) - 48
        if value > 59:
            return required
        parts[index] = value
        parts[0] = pos + 2
        return False


_ID_Z = Offset("+HH:MM:ss", "Z")
_ID_ZERO = Offset("+HH:MM:ss", "0")


class ZoneIdParser:
    """``VV``: a region id (longest match), ``Z``, or an offset, optionally after UTC/GMT/UT."""

    __slots__ = ()

    def parse(self, ctx: Context, text: str, position: int) -> int:
        length = len(text)
        if position >= length:
            return ~position
        c = text[position]
        if c in "+-":
            return self._offset_based(ctx, text, position, position, _ID_Z)
        if length >= position + 2:
            c2 = text[position + 1]
            if c == "U" and c2 == "T":
                if length >= position + 3 and text[position + 2] == "C":
                    return self._offset_based(ctx, text, position, position + 3, _ID_ZERO)
                return self._offset_based(ctx, text, position, position + 2, _ID_ZERO)
            if c == "G" and c2 == "M" and length >= position + 3 and text[position + 2] == "T":
                return self._offset_based(ctx, text, position, position + 3, _ID_ZERO)
        ids = available_zone_ids()
        for end in range(min(length, position + _longest_zone_id()), position, -1):
            if text[position:end] in ids:
                ctx.zone = zone_of(text[position:end])
                return end
        if c == "Z":
            ctx.zone = UTC
            return position + 1
        return ~position

    @staticmethod
    def _offset_based(
        ctx: Context, text: str, prefix_pos: int, position: int, parser: Offset
    ) -> int:
        prefix = text[prefix_pos:position].upper()
        if position >= len(text) or text[position] in "0Z":
            ctx.zone = UTC  # a bare UTC/GMT/UT prefix
            return position
        found: list[int] = []

        def store(secs: int, end: int) -> int:
            found.append(secs)
            return end

        end = parser.parse_seconds(text, position, store)
        if end < 0:
            if parser is _ID_Z:
                return ~prefix_pos
            ctx.zone = UTC
            return position
        secs = found[-1]
        if abs(secs) > 18 * 3600:
            return ~prefix_pos
        ctx.zone = timezone(timedelta(seconds=secs)) if secs or not prefix else UTC
        return end


class OptionalSection:
    __slots__ = ("elements",)

    def __init__(self, elements: list[Element]) -> None:
        self.elements = elements

    def parse(self, ctx: Context, text: str, position: int) -> int:
        saved_fields, saved_zone = dict(ctx.fields), ctx.zone
        pos = position
        for element in self.elements:
            pos = element.parse(ctx, text, pos)
            if pos < 0:
                ctx.fields, ctx.zone = saved_fields, saved_zone
                return position
        return pos


Element = Literal | Number | Fraction | Text | Offset | ZoneIdParser | OptionalSection


# -- zones -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def available_zone_ids() -> frozenset[str]:
    """``ZoneId.getAvailableZoneIds()``: the IANA region ids."""
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def _longest_zone_id() -> int:
    return max(len(z) for z in available_zone_ids())


@lru_cache(maxsize=512)
def zone_of(zone_id: str) -> tzinfo:
    """The zone for a region id (``UTC`` and its aliases are a fixed zero offset)."""
    if zone_id in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal"):
        return UTC
    return zoneinfo.ZoneInfo(zone_id)
