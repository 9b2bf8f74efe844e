"""The bytes ``ObjectOutputStream`` writes for a Stellar value (Java object serialization).

``HASH`` digests a value that is not a string by digesting its Java serialization, so to give
Metron's answer we must produce the same stream.  We write the stream format (protocol 2)
for the Java classes Stellar values are made of:

=================  =======================================================================
Python value       Java object written
=================  =======================================================================
``bool``           ``java.lang.Boolean``
``int``            ``java.lang.Integer`` (``java.lang.Long`` outside 32 bits)
``Long``           ``java.lang.Long``
``float``          ``java.lang.Double``
``Float``          ``java.lang.Float``
``Char``           ``java.lang.Character``
``str``            ``java.lang.String`` (only inside a collection)
``bytes``          ``byte[]``
``list``           ``java.util.LinkedList`` (what a Stellar list literal builds)
``dict``           ``java.util.HashMap`` (what a Stellar map literal builds)
``JavaSet``        ``java.util.LinkedHashSet`` (what the SET functions build)
=================  =======================================================================

The stream shares objects Java would share: a class description is written once and then
referenced, and so are the boxed values Java caches (``Integer``/``Long`` from -128 to 127,
``Character`` up to 127, both ``Boolean`` values).  Strings and collections are written anew
at each occurrence.  Anything else cannot be written and gives None.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Any

from metron.stellar.stdlib._javacodec import hashmap_capacity, hashmap_order
from metron.stellar.types import INT_MAX, INT_MIN, LONG_MAX, LONG_MIN, Char, Float, JavaSet, Long

__all__ = ["java_serialize"]

_MAGIC = b"\xac\xed\x00\x05"
_TC_NULL = 0x70
_TC_REFERENCE = 0x71
_TC_CLASSDESC = 0x72
_TC_OBJECT = 0x73
_TC_STRING = 0x74
_TC_ARRAY = 0x75
_TC_BLOCKDATA = 0x77
_TC_ENDBLOCKDATA = 0x78
_TC_LONGSTRING = 0x7C
_SERIALIZABLE = 0x02
_WITH_WRITE_METHOD = 0x03
_BASE_HANDLE = 0x7E0000

# class name -> (serialVersionUID, flags, fields as (type code, name), superclass or None)
_CLASSES: dict[str, tuple[int, int, tuple[tuple[str, str], ...], str | None]] = {
    "java.lang.Number": (-8742448824652078965, _SERIALIZABLE, (), None),
    "java.lang.Integer": (
        1360826667806852920,
        _SERIALIZABLE,
        (("I", "value"),),
        "java.lang.Number",
    ),
    "java.lang.Long": (4290774380558885855, _SERIALIZABLE, (("J", "value"),), "java.lang.Number"),
    "java.lang.Double": (
        -9172774392245257468,
        _SERIALIZABLE,
        (("D", "value"),),
        "java.lang.Number",
    ),
    "java.lang.Float": (-2671257302660747028, _SERIALIZABLE, (("F", "value"),), "java.lang.Number"),
    "java.lang.Boolean": (-3665804199014368530, _SERIALIZABLE, (("Z", "value"),), None),
    "java.lang.Character": (3786198910865385080, _SERIALIZABLE, (("C", "value"),), None),
    "[B": (-5984413125824719648, _SERIALIZABLE, (), None),
    "java.util.LinkedList": (876323262645176354, _WITH_WRITE_METHOD, (), None),
    "java.util.HashMap": (
        362498820763181265,
        _WITH_WRITE_METHOD,
        (("F", "loadFactor"), ("I", "threshold")),
        None,
    ),
    "java.util.HashSet": (-5024744406713321676, _WITH_WRITE_METHOD, (), None),
    "java.util.LinkedHashSet": (-2851667679971038690, _SERIALIZABLE, (), "java.util.HashSet"),
}


class _Unserializable(Exception):
    pass


def _utf(text: str) -> bytes:
    """Java's modified UTF-8: NUL as C0 80, characters beyond the BMP as two surrogates."""
    units = text.encode("utf-16-be", "surrogatepass")
    out = bytearray()
    for i in range(0, len(units), 2):
        c = (units[i] << 8) | units[i + 1]
        if 0 < c < 0x80:
            out.append(c)
        elif c < 0x800:
            out += bytes((0xC0 | (c >> 6), 0x80 | (c & 0x3F)))
        else:
            out += bytes((0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F)))
    return bytes(out)


