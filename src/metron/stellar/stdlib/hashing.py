"""Hashing functions: HASH, TLSH_DIST and GET_HASHES_AVAILABLE.

``HASH`` either digests a value with a ``MessageDigest`` algorithm (lower-case hex of the
digest) or computes a TLSH locality-sensitive hash.  What gets digested is what Metron feeds
the digest:

* a string: its bytes in the configured charset (UTF-8 by default);
* null: nothing, the result is ``00`` repeated for the digest length;
* any other value: its Java serialization (see :mod:`._javaser`); values we cannot
  serialize as the JVM would (lambdas, sketches, other opaque objects) hash to null.

TLSH hashes strings (UTF-8) and byte arrays.  Metron hands any other value to Kryo first; a
scalar or null serializes to far fewer than the 50 bytes TLSH needs, so the result is null,
and for collections, whose Kryo encoding we do not reproduce, we return null as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metron.stellar.convert import to_boolean, to_integer, to_string
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._digests import DIGESTS
from metron.stellar.stdlib._javacodec import hashmap_order, java_charset, java_utf8_encode
from metron.stellar.stdlib._javaser import java_serialize
from metron.stellar.stdlib._tlsh import bins, distance, tlsh_hash
from metron.stellar.types import Char, to_java_string

__all__: list[str] = []

_TLSH = "TLSH"
ALL_HASHES = (_TLSH, *DIGESTS)


def _digest(value: Any, algorithm: str, config: Mapping[Any, Any] | None) -> str | None:
    charset = None
    if config:
        name = config.get("charset")
        if name is not None:
            text = to_string(name)
            if text is not None:
                charset = java_charset(text)
    digest = DIGESTS[algorithm]()
    if value is None:
        return "00" * digest.digest_size
    if isinstance(value, str) and type(value) is not Char:
        data = java_utf8_encode(value) if charset is None else charset.encode(value)
    else:
        serialized = java_serialize(value)
        if serialized is None:
            return None
        data = serialized
    digest.update(data)
    hexdigest = digest.hexdigest()
    # Metron turns the hex digits back into a String with the configured charset too
    return hexdigest if charset is None else charset.decode(hexdigest.encode("ascii"))


def _option(config: Mapping[Any, Any], key: str, choices: tuple[int, int], default: int) -> int:
    value = config.get(key)
    if value is None:
        return default
    number = to_integer(value)
    if number is None:
        raise StellarError(f"TLSH option {key} must be a number, not {to_java_string(value)}")
    return number if number in choices else default


def _tlsh(value: Any, config: Mapping[Any, Any] | None) -> Any:
    buckets, checksum_bytes, force = 128, 1, True
    sizes: list[int | None] = []
    if config:
        buckets = _option(config, "bucketSize", (128, 256), buckets)
        checksum_bytes = _option(config, "checksumBytes", (1, 3), checksum_bytes)
        if config.get("force") is not None:
            converted = to_boolean(config["force"])
            force = force if converted is None else converted
        wanted = config.get("hashes")
        if wanted is not None:
            items = wanted if isinstance(wanted, list) else [wanted]
            sizes = [to_integer(item) for item in items]
    if isinstance(value, str) and type(value) is not Char:
        data = java_utf8_encode(value)
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        return None
    digest = tlsh_hash(data, buckets, checksum_bytes, force)
    if digest is None or not sizes:
        return digest
    if None in sizes:
        return None
    try:
        binned = bins(digest, checksum_bytes, [s for s in sizes if s is not None])
    except StellarError:
        return None
    result = {"tlsh": digest, **{k: binned[k] for k in hashmap_order(binned)}}
    return {k: result[k] for k in hashmap_order(result)}


@stellar(
    "GET_HASHES_AVAILABLE",
    params=[],
    returns="a list of the algorithm names HASH accepts",
    description=(
        "Lists the hashing algorithms HASH understands: TLSH and the message digests (MD2,"
        " MD5, SHA, SHA-1, the SHA-2 family and SHA-3). Which digests a Metron installation"
        " offers depends on its JVM; this list is the union of Java 8's and later JVMs'."
    ),
    examples=[
        Example("GET_HASHES_AVAILABLE()", check=False),
        ("'MD5' in GET_HASHES_AVAILABLE()", True),
    ],
    pure=True,
)
def get_hashes_available(*args: Any) -> list[str]:
    if args:
        raise StellarError("GET_HASHES_AVAILABLE takes no arguments")
    return hashmap_order(ALL_HASHES)


@stellar(
    "HASH",
    params=[
        "toHash - the value to hash",
        "hashType - the algorithm, any name from GET_HASHES_AVAILABLE() in any case",
        "config - (optional) a map of options. For TLSH: bucketSize (128 or 256, default"
        " 128), checksumBytes (1 or 3, default 1), force (true by default: hash from 50"
        " bytes on instead of 256) and hashes (a number or list of numbers: return a map"
        " with the hash under 'tlsh' and that many sampled bits under 'tlsh_bin' or"
        " 'tlsh_bin_<n>', for clustering). For the other algorithms: charset, the"
        " character set of the string (default UTF-8)",
    ],
    returns=(
        "the hash as hex (lower case for digests, upper case for TLSH); '00' repeated for"
        " the digest length when toHash is null; null when hashType is null or the value"
        " cannot be hashed (TLSH needs 50 varied bytes)"
    ),
    description=(
        "Hashes a value. A string is hashed through its bytes; any other value through its"
        " Java serialization, so HASH(1, 'MD5') and HASH('1', 'MD5') differ."
    ),
    examples=[
        ("HASH('metron', 'md5')", "2a174a88b9f69355ed56f83625a9eb2b"),
        ("HASH(null, 'SHA-1')", "00" * 20),
        ("HASH(1, 'MD5') == HASH('1', 'MD5')", False),
        ("HASH('too short', 'TLSH')", None),
    ],
    pure=True,
)
def hash_(*args: Any) -> Any:
    if len(args) < 2:
        raise StellarError(f"HASH expects at least two arguments, got {len(args)}")
    value, kind = args[0], args[1]
    if kind is None:
        return None
    config = args[2] if len(args) > 2 and isinstance(args[2], Mapping) else None
    name = to_java_string(kind)
    algorithm = name.upper()
    if algorithm == _TLSH:
        return _tlsh(value, config)
    if algorithm not in DIGESTS:
        raise StellarError(
            f"Unsupported hash function: {name}. Supported algorithms are "
            + ",".join(get_hashes_available())
        )
    return _digest(value, algorithm, config)


@stellar(
    "TLSH_DIST",
    params=[
        "hash1 - a TLSH hash from HASH(..., 'TLSH')",
        "hash2 - another TLSH hash made with the same bucketSize and checksumBytes",
        "includeLength - (optional) true to count the difference in input length; default false",
    ],
    returns=(
        "the TLSH difference score: 0 for equal hashes, small for similar inputs, several"
        " hundred for unrelated ones; -1 when either hash is null"
    ),
    description=(
        "Scores how different the inputs of two TLSH hashes were. Hashes built with"
        " different options cannot be compared."
    ),
    examples=[
        (
            "TLSH_DIST(HASH(a, 'TLSH'), HASH(b, 'TLSH'))",
            46,
            {
                "a": "A locality sensitive hash keeps similar inputs close: change a word or"
                " two of a long enough text and the digest barely moves.",
                "b": "A locality sensitive hash keeps similar inputs close: change one word or"
                " two of a long enough text and its digest barely moves.",
            },
        ),
        ("TLSH_DIST(null, 'anything')", -1),
        Example("TLSH_DIST('AB', 'CD')", error=True),
    ],
    pure=True,
)
def tlsh_dist(*args: Any) -> int:
    if len(args) < 2:
        raise StellarError("TLSH_DIST expects two TLSH hashes")
    first, second = args[0], args[1]
    for h in (first, second):
        if h is not None and (not isinstance(h, str) or type(h) is Char):
            raise StellarError(f"{to_java_string(h)} must be strings")
    include_length = False
    if len(args) > 2 and args[2] is not None:
        include_length = to_boolean(args[2]) is True
    if first is None or second is None:
        return -1
    if first == second:
        return 0
    return distance(first, second, include_length)
