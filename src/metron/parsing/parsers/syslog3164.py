"""RFC 3164 (BSD) syslog (Metron's ``Syslog3164Parser``, built on simple-syslog 0.0.3).

``<pri>timestamp hostname msg``, one message per line of a record; the priority may be
missing.  The timestamp is ``Mmm dd hh:mm:ss`` (one or two spaces before the day, one or two
day digits, optional fraction) or an RFC 5424 timestamp.  The grammar accepts more
timestamp shapes than Metron can read: ``Jan 5 ...`` (one space, one digit), ``Jan 05`` with
two spaces, or a fraction is an "Unsupported date format" error for the record.

parserConfig keys:
    deviceTimeZone: the Java zone id of the devices' clocks, for the year-less timestamps
        (default UTC).  The year is the device clock's, or the year before when that would
        put the date more than four days ahead.
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    syslog.header.pri, syslog.header.severity, syslog.header.facility: the priority as
        written and its severity (pri % 8) and facility (pri / 8), all text.
    syslog.header.timestamp: as written (``Jan  5 08:52:35``).
    syslog.header.hostName: as written (may be empty).
    syslog.message: the rest of the line, trimmed (empty when nothing follows the host).
    timestamp: epoch ms of the header timestamp.
    original_string: the whole record.
"""

from __future__ import annotations

import re
from typing import Any

from metron.parsing.base import Parser, ParseResult, register_parser
from metron.parsing.parsers._javatext import java_trim
from metron.parsing.parsers._syslog import (
    HEADER_TIMESTAMP,
    ISO_TIMESTAMP,
    SyslogSyntaxError,
    check_line,
    config_zone,
    parse_record,
    priority_fields,
)

__all__ = ["Syslog3164Parser"]

_BSD_TIMESTAMP = r"[A-Z][a-z]{2} {1,2}[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
_LINE = re.compile(
    rf"(?:<([0-9]{{1,3}})>)? ?({ISO_TIMESTAMP}|{_BSD_TIMESTAMP}) ([!-~]*) (.*)", re.DOTALL
)


@register_parser("syslog3164", "org.apache.metron.parsers.syslog.Syslog3164Parser")
class Syslog3164Parser(Parser):
    """RFC 3164 lines with simple-syslog's field names."""

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self._zone = config_zone(self.config)

    def parse(self, raw: bytes) -> ParseResult:
        return parse_record(self.decode(raw), self._line, self._zone)

    def _line(self, line: str) -> dict[str, Any]:
        check_line(line)
        m = _LINE.match(line)
        if m is None:
            raise SyslogSyntaxError(f"Syntax error: not an RFC 3164 line: {line[:80]!r}")
        pri, stamp, host, text = m.groups()
        fields: dict[str, Any] = {}
        priority_fields(fields, pri)
        fields[HEADER_TIMESTAMP] = stamp
        fields["syslog.header.hostName"] = host
        fields["syslog.message"] = java_trim(text)  # present, if empty, after the host's space
        return fields
