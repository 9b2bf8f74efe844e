"""The sourcefire parser: the connection tuple, the signature id, Metron's quirks."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metron.parsing.base import ParserError
from metron.parsing.parsers._javatext import java_split, java_trim
from metron.parsing.parsers.sourcefire import SourcefireParser
from metron.stellar.types import Long


def parse(line: str | bytes, **config: Any) -> dict[str, Any]:
    raw = line.encode() if isinstance(line, str) else line
    result = SourcefireParser(config).parse(raw)
    assert len(result.messages) == 1 and not result.errors
    return result.messages[0]


def test_snort_alert() -> None:
    line = "snort[9]: [1:2019401:3] ET POLICY Java [Priority: 1] {TCP} 10.2.1.5:49852 -> 198.51.100.80:80"
    before = time.time_ns() // 1_000_000
    m = parse(line)
    assert type(m["timestamp"]) is Long and before <= m["timestamp"] <= time.time_ns() // 1_000_000
    del m["timestamp"]
    assert m == {
        "key": "{TCP} 10.2.1.5:49852 -> 198.51.100.80:80",
        "protocol": "tcp",
        "ip_src_addr": "10.2.1.5",
        "ip_src_port": "49852",
        "ip_dst_addr": "198.51.100.80",
        "ip_dst_port": "80",
        "signature_id": "[1:2019401:3]",
        "original_string": "snort[9]:  [1:2019401:3]  ET POLICY Java [Priority: 1] {TCP} 10.2.1.5:49852 -> 198.51.100.80:80",
    }


def test_quirks() -> None:
    # no ports; no signature: original_string is the line and signature_id is empty
    m = parse("SFIMS: x {ICMP} 10.2.1.9 -> 10.2.0.2")
    assert (m["ip_src_addr"], m["ip_dst_addr"], m["signature_id"]) == ("10.2.1.9", "10.2.0.2", "")
    assert "ip_src_port" not in m and m["original_string"] == "SFIMS: x {ICMP} 10.2.1.9 -> 10.2.0.2"
    # the last signature of the line; a two-digit revision is not one
    assert parse("a [1:2:3] b [1:4:5] {UDP} 1.1.1.1:1 -> 2.2.2.2:2")["signature_id"] == "[1:4:5]"
    assert parse("a [1:4:12] {UDP} 1.1.1.1:1 -> 2.2.2.2:2")["signature_id"] == ""
    # IPv6 addresses are cut at the first colon, as Metron's split does
    m = parse("{TCP} 2001:db8::5:443 -> 2001:db8::9:80")
    assert (m["ip_src_addr"], m["ip_src_port"]) == ("2001", "db8")
    # an empty address before the port
    assert parse("{TCP} :8443 -> 10.0.0.4:22")["ip_src_addr"] == ""
    # Java's trim strips control characters, not Unicode blanks
    assert parse("{TCP}\x01 1.1.1.1:1\t-> 2.2.2.2:2\x0b")["ip_dst_port"] == "2"
    # Java's `.` stops at \r: the signature is found before a trailing carriage return
    assert (
        parse("[1:2:3] {TCP} 1.1.1.1:1 -> 2.2.2.2:2\r")["original_string"]
        == " [1:2:3]  {TCP} 1.1.1.1:1 -> 2.2.2.2:2"
    )


@pytest.mark.parametrize(
    "line",
    [
        "no braces at all",
        "{TCP} 1.1.1.1:1",
        "{TCP 1.1.1.1:1 -> 2.2.2.2:2",
        "x -> y {TCP}",
        "{TCP} 1.1.1.1: -> 2.2.2.2:2",
        "{TCP} :: -> 1.1.1.1",
        "",
    ],
)
def test_lines_metron_drops_are_errors(line: str) -> None:
    with pytest.raises(ParserError):
        SourcefireParser({}).parse(line.encode())


def test_read_charset() -> None:
    line = "é {TCP} 1.1.1.1:1 -> 2.2.2.2:2"
    assert parse(line.encode("latin-1"), readCharset="ISO-8859-1")["original_string"] == line


def test_java_string_helpers() -> None:
    assert java_split("a:b::", ":") == ["a", "b"]
    assert java_split("", ":") == [""] and java_split("::", ":") == []
    assert java_split(":a", ":") == ["", "a"]
    assert java_trim("\x00 a b\x1f ") == "a b" and java_trim("\u00a0a") == "\u00a0a"


def test_megabyte_lines_are_quick() -> None:
    for line in (
        "[1:2:3" * 200_000,
        "{" * 1_000_000,
        "a" * 1_000_000 + "{TCP} 1.1.1.1:1 -> 2.2.2.2:2",
    ):
        start = time.perf_counter()
        with contextlib.suppress(ParserError):
            SourcefireParser({}).parse(line.encode())
        assert time.perf_counter() - start < 5


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise(raw: bytes) -> None:
    try:
        result = SourcefireParser({}).parse(
            raw + b" {TCP} 1.1.1.1:1 -> 2.2.2.2:2" if raw[:1] == b"x" else raw
        )
    except ParserError:
        return
    assert len(result.messages) == 1
