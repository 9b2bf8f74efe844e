"""The regular_expressions parser: header, record type and per-type Java regexes."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.errors import ConfigError
from metron.parsing.base import ParserError
from metron.parsing.parsers.regular_expressions import (
    RegularExpressionsParser,
    group_names,
    upper_camel_to_lower_underscore,
)
from metron.stellar.types import Long

CONFIG: dict[str, Any] = {
    "convertCamelCaseToUnderScore": True,
    "messageHeaderRegex": r"^<(?<syslogPriority>\d+)>(?<deviceTime>\w{3} +\d+ [\d:]+) (?<deviceName>\S*)",
    "recordTypeRegex": r"(?<appName>(?<=\s)\b(named|dhcpd)\b(?=\[|:))",
    "fields": [
        {
            "recordType": "named",
            "regex": [
                r".*query: (?<queryName>\S+) IN (?<queryType>\S+).*",
                r".*client (?<ipSrcAddr>[\d.]+)#(?<ipSrcPort>\d+).*",
            ],
        },
        {"recordType": "DHCPD", "regex": r".*DHCPACK on (?<ipDstAddr>[\d.]+) to (?<mac>\S+).*"},
    ],
}


def _parse(config: dict[str, Any], line: str) -> dict[str, Any]:
    (m,) = RegularExpressionsParser(config).parse(line.encode()).messages
    if "timestamp" in m:
        assert type(m.pop("timestamp")) is Long
    return m


def test_header_record_type_and_first_matching_regex() -> None:
    line = "<30>Jun  3 04:05:06 ns1 named[881]: client 192.0.2.7#5353: query: example.org IN AAAA +"
    assert _parse(CONFIG, line) == {
        "syslog_priority": "30",
        "device_time": "Jun  3 04:05:06",
        "device_name": "ns1",
        "app_name": "named",
        "query_name": "example.org",
        "query_type": "AAAA",
        "original_string": line,
    }


def test_record_types_compare_lower_case() -> None:
    line = "<30>Jun  3 04:05:07 dhcp1 dhcpd: DHCPACK on 10.0.0.44 to 3c:22:fb:00:00:01 via eth0"
    m = _parse(CONFIG, line)
    assert (m["ip_dst_addr"], m["mac"], m["app_name"]) == (
        "10.0.0.44",
        "3c:22:fb:00:00:01",
        "dhcpd",
    )


def test_blank_header_values_are_left_out_and_the_line_is_trimmed() -> None:
    line = "  <30>Jun  3 04:05:07  named[1]: nothing else  "
    m = _parse(CONFIG, line)
    assert "device_name" not in m
    assert m["original_string"] == line.strip()
    assert m["app_name"] == "named"


def test_blank_line_gives_an_empty_message() -> None:
    assert RegularExpressionsParser(CONFIG).parse(b" \t ").messages == [{}]


def test_without_camel_case_conversion_names_stay() -> None:
    config = {**CONFIG, "convertCamelCaseToUnderScore": False}
    m = _parse(config, "<30>Jun  3 04:05:07 dhcp1 dhcpd: DHCPACK on 10.0.0.44 to aa via x")
    assert m["ipDstAddr"] == "10.0.0.44"
    assert m["syslogPriority"] == "30"


def test_a_later_entry_for_a_record_type_replaces_the_earlier() -> None:
    config = {
        "recordTypeRegex": r"\w+",
        "fields": [
            {"recordType": "a", "regex": r"a (?<one>\w+)"},
            {"recordType": "A", "regex": r"a (?<two>\w+)"},
            {"recordType": "b"},  # no regex: skipped
        ],
    }
    assert _parse(config, "a x") == {"two": "x", "original_string": "a x"}


def test_a_name_in_the_text_that_is_not_a_group_is_an_error_when_matched() -> None:
    config = {
        "recordTypeRegex": r"\w+",
        "fields": [{"recordType": "a", "regex": r"a [(?<no>]*(?<yes>\w+)"}],
    }
    with pytest.raises(ParserError, match="No group with name <no>"):
        RegularExpressionsParser(config).parse(b"a x")


@pytest.mark.parametrize(
    ("name", "converted"),
    [
        ("ipSrcAddr", "ip_src_addr"),
        ("IpSrc", "ip_src"),
        ("A", "a"),
        ("AB", "a_b"),
        ("ipSRC", "ip_s_r_c"),
        ("lower", "lower"),
        ("x9Y", "x9_y"),
    ],
)
def test_guava_camel_to_underscore(name: str, converted: str) -> None:
    assert upper_camel_to_lower_underscore(name) == converted


def test_group_names_are_read_from_the_text() -> None:
    assert group_names(r"(?<b>x)(?<a>y)(?<=z)(?<b>w)(?<_c>v)") == ["a", "b"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"fields": []}, "recordTypeRegex is missing"),
        ({"recordTypeRegex": "  ", "fields": []}, "recordTypeRegex is missing"),
        ({"recordTypeRegex": "x"}, "fields is missing"),
        ({"recordTypeRegex": "(", "fields": []}, "Invalid config"),
        (
            {"recordTypeRegex": "x", "fields": [{"recordType": "a", "regex": "(?<bad_name>x)"}]},
            "Invalid config",
        ),
        (
            {"recordTypeRegex": "x", "fields": [], "messageHeaderRegex": ["ok", 3]},
            "must be a string",
        ),
        ({"recordTypeRegex": "x", "fields": ["a"]}, "fields\\[0\\]"),
        (
            {"recordTypeRegex": "x", "fields": [], "convertCamelCaseToUnderScore": "true"},
            "true or false",
        ),
    ],
)
def test_bad_configs(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RegularExpressionsParser(config)


def test_megabyte_line_with_linear_regexes() -> None:
    config = {
        "recordTypeRegex": r"(?<kind>^\w+)",
        "fields": [{"recordType": "a", "regex": r"a (?<rest>[^ ]*)"}],
    }
    start = time.perf_counter()
    m = _parse(config, "a " + "x" * 1_000_000)
    assert len(m["rest"]) == 1_000_000
    assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    with contextlib.suppress(ParserError):
        RegularExpressionsParser(CONFIG).parse(raw)
