"""The netflow parser: v5, v9 and IPFIX export packets, templates kept across packets.

Packets are built here with ``struct`` from the RFCs' layouts (RFC 3954 for v9, RFC 7011 for
IPFIX, Cisco's v5 record format); the golden cases' ``raw.hex`` files are these packets too
(``test_golden_packets_are_built_here`` keeps them in step).
"""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import PARSERS, ParserError
from metron.parsing.parsers.netflow import NetflowParser
from metron.stellar.types import Long

# -- packet builders ----------------------------------------------------------------------------

V5_RECORD = struct.Struct("!4s4s4sHHIIIIHHxBBBHHBBxx")


def ip(text: str) -> bytes:
    family = socket.AF_INET6 if ":" in text else socket.AF_INET
    return socket.inet_pton(family, text)


def v5_record(
    src: str,
    dst: str,
    sport: int,
    dport: int,
    proto: int = 6,
    packets: int = 10,
    octets: int = 1500,
    first: int = 1_000,
    last: int = 2_000,
    flags: int = 0x1B,
    tos: int = 0,
    nexthop: str = "0.0.0.0",
    in_if: int = 1,
    out_if: int = 2,
    src_as: int = 0,
    dst_as: int = 0,
    src_mask: int = 24,
    dst_mask: int = 24,
) -> bytes:
    return V5_RECORD.pack(
        ip(src), ip(dst), ip(nexthop), in_if, out_if, packets, octets, first, last,
        sport, dport, flags, proto, tos, src_as, dst_as, src_mask, dst_mask,
    )  # fmt: skip


def v5_packet(
    records: Sequence[bytes],
    uptime: int = 3_600_000,
    secs: int = 1_700_000_000,
    nsecs: int = 0,
    sequence: int = 1,
    engine: tuple[int, int] = (0, 0),
    sampling: int = 0,
    count: int | None = None,
) -> bytes:
    header = struct.pack(
        "!HHIIIIBBH", 5, len(records) if count is None else count, uptime, secs, nsecs,
        sequence, engine[0], engine[1], sampling,
    )  # fmt: skip
    return header + b"".join(records)


