"""Grok as Metron runs it: the java-grok 0.1.0 library on Java regular expressions.

A grok expression is a Java regular expression with references to named patterns:
``%{NAME}``, ``%{NAME:field}`` and ``%{NAME=regex}`` (which also defines ``NAME``).  Pattern
files hold one ``NAME regex`` per line.  Metron's parsers use java-grok 0.1.0, whose
behaviour this module reproduces, because it decides the fields and their JSON types:

- **Every reference captures**, named or not: ``%{INT}`` gives a field ``INT``,
  ``%{INT:port}`` a field ``port``; a field named ``UNWANTED`` is dropped.  Groups the
  pattern author named in Java syntax, ``(?<name>...)``, give fields too.
- **No type suffixes**: 0.1.0 has none, so ``%{INT:port:int}`` gives a field literally
  named ``port:int``.  Instead **every value that ``Integer.parseInt`` accepts becomes a
  number** (``"161"`` -> ``161``, ``"000"`` -> ``0``); others stay strings (``"0.000"``,
  ``"22efa001"``, ``"4294967296"``).  A string value wrapped in matching quotes loses them;
  a value that is just one quote character makes the record fail, as in Metron.
- **Repeated references share one group**: every occurrence of the same reference text
  (``%{SPACE:UNWANTED}`` ten times) is one group name, whose value is that of its *first*
  occurrence in the regex.  When two groups give the same field, the one further right
  wins, even when it did not take part in the match (its value is then null).
- **A group that did not take part gives a null field** (``(%{IP:ip})?`` unmatched).
- The expression is searched for anywhere in the text (Java ``find``); blank text never
  matches.

Every regex, ours and the user's, is Java syntax, translated by
:mod:`metron.stellar.javaregex`; our shipped pattern files
(``metron/parsing/patterns/``) are our own and define the same names with the same
references as Metron's, so they give the same fields.  One deliberate difference: a
reference to an undefined pattern is a :class:`ConfigError` (java-grok silently inserts
the text ``null``, so the expression cannot match what was meant).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from metron.errors import ConfigError, MetronError
from metron.stellar import javaregex
from metron.stellar.errors import StellarError

__all__ = [
    "UNWANTED",
    "Grok",
    "GrokError",
    "GrokPattern",
    "clean_value",
    "is_blank",
    "java_int",
    "load_patterns",
    "pattern_file_text",
]

# java-grok's reference syntax ([A-z] takes in [ \ ] ^ _ and backquote, as in Java).  The
# definition part is java-grok's `(?:(?:[^{}]+|\.+)+)+` without its nested quantifiers,
# which match the same text but backtrack exponentially on an unclosed reference.
_REFERENCE = re.compile(
    r"%\{(?P<name>(?P<pattern>[A-z0-9]+)(?::(?P<subname>[A-z0-9_:]+))?)"
    r"(?:=(?P<definition>[^{}]+))?\}"
)
# A pattern-file line, as java-grok reads it (Java's `\s` and `.`).
_LINE = re.compile(r"([A-z0-9_]+)[\t\n\x0b\f\r ]+([^\n\r\x85\u2028\u2029]*)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# named-regexp 0.2.3's named group and named back reference.
_NAMED_GROUP = re.compile(r"\(\?<([^!=].*?)>", re.DOTALL)
_NAMED_BACKREF = re.compile(r"\\k<([^!=].*?)>", re.DOTALL)

_MAX_ITERATIONS = 1000  # java-grok's limit on expansions ("Deep recursion")
_MAX_REGEX_CHARS = 2_000_000  # ours: patterns that double at every level
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Characters Java's Character.isWhitespace accepts (StringUtils.isBlank).
_JAVA_WHITESPACE = (
    "\t\n\x0b\f\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2008\u2009\u200a\u2028\u2029\u205f\u3000"
)
_SIGNS_AND_QUOTES = frozenset("+-\"'")
UNWANTED = "UNWANTED"


class GrokError(MetronError):
    """A captured value java-grok cannot clean (Metron fails the record)."""


def pattern_file_text(path: str, charset: str = "utf-8") -> str:
    """The text of a pattern file, found as Metron finds ``grokPath``.

    Metron looks in HDFS first and then on its classpath; here a file on disk comes
    first (read in ``charset``), then the shipped file of the same name for
    ``/patterns/<name>`` paths.
    """
    file = Path(path)
    if file.is_file():
        try:
            return file.read_bytes().decode(charset, errors="replace")
        except OSError as e:
            raise ConfigError(f"grok pattern file {path!r}: {e.strerror}") from None
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if path.startswith("/patterns/") or "/" not in path:
        shipped = resources.files("metron.parsing").joinpath("patterns", name)
        if name and shipped.is_file():
            return shipped.read_text(encoding="utf-8")
    raise ConfigError(
        f"grok pattern file {path!r} not found: neither a file on disk nor a shipped"
        " pattern file (/patterns/common, /patterns/squid, ...)"
    )


def load_patterns(text: str) -> dict[str, str]:
    """The ``NAME regex`` lines of a pattern file; later definitions win.

    As in java-grok, a line that does not start with a name (a ``#`` comment, an indented
    line) is skipped, the regex keeps trailing blanks, and a name with no regex is an error.
    """
    patterns: dict[str, str] = {}
    for line in _LINE_BREAK.split(text):
        m = _LINE.fullmatch(line)
        if m is None:
            continue
        if not m.group(2):
            raise ConfigError(
                f"grok pattern {m.group(1)} has no regex (java-grok: Invalid Pattern)"
            )
        patterns[m.group(1)] = m.group(2)
    return patterns


def java_int(value: str) -> int | None:
    """``Integer.parseInt(value)``, or None where Java throws."""
    body = value[1:] if value[:1] in ("+", "-") else value
    if body.isdecimal():
        number = int(value)
        if _INT_MIN <= number <= _INT_MAX:
            return number
    return None


def clean_value(value: str) -> Any:
    """java-grok 0.1.0's value cleaning: an int when Java parses one, else unquoted text."""
    if not value:
        return value
    number = java_int(value)
    if number is not None:
        return number
    first = value[0]
    if (first == '"' or first == "'") and value[-1] == first:
        if len(value) == 1:
            # substring(1, 0) in java-grok's cleanString
            raise GrokError("String index out of range: -1")
        return value[1:-1]
    return value


