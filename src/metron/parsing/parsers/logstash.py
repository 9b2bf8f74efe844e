"""Events a Logstash pipeline wrote as JSON (Metron's ``BasicLogstashParser``).

The record is one JSON object.  Logstash's bookkeeping fields ``@version``, ``type``,
``host`` and ``tags`` are removed, a few fields are renamed to Metron's names, and
``@timestamp`` becomes ``timestamp``; every other field is kept as it is (whole numbers
as Longs).  The bytes are always read as UTF-8, as in Metron.

parserConfig keys: none.

Output fields:
    timestamp: ``@timestamp`` (``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'``, read as UTC) in epoch
        milliseconds.  As in Metron the format is lenient: the digits after the dot are a
        count of milliseconds, so ``.123456`` adds 123456 ms.
    original_string: from ``message`` (else the runner's raw record).
    ip_src_addr, ip_dst_addr, ip_src_port, ip_dst_port: from ``src_ip``, ``dst_ip``,
        ``src_port``, ``dst_port``.

A record without a readable ``@timestamp`` is an error (Metron dropped it silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._jsonsimple import load_java
from metron.stellar.stdlib._simpledateformat import get_format
from metron.stellar.types import Long

__all__ = ["LogstashParser"]

_DROPPED = ("@version", "type", "host", "tags")
_RENAMED = (
    ("message", "original_string"),
    ("src_ip", "ip_src_addr"),
    ("dst_ip", "ip_dst_addr"),
    ("src_port", "ip_src_port"),
    ("dst_port", "ip_dst_port"),
)
_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"


@register_parser("logstash", "org.apache.metron.parsers.logstash.BasicLogstashParser")
class LogstashParser(Parser):
    """Logstash JSON events with Metron's field names."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self.read_charset = "utf-8"  # Metron ignores readCharset here
        self._format = get_format(_FORMAT, "UTC")

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message

    def parse(self, raw: bytes) -> ParseResult:
        try:
            event = load_java(raw)
        except ValueError as e:
            raise ParserError(f"not a Logstash JSON event: {e}") from None
        if type(event) is not dict:
            raise ParserError("not a Logstash JSON event: the record is not a JSON object")
        for key in _DROPPED:
            event.pop(key, None)
        for old, new in _RENAMED:
            if old in event:
                event[new] = event.pop(old)
        stamp = event.pop("@timestamp", None)
        if not isinstance(stamp, str):
            raise ParserError(f"'@timestamp' must be a date string, not {stamp!r}")
        millis = self._format.parse(stamp)
        if millis is None:
            raise ParserError(f"'@timestamp' {stamp!r} does not match {_FORMAT}")
        event["timestamp"] = Long(millis)
        return ParseResult([event])
