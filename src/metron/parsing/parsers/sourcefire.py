"""Sourcefire (FirePOWER / Snort) syslog alerts (Metron's ``BasicSourcefireParser``).

A record is one line that ends with the connection: ``... {TCP} 10.1.1.5:51234 ->
192.0.2.8:443``.  Everything is read from the last ``{``: the protocol between the braces,
the source before ``->`` and the destination after it, each ``address:port`` or a bare
address.  The signature id is the last ``[gid:sid:rev]`` of the line.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    protocol: the text between the last ``{`` and the next ``}``, lower-cased.
    ip_src_addr / ip_src_port: the text between ``}`` and ``->``, trimmed, split at ``:``
        (the port is text, as in Metron; an IPv6 address is cut at its first colon).
    ip_dst_addr / ip_dst_port: the same for the text after ``->``.
    key: the line from the last ``{`` on.
    signature_id: the last ``[gid:sid:rev]`` of the line (a one-digit revision), or an
        empty string.
    original_string: the line, with a blank added on each side of that signature
        (``a [1:2:3] b`` for ``a[1:2:3]b``), as Metron writes it; the line as read when it
        has none.
    timestamp: the current time in epoch milliseconds (the line's own time is not read).

A line without ``{``, ``}`` after it, or ``->`` after that, is an error.  (Metron drops
such a line without a trace: its parser returns nothing.  Here it is a ``parser_error``.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Final

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._javatext import java_split, java_trim
from metron.stellar.types import Long

__all__ = ["SourcefireParser"]

_SID = re.compile(r"\[[0-9]+:[0-9]+:[0-9]\]")
_TERMINATORS: Final = "\n\r\x85\u2028\u2029"  # Java's line terminators


def _signature(line: str) -> tuple[str, str, str] | None:
    """What Metron's ``(.*)(\\[[0-9]+:[0-9]+:[0-9]\\])(.*)$`` finds, in linear time.

    Java's ``.`` stops at line terminators and ``$`` is the end or the place before a final
    terminator, so a match lies in the last line and starts where that line starts; the
    greedy first group puts the signature at its last place in that line.
    """
    end = len(line)
    if line.endswith("\r\n"):
        end -= 2
    elif end and line[-1] in _TERMINATORS:
        end -= 1
    start = max(line.rfind(c, 0, end) for c in _TERMINATORS) + 1
    last = None
    for last in _SID.finditer(line, start, end):  # noqa: B007  (signatures never overlap)
        pass
    if last is None:
        return None
    return line[start : last.start()], last.group(), line[last.end() : end]


def _address(text: str, what: str) -> tuple[str, str | None]:
    """``address:port`` split as Java's ``split(":")`` does (trailing empty parts dropped)."""
    if ":" not in text:
        return text, None
    parts = java_split(text, ":")
    if len(parts) < 2:
        raise ParserError(f"the {what} '{text}' has no port after its ':'")
    return parts[0], parts[1]


@register_parser("sourcefire", "org.apache.metron.parsers.sourcefire.BasicSourcefireParser")
class SourcefireParser(Parser):
    """Sourcefire alert lines: the connection at the end and the signature id."""

    def parse(self, raw: bytes) -> ParseResult:
        line = self.decode(raw)
        brace = line.rfind("{")
        if brace < 0:
            raise ParserError("no '{protocol}' in the line")
        key = line[brace:]
        close = key.find("}")
        arrow = key.find("->")
        if close < 0:
            raise ParserError("no '}' after the last '{'")
        if arrow < close + 1:
            raise ParserError("no '->' between the source and the destination")
        message: dict[str, Any] = {"key": key, "protocol": key[1:close].lower()}
        src, src_port = _address(java_trim(key[close + 1 : arrow]), "source")
        dst, dst_port = _address(java_trim(key[arrow + 2 :]), "destination")
        message["ip_src_addr"] = src
        if src_port is not None:
            message["ip_src_port"] = src_port
        message["ip_dst_addr"] = dst
        if dst_port is not None:
            message["ip_dst_port"] = dst_port
        message["timestamp"] = Long(time.time_ns() // 1_000_000)
        found = _signature(line)
        if found is None:
            message["original_string"] = line
            message["signature_id"] = ""
        else:
            head, sid, tail = found
            message["original_string"] = f"{head} {sid} {tail}"
            message["signature_id"] = sid
        return ParseResult([message])

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message
