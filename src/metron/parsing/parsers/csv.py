"""Delimited text with named columns, as Metron's ``CSVParser`` reads it.

parserConfig keys:

- ``columns`` (required): the column names, as a list (``["ts", "host"]``), a
  comma-separated string (``"ts,host"``), or a map of name to zero-based position
  (``{"ts": 0, "host": 3}``).  In a list or string, ``name:position`` gives a position.
- ``separator``: the field separator, its first character counts (default ``,``).
- ``timestampFormat``: a ``java.text.SimpleDateFormat`` pattern for the ``timestamp`` column,
  read in the default zone (UTC here; Metron uses the JVM's).  Without it the column must
  hold epoch milliseconds.
- ``readCharset``: the charset of the raw bytes (default UTF-8).

Quoting follows opencsv 3.7 as Metron uses it: ``"`` quotes, ``""`` and ``\\"`` are a quote
inside quotes, a lone backslash is dropped; names and values are trimmed.  Blank lines and
lines starting with ``#`` give no message.  A line with fewer fields than a column's
position is an error; extra fields are ignored.

Output fields: one string per column, plus ``original_string`` (the line as read) and
``timestamp``: the ``timestamp`` column converted to epoch milliseconds, or the current time
when there is no such column.  A ``timestamp`` value that cannot be converted stays the
string it was (as in Metron).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._opencsv import CsvConverter
from metron.stellar.convert import to_long
from metron.stellar.stdlib._datepattern import PatternError
from metron.stellar.stdlib._simpledateformat import SimpleDateFormat, get_format
from metron.stellar.types import Long

__all__ = ["CsvParser"]


@register_parser("csv", "org.apache.metron.parsers.csv.CSVParser")
class CsvParser(Parser):
    """Named columns of delimited text."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self.converter = CsvConverter(self.config)
        self.timestamp_format: SimpleDateFormat | None = None
        pattern = self.config.get("timestampFormat")
        if pattern is not None:
            try:
                self.timestamp_format = get_format(str(pattern), None)
            except PatternError as e:
                raise ConfigError(
                    f"timestampFormat: '{pattern}' is not a valid pattern: {e}"
                ) from None

    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw)
        try:
            values = self.converter.to_map(text)
        except (ValueError, IndexError) as e:
            raise ParserError(f"Unable to parse {text}: {e}") from e
        if values is None:
            return ParseResult()
        message: dict[str, Any] = dict(values)
        message["original_string"] = text
        stamp = message.get("timestamp")
        if stamp is None:
            message["timestamp"] = Long(int(time.time() * 1000))
        elif self.timestamp_format is None:
            millis = to_long(stamp)
            if millis is not None:
                message["timestamp"] = millis
        else:
            parsed = self.timestamp_format.parse(stamp)
            if parsed is not None:
                message["timestamp"] = Long(parsed)
        return ParseResult([message])
