"""IBM Log Event Extended Format, LEEF 1.0 and 2.0 (Metron's ``LEEFParser``).

Each line of a record is one event: ``[<pri>][timestamp][host] ... LEEF:2.0|Vendor|Product|
Version|EventID|[delimiter|]key=value<delimiter>key=value...``.  Lines without a LEEF header
are skipped.

The attributes are split as Metron splits them:

- LEEF 1.0: at tabs; each attribute at ``=`` (``a=b=c`` keeps ``b``).
- LEEF 2.0: at any character of the delimiter field (tab when absent or empty) not preceded
  by a backslash.  The delimiter is read as Metron reads it, as the inside of a Java regex
  character class: ``^`` is literal, ``x09`` means "x, 0 or 9" (the hex form of the LEEF
  spec is not decoded), and a delimiter that is not a valid class is an error.
- ``LEEF:0``: CEF-style ``key=value key=value`` with ``<x>Label`` renaming.

An attribute without ``=`` (or an empty one between two delimiters) makes the whole record
an error, as does a missing version (``LEEF:|``).

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    DeviceVendor, DeviceProduct, DeviceVersion, DeviceEvent: the header fields.
    every attribute, as written; except:
    ip_src_addr / ip_src_port: from ``src`` / ``srcPort`` (the port an integer);
    ip_dst_addr / ip_dst_port: from ``dst`` / ``dstPort`` (the port an integer);
    timestamp: epoch ms from ``devTime`` (epoch ms, ``devTimeFormat`` when given, else
        ``MMM dd yyyy HH:mm:ss[.SSS[ zzz]]``, read in UTC; as for CEF's ``rt``, a date in
        1970 gets the current year and a date more than four days ahead loses a year), else
        from the syslog timestamp, else the current time.  A ``devTime`` (or syslog time)
        that cannot be read makes that line an error.
    host: the syslog host, when one is read (see the cef parser).
    original_string: the line.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._cefext import Header, cef_extensions, find_leef, int_field, mutate
from metron.parsing.parsers._javatext import (
    java_lines,
    java_split_char,
    result_error_order,
)
from metron.parsing.parsers._syslogtime import (
    LEEF_DATE_FORMATS,
    UnsupportedDateFormat,
    now_ms,
    parse_multiformat,
    syslog_millis,
)
from metron.stellar import javaregex
from metron.stellar.errors import StellarError
from metron.stellar.stdlib._simpledateformat import get_format

__all__ = ["LeefParser"]


def _put_pair(obj: dict[str, Any], pair: str) -> None:
    parts = java_split_char(pair, "=")
    if len(parts) < 2:
        raise ParserError(f"the LEEF attribute {pair[:80]!r} has no key=value form")
    obj[parts[0]] = parts[1]


def _split_attributes(header: Header, obj: dict[str, Any]) -> None:
    version, ext = header.version, header.extension
    if version == "2.0":
        delimiter = header.delimiter or "\\t"
        pattern = "(?<!\\\\)[" + delimiter.replace("^", "\\^").replace("\t", "\\t") + "]"
        try:
            pairs = javaregex.compile(pattern).split(ext)
        except StellarError as e:
            raise ParserError(f"the LEEF delimiter {delimiter!r} is not usable: {e}") from None
        for pair in pairs:
            _put_pair(obj, pair)
    elif version == "1.0":
        for pair in java_split_char(ext, "\t"):
            _put_pair(obj, pair)
    else:
        cef_extensions(ext, obj)


@register_parser("leef", "org.apache.metron.parsers.leef.LEEFParser")
class LeefParser(Parser):
    """LEEF events, one per line, with Metron's field names."""

    def parse(self, raw: bytes) -> ParseResult:
        messages: list[dict[str, Any]] = []
        errors: dict[str, Exception] = {}
        for line in java_lines(self.decode(raw)):
            header = find_leef(line)
            if header is None:
                continue
            if header.version == "":
                # Metron calls equals() on the missing version group: NullPointerException
                raise ParserError(f"the LEEF header has no version: {line[:80]!r}")
            vendor, product, version, event = header.fields
            obj: dict[str, Any] = {
                "DeviceVendor": vendor,
                "DeviceProduct": product,
                "DeviceVersion": version,
                "DeviceEvent": event,
            }
            _split_attributes(header, obj)
            mutate(obj, "dst", "ip_dst_addr")
            mutate(obj, "dstPort", "ip_dst_port")
            int_field(obj, "ip_dst_port")
            mutate(obj, "src", "ip_src_addr")
            mutate(obj, "srcPort", "ip_src_port")
            int_field(obj, "ip_src_port")
            obj["original_string"] = line
            if header.syslog_host:
                obj["host"] = header.syslog_host
            try:
                obj["timestamp"] = _timestamp(obj, header.syslog_time)
            except UnsupportedDateFormat as e:
                errors[line] = e
                continue
            messages.append(obj)
        # Metron collects the failed lines in a HashMap, one error per distinct line.
        ordered = result_error_order(list(errors))
        return ParseResult(messages, [(line, errors[line]) for line in ordered])


def _timestamp(obj: dict[str, Any], syslog_time: str | None) -> int:
    if "devTime" in obj:
        dev_time = obj["devTime"]
        formats: tuple[str, ...] = LEEF_DATE_FORMATS
        try:
            if "devTimeFormat" in obj:
                formats = (obj["devTimeFormat"],)
                get_format(formats[0], None)  # Metron builds the format first: a bad one fails
            return parse_multiformat(dev_time, formats)
        except UnsupportedDateFormat:
            raise UnsupportedDateFormat(
                f"devTime field present in LEEF but cannot be parsed: {dev_time!r}"
            ) from None
        except ValueError as e:  # a bad devTimeFormat pattern, or digits beyond a long
            raise ParserError(f"devTime {dev_time!r} cannot be read: {e}") from None
    if syslog_time:
        try:
            return syslog_millis(syslog_time, UTC)
        except UnsupportedDateFormat:
            raise UnsupportedDateFormat(f"Cannot parse syslog timestamp {syslog_time!r}") from None
    return now_ms()
