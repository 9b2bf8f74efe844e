"""Metron's generic grok parser (``org.apache.metron.parsers.GrokParser``).

Each record (or, with ``multiLine``, each line of a record) is searched with the grok
pattern ``%{<patternLabel>}``; the captured fields become the message, following the
rules of Metron's grok library (java-grok 0.1.0): every ``%{NAME}`` reference is a field,
named ones under their field name, ``UNWANTED`` fields are dropped, a type suffix stays
in the name (``%{INT:port:int}`` gives ``port:int``), and a value that Java reads as an
int becomes a number (``"161"`` -> ``161``, ``"0.5"`` stays text).  Metron's
squid and yaf sensors are this parser with their own pattern files.

parserConfig keys:

- ``grokPath`` (required): the sensor's pattern file, loaded after ``/patterns/common``;
  a file on disk, or a shipped one (``/patterns/squid``, ``/patterns/yaf``,
  ``/patterns/websphere``).
- ``patternLabel`` (required): the pattern a record must match.
- ``timestampField``: the field that gives ``timestamp``: a number is used as it is
  (epoch milliseconds), text loses its dots (``"1461576382.642"`` -> ``1461576382642``).
- ``timeFields``: fields whose text is a date in ``dateFormat``; each becomes epoch
  milliseconds (a field holding a plain integer fails the record, as in Metron).
- ``dateFormat``: a Java SimpleDateFormat pattern, default ``yyyy-MM-dd HH:mm:ss.S z``.
- ``timeZone``: the zone of ``dateFormat`` dates, default ``UTC``.
- ``multiLine``: ``"true"`` to parse every line of a record as its own message (a line that
  fails is an error of its own); otherwise the whole record is one message.
- ``readCharset``: the charset of multi-line records and of pattern files on disk
  (single-line records are always read as UTF-8, as Metron does).

Output fields: every field the pattern captures (except the ``patternLabel`` field
itself), ``original_string`` (the line), and ``timestamp`` when ``timestampField`` is set.
A message is valid when ``timestamp`` is a Long above 0.  A record the pattern does not
match is an error ("Grok statement produced a null message").
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

from metron.errors import ConfigError
from metron.message import ORIGINAL_STRING, TIMESTAMP
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.grok import Grok, GrokPattern
from metron.parsing.parsers._grok import date_reader
from metron.stellar.stdlib._simpledateformat import PatternError, SimpleDateFormat, get_format
from metron.stellar.types import INT_MAX, INT_MIN, Long

__all__ = ["GrokParser", "UnparseableDateError"]

COMMON_PATTERNS = "/patterns/common"
DEFAULT_DATE_FORMAT = "yyyy-MM-dd HH:mm:ss.S z"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LABEL = re.compile(r"[A-z0-9]+(?::[A-z0-9_:]+)?")
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_DATE_CACHE_SIZE = 4096


class UnparseableDateError(ParserError):
    """Java's ``ParseException`` from ``SimpleDateFormat.parse``."""


