"""TLSH, the Trend Micro locality-sensitive hash, as Metron's Java library computes it.

Metron uses the Java port of TLSH 3.7.1, which differs from today's C library (and so from
``py-tlsh``) in its output: no ``T1`` version prefix, 128 or 256 buckets, a 1 or 3 byte
checksum, and at least 50 bytes of input when forced (256 otherwise).  The algorithm
(Oliver, Cheng and Chen, "TLSH - A Locality Sensitive Hash", 2013):

For the default layout we let ``py-tlsh`` do the work (its digest minus the prefix is the
Java digest, checked over every length code up to 190,000 bytes); the rest is computed here.

1. Slide a five-byte window over the input.  For every position, six byte triples chosen
   from the window are mapped through a Pearson hash to one of 256 buckets whose counters
   are incremented, and a rolling Pearson checksum is updated.
2. Find the quartiles q1 <= q2 <= q3 of the first 128 (or 256) bucket counts; each bucket
   becomes two bits: 0 (<= q1), 1 (<= q2), 2 (<= q3) or 3.
3. The digest is the checksum, a logarithmic code of the input length, the ratios q1/q3 and
   q2/q3 (percent, modulo 16) and the bucket bits, written in hex with the checksum and
   length nibbles swapped and the bucket bytes last-to-first.

The hash is refused (None) when the input is too short or when at most half of the buckets
were hit.  ``bins`` reproduces Metron's clustering projection, which samples bits of the hash
with ``java.util.Random(0)``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import tlsh as _py_tlsh

from metron.stellar.errors import StellarError
from metron.stellar.stdlib._javarandom import JavaRandom
from metron.stellar.types import f32

__all__ = ["JavaRandom", "bins", "distance", "tlsh_hash"]

# Pearson's random permutation of 0..255, as published with TLSH.
_PEARSON = bytes.fromhex(
    "0157310cb0b266a679c10654f9e62ca30ec5d5b5a155da5040ef18e2ec8e26c8"
    "6eb168678dfdff324d6551122d601fde196bbe4656edf02248f214d6f4e395eb"
    "61ea39163cfa52afd0057fc76f3e87f8aea9d33a429a6ac3f5ab11bbb6b300f3"
    "8438944b80859e64827e5b0d99f6d8db7744df4e5358c9637a0b5c208872340a"
    "8a1e30b79c233d1a8f4afb5e81a23f98aa0773a7f1ce0396373b97dc5a351783"
    "7dad0fee4f5f59106989e1e0d9a0257b7649029d2e74099186e4cfd4cad745e5"
    "1bbc437ca8fc2a041d6c15f713cd27cbe928ba93c6c09b21a4bf62cca5b4754c"
    "8c24d2ac29369f08b9e871c4e72f927833411c90fedd5dbdc28b702b476db8d1"
)
MIN_FORCED_LENGTH = 50
MIN_LENGTH = 256
# The C library (py-tlsh) agrees with the Java port on the default layout up to this length;
# past it its length code drifts by one at some lengths, so longer input takes our own path.
_PY_TLSH_LIMIT = 190_000
_LOG_1_5 = 0.4054651
_LOG_1_3 = 0.26236426
_LOG_1_1 = 0.095310180


@lru_cache(maxsize=8)
def _pair_table(salt: int) -> bytes:
    """``T[T[T[salt] ^ a] ^ b]`` for every pair (a, b), indexed by ``a << 8 | b``."""
    t = _PEARSON
    first = t[salt]
    return bytes(t[t[first ^ a] ^ b] for a in range(256) for b in range(256))


def _length_code(length: int) -> int:
    if length <= 656:
        code = math.floor(math.log(length) / _LOG_1_5)
    elif length <= 3199:
        code = math.floor(math.log(length) / _LOG_1_3 - 8.72777)
    else:
        code = math.floor(math.log(length) / _LOG_1_1 - 62.5472)
    return code & 0xFF


def _swapped(byte: int) -> str:
    return f"{byte & 0xF:X}{byte >> 4:X}"


def tlsh_hash(
    data: bytes, buckets: int = 128, checksum_bytes: int = 1, force: bool = True
) -> str | None:
    """The hex TLSH digest of ``data`` (70, 74, 134 or 138 characters), or None."""
    size = len(data)
    if size < MIN_FORCED_LENGTH or (not force and size < MIN_LENGTH):
        return None
    if buckets == 128 and checksum_bytes == 1 and size < _PY_TLSH_LIMIT:
        digest: str = _py_tlsh.hash(bytes(data))
        return None if digest == "TNULL" else digest[2:]  # drop the "T1" version prefix
    return _tlsh_port(data, buckets, checksum_bytes)


def _tlsh_port(data: bytes, buckets: int, checksum_bytes: int) -> str | None:
    size = len(data)
    t = _PEARSON
    p2, p3, p5, p7, p11, p13 = (_pair_table(s) for s in (2, 3, 5, 7, 11, 13))
    p0 = _pair_table(0)
    counts = [0] * 256
    check = [0] * checksum_bytes
    c0 = 0
    for i in range(4, size):
        a0, a1, a2, a3, a4 = data[i], data[i - 1], data[i - 2], data[i - 3], data[i - 4]
        x01 = a0 << 8 | a1
        c0 = t[p0[x01] ^ c0]
        if checksum_bytes > 1:
            check[0] = c0
            for k in range(1, checksum_bytes):
                check[k] = t[t[t[t[check[k - 1]] ^ a0] ^ a1] ^ check[k]]
        counts[t[p2[x01] ^ a2]] += 1
        counts[t[p3[x01] ^ a3]] += 1
        counts[t[p5[a0 << 8 | a2] ^ a3]] += 1
        counts[t[p7[a0 << 8 | a2] ^ a4]] += 1
        counts[t[p11[x01] ^ a4]] += 1
        counts[t[p13[a0 << 8 | a3] ^ a4]] += 1
    if checksum_bytes == 1:
        check[0] = c0
    used = counts[:buckets]
    if sum(1 for c in used if c) <= buckets >> 1:
        return None
    ordered = sorted(used)
    quarter = buckets >> 2
    q1, q2, q3 = ordered[quarter - 1], ordered[2 * quarter - 1], ordered[3 * quarter - 1]
    codes = []
    for i in range(quarter):
        h = 0
        for j in range(4):
            k = used[4 * i + j]
            if k > q3:
                h += 3 << (2 * j)
            elif k > q2:
                h += 2 << (2 * j)
            elif k > q1:
                h += 1 << (2 * j)
        codes.append(h)
    # the ratios are computed in single precision, like the Java code
    q1_ratio = int(f32(f32(f32(q1) * 100.0) / f32(q3))) & 0xF
    q2_ratio = int(f32(f32(f32(q2) * 100.0) / f32(q3))) & 0xF
    head = "".join(_swapped(c) for c in check) + _swapped(_length_code(size))
    return head + f"{q1_ratio << 4 | q2_ratio:02X}" + bytes(reversed(codes)).hex().upper()


# hex length -> (buckets, checksum bytes)
_LAYOUTS = {70: (128, 1), 74: (128, 3), 134: (256, 1), 138: (256, 3)}


def _hex_byte(text: str, at: int, swapped: bool = False) -> int:
    pair = text[at : at + 2]
    if swapped:
        pair = pair[::-1]
    if not all(c in "0123456789abcdefABCDEF" for c in pair):
        raise StellarError(f"invalid hex character in TLSH hash {text!r}")
    return int(pair, 16)


def _parse(text: str) -> tuple[list[int], int, int, int, list[int]]:
    layout = _LAYOUTS.get(len(text))
    if layout is None:
        raise StellarError("invalid TLSH hash: its length matches no known encoding")
    buckets, checksum_bytes = layout
    check = [_hex_byte(text, 2 * k, swapped=True) for k in range(checksum_bytes)]
    at = 2 * checksum_bytes
    length = _hex_byte(text, at, swapped=True)
    ratios = _hex_byte(text, at + 2)
    body = [_hex_byte(text, at + 4 + 2 * i) for i in range(buckets // 4)]
    body.reverse()
    return check, length, ratios >> 4, ratios & 0xF, body


def _mod_diff(x: int, y: int, modulus: int) -> int:
    d = abs(x - y)
    return min(d, modulus - d)


@lru_cache(maxsize=1)
def _pair_diffs() -> list[list[int]]:
    table = [[0] * 256 for _ in range(256)]
    for x in range(256):
        for y in range(256):
            total = 0
            for shift in (0, 2, 4, 6):
                d = abs(((x >> shift) & 3) - ((y >> shift) & 3))
                total += 6 if d == 3 else d
            table[x][y] = total
    return table


def distance(first: str, second: str, include_length: bool) -> int:
    """TLSH difference score of two hex digests made with the same options."""
    c1, l1, q1a, q2a, body1 = _parse(first)
    c2, l2, q1b, q2b, body2 = _parse(second)
    if len(c1) != len(c2) or len(body1) != len(body2):
        raise StellarError("TLSH hashes made with different options cannot be compared")
    diff = 0
    if include_length:
        ldiff = _mod_diff(l1, l2, 256)
        diff = ldiff if ldiff <= 1 else ldiff * 12
    for a, b in ((q1a, q1b), (q2a, q2b)):
        qdiff = _mod_diff(a, b, 16)
        diff += qdiff if qdiff <= 1 else (qdiff - 1) * 12
    if c1 != c2:
        diff += 1
    table = _pair_diffs()
    return diff + sum(table[a][b] for a, b in zip(body1, body2))


def bins(digest: str, checksum_bytes: int, sizes: list[int]) -> dict[str, str]:
    """Metron's fuzzy-clustering bins: ``sizes[i]`` bits sampled from the hash body.

    The hash after its checksum is read as a little-endian bit vector; for each requested
    size n, n positions are drawn with ``Random(0)`` (shared across sizes) and the sampled
    bits are written back as little-endian hex prefixed with n.
    """
    body = bytes.fromhex(digest[2 * checksum_bytes :])
    vector = int.from_bytes(body, "little")
    width = vector.bit_length()
    rng = JavaRandom(0)
    result: dict[str, str] = {}
    single = len(sizes) == 1
    for size in sizes:
        projection = 0
        for i in range(size):
            if vector >> rng.next_int(width) & 1:
                projection |= 1 << i
        packed = projection.to_bytes((projection.bit_length() + 7) // 8, "little").hex()
        result["tlsh_bin" if single else f"tlsh_bin_{size}"] = f"{size}{packed}"
    return result
