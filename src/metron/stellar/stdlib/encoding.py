"""Encoding functions: ENCODE, DECODE, IS_ENCODING and GET_SUPPORTED_ENCODINGS.

Metron delegates to Apache commons-codec 1.10, whose codecs are far more forgiving than
Python's ``base64`` module, and the functions reproduce them byte for byte:

* Base32 and Base64 decoding skips every character outside the alphabet, stops at the first
  ``=`` and keeps whatever whole bytes the leftover bits make, so decoding arbitrary text
  "works" and yields garbage.  Base64 decoding also accepts the URL-safe ``-`` and ``_``.
* Base32 knows upper-case letters only; its hex alphabet also (wrongly) maps ``W`` to 32.
* Binary encoding writes the bytes last to first, each most significant bit first.
* Binary and hex decoding give back the input when it cannot be decoded.
* The text is UTF-8 both ways; undecodable bytes become U+FFFD as Java replaces them.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._javacodec import java_utf8_decode, java_utf8_encode

__all__: list[str] = []

SUPPORTED = ("BASE32", "BASE32HEX", "BASE64", "BINARY", "HEX")
_PAD = 0x3D  # '='


def _table(alphabet: str, extra: dict[str, int] | None = None) -> list[int]:
    table = [-1] * 128
    for value, char in enumerate(alphabet):
        table[ord(char)] = value
    for char, value in (extra or {}).items():
        table[ord(char)] = value
    return table


_B32 = _table("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
# commons-codec 1.10 ends its Base32-hex table one entry too late: 'W' decodes as 32.
_B32HEX = _table("0123456789ABCDEFGHIJKLMNOPQRSTUV", {"W": 32})
_B32_ALLOWED = bytes(b for b in range(128) if _B32[b] >= 0) + b"= \n\r\t"
_B32HEX_ALLOWED = bytes(b for b in range(128) if _B32HEX[b] >= 0) + b"= \n\r\t"
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
_B64_DROP = bytes(range(256)).translate(None, _B64_ALPHABET)
_B64_ALLOWED = _B64_ALPHABET + b"= \n\r\t"
_HEX_ASCII = re.compile(r"[0-9a-fA-F]*\Z")
_B64_URLSAFE = bytes.maketrans(b"-_", b"+/")
_ONLY_ONE = bytes(0x31 if b == 0x31 else 0x30 for b in range(256))
_MASK64 = (1 << 64) - 1
_JAVA_TRIM = "".join(map(chr, range(33)))  # String.trim() drops characters up to U+0020
# bytes a Base32 tail of n significant characters yields: (bits to drop, bytes to keep)
_B32_TAIL = {2: (2, 1), 3: (7, 1), 4: (4, 2), 5: (1, 3), 6: (6, 3), 7: (3, 4)}


def _in_alphabet(data: bytes, allowed: bytes) -> bool:
    """commons-codec ``isInAlphabet(String)``: alphabet, padding and whitespace only."""
    return not data.translate(None, allowed)


def _base32_decode(data: bytes, table: list[int]) -> bytes:
    out = bytearray()
    work = 0
    count = 0
    for b in data:
        if b == _PAD:
            break
        if b < 128 and table[b] >= 0:
            work = ((work << 5) + table[b]) & _MASK64
            count += 1
            if count % 8 == 0:
                out += (work & 0xFFFFFFFFFF).to_bytes(5, "big")
    tail = count % 8
    if tail in _B32_TAIL:
        drop, keep = _B32_TAIL[tail]
        out += ((work >> drop) & ((1 << (8 * keep)) - 1)).to_bytes(keep, "big")
    return bytes(out)


def _base64_decode(data: bytes) -> bytes:
    pad = data.find(b"=")
    if pad >= 0:
        data = data[:pad]
    data = data.translate(None, _B64_DROP).translate(_B64_URLSAFE)
    if len(data) % 4 == 1:
        data = data[:-1]  # six stray bits make no byte
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def _is_base64(data: bytes) -> bool:
    """``Base64.isBase64``: alphabet (both flavours), ``=`` and whitespace only."""
    return not data.translate(None, _B64_ALLOWED)


def _binary_decode(text: str) -> str:
    data = java_utf8_encode(text)
    whole = len(data) >> 3
    bits = data[len(data) - 8 * whole :].translate(_ONLY_ONE)
    # the last eight characters are the first byte
    raw = bytes(int(bits[i - 8 : i], 2) for i in range(len(bits), 0, -8))
    decoded = java_utf8_decode(raw)
    if not decoded.strip(_JAVA_TRIM):
        return text
    return decoded


def _hex_digit(char: str) -> int:
    """``Character.digit(char, 16)``: ASCII, full-width and any Unicode decimal digit."""
    code = ord(char)
    if code < 128:
        return int(char, 16) if char in "0123456789abcdefABCDEF" else -1
    if 0xFF21 <= code <= 0xFF26 or 0xFF41 <= code <= 0xFF46:
        return (code & 0x1F) + 9
    return unicodedata.decimal(char, -1)


def _hex_decode(text: str) -> bytes | None:
    """``Hex.decode``, or None where commons-codec throws a DecoderException."""
    if text.isascii():
        return bytes.fromhex(text) if len(text) % 2 == 0 and _HEX_ASCII.match(text) else None
    # a character outside the BMP is two UTF-16 units, neither of them a digit
    digits = [_hex_digit(c) if ord(c) < 0x10000 else -1 for c in text]
    if -1 in digits or len(digits) % 2:
        return None
    return bytes(16 * digits[i] + digits[i + 1] for i in range(0, len(digits), 2))


def _binary_encode(text: str) -> str:
    return "".join(f"{b:08b}" for b in reversed(java_utf8_encode(text)))


_IS: dict[str, Callable[[str], bool]] = {
    "BASE32": lambda s: _in_alphabet(java_utf8_encode(s), _B32_ALLOWED),
    "BASE32HEX": lambda s: _in_alphabet(java_utf8_encode(s), _B32HEX_ALLOWED),
    "BASE64": lambda s: _is_base64(java_utf8_encode(s)),
    "BINARY": lambda s: not java_utf8_encode(s).translate(None, b"01"),
    "HEX": lambda s: _hex_decode(s) is not None,
}

_DECODE: dict[str, Callable[[str], str]] = {
    "BASE32": lambda s: java_utf8_decode(_base32_decode(java_utf8_encode(s), _B32)),
    "BASE32HEX": lambda s: java_utf8_decode(_base32_decode(java_utf8_encode(s), _B32HEX)),
    "BASE64": lambda s: java_utf8_decode(_base64_decode(java_utf8_encode(s))),
    "BINARY": _binary_decode,
    "HEX": lambda s: s if (raw := _hex_decode(s)) is None else java_utf8_decode(raw),
}

_ENCODE: dict[str, Callable[[str], str]] = {
    "BASE32": lambda s: base64.b32encode(java_utf8_encode(s)).decode("ascii"),
    "BASE32HEX": lambda s: base64.b32hexencode(java_utf8_encode(s)).decode("ascii"),
    "BASE64": lambda s: base64.b64encode(java_utf8_encode(s)).decode("ascii"),
    "BINARY": _binary_encode,
    "HEX": lambda s: java_utf8_encode(s).hex(),
}


def _string(value: Any, what: str) -> str | None:
    if value is None or type(value) is str:
        return value
    raise StellarError(f"the {what} must be a string, not {type(value).__name__}")


def _encoding(name: str) -> str:
    upper = name.upper()
    if upper not in _ENCODE:
        raise StellarError(f"Encoding {name} not supported")
    return upper


@stellar(
    "GET_SUPPORTED_ENCODINGS",
    params=[],
    returns="a list of the encoding names ENCODE, DECODE and IS_ENCODING accept",
    description="Lists the encodings the encoding functions understand.",
    examples=[("GET_SUPPORTED_ENCODINGS()", list(SUPPORTED))],
    pure=True,
)
def get_supported_encodings(*args: Any) -> list[str]:
    return list(SUPPORTED)


@stellar(
    "IS_ENCODING",
    params=[
        "string - the text to test",
        "encoding - the encoding to test against, one of GET_SUPPORTED_ENCODINGS()",
    ],
    returns="true if the text could be in that encoding, false otherwise",
    description=(
        "Tests whether a string is made only of what an encoding can produce. BASE32 and"
        " BASE32HEX allow their alphabet, padding and whitespace; BASE64 also allows the"
        " URL-safe characters; BINARY allows 0 and 1; HEX needs pairs of hex digits. An"
        " empty or null string is never encoded."
    ),
    examples=[
        ("IS_ENCODING('cGluZw==', 'base64')", True),
        ("IS_ENCODING('not hex', 'HEX')", False),
        Example("IS_ENCODING('no way', 'BASE64')", True),
    ],
    pure=True,
)
def is_encoding(*args: Any) -> bool:
    if len(args) < 2:
        raise StellarError("IS_ENCODING expects two arguments: a string and an encoding")
    text = _string(args[0], "string")
    name = _string(args[1], "encoding")
    if not text or not name:
        return False
    return _IS[_encoding(name)](text)


@stellar(
    "DECODE",
    params=[
        "string - the text to decode",
        "encoding - the encoding to decode from, one of GET_SUPPORTED_ENCODINGS()",
        "verify - (optional) true to decode only what IS_ENCODING accepts; default false",
    ],
    returns=(
        "the decoded text; the input itself when BINARY or HEX cannot decode it, or when"
        " verify is true and the text is not in the encoding; null for an empty or null input"
    ),
    description=(
        "Decodes a string and reads the bytes as UTF-8. BASE32, BASE32HEX and BASE64 decode"
        " leniently: characters outside the alphabet are skipped and decoding stops at the"
        " first '=', so any text decodes to something unless verify is true."
    ),
    examples=[
        ("DECODE('cGluZw==', 'BASE64')", "ping"),
        ("DECODE('zz', 'HEX')", "zz"),
        ("DECODE('0011000000110001', 'BINARY')", "10"),
    ],
    pure=True,
)
def decode(*args: Any) -> str | None:
    if len(args) not in (2, 3):
        raise StellarError("DECODE expects two or three arguments: string, encoding[, verify]")
    text = _string(args[0], "string")
    name = _string(args[1], "encoding")
    verify: Any = False
    if len(args) == 3:
        verify = args[2]
        if verify is not None and not isinstance(verify, bool):
            raise StellarError("verify must be a boolean")
    if not text or not name:
        return None
    encoding = _encoding(name)
    if verify is None:
        raise StellarError("verify must be true or false, not null")
    if verify and not _IS[encoding](text):
        return text
    return _DECODE[encoding](text)


@stellar(
    "ENCODE",
    params=[
        "string - the text to encode (its UTF-8 bytes are encoded)",
        "encoding - the encoding to use, one of GET_SUPPORTED_ENCODINGS()",
    ],
    returns="the encoded text, or null for an empty or null input",
    description=(
        "Encodes the UTF-8 bytes of a string. HEX is lower case; Base32 and Base64 are"
        " padded with '='; BINARY writes the bytes in reverse order, last byte first."
    ),
    examples=[
        ("ENCODE('ping', 'BASE64')", "cGluZw=="),
        ("ENCODE('ok', 'hex')", "6f6b"),
        ("ENCODE('AB', 'BINARY')", "0100001001000001"),
    ],
    pure=True,
)
def encode(*args: Any) -> str | None:
    if len(args) not in (2, 3):
        raise StellarError("ENCODE expects two arguments: a string and an encoding")
    text = _string(args[0], "string")
    name = _string(args[1], "encoding")
    if not text or not name:
        return None
    return _ENCODE[_encoding(name)](text)
