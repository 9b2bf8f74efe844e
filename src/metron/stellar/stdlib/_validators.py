"""The Apache commons-validator 1.6 routines behind Metron's IS_* functions, re-done in Python.

Metron's ``IS_IP``, ``IS_DOMAIN``, ``IS_EMAIL``, ``IS_URL`` and ``IS_INTEGER`` wrap
``InetAddressValidator``, ``DomainValidator``, ``EmailValidator``, ``UrlValidator`` (default
schemes http, https, ftp) and ``LongValidator`` (strict, en_US).  This module follows those
classes rule by rule; its patterns are Java patterns compiled by
:mod:`metron.stellar.javaregex`, so ``\\s``, ``.`` and ``$`` keep Java's meaning.

Top-level domains: commons-validator 1.6 compiles in the IANA list of February 2017.  Here the
known TLDs are the last labels of the ICANN section of the Public Suffix List shipped in the
``publicsuffixlist`` package (read once, converted to punycode): the same source of truth,
newer, so TLDs delegated since 2017 are accepted and retired ones (``.doosan`` style) are not.

Every check is a pure function of one string, cached, because parsers call them per event.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from metron.stellar import javaregex
from metron.stellar.stdlib._javaidn import to_ascii

__all__ = [
    "is_valid_domain",
    "is_valid_email",
    "is_valid_inet4",
    "is_valid_inet6",
    "is_valid_ip",
    "is_valid_long",
    "is_valid_tld",
    "is_valid_url",
]

_CACHE = 8192
_LOCAL_TLDS = frozenset(("localdomain", "localhost"))
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))


def _utf16_len(text: str) -> int:
    return len(text) if text.isascii() else len(text) + sum(c > "\uffff" for c in text)


def _unicode_to_ascii(text: str) -> str:
    """commons-validator's unicodeToASCII: java.net.IDN.toASCII, the input itself on failure."""
    if text.isascii():
        return text
    try:
        return to_ascii(text, allow_unassigned=False)
    except (ValueError, UnicodeError):
        return text


@lru_cache(maxsize=1)
def _tlds() -> frozenset[str]:
    from publicsuffixlist import PSLFILE

    tlds: set[str] = set()
    icann = False
    with open(PSLFILE, encoding="utf-8") as source:
        for line in source:
            line = line.strip()
            if line.startswith("// ===BEGIN ICANN DOMAINS==="):
                icann = True
            elif line.startswith("// ===END ICANN DOMAINS==="):
                break
            elif icann and line and not line.startswith("//"):
                label = line.split()[0].rsplit(".", 1)[-1].lstrip("!*")
                try:
                    tlds.add(label.encode("idna").decode("ascii").lower())
                except UnicodeError:
                    continue
    return frozenset(tlds)


# -- regular expressions (Java syntax) --------------------------------------------------------

_LABEL = "\\p{Alnum}(?>[\\p{Alnum}-]{0,61}\\p{Alnum})?"
_TOP_LABEL = "\\p{Alpha}(?>[\\p{Alnum}-]{0,61}\\p{Alnum})?"
_DOMAIN = f"(?:{_LABEL}\\.)+({_TOP_LABEL})\\.?"

_NOT_SPECIAL = "[^\\s\\p{Cntrl}()<>@,;:'\\\\\".\\[\\]]"
_WORD = f'(?:(?:\\\\.|{_NOT_SPECIAL}|\')+|"(?:\\\\"|[^"])*")'
_EMAIL = "\\s*?(.+)@(.+?)\\s*"
_USER = f"\\s*{_WORD}(?:\\.{_WORD})*"
_BRACKETED = "\\[(.*)\\]"

