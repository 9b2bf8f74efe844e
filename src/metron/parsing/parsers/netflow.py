"""NetFlow v5, NetFlow v9 and IPFIX (v10) export packets: one message per flow record.

Metron has no NetFlow parser; this one gives flows Metron's field names so enrichment,
triage and the UI treat them like YAF or Bro connections.  A raw record is one export
packet (one UDP datagram, one Kafka message); ``metron parse netflow FILE`` reads a pcap
capture or packets written back to back.

Templates (v9 and IPFIX) are kept in the parser across packets, per exporter: the version
plus the v9 source id or the IPFIX observation domain (give exporters distinct ids, or a
sensor each).  A data set whose template has not arrived yet is an error for that set (its
records are lost; exporters repeat templates every few minutes) while the rest of the
packet is parsed.  Options records are not flows: they give the exporter's sampling interval
and system start time to the flows that follow.  IPFIX enterprise-specific fields are
skipped; fields this parser has no name for are kept as ``ie_<number>``.

parserConfig keys:

- ``maxTemplates``: how many templates to keep over all exporters (default 10000); the
  least recently announced go first.
- ``maxExporters``: how many exporters' options state to keep (default 10000).

Output fields:

- ``ip_src_addr``, ``ip_src_port``, ``ip_dst_addr``, ``ip_dst_port`` (ports are integers),
  ``protocol`` (the IANA name Metron uses, ``TCP``, ``UDP``, ``ICMP``..., else the number as
  text) and ``protocol_number``; ``icmp_type`` and ``icmp_code`` for ICMP flows (from the
  ICMP fields, else from the destination port, where exporters put type * 256 + code);
- ``timestamp``: the flow start in epoch milliseconds (from the exporter's uptime and clock
  for v5/v9; from absolute, delta or uptime-relative times for IPFIX; the export time when
  the record holds none); ``end_time`` and ``duration`` (milliseconds) when known;
- ``bytes``, ``packets``, ``tcp_flags``, ``tos``, ``src_as``, ``dst_as``, ``src_mask``,
  ``dst_mask``, ``next_hop``, ``input_if``, ``output_if``, and every other field the
  template carries, named as in ``_netflow_fields`` (``src_mac``, ``vlan``, ``direction``,
  ``flow_end_reason``, ``nat_src_addr``...);
- ``netflow_version`` (5, 9 or 10), ``export_sequence``, ``template_id`` (v9/IPFIX),
  ``source_id`` (v9) or ``observation_domain_id`` (IPFIX), ``engine_type`` and ``engine_id``
  (v5), ``sampling_interval`` when the exporter samples;
- ``original_string``: the flow record's own bytes in hex.

Counters (bytes, packets, flows) and times are Java longs for Stellar.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from metron.errors import ConfigError
from metron.parsing.base import Parser, ParserError, ParseResult, register_parser
from metron.parsing.parsers._netflow_packets import Collector, NetflowError
from metron.parsing.parsers._netflow_stream import export_packets

__all__ = ["NetflowParser"]


def _positive(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    if type(value) is not int or value < 1:
        raise ConfigError(f"{key}: must be a positive integer, not {value!r}")
    return value


@register_parser("netflow", binary=True)
class NetflowParser(Parser):
    """NetFlow v5/v9 and IPFIX export packets, templates kept across packets."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self.collector = Collector(
            max_templates=_positive(self.config, "maxTemplates", 10_000),
            max_exporters=_positive(self.config, "maxExporters", 10_000),
        )

    @staticmethod
    def records(stream: IO[bytes]) -> Iterator[bytes]:
        """The export packets of a file: a pcap capture, or packets back to back."""
        return export_packets(stream)

    def parse(self, raw: bytes) -> ParseResult:
        try:
            messages, errors = self.collector.decode(bytes(raw))
        except NetflowError as e:
            raise ParserError(str(e)) from None
        return ParseResult(messages, errors)

    def decode(self, raw: bytes) -> str:
        """Binary records read as hex, for any message or error that needs them as text."""
        return bytes(raw).hex()
