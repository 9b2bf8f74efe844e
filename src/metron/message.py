"""Metron's message fields and error messages.

A message is a flat ``dict`` with Metron's field names.  A record that fails anywhere
becomes an *error message* (Metron's ``MetronError``): a message like any other, with
``source.type`` ``error``, that is routed and indexed as its own sensor.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import mmh3
import orjson

__all__ = [
    "GUID",
    "IP_DST_ADDR",
    "IP_DST_PORT",
    "IP_SRC_ADDR",
    "IP_SRC_PORT",
    "ORIGINAL_STRING",
    "PROTOCOL",
    "SOURCE_TYPE",
    "TIMESTAMP",
    "ErrorRecord",
    "OriginGuids",
    "dumps",
    "dumps_kept",
    "new_guid",
    "origin_guids",
]

IP_SRC_ADDR = "ip_src_addr"
IP_SRC_PORT = "ip_src_port"
IP_DST_ADDR = "ip_dst_addr"
IP_DST_PORT = "ip_dst_port"
PROTOCOL = "protocol"
TIMESTAMP = "timestamp"
ORIGINAL_STRING = "original_string"
GUID = "guid"
SOURCE_TYPE = "source.type"

_HOSTNAME = socket.gethostname()


class _RandomHex:
    """Random hex digits drawn from the OS in batches (one syscall per 4096 guids).

    A forked child starts a fresh batch, so two processes never share guids.
    """

    _BATCH = 32 * 4096

    def __init__(self) -> None:
        self._refill()
        os.register_at_fork(after_in_child=self._refill)

    def _refill(self) -> None:
        self.digits = os.urandom(self._BATCH // 2).hex()
        self.at = 0

    def take32(self) -> str:
        if self.at >= self._BATCH:
            self._refill()
        at = self.at
        self.at = at + 32
        return self.digits[at : at + 32]


_RANDOM = _RandomHex()
#: the RFC 4122 variant digit for each hex digit (its two low bits kept)
_VARIANT_OF = dict(zip("0123456789abcdef", "89ab89ab89ab89ab", strict=True))


def _uuid_text(h: str, version: str) -> str:
    """32 hex digits as a UUID of ``version``: its version digit and variant set."""
    return f"{h[:8]}-{h[8:12]}-{version}{h[13:16]}-{_VARIANT_OF[h[16]]}{h[17:20]}-{h[20:]}"


def _name_guid(name: str) -> str:
    """The name-based UUID (version 5 layout) of ``name``: MurmurHash3's 128 bits of its
    UTF-8 bytes (encoded first: a path Python decoded with surrogateescape holds lone
    surrogates, on which mmh3 crashes the process)."""
    return _uuid_text(mmh3.hash_bytes(name.encode("utf-8", "surrogatepass")).hex(), "5")


class OriginGuids:
    """The guids of the messages made from one record of ``sensor``'s source after
    :meth:`at` names the record's origin, in order (an iterator; see
    :func:`origin_guids`).  One object serves a whole batch, a record after another:
    cheaper than an iterator for each."""

    __slots__ = ("_base", "_n", "_prefix")

    def __init__(self, sensor: str) -> None:
        self._prefix = f"{sensor}\x00"
        self._base = self._prefix
        self._n = 0

    def at(self, origin: str) -> OriginGuids:
        """Start over, for the record at ``origin``."""
        self._base = f"{self._prefix}{origin}\x00"
        self._n = 0
        return self

    def __iter__(self) -> OriginGuids:
        return self

    def __next__(self) -> str:
        n = self._n
        self._n = n + 1
        return _name_guid(f"{self._base}{n}")


def origin_guids(sensor: str, origin: str) -> Iterator[str]:
    """The guids of the messages made from the record at ``origin`` of ``sensor``'s
    source, in order: name-based UUIDs (version 5 layout), the same each time the record
    is read again, so a replay replaces what it wrote instead of adding.  The digest is
    MurmurHash3's 128 bits, fast and well spread; origins (file and Kafka offsets) are not
    chosen by an adversary, so a cryptographic hash would buy nothing."""
    return OriginGuids(sensor).at(origin)


def _json_default(value: Any) -> Any:
    from metron.stellar.types import Float, JavaSet

    if isinstance(value, Float):
        return float(value)
    if isinstance(value, (JavaSet, set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def dumps(message: Mapping[str, Any]) -> bytes:
    """A message as one line of JSON (without the newline): Stellar's values as JSON's,
    anything else as its text."""
    return orjson.dumps(message, default=_json_default)


def dumps_kept(message: Mapping[str, Any]) -> bytes:
    """:func:`dumps` for a text that is kept a while among many (a batch's): a copy of
    exactly its size.  orjson grows its output in place and shrinks it at the end, and a
    batch of thousands of such texts kept at once leaves glibc's heap in a state where
    each one touches fresh pages: measured, ~2 page faults a message and 5-8 µs in a
    pipeline worker, where copying costs ~0.1 µs and the next call reuses the buffer."""
    return memoryview(orjson.dumps(message, default=_json_default)).tobytes()


def new_guid() -> str:
    """A random UUID4, as Metron gives every message and error (cheaper than uuid4())."""
    return _uuid_text(_RANDOM.take32(), "4")


def _json_text(message: Mapping[str, Any]) -> str:
    return orjson.dumps(message, default=str).decode()


@dataclass
class ErrorRecord:
    """Metron's ``MetronError``: what failed, for which sensor, on which raw input.

    ``raw_messages`` holds the raw bytes/strings, or the parsed message (a dict) for a
    message that failed validation.
    """

    error_type: str
    sensor_types: list[str]
    raw_messages: list[Any] = field(default_factory=list)
    message: str | None = None
    exception: BaseException | None = None
    error_fields: list[str] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_message(self) -> dict[str, Any]:
        """The error as the message Metron writes to its error topic."""
        out: dict[str, Any] = {
            GUID: new_guid(),
            SOURCE_TYPE: "error",
            "error_type": self.error_type,
            "failed_sensor_type": (
                self.sensor_types[0] if len(self.sensor_types) == 1 else list(self.sensor_types)
            ),
        }
        if self.message is not None:
            out["message"] = self.message
        elif self.exception is not None:
            out["message"] = str(self.exception)
        if self.exception is not None:
            out["exception"] = f"{type(self.exception).__name__}: {self.exception}"
            out["stack"] = _stack(self.exception)
        out[TIMESTAMP] = int(time.time() * 1000)
        out["hostname"] = _HOSTNAME
        raws = self.raw_messages
        for i, raw in enumerate(raws):
            name = "raw_message" if len(raws) == 1 else f"raw_message_{i}"
            if isinstance(raw, (bytes, bytearray)):
                out[name] = bytes(raw).decode("utf-8", errors="replace")
            elif isinstance(raw, Mapping):
                out[name] = _json_text(raw)
            else:
                out[name] = str(raw)
        if len(raws) == 1:
            out["error_hash"] = self._hash(raws[0], out)
        out.update(self.metadata)
        return out

    def _hash(self, raw: Any, out: dict[str, Any]) -> str:
        if isinstance(raw, Mapping):
            if self.error_fields:
                out["error_fields"] = ",".join(self.error_fields)
                text = "|".join(f"{name}-{_java_text(raw.get(name))}" for name in self.error_fields)
                return hashlib.sha256(text.encode()).hexdigest()
            return hashlib.sha256(_json_text(raw).encode()).hexdigest()
        if isinstance(raw, (bytes, bytearray)):
            return hashlib.sha256(bytes(raw)).hexdigest()
        return hashlib.sha256(str(raw).encode()).hexdigest()


def _stack(exc: BaseException) -> str:
    """Where the exception was raised, innermost last, without reading source files
    (formatting a full traceback costs far more than parsing a record)."""
    frames = traceback.StackSummary.extract(
        traceback.walk_tb(exc.__traceback__), lookup_lines=False
    )
    lines = [f"  at {f.name} ({f.filename}:{f.lineno})" for f in frames]
    return "\n".join([f"{type(exc).__name__}: {exc}", *lines])


def _java_text(value: Any) -> str:
    from metron.stellar.types import to_java_string

    return to_java_string(value)
