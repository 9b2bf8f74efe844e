"""IN_SUBNET, DOMAIN_TO_TLD, DOMAIN_REMOVE_TLD, DOMAIN_REMOVE_SUBDOMAINS, URL_TO_*, PROTOCOL_TO_NAME."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metron import stellar


def ev(expression: str, **variables: Any) -> Any:
    return stellar.evaluate(expression, variables)


def same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


# -- IN_SUBNET ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "cidrs", "expected"),
    [
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("11.0.0.1", ["10.0.0.0/8"], False),
        ("10.0.0.1", ["10.0.0.0/8"], True),  # first host
        ("10.255.255.254", ["10.0.0.0/8"], True),  # last host
        ("10.0.0.0", ["10.0.0.0/8"], False),  # the network address is not a host
        ("10.255.255.255", ["10.0.0.0/8"], False),  # nor is the broadcast address
        ("172.20.1.5", ["172.20.1.4/30"], True),
        ("172.20.1.6", ["172.20.1.4/30"], True),
        ("172.20.1.4", ["172.20.1.4/30"], False),
        ("172.20.1.7", ["172.20.1.4/30"], False),
        ("172.20.1.4", ["172.20.1.4/31"], False),  # a /31 has no hosts
        ("172.20.1.5", ["172.20.1.4/31"], False),
        ("172.20.1.4", ["172.20.1.4/32"], False),  # nor has a /32
        ("0.0.0.0", ["172.20.1.4/32"], True),  # commons-net 3.1 arithmetic quirk
        ("0.0.0.0", ["172.20.1.4/31"], True),
        ("0.0.0.0", ["0.0.0.0/8"], False),
        ("200.1.1.1", ["128.0.0.0/1"], True),
        ("127.255.255.255", ["128.0.0.0/1"], False),
        ("255.255.255.255", ["128.0.0.0/1"], False),
        ("1.2.3.4", ["0.0.0.0/1"], True),
        ("192.168.10.77", ["192.168.10.99/24"], True),  # host bits in the CIDR are masked off
        ("192.168.010.001", ["192.168.10.0/024"], True),  # leading zeros are decimal
        ("172.16.5.9", ["192.168.0.0/16", "172.16.0.0/12"], True),
        ("8.8.8.8", ["192.168.0.0/16", "172.16.0.0/12"], False),
        ("10.0.0.1", ["10.0.0.0/8", "not a cidr"], True),  # stops at the first match
    ],
)
def test_in_subnet(ip: str, cidrs: list[str], expected: bool) -> None:
    names = [f"c{i}" for i in range(len(cidrs))]
    expression = f"IN_SUBNET(ip, {', '.join(names)})"
    assert ev(expression, ip=ip, **dict(zip(names, cidrs))) is expected


def test_in_subnet_nulls() -> None:
    assert ev("IN_SUBNET(null, '10.0.0.0/8')") is False
    assert ev("IN_SUBNET(missing, 'garbage')") is False  # a null address is never checked
    assert ev("IN_SUBNET('10.0.0.1', null, '10.0.0.0/8')") is True
    assert ev("IN_SUBNET('not an ip', null)") is False  # no CIDR reached, no parsing


@pytest.mark.parametrize(
    "expression",
    [
        "IN_SUBNET('10.0.0.1', '10.0.0.0/0')",  # commons-net 3.1 wants 1..32
        "IN_SUBNET('10.0.0.1', '10.0.0.0/33')",
        "IN_SUBNET('10.0.0.1', '10.0.0.0')",
        "IN_SUBNET('10.0.0.1', '10.0.0.0/8 ')",
        "IN_SUBNET('10.0.0.1', '10.0.0/8')",
        "IN_SUBNET('10.0.0.1', '256.0.0.0/8')",
        "IN_SUBNET('10.0.0.1', '10.0.0.0/1234')",
        "IN_SUBNET('10.0.0.1', 'garbage', '10.0.0.0/8')",
        "IN_SUBNET('256.0.0.1', '10.0.0.0/8')",
        "IN_SUBNET('1.2.3', '10.0.0.0/8')",
        "IN_SUBNET('1.2.3.4.5', '10.0.0.0/8')",
        "IN_SUBNET('::1', '10.0.0.0/8')",
        "IN_SUBNET('', '10.0.0.0/8')",
        "IN_SUBNET(' 10.0.0.1', '10.0.0.0/8')",
        "IN_SUBNET('10.0.0.0001', '10.0.0.0/8')",
        "IN_SUBNET(10, '10.0.0.0/8')",
        "IN_SUBNET('10.0.0.1', 8)",
        "IN_SUBNET('10.0.0.1')",
        "IN_SUBNET()",
    ],
)
def test_in_subnet_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


@pytest.mark.parametrize(
    ("ip", "cidr"),
    [
        ("10.0.0.1\n", "10.0.0.0/8"),
        ("\u0661.0.0.1", "10.0.0.0/8"),  # only ASCII digits
        ("10.0.0.1", "10.0.0.0/\u0668"),
        ("10.0.0.1", "\u0661\u0660.0.0.0/8"),
    ],
)
def test_in_subnet_rejects_other_digits_and_whitespace(ip: str, cidr: str) -> None:
    with pytest.raises(stellar.StellarError, match="IN_SUBNET"):
        ev("IN_SUBNET(ip, cidr)", ip=ip, cidr=cidr)


@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(1, 32),
)
def test_in_subnet_matches_host_range(ip: int, net: int, bits: int) -> None:
    network = ipaddress.IPv4Network((net, bits), strict=False)
    address = ipaddress.IPv4Address(ip)
    if bits <= 30:
        expected = network.network_address < address < network.broadcast_address
    else:
        expected = ip == 0
    cidr = f"{ipaddress.IPv4Address(net)}/{bits}"
    assert ev("IN_SUBNET(ip, cidr)", ip=str(address), cidr=cidr) is expected


@given(st.text(max_size=20), st.text(max_size=20))
def test_in_subnet_never_crashes(ip: str, cidr: str) -> None:
    try:
        result = ev("IN_SUBNET(ip, cidr)", ip=ip, cidr=cidr)
    except stellar.StellarError:
        return
    assert result in (True, False)


# -- DOMAIN_TO_TLD / DOMAIN_REMOVE_TLD / DOMAIN_REMOVE_SUBDOMAINS --------------------------

DOMAINS = [
    # domain, TLD, without TLD, without subdomains
    ("shop.example.co.uk", "co.uk", "shop.example", "example.co.uk"),
    ("example.com", "com", "example", "example.com"),
    ("com", "com", "", "com"),
    ("co.uk", "co.uk", "", "co.uk"),
    ("net.net.net", "net", "net.net", "net.net"),
    ("uk.co.uk.co.uk", "co.uk", "uk.co.uk", "uk.co.uk"),
    ("Mail.Example.COM", "com", "Mail.Example", "Example.com"),  # the suffix comes back lower-case
    ("a.b.notatld", "notatld", "a.b", "b.notatld"),  # unknown suffix: the last label
    ("notatld", "notatld", "", "notatld"),
    ("myblog.blogspot.com", "blogspot.com", "myblog", "myblog.blogspot.com"),  # private section
    ("x.myblog.blogspot.com", "blogspot.com", "x.myblog", "myblog.blogspot.com"),
    ("shop.foo.ck", "foo.ck", "shop", "shop.foo.ck"),  # wildcard rule *.ck
    ("www.ck", "ck", "www", "www.ck"),  # exception rule !www.ck
    ("kawasaki.jp", "jp", "kawasaki", "kawasaki.jp"),  # a wildcard does not list its parent
    ("city.kawasaki.jp", "kawasaki.jp", "city", "city.kawasaki.jp"),
    ("a.b.kawasaki.jp", "b.kawasaki.jp", "a", "a.b.kawasaki.jp"),
    ("例子.公司.cn", "公司.cn", "例子", "例子.公司.cn"),
    ("x.xn--55qx5d.cn", "xn--55qx5d.cn", "x", "x.xn--55qx5d.cn"),  # the same rule, punycoded
    ("example。com", "com", "example", "example.com"),  # ideographic full stop
    ("a_b.example.com", "com", "a_b.example", "example.com"),
    ("3com.com", "com", "3com", "3com.com"),
    # A trailing dot is dropped before the lookup but not from the arithmetic on the text.
    ("example.com.", "com", "example.", ".com"),
]


@pytest.mark.parametrize(("domain", "tld", "no_tld", "no_subdomains"), DOMAINS)
def test_domain_functions(domain: str, tld: str, no_tld: str, no_subdomains: str) -> None:
    assert ev("DOMAIN_TO_TLD(d)", d=domain) == tld
    assert ev("DOMAIN_REMOVE_TLD(d)", d=domain) == no_tld
    assert ev("DOMAIN_REMOVE_SUBDOMAINS(d)", d=domain) == no_subdomains


@pytest.mark.parametrize(
    ("domain", "tld"),
    [
        ("10.0.0.1", "1"),  # the last label may not start with a digit
        ("a..b", "b"),
        ("-bad.com", "com"),
        ("bad-.com", "com"),
        ("_x.com", "com"),
        ("a b.com", "com"),
        ("", ""),
        (".", ""),
        ("x" * 64 + ".com", "com"),  # a label longer than 63
        ("a." * 127 + "com", "com"),  # more than 127 labels
    ],
)
def test_invalid_domains(domain: str, tld: str) -> None:
    # Not a domain name: the TLD falls back to the text after the last dot, the rest is null.
    assert ev("DOMAIN_TO_TLD(d)", d=domain) == tld
    assert ev("DOMAIN_REMOVE_TLD(d)", d=domain) is None
    assert ev("DOMAIN_REMOVE_SUBDOMAINS(d)", d=domain) is None


def test_domain_nulls() -> None:
    assert ev("DOMAIN_TO_TLD(null)") == "null"
    assert ev("DOMAIN_REMOVE_TLD(null)") is None
    assert ev("DOMAIN_REMOVE_SUBDOMAINS(null)") is None
    assert ev("DOMAIN_REMOVE_SUBDOMAINS()") is None


@pytest.mark.parametrize(
    "expression",
    [
        "DOMAIN_TO_TLD()",
        "DOMAIN_REMOVE_TLD()",
        "DOMAIN_TO_TLD(1)",
        "DOMAIN_REMOVE_TLD(['example.com'])",
        "DOMAIN_REMOVE_SUBDOMAINS(true)",
    ],
)
def test_domain_errors(expression: str) -> None:
    with pytest.raises(stellar.StellarError):
        ev(expression)


@given(st.text(max_size=30))
def test_domain_functions_never_crash(domain: str) -> None:
    tld = ev("DOMAIN_TO_TLD(d)", d=domain)
    assert isinstance(tld, str)
    for function in ("DOMAIN_REMOVE_TLD", "DOMAIN_REMOVE_SUBDOMAINS"):
        assert ev(f"{function}(d)", d=domain) is None or isinstance(
            ev(f"{function}(d)", d=domain), str
        )


# -- URL_TO_* -----------------------------------------------------------------------------

URLS = [
    # url, protocol, host, port, path
    ("http://www.example.org/a/b", "http", "www.example.org", 80, "/a/b"),
    ("https://files.example.org:8443/x?y=1#z", "https", "files.example.org", 8443, "/x"),
    ("ftp://mirror.example.org/pub", "ftp", "mirror.example.org", 21, "/pub"),
    ("HTTP://Example.ORG", "http", "Example.ORG", 80, ""),  # the host keeps its case
    ("  url:http://x.example/p  ", "http", "x.example", 80, "/p"),
    ("http://joe:secret@h.example:81/p", "http", "h.example", 81, "/p"),
    ("http://a@b@h.example/p", "http", "", 80, "/p"),  # two '@': no host at all
    ("http://[2001:db8::1]:8080/x", "http", "[2001:db8::1]", 8080, "/x"),
    ("http://[::ffff:10.0.0.1]/", "http", "[::ffff:10.0.0.1]", 80, "/"),
    ("http://h.example:/p", "http", "h.example", 80, "/p"),  # empty port
    ("http://h.example:-1/p", "http", "h.example", 80, "/p"),  # -1 means "no port"
    ("http://h.example:99999/", "http", "h.example", 99999, "/"),  # not range checked
    ("http://h.example:+81/", "http", "h.example", 81, "/"),
    ("http://h.example:\u0668\u0661/", "http", "h.example", 81, "/"),  # Unicode digits
    ("http://h.example#frag/x", "http", "h.example", 80, ""),
    ("http://h.example?q=/x", "http", "h.example", 80, ""),
    ("http:relative/path", "http", "", 80, "relative/path"),
    ("http:/rooted", "http", "", 80, "/rooted"),
    ("http://", "http", "", 80, ""),
    ("http:////x/y", "http", "", 80, "////x/y"),
    ("file:///etc/hosts", "file", "", -1, "/etc/hosts"),
    ("file://server/share/f", "file", "server", -1, "/share/f"),
    ("mailto:joe@example.org?subject=hi", "mailto", "", -1, "joe@example.org"),
    ("jar:file:/app.jar!/com/x.class", "jar", "", -1, "file:/app.jar!/com/x.class"),
    ("jar:http://h.example/a.jar!/b?c", "jar", "", -1, "http://h.example/a.jar!/b"),
]


@pytest.mark.parametrize(("url", "protocol", "host", "port", "path"), URLS)
def test_url_functions(url: str, protocol: str, host: str, port: int, path: str) -> None:
    assert ev("URL_TO_PROTOCOL(u)", u=url) == protocol
    assert ev("URL_TO_HOST(u)", u=url) == host
    assert same(ev("URL_TO_PORT(u)", u=url), port)
    assert ev("URL_TO_PATH(u)", u=url) == path


@pytest.mark.parametrize(
    "url",
    [
        "www.example.org/index.html",  # no protocol
        "ssh://h.example/repo",  # no handler for the protocol
        "1http://h.example/",
        "#http://h.example/",
        "",
        "   ",
        "http://h.example:80x/",
        "http://h.example:-2/",
        "http://h.example:2147483648/",
        "http://[zz::1]/",
        "http://[::1]x/",
        "http://[1]/",
        "http://a\tb/",  # control characters are refused in a host
        "mailto:",
        "mailto:   \u2003",
        "jar:file:/app.jar",  # no "!/"
        "jar:nope:/app.jar!/x",  # the inner URL is malformed
        "jar:jar:file:/a.jar!/b.jar!/c",  # nested jar URLs
        " jar:file:/a.jar!/b",
    ],
)
def test_malformed_urls(url: str) -> None:
    for function in ("URL_TO_PROTOCOL", "URL_TO_HOST", "URL_TO_PORT", "URL_TO_PATH"):
        assert ev(f"{function}(u)", u=url) is None


@pytest.mark.parametrize(
    "function", ["URL_TO_PROTOCOL", "URL_TO_HOST", "URL_TO_PORT", "URL_TO_PATH"]
)
def test_url_argument_handling(function: str) -> None:
    assert ev(f"{function}(null)") is None
    with pytest.raises(stellar.StellarError):
        ev(f"{function}(80)")
    with pytest.raises(stellar.StellarError):
        ev(f"{function}()")


@given(st.text(max_size=40))
def test_url_functions_never_crash(text: str) -> None:
    for spec in (text, "http://" + text, "jar:" + text):
        port = ev("URL_TO_PORT(u)", u=spec)
        assert port is None or same(port, int(port))
        for function in ("URL_TO_PROTOCOL", "URL_TO_HOST"):
            value = ev(f"{function}(u)", u=spec)
            assert value is None or isinstance(value, str)


# -- PROTOCOL_TO_NAME ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("PROTOCOL_TO_NAME(6)", "TCP"),
        ("PROTOCOL_TO_NAME(17)", "UDP"),
        ("PROTOCOL_TO_NAME(1)", "ICMP"),
        ("PROTOCOL_TO_NAME(58)", "IPv6-ICMP"),
        ("PROTOCOL_TO_NAME(132)", "SCTP"),
        ("PROTOCOL_TO_NAME(135)", "Mobility Header"),
        ("PROTOCOL_TO_NAME(142)", "ROHC"),
        ("PROTOCOL_TO_NAME('50')", "ESP"),
        ("PROTOCOL_TO_NAME(' 47 ')", "GRE"),
        ("PROTOCOL_TO_NAME(17.9)", "UDP"),  # converted by truncation
        ("PROTOCOL_TO_NAME(88)", ""),  # Metron's table has no name for 88
        ("PROTOCOL_TO_NAME(61)", 61),  # unassigned in the table: the argument comes back
        ("PROTOCOL_TO_NAME(143)", 143),
        ("PROTOCOL_TO_NAME(0)", 0),
        ("PROTOCOL_TO_NAME(-6)", -6),
        ("PROTOCOL_TO_NAME('999')", "999"),
        ("PROTOCOL_TO_NAME('6.0')", "6.0"),  # not an integer string
        ("PROTOCOL_TO_NAME('tcp')", "tcp"),
        ("PROTOCOL_TO_NAME(null)", None),
    ],
)
def test_protocol_to_name(expression: str, expected: Any) -> None:
    assert same(ev(expression), expected)


def test_protocol_to_name_needs_an_argument() -> None:
    with pytest.raises(stellar.StellarError):
        ev("PROTOCOL_TO_NAME()")
