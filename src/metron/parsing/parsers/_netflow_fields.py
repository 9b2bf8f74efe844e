"""NetFlow v9 field types and IPFIX information elements: output names and value kinds.

Numbers 1-127 mean the same in NetFlow v9 (RFC 3954) and IPFIX (IANA's IPFIX registry), so
one table serves both.  Each entry names the message field a value goes to and how its bytes
read:

- ``uint``: an unsigned big-endian integer of any width (IPFIX reduced-size encoding);
- ``count``: the same, kept as a Java ``Long`` (byte and packet counters grow past 2**31);
- ``ipv4``, ``ipv6``, ``mac``: addresses in their usual text form;
- ``text``: UTF-8 text, trailing NULs dropped; ``hex``: anything else, as hex digits;
- the time kinds (``sysuptime``, ``seconds``, ``millis``, ``micros``, ``nanos``,
  ``delta_micros``, ``init_millis``) are turned into epoch milliseconds by the decoder.

Special kinds: ``protocol`` (the IANA protocol name, as Metron's ``PROTOCOL_TO_NAME`` names it,
plus ``protocol_number``), ``icmp`` (a type*256+code pair split into ``icmp_type`` and
``icmp_code``), ``skip`` (padding).  A number missing from the table is kept as
``ie_<number>`` (an integer up to 8 bytes, hex digits beyond).
"""

from __future__ import annotations

__all__ = ["FIELDS", "TIME_KINDS", "V9_SCOPES", "protocol_name"]

