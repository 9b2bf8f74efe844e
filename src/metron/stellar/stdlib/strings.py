"""String functions: case, trimming, prefixes, joining and splitting, padding, ``FORMAT``.

These run once per event in parser and enrichment transformations, so each one tries the
common case (plain ``str`` arguments) first with a single string method, and only then
handles what Metron does with other values: ``null`` tolerance, Java ``toString`` of
numbers, and errors where Metron casts an argument to ``String`` and the cast fails.
``TO_UPPER``, ``TO_LOWER`` and ``TRIM`` just call the string method and fall back when the
value has none: no Stellar value but a string (or a ``Char``, which Java prints the same
way) has ``upper``/``lower``/``strip``.
The commons-lang helpers (``CHOMP``, ``SUBSTRING``...) live in :mod:`._stringedit`.
"""

from __future__ import annotations

from typing import Any

from metron.stellar.convert import to_integer, to_string
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib import _stringedit  # noqa: F401  (registers the commons-lang helpers)
from metron.stellar.stdlib._javaformat import java_format
from metron.stellar.stdlib._stringedit import java_string
from metron.stellar.stdlib._utf16 import utf16_len, utf16_slice
from metron.stellar.types import INT_MAX, INT_MIN, JavaSet, java_type_name, to_java_string

__all__: list[str] = []

#: Java's ``String.trim()`` removes every character up to and including the space.
_JAVA_WS = "".join(chr(c) for c in range(0x21))
_MISSING: Any = object()


@stellar(
    "TO_LOWER",
    params=["input - the value to lower-case (anything but a string is converted first)"],
    returns="the lower-case string, or null for null",
    description="Converts a value to a lower-case string. Numbers and other values are turned into their Java text form first.",
    examples=[("TO_LOWER('Metron')", "metron"), ("TO_LOWER(1.5E10)", "1.5e10")],
    pure=True,
)
def to_lower(value: Any, *_: Any) -> str | None:
    try:
        return value.lower()
    except (AttributeError, TypeError):  # not a string: print it the Java way
        return None if value is None else to_java_string(value).lower()


@stellar(
    "TO_UPPER",
    params=["input - the value to upper-case (anything but a string is converted first)"],
    returns="the upper-case string, or null for null",
    description="Converts a value to an upper-case string. Numbers, booleans and other values are turned into their Java text form first.",
    examples=[("TO_UPPER('casey')", "CASEY"), ("TO_UPPER(true)", "TRUE")],
    pure=True,
)
def to_upper(value: Any, *_: Any) -> str | None:
    try:
        return value.upper()
    except (AttributeError, TypeError):  # not a string: print it the Java way
        return None if value is None else to_java_string(value).upper()


@stellar(
    "TO_STRING",
    params=["input - any value"],
    returns="the value's Java text form, or null for null",
    description="Turns any value into text the way Java prints it: 3.0 for a double, [1, 2] for a list, {a=1} for a map.",
    examples=[
        ("TO_STRING(5)", "5"),
        ("TO_STRING([1, 2.0])", "[1, 2.0]"),
        ("TO_STRING(10000000.0)", "1.0E7"),
    ],
    pure=True,
)
def to_string_fn(value: Any, *_: Any) -> str | None:
    if type(value) is str:
        return value
    return None if value is None else to_java_string(value)


@stellar(
    "TRIM",
    params=["input - the value to trim (anything but a string is converted first)"],
    returns="the string without leading and trailing whitespace, or null for null",
    description="Removes whitespace and control characters (everything up to the space character) from both ends of a string.",
    examples=[("TRIM('  alert \\t')", "alert"), ("TRIM(null)", None)],
    pure=True,
)
def trim(value: Any, *_: Any) -> str | None:
    try:
        return value.strip(_JAVA_WS)
    except (AttributeError, TypeError):  # not a string: print it the Java way
        return None if value is None else to_java_string(value).strip(_JAVA_WS)


def _affix(name: str, string: Any, affix: Any) -> tuple[str | None, str | None]:
    return java_string(string, name), java_string(affix, name)


