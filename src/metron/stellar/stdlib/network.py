"""Network functions: IPv4 subnet membership, domain names, URLs and IP protocol numbers.

``IN_SUBNET`` follows Apache commons-net 3.1's ``SubnetUtils`` (the network and broadcast
addresses are never "in range", a /31 or /32 holds only the quirky ``0.0.0.0``, a /0 is an
error).  The ``DOMAIN_*`` functions follow Guava 17's ``InternetDomainName`` with the Public
Suffix List (see :mod:`._domainname`), falling back to the last label when a name has no
known suffix.  The ``URL_*`` functions follow ``java.net.URL`` (see :mod:`._javaurl`): an
unparseable URL or an unknown protocol gives null.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from metron.stellar.convert import to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._domainname import public_suffix
from metron.stellar.stdlib._javaurl import JavaURL, parse_url
from metron.stellar.types import Char, to_java_string

__all__: list[str] = []

# ---------------------------------------------------------------------------------- subnets

_CIDR = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,3})")


def _octet(text: str) -> int:
    value = int(text)
    if value > 255:
        raise StellarError(f"octet {value} is outside 0..255")
    return value


@lru_cache(maxsize=1024)
def _cidr_range(cidr: str) -> tuple[int, int]:
    """The addresses commons-net 3.1 counts as in range for ``cidr``, as (low, high) ints."""
    m = _CIDR.fullmatch(cidr)
    if m is None:
        raise StellarError(f"cannot parse the CIDR '{cidr}'")
    address = 0
    for group in m.group(1, 2, 3, 4):
        address = (address << 8) | _octet(group)
    bits = int(m.group(5))
    if not 0 < bits <= 32:
        raise StellarError(f"mask length {bits} is outside 1..32 in '{cidr}'")
    if bits > 30:
        # No host addresses; commons-net's arithmetic then leaves only 0.0.0.0 in range.
        return 0, 0
    host_bits = (1 << (32 - bits)) - 1
    network = address & ~host_bits
    return network + 1, (network | host_bits) - 1


@lru_cache(maxsize=65536)
def _ip_value(ip: str) -> int:
    """A dotted quad (1-3 ASCII digits per octet, each 0..255) as an unsigned int."""
    parts = ip.split(".") if ip.isascii() else ()
    if len(parts) == 4:
        a, b, c, d = parts
        if (
            a.isdigit() and b.isdigit() and c.isdigit() and d.isdigit()
            and len(a) < 4 and len(b) < 4 and len(c) < 4 and len(d) < 4
        ):  # fmt: skip
            return (_octet(a) << 24) | (_octet(b) << 16) | (_octet(c) << 8) | _octet(d)
    raise StellarError(f"cannot parse the IP address '{ip}'")


def _is_string(value: object) -> bool:
    return isinstance(value, str) and type(value) is not Char


def _not_a_string(what: str, value: object) -> StellarError:
    return StellarError(f"expected {what} as a string, got {to_java_string(value)}")


@stellar(
    "IN_SUBNET",
    params=[
        "ip - the IPv4 address to test, as a string",
        "cidr+ - one or more IPv4 networks in CIDR notation, e.g. 10.0.0.0/8",
    ],
    returns="true if the address is a host address of at least one of the networks",
    description=(
        "Tests whether an IPv4 address lies inside any of the given CIDR networks. Only host"
        " addresses count: a network's own address and its broadcast address are outside it,"
        " so a /31 or /32 contains no host (only 0.0.0.0 matches one, a commons-net quirk)."
        " A null address gives false, null networks are skipped, a malformed address or"
        " network (or a /0) is an error."
    ),
    examples=[
        ("IN_SUBNET('10.1.2.3', '10.0.0.0/8')", True),
        ("IN_SUBNET('172.16.5.9', '192.168.0.0/16', '172.16.0.0/12')", True),
        ("IN_SUBNET('192.168.7.255', '192.168.7.0/24')", False),
        Example("IN_SUBNET('10.1.2.3', '0.0.0.0/0')", error=True),
    ],
    pure=True,
)
def in_subnet(*args: Any) -> bool:
    if len(args) < 2:
        raise StellarError("needs an IP address and at least one CIDR network")
    ip = args[0]
    if ip is None:
        return False
    if not _is_string(ip):
        raise _not_a_string("the IP address", ip)
    for cidr in args[1:]:
        if cidr is None:
            continue
        if not _is_string(cidr):
            raise _not_a_string("a CIDR network", cidr)
        low, high = _cidr_range(cidr)
        if low <= _ip_value(ip) <= high:
            return True
    return False


# ---------------------------------------------------------------------------------- domains


def _domain_arg(value: object) -> str | None:
    if value is None or _is_string(value):
        return value  # type: ignore[return-value]
    raise _not_a_string("a domain", value)


def _tld(domain: str, suffix: str | None) -> str:
    """The public suffix, or when there is none the text after the last dot."""
    return suffix if suffix is not None else domain.rpartition(".")[2]


@stellar(
    "DOMAIN_TO_TLD",
    params=["domain - a fully qualified domain name"],
    returns="the domain's top level domain (its public suffix)",
    description=(
        "Extracts the top level domain of a domain name using the Public Suffix List, so"
        " multi-label suffixes such as co.uk are kept whole. When the name ends in no known"
        " suffix (or is not a valid domain name) the text after the last dot is returned."
        " A null domain gives the string 'null'."
    ),
    examples=[
        ("DOMAIN_TO_TLD('shop.example.co.uk')", "co.uk"),
        ("DOMAIN_TO_TLD('intranet.corp.internal')", "internal"),
        ("DOMAIN_TO_TLD(missing)", "null"),
    ],
    pure=True,
)
def domain_to_tld(*args: Any) -> str:
    domain = _domain_arg(args[0])
    if domain is None:
        return "null"
    valid, suffix = public_suffix(domain)
    return _tld(domain, suffix if valid else None)


@stellar(
    "DOMAIN_REMOVE_TLD",
    params=["domain - a fully qualified domain name"],
    returns="the domain without its top level domain and the dot before it",
    description=(
        "Removes the top level domain (the public suffix, or the last label when no suffix"
        " is known) from a domain name. A bare suffix gives an empty string; null or a name"
        " that is not a valid domain gives null."
    ),
    examples=[
        ("DOMAIN_REMOVE_TLD('mail.example.co.uk')", "mail.example"),
        ("DOMAIN_REMOVE_TLD('org')", ""),
        ("DOMAIN_REMOVE_TLD('10.0.0.1')", None),
    ],
    pure=True,
)
def domain_remove_tld(*args: Any) -> str | None:
    domain = _domain_arg(args[0])
    if domain is None:
        return None
    valid, suffix = public_suffix(domain)
    if not valid:
        return None
    head = domain[: len(domain) - len(_tld(domain, suffix))]
    return head[:-1] if head else head


@stellar(
    "DOMAIN_REMOVE_SUBDOMAINS",
    params=["domain - a fully qualified domain name"],
    returns="the registered domain: the label just before the top level domain, and the TLD",
    description=(
        "Strips the subdomains from a domain name, keeping the label in front of the top"
        " level domain (the public suffix, or the last label when no suffix is known). A bare"
        " suffix is returned unchanged; null, no argument or an invalid name gives null."
    ),
    examples=[
        ("DOMAIN_REMOVE_SUBDOMAINS('a.b.example.co.uk')", "example.co.uk"),
        ("DOMAIN_REMOVE_SUBDOMAINS('net.net.net')", "net.net"),
        ("DOMAIN_REMOVE_SUBDOMAINS('www.lab.example.intranet')", "example.intranet"),
    ],
    pure=True,
)
def domain_remove_subdomains(*args: Any) -> str | None:
    if not args:
        return None
    domain = _domain_arg(args[0])
    if domain is None:
        return None
    valid, suffix = public_suffix(domain)
    if not valid:
        return None
    tld = _tld(domain, suffix)
    head = domain[: len(domain) - len(tld)]
    if not head:
        return domain
    return head[:-1].rpartition(".")[2] + "." + tld


# ---------------------------------------------------------------------------------- URLs


def _url(args: tuple[Any, ...]) -> JavaURL | None:
    value = args[0]
    if value is None:
        return None
    if not _is_string(value):
        raise _not_a_string("a URL", value)
    return parse_url(value)


@stellar(
    "URL_TO_HOST",
    params=["url - a URL as a string"],
    returns="the host name of the URL",
    description=(
        "Extracts the host of a URL the way java.net.URL does (an IPv6 host keeps its"
        " brackets, a URL without an authority has an empty host). Null, a malformed URL or"
        " a protocol Java does not know (only http, https, ftp, file, jar, mailto and netdoc"
        " are) gives null."
    ),
    examples=[
        ("URL_TO_HOST('https://files.example.org:8443/a/b?x=1')", "files.example.org"),
        ("URL_TO_HOST('ssh://git.example.org/repo')", None),
    ],
    pure=True,
)
def url_to_host(*args: Any) -> str | None:
    url = _url(args)
    return None if url is None else url.host


@stellar(
    "URL_TO_PORT",
    params=["url - a URL as a string"],
    returns="the port of the URL as an integer",
    description=(
        "Extracts the port of a URL; without an explicit port the protocol's default is"
        " returned (http 80, https 443, ftp 21, -1 for the others). Null, a malformed URL or"
        " an unknown protocol gives null."
    ),
    examples=[
        ("URL_TO_PORT('http://example.org/index.html')", 80),
        ("URL_TO_PORT('https://example.org:8443/')", 8443),
        ("URL_TO_PORT('ftp://mirror.example.org/pub')", 21),
    ],
    pure=True,
)
def url_to_port(*args: Any) -> int | None:
    url = _url(args)
    if url is None:
        return None
    return url.port if url.port >= 0 else url.default_port


@stellar(
    "URL_TO_PATH",
    params=["url - a URL as a string"],
    returns="the path of the URL, without the query string",
    description=(
        "Extracts the path of a URL: from the first slash after the host up to the query or"
        " fragment; an empty string when there is none. Null, a malformed URL or an unknown"
        " protocol gives null."
    ),
    examples=[
        ("URL_TO_PATH('http://example.org/docs/index.html?lang=en')", "/docs/index.html"),
        ("URL_TO_PATH('http://example.org')", ""),
    ],
    pure=True,
)
def url_to_path(*args: Any) -> str | None:
    url = _url(args)
    return None if url is None else url.path


@stellar(
    "URL_TO_PROTOCOL",
    params=["url - a URL as a string"],
    returns="the protocol (scheme) of the URL, lower-cased",
    description=(
        "Extracts the protocol of a URL, lower-cased. Null, a malformed URL or a protocol"
        " java.net.URL has no handler for gives null."
    ),
    examples=[
        ("URL_TO_PROTOCOL('HTTPS://example.org/')", "https"),
        ("URL_TO_PROTOCOL('example.org/index.html')", None),
    ],
    pure=True,
)
def url_to_protocol(*args: Any) -> str | None:
    url = _url(args)
    return None if url is None else url.protocol


# ---------------------------------------------------------------------------------- protocols

# IANA assigned internet protocol numbers, named as Metron names them (88 has no name).
_PROTOCOLS: dict[int, str] = {
    1: "ICMP", 2: "IGMP", 3: "GGP", 4: "IP-in-IP", 5: "ST", 6: "TCP", 7: "CBT", 8: "EGP",
    9: "IGP", 10: "BBN-RCC-MON", 11: "NVP-II", 12: "PUP", 13: "ARGUS", 14: "EMCON", 15: "XNET",
    16: "CHAOS", 17: "UDP", 18: "MUX", 19: "DCN-MEAS", 20: "HMP", 21: "PRM", 22: "XNS-IDP",
    23: "TRUNK-1", 24: "TRUNK-2", 25: "LEAF-1", 26: "LEAF-2", 27: "RDP", 28: "IRTP",
    29: "ISO-TP4", 30: "NETBLT", 31: "MFE-NSP", 32: "MERIT-INP", 33: "DCCP", 34: "3PC",
    35: "IDPR", 36: "XTP", 37: "DDP", 38: "IDPR-CMTP", 39: "TP++", 40: "IL", 41: "IPv6",
    42: "SDRP", 43: "IPv6-Route", 44: "IPv6-Frag", 45: "IDRP", 46: "RSVP", 47: "GRE", 48: "MHRP",
    49: "BNA", 50: "ESP", 51: "AH", 52: "I-NLSP", 53: "SWIPE", 54: "NARP", 55: "MOBILE",
    56: "TLSP", 57: "SKIP", 58: "IPv6-ICMP", 59: "IPv6-NoNxt", 60: "IPv6-Opts", 62: "CFTP",
    64: "SAT-EXPAK", 65: "KRYPTOLAN", 66: "RVD", 67: "IPPC", 68: "SAT-MON", 70: "VISA",
    71: "IPCU", 72: "CPNX", 73: "CPHB", 74: "WSN", 75: "PVP", 76: "BR-SAT-MON", 77: "SUN-ND",
    78: "WB-MON", 79: "WB-EXPAK", 80: "ISO-IP", 81: "VMTP", 82: "SECURE-VMTP", 83: "VINES",
    84: "TTP", 85: "NSFNET-IGP", 86: "DGP", 87: "TCF", 88: "", 89: "OSPF", 90: "Sprite-RP",
    91: "LARP", 92: "MTP", 93: "AX.25", 94: "IPIP", 95: "MICP", 96: "SCC-SP", 97: "ETHERIP",
    98: "ENCAP", 100: "GMTP", 101: "IFMP", 102: "PNNI", 103: "PIM", 104: "ARIS", 105: "SCPS",
    106: "QNX", 107: "A/N", 108: "IPComp", 109: "SNP", 110: "Compaq-Peer", 111: "IPX-in-IP",
    112: "VRRP", 113: "PGM", 115: "L2TP", 116: "DDX", 117: "IATP", 118: "STP", 119: "SRP",
    120: "UTI", 121: "SMP", 122: "SM", 123: "PTP", 124: "IS-IS", 125: "FIRE", 126: "CRTP",
    127: "CRUDP", 128: "SSCOPMCE", 129: "IPLT", 130: "SPS", 131: "PIPE", 132: "SCTP", 133: "FC",
    134: "RSVP-E2E-IGNORE", 135: "Mobility Header", 136: "UDPLite", 137: "MPLS-in-IP",
    138: "manet", 139: "HIP", 140: "Shim6", 141: "WESP", 142: "ROHC",
}  # fmt: skip


@stellar(
    "PROTOCOL_TO_NAME",
    params=["number - an IANA protocol number (anything convertible to an integer)"],
    returns="the protocol's name, or the argument itself when the number has no name",
    description=(
        "Names an IP protocol from its IANA number (the protocol field of an IP header):"
        " 6 is TCP, 17 UDP, 1 ICMP. The argument is converted to an integer first, so '17'"
        " and 17.0 work too. A number without an entry, or an argument that is not a"
        " number, is returned unchanged; null gives null."
    ),
    examples=[
        ("PROTOCOL_TO_NAME(17)", "UDP"),
        ("PROTOCOL_TO_NAME('47')", "GRE"),
        ("PROTOCOL_TO_NAME(253)", 253),
    ],
    pure=True,
)
def protocol_to_name(*args: Any) -> Any:
    value = args[0]
    if value is None:
        return None
    number = to_integer(value)
    name = None if number is None else _PROTOCOLS.get(number)
    return value if name is None else name
