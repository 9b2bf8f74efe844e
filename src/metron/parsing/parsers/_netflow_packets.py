"""Decoding NetFlow v5, v9 and IPFIX export packets into flow messages.

:class:`Collector` keeps what an exporter announced -- templates and, from options
records, the sampling interval and the system start time -- per (version, source id /
observation domain), and turns each export packet into messages and per-part errors.
"""

from __future__ import annotations

import socket
import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from metron.parsing.parsers._netflow_fields import protocol_name
from metron.parsing.parsers._netflow_templates import (
    Template,
    TemplateError,
    read_ipfix_templates,
    read_v9_templates,
)
from metron.stellar.types import Long

__all__ = ["Collector", "NetflowError"]

_V5_HEADER = struct.Struct("!HHIIIIBBH")
_V5_RECORD = struct.Struct("!4s4s4sHHIIIIHHxBBBHHBBxx")
_V9_HEADER = struct.Struct("!HHIIII")
_IPFIX_HEADER = struct.Struct("!HHIII")
_SET_HEADER = struct.Struct("!HH")
_NTP_EPOCH = 2_208_988_800  # seconds from 1900 to 1970
_MAX_STORED_FIELDS = 200_000  # template fields kept over all exporters
_ICMP = (1, 58)  # exporters put ICMP type * 256 + code in the destination port


class NetflowError(ValueError):
    """A packet, or a part of one, cannot be decoded."""


@dataclass
class Exporter:
    """What one exporter (version, source id) has told us besides its templates."""

    sampling_interval: int | None = None
    system_init_ms: int | None = None


