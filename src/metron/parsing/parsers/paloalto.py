"""Palo Alto Networks firewall logs (PAN-OS CSV syslog), as Metron's ``BasicPaloAltoFirewallParser``.

Log types and PAN-OS versions, told apart by the number of comma-separated fields:

=========  =======================================================
TRAFFIC    6.0 (46 fields), 6.1 (47), 7.0 (54), 8.0 (61)
THREAT     6.0 (45), 6.1 (53), 7.0 (61), 8.0 (72)
CONFIG     6.1 (16, or 18 with the before/after change details), 7.0/8.0 (22 or 24)
SYSTEM     6.1 (17), 7.0/8.0 (23)
=========  =======================================================

A record of another length still gives the fields every version has, with
``parser_version`` 0 and ``tokens_seen`` (the number of fields).  Fields split on commas
outside double quotes; a value wrapped in quotes loses them for text columns; empty values
(blank or ``""``) are left out.  The first field keeps whatever precedes it (a syslog
header, for instance).

parserConfig keys: ``readCharset`` (default UTF-8).

Output fields, all strings unless noted:

- every type: ``palo_alto_domain``, ``receive_time``, ``serial``, ``type``, ``subtype``,
  ``config_version``, ``time_generated``, ``parser_version`` (integer: 60, 61, 70, 80 or 0),
  ``tokens_seen`` (integer, only when the version is unknown), ``timestamp`` (the time of
  parsing, epoch milliseconds), ``original_string``.
- TRAFFIC and THREAT: ``ip_src_addr``, ``ip_dst_addr``, ``natsrc``, ``natdst``, ``rule``,
  ``srcuser``, ``dstuser``, ``app``, ``vsys``, ``from``, ``to``, ``inbound_if``,
  ``outbound_if``, ``log_action``, ``start``, ``sessionid``, ``repeatcnt``, ``ip_src_port``,
  ``ip_dst_port``, ``natsport``, ``natdport``, ``flags``, ``protocol``, ``action``.
- TRAFFIC: ``bytes``, ``bytes_sent``, ``bytes_received``, ``packets``, ``start`` (the session
  start replaces the log time), ``elapsed``, ``category``, ``seqno``, ``actionflags``,
  ``srcloc``, ``dstloc``, ``pkts_sent``, ``pkts_received``; 6.1+: ``session_end_reason``;
  7.0+: ``dg_hier_level_1`` to ``_4``, ``vsys_name``, ``device_name``, ``action_source``;
  8.0: ``source_vm_uuid``, ``destination_vm_uuid``, ``tunnel_id``, ``monitor_tag``,
  ``parent_session_id``, ``parent_session_start_time``, ``tunnel_type``.
- THREAT: ``url`` (and ``host`` when ``java.net.URL`` can read it), ``threatid``,
  ``category``, ``severity``, ``direction``, ``seqno``, ``actionflags``, ``srcloc``,
  ``dstloc``, ``contenttype``, ``pcap_id``, ``filedigest``, ``cloud``; 6.1+: ``user_agent``,
  ``filetype``, ``xff``, ``referer``, ``sender``, ``subject``, ``recipient``, ``reportid``;
  7.0+: ``url_idx``, ``dg_hier_level_1`` to ``_4``, ``vsys_name``, ``device_name``; 8.0:
  ``source_vm_uuid``, ``destination_vm_uuid``, ``http_method``, ``tunnel_id``,
  ``monitor_tag``, ``parent_session_id``, ``parent_session_start_time``, ``tunnel_type``,
  ``threat_category``, ``content_version``.
- CONFIG 6.1+: ``host``, ``vsys``, ``command``, ``admin``, ``client``, ``result``,
  ``configuration_path``, ``seqno``, ``actionflags``, ``before_change_detail``,
  ``after_change_detail`` (when present); 7.0+: ``dg_hier_level_1`` to ``_4``,
  ``vsys_name``, ``device_name``.
- SYSTEM 6.1+: ``vsys``, ``event_id``, ``object``, ``module``, ``severity``, ``description``,
  ``seqno``, ``actionflags``; 7.0+: ``dg_hier_level_1`` to ``_4``, ``vsys_name``,
  ``device_name``.

A record of another log type, or too short for its type, is an error (Metron drops it).
"""