#: number -> (output field, kind); the time kinds use "start"/"end" as the field.
FIELDS: dict[int, tuple[str, str]] = {
    1: ("bytes", "count"),
    2: ("packets", "count"),
    3: ("flows", "count"),
    4: ("protocol", "protocol"),
    5: ("tos", "uint"),
    6: ("tcp_flags", "uint"),
    7: ("ip_src_port", "uint"),
    8: ("ip_src_addr", "ipv4"),
    9: ("src_mask", "uint"),
    10: ("input_if", "uint"),
    11: ("ip_dst_port", "uint"),
    12: ("ip_dst_addr", "ipv4"),
    13: ("dst_mask", "uint"),
    14: ("output_if", "uint"),
    15: ("next_hop", "ipv4"),
    16: ("src_as", "uint"),
    17: ("dst_as", "uint"),
    18: ("bgp_next_hop", "ipv4"),
    19: ("mcast_packets", "count"),
    20: ("mcast_bytes", "count"),
    21: ("end", "sysuptime"),
    22: ("start", "sysuptime"),
    23: ("out_bytes", "count"),
    24: ("out_packets", "count"),
    25: ("min_packet_length", "uint"),
    26: ("max_packet_length", "uint"),
    27: ("ip_src_addr", "ipv6"),
    28: ("ip_dst_addr", "ipv6"),
    29: ("src_mask", "uint"),
    30: ("dst_mask", "uint"),
    31: ("ipv6_flow_label", "uint"),
    32: ("icmp", "icmp"),
    33: ("igmp_type", "uint"),
    34: ("sampling_interval", "uint"),
    35: ("sampling_algorithm", "uint"),
    36: ("flow_active_timeout", "uint"),
    37: ("flow_inactive_timeout", "uint"),
    38: ("engine_type", "uint"),
    39: ("engine_id", "uint"),
    40: ("exported_bytes", "count"),
    41: ("exported_messages", "count"),
    42: ("exported_flows", "count"),
    44: ("src_prefix", "ipv4"),
    45: ("dst_prefix", "ipv4"),
    46: ("mpls_top_label_type", "uint"),
    47: ("mpls_top_label_addr", "ipv4"),
    48: ("sampler_id", "uint"),
    49: ("sampler_mode", "uint"),
    50: ("sampler_random_interval", "uint"),
    52: ("min_ttl", "uint"),
    53: ("max_ttl", "uint"),
    54: ("fragment_id", "uint"),
    55: ("dst_tos", "uint"),
    56: ("src_mac", "mac"),
    57: ("dst_mac", "mac"),
    58: ("src_vlan", "uint"),
    59: ("dst_vlan", "uint"),
    60: ("ip_version", "uint"),
    61: ("direction", "uint"),
    62: ("next_hop", "ipv6"),
    63: ("bgp_next_hop", "ipv6"),
    64: ("ipv6_extension_headers", "uint"),
    **{70 + i: (f"mpls_label_{i + 1}", "uint") for i in range(10)},
    80: ("in_dst_mac", "mac"),
    81: ("out_src_mac", "mac"),
    82: ("if_name", "text"),
    83: ("if_desc", "text"),
    84: ("sampler_name", "text"),
    85: ("total_bytes", "count"),
    86: ("total_packets", "count"),
    88: ("fragment_offset", "uint"),
    89: ("forwarding_status", "uint"),
    90: ("mpls_vpn_rd", "hex"),
    94: ("application_description", "text"),
    95: ("application_id", "hex"),
    96: ("application_name", "text"),
    128: ("next_as", "uint"),
    129: ("prev_as", "uint"),
    130: ("exporter_addr", "ipv4"),
    131: ("exporter_addr", "ipv6"),
    136: ("flow_end_reason", "uint"),
    139: ("icmp", "icmp"),
    144: ("exporting_process_id", "uint"),
    148: ("flow_id", "count"),
    150: ("start", "seconds"),
    151: ("end", "seconds"),
    152: ("start", "millis"),
    153: ("end", "millis"),
    154: ("start", "micros"),
    155: ("end", "micros"),
    156: ("start", "nanos"),
    157: ("end", "nanos"),
    158: ("start", "delta_micros"),
    159: ("end", "delta_micros"),
    160: ("system_init_time", "init_millis"),
    161: ("duration", "duration_millis"),
    162: ("duration", "duration_micros"),
    176: ("icmp_type", "uint"),
    177: ("icmp_code", "uint"),
    178: ("icmp_type", "uint"),
    179: ("icmp_code", "uint"),
    180: ("ip_src_port", "uint"),
    181: ("ip_dst_port", "uint"),
    182: ("ip_src_port", "uint"),
    183: ("ip_dst_port", "uint"),
    184: ("tcp_seq", "count"),
    185: ("tcp_ack", "count"),
    186: ("tcp_window", "uint"),
    192: ("ttl", "uint"),
    195: ("dscp", "uint"),
    210: ("padding", "skip"),
    225: ("nat_src_addr", "ipv4"),
    226: ("nat_dst_addr", "ipv4"),
    227: ("nat_src_port", "uint"),
    228: ("nat_dst_port", "uint"),
    230: ("nat_event", "uint"),
    231: ("initiator_bytes", "count"),
    232: ("responder_bytes", "count"),
    233: ("firewall_event", "uint"),
    234: ("ingress_vrf", "uint"),
    235: ("egress_vrf", "uint"),
    243: ("vlan", "uint"),
    281: ("nat_src_addr", "ipv6"),
    282: ("nat_dst_addr", "ipv6"),
    298: ("initiator_packets", "count"),
    299: ("responder_packets", "count"),
    305: ("sampling_interval", "uint"),
}

#: Kinds that place the flow in time (converted to epoch milliseconds).
TIME_KINDS = frozenset(
    {"sysuptime", "seconds", "millis", "micros", "nanos", "delta_micros", "duration_millis",
     "duration_micros", "init_millis"}
)  # fmt: skip

#: NetFlow v9 options scope types (not information elements).
V9_SCOPES = {1: "scope_system", 2: "scope_interface", 3: "scope_line_card", 4: "scope_cache",
             5: "scope_template"}  # fmt: skip


def _protocol_names() -> list[str]:
    from metron.stellar.stdlib.network import protocol_to_name

    names = []
    for number in range(256):
        name = protocol_to_name(number)
        names.append(name if isinstance(name, str) and name else str(number))
    return names


_NAMES: list[str] = []


def protocol_name(number: int) -> str:
    """Metron's name for an IP protocol number (``TCP``), or the number as text."""
    if not _NAMES:
        _NAMES.extend(_protocol_names())
    return _NAMES[number] if 0 <= number < 256 else str(number)
