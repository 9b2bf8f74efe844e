"""Metron's ``CSVConverter``: opencsv 3.7's line parser with Metron's defaults, and columns.

opencsv (quote ``"``, escape ``\\``, not strict, leading blanks before a quote ignored) has
rules of its own that a user's data runs into:

* ``""`` inside quotes is one quote; ``\\"`` and ``\\\\`` escape inside quotes (or inside a
  field already started); any other backslash is dropped.
* A quote in the middle of a field (``a"b``) toggles quoting and is kept in the value.
* A line that ends inside quotes is an error ("Un-terminated quoted field").
* The parser remembers whether it was inside a field when a line failed, and that state
  carries into the next line, as it does in a Java parser instance.

Then ``CSVConverter.toMap`` trims names and values the way Java's ``String.trim`` does, and
ignores blank lines and lines starting with ``#`` (after trimming).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from metron.errors import ConfigError

__all__ = ["JAVA_TRIM", "CsvConverter", "OpenCsvLineParser", "column_map", "java_whitespace"]

#: What Java's ``String.trim`` strips: every character up to U+0020.
JAVA_TRIM = "".join(chr(c) for c in range(0x21))

QUOTE = '"'
ESCAPE = "\\"

# Character.isWhitespace: Unicode space separators except the no-break ones, and the
# controls U+0009-U+000D, U+001C-U+001F.
_JAVA_SPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2008\u2009\u200a\u2028\u2029\u205f\u3000"
)


def java_whitespace(text: str) -> bool:
    """``StringUtils.isWhitespace``: every character is Java whitespace (true for "")."""
    return all(c in _JAVA_SPACE for c in text)


class OpenCsvLineParser:
    """``com.opencsv.CSVParser`` 3.7 built with ``CSVParserBuilder().withSeparator(sep)``."""

    __slots__ = ("_in_field", "_special", "separator")

    def __init__(self, separator: str = ",") -> None:
        if separator in (QUOTE, ESCAPE):
            raise ConfigError(
                "separator: the separator, quote and escape characters must be different"
                f" (opencsv quotes with {QUOTE} and escapes with {ESCAPE})"
            )
        if separator == "\0":
            raise ConfigError("separator: the separator character must be defined (not NUL)")
        self.separator = separator
        self._special = re.compile("[" + re.escape(separator + QUOTE + ESCAPE) + "]")
        # opencsv keeps this flag in the parser instance and does not reset it when a line
        # fails, so it leaks into the next line.
        self._in_field = False

    def parse_line(self, line: str) -> list[str]:
        """The fields of one line; ``ValueError`` for a quote left open."""
        sep = self.separator
        if not self._in_field and ESCAPE not in line:
            if QUOTE not in line:
                return line.split(sep)
            fields = self._simple_quoted(line)
            if fields is not None:
                return fields
        return self._parse(line)

    def _simple_quoted(self, line: str) -> list[str] | None:
        """Fields of a line whose quotes only wrap whole fields (no quotes inside them)."""
        sep = self.separator
        parts = line.split(QUOTE)
        last = len(parts) - 1
        if last % 2:
            return None  # an odd number of quotes: left open
        fields = parts[0].split(sep)
        for k in range(1, last, 2):
            before, after = parts[k - 1], parts[k + 1]
            if k > 1 and not before:
                return None  # two quoted runs touching: an escaped quote
            if before and not before.endswith(sep):
                return None  # the quote opens in the middle of a field
            if k + 1 < last and not after:
                return None
            if after and not after.startswith(sep):
                return None  # text follows the closing quote
            fields[-1] = parts[k]
            if after:
                fields.extend(after.split(sep)[1:])
        return fields

    def _parse(self, line: str) -> list[str]:
        """opencsv's character loop, jumping from one special character to the next."""
        sep = self.separator
        tokens: list[str] = []
        sb: list[str] = []
        in_quotes = False
        in_field = self._in_field
        n = len(line)
        i = 0
        find = self._special.search
        while i < n:
            m = find(line, i)
            stop = n if m is None else m.start()
            if stop > i:
                sb.append(line[i:stop])
                in_field = True
            if m is None:
                break
            i = stop
            c = line[i]
            if c == ESCAPE:
                if (in_quotes or in_field) and i + 1 < n and line[i + 1] in (QUOTE, ESCAPE):
                    sb.append(line[i + 1])
                    i += 1
            elif c == QUOTE:
                if (in_quotes or in_field) and i + 1 < n and line[i + 1] == QUOTE:
                    sb.append(QUOTE)
                    i += 1
                else:
                    in_quotes = not in_quotes
                    if (
                        _java_index(line, i) > 2
                        and line[i - 1] != sep
                        and i + 1 < n
                        and line[i + 1] != sep
                    ):
                        text = "".join(sb)
                        if text and java_whitespace(text):
                            sb.clear()
                        else:
                            sb.append(QUOTE)
                in_field = not in_field
            elif in_quotes:
                sb.append(c)
                in_field = True
            else:
                tokens.append("".join(sb))
                sb.clear()
                in_field = False
            i += 1
        if in_quotes:
            self._in_field = in_field
            raise ValueError("Un-terminated quoted field at end of CSV line")
        self._in_field = False
        tokens.append("".join(sb))
        return tokens


