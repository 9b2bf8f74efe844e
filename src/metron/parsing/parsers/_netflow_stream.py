"""Export packets out of a file: a classic pcap capture, or packets written back to back.

From a pcap (``tcpdump -w``; Ethernet with VLAN tags, Linux cooked, raw IP or BSD loopback
links) every UDP payload that starts like a NetFlow v5/v9 or IPFIX header is one record;
IP fragments after the first are skipped.  Back-to-back packets are cut by their own
lengths: v5 by its record count, IPFIX by its length field, v9 (which has none) at the next
flowset boundary that holds a version number (0x0005, 0x0009 or 0x000a), since set ids
below 256 other than 0 and 1 never occur.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import IO

__all__ = ["export_packets"]

_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": "<",
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",
    b"\xa1\xb2\x3c\x4d": ">",
}
_PCAPNG = b"\x0a\x0d\x0d\x0a"
_VERSIONS = (5, 9, 10)
_MAX_RECORD = 1 << 20


class _Reader:
    """Reads exactly what is asked from a stream that may return short reads."""

    def __init__(self, stream: IO[bytes], head: bytes = b"") -> None:
        self.stream = stream
        self.buffer = bytearray(head)

    def peek(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.stream.read(max(n - len(self.buffer), 65536))
            if not chunk:
                break
            self.buffer += chunk
        return bytes(self.buffer[:n])

    def take(self, n: int) -> bytes:
        data = self.peek(n)
        del self.buffer[: len(data)]
        return data


def export_packets(stream: IO[bytes]) -> Iterator[bytes]:
    """The export packets in ``stream`` (pcap or concatenated), one at a time."""
    reader = _Reader(stream)
    magic = reader.peek(4)
    if magic == _PCAPNG:
        raise ValueError("pcapng captures are not read; convert with 'tcpdump -r in -w out.pcap'")
    if magic in _PCAP_MAGIC:
        yield from _pcap(reader, _PCAP_MAGIC[magic])
    else:
        yield from _concatenated(reader)


def _pcap(reader: _Reader, order: str) -> Iterator[bytes]:
    header = reader.take(24)
    if len(header) < 24:
        return
    link = struct.unpack(order + "I", header[20:24])[0] & 0x0FFFFFFF
    while True:
        record = reader.take(16)
        if len(record) < 16:
            return
        captured = struct.unpack(order + "I", record[8:12])[0]
        if captured > _MAX_RECORD:
            raise ValueError(f"pcap record of {captured} bytes: the capture is damaged")
        frame = reader.take(captured)
        payload = _udp_payload(frame, link)
        if (
            payload is not None
            and len(payload) >= 4
            and (payload[0] << 8 | payload[1]) in _VERSIONS
        ):
            yield payload


def _udp_payload(frame: bytes, link: int) -> bytes | None:
    if link == 1:  # Ethernet
        offset, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= offset + 4:
            ethertype = frame[offset + 2 : offset + 4]
            offset += 4
        if ethertype not in (b"\x08\x00", b"\x86\xdd"):
            return None
        return _ip(frame[offset:])
    if link in (101, 12, 14, 228, 229):  # raw IP
        return _ip(frame)
    if link == 113:  # Linux cooked
        return _ip(frame[16:])
    if link == 276:  # Linux cooked v2
        return _ip(frame[20:])
    if link in (0, 108):  # BSD loopback
        return _ip(frame[4:])
    return None


def _ip(packet: bytes) -> bytes | None:
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        header = (packet[0] & 0x0F) * 4
        fragment = struct.unpack("!H", packet[6:8])[0]
        if packet[9] != 17 or fragment & 0x1FFF:
            return None  # not UDP, or a later fragment
        total = struct.unpack("!H", packet[2:4])[0]
        udp = packet[header : total if total >= header + 8 else len(packet)]
    elif version == 6 and len(packet) >= 40:
        if packet[6] != 17:
            return None
        udp = packet[40:]
    else:
        return None
    if len(udp) < 8:
        return None
    length = struct.unpack("!H", udp[4:6])[0]
    return udp[8:length] if length >= 8 else udp[8:]


def _concatenated(reader: _Reader) -> Iterator[bytes]:
    while True:
        head = reader.peek(4)
        if not head:
            return
        if len(head) < 4:
            yield reader.take(4)
            return
        version, second = struct.unpack("!HH", head)
        if version == 5:
            yield reader.take(24 + 48 * second)
        elif version == 10:
            yield reader.take(max(second, 4))
        elif version == 9:
            yield reader.take(_v9_length(reader))
        else:
            # Not a packet start: hand the rest over whole, the parser reports it.
            rest = bytearray()
            while chunk := reader.take(65536):
                rest += chunk
            yield bytes(rest)
            return


def _v9_length(reader: _Reader) -> int:
    offset = 20
    while True:
        head = reader.peek(offset + 4)[offset:]
        if len(head) < 4:
            return min(len(reader.peek(offset + 4)), offset + len(head))
        set_id, length = struct.unpack("!HH", head)
        if set_id in _VERSIONS or length < 4:
            return offset
        offset += length
        if offset > _MAX_RECORD:
            return offset