def is_blank(text: str) -> bool:
    """``StringUtils.isBlank``: empty or only Java whitespace."""
    return not text.strip(_JAVA_WHITESPACE)


class GrokPattern:
    """A compiled grok expression.

    ``regex`` is the Python translation of the Java regex; ``fields`` pairs each output
    field with the regex group its value comes from.
    """

    __slots__ = ("expression", "fields", "java_regex", "regex")

    def __init__(
        self,
        expression: str,
        java_regex: str,
        regex: re.Pattern[str],
        fields: tuple[tuple[str, int], ...],
    ) -> None:
        self.expression = expression
        self.java_regex = java_regex
        self.regex = regex
        self.fields = fields

    def __repr__(self) -> str:
        return f"GrokPattern({self.expression!r})"

    def captures(self, text: str) -> dict[str, Any] | None:
        """java-grok's ``match(text)``, ``captures()``, ``toMap()``: the fields of the first
        match anywhere in ``text`` (None when nothing matches or the text is blank).

        Raises :class:`GrokError` for a value java-grok cannot clean.
        """
        if is_blank(text):
            return None
        m = self.regex.search(text)
        return None if m is None else self._fields(m)

    search = captures

    def match(self, text: str) -> dict[str, Any] | None:
        """Like :meth:`captures`, but the match must start at the beginning of ``text``."""
        if is_blank(text):
            return None
        m = self.regex.match(text)
        return None if m is None else self._fields(m)

    def _fields(self, m: re.Match[str]) -> dict[str, Any]:
        groups = m.groups()
        out: dict[str, Any] = {}
        for field, index in self.fields:
            value = groups[index]
            if value:
                # clean_value, with the common cases first
                if value.isdecimal():
                    if len(value) < 10 or int(value) <= _INT_MAX:
                        value = int(value)
                elif value[0] in _SIGNS_AND_QUOTES:
                    value = clean_value(value)
            out[field] = value
        return out


class Grok:
    """A set of named patterns, and grok expressions compiled against them."""

    def __init__(self, patterns: Mapping[str, str] | None = None) -> None:
        self.patterns: dict[str, str] = dict(patterns or {})

    @classmethod
    def from_files(cls, paths: Iterable[str], charset: str = "utf-8") -> Grok:
        """Patterns from files in order, e.g. ``["/patterns/common", "/patterns/squid"]``."""
        grok = cls()
        for path in paths:
            grok.add_patterns(pattern_file_text(path, charset))
        return grok

    def add_patterns(self, text: str) -> None:
        """Add the patterns of a pattern file's text (java-grok's ``addPatternFromReader``)."""
        self.patterns.update(load_patterns(text))

    def compile(self, expression: str) -> GrokPattern:
        """Compile a grok expression (Metron's parsers compile ``%{<patternLabel>}``).

        Raises :class:`ConfigError` for an empty expression, an undefined pattern, a loop
        of references or an invalid regex.  ``%{NAME=regex}`` references add ``NAME``.
        """
        if is_blank(expression):
            raise ConfigError("a grok expression must not be empty")
        pattern, added = _compile(expression, tuple(self.patterns.items()))
        self.patterns.update(added)
        return pattern