def _java_index(line: str, i: int) -> int:
    """The UTF-16 index Java sees for position ``i`` (only needed near the start)."""
    if i > 2:
        return i
    return i + sum(1 for c in line[:i] if ord(c) > 0xFFFF)


def _entry(column: str, index: int) -> tuple[str, int]:
    """``name:position`` or a bare name at its place in the list."""
    if ":" in column:
        pieces = column.split(":")
        try:
            return pieces[0], _java_int(pieces[-1])
        except ValueError:
            raise ConfigError(
                f"columns: '{column}' must be 'name:position' with an integer position"
            ) from None
    return column, index


def _java_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(text)
    return int(text)


def column_map(columns: Any) -> dict[str, int]:
    """``CSVConverter.getColumnMap``: a comma list string, a list, or a name -> index map."""
    out: dict[str, int] = {}
    if isinstance(columns, str):
        for i, column in enumerate(columns.split(",")):
            name, index = _entry(column, i)
            out[name] = index
    elif isinstance(columns, list):
        for i, column in enumerate(columns):
            text = column if isinstance(column, str) else _java_text(column)
            name, index = _entry(text, i)
            out[name] = index
    elif isinstance(columns, Mapping):
        for key, value in columns.items():
            try:
                out[str(key)] = _java_int(value if isinstance(value, str) else _java_text(value))
            except ValueError:
                raise ConfigError(
                    f"columns: the position of '{key}' must be an integer, not {value!r}"
                ) from None
    elif columns is not None:
        raise ConfigError("columns: give a list of names, a comma-separated string or a map")
    return out


def _java_text(value: Any) -> str:
    from metron.stellar.types import to_java_string

    return to_java_string(value)


class CsvConverter:
    """``CSVConverter``: column positions plus the line parser, giving name -> value maps."""

    __slots__ = ("columns", "items", "parser", "width")

    def __init__(self, config: Mapping[str, Any]) -> None:
        if "columns" not in config:
            raise ConfigError("columns: the CSV converter needs a 'columns' setting")
        self.columns = column_map(config["columns"])
        separator = ","
        if "separator" in config:
            raw = config["separator"]
            text = raw if isinstance(raw, str) else _java_text(raw)
            if not text:
                raise ConfigError("separator: must be one character, not empty")
            separator = text[0]
        self.parser = OpenCsvLineParser(separator)
        # Names are trimmed when values are stored; a later column wins a clash.
        self.items = [(name.strip(JAVA_TRIM), index) for name, index in self.columns.items()]
        self.width = max((index for _, index in self.items), default=-1) + 1

    @staticmethod
    def ignored(line: str) -> bool:
        """Blank lines and ``#`` comments give no message."""
        trimmed = line.strip(JAVA_TRIM)
        return not trimmed or trimmed.startswith("#")

    def to_map(self, line: str) -> dict[str, str] | None:
        """The line's values by column name, or None for an ignored line.

        ``IndexError`` when the line has fewer fields than a column's position.
        """
        if self.ignored(line):
            return None
        tokens = self.parser.parse_line(line)
        if len(tokens) < self.width:
            raise IndexError(
                f"Index {len(tokens)} out of bounds for length {len(tokens)}:"
                f" the line has {len(tokens)} fields, the columns need {self.width}"
            )
        trim = JAVA_TRIM
        out: dict[str, str] = {}
        for name, index in self.items:
            if index < 0:
                raise IndexError(f"Index {index} out of bounds for length {len(tokens)}")
            out[name] = tokens[index].strip(trim)
        return out
