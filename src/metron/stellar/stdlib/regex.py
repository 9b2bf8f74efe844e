"""Regular expressions: REGEXP_MATCH, REGEXP_GROUP_VAL and REGEXP_REPLACE.

Patterns are Java (``java.util.regex``) patterns, translated by
:mod:`metron.stellar.javaregex` and cached.  Matching is whole-string (``Matcher.matches``),
group numbers start at 1, and replacements use Java's ``$1`` / ``${name}`` syntax.  Metron's
quirks are kept: ``REGEXP_REPLACE`` returns null for an empty input and leaves the input
alone when the pattern or the replacement is empty (so nothing can be replaced by ``''``).
"""

from __future__ import annotations

from typing import Any

from metron.stellar import javaregex
from metron.stellar.convert import to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import stellar
from metron.stellar.types import Char, JavaSet, java_type_name, to_java_string

__all__: list[str] = []


def _string(value: Any, what: str) -> str | None:
    """Java's ``(String)`` cast: null passes, anything but a String fails."""
    if value is None or (isinstance(value, str) and not isinstance(value, Char)):
        return value
    raise StellarError(f"the {what} must be a string, got {java_type_name(value)}")


@stellar(
    "REGEXP_MATCH",
    params=[
        "string - the string to test",
        "pattern - a Java regular expression, or a list of them (any one may match)",
    ],
    returns="true if a pattern matches the whole string, false otherwise (also for null)",
    description=(
        "Tests whether a Java regular expression matches the entire string (not just a part"
        " of it). Given a list of patterns, returns true as soon as one of them matches;"
        " null entries of the list are skipped."
    ),
    examples=[
        ("REGEXP_MATCH('host-042', 'host-\\\\d+')", True),
        ("REGEXP_MATCH('host-042', '\\\\d+')", False),
        ("REGEXP_MATCH('GET', ['POST', '(?i)get'])", True),
    ],
    pure=True,
)
def regexp_match(*args: Any) -> bool:
    if len(args) < 2:
        raise StellarError(
            "REGEXP_MATCH expects two args: [string, pattern] where pattern is a regexp"
            " pattern or a list of regexp patterns"
        )
    text = _string(args[0], "string")
    patterns = args[1]
    if text is None or patterns is None:
        return False
    if isinstance(patterns, str):
        if isinstance(patterns, Char):
            return False  # a Character is neither a String nor an Iterable in Java
        return javaregex.compile(patterns).regex.fullmatch(text) is not None
    if isinstance(patterns, (list, tuple, JavaSet, set, frozenset)):
        for pattern in patterns:
            if pattern is None:
                continue
            if javaregex.compile(to_java_string(pattern)).regex.fullmatch(text) is not None:
                return True
    return False


@stellar(
    "REGEXP_GROUP_VAL",
    params=[
        "string - the string to match",
        "pattern - a Java regular expression that must match the whole string",
        "group - the number of the capturing group to return, starting at 1",
    ],
    returns="the text of the group; null when the pattern does not match or has no such group",
    description=(
        "Matches the whole string against the pattern and returns one capturing group."
        " Group 0 returns the input unchanged, even when it does not match."
    ),
    examples=[
        ("REGEXP_GROUP_VAL('user=alice;id=7', 'user=(\\\\w+);id=(\\\\d+)', 2)", "7"),
        ("REGEXP_GROUP_VAL('user=alice', 'user=(\\\\w+)', 2)", None),
        ("REGEXP_GROUP_VAL('no match here', '\\\\d+', 0)", "no match here"),
    ],
    pure=True,
)
def regexp_group_val(*args: Any) -> str | None:
    if len(args) != 3:
        raise StellarError(
            "REGEXP_GROUP_VAL expects three args: [string, pattern, int] where pattern is a"
            " regexp pattern"
        )
    pattern = _string(args[1], "pattern")
    text = _string(args[0], "string")
    group = to_integer(args[2])
    if group is None:
        return None
    if group == 0:
        return text
    if text is None or pattern is None:
        return None
    compiled = javaregex.compile(pattern)
    m = compiled.regex.fullmatch(text)
    if m is None:
        return None
    if compiled.groups == 0 or compiled.groups < group:
        return None
    if group < 0:
        raise StellarError(f"No group {group}")
    return m.group(group)


@stellar(
    "REGEXP_REPLACE",
    params=[
        "string - the input string",
        "pattern - the Java regular expression to replace (escape backslashes: '\\\\d')",
        "value - the replacement; $1 or ${name} insert a group, \\ escapes the next character",
    ],
    returns="the string with every match replaced; null for an empty input",
    description=(
        "Replaces every match of the pattern in the string (Java's Matcher.replaceAll)."
        " An empty or null input gives null; an empty pattern or an empty replacement returns"
        " the input unchanged, so a match cannot be replaced by the empty string."
    ),
    examples=[
        ("REGEXP_REPLACE('10.0.0.1:8080', ':(\\\\d+)$', ' port $1')", "10.0.0.1 port 8080"),
        ("REGEXP_REPLACE('a-b-c', '-', '+')", "a+b+c"),
        ("REGEXP_REPLACE('a-b-c', '-', '')", "a-b-c"),
    ],
    pure=True,
)
def regexp_replace(*args: Any) -> str | None:
    if len(args) != 3:
        raise StellarError(
            "REGEXP_REPLACE expects three args: [string, pattern, value] where pattern is a"
            " regexp pattern"
        )
    text = _string(args[0], "string")
    pattern = _string(args[1], "pattern")
    value = _string(args[2], "replacement")
    if not text:
        return None
    if not pattern or not value:
        return text
    return javaregex.compile(pattern).replace_all(text, value)