from __future__ import annotations

import time
from typing import Any

from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._opencsv import JAVA_TRIM
from metron.stellar.stdlib._javaurl import parse_url
from metron.stellar.types import Long

__all__ = ["LOG_TYPES", "PaloAltoParser", "split_fields"]

LOG_TYPES = ("CONFIG", "SYSTEM", "THREAT", "TRAFFIC")

# A column: (position, name, quoted) -- quoted text columns lose one pair of wrapping quotes.
Column = tuple[int, str, bool]


def _cols(start: int, spec: str) -> list[Column]:
    """Columns from ``start`` on, ``name`` or ``"name`` (quoted); ``-`` skips a position."""
    out = []
    for i, name in enumerate(spec.split()):
        if name != "-":
            out.append((start + i, name.lstrip('"'), name.startswith('"')))
    return out


_DG = "dg_hier_level_1 dg_hier_level_2 dg_hier_level_3 dg_hier_level_4"
COMMON = _cols(0, 'palo_alto_domain receive_time serial - "subtype config_version time_generated')
CONFIG_61 = _cols(7, 'host vsys command admin "client "result "configuration_path')
CONFIG_61_ONLY = _cols(14, '"seqno "actionflags')
CONFIG_DETAILS = _cols(16, '"before_change_detail "after_change_detail')
CONFIG_70_DETAILS = _cols(14, '"before_change_detail "after_change_detail')
CONFIG_70 = _cols(16, '"' + _DG.replace(" ", ' "') + ' "vsys_name "device_name')
SYSTEM_61 = _cols(7, 'vsys event_id object - - module "severity "description "seqno "actionflags')
SYSTEM_80 = _cols(17, f'{_DG} "vsys_name "device_name')
SESSION = _cols(
    7,
    'ip_src_addr ip_dst_addr natsrc natdst "rule "srcuser "dstuser "app "vsys "from "to'
    ' "inbound_if "outbound_if "log_action start sessionid repeatcnt ip_src_port ip_dst_port'
    ' natsport natdport flags "protocol "action',
)
THREAT_60 = _cols(
    32,
    'threatid "category "severity "direction seqno "actionflags "srcloc "dstloc -'
    ' "contenttype pcap_id "filedigest "cloud',
)
_THREAT_61 = '"user_agent "filetype "xff "referer "sender "subject "recipient "reportid'
THREAT_61 = _cols(45, _THREAT_61)  # one position later from 7.0 on
THREAT_70 = [(45, "url_idx", False), *_cols(54, f'{_DG} "vsys_name "device_name')]
THREAT_80 = _cols(
    61,
    "source_vm_uuid destination_vm_uuid http_method tunnel_id monitor_tag parent_session_id"
    " parent_session_start_time tunnel_type threat_category content_version",
)
TRAFFIC_60 = _cols(
    31,
    'bytes bytes_sent bytes_received packets start elapsed "category - seqno "actionflags'
    ' "srcloc "dstloc - pkts_sent pkts_received',
)
TRAFFIC_61 = _cols(46, '"session_end_reason')
TRAFFIC_70 = _cols(47, f'{_DG} "vsys_name "device_name "action_source')
TRAFFIC_80 = _cols(
    54,
    "source_vm_uuid destination_vm_uuid tunnel_id monitor_tag parent_session_id"
    " parent_session_start_time tunnel_type",
)

_THREAT_VERSIONS = {45: (60, 0), 53: (61, 0), 61: (70, 1), 72: (80, 1)}
_TRAFFIC_VERSIONS = {46: 60, 47: 61, 54: 70, 61: 80}


def split_fields(text: str) -> list[str]:
    """Split on every comma followed by an even number of double quotes (Metron's regex
    ``,(?=(?:[^"]*"[^"]*")*[^"]*$)``, in one linear pass)."""
    if '"' not in text:
        return text.split(",")
    after = text.count('"')
    fields = []
    start = 0
    for i, c in enumerate(text):
        if c == '"':
            after -= 1
        elif c == "," and after % 2 == 0:
            fields.append(text[start:i])
            start = i + 1
    fields.append(text[start:])
    return fields


def _empty(value: str) -> bool:
    return value == '""' or not value.strip(JAVA_TRIM)


