"""What Metron's two syslog parsers share (``BaseSyslogParser`` over simple-syslog 0.0.3).

A record is split into lines (CR, LF or CRLF); each non-blank line is read by the RFC's
grammar as the simple-syslog library reads it, and becomes one message:

- the library's grammar has a token for each character up to U+00FF only: a line holding
  any other character is an error;
- a line the grammar rejects, or a blank line, is an error for that line;
- ``original_string`` is the whole record, not the line;
- ``timestamp`` is read from ``syslog.header.timestamp`` by Metron's ``SyslogUtils`` in the
  ``deviceTimeZone`` (UTC by default).  Without a header timestamp it is the current time in
  *seconds* (a Metron quirk).  A timestamp of no supported shape is an error keyed by the
  whole record, one java.time refuses is an error keyed by the line.

Errors are collected per distinct key, in the order Metron's HashMap gives them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, tzinfo
from typing import Any

from metron.errors import ConfigError
from metron.parsing.base import ParserError, ParseResult
from metron.parsing.parsers._javatext import java_lines, java_trim, result_error_order
from metron.parsing.parsers._syslogtime import (
    DateTimeError,
    UnsupportedDateFormat,
    device_zone,
    syslog_millis,
)

__all__ = [
    "HEADER_TIMESTAMP",
    "ISO_TIMESTAMP",
    "SyslogSyntaxError",
    "check_line",
    "config_zone",
    "message_field",
    "parse_record",
    "priority_fields",
]

HEADER_TIMESTAMP = "syslog.header.timestamp"

#: full-date "T" full-time, as the grammars spell them (1 to 6 fraction digits).
ISO_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_BEYOND_LATIN1 = re.compile("[^\x00-\xff]")


class SyslogSyntaxError(ParserError):
    """The line is not what the RFC grammar accepts (the library's ParseException)."""


def config_zone(config: Mapping[str, Any]) -> tzinfo:
    """The ``deviceTimeZone`` of a parserConfig (UTC when absent)."""
    zone_id = config.get("deviceTimeZone")
    if zone_id is None:
        return UTC
    if not isinstance(zone_id, str):
        raise ConfigError(f"parserConfig 'deviceTimeZone' must be a zone id, not {zone_id!r}")
    return device_zone(zone_id)


def check_line(line: str) -> None:
    """The checks before the grammar: not blank, only characters the lexer knows."""
    if not java_trim(line):
        raise SyslogSyntaxError("syslogLine cannot be null")
    bad = _BEYOND_LATIN1.search(line)
    if bad is not None:
        raise SyslogSyntaxError(
            f"Syntax error @ 1:{bad.start()} token recognition error at: {bad.group()!r}"
        )


def priority_fields(fields: dict[str, Any], pri: str | None) -> None:
    """``syslog.header.pri`` as written, with its severity and facility numbers (as text)."""
    if pri is not None:
        value = int(pri)
        fields["syslog.header.pri"] = pri
        fields["syslog.header.severity"] = str(value % 8)
        fields["syslog.header.facility"] = str(value // 8)


def message_field(fields: dict[str, Any], text: str) -> None:
    """The message: present when any text follows the header, trimmed as Java trims."""
    if text:
        fields["syslog.message"] = java_trim(text)


def parse_record(
    text: str, parse_line: Callable[[str], dict[str, Any]], zone: tzinfo
) -> ParseResult:
    """Every line of ``text`` through ``parse_line``, with Metron's timestamps and errors."""
    messages: list[dict[str, Any]] = []
    errors: dict[str, Exception] = {}
    for line in java_lines(text):
        try:
            message = parse_line(line)
        except ParserError as e:
            errors[line] = e
            continue
        message["original_string"] = text
        stamp = message.get(HEADER_TIMESTAMP)
        if stamp is not None and stamp != "-":
            try:
                message["timestamp"] = syslog_millis(stamp, zone)
            except UnsupportedDateFormat as e:
                errors[text] = e
                continue
            except DateTimeError as e:
                errors[line] = e
                continue
        else:
            message["timestamp"] = int(time.time())  # seconds, as Metron does here
        messages.append(message)
    ordered = result_error_order(list(errors))
    return ParseResult(messages, [(key, errors[key]) for key in ordered])
