"""Cisco ISE syslog (Metron's ``BasicIseParser``, a JavaCC grammar).

The record (trimmed) is read as ``header=<record>``: comma-separated ``key=value`` pairs,
where everything before the first comma is the ``header`` value.  A value that itself
starts ``key=`` becomes a nested object, one level per ``=`` (ISE's ``\\,``-separated
attribute lists nest deeply, as in Metron); ``\\,`` stays in the text; ``key=,`` is null.
See ``_isegrammar`` for the exact token and grammar rules.

As in Metron: a record the grammar rejects, or whose address fields are nested objects, is
dropped without an error; a lexical error (a tab or ``"`` where a token starts, a ``\\u``
that is not a unicode escape such as ``DOMAIN\\user``) is a parser error.  Messages have
no ``timestamp`` and are always valid.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    header: the text before the first comma (the syslog header and message).
    every key of the record, trimmed, with its value: text, null or a nested object.
    ip_src_addr / ip_src_port: copies of ``Device IP Address`` / ``Device Port``.
    ip_dst_addr / ip_dst_port: copies of ``DestinationIPAddress`` / ``DestinationPort``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron.parsing.base import Parser, ParseResult, register_parser
from metron.parsing.parsers._isegrammar import IseSyntaxError, parse_ise
from metron.parsing.parsers._javatext import java_trim

__all__ = ["IseParser"]

_ADDRESS_FIELDS = (
    ("Device IP Address", "ip_src_addr"),
    ("Device Port", "ip_src_port"),
    ("DestinationIPAddress", "ip_dst_addr"),
    ("DestinationPort", "ip_dst_port"),
)


@register_parser("ise", "org.apache.metron.parsers.ise.BasicIseParser")
class IseParser(Parser):
    """Cisco ISE key/value syslog."""

    def parse(self, raw: bytes) -> ParseResult:
        try:
            payload = parse_ise("header=" + java_trim(self.decode(raw)))
        except IseSyntaxError:
            return ParseResult()  # Metron logs the ParseException and drops the record
        copies = [(target, payload.get(source)) for source, target in _ADDRESS_FIELDS]
        if any(value is not None and not isinstance(value, str) for _, value in copies):
            return ParseResult()  # a ClassCastException, swallowed the same way
        for target, value in copies:
            if value is not None:
                payload[target] = value
        return ParseResult([payload])

    def validate(self, message: Mapping[str, Any]) -> bool:
        return True
