"""One normalisation of threat-intel indicators for every loader."""

from __future__ import annotations

import re

import pytest

from metron.enrichment.indicators import TYPES, normalize


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("ip", " 10.0.0.1 ", "10.0.0.1"),
        ("ip", "2001:db8::1", "2001:db8::1"),
        ("ip", "10.1.0.0/16", "10.1.0.0/16"),
        ("domain", "Evil.EXAMPLE.", "evil.example"),
        ("url", "http://x.example/a?b=C", "http://x.example/a?b=C"),
        ("email", "a@b.example", "a@b.example"),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha1", "a" * 40, "a" * 40),
        ("sha256", "B" * 64, "b" * 64),
        ("ssdeep", "3:abc:def", "3:abc:def"),
    ],
)
def test_values_are_stored_one_way(kind: str, value: str, stored: str) -> None:
    assert normalize(kind, value) == stored


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("ip", "10.0.0.256", "not an IP address"),
        ("domain", "a b.example", "not a domain"),
        ("domain", ".", "not a domain"),
        ("md5", "abc", "not a md5 hash (32 hex digits)"),
        ("sha1", "z" * 40, "not a sha1 hash"),
        ("url", "  ", "an empty url"),
        ("tlsh", "", "an empty tlsh"),
        ("asn", "1", "not an indicator type"),
    ],
)
def test_bad_values_are_named(kind: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        normalize(kind, value)


def test_every_type_is_known() -> None:
    assert set(TYPES) >= {"ip", "domain", "url", "email", "md5", "sha256"}
