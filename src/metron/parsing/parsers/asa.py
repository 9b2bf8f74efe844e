"""Cisco ASA syslog (Metron's ``BasicAsaParser``).

A record is one syslog line: ``<pri>timestamp [host] [prog] %ASA-s-nnnnnn: message``.  The
header is read with ``CISCO_TAGGED_SYSLOG``; the message is then matched (anywhere in the
rest of the line, as Metron's grok does) with the one ``CISCOFW*`` pattern of the
``patterns/asa`` file that Metron maps its tag to.  Lines whose tag has no pattern, or whose
message does not match it, still give the header fields.

parserConfig keys:
    deviceTimeZone: the time zone of the device clock, a ``java.time.ZoneId``
        (``UTC``, ``America/New_York``, ``+05:30``, ``UTC-05:00``; default UTC).
    readCharset: accepted; as in Metron the line is always read as UTF-8.

Output fields:
    timestamp: the header time in epoch milliseconds.  A time without a year is in the
        device clock's current year, or the year before when that would put it more than
        four days ahead of the clock; a day past the end of its month (``Feb 30 2016``)
        becomes the last day in the form with a year, and is an error without one.
    ciscotag: the tag without ``%`` (``ASA-6-302013``).
    syslog_facility / syslog_severity: from the priority (``local4``, ``info``; facilities
        Metron does not name are ``unknown``).
    syslog_host / syslog_prog: the host and program of the header, when present (a value
        of digits only is a number, as Metron's grok gives it).
    original_string: the line.
    ip_src_addr, ip_src_port, ip_dst_addr, ip_dst_port: from the message, when its
        pattern has them (ports are numbers).
    protocol, action: from the message, lower-cased (``tcp``, ``built``).

Message tags with a pattern (the tag's severity is part of the key, as in Metron):
ASA-2-106001, ASA-2-106006, ASA-2-106007, ASA-2-106010, ASA-3-106014, ASA-6-106015,
ASA-1-106021, ASA-4-106023, ASA-5-106100, ASA-6-110002, ASA-6-302010, ASA-6-302013,
ASA-6-302014, ASA-6-302015, ASA-6-302016, ASA-6-302020, ASA-6-302021, ASA-6-305011,
ASA-6-305012, ASA-3-313001, ASA-3-313004, ASA-3-313008, ASA-4-313005, ASA-4-402117,
ASA-4-402119, ASA-4-419001, ASA-4-419002, ASA-4-500004, ASA-6-602303, ASA-6-602304,
ASA-7-609001, ASA-7-609002, ASA-7-710001, ASA-7-710002, ASA-7-710003, ASA-7-710005,
ASA-7-710006, ASA-6-713172, ASA-5-713041, ASA-4-733100.

A message (the text after the tag) longer than 512 characters is not matched against its
pattern and gives the header fields only: no real ASA message is that long (RFC 3164 caps
a whole line at 1024 bytes), and the patterns' runs of lazy wildcards backtrack
polynomially, to the fifth power and more, on hostile text (in Metron too).

Errors, as in Metron: a line that is not ASA syslog, a timestamp of another shape
(``Jan 5 08:52:35`` with one space, a fraction of a second, a two-digit year), a
protocol of digits only or a port beyond a Java int, and a captured value that is a lone
quote character (Metron's grok fails on it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, Final, cast

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.grok import Grok
from metron.parsing.parsers._asa import (
    FACILITIES,
    SEVERITIES,
    device_zone,
    grok_value,
    syslog_millis,
)
from metron.stellar.types import Long

__all__ = ["AsaParser"]

#: Metron's map of ciscotag to pattern.
TAG_PATTERNS: Final[dict[str, str]] = {
    "ASA-2-106001": "CISCOFW106001",
    **dict.fromkeys(
        ("ASA-2-106006", "ASA-2-106007", "ASA-2-106010"), "CISCOFW106006_106007_106010"
    ),
    "ASA-3-106014": "CISCOFW106014",
    "ASA-6-106015": "CISCOFW106015",
    "ASA-1-106021": "CISCOFW106021",
    "ASA-4-106023": "CISCOFW106023",
    "ASA-5-106100": "CISCOFW106100",
    "ASA-6-110002": "CISCOFW110002",
    "ASA-6-302010": "CISCOFW302010",
    **dict.fromkeys(
        ("ASA-6-302013", "ASA-6-302014", "ASA-6-302015", "ASA-6-302016"),
        "CISCOFW302013_302014_302015_302016",
    ),
    **dict.fromkeys(("ASA-6-302020", "ASA-6-302021"), "CISCOFW302020_302021"),
    "ASA-6-305011": "CISCOFW305011",
    "ASA-6-305012": "CISCOFW305012",
    **dict.fromkeys(
        ("ASA-3-313001", "ASA-3-313004", "ASA-3-313008"), "CISCOFW313001_313004_313008"
    ),
    "ASA-4-313005": "CISCOFW313005",
    "ASA-4-402117": "CISCOFW402117",
    "ASA-4-402119": "CISCOFW402119",
    "ASA-4-419001": "CISCOFW419001",
    "ASA-4-419002": "CISCOFW419002",
    "ASA-4-500004": "CISCOFW500004",
    **dict.fromkeys(("ASA-6-602303", "ASA-6-602304"), "CISCOFW602303_602304"),
    **dict.fromkeys(
        ("ASA-7-710001", "ASA-7-710002", "ASA-7-710003", "ASA-7-710005", "ASA-7-710006"),
        "CISCOFW710001_710002_710003_710005_710006",
    ),
    "ASA-6-713172": "CISCOFW713172",
    "ASA-4-733100": "CISCOFW733100",
    "ASA-7-609001": "CISCOFW609001",
    "ASA-7-609002": "CISCOFW609002",
    "ASA-5-713041": "CISCOFW713041",
}

#: Longer messages are not matched against their pattern (header fields only).  Runs of lazy
#: wildcards in the patterns backtrack polynomially (to the fifth power and more) on hostile
#: text, and no real ASA message comes near this length (RFC 3164: 1024 bytes a line).
MAX_MESSAGE: Final = 512

_HEADER_FIELDS = (
    "syslog_pri",
    "CISCOTIMESTAMP",
    "syslog_host",
    "syslog_prog",
    "CISCOTAG",
    "message",
)
_Header = tuple[str, str, str | None, str | None, str, str]
# The message fields Metron copies, in the order it reads them.
_OUT_FIELDS = ("src_ip", "src_port", "dst_ip", "dst_port", "protocol", "action")


_DATA_REF = re.compile(r"%\{(DATA|GREEDYDATA)(?::([A-Za-z0-9_]+))?\}")
_REF = re.compile(r"%\{([A-Za-z0-9_]+)")


def _getter(groups: tuple[int, ...]) -> Callable[[re.Match[str]], tuple[str | None, ...]]:
    """A function returning the values of ``groups`` of a match, always as a tuple."""
    if not groups:
        return lambda m: ()
    if len(groups) == 1:
        (only,) = groups
        return lambda m: (m[only],)
    return itemgetter(*groups)


class _Compiled:
    """One grok pattern as the parser reads it: the regex and the groups of its fields.

    ``values`` gives the fields of ``fields`` (those of the wanted ones the pattern has);
    ``quotable`` gives the fields that can hold a lone quote character, which java-grok
    fails on (it strips matching quotes from a value, and a value of one quote breaks it).
    Only DATA and GREEDYDATA captures can; every other pattern excludes quotes.
    """

    __slots__ = ("fields", "quotable", "regex", "values")

    def __init__(self, grok: Grok, label: str, wanted: tuple[str, ...]) -> None:
        pattern = grok.compile("%{" + label + "}")
        self.regex: re.Pattern[str] = pattern.regex
        index = {field: i + 1 for field, i in pattern.fields}
        self.fields: tuple[str, ...] = tuple(f for f in wanted if f in index)
        self.values = _getter(tuple(index[f] for f in self.fields))
        quotable = {index[f] for f in _data_fields(grok.patterns, label) if f in index}
        self.quotable = _getter(tuple(sorted(quotable)))

    def lone_quote(self, m: re.Match[str]) -> bool:
        """Does a field of the match hold just a quote character?"""
        values = self.quotable(m)
        return '"' in values or "'" in values


def _data_fields(patterns: Mapping[str, str], label: str) -> set[str]:
    """The fields of the DATA and GREEDYDATA references in ``label``, at any depth."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = [label]
    while todo:
        body = patterns[todo.pop()]
        for m in _DATA_REF.finditer(body):
            found.add(m.group(2) or m.group(1))
        for name in _REF.findall(body):
            if name not in seen and name not in ("DATA", "GREEDYDATA"):
                seen.add(name)
                todo.append(name)
    return found