def value(data: int | str | bytes, length: int) -> bytes:
    """A field value: an int packed big-endian, an address, or raw bytes."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return ip(data) if length in (4, 16) else data.encode().ljust(length, b"\0")
    return data.to_bytes(length, "big")


def padded(body: bytes) -> bytes:
    return body + b"\0" * (-len(body) % 4)


def flowset(set_id: int, body: bytes, pad: bool = True) -> bytes:
    body = padded(body) if pad else body
    return struct.pack("!HH", set_id, len(body) + 4) + body


def v9_template(template_id: int, fields: Sequence[tuple[int, int]]) -> bytes:
    out = struct.pack("!HH", template_id, len(fields))
    return out + b"".join(struct.pack("!HH", t, n) for t, n in fields)


def v9_options_template(
    template_id: int, scopes: Sequence[tuple[int, int]], fields: Sequence[tuple[int, int]]
) -> bytes:
    out = struct.pack("!HHH", template_id, 4 * len(scopes), 4 * len(fields))
    return out + b"".join(struct.pack("!HH", t, n) for t, n in [*scopes, *fields])


def record(fields: Sequence[tuple[int, int]], values: Sequence[int | str | bytes]) -> bytes:
    return b"".join(value(v, n) for (_, n), v in zip(fields, values))


def v9_packet(
    flowsets: Sequence[bytes],
    uptime: int = 3_600_000,
    secs: int = 1_700_000_000,
    sequence: int = 1,
    source_id: int = 0,
    count: int | None = None,
) -> bytes:
    header = struct.pack(
        "!HHIIII", 9, len(flowsets) if count is None else count, uptime, secs, sequence, source_id
    )
    return header + b"".join(flowsets)


def ipfix_field(ie: int, length: int, enterprise: int | None = None) -> bytes:
    if enterprise is None:
        return struct.pack("!HH", ie, length)
    return struct.pack("!HHI", ie | 0x8000, length, enterprise)


def ipfix_template(template_id: int, fields: Sequence[tuple[int, int, int | None]]) -> bytes:
    return struct.pack("!HH", template_id, len(fields)) + b"".join(ipfix_field(*f) for f in fields)


def ipfix_options_template(
    template_id: int, scope_count: int, fields: Sequence[tuple[int, int, int | None]]
) -> bytes:
    return struct.pack("!HHH", template_id, len(fields), scope_count) + b"".join(
        ipfix_field(*f) for f in fields
    )


def varlen(data: bytes) -> bytes:
    """An IPFIX variable-length value: one length byte, or 255 and two."""
    if len(data) < 255:
        return bytes([len(data)]) + data
    return b"\xff" + struct.pack("!H", len(data)) + data


def ipfix_message(
    sets: Sequence[bytes], export_time: int = 1_700_000_000, sequence: int = 0, domain: int = 1
) -> bytes:
    body = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(body), export_time, sequence, domain) + body


def ntp(millis: int) -> int:
    """An IPFIX dateTimeMicroseconds/Nanoseconds value (NTP format) for epoch milliseconds."""
    seconds, ms = divmod(millis, 1000)
    return (seconds + 2_208_988_800) << 32 | (ms << 32) // 1000 + 1


T = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 4), (2, 4), (22, 4), (21, 4)]


def _flow(
    src: str = "10.0.0.1", dst: str = "10.0.0.2", sport: int = 1000, dport: int = 80
) -> bytes:
    return record(T, [src, dst, sport, dport, 6, 4000, 5, 3_590_000, 3_599_000])


def test_registered_as_a_binary_parser() -> None:
    spec = PARSERS.get("netflow")
    assert spec is not None and spec.binary


def test_v5_record_fields_and_times() -> None:
    packet = v5_packet(
        [v5_record("192.0.2.1", "198.51.100.2", 40000, 443, packets=3, octets=2**32 - 1, first=3_000, last=3_500)],
        uptime=4_000, secs=1_600_000_000, nsecs=750_000_000, sequence=9, engine=(2, 3), sampling=0x4010,
    )  # fmt: skip
    result = NetflowParser({}).parse(packet)
    assert result.errors == []
    (m,) = result.messages
    assert m["ip_src_addr"] == "192.0.2.1" and m["ip_dst_port"] == 443
    assert m["protocol"] == "TCP" and m["protocol_number"] == 6
    assert m["timestamp"] == Long(1_600_000_000_750 - 1_000)
    assert m["end_time"] == Long(1_600_000_000_750 - 500)
    assert m["duration"] == Long(500)
    assert m["bytes"] == Long(2**32 - 1) and m["packets"] == Long(3)
    assert (m["engine_type"], m["engine_id"], m["sampling_interval"]) == (2, 3, 16)
    assert m["original_string"] == packet[24:72].hex()


def test_v5_icmp_type_and_code_come_from_the_destination_port() -> None:
    packet = v5_packet([v5_record("192.0.2.1", "192.0.2.2", 0, 0x0B01, proto=1)])
    (m,) = NetflowParser({}).parse(packet).messages
    assert (m["icmp_type"], m["icmp_code"]) == (11, 1)


def test_v5_count_larger_than_the_packet() -> None:
    result = NetflowParser({}).parse(
        v5_packet([v5_record("192.0.2.1", "192.0.2.2", 1, 2)], count=5)
    )
    assert len(result.messages) == 1
    assert "counts 5 records" in str(result.errors[0][1])


def test_v9_data_before_its_template_is_an_error_then_parses() -> None:
    parser = NetflowParser({})
    first = parser.parse(v9_packet([flowset(256, _flow()), flowset(0, v9_template(256, T))]))
    assert first.messages == []
    ((raw, error),) = first.errors
    assert "no template 256 for source id 0" in str(error)
    assert raw == flowset(256, _flow()).hex()
    second = parser.parse(
        v9_packet([flowset(256, _flow() + _flow("10.0.0.3"))], uptime=3_600_000, secs=1_600_000_000)
    )
    assert [m["ip_src_addr"] for m in second.messages] == ["10.0.0.1", "10.0.0.3"]
    assert second.messages[0]["timestamp"] == Long(1_600_000_000_000 - 10_000)
    assert second.messages[0]["template_id"] == 256


def test_v9_templates_are_kept_per_source_id_and_replaced() -> None:
    parser = NetflowParser({})
    parser.parse(v9_packet([flowset(0, v9_template(256, T))], source_id=1))
    other = parser.parse(v9_packet([flowset(256, _flow())], source_id=2))
    assert other.messages == [] and len(other.errors) == 1
    swapped = [(12, 4), (8, 4)]
    parser.parse(v9_packet([flowset(0, v9_template(256, swapped))], source_id=1))
    (m,) = parser.parse(
        v9_packet([flowset(256, record(swapped, ["10.9.9.9", "10.8.8.8"]))], source_id=1)
    ).messages
    assert (m["ip_src_addr"], m["ip_dst_addr"]) == ("10.8.8.8", "10.9.9.9")
    assert m["timestamp"] == Long(1_700_000_000_000)  # no times in the record: the export time


def test_v9_options_give_the_sampling_interval() -> None:
    parser = NetflowParser({})
    options = flowset(1, v9_options_template(300, [(2, 2)], [(34, 2)]))
    data = flowset(300, record([(2, 2), (34, 2)], [5, 1000]))
    result = parser.parse(
        v9_packet([options, data, flowset(0, v9_template(256, T)), flowset(256, _flow())])
    )
    (m,) = result.messages
    assert m["sampling_interval"] == 1000


@pytest.mark.parametrize(
    ("flowsets", "message"),
    [
        ([flowset(0, v9_template(256, [(8, 0)]))], "no bytes"),
        ([flowset(0, v9_template(256, [(8, 65535)]))], "variable lengths"),
        ([flowset(0, v9_template(100, [(8, 4)]))], "reserved"),
        ([flowset(0, struct.pack("!HH", 256, 50) + b"\0" * 8)], "run past"),
        ([flowset(1, struct.pack("!HHH", 300, 3, 4) + b"\0" * 10)], "multiples of 4"),
        ([flowset(7, b"\0" * 4)], "reserved"),
        ([flowset(0, v9_template(256, [(8, 4)] * 1025))], "at most 1024"),
    ],
)
def test_v9_bad_sets_are_errors(flowsets: list[bytes], message: str) -> None:
    result = NetflowParser({}).parse(v9_packet(flowsets))
    assert result.messages == []
    assert message in str(result.errors[0][1])


def test_v9_set_length_past_the_packet_stops_it() -> None:
    packet = (
        v9_packet([flowset(0, v9_template(256, T))]) + struct.pack("!HH", 256, 4000) + b"\0" * 10
    )
    result = NetflowParser({}).parse(packet)
    assert "claims 4000 bytes" in str(result.errors[0][1])


def test_ipfix_enterprise_and_variable_length_fields() -> None:
    fields = [
        (8, 4, None),
        (12, 4, None),
        (100, 65535, 29305),
        (82, 65535, None),
        (4, 1, None),
        (999, 2, None),
        (210, 3, None),
    ]
    long_name = b"x" * 300
    data = (
        ip("10.1.1.1")
        + ip("10.2.2.2")
        + varlen(b"vendor data")
        + varlen(long_name)
        + b"\x11"
        + b"\x01\x02"
        + b"\0\0\0"
    )
    result = NetflowParser({}).parse(
        ipfix_message([flowset(2, ipfix_template(256, fields)), flowset(256, data)])
    )
    assert result.errors == []
    (m,) = result.messages
    assert m["if_name"] == "x" * 300
    assert m["protocol"] == "UDP"
    assert m["ie_999"] == 0x0102  # no name here: kept under its number
    assert "padding" not in m and not any("29305" in k or k == "ie_100" for k in m)


def test_ipfix_withdrawals() -> None:
    parser = NetflowParser({})
    templates = flowset(
        2, ipfix_template(256, [(8, 4, None)]) + ipfix_template(257, [(12, 4, None)])
    )
    parser.parse(ipfix_message([templates]))
    parser.parse(ipfix_message([flowset(2, struct.pack("!HH", 256, 0))]))
    result = parser.parse(
        ipfix_message([flowset(256, ip("10.0.0.1")), flowset(257, ip("10.0.0.2"))])
    )
    assert [m["ip_dst_addr"] for m in result.messages] == ["10.0.0.2"]
    parser.parse(ipfix_message([flowset(2, struct.pack("!HH", 2, 0))]))  # all of them
    assert parser.parse(ipfix_message([flowset(257, ip("10.0.0.2"))])).messages == []


def test_ipfix_uptime_times_need_the_system_start() -> None:
    parser = NetflowParser({})
    fields = [(8, 4, None), (22, 4, None), (21, 4, None)]
    tmpl = flowset(2, ipfix_template(256, fields))
    data = flowset(256, record([(8, 4), (22, 4), (21, 4)], ["10.0.0.1", 5_000, 6_000]))
    (m,) = parser.parse(ipfix_message([tmpl, data], export_time=1_700_000_100)).messages
    assert m["timestamp"] == Long(1_700_000_100_000) and "end_time" not in m
    options = flowset(3, ipfix_options_template(300, 1, [(149, 4, None), (160, 8, None)]))
    init = flowset(300, record([(149, 4), (160, 8)], [1, 1_700_000_000_000]))
    (m,) = parser.parse(ipfix_message([options, init, data])).messages
    assert (m["timestamp"], m["end_time"]) == (Long(1_700_000_005_000), Long(1_700_000_006_000))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (struct.pack("!HHH", 256, 2, 0) + ipfix_field(8, 4) + ipfix_field(12, 4), "0 scope fields"),
        (struct.pack("!HH", 256, 3) + ipfix_field(8, 4), "run past"),
        (struct.pack("!HH", 256, 1) + struct.pack("!HH", 0x8001, 4) + b"\0\0", "enterprise field"),
    ],
)
def test_ipfix_bad_templates(body: bytes, message: str) -> None:
    set_id = 3 if "scope" in message else 2
    result = NetflowParser({}).parse(ipfix_message([flowset(set_id, body, pad=False)]))
    assert message in str(result.errors[0][1])


def test_ipfix_variable_length_past_the_set() -> None:
    parser = NetflowParser({})
    parser.parse(ipfix_message([flowset(2, ipfix_template(256, [(82, 65535, None)]))]))
    result = parser.parse(ipfix_message([flowset(256, b"\xff\x01\x00abc", pad=False)]))
    assert "past" in str(result.errors[0][1])


def test_ipfix_length_disagreeing_with_the_data() -> None:
    message = ipfix_message([flowset(2, ipfix_template(256, [(8, 4, None)]))])
    result = NetflowParser({}).parse(message + b"junk")
    assert "after the IPFIX message" in str(result.errors[0][1])


def test_the_least_recently_announced_templates_go_first() -> None:
    parser = NetflowParser({"maxTemplates": 2})
    for tid in (256, 257, 258):
        parser.parse(v9_packet([flowset(0, v9_template(tid, [(8, 4)]))]))
    assert parser.parse(v9_packet([flowset(256, ip("10.0.0.1"))])).errors
    assert parser.parse(v9_packet([flowset(258, ip("10.0.0.1"))])).messages


@pytest.mark.parametrize("config", [{"maxTemplates": 0}, {"maxExporters": "10"}])
def test_bad_configs(config: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="positive integer"):
        NetflowParser(config)


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"", "too short"), (b"\x00\x07" + b"\0" * 30, "version 7"), (b"\x00\x05\x00\x01", "v5 header"),
     (b"\x00\x0a\x00\x05" + b"\0" * 12, "shorter than its header")],
)  # fmt: skip
def test_unreadable_packets(raw: bytes, message: str) -> None:
    with pytest.raises(ParserError, match=message):
        NetflowParser({}).parse(raw)


# -- reading files ------------------------------------------------------------------------------


def _pcap(frames: list[bytes], link: int = 1) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link)
    for frame in frames:
        out += struct.pack("<IIII", 1_700_000_000, 0, len(frame), len(frame)) + frame
    return out


def _udp_ipv4(payload: bytes, proto: int = 17, fragment: int = 0) -> bytes:
    udp = struct.pack("!HHHH", 50000, 2055, 8 + len(payload), 0) + payload
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(udp),
        1,
        fragment,
        64,
        proto,
        0,
        ip("10.0.0.1"),
        ip("10.0.0.2"),
    )
    return header + udp


def _udp_ipv6(payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", 50000, 4739, 8 + len(payload), 0) + payload
    return (
        struct.pack(
            "!IHBB16s16s", 0x60000000, len(udp), 17, 64, ip("2001:db8::1"), ip("2001:db8::2")
        )
        + udp
    )


def test_records_from_a_pcap() -> None:
    v5 = v5_packet([v5_record("10.0.0.1", "10.0.0.2", 1, 2)])
    v9 = v9_packet([flowset(0, v9_template(256, [(8, 4)]))])
    mac = b"\x00\x11\x22\x33\x44\x55" * 2
    frames = [
        mac + b"\x08\x00" + _udp_ipv4(v5),
        mac + b"\x81\x00\x00\x64\x86\xdd" + _udp_ipv6(v9),  # VLAN-tagged IPv6
        mac + b"\x08\x00" + _udp_ipv4(v5, proto=6),  # TCP: skipped
        mac + b"\x08\x00" + _udp_ipv4(v5, fragment=0x0010),  # a later fragment: skipped
        mac + b"\x08\x06" + b"\0" * 28,  # ARP
        mac + b"\x08\x00" + _udp_ipv4(b"not netflow"),
    ]
    assert list(NetflowParser.records(io.BytesIO(_pcap(frames)))) == [v5, v9]
    assert list(NetflowParser.records(io.BytesIO(_pcap([_udp_ipv4(v5)], link=101)))) == [v5]


def test_records_back_to_back() -> None:
    v5 = v5_packet([v5_record("10.0.0.1", "10.0.0.2", 1, 2)] * 2)
    v9 = v9_packet([flowset(0, v9_template(256, T)), flowset(256, _flow())])
    ipfix = ipfix_message([flowset(2, ipfix_template(256, [(8, 4, None)]))])
    stream = io.BytesIO(v9 + v5 + v9 + ipfix + b"\x00\x07junk")
    assert list(NetflowParser.records(stream)) == [v9, v5, v9, ipfix, b"\x00\x07junk"]
    # v9 has no length: it ends where the next packet's version number stands
    assert list(NetflowParser.records(io.BytesIO(v9 + b"\x00\x07junk"))) == [v9 + b"\x00\x07junk"]


def test_pcapng_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="tcpdump"):
        list(NetflowParser.records(io.BytesIO(b"\x0a\x0d\x0d\x0a" + b"\0" * 40)))


# -- robustness ---------------------------------------------------------------------------------

GOOD = [
    v5_packet([v5_record("10.0.0.1", "10.0.0.2", 1, 2)] * 3),
    v9_packet([flowset(0, v9_template(256, T)), flowset(256, _flow() * 3)]),
    ipfix_message([flowset(2, ipfix_template(256, [(8, 4, None), (82, 65535, None)])),
                   flowset(256, ip("10.0.0.1") + varlen(b"eth0"))]),
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    parser = NetflowParser({})
    for packet in (raw, b"\x00\x09" + raw, b"\x00\x0a" + raw, b"\x00\x05" + raw):
        with contextlib.suppress(ParserError):
            parser.parse(packet)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(GOOD),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=6),
)
def test_damaged_packets_parse_or_raise_quickly(
    packet: bytes, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(packet)
    for where, byte in flips:
        data[where % len(data)] = byte
    parser = NetflowParser({})
    start = time.perf_counter()
    for _ in range(2):  # the second time with whatever templates the first left
        with contextlib.suppress(ParserError):
            parser.parse(bytes(data))
    assert time.perf_counter() - start < 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_streams_end(raw: bytes) -> None:
    for head in (b"", b"\x00\x09", b"\xd4\xc3\xb2\xa1"):
        try:
            for _ in NetflowParser.records(io.BytesIO(head + raw)):
                pass
        except ValueError:
            pass


# -- the golden cases' packets -----------------------------------------------------------------

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def golden_packets() -> dict[str, list[bytes]]:
    """The packets of tests/golden/netflow-*/raw.hex."""
    cases: dict[str, list[bytes]] = {}

    def write(case: str, packets: list[bytes]) -> None:
        cases[case] = packets

    # v5
    p1 = v5_packet(
        [
            v5_record(
                "10.12.0.5",
                "93.184.216.34",
                49152,
                443,
                packets=18,
                octets=9120,
                first=7_190_000,
                last=7_199_500,
                flags=0x1B,
                nexthop="10.12.0.1",
                src_as=64512,
                dst_as=15133,
                in_if=3,
                out_if=1,
            ),
            v5_record(
                "10.12.0.9",
                "198.51.100.53",
                5353,
                53,
                proto=17,
                packets=1,
                octets=76,
                first=7_199_800,
                last=7_199_800,
                flags=0,
                tos=0x28,
            ),
            v5_record(
                "10.12.0.7",
                "203.0.113.9",
                0,
                2048,
                proto=1,
                packets=4,
                octets=336,
                first=7_195_000,
                last=7_198_000,
                flags=0,
            ),
        ],
        uptime=7_200_000,
        secs=1_710_408_400,
        nsecs=512_000_000,
        sequence=1001,
        engine=(1, 7),
        sampling=(1 << 14) | 100,
    )
    # exporter whose uptime wrapped past 2**32 ms: First is just below the wrap
    p2 = v5_packet(
        [v5_record("10.12.1.1", "192.0.2.80", 33000, 8080, first=2**32 - 1500, last=500)],
        uptime=1000,
        secs=1_710_408_500,
        sequence=1004,
    )
    p3 = v5_packet([v5_record("10.12.1.2", "192.0.2.81", 33001, 22)], count=3, sequence=1005)
    write("netflow-v5", [p1, p2, p3])

    # v9
    T4 = [
        (8, 4),
        (12, 4),
        (7, 2),
        (11, 2),
        (4, 1),
        (6, 1),
        (5, 1),
        (1, 4),
        (2, 4),
        (22, 4),
        (21, 4),
        (10, 2),
        (14, 2),
        (61, 1),
    ]
    r1 = record(
        T4,
        [
            "172.16.5.20",
            "151.101.1.69",
            51000,
            443,
            6,
            0x1A,
            0,
            48213,
            61,
            5_990_000,
            5_999_000,
            4,
            1,
            0,
        ],
    )
    r2 = record(
        T4, ["172.16.5.21", "8.8.4.4", 40001, 53, 17, 0, 0, 140, 2, 5_999_100, 5_999_150, 4, 1, 1]
    )
    tmpl = flowset(0, v9_template(260, T4))
    a = v9_packet(
        [flowset(260, r1), tmpl], uptime=6_000_000, secs=1_710_410_000, sequence=77, source_id=2049
    )
    b = v9_packet(
        [flowset(260, r1 + r2)], uptime=6_001_000, secs=1_710_410_001, sequence=78, source_id=2049
    )
    # options: sampling interval 512 for the exporter, scope = system
    opt_t = flowset(1, v9_options_template(270, [(1, 4)], [(34, 4), (35, 1)]))
    opt_d = flowset(270, record([(1, 4), (34, 4), (35, 1)], [0, 512, 2]))
    c = v9_packet(
        [opt_t, opt_d, flowset(260, r2)],
        uptime=6_002_000,
        secs=1_710_410_002,
        sequence=79,
        source_id=2049,
    )
    # IPv6 flows, MACs and VLANs, another exporter (source id) using the same template id
    T6 = [
        (27, 16),
        (28, 16),
        (7, 2),
        (11, 2),
        (4, 1),
        (1, 8),
        (2, 8),
        (22, 4),
        (21, 4),
        (56, 6),
        (80, 6),
        (58, 2),
        (32, 2),
    ]
    r6 = record(
        T6,
        [
            "2001:db8:10::5",
            "2001:db8:ff::1",
            0,
            0,
            58,
            640,
            8,
            99_000,
            99_500,
            bytes.fromhex("001b21aabbcc"),
            bytes.fromhex("3c7d0a112233"),
            120,
            0x8000,
        ],
    )
    d = v9_packet(
        [flowset(0, v9_template(260, T6)), flowset(260, r6)],
        uptime=100_000,
        secs=1_710_410_050,
        sequence=5,
        source_id=7,
    )
    # a reserved flowset id and a data flowset for an unknown template in a good packet
    e = v9_packet(
        [flowset(17, b"\x00" * 8), flowset(261, r1), flowset(260, r1)],
        uptime=6_003_000,
        secs=1_710_410_003,
        sequence=80,
        source_id=2049,
    )
    write("netflow-v9", [a, b, c, d, e])

    # IPFIX
    F = [
        (8, 4, None),
        (12, 4, None),
        (7, 2, None),
        (11, 2, None),
        (4, 1, None),
        (1, 8, None),
        (2, 8, None),
        (152, 8, None),
        (153, 8, None),
        (136, 1, None),
        (12235, 65535, 9),
        (96, 65535, None),
        (243, 2, None),
    ]

    def ipfix_rec(src, dst, sport, dport, proto, octets, pkts, start, end, reason, ent, app, vlan):
        return (
            record(
                [(a, b) for a, b, _ in F[:10]],
                [src, dst, sport, dport, proto, octets, pkts, start, end, reason],
            )
            + varlen(ent)
            + varlen(app)
            + value(vlan, 2)
        )

    m1 = ipfix_message(
        [
            flowset(2, ipfix_template(400, F)),
            flowset(
                400,
                ipfix_rec(
                    "10.30.0.8",
                    "140.82.112.3",
                    50412,
                    443,
                    6,
                    3_400_000_000,
                    2_400_000,
                    1_710_411_000_000,
                    1_710_411_060_250,
                    3,
                    b"\x01\x02",
                    b"git",
                    30,
                )
                + ipfix_rec(
                    "10.30.0.9",
                    "10.30.0.1",
                    68,
                    67,
                    17,
                    342,
                    1,
                    1_710_411_001_000,
                    1_710_411_001_000,
                    1,
                    b"",
                    b"dhcp",
                    30,
                ),
            ),
        ],
        export_time=1_710_411_100,
        sequence=500,
        domain=42,
    )
    # sysuptime-relative times resolved through systemInitTimeMilliseconds from an options record
    S = [
        (8, 4, None),
        (12, 4, None),
        (7, 2, None),
        (11, 2, None),
        (4, 1, None),
        (1, 4, None),
        (2, 4, None),
        (22, 4, None),
        (21, 4, None),
    ]
    OPT = [(144, 4, None), (160, 8, None), (305, 4, None)]
    m2 = ipfix_message(
        [
            flowset(3, ipfix_options_template(401, 1, OPT)),
            flowset(401, record([(a, b) for a, b, _ in OPT], [1, 1_710_400_000_000, 100])),
            flowset(2, ipfix_template(402, S)),
            flowset(
                402,
                record(
                    [(a, b) for a, b, _ in S],
                    ["10.30.1.4", "198.51.100.200", 55001, 25, 6, 5200, 12, 11_000_000, 11_002_000],
                ),
            ),
        ],
        export_time=1_710_411_105,
        sequence=502,
        domain=42,
    )
    # delta-microsecond and NTP-microsecond times; ICMP type/code
    D = [
        (8, 4, None),
        (12, 4, None),
        (4, 1, None),
        (139, 2, None),
        (2, 4, None),
        (158, 4, None),
        (159, 4, None),
    ]
    N = [(27, 16, None), (28, 16, None), (4, 1, None), (154, 8, None), (155, 8, None), (1, 4, None)]
    m3 = ipfix_message(
        [
            flowset(2, ipfix_template(403, D) + ipfix_template(404, N)),
            flowset(
                403,
                record(
                    [(a, b) for a, b, _ in D],
                    ["10.30.2.2", "10.30.2.3", 1, 0x0300, 3, 2_500_000, 500_000],
                ),
            ),
            flowset(
                404,
                record(
                    [(a, b) for a, b, _ in N],
                    [
                        "2001:db8::7",
                        "2001:db8::8",
                        17,
                        ntp(1_710_411_109_125),
                        ntp(1_710_411_109_875),
                        1200,
                    ],
                ),
            ),
        ],
        export_time=1_710_411_110,
        sequence=505,
        domain=42,
    )
    # template 400 withdrawn: its data is an error; a second domain is unaffected
    m4 = ipfix_message(
        [
            flowset(2, b"\x01\x90\x00\x00"),
            flowset(
                400,
                ipfix_rec("10.30.0.8", "140.82.112.3", 50413, 443, 6, 1, 1, 0, 0, 1, b"", b"", 0),
            ),
        ],
        export_time=1_710_411_120,
        sequence=506,
        domain=42,
    )
    write("netflow-ipfix", [m1, m2, m3, m4])

    # whole-packet errors
    write(
        "netflow-errors",
        [
            b"\x00\x05",  # shorter than a header
            bytes.fromhex("0007001e") + b"\x00" * 20,  # NetFlow v7
            b"hello, this is not netflow",
            v9_packet([], source_id=1)[:12],  # truncated v9 header
            v9_packet(
                [flowset(0, v9_template(300, [(8, 4)]))[:6] + b"\x00\x40"], source_id=1
            ),  # set length past the end
            v9_packet(
                [flowset(0, v9_template(12, [(8, 4)]))], source_id=1
            ),  # template id below 256
            ipfix_message([flowset(2, ipfix_template(500, [(8, 4, None)]))])[
                :-2
            ],  # IPFIX length past the data
        ],
    )
    return cases


def test_golden_packets_are_built_here() -> None:
    for case, packets in golden_packets().items():
        assert (GOLDEN / case / "raw.hex").read_text() == "".join(p.hex() + "\n" for p in packets)
