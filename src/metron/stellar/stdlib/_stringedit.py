"""String editing functions that follow Apache commons-lang: ``SUBSTRING``, ``CHOMP``, ``CHOP``,
``PREPEND_IF_MISSING``, ``APPEND_IF_MISSING``, ``COUNT_MATCHES``, plus ``STRING_ENTROPY``.

Registered by :mod:`.strings` (their family).  Metron casts their arguments to ``String``:
a number or a list is an error here as it is there, while ``null`` is tolerated.  Lengths
and positions count UTF-16 code units like Java.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from metron.stellar.convert import to_string
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._utf16 import units, utf16_len, utf16_slice
from metron.stellar.types import INT_MAX, INT_MIN, Char, Long, is_number, java_type_name, wrap_int

__all__ = ["java_string"]

_CATEGORY = "strings"


def java_string(value: Any, name: str) -> str | None:
    """Java's ``(String) value``: null passes, a string passes, anything else is an error."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, str) and type(value) is not Char:
        return str.__str__(value)
    raise StellarError(f"{name}: a {java_type_name(value)} cannot be cast to String")


def _int_value(x: Any) -> int:
    """``Number.intValue()``: longs wrap, doubles truncate and saturate, NaN is 0."""
    if type(x) is int or type(x) is Long:
        return wrap_int(int(x))
    if x != x:
        return 0
    return (
        max(INT_MIN, min(INT_MAX, int(x))) if not math.isinf(x) else (INT_MAX if x > 0 else INT_MIN)
    )


@stellar(
    "SUBSTRING",
    params=[
        "input - the string",
        "start - the first position to keep (0-based, inclusive)",
        "end - the position to stop at (0-based, exclusive) (optional)",
    ],
    returns="the part of the string between start and end; null when input or start is null",
    description="Returns part of a string, by 0-based positions. Positions outside the string are an error, except on an empty string, which is returned as is.",
    examples=[
        ("SUBSTRING('apache metron', 7)", "metron"),
        ("SUBSTRING('apache metron', 0, 6)", "apache"),
        Example("SUBSTRING('abc', 5)", error=True),
    ],
    pure=True,
    category=_CATEGORY,
)
def substring(*args: Any) -> str | None:
    if len(args) < 2:
        raise StellarError("SUBSTRING needs at least the string and the start position")
    value = args[0]
    if value is not None and (not isinstance(value, str) or type(value) is Char):
        raise StellarError("SUBSTRING input must be a String")
    if args[1] is not None and not is_number(args[1]):
        raise StellarError("SUBSTRING start must be a number")
    start = None if args[1] is None else _int_value(args[1])
    end = None
    if len(args) > 2 and args[2] is not None:
        if not is_number(args[2]):
            raise StellarError("SUBSTRING end must be a number")
        end = _int_value(args[2])
    if value is None or start is None:
        return None
    if not value:
        return value
    length = utf16_len(value)
    stop = length if end is None else end
    if start < 0 or stop > length or start > stop:
        raise StellarError(
            f"SUBSTRING: positions {start}..{stop} are out of range for a string of length {length}"
        )
    return utf16_slice(value, start, end)


def _one_string(name: str, args: tuple[Any, ...]) -> str | None:
    if not args:
        raise StellarError(f"{name} is missing its argument: the string")
    return java_string(args[0], name)


@stellar(
    "CHOMP",
    params=["string - the string (may be null)"],
    returns="the string without one trailing newline; null for null",
    description="Removes one line ending (\\n, \\r or \\r\\n) from the end of a string, if there is one.",
    examples=[
        ("CHOMP('line\\r\\n')", "line"),
        ("CHOMP('two\\n\\n')", "two\n"),
        ("CHOMP('none')", "none"),
    ],
    pure=True,
    category=_CATEGORY,
)
def chomp(*args: Any) -> str | None:
    s = _one_string("CHOMP", args)
    if not s:
        return s
    if s.endswith("\r\n"):
        return s[:-2]
    if s[-1] in "\r\n":
        return s[:-1]
    return s


@stellar(
    "CHOP",
    params=["string - the string (may be null)"],
    returns="the string without its last character; null for null",
    description="Removes the last character of a string; a trailing \\r\\n counts as one character.",
    examples=[("CHOP('abc')", "ab"), ("CHOP('abc\\r\\n')", "abc"), ("CHOP('')", "")],
    pure=True,
    category=_CATEGORY,
)
def chop(*args: Any) -> str | None:
    s = _one_string("CHOP", args)
    if s is None:
        return None
    if s.endswith("\r\n"):
        return s[:-2]
    # Java drops one UTF-16 unit: of a final emoji, its high surrogate stays.
    return utf16_slice(s, 0, utf16_len(s) - 1) if s else s


def _if_missing(name: str, args: tuple[Any, ...], prepend: bool) -> str | None:
    if len(args) not in (2, 3):
        raise StellarError(
            f"{name}: incorrect arguments ({len(args)} given); usage: {name}(string, affix[, additional_affix])"
        )
    s, affix, *others = (java_string(a, name) for a in args)
    if s is None or not affix:
        return s
    check = s.startswith if prepend else s.endswith
    if check(affix) or any(other is not None and check(other) for other in others):
        return s
    return affix + s if prepend else s + affix


