"""Suricata EVE JSON, every event type (not a Metron parser: Metron has none for Suricata).

One record is one EVE line: ``alert``, ``flow``, ``netflow``, ``dns``, ``http``, ``tls``,
``fileinfo``, ``smtp``, ``ssh``, ``anomaly``, ``stats`` and the rest are all read the same
way.  Nested objects are flattened into dotted keys, as Metron's JSONMap parser does with
``mapStrategy: UNFOLD``: ``{"alert": {"signature_id": 2013028}}`` gives
``alert.signature_id``.  Lists are kept as lists (objects inside them stay objects).
Whole numbers are Integers when they fit in 32 bits and Longs otherwise, as Jackson reads
them.

parserConfig keys:
    readCharset: the charset of the raw bytes (default UTF-8).

Output fields:
    timestamp: EVE's ``timestamp`` (``2024-03-01T10:15:00.123456+0000``) in epoch
        milliseconds (a Long); a time without an offset is UTC.
    suricata_timestamp: EVE's ``timestamp`` as written.
    ip_src_addr, ip_src_port, ip_dst_addr, ip_dst_port: from ``src_ip``, ``src_port``,
        ``dest_ip``, ``dest_port`` (absent from events without them, e.g. ``stats``).
    protocol: EVE's ``proto`` as written (``TCP``, ``UDP``, ``ICMP``, ``IPv6-ICMP``...).
    event_type, flow_id, app_proto, ... and every other field, flattened.

A line that is not a JSON object, or whose ``timestamp`` is not a date, is an error; an
event without a ``timestamp`` fails validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.stellar.stdlib.jsonfn import parse_json
from metron.stellar.types import INT_MAX, INT_MIN, Long

__all__ = ["SuricataParser", "eve_millis"]

_RENAMED = (
    ("src_ip", "ip_src_addr"),
    ("src_port", "ip_src_port"),
    ("dest_ip", "ip_dst_addr"),
    ("dest_port", "ip_dst_port"),
    ("proto", "protocol"),
)
_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
    r"(?:(Z)|([+-])(\d\d):?(\d\d))?"
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def eve_millis(text: str) -> int:
    """Epoch milliseconds of an EVE timestamp; ValueError if it is not one."""
    m = _TIME.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not an EVE timestamp")
    year, month, day, hour, minute, second, fraction, _zulu, sign, off_h, off_m = m.groups()
    if int(hour) > 23 or int(minute) > 59 or int(second) > 60:
        raise ValueError(f"{text!r} has a time of day out of range")
    days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    seconds = days * 86400 + int(hour) * 3600 + int(minute) * 60 + int(second)
    if sign is not None:
        offset = int(off_h) * 3600 + int(off_m) * 60
        seconds += -offset if sign == "+" else offset
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    return seconds * 1000 + millis


def _typed(value: Any) -> Any:
    """Jackson's types for a value inside a list: Longs for integers beyond 32 bits."""
    t = type(value)
    if t is int:
        return value if INT_MIN <= value <= INT_MAX else Long(value)
    if t is list:
        return [_typed(v) for v in value]
    if t is dict:
        return {k: _typed(v) for k, v in value.items()}
    return value


def _flatten(prefix: str, obj: dict[str, Any], out: dict[str, Any]) -> None:
    for key, value in obj.items():
        name = prefix + key
        t = type(value)
        if t is dict:
            _flatten(name + ".", value, out)
        elif t is int:
            out[name] = value if INT_MIN <= value <= INT_MAX else Long(value)
        elif t is list:
            out[name] = _typed(value)
        else:
            out[name] = value


@register_parser("suricata")
class SuricataParser(Parser):
    """Suricata EVE JSON events, flattened, with Metron's 5-tuple and timestamp."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self._utf8 = self.read_charset in ("utf-8", "utf8")

    def parse(self, raw: bytes) -> ParseResult:
        try:
            event = orjson.loads(raw) if self._utf8 else orjson.loads(self.decode(raw))
        except orjson.JSONDecodeError:
            try:
                event = parse_json(self.decode(raw))
            except ValueError as e:
                raise ParserError(f"not an EVE JSON event: {e}") from None
        if type(event) is not dict:
            raise ParserError("not an EVE JSON event: the line is not a JSON object")
        message: dict[str, Any] = {}
        _flatten("", event, message)
        for old, new in _RENAMED:
            if old in message:
                message[new] = message.pop(old)
        stamp = message.pop("timestamp", None)
        if stamp is not None:
            if not isinstance(stamp, str):
                raise ParserError(f"timestamp {stamp!r} is not an EVE timestamp")
            try:
                message["timestamp"] = Long(eve_millis(stamp))
            except ValueError as e:
                raise ParserError(str(e)) from None
            message["suricata_timestamp"] = stamp
        return ParseResult([message])