_URL = "(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\\?([^#]*))?(?:#(.*))?"
_SCHEME = "\\p{Alpha}[\\p{Alnum}+\\-.]*"
_USERINFO_CHAR = "[a-zA-Z0-9%-._~!$&'()*+,;=]"  # note: %-. is a range, as in commons
_AUTHORITY = (
    "(?:\\[([0-9a-fA-F:]+)\\]"
    f"|(?:{_USERINFO_CHAR}+(?::{_USERINFO_CHAR}*)?@)?([\\p{{Alnum}}\\-.]*))"
    "(?::(\\d*))?(.*)?"
)
_PATH = "(?:/[-\\w:@&?=+,.!/~*'%$;()]*)?"
_QUERY = "\\S*"
_IPV4 = "(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})"


def _rx(pattern: str) -> javaregex.JavaPattern:
    return javaregex.compile(pattern)


# -- InetAddressValidator ---------------------------------------------------------------------


@lru_cache(maxsize=_CACHE)
def is_valid_inet4(address: str) -> bool:
    m = _rx(_IPV4).matches(address)
    if m is None:
        return False
    return all(int(part) <= 255 and not (len(part) > 1 and part[0] == "0") for part in m.groups())


def _hex_digit(c: str) -> int:
    """Character.digit(c, 16) for a char (a supplementary character is two chars in Java)."""
    if c < "\x80":
        return int(c, 16) if c in "0123456789abcdefABCDEF" else -1
    cp = ord(c)
    if 0xFF21 <= cp <= 0xFF26 or 0xFF41 <= cp <= 0xFF46:
        return (cp & 0x1F) + 9
    if cp > 0xFFFF:
        return -1
    return unicodedata.decimal(c, -1)


def _parse_hex_int(text: str) -> int | None:
    """Integer.parseInt(text, 16) for at most four chars: an optional sign, then digits."""
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not text:
        return None
    value = 0
    for c in text:
        d = _hex_digit(c)
        if d < 0:
            return None
        value = value * 16 + d
    return sign * value


@lru_cache(maxsize=_CACHE)
def is_valid_inet6(address: str) -> bool:
    compressed = "::" in address
    if compressed and address.find("::") != address.rfind("::"):
        return False
    if (address.startswith(":") and not address.startswith("::")) or (
        address.endswith(":") and not address.endswith("::")
    ):
        return False
    octets = address.split(":")
    if len(octets) > 1:  # Java's split drops trailing empty strings
        while octets and octets[-1] == "":
            octets.pop()
    if compressed:
        if address.endswith("::"):
            octets.append("")
        elif address.startswith("::") and octets:
            octets.pop(0)
    if len(octets) > 8:
        return False
    valid = empty = 0
    for index, octet in enumerate(octets):
        if not octet:
            empty += 1
            if empty > 1:
                return False
        else:
            empty = 0
            if index == len(octets) - 1 and "." in octet:
                if not is_valid_inet4(octet):
                    return False
                valid += 2
                continue
            if _utf16_len(octet) > 4:
                return False
            value = _parse_hex_int(octet)
            if value is None or not 0 <= value <= 0xFFFF:
                return False
        valid += 1
    return not (valid > 8 or (valid < 8 and not compressed))


def is_valid_ip(address: str) -> bool:
    return is_valid_inet4(address) or is_valid_inet6(address)


# -- DomainValidator --------------------------------------------------------------------------


def is_valid_tld(tld: str, allow_local: bool = False) -> bool:
    key = _unicode_to_ascii(tld).lower()
    key = key[1:] if key.startswith(".") else key
    return key in _tlds() or (allow_local and key in _LOCAL_TLDS)


@lru_cache(maxsize=_CACHE)
def is_valid_domain(domain: str, allow_local: bool = False) -> bool:
    domain = _unicode_to_ascii(domain)
    if _utf16_len(domain) > 253:
        return False
    m = _rx(_DOMAIN).matches(domain)
    if m is not None:
        return is_valid_tld(m.group(1), allow_local)
    return allow_local and _rx(_LABEL).matches(domain) is not None


