"""ArcSight Common Event Format (Metron's ``CEFParser``), optionally behind a syslog header.

A record is ``[<pri>][timestamp][host] ... CEF:0|Vendor|Product|Version|Event|Name|Severity|
key=value key=value ...``.  The whole record is one event (Metron matches its pattern
against all of it); a record with no CEF header gives nothing, and one whose header is found
but which does not match as a whole (a line break in the extension or before the header)
is an error.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    DeviceVendor, DeviceProduct, DeviceVersion, DeviceEvent, Name: the header fields, as
        written (header escapes such as ``\\|`` are not understood, as in Metron).
    Severity: an integer: a one- or two-character severity as a number, ``Low`` 2,
        ``Medium`` 5, ``High`` 8, ``Very-High`` 10, any other longer text 0.
    every extension key/value, values as written (escapes kept), except:
    ip_src_addr / ip_src_port: from ``src`` / ``spt`` (the port an integer);
    ip_dst_addr / ip_dst_port: from ``dst`` / ``dpt`` (the port an integer);
    deviceAction: from ``act``; protocol: from ``app``;
    <label>: the value of ``cs1`` (or any ``<x>``) when ``cs1Label=<label>`` (``<x>Label``)
        is given; the label keys themselves are not kept.
    timestamp: epoch ms from ``rt`` (epoch ms, or Metron's CEF date formats read in UTC; a
        date without a year, or in 1970, gets the current year, and any date more than four
        days ahead is moved a year back), else from the syslog timestamp, else the current
        time.
    host: the syslog host, when Metron's pattern reads one: only at the start of the record
        or right after the priority, never after a timestamp, and cut at the first ``-``.
    original_string: the record.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._cefext import (
    cef_extensions,
    cef_found_anywhere,
    find_cef,
    int_field,
    mutate,
)
from metron.parsing.parsers._javatext import java_int
from metron.parsing.parsers._syslogtime import (
    CEF_DATE_FORMATS,
    UnsupportedDateFormat,
    now_ms,
    parse_multiformat,
    syslog_millis,
)
from metron.stellar.stdlib._utf16 import utf16_len

__all__ = ["CefParser", "cef_severity"]

_SEVERITY_WORDS = {"Low": 2, "Medium": 5, "High": 8, "Very-High": 10}


def cef_severity(text: str) -> int:
    """Metron's severity: short text is a number, longer text a named level (else 0)."""
    if utf16_len(text) < 3:
        try:
            return java_int(text)
        except ValueError:
            raise ParserError(f"the CEF severity {text!r} is not a number") from None
    return _SEVERITY_WORDS.get(text, 0)


@register_parser("cef", "org.apache.metron.parsers.cef.CEFParser")
class CefParser(Parser):
    """CEF events with Metron's field names."""

    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw)
        header = find_cef(text)
        if header is None:
            if cef_found_anywhere(text):
                # Java: find() succeeds on one line, matches() fails on the whole text,
                # and reading a group then throws.
                raise ParserError(
                    "No match found: a CEF header is present but the record"
                    " does not match as a whole (line break outside the header)"
                )
            return ParseResult()
        vendor, product, version, event, name, severity = header.fields
        obj: dict[str, Any] = {
            "DeviceVendor": vendor,
            "DeviceProduct": product,
            "DeviceVersion": version,
            "DeviceEvent": event,
            "Name": name,
            "Severity": cef_severity(severity),
        }
        cef_extensions(header.extension, obj)
        mutate(obj, "dst", "ip_dst_addr")
        mutate(obj, "dpt", "ip_dst_port")
        int_field(obj, "ip_dst_port")
        mutate(obj, "src", "ip_src_addr")
        mutate(obj, "spt", "ip_src_port")
        int_field(obj, "ip_src_port")
        mutate(obj, "act", "deviceAction")
        mutate(obj, "app", "protocol")
        obj["original_string"] = text
        obj["timestamp"] = self._timestamp(obj, header.syslog_time)
        if header.syslog_host:
            obj["host"] = header.syslog_host
        return ParseResult([obj])

    @staticmethod
    def _timestamp(obj: dict[str, Any], syslog_time: str | None) -> int:
        if "rt" in obj:
            rt = obj["rt"]
            try:
                return parse_multiformat(rt, CEF_DATE_FORMATS)
            except UnsupportedDateFormat:
                raise ParserError(f"rt field present in CEF but cannot be parsed: {rt!r}") from None
            except ValueError:
                raise ParserError(f"rt field {rt!r} is not a Java long") from None
        if syslog_time:
            try:
                return syslog_millis(syslog_time, UTC)
            except UnsupportedDateFormat:
                raise ParserError(f"Cannot parse syslog timestamp {syslog_time!r}") from None
        return now_ms()
