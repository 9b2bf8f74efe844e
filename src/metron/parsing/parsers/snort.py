"""Snort alerts in Snort's CSV output (``alert_csv``), as Metron's ``BasicSnortParser`` reads them.

parserConfig keys:

- ``dateFormat``: a ``java.time`` ``DateTimeFormatter`` pattern for the first column
  (default ``MM/dd/yy-HH:mm:ss.SSSSSS``, Snort's own ``01/27/16-16:01:04.877970``); parsing
  is strict: exact widths, case-sensitive names, the whole value consumed.
- ``timeZone``: an IANA zone id for that time (default: the process's default zone, which
  is UTC here; Metron uses the JVM's).  An unknown id is a configuration error.
- ``readCharset``: the charset of the raw bytes (default UTF-8).

Each line holds the 27 columns Snort writes with ``output alert_csv: ... default``; a line with
fewer is an error, extra columns are ignored.  Quoting follows opencsv (a quoted ``msg`` may
contain commas), and every value is trimmed.

Output fields (all strings but ``timestamp``): ``timestamp`` (epoch milliseconds),
``sig_generator``, ``sig_id``, ``sig_rev``, ``msg``, ``protocol``, ``ip_src_addr``,
``ip_src_port``, ``ip_dst_addr``, ``ip_dst_port``, ``ethsrc``, ``ethdst``, ``ethlen``,
``tcpflags``, ``tcpseq``, ``tcpack``, ``tcplen``, ``tcpwindow``, ``ttl``, ``tos``, ``id``,
``dgmlen``, ``iplen``, ``icmptype``, ``icmpcode``, ``icmpid``, ``icmpseq``, plus
``original_string`` (the line as read) and ``is_alert`` (always ``"true"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._datetimeformatter import (
    DateTimePattern,
    PatternError,
    available_zone_ids,
    zone_of,
)
from metron.parsing.parsers._opencsv import JAVA_TRIM, CsvConverter
from metron.stellar.types import Long

__all__ = ["DEFAULT_DATE_FORMAT", "FIELD_NAMES", "SnortParser"]

#: Snort's CSV columns, in order (Metron's names).
FIELD_NAMES = (
    "timestamp", "sig_generator", "sig_id", "sig_rev", "msg", "protocol", "ip_src_addr",
    "ip_src_port", "ip_dst_addr", "ip_dst_port", "ethsrc", "ethdst", "ethlen", "tcpflags",
    "tcpseq", "tcpack", "tcplen", "tcpwindow", "ttl", "tos", "id", "dgmlen", "iplen",
    "icmptype", "icmpcode", "icmpid", "icmpseq",
)  # fmt: skip

DEFAULT_DATE_FORMAT = "MM/dd/yy-HH:mm:ss.SSSSSS"


def _text_setting(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a string, not {value!r}")
    return value


@register_parser("snort", "org.apache.metron.parsers.snort.BasicSnortParser")
class SnortParser(Parser):
    """Snort's CSV alerts: 27 named columns, the first a timestamp."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        fmt = _text_setting(self.config, "dateFormat") or DEFAULT_DATE_FORMAT
        try:
            self.date_format = DateTimePattern(fmt)
        except PatternError as e:
            raise ConfigError(f"dateFormat: '{fmt}' is not a valid pattern: {e}") from None
        zone_id = _text_setting(self.config, "timeZone")
        if zone_id is not None and zone_id not in available_zone_ids():
            raise ConfigError(f"timeZone: Unable to find ZoneId '{zone_id}'")
        self.zone: tzinfo = zone_of(zone_id or "UTC")
        self.converter = CsvConverter({"separator": ",", "columns": list(FIELD_NAMES)})
        self._width = len(FIELD_NAMES)

    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw)
        try:
            if self.converter.ignored(text):
                raise ValueError("a blank or comment line holds no alert")
            tokens = self.converter.parser.parse_line(text)
            if len(tokens) < self._width:
                raise ValueError(
                    f"Unexpected number of fields, expected: {self._width} in {text}"
                    f" (found {len(tokens)})"
                )
            trim = JAVA_TRIM
            message: dict[str, Any] = dict(
                zip(FIELD_NAMES, [token.strip(trim) for token in tokens[: self._width]])
            )
            message["timestamp"] = Long(
                self.date_format.epoch_millis(message["timestamp"].strip(trim), self.zone)
            )
        except ValueError as e:
            raise ParserError(f"Unable to parse message: {text}: {e}") from e
        message["original_string"] = text
        message["is_alert"] = "true"
        return ParseResult([message])