class _Stream:
    def __init__(self) -> None:
        self.out = bytearray(_MAGIC)
        self.handles: dict[Any, int] = {}
        self.count = 0

    def _assign(self, key: Any) -> None:
        if key is not None:
            self.handles[key] = _BASE_HANDLE + self.count
        self.count += 1

    def _reference(self, key: Any) -> bool:
        handle = self.handles.get(key)
        if handle is None:
            return False
        self.out.append(_TC_REFERENCE)
        self.out += handle.to_bytes(4, "big")
        return True

    def class_desc(self, name: str | None) -> None:
        if name is None:
            self.out.append(_TC_NULL)
            return
        if self._reference(("class", name)):
            return
        suid, flags, fields, parent = _CLASSES[name]
        encoded = _utf(name)
        self.out.append(_TC_CLASSDESC)
        self._assign(("class", name))
        self.out += len(encoded).to_bytes(2, "big") + encoded
        self.out += struct.pack(">qBH", suid, flags, len(fields))
        for code, field in fields:
            self.out += code.encode() + len(field).to_bytes(2, "big") + field.encode()
        self.out.append(_TC_ENDBLOCKDATA)
        self.class_desc(parent)

    def _object(self, name: str, identity: Any = None) -> None:
        self.out.append(_TC_OBJECT)
        self.class_desc(name)
        self._assign(identity)

    def _boxed(self, name: str, fmt: str, value: Any, cached: bool) -> None:
        identity = (name, value) if cached else None
        if identity is not None and self._reference(identity):
            return
        self._object(name, identity)
        self.out += struct.pack(fmt, value)

    def _block(self, data: bytes) -> None:
        if data:
            self.out += bytes((_TC_BLOCKDATA, len(data))) + data

    def write(self, value: Any) -> None:
        t = type(value)
        if value is None:
            self.out.append(_TC_NULL)
        elif t is bool:
            self._boxed("java.lang.Boolean", ">?", value, True)
        elif t is int and INT_MIN <= value <= INT_MAX:
            self._boxed("java.lang.Integer", ">i", value, -128 <= value <= 127)
        elif (t is int or t is Long) and LONG_MIN <= value <= LONG_MAX:
            self._boxed("java.lang.Long", ">q", int(value), -128 <= value <= 127)
        elif t is float:
            # writeDouble/writeFloat store the canonical NaN
            self._boxed("java.lang.Double", ">d", value if value == value else math.nan, False)
        elif t is Float:
            self._boxed(
                "java.lang.Float", ">f", float(value) if value == value else math.nan, False
            )
        elif t is Char:
            code = ord(value)
            self._boxed("java.lang.Character", ">H", code, code <= 127)
        elif isinstance(value, str):
            self.string(value)
        elif isinstance(value, (bytes, bytearray)):
            self.out.append(_TC_ARRAY)
            self.class_desc("[B")
            self._assign(None)
            self.out += len(value).to_bytes(4, "big") + bytes(value)
        elif isinstance(value, (list, tuple)):
            self._object("java.util.LinkedList")
            self._block(len(value).to_bytes(4, "big"))
            for item in value:
                self.write(item)
            self.out.append(_TC_ENDBLOCKDATA)
        elif isinstance(value, Mapping):
            self._hashmap(value)
        elif isinstance(value, (JavaSet, set, frozenset)):
            self._object("java.util.LinkedHashSet")
            capacity = hashmap_capacity(len(value))
            self._block(struct.pack(">ifi", capacity, 0.75, len(value)))
            for item in value:
                self.write(item)
            self.out.append(_TC_ENDBLOCKDATA)
        else:
            raise _Unserializable(t.__name__)

    def string(self, text: str) -> None:
        encoded = _utf(text)
        self._assign(None)
        if len(encoded) <= 0xFFFF:
            self.out += bytes((_TC_STRING,)) + len(encoded).to_bytes(2, "big") + encoded
        else:
            self.out += bytes((_TC_LONGSTRING,)) + len(encoded).to_bytes(8, "big") + encoded

    def _hashmap(self, value: Mapping[Any, Any]) -> None:
        self._object("java.util.HashMap")
        capacity = hashmap_capacity(len(value))
        # a map that never held anything has not allocated its table: threshold is still 0
        threshold = capacity * 3 // 4 if value else 0
        self.out += struct.pack(">fi", 0.75, threshold)
        self._block(struct.pack(">ii", capacity, len(value)))
        for key in hashmap_order(value):
            self.write(key)
            self.write(value[key])
        self.out.append(_TC_ENDBLOCKDATA)


def java_serialize(value: Any) -> bytes | None:
    """What ``SerializationUtils.serialize(value)`` returns, or None if we cannot write it."""
    stream = _Stream()
    try:
        stream.write(value)
    except _Unserializable:
        return None
    return bytes(stream.out)