@dataclass
class _Packet:
    """Header facts every record of the packet needs."""

    version: int
    domain: int
    export_ms: int
    uptime_ms: int | None
    exporter: Exporter
    base: dict[str, Any] = field(default_factory=dict)


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class Collector:
    """Decodes export packets, keeping templates per exporter across packets."""

    def __init__(self, max_templates: int = 10_000, max_exporters: int = 10_000) -> None:
        self.max_templates = max_templates
        self.max_exporters = max_exporters
        # (version, domain, template id) -> template, least recently announced first
        self.templates: OrderedDict[tuple[int, int, int], Template] = OrderedDict()
        self.exporters: OrderedDict[tuple[int, int], Exporter] = OrderedDict()
        self._fields = 0  # fields over all stored templates, to bound their memory

    def decode(self, data: bytes) -> tuple[list[dict[str, Any]], list[tuple[Any, Exception]]]:
        """The flow messages of one export packet and the errors of its broken parts.

        ``NetflowError`` when the packet as a whole cannot be read.
        """
        if len(data) < 4:
            raise NetflowError(f"{len(data)} bytes is too short for a NetFlow header")
        version = data[0] << 8 | data[1]
        if version == 5:
            return self._v5(data)
        if version == 9:
            return self._v9(data)
        if version == 10:
            return self._ipfix(data)
        raise NetflowError(f"NetFlow version {version} is not supported (5, 9 and 10 are)")

    # -- v5 --------------------------------------------------------------------------------

    def _v5(self, data: bytes) -> tuple[list[dict[str, Any]], list[tuple[Any, Exception]]]:
        if len(data) < _V5_HEADER.size:
            raise NetflowError("truncated NetFlow v5 header")
        _, count, uptime, secs, nsecs, sequence, engine_type, engine_id, sampling = (
            _V5_HEADER.unpack_from(data)
        )
        export_ms = secs * 1000 + nsecs // 1_000_000
        base: dict[str, Any] = {
            "netflow_version": 5,
            "export_sequence": Long(sequence),
            "engine_type": engine_type,
            "engine_id": engine_id,
        }
        if sampling & 0x3FFF:
            base["sampling_interval"] = sampling & 0x3FFF
        messages = []
        errors: list[tuple[Any, Exception]] = []
        size = _V5_RECORD.size
        end = _V5_HEADER.size + count * size
        if end > len(data):
            errors.append(
                (
                    data[_V5_HEADER.size :].hex(),
                    NetflowError(
                        f"the header counts {count} records but the packet holds"
                        f" {(len(data) - _V5_HEADER.size) // size} whole ones"
                    ),
                )
            )
            end = _V5_HEADER.size + (len(data) - _V5_HEADER.size) // size * size
        for offset in range(_V5_HEADER.size, end, size):
            (src, dst, hop, in_if, out_if, packets, octets, first, last, sport, dport, flags,
             proto, tos, src_as, dst_as, src_mask, dst_mask) = _V5_RECORD.unpack_from(data, offset)  # fmt: skip
            start = export_ms - _signed32(uptime - first)
            stop = export_ms - _signed32(uptime - last)
            msg = dict(base)
            msg.update(
                ip_src_addr=socket.inet_ntoa(src), ip_src_port=sport,
                ip_dst_addr=socket.inet_ntoa(dst), ip_dst_port=dport,
                protocol=protocol_name(proto), protocol_number=proto,
                timestamp=Long(start), end_time=Long(stop), duration=Long(stop - start),
                bytes=Long(octets), packets=Long(packets), tcp_flags=flags, tos=tos,
                next_hop=socket.inet_ntoa(hop), input_if=in_if, output_if=out_if,
                src_as=src_as, dst_as=dst_as, src_mask=src_mask, dst_mask=dst_mask,
                original_string=data[offset : offset + size].hex(),
            )  # fmt: skip
            if proto in _ICMP:
                msg["icmp_type"], msg["icmp_code"] = dport >> 8, dport & 0xFF
            messages.append(msg)
        return messages, errors

    # -- v9 and IPFIX ------------------------------------------------------------------------

    def _exporter(self, version: int, domain: int) -> Exporter:
        key = (version, domain)
        exporter = self.exporters.get(key)
        if exporter is None:
            exporter = self.exporters[key] = Exporter()
            if len(self.exporters) > self.max_exporters:
                self.exporters.popitem(last=False)
        else:
            self.exporters.move_to_end(key)
        return exporter

    def _v9(self, data: bytes) -> tuple[list[dict[str, Any]], list[tuple[Any, Exception]]]:
        if len(data) < _V9_HEADER.size:
            raise NetflowError("truncated NetFlow v9 header")
        _, _, uptime, secs, sequence, source_id = _V9_HEADER.unpack_from(data)
        exporter = self._exporter(9, source_id)
        base = {"netflow_version": 9, "source_id": source_id, "export_sequence": Long(sequence)}
        packet = _Packet(9, source_id, secs * 1000, uptime, exporter, base)
        return self._sets(data, _V9_HEADER.size, len(data), packet)

    def _ipfix(self, data: bytes) -> tuple[list[dict[str, Any]], list[tuple[Any, Exception]]]:
        if len(data) < _IPFIX_HEADER.size:
            raise NetflowError("truncated IPFIX header")
        _, length, secs, sequence, domain = _IPFIX_HEADER.unpack_from(data)
        if length < _IPFIX_HEADER.size:
            raise NetflowError(f"IPFIX message length {length} is shorter than its header")
        exporter = self._exporter(10, domain)
        base = {
            "netflow_version": 10,
            "observation_domain_id": domain,
            "export_sequence": Long(sequence),
        }
        packet = _Packet(10, domain, secs * 1000, None, exporter, base)
        messages, errors = self._sets(data, _IPFIX_HEADER.size, min(length, len(data)), packet)
        if length > len(data):
            errors.append(("", NetflowError(f"IPFIX message of {length} bytes cut at {len(data)}")))
        elif length < len(data):
            errors.append((data[length:].hex(), NetflowError("bytes after the IPFIX message")))
        return messages, errors

    def _sets(
        self, data: bytes, offset: int, end: int, packet: _Packet
    ) -> tuple[list[dict[str, Any]], list[tuple[Any, Exception]]]:
        messages: list[dict[str, Any]] = []
        errors: list[tuple[Any, Exception]] = []
        ipfix = packet.version == 10
        while end - offset >= 4:
            set_id, length = _SET_HEADER.unpack_from(data, offset)
            if length < 4 or offset + length > end:
                errors.append(
                    (data[offset:end].hex(), NetflowError(
                        f"set {set_id} claims {length} bytes; {end - offset} are left"
                    ))
                )  # fmt: skip
                return messages, errors
            body = data[offset + 4 : offset + length]
            try:
                if set_id >= 256:
                    self._data_set(set_id, body, packet, messages)
                elif ipfix and set_id in (2, 3):
                    self._ipfix_templates(set_id, body, packet)
                elif not ipfix and set_id in (0, 1):
                    for template in read_v9_templates(body, set_id == 1):
                        self._store(packet, template)
                else:
                    raise NetflowError(f"set id {set_id} is reserved")
            except (NetflowError, TemplateError) as e:
                errors.append((data[offset : offset + length].hex(), e))
            offset += length
        return messages, errors

    def _ipfix_templates(self, set_id: int, body: bytes, packet: _Packet) -> None:
        for template_id, template in read_ipfix_templates(body, set_id):
            if template is not None:
                self._store(packet, template)
                continue
            prefix = (packet.version, packet.domain)
            if template_id == set_id:  # withdraw every template of this kind
                options = set_id == 3
                doomed = [
                    k for k, t in self.templates.items() if k[:2] == prefix and t.options == options
                ]
            else:
                doomed = [(*prefix, template_id)]
            for key in doomed:
                gone = self.templates.pop(key, None)
                if gone is not None:
                    self._fields -= len(gone.fields)

    def _store(self, packet: _Packet, template: Template) -> None:
        key = (packet.version, packet.domain, template.id)
        old = self.templates.pop(key, None)
        if old is not None:
            self._fields -= len(old.fields)
        self.templates[key] = template
        self._fields += len(template.fields)
        while len(self.templates) > self.max_templates or self._fields > _MAX_STORED_FIELDS:
            _, evicted = self.templates.popitem(last=False)
            self._fields -= len(evicted.fields)

    def _data_set(
        self, set_id: int, body: bytes, packet: _Packet, messages: list[dict[str, Any]]
    ) -> None:
        template = self.templates.get((packet.version, packet.domain, set_id))
        if template is None:
            domain = "observation domain" if packet.version == 10 else "source id"
            raise NetflowError(
                f"no template {set_id} for {domain} {packet.domain} yet: records that arrive"
                " before their template are dropped"
            )
        for raw, values in template.records(body):
            msg = dict(packet.base)
            msg["template_id"] = set_id
            times = template.apply(values, msg)
            if template.options:
                self._remember(packet.exporter, msg, times)
                continue
            self._place_in_time(msg, times, packet)
            if "icmp_type" not in msg and msg.get("protocol_number") in _ICMP:
                port = msg.get("ip_dst_port")
                if type(port) is int:
                    msg["icmp_type"], msg["icmp_code"] = port >> 8, port & 0xFF
            if "sampling_interval" not in msg and packet.exporter.sampling_interval:
                msg["sampling_interval"] = packet.exporter.sampling_interval
            msg["original_string"] = raw.hex()
            messages.append(msg)

    @staticmethod
    def _remember(
        exporter: Exporter, msg: dict[str, Any], times: dict[str, tuple[str, int]]
    ) -> None:
        interval = msg.get("sampling_interval") or msg.get("sampler_random_interval")
        if type(interval) is int and interval > 0:
            exporter.sampling_interval = interval
        init = times.get("system_init_time")
        if init is not None:
            exporter.system_init_ms = init[1]

    @staticmethod
    def _place_in_time(
        msg: dict[str, Any], times: dict[str, tuple[str, int]], packet: _Packet
    ) -> None:
        init = times.get("system_init_time")
        init_ms = init[1] if init is not None else packet.exporter.system_init_ms
        start = _epoch_ms(times.get("start"), packet, init_ms)
        end = _epoch_ms(times.get("end"), packet, init_ms)
        duration = times.get("duration")
        span = None
        if duration is not None:
            span = duration[1] // 1000 if duration[0] == "duration_micros" else duration[1]
        if start is None and end is not None and span is not None:
            start = end - span
        if end is None and start is not None and span is not None:
            end = start + span
        msg["timestamp"] = Long(
            start if start is not None else end if end is not None else packet.export_ms
        )
        if end is not None:
            msg["end_time"] = Long(end)
            if start is not None:
                msg["duration"] = Long(end - start)
        if init is not None:
            msg["system_init_time"] = Long(init[1])


def _epoch_ms(entry: tuple[str, int] | None, packet: _Packet, init_ms: int | None) -> int | None:
    if entry is None:
        return None
    kind, value = entry
    if kind == "sysuptime":
        if packet.uptime_ms is not None:
            return packet.export_ms - _signed32(packet.uptime_ms - value)
        return None if init_ms is None else init_ms + value
    if kind == "millis":
        return value
    if kind == "seconds":
        return value * 1000
    if kind in ("micros", "nanos"):
        return ((value >> 32) - _NTP_EPOCH) * 1000 + ((value & 0xFFFFFFFF) * 1000 >> 32)
    if kind == "delta_micros":
        return packet.export_ms - value // 1000
    return None
