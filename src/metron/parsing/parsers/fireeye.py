"""FireEye CMS alerts sent as syslog with a CEF body (Metron's ``BasicFireEyeParser``).

A record is a line such as ``<164>Mar 19 05:24:39 10.1.1.1 fenotify-851983.alert:
CEF:0|FireEye|CMS|...|rt=... dvc=10.2.2.2 ... cs1=Trojan.Generic.DNS``.  Text before the
syslog priority is dropped.  For a single-part alert (``fenotify-<id>.alert:`` as the
fifth blank-separated word) the ``key=value`` pairs of the last ``|`` part become fields;
multi-part alerts (``fenotify-<id>.<n>.alert:``) keep only the line.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    original_string: the line from its (last) priority ``<nnn>`` on.
    timestamp: epoch ms of the first ``Mmm d hh:mm:ss a.b.c.d`` of the line, in the
        current year, read as GMT (lenient: day 32 rolls into the next month); 0 when the
        line has none.
    ip_src_addr: the ``dvc`` value; ip_src_port: ``spt``; ip_dst_addr: ``dst``;
        ip_dst_port: ``cn3`` (all text).
    every ``key=value`` pair, renamed as Metron renames them, by replacing text anywhere
        in the line: ``cn3`` -> ``dst_port``, ``cs5`` -> ``cncHost``, ``proto`` ->
        ``protocol``, ``rt=`` -> ``timestamp=``, ``cs1`` -> ``malware``, ``dst=`` ->
        ``dst_ip=``, ``shost`` -> ``src_hostname``, ``dmac`` -> ``dst_mac``, ``smac`` ->
        ``src_mac``, ``spt`` -> ``src_port``, the word ``src`` -> ``src_ip`` (so
        ``cs1Label`` is ``malwareLabel``).  A repeated key joins its values with ``,``.

Quirks kept from Metron: the first and the last blank-separated words of the line are
left out of the pairs, so the line's last pair is never read, and a pair is read only
when a blank follows its value; values are trimmed.

A line of fewer than five words is an error, as is a timestamp whose month Java does
not know.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Final

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._fireeye import convert_to_epoch, pairs
from metron.parsing.parsers._javatext import java_split, java_trim
from metron.stellar.types import Long

__all__ = ["FireEyeParser"]

_SPACE: Final = r"[ \t\n\x0b\f\r]"  # Java's \s
_PRIORITY = re.compile(r"<[1-9][0-9]*>")
_BLANKS = re.compile(rf"{_SPACE}+")
_STAMP = re.compile(
    rf"([a-zA-Z]{{3}}){_SPACE}+([0-9]+){_SPACE}+([0-9]+:[0-9]+:[0-9]+){_SPACE}+[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+"
)
_SRC_WORD = re.compile(r"\bsrc\b")
# Metron's renames, in its order; each replaces the text wherever it occurs.
_RENAMES: Final = (
    ("cn3", "dst_port"),
    ("cs5", "cncHost"),
    ("proto", "protocol"),
    ("rt=", "timestamp="),
    ("cs1", "malware"),
    ("dst=", "dst_ip="),
    ("shost", "src_hostname"),
    ("dmac", "dst_mac"),
    ("smac", "src_mac"),
    ("spt", "src_port"),
)
_IP_FIELDS: Final = (
    ("dvc", "ip_src_addr"),
    ("src_port", "ip_src_port"),
    ("dst_ip", "ip_dst_addr"),
    ("dst_port", "ip_dst_port"),
)


def _pairs(syslog: str) -> dict[str, str]:
    text = syslog
    for old, new in _RENAMES:
        text = text.replace(old, new)
    text = _SRC_WORD.sub("src_ip", text)
    parts = java_split(text, "|")
    values: dict[str, list[str]] = {}
    if parts:
        for key, value in pairs(parts[-1]):
            values.setdefault(key, []).append(value)
    return {key: java_trim(",".join(found)) for key, found in values.items()}


@register_parser("fireeye", "org.apache.metron.parsers.fireeye.BasicFireEyeParser")
class FireEyeParser(Parser):
    """FireEye alerts: CEF key=value pairs of single-part alerts, and the syslog time."""

    def parse(self, raw: bytes) -> ParseResult:
        line = self.decode(raw)
        priorities = _PRIORITY.findall(line)
        if priorities:
            # Metron splits the line at its last priority (all of its occurrences) and
            # keeps the part after the first of them.
            delimiter = priorities[-1]
            parts = java_split(line, delimiter)
            if len(parts) > 1:
                line = delimiter + parts[1]
        words = java_split(line, _BLANKS)
        if len(words) < 5:
            raise ParserError(f"Unable to parse {self.decode(raw)}: fewer than five words")
        message: dict[str, Any] = {}
        if len(java_split(words[4], ".")) == 2:
            message.update(_pairs(" ".join(words[1:-1])))
        message["original_string"] = line
        for source, target in _IP_FIELDS:
            value = message.get(source)
            if value is not None:
                message[target] = value
        message["timestamp"] = Long(self._timestamp(line))
        return ParseResult([message])

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message

    @staticmethod
    def _timestamp(line: str) -> int:
        m = _STAMP.search(line)
        if m is None:
            return 0
        year = time.gmtime().tm_year
        try:
            return convert_to_epoch(m.group(1), m.group(2), m.group(3), year)
        except ValueError as e:
            raise ParserError(f"Unable to parse {line}: {e}") from None