@stellar(
    "STARTS_WITH",
    params=["string - the string to test", "prefix - the prefix to look for"],
    returns="true when the string starts with the prefix; false when either is null",
    description="Tells whether a string begins with a given prefix (case-sensitive). Both arguments must be strings or null.",
    examples=[
        ("STARTS_WITH('192.168.1.1', '192.168.')", True),
        ("STARTS_WITH(null, 'a')", False),
        Example("STARTS_WITH(42, '4')", error=True),
    ],
    pure=True,
)
def starts_with(string: Any, prefix: Any, *_: Any) -> bool:
    if type(string) is str and type(prefix) is str:
        return string.startswith(prefix)
    s, p = _affix("STARTS_WITH", string, prefix)
    return s is not None and p is not None and s.startswith(p)


@stellar(
    "ENDS_WITH",
    params=["string - the string to test", "suffix - the suffix to look for"],
    returns="true when the string ends with the suffix; false when either is null",
    description="Tells whether a string ends with a given suffix (case-sensitive). Both arguments must be strings or null.",
    examples=[("ENDS_WITH('report.pdf', '.pdf')", True), ("ENDS_WITH('report.pdf', null)", False)],
    pure=True,
)
def ends_with(string: Any, suffix: Any, *_: Any) -> bool:
    if type(string) is str and type(suffix) is str:
        return string.endswith(suffix)
    s, p = _affix("ENDS_WITH", string, suffix)
    return s is not None and p is not None and s.endswith(p)


@stellar(
    "JOIN",
    params=[
        "iterable - a list or set of values (each is printed in its Java text form)",
        "delim - the separator placed between them",
    ],
    returns="the joined string",
    description="Joins the items of a list or set into one string, skipping null items.",
    examples=[("JOIN(['a', null, 1, 2.5], '|')", "a|1|2.5"), ("JOIN([], ',')", "")],
    pure=True,
)
def join(items: Any, delim: Any, *_: Any) -> str:
    if type(delim) is str and type(items) is list:
        try:
            return delim.join(items)
        except TypeError:
            pass  # an item is not a string: print each the Java way
    if items is not None and not isinstance(items, (list, tuple, JavaSet, set, frozenset)):
        raise StellarError(f"JOIN needs a list or set, not a {java_type_name(items)}")
    sep = java_string(delim, "JOIN")
    if items is None or sep is None:
        raise StellarError("JOIN needs a list or set and a separator, got null")
    return sep.join(to_java_string(x) for x in items if x is not None)


@stellar(
    "SPLIT",
    params=[
        "input - the string to split (anything but a string is converted first)",
        "delim - the separator (plain text, not a regex)",
    ],
    returns="the list of pieces (empty pieces are kept); an empty list for null",
    description="Splits a string at every occurrence of a separator. Empty pieces are kept, so the result has one more item than there are separators.",
    examples=[
        ("SPLIT('a,,b', ',')", ["a", "", "b"]),
        ("SPLIT('', ',')", [""]),
        ("SPLIT(null, ',')", []),
    ],
    pure=True,
)
def split(value: Any, delim: Any = _MISSING, *_: Any) -> list[str]:
    if type(value) is str and type(delim) is str and delim:
        return value.split(delim)
    if value is None:
        return []  # Metron looks at the separator only when there is something to split
    if delim is _MISSING:
        raise StellarError("SPLIT expects two arguments: the string and the separator")
    sep = java_string(delim, "SPLIT")
    if not sep:
        raise StellarError("SPLIT: the separator may not be null or empty")
    return to_java_string(value).split(sep)