def _unquoted(value: str) -> str:
    value = value.strip(JAVA_TRIM)
    if value.startswith('"') and value.endswith('"'):
        if len(value) == 1:
            # Java's substring(1, 0) throws here.
            raise ValueError('begin 1, end 0, length 1: a lone " cannot be unquoted')
        return value[1:-1]
    return value


def _put(out: dict[str, Any], tokens: list[str], columns: list[Column], shift: int = 0) -> None:
    for index, name, quoted in columns:
        value = tokens[index + shift]
        if not _empty(value):
            out[name] = _unquoted(value) if quoted else value.strip(JAVA_TRIM)


def _url_host(url: str) -> str | None:
    # Metron keeps the host java.net.URL finds; only short URLs go through the shared cache.
    parsed = parse_url(url) if len(url) <= 2048 else parse_url.__wrapped__(url)
    return None if parsed is None else parsed.host


@register_parser("paloalto", "org.apache.metron.parsers.paloalto.BasicPaloAltoFirewallParser")
class PaloAltoParser(Parser):
    """PAN-OS TRAFFIC, THREAT, CONFIG and SYSTEM logs."""

    def parse(self, raw: bytes) -> ParseResult:
        text = self.decode(raw)
        try:
            message = self._fields(split_fields(text))
        except (IndexError, ValueError) as e:
            raise ParserError(f"Failed to parse: {text}: {e}") from e
        message["timestamp"] = Long(int(time.time() * 1000))
        message["original_string"] = text
        return ParseResult([message])

    def _fields(self, tokens: list[str]) -> dict[str, Any]:
        if len(tokens) < 4:
            raise IndexError(f"{len(tokens)} fields: the log type is the fourth")
        log_type = tokens[3].strip(JAVA_TRIM)
        if log_type not in LOG_TYPES:
            raise ValueError(f"Unsupported log type '{log_type}'")
        out: dict[str, Any] = {}
        _put(out, tokens, COMMON[:3])
        out["type"] = log_type
        _put(out, tokens, COMMON[3:])
        n = len(tokens)
        version = 0
        if log_type == "CONFIG":
            version = 61 if n in (16, 18) else 80 if n in (22, 24) else 0
            if version:
                _put(out, tokens, CONFIG_61)
            if version == 61:
                _put(out, tokens, CONFIG_61_ONLY)
                if n == 18:
                    _put(out, tokens, CONFIG_DETAILS)
            elif version == 80:
                shift = 0
                if n == 24:
                    _put(out, tokens, CONFIG_70_DETAILS)
                    shift = 2
                _put(out, tokens, CONFIG_61_ONLY, shift)
                _put(out, tokens, CONFIG_70, shift)
        elif log_type == "SYSTEM":
            version = 61 if n == 17 else 80 if n == 23 else 0
            if version:
                _put(out, tokens, SYSTEM_61)
            if version == 80:
                _put(out, tokens, SYSTEM_80)
        else:
            _put(out, tokens, SESSION)
            if log_type == "THREAT":
                version = self._threat(out, tokens)
            else:
                version = self._traffic(out, tokens)
        out["parser_version"] = version
        if version == 0:
            out["tokens_seen"] = n
        return out

    @staticmethod
    def _threat(out: dict[str, Any], tokens: list[str]) -> int:
        version, shift = _THREAT_VERSIONS.get(len(tokens), (0, 0))
        url = tokens[31]
        if not _empty(url):
            out["url"] = _unquoted(url)
            host = _url_host(out["url"])
            if host is not None:
                out["host"] = host
        _put(out, tokens, THREAT_60)
        if version >= 61:
            _put(out, tokens, THREAT_61, shift)
        if version >= 70:
            _put(out, tokens, THREAT_70)
        if version >= 80:
            _put(out, tokens, THREAT_80)
        return version

    @staticmethod
    def _traffic(out: dict[str, Any], tokens: list[str]) -> int:
        version = _TRAFFIC_VERSIONS.get(len(tokens), 0)
        _put(out, tokens, TRAFFIC_60)
        if version >= 61:
            _put(out, tokens, TRAFFIC_61)
        if version >= 70:
            _put(out, tokens, TRAFFIC_70)
        if version >= 80:
            _put(out, tokens, TRAFFIC_80)
        return version