@lru_cache(maxsize=128)
def _compile(
    expression: str, pattern_items: tuple[tuple[str, str], ...]
) -> tuple[GrokPattern, dict[str, str]]:
    patterns = dict(pattern_items)
    java_regex, keys, added = _expand(expression, patterns)
    java_regex, occurrences = _name_groups(java_regex)
    try:
        translation = javaregex.translate_pattern(java_regex)
        regex = re.compile(translation.python)
    except (StellarError, re.error, RecursionError) as e:
        raise ConfigError(f"grok expression {expression!r} is not a valid regex: {e}") from None
    # Each distinct group name reads its first occurrence; a later group giving the same
    # field overwrites an earlier one, as java-grok fills its map in regex order.
    by_field: dict[str, int] = {}
    for name, first in occurrences.items():
        field = keys.get(name, name)
        by_field.pop(field, None)
        by_field[field] = translation.names[f"g{first}"] - 1
    by_field.pop(UNWANTED, None)
    return GrokPattern(expression, java_regex, regex, tuple(by_field.items())), added


def _expand(
    expression: str, patterns: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str]]:
    """java-grok's compile loop: the Java regex with ``(?<nameN>...)`` groups, the field of
    each group name, and the patterns ``%{NAME=regex}`` defined."""
    regex = expression
    keys: dict[str, str] = {}
    added: dict[str, str] = {}
    index = 0
    while True:
        m = _REFERENCE.search(regex)
        if m is None:
            break
        if index >= _MAX_ITERATIONS:
            raise ConfigError(
                f"grok expression {expression!r} expands more than {_MAX_ITERATIONS} references"
                " (a pattern that refers to itself?)"
            )
        name, pattern, subname, definition = m.group("name", "pattern", "subname", "definition")
        if definition is not None:
            patterns[pattern] = added[pattern] = definition
            name = f"{name}={definition}"
        body = patterns.get(pattern)
        if body is None:
            raise ConfigError(
                f"grok pattern %{{{pattern}}} is not defined (used in {expression!r});"
                " check the pattern files and patternLabel"
            )
        group = f"name{index}"
        keys[group] = subname if subname is not None else name
        regex = regex.replace(f"%{{{name}}}", f"(?<{group}>{body})")
        if len(regex) > _MAX_REGEX_CHARS:
            raise ConfigError(
                f"grok expression {expression!r} expands to a regex that is too large"
            )
        index += 1
    leftover = re.search(r"%\{[A-Za-z][^}]*\}", regex)
    if leftover is not None:
        raise ConfigError(
            f"grok reference {leftover.group()} in {expression!r} is malformed: write"
            " %{NAME} or %{NAME:field}, field names of letters, digits, _ and :"
        )
    return regex, keys, added


def _name_groups(regex: str) -> tuple[str, dict[str, int]]:
    """named-regexp 0.2.3's named groups, which may repeat a name: each occurrence becomes a
    uniquely named Java group ``g<k>``; returns the regex and each name's first ``k``."""
    first: dict[str, int] = {}
    parts: list[str] = []
    pos = 0
    count = 0
    for m in _NAMED_GROUP.finditer(regex):
        if _is_escaped(regex, m.start()):
            continue
        first.setdefault(m.group(1), count)
        parts.append(regex[pos : m.start()])
        parts.append(f"(?<g{count}>")
        pos = m.end()
        count += 1
    parts.append(regex[pos:])
    out = "".join(parts)

    def backref(m: re.Match[str]) -> str:
        if _is_escaped(out, m.start()):
            return m.group()
        k = first.get(m.group(1))
        if k is None:
            raise ConfigError(f"grok regex refers to an unknown group \\k<{m.group(1)}>")
        return f"\\k<g{k}>"

    return _NAMED_BACKREF.sub(backref, out), first


def _is_escaped(text: str, pos: int) -> bool:
    """named-regexp's test: an odd run of backslashes before ``pos``, or inside ``\\Q..\\E``."""
    if _slash_escaped(text, pos):
        return True
    head = text[:pos]
    before = pos - 1  # Java's lastIndexOf("\\Q", before): a \Q starting at or before it
    while True:
        start = head.rfind("\\Q", 0, before + 2)
        if start < 0:
            return False
        if not _slash_escaped(head, start):
            return head.find("\\E", start) < 0
        before = start - 1


def _slash_escaped(text: str, pos: int) -> bool:
    slashes = 0
    while pos > 0 and text[pos - 1] == "\\":
        pos -= 1
        slashes += 1
    return slashes % 2 == 1
