"""Java regular expressions (``java.util.regex``, Java 8 rules) on Python's ``re`` engine.

Metron's configurations and Stellar functions are full of Java patterns.  :func:`compile`
translates one into a Python pattern with the same meaning (cached) and wraps it in a
:class:`JavaPattern` whose methods behave like Java's ``Matcher``::

    >>> from metron.stellar import javaregex
    >>> p = javaregex.compile("(?<user>\\\\w+)@(\\\\p{Alnum}+)\\\\.com")
    >>> bool(p.matches("alice@example.com"))
    True
    >>> p.replace_all("mail alice@example.com now", "${user} at $2")
    'mail alice at example now'

What is translated: named groups and ``\\k<name>``; POSIX, ``java*`` and Unicode classes
(``\\p{Alpha}``, ``\\p{L}``, ``\\p{IsAlphabetic}``, ``\\P{..}``, inside ``[...]`` too); class
union, intersection (``[a-z&&[^aeiou]]``) and Java 8's quirky negation; ``\\Q...\\E``;
possessive quantifiers and atomic groups; ``\\h \\H \\v \\V \\R \\A \\z \\Z``; Java's line
terminators for ``.``, ``^``, ``$``; ASCII-only ``\\d \\w \\s`` and case folding unless
``(?U)``/``(?u)`` ask for Unicode; inline flags ``(?idmsuxU-idmsuxU)`` anywhere; ``\\0nn``,
``\\xhh``, ``\\x{h..h}``, ``\\uhhhh`` (surrogate pairs joined), ``\\cX``; bounded
variable-length look-behind (split into fixed-length alternatives).

Not supported (a :class:`~metron.stellar.errors.StellarError` says so): Unicode scripts and
blocks (``\\p{IsLatin}``, ``\\p{InGreek}``), CANON_EQ, ``\\G`` anywhere but at the very start,
back references to a group that is not closed yet, and look-behinds that cannot be split
into fixed lengths.  ``\\b`` uses Python's Unicode word characters (Java 8's differ only for
numerals such as ``²`` and for combining marks).  Unicode data is Python's, not Java 8's 6.2.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from metron.stellar.errors import StellarError
from metron.stellar.javaregex._nodes import JavaRegexError, Translation
from metron.stellar.javaregex._parser import translate
from metron.stellar.javaregex._scanner import (
    CANON_EQ,
    CASE_INSENSITIVE,
    COMMENTS,
    DOTALL,
    LITERAL,
    MULTILINE,
    UNICODE_CASE,
    UNICODE_CHARACTER_CLASS,
    UNIX_LINES,
)

__all__ = [
    "CANON_EQ",
    "CASE_INSENSITIVE",
    "COMMENTS",
    "DOTALL",
    "LITERAL",
    "MULTILINE",
    "UNICODE_CASE",
    "UNICODE_CHARACTER_CLASS",
    "UNIX_LINES",
    "JavaPattern",
    "Translation",
    "compile",
    "parse_replacement",
    "quote",
    "translate_pattern",
]

Replacement = tuple[str | int, ...]


class JavaPattern:
    """A compiled Java pattern; ``regex`` is the equivalent Python pattern.

    Group numbers and names are Java's (they are also the Python pattern's).
    """

    __slots__ = ("_at_last_match", "flags", "groupindex", "groups", "pattern", "regex")

    def __init__(self, pattern: str, flags: int, translation: Translation) -> None:
        self.pattern = pattern
        self.flags = flags
        try:
            self.regex: re.Pattern[str] = re.compile(translation.python)
        except (re.error, OverflowError, RecursionError) as e:
            raise StellarError(
                f"cannot translate the Java regular expression {pattern!r} to Python: {e}"
            ) from None
        self.groups = translation.groups
        self.groupindex = translation.names
        self._at_last_match = translation.starts_at_last_match

    def __repr__(self) -> str:
        return f"JavaPattern({self.pattern!r})"

    def matches(self, text: str) -> re.Match[str] | None:
        """``Matcher.matches()``: the whole text must match."""
        return self.regex.fullmatch(text)

    def looking_at(self, text: str) -> re.Match[str] | None:
        """``Matcher.lookingAt()``: a match at the start of the text."""
        return self.regex.match(text)

    def find(self, text: str, start: int = 0) -> re.Match[str] | None:
        """``Matcher.find(start)``: the first match at or after ``start``."""
        if not 0 <= start <= len(text):
            raise StellarError(f"Illegal start index {start}")
        if self._at_last_match:
            return self.regex.match(text, start)
        return self.regex.search(text, start)

    def find_all(self, text: str) -> Iterator[re.Match[str]]:
        """The successive matches of repeated ``Matcher.find()`` calls.

        After an empty match Java resumes one character later (Python's ``finditer`` would
        still try a non-empty match at the same place).
        """
        pos, n = 0, len(text)
        search = self.regex.match if self._at_last_match else self.regex.search
        while pos <= n:
            m = search(text, pos)
            if m is None:
                return
            yield m
            if m.end() == m.start():
                if self._at_last_match:
                    return  # \G can no longer hold: the next search starts past it
                pos = m.end() + 1
            else:
                pos = m.end()

    def replace_all(self, text: str, replacement: str) -> str:
        """``Matcher.replaceAll``: ``$n``, ``${name}`` and ``\\x`` escapes in ``replacement``."""
        return self._replace(text, replacement, self.find_all(text))

    def replace_first(self, text: str, replacement: str) -> str:
        """``Matcher.replaceFirst``."""
        m = self.find(text)
        return self._replace(text, replacement, iter(() if m is None else (m,)))

    def _replace(self, text: str, replacement: str, matches: Iterator[re.Match[str]]) -> str:
        first = next(matches, None)
        if first is None:
            return text  # Java reads the replacement only once something matched
        parts = parse_replacement(replacement, self.groups, self.groupindex)
        out: list[str] = []
        last = 0
        m: re.Match[str] | None = first
        while m is not None:
            out.append(text[last : m.start()])
            for part in parts:
                if type(part) is str:
                    out.append(part)
                else:
                    value = m.group(part)
                    if value is not None:
                        out.append(value)
            last = m.end()
            m = next(matches, None)
        out.append(text[last:])
        return "".join(out)

    def python_replacement(self, replacement: str) -> str:
        """The Java replacement as a template for Python's ``regex.sub``."""
        parts = parse_replacement(replacement, self.groups, self.groupindex)
        return "".join(
            p.replace("\\", "\\\\") if isinstance(p, str) else f"\\g<{p}>" for p in parts
        )

    def split(self, text: str, limit: int = 0) -> list[str]:
        """``Pattern.split(text, limit)`` (Java 8: no empty leading item for a zero-width match
        at the start; with limit 0 trailing empty strings are dropped)."""
        out: list[str] = []
        index = 0
        for m in self.find_all(text):
            if limit > 0 and len(out) >= limit - 1:
                break
            if index == 0 and m.start() == 0 and m.end() == 0:
                continue
            out.append(text[index : m.start()])
            index = m.end()
        if index == 0 and not out:
            return [text]
        out.append(text[index:])
        if limit == 0:
            while out and out[-1] == "":
                out.pop()
        return out


