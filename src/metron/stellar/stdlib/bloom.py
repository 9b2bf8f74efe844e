"""Bloom filters: make one, add values, test membership, merge filters.

Metron wraps Guava's Bloom filter and feeds it Kryo-serialised values.  We keep Guava's
sizing (bits and hash count from the expected insertions and the false-positive rate) and
its way of deriving the bit positions from a 128-bit MurmurHash3, but serialise values with
a stable encoding of our own, so a filter means the same thing in every process and can be
saved (:meth:`BloomFilter.to_bytes`) and merged.  Values of different Java types stay apart:
``1``, ``1L`` and ``1.0`` are three different members.

Metron's BLOOM_INIT honours its arguments one position late: the expected insertions only
when at least two arguments are given, the false-positive rate only when three are.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator, Mapping
from typing import Any

import mmh3

from metron.stellar.convert import to_float, to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    Char,
    Float,
    JavaSet,
    Long,
    f32,
    java_type_name,
    to_java_string,
)

__all__ = ["BloomFilter", "encode_value"]

_MASK64 = (1 << 64) - 1
_MAX_BITS = 1 << 32  # 512 MiB of bits; Guava would exhaust the heap long before its own limit
_DEFAULT_INSERTIONS = 100_000
_DEFAULT_FPP = f32(0.01)  # Metron's default rate is a Java float
_LN2 = math.log(2)
_HEADER = struct.Struct(">4sBIQid")
_MAGIC = b"MBF1"
_U32 = struct.Struct(">I")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")


# -- value encoding -------------------------------------------------------------------------


def encode_value(value: Any) -> bytes:
    """The bytes a value is hashed from: a type tag, then the value, recursively."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _text(tag: bytes, text: str, out: bytearray) -> None:
    data = text.encode("utf-8", "surrogatepass")
    out += tag
    out += _U32.pack(len(data))
    out += data


def _encode(value: Any, out: bytearray) -> None:
    t = type(value)
    if t is str:
        _text(b"S", value, out)
    elif value is None:
        out += b"N"
    elif t is bool:
        out += b"Z1" if value else b"Z0"
    elif t is int and INT_MIN <= value <= INT_MAX:
        out += b"I" + _I32.pack(value)
    elif (t is int or t is Long) and LONG_MIN <= value <= LONG_MAX:
        out += b"J" + _I64.pack(value)
    elif t is int or t is Long:
        _text(b"B", str(int(value)), out)
    elif t is float:
        out += b"D" + _F64.pack(math.nan if value != value else value)
    elif t is Float:
        out += b"F" + _F32.pack(math.nan if value != value else value)
    elif t is Char:
        _text(b"C", str.__str__(value), out)
    elif isinstance(value, (list, tuple)):
        _sequence(b"L", value, out)
    elif isinstance(value, (JavaSet, set, frozenset)):
        _sequence(b"T", value, out)
    elif isinstance(value, Mapping):
        out += b"M" + _U32.pack(len(value))
        for key, item in value.items():
            _encode(key, out)
            _encode(item, out)
    elif isinstance(value, str):
        _text(b"S", str.__str__(value), out)
    else:
        _text(b"O", f"{type(value).__qualname__}:{to_java_string(value)}", out)


def _sequence(tag: bytes, items: Any, out: bytearray) -> None:
    out += tag + _U32.pack(len(items))
    for item in items:
        _encode(item, out)


# -- the filter -----------------------------------------------------------------------------


