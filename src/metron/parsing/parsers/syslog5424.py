"""RFC 5424 syslog (Metron's ``Syslog5424Parser``, built on simple-syslog 0.0.3).

``<pri>version timestamp hostname app-name procid msgid structured-data msg``, one message
per line of a record.  As Metron configures the library, the priority and the version may
be missing.  Fields are kept as written (structured-data values keep their ``\\"``,
``\\\\`` and ``\\]`` escapes); ``-`` is the nil value of a header field.  Octet-counted
framing (RFC 5425/6587) is not read, as in Metron: a leading length becomes part of the
version or an error.  A structured-data element that does not parse after a valid one
starts the message.

parserConfig keys:
    nilPolicy: what a nil (``-``) header field gives: ``OMIT`` (default: no field), ``DASH``
        (the field is ``-``) or ``NULL`` (the field is null).  Metron ships ``DASH``.
    deviceTimeZone: a Java zone id; only year-less timestamps would use it (default UTC).
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    syslog.header.pri, syslog.header.severity, syslog.header.facility: the priority as
        written and its severity (pri % 8) and facility (pri / 8), all text.
    syslog.header.version, syslog.header.timestamp, syslog.header.hostName,
        syslog.header.appName, syslog.header.procId, syslog.header.msgId: as written (an
        empty field between two spaces is an empty string).
    syslog.structuredData.<SD-ID>.<PARAM-NAME>: each structured-data parameter.
    syslog.message: the message, trimmed; absent when nothing follows the header.
    timestamp: epoch ms of the header timestamp; the current time in seconds when it is nil.
    original_string: the whole record.
"""

from __future__ import annotations

import re
from typing import Any

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParseResult, register_parser
from metron.parsing.parsers._syslog import (
    HEADER_TIMESTAMP,
    ISO_TIMESTAMP,
    SyslogSyntaxError,
    check_line,
    config_zone,
    message_field,
    parse_record,
    priority_fields,
)

__all__ = ["Syslog5424Parser"]

_NAME = r"[!#-<>-\\^-~]*"  # PRINTUSASCII but '"', '=' and ']'
_VALUE = r'(?:[^"\\\]]|\\["\\\]])*'
_ELEMENT = rf'\[{_NAME}(?: {_NAME}="{_VALUE}")*\]'
_LINE = re.compile(
    r"(?:<([0-9]{1,3})>)?([1-9][0-9]{0,2})? ?"
    rf"(-|{ISO_TIMESTAMP}) ([!-~]*) ([!-~]*) ([!-~]*) ([!-~]*) "
    rf"(-|(?:{_ELEMENT})+) ?(.*)",
    re.DOTALL,
)
_ELEMENT_PARTS = re.compile(rf'\[({_NAME})((?: {_NAME}="{_VALUE}")*)\]')
_PARAM = re.compile(rf' ({_NAME})="({_VALUE})"')
_HEADER_KEYS = (
    HEADER_TIMESTAMP,
    "syslog.header.hostName",
    "syslog.header.appName",
    "syslog.header.procId",
    "syslog.header.msgId",
)
_NIL_VALUES = {"OMIT": ..., "DASH": "-", "NULL": None}


@register_parser("syslog5424", "org.apache.metron.parsers.syslog.Syslog5424Parser")
class Syslog5424Parser(Parser):
    """RFC 5424 lines with simple-syslog's field names."""

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        policy = self.config.get("nilPolicy", "OMIT")
        if policy not in _NIL_VALUES:
            raise ConfigError(
                f"parserConfig 'nilPolicy' must be OMIT, DASH or NULL, not {policy!r}"
            )
        self._nil = _NIL_VALUES[policy]
        self._zone = config_zone(self.config)

    def parse(self, raw: bytes) -> ParseResult:
        return parse_record(self.decode(raw), self._line, self._zone)

    def _line(self, line: str) -> dict[str, Any]:
        check_line(line)
        m = _LINE.match(line)
        if m is None:
            raise SyslogSyntaxError(f"Syntax error: not an RFC 5424 line: {line[:80]!r}")
        pri, version, *header, structured, text = m.groups()
        fields: dict[str, Any] = {}
        priority_fields(fields, pri)
        if version is not None:
            fields["syslog.header.version"] = version
        for key, value in zip(_HEADER_KEYS, header):
            if value != "-":
                fields[key] = value
            elif self._nil is not ...:
                fields[key] = self._nil
        if structured != "-":
            for element in _ELEMENT_PARTS.finditer(structured):
                prefix = f"syslog.structuredData.{element[1]}."
                for param in _PARAM.finditer(element[2]):
                    fields[prefix + param[1]] = param[2]
        message_field(fields, text)
        return fields
