"""``new java.net.URL(spec)`` as Java 8 parses it, for Metron's ``URL_TO_*`` functions.

Only the parts those functions read are kept: protocol, host, explicit port, path and the
protocol's default port.  ``parse_url`` returns None wherever Java throws
``MalformedURLException``: no protocol, a protocol without a built-in handler (Java 8 ships
``file ftp http https jar mailto netdoc``), a bad port, a bad IPv6 literal, a ``jar:`` URL
without ``!/`` or with a malformed inner URL, a ``mailto:`` without an address.

The JDK rules followed are today's (JDK 17 behaves the same way): a host holding a control
character, or a nested ``jar:jar:`` URL, is malformed; ``netdoc`` is kept from Java 8.
Java's parser is lenient in ways this keeps: no scheme-specific checks on the host, ports
beyond 65535 accepted, ``-1`` as an explicit port meaning "none", Unicode digits in ports,
``http:foo`` giving the path ``foo``, a query stripped from the path.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

__all__ = ["JavaURL", "parse_url"]

_DEFAULT_PORTS = {
    "http": 80,
    "https": 443,
    "ftp": 21,
    "file": -1,
    "jar": -1,
    "mailto": -1,
    "netdoc": -1,
}
_HEX = "0123456789abcdef"
# Characters current JDKs refuse in a host: controls, and look-alikes of URL delimiters.
_BAD_HOST_CHAR = re.compile(
    "[\x00-\x1f\x7f\u2047\u2048\u2049\u2100\u2101\u2105\u2106\u2a74"
    "\ufe55\ufe56\ufe5f\ufe6b\uff03\uff0f\uff1a\uff1f\uff20]"
)
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_JAVA_CONTROL_WHITESPACE = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_NO_BREAK_SPACES = frozenset("\xa0\u2007\u202f")


def _is_java_whitespace(c: str) -> bool:
    """Character.isWhitespace: separators other than the no-break spaces, and a few controls."""
    if c in _JAVA_CONTROL_WHITESPACE:
        return True
    return c not in _NO_BREAK_SPACES and unicodedata.category(c) in ("Zs", "Zl", "Zp")


class JavaURL(NamedTuple):
    protocol: str
    host: str
    port: int
    path: str | None
    default_port: int


class _Malformed(Exception):
    pass


@lru_cache(maxsize=4096)
def parse_url(spec: str) -> JavaURL | None:
    """The URL Java builds from ``spec``, or None where Java throws."""
    try:
        return _parse(spec)
    except _Malformed:
        return None


def _parse(spec: str) -> JavaURL:
    limit = len(spec)
    while limit > 0 and spec[limit - 1] <= " ":
        limit -= 1
    start = 0
    while start < limit and spec[start] <= " ":
        start += 1
    if spec[start : start + 4].lower() == "url:":
        start += 4
    protocol = None
    if not (start < len(spec) and spec[start] == "#"):
        colon = -1
        for i in range(start, limit):
            c = spec[i]
            if c == "/":
                break
            if c == ":":
                colon = i
                break
        if colon >= 0:
            candidate = spec[start:colon].lower()
            if candidate in _DEFAULT_PORTS:
                protocol = candidate
                start = colon + 1
    if protocol is None:
        raise _Malformed
    ref = spec.find("#", start)
    if ref >= 0:
        limit = ref
    if protocol == "jar":
        return _parse_jar(spec, start, limit)
    if protocol == "mailto":
        return _parse_mailto(spec, start, limit)
    return _parse_hierarchical(protocol, spec, start, limit)


def _parse_hierarchical(protocol: str, spec: str, start: int, limit: int) -> JavaURL:
    host: str | None = None
    authority: str | None = None
    path: str | None = None
    port = -1
    if start < limit:
        query = spec.find("?")
        if 0 <= query < limit:
            limit = query
            spec = spec[:query]
    unc = start <= limit - 4 and spec[start : start + 4] == "////"
    if not unc and start <= limit - 2 and spec[start : start + 2] == "//":
        start += 2
        end = spec.find("/", start)
        if end < 0 or end > limit:
            end = spec.find("?", start)
            if end < 0 or end > limit:
                end = limit
        host = authority = spec[start:end]
        at = authority.find("@")
        if at != -1:
            host = None if at != authority.rfind("@") else authority[at + 1 :]
        if host is None:
            host = ""
        elif host.startswith("["):
            close = host.find("]")
            if close <= 2:
                raise _Malformed
            literal = host
            host = literal[: close + 1]
            if not _is_ipv6_literal(host[1:close]):
                raise _Malformed
            if len(literal) > close + 1:
                if literal[close + 1] != ":":
                    raise _Malformed
                if len(literal) > close + 2:
                    port = _parse_int(literal[close + 2 :])
        else:
            colon = host.find(":")
            if colon >= 0:
                if len(host) > colon + 1:
                    port = _parse_int(host[colon + 1 :])
                host = host[:colon]
        if port < -1 or _BAD_HOST_CHAR.search(host):
            raise _Malformed
        start = end
        if authority:
            path = ""
    if start < limit:
        if spec[start] == "/":
            path = spec[start:limit]
        else:
            path = ("/" if authority is not None else "") + spec[start:limit]
    return JavaURL(protocol, host or "", port, path or "", _DEFAULT_PORTS[protocol])


def _parse_mailto(spec: str, start: int, limit: int) -> JavaURL:
    address = spec[start:limit] if start < limit else ""
    if all(_is_java_whitespace(c) for c in address):
        raise _Malformed  # also when empty: "No email address"
    query = address.rfind("?")
    return JavaURL("mailto", "", -1, address if query < 0 else address[:query], -1)


def _parse_jar(spec: str, start: int, limit: int) -> JavaURL:
    ref_only = spec.find("#", limit) == start
    absolute = spec[:4].lower() == "jar:"
    body = spec[start:limit]
    if body[:4].lower() == "jar:":
        raise _Malformed  # "Nested JAR URLs are not supported"
    if absolute:
        bang = _bang_slash(body)
        if bang == -1 or parse_url(body[: bang - 1]) is None:
            raise _Malformed
        file: str | None = body
    elif ref_only:
        file = None  # the (absent) context URL's file
    else:
        raise _Malformed  # a relative jar spec needs a context URL
    if file is not None and "?" in file:
        file = file[: file.rfind("?")]
    return JavaURL("jar", "", -1, file, -1)


def _bang_slash(text: str) -> int:
    """Index of the '/' of the last "!/" in ``text``, or -1."""
    i = len(text)
    while True:
        i = text.rfind("!", 0, i + 1)
        if i == -1:
            return -1
        if i != len(text) - 1 and text[i + 1] == "/":
            return i + 1
        i -= 1


def _decimal(c: str) -> int:
    """Character.digit(c, 10) for one UTF-16 unit: any Unicode decimal digit, else -1."""
    return unicodedata.decimal(c) if c <= "\uffff" and c.isdecimal() else -1


def _parse_int(text: str) -> int:
    """Integer.parseInt(text): optional sign, Unicode decimal digits, 32-bit range."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or any(_decimal(c) < 0 for c in body):
        raise _Malformed
    value = 0
    for c in body:
        value = value * 10 + _decimal(c)
    if text[0] == "-":
        value = -value
    if not _INT_MIN <= value <= _INT_MAX:
        raise _Malformed
    return value


