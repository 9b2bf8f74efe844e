"""Java's view of text as bytes, for the encoding and hashing functions.

Metron turns strings into bytes with ``String.getBytes(charset)`` and back with
``new String(bytes, charset)``.  Python's codecs differ from Java's in a few corners, which
show up as soon as a decoder is fed garbage (``DECODE`` of a random string) or a string
holds an unpaired surrogate:

* Java encodes an unpaired surrogate as ``?`` (UTF-8 and single-byte charsets) or as U+FFFD
  (UTF-16/32); Python refuses.
* Java's UTF-8 decoder replaces a three-byte sequence that would encode a surrogate
  (``ED A0..BF xx``) with a single U+FFFD where Python emits one per byte, and replaces a
  truncated sequence at the very end of the input with a single U+FFFD.

Also here: the iteration order of a ``java.util.HashMap`` built by successive ``put`` calls,
so maps returned to Stellar list their keys in the order Metron prints them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from metron.stellar.errors import StellarError
from metron.stellar.types import java_hashmap_capacity, java_hashmap_keys

__all__ = [
    "JavaCharset",
    "hashmap_capacity",
    "hashmap_order",
    "java_charset",
    "java_utf8_decode",
    "java_utf8_encode",
]

_REPLACEMENT = "\ufffd"


def _join_surrogates(text: str) -> str:
    """Combine surrogate pairs held as two code points; leave unpaired ones alone."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def java_utf8_encode(text: str) -> bytes:
    """``text.getBytes(UTF_8)``: an unpaired surrogate becomes ``?``."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _join_surrogates(text).encode("utf-8", "replace")


def _java_utf8_errors(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    data = exc.object
    start = exc.start
    size = len(data)
    # Python stops at ED A0..BF (a surrogate would follow); Java reads the whole sequence.
    if data[start] == 0xED and start + 1 < size and 0xA0 <= data[start + 1] <= 0xBF:
        if start + 2 >= size:
            return _REPLACEMENT, size
        if 0x80 <= data[start + 2] <= 0xBF:
            return _REPLACEMENT, start + 3
        return _REPLACEMENT, start + 2
    return _REPLACEMENT, exc.end


codecs.register_error("metron-java-utf8", _java_utf8_errors)


def java_utf8_decode(data: bytes) -> str:
    """``new String(data, UTF_8)``: malformed input becomes U+FFFD the way Java replaces it."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "metron-java-utf8")


@dataclass(frozen=True, slots=True)
class JavaCharset:
    """A ``java.nio.charset.Charset``: how it writes a string and reads bytes."""

    name: str
    encode: Callable[[str], bytes]
    decode: Callable[[bytes], str]


def _codec_pair(python_name: str, unpaired: str, bom: bytes = b"") -> JavaCharset:
    def encode(text: str) -> bytes:
        try:
            return bom + text.encode(python_name)
        except UnicodeEncodeError:
            joined = _join_surrogates(text)
            fixed = "".join(unpaired if 0xD800 <= ord(c) <= 0xDFFF else c for c in joined)
            return bom + fixed.encode(python_name, "replace")

    def decode(data: bytes) -> str:
        return data.decode(python_name, "replace")

    return JavaCharset(python_name, encode, decode)


def _utf16_decode(data: bytes) -> str:
    # Java's UTF-16 reads a byte-order mark if there is one and big-endian otherwise.
    if data[:2] == b"\xff\xfe":
        return data[2:].decode("utf-16-le", "replace")
    if data[:2] == b"\xfe\xff":
        data = data[2:]
    return data.decode("utf-16-be", "replace")


_UTF8 = JavaCharset("utf-8", java_utf8_encode, java_utf8_decode)

_JAVA_NAMES: dict[str, tuple[str, str, bytes]] = {
    # Java name or alias (lower case) -> (Python codec, unpaired-surrogate replacement, BOM)
    "us-ascii": ("ascii", "?", b""),
    "ascii": ("ascii", "?", b""),
    "iso646-us": ("ascii", "?", b""),
    "default": ("ascii", "?", b""),
    "iso-8859-1": ("latin-1", "?", b""),
    "iso8859_1": ("latin-1", "?", b""),
    "iso8859-1": ("latin-1", "?", b""),
    "latin1": ("latin-1", "?", b""),
    "l1": ("latin-1", "?", b""),
    "utf-16be": ("utf-16-be", _REPLACEMENT, b""),
    "x-utf-16be": ("utf-16-be", _REPLACEMENT, b""),
    "unicodebigunmarked": ("utf-16-be", _REPLACEMENT, b""),
    "utf-16le": ("utf-16-le", _REPLACEMENT, b""),
    "x-utf-16le": ("utf-16-le", _REPLACEMENT, b""),
    "unicodelittleunmarked": ("utf-16-le", _REPLACEMENT, b""),
    "utf-32": ("utf-32-be", _REPLACEMENT, b""),
    "utf_32": ("utf-32-be", _REPLACEMENT, b""),
    "utf-32be": ("utf-32-be", _REPLACEMENT, b""),
    "utf_32be": ("utf-32-be", _REPLACEMENT, b""),
    "utf-32le": ("utf-32-le", _REPLACEMENT, b""),
    "utf_32le": ("utf-32-le", _REPLACEMENT, b""),
}
_LEGAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-+:_.]*\Z")


@lru_cache(maxsize=64)
def java_charset(name: str) -> JavaCharset:
    """``Charset.forName(name)``; an unknown or illegal name is a :class:`StellarError`."""
    if not _LEGAL_NAME.match(name):
        raise StellarError(f"illegal charset name: {name}")
    key = name.lower()
    if key in ("utf-8", "utf8", "unicode-1-1-utf-8"):
        return _UTF8
    if key in ("utf-16", "utf_16", "unicode", "unicodebig"):
        pair = _codec_pair("utf-16-be", _REPLACEMENT, b"\xfe\xff")
        return JavaCharset("utf-16", pair.encode, _utf16_decode)
    if key in _JAVA_NAMES:
        return _codec_pair(*_JAVA_NAMES[key])
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise StellarError(f"unsupported charset: {name}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise StellarError(f"unsupported charset: {name}")
    return _codec_pair(info.name, "?")


# HashMap iteration order lives with the other Java value rules.
hashmap_capacity = java_hashmap_capacity
hashmap_order = java_hashmap_keys
