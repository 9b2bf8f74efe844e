"""Threat-intel indicator types and how their values are written in the lookup store.

Every threat-intel loader (STIX, TAXII, MISP) writes records keyed by (type, indicator)
with the types below, normalised the same way, so a sensor's ``threatIntel.fieldToTypeMap``
names one type whatever feed the indicator came from:

* ``ip``: an IPv4 or IPv6 address, or a CIDR range, as written (surrounding blanks
  removed);
* ``domain``: lower-cased, without a final dot;
* ``url``, ``email``, ``ssdeep``, ``tlsh``: as written (surrounding blanks removed);
* ``md5``, ``sha1``, ``sha256``, ``sha512``, ``sha3-256``, ``sha3-512``: lower-case hex of
  the hash's length.

:func:`normalize` raises ``ValueError`` with a message naming the value for anything else.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["HASH_LENGTHS", "TYPES", "normalize"]

#: Hash types and their length in hex digits (0: free-form text).
HASH_LENGTHS: dict[str, int] = {
    "md5": 32,
    "sha1": 40,
    "sha256": 64,
    "sha512": 128,
    "sha3-256": 64,
    "sha3-512": 128,
    "ssdeep": 0,
    "tlsh": 0,
}

#: Every indicator type a threat-intel loader writes.
TYPES: tuple[str, ...] = ("ip", "domain", "url", "email", *HASH_LENGTHS)

_HEX = re.compile(r"[0-9a-fA-F]+")


def normalize(kind: str, value: str) -> str:
    """``value`` as an indicator of ``kind`` is stored; ``ValueError`` when it is not one."""
    text = value.strip()
    if kind == "ip":
        try:
            if "/" in text:
                ipaddress.ip_network(text, strict=False)
            else:
                ipaddress.ip_address(text)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or range") from None
        return text
    if kind == "domain":
        domain = text.rstrip(".").lower()
        if not domain or any(c.isspace() for c in domain):
            raise ValueError(f"{value!r} is not a domain name")
        return domain
    length = HASH_LENGTHS.get(kind)
    if length:
        if len(text) != length or not _HEX.fullmatch(text):
            raise ValueError(f"{value!r} is not a {kind} hash ({length} hex digits)")
        return text.lower()
    if kind in ("url", "email") or length == 0:
        if not text:
            raise ValueError(f"an empty {kind}")
        return text
    raise ValueError(f"{kind!r} is not an indicator type")
