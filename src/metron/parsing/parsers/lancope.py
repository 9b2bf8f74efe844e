"""Lancope StealthWatch alarms shipped through Logstash as JSON (Metron's ``BasicLancopeParser``).

The record is a Logstash JSON event whose ``message`` is StealthWatch's syslog line::

    <131>Jul 17 15:27:27 smc-01 StealthWatch[12365]: 2014-06-24T14:37:58Z 10.0.0.9 10.0.0.1 ...

Split on single spaces, the sixth word is the alarm time, the seventh the source host and
the eighth the target host.  The other fields of the event (``@version``, ``type``,
``host``, ...) are kept; ``@timestamp`` and ``message`` are removed.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    timestamp: the alarm time (``yyyy-MM-ddTHH:mm:ssZ``, read as UTC) in epoch milliseconds.
    ip_src_addr, ip_dst_addr: the seventh and eighth words of the message.
    original_string: the message.

A record that is not JSON, has no ``message``, or whose message has fewer than eight
words or no readable time is an error (Metron dropped most of these silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._jsonsimple import java_to_string, load_java
from metron.stellar.stdlib._simpledateformat import get_format
from metron.stellar.types import Long

__all__ = ["LancopeParser"]

_FORMAT = "yyyy-MM-dd HH:mm:ss"
_JAVA_SPACE = "".join(map(chr, range(33)))  # what Java's String.trim() removes


@register_parser("lancope", "org.apache.metron.parsers.lancope.BasicLancopeParser")
class LancopeParser(Parser):
    """StealthWatch alarms: source, target and time from the syslog message."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self._format = get_format(_FORMAT, "UTC")

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message

    def parse(self, raw: bytes) -> ParseResult:
        try:
            event = load_java(self.decode(raw))
        except ValueError as e:
            raise ParserError(f"not a JSON event: {e}") from None
        if type(event) is not dict:
            raise ParserError("not a JSON event: the record is not a JSON object")
        text = event.get("message")
        if text is None:
            raise ParserError("the event has no 'message'")
        message = java_to_string(text)
        words = message.split(" ")
        while words and not words[-1]:
            words.pop()  # Java's split drops trailing empty strings
        if len(words) < 8:
            raise ParserError(f"the message has {len(words)} words, not the 8 or more expected")
        stamp = words[5].replace("T", " ").replace("Z", " ").strip(_JAVA_SPACE)
        millis = self._format.parse(stamp)
        if millis is None:
            raise ParserError(f"the alarm time {words[5]!r} is not a date")
        event["ip_src_addr"] = words[6]
        event["ip_dst_addr"] = words[7]
        event["timestamp"] = Long(millis)
        event.pop("@timestamp", None)
        del event["message"]
        event["original_string"] = message
        return ParseResult([event])
