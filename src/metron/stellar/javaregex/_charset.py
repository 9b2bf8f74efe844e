"""Sets of code points, and Java's case-insensitive matching rules expressed as sets.

Python's ``re`` has no class intersection and no Java case rules, so every Java character
class is computed as an explicit set of code-point ranges and then written out as one Python
bracket expression.  Java compares case with the one-to-one mappings of
``Character.toUpperCase`` / ``toLowerCase`` (ASCII only unless UNICODE_CASE is on); the case
tables are built lazily from Python's ``str`` methods.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "ALL",
    "EMPTY",
    "MAX_CP",
    "CharSet",
    "ascii_case_closure",
    "case_single",
    "latin1_case_chars",
    "unicode_case_range",
]

MAX_CP = 0x10FFFF
Range = tuple[int, int]


class CharSet:
    """An immutable set of code points: sorted, disjoint, non-adjacent inclusive ranges."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: tuple[Range, ...]) -> None:
        self.ranges = ranges

    @staticmethod
    def of(ranges: Iterable[Range]) -> CharSet:
        merged: list[list[int]] = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1] + 1:
                if hi > merged[-1][1]:
                    merged[-1][1] = hi
            else:
                merged.append([lo, hi])
        return CharSet(tuple((lo, hi) for lo, hi in merged))

    @staticmethod
    def chars(points: Iterable[int]) -> CharSet:
        return CharSet.of((c, c) for c in points)

    @staticmethod
    def text(chars: str) -> CharSet:
        return CharSet.of((ord(c), ord(c)) for c in chars)

    def __or__(self, other: CharSet) -> CharSet:
        return CharSet.of(self.ranges + other.ranges)

    def __and__(self, other: CharSet) -> CharSet:
        out: list[Range] = []
        a, b = self.ranges, other.ranges
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return CharSet(tuple(out))

    def __invert__(self) -> CharSet:
        out: list[Range] = []
        nxt = 0
        for lo, hi in self.ranges:
            if lo > nxt:
                out.append((nxt, lo - 1))
            nxt = hi + 1
        if nxt <= MAX_CP:
            out.append((nxt, MAX_CP))
        return CharSet(tuple(out))

    def __sub__(self, other: CharSet) -> CharSet:
        return self & ~other

    def __contains__(self, cp: int) -> bool:
        return any(lo <= cp <= hi for lo, hi in self.ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharSet) and self.ranges == other.ranges

    def __hash__(self) -> int:
        return hash(self.ranges)

    def __repr__(self) -> str:
        return f"CharSet({self.ranges!r})"

    def points(self) -> Iterable[int]:
        for lo, hi in self.ranges:
            yield from range(lo, hi + 1)

    def to_python(self) -> str:
        """The set as a Python pattern matching exactly one of its code points."""
        ranges = self.ranges
        if not ranges:
            return "(?!)"
        if ranges == ((0, MAX_CP),):
            return "(?s:.)"
        if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
            return _escape(ranges[0][0])
        inverse = ~self
        if len(inverse.ranges) < len(ranges):
            return "[^" + _items(inverse.ranges) + "]"
        return "[" + _items(ranges) + "]"


EMPTY = CharSet(())
ALL = CharSet(((0, MAX_CP),))


def _escape(cp: int) -> str:
    if 0x30 <= cp <= 0x39 or 0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A:
        return chr(cp)
    if cp < 0x100:
        return f"\\x{cp:02x}"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _items(ranges: tuple[Range, ...]) -> str:
    parts: list[str] = []
    for lo, hi in ranges:
        parts.append(_escape(lo))
        if hi > lo + 1:
            parts.append("-")
        if hi > lo:
            parts.append(_escape(hi))
    return "".join(parts)


# -- case rules -------------------------------------------------------------------------------

_LAST_CASED = 0x1FFFF  # no character above this has a case mapping


def _simple_upper(c: str) -> int:
    # Java's Character.toUpperCase uses the one-to-one mapping; str.upper() may expand.
    u = c.upper()
    if len(u) == 1:
        return ord(u)
    t = c.title()
    return ord(t) if len(t) == 1 else ord(c)


def _simple_lower(c: str) -> int:
    low = c.lower()
    if len(low) == 1:
        return ord(low)
    return 0x69 if c == "\u0130" else ord(c)


@lru_cache(maxsize=1)
def _case_data() -> tuple[dict[int, int], dict[int, int], dict[int, list[int]]]:
    """(upper, lower, fold-key -> members) for every character with a case mapping."""
    upper: dict[int, int] = {}
    lower: dict[int, int] = {}
    for cp in range(_LAST_CASED + 1):
        c = chr(cp)
        if c.upper() != c or c.lower() != c or c.title() != c:
            u, lo = _simple_upper(c), _simple_lower(c)
            if u != cp:
                upper[cp] = u
            if lo != cp:
                lower[cp] = lo
    members: dict[int, list[int]] = {}
    for cp in set(upper) | set(lower):
        u = upper.get(cp, cp)
        key = lower.get(u, u)
        members.setdefault(key, []).append(cp)
    for key, group in members.items():
        if key not in group:
            group.append(key)
    return upper, lower, members


def _up(cp: int) -> int:
    return _case_data()[0].get(cp, cp)


def _low(cp: int) -> int:
    return _case_data()[1].get(cp, cp)


def ascii_case_closure(cs: CharSet) -> CharSet:
    """Java's ASCII-only case-insensitive version of a range or set."""
    extra = [
        cp ^ 0x20
        for lo, hi in cs.ranges
        if lo <= 0x7A and hi >= 0x41
        for cp in range(max(lo, 0x41), min(hi, 0x7A) + 1)
        if 0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A
    ]
    return cs | CharSet.chars(extra) if extra else cs


def case_single(cp: int, unicode_case: bool) -> CharSet:
    """A literal character under CASE_INSENSITIVE (Java's SingleI / SingleU)."""
    if not unicode_case:
        if 0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A:
            return CharSet.chars((cp, cp ^ 0x20))
        return CharSet(((cp, cp),))
    upper = _up(cp)
    key = _low(upper)
    if upper == key:
        return CharSet(((cp, cp),))
    return CharSet.chars([*_case_data()[2].get(key, [key]), key])


def latin1_case_chars(cp: int, unicode_case: bool) -> list[int]:
    """What Java's bit class adds for a character below 256 under CASE_INSENSITIVE."""
    if 0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A:
        return [cp, cp ^ 0x20]
    if cp < 0x80 or not unicode_case:
        return [cp]
    return [cp, _low(cp), _up(cp)]


def unicode_case_range(lo: int, hi: int) -> CharSet:
    """Java's Unicode case-insensitive range: c, toUpper(c) or toLower(toUpper(c)) in range."""
    upper, lower, _ = _case_data()
    extra = []
    for cp in set(upper) | set(lower):
        u = upper.get(cp, cp)
        if lo <= u <= hi or lo <= lower.get(u, u) <= hi:
            extra.append(cp)
    return CharSet(((lo, hi),)) | CharSet.chars(extra)