class BloomFilter:
    """A Bloom filter sized like Guava's: ``m = -n ln p / (ln 2)^2`` bits, ``k = m/n ln 2``.

    Bit positions follow Guava's MURMUR128_MITZ_64 strategy: the two 64-bit halves of a
    MurmurHash3 (x64, 128-bit, seed 0) of the encoded value, combined as ``h1 + i * h2``.
    """

    __slots__ = ("_bits", "bit_size", "expected_insertions", "fpp", "num_hashes")

    def __init__(
        self, expected_insertions: int = _DEFAULT_INSERTIONS, fpp: float = _DEFAULT_FPP
    ) -> None:
        if not 0 <= expected_insertions <= INT_MAX:
            raise StellarError(
                f"expected insertions must be an Integer of 0 or more, not {expected_insertions}"
            )
        if not 0.0 < fpp < 1.0:
            raise StellarError(
                f"the false positive rate must be above 0 and below 1, not {to_java_string(fpp)}"
            )
        n = max(1, expected_insertions)
        bits = int(-n * math.log(fpp) / (_LN2 * _LN2))
        if bits <= 0:
            raise StellarError(
                f"a Bloom filter for {n} insertions at rate {fpp:.6g} would have no bits"
            )
        if bits > _MAX_BITS:
            raise StellarError(f"a Bloom filter of {bits} bits is too large (at most {_MAX_BITS})")
        self.expected_insertions = expected_insertions
        self.fpp = fpp
        self.num_hashes = max(1, math.floor(bits / n * _LN2 + 0.5))
        self.bit_size = -(-bits // 64) * 64  # whole 64-bit words, as Guava allocates them
        self._bits = bytearray(self.bit_size // 8)

    def _positions(self, value: Any) -> Iterator[int]:
        h1, h2 = mmh3.hash64(encode_value(value), 0, True, False)
        size = self.bit_size
        combined = h1
        for _ in range(self.num_hashes):
            yield (combined & LONG_MAX) % size
            combined = (combined + h2) & _MASK64

    def add(self, value: Any) -> bool:
        """Add a value; True when that changed any bit."""
        bits = self._bits
        changed = False
        for i in self._positions(value):
            byte, mask = i >> 3, 1 << (i & 7)
            if not bits[byte] & mask:
                bits[byte] |= mask
                changed = True
        return changed

    def might_contain(self, value: Any) -> bool:
        """False when the value was certainly never added; True when it probably was."""
        bits = self._bits
        return all(bits[i >> 3] & (1 << (i & 7)) for i in self._positions(value))

    __contains__ = might_contain

    def merge(self, other: BloomFilter) -> None:
        """Add every member of ``other`` to this filter (the filters must be alike)."""
        if other is self:
            raise StellarError("a Bloom filter cannot be merged with itself")
        if other.num_hashes != self.num_hashes or other.bit_size != self.bit_size:
            raise StellarError(
                f"cannot merge Bloom filters of different shapes ({self.bit_size} bits and"
                f" {self.num_hashes} hashes, {other.bit_size} bits and {other.num_hashes} hashes)"
            )
        merged = int.from_bytes(self._bits, "little") | int.from_bytes(other._bits, "little")
        self._bits[:] = merged.to_bytes(len(self._bits), "little")

    def bits_set(self) -> int:
        """How many bits are set."""
        return int.from_bytes(self._bits, "little").bit_count()

    def to_bytes(self) -> bytes:
        """A compact, portable serialisation (see :meth:`from_bytes`)."""
        header = _HEADER.pack(
            _MAGIC, 1, self.num_hashes, self.bit_size, self.expected_insertions, self.fpp
        )
        return header + bytes(self._bits)

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        """Rebuild a filter saved with :meth:`to_bytes`."""
        try:
            magic, version, hashes, size, expected, fpp = _HEADER.unpack_from(data)
        except struct.error:
            raise StellarError("not a serialised Bloom filter") from None
        body = data[_HEADER.size :]
        if (
            magic != _MAGIC
            or version != 1
            or not 0 < hashes <= 255
            or size % 64
            or len(body) * 8 != size
        ):
            raise StellarError("not a serialised Bloom filter")
        bloom = cls.__new__(cls)
        bloom.expected_insertions = expected
        bloom.fpp = fpp
        bloom.num_hashes = hashes
        bloom.bit_size = size
        bloom._bits = bytearray(body)
        return bloom

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BloomFilter):
            return NotImplemented
        return (
            self.num_hashes == other.num_hashes
            and self.bit_size == other.bit_size
            and self._bits == other._bits
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return (
            f"BloomFilter(expected insertions {self.expected_insertions}, false positive rate"
            f" {self.fpp:.6g}, {self.bit_size} bits, {self.num_hashes} hashes,"
            f" {self.bits_set()} bits set)"
        )

    __repr__ = __str__


# -- functions ------------------------------------------------------------------------------


def _bloom_arg(value: Any) -> BloomFilter | None:
    if value is None or isinstance(value, BloomFilter):
        return value
    raise StellarError(f"the first argument must be a Bloom filter, got {java_type_name(value)}")


@stellar(
    "BLOOM_INIT",
    params=[
        "expectedInsertions - (optional) how many values the filter should hold",
        "falsePositiveRate - (optional) the false positive rate to tolerate",
    ],
    returns="an empty Bloom filter",
    description=(
        "Makes an empty Bloom filter, by default sized for 100000 values at a 1% false "
        "positive rate. As in Metron, the arguments count one position late: the expected "
        "insertions are used only when at least two arguments are given, and the rate only "
        "when three are (BLOOM_INIT(1000, 0.05, 0) means 1000 values at 5%)."
    ),
    examples=[
        Example("BLOOM_INIT()", check=False),
        Example("BLOOM_INIT(1000, 0.05, 0)", check=False),
        Example("BLOOM_INIT(1000, 2.0, 0)", error=True),
    ],
    pure=True,
)
def bloom_init(*args: Any) -> BloomFilter:
    expected = _DEFAULT_INSERTIONS
    fpp: float = _DEFAULT_FPP
    if len(args) > 1:
        converted = to_integer(args[0])
        if converted is None:
            raise StellarError(
                f"expected insertions must be an integer, not {to_java_string(args[0])}"
            )
        expected = converted
    if len(args) > 2:
        rate = to_float(args[1])
        if rate is None:
            raise StellarError(
                f"the false positive rate must be a number, not {to_java_string(args[1])}"
            )
        fpp = float(rate)
    return BloomFilter(expected, fpp)


@stellar(
    "BLOOM_ADD",
    params=["bloom - the Bloom filter", "value(s) - the values to add (nulls are skipped)"],
    returns="the same Bloom filter, with the values added",
    description="Adds values to a Bloom filter, changing that filter, and returns it.",
    examples=[
        ("BLOOM_EXISTS(BLOOM_ADD(BLOOM_INIT(), 'alice', 'bob'), 'bob')", True),
        ("BLOOM_EXISTS(BLOOM_ADD(BLOOM_INIT(), 1), 1L)", False),
    ],
    pure=True,
)
def bloom_add(*args: Any) -> BloomFilter | None:
    bloom = _bloom_arg(args[0])
    for value in args[1:]:
        if value is not None:
            if bloom is None:
                raise StellarError("cannot add to a null Bloom filter")
            bloom.add(value)
    return bloom


@stellar(
    "BLOOM_EXISTS",
    params=["bloom - the Bloom filter", "value - the value to look for"],
    returns="true when the filter might hold the value, false when it certainly does not",
    description=(
        "Tests a value against a Bloom filter. False means the value was never added; true "
        "means it probably was. A null value gives false."
    ),
    examples=[
        ("BLOOM_EXISTS(BLOOM_ADD(BLOOM_INIT(), 'alice'), 'alice')", True),
        ("BLOOM_EXISTS(BLOOM_ADD(BLOOM_INIT(), 'alice'), 'mallory')", False),
        ("BLOOM_EXISTS(BLOOM_INIT(), null)", False),
    ],
    pure=True,
)
def bloom_exists(*args: Any) -> bool:
    if not args:
        return False
    bloom = _bloom_arg(args[0])
    if len(args) < 2 or args[1] is None:
        return False
    if bloom is None:
        raise StellarError("cannot look up a value in a null Bloom filter")
    return bloom.might_contain(args[1])


@stellar(
    "BLOOM_MERGE",
    params=["bloomfilters - a list of Bloom filters"],
    returns="the first Bloom filter of the list with the others merged into it, or null",
    description=(
        "Merges the Bloom filters of a list into the first one (which is changed) and "
        "returns it. List entries that are not Bloom filters are skipped; an empty list, or "
        "an argument that is not a list, gives null. The filters must have been made with "
        "the same size and rate."
    ),
    examples=[
        (
            "BLOOM_EXISTS(BLOOM_MERGE([BLOOM_ADD(BLOOM_INIT(), 'a'), BLOOM_ADD(BLOOM_INIT(), 'b')]), 'b')",
            True,
        ),
        ("BLOOM_MERGE([])", None),
        Example("BLOOM_MERGE([BLOOM_INIT(), BLOOM_INIT(10, 0.5, 0)])", error=True),
    ],
    pure=True,
)
def bloom_merge(*args: Any) -> BloomFilter | None:
    if not args or not isinstance(args[0], (list, tuple)):
        return None
    result: BloomFilter | None = None
    for item in args[0]:
        if isinstance(item, BloomFilter):
            if result is None:
                result = item
            else:
                result.merge(item)
    return result