def _patterns() -> tuple[_Compiled, dict[str, _Compiled]]:
    grok = Grok.from_files(["/patterns/common", "/patterns/asa"])
    header = _Compiled(grok, "CISCO_TAGGED_SYSLOG", _HEADER_FIELDS)
    by_label = {label: _Compiled(grok, label, _OUT_FIELDS) for label in set(TAG_PATTERNS.values())}
    return header, {tag: by_label[label] for tag, label in TAG_PATTERNS.items()}


_COMPILED: tuple[_Compiled, dict[str, _Compiled]] | None = None


def _compiled() -> tuple[_Compiled, dict[str, _Compiled]]:
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = _patterns()
    return _COMPILED


@register_parser("asa", "org.apache.metron.parsers.asa.BasicAsaParser")
class AsaParser(Parser):
    """Cisco ASA syslog lines, with the fields of the messages Metron knows."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        zone_id = self.config.get("deviceTimeZone")
        self.zone = device_zone(zone_id) if zone_id is not None else device_zone("UTC")
        self._header, self._by_tag = _compiled()
        #: The device clock, in epoch seconds (tests replace it).
        self.clock: Callable[[], float] = time.time
        self._second = -1
        self._recent: dict[str, int] = {}  # year-less timestamps, valid for one clock second
        self._dated: dict[str, int] = {}

    def decode(self, raw: bytes) -> str:
        return raw.decode("utf-8", errors="replace")

    def validate(self, message: Mapping[str, Any]) -> bool:
        return "original_string" in message and "timestamp" in message

    def parse(self, raw: bytes) -> ParseResult:
        line = raw.decode("utf-8", errors="replace")
        # " %" is part of every header; testing for it first spares the header regex
        # (whose host and program parts backtrack) most text that is not ASA syslog.
        m = self._header.regex.match(line) if " %" in line else None
        if m is None:
            raise ParserError(
                f"[Metron] Message '{line}' does not match pattern '%{{CISCO_TAGGED_SYSLOG}}'"
            )
        # syslog_pri, CISCOTIMESTAMP, CISCOTAG and message always take part in a match
        pri, stamp, host, prog, tag, rest = cast(_Header, self._header.values(m))
        if rest == '"' or rest == "'":
            raise ParserError("a captured value is a lone quote character")
        priority = grok_value(pri)
        if type(priority) is not int:
            raise ParserError(f"the priority {pri} does not fit a Java int")
        message: dict[str, Any] = {
            "original_string": line,
            "timestamp": Long(self._millis(stamp)),
            "ciscotag": tag,
            "syslog_severity": SEVERITIES[priority & 7],
            "syslog_facility": FACILITIES.get(priority >> 3, "unknown"),
        }
        if host is not None:
            message["syslog_host"] = grok_value(host)
        if prog is not None:
            message["syslog_prog"] = grok_value(prog)
        compiled = self._by_tag.get(tag)
        if compiled is not None and len(rest) <= MAX_MESSAGE:
            found = compiled.regex.search(rest)
            if found is not None:
                if compiled.lone_quote(found):
                    raise ParserError("a captured value is a lone quote character")
                for name, value in zip(compiled.fields, compiled.values(found)):
                    if value is not None:
                        key, convert = _OUTPUT[name]
                        message[key] = value if convert is None else convert(value)
        return ParseResult([message])

    def _millis(self, stamp: str) -> int:
        now_ms = int(self.clock() * 1000)
        second = now_ms // 1000
        if second != self._second:
            self._second = second
            self._recent.clear()
        millis = self._recent.get(stamp)
        if millis is None:
            millis = self._dated.get(stamp)
        if millis is None:
            millis = syslog_millis(stamp, self.zone, now_ms)
            if len(stamp) == 20:  # "MMM dd yyyy HH:mm:ss": the clock plays no part
                if len(self._dated) > 10_000:
                    self._dated.clear()
                self._dated[stamp] = millis
            else:
                self._recent[stamp] = millis
        return millis


def _port(value: str) -> int:
    port = int(value)  # the pattern's INT: [+-]?[0-9]+
    if not _INT_MIN <= port <= _INT_MAX:
        raise ParserError(f"the port {value} does not fit a Java int (Metron's grok keeps it text)")
    return port


def _protocol(value: str) -> str:
    if value.isdigit() and int(value) <= _INT_MAX:  # the pattern's WORD is ASCII
        raise ParserError(f"the protocol '{value}' is a number (Metron's grok makes it an int)")
    return value.lower()


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# message field -> (output field, conversion)
_OUTPUT: Final[dict[str, tuple[str, Callable[[str], Any] | None]]] = {
    "src_ip": ("ip_src_addr", None),
    "src_port": ("ip_src_port", _port),
    "dst_ip": ("ip_dst_addr", None),
    "dst_port": ("ip_dst_port", _port),
    "protocol": ("protocol", _protocol),
    "action": ("action", str.lower),
}
