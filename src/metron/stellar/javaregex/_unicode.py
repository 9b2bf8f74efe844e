"""Java's named character classes (``\\p{...}``) as code-point sets.

The tables are built lazily from :mod:`unicodedata` (Python's Unicode version, not Java 8's
6.2), the first time a pattern needs them.  Names are looked up in Java 8's order: ``In``
blocks, ``Is`` binary properties / categories / scripts, ``name=value`` forms, then the POSIX,
``java*`` and category names (POSIX names mean Unicode sets under UNICODE_CHARACTER_CLASS).

Approximations (Python's ``unicodedata`` has no such data): ``Alphabetic`` is the letters, the
letter numbers and the characters with the Lowercase or Uppercase property (the combining
vowel signs Unicode also calls alphabetic are missing); ``Ideographic`` is recognised by
character name.  Unicode scripts (``\\p{IsLatin}``) and blocks (``\\p{InGreek}``) are not
supported at all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache

from metron.stellar.javaregex._charset import ALL, EMPTY, MAX_CP, CharSet

__all__ = ["java_property", "named_set"]

Range = tuple[int, int]


@cache
def _categories() -> dict[str, CharSet]:
    buckets: dict[str, list[Range]] = {}
    category = unicodedata.category
    start, current = 0, category("\0")
    for cp in range(1, MAX_CP + 1):
        cat = category(chr(cp))
        if cat != current:
            buckets.setdefault(current, []).append((start, cp - 1))
            start, current = cp, cat
    buckets.setdefault(current, []).append((start, MAX_CP))
    return {name: CharSet(tuple(r)) for name, r in buckets.items()}


def _cats(*names: str) -> CharSet:
    table = _categories()
    out = EMPTY
    for name in names:
        out = out | table.get(name, EMPTY)
    return out


@cache
def _scan(kind: str) -> CharSet:
    tests: dict[str, Callable[[str], bool]] = {
        "lower": str.islower,
        "upper": str.isupper,
        "mirrored": lambda c: unicodedata.mirrored(c) == 1,
        "ideographic": _ideographic,
    }
    test = tests[kind]
    if kind == "ideographic":  # only other letters are ideographs: skip the rest
        candidates = _cats("Lo").points()
        return _IDEOGRAPH_EXTRA | CharSet.chars(cp for cp in candidates if test(chr(cp)))
    return CharSet.chars(cp for cp in range(MAX_CP + 1) if test(chr(cp)))


_IDEOGRAPH_NAMES = (
    "CJK UNIFIED IDEOGRAPH-",
    "CJK COMPATIBILITY IDEOGRAPH-",
    "TANGUT IDEOGRAPH-",
    "TANGUT COMPONENT-",
    "NUSHU CHARACTER-",
    "KHITAN SMALL SCRIPT CHARACTER-",
)
_IDEOGRAPH_EXTRA = CharSet.of([(0x3006, 0x3007), (0x3021, 0x3029), (0x3038, 0x303A)])


def _ideographic(c: str) -> bool:
    return unicodedata.name(c, "").startswith(_IDEOGRAPH_NAMES)


def _r(*ranges: Range) -> CharSet:
    return CharSet.of(ranges)


_ASCII_LOWER = _r((0x61, 0x7A))
_ASCII_UPPER = _r((0x41, 0x5A))
_ASCII_DIGIT = _r((0x30, 0x39))
_ASCII_ALPHA = _ASCII_LOWER | _ASCII_UPPER
_ASCII_ALNUM = _ASCII_ALPHA | _ASCII_DIGIT
_ASCII_PUNCT = _r((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E))
_ASCII_SPACE = _r((0x09, 0x0D), (0x20, 0x20))
_IGNORABLE = _r((0, 8), (0x0E, 0x1B), (0x7F, 0x9F))


def _alphabetic() -> CharSet:
    return _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nl") | _scan("lower") | _scan("upper")


def _white_space() -> CharSet:
    return _cats("Zs", "Zl", "Zp") | _r((0x09, 0x0D), (0x85, 0x85))


def _graph() -> CharSet:
    return ~_cats("Zs", "Zl", "Zp", "Cc", "Cs", "Cn")


_SETS: dict[str, Callable[[], CharSet]] = {
    # ASCII (POSIX) classes, Java's defaults
    "ASCII": lambda: _r((0, 0x7F)),
    "Alnum": lambda: _ASCII_ALNUM,
    "Alpha": lambda: _ASCII_ALPHA,
    "Blank": lambda: _r((0x09, 0x09), (0x20, 0x20)),
    "Cntrl": lambda: _r((0, 0x1F), (0x7F, 0x7F)),
    "Digit": lambda: _ASCII_DIGIT,
    "Graph": lambda: _r((0x21, 0x7E)),
    "Lower": lambda: _ASCII_LOWER,
    "Print": lambda: _r((0x20, 0x7E)),
    "Punct": lambda: _ASCII_PUNCT,
    "Space": lambda: _ASCII_SPACE,
    "Upper": lambda: _ASCII_UPPER,
    "XDigit": lambda: _r((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
    # general categories and their groups
    "L": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo"),
    "M": lambda: _cats("Mn", "Me", "Mc"),
    "N": lambda: _cats("Nd", "Nl", "No"),
    "Z": lambda: _cats("Zs", "Zl", "Zp"),
    "C": lambda: _cats("Cc", "Cf", "Co", "Cs"),
    "P": lambda: _cats("Pd", "Ps", "Pe", "Pc", "Po", "Pi", "Pf"),
    "S": lambda: _cats("Sm", "Sc", "Sk", "So"),
    "LC": lambda: _cats("Lu", "Ll", "Lt"),
    "LD": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nd"),
    "L1": lambda: _r((0, 0xFF)),
    "all": lambda: ALL,
    # java.lang.Character predicates
    "javaLowerCase": lambda: _scan("lower"),
    "javaUpperCase": lambda: _scan("upper"),
    "javaAlphabetic": _alphabetic,
    "javaIdeographic": lambda: _scan("ideographic"),
    "javaTitleCase": lambda: _cats("Lt"),
    "javaDigit": lambda: _cats("Nd"),
    "javaDefined": lambda: ~_cats("Cn"),
    "javaLetter": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo"),
    "javaLetterOrDigit": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nd"),
    "javaJavaIdentifierStart": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Sc", "Pc"),
    "javaJavaIdentifierPart": lambda: (
        _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Sc", "Pc", "Nd", "Mn", "Mc", "Cf") | _IGNORABLE
    ),
    "javaUnicodeIdentifierStart": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nl"),
    "javaUnicodeIdentifierPart": lambda: (
        _cats("Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Pc", "Nd", "Mn", "Mc", "Cf") | _IGNORABLE
    ),
    "javaIdentifierIgnorable": lambda: _cats("Cf") | _IGNORABLE,
    "javaSpaceChar": lambda: _cats("Zs", "Zl", "Zp"),
    "javaWhitespace": lambda: (
        (_cats("Zs", "Zl", "Zp") - _r((0xA0, 0xA0), (0x2007, 0x2007), (0x202F, 0x202F)))
        | _r((0x09, 0x0D), (0x1C, 0x1F))
    ),
    "javaISOControl": lambda: _r((0, 0x1F), (0x7F, 0x9F)),
    "javaMirrored": lambda: _scan("mirrored"),
}
_CATEGORY_NAMES = frozenset(
    ("Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Me", "Mc", "Nd", "Nl", "No", "Zs", "Zl", "Zp")
) | frozenset(
    ("Cc", "Cf", "Co", "Cs", "Pd", "Ps", "Pe", "Pc", "Po", "Sm", "Sc", "Sk", "So", "Pi", "Pf")
)

# Java's UnicodeProp (the \p{IsXxx} binary properties and the UNICODE_CHARACTER_CLASS forms)
_UNICODE_PROPS: dict[str, Callable[[], CharSet]] = {
    "ALPHABETIC": _alphabetic,
    "LETTER": lambda: _cats("Lu", "Ll", "Lt", "Lm", "Lo"),
    "IDEOGRAPHIC": lambda: _scan("ideographic"),
    "LOWERCASE": lambda: _scan("lower"),
    "UPPERCASE": lambda: _scan("upper"),
    "TITLECASE": lambda: _cats("Lt"),
    "WHITE_SPACE": _white_space,
    "CONTROL": lambda: _cats("Cc"),
    "PUNCTUATION": lambda: _cats("Pd", "Ps", "Pe", "Pc", "Po", "Pi", "Pf"),
    "HEX_DIGIT": lambda: (
        _cats("Nd")
        | _r((0x30, 0x39), (0x41, 0x46), (0x61, 0x66))
        | _r((0xFF10, 0xFF19), (0xFF21, 0xFF26), (0xFF41, 0xFF46))
    ),
    "ASSIGNED": lambda: ~_cats("Cn"),
    "NONCHARACTER_CODE_POINT": lambda: CharSet.of(
        [(0xFDD0, 0xFDEF)] + [(p + 0xFFFE, p + 0xFFFF) for p in range(0, MAX_CP, 0x10000)]
    ),
    "DIGIT": lambda: _cats("Nd"),
    "ALNUM": lambda: _alphabetic() | _cats("Nd"),
    "BLANK": lambda: _cats("Zs") | _r((0x09, 0x09)),
    "GRAPH": _graph,
    "PRINT": lambda: (_graph() | _cats("Zs") | _r((0x09, 0x09))) - _cats("Cc"),
    "WORD": lambda: _alphabetic() | _cats("Mn", "Me", "Mc", "Pc", "Nd") | _r((0x200C, 0x200D)),
    "JOIN_CONTROL": lambda: _r((0x200C, 0x200D)),
}
_PROP_ALIASES = {
    "WHITESPACE": "WHITE_SPACE",
    "HEXDIGIT": "HEX_DIGIT",
    "NONCHARACTERCODEPOINT": "NONCHARACTER_CODE_POINT",
    "JOINCONTROL": "JOIN_CONTROL",
}
_POSIX_UNICODE = {
    "ALPHA": "ALPHABETIC",
    "LOWER": "LOWERCASE",
    "UPPER": "UPPERCASE",
    "SPACE": "WHITE_SPACE",
    "PUNCT": "PUNCTUATION",
    "XDIGIT": "HEX_DIGIT",
    "ALNUM": "ALNUM",
    "CNTRL": "CONTROL",
    "DIGIT": "DIGIT",
    "BLANK": "BLANK",
    "GRAPH": "GRAPH",
    "PRINT": "PRINT",
}


@cache
def named_set(name: str) -> CharSet:
    """A set by internal name: Java's property names, or UnicodeProp names in upper case."""
    if name in _CATEGORY_NAMES:
        return _cats(name)
    if name in _SETS:
        return _SETS[name]()
    return _UNICODE_PROPS[name]()


