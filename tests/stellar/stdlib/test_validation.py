"""IS_IP, IS_DOMAIN, IS_EMAIL, IS_URL and IS_INTEGER (commons-validator 1.6 semantics)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib import _validators
from metron.stellar.types import Float, JavaSet, Long


def ev(expression: str, variables: dict[str, Any] | None = None) -> Any:
    return stellar.evaluate(expression, variables or {})


IPV4 = [
    ("10.20.30.40", True),
    ("0.0.0.0", True),
    ("255.255.255.255", True),
    ("256.1.1.1", False),
    ("01.2.3.4", False),  # no leading zeros
    ("1.2.3.00", False),
    ("1.2.3", False),
    ("1.2.3.4.5", False),
    ("1.2.3.4 ", False),
    ("1.2.3.-4", False),
    ("1.2.3.\u0664", False),  # only ASCII digits
    ("1..3.4", False),
    ("1.2.3.4\n", False),
    ("", False),
]

IPV6 = [
    ("::", True),
    ("::1", True),
    ("1::", True),
    ("fe80::1:2", True),
    ("2001:db8:0:0:0:0:2:1", True),
    ("2001:DB8::ABCD", True),
    ("::ffff:192.0.2.1", True),
    ("1:2:3:4:5:6:192.0.2.1", True),
    ("1:2:3:4:5:6:7:192.0.2.1", False),  # the dotted quad counts as two groups
    ("1:2:3:4:5:6:7:8", True),
    ("1:2:3:4:5:6:7:8:9", False),
    ("1:2:3:4:5:6:7", False),
    ("1:2:3:4:5:6:7::", True),
    ("1::2::3", False),
    (":::", False),
    (":1::2", False),
    ("1::2:", False),
    ("12345::", False),
    ("g::1", False),
    ("::192.0.2.256", False),
    ("1:2:3:4:5:6:7:+8", True),  # Integer.parseInt accepts a '+' sign
    ("-0::", True),
    ("-1::", False),
    ("\uff11::", True),  # Character.digit accepts full-width digits
    ("\uff21::", True),
    ("[::1]", False),
    ("", False),
]


@pytest.mark.parametrize(("address", "expected"), IPV4)
def test_ipv4(address: str, expected: bool) -> None:
    assert _validators.is_valid_inet4(address) is expected
    assert ev("IS_IP(x, 'IPV4')", {"x": address}) is expected


@pytest.mark.parametrize(("address", "expected"), IPV6)
def test_ipv6(address: str, expected: bool) -> None:
    assert _validators.is_valid_inet6(address) is expected
    assert ev("IS_IP(x, 'IPV6')", {"x": address}) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("IS_IP('127.0.0.1')", True),
        ("IS_IP('::1')", True),
        ("IS_IP('2020/01/01')", False),
        ("IS_IP('::1', 'IPV4')", False),
        ("IS_IP('10.0.0.1', 'IPV6')", False),
        ("IS_IP('::1', 'ipv4')", True),  # an unknown type (case matters) means either
        ("IS_IP('::1', 'DEFAULT')", True),
        ("IS_IP('::1', '[IPV4,IPV6]')", True),
        ("IS_IP('::1', ['IPV4'])", True),  # a list is toString()ed: '[IPV4]'
        ("IS_IP('::1', null)", True),
        ("IS_IP('10.0.0.1', 'IPV4', 'extra')", True),
        ("IS_IP(x)", False),
        ("IS_IP(y)", False),
        ("IS_IP(null)", False),
        ("IS_IP()", False),
        ("IS_IP(1)", False),
    ],
)
def test_is_ip(expression: str, expected: bool) -> None:
    assert ev(expression, {"x": Float(2.3), "y": None}) is expected


DOMAINS = [
    ("example.com", True),
    ("www.example.co.uk", True),
    ("EXAMPLE.ORG", True),
    ("example.com.", True),  # one trailing dot is allowed
    ("example.com..", False),
    ("sub-domain.example.net", True),
    ("-bad.example.net", False),
    ("bad-.example.net", False),
    ("1st.example.net", True),  # labels may start with a digit
    ("example.c0m", False),
    ("example.1com", False),  # the top label starts with a letter
    ("example.notarealtld", False),
    ("com", False),  # a bare TLD is not a domain
    ("localhost", False),
    ("host.localhost", False),
    ("under_score.example.com", False),
    ("a" * 63 + ".com", True),
    ("a" * 64 + ".com", False),
    (("a" * 61 + ".") * 4 + "com", True),  # 251 characters
    (("a" * 62 + ".") * 4 + "com", False),  # 255 characters: over 253
    ("b\u00fccher.de", True),  # converted to punycode first
    ("xn--bcher-kva.de", True),
    ("\u4f8b\u3048.\u30c6\u30b9\u30c8", False),  # TLD .テスト is not delegated
    ("example.xn--p1ai", True),
    ("example.\u0440\u0444", True),
    ("1.2.3.4", False),
    ("", False),
    (" example.com", False),
]


@pytest.mark.parametrize(("domain", "expected"), DOMAINS)
def test_domains(domain: str, expected: bool) -> None:
    assert _validators.is_valid_domain(domain) is expected
    assert ev("IS_DOMAIN(x)", {"x": domain}) is expected


def test_local_domains_only_when_asked() -> None:
    assert _validators.is_valid_domain("localhost", allow_local=True)
    assert _validators.is_valid_domain("build-01", allow_local=True)
    assert _validators.is_valid_domain("db.localdomain", allow_local=True)
    assert not _validators.is_valid_domain("db.localdomain")
    assert _validators.is_valid_tld(".COM")
    assert not _validators.is_valid_tld("localhost")


EMAILS = [
    ("ops@example.com", True),
    ("first.last@mail.example.co.uk", True),
    ("first..last@example.com", False),
    (".first@example.com", False),
    ("first.@example.com", False),
    ("user+tag@example.com", True),
    ("o'brien@example.com", True),
    ('"john doe"@example.com', True),
    ('"unterminated@example.com', False),
    ("back\\@slash@example.com", True),  # a backslash escapes one character
    ("a@b@example.com", False),
    ("user@[10.1.2.3]", True),
    ("user@[2001:db8::1]", True),
    ("user@[300.1.2.3]", False),
    ("user@example", False),
    ("user@example.com.", False),  # a trailing dot is rejected up front
    ("  user@example.com  ", True),  # surrounding spaces are allowed
    ("user @example.com", False),
    ("user@ example.com", False),
    ("us(er@example.com", False),
    ("us\u00e9r@example.com", True),  # non-ASCII local parts are fine
    ("user@b\u00fccher.de", True),
    ("a" * 64 + "@example.com", True),
    ("a" * 65 + "@example.com", False),
    ("user@localhost", False),
    ("user@", False),
    ("@example.com", False),
    ("example.com", False),
    ("", False),
    ("user@example.com\nx", False),
]


@pytest.mark.parametrize(("email", "expected"), EMAILS)
def test_emails(email: str, expected: bool) -> None:
    assert _validators.is_valid_email(email) is expected
    assert ev("IS_EMAIL(x)", {"x": email}) is expected


URLS = [
    ("http://example.com", True),
    ("https://www.example.co.uk/", True),
    ("ftp://files.example.org/pub/file.txt", True),
    ("HTTP://EXAMPLE.COM", True),
    ("http://example.com:8080/path", True),
    ("http://example.com:65535", True),
    ("http://example.com:65536", False),
    ("http://example.com:99999999999", False),
    ("http://example.com:", True),  # an empty port is allowed
    ("http://example.com:8a", False),
    ("http://user:secret@example.com/", True),
    ("http://user@example.com", True),
    ("http://10.1.2.3/index.html", True),
    ("http://10.1.2.300/", False),
    ("http://[::1]:8080/", True),
    ("http://[::1]:99999/", True),  # the port of an IPv6 host is not checked
    ("http://[::g]/", False),
    ("http://example.notarealtld/", False),
    ("http://localhost/", False),
    ("http://example.com/a/b/../c", True),
    ("http://example.com/../c", False),
    ("http://example.com/a/../..", False),
    ("http://example.com/./a", True),
    ("http://example.com//a", False),
    ("http://example.com/a b", False),
    ("http://example.com/caf\u00e9", False),
    ("http://example.com/path?q=1&r=two", True),
    ("http://example.com/path?q=a b", False),
    ("http://example.com/?q=caf\u00e9", True),
    ("http://example.com/#frag ment", True),  # fragments are not checked
    ("http://b\u00fccher.de/", True),
    ("ssh://example.com", False),
    ("file:///etc/passwd", False),
    ("example.com", False),
    ("http:/example.com", False),
    ("http://", False),
    ("//example.com", False),
    ("http://example.com\n", False),
    ("", False),
]


@pytest.mark.parametrize(("url", "expected"), URLS)
def test_urls(url: str, expected: bool) -> None:
    assert _validators.is_valid_url(url) is expected
    assert ev("IS_URL(x)", {"x": url}) is expected


INTEGERS = [
    ("0", True),
    ("-17", True),
    ("  42  ", True),  # trimmed first
    ("1,000,000", True),
    ("1,0,0", True),  # grouping separators are not checked for position
    (",5", True),
    ("1,", False),
    ("1,,2", True),
    ("+1", False),
    ("1.0", False),
    ("1.", False),
    ("5E3", True),
    ("5E-3", True),
    ("5E+3", False),
    ("5e3", False),
    ("5E", False),
    ("1E99999999999999999999", False),
    ("99999999999999999999999", True),  # any size (the value saturates)
    ("\u0661\u0662", True),  # Unicode decimal digits
    ("\u221e", True),  # en_US infinity symbol
    ("-\u221e", True),
    ("\ufffd", True),  # Java 8's en_US NaN symbol
    ("NaN", False),
    ("0x1F", False),
    ("1 000", False),
    ("-", False),
    ("", False),
    (" ", False),
    ("one", False),
]


@pytest.mark.parametrize(("text", "expected"), INTEGERS)
def test_integers(text: str, expected: bool) -> None:
    assert _validators.is_valid_long(text) is expected
    assert ev("IS_INTEGER(x)", {"x": text}) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("IS_INTEGER(1)", True),
        ("IS_INTEGER(-1L)", True),
        ("IS_INTEGER(1.0)", False),  # toString() gives '1.0'
        ("IS_INTEGER(f)", False),
        ("IS_INTEGER(big)", False),  # '1.0E10'
        ("IS_INTEGER(true)", False),
        ("IS_INTEGER([1])", False),
        ("IS_INTEGER(1, '2', 3L)", True),
        ("IS_INTEGER(1, 'two')", False),
        ("IS_INTEGER(1, null)", False),
        ("IS_INTEGER(null)", False),
        ("IS_INTEGER()", False),
        ("IS_DOMAIN('example.com', 'example.org')", True),
        ("IS_DOMAIN('example.com', 'nope')", False),
        ("IS_DOMAIN(f)", False),
        ("IS_DOMAIN()", False),
        ("IS_DOMAIN(null)", False),
        ("IS_EMAIL('a@example.com', 'b@example.org')", True),
        ("IS_EMAIL('a@example.com', missing)", False),
        ("IS_EMAIL()", False),
        ("IS_EMAIL(f)", False),
        ("IS_URL('http://example.com', 'ftp://example.com')", True),
        ("IS_URL('http://example.com', '')", False),
        ("IS_URL()", False),
        ("IS_URL(f)", False),
    ],
)
def test_arguments(expression: str, expected: bool) -> None:
    variables = {"f": Float(2.7), "big": 1e10, "l": Long(5), "s": JavaSet(["a"])}
    assert ev(expression, variables) is expected


_CHARS = "0123456789abcdefE:.-_@/[]%?#!$&'()*+,;=~ \t\"\\\u00fc\u3002\u221e\ufffd\u0661"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_CHARS, max_size=24) | st.text(max_size=16))
def test_random_text_never_raises(text: str) -> None:
    for name in ("IS_IP", "IS_DOMAIN", "IS_EMAIL", "IS_URL", "IS_INTEGER"):
        assert ev(f"{name}(x)", {"x": text}) in (True, False)
    assert ev("IS_IP(x, 'IPV6')", {"x": text}) in (True, False)
    for prefix in ("http://", "u@", "::"):
        assert ev("IS_URL(x) or IS_EMAIL(x) or IS_IP(x)", {"x": prefix + text}) in (True, False)