def _java_list(value: Any, name: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        raise StellarError(f"{name} needs a list, got null")
    raise StellarError(f"{name} needs a list, not a {java_type_name(value)}")


@stellar(
    "GET_FIRST",
    params=["input - a list"],
    returns="the first item, or null when the list is empty",
    description="Returns the first item of a list.",
    examples=[("GET_FIRST(['x', 'y'])", "x"), ("GET_FIRST([])", None)],
    pure=True,
)
def get_first(items: Any, *_: Any) -> Any:
    items = _java_list(items, "GET_FIRST")
    return items[0] if items else None


@stellar(
    "GET_LAST",
    params=["input - a list"],
    returns="the last item, or null when the list is empty",
    description="Returns the last item of a list.",
    examples=[("GET_LAST(SPLIT('www.example.com', '.'))", "com"), ("GET_LAST([])", None)],
    pure=True,
)
def get_last(items: Any, *_: Any) -> Any:
    items = _java_list(items, "GET_LAST")
    return items[-1] if items else None


@stellar(
    "GET",
    params=["input - a list", "i - the position, counted from 0 (an Integer)"],
    returns="the item at position i, or null when the list is shorter",
    description="Returns the item at a 0-based position of a list; past the end gives null, a negative position is an error.",
    examples=[
        ("GET(['a', 'b', 'c'], 1)", "b"),
        ("GET(['a'], 5)", None),
        Example("GET(['a'], -1)", error=True),
    ],
    pure=True,
)
def get(items: Any, index: Any, *_: Any) -> Any:
    items = _java_list(items, "GET")
    if type(index) is not int or not INT_MIN <= index <= INT_MAX:
        shown = "null" if index is None else java_type_name(index)
        raise StellarError(f"GET needs an Integer position, got {shown}")
    if index < 0:
        raise StellarError(f"GET: position {index} is out of range")
    return items[index] if index < len(items) else None


def _fill(name: str, args: tuple[Any, ...], left: bool) -> str | None:
    if len(args) < 3:
        raise StellarError(
            f"{name} expects three arguments: the string, the fill character and the length"
        )
    value, fill, length = args[0], args[1], args[2]
    if value is None:
        return None
    text = to_java_string(value)
    if length is None or fill is None:
        raise StellarError(f"{name}: the fill character and the length are both required")
    pad = to_java_string(fill)
    if not pad:
        raise StellarError(f"{name}: the fill cannot be an empty string")
    size = to_integer(length)
    if size is None:
        raise StellarError(f"{name}: the length is not a valid Integer: {to_java_string(length)}")
    missing = size - utf16_len(text)
    if missing <= 0:
        return text
    padding = utf16_slice(pad, 0, 1) * missing
    return padding + text if left else text + padding


@stellar(
    "FILL_LEFT",
    params=[
        "input - the string to pad (anything but a string is converted first)",
        "fill - the fill character (only its first character is used)",
        "len - the length to reach",
    ],
    returns="the padded string; the input unchanged when it is already long enough; null for null",
    description="Pads a string on the left with a fill character up to a given length.",
    examples=[("FILL_LEFT('42', '0', 5)", "00042"), ("FILL_LEFT('toolong', '*', 3)", "toolong")],
    pure=True,
)
def fill_left(*args: Any) -> str | None:
    return _fill("FILL_LEFT", args, left=True)


@stellar(
    "FILL_RIGHT",
    params=[
        "input - the string to pad (anything but a string is converted first)",
        "fill - the fill character (only its first character is used)",
        "len - the length to reach",
    ],
    returns="the padded string; the input unchanged when it is already long enough; null for null",
    description="Pads a string on the right with a fill character up to a given length.",
    examples=[
        ("FILL_RIGHT('ab', 'xyz', 4)", "abxx"),
        Example("FILL_RIGHT('ab', '', 4)", error=True),
    ],
    pure=True,
)
def fill_right(*args: Any) -> str | None:
    return _fill("FILL_RIGHT", args, left=False)


@stellar(
    "FORMAT",
    params=[
        "format - a Java format string (String.format conventions)",
        "arguments... - the values to format (optional)",
    ],
    returns="the formatted string",
    description=(
        "Formats values with a Java format string: %s, %d, %x, %o, %f, %e, %g, %a, %b, %c, %h, "
        "%t (of a Long epoch-millis), %n and %%, with flags, width, precision and argument "
        "indices such as %2$s. The locale is en_US. A value of the wrong kind for its conversion "
        "(%d of a string, %f of an integer) or a missing argument is an error."
    ),
    examples=[
        ("FORMAT('%s has %d alerts', 'host1', 3)", "host1 has 3 alerts"),
        ("FORMAT('%.2f%%', 12.345)", "12.35%"),
        Example("FORMAT('%d', 'seven')", error=True),
    ],
    pure=True,
)
def format_fn(*args: Any) -> str:
    if not args:
        raise StellarError("FORMAT is missing its format string")
    fmt = to_string(args[0])
    if fmt is None:
        raise StellarError("FORMAT: the format string is null")
    return java_format(fmt, args[1:])
