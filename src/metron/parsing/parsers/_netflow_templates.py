"""NetFlow v9 and IPFIX templates: reading template sets, and decoding records with them.

A template lists (field number, length) pairs; IPFIX adds enterprise-specific fields (the
high bit of the number, then a 4-byte enterprise number) and variable-length fields
(length 65535: the record holds a 1-byte length, or 255 and a 2-byte length).  A template
of fixed-length fields is compiled into one ``struct`` format, so a record decodes in one
call; the others go field by field.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from metron.parsing.parsers._netflow_fields import FIELDS, TIME_KINDS, V9_SCOPES, protocol_name
from metron.stellar.types import Long

__all__ = [
    "MAX_FIELDS",
    "FieldSpec",
    "Template",
    "TemplateError",
    "read_ipfix_templates",
    "read_v9_templates",
]

VARIABLE = 65535
_INT_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}


class TemplateError(ValueError):
    """A template set or a data record does not hold together."""


@dataclass(frozen=True)
class FieldSpec:
    number: int
    length: int
    enterprise: int | None = None
    scope: bool = False  # a NetFlow v9 options scope (its number is a scope type)


Setter = Callable[[dict[str, Any], dict[str, tuple[str, int]], Any], None]


def _hex(value: bytes) -> str:
    return value.hex()


def _mac(value: bytes) -> str:
    return ":".join(f"{b:02x}" for b in value) if len(value) == 6 else value.hex()


def _ipv4(value: bytes) -> str:
    return socket.inet_ntoa(value) if len(value) == 4 else value.hex()


def _ipv6(value: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, value) if len(value) == 16 else value.hex()


def _text(value: bytes) -> str:
    return value.rstrip(b"\0").decode("utf-8", errors="replace")


def _as_int(value: Any) -> int:
    return value if type(value) is int else int.from_bytes(value, "big")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "uint": _as_int,
    "count": lambda v: Long(_as_int(v)),
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "mac": _mac,
    "text": _text,
    "hex": _hex,
}


def _setter(spec: FieldSpec) -> tuple[Setter | None, bool]:
    """How a field's value lands in the message, and whether struct can unpack it as an int."""
    if spec.enterprise is not None:
        return None, False  # enterprise-specific: skipped
    if spec.scope:
        name = V9_SCOPES.get(spec.number, f"scope_{spec.number}")
        return _plain(name, _as_int if spec.length <= 8 else _hex), spec.length in _INT_CODES
    entry = FIELDS.get(spec.number)
    if entry is None:
        name = f"ie_{spec.number}"
        return _plain(name, _as_int if spec.length <= 8 else _hex), spec.length in _INT_CODES
    name, kind = entry
    if kind == "skip":
        return None, False
    if kind in TIME_KINDS:

        def put_time(msg: dict[str, Any], times: dict[str, tuple[str, int]], v: Any) -> None:
            times.setdefault(name, (kind, _as_int(v)))

        return put_time, spec.length in _INT_CODES and spec.length <= 8
    if kind == "protocol":

        def put_protocol(msg: dict[str, Any], times: dict[str, tuple[str, int]], v: Any) -> None:
            number = _as_int(v)
            msg["protocol"] = protocol_name(number)
            msg["protocol_number"] = number

        return put_protocol, spec.length in _INT_CODES
    if kind == "icmp":

        def put_icmp(msg: dict[str, Any], times: dict[str, tuple[str, int]], v: Any) -> None:
            code = _as_int(v)
            msg["icmp_type"] = code >> 8
            msg["icmp_code"] = code & 0xFF

        return put_icmp, spec.length in _INT_CODES
    convert = _CONVERTERS[kind]
    numeric = kind in ("uint", "count")
    if numeric and spec.length > 8:
        convert = _hex
        numeric = False
    return _plain(name, convert), numeric and spec.length in _INT_CODES


def _plain(name: str, convert: Callable[[Any], Any]) -> Setter:
    def put(msg: dict[str, Any], times: dict[str, tuple[str, int]], v: Any) -> None:
        msg[name] = convert(v)

    return put