def _is_ipv4_text(text: str) -> bool:
    """IPAddressUtil.textToNumericFormatV4 accepts ``text`` (four ASCII decimal parts)."""
    if not 0 < len(text) <= 15:
        return False
    parts = text.split(".")
    if len(parts) != 4:
        return False
    return all(len(p) > 0 and p.isascii() and p.isdigit() and int(p) <= 255 for p in parts)


def _is_ipv6_literal(text: str) -> bool:
    """IPAddressUtil.isIPv6LiteralAddress: RFC 4291 text (ASCII hex), optional %scope."""
    if len(text) < 2:
        return False
    end = len(text)
    percent = text.find("%")
    if percent == end - 1:
        return False
    if percent != -1:
        end = percent
    i = 0
    size = 0  # bytes filled
    gap = -1  # where "::" is
    if text[0] == ":":
        i = 1
        if text[1] != ":":
            return False
    token = i
    seen_digit = False
    value = 0
    while i < end:
        c = text[i]
        i += 1
        d = _HEX.find(c.lower()) if c.isascii() else -1
        if d != -1:
            value = (value << 4) | d
            if value > 0xFFFF:
                return False
            seen_digit = True
            continue
        if c == ":":
            token = i
            if not seen_digit:
                if gap != -1:
                    return False
                gap = size
                continue
            if i == end or size + 2 > 16:
                return False
            size += 2
            seen_digit = False
            value = 0
            continue
        if c == "." and size + 4 <= 16:
            tail = text[token:end]
            if tail.count(".") != 3 or not _is_ipv4_text(tail):
                return False
            size += 4
            seen_digit = False
            break
        return False
    if seen_digit:
        if size + 2 > 16:
            return False
        size += 2
    if gap != -1:
        if size == 16:
            return False
        size = 16
    return size == 16