def _char_property(name: str) -> CharSet | None:
    if name in _CATEGORY_NAMES or name in _SETS:
        return named_set(name)
    return None


def _unicode_prop(name: str) -> CharSet | None:
    key = name.upper()
    key = _PROP_ALIASES.get(key, key)
    return named_set(key) if key in _UNICODE_PROPS else None


def java_property(name: str, unicode_classes: bool) -> CharSet:
    """The set named by ``\\p{name}`` (Java 8's lookup order); ValueError when unknown."""
    if "=" in name:
        key, value = name.split("=", 1)
        key = key.lower()
        if key in ("sc", "script"):
            raise ValueError(f"Unicode script properties are not supported ({value})")
        if key in ("blk", "block"):
            raise ValueError(f"Unicode block properties are not supported ({value})")
        if key in ("gc", "general_category"):
            found = _char_property(value)
            if found is None:
                raise ValueError(f"Unknown character property name {{{value}}}")
            return found
        raise ValueError(f"Unknown Unicode property {{name=<{key}>, value=<{value}>}}")
    if name.startswith("In"):
        raise ValueError(f"Unicode block properties are not supported ({name[2:]})")
    if name.startswith("Is"):
        rest = name[2:]
        found = _unicode_prop(rest) or _char_property(rest)
        if found is None:
            raise ValueError(
                f"Unknown character property or unsupported Unicode script name {{{rest}}}"
            )
        return found
    if unicode_classes and name.upper() in _POSIX_UNICODE:
        return named_set(_POSIX_UNICODE[name.upper()])
    found = _char_property(name)
    if found is None:
        raise ValueError(f"Unknown character property name {{{name}}}")
    return found
