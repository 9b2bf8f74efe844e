"""Validation predicates: IS_IP, IS_DOMAIN, IS_EMAIL, IS_URL and IS_INTEGER.

Metron implements these with Apache commons-validator (see ``_validators`` for the rules).
Every argument is converted with Java's ``toString`` first, so ``IS_INTEGER(1)`` and
``IS_INTEGER('1')`` agree and ``IS_DOMAIN(2.7)`` tests the text ``2.7``.  ``IS_DOMAIN``,
``IS_EMAIL``, ``IS_URL`` and ``IS_INTEGER`` accept several arguments and are true only when
every one is valid; no argument or a null argument gives false.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metron.stellar.functions import stellar
from metron.stellar.stdlib import _validators
from metron.stellar.types import to_java_string

__all__: list[str] = []


def _all_valid(args: tuple[Any, ...], check: Callable[[str], bool]) -> bool:
    if not args:
        return False
    for value in args:
        if value is None:
            return False
        if not check(value if type(value) is str else to_java_string(value)):
            return False
    return True


_IP_CHECKS: dict[str, Callable[[str], bool]] = {
    "IPV4": _validators.is_valid_inet4,
    "IPV6": _validators.is_valid_inet6,
}


@stellar(
    "IS_IP",
    params=[
        "ip - the value to test",
        "type (optional) - 'IPV4' or 'IPV6' (exactly so spelled); anything else accepts both",
    ],
    returns="true if the value is an IP address of the requested kind, false otherwise",
    description=(
        "Tests whether a value is an IPv4 or IPv6 address (dotted quad without leading zeros;"
        " IPv6 with '::' compression and an optional trailing dotted quad)."
    ),
    examples=[
        ("IS_IP('192.168.10.1')", True),
        ("IS_IP('fe80::1', 'IPV4')", False),
        ("IS_IP('010.0.0.1')", False),
    ],
    pure=True,
)
def is_ip(*args: Any) -> bool:
    if not args or args[0] is None:
        return False
    check: Callable[[str], bool] = _validators.is_valid_ip
    if len(args) >= 2 and args[1] is not None:
        check = _IP_CHECKS.get(to_java_string(args[1]), check)
    ip = args[0]
    return check(ip if type(ip) is str else to_java_string(ip))


@stellar(
    "IS_DOMAIN",
    params=["address* - the values to test"],
    returns="true if every value is a domain name ending in a known top-level domain",
    description=(
        "Tests whether values are domain names (RFC 1034 / RFC 1123 labels) whose top-level"
        " domain is a real, IANA-delegated one. A bare top-level domain is not enough."
    ),
    examples=[
        ("IS_DOMAIN('mail.example.co.uk')", True),
        ("IS_DOMAIN('intranet.corp')", False),
        ("IS_DOMAIN('example.org', 'localhost')", False),
    ],
    pure=True,
)
def is_domain(*args: Any) -> bool:
    return _all_valid(args, _validators.is_valid_domain)


@stellar(
    "IS_EMAIL",
    params=["address* - the values to test"],
    returns="true if every value is a valid email address",
    description=(
        "Tests whether values are email addresses: a local part of at most 64 characters"
        " (dot-separated words or quoted strings) and a domain with a known top-level domain,"
        " or an IP address in square brackets."
    ),
    examples=[
        ("IS_EMAIL('ops.team@example.com')", True),
        ("IS_EMAIL('root@[10.1.2.3]')", True),
        ("IS_EMAIL('root@localhost')", False),
    ],
    pure=True,
)
def is_email(*args: Any) -> bool:
    return _all_valid(args, _validators.is_valid_email)


@stellar(
    "IS_URL",
    params=["url* - the values to test"],
    returns="true if every value is a valid http, https or ftp URL",
    description=(
        "Tests whether values are absolute URLs with the scheme http, https or ftp, a host"
        " that is a domain with a known top-level domain or an IP address, an optional port"
        " up to 65535, and a path without '//' or '..' above the root."
    ),
    examples=[
        ("IS_URL('https://example.com:8443/login?next=%2F')", True),
        ("IS_URL('ssh://example.com')", False),
        ("IS_URL('http://example.com//twice')", False),
    ],
    pure=True,
)
def is_url(*args: Any) -> bool:
    return _all_valid(args, _validators.is_valid_url)


@stellar(
    "IS_INTEGER",
    params=["x* - the values to test"],
    returns="true if every value reads as a whole number",
    description=(
        "Tests whether values read as whole numbers the way Java's en_US number format reads"
        " them: an optional '-', digits with optional ',' grouping and an optional exponent"
        " ('1E3'); no '+', no decimal point. Numbers of any size are accepted."
    ),
    examples=[
        ("IS_INTEGER('-1,024')", True),
        ("IS_INTEGER(42L)", True),
        ("IS_INTEGER(1.0)", False),
    ],
    pure=True,
)
def is_integer(*args: Any) -> bool:
    return _all_valid(args, _validators.is_valid_long)