# -- EmailValidator ---------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE)
def is_valid_email(email: str) -> bool:
    if email.endswith("."):
        return False
    m = _rx(_EMAIL).matches(email)
    if m is None:
        return False
    user, domain = m.group(1), m.group(2)
    if _utf16_len(user) > 64 or _rx(_USER).matches(user) is None:
        return False
    bracketed = _rx(_BRACKETED).matches(domain)
    if bracketed is not None:
        return is_valid_ip(bracketed.group(1))
    return is_valid_domain(domain)


# -- UrlValidator -----------------------------------------------------------------------------


def _valid_authority(authority: str | None) -> bool:
    if authority is None:
        return False
    m = _rx(_AUTHORITY).matches(_unicode_to_ascii(authority))
    if m is None:
        return False
    ipv6, host, port, extra = m.groups()
    if ipv6 is not None:
        if not is_valid_inet6(ipv6):
            return False
    else:
        if not is_valid_domain(host) and not is_valid_inet4(host):
            return False
        if port and (len(port) > 10 or int(port) > 0xFFFF):
            return False
    return not (extra and extra.strip(_JAVA_TRIM))


def _valid_path(path: str) -> bool:
    if _rx(_PATH).matches(path) is None or "//" in path:
        return False
    # java.net.URI.normalize(): the path may not climb above the root
    kept: list[str] = []
    for segment in path[1:].split("/") if path else ():
        if segment == ".":
            continue
        if segment == ".." and kept and kept[-1] != "..":
            kept.pop()
        else:
            kept.append(segment)
    return not (kept and kept[0] == "..")


@lru_cache(maxsize=_CACHE)
def is_valid_url(url: str) -> bool:
    m = _rx(_URL).matches(url)
    if m is None:
        return False
    scheme, authority, path, query, _fragment = m.groups()
    if scheme is None or _rx(_SCHEME).matches(scheme) is None:
        return False
    if scheme.lower() not in ("http", "https", "ftp"):
        return False
    if not _valid_authority(authority) or not _valid_path(path):
        return False
    return query is None or _rx(_QUERY).matches(query) is not None


# -- LongValidator ----------------------------------------------------------------------------


def _decimal(c: str) -> int:
    """Character.digit(c, 10) of one Java char."""
    if "0" <= c <= "9":
        return ord(c) - 48
    if c < "\x80" or c > "\uffff":
        return -1
    return unicodedata.decimal(c, -1)


def _exponent_end(text: str, pos: int) -> int | None:
    """Where a DecimalFormat exponent (after 'E') ends, or None if it is not one."""
    negative = text.startswith("-", pos)
    if negative:
        pos += 1
    start, value = pos, 0
    while pos < len(text) and (d := _decimal(text[pos])) >= 0:
        value = value * 10 + d
        pos += 1
    if pos == start:
        return None
    limit = 2**63 if negative else 2**63 - 1
    return pos if value <= limit else None


@lru_cache(maxsize=_CACHE)
def is_valid_long(value: str) -> bool:
    """Strict en_US ``NumberFormat`` parse of the trimmed text, integer part only.

    Accepts grouping commas anywhere between digits ("1,2,3"), any Unicode decimal digits, an
    exponent ("5E3", "5E-3"), any magnitude (it saturates), and Java's infinity and NaN
    symbols ("∞", "-∞", "\\ufffd"); rejects "+1", "1.0", "1e3", "1,".
    """
    text = value.strip(_JAVA_TRIM)
    if not text:
        return False
    if text[0] == "\ufffd":
        return len(text) == 1
    pos = 1 if text[0] == "-" else 0
    if text.startswith("\u221e", pos):
        return pos + 1 == len(text)
    saw_digit = False
    backup = -1
    n = len(text)
    while pos < n:
        c = text[pos]
        if _decimal(c) >= 0:
            saw_digit = True
            backup = -1
        elif c == ",":
            backup = pos
        elif c == "E":
            end = _exponent_end(text, pos + 1)
            if end is not None:
                pos = end
            break
        else:
            break
        pos += 1
    if backup != -1:
        pos = backup
    return saw_digit and pos == n