@register_parser("grok", "org.apache.metron.parsers.GrokParser")
class GrokParser(Parser):
    """Grok patterns over text lines; the base of the WebSphere parser."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        conf = self.config
        try:
            codecs.lookup(self.read_charset)
        except LookupError:
            raise ConfigError(
                f"parserConfig.readCharset: unknown charset {self.read_charset!r}"
            ) from None
        self.grok_path: str = _text(conf, "grokPath", required=True)
        self.pattern_label: str = _text(conf, "patternLabel", required=True)
        if not _LABEL.fullmatch(self.pattern_label):
            raise ConfigError(
                f"parserConfig.patternLabel {self.pattern_label!r} is not a grok pattern name"
                " (letters, digits and _)"
            )
        self.timestamp_field: str | None = _text(conf, "timestampField")
        self.time_fields: list[str] = _text_list(conf, "timeFields")
        self.multi_line: bool = _flag(conf, "multiLine")
        date_format = conf.get("dateFormat")
        zone = conf.get("timeZone")
        try:
            self.date_format: SimpleDateFormat = get_format(
                DEFAULT_DATE_FORMAT if date_format is None else str(date_format),
                "UTC" if zone is None else str(zone),
            )
        except PatternError as e:
            raise ConfigError(f"parserConfig.dateFormat {date_format!r} is invalid: {e}") from None
        self._read_date = date_reader(self.date_format)
        self._dates: dict[str, Long] = {}
        grok = Grok.from_files([COMMON_PATTERNS, self.grok_path], self.read_charset)
        try:
            self.pattern: GrokPattern = grok.compile(f"%{{{self.pattern_label}}}")
        except ConfigError as e:
            raise ConfigError(f"grok parser ({self.grok_path}): {e}") from None

    # -- parsing -------------------------------------------------------------------------

    def parse(self, raw: bytes) -> ParseResult:
        if self.multi_line:
            return self._parse_lines(raw)
        text = raw.decode("utf-8", errors="replace")
        result = ParseResult()
        try:
            message = self.parse_line(text)
        except Exception as e:
            raise ParserError(f"Grok parser Error: {e} on {text}") from e
        if message is None:
            result.errors.append((text, ParserError(self._null_message(text))))
        else:
            result.messages.append(message)
        return result

    def _parse_lines(self, raw: bytes) -> ParseResult:
        lines = _LINE_BREAK.split(raw.decode(self.read_charset, errors="replace"))
        if lines[-1] == "":
            lines.pop()  # a final line break ends the last line; it starts none
        result = ParseResult()
        # Metron keeps line errors in a map: a repeated failing line is one error.
        errors: dict[str, Exception] = {}
        for line in lines:
            try:
                message = self.parse_line(line)
            except Exception as e:
                errors[line] = e
                continue
            if message is None:
                errors[line] = ParserError(self._null_message(line))
            else:
                result.messages.append(message)
        result.errors.extend(errors.items())
        return result

    def parse_line(self, line: str) -> dict[str, Any] | None:
        """One line to a message, in Metron's order; None when the pattern does not match."""
        message = self.pattern.captures(line)
        if not message:
            return None
        message[ORIGINAL_STRING] = line
        for name in self.time_fields:
            value = message.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ParserError(
                    f"field {name} is {value!r}: java.lang.Integer cannot be cast to java.lang.String"
                )
            message[name] = self.to_epoch(value)
        if self.timestamp_field is not None:
            message[TIMESTAMP] = self.format_timestamp(message.get(self.timestamp_field))
        message.pop(self.pattern_label, None)
        self.post_parse(message)
        return message

    def to_epoch(self, text: str) -> Long:
        """``dateFormat`` parse of ``text`` to epoch milliseconds."""
        cached = self._dates.get(text)
        if cached is not None:
            return cached
        millis = self._read_date(text)
        if millis is None:
            raise UnparseableDateError(f'Unparseable date: "{text}"')
        if len(self._dates) >= _DATE_CACHE_SIZE:
            self._dates.clear()
        # Flows and log bursts repeat their times (yaf's start and end often agree).
        self._dates[text] = value = Long(millis)
        return value

    def format_timestamp(self, value: Any) -> Long:
        """The ``timestamp`` from the ``timestampField`` value."""
        if value is None:
            raise ParserError(
                f"{self.pattern_label} pattern does not include field {self.timestamp_field}"
            )
        if isinstance(value, int):
            return Long(value)
        digits = str(value).replace(".", "")
        number = java_long(digits)
        if number is None:
            raise ParserError(f'For input string: "{digits}"')
        return Long(number)

    def post_parse(self, message: dict[str, Any]) -> None:
        """What a subclass does to each message last (nothing here)."""

    def validate(self, message: Mapping[str, Any]) -> bool:
        """Metron's GrokParser check: ``timestamp`` is a Long above 0."""
        value = message.get(TIMESTAMP)
        if type(value) is Long:
            return value > 0
        return type(value) is int and not INT_MIN <= value <= INT_MAX and value > 0

    def _null_message(self, line: str) -> str:
        return (
            f"Grok statement produced a null message. Original message was: {line} and the"
            f" parsed message was: {{}} . Check the pattern at: {self.grok_path}"
        )


def java_long(text: str) -> int | None:
    """``Long.parseLong(text)``, or None where Java throws."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body.isdecimal():
        return None
    number = int(text)
    return number if _LONG_MIN <= number <= _LONG_MAX else None


# -- parserConfig values -----------------------------------------------------------------


def _text(conf: Mapping[str, Any], key: str, required: bool = False) -> Any:
    value = conf.get(key)
    if value is None:
        if required:
            raise ConfigError(f"parserConfig.{key} is required by the grok parser")
        return None
    if not isinstance(value, str) or (required and not value):
        raise ConfigError(f"parserConfig.{key} must be a non-empty string, not {value!r}")
    return value


def _text_list(conf: Mapping[str, Any], key: str) -> list[str]:
    value = conf.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"parserConfig.{key} must be a list of field names, not {value!r}")
    return list(value)


def _flag(conf: Mapping[str, Any], key: str) -> bool:
    """Metron reads the string with Boolean.parseBoolean; a JSON boolean is taken too."""
    value = conf.get(key)
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if not isinstance(value, str):
        raise ConfigError(f'parserConfig.{key} must be "true" or "false", not {value!r}')
    return value.lower() == "true"
