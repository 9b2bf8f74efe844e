"""The ``MessageDigest`` algorithms ``HASH`` offers, by their Java names.

Metron lists ``Security.getAlgorithms("MessageDigest")``, which depends on the JVM: Java 8
names SHA-1 ``SHA``, later JVMs name it ``SHA-1`` and add SHA-512/224, SHA-512/256 and SHA-3.
We accept the names of both.  Every digest comes from :mod:`hashlib` except MD2, which
OpenSSL no longer ships and which is implemented here (RFC 1319).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

__all__ = ["DIGESTS", "MD2", "Digest"]


class Digest(Protocol):
    digest_size: int

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


# RFC 1319's substitution table: a permutation of 0..255 drawn from the digits of pi.
_MD2_S = bytes.fromhex(
    "292e43c9a2d87c013d3654a1ecf0061362a705f3c0c7738c98932bd9bc4c82ca"
    "1e9b573cfdd4e01667426f188a17e512be4ec4d6da9ede49a0fbf58ebb2fee7a"
    "a968799115b2073f94c210890b225f21807f5d9a5a903227353ecce7bff79703"
    "ff1930b348a5b5d1d75e922aac56aac64fb838d296a47db676fc6be29c7404f1"
    "459d705964718720865bcf65e62da8021b6025adaeb0b9f61c46616934407e0f"
    "5547a323dd51af3ac35cf9cebac5ea262c530d6e85288409d3dfcdf441814d52"
    "6adc37c86cc1abfa24e17b080cbdb14a7888958be363e86de9cbd5fe3b001d39"
    "f2efb70e6658d0e4a67772f8eb754b0a314450b48fed1f1adb998d339f118314"
)


class MD2:
    """MD2 message digest (128 bits)."""

    digest_size = 16

    def __init__(self) -> None:
        self._data = bytearray()

    def update(self, data: bytes, /) -> None:
        self._data += data

    def digest(self) -> bytes:
        s = _MD2_S
        pad = 16 - len(self._data) % 16
        message = bytes(self._data) + bytes([pad]) * pad
        checksum = bytearray(16)
        last = 0
        for start in range(0, len(message), 16):
            for j in range(16):
                checksum[j] ^= s[message[start + j] ^ last]
                last = checksum[j]
        message += bytes(checksum)
        state = bytearray(48)
        for start in range(0, len(message), 16):
            for j in range(16):
                state[16 + j] = message[start + j]
                state[32 + j] = state[16 + j] ^ state[j]
            t = 0
            for round_ in range(18):
                for k in range(48):
                    state[k] ^= s[t]
                    t = state[k]
                t = (t + round_) & 0xFF
        return bytes(state[:16])

    def hexdigest(self) -> str:
        return self.digest().hex()


def _hashlib(name: str) -> Callable[[], Digest]:
    return lambda: hashlib.new(name)  # type: ignore[return-value]


# Java algorithm name (upper case) -> digest constructor
DIGESTS: dict[str, Callable[[], Digest]] = {
    "MD2": MD2,
    "MD5": _hashlib("md5"),
    "SHA": _hashlib("sha1"),
    "SHA-1": _hashlib("sha1"),
    "SHA-224": _hashlib("sha224"),
    "SHA-256": _hashlib("sha256"),
    "SHA-384": _hashlib("sha384"),
    "SHA-512": _hashlib("sha512"),
    "SHA-512/224": _hashlib("sha512_224"),
    "SHA-512/256": _hashlib("sha512_256"),
    "SHA3-224": _hashlib("sha3_224"),
    "SHA3-256": _hashlib("sha3_256"),
    "SHA3-384": _hashlib("sha3_384"),
    "SHA3-512": _hashlib("sha3_512"),
}