@stellar(
    "PREPEND_IF_MISSING",
    params=[
        "str - the string",
        "prefix - the prefix to add when the string starts with none of the prefixes",
        "additionalprefix - another prefix that also counts as present (optional)",
    ],
    returns="the string with the prefix added, or unchanged when it already starts with one",
    description="Adds a prefix to a string unless the string already starts with it (or with the additional prefix). Case-sensitive.",
    examples=[
        ("PREPEND_IF_MISSING('example.com', 'www.')", "www.example.com"),
        ("PREPEND_IF_MISSING('ftp.example.com', 'www.', 'ftp.')", "ftp.example.com"),
    ],
    pure=True,
    category=_CATEGORY,
)
def prepend_if_missing(*args: Any) -> str | None:
    return _if_missing("PREPEND_IF_MISSING", args, prepend=True)


@stellar(
    "APPEND_IF_MISSING",
    params=[
        "str - the string",
        "suffix - the suffix to add when the string ends with none of the suffixes",
        "additionalsuffix - another suffix that also counts as present (optional)",
    ],
    returns="the string with the suffix added, or unchanged when it already ends with one",
    description="Adds a suffix to a string unless the string already ends with it (or with the additional suffix). Case-sensitive.",
    examples=[
        ("APPEND_IF_MISSING('/var/log', '/')", "/var/log/"),
        ("APPEND_IF_MISSING('notes.TXT', '.txt')", "notes.TXT.txt"),
    ],
    pure=True,
    category=_CATEGORY,
)
def append_if_missing(*args: Any) -> str | None:
    return _if_missing("APPEND_IF_MISSING", args, prepend=False)


@stellar(
    "COUNT_MATCHES",
    params=["str - the string to search (may be null)", "sub - the text to count (may be null)"],
    returns="the number of non-overlapping occurrences; 0 when either is null or empty",
    description="Counts how many times a piece of text occurs in a string, without overlaps.",
    examples=[
        ("COUNT_MATCHES('banana', 'ana')", 1),
        ("COUNT_MATCHES('a.b.c', '.')", 2),
        ("COUNT_MATCHES(null, 'a')", 0),
    ],
    pure=True,
    category=_CATEGORY,
)
def count_matches(*args: Any) -> int:
    if len(args) != 2:
        raise StellarError(
            f"COUNT_MATCHES: incorrect arguments ({len(args)} given); usage: COUNT_MATCHES(string, substring)"
        )
    s = java_string(args[0], "COUNT_MATCHES")
    sub = java_string(args[1], "COUNT_MATCHES")
    if not s or not sub:
        return 0
    return s.count(sub)


def _hash_map_order(first_seen: list[int]) -> list[int]:
    """Keys (UTF-16 code units) in the order a ``java.util.HashMap`` iterates them.

    A ``Character`` hashes to its own value, so the bucket is ``c & (capacity - 1)`` and a
    bucket keeps insertion order.  The capacity grows as Java grows it: doubling past 3/4
    full, and while below 64 also when one bucket would hold more than 8 keys.  (Buckets
    Java turns into trees, from 9 colliding keys at capacity 64+, are kept in insertion
    order here.)
    """
    capacity = 16
    sizes: dict[int, int] = {}
    for n, c in enumerate(first_seen, 1):
        bucket = c & (capacity - 1)
        sizes[bucket] = sizes.get(bucket, 0) + 1
        grow = sizes[bucket] > 8 and capacity < 64
        if grow:
            capacity *= 2
        if n > capacity * 3 // 4:
            capacity *= 2
            grow = True
        if grow:
            sizes = {}
            for k in first_seen[:n]:
                sizes[k & (capacity - 1)] = sizes.get(k & (capacity - 1), 0) + 1
    mask = capacity - 1
    position = {c: i for i, c in enumerate(first_seen)}
    return sorted(first_seen, key=lambda c: (c & mask, position[c]))


@stellar(
    "STRING_ENTROPY",
    params=["input - the string"],
    returns="the Shannon entropy in bits (a double); 0.0 for an empty or null string",
    description="Computes the base-2 Shannon entropy of the characters of a string: how unpredictable they are. Random-looking names (such as generated domains) score high.",
    examples=[
        ("STRING_ENTROPY('aabb')", 1.0),
        ("STRING_ENTROPY('aaaa')", 0.0),
        ("STRING_ENTROPY('')", 0.0),
    ],
    pure=True,
    category=_CATEGORY,
)
def string_entropy(*args: Any) -> float:
    if len(args) != 1:
        raise StellarError(
            f"STRING_ENTROPY expects exactly one argument, the string ({len(args)} given)"
        )
    text = to_string(args[0])
    if not text:
        return 0.0
    text = units(text)
    counts = Counter(text)  # keys in order of first appearance, as Java inserts them
    total = len(text)
    log2 = math.log(2)
    entropy = 0.0
    for code in _hash_map_order([ord(ch) for ch in counts]):
        p = counts[chr(code)] / total
        entropy -= p * math.log(p) / log2
    return entropy