class Template:
    """A compiled template: ``decode`` turns the data set body into per-record values."""

    __slots__ = ("fields", "id", "min_length", "options", "setters", "struct")

    def __init__(self, template_id: int, fields: list[FieldSpec], options: bool) -> None:
        self.id = template_id
        self.fields = fields
        self.options = options
        fixed = all(f.length != VARIABLE for f in fields)
        self.min_length = sum(1 if f.length == VARIABLE else f.length for f in fields)
        if self.min_length == 0:
            raise TemplateError(f"template {template_id} describes records of no bytes")
        setters: list[tuple[int, Setter]] = []
        codes = []
        for spec in fields:
            setter, numeric = _setter(spec)
            if setter is None:
                codes.append(f"{spec.length}x")
                continue
            setters.append((len(setters), setter))
            codes.append(_INT_CODES[spec.length] if numeric else f"{spec.length}s")
        self.setters = setters
        self.struct = struct.Struct("!" + "".join(codes)) if fixed else None

    def records(self, body: bytes) -> Iterator[tuple[bytes, tuple[Any, ...]]]:
        """(raw record, values) for each record of a data set body; padding is ignored."""
        if self.struct is not None:
            size = self.struct.size
            unpack = self.struct.unpack_from
            for offset in range(0, len(body) - size + 1, size):
                yield body[offset : offset + size], unpack(body, offset)
            return
        offset, n = 0, len(body)
        while n - offset >= self.min_length:
            start = offset
            values: list[Any] = []
            for spec in self.fields:
                length = spec.length
                if length == VARIABLE:
                    if offset >= n:
                        raise TemplateError("a variable-length field runs past the set")
                    length = body[offset]
                    offset += 1
                    if length == 255:
                        if offset + 2 > n:
                            raise TemplateError("a variable-length field runs past the set")
                        length = int.from_bytes(body[offset : offset + 2], "big")
                        offset += 2
                if offset + length > n:
                    raise TemplateError("a field runs past the end of the set")
                if spec.enterprise is None and not (
                    spec.number in FIELDS and FIELDS[spec.number][1] == "skip"
                ):
                    values.append(body[offset : offset + length])
                offset += length
            yield body[start:offset], tuple(values)

    def apply(self, values: tuple[Any, ...], msg: dict[str, Any]) -> dict[str, tuple[str, int]]:
        """Put a record's values into ``msg``; returns its time values by role."""
        times: dict[str, tuple[str, int]] = {}
        for index, setter in self.setters:
            setter(msg, times, values[index])
        return times


MAX_FIELDS = 1024  # real templates hold dozens; more is damage or abuse


def _field_specs(data: bytes, offset: int, count: int, ipfix: bool) -> tuple[list[FieldSpec], int]:
    if count > MAX_FIELDS:
        raise TemplateError(f"a template of {count} fields (at most {MAX_FIELDS} are kept)")
    specs = []
    for _ in range(count):
        if offset + 4 > len(data):
            raise TemplateError("the template's fields run past the end of its set")
        number, length = struct.unpack_from("!HH", data, offset)
        offset += 4
        enterprise = None
        if ipfix and number & 0x8000:
            if offset + 4 > len(data):
                raise TemplateError("an enterprise field runs past the end of its set")
            enterprise = int.from_bytes(data[offset : offset + 4], "big")
            number &= 0x7FFF
            offset += 4
        if not ipfix and length == VARIABLE:
            raise TemplateError(f"field {number} has length 65535 (variable lengths are IPFIX's)")
        specs.append(FieldSpec(number, length, enterprise))
    return specs, offset


def read_v9_templates(body: bytes, options: bool) -> Iterator[Template]:
    """The templates of a v9 template (``options`` False) or options template flowset body."""
    offset = 0
    header = 6 if options else 4
    while len(body) - offset >= header:
        if options:
            template_id, scope_len, option_len = struct.unpack_from("!HHH", body, offset)
            offset += 6
            if scope_len % 4 or option_len % 4:
                raise TemplateError(f"options template {template_id}: lengths not multiples of 4")
            scopes, offset = _field_specs(body, offset, scope_len // 4, False)
            fields, offset = _field_specs(body, offset, option_len // 4, False)
            specs = [FieldSpec(s.number, s.length, None, True) for s in scopes] + fields
        else:
            template_id, count = struct.unpack_from("!HH", body, offset)
            offset += 4
            specs, offset = _field_specs(body, offset, count, False)
        if template_id < 256:
            raise TemplateError(f"template id {template_id} is reserved (data ids start at 256)")
        yield Template(template_id, specs, options)


def read_ipfix_templates(body: bytes, set_id: int) -> Iterator[tuple[int, Template | None]]:
    """(template id, template or None for a withdrawal) of an IPFIX template set body."""
    options = set_id == 3
    offset = 0
    header = 6 if options else 4
    while len(body) - offset >= 4:
        template_id, count = struct.unpack_from("!HH", body, offset)
        if count == 0:
            offset += 4
            yield template_id, None
            continue
        if len(body) - offset < header:
            raise TemplateError(f"template {template_id} is cut short")
        scope_count = body[offset + 4] << 8 | body[offset + 5] if options else 0
        offset += header
        if options and not 1 <= scope_count <= count:
            raise TemplateError(f"options template {template_id}: {scope_count} scope fields")
        specs, offset = _field_specs(body, offset, count, True)
        if template_id < 256:
            raise TemplateError(f"template id {template_id} is reserved (data ids start at 256)")
        yield template_id, Template(template_id, specs, options)