def translate_pattern(pattern: str, flags: int = 0) -> Translation:
    """The Python translation of a Java pattern (StellarError when Java would reject it)."""
    try:
        return translate(pattern, flags)
    except JavaRegexError as e:
        raise StellarError(f"invalid Java regular expression: {e}") from None


@lru_cache(maxsize=2048)
def compile(pattern: str, flags: int = 0) -> JavaPattern:
    """``Pattern.compile(pattern, flags)`` (flags are Java's constants, exported here)."""
    return JavaPattern(pattern, flags, translate_pattern(pattern, flags))


def quote(text: str) -> str:
    """``Pattern.quote``: a Java pattern matching ``text`` literally."""
    return "\\Q" + text.replace("\\E", "\\E\\\\E\\Q") + "\\E"


@lru_cache(maxsize=1024)
def _replacement(replacement: str, groups: int, names: tuple[tuple[str, int], ...]) -> Replacement:
    parts: list[str | int] = []
    literal: list[str] = []
    i, n = 0, len(replacement)
    named = dict(names)

    def flush() -> None:
        if literal:
            parts.append("".join(literal))
            literal.clear()

    while i < n:
        c = replacement[i]
        if c == "\\":
            i += 1
            if i == n:
                raise StellarError("invalid replacement: character to be escaped is missing")
            literal.append(replacement[i])
            i += 1
        elif c == "$":
            i += 1
            if i == n:
                raise StellarError(
                    "invalid replacement: Illegal group reference: group index is missing"
                )
            if replacement[i] == "{":
                i += 1
                start = i
                while i < n and replacement[i].isascii() and replacement[i].isalnum():
                    i += 1
                name = replacement[start:i]
                if not name:
                    raise StellarError(
                        "invalid replacement: named capturing group has 0 length name"
                    )
                if i == n or replacement[i] != "}":
                    raise StellarError(
                        "invalid replacement: named capturing group is missing trailing '}'"
                    )
                if name[0].isdigit():
                    raise StellarError(
                        f"invalid replacement: capturing group name {{{name}}} starts with"
                        " digit character"
                    )
                if name not in named:
                    raise StellarError(f"invalid replacement: No group with name {{{name}}}")
                i += 1
                number = named[name]
            else:
                d = replacement[i]
                if not ("0" <= d <= "9"):
                    raise StellarError("invalid replacement: Illegal group reference")
                number = int(d)
                i += 1
                while i < n and "0" <= replacement[i] <= "9":
                    bigger = number * 10 + int(replacement[i])
                    if groups < bigger:
                        break
                    number = bigger
                    i += 1
                if number > groups:
                    raise StellarError(f"invalid replacement: No group {number}")
            flush()
            parts.append(number)
        else:
            literal.append(c)
            i += 1
    flush()
    return tuple(parts)


def parse_replacement(replacement: str, groups: int, names: dict[str, int]) -> Replacement:
    """A Java replacement string as literal text and group numbers (Java's errors raised)."""
    return _replacement(replacement, groups, tuple(sorted(names.items())))
